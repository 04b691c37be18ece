# imgpipe compare: every mode runs --rounds times into its own sub-folder,
# the table has one row per configuration, every mode's outputs equal
# seq's byte for byte, a failing input makes the exit status 1, and
# --rounds belongs to compare only.
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
	for m in seq threads procs omp coop coop-yield16 coop-offload threads-gil; do
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
		[ "$(nfiles "$T/out/$m")" -eq 3 ] ||
		    fail "$m wrote $(nfiles "$T/out/$m") files, want 3"
		for f in $(listfiles "$T/out/seq"); do
			cmp -s "$T/out/seq/$f" "$T/out/$m/$f" ||
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
	grep -Eq "^Other work (used [0-9.]+ CPU-s \([0-9]+% of the machine\)|'s CPU use could not be measured)" \
	    "$T/stdout" || fail "no sentence on other work"
	grep -q 'only true parallelism scales' "$T/stdout" &&
	    fail "the old fixed sentence is back"
	[ "$(grep -c 'compare: round' "$T/stderr")" -eq 2 ] ||
	    fail "--rounds 2 did not run two rounds"
	[ "$(grep -c 'round 2 of 2' "$T/stderr")" -eq 1 ] || fail "no 'round 2 of 2' on stderr"

	# A broken input fails in every mode: still a table, exit status 1.
	printf 'not a jpeg' >"$in/broken.jpg"
	# shellcheck disable=SC2086
	expect 1 compare "$in" "$T/out2" $job --rounds 1 --quiet
	grep -q '^threads-gil ' "$T/stdout" || fail "no table when an input fails"
	grep -q 'compare: round' "$T/stderr" && fail "--quiet still printed rounds"
fi

expect 2 compare "$in" "$T/out3" --rounds 0
grep -q -e '--rounds' "$T/stderr" || fail "--rounds 0 not named"
expect 2 "$in" "$T/out4" --rounds 2
grep -q "compare" "$T/stderr" || fail "--rounds outside compare not refused"
[ ! -e "$T/out4" ] || fail "a refused batch created its output folder"
finish
