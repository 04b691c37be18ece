#!/bin/sh
# One end-to-end run of the real binary per mode under valgrind (memcheck):
# any invalid access, use of uninitialised memory or leak fails the run.
#   sh tests/valgrind.sh [IMGPIPE]      (default build/imgpipe)
# procs follows its fork()ed workers (--trace-children); coop switches
# between coroutine stacks, which memcheck takes for huge stack frames, so
# --max-stackframe is raised and stack-switch warnings are not errors.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$TOP/build/imgpipe}
command -v valgrind >/dev/null || {
	echo "valgrind: not installed (apt-get install valgrind)"
	exit 1
}
T=$(mktemp -d "${TMPDIR:-/tmp}/imgpipe-vg.XXXXXX")
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/in"
cp "$TOP/tests/data/jpeg/testorig.jpg" "$TOP/tests/data/jpeg/testimgint.jpg" \
    "$TOP/tests/data/pngsuite/basn6a08.png" \
    "$TOP/tests/data/pngsuite/basn3p04.png" "$T/in/"
# A bad file too, so that the error paths are walked.
printf '\377\330\377junk' >"$T/in/bad.jpg"

modes="seq threads procs coop"
mkdir -p "$T/empty"
if "$BIN" -m omp "$T/empty" "$T/probe" >/dev/null 2>&1; then
	modes="$modes omp"
else
	echo "valgrind omp: skipped (not in this build)"
fi

fail=0
for m in $modes; do
	extra=""
	[ "$m" = coop ] && extra="--yield-rows 8"
	rc=0
	valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	    --trace-children=yes --max-stackframe=16777216 \
	    --log-file="$T/vg-$m.%p.log" \
	    "$BIN" -m "$m" -j 2 $extra -p 'resize=32x32,sharpen=0.5' \
	    "$T/in" "$T/out-$m" >/dev/null 2>"$T/err-$m" || rc=$?
	errs=$(cat "$T"/vg-"$m".*.log 2>/dev/null | grep -c '^==[0-9]*== [A-Z]')
	# 1: bad.jpg failed, as it must; 99: valgrind found errors.
	if [ "$rc" -ne 1 ] || [ "$errs" -ne 0 ]; then
		echo "valgrind $m: FAILED (exit $rc)"
		cat "$T"/vg-"$m".*.log "$T/err-$m" | sed 's/^/  | /' | head -60
		fail=1
	else
		echo "valgrind $m: ok ($(ls "$T/out-$m" | wc -l) images written)"
	fi
done
exit $fail
