/*
 * Codec tests: round trips, the libpng and libjpeg-turbo conformance files,
 * corrupt input, CMYK, ICC, EXIF orientation, size limits and the row hook.
 * Unlike src/, tests may use libpng and libjpeg directly to build inputs.
 */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <dlfcn.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "codec.h"
#include "colour.h"
#include "error.h"
#include "hook.h"
#include "image.h"
#include "membuf.h"

#include "helpers.h"

#define MAX_PIXELS 100000000u

static struct decode_opts
dopts(int denom)
{
	struct decode_opts o = { denom, MAX_PIXELS, FAIL_ON_TRUNCATED, 0 };

	return o;
}

/* codec_jpeg.c's replacements for libjpeg's (not in jpeglib.h). */
void *jpeg_get_large(j_common_ptr cinfo, size_t sizeofobject);
void jpeg_free_large(j_common_ptr cinfo, void *object, size_t sizeofobject);

/*
 * libjpeg's large blocks come from the program's jpeg_get_large: the
 * dynamic linker resolves the name to it, not to the library's, and it
 * hands out aligned blocks, huge-page aligned when large, for any size.
 */
static void
test_codec_jpeg_large_blocks(void **state)
{
	void *(*get)(j_common_ptr, size_t);
	static const size_t sizes[] = { 1, 100, 4095, (size_t)9 << 20,
					((size_t)21 << 20) + 5 };
	unsigned char *p;
	size_t i;

	(void)state;
	*(void **)(&get) = dlsym(RTLD_DEFAULT, "jpeg_get_large");
	assert_true(get == jpeg_get_large);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p = jpeg_get_large(NULL, sizes[i]);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 64, 0);
		if (sizes[i] >= (size_t)8 << 20)
			assert_int_equal((uintptr_t)p % ((size_t)2 << 20), 0);
		memset(p, 0xa5, sizes[i]);
		jpeg_free_large(NULL, p, sizes[i]);
	}
}

/* Decode with the codec that sniffing picks; returns its code. */
static int
decode_mem(const unsigned char *buf, size_t len, int denom, struct image *im,
	   struct image_meta *meta, struct hook *hook,
	   struct imgpipe_error *err)
{
	const struct codec *c = codec_sniff(buf, len);
	struct decode_opts o = dopts(denom);

	if (c == NULL)
		return error_set(err, IMGPIPE_EFORMAT, "unknown format");
	error_clear(err);
	return c->decode(buf, len, &o, im, meta, hook, err);
}

static int
decode_file(const char *path, int denom, struct image *im,
	    struct image_meta *meta, struct imgpipe_error *err)
{
	struct blob b = load(path);
	int rc = decode_mem(b.data, b.len, denom, im, meta, NULL, err);

	free(b.data);
	return rc;
}

/* A gradient, different in every channel; alpha falls along the diagonal. */
static unsigned char
gradient(int x, int y, int c, int w, int h, int seed)
{
	(void)seed;
	return (unsigned char)(c == 3 ? 255 - (x + y) * 255 / (w + h)
				      : (x * (c + 1) * 255 / w + y * 255 / h) /
						(c + 2));
}

static void
fill_gradient(struct image *im, int w, int h, int ch)
{
	test_paint(im, w, h, ch, gradient, 0);
}

static int
encode_as(enum codec_id id, const struct image *im,
	  const struct image_meta *meta, int quality, struct membuf *out)
{
	struct encode_opts o = { .quality = quality, .progressive = 0,
				.png_level = 6, .effort = -1 };

	return codec_get(id)->encode(im, meta, &o, out, NULL, NULL);
}

static void
test_codec_sniff(void **state)
{
	static const unsigned char jpg[] = { 0xff, 0xd8, 0xff, 0xe0 };
	static const unsigned char png[] = { 0x89, 'P',	 'N',  'G',
					     '\r', '\n', 0x1a, '\n' };
	static const unsigned char gif[] = { 'G', 'I', 'F', '8', '9', 'a' };

	(void)state;
	assert_ptr_equal(codec_sniff(jpg, sizeof(jpg)), &codec_jpeg);
	assert_ptr_equal(codec_sniff(png, sizeof(png)), &codec_png);
	assert_null(codec_sniff(png, 7));
	assert_null(codec_sniff(gif, sizeof(gif)));
	assert_ptr_equal(codec_get(CODEC_PNG), &codec_png);
	assert_ptr_equal(codec_get(CODEC_JPEG), &codec_jpeg);
	assert_null(codec_get(CODEC_NONE));
}

/* One ftyp box: size, "ftyp", major brand, minor version, compatibles. */
static size_t
ftyp(unsigned char *b, const char *major, const char *compat)
{
	size_t n = 16 + strlen(compat);

	b[0] = b[1] = b[2] = 0;
	b[3] = (unsigned char)n;
	memcpy(b + 4, "ftyp", 4);
	memcpy(b + 8, major, 4);
	memset(b + 12, 0, 4);
	memcpy(b + 16, compat, strlen(compat));
	return n;
}

static void
test_codec_sniff_containers(void **state)
{
	static const unsigned char webp[] = "RIFF\x24\0\0\0WEBPVP8 ";
	static const unsigned char wav[] = "RIFF\x24\0\0\0WAVEfmt ";
	unsigned char b[64];
	size_t n;

	(void)state;
	assert_ptr_equal(codec_sniff(webp, sizeof(webp) - 1), &codec_webp);
	assert_null(codec_sniff(webp, 11));
	assert_null(codec_sniff(wav, sizeof(wav) - 1));
	/* iPhone: major heic, compatible mif1 heic. */
	n = ftyp(b, "heic", "mif1heic");
	assert_ptr_equal(codec_sniff(b, n), &codec_heic);
	/* A generic major brand: the compatible ones decide, AVIF first. */
	n = ftyp(b, "mif1", "mif1miafMA1Bavif");
	assert_ptr_equal(codec_sniff(b, n), &codec_avif);
	n = ftyp(b, "avif", "");
	assert_ptr_equal(codec_sniff(b, n), &codec_avif);
	n = ftyp(b, "msf1", "hevc");
	assert_ptr_equal(codec_sniff(b, n), &codec_heic);
	/* An MP4 video, a QuickTime file: not images. */
	n = ftyp(b, "isom", "isomiso2avc1mp41");
	assert_null(codec_sniff(b, n));
	n = ftyp(b, "qt  ", "qt  ");
	assert_null(codec_sniff(b, n));
	/* A brand past the box's own size does not count. */
	n = ftyp(b, "isom", "avif");
	b[3] = 16;
	assert_null(codec_sniff(b, n));
	/* Cut before the major brand. */
	n = ftyp(b, "heic", "");
	assert_null(codec_sniff(b, 11));
	assert_int_equal(codec_output_for(CODEC_HEIC), CODEC_JPEG);
}

