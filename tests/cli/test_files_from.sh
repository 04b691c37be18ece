# --files-from FILE (newline- or NUL-separated with -0, or - for stdin)
# processes exactly the listed inputs.
. "$(dirname "$0")/lib.sh"

in=$T/in
mkdir -p "$in/sub"
cp "$DATA/jpeg/testorig.jpg" "$in/a.jpg"
cp "$DATA/jpeg/testimgint.jpg" "$in/b.jpg"
cp "$DATA/pngsuite/basn2c08.png" "$in/with space.png"
cp "$DATA/pngsuite/basn0g08.png" "$in/sub/d.png"

printf 'a.jpg\nsub/d.png\n' >"$T/list"
expect 0 "$in" "$T/o1" --files-from "$T/list"
[ "$(listfiles "$T/o1" | tr '\n' ' ')" = "a.jpg sub/d.png " ] ||
    fail "newline list: $(listfiles "$T/o1" | tr '\n' ' ')"

printf 'with space.png\000b.jpg\000' >"$T/list0"
expect 0 "$in" "$T/o2" --files-from "$T/list0" -0
[ "$(listfiles "$T/o2" | tr '\n' '|')" = "b.jpg|with space.png|" ] ||
    fail "NUL list: $(listfiles "$T/o2" | tr '\n' '|')"

rc=0
printf 'b.jpg\n' | "$IMGPIPE" "$in" "$T/o3" --files-from - >/dev/null 2>&1 ||
    rc=$?
[ "$rc" -eq 0 ] || fail "--files-from - exit $rc"
[ "$(listfiles "$T/o3")" = b.jpg ] || fail "--files-from - did not read stdin"

# A listed file that does not exist is a failure of that file only.
printf 'a.jpg\nmissing.jpg\n' >"$T/list4"
expect 1 "$in" "$T/o4" --files-from "$T/list4"
[ "$(stderr_lines_naming missing.jpg)" -eq 1 ] ||
    fail "missing listed file not reported once"
[ "$(listfiles "$T/o4")" = a.jpg ] || fail "good listed file not written"
finish
