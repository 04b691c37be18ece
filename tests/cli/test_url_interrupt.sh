# SIGINT while transfers drip (1 byte a second), in every mode: exit 130,
# no worker left, nothing partial and no temporary file.  The wait for the
# exit is bounded by a generous safety limit, not timed.
. "$(dirname "$0")/lib.sh"
need_urls

in=$T/in
mkdir -p "$in"
cp "$DATA/photos/apple-iphone7.jpg" "$in/"
serve "$in"
base=http://127.0.0.1:$PORT
{
	echo "$base/apple-iphone7.jpg"
	i=1
	while [ "$i" -le 8 ]; do
		echo "$base/_/drip/copy/$i/apple-iphone7.jpg"
		i=$((i + 1))
	done
} >"$T/urls"

interrupt()
{
	tag=$1
	shift
	out=$T/out-$(echo "$tag" | tr -c 'a-z0-9\n' _)
	"$IMGPIPE" -j 4 -p resize=100x100 --no-progress --timeout 120 \
	    "$@" --urls "$T/urls" "$out" >"$T/stdout" 2>"$T/stderr" \
	    </dev/null &
	pid=$!
	# Long enough for the transfers to be under way.
	sleep 1
	kids=$(children "$pid")
	kill -s INT "$pid"
	_i=0
	while kill -0 "$pid" 2>/dev/null && [ "$_i" -lt 300 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		fail "$tag: still running 30 s after SIGINT"
		kill -s KILL "$pid"
	fi
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 130 ] || {
		fail "$tag: exit $rc, want 130"
		sed 's/^/  | /' "$T/stderr"
	}
	for _k in $kids; do
		! alive "$_k" ||
		    fail "$tag: worker ${_k%%:*} outlived the batch"
	done
	check "$tag: incomplete output" complete_images "$out"
	check "$tag: temporary file left behind" no_tmp "$out"
	[ -z "$(find "$out" -path '*/_/drip/*' -type f 2>/dev/null)" ] ||
	    fail "$tag: a dripping download was written"
}

set_modes
for mode in $modes; do
	interrupt "$mode" -m "$mode"
done
interrupt "coop --offload" -m coop --offload
interrupt "threads --gil" -m threads --gil
interrupt "threads --gil=release-in-c" -m threads --gil=release-in-c
finish
