# HEIC and AVIF inputs (tests/data/heif/, made by its make.py): a HEIC
# folder with -f same becomes JPEG, AVIF folders become JPEG and PNG; the
# pixels equal heif-convert's decode (8-bit files exactly, 10 and 12 bits
# against its 16-bit PNG); EXIF, XMP and ICC are kept (ExifTool reads
# them) with Orientation 1 and the pixels as libheif turned them; nclx
# becomes a profile; dry-run sizes; a cut or lying file is one error line
# and no output; every mode writes the same bytes.  In a HEIF=0 build:
# each file fails with "not built" and -f avif exits 2.
. "$(dirname "$0")/lib.sh"

H=$DATA/heif
heic="rgb alpha grid irot imir irot-imir 10bit iphone-p3-exif canon-xmp"
avif="rgb-av1 alpha-av1 irot-av1 12bit p3-nclx"

if ! need_format heic; then
	mkdir -p "$T/nb"
	cp "$H/rgb.heic" "$H/rgb-av1.avif" "$T/nb/"
	tag="HEIF=0"
	expect 1 "$T/nb" "$T/nb-out"
	oneline rgb.heic "HEIF (HEIC, AVIF) support not built into this imgpipe"
	oneline rgb-av1.avif "HEIF (HEIC, AVIF) support not built"
	[ "$(listfiles "$T/nb-out" 2>/dev/null)" = "" ] ||
	    fail "HEIF=0: outputs written"
	expect 2 "$T/nb" "$T/nb-avif" -f avif
	grep -q "not built" "$T/stderr" || fail "-f avif: no 'not built' reason"
	finish
fi

mkdir -p "$T/heic" "$T/avif"
for n in $heic; do cp "$H/$n.heic" "$T/heic/"; done
for n in $avif; do cp "$H/$n.avif" "$T/avif/"; done

# -f same: imgpipe writes no HEIC, so HEIC becomes JPEG.
expect 0 "$T/heic" "$T/same"
want=""
for n in $heic; do want="$want$n.jpg "; done
tag="-f same"
clean "$T/same" "$(echo "$want" | tr ' ' '\n' | grep . | LC_ALL=C sort |
    tr '\n' ' ')"
set -- $(imginfo "$T/same/irot.jpg")
[ "$2x$3" = 72x96 ] || fail "irot.heic: JPEG is $2x$3, want 72x96 (turned)"
# The container's transforms are the image's: --no-auto-orient keeps them.
expect 0 "$T/heic" "$T/noauto" --no-auto-orient
set -- $(imginfo "$T/noauto/irot.jpg")
[ "$2x$3" = 72x96 ] || fail "irot.heic --no-auto-orient: $2x$3, want 72x96"
cmp -s "$T/noauto/irot.jpg" "$T/same/irot.jpg" ||
    fail "irot.heic: --no-auto-orient changed the output"
# Stored 320x240 with EXIF Orientation 6: libheif's pixels are final, the
# tag is informational, so the output is not turned again.
set -- $(imginfo "$T/same/iphone-p3-exif.jpg")
[ "$2x$3" = 320x240 ] ||
    fail "iphone-p3-exif.heic: JPEG is $2x$3, want 320x240 (not turned)"
[ "$6" = exif ] || fail "iphone-p3-exif.heic: JPEG lost its EXIF"

for fmt in jpeg png; do
	expect 0 "$T/avif" "$T/avif-$fmt" -f $fmt
	ext=$fmt
	[ $fmt = jpeg ] && ext=jpg
	want=""
	for n in $avif; do want="$want$n.$ext "; done
	tag="AVIF -f $fmt"
	clean "$T/avif-$fmt" "$(echo "$want" | tr ' ' '\n' | grep . |
	    LC_ALL=C sort | tr '\n' ' ')"
done

# The pixels against heif-convert's decode.  Under the default --keep the
# ICC profiles are written, so no colour transform changes them.
if command -v heif-convert >/dev/null 2>&1; then
	expect 0 "$T/heic" "$T/heic-png" -f png
	mkdir -p "$T/ref"
	for f in $(echo "$heic" | tr ' ' '\n' | sed 's/$/.heic/') \
	    $(echo "$avif" | tr ' ' '\n' | sed 's/$/.avif/'); do
		n=${f%.*}
		case $f in
		*.heic) src=$T/heic/$f got=$T/heic-png/$n.png ;;
		*) src=$T/avif/$f got=$T/avif-png/$n.png ;;
		esac
		heif-convert --quiet "$src" "$T/ref/$n.png" >/dev/null 2>&1 ||
		    { fail "heif-convert cannot decode $f"; continue; }
		db=$(python3 "$CLI_DIR/pngdiff.py" "$T/ref/$n.png" "$got")
		case $n in
		10bit | 12bit)
			python3 -c "import sys; sys.exit(float('$db') < 45)" \
			    2>/dev/null || fail "$f: $db dB against heif-convert" ;;
		*) [ "$db" = inf ] || fail "$f: $db dB against heif-convert, want equal" ;;
		esac
	done
