# SIGINT and SIGTERM during a batch: exit status 130 after a clean shutdown,
# every file left in OUTPUT_DIR complete, no temporary file.
. "$(dirname "$0")/lib.sh"

in=$T/in
mkdir -p "$in"
i=0
while [ "$i" -lt 24 ]; do
	cp "$SAMPLES/picos-de-europa.jpg" "$in/p$i.jpg"
	i=$((i + 1))
done

for sig in INT TERM; do
	out=$T/out$sig
	"$IMGPIPE" "$in" "$out" -p blur=8,sharpen=2 --no-progress \
	    >"$T/stdout" 2>"$T/stderr" </dev/null &
	pid=$!
	sleep 1
	kill -s "$sig" "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 130 ] || fail "SIG$sig: exit $rc, want 130"
	check "SIG$sig: incomplete output" complete_images "$out"
	check "SIG$sig: temporary file left behind" no_tmp "$out"
	[ "$(nfiles "$out" 2>/dev/null || echo 0)" -lt 24 ] ||
	    fail "SIG$sig: the batch finished before the signal (make it heavier)"
done
finish
