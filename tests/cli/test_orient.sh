# EXIF orientation is applied: the portrait samples stored sideways come out
# upright (width and height swapped), exactly as rotating them by hand (the
# pixels: --keep none, since the EXIF differs), and the output's EXIF says
# Orientation 1 (test_metadata reads the rest); --no-auto-orient keeps the
# stored layout.  A PNG whose eXIf chunk follows its pixel data is turned
# too, in every mode and in the dry run's sizes.
. "$(dirname "$0")/lib.sh"

in=$T/in
put_samples "$in" wine-portrait-orient6.jpg dogs-portrait-orient8.jpg

expect 0 "$in" "$T/auto" -f png --keep none
expect 0 "$in" "$T/raw" -f png --no-auto-orient --keep none
for pair in wine-portrait-orient6:90 dogs-portrait-orient8:270; do
	name=${pair%%:*}
	deg=${pair#*:}
	set -- $(imginfo "$SAMPLES/$name.jpg")
	sw=$2 sh=$3
	set -- $(imginfo "$T/auto/$name.png")
	[ "$2x$3" = "${sh}x$sw" ] ||
	    fail "$name: auto-oriented is $2x$3, want ${sh}x$sw"
	set -- $(imginfo "$T/raw/$name.png")
	[ "$2x$3" = "${sw}x$sh" ] ||
	    fail "$name: --no-auto-orient is $2x$3, want ${sw}x$sh"
	expect 0 "$in" "$T/byhand$deg" -f png --no-auto-orient --keep none \
	    -p rotate=$deg
	cmp -s "$T/auto/$name.png" "$T/byhand$deg/$name.png" ||
	    fail "$name: auto-orient differs from --no-auto-orient -p rotate=$deg"
done

expect 0 "$in" "$T/jpg" -p resize=400x400
for name in wine-portrait-orient6 dogs-portrait-orient8; do
	set -- $(imginfo "$T/jpg/$name.jpg")
	[ "$3" -gt "$2" ] || fail "$name: JPEG output $2x$3 is not portrait"
	[ "$6" = exif ] || fail "$name: output lost its EXIF"
	if command -v exiftool >/dev/null 2>&1; then
		o=$(exiftool -n -s3 -EXIF:Orientation "$T/jpg/$name.jpg")
		[ "$o" = 1 ] || fail "$name: output Orientation '$o', want 1"
	fi
done
command -v exiftool >/dev/null 2>&1 ||
    skip_part "Orientation 1 in the output: exiftool is not installed"
expect 0 "$in" "$T/bare" -p resize=400x400 --keep none
for name in wine-portrait-orient6 dogs-portrait-orient8; do
	set -- $(imginfo "$T/bare/$name.jpg")
	[ "$6" = noexif ] || fail "$name: --keep none output carries EXIF"
done

# exif-late.png: a 227x149 PNG with eXIf Orientation 6 after IDAT.
mkdir -p "$T/late"
cp "$DATA/damaged/exif-late.png" "$T/late/"
expect 0 -m seq "$T/late" "$T/late-byhand" --no-auto-orient --keep none \
    -p rotate=90
for mode in seq threads procs coop; do
	expect 0 -m "$mode" "$T/late" "$T/late-$mode" --keep none
	set -- $(imginfo "$T/late-$mode/exif-late.png")
	[ "$2x$3" = 149x227 ] ||
	    fail "exif-late.png, $mode: $2x$3, want 149x227 (turned)"
	cmp -s "$T/late-$mode/exif-late.png" "$T/late-byhand/exif-late.png" ||
	    fail "exif-late.png, $mode: differs from -p rotate=90"
done
# The resize is planned on the upright size, before and after the turn.
expect 0 -m seq "$T/late" "$T/late-small" -p resize=100x100
set -- $(imginfo "$T/late-small/exif-late.png")
[ "$2x$3" = 66x100 ] || fail "exif-late.png resized: $2x$3, want 66x100"
expect 0 -m seq -n "$T/late" "$T/late-dry" -p resize=100x100
grep -q '^exif-late.png -> exif-late.png 66x100$' "$T/stdout" ||
    fail "dry run: '$(cat "$T/stdout")', want the upright 66x100"
expect 0 -m seq "$T/late" "$T/late-raw" --no-auto-orient
set -- $(imginfo "$T/late-raw/exif-late.png")
[ "$2x$3" = 227x149 ] || fail "exif-late.png --no-auto-orient: $2x$3"
finish
