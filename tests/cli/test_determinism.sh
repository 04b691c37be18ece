# The same job twice gives byte-identical files, and so does every mode that
# this build provides, and every set of kernel cores the CPU can run; the
# same holds for HEIC, AVIF and WebP inputs and for WebP and AVIF outputs.
. "$(dirname "$0")/lib.sh"

in=$T/in
put_samples "$in" dragonfly.jpg wood-grey.jpg sunset-progressive.jpg \
    nuthatch-vignette-alpha.png
cp "$DATA/pngsuite/basn3p08.png" "$DATA/jpeg/testorig.jpg" "$in/"
# A real phone photo: Display P3 profile, GPS, a maker note, Orientation 6.
cp "$DATA/photos/apple-iphone7.jpg" "$in/"
# WebP with alpha, and with ICC, EXIF (Orientation 6) and XMP chunks: read
# and written as WebP (-f same) by libwebp in every mode.
if need_format webp; then
	cp "$DATA/webp/alpha.webp" "$in/webp-alpha.webp"
	cp "$DATA/webp/meta.webp" "$in/webp-meta.webp"
fi
job="-p resize=300x300,sharpen=0.6 -q 85"
# A HEIC (Display P3, EXIF Orientation 6 over upright pixels): decoded by
# libheif, then the same steps.
if need_format heic; then
	cp "$DATA/heif/iphone-p3-exif.heic" "$in/"
fi
# A photo with every metadata block (EXIF with GPS and a thumbnail, XMP,
# IPTC, ICC, a comment): the rewritten blocks must be the same bytes too.
if command -v exiftool >/dev/null 2>&1; then
	cp "$SAMPLES/wine-portrait-orient6.jpg" "$in/meta.jpg"
	# The sRGB2014 profile that vgl_5674_0098.png embeds.
	icc=$T/srgb.icc
	exiftool -q -q -b -ICC_Profile "$DATA/jpeg/vgl_5674_0098.png" >"$icc"
	exiftool -q -q -overwrite_original -Make=Canon \
	    '-DateTimeOriginal=2024:05:06 07:08:09' -GPSLatitude=48.5 \
	    -GPSLatitudeRef=N -ExifImageWidth=1499 -ExifImageHeight=1000 \
	    "-ThumbnailImage<=$DATA/jpeg/testimgint.jpg" \
	    '-XMP-tiff:Orientation#=6' '-XMP-dc:Creator=Ann' \
	    -IPTC:Keywords=alps "-ICC_Profile<=$icc" \
	    '-Comment=meta' "$in/meta.jpg" || fail "exiftool failed"
else
	skip_part "metadata photo: exiftool is not installed"
fi
# A Display P3 photo (made by imgpipe itself from a sample), and every run
# converting to sRGB: the ICC transform under every mode and band split.
if [ -x "${IMGPIPE_TOOLS:-}/mkicc" ]; then
	"$IMGPIPE_TOOLS/mkicc" p3 "$T/p3.icc" || fail "mkicc p3"
	put_samples "$T/p3src" ladybird.jpg
	"$IMGPIPE" "$T/p3src" "$T/p3" --export-profile "$T/p3.icc" --quiet ||
	    fail "cannot make the P3 photo"
	cp "$T/p3/ladybird.jpg" "$in/ladybird-p3.jpg"
	# ... and a 16-bit PNG tagged P3: transformed before its reduction.
	python3 - "$DATA/pngsuite/basn2c16.png" "$T/p3.icc" \
	    "$in/basn2c16-p3.png" <<'PY' || fail "cannot tag the 16-bit PNG"
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
icc = open(sys.argv[2], "rb").read()
body = b"P3\0\0" + zlib.compress(icc)
iccp = struct.pack(">I", len(body)) + b"iCCP" + body
iccp += struct.pack(">I", zlib.crc32(b"iCCP" + body))
end = 8 + 12 + struct.unpack(">I", d[8:12])[0]
open(sys.argv[3], "wb").write(d[:end] + iccp + d[end:])
PY
	job="$job --export-profile srgb"
