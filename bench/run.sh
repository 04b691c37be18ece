#!/bin/sh
# `make bench`: the scaling study.  Checks the corpus (bench/make-corpus),
# builds the C helpers (decode+encode floor, PSNR, host ceiling) into
# build/bench/, then runs bench/study.py, which writes
# bench/results/<date>-<host>/ (-2, -3, ... if that folder exists, unless
# BENCH_REPLACE=1) and prints one key=value line per configuration; see
# bench/README.md.
# BENCH_QUICK=1: the reduced sweep (the study 1.3 minutes on 2 cores).  Then
# bench/colour.py times --export-profile srgb on P3 copies of the corpus,
# and bench/formats.py the WebP, AVIF and HEIC jobs against vipsthumbnail.
# Last, bench/urls.py: the io and mixed workloads from the loopback photo
# server, the concurrency sweep and serve-check (skipped without URL
# inputs).  `sh bench/run.sh urls` runs that part alone (after make).
# BENCH_WORKLOADS (a comma list of thumb, heavy, big, pin, colour, formats,
# urls; default all) runs a part of it.  It ends with the headline line.
set -eu

cd "$(dirname "$0")/.."
IMGPIPE=${IMGPIPE:-build/imgpipe}
TOOLS=${TOOLS:-$(dirname "$IMGPIPE")/tests}
CC=${CC:-cc}
helpers=build/bench
parts=,${BENCH_WORKLOADS:-thumb,heavy,big,pin,colour,formats,urls},

# Whether BENCH_WORKLOADS names part $1.
part()
{
	case $parts in *",$1,"*) return 0 ;; esac
	return 1
}

# The io and mixed columns, when this build has URL inputs, into $1 (empty:
# bench/urls.py's own choice).
urls()
{
	if ! "$IMGPIPE" --version | grep -q '^inputs:.*urls'; then
		echo "urls=skipped reason=no_url_inputs (CURL=0)"
		return 0
	fi
	python3 bench/make-corpus >/dev/null
	IMGPIPE=$IMGPIPE TOOLS=$TOOLS BENCH_URLS_DIR=$1 python3 -B bench/urls.py
}

if [ "${1:-}" = urls ]; then
	urls ""
	exit
fi

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
rm -f bench/out/headline.txt bench/out/results-dir.txt
if part thumb || part heavy || part big || part pin; then
	IMGPIPE=$IMGPIPE BENCH_HELPERS=$helpers \
	    CORPUS_STATUS=${corpus#corpus=} python3 -B bench/study.py
fi
# The colour configuration: --export-profile srgb on P3 copies of std/.
if ! part colour; then
	:
elif [ -x "${MKICC:-}" ]; then
	python3 -B bench/colour.py "$IMGPIPE" "$MKICC" bench/corpus/std \
	    bench/out/colour "${RUNS:-5}"
else
	echo "colour=skipped reason=no_mkicc (run through make bench)"
fi
# The formats: WebP and AVIF thumbnails, HEIC inputs (bench/corpus/heic/).
if part formats; then
	IMGPIPE=$IMGPIPE python3 -B bench/formats.py
fi
# The io and mixed workloads (bench/urls.py).
# Beside the study of this same run, when there was one.
if part urls; then
	if [ -f bench/out/results-dir.txt ]; then
		urls "$(cat bench/out/results-dir.txt)/urls"
	else
		urls ""
	fi
fi
# The study's headline (bench/study.py wrote it), last.
if [ -f bench/out/headline.txt ]; then
	cat bench/out/headline.txt
fi