/* Encode a gradient with ch channels as PNG; decoding gives it back. */
static void
png_round_trip(int ch)
{
	struct image src, dst;
	struct image_meta meta;
	struct membuf mb;
	struct imgpipe_error err;

	image_init(&src);
	image_init(&dst);
	membuf_init(&mb);
	fill_gradient(&src, 61, 37, ch);
	assert_int_equal(encode_as(CODEC_PNG, &src, NULL, 0, &mb), 0);
	assert_int_equal(decode_mem(mb.data, mb.len, 1, &dst, &meta, NULL,
				    &err), 0);
	assert_true(test_same_image(&src, &dst));
	assert_null(meta.icc);
	assert_string_equal(err.msg, "");
	image_meta_release(&meta);
	image_release(&src);
	image_release(&dst);
	membuf_release(&mb);
}

static void
test_codec_png_round_trip_grey(void **state)
{
	(void)state;
	png_round_trip(1);
}

static void
test_codec_png_round_trip_grey_alpha(void **state)
{
	(void)state;
	png_round_trip(2);
}

static void
test_codec_png_round_trip_rgb(void **state)
{
	(void)state;
	png_round_trip(3);
}

static void
test_codec_png_round_trip_rgba(void **state)
{
	(void)state;
	png_round_trip(4);
}

static void
jpeg_round_trip(int ch, int progressive)
{
	struct encode_opts o = { .quality = 95, .progressive = progressive,
				.png_level = 6, .effort = -1 };
	struct image src, dst;
	struct image_meta meta;
	struct membuf mb;
	struct imgpipe_error err;

	image_init(&src);
	image_init(&dst);
	membuf_init(&mb);
	fill_gradient(&src, 160, 120, ch);
	assert_int_equal(codec_jpeg.encode(&src, NULL, &o, &mb, NULL, &err), 0);
	assert_ptr_equal(codec_sniff(mb.data, mb.len), &codec_jpeg);
	assert_int_equal(
		decode_mem(mb.data, mb.len, 1, &dst, &meta, NULL, &err), 0);
	assert_int_equal(dst.channels, ch);
	if (test_psnr(&src, &dst) <= 35)
		fail_msg("PSNR %.2f dB", test_psnr(&src, &dst));
	image_meta_release(&meta);
	image_release(&src);
	image_release(&dst);
	membuf_release(&mb);
}

static void
test_codec_jpeg_round_trip_rgb(void **state)
{
	(void)state;
	jpeg_round_trip(3, 0);
}

static void
test_codec_jpeg_round_trip_grey(void **state)
{
	(void)state;
	jpeg_round_trip(1, 0);
}

static void
test_codec_jpeg_round_trip_progressive(void **state)
{
	(void)state;
	jpeg_round_trip(3, 1);
}

static void
test_codec_jpeg_encode_refuses_alpha(void **state)
{
	struct image im;
	struct membuf mb;
	struct imgpipe_error err;

	(void)state;
	image_init(&im);
	membuf_init(&mb);
	fill_gradient(&im, 8, 8, 4);
	assert_int_equal(codec_jpeg.encode(&im, NULL,
					   &(struct encode_opts)ENCODE_OPTS_DEFAULT,
					   &mb, NULL, &err),
			 IMGPIPE_EFORMAT);
	assert_int_equal(mb.len, 0);
	image_release(&im);
	membuf_release(&mb);
}

/*
 * The reference decode: libpng's simplified API into RGBA.  Left alone it
 * converts gamma (a gAMA chunk, or 16-bit data, which it takes as linear)
 * to sRGB, while imgpipe keeps pixels as stored.  So the chunks that carry
 * gamma (gAMA, cHRM, sRGB, iCCP) are cut from the copy it reads, and
 * PNG_IMAGE_FLAG_16BIT_sRGB says 16-bit data is sRGB too: then it does no
 * conversion and reduces 16 bits with png_set_scale_16, and an exact match
 * is required.
 */
static int
gamma_chunk(const unsigned char *type)
{
	return memcmp(type, "gAMA", 4) == 0 || memcmp(type, "cHRM", 4) == 0 ||
	       memcmp(type, "sRGB", 4) == 0 || memcmp(type, "iCCP", 4) == 0;
}

static size_t
strip_gamma(const unsigned char *in, size_t len, unsigned char *out)
{
	size_t pos = 8, n = 8, clen;

	memcpy(out, in, 8);
	while (pos + 12 <= len) {
		clen = (size_t)in[pos] << 24 | (size_t)in[pos + 1] << 16 |
		       (size_t)in[pos + 2] << 8 | in[pos + 3];
		assert_true(clen <= len - pos - 12);
		if (!gamma_chunk(in + pos + 4)) {
			memcpy(out + n, in + pos, clen + 12);
			n += clen + 12;
		}
		pos += clen + 12;
	}
	return n;
}

static unsigned char *
reference_rgba(const struct blob *b, int *w, int *h, int *channels)
{
	unsigned char *copy = malloc(b->len), *px;
	png_image pi;
	size_t n = strip_gamma(b->data, b->len, copy);

	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	assert_true(png_image_begin_read_from_memory(&pi, copy, n));
	*channels = (pi.format & PNG_FORMAT_FLAG_COLOR ? 3 : 1) +
		    (pi.format & PNG_FORMAT_FLAG_ALPHA ? 1 : 0);
	pi.format = PNG_FORMAT_RGBA;
	pi.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
	px = malloc(PNG_IMAGE_SIZE(pi));
	assert_non_null(px);
	assert_true(png_image_finish_read(&pi, NULL, px, 0, NULL));
	*w = (int)pi.width;
	*h = (int)pi.height;
	png_image_free(&pi);
	free(copy);
	return px;
}

/* Our pixel (x, y) as RGBA. */
static void
to_rgba(const struct image *im, int x, int y, unsigned char rgba[4])
{
	const unsigned char *p = image_row(im, y) + x * im->channels;

	switch (im->channels) {
	case 1:
	case 2:
		rgba[0] = rgba[1] = rgba[2] = p[0];
		rgba[3] = im->channels == 2 ? p[1] : 255;
		break;
	default: memcpy(rgba, p, 3); rgba[3] = im->channels == 4 ? p[3] : 255;
	}
}

/*
 * libpng 1.6's simplified API mis-decodes Adam7-interlaced 16-bit files
 * (whole rows of the early passes come out wrong, with or without gamma
 * handling; pngtopnm and the full API agree with each other).  The i*
 * files are the same pictures as their non-interlaced twins, so a 16-bit
 * interlaced file is checked against its twin's reference decode.
 */
