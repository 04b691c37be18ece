# -f avif: every output is read back by libheif's own tools (heif-convert,
# heif-info) and ExifTool, not by imgpipe: sizes, colour, EXIF Orientation
# 1, the orientation boxes under --no-auto-orient, --lossless exact against
# imgpipe's PNG of the same job, -q and --effort, --dry-run, name
# collisions across formats, and the same bytes in every mode.  A build
# without libheif refuses -f avif with one error line and exit 2.
. "$(dirname "$0")/lib.sh"

in=$T/in
put_samples "$in" dragonfly.jpg wood-grey.jpg nuthatch-vignette-alpha.png \
    wine-portrait-orient6.jpg
job="-p resize=240x240"

if ! need_format avif; then
	expect 2 "$in" "$T/nb" -f avif
	# One error line (then the usage errors' "try 'imgpipe --help'").
	[ "$(grep -c '^imgpipe: ' "$T/stderr")" -eq 1 ] ||
	    fail "not built: $(grep -c '^imgpipe: ' "$T/stderr") error lines, want 1"
	grep -q "^imgpipe: -f avif: .*not built" "$T/stderr" ||
	    fail "not built: no reason given"
	[ ! -e "$T/nb" ] || [ "$(nfiles "$T/nb")" -eq 0 ] ||
	    fail "not built: files were written"
	finish
fi
for tool in heif-convert heif-info exiftool; do
	command -v $tool >/dev/null 2>&1 || skip "$tool is not installed"
done

pixels()
{
	python3 "$CLI_DIR/pngpixels.py" -e "$1"
}

# is_avif FILE: an ftyp box whose major brand is avif.
is_avif()
{
	[ "$(dd if="$1" bs=1 skip=4 count=8 2>/dev/null)" = ftypavif ]
}

# decodes AVIF PNG: heif-convert makes PNG of AVIF (transforms applied).
decodes()
{
	heif-convert "$1" "$2" >/dev/null 2>&1 && [ -s "$2" ]
}

# A tagged input: the sRGB2014 profile that vgl_5674_0098.png embeds.
exiftool -q -q -b -ICC_Profile "$DATA/jpeg/vgl_5674_0098.png" >"$T/srgb.icc"
cp "$SAMPLES/ladybird.jpg" "$in/tagged.jpg"
exiftool -q -q -overwrite_original "-ICC_Profile<=$T/srgb.icc" \
    "$in/tagged.jpg" || fail "exiftool cannot tag the input"

# shellcheck disable=SC2086
expect 0 "$in" "$T/png" -f png $job
# shellcheck disable=SC2086
expect 0 "$in" "$T/avif" -f avif $job
want="dragonfly.avif nuthatch-vignette-alpha.avif tagged.avif \
wine-portrait-orient6.avif wood-grey.avif "
[ "$(listfiles "$T/avif" | tr '\n' ' ')" = "$want" ] ||
    fail "-f avif names: $(listfiles "$T/avif" | tr '\n' ' ')"
