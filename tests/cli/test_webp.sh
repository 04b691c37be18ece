# WebP in and out, checked by libwebp's own tools (dwebp, webpinfo) and
# ExifTool; in a WEBP=0 build, the "not built" behaviour instead.
. "$(dirname "$0")/lib.sh"

W=$DATA/webp

# webp_ok FILE: dwebp decodes FILE whole and webpinfo finds no error.
webp_ok()
{
	dwebp -quiet "$1" -pam -o "$T/check.pam" 2>/dev/null &&
	    webpinfo -quiet "$1" >/dev/null 2>&1
}

# webp_size FILE: "W H" as dwebp decodes it.
webp_size()
{
	dwebp -quiet "$1" -pam -o "$T/size.pam" 2>/dev/null &&
	    sed -n 's/^WIDTH //p; s/^HEIGHT //p' "$T/size.pam" | tr '\n' ' '
}

# chunks FILE: the chunk names webpinfo lists, one line.
chunks()
{
	webpinfo "$1" 2>/dev/null | sed -n 's/^Chunk \(....\) .*/\1/p' |
	    tr '\n' ' '
}

not_built()
{
	tag="not built"
	mkdir -p "$T/nb"
	cp "$W/lossy.webp" "$W/alpha.webp" "$T/nb/"
	cp "$DATA/pngsuite/basn2c08.png" "$T/nb/"
	expect 1 "$T/nb" "$T/nb-out" -f png
	oneline lossy.webp "WebP support not built"
	oneline alpha.webp "WebP support not built"
	clean "$T/nb-out" "basn2c08.png "
	expect 2 "$T/nb" "$T/nb-out2" -f webp
	grep -q "not built" "$T/stderr" || fail "-f webp: no 'not built' reason"
	[ ! -d "$T/nb-out2" ] || [ "$(nfiles "$T/nb-out2")" -eq 0 ] ||
	    fail "-f webp in a WEBP=0 build wrote files"
}

if ! need_format webp; then
	not_built
	finish
fi
command -v dwebp >/dev/null && command -v webpinfo >/dev/null ||
    skip "no dwebp and webpinfo (package webp, make deps)"

