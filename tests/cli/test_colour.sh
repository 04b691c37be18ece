# Colour management end to end: P3, Adobe RGB, CMYK and grey inputs
# converted with --export-profile srgb, each against the same conversion
# done by lcms's own jpgicc (PSNR >= 38 dB), to the profile imgpipe embeds;
# a PNG with iCCP and one with an sRGB chunk; --import-profile; a broken
# embedded profile; bad profile files; the report's "colour".
. "$(dirname "$0")/lib.sh"

tools=${IMGPIPE_TOOLS:-}
for t in jpgicc exiftool; do
	command -v $t >/dev/null || skip "$t is not installed (make deps)"
done
[ -x "$tools/mkicc" ] && [ -x "$tools/psnr" ] ||
    skip "no mkicc and psnr: run through make cli-test"
ICC=/usr/share/color/icc
ADOBE=$ICC/colord/AdobeRGB1998.icc
SWOP=$ICC/ghostscript/default_cmyk.icc
SGRAY=$ICC/ghostscript/sgray.icc
PSGRAY=$ICC/ghostscript/ps_gray.icc
for p in "$ADOBE" "$SWOP" "$SGRAY" "$PSGRAY"; do
	[ -r "$p" ] || skip "no $p (make deps: colord-data, libgs-common)"
done

in=$T/in
mkdir -p "$in"
"$tools/mkicc" p3 "$T/p3.icc" || fail "mkicc p3"
src=$SAMPLES/dragonfly.jpg
# Fixtures, through lcms from the untagged (sRGB) sample, each tagged.
jpgicc -q95 -e -o"$T/p3.icc" "$src" "$in/p3.jpg" >/dev/null 2>&1
jpgicc -q95 -e -o"$ADOBE" "$src" "$in/adobe.jpg" >/dev/null 2>&1
jpgicc -q95 -e -o"$SWOP" "$src" "$in/cmyk.jpg" >/dev/null 2>&1
jpgicc -q95 -e -i"$SGRAY" -o"$PSGRAY" "$SAMPLES/wood-grey.jpg" \
    "$in/grey.jpg" >/dev/null 2>&1

# desc FILE: the ICC profile description a file carries ("" for none).
desc()
{
	exiftool -s3 -ICC_Profile:ProfileDescription "$1" 2>/dev/null
}
check "P3 fixture is not tagged Display P3" [ "$(desc "$in/p3.jpg")" = "Display P3" ]
check "CMYK fixture has no CMYK profile" \
    [ "$(exiftool -s3 -ColorSpaceData "$in/cmyk.jpg")" = CMYK ]

expect 0 "$in" "$T/out" --export-profile srgb -q 95 --report "$T/r.json"
for f in p3 adobe cmyk; do
	[ "$(desc "$T/out/$f.jpg")" = sRGB ] ||
	    fail "$f: output profile '$(desc "$T/out/$f.jpg")', want sRGB"
done
[ "$(desc "$T/out/grey.jpg")" = "sRGB grey" ] ||
    fail "grey: output profile '$(desc "$T/out/grey.jpg")', want sRGB grey"
[ "$(imginfo "$T/out/grey.jpg" | cut -d' ' -f4)" = 1 ] ||
    fail "grey output is not grey"

# psnr_vs REF OUT NAME: OUT within 38 dB of REF.
psnr_vs()
{
	_p=$("$tools/psnr" "$1" "$2" | cut -d' ' -f3)
	echo "$3: $_p dB"
	python3 -c 'import sys; v = sys.argv[1]; sys.exit(0 if v == "inf" or float(v) >= 38 else 1)' "$_p" ||
	    fail "$3: $_p dB from jpgicc's conversion, want >= 38"
}
# The reference: jpgicc (-t1: relative, imgpipe's default; jpgicc's is
# perceptual) from the embedded profile to the one imgpipe wrote.
exiftool -b -ICC_Profile "$T/out/p3.jpg" >"$T/srgb.icc"
exiftool -b -ICC_Profile "$T/out/grey.jpg" >"$T/sgrey.icc"
for f in p3 adobe cmyk; do
	jpgicc -t1 -q95 -o"$T/srgb.icc" "$in/$f.jpg" "$T/ref-$f.jpg" >/dev/null 2>&1 ||
	    fail "jpgicc $f"
	psnr_vs "$T/ref-$f.jpg" "$T/out/$f.jpg" "$f"