check "-f avif: temporary file left behind" no_tmp "$T/avif"
for f in "$T"/avif/*.avif; do
	b=$(basename "$f" .avif)
	is_avif "$f" || fail "$b: not an AVIF file"
	decodes "$f" "$T/$b.png" || { fail "$b: heif-convert cannot decode it"; continue; }
	# The size libheif shows is imgpipe's (upright) output size.
	got=$(pixels "$T/$b.png" | cut -d' ' -f1,2)
	ref=$(pixels "$T/png/$b.png" | cut -d' ' -f1,2)
	[ "$got" = "$ref" ] || fail "$b: decoded $got, want $ref"
	o=$(exiftool -s3 -n -Orientation "$f")
	[ -z "$o" ] || [ "$o" = 1 ] || fail "$b: EXIF Orientation $o, want 1"
done
heif-info "$T/avif/nuthatch-vignette-alpha.avif" | grep -q "alpha channel: yes" ||
    fail "alpha: heif-info sees no alpha channel"
heif-info "$T/avif/dragonfly.avif" | grep -q "color profile: nclx" ||
    fail "untagged: no nclx colour box"
heif-info "$T/avif/tagged.avif" | grep -q "color profile: prof" ||
    fail "tagged: no ICC colour box"
d=$(exiftool -s3 -ICC_Profile:ProfileDescription "$T/avif/tagged.avif")
[ -n "$d" ] || fail "tagged: ExifTool finds no ICC profile"
[ "$(exiftool -s3 -n -Orientation "$T/avif/wine-portrait-orient6.avif")" = 1 ] ||
    fail "auto-orient: the EXIF was not carried with Orientation 1"

# --lossless: libheif gives back exactly imgpipe's pixels (RGB, RGBA, grey).
# shellcheck disable=SC2086
expect 0 "$in" "$T/ll" -f avif --lossless $job
for b in dragonfly nuthatch-vignette-alpha wood-grey wine-portrait-orient6; do
	decodes "$T/ll/$b.avif" "$T/ll-$b.png" || { fail "lossless $b: no decode"; continue; }
	[ "$(pixels "$T/ll-$b.png")" = "$(pixels "$T/png/$b.png")" ] ||
	    fail "lossless $b: pixels differ from the PNG of the same job"
done

# --no-auto-orient: the pixels stay as stored and irot turns them for a
# viewer, which then shows what auto-orientation makes; EXIF says 1.
# shellcheck disable=SC2086
expect 0 "$in" "$T/raw" -f avif --lossless --no-auto-orient $job
f=$T/raw/wine-portrait-orient6.avif
python3 - "$f" <<'PY' || fail "no-auto-orient: no irot box"
import sys
sys.exit(0 if b"irot" in open(sys.argv[1], "rb").read() else 1)
PY
[ "$(exiftool -s3 -n -Orientation "$f")" = 1 ] ||
    fail "no-auto-orient: EXIF Orientation $(exiftool -s3 -n -Orientation "$f"), want 1"
if decodes "$f" "$T/raw.png"; then
	[ "$(pixels "$T/raw.png")" = "$(pixels "$T/png/wine-portrait-orient6.png")" ] ||
	    fail "no-auto-orient: a viewer does not see the upright picture"
else
	fail "no-auto-orient: heif-convert cannot decode it"
fi

# ... and with alpha, whose auxiliary image is turned the same way.
mkdir -p "$T/rin"
cp "$SAMPLES/nuthatch-vignette-alpha.png" "$T/rin/turned.png"
exiftool -q -q -overwrite_original -n -Orientation=8 "$T/rin/turned.png" ||
    fail "exiftool cannot set the orientation"
# shellcheck disable=SC2086
expect 0 "$T/rin" "$T/rpng" -f png $job
# shellcheck disable=SC2086
expect 0 "$T/rin" "$T/ravif" -f avif --lossless --no-auto-orient $job
if decodes "$T/ravif/turned.avif" "$T/turned.png"; then
	[ "$(pixels "$T/turned.png")" = "$(pixels "$T/rpng/turned.png")" ] ||
	    fail "no-auto-orient, alpha: not the auto-oriented picture"
else
	fail "no-auto-orient, alpha: heif-convert cannot decode it"
fi

# -q and --effort change the file; a lower quality is smaller.
# shellcheck disable=SC2086
expect 0 "$in" "$T/q20" -f avif -q 20 $job
# shellcheck disable=SC2086
expect 0 "$in" "$T/q90" -f avif -q 90 $job
# shellcheck disable=SC2086
expect 0 "$in" "$T/e1" -f avif --effort 1 $job
s20=$(wc -c <"$T/q20/dragonfly.avif")
s90=$(wc -c <"$T/q90/dragonfly.avif")
[ "$s20" -lt "$s90" ] || fail "-q 20 output ($s20) not smaller than -q 90 ($s90)"
cmp -s "$T/e1/dragonfly.avif" "$T/avif/dragonfly.avif" &&
    fail "--effort 1 wrote the bytes of the default effort 4"
# shellcheck disable=SC2086
expect 0 "$in" "$T/llq" -f avif --lossless -q 20 $job
cmp -s "$T/llq/dragonfly.avif" "$T/ll/dragonfly.avif" ||
    fail "--lossless: -q changed the file"

# --dry-run: the planned names and sizes, and nothing written.
# shellcheck disable=SC2086
expect 0 "$in" "$T/dry" -f avif -n $job
grep -q "^dragonfly.jpg -> dragonfly.avif 240x180\$" "$T/stdout" ||
    fail "--dry-run: no 'dragonfly.jpg -> dragonfly.avif 240x180' line"
[ ! -e "$T/dry" ] || fail "--dry-run wrote $T/dry"

# a.jpg and a.png both become a.avif: the second is an error, one line.
mkdir -p "$T/col"
cp "$SAMPLES/ladybird.jpg" "$T/col/a.jpg"
cp "$SAMPLES/nuthatch-vignette-alpha.png" "$T/col/a.png"
expect 1 "$T/col" "$T/colout" -f avif $job
[ "$(listfiles "$T/colout" | tr '\n' ' ')" = "a.avif " ] ||
    fail "collision: outputs $(listfiles "$T/colout" | tr '\n' ' ')"
[ "$(grep -c "would overwrite the output of 'a.jpg'" "$T/stderr")" -eq 1 ] ||
    fail "collision: no one line for a.png"

# The same bytes in every mode, at two workers, and at one and three.
set_modes
for run in $modes "threads 1" "threads 3" "procs 3"; do
	m=${run% *}
	j=2
	[ "$m" = "$run" ] || j=${run#* }
	# shellcheck disable=SC2086
	expect 0 "$in" "$T/m-$m-$j" -f avif -m $m -j $j $job
	for f in "$T"/avif/*.avif; do
		cmp -s "$f" "$T/m-$m-$j/$(basename "$f")" ||
		    fail "-m $m -j $j: $(basename "$f") differs from the first run"
	done
done
finish