static void
reference_path(const char *path, const struct blob *b, char *out, size_t n)
{
	const char *base = strrchr(path, '/') + 1;
	int sixteen = b->len > 24 && b->data[24] == 16;
	int interlaced = b->len > 28 && b->data[28] == 1;

	if (sixteen && interlaced && base[0] == 'i')
		snprintf(out, n, "%.*s%s", (int)(base - path), path, base + 1);
	else
		snprintf(out, n, "%s", path);
}

static void
check_against_reference(const char *path)
{
	struct blob b = load(path), rb;
	struct image im;
	struct image_meta meta;
	struct imgpipe_error err;
	unsigned char *ref, px[4];
	char rpath[512];
	int w, h, ch, x, y;

	image_init(&im);
	reference_path(path, &b, rpath, sizeof(rpath));
	rb = load(rpath);
	ref = reference_rgba(&rb, &w, &h, &ch);
	free(rb.data);
	if (decode_mem(b.data, b.len, 1, &im, &meta, NULL, &err) != 0)
		fail_msg("%s: %s", path, err.msg);
	assert_int_equal(im.w, w);
	assert_int_equal(im.h, h);
	if (im.channels != ch)
		fail_msg("%s: %d channels, want %d", path, im.channels, ch);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			to_rgba(&im, x, y, px);
			if (memcmp(px, ref + ((size_t)y * w + x) * 4, 4) != 0)
				fail_msg("%s: pixel %d,%d differs", path, x, y);
		}
	free(ref);
	free(b.data);
	image_meta_release(&meta);
	image_release(&im);
}

static int
check_png_dir(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t n;
	int count = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n < 4 || strcmp(de->d_name + n - 4, ".png") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		check_against_reference(path);
		count++;
	}
	closedir(d);
	return count;
}

static void
test_codec_pngsuite_matches_libpng(void **state)
{
	(void)state;
	assert_true(check_png_dir("data/pngsuite") >= 50);
	assert_true(check_png_dir("data/pngsuite/interlaced") >= 9);
}

/* The reference itself must see the colour types we think it does. */
static void
test_codec_png_probe_channels(void **state)
{
	static const struct {
		const char *path;
		int channels;
	} cases[] = {
		{ "data/pngsuite/basn0g01.png", 1 },
		{ "data/pngsuite/basn0g16.png", 1 },
		{ "data/pngsuite/basn4a08.png", 2 },
		{ "data/pngsuite/ftbbn0g04.png", 2 }, /* grey + tRNS */
		{ "data/pngsuite/basn3p04.png", 3 },
		{ "data/pngsuite/basn2c16.png", 3 },
		{ "data/pngsuite/ftbrn2c08.png", 4 }, /* RGB + tRNS */
		{ "data/pngsuite/ftbbn3p08.png", 4 }, /* palette + tRNS */
		{ "data/pngsuite/basn6a16.png", 4 },
	};
	struct image_info info;
	struct imgpipe_error err;
	struct blob b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b = load(cases[i].path);
		assert_int_equal(codec_png.probe(b.data, b.len, &info, &err),
				 0);
		assert_int_equal(info.w, 32);
		assert_int_equal(info.h, 32);
		if (info.channels != cases[i].channels)
			fail_msg("%s: %d channels", cases[i].path,
				 info.channels);
		assert_int_equal(info.orientation, 1);
		free(b.data);
	}
}

static void
test_codec_png_crashers(void **state)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir("data/crashers");
	struct image im;
	struct image_meta meta;
	struct imgpipe_error err;
	int rc, n = 0;

	(void)state;
	assert_non_null(d);
	image_init(&im);
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".png") == NULL)
			continue;
		snprintf(path, sizeof(path), "data/crashers/%s", de->d_name);
		rc = decode_file(path, 1, &im, &meta, &err);
		n++;
		if (rc < 0) {
			assert_true(strlen(err.msg) > 0);
			continue;
		}
		/* Decoded by skipping a bad ancillary chunk: must be sane. */
		assert_true(im.w > 0 && im.h > 0);
		assert_true(im.channels >= 1 && im.channels <= 4);
		image_meta_release(&meta);
	}
	closedir(d);
	assert_true(n >= 20);
	/* Pixels that fail their Adler-32 are refused. */
	assert_int_equal(decode_file("data/crashers/badadler.png", 1, &im,
				     &meta, &err), IMGPIPE_EFORMAT);
	assert_non_null(strstr(err.msg, "PNG data"));
	image_release(&im);
}

/* Outcomes of a decode under each --fail-on level. */
enum {
	DEC_OK,
	DEC_WARNED,
	DEC_FAILED
};

static int
decode_level(const char *path, enum fail_on level, struct image *im,
	     struct imgpipe_error *err)
{
	struct blob b = load(path);
	const struct codec *c = codec_sniff(b.data, b.len);
	struct decode_opts o = { 1, MAX_PIXELS, level, 0 };
	struct image_meta meta;
	int rc;

	assert_non_null(c);
	error_clear(err);
	rc = c->decode(b.data, b.len, &o, im, &meta, NULL, err);
	free(b.data);
	if (rc != 0) {
		assert_int_equal(rc, IMGPIPE_EFORMAT);
		assert_int_equal(err->code, IMGPIPE_EFORMAT);
		return DEC_FAILED;
	}
	image_meta_release(&meta);
	assert_int_equal(err->code, 0);
	return err->msg[0] != '\0' ? DEC_WARNED : DEC_OK;
}

