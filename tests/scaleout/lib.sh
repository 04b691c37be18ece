# Helpers of the scale-out tests (tests/scaleout/test_*.sh): they run the
# README's "Beyond one machine" recipes against daemons they start on this
# machine (sshd, munged, slurmctld, slurmd), each with its own
# configuration, ports, sockets and files under the test's $T, so that
# daemons a package install may have started are neither used nor touched.
# On top of tests/cli/lib.sh (scratch folder, fail/skip, stop_at_exit).

. "$(dirname "$0")/../cli/lib.sh"
SCALEOUT_DIR=$CLI_DIR

# need_root WHAT: the test starts daemons (WHAT), which needs root.
need_root()
{
	[ "$(id -u)" -eq 0 ] ||
	    skip "needs root: it starts $1 (make test-scaleout as root)"
}

# need_tools TOOL...: each TOOL is a command here.  `make test-scaleout`
# installs them first (deps-scaleout), so a missing one is a failure, not a
# skip.
need_tools()
{
	_missing=""
	for _t in "$@"; do
		command -v "$_t" >/dev/null 2>&1 || _missing="$_missing $_t"
	done
	if [ -n "$_missing" ]; then
		fail "missing tools:$_missing (make deps-scaleout installs them, as root)"
		finish
	fi
}

# sbin TOOL: the absolute path of a daemon (root's PATH may lack /usr/sbin);
# status 1 if there is none.  As in SSHD=$(sbin sshd) || missing sshd.
sbin()
{
	for _d in $(printf '%s' "$PATH" | tr ':' ' ') /usr/sbin /sbin; do
		case $_d in
		/*) [ -x "$_d/$1" ] && { echo "$_d/$1"; return 0; } ;;
		esac
	done
	return 1
}

# missing TOOL: fail for a daemon that is not installed, and end the test.
missing()
{
	fail "no $1 in PATH, /usr/sbin or /sbin (make deps-scaleout installs it, as root)"
	finish
}

# free_ports N: N loopback TCP ports that are free now, one line each (the
# kernel's picks; held together, so they differ).
free_ports()
{
	python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
for s in socks:
    print(s.getsockname()[1])
' "$1"
}

# recipe N: the N-th code block of the README's "Beyond one machine"
# section, with its /shared folder made $T/shared (the one change a test
# must make: every other word runs as written).
recipe()
{
	python3 "$SCALEOUT_DIR/recipe.py" "$TOP/README.md" \
	    "Beyond one machine" "$1" >"$T/recipe.raw" || {
		fail "no recipe $1 in README.md"
		finish
	}
	grep -q '/shared/' "$T/recipe.raw" ||
	    fail "README recipe $1 names no /shared/ folder"
	sed "s|/shared/|$T/shared/|g" "$T/recipe.raw"
}

# recipe_options FILE: the recipe's -p PIPELINE as imgpipe options ("-p
# X"), or nothing, for the single run its outputs are compared with.
recipe_options()
{
	sed -n 's/.* \(-p [^ ]*\) .*/\1/p' "$1"
}

# wait_until WHAT SECONDS COMMAND...: run COMMAND every 0.1 s until it
# succeeds; after SECONDS (a hang check, not a timing assertion) fail with
# WHAT and end the test.
wait_until()
{
	_what=$1
	_tries=$(($2 * 10))
	shift 2
	_i=0
	until "$@" >/dev/null 2>&1; do
		_i=$((_i + 1))
		if [ "$_i" -gt "$_tries" ]; then
			fail "$_what: not ready after $_tries tries, 0.1 s apart"
			return 1
		fi
		sleep 0.1
	done
}

# mine: every process whose command line names $T (the daemons and jobs
# this test started), as "PID COMMAND"; read from /proc.
mine()
{
	for _f in /proc/[0-9]*/cmdline; do
		_c=$(tr '\0' ' ' 2>/dev/null <"$_f") || continue
		case $_c in
		*"$T"*)
			_p=${_f#/proc/}
			[ "${_p%/cmdline}" = "$$" ] || echo "${_p%/cmdline} $_c"
			;;
		esac
	done
}

# teardown: stop every daemon this test started (last started first), then
# check that none of its processes is left (10 s at most for them to go).
teardown()
{
	stop_all
	_i=0
	while [ -n "$(mine)" ] && [ "$_i" -lt 100 ]; do
		_i=$((_i + 1))
		sleep 0.1
	done
	if [ -n "$(mine)" ]; then
		fail "processes left running after the teardown:"
		mine | sed 's/^/  | /'
	fi
}

# same_outputs A B: A and B hold the same files, byte for byte.
same_outputs()
{
	listfiles "$1" >"$T/list.a"
	listfiles "$2" >"$T/list.b"
	if ! cmp -s "$T/list.a" "$T/list.b"; then
		echo "  file lists differ ($1 vs $2):"
		diff "$T/list.a" "$T/list.b" | sed 's/^/  | /'
		return 1
	fi
	[ -s "$T/list.a" ] || { echo "  no files in $1"; return 1; }
	_bad=0
	while read -r _f; do
		cmp -s "$1/$_f" "$2/$_f" || { echo "  differs: $_f"; _bad=1; }
	done <"$T/list.a"
	return $_bad
}

# merged WANT_STATUS EXPR WANT FILE...: `imgpipe report merge FILE...` exits
# WANT_STATUS and EXPR over its report `r` prints WANT.
merged()
{
	_want_st=$1
	_expr=$2
	_want=$3
	shift 3
	_st=0
	"$IMGPIPE" report merge "$@" >"$T/merged.json" 2>"$T/merged.err" ||
	    _st=$?
	[ "$_st" -eq "$_want_st" ] ||
	    fail "report merge: exit $_st, want $_want_st ($(cat "$T/merged.err"))"
	_got=$(report_get "$T/merged.json" "$_expr" 2>&1)
	[ "$_got" = "$_want" ] ||
	    fail "report merge: $_expr is $_got, want $_want"
}
