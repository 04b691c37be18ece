# -f png / -f jpeg / -f same: the output format and the extension follow.
. "$(dirname "$0")/lib.sh"

in=$T/in
mkdir -p "$in"
cp "$DATA/jpeg/testorig.jpg" "$DATA/pngsuite/basn2c08.png" "$in/"
cp "$DATA/jpeg/testimgint.jpg" "$in/upper.JPEG"

expect 0 "$in" "$T/png" -f png
[ "$(listfiles "$T/png" | tr '\n' ' ')" = "basn2c08.png testorig.png upper.png " ] ||
    fail "-f png names: $(listfiles "$T/png" | tr '\n' ' ')"
for f in "$T"/png/*; do
	case $(imginfo "$f") in
	"png "*" complete "*) ;;
	*) fail "-f png: $f is not a complete PNG" ;;
	esac
done

expect 0 "$in" "$T/jpeg" -f jpeg
for base in basn2c08 testorig upper; do
	f=$(ls "$T/jpeg/$base".* 2>/dev/null)
	case $f in
	*.jpg | *.jpeg | *.JPG | *.JPEG) ;;
	*) fail "-f jpeg: $base has no JPEG extension ($f)"; continue ;;
	esac
	case $(imginfo "$f") in
	"jpeg "*" complete "*) ;;
	*) fail "-f jpeg: $f is not a complete JPEG" ;;
	esac
done
[ "$(nfiles "$T/jpeg")" -eq 3 ] || fail "-f jpeg wrote $(nfiles "$T/jpeg") files"

expect 0 "$in" "$T/same"
case $(imginfo "$T/same/basn2c08.png") in
"png "*) ;;
*) fail "-f same: PNG input did not stay PNG" ;;
esac
case $(imginfo "$T/same/testorig.jpg") in
"jpeg "*) ;;
*) fail "-f same: JPEG input did not stay JPEG" ;;
esac

# Content decides the format, not the extension.
cp "$DATA/pngsuite/basn0g08.png" "$T/in/disguised.jpg"
expect 0 "$in" "$T/magic" -f png
[ -f "$T/magic/disguised.png" ] || fail "PNG named .jpg was not processed"

# Quality changes the JPEG; png-level does not change the pixels' size.
expect 0 "$in" "$T/q20" -f jpeg -q 20
expect 0 "$in" "$T/q95" -f jpeg -q 95
s20=$(wc -c <"$T/q20/testorig.jpg")
s95=$(wc -c <"$T/q95/testorig.jpg")
[ "$s20" -lt "$s95" ] || fail "-q 20 output ($s20) not smaller than -q 95 ($s95)"
finish
