#!/bin/sh
# Is photoserv ever the bottleneck?  Serves a folder of small files with
# 100 ms latency and, for each number of requests in flight (default 1 8 64
# 256), downloads 4 rounds of distinct URLs (/copy/<k>/...) with fetchall,
# which does no image work.  One line per level: the wall time, the ideal
# (rounds x (latency + body time)), their ratio, and the server's CPU share
# (CPU seconds / wall seconds, from its --stats).  A fresh server per level,
# so each share is that level's alone.
#
#   sh bench/serve-check.sh [INFLIGHT...]
#   TOOLS=build/tests LATENCY_MS=100 ROUNDS=4 sh bench/serve-check.sh 256
#
# TOOLS is the folder with photoserv and fetchall (make build/tests/photoserv
# build/tests/fetchall).  Exits 1 if a download failed.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=${TOOLS:-$TOP/build/tests}
LATENCY_MS=${LATENCY_MS:-100}
ROUNDS=${ROUNDS:-4}
[ $# -gt 0 ] || set -- 1 8 64 256
for t in photoserv fetchall; do
	[ -x "$TOOLS/$t" ] || {
		echo "serve-check: no $TOOLS/$t (make $TOOLS/$t)" >&2
		exit 2
	}
done

T=$(mktemp -d "${TMPDIR:-/tmp}/serve-check.XXXXXX")
pid=
cleanup()
{
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 129' HUP INT TERM

# A small file: the time is the latency's, as for the io workload's
# renditions.
mkdir "$T/root"
head -c 8192 /dev/zero >"$T/root/small.bin"

bad=0
for k in "$@"; do
	rm -f "$T/port" "$T/stats"
	"$TOOLS/photoserv" --root "$T/root" --port 0 --port-file "$T/port" \
	    --latency-ms "$LATENCY_MS" --stats "$T/stats" >/dev/null &
	pid=$!
	i=0
	while [ ! -s "$T/port" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "serve-check: no port" >&2; exit 2; }
		sleep 0.1
	done
	port=$(cat "$T/port")
	n=$((k * ROUNDS))
	seq 1 "$n" | sed "s|.*|http://127.0.0.1:$port/copy/&/small.bin|" \
	    >"$T/urls"
	line=$("$TOOLS/fetchall" --jobs "$k" --latency-ms "$LATENCY_MS" \
	    --urls "$T/urls") || bad=1
	kill -TERM "$pid"
	wait "$pid" || true
	pid=
	share=$(python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
print("server_cpu_share=%.3f server_late_ms_mean=%.1f server_late_ms_max=%.1f" % (
    (s["cpu_user_s"] + s["cpu_sys_s"]) / s["wall_s"], s["late_ms_mean"],
    s["late_ms_max"]))' \
	    "$T/stats")
	echo "$line $share"
done
exit $bad
