# OUTPUT_DIR inside INPUT_DIR works and its files are never reprocessed
# (with and without -r); OUTPUT_DIR equal to INPUT_DIR is refused (exit 2).
. "$(dirname "$0")/lib.sh"

in=$T/in
put_samples "$in" wood-grey.jpg dragonfly.jpg
cp "$DATA/pngsuite/basn2c08.png" "$in/"

for flag in "" -r; do
	rm -rf "$in/out"
	for pass in 1 2; do
		# shellcheck disable=SC2086
		expect 0 $flag "$in" "$in/out" -p resize=100x100 --report "$T/r.json"
		ok=$(report_get "$T/r.json" "r['images']['ok']")
		[ "$ok" = 3 ] || fail "run $pass ${flag:-(no -r)}: $ok ok, want 3"
		[ "$(nfiles "$in/out")" -eq 3 ] ||
		    fail "run $pass ${flag:-(no -r)}: $(nfiles "$in/out") outputs"
	done
	[ ! -e "$in/out/out" ] || fail "outputs reprocessed into out/out ($flag)"
done

rm -rf "$in/out"
expect 2 "$in" "$in"
expect 2 "$in" "$in/"
expect 2 "$in" "$in/."
[ "$(nfiles "$in")" -eq 3 ] || fail "refused run still wrote files"
# A relative spelling of the same folder is the same folder.
(cd "$T" && "$IMGPIPE" in ./in >/dev/null 2>&1)
[ $? -eq 2 ] || fail "relative OUTPUT_DIR == INPUT_DIR not refused"
finish