else
	skip_part "P3 photo: no mkicc (run through make cli-test)"
fi

# The new formats, each only where this build reads it.  The HEIC is a real
# iPhone photo: a grid of 48 HEVC tiles with a Display P3 profile, which
# libheif may decode on threads of its own.  The AVIF (with alpha) and the
# WebP (EXIF Orientation 6) are made here from samples by libheif's and
# libwebp's own tools, which make deps installs.
if need_format heic; then
	cp "$DATA/photos/apple-iphone11pro.heic" "$in/"
fi
if need_format avif; then
	if command -v heif-enc >/dev/null 2>&1; then
		# Small: -f same writes it back as AVIF in every run.
		put_samples "$T/avifsrc" nuthatch-vignette-alpha.png
		"$IMGPIPE" "$T/avifsrc" "$T/avifpng" -p resize=200x200 -f png \
		    --quiet || fail "cannot make the AVIF's source"
		heif-enc -A -q 60 -o "$in/nuthatch-alpha.avif" \
		    "$T/avifpng/nuthatch-vignette-alpha.png" >/dev/null ||
		    fail "heif-enc cannot make the AVIF input"
	else
		skip_part "AVIF input: heif-enc is not installed"
	fi
fi
if need_format webp; then
	if command -v cwebp >/dev/null 2>&1; then
		cwebp -quiet -q 80 -metadata exif \
		    "$SAMPLES/wine-portrait-orient6.jpg" -o "$in/wine-orient6.webp" ||
		    fail "cwebp cannot make the WebP input"
	else
		skip_part "WebP input: cwebp is not installed"
	fi
fi

# shellcheck disable=SC2086
expect 0 "$in" "$T/one" -m seq $job
# shellcheck disable=SC2086
expect 0 "$in" "$T/two" -m seq $job
[ "$(nfiles "$T/one")" -eq "$(nfiles "$in")" ] ||
    fail "first run wrote $(nfiles "$T/one") files"
if [ -f "$in/meta.jpg" ]; then
	case $(imginfo "$T/one/meta.jpg") in
	*" exif") ;;
	*) fail "meta.jpg: the output lost its EXIF" ;;
	esac
fi
for f in $(listfiles "$T/one"); do
	cmp -s "$T/one/$f" "$T/two/$f" || fail "$f differs between two seq runs"
done

# Every mode, worker count and option that changes where work runs must
# give seq's bytes: those of $ref, from the files in $src with $job.
src=$in
ref=$T/one
same_as_seq()
{
	_tag=$(printf '%s' "${ref##*/} $*" | tr -c 'a-z0-9' '_')
	# shellcheck disable=SC2086
	run "$src" "$T/$_tag" "$@" $job
	[ "$rc" -eq 0 ] || { fail "$job $*: exit $rc"; return; }
	for f in $(listfiles "$ref"); do
		cmp -s "$ref/$f" "$T/$_tag/$f" ||
		    fail "$f: $job $* differs from seq"
	done
}

# The AVX-512, AVX2, SSE2 and plain C resampling cores give the same bytes,
# on jobs that run both pass orders (shrinking, enlarging), blur and alpha.
# A CPU without one runs the next narrower when asked for it, which would
# compare that one twice.
simds="sse2"
if grep -qw avx2 /proc/cpuinfo; then
	simds="sse2 avx2"
else
	skip_part "AVX2 cores: this CPU has no AVX2"
fi
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo &&
    grep -qw avx512_vnni /proc/cpuinfo && grep -qw avx2 /proc/cpuinfo; then
	simds="$simds avx512"
else
	skip_part "AVX-512 cores: this CPU lacks AVX512F, AVX512BW or AVX512_VNNI"
