#!/bin/sh
# make demo: the decision table's three columns on samples/.  Starts the
# loopback photo server (photoserv, 100 ms a response) on the photos and
# on small renditions of them made by imgpipe itself, writes the URL
# lists, runs compare --workload all and stops the server, also when
# compare fails or is interrupted.
#
#   IMGPIPE=build/imgpipe IMGPIPE_TOOLS=build/tests sh bench/demo.sh [OUT]
#
# About 30 s on 2 cores (15 s a round): 2 rounds (DEMO_ROUNDS), 64 io URLs, so
# the io sweep stops at 64 in flight.  Only sh and the built tools: a
# minimal system has no python3.
set -eu
: "${IMGPIPE:?set IMGPIPE to the imgpipe binary}"
: "${IMGPIPE_TOOLS:?set IMGPIPE_TOOLS to the folder with photoserv}"
out=${1:-out}
rounds=${DEMO_ROUNDS:-2}
io_urls=${DEMO_IO_URLS:-64}
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/imgpipe-demo.XXXXXX")
server=

stop()
{
	if [ -n "$server" ]; then
		kill "$server" 2>/dev/null || :
		wait "$server" 2>/dev/null || :
		server=
	fi
	rm -rf "$work"
}
trap stop EXIT
trap 'exit 130' INT TERM HUP

# The photos for mixed; 256-pixel renditions of them for io.
mkdir -p "$work/root/photo"
for f in "$top"/samples/*; do
	case $f in
	*.jpg | *.jpeg | *.png | *.webp | *.heic | *.heif | *.avif)
		cp "$f" "$work/root/photo/" ;;
	esac
done
"$IMGPIPE" --quiet -p resize=256x256 "$work/root/photo" "$work/root/small"

"$IMGPIPE_TOOLS/photoserv" --root "$work/root" --port 0 \
    --port-file "$work/port" --latency-ms 100 >/dev/null &
server=$!
i=0
while [ ! -s "$work/port" ]; do
	i=$((i + 1))
	if [ "$i" -gt 100 ] || ! kill -0 "$server" 2>/dev/null; then
		echo "demo: the photo server did not start" >&2
		exit 1
	fi
	sleep 0.1
done
base=http://127.0.0.1:$(cat "$work/port")

: >"$work/mixed.urls"
for f in "$work"/root/photo/*; do
	echo "$base/photo/${f##*/}" >>"$work/mixed.urls"
done
# io: io_urls distinct names, cycling over the renditions.
set -- "$work"/root/small/*
: >"$work/io.urls"
k=0
while [ "$k" -lt "$io_urls" ]; do
	for f in "$@"; do
		[ "$k" -lt "$io_urls" ] || break
		echo "$base/copy/$k/small/${f##*/}" >>"$work/io.urls"
		k=$((k + 1))
	done
done

rm -rf "$out"
rc=0
"$IMGPIPE" compare --workload all "$top/samples" "$out" \
    --urls "$work/mixed.urls" --io-urls "$work/io.urls" \
    -p 'resize=800x800,sharpen=0.6' --rounds "$rounds" || rc=$?
printf '\noutputs: %s/<workload>/<mode>/\n' "$out"
exit "$rc"
