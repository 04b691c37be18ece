# Shared helpers for the end-to-end tests; each tests/cli/test_*.sh sources
# this file, so every test gets its own scratch folder, removed on exit.

set -u
: "${IMGPIPE:?set IMGPIPE to the absolute path of the imgpipe binary}"

CLI_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$CLI_DIR/../.." && pwd)
DATA=$TOP/tests/data
SAMPLES=$TOP/samples
T=$(mktemp -d "${TMPDIR:-/tmp}/imgpipe-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 129' HUP INT TERM
nfail=0
rc=0

fail()
{
	echo "FAIL: $*"
	nfail=$((nfail + 1))
}

# check DESCRIPTION COMMAND...: record a failure if COMMAND fails.
check()
{
	_desc=$1
	shift
	"$@" || fail "$_desc"
}

# run ARGS...: run imgpipe, keep stdout/stderr in $T/stdout, $T/stderr and
# the exit status in $rc; a sanitizer report is always a failure.
run()
{
	rc=0
	"$IMGPIPE" "$@" >"$T/stdout" 2>"$T/stderr" </dev/null || rc=$?
	if grep -q -e 'Sanitizer' -e 'runtime error:' "$T/stderr"; then
		fail "sanitizer report from: imgpipe $*"
		sed 's/^/  | /' "$T/stderr"
	fi
}

# expect STATUS ARGS...: run imgpipe and check its exit status.
expect()
{
	_want=$1
	shift
	run "$@"
	if [ "$rc" -ne "$_want" ]; then
		fail "imgpipe $*: exit $rc, want $_want"
		sed 's/^/  | /' "$T/stderr"
	fi
}

# listfiles DIR: every regular file under DIR, relative, sorted.
listfiles()
{
	(cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
}

# nfiles DIR: how many regular files are under DIR.
nfiles()
{
	find "$1" -type f | wc -l | tr -d ' '
}

# imginfo FILE: "FORMAT W H CHANNELS complete|incomplete exif|noexif".
imginfo()
{
	python3 "$CLI_DIR/imginfo.py" "$1"
}

# complete_images DIR: every file under DIR is a complete JPEG or PNG.
complete_images()
{
	_bad=0
	[ -d "$1" ] || return 0
	for _f in $(find "$1" -type f); do
		case $(imginfo "$_f") in
		jpeg*" complete "* | png*" complete "*) ;;
		*) echo "  not a complete image: $_f"; _bad=1 ;;
		esac
	done
	return $_bad
}

# no_tmp DIR: no temporary file was left behind under DIR.
no_tmp()
{
	[ ! -d "$1" ] || [ -z "$(find "$1" \( -name '.*' -o -name '*.tmp' -o -name '*~' \) \
	    -type f)" ]
}

# report_get FILE EXPR: evaluate a Python expression over the report `r`.
report_get()
{
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# stderr_lines_naming NAME: how many "imgpipe: ...NAME: ..." lines there are.
stderr_lines_naming()
{
	grep -c "^imgpipe: .*$1: " "$T/stderr" || true
}

# put_samples DIR FILE...: copy samples (by base name) into DIR.
put_samples()
{
	_d=$1
	shift
	mkdir -p "$_d"
	for _s in "$@"; do
		cp "$SAMPLES/$_s" "$_d/" || fail "missing sample $_s"
	done
}

finish()
{
	if [ "$nfail" -ne 0 ]; then
		echo "$(basename "$0" .sh): $nfail check(s) failed"
		exit 1
	fi
	exit 0
}