fi
for extra in "-p resize=300x300,sharpen=0.6" "-p resize=900x700,blur=2" \
    "-p resize=120x800,sharpen=1.5 -f png"; do
	_tag=$(printf '%s' "$extra" | tr -c 'a-z0-9' '_')
	for simd in c $simds; do
		# shellcheck disable=SC2086
		IMGPIPE_SIMD=$simd run "$in" "$T/simd-$simd-$_tag" -m seq $extra
		[ "$rc" -eq 0 ] || fail "IMGPIPE_SIMD=$simd $extra: exit $rc"
	done
	for simd in $simds; do
		for f in $(listfiles "$T/simd-c-$_tag"); do
			cmp -s "$T/simd-c-$_tag/$f" "$T/simd-$simd-$_tag/$f" ||
			    fail "$f: IMGPIPE_SIMD=$simd $extra differs from c"
		done
	done
done

has_omp=0
modes="threads procs coop"
if need_omp; then
	has_omp=1
	modes="$modes omp"
fi
# sweep [modes]: every mode at every worker count, then the variants;
# with "modes", only --offload of them (the AV1 encoder sees no row hook,
# lock or row split: the other variants would run the same encodes again).
sweep()
{
	for mode in $modes; do
		for j in 1 2 3 7; do
			same_as_seq -m "$mode" -j "$j"
		done
	done
	for j in 2 3; do
		same_as_seq -m coop -j "$j" --offload
		[ "${1:-}" != modes ] || continue
		same_as_seq -m threads -j "$j" --split rows
		same_as_seq -m threads -j "$j" --gil
		[ "$has_omp" -eq 0 ] || same_as_seq -m omp -j "$j" --split rows
		same_as_seq -m coop -j "$j" --yield-rows 16
		same_as_seq -m coop -j "$j" --yield-rows 1
	done
}
sweep

# Streaming (README, Modes): a JPEG decoded row by row straight into its
# leading resize gives the bytes of the whole decoded photo resized, in
# every mode, for Orientation 6 and 8, grey, progressive and shrunk-on-load
# inputs; CMYK never streams.  IMGPIPE_STREAM=0 is the whole-photo path.
st=$T/stream
put_samples "$st" dogs-portrait-orient8.jpg wine-portrait-orient6.jpg \
    wood-grey.jpg sunset-progressive.jpg dragonfly.jpg
cp "$DATA/photos/apple-iphone7.jpg" "$DATA/jpeg/testorig.jpg" "$st/"
if command -v jpgicc >/dev/null 2>&1 &&
    [ -f /usr/share/color/icc/ghostscript/default_cmyk.icc ]; then
	jpgicc -q95 -e -o/usr/share/color/icc/ghostscript/default_cmyk.icc \
	    "$SAMPLES/ladybird.jpg" "$st/cmyk.jpg" >/dev/null 2>&1 ||
	    fail "jpgicc cannot make the CMYK input"
else
	skip_part "streaming a CMYK input: jpgicc or its CMYK profile missing"
fi
for extra in "-p resize=300x300,sharpen=0.6" "-p resize=900x700,rotate=90" \
    "-p resize=150x150:up --no-shrink-on-load" "-p resize=1200x1200:up"; do
	_tag=$(printf '%s' "$extra" | tr -c 'a-z0-9' '_')
	# shellcheck disable=SC2086
	IMGPIPE_STREAM=0 run "$st" "$T/st-off-$_tag" -m seq $extra
	[ "$rc" -eq 0 ] || fail "IMGPIPE_STREAM=0 $extra: exit $rc"
	for m in "-m seq" "-m threads -j 2 --split rows" "-m procs -j 2" \
	    "-m coop -j 2 --yield-rows 1"; do
		_mt=$(printf '%s' "$m" | tr -c 'a-z0-9' '_')
		# shellcheck disable=SC2086
		run "$st" "$T/st-$_mt-$_tag" $m $extra
		[ "$rc" -eq 0 ] || fail "streamed $m $extra: exit $rc"
		for f in $(listfiles "$T/st-off-$_tag"); do
			cmp -s "$T/st-off-$_tag/$f" "$T/st-$_mt-$_tag/$f" ||
			    fail "$f: streamed $m $extra differs"
		done
	done
