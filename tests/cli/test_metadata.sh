# Metadata kept and fixed up (README, Metadata), read back with ExifTool:
# the photographer's tags survive, Orientation and the sizes describe the
# new pixels, IFD1 is gone, --strip-gps and --keep remove what they name,
# PNG outputs carry eXIf and XMP, and every mode writes the same bytes.
. "$(dirname "$0")/lib.sh"

command -v exiftool >/dev/null 2>&1 ||
    skip "exiftool is not installed (libimage-exiftool-perl, make deps)"

# tag FILE TAG...: the tags' values as exiftool prints them, numbers as
# numbers (-n), one a line, in the order asked.
tag()
{
	_f=$1
	shift
	exiftool -q -q -n -s3 -f "$@" "$_f" 2>/dev/null
}

# has_tags FILE ARGS...: exiftool finds some tag among ARGS in FILE.
has_tags()
{
	_f=$1
	shift
	[ -n "$(exiftool -q -q -s -s "$@" "$_f" 2>/dev/null)" ]
}

# chunks FILE: the chunk types of a PNG, one a line, in file order.
chunks()
{
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
i = 8
while i + 8 <= len(d):
    n = struct.unpack(">I", d[i:i + 4])[0]
    print(d[i + 4:i + 8].decode("latin-1"))
    i += 12 + n
PY
}

# segments FILE: a JPEG's segments before SOS, each as its marker and,
# for APPn, the identifier it opens with (Exif, XMP, ICC_PROFILE...).
segments()
{
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
i, out = 2, []
while i + 4 <= len(d) and d[i] == 0xFF and d[i + 1] != 0xDA:
    m = d[i + 1]
    n = struct.unpack(">H", d[i + 2:i + 4])[0]
    body = d[i + 4:i + 2 + n]
    if 0xE0 <= m <= 0xEF:
        ident = body.split(b"\0", 1)[0].decode("latin-1")
        out.append("APP%d:%s" % (m - 0xE0, ident))
    elif m == 0xFE:
        out.append("COM")
    i += 2 + n
print(" ".join(o for o in out if o.startswith(("APP", "COM"))))
PY
}

# same VALUE WANT WHAT: record a failure unless VALUE is WANT.
same()
{
	[ "$1" = "$2" ] || fail "$3: '$1', want '$2'"
}

in=$T/in
mkdir -p "$in"
icc=/usr/share/color/icc/colord/sRGB.icc
[ -r "$icc" ] || fail "no sRGB profile at $icc (colord-data, make deps)"
# The camera photo: Orientation 6 (stored turned), every tag a photographer
# needs, a thumbnail in IFD1, GPS in EXIF and XMP, XMP with its own
# tiff:Orientation, IPTC, an ICC profile and a comment.
cp "$SAMPLES/wine-portrait-orient6.jpg" "$in/cam.jpg"
cp "$DATA/jpeg/testimgint.jpg" "$T/thumb.jpg"
exiftool -q -q -overwrite_original -Make=Canon '-Model=Canon EOS 5D' \
    '-Artist=Ann Artist' '-Copyright=(c) 2024 Ann Artist' \
    '-DateTimeOriginal=2024:05:06 07:08:09' -SubSecTimeOriginal=123 \
    -OffsetTimeOriginal=+02:00 '-LensModel=EF 50mm f/1.8' \
    -ExposureTime=1/250 -FNumber=8 -ISO=200 '-Orientation#=6' \
    -ExifImageWidth=1499 -ExifImageHeight=1000 \
    '-ThumbnailImage<='"$T/thumb.jpg" \
    -GPSLatitude=48.5 -GPSLatitudeRef=N -GPSLongitude=2.3 -GPSLongitudeRef=E \
    '-XMP-tiff:Orientation#=6' -XMP-exif:GPSLatitude=48.5 \
    -XMP-exif:GPSLongitude=2.3 '-XMP-dc:Creator=Ann Artist' \
    '-IPTC:By-line=Ann Artist' -IPTC:Keywords=alps -IPTC:Keywords=path \
    '-IPTC:Caption-Abstract=A path in the mountains' \
    "-ICC_Profile<=$icc" '-Comment=shot on a tripod' "$in/cam.jpg" ||
    fail "exiftool could not write the camera fixture"
