# One batch mixing good files with a corrupt, a truncated, an over-sized,
# a zero-byte and a non-image file: the good ones are written completely,
# each bad image gets exactly one "imgpipe: NAME: reason" line, no output and
# no temporary file, and no input is modified.  Decoder messages keep a
# libpng chunk name's case and call a valid JPEG of a kind libjpeg cannot
# decode unsupported; a JPEG missing only its EOI marker is written with a
# warning.
. "$(dirname "$0")/lib.sh"

in=$T/in
out=$T/out
mkdir -p "$in"
cp "$DATA/jpeg/testorig.jpg" "$in/good1.jpg"
cp "$DATA/pngsuite/basn6a08.png" "$in/good2.png"
put_samples "$in" wood-grey.jpg

# Corrupt: 4 KiB of 0xff in the middle of the entropy-coded data.
cp "$SAMPLES/dragonfly.jpg" "$in/corrupt.jpg"
size=$(wc -c <"$SAMPLES/dragonfly.jpg")
dd if=/dev/zero bs=4096 count=1 2>/dev/null | tr '\000' '\377' |
    dd of="$in/corrupt.jpg" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
# Truncated: only the first half of a JPEG.
dd if="$SAMPLES/dragonfly.jpg" of="$in/truncated.jpg" bs=$((size / 2)) \
    count=1 2>/dev/null
# Over --max-pixels: a real PNG whose header claims 100000x100000.
python3 - "$DATA/pngsuite/basn0g08.png" "$in/huge.png" <<'PY'
import struct, sys, zlib
d = bytearray(open(sys.argv[1], "rb").read())
d[16:24] = struct.pack(">II", 100000, 100000)
d[29:33] = struct.pack(">I", zlib.crc32(bytes(d[12:29])))
open(sys.argv[2], "wb").write(d)
PY
: >"$in/empty.jpg"
echo "these are my holiday photos" >"$in/notes.txt"

(cd "$in" && sha256sum * >"$T/before")
expect 1 "$in" "$out" -p resize=200x200 --report "$T/r.json"

for bad in corrupt.jpg truncated.jpg huge.png; do
	n=$(stderr_lines_naming "$bad")
	[ "$n" -eq 1 ] || fail "$bad: $n error lines, want 1"
done
grep -q '^imgpipe: .*huge.png: .*max-pixels' "$T/stderr" ||
    fail "huge.png: reason does not mention --max-pixels"
# A zero-byte or non-image file may be skipped or failed, never both.
for odd in empty.jpg notes.txt; do
	n=$(stderr_lines_naming "$odd")
	[ "$n" -le 1 ] || fail "$odd: $n error lines"
done
for good in good1 good2 wood-grey; do
	[ "$(stderr_lines_naming "$good")" -eq 0 ] || fail "$good reported"
done
check "only complete images in the output" complete_images "$out"
check "temporary file left behind" no_tmp "$out"
got=$(listfiles "$out" | tr '\n' ' ')
[ "$got" = "good1.jpg good2.png wood-grey.jpg " ] ||
    fail "outputs are '$got', want the three good files only"
(cd "$in" && sha256sum * >"$T/after")
check "inputs were modified" cmp -s "$T/before" "$T/after"
[ "$(report_get "$T/r.json" "r['images']['ok']")" = 3 ] ||
    fail "report: images.ok is not 3"
[ "$(report_get "$T/r.json" "r['images']['failed'] >= 3")" = True ] ||
    fail "report: fewer than 3 failed"

# The written outputs decode again.
expect 0 "$out" "$T/again"
[ "$(nfiles "$T/again")" -eq 3 ] || fail "outputs do not decode again"

# A non-image next to good images is skipped and is not a failure.
mkdir -p "$T/in2"
cp "$DATA/jpeg/testorig.jpg" "$in/notes.txt" "$T/in2/"
expect 0 "$T/in2" "$T/out2"
[ "$(listfiles "$T/out2")" = testorig.jpg ] || fail "notes.txt was written"

# --max-pixels applies to ordinary images too.
expect 1 "$T/in2" "$T/out3" --max-pixels 1000
[ "$(stderr_lines_naming testorig.jpg)" -eq 1 ] ||
    fail "no error line for an image over --max-pixels 1000"
[ ! -e "$T/out3/testorig.jpg" ] || fail "over --max-pixels output written"

mkdir -p "$T/in4"
for f in chunk-IdND.png lossless.jpg eoi-cut.jpg; do
	cp "$DATA/damaged/$f" "$T/in4/"
done
expect 1 "$T/in4" "$T/out4"
grep -q '^imgpipe: chunk-IdND.png: corrupt PNG data: IdND: ' "$T/stderr" ||
    fail "chunk-IdND.png: the chunk name lost its case"
grep -q '^imgpipe: lossless.jpg: unsupported JPEG: lossless JPEG' \
    "$T/stderr" || fail "lossless.jpg: not reported as unsupported"
grep 'lossless.jpg' "$T/stderr" | grep -qi corrupt &&
    fail "lossless.jpg: reported as corrupt"
grep -q '^imgpipe: eoi-cut.jpg: warning: JPEG file ends without its EOI' \
    "$T/stderr" || fail "eoi-cut.jpg: no warning line"
[ "$(listfiles "$T/out4")" = eoi-cut.jpg ] ||
    fail "outputs are '$(listfiles "$T/out4")', want eoi-cut.jpg only"
check "eoi-cut.jpg output incomplete" complete_images "$T/out4"
finish
