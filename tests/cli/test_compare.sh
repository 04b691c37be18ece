# imgpipe compare: every mode runs --rounds times into its own sub-folder
# (OUTPUT_DIR/<workload>/<mode>), the table has one row per configuration,
# every mode's outputs equal seq's byte for byte, a failing input makes
# the exit status 1, and --rounds belongs to compare only.  With URL
# inputs built, --workload all adds the io table (with its sweep) and the
# mixed one, each with its sentences.  No timing is asserted.
. "$(dirname "$0")/lib.sh"

in=$T/in
put_samples "$in" dragonfly.jpg wine-portrait-orient6.jpg \
    nuthatch-vignette-alpha.png
job="-p resize=200x200,sharpen=0.6 -j 2"

# compare runs omp too, and libgomp is not built for ThreadSanitizer: its
# races would be false reports.
if [ "${IMGPIPE_SAN:-}" = thread ]; then
	skip_part "the table: compare runs omp, and libgomp is not built for ThreadSanitizer"
else
	has_omp=0
	need_omp && has_omp=1
	# shellcheck disable=SC2086
	expect 0 compare "$in" "$T/out" $job --rounds 2
	for m in seq threads procs omp coop coop-yield16 coop-offload threads-gil \
	    threads-gil-c; do
		row=$(awk -v m="$m" '$1 == m' "$T/stdout")
		case $row in
		"") fail "no table row for $m"; continue ;;
		*"not available"*)
			[ "$m" = omp ] && [ "$has_omp" -eq 0 ] ||
			    fail "$m not available"
			continue
			;;
		*" yes") ;;
		*) fail "$m: outputs differ from seq's: $row" ;;
		esac
		[ "$(nfiles "$T/out/cpu/$m")" -eq 3 ] ||
		    fail "$m wrote $(nfiles "$T/out/cpu/$m") files, want 3"
		for f in $(listfiles "$T/out/cpu/seq"); do
			cmp -s "$T/out/cpu/seq/$f" "$T/out/cpu/$m/$f" ||
			    fail "$m/$f differs from seq/$f"
		done
	done
	awk '$1 == "seq" { exit !($5 == "1.00x") }' "$T/stdout" ||
	    fail "seq's speed-up over itself is not 1.00x"
	# The reading: one sentence per claim, whichever way the figures went.
	grep -Eq '^(CPU-bound work|Work) \(3 images, 2 workers, [0-9]+ CPUs: at best [0-9]+\.00x\)' \
	    "$T/stdout" || fail "no reading under the table"
	grep -q '^The cooperative loop ran at [0-9.]*x: ' "$T/stdout" ||
	    fail "no sentence on the cooperative loop"
	grep -Eq '^(Without yields its|Its) heartbeat was late by up to ' "$T/stdout" ||
	    fail "no sentence on the loop's lag"
	grep -q '^--offload (the run_in_executor fix) ran the CPU work on 2 pool threads' \
	    "$T/stdout" || fail "no sentence on --offload"
	grep -Eq '^(C threads have no GIL|With one worker or one CPU)' "$T/stdout" ||
	    fail "no sentence on --gil"
	grep -q '^With the lock dropped inside decode, operations and encode (--gil=release-in-c' \
	    "$T/stdout" || fail "no sentence on --gil=release-in-c"
	grep -Eq "^Other work (used [0-9.]+ CPU-s \([0-9]+% of the machine\)|'s CPU use could not be measured)" \
	    "$T/stdout" || fail "no sentence on other work"
	grep -q 'only true parallelism scales' "$T/stdout" &&
	    fail "the old fixed sentence is back"
	[ "$(grep -c 'compare: cpu: round' "$T/stderr")" -eq 2 ] ||
	    fail "--rounds 2 did not run two rounds"
	[ "$(grep -c 'round 2 of 2' "$T/stderr")" -eq 1 ] || fail "no 'round 2 of 2' on stderr"

	# A broken input fails in every mode: still a table, exit status 1.
	printf 'not a jpeg' >"$in/broken.jpg"
	# shellcheck disable=SC2086
	expect 1 compare "$in" "$T/out2" $job --rounds 1 --quiet
	grep -q '^threads-gil ' "$T/stdout" || fail "no table when an input fails"
	grep -q 'compare: round' "$T/stderr" && fail "--quiet still printed rounds"
fi

# io and mixed: photos served with latency, small renditions for io.
url_tables()
{
	root=$T/root
	put_samples "$root/photo" dragonfly.jpg wine-portrait-orient6.jpg \
	    nuthatch-vignette-alpha.png
	expect 0 --quiet -p resize=96x96 "$root/photo" "$root/small"
	serve "$root" --latency-ms 20
	base=http://127.0.0.1:$PORT
	for f in "$root"/photo/*; do
		echo "$base/photo/${f##*/}"
	done >"$T/mixed.urls"
	k=0
	while [ "$k" -lt 8 ]; do
		for f in "$root"/small/*; do
			[ "$k" -lt 8 ] && echo "$base/copy/$k/small/${f##*/}"
			k=$((k + 1))
		done
	done >"$T/io.urls"
	printf '# a comment\n\n' >>"$T/io.urls"
	expect 0 compare --workload all "$root/photo" "$T/uout" --urls "$T/mixed.urls" \
	    --io-urls "$T/io.urls" -p resize=200x200 --rounds 1 \
	    --report "$T/all.json"
	# The machine record once, above the first table; --report has the
	# three workloads, io's sweep rows after its table's.
	[ "$(grep -c '^machine: ' "$T/stdout")" -eq 1 ] ||
	    fail "the machine record not printed once"
	python3 - "$T/all.json" <<'PY' || fail "compare --workload all --report: bad workloads"
