#!/bin/sh
# Run the libFuzzer targets built by `make fuzz` for SECONDS each.
#   sh tests/fuzz/run.sh BINDIR SECONDS [TARGET...]
# Each target starts from its seeds (tests/fuzz/seeds/ and tests/data/) and
# a corpus kept in BINDIR/corpus/TARGET across runs.  Fails on any crash,
# leak, timeout (one input over FUZZ_TIMEOUT s) or out-of-memory (over
# FUZZ_RSS_MB); the input is saved as BINDIR/artifacts/TARGET-*, to be
# copied to tests/data/regress/TARGET-NAME once fixed.  FUZZ_JOBS targets
# run at once.
set -u
BIN=$1
SECONDS_EACH=$2
shift 2
TOP=$(cd "$(dirname "$0")/../.." && pwd)
TIMEOUT=${FUZZ_TIMEOUT:-10}
RSS_MB=${FUZZ_RSS_MB:-2048}
JOBS=${FUZZ_JOBS:-1}
TARGETS=${*:-jpeg png webp heif exif xmp iptc spec task http cpulist}
# Leaks inside Debian's codec libraries are theirs (lsan.supp says which).
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$TOP/tests/fuzz/lsan.supp}
export LSAN_OPTIONS

# seeds TARGET: the folders and files to start from.
seeds()
{
	D=$TOP/tests/data
	S=$TOP/tests/fuzz/seeds
	R=$D/regress
	case $1 in
	jpeg) echo "$S/jpeg" "$D"/jpeg/*.jpg "$D"/damaged/*.jpg ;;
	png) echo "$S/png" "$D/pngsuite" "$D/crashers" "$D"/damaged/*.png ;;
	webp) echo "$S/webp" "$D/webp" ;;
	heif) echo "$S/heif" "$D"/heif/*.heic "$D"/heif/*.avif ;;
	task) echo "$S/jpeg" "$S/png" "$S/webp" "$S/heif" "$D"/jpeg/*.jpg "$D/pngsuite" \
	    "$D"/damaged/*.jpg "$D"/damaged/*.png ;;
	*) echo "$S/$1" ;;
	esac
	ls "$R"/"$1"-* 2>/dev/null
}

# fuzz TARGET: one run; the log is BIN/TARGET.log.
fuzz()
{
	t=$1
	mkdir -p "$BIN/corpus/$t" "$BIN/artifacts" "$BIN/seed/$t"
	# libFuzzer reads folders only one level deep: gather loose files.
	for s in $(seeds "$t"); do
		if [ -d "$s" ]; then
			find "$s" -maxdepth 1 -type f -size -256k \
				-exec cp {} "$BIN/seed/$t/" \;
		else
			cp "$s" "$BIN/seed/$t/"
		fi
	done
	rm -f "$BIN/seed/$t"/LICENSE* "$BIN/seed/$t"/README*
	"$BIN/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout="$TIMEOUT" \
		-rss_limit_mb="$RSS_MB" -malloc_limit_mb="$RSS_MB" \
		-print_final_stats=1 -artifact_prefix="$BIN/artifacts/$t-" \
		"$BIN/corpus/$t" "$BIN/seed/$t" >"$BIN/$t.log" 2>&1
	st=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$BIN/$t.log")
	cov=$(grep -o 'cov: [0-9]*' "$BIN/$t.log" | tail -n 1)
	if [ "$st" -eq 0 ]; then
		echo "fuzz_$t: ok, ${SECONDS_EACH}s, $execs runs, $cov"
	else
		echo "fuzz_$t: FAILED (exit $st), see $BIN/$t.log"
		grep -E 'ERROR|SUMMARY|Test unit written' "$BIN/$t.log" |
			sed 's/^/  | /'
	fi
	return "$st"
}

fail=0
running=0
pids=""
for t in $TARGETS; do
	fuzz "$t" &
	pids="$pids $!"
	running=$((running + 1))
	if [ "$running" -ge "$JOBS" ]; then
		for p in $pids; do
			wait "$p" || fail=1
		done
		pids=""
		running=0
	fi
done
for p in $pids; do
	wait "$p" || fail=1
done
exit $fail