/* Every sample of row y of im is v (alpha aside, there is none here). */
static int
row_is(const struct image *im, int y, int v)
{
	const unsigned char *p = image_row(im, y);
	size_t i;

	for (i = 0; i < (size_t)im->w * (size_t)im->channels; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

/*
 * The damaged files of data/damaged (and two of libpng's crashers) under
 * each level, none to warning: what fails, what decodes with a warning
 * and the message, which is the same whether it warns or fails.
 */
static void
test_codec_fail_on_levels(void **state)
{
	static const enum fail_on levels[4] = { FAIL_ON_NONE, FAIL_ON_TRUNCATED,
						FAIL_ON_ERROR,
						FAIL_ON_WARNING };
	static const struct {
		const char *path;
		int want[4];
		const char *msg;
	} cases[] = {
		{ "data/damaged/eoi-cut.jpg",
		  { DEC_WARNED, DEC_WARNED, DEC_WARNED, DEC_FAILED },
		  "JPEG file ends without its EOI marker" },
		{ "data/damaged/truncated.jpg",
		  { DEC_WARNED, DEC_FAILED, DEC_FAILED, DEC_FAILED },
		  "truncated JPEG data" },
		{ "data/damaged/lossless.jpg",
		  { DEC_FAILED, DEC_FAILED, DEC_FAILED, DEC_FAILED },
		  "unsupported JPEG: lossless JPEG (SOF3)" },
		{ "data/damaged/no-iend.png",
		  { DEC_WARNED, DEC_WARNED, DEC_FAILED, DEC_FAILED },
		  "truncated PNG data after the last row" },
		{ "data/damaged/bad-iend-crc.png",
		  { DEC_WARNED, DEC_WARNED, DEC_FAILED, DEC_FAILED },
		  "corrupt PNG data: IEND: CRC error" },
		{ "data/damaged/no-adler.png",
		  { DEC_WARNED, DEC_WARNED, DEC_FAILED, DEC_FAILED },
		  "corrupt PNG data: not enough image data" },
		{ "data/crashers/badcrc.png",
		  { DEC_WARNED, DEC_WARNED, DEC_FAILED, DEC_FAILED },
		  "corrupt PNG data: IDAT: CRC error" },
		{ "data/damaged/truncated.png",
		  { DEC_WARNED, DEC_FAILED, DEC_FAILED, DEC_FAILED },
		  "truncated PNG data" },
		{ "data/damaged/chunk-IdND.png",
		  { DEC_FAILED, DEC_FAILED, DEC_FAILED, DEC_FAILED },
		  "corrupt PNG data: IdND: unhandled critical chunk" },
		{ "data/jpeg/testorig.jpg",
		  { DEC_OK, DEC_OK, DEC_OK, DEC_OK },
		  "" },
	};
	struct imgpipe_error err;
	struct image im;
	size_t i, l;
	int got;

	(void)state;
	image_init(&im);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (l = 0; l < 4; l++) {
			got = decode_level(cases[i].path, levels[l], &im, &err);
			if (got != cases[i].want[l] ||
			    strcmp(err.msg, cases[i].msg) != 0)
				fail_msg("%s at level %d: outcome %d, '%s'",
					 cases[i].path, (int)levels[l], got,
					 err.msg);
		}
	}
	/* none: the rows after the truncation are grey, as libjpeg makes them.
	 */
	assert_int_equal(decode_level("data/damaged/truncated.png",
				      FAIL_ON_NONE, &im, &err),
			 DEC_WARNED);
	assert_int_equal(im.h, 149);
	assert_false(row_is(&im, 0, 128));
	assert_true(row_is(&im, im.h - 1, 128));
	assert_int_equal(decode_level("data/damaged/truncated.jpg",
				      FAIL_ON_NONE, &im, &err),
			 DEC_WARNED);
	assert_int_equal(im.h, 149);
	assert_true(row_is(&im, im.h - 1, 128));
	image_release(&im);
}

/*
 * Where a JPEG's data ends decides at the default level: without only its
 * EOI marker it decodes with a warning, cut inside a scan it fails, for
 * baseline, progressive and arithmetic coding alike, except that
 * arithmetic data cannot show its end was complete: it fails too.
 */
static void
test_codec_jpeg_data_end(void **state)
{
	static const struct {
		const char *path;
		int eoi_cut; /* outcome without the last 2 bytes */
	} cases[] = {
		{ "data/jpeg/testorig.jpg", DEC_WARNED },
		{ "data/jpeg/testimgint.jpg", DEC_WARNED },
		{ "data/jpeg/testimgari.jpg", DEC_FAILED },
	};
	struct decode_opts o = { 1, MAX_PIXELS, FAIL_ON_TRUNCATED, 0 };
	struct imgpipe_error err;
	struct image_meta meta;
	struct image im;
	struct blob b;
	size_t i, keep[2];
	int k, rc, want;

	(void)state;
	image_init(&im);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b = load(cases[i].path);
		keep[0] = b.len - 2;
		keep[1] = b.len * 6 / 10;
		for (k = 0; k < 2; k++) {
			error_clear(&err);
			rc = codec_jpeg.decode(b.data, keep[k], &o, &im, &meta,
					       NULL, &err);
			if (rc == 0)
				image_meta_release(&meta);
			want = k == 0 ? cases[i].eoi_cut : DEC_FAILED;
			if ((rc != 0) != (want == DEC_FAILED) ||
			    (rc == 0 && strcmp(err.msg, "JPEG file ends without "
							"its EOI marker") != 0) ||
			    (rc != 0 && strcmp(err.msg, "truncated JPEG data") != 0))
				fail_msg("%s cut to %zu bytes: rc %d, '%s'",
					 cases[i].path, keep[k], rc, err.msg);
		}
		free(b.data);
	}
	image_release(&im);
}

/* A PNG's late eXIf: the probe, the one source of orientation, sees it. */
static void
test_codec_png_late_exif_probed(void **state)
{
	struct blob b = load("data/damaged/exif-late.png");
	struct imgpipe_error err;
	struct image_info info;

	(void)state;
	assert_int_equal(codec_png.probe(b.data, b.len, &info, &err), 0);
	assert_int_equal(info.orientation, 6);
	assert_int_equal(info.w, 227);
	assert_int_equal(info.h, 149);
	free(b.data);
	b = load("data/jpeg/testorig.png");
	assert_int_equal(codec_png.probe(b.data, b.len, &info, &err), 0);
	assert_int_equal(info.orientation, 1);
	free(b.data);
}

static void
test_codec_png_truncated(void **state)
{
	struct blob b = load("data/pngsuite/basn2c08.png");
	struct image im;
	struct image_meta meta;
	struct imgpipe_error err;

	(void)state;
	image_init(&im);
	assert_int_equal(
		decode_mem(b.data, b.len * 6 / 10, 1, &im, &meta, NULL, &err),
		IMGPIPE_EFORMAT);
	assert_string_equal(err.msg, "truncated PNG data");
	assert_null(meta.icc);
	free(b.data);
	image_release(&im);
}

static void
test_codec_jpeg_12bit_refused(void **state)
{
	struct image im;
	struct image_meta meta;
	struct image_info info;
	struct imgpipe_error err;
	struct blob b = load("data/jpeg/monkey12.jpg");

	(void)state;
	image_init(&im);
	assert_int_equal(decode_mem(b.data, b.len, 1, &im, &meta, NULL, &err),
			 IMGPIPE_EFORMAT);
	assert_string_equal(err.msg, "12-bit JPEG is not supported");
	assert_null(im.data);
	assert_int_equal(codec_jpeg.probe(b.data, b.len, &info, &err),
			 IMGPIPE_EFORMAT);
	assert_string_equal(err.msg, "12-bit JPEG is not supported");
	free(b.data);
}

