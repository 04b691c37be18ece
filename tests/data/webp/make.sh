#!/bin/sh
# Rebuild the WebP test files from samples/ and tests/data/ with Debian 12's
# webp tools (cwebp, img2webp, webpmux 1.2) and ExifTool:
#   sh tests/data/webp/make.sh
# Sizes are odd on purpose (the scaled decode rounds up).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../../.." && pwd)
S=$TOP/samples
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$HERE"

cwebp -quiet -metadata none -q 80 -resize 301 169 "$S/dandelions.jpg" \
	-o lossy.webp
cwebp -quiet -metadata none -lossless -resize 97 61 "$S/dragonfly.jpg" \
	-o lossless.webp
cwebp -quiet -metadata none -q 80 -alpha_q 100 -resize 225 165 \
	"$S/nuthatch-vignette-alpha.png" -o alpha.webp
cwebp -quiet -metadata none -lossless -exact -resize 75 55 \
	"$S/nuthatch-vignette-alpha.png" -o alpha-lossless.webp

# Two frames of the same size, then a first frame smaller than its canvas.
cwebp -quiet -metadata none -q 60 -resize 301 169 \
	"$S/sunset-progressive.jpg" -o "$T/sunset.webp"
img2webp -loop 0 -lossy -q 50 -d 200 lossy.webp -d 200 "$T/sunset.webp" \
	-o animated.webp >/dev/null 2>&1
webpmux -frame lossless.webp +200+10+20 -frame lossy.webp +200+0+0 \
	-loop 0 -o animated-offset.webp 2>/dev/null

# The metadata chunks: the sRGB2014 profile of vgl_5674_0098.png, the
# EXIF of the portrait sample (Orientation 6, its pixels stored turned),
# and an XMP packet of our own.
exiftool -b -ICC_Profile "$TOP/tests/data/jpeg/vgl_5674_0098.png" \
	>"$T/srgb.icc"
exiftool -b -EXIF "$S/wine-portrait-orient6.jpg" >"$T/exif.tiff"
cat >"$T/xmp.xml" <<'XMP'
<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" tiff:Orientation="6"><dc:title><rdf:Alt><rdf:li xml:lang="x-default">imgpipe WebP test</rdf:li></rdf:Alt></dc:title></rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>
XMP
cwebp -quiet -metadata none -q 70 -resize 151 101 \
	"$S/wine-portrait-orient6.jpg" -o "$T/portrait.webp"
webpmux -set icc "$T/srgb.icc" "$T/portrait.webp" -o "$T/p1.webp" 2>/dev/null
webpmux -set exif "$T/exif.tiff" "$T/p1.webp" -o "$T/p2.webp" 2>/dev/null
webpmux -set xmp "$T/xmp.xml" "$T/p2.webp" -o meta.webp 2>/dev/null
# Some writers put JPEG's "Exif\0\0" before the TIFF structure.
{ printf 'Exif\000\000'; cat "$T/exif.tiff"; } >"$T/exif.app1"
webpmux -set exif "$T/exif.app1" lossy.webp -o exif-header.webp 2>/dev/null

# Seeds for fuzz_webp: the same kinds of file, tiny, so that libFuzzer
# runs many of them a second.
F=$TOP/tests/fuzz/seeds/webp
mkdir -p "$F"
cwebp -quiet -metadata none -q 50 -resize 24 17 "$S/dandelions.jpg" \
	-o "$F/small-lossy.webp"
cwebp -quiet -metadata none -lossless -resize 19 13 "$S/dragonfly.jpg" \
	-o "$F/small-lossless.webp"
cwebp -quiet -metadata none -q 50 -resize 23 17 \
	"$S/nuthatch-vignette-alpha.png" -o "$F/small-alpha.webp"
cwebp -quiet -metadata none -lossless -exact -resize 21 15 \
	"$S/nuthatch-vignette-alpha.png" -o "$F/small-alpha-lossless.webp"
webpmux -frame "$F/small-lossless.webp" +100+2+2 \
	-frame "$F/small-lossy.webp" +100+0+0 -loop 0 \
	-o "$F/small-animated.webp" 2>/dev/null
webpmux -set exif "$T/exif.tiff" "$F/small-lossy.webp" -o "$T/s1.webp" \
	2>/dev/null
webpmux -set xmp "$T/xmp.xml" "$T/s1.webp" -o "$F/small-meta.webp" \
	2>/dev/null
webpmux -set exif "$T/exif.app1" "$F/small-alpha.webp" \
	-o "$F/small-exif-header.webp" 2>/dev/null
