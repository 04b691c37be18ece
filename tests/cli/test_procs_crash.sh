# procs: a worker killed with SIGKILL in the middle of a batch costs exactly
# the image it held.  That image is named with "worker crashed (SIGKILL)",
# every other image is written, the exit status is 1, and no temporary
# file of the dead worker is left behind.  Also with URL inputs, where a
# worker downloads, then computes holding one of the CPU tokens it shares
# with the others (tests/test_exec.c checks that a dead worker's token
# comes back).  Once more with --pin, which each worker applies right
# after its fork.
. "$(dirname "$0")/lib.sh"

# Many images, so that the batch is still running when the kill comes on a
# fast machine too: the kill waits for two outputs (the workers are then
# busy), not for a fixed time.
n_in=48
in=$T/in
mkdir -p "$in"
i=0
while [ "$i" -lt "$n_in" ]; do
	cp "$SAMPLES/picos-de-europa.jpg" "$in/p$i.jpg"
	i=$((i + 1))
done

crash_case()
{
	out=$T/out-$1
	shift
	"$IMGPIPE" "$@" "$out" -m procs -j 2 -p blur=6,sharpen=2 --no-progress \
	    --report "$T/report.json" >"$T/stdout" 2>"$T/stderr" </dev/null &
	pid=$!
	victim=
	tries=0
	while [ "$tries" -lt 400 ]; do
		if [ -d "$out" ] && [ "$(find "$out" -name 'p*.jpg' | wc -l)" -ge 2 ]; then
			victim=$(children "$pid" | sed -n '1s/:.*//p')
			break
		fi
		sleep 0.05
		tries=$((tries + 1))
	done
	[ -n "$victim" ] || fail "no worker process found under $pid"
	[ -n "$victim" ] && kill -KILL "$victim"
	rc=0
	wait "$pid" || rc=$?

	[ "$rc" -eq 1 ] || fail "exit $rc, want 1"
	n=$(grep -c 'worker crashed (SIGKILL)' "$T/stderr")
	[ "$n" -eq 1 ] || fail "$n 'worker crashed (SIGKILL)' lines, want 1"
	grep -q "^imgpipe: [^ ]*p[0-9]*\.jpg: worker crashed (SIGKILL)$" "$T/stderr" ||
	    fail "the crash line does not name the image"
	[ "$(nfiles "$out")" -eq $((n_in - 1)) ] ||
	    fail "$(nfiles "$out") outputs, want $((n_in - 1))"
	check "incomplete output" complete_images "$out"
	check "temporary file left behind" no_tmp "$out"
	python3 - "$T/report.json" <<-'PY' || fail "report does not show one crashed image"
	import json, sys
	r = json.load(open(sys.argv[1]))
	bad = [f for f in r["files"] if f["status"] != "ok"]
	assert len(bad) == 1 and bad[0]["error"] == "worker crashed (SIGKILL)", bad
	assert r["images"]["failed"] == 1, r["images"]
	assert r["images"]["ok"] == len(r["files"]) - 1, r["images"]
	PY
}

crash_case files "$in"
# Pinned workers (--pin): the replacement pins itself like the others.
crash_case pinned "$in" --pin cores

# URL inputs: the same photos from the loopback server.
if "$IMGPIPE" --version | grep -E '^inputs:.* urls( |$)' >/dev/null &&
    [ -x "${IMGPIPE_TOOLS:-}/photoserv" ]; then
	serve "$in" --latency-ms 20
	for f in "$in"/*.jpg; do
		echo "http://127.0.0.1:$PORT/${f##*/}"
	done >"$T/urls"
	crash_case urls --urls "$T/urls"
else
	skip_part "URL inputs: not in this build (CURL=0) or no photoserv"
fi
finish
