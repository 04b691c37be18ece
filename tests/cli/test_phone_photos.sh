# The real phone HEICs and WebPs of tests/data/photos (README.md there
# says what each holds): shown the right way up, turned once, their
# metadata kept; in a build without the format, one "not built" line each.
. "$(dirname "$0")/lib.sh"

photos=$DATA/photos
if ! command -v exiftool >/dev/null 2>&1; then
	skip "exiftool is not installed (make deps)"
fi

# tag FILE ARGS...: the values exiftool prints for ARGS, one a line.
tag()
{
	_f=$1
	shift
	exiftool -q -q -n -s3 -f "$@" "$_f" 2>/dev/null
}

# same GOT WANT WHAT
same()
{
	[ "$1" = "$2" ] || fail "$3: '$1', want '$2'"
}

# photo NAME OUT W H: OUT, made from NAME, is W x H with Orientation 1.
photo()
{
	_o=$T/out/$2
	[ -f "$_o" ] || { fail "$1: no $2 written"; return 1; }
	same "$(tag "$_o" -ImageWidth -ImageHeight | tr '\n' x)" \
	    "$3x$4x" "$1: size of $2"
	same "$(tag "$_o" -IFD0:Orientation)" 1 "$1: Orientation of $2"
}

# not_built NAME...: each NAME failed with one "not built" line, no output.
not_built()
{
	missing=1
	for _n in "$@"; do
		tag=$_n
		oneline "$_n" "not built"
		[ ! -e "$T/out/${_n%.*}.jpg" ] && [ ! -e "$T/out/$_n" ] ||
		    fail "$_n: an output was written"
	done
}

in=$T/in
mkdir -p "$in"
cp "$photos"/*.heic "$photos"/*.webp "$in/"
# 400 px on the long side: every photo is shrunk, none is enlarged.
run "$in" "$T/out" -m seq -p resize=400x400
missing=0

if need_format heic; then
	# The Galaxy S10+ stores 4032x3024 with irot 270 and also says
	# Orientation 6: turned once, by irot, it is 3024x4032.
	photo samsung-galaxys10plus.heic samsung-galaxys10plus.jpg 300 400 &&
	    same "$(tag "$T/out/samsung-galaxys10plus.jpg" -IFD0:Make \
	    -ExifIFD:DateTimeOriginal | tr '\n' '|')" \
	    "samsung|2020:06:30 11:27:59|" "samsung-galaxys10plus.heic: EXIF"
	# The iPhone 11 Pro grid of 48 tiles is 3024x4032 (irot 0), Display
	# P3, with EXIF and XMP items.
	o=$T/out/apple-iphone11pro.jpg
	photo apple-iphone11pro.heic apple-iphone11pro.jpg 300 400 &&
	    same "$(tag "$o" -IFD0:Model -ExifIFD:SubSecTimeOriginal \
	    -XMP-xmp:CreatorTool -ICC_Profile:ProfileDescription |
	    tr '\n' '|')" "iPhone 11 Pro|644|13.4.1|Display P3|" \
	    "apple-iphone11pro.heic: EXIF, XMP and ICC"
else
	not_built apple-iphone11pro.heic samsung-galaxys10plus.heic
fi

if need_format webp; then
	# The iPhone X WebP is 320x240 with Orientation 6, its EXIF chunk
	# behind an Exif\0\0 header: the orientation is found and applied.
	o=$T/out/apple-iphonex.webp
	photo apple-iphonex.webp apple-iphonex.webp 240 320 &&
	    same "$(tag "$o" -IFD0:Model -GPS:GPSLatitudeRef | tr '\n' '|')" \
	    "iPhone X|N|" "apple-iphonex.webp: EXIF"
	case $(tag "$o" -ExifTool:Warning) in
	*"Improper EXIF header"*)
		fail "apple-iphonex.webp: the output's EXIF has the Exif header"
		;;
	esac
	# The HTC Desire WebP: 776x909, sRGB profile, GPS.
	o=$T/out/htc-desire.webp
	photo htc-desire.webp htc-desire.webp 341 400 &&
	    same "$(tag "$o" -IFD0:Model -ICC_Profile:ProfileDescription \
	    -GPS:GPSLatitudeRef | tr '\n' '|')" \
	    "HTC Desire|sRGB IEC61966-2.1|N|" "htc-desire.webp: EXIF and ICC"
else
	not_built apple-iphonex.webp htc-desire.webp
fi
if [ "$missing" -eq 0 ]; then
	[ "$rc" -eq 0 ] || { fail "exit $rc"; sed 's/^/  | /' "$T/stderr"; }
else
	[ "$rc" -ne 0 ] || fail "exit 0, yet a format was not built"
fi
finish