# A folder of WebP files becomes PNG and JPEG; animations warn once each.
in=$T/in
mkdir -p "$in"
cp "$W"/*.webp "$in/"
for fmt in png jpeg; do
	tag="webp -> $fmt"
	expect 0 "$in" "$T/$fmt" -f "$fmt"
	ext=$fmt
	[ "$fmt" = jpeg ] && ext=jpg
	want=""
	for f in $(cd "$in" && ls | LC_ALL=C sort); do
		want="$want${f%.webp}.$ext "
	done
	clean "$T/$fmt" "$want"
	[ "$(grep -c 'warning: animated WebP: only the first frame kept' \
	    "$T/stderr")" -eq 2 ] || fail "$tag: not one warning per animation"
done
# meta.webp says Orientation 6: upright, it is 101 wide and 151 high.
case $(imginfo "$T/png/meta.png") in
"png 101 151 3 "*) ;;
*) fail "meta.webp: not turned upright ($(imginfo "$T/png/meta.png"))" ;;
esac
case $(imginfo "$T/png/alpha.png") in
"png 225 165 4 "*) ;;
*) fail "alpha.webp: alpha lost ($(imginfo "$T/png/alpha.png"))" ;;
esac

# -f webp from JPEG, PNG with alpha and a phone photo (Display P3,
# Orientation 6): libwebp's tools read every output.
src=$T/src
put_samples "$src" dragonfly.jpg nuthatch-vignette-alpha.png wood-grey.jpg
cp "$DATA/photos/apple-iphone7.jpg" "$src/phone.jpg"
tag="-f webp"
expect 0 "$src" "$T/webp" -f webp -p resize=200x200
for f in dragonfly nuthatch-vignette-alpha wood-grey phone; do
	check "$tag: $f.webp does not decode" webp_ok "$T/webp/$f.webp"
done
[ "$(webp_size "$T/webp/dragonfly.webp")" = "200 150 " ] ||
    fail "$tag: dragonfly.webp is $(webp_size "$T/webp/dragonfly.webp")"
webpinfo "$T/webp/nuthatch-vignette-alpha.webp" | grep -q 'Alpha: 1' ||
    fail "$tag: the alpha channel was not kept"
case $(chunks "$T/webp/phone.webp") in
"VP8X ICCP VP8  EXIF "*) ;;
*) fail "$tag: phone.webp chunks: $(chunks "$T/webp/phone.webp")" ;;
esac
if command -v exiftool >/dev/null; then
	o=$(exiftool -n -s3 -Orientation "$T/webp/phone.webp")
	[ "$o" = 1 ] || fail "$tag: EXIF Orientation '$o', want 1"
	exiftool -s3 -ICC_Profile:ProfileDescription "$T/webp/phone.webp" |
	    grep -q . || fail "$tag: ExifTool finds no ICC profile"
	[ "$(webp_size "$T/webp/phone.webp")" = "150 200 " ] ||
	    fail "$tag: phone.webp not upright: $(webp_size "$T/webp/phone.webp")"
else
	skip_part "ExifTool checks: no exiftool (make deps)"
fi
# Grey is written as RGB: a grey sRGB tag becomes sRGB's RGB profile.
if command -v exiftool >/dev/null; then
	expect 0 "$src" "$T/grey" -f webp -p resize=200x200 --export-profile srgb
	cs=$(exiftool -s3 -ProfileDescription -ColorSpaceData "$T/grey/wood-grey.webp" |
	    tr '\n' ' ')
	[ "$cs" = "sRGB RGB " ] ||
	    fail "grey -f webp --export-profile srgb: profile '$cs', want 'sRGB RGB'"
fi
# --keep exif writes no ICCP chunk; --keep none no VP8X at all.
expect 0 "$src" "$T/keep-exif" -f webp -p resize=200x200 --keep exif
case $(chunks "$T/keep-exif/phone.webp") in
*ICCP*) fail "--keep exif: an ICCP chunk was written" ;;
*EXIF*) ;;
*) fail "--keep exif: no EXIF chunk" ;;
esac
expect 0 "$src" "$T/keep-none" -f webp -p resize=200x200 --keep none
[ "$(chunks "$T/keep-none/phone.webp")" = "VP8  " ] ||
    fail "--keep none: chunks $(chunks "$T/keep-none/phone.webp")"

# --lossless: the pixels as cwebp -lossless -exact keeps them from PNGs
# without gAMA (cwebp applies it, imgpipe does not), and as dwebp decodes
# a lossless RGBA WebP input (dwebp decodes both).
if command -v cwebp >/dev/null; then
	mkdir -p "$T/ll-in"
	cp "$DATA/jpeg/testorig.png" "$DATA/jpeg/vgl_5674_0098.png" \
	    "$W/alpha-lossless.webp" "$T/ll-in/"
	expect 0 "$T/ll-in" "$T/ll" -f webp --lossless
	for f in testorig vgl_5674_0098; do
		cwebp -quiet -lossless -exact "$T/ll-in/$f.png" \
		    -o "$T/ref-$f.webp"
		dwebp -quiet "$T/ref-$f.webp" -pam -o "$T/ref-$f.pam"
	done
	dwebp -quiet "$W/alpha-lossless.webp" -pam -o "$T/ref-alpha-lossless.pam"
	for f in testorig vgl_5674_0098 alpha-lossless; do
		dwebp -quiet "$T/ll/$f.webp" -pam -o "$T/got-$f.pam"
		cmp -s "$T/ref-$f.pam" "$T/got-$f.pam" ||
		    fail "--lossless: $f pixels differ from the input's"
	done
else
	skip_part "--lossless reference: no cwebp"
fi

# -q and --effort change the bytes, and -q the size as expected.
expect 0 "$src" "$T/q30" -f webp -p resize=200x200 -q 30
expect 0 "$src" "$T/e0" -f webp -p resize=200x200 --effort 0
s80=$(wc -c <"$T/webp/dragonfly.webp")
s30=$(wc -c <"$T/q30/dragonfly.webp")
[ "$s30" -lt "$s80" ] || fail "-q 30 ($s30 bytes) not smaller than -q 80 ($s80)"
cmp -s "$T/e0/dragonfly.webp" "$T/webp/dragonfly.webp" &&
    fail "--effort 0 wrote the same bytes as the default"
# The same bytes in every mode (coop yields inside libwebp's loops).
set_modes
for m in $modes; do
	expect 0 -m "$m" -j 2 "$src" "$T/mode-$m" -f webp -p resize=200x200
	for f in dragonfly nuthatch-vignette-alpha wood-grey phone; do
		cmp -s "$T/mode-$m/$f.webp" "$T/webp/$f.webp" ||
		    fail "-m $m: $f.webp differs"
	done
done

# --dry-run: planned sizes, for a WebP input and a WebP output.
tag="--dry-run"
expect 0 -n "$in" "$T/dry" -p resize=100x100 -f webp
grep 'lossy' "$T/stdout" | grep -q 'lossy.webp.*100x56' ||
    fail "$tag: no 'lossy.webp ... 100x56' line"
[ ! -d "$T/dry" ] || [ "$(nfiles "$T/dry")" -eq 0 ] || fail "$tag wrote files"

# --skip-existing: the second run writes nothing.
tag="--skip-existing"
expect 0 "$in" "$T/skip" -f webp --skip-existing --report "$T/r1.json"
[ "$(report_get "$T/r1.json" "r['images']['ok']")" = 8 ] ||
    fail "$tag: first run did not write 8 images"
expect 0 "$in" "$T/skip" -f webp --skip-existing --report "$T/r2.json"
[ "$(report_get "$T/r2.json" "r['images']['skipped']")" = 8 ] ||
    fail "$tag: second run did not skip 8"

# a.jpg and a.png both become a.webp: the second is an error.
tag="collision"
mkdir -p "$T/col"
cp "$DATA/jpeg/testorig.jpg" "$T/col/a.jpg"
cp "$DATA/pngsuite/basn2c08.png" "$T/col/a.png"
expect 1 "$T/col" "$T/col-out" -f webp
oneline a.png "would overwrite"
check "$tag: a.webp" webp_ok "$T/col-out/a.webp"
[ "$(nfiles "$T/col-out")" -eq 1 ] || fail "$tag: $(nfiles "$T/col-out") files"

# -f same keeps WebP as WebP.
expect 0 "$in" "$T/same" -p resize=50x50
check "-f same: lossy.webp" webp_ok "$T/same/lossy.webp"
[ "$(webp_size "$T/same/lossy.webp")" = "50 28 " ] ||
    fail "-f same: lossy.webp is $(webp_size "$T/same/lossy.webp")"

# Shrink-on-load: WebP's scaled decode stays close to the full decode.
tools=${IMGPIPE_TOOLS:-}
if [ -x "$tools/psnr" ] && command -v cwebp >/dev/null; then
	mkdir -p "$T/big"
	cwebp -quiet -q 90 "$SAMPLES/dandelions.jpg" -o "$T/big/d.webp"
	expect 0 "$T/big" "$T/shrink" -p resize=300x300 -f jpeg -q 95
	expect 0 "$T/big" "$T/full" -p resize=300x300 -f jpeg -q 95 \
	    --no-shrink-on-load
	cmp -s "$T/shrink/d.jpg" "$T/full/d.jpg" &&
	    fail "shrink-on-load: the same bytes as a full decode (not used?)"
	p=$("$tools/psnr" "$T/full/d.jpg" "$T/shrink/d.jpg" | cut -d' ' -f3)
	python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 40 else 1)" \
	    "$p" || fail "shrink-on-load: PSNR $p dB, want >= 40"
else
	skip_part "shrink-on-load PSNR: no psnr tool (make cli-test) or cwebp"
fi

# A truncated WebP: one error line, no output, the rest written, exit 1.
tag="truncated"
mkdir -p "$T/cut"
head -c 3000 "$W/lossy.webp" >"$T/cut/bad.webp"
cp "$W/alpha.webp" "$T/cut/"
expect 1 "$T/cut" "$T/cut-out" -f png
oneline bad.webp "truncated WebP data"
clean "$T/cut-out" "alpha.png "
# --fail-on none keeps its rows (the rest grey), with a warning.
expect 0 "$T/cut" "$T/cut-none" -f png --fail-on none
grep -q 'bad.webp: warning: truncated WebP data' "$T/stderr" ||
    fail "$tag: --fail-on none gave no warning"
clean "$T/cut-none" "alpha.png bad.png "

"$IMGPIPE" --version | grep -q '^formats:.* webp' ||
    fail "--version does not list webp"
finish
