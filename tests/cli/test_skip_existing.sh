# --skip-existing: a second run skips every image whose output is newer than
# its input; touching an input makes only that image be redone.
. "$(dirname "$0")/lib.sh"

in=$T/in
out=$T/out
mkdir -p "$in"
cp "$DATA/jpeg/testorig.jpg" "$DATA/jpeg/testimgint.jpg" \
    "$DATA/pngsuite/basn2c08.png" "$DATA/pngsuite/basn6a08.png" "$in/"

expect 0 "$in" "$out" --skip-existing --report "$T/r1.json"
[ "$(report_get "$T/r1.json" "r['images']['ok']")" = 4 ] ||
    fail "first run did not process 4 images"
sleep 1
expect 0 "$in" "$out" --skip-existing --report "$T/r2.json"
[ "$(report_get "$T/r2.json" "r['images']['ok']")" = 0 ] ||
    fail "second run processed images again"
[ "$(report_get "$T/r2.json" "r['images']['skipped']")" = 4 ] ||
    fail "second run did not report 4 skipped"
# Without --quiet the summary line says so too.
grep -qi 'skipped' "$T/stderr" || fail "summary does not mention skipped"

touch "$in/basn2c08.png"
expect 0 "$in" "$out" --skip-existing --report "$T/r3.json"
[ "$(report_get "$T/r3.json" "r['images']['ok']")" = 1 ] ||
    fail "touched input was not redone exactly once"
[ "$(report_get "$T/r3.json" "[f['input'] for f in r['files'] if f['status'] == 'ok']")" = "['basn2c08.png']" ] ||
    fail "the redone image is not basn2c08.png"
# Same time stamp is fine: the file system clock is coarse.
[ "$in/basn2c08.png" -nt "$out/basn2c08.png" ] &&
    fail "redone output is older than its input"

# Without --skip-existing everything is redone.
expect 0 "$in" "$out" --report "$T/r4.json"
[ "$(report_get "$T/r4.json" "r['images']['ok']")" = 4 ] ||
    fail "run without --skip-existing skipped images"
finish