done
jpgicc -t1 -q95 -o"$T/sgrey.icc" "$in/grey.jpg" "$T/ref-grey.jpg" >/dev/null 2>&1 ||
    fail "jpgicc grey"
psnr_vs "$T/ref-grey.jpg" "$T/out/grey.jpg" grey
# Without the conversion the P3 photo would be far off: the check can fail.
p=$("$tools/psnr" "$T/ref-p3.jpg" "$in/p3.jpg" | cut -d' ' -f3)
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 38 else 1)' "$p" ||
    fail "P3 fixture is already within 38 dB of sRGB ($p dB): a weak test"

[ "$(report_get "$T/r.json" '[f["colour"] for f in r["files"] if f["input"] == "p3.jpg"][0]')" = "Display P3 → sRGB, relative" ] ||
    fail "report colour of p3.jpg: $(report_get "$T/r.json" 'r["files"]')"
[ "$(report_get "$T/r.json" '[f["colour"] for f in r["files"] if f["input"] == "cmyk.jpg"][0]')" = "Artifex CMYK SWOP Profile → sRGB, relative" ] ||
    fail "report colour of cmyk.jpg"

# keep (the default): RGB and grey profiles go through untouched, CMYK is
# converted through its profile and tagged sRGB, intent in the report.
expect 0 "$in" "$T/keep" --report "$T/k.json" --intent perceptual
[ "$(desc "$T/keep/p3.jpg")" = "Display P3" ] || fail "keep lost the P3 profile"
[ "$(desc "$T/keep/cmyk.jpg")" = sRGB ] || fail "keep: CMYK output not sRGB"
[ "$(report_get "$T/k.json" '[f["colour"] for f in r["files"] if f["input"] == "p3.jpg"][0]')" = None ] ||
    fail "keep transformed p3.jpg"
[ "$(report_get "$T/k.json" '[f["colour"] for f in r["files"] if f["input"] == "cmyk.jpg"][0]')" = "Artifex CMYK SWOP Profile → sRGB, perceptual" ] ||
    fail "--intent perceptual not in the report"

# grayscale mixes sRGB values: under keep a P3 photo is converted before
# it, and the grey result says so (sRGB grey), not P3.
expect 0 "$in" "$T/grey-op" -p resize=200x200,grayscale --report "$T/g.json"
[ "$(desc "$T/grey-op/p3.jpg")" = "sRGB grey" ] ||
    fail "grayscale of P3: profile '$(desc "$T/grey-op/p3.jpg")'"
[ "$(report_get "$T/g.json" '[f["colour"] for f in r["files"] if f["input"] == "p3.jpg"][0]')" = "Display P3 → sRGB, relative" ] ||
    fail "grayscale of P3: no transform reported"

# A PNG with iCCP (the P3 photo's pixels and profile) converts the same.
mkdir -p "$T/pin"
expect 0 "$in" "$T/png" -f png
cp "$T/png/p3.png" "$T/pin/"
[ "$(desc "$T/pin/p3.png")" = "Display P3" ] || fail "PNG has no P3 iCCP"
expect 0 "$T/pin" "$T/pout" --export-profile srgb -f jpeg -q 95
psnr_vs "$T/ref-p3.jpg" "$T/pout/p3.jpg" "PNG iCCP"

