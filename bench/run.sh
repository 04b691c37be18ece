#!/bin/sh
# `make bench`: the scaling study.  Checks the corpus (bench/make-corpus),
# builds the C helpers (decode+encode floor, PSNR, host ceiling) into
# build/bench/, then runs bench/study.py, which writes
# bench/results/<date>-<host>/ (-2, -3, ... if that folder exists, unless
# BENCH_REPLACE=1) and prints one key=value line per configuration; see
# bench/README.md.
# BENCH_QUICK=1: the reduced sweep (about three minutes).  Then
# bench/colour.py times --export-profile srgb on P3 copies of the corpus,
# and bench/formats.py the WebP, AVIF and HEIC jobs against vipsthumbnail.
set -eu

cd "$(dirname "$0")/.."
IMGPIPE=${IMGPIPE:-build/imgpipe}
CC=${CC:-cc}
helpers=build/bench

corpus=$(python3 bench/make-corpus --big --heic)
mkdir -p "$helpers"
for h in floor psnr ceiling; do
	if [ ! -x "$helpers/$h" ] || [ "bench/$h.c" -nt "$helpers/$h" ]; then
		# shellcheck disable=SC2046
		$CC -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra \
		    -pthread -o "$helpers/$h" "bench/$h.c" \
		    $(pkg-config --cflags --libs libjpeg) -lm
	fi
done
IMGPIPE=$IMGPIPE BENCH_HELPERS=$helpers CORPUS_STATUS=${corpus#corpus=} \
    python3 -B bench/study.py
# The colour configuration: --export-profile srgb on P3 copies of std/.
if [ -x "${MKICC:-}" ]; then
	python3 -B bench/colour.py "$IMGPIPE" "$MKICC" bench/corpus/std \
	    bench/out/colour "${RUNS:-5}"
else
	echo "colour=skipped reason=no_mkicc (run through make bench)"
fi
# The formats: WebP and AVIF thumbnails, HEIC inputs (bench/corpus/heic/).
IMGPIPE=$IMGPIPE python3 -B bench/formats.py
