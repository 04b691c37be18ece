# SIGINT, SIGTERM and SIGHUP during a batch, in every mode: exit status 130
# (129 for SIGHUP, 128 + 1 as shells report a hang-up) within two seconds,
# no worker left running, every file left in OUTPUT_DIR complete, no
# temporary file.
. "$(dirname "$0")/lib.sh"

# ThreadSanitizer runs signal handlers only when a thread next enters one of
# its interceptors, which a long blur never does; a lighter job, which calls
# them all the time, is still slow enough there to be interrupted midway.
job=blur=8,sharpen=2
n=64
# Under TSan a light job on more files: still well past the signal.
[ "${IMGPIPE_SAN:-}" = thread ] && job=resize=200x200 n=96

in=$T/in
mkdir -p "$in"
i=0
while [ "$i" -lt "$n" ]; do
	cp "$SAMPLES/picos-de-europa.jpg" "$in/p$i.jpg"
	i=$((i + 1))
done

# interrupt SIG TAG ARGS...: start a heavy batch, signal it after 0.7 s.
interrupt()
{
	_sig=$1
	_tag=$2
	shift 2
	out=$T/out-$_tag-$_sig
	"$IMGPIPE" "$in" "$out" -p "$job" -j 2 --no-progress "$@" \
	    >"$T/stdout" 2>"$T/stderr" </dev/null &
	pid=$!
	sleep 0.7
	# Workers are children of pid: none may outlive it.  Once it has
	# exited they would belong to init, so they are listed now.
	kids=$(children "$pid")
	kill -s "$_sig" "$pid"
	sent=$(date +%s%N)
	rc=0
	wait "$pid" || rc=$?
	ms=$((($(date +%s%N) - sent) / 1000000))
	_want=130
	[ "$_sig" = HUP ] && _want=129
	[ "$rc" -eq "$_want" ] || fail "$_tag SIG$_sig: exit $rc, want $_want"
	# A hang check, not a speed test (tests never time the code): a
	# shared machine may take seconds to schedule the exit.
	[ "$ms" -le 30000 ] || fail "$_tag SIG$_sig: still running 30 s after the signal"
	if [ "$_tag" = procs ] && [ -z "$kids" ]; then
		fail "$_tag SIG$_sig: no worker process found under $pid"
	fi
	for _k in $kids; do
		! alive "$_k" ||
		    fail "$_tag SIG$_sig: worker ${_k%%:*} outlived the batch"
	done
	check "$_tag SIG$_sig: incomplete output" complete_images "$out"
	check "$_tag SIG$_sig: temporary file left behind" no_tmp "$out"
	[ "$(nfiles "$out" 2>/dev/null || echo 0)" -lt "$n" ] ||
	    fail "$_tag SIG$_sig: finished before the signal (make it heavier)"
}

has_omp=0
need_omp && has_omp=1
for sig in INT TERM HUP; do
	interrupt "$sig" seq -m seq
	interrupt "$sig" threads -m threads
	interrupt "$sig" split -m threads --split rows
	interrupt "$sig" gil -m threads --gil
	interrupt "$sig" procs -m procs
	interrupt "$sig" coop -m coop
	interrupt "$sig" coop-offload -m coop --offload
	[ "$has_omp" -eq 0 ] || interrupt "$sig" omp -m omp
done
finish
