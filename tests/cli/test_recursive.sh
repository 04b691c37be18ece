# -r walks sub-folders and mirrors them in OUTPUT_DIR; without -r only the
# top folder is read.
. "$(dirname "$0")/lib.sh"

in=$T/in
mkdir -p "$in/sub/deeper" "$in/empty-dir"
cp "$DATA/jpeg/testorig.jpg" "$in/a.jpg"
cp "$DATA/pngsuite/basn2c08.png" "$in/sub/b.png"
cp "$DATA/jpeg/testimgint.jpg" "$in/sub/deeper/c.jpg"

expect 0 "$in" "$T/flat"
[ "$(listfiles "$T/flat")" = a.jpg ] ||
    fail "without -r: $(listfiles "$T/flat" | tr '\n' ' ')"

expect 0 -r "$in" "$T/rec"
[ "$(listfiles "$T/rec" | tr '\n' ' ')" = "a.jpg sub/b.png sub/deeper/c.jpg " ] ||
    fail "with -r: $(listfiles "$T/rec" | tr '\n' ' ')"
check "incomplete output" complete_images "$T/rec"
finish
