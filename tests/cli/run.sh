#!/bin/sh
# End-to-end tests, OpenBSD regress style: runs every tests/cli/test_*.sh (or
# the ones named as arguments: a name is one of tests/cli/, a path with a
# slash is run as given, as `make test-scaleout` runs tests/scaleout/)
# against $IMGPIPE and ends with one line "N passed, N failed, N skipped";
# exits non-zero if any test failed.  A test that exits 77 (lib.sh's skip
# and skip_part) could not run all its checks here: it is counted as
# skipped, with its reasons, never as passed.

: "${IMGPIPE:?set IMGPIPE to the imgpipe binary}"
case $IMGPIPE in
/*) ;;
*) IMGPIPE=$(pwd)/$IMGPIPE ;;
esac
export IMGPIPE
# Sanitizer reports must not pass for the ordinary "an image failed" status.
ASAN_OPTIONS=${ASAN_OPTIONS:-exitcode=86}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:exitcode=86}
export ASAN_OPTIONS UBSAN_OPTIONS

dir=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ]; then
	tests=""
	for n in "$@"; do
		case $n in
		*/*) tests="$tests $n" ;; # a path: another suite's test
		*) tests="$tests $dir/$(basename "$n" .sh).sh" ;;
		esac
	done
else
	tests=$(ls "$dir"/test_*.sh)
fi

passed=0
failed=0
skipped=0
for t in $tests; do
	name=$(basename "$t" .sh)
	if [ ! -x "$IMGPIPE" ]; then
		out="no executable at $IMGPIPE"
		st=1
	else
		out=$(sh "$t" 2>&1)
		st=$?
	fi
	case $st in
	0)
		passed=$((passed + 1))
		echo "ok   $name"
		;;
	77)
		skipped=$((skipped + 1))
		echo "skip $name"
		printf '%s\n' "$out" |
		    sed -n 's/^skip: /     /p; s/^skip part: /     part not run: /p'
		;;
	*)
		failed=$((failed + 1))
		echo "FAIL $name"
		printf '%s\n' "$out" | sed 's/^/     /'
		;;
	esac
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
