# The same job twice gives byte-identical files, and so does every mode that
# this build provides.
. "$(dirname "$0")/lib.sh"

in=$T/in
put_samples "$in" dragonfly.jpg wood-grey.jpg sunset-progressive.jpg \
    nuthatch-vignette-alpha.png
cp "$DATA/pngsuite/basn3p08.png" "$DATA/jpeg/testorig.jpg" "$in/"
job="-p resize=300x300,sharpen=0.6 -q 85"

# shellcheck disable=SC2086
expect 0 "$in" "$T/one" -m seq $job
# shellcheck disable=SC2086
expect 0 "$in" "$T/two" -m seq $job
[ "$(nfiles "$T/one")" -eq 6 ] || fail "first run wrote $(nfiles "$T/one") files"
for f in $(listfiles "$T/one"); do
	cmp -s "$T/one/$f" "$T/two/$f" || fail "$f differs between two seq runs"
done

for mode in threads procs omp coop; do
	for j in 1 3; do
		# shellcheck disable=SC2086
		run "$in" "$T/$mode$j" -m $mode -j $j $job
		# A mode missing from this build is a usage error: skip it.
		[ "$rc" -eq 2 ] && continue
		[ "$rc" -eq 0 ] || { fail "-m $mode -j $j: exit $rc"; continue; }
		for f in $(listfiles "$T/one"); do
			cmp -s "$T/one/$f" "$T/$mode$j/$f" ||
			    fail "$f: -m $mode -j $j differs from seq"
		done
	done
done
finish