# The phone-style PNG: eXIf with Orientation 6, XMP, text chunks, and an
# ImageMagick "Raw profile type exif" chunk (a stale copy) added by hand.
cp "$DATA/jpeg/testorig.png" "$in/phone.png"
exiftool -q -q -overwrite_original -EXIF:Make=Google -EXIF:Model=Pixel \
    '-EXIF:DateTimeOriginal=2023:01:02 03:04:05' '-EXIF:Orientation#=6' \
    '-XMP-tiff:Orientation#=6' '-XMP-dc:Creator=Bob' \
    '-PNG:Comment=png comment' '-PNG:Title=A title' "$in/phone.png" ||
    fail "exiftool could not write the phone fixture"
python3 - "$in/phone.png" <<'PY'
import struct, sys, zlib
p = open(sys.argv[1], "rb").read()
body = b"Raw profile type exif\0\nexif\n      8\n4d4d002a00000008\n"
c = struct.pack(">I", len(body)) + b"tEXt" + body + \
    struct.pack(">I", zlib.crc32(b"tEXt" + body) & 0xFFFFFFFF)
open(sys.argv[1], "wb").write(p[:33] + c + p[33:])
PY
check "fixture: no IFD1" has_tags "$in/cam.jpg" -IFD1:all
chunks "$in/phone.png" | grep '^eXIf$' >/dev/null || fail "fixture: no eXIf chunk"
for t in Make Model Artist Copyright DateTimeOriginal SubSecTimeOriginal \
    OffsetTimeOriginal LensModel ExposureTime FNumber ISO; do
	eval "want_$t=\$(tag \"\$in/cam.jpg\" -EXIF:$t)"
done

# --- JPEG to JPEG, everything kept and fixed up --------------------------
expect 0 -m seq "$in" "$T/all" -p resize=400x400 --report "$T/all.json"
out=$T/all/cam.jpg
for t in Make Model Artist Copyright DateTimeOriginal SubSecTimeOriginal \
    OffsetTimeOriginal LensModel ExposureTime FNumber ISO; do
	eval "w=\$want_$t"
	[ -n "$w" ] && [ "$w" != - ] || fail "fixture lacks EXIF $t"
	same "$(tag "$out" -EXIF:$t)" "$w" "JPEG output EXIF $t"
done
same "$(tag "$out" -EXIF:Orientation)" 1 "Orientation after auto-orient"
same "$(tag "$out" -XMP-tiff:Orientation)" 1 "XMP tiff:Orientation"
has_tags "$out" -IFD1:all && fail "IFD1 (the thumbnail) is still there"
size=$(tag "$out" -File:ImageWidth -File:ImageHeight | tr '\n' x)
same "$(tag "$out" -ExifIFD:ExifImageWidth -ExifIFD:ExifImageHeight |
    tr '\n' x)" "$size" "ExifImageWidth/Height against the pixels"
same "$size" 267x400x "output size"
same "$(tag "$out" -IPTC:By-line)" "Ann Artist" "IPTC By-line"
same "$(tag "$out" -IPTC:Keywords)" "alps, path" "IPTC Keywords"
same "$(tag "$out" -IPTC:Caption-Abstract)" "A path in the mountains" \
    "IPTC Caption"
same "$(tag "$out" -File:Comment)" "shot on a tripod" "JPEG comment"
same "$(tag "$out" -GPS:GPSLatitude)" 48.5 "GPS kept by default"
same "$(segments "$out")" \
    "APP0:JFIF APP1:Exif APP1:http://ns.adobe.com/xap/1.0/ APP2:ICC_PROFILE APP13:Photoshop 3.0 COM" \
    "JPEG segment order"
exiftool -q -q -b -ICC_Profile "$out" >"$T/icc.out"
cmp -s "$icc" "$T/icc.out" || fail "ICC profile not kept"
same "$(report_get "$T/all.json" \
    "[f['meta'] for f in r['files'] if f['input'] == 'cam.jpg'][0]")" \
    "['exif', 'xmp', 'iptc', 'icc', 'other']" "report meta of cam.jpg"

# --- --no-auto-orient keeps the tag as it was ----------------------------
expect 0 -m seq --no-auto-orient "$in" "$T/noauto" -p resize=400x400
same "$(tag "$T/noauto/cam.jpg" -EXIF:Orientation)" 6 \
    "Orientation with --no-auto-orient"
same "$(tag "$T/noauto/cam.jpg" -XMP-tiff:Orientation)" 6 \
    "XMP tiff:Orientation with --no-auto-orient"

# --- --strip-gps -----------------------------------------------------------
expect 0 -m seq --strip-gps "$in" "$T/nogps"
for f in "$T/nogps/cam.jpg" "$T/nogps/phone.png"; do
	has_tags "$f" -gps:all && fail "$f: a GPS tag is left"
	exiftool -q -q -s -XMP-exif:all "$f" | grep -q GPS &&
	    fail "$f: an XMP exif:GPS property is left"
