#!/bin/sh
# build-aux/deps.sh PACKAGE...: install the Debian packages of PACKAGE...
# that are missing (as root), or say which are missing and the command to
# run as root.  Silent when nothing is missing; otherwise one line
# "installing: ..." and apt's own output only if it fails.  The one
# implementation behind `make deps`, `make fuzz-deps` and `make tool-X`.
set -u

if ! command -v dpkg-query >/dev/null 2>&1; then
	# Not Debian: the compiler will name what is missing.
	echo "deps: not a Debian system; install the equivalents of: $*" >&2
	exit 0
fi

missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
	# Minimal Debian has no sudo: name the command, not how to get root.
	echo "missing packages:$missing" >&2
	echo "as root: apt-get install$missing" >&2
	exit 1
fi

echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp "${TMPDIR:-/tmp}/imgpipe-deps.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT
apt_q()
{
	apt-get -qq -y -o Dpkg::Use-Pty=0 "$@" >>"$log" 2>&1 </dev/null
}

# Empty package lists (a fresh container) give no candidate: fetch them
# first rather than let the install fail with "Unable to locate package".
updated=0
for p in $missing; do
	if ! apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [^(]'; then
		apt_q update || {
			echo "deps: apt-get update failed:" >&2
			sed 's/^/  | /' "$log" >&2
			exit 1
		}
		updated=1
		break
	fi
done

# shellcheck disable=SC2086
if ! apt_q install $missing; then
	# Stale lists name files the mirror no longer has: refresh once.
	# shellcheck disable=SC2086
	if [ "$updated" -eq 1 ] || ! apt_q update ||
		! apt_q install $missing; then
		echo "deps: apt-get install$missing failed:" >&2
		tail -n 20 "$log" | sed 's/^/  | /' >&2
		exit 1
	fi
fi
