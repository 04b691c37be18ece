# -n/--dry-run lists what would be written and writes nothing.
. "$(dirname "$0")/lib.sh"

in=$T/in
put_samples "$in" dragonfly.jpg
cp "$DATA/pngsuite/basn2c08.png" "$in/"

for flag in -n --dry-run; do
	rm -rf "$T/out"
	expect 0 "$flag" "$in" "$T/out" -p resize=100x100 -f png
	[ ! -d "$T/out" ] || [ "$(nfiles "$T/out")" -eq 0 ] ||
	    fail "$flag wrote files"
	grep -q 'dragonfly.png' "$T/stdout" || fail "$flag does not list dragonfly.png"
	grep -q 'basn2c08.png' "$T/stdout" || fail "$flag does not list basn2c08.png"
	# The planned size of the 1600x1200 photo fitted into 100x100.
	grep 'dragonfly' "$T/stdout" | grep -q '100x75' ||
	    fail "$flag does not show the planned size 100x75"
done
finish