done
same "$(tag "$T/nogps/cam.jpg" -EXIF:DateTimeOriginal)" \
    "$want_DateTimeOriginal" "--strip-gps keeps the date"
same "$(tag "$T/nogps/cam.jpg" -XMP-dc:Creator)" "Ann Artist" \
    "--strip-gps keeps the rest of the XMP"

# --- --keep ------------------------------------------------------------------
expect 0 -m seq --keep none "$in" "$T/none" --report "$T/none.json"
for f in "$T/none/cam.jpg" "$T/none/phone.png"; do
	has_tags "$f" -EXIF:all -XMP:all -IPTC:all -ICC_Profile:all \
	    -File:Comment -PNG:Comment -PNG:Title &&
	    fail "$f: --keep none left a block"
done
same "$(report_get "$T/none.json" "[f['meta'] for f in r['files']]")" \
    "[[], []]" "report meta with --keep none"
expect 0 -m seq --keep exif "$in" "$T/exif"
f=$T/exif/cam.jpg
same "$(tag "$f" -EXIF:Make)" Canon "--keep exif keeps EXIF"
has_tags "$f" -XMP:all -IPTC:all -ICC_Profile:all -File:Comment &&
    fail "--keep exif kept more than EXIF"
expect 0 -m seq --keep xmp,other "$in" "$T/xo"
has_tags "$T/xo/cam.jpg" -EXIF:all -IPTC:all -ICC_Profile:all &&
    fail "--keep xmp,other kept more"
same "$(tag "$T/xo/cam.jpg" -XMP-dc:Creator -File:Comment | tr '\n' '|')" \
    "Ann Artist|shot on a tripod|" "--keep xmp,other"
expect 2 --keep exif,gps "$in" "$T/bad"
grep -q "bad value 'exif,gps' for --keep" "$T/stderr" ||
    fail "unknown --keep name: no usage message"
expect 2 --keep '' "$in" "$T/bad"

# --- PNG outputs: eXIf before IDAT and XMP; no IPTC ----------------------
expect 0 -m seq -f png "$in" "$T/png"
for f in "$T/png/cam.png" "$T/png/phone.png"; do
	order=$(chunks "$f" | grep -E '^(eXIf|iTXt|IDAT)$' | uniq | tr '\n' ' ')
	case $order in
	"eXIf iTXt IDAT "* | "iTXt eXIf IDAT "*) ;;
	*) fail "$f: chunks $order, want eXIf and iTXt before IDAT" ;;
	esac
	same "$(tag "$f" -EXIF:Orientation)" 1 "$f: Orientation"
	same "$(tag "$f" -XMP-tiff:Orientation)" 1 "$f: XMP tiff:Orientation"
	has_tags "$f" -IPTC:all && fail "$f: IPTC in a PNG output"
done
same "$(tag "$T/png/cam.png" -EXIF:Artist -PNG:Comment | tr '\n' '|')" \
    "Ann Artist|shot on a tripod|" "JPEG to PNG: EXIF and the comment"
same "$(tag "$T/png/phone.png" -EXIF:Make -XMP-dc:Creator -PNG:Comment \
    -PNG:Title | tr '\n' '|')" "Google|Bob|png comment|A title|" \
    "PNG to PNG: EXIF, XMP and texts"
grep -q "Raw profile type" "$in/phone.png" || fail "fixture lacks its Raw profile"
grep -q "Raw profile type" "$T/png/phone.png" &&
    fail "a Raw profile chunk was carried"
# PNG to JPEG: the comment becomes a COM segment, the title has no place.
expect 0 -m seq -f jpeg "$in" "$T/tojpg"
same "$(tag "$T/tojpg/phone.jpg" -EXIF:Make -File:Comment | tr '\n' '|')" \
    "Google|png comment|" "PNG to JPEG: EXIF and the comment"

