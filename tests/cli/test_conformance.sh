# Conformance files: every valid PngSuite image and the libjpeg-turbo test
# JPEGs are converted; 12-bit JPEG and libpng's crashers fail cleanly, one
# line each, never a crash.
. "$(dirname "$0")/lib.sh"

in=$T/in
mkdir -p "$in"
cp "$DATA"/pngsuite/*.png "$in/"
for f in testorig.jpg testimgint.jpg testimgari.jpg; do
	cp "$DATA/jpeg/$f" "$in/" || fail "missing $DATA/jpeg/$f"
done
n=$(ls "$in" | wc -l)
expect 0 "$in" "$T/out" -p resize=64x64
[ "$(nfiles "$T/out")" -eq "$n" ] || fail "$(nfiles "$T/out") of $n written"
check "incomplete output" complete_images "$T/out"

mkdir -p "$T/m"
cp "$DATA/jpeg/monkey12.jpg" "$T/m/"
expect 1 "$T/m" "$T/mout"
grep -q '^imgpipe: .*monkey12.jpg: .*12-bit' "$T/stderr" ||
    fail "12-bit JPEG not reported as such"

mkdir -p "$T/c"
cp "$DATA"/crashers/*.png "$T/c/"
run "$T/c" "$T/cout"
[ "$rc" -le 1 ] || fail "crashers: exit $rc (crash?)"
check "crashers left partial output" complete_images "$T/cout"
check "crashers left temporary files" no_tmp "$T/cout"
finish