/* Baseline, progressive and arithmetic coding of one picture agree. */
static void
test_codec_jpeg_variants_agree(void **state)
{
	static const char *const others[] = { "data/jpeg/testimgint.jpg",
					      "data/jpeg/testimgari.jpg" };
	struct image base, im;
	struct image_meta meta;
	struct imgpipe_error err;
	size_t i;

	(void)state;
	image_init(&base);
	image_init(&im);
	assert_int_equal(
		decode_file("data/jpeg/testorig.jpg", 1, &base, &meta, &err),
		0);
	image_meta_release(&meta);
	assert_int_equal(base.w, 227);
	assert_int_equal(base.h, 149);
	assert_int_equal(base.channels, 3);
	for (i = 0; i < 2; i++) {
		if (decode_file(others[i], 1, &im, &meta, &err) != 0)
			fail_msg("%s: %s", others[i], err.msg);
		image_meta_release(&meta);
		if (test_psnr(&base, &im) <= 30)
			fail_msg("%s: PSNR %.2f", others[i], test_psnr(&base, &im));
	}
	image_release(&base);
	image_release(&im);
}

static void
test_codec_jpeg_truncated(void **state)
{
	struct blob b = load("data/jpeg/testorig.jpg");
	struct image im;
	struct image_meta meta;
	struct imgpipe_error err;

	(void)state;
	image_init(&im);
	assert_int_equal(
		decode_mem(b.data, b.len * 6 / 10, 1, &im, &meta, NULL, &err),
		IMGPIPE_EFORMAT);
	assert_string_equal(err.msg, "truncated JPEG data");
	assert_null(meta.icc);
	/* A header cut short is truncated too, not a crash. */
	assert_int_equal(decode_mem(b.data, 40, 1, &im, &meta, NULL, &err),
			 IMGPIPE_EFORMAT);
	assert_string_equal(err.msg, "truncated JPEG data");
	free(b.data);
	/* Progressive files are read whole in jpeg_start_decompress. */
	b = load("data/jpeg/testimgint.jpg");
	assert_int_equal(
		decode_mem(b.data, b.len * 6 / 10, 1, &im, &meta, NULL, &err),
		IMGPIPE_EFORMAT);
	assert_string_equal(err.msg, "truncated JPEG data");
	free(b.data);
	image_release(&im);
}

/* Offset of the second marker segment (the one after the first APPn). */
static size_t
second_marker(const struct blob *b)
{
	size_t seg = (size_t)b->data[4] << 8 | b->data[5];

	assert_int_equal(b->data[2], 0xff);
	assert_int_equal(b->data[4 + seg], 0xff);
	return 4 + seg;
}

/* Phones write stray bytes before markers; libjpeg skips them safely. */
static void
test_codec_jpeg_extraneous_data(void **state)
{
	static const unsigned char junk[] = { 0x00, 0x12, 0x34 };
	struct blob b = load("data/jpeg/testorig.jpg");
	unsigned char *mod = malloc(b.len + sizeof(junk));
	struct image a, c;
	struct image_meta meta;
	struct imgpipe_error err;
	size_t at = second_marker(&b);

	(void)state;
	image_init(&a);
	image_init(&c);
	memcpy(mod, b.data, at);
	memcpy(mod + at, junk, sizeof(junk));
	memcpy(mod + at + sizeof(junk), b.data + at, b.len - at);
	assert_int_equal(decode_mem(b.data, b.len, 1, &a, &meta, NULL, &err),
			 0);
	image_meta_release(&meta);
	if (decode_mem(mod, b.len + sizeof(junk), 1, &c, &meta, NULL, &err))
		fail_msg("%s", err.msg);
	image_meta_release(&meta);
	assert_true(test_same_image(&a, &c));
	free(mod);
	free(b.data);
	image_release(&a);
	image_release(&c);
}

/* Garbage in the entropy-coded data must fail, not turn grey. */
static void
test_codec_jpeg_corrupt_entropy(void **state)
{
	struct blob b = load("data/jpeg/testorig.jpg");
	struct image im;
	struct image_meta meta;
	struct imgpipe_error err;
	size_t i;

	(void)state;
	image_init(&im);
	/* A stray RST marker in the middle of the scan. */
	for (i = b.len / 2; i < b.len / 2 + 2; i++)
		b.data[i] = i % 2 ? 0xd3 : 0xff;
	assert_int_equal(decode_mem(b.data, b.len, 1, &im, &meta, NULL, &err),
			 IMGPIPE_EFORMAT);
	assert_non_null(strstr(err.msg, "corrupt JPEG data: "));
	free(b.data);
	image_release(&im);
}

/* A flat 16x16 four-channel JPEG written with libjpeg itself. */
static struct blob
cmyk_jpeg(const unsigned char cmyk[4], J_COLOR_SPACE space, int adobe,
	  const struct blob *icc)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr jerr;
	unsigned char row[16 * 4], *out = NULL;
	unsigned long len = 0;
	JSAMPROW rp = row;
	struct blob b;
	int x;

	for (x = 0; x < 16 * 4; x++)
		row[x] = cmyk[x % 4];
	ci.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &out, &len);
	ci.image_width = ci.image_height = 16;
	ci.input_components = 4;
	ci.in_color_space = JCS_CMYK;
	jpeg_set_defaults(&ci);
	jpeg_set_colorspace(&ci, space);
	jpeg_set_quality(&ci, 95, TRUE);
	ci.write_Adobe_marker = adobe ? TRUE : FALSE;
	jpeg_start_compress(&ci, TRUE);
	if (icc != NULL)
		jpeg_write_icc_profile(&ci, icc->data, (unsigned)icc->len);
	while (ci.next_scanline < ci.image_height)
		jpeg_write_scanlines(&ci, &rp, 1);
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	b.data = out;
	b.len = len;
	return b;
}

