# EXIF orientation is applied: the portrait samples stored sideways come out
# upright (width and height swapped), exactly as rotating them by hand, and
# the output carries no EXIF; --no-auto-orient keeps the stored layout.
. "$(dirname "$0")/lib.sh"

in=$T/in
put_samples "$in" wine-portrait-orient6.jpg dogs-portrait-orient8.jpg

expect 0 "$in" "$T/auto" -f png
expect 0 "$in" "$T/raw" -f png --no-auto-orient
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
	expect 0 "$in" "$T/byhand$deg" -f png --no-auto-orient -p rotate=$deg
	cmp -s "$T/auto/$name.png" "$T/byhand$deg/$name.png" ||
	    fail "$name: auto-orient differs from --no-auto-orient -p rotate=$deg"
done

expect 0 "$in" "$T/jpg" -p resize=400x400
for name in wine-portrait-orient6 dogs-portrait-orient8; do
	set -- $(imginfo "$T/jpg/$name.jpg")
	[ "$3" -gt "$2" ] || fail "$name: JPEG output $2x$3 is not portrait"
	[ "$6" = noexif ] || fail "$name: output still carries EXIF"
done
finish
