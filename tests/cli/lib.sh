# Shared helpers for the end-to-end tests; each tests/cli/test_*.sh sources
# this file, so every test gets its own scratch folder, removed on exit.

set -u
: "${IMGPIPE:?set IMGPIPE to the absolute path of the imgpipe binary}"

CLI_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$CLI_DIR/../.." && pwd)
DATA=$TOP/tests/data
SAMPLES=$TOP/samples
T=$(mktemp -d "${TMPDIR:-/tmp}/imgpipe-cli.XXXXXX")
# Servers a test started (serve, stop_at_exit) end with it.
_stop_pids=""
# stop_all: end every process given to stop_at_exit, the last started first
# (a daemon may need the one started before it to shut down cleanly), and
# wait for each.  The exit trap calls it; a test may call it earlier.
stop_all()
{
	_rev=""
	for _p in $_stop_pids; do
		_rev="$_p $_rev"
	done
	_stop_pids=""
	for _p in $_rev; do
		kill "$_p" 2>/dev/null && wait "$_p" 2>/dev/null
	done
}
_at_exit()
{
	_st=$?
	stop_all
	# A sanitizer report from a server fails the test too.
	if grep -l -e 'Sanitizer' -e 'runtime error:' "$T"/serve.*.out \
	    >/dev/null 2>&1; then
		echo "FAIL: sanitizer report from photoserv:"
		sed 's/^/  | /' "$T"/serve.*.out
		_st=1
	fi
	rm -rf "$T"
	exit "$_st"
}
trap '_at_exit' EXIT
trap 'exit 129' HUP INT TERM
nfail=0
nskip=0
rc=0

fail()
{
	echo "FAIL: $*"
	nfail=$((nfail + 1))
}

# skip REASON: this test cannot run here (a permission, a tool or a part of
# the build that is missing); run.sh counts it as skipped and shows REASON.
skip()
{
	echo "skip: $*"
	exit 77
}

# skip_part REASON: one part of this test cannot run here.  The rest still
# runs and can fail; a test that passed only in part is counted as skipped.
skip_part()
{
	echo "skip part: $*"
	nskip=$((nskip + 1))
}

# need_omp: true if this build runs the omp mode; otherwise the omp part is
# recorded as skipped, with the reason.
need_omp()
{
	if [ "${IMGPIPE_SAN:-}" = thread ]; then
		skip_part "omp: libgomp is not built for ThreadSanitizer"
		return 1
	fi
	mkdir -p "$T/omp-probe"
	if ! "$IMGPIPE" -m omp "$T/omp-probe" "$T/omp-probe-out" \
	    >/dev/null 2>&1; then
		skip_part "omp: not in this build (OPENMP=0)"
		return 1
	fi
}

# need_format NAME: true if this build reads NAME (webp, heic, avif: the
# names --version lists); otherwise that part is recorded as skipped.
need_format()
{
	if "$IMGPIPE" --version | sed -n 's/^formats://p' |
	    tr ' ' '\n' | grep -E "^$1(\(read\))?\$" >/dev/null; then
		return 0
	fi
	skip_part "$1: not in this build (HEIF=0 or WEBP=0)"
	return 1
}

# need_urls: this build reads URL inputs (--version lists "inputs: files
# urls"; a CURL=0 build lists "inputs: files") and the loopback server
# $IMGPIPE_TOOLS/photoserv is there; otherwise the whole test is skipped.
need_urls()
{
	"$IMGPIPE" --version | grep -E '^inputs:.* urls( |$)' >/dev/null ||
	    skip "URL inputs: not in this build (CURL=0), or no 'inputs:' line in --version"
	[ -x "${IMGPIPE_TOOLS:-}/photoserv" ] ||
	    skip "URL inputs: no photoserv in IMGPIPE_TOOLS (${IMGPIPE_TOOLS:-unset})"
}

# stop_at_exit PID: end the background process PID when the test exits.
stop_at_exit()
{
	_stop_pids="$_stop_pids $1"
}

# wait_port FILE: wait (10 s at most, a safety bound) until FILE holds the
# port a server listens on; sets $PORT.
wait_port()
{
	_i=0
	while [ ! -s "$1" ]; do
		_i=$((_i + 1))
		if [ "$_i" -gt 200 ]; then
			fail "no server port in $1 after 10 s"
			cat "${1%.port}.out" 2>/dev/null
			finish
		fi
		sleep 0.05
	done
	PORT=$(cat "$1")
}

# serve DIR [PHOTOSERV OPTIONS]: start the loopback photo server on DIR
# (every file under it, read at start); sets $PORT, and the server stops
# when the test exits.  Each call starts another server.
_nserve=0
serve()
{
	_nserve=$((_nserve + 1))
	_root=$1
	shift
	"$IMGPIPE_TOOLS/photoserv" --root "$_root" --port 0 \
	    --port-file "$T/serve.$_nserve.port" "$@" \
	    >"$T/serve.$_nserve.out" 2>&1 </dev/null &
	stop_at_exit $!
	wait_port "$T/serve.$_nserve.port"
}

# set_modes: $modes is every mode this build runs.
set_modes()
{
	modes="seq threads procs coop"
	if need_omp; then
		modes="$modes omp"
	fi
}

# children PID: each process whose parent is PID, as PID:STARTTIME (the
# start time tells it from a later process that reuses the pid).  Read from
# /proc, which every Linux has: a minimal system has no ps.
children()
{
	_parent=$1
	for _f in /proc/[0-9]*/stat; do
		# The process may be gone since the listing.
		read -r _st 2>/dev/null <"$_f" || continue
		# Fields from the state on: the name before it may hold spaces.
		# shellcheck disable=SC2086
		set -- ${_st##*) }
		[ "$2" = "$_parent" ] || continue
		_pid=${_f#/proc/}
		echo "${_pid%/stat}:${20}"
	done
}

# alive PID:STARTTIME: that very process still runs (a zombie has ended).
alive()
{
	_start=${1#*:}
	read -r _st 2>/dev/null <"/proc/${1%%:*}/stat" || return 1
	# shellcheck disable=SC2086
	set -- ${_st##*) }
	[ "$1" != Z ] && [ "${20}" = "$_start" ]
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

# oneline NAME REASON: exactly one error line for NAME, mentioning REASON
# ($tag names the case in the failure).
oneline()
{
	_n=$(stderr_lines_naming "$1")
	[ "$_n" -eq 1 ] || fail "$tag: $_n error lines for $1, want 1"
	grep -qi "^imgpipe: .*$1: .*$2" "$T/stderr" ||
	    fail "$tag: no '$2' reason for $1"
}

# clean OUT FILES: OUT holds exactly FILES (space-separated, each followed
# by a space), all complete, no temporary file.
clean()
{
	_got=$(listfiles "$1" 2>/dev/null | tr '\n' ' ')
	[ "$_got" = "$2" ] || fail "$tag: outputs '$_got', want '$2'"
	check "$tag: incomplete output" complete_images "$1"
	check "$tag: temporary file left behind" no_tmp "$1"
}

# finish: exit 1 if a check failed, 77 (skipped) if a part could not run.
finish()
{
	if [ "$nfail" -ne 0 ]; then
		echo "$(basename "$0" .sh): $nfail check(s) failed"
		exit 1
	fi
	[ "$nskip" -eq 0 ] || exit 77
	exit 0
}