else
	skip_part "pixels against heif-convert: it is not installed"
fi

# Metadata, read by ExifTool: EXIF with Orientation 1, XMP, ICC.
if command -v exiftool >/dev/null 2>&1; then
	o=$T/same/iphone-p3-exif.jpg
	v=$(exiftool -n -s3 -EXIF:Orientation "$o")
	[ "$v" = 1 ] || fail "iphone-p3-exif: Orientation '$v', want 1"
	v=$(exiftool -s3 -EXIF:Make "$o")
	[ "$v" = Apple ] || fail "iphone-p3-exif: Make '$v', want Apple"
	v=$(exiftool -s3 -ICC_Profile:ProfileDescription "$o")
	[ "$v" = "Display P3" ] || fail "iphone-p3-exif: ICC '$v'"
	o=$T/same/canon-xmp.jpg
	v=$(exiftool -s3 -XMP:Creator "$o")
	[ "$v" = "Peter Bemmann" ] || fail "canon-xmp: XMP Creator '$v'"
	v=$(exiftool -s3 -EXIF:Artist "$o")
	[ "$v" = "Peter Bemmann" ] || fail "canon-xmp: EXIF Artist '$v'"
	v=$(exiftool -s3 -ICC_Profile:ProfileDescription "$o")
	[ "$v" = "Adobe RGB (1998)" ] || fail "canon-xmp: ICC '$v'"
	v=$(exiftool -s3 -ICC_Profile:ProfileDescription \
	    "$T/avif-png/p3-nclx.png")
	[ "$v" = "Display P3 (nclx)" ] || fail "p3-nclx: ICC '$v'"
else
	skip_part "metadata of the outputs: exiftool is not installed"
fi
expect 0 "$T/heic" "$T/bare" --keep none
set -- $(imginfo "$T/bare/iphone-p3-exif.jpg")
[ "$6" = noexif ] || fail "--keep none: the JPEG carries EXIF"

# nclx: Display P3 converted to sRGB; PQ warns and counts as SDR.
cp "$H/pq-nclx.avif" "$T/avif/"
expect 0 "$T/avif" "$T/srgb" -f png --export-profile srgb \
    --report "$T/r.json"
v=$(report_get "$T/r.json" \
    "[f['colour'] for f in r['files'] if f['input'] == 'p3-nclx.avif'][0]")
[ "$v" = "Display P3 (nclx) → sRGB, relative" ] ||
    fail "p3-nclx --export-profile srgb: colour '$v'"
grep -q "^imgpipe: .*pq-nclx.avif: warning: HDR transfer (PQ) treated as SDR$" \
    "$T/stderr" || fail "pq-nclx.avif: no HDR warning"
[ "$(stderr_lines_naming pq-nclx.avif)" -eq 1 ] ||
    fail "pq-nclx.avif: not one line"
rm "$T/avif/pq-nclx.avif"

# The dry run's sizes come from the header, turned as libheif turns.
expect 0 -n "$T/heic" "$T/dry" -p resize=48x48
grep -q '^irot.heic -> irot.jpg 36x48$' "$T/stdout" ||
    fail "dry run: irot.heic: $(grep irot.heic "$T/stdout")"
grep -q '^grid.heic -> grid.jpg 48x36$' "$T/stdout" ||
    fail "dry run: grid.heic: $(grep grid.heic "$T/stdout")"
[ ! -d "$T/dry" ] || [ "$(nfiles "$T/dry")" -eq 0 ] ||
    fail "dry run wrote files"

# Bad files: one line each, no output, the good file still written.
mkdir -p "$T/bad"
cp "$H/truncated.heic" "$H/ispe-20000.heic" "$H/ispe-100000.heic" \
    "$H/grid-lies.heic" "$H/rgb.heic" "$T/bad/"
head -c 40 "$H/rgb-av1.avif" >"$T/bad/header-only.avif"
for level in none truncated warning; do
	tag="bad files, --fail-on $level"
	expect 1 "$T/bad" "$T/bad-$level" --fail-on $level
	oneline truncated.heic "corrupt HEIF: "
	oneline header-only.avif "corrupt AVIF: "
	oneline ispe-20000.heic "image is 20000x20000, over --max-pixels"
	oneline ispe-100000.heic "over libheif's limits"
	oneline grid-lies.heic "its grid is 30000x30000, its ispe 128x96"
	clean "$T/bad-$level" "rgb.jpg "
done

# Every mode writes the same bytes.
set_modes
expect 0 -m seq "$T/heic" "$T/m-seq" -p resize=40x40
for mode in $modes; do
	[ "$mode" = seq ] && continue
	expect 0 -m "$mode" -j 2 "$T/heic" "$T/m-$mode" -p resize=40x40
	for n in $heic; do
		cmp -s "$T/m-seq/$n.jpg" "$T/m-$mode/$n.jpg" ||
		    fail "$n.heic: $mode differs from seq"
	done
done
finish