# A PNG sRGB chunk means sRGB: nothing to convert, tagged under srgb.
mkdir -p "$T/sin"
python3 - "$T/pin/p3.png" "$T/sin/s.png" <<'PY'
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
out, i = d[:8], 8
while i < len(d):
    n = struct.unpack(">I", d[i:i + 4])[0]
    kind = d[i + 4:i + 8]
    if kind == b"IHDR":
        out += d[i:i + 12 + n]
        body = b"sRGB\0"
        out += struct.pack(">I", 1) + body + struct.pack(">I", zlib.crc32(body))
    elif kind != b"iCCP":
        out += d[i:i + 12 + n]
    i += 12 + n
open(sys.argv[2], "wb").write(out)
PY
expect 0 "$T/sin" "$T/sout" --export-profile srgb --report "$T/s.json"
[ "$(desc "$T/sout/s.png")" = sRGB ] || fail "sRGB chunk: output not tagged sRGB"
[ "$(report_get "$T/s.json" 'r["files"][0]["colour"]')" = None ] ||
    fail "sRGB chunk: a transform ran"
expect 0 "$T/sin" "$T/skeep"
[ -z "$(desc "$T/skeep/s.png")" ] || fail "sRGB chunk under keep: tagged"

# --import-profile: an untagged photo taken as P3.  keep embeds the
# assumed profile and leaves the pixels; srgb converts as jpgicc -i does.
mkdir -p "$T/uin"
cp "$src" "$T/uin/u.jpg"
expect 0 "$T/uin" "$T/ukeep" --import-profile "$T/p3.icc" -q 95
[ "$(desc "$T/ukeep/u.jpg")" = "Display P3" ] || fail "import under keep: not embedded"
expect 0 "$T/uin" "$T/uplain" -q 95
[ "$("$tools/psnr" "$T/uplain/u.jpg" "$T/ukeep/u.jpg" | cut -d' ' -f3)" = inf ] ||
    fail "import under keep changed the pixels"
expect 0 "$T/uin" "$T/usrgb" --import-profile "$T/p3.icc" --export-profile srgb -q 95
jpgicc -t1 -q95 -i"$T/p3.icc" -o"$T/srgb.icc" "$src" "$T/ref-u.jpg" >/dev/null 2>&1
psnr_vs "$T/ref-u.jpg" "$T/usrgb/u.jpg" "--import-profile"

# A broken embedded profile: one warning line, the image written untagged.
mkdir -p "$T/bin"
python3 - "$src" "$T/bin/broken.jpg" <<'PY'
import struct, sys
jpg = open(sys.argv[1], "rb").read()
body = b"ICC_PROFILE\0\x01\x01" + bytes(range(256)) * 2
seg = b"\xff\xe2" + struct.pack(">H", len(body) + 2) + body
open(sys.argv[2], "wb").write(jpg[:2] + seg + jpg[2:])
PY
expect 0 "$T/bin" "$T/bout"
[ "$(grep -c 'broken.jpg: warning: ICC profile ignored: not a valid profile$' "$T/stderr")" -eq 1 ] ||
    { fail "broken profile: want one warning line"; sed 's/^/  | /' "$T/stderr"; }
[ -s "$T/bout/broken.jpg" ] || fail "broken profile: no output"
[ -z "$(desc "$T/bout/broken.jpg")" ] || fail "broken profile was copied"

# Bad profile files are setup errors: exit 2, one line naming the file.
printf 'not a profile at all, just some text that is long enough to be read' \
    >"$T/junk.icc"
for bad in "--export-profile $T/missing.icc" "--export-profile $T/junk.icc" \
    "--export-profile $SWOP" "--import-profile $T/junk.icc" "--intent vivid"; do
	# shellcheck disable=SC2086
	expect 2 "$T/uin" "$T/bad" $bad
	[ "$(grep -c '^imgpipe: ' "$T/stderr")" -eq 1 ] ||
	    fail "$bad: want one error line"
	[ ! -e "$T/bad/u.jpg" ] || fail "$bad: wrote an output"
done
finish