import json, sys
d = json.load(open(sys.argv[1]))
w = d["workloads"]
assert [x["workload"] for x in w] == ["cpu", "io", "mixed"], w
io = [r["mode"] for r in w[1]["rows"]]
assert io[0] == "seq" and "threads-j8" in io, io
assert io.index("threads-j1") > io.index("threads-gil-c"), io
assert all(r["same_bytes"] for x in w for r in x["rows"]), w
PY
	# Three tables, in that order.
	[ "$(grep -E '^(cpu|io|mixed) workload$' "$T/stdout" | tr '\n' ' ')" = \
	    "cpu workload io workload mixed workload " ] ||
	    fail "not the three tables in order"
	for m in seq threads procs omp coop coop-offload threads-gil \
	    threads-gil-c threads-j1 threads-j8 coop-j1 coop-j8 procs-j1 \
	    procs-j8; do
		row=$(awk -v m="$m" '/^io workload$/ { on = 1 }
		    /^mixed workload$/ { on = 0 }
		    on && $1 == m && $2 ~ /^[0-9]+$/' "$T/stdout")
		case $row in
		"") fail "io: no row for $m" ;;
		*"not available"*) [ "$m" = omp ] && [ "$has_omp" -eq 0 ] ||
		    fail "io: $m not available" ;;
		*" yes") ;;
		*) fail "io: $m's outputs differ from seq's: $row" ;;
		esac
	done
	awk '/^io workload$/ { on = 1 } on && $1 == "threads" { print $2; exit }' \
	    "$T/stdout" | grep -qx 8 || fail "io: -j is not the 8 URLs by default"
	grep -q '^threads-j64 ' "$T/stdout" && fail "a sweep level above the URLs"
	[ "$(nfiles "$T/uout/io/seq")" -eq 8 ] ||
	    fail "io: seq wrote $(nfiles "$T/uout/io/seq") files, want 8"
	[ "$(nfiles "$T/uout/io/coop-j1")" -eq 4 ] ||
	    fail "io: the 1-in-flight level did not download 4 URLs"
	for m in seq threads procs coop coop-offload threads-gil threads-gil-c; do
		row=$(awk -v m="$m" '/^mixed workload$/ { on = 1 }
		    on && $1 == m && $2 ~ /^[0-9]+$/' "$T/stdout")
		case $row in
		*" yes") ;;
		*) fail "mixed: $m: $row" ;;
		esac
	done
	grep -q '^Downloading (8 URLs, 8 in flight, at best 8.00x): threads ' \
	    "$T/stdout" || fail "io: no sentence on downloading"
	grep -q '^coop kept 8 transfers in flight on [0-9]* OS thread' \
	    "$T/stdout" || fail "io: no sentence on memory"
	grep -q '^procs reached [0-9.]*x on [0-9]* processes' "$T/stdout" ||
	    fail "io: no sentence on procs"
	grep -q '^With a simulated GIL, dropped around each transfer' \
	    "$T/stdout" || fail "io: no sentence on the GIL"
	grep -q '^Sweep: threads gained up to [0-9]* in flight' "$T/stdout" ||
	    fail "io: no sentence on the sweep"
	grep -q '^Downloading and the full job (3 URLs, 3 in flight): the best row was ' \
	    "$T/stdout" || fail "mixed: no sentence on the best row"
	grep -q '^Plain coop, which computes on its one loop thread' \
	    "$T/stdout" || fail "mixed: no sentence on plain coop"
	[ "$(grep -c '^Other work' "$T/stdout")" -eq 3 ] ||
	    fail "not one sentence on other work per workload"
	[ "$(nfiles "$T/uout/mixed/threads")" -eq 3 ] ||
	    fail "mixed: threads wrote $(nfiles "$T/uout/mixed/threads") files"
	# -j given: the io rows use it.
	expect 0 compare --workload io "$root/photo" "$T/uout2" --io-urls "$T/io.urls" \
	    -j 2 --rounds 1 --quiet
	awk '$1 == "threads" { print $2; exit }' "$T/stdout" | grep -qx 2 ||
	    fail "io: -j 2 not used"
}

if [ "${IMGPIPE_SAN:-}" = thread ]; then
	skip_part "io and mixed: compare runs omp, and libgomp is not built for ThreadSanitizer"
elif why=$(need_urls); then
	url_tables
else
	# need_urls skips a whole test; here only the URL part is skipped.
	skip_part "io and mixed: ${why#skip: }"
fi

expect 2 compare --workload bogus "$in" "$T/out5"
grep -q "workload" "$T/stderr" || fail "a bad --workload not named"
[ ! -e "$T/out5" ] || fail "a refused compare created its output folder"

expect 2 compare "$in" "$T/out3" --rounds 0
grep -q -e '--rounds' "$T/stderr" || fail "--rounds 0 not named"
expect 2 "$in" "$T/out4" --rounds 2
grep -q "compare" "$T/stderr" || fail "--rounds outside compare not refused"
[ ! -e "$T/out4" ] || fail "a refused batch created its output folder"
finish