done
# Damaged JPEGs streamed: the same exit code, messages and images.
dm=$T/stream-damaged
mkdir -p "$dm"
cp "$DATA/damaged/truncated.jpg" "$DATA/damaged/eoi-cut.jpg" "$dm/"
for lvl in none truncated warning; do
	IMGPIPE_STREAM=0 run "$dm" "$T/dm-off-$lvl" -m seq -p resize=100x100 \
	    --fail-on "$lvl"
	rc_off=$rc
	# The messages, less the summary line (its timings vary).
	grep -v -e ' processed (' -e ' MP in ' "$T/stderr" >"$T/dm-off-$lvl.err"
	run "$dm" "$T/dm-on-$lvl" -m seq -p resize=100x100 --fail-on "$lvl"
	[ "$rc" -eq "$rc_off" ] ||
	    fail "--fail-on $lvl: streamed exit $rc, whole $rc_off"
	grep -v -e ' processed (' -e ' MP in ' "$T/stderr" |
	    cmp -s - "$T/dm-off-$lvl.err" ||
	    fail "--fail-on $lvl: streamed messages differ"
	[ "$(listfiles "$T/dm-on-$lvl")" = "$(listfiles "$T/dm-off-$lvl")" ] ||
	    fail "--fail-on $lvl: streamed wrote other files"
	for f in $(listfiles "$T/dm-off-$lvl"); do
		cmp -s "$T/dm-off-$lvl/$f" "$T/dm-on-$lvl/$f" ||
		    fail "$f: --fail-on $lvl streamed differs"
	done
done

# is_format FILE webp|avif: FILE begins as that container does.
is_format()
{
	case $2 in
	webp)
		[ "$(dd if="$1" bs=4 count=1 2>/dev/null)" = RIFF ] &&
		    [ "$(dd if="$1" bs=4 skip=2 count=1 2>/dev/null)" = WEBP ]
		;;
	avif) [ "$(dd if="$1" bs=4 skip=1 count=2 2>/dev/null)" = ftypavif ] ;;
	*) return 1 ;;
	esac
}

# The same for WebP and AVIF written: alpha, a palette, a Display P3 photo
# with EXIF and (WebP only: AV1 encodes are slow) a plain JPEG, each
# encoder at its default effort.  An encoder may run threads of its own
# inside each worker.
put_samples "$T/enc-avif" nuthatch-vignette-alpha.png
cp "$DATA/pngsuite/basn3p08.png" "$DATA/photos/apple-iphone7.jpg" \
    "$T/enc-avif/"
cp -R "$T/enc-avif" "$T/enc-webp"
put_samples "$T/enc-webp" dragonfly.jpg
base_job=$job
for fmt in webp avif; do
	need_format "$fmt" || continue
	job="$base_job -f $fmt"
	enc=$T/enc-$fmt
	src=$enc
	ref=$T/$fmt-one
	# shellcheck disable=SC2086
	expect 0 "$enc" "$ref" -m seq $job
	# shellcheck disable=SC2086
	expect 0 "$enc" "$T/$fmt-two" -m seq $job
	[ "$(nfiles "$ref")" -eq "$(nfiles "$enc")" ] ||
	    fail "-f $fmt: the first run wrote $(nfiles "$ref") files"
	for f in $(listfiles "$ref"); do
		is_format "$ref/$f" "$fmt" || fail "$f: not a $fmt file"
		cmp -s "$ref/$f" "$T/$fmt-two/$f" ||
		    fail "$f: differs between two seq runs with -f $fmt"
	done
	if [ "$fmt" = avif ]; then
		sweep modes
	else
		sweep
	fi
done
finish