static void
check_cmyk(const unsigned char stored[4], J_COLOR_SPACE space, int adobe,
	   const unsigned char ink[4])
{
	struct blob icc = load("data/jpeg/test1.icc");
	struct blob b = cmyk_jpeg(stored, space, adobe, &icc);
	struct image im;
	struct image_meta meta;
	struct imgpipe_error err;
	int c;
	double want;
	unsigned char rgb[3];

	image_init(&im);
	if (decode_mem(b.data, b.len, 1, &im, &meta, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	/* The pixels come out as stored; the colour step converts them. */
	assert_int_equal(im.channels, 4);
	assert_int_equal(meta.cmyk, 1);
	assert_int_equal(meta.cmyk_inverted, adobe);
	for (c = 0; c < 4; c++)
		assert_near(image_row(&im, 8)[8 * 4 + c], stored[c], 4);
	colour_cmyk_formula(image_row(&im, 8) + 8 * 4, rgb, 1, adobe);
	for (c = 0; c < 3; c++) {
		/* R = (1 - C)(1 - K) on the real ink amounts. */
		want = (255.0 - ink[c]) * (255.0 - ink[3]) / 255.0;
		assert_near(rgb[c], want, 4);
	}
	/* ... through the profile the file carries, passed on. */
	assert_non_null(meta.icc);
	assert_int_equal(meta.icc_len, icc.len);
	assert_memory_equal(meta.icc, icc.data, icc.len);
	image_meta_release(&meta);
	image_release(&im);
	free(b.data);
	free(icc.data);
}

static void
test_codec_jpeg_cmyk(void **state)
{
	static const unsigned char ink[4] = { 30, 120, 200, 40 };
	unsigned char inv[4];
	int c;

	(void)state;
	for (c = 0; c < 4; c++)
		inv[c] = (unsigned char)(255 - ink[c]);
	/* Plain CMYK without an Adobe marker stores the ink as is. */
	check_cmyk(ink, JCS_CMYK, 0, ink);
	/* Adobe's applications store it inverted, as CMYK or YCCK. */
	check_cmyk(inv, JCS_CMYK, 1, ink);
	check_cmyk(inv, JCS_YCCK, 1, ink);
}

static int
is_icc(const unsigned char *p, size_t n)
{
	return n >= 128 && memcmp(p + 36, "acsp", 4) == 0 &&
	       ((size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 |
		p[3]) == n;
}

static void
test_codec_png_icc_from_file(void **state)
{
	static const char *const files[] = { "data/jpeg/vgl_5674_0098.png",
					     "data/jpeg/monkey16.png" };
	struct image im;
	struct image_meta meta;
	struct imgpipe_error err;
	size_t i;

	(void)state;
	image_init(&im);
	for (i = 0; i < 2; i++) {
		if (decode_file(files[i], 1, &im, &meta, &err) != 0)
			fail_msg("%s: %s", files[i], err.msg);
		assert_non_null(meta.icc);
		assert_true(is_icc(meta.icc, meta.icc_len));
		image_meta_release(&meta);
	}
	image_release(&im);
}

/* The sRGB profile embedded in a test file. */
static struct blob
srgb_profile(void)
{
	struct image im;
	struct image_meta meta;
	struct imgpipe_error err;
	struct blob b;

	image_init(&im);
	assert_int_equal(
		decode_file("data/jpeg/vgl_5674_0098.png", 1, &im, &meta, &err),
		0);
	b.data = meta.icc;
	b.len = meta.icc_len;
	image_release(&im);
	return b;
}

static void
icc_round_trip(enum codec_id id, struct blob icc)
{
	struct image src, dst;
	struct image_meta in, out;
	struct membuf mb;
	struct imgpipe_error err;

	image_init(&src);
	image_init(&dst);
	membuf_init(&mb);
	fill_gradient(&src, 40, 30, 3);
	image_meta_init(&in);
	in.icc = icc.data;
	in.icc_len = icc.len;
	assert_true(is_icc(icc.data, icc.len));
	assert_int_equal(encode_as(id, &src, &in, 90, &mb), 0);
	assert_int_equal(decode_mem(mb.data, mb.len, 1, &dst, &out, NULL, &err),
			 0);
	assert_non_null(out.icc);
	assert_int_equal(out.icc_len, icc.len);
	assert_memory_equal(out.icc, icc.data, icc.len);
	image_meta_release(&out);
	image_meta_release(&in);
	image_release(&src);
	image_release(&dst);
	membuf_release(&mb);
}

static void
test_codec_jpeg_icc_round_trip(void **state)
{
	struct blob big = load("data/jpeg/test1.icc");

	(void)state;
	/* Over 64 KiB: JPEG has to split it across APP2 markers. */
	assert_true(big.len > 65536);
	icc_round_trip(CODEC_JPEG, big);
	icc_round_trip(CODEC_JPEG, srgb_profile());
}

static void
test_codec_png_icc_round_trip(void **state)
{
	(void)state;
	icc_round_trip(CODEC_PNG, srgb_profile());
}

/* PNG cannot carry a CMYK profile: the image is written without it. */
static void
test_codec_png_drops_cmyk_profile(void **state)
{
	struct blob cmyk = load("data/jpeg/test1.icc");
	struct image src, dst;
	struct image_meta in, out;
	struct membuf mb;
	struct imgpipe_error err;

	(void)state;
	assert_memory_equal(cmyk.data + 16, "CMYK", 4);
	image_init(&src);
	image_init(&dst);
	membuf_init(&mb);
	fill_gradient(&src, 20, 10, 3);
	image_meta_init(&in);
	in.icc = cmyk.data;
	in.icc_len = cmyk.len;
	assert_int_equal(encode_as(CODEC_PNG, &src, &in, 0, &mb), 0);
	assert_int_equal(decode_mem(mb.data, mb.len, 1, &dst, &out, NULL, &err),
			 0);
	assert_null(out.icc);
	assert_true(test_same_image(&src, &dst));
	image_meta_release(&in);
	image_release(&src);
	image_release(&dst);
	membuf_release(&mb);
}

static void
put16(unsigned char *p, unsigned v, int be)
{
	p[be ? 0 : 1] = (unsigned char)(v >> 8);
	p[be ? 1 : 0] = (unsigned char)v;
}

static void
put32(unsigned char *p, unsigned long v, int be)
{
	put16(p + (be ? 0 : 2), (unsigned)(v >> 16), be);
	put16(p + (be ? 2 : 0), (unsigned)(v & 0xffff), be);
}

/* A TIFF structure whose IFD0 holds just Orientation; returns its size. */
static size_t
tiff_orientation(unsigned char *p, int orientation, int be)
{
	memset(p, 0, 26);
	p[0] = p[1] = be ? 'M' : 'I';
	put16(p + 2, 42, be);
	put32(p + 4, 8, be);
	put16(p + 8, 1, be);	   /* one entry */
	put16(p + 10, 0x0112, be); /* Orientation */
	put16(p + 12, 3, be);	   /* SHORT */
	put32(p + 14, 1, be);	   /* one value */
	put16(p + 18, (unsigned)orientation, be);
	put32(p + 22, 0, be); /* no next IFD */
	return 26;
}

/* jpg with an APP1 Exif segment inserted after SOI. */
static struct blob
with_exif(const struct membuf *jpg, int orientation, int be)
{
	unsigned char seg[64];
	size_t n = tiff_orientation(seg + 10, orientation, be) + 10;
	struct blob b;

	seg[0] = 0xff;
	seg[1] = 0xe1;
	put16(seg + 2, (unsigned)(n - 2), 1);
	memcpy(seg + 4, "Exif\0\0", 6);
	b.len = jpg->len + n;
	b.data = malloc(b.len);
	memcpy(b.data, jpg->data, 2);
	memcpy(b.data + 2, seg, n);
	memcpy(b.data + 2 + n, jpg->data + 2, jpg->len - 2);
	return b;
}

static void
test_codec_jpeg_exif_orientation(void **state)
{
	struct image im;
	struct image_meta meta;
	struct image_info info;
	struct imgpipe_error err;
	struct membuf jpg;
	struct blob b;
	int o, be, want;

	(void)state;
	image_init(&im);
	membuf_init(&jpg);
	fill_gradient(&im, 24, 16, 3);
	assert_int_equal(encode_as(CODEC_JPEG, &im, NULL, 80, &jpg), 0);
	for (be = 0; be <= 1; be++) {
		for (o = 1; o <= 9; o++) {
			want = o <= 8 ? o : 1; /* 9 is invalid */
			b = with_exif(&jpg, o, be);
			assert_int_equal(
				codec_jpeg.probe(b.data, b.len, &info, &err),
				0);
			assert_int_equal(info.orientation, want);
			assert_int_equal(info.w, 24);
			assert_int_equal(info.h, 16);
			assert_int_equal(decode_mem(b.data, b.len, 1, &im,
						    &meta, NULL, &err), 0);
			image_meta_release(&meta);
			free(b.data);
		}
	}
	assert_int_equal(codec_jpeg.probe(jpg.data, jpg.len, &info, &err), 0);
	assert_int_equal(info.orientation, 1);
	image_release(&im);
	membuf_release(&jpg);
}

/* A PNG from libpng with an eXIf chunk before or after IDAT. */
static struct blob
png_with_exif(int orientation, int after_idat)
{
	unsigned char tiff[64], row[8 * 3] = { 0 };
	png_structp png;
	png_infop info, end;
	struct blob b = { NULL, 0 };
	FILE *f = open_memstream((char **)&b.data, &b.len);
	size_t n = tiff_orientation(tiff, orientation, 1);
	int y;

	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png_create_info_struct(png);
	end = png_create_info_struct(png);
	if (setjmp(png_jmpbuf(png)))
		fail_msg("libpng failed writing the eXIf test file");
	png_init_io(png, f);
	png_set_IHDR(png, info, 8, 4, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_eXIf_1(png, after_idat ? end : info, (png_uint_32)n, tiff);
	png_write_info(png, info);
	for (y = 0; y < 4; y++)
		png_write_row(png, row);
	png_write_end(png, end);
	png_destroy_info_struct(png, &end);
	png_destroy_write_struct(&png, &info);
	fclose(f);
	return b;
}

static void
test_codec_png_exif_orientation(void **state)
{
	struct image im;
	struct image_meta meta;
	struct image_info info;
	struct imgpipe_error err;
	struct blob b;
	int o, after;

	(void)state;
	image_init(&im);
	for (after = 0; after <= 1; after++) {
		for (o = 1; o <= 8; o++) {
			b = png_with_exif(o, after);
			assert_int_equal(codec_png.probe(b.data, b.len, &info,
							 &err), 0);
			/* Before or after IDAT, the probe finds it. */
			assert_int_equal(info.orientation, o);
			assert_int_equal(decode_mem(b.data, b.len, 1, &im,
						    &meta, NULL, &err), 0);
			assert_string_equal(err.msg, "");
			image_meta_release(&meta);
			free(b.data);
		}
	}
	image_release(&im);
}

static void
test_codec_jpeg_shrink(void **state)
{
	static const int denoms[] = { 2, 4, 8 };
	struct image full, im;
	struct image_meta meta;
	struct imgpipe_error err;
	int i, d;

	(void)state;
	image_init(&full);
	image_init(&im);
	assert_int_equal(
		decode_file("data/jpeg/testorig.jpg", 1, &full, &meta, &err),
		0);
	image_meta_release(&meta);
	for (i = 0; i < 3; i++) {
		d = denoms[i];
		assert_int_equal(decode_file("data/jpeg/testorig.jpg", d, &im,
					     &meta, &err),
				 0);
		image_meta_release(&meta);
		assert_int_equal(im.w, (full.w + d - 1) / d);
		assert_int_equal(im.h, (full.h + d - 1) / d);
	}
	/* PNG ignores the denominator. */
	assert_int_equal(
		decode_file("data/pngsuite/basn2c08.png", 4, &im, &meta, &err),
		0);
	image_meta_release(&meta);
	assert_int_equal(im.w, 32);
	image_release(&full);
	image_release(&im);
}

static int
count_rows(void *ctx)
{
	++*(int *)ctx;
	return 0;
}

/*
 * Decoding a header that claims a huge size fails from the header alone:
 * nothing allocated and not one row decoded (the row hook, called after
 * every row, never ran).
 */
static void
check_limit(const unsigned char *buf, size_t len, const char *msg)
{
	struct image im;
	struct image_meta meta;
	struct imgpipe_error err;
	int rows = 0;
	struct hook h = { count_rows, &rows, 1, 0 };

	image_init(&im);
	assert_int_equal(decode_mem(buf, len, 1, &im, &meta, &h, &err),
			 IMGPIPE_ELIMIT);
	assert_string_equal(err.msg, msg);
	assert_null(im.data);
	assert_null(meta.icc);
	assert_int_equal(rows, 0);
}

static void
test_codec_jpeg_max_pixels(void **state)
{
	struct image im;
	struct membuf mb;
	size_t i;

	(void)state;
	image_init(&im);
	membuf_init(&mb);
	fill_gradient(&im, 16, 16, 3);
	assert_int_equal(encode_as(CODEC_JPEG, &im, NULL, 80, &mb), 0);
	for (i = 2; i + 9 < mb.len; i++)
		if (mb.data[i] == 0xff && mb.data[i + 1] == 0xc0)
			break;
	assert_true(i + 9 < mb.len);
	put16(mb.data + i + 5, 60000, 1); /* height */
	put16(mb.data + i + 7, 50000, 1); /* width */
	check_limit(mb.data, mb.len, "image is 50000x60000, over --max-pixels");
	image_release(&im);
	membuf_release(&mb);
}

static unsigned long
crc32_of(const unsigned char *p, size_t n)
{
	unsigned long c = 0xffffffffUL;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320UL ^ (c >> 1) : c >> 1;
	}
	return c ^ 0xffffffffUL;
}

static void
test_codec_png_max_pixels(void **state)
{
	struct image im;
	struct membuf mb;

	(void)state;
	image_init(&im);
	membuf_init(&mb);
	fill_gradient(&im, 8, 8, 3);
	assert_int_equal(encode_as(CODEC_PNG, &im, NULL, 0, &mb), 0);
	assert_memory_equal(mb.data + 12, "IHDR", 4);
	put32(mb.data + 16, 120000, 1);
	put32(mb.data + 20, 90000, 1);
	put32(mb.data + 29, crc32_of(mb.data + 12, 17), 1);
	check_limit(mb.data, mb.len,
		    "image is 120000x90000, over --max-pixels");
	image_release(&im);
	membuf_release(&mb);
}

struct cancel_after {
	int calls;
};

/* Lets the first band through, then cancels. */
static int
cancel_second(void *ctx)
{
	struct cancel_after *c = ctx;

	return ++c->calls >= 2 ? IMGPIPE_ECANCEL : 0;
}

static void
check_cancel(const char *path)
{
	struct blob b = load(path);
	struct cancel_after ca = { 0 };
	struct hook h = { cancel_second, &ca, 1, 0 };
	struct image im;
	struct image_meta meta;
	struct imgpipe_error err;

	image_init(&im);
	assert_int_equal(decode_mem(b.data, b.len, 1, &im, &meta, &h, &err),
			 IMGPIPE_ECANCEL);
	assert_int_equal(ca.calls, 2);
	assert_null(meta.icc);
	free(b.data);
	image_release(&im);
}

static void
test_codec_hook_cancels_decode(void **state)
{
	(void)state;
	check_cancel("data/jpeg/testorig.jpg");
	check_cancel("data/jpeg/testimgint.jpg");
	check_cancel("data/jpeg/vgl_5674_0098.png"); /* with iCCP */
	check_cancel("data/pngsuite/ibasn6a16.png"); /* interlaced */
}

static void
test_codec_hook_cancels_encode(void **state)
{
	static const enum codec_id ids[] = { CODEC_JPEG, CODEC_PNG };
	struct encode_opts o = { .quality = 85, .progressive = 1,
				.png_level = 6, .effort = -1 };
	struct cancel_after ca;
	struct hook h = { cancel_second, &ca, 1, 0 };
	struct image im;
	struct membuf mb;
	struct imgpipe_error err;
	int i;

	(void)state;
	image_init(&im);
	membuf_init(&mb);
	fill_gradient(&im, 64, 64, 3);
	for (i = 0; i < 2; i++) {
		ca.calls = 0;
		h.pending = 0;
		assert_int_equal(
			codec_get(ids[i])->encode(&im, NULL, &o, &mb, &h, &err),
			IMGPIPE_ECANCEL);
		assert_int_equal(ca.calls, 2);
		assert_int_equal(mb.len, 0);
	}
	image_release(&im);
	membuf_release(&mb);
}

/* Rows are reported as they are produced: once per row, h in total. */
static void
test_codec_hook_counts_rows(void **state)
{
	static const char *const files[] = { "data/jpeg/testorig.jpg",
					     "data/pngsuite/ibasn0g08.png",
					     "data/pngsuite/basn6a08.png" };
	struct image im;
	struct image_meta meta;
	struct imgpipe_error err;
	struct blob b;
	int i, calls;
	struct hook h = { test_count_calls, &calls, 1, 0 };

	(void)state;
	image_init(&im);
	for (i = 0; i < 3; i++) {
		calls = 0;
		b = load(files[i]);
		assert_int_equal(
			decode_mem(b.data, b.len, 1, &im, &meta, &h, &err), 0);
		assert_int_equal(calls, im.h);
		image_meta_release(&meta);
		free(b.data);
	}
	image_release(&im);
}

/*
 * A progressive file is absorbed whole before its first row: the hook must
 * get turns during that too (coop yields there), so it is called more
 * often than there are rows, while a baseline file calls it once a row.
 */
static void
test_codec_hook_runs_while_progressive_scans_load(void **state)
{
	struct encode_opts eo = { .quality = 90, .progressive = 1,
				.png_level = 6, .effort = -1 };
	struct image im, back;
	struct image_meta meta;
	struct imgpipe_error err;
	struct membuf prog;
	struct blob b;
	int base = 0, progressive = 0;
	struct hook h = { test_count_calls, &base, 1, 0 };

	(void)state;
	image_init(&im);
	image_init(&back);
	membuf_init(&prog);
	b = load("data/jpeg/testorig.jpg");
	assert_int_equal(decode_mem(b.data, b.len, 1, &im, &meta, &h, &err), 0);
	image_meta_release(&meta);
	assert_int_equal(base, im.h);
	image_meta_init(&meta);
	assert_int_equal(codec_jpeg.encode(&im, &meta, &eo, &prog, NULL, &err),
			 0);
	h.ctx = &progressive;
	assert_int_equal(
		decode_mem(prog.data, prog.len, 1, &back, &meta, &h, &err), 0);
	image_meta_release(&meta);
	assert_true(progressive > back.h);
	free(b.data);
	membuf_release(&prog);
	image_release(&im);
	image_release(&back);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_sniff),
		cmocka_unit_test(test_codec_sniff_containers),
		cmocka_unit_test(test_codec_png_round_trip_grey),
		cmocka_unit_test(test_codec_png_round_trip_grey_alpha),
		cmocka_unit_test(test_codec_png_round_trip_rgb),
		cmocka_unit_test(test_codec_png_round_trip_rgba),
		cmocka_unit_test(test_codec_jpeg_round_trip_rgb),
		cmocka_unit_test(test_codec_jpeg_round_trip_grey),
		cmocka_unit_test(test_codec_jpeg_round_trip_progressive),
		cmocka_unit_test(test_codec_jpeg_encode_refuses_alpha),
		cmocka_unit_test(test_codec_pngsuite_matches_libpng),
		cmocka_unit_test(test_codec_png_probe_channels),
		cmocka_unit_test(test_codec_png_crashers),
		cmocka_unit_test(test_codec_fail_on_levels),
		cmocka_unit_test(test_codec_png_late_exif_probed),
		cmocka_unit_test(test_codec_jpeg_data_end),
		cmocka_unit_test(test_codec_png_truncated),
		cmocka_unit_test(test_codec_jpeg_12bit_refused),
		cmocka_unit_test(test_codec_jpeg_variants_agree),
		cmocka_unit_test(test_codec_jpeg_truncated),
		cmocka_unit_test(test_codec_jpeg_extraneous_data),
		cmocka_unit_test(test_codec_jpeg_corrupt_entropy),
		cmocka_unit_test(test_codec_jpeg_cmyk),
		cmocka_unit_test(test_codec_png_icc_from_file),
		cmocka_unit_test(test_codec_jpeg_icc_round_trip),
		cmocka_unit_test(test_codec_png_icc_round_trip),
		cmocka_unit_test(test_codec_png_drops_cmyk_profile),
		cmocka_unit_test(test_codec_jpeg_exif_orientation),
		cmocka_unit_test(test_codec_png_exif_orientation),
		cmocka_unit_test(test_codec_jpeg_shrink),
		cmocka_unit_test(test_codec_jpeg_large_blocks),
		cmocka_unit_test(test_codec_jpeg_max_pixels),
		cmocka_unit_test(test_codec_png_max_pixels),
		cmocka_unit_test(test_codec_hook_cancels_decode),
		cmocka_unit_test(test_codec_hook_cancels_encode),
		cmocka_unit_test(test_codec_hook_counts_rows),
		cmocka_unit_test(
			test_codec_hook_runs_while_progressive_scans_load),
	};

	return cmocka_run_group_tests_name("codec", tests, NULL, NULL);
}