# --- real camera and phone photos (tests/data/photos/) ---------------------
# kept_tags FILE GROUP...: every tag of those groups but the ones the
# fix-ups change (Orientation, the sizes, IFD1, HasExtendedXMP), sorted.
kept_tags()
{
	_f=$1
	shift
	exiftool -q -q -s -G1 -a -n "$@" "$_f" |
	    grep -v -E '^\[IFD1\]|Orientation|ExifImage(Width|Height) |\[XMP-tiff\] +Image(Width|Height) |HasExtendedXMP' |
	    LC_ALL=C sort
}
# The JPEGs only: the HEIC and WebP photos there need a build with those
# formats, and have tests of their own.
photos=$T/photos
mkdir -p "$photos"
cp "$DATA"/photos/*.jpg "$photos/" 2>/dev/null
if [ -r "$photos/apple-iphone7.jpg" ] && [ -r "$photos/canon-eos7d.jpg" ]; then
	expect 0 -m seq "$photos" "$T/ph" -p resize=200x200
	tag=photos
	# The Pixel's extended XMP is the only block dropped.
	oneline google-pixel8pro.jpg "warning: extended XMP dropped"
	same "$(grep -c ': warning: ' "$T/stderr")" 1 "photos: warning lines"
	for f in "$photos"/*.jpg; do
		b=$(basename "$f")
		o=$T/ph/$b
		# The Pixel's XMP lost its extension: compare EXIF only.
		g="-EXIF:all -IPTC:all -XMP:all"
		[ "$b" = google-pixel8pro.jpg ] && g="-EXIF:all -IPTC:all"
		# shellcheck disable=SC2086
		kept_tags "$f" $g >"$T/want"
		# shellcheck disable=SC2086
		kept_tags "$o" $g >"$T/got"
		[ -s "$T/want" ] || fail "$b: exiftool read no tag"
		diff "$T/want" "$T/got" >"$T/diff" ||
		    fail "$b: tags changed: $(head -c 600 "$T/diff")"
		[ "$(tag "$f" -IFD0:Orientation)" = - ] ||
		    same "$(tag "$o" -IFD0:Orientation)" 1 "$b: Orientation"
		has_tags "$o" -IFD1:all && fail "$b: IFD1 is still there"
		has_tags "$o" -XMP-xmpNote:HasExtendedXMP &&
		    fail "$b: HasExtendedXMP is still there"
		size=$(tag "$o" -File:ImageWidth -File:ImageHeight | tr '\n' x)
		[ "$(tag "$f" -ExifIFD:ExifImageWidth)" = - ] ||
		    same "$(tag "$o" -ExifIFD:ExifImageWidth \
		    -ExifIFD:ExifImageHeight | tr '\n' x)" "$size" \
		    "$b: ExifImageWidth/Height"
		[ "$(tag "$f" -XMP-tiff:ImageWidth)" = - ] ||
		    same "$(tag "$o" -XMP-tiff:ImageWidth \
		    -XMP-tiff:ImageHeight | tr '\n' x)" "$size" \
		    "$b: XMP tiff:ImageWidth/ImageLength"
	done
	same "$(tag "$T/ph/canon-eos7d.jpg" -IPTC:By-line -XMP-dc:Creator \
	    -EXIF:Artist | tr '\n' '|')" \
	    "Peter Bemmann|Peter Bemmann|Peter Bemmann|" "camera: IPTC, XMP, EXIF"
	expect 0 -m seq --strip-gps "$photos" "$T/ph-nogps"
	for f in "$T"/ph-nogps/*.jpg; do
		has_tags "$f" -gps:all && fail "$f: a GPS tag is left"
		[ "$(tag "$f" -EXIF:DateTimeOriginal)" != - ] ||
		    fail "$f: --strip-gps lost the date"
	done
	expect 0 -m seq -f png "$photos" "$T/ph-png"
	for b in apple-iphone7 canon-eos7d; do
		chunks "$T/ph-png/$b.png" | grep '^eXIf$' >/dev/null ||
		    fail "$b.png: no eXIf"
		same "$(tag "$T/ph-png/$b.png" -EXIF:DateTimeOriginal)" \
		    "$(tag "$photos/$b.jpg" -EXIF:DateTimeOriginal)" "$b.png: date"
	done
	chunks "$T/ph-png/canon-eos7d.png" | grep '^iTXt$' >/dev/null ||
	    fail "canon-eos7d.png: no XMP iTXt"
	set_modes
	for m in $modes; do
		expect 0 -m "$m" -j 3 "$photos" "$T/ph-$m" -p resize=200x200
		for f in $(listfiles "$T/ph"); do
			cmp -s "$T/ph/$f" "$T/ph-$m/$f" ||
			    fail "photos/$f: -m $m differs from seq"
		done
	done
else
	skip_part "real photos: tests/data/photos is missing"
fi

# --- every mode writes the same bytes ------------------------------------
set_modes
for m in $modes; do
	for j in 1 3; do
		expect 0 -m "$m" -j $j "$in" "$T/m-$m-$j" -p resize=400x400
		for f in cam.jpg phone.png; do
			cmp -s "$T/all/$f" "$T/m-$m-$j/$f" ||
			    fail "$f: -m $m -j $j differs from seq"
		done
	done
done
finish
