/*
 * HEIC and AVIF reading (codec_heif.c) on the files of data/heif/
 * (make.py): sizes after libheif's transforms, alpha, 10 and 12 bits to 8,
 * irot and imir against the pixels turned here, metadata items and nclx,
 * --max-pixels before any decode, cut files, the row hook.  In a HEIF=0
 * build each of these is skipped and only the "not built" stand-in is
 * checked.  The tests use libheif directly only to check what a fixture
 * is (its bit depth).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if IMGPIPE_HEIF
#include <libheif/heif.h>
#endif

#include "codec.h"
#include "codec_heif.h"
#include "error.h"
#include "exif.h"
#include "hook.h"
#include "image.h"

#include "helpers.h"

#define MAX_PIXELS 100000000u
#define HEIF	   "data/heif/"

/* Skip the test when this build has no HEIF reader. */
static void
need_heif(void)
{
	if (!codec_get(CODEC_HEIC)->built)
		skip();
}

static const struct codec *
codec_of(const struct blob *b)
{
	const struct codec *c = codec_sniff(b->data, b->len);

	assert_non_null(c);
	assert_true(c->id == CODEC_HEIC || c->id == CODEC_AVIF);
	return c;
}

static int
probe_file(const char *path, struct image_info *info, struct imgpipe_error *err)
{
	struct blob b = load(path);
	int rc;

	error_clear(err);
	rc = codec_of(&b)->probe(b.data, b.len, info, err);
	free(b.data);
	return rc;
}

/* Decode path with max_pixels, fail_on and hook; returns the code. */
static int
decode_with(const char *path, uint64_t max_pixels, enum fail_on fail_on,
	    struct image *im, struct image_meta *meta, struct hook *hook,
	    struct imgpipe_error *err)
{
	struct decode_opts o = { 1, max_pixels, fail_on, 0 };
	struct blob b = load(path);
	int rc;

	error_clear(err);
	image_meta_init(meta);
	rc = codec_of(&b)->decode(b.data, b.len, &o, im, meta, hook, err);
	free(b.data);
	return rc;
}

static void
decode_ok(const char *path, struct image *im, struct image_meta *meta)
{
	struct imgpipe_error err;

	if (decode_with(path, MAX_PIXELS, FAIL_ON_TRUNCATED, im, meta, NULL,
			&err) != 0)
		fail_msg("%s: %s", path, err.msg);
	assert_int_equal(im->fmt, PIXFMT_U8);
}

static void
check_probe(const char *name, int w, int h, int ch)
{
	struct image_info info;
	struct imgpipe_error err;
	char path[128];

	snprintf(path, sizeof(path), HEIF "%s", name);
	if (probe_file(path, &info, &err) != 0)
		fail_msg("%s: %s", name, err.msg);
	if (info.w != w || info.h != h || info.channels != ch)
		fail_msg("%s: probe %dx%dx%d, want %dx%dx%d", name, info.w,
			 info.h, info.channels, w, h, ch);
	assert_int_equal(info.orientation, 1);
}

/* Sizes as shown (after irot, and the grid's crop), no pixel decoded. */
static void
test_codec_heif_probe_sizes(void **state)
{
	(void)state;
	need_heif();
	check_probe("rgb.heic", 96, 72, 3);
	check_probe("rgb-av1.avif", 96, 72, 3);
	check_probe("alpha.heic", 90, 66, 4);
	check_probe("alpha-av1.avif", 90, 66, 4);
	check_probe("10bit.heic", 149, 227, 3);
	check_probe("12bit.avif", 149, 227, 3);
	check_probe("grid.heic", 128, 96, 3);
	check_probe("canon-xmp.heic", 213, 320, 3); /* a 214-wide tile, cut */
	check_probe("irot.heic", 72, 96, 3);
	check_probe("irot-av1.avif", 72, 96, 3);
	check_probe("imir.heic", 96, 72, 3);
	check_probe("irot-imir.heic", 72, 96, 3);
	/* Orientation 6 in its EXIF: informational, the probe says 1. */
	check_probe("iphone-p3-exif.heic", 320, 240, 3);
}

static void
test_codec_heif_sniff(void **state)
{
	struct blob b = load(HEIF "rgb.heic");
	struct blob a = load(HEIF "rgb-av1.avif");

	(void)state;
	/* Sniffing needs no library: it works in every build. */
	assert_int_equal(codec_sniff(b.data, b.len)->id, CODEC_HEIC);
	assert_int_equal(codec_sniff(a.data, a.len)->id, CODEC_AVIF);
	assert_null(codec_get(CODEC_HEIC)->encode);
	free(b.data);
	free(a.data);
}

/* The vignette fades to full transparency: both ends of alpha occur. */
static void
test_codec_heif_alpha(void **state)
{
	static const char *const files[] = { HEIF "alpha.heic",
					     HEIF "alpha-av1.avif" };
	struct image im;
	struct image_meta meta;
	int i, x, y, clear, opaque;
	unsigned a;

	(void)state;
	need_heif();
	image_init(&im);
	for (i = 0; i < 2; i++) {
		decode_ok(files[i], &im, &meta);
		assert_int_equal(im.channels, 4);
		clear = opaque = 0;
		for (y = 0; y < im.h; y++)
			for (x = 0; x < im.w; x++) {
				a = image_row(&im, y)[4 * x + 3];
				clear += a < 8;
				opaque += a > 247;
			}
		if (clear == 0 || opaque == 0)
			fail_msg("%s: %d clear and %d opaque pixels", files[i],
				 clear, opaque);
		image_meta_release(&meta);
	}
	image_release(&im);
}

/*
 * premultiplied.heic holds alpha.heic's picture premultiplied: divided
 * out, its colours are near the straight ones, far from the premultiplied
 * ones, where alpha leaves enough bits to tell (a >= 64).
 */
static void
test_codec_heif_premultiplied(void **state)
{
	struct image im, ref;
	struct image_meta meta, rmeta;
	double straight = 0, premul = 0, r;
	int x, y, c, n = 0;
	unsigned a;

	(void)state;
	need_heif();
	image_init(&im);
	image_init(&ref);
	decode_ok(HEIF "premultiplied.heic", &im, &meta);
	decode_ok(HEIF "alpha.heic", &ref, &rmeta);
	assert_int_equal(im.channels, 4);
	for (y = 0; y < im.h; y++)
		for (x = 0; x < im.w; x++) {
			a = image_row(&ref, y)[4 * x + 3];
			if (a < 64 || a > 240)
				continue;
			n++;
			for (c = 0; c < 3; c++) {
				r = image_row(&ref, y)[4 * x + c];
				straight +=
					fabs(image_row(&im, y)[4 * x + c] - r);
				premul += fabs(image_row(&im, y)[4 * x + c] -
					       r * a / 255.0);
			}
		}
	assert_true(n > 100);
	if (straight / n > 12 || straight * 3 > premul)
		fail_msg(
			"%d pixels: %.1f from straight, %.1f from premultiplied",
			n, straight / n, premul / n);
	image_meta_release(&meta);
	image_meta_release(&rmeta);
	image_release(&im);
	image_release(&ref);
}

#if IMGPIPE_HEIF
static int
luma_bits(const char *path)
{
	struct blob b = load(path);
	struct heif_context *ctx = heif_context_alloc();
	struct heif_image_handle *h = NULL;
	int bits = -1;

	if (heif_context_read_from_memory_without_copy(ctx, b.data, b.len, NULL)
			    .code == heif_error_Ok &&
	    heif_context_get_primary_image_handle(ctx, &h).code ==
		    heif_error_Ok) {
		bits = heif_image_handle_get_luma_bits_per_pixel(h);
		heif_image_handle_release(h);
	}
	heif_context_free(ctx);
	free(b.data);
	return bits;
}
#endif

/* 10 and 12 bits come out as 8, close to the 16-bit source's pixels. */
static void
test_codec_heif_high_bit_depth(void **state)
{
	static const char *const files[] = { HEIF "10bit.heic",
					     HEIF "12bit.avif" };
	static const int bits[] = { 10, 12 };
	struct decode_opts o = { 1, MAX_PIXELS, FAIL_ON_TRUNCATED, 0 };
	struct blob src = load("data/jpeg/monkey16.png");
	struct image im, ref;
	struct image_meta meta, rmeta;
	struct imgpipe_error err;
	double psnr;
	int i;

	(void)state;
	need_heif();
	image_init(&im);
	image_init(&ref);
	image_meta_init(&rmeta);
	assert_int_equal(codec_png.decode(src.data, src.len, &o, &ref, &rmeta,
					  NULL, &err),
			 0);
	assert_int_equal(ref.fmt, PIXFMT_U8);
	for (i = 0; i < 2; i++) {
#if IMGPIPE_HEIF
		assert_int_equal(luma_bits(files[i]), bits[i]);
#else
		(void)bits;
#endif
		decode_ok(files[i], &im, &meta);
		psnr = test_psnr(&ref, &im);
		if (psnr < 30)
			fail_msg("%s: %.1f dB against the source", files[i],
				 psnr);
		image_meta_release(&meta);
	}
	image_meta_release(&rmeta);
	image_release(&im);
	image_release(&ref);
	free(src.data);
}

/*
 * How a transform maps the stored picture (w x h) to what is shown: the
 * stored (sx, sy) of the shown pixel (x, y).  irot turns anticlockwise by
 * quarter turns; imir 0 swaps top and bottom, imir 1 left and right, as
 * libheif 1.15 reads the axis (heif-convert shows the same).
 */
static void
irot_ccw(int x, int y, int w, int h, int *sx, int *sy)
{
	(void)h;
	*sx = w - 1 - y;
	*sy = x;
}

/*
 * irot 3 (a clockwise turn: the shown (x, y) is the stored (y, h - 1 -
 * x)), then imir 1 (x becomes h - 1 - x): the transpose.
 */
static void
irot_cw_imir1(int x, int y, int w, int h, int *sx, int *sy)
{
	(void)w, (void)h;
	*sx = y;
	*sy = x;
}

static void
imir0(int x, int y, int w, int h, int *sx, int *sy)
{
	(void)w;
	*sx = x;
	*sy = h - 1 - y;
}

typedef void map_fn(int x, int y, int w, int h, int *sx, int *sy);

static void
check_transform(const char *base, const char *turned, map_fn *map)
{
	struct image a, b;
	struct image_meta ma, mb;
	int x, y, sx, sy, bad = 0;

	image_init(&a);
	image_init(&b);
	decode_ok(base, &a, &ma);
	decode_ok(turned, &b, &mb);
	for (y = 0; y < b.h; y++)
		for (x = 0; x < b.w; x++) {
			map(x, y, a.w, a.h, &sx, &sy);
			assert_in_range(sx, 0, a.w - 1);
			assert_in_range(sy, 0, a.h - 1);
			bad += memcmp(image_row(&b, y) + 3 * x,
				      image_row(&a, sy) + 3 * sx, 3) != 0;
		}
	if (bad != 0)
		fail_msg("%s: %d pixels differ from %s turned here", turned,
			 bad, base);
	image_meta_release(&ma);
	image_meta_release(&mb);
	image_release(&a);
	image_release(&b);
}

/* libheif applies irot and imir: the pixels equal the stored ones turned. */
static void
test_codec_heif_transforms(void **state)
{
	(void)state;
	need_heif();
	check_transform(HEIF "rgb.heic", HEIF "irot.heic", irot_ccw);
	check_transform(HEIF "rgb-av1.avif", HEIF "irot-av1.avif", irot_ccw);
	check_transform(HEIF "rgb.heic", HEIF "imir.heic", imir0);
	check_transform(HEIF "rgb.heic", HEIF "irot-imir.heic", irot_cw_imir1);
}

static void decode_jpeg(const char *path, struct image *im,
			struct image_meta *meta);

/*
 * The 2x2 grid of separately coded tiles against the picture they were
 * cut from: a tile out of place would cost far more than HEVC's loss.
 */
static void
test_codec_heif_grid(void **state)
{
	struct image im, src;
	struct image_meta meta, smeta;
	double psnr;

	(void)state;
	need_heif();
	image_init(&im);
	image_init(&src);
	decode_ok(HEIF "grid.heic", &im, &meta);
	decode_jpeg(HEIF "grid-source.jpg", &src, &smeta);
	assert_int_equal(im.w, 128);
	assert_int_equal(im.h, 96);
	assert_int_equal(im.channels, 3);
	psnr = test_psnr(&src, &im);
	if (psnr < 28)
		fail_msg("grid.heic: %.1f dB against its source", psnr);
	image_meta_release(&meta);
	image_meta_release(&smeta);
	image_release(&im);
	image_release(&src);
}

static void
decode_jpeg(const char *path, struct image *im, struct image_meta *meta)
{
	struct decode_opts o = { 1, MAX_PIXELS, FAIL_ON_TRUNCATED, 0 };
	struct blob b = load(path);
	struct imgpipe_error err;

	image_meta_init(meta);
	assert_int_equal(
		codec_jpeg.decode(b.data, b.len, &o, im, meta, NULL, &err), 0);
	free(b.data);
}

/*
 * The items heif-enc copied from the JPEGs: the same ICC profile, EXIF
 * (a bare TIFF structure: libheif's 4-byte offset and "Exif\0\0" gone)
 * and XMP packet as the JPEG decoder reads from them.
 */
static void
test_codec_heif_metadata(void **state)
{
	struct image im;
	struct image_meta hm, jm;

	(void)state;
	need_heif();
	image_init(&im);
	decode_ok(HEIF "iphone-p3-exif.heic", &im, &hm);
	decode_jpeg("data/photos/apple-iphone7.jpg", &im, &jm);
	assert_non_null(hm.icc);
	assert_int_equal(hm.icc_len, jm.icc_len);
	assert_memory_equal(hm.icc, jm.icc, jm.icc_len);
	assert_non_null(hm.exif);
	assert_true(memcmp(hm.exif, "II*", 3) == 0 ||
		    memcmp(hm.exif, "MM\0*", 4) == 0);
	assert_int_equal(hm.exif_len, jm.exif_len);
	assert_memory_equal(hm.exif, jm.exif, jm.exif_len);
	/* Kept as written; the pipeline writes 1 (the codec is upright). */
	assert_int_equal(exif_orientation(hm.exif, hm.exif_len), 6);
	assert_true(codec_get(CODEC_HEIC)->upright);
	assert_null(hm.xmp);
	/* An ICC profile: the nclx codes are not read beside it. */
	assert_int_equal(hm.nclx_primaries, 0);
	image_meta_release(&hm);
	image_meta_release(&jm);

	decode_ok(HEIF "canon-xmp.heic", &im, &hm);
	decode_jpeg("data/photos/canon-eos7d.jpg", &im, &jm);
	assert_non_null(hm.xmp);
	assert_int_equal(hm.xmp_len, jm.xmp_len);
	assert_memory_equal(hm.xmp, jm.xmp, jm.xmp_len);
	assert_int_equal(hm.xmp[hm.xmp_len], 0);
	assert_non_null(hm.exif);
	assert_int_equal(hm.exif_len, jm.exif_len);
	assert_memory_equal(hm.exif, jm.exif, jm.exif_len);
	assert_int_equal(hm.icc_len, jm.icc_len);
	assert_memory_equal(hm.icc, jm.icc, jm.icc_len);
	image_meta_release(&hm);
	image_meta_release(&jm);
	image_release(&im);
}

static void
check_nclx(const char *path, int primaries, int transfer)
{
	struct image im;
	struct image_meta meta;

	image_init(&im);
	decode_ok(path, &im, &meta);
	assert_null(meta.icc);
	if (meta.nclx_primaries != primaries || meta.nclx_transfer != transfer)
		fail_msg("%s: nclx %d/%d, want %d/%d", path,
			 meta.nclx_primaries, meta.nclx_transfer, primaries,
			 transfer);
	image_meta_release(&meta);
	image_release(&im);
}

/* The colr nclx box's codes (0: no box); test_colour makes them profiles. */
static void
test_codec_heif_nclx(void **state)
{
	(void)state;
	need_heif();
	check_nclx(HEIF "p3-nclx.avif", 12, 13);
	check_nclx(HEIF "pq-nclx.avif", 9, 16);
	check_nclx(HEIF "rgb-av1.avif", 2, 2);
	check_nclx(HEIF "rgb.heic", 0, 0);
}

/*
 * --max-pixels is checked against the header first: ispe-20000.heic
 * claims 20000x20000 over a 96x72 picture, so any decode of it would fail
 * otherwise; the limit's message proves no decode ran.
 */
static void
test_codec_heif_max_pixels(void **state)
{
	struct image im;
	struct image_meta meta;
	struct image_info info;
	struct imgpipe_error err;

	(void)state;
	need_heif();
	image_init(&im);
	assert_int_equal(probe_file(HEIF "ispe-20000.heic", &info, &err), 0);
	assert_int_equal(info.w, 20000);
	assert_int_equal(decode_with(HEIF "ispe-20000.heic", MAX_PIXELS,
				     FAIL_ON_TRUNCATED, &im, &meta, NULL, &err),
			 IMGPIPE_ELIMIT);
	assert_non_null(strstr(err.msg, "over --max-pixels"));
	/* rgb.heic has 6912 pixels. */
	assert_int_equal(decode_with(HEIF "rgb.heic", 6911, FAIL_ON_TRUNCATED,
				     &im, &meta, NULL, &err),
			 IMGPIPE_ELIMIT);
	assert_null(meta.icc);
	assert_int_equal(decode_with(HEIF "rgb.heic", 6912, FAIL_ON_TRUNCATED,
				     &im, &meta, NULL, &err),
			 0);
	image_meta_release(&meta);
	/* A side over what --max-pixels allows: libheif refuses it itself. */
	assert_int_equal(decode_with(HEIF "grid.heic", 100, FAIL_ON_TRUNCATED,
				     &im, &meta, NULL, &err),
			 IMGPIPE_ELIMIT);
	/* Over libheif's own 32768 limit: refused when parsed. */
	assert_int_equal(probe_file(HEIF "ispe-100000.heic", &info, &err),
			 IMGPIPE_ELIMIT);
	assert_non_null(strstr(err.msg, "libheif's limits"));
	image_release(&im);
}

/* One line, lower case first, no newline: what follows "PATH: ". */
static void
check_message(const char *what, size_t n, const char *msg)
{
	if (msg[0] == '\0' || strchr(msg, '\n') != NULL)
		fail_msg("%s cut at %zu: message '%s'", what, n, msg);
}

/*
 * A file cut anywhere fails probe or decode with one line, never
 * crashes (ASan watches), at every --fail-on level: libheif is
 * all-or-nothing.
 */
static void
test_codec_heif_truncated(void **state)
{
	static const char *const files[] = { HEIF "rgb.heic", HEIF "grid.heic",
					     HEIF "alpha-av1.avif",
					     HEIF "canon-xmp.heic" };
	struct decode_opts o = { 1, MAX_PIXELS, FAIL_ON_NONE, 0 };
	const struct codec *c;
	struct image_info info;
	struct image_meta meta;
	struct imgpipe_error err;
	struct image im;
	struct blob b;
	size_t n, step;
	int i, rc;

	(void)state;
	need_heif();
	image_init(&im);
	for (i = 0; i < 4; i++) {
		b = load(files[i]);
		c = codec_of(&b);
		step = b.len / 97 + 1;
		for (n = 0; n < b.len; n += n < 64 ? 1 : step) {
			error_clear(&err);
			rc = c->probe(b.data, n, &info, &err);
			if (rc != 0) {
				check_message(files[i], n, err.msg);
				continue;
			}
			image_meta_init(&meta);
			rc = c->decode(b.data, n, &o, &im, &meta, NULL, &err);
			if (rc == 0)
				fail_msg("%s cut at %zu of %zu decodes",
					 files[i], n, b.len);
			check_message(files[i], n, err.msg);
			assert_null(meta.icc);
			assert_null(meta.exif);
		}
		free(b.data);
	}
	error_clear(&err);
	assert_int_equal(probe_file(HEIF "truncated.heic", &info, &err),
			 IMGPIPE_EFORMAT);
	assert_non_null(strstr(err.msg, "corrupt HEIF: "));
	image_release(&im);
}

/*
 * A HEVC stream whose colour matrix code is invalid (found by fuzz_heif):
 * libheif decodes it with a warning, which is the image's warning, and
 * fails it under --fail-on warning.
 */
static void
test_codec_heif_fail_on_warning(void **state)
{
	static const char path[] = "data/regress/heif-bad-vui-nclx.heic";
	struct image im;
	struct image_meta meta;
	struct imgpipe_error err;

	(void)state;
	need_heif();
	image_init(&im);
	assert_int_equal(decode_with(path, MAX_PIXELS, FAIL_ON_ERROR, &im,
				     &meta, NULL, &err),
			 0);
	assert_int_equal(err.code, 0);
	assert_non_null(strstr(err.msg, "corrupt HEIF: "));
	assert_non_null(strstr(err.msg, "NCLX matrix coefficients"));
	image_meta_release(&meta);
	assert_int_equal(decode_with(path, MAX_PIXELS, FAIL_ON_WARNING, &im,
				     &meta, NULL, &err),
			 IMGPIPE_EFORMAT);
	assert_non_null(strstr(err.msg, "NCLX matrix coefficients"));
	assert_null(meta.icc);
	image_release(&im);
}

#if IMGPIPE_HEIF
static int
grid_of(const char *path, uint32_t *w, uint32_t *h)
{
	struct blob b = load(path);
	size_t n;
	int rc;

	/* Cut anywhere, the walk stays inside the bytes (ASan watches). */
	for (n = 0; n < b.len; n += 7)
		(void)heif_grid_size(b.data, n, w, h);
	rc = heif_grid_size(b.data, b.len, w, h);
	free(b.data);
	return rc;
}
#endif

/*
 * The grid box's size is read from the boxes and must be the grid's ispe:
 * libheif 1.15 allocates what the box says and crashes when they differ.
 */
static void
test_codec_heif_grid_box(void **state)
{
	struct image_info info;
	struct imgpipe_error err;
#if IMGPIPE_HEIF
	uint32_t w = 0, h = 0;
#endif

	(void)state;
	need_heif();
#if IMGPIPE_HEIF
	assert_int_equal(grid_of(HEIF "grid.heic", &w, &h), 1);
	assert_int_equal(w, 128);
	assert_int_equal(h, 96);
	assert_int_equal(grid_of(HEIF "canon-xmp.heic", &w, &h), 1);
	assert_int_equal(w, 213);
	assert_int_equal(h, 320);
	assert_int_equal(grid_of(HEIF "rgb.heic", &w, &h), 0);
	assert_int_equal(grid_of(HEIF "rgb-av1.avif", &w, &h), 0);
	assert_int_equal(grid_of(HEIF "grid-lies.heic", &w, &h), 1);
	assert_int_equal(w, 30000);
#endif
	assert_int_equal(probe_file(HEIF "grid-lies.heic", &info, &err),
			 IMGPIPE_EFORMAT);
	assert_string_equal(err.msg,
			    "corrupt HEIF: its grid is 30000x30000, its ispe "
			    "128x96");
}

#if IMGPIPE_HEIF
static size_t
put32(unsigned char *p, size_t at, uint32_t v)
{
	p[at] = (unsigned char)(v >> 24);
	p[at + 1] = (unsigned char)(v >> 16);
	p[at + 2] = (unsigned char)(v >> 8);
	p[at + 3] = (unsigned char)v;
	return at + 4;
}

static size_t
put16(unsigned char *p, size_t at, unsigned v)
{
	p[at] = (unsigned char)(v >> 8);
	p[at + 1] = (unsigned char)v;
	return at + 2;
}

/*
 * ftyp, then a meta box holding pitm (item 1) and an iref whose dimg
 * references are from[i] -> from[i] + 1 for i < n, plus one from last
 * back to back_to when back_to != 0.
 */
static size_t
refs_file(unsigned char *p, int n, unsigned back_to)
{
	size_t at = 0, meta, iref;
	int i;

	at = put32(p, at, 16);
	memcpy(p + at, "ftypheic", 8), at += 8;
	at = put32(p, at, 0);
	meta = at;
	at += 4;
	memcpy(p + at, "meta", 4), at += 4;
	at = put32(p, at, 0);
	at = put32(p, at, 14);
	memcpy(p + at, "pitm", 4), at += 4;
	at = put32(p, at, 0);
	at = put16(p, at, 1);
	iref = at;
	at += 4;
	memcpy(p + at, "iref", 4), at += 4;
	at = put32(p, at, 0);
	for (i = 0; i < n + (back_to != 0); i++) {
		at = put32(p, at, 14);
		memcpy(p + at, "dimg", 4), at += 4;
		at = put16(p, at, (unsigned)(i < n ? i + 1 : n + 1));
		at = put16(p, at, 1);
		at = put16(p, at, i < n ? (unsigned)i + 2 : back_to);
	}
	put32(p, iref, (uint32_t)(at - iref));
	put32(p, meta, (uint32_t)(at - meta));
	return at;
}

static int
refs_of(const char *path)
{
	struct blob b = load(path);
	size_t n;
	int rc;

	for (n = 0; n < b.len; n += 5)
		(void)heif_refs_check(b.data, n);
	rc = heif_refs_check(b.data, b.len);
	free(b.data);
	return rc;
}
#endif

/*
 * libheif 1.15's decoder follows dimg and auxl references recursively
 * without a guard: a cycle (an alpha image whose tile is its own master)
 * took the whole process down with a stack overflow, after starting
 * thousands of decoder threads.  Such files are refused before libheif
 * reads them.
 */
static void
test_codec_heif_refs(void **state)
{
	struct image_info info;
	struct imgpipe_error err;
#if IMGPIPE_HEIF
	unsigned char b[1024];
	size_t n, k;
#endif

	(void)state;
	need_heif();
#if IMGPIPE_HEIF
	assert_int_equal(refs_of(HEIF "grid.heic"), 0);
	assert_int_equal(refs_of(HEIF "alpha.heic"), 0);
	assert_int_equal(refs_of("data/photos/apple-iphone11pro.heic"), 0);
	assert_int_equal(refs_of("data/photos/samsung-galaxys10plus.heic"), 0);
	assert_int_equal(refs_of("data/regress/heif-ref-cycle.heic"), -1);
	/* Eight nested levels are followed; nine, or a loop, are not. */
	assert_int_equal(heif_refs_check(b, refs_file(b, 8, 0)), 0);
	assert_int_equal(heif_refs_check(b, refs_file(b, 9, 0)), -1);
	assert_int_equal(heif_refs_check(b, refs_file(b, 3, 1)), -1);
	assert_int_equal(heif_refs_check(b, refs_file(b, 3, 2)), -1);
	/* A loop that does not reach back to the primary's chain is a loop. */
	n = refs_file(b, 1, 2);
	assert_int_equal(heif_refs_check(b, n), -1);
	for (k = 0; k < n; k++)
		(void)heif_refs_check(b, k);
#endif
	assert_int_equal(probe_file("data/regress/heif-ref-cycle.heic", &info,
				    &err),
			 IMGPIPE_EFORMAT);
	assert_non_null(strstr(err.msg, "item references"));
}

static int
cancel_at_once(void *ctx)
{
	++*(int *)ctx;
	return IMGPIPE_ECANCEL;
}

/* Rows are reported as they are copied out, and the hook can stop it. */
static void
test_codec_heif_hook(void **state)
{
	struct image im;
	struct image_meta meta;
	struct imgpipe_error err;
	int calls = 0;
	struct hook h = { test_count_calls, &calls, 1, 0 };

	(void)state;
	need_heif();
	image_init(&im);
	assert_int_equal(decode_with(HEIF "rgb.heic", MAX_PIXELS,
				     FAIL_ON_TRUNCATED, &im, &meta, &h, &err),
			 0);
	assert_int_equal(calls, im.h);
	image_meta_release(&meta);
	calls = 0;
	h.fn = cancel_at_once;
	h.every_rows = 16;
	assert_int_equal(decode_with(HEIF "iphone-p3-exif.heic", MAX_PIXELS,
				     FAIL_ON_TRUNCATED, &im, &meta, &h, &err),
			 IMGPIPE_ECANCEL);
	assert_int_equal(calls, 1);
	assert_null(meta.icc);
	assert_null(meta.exif);
	image_release(&im);
}

/* HEIF=0: the stand-in names the format and says it is not built. */
static void
test_codec_heif_not_built(void **state)
{
	static const enum codec_id ids[] = { CODEC_HEIC, CODEC_AVIF };
	struct decode_opts o = { 1, MAX_PIXELS, FAIL_ON_TRUNCATED, 0 };
	struct blob b = load(HEIF "rgb-av1.avif");
	const struct codec *c;
	struct image_info info;
	struct image_meta meta;
	struct imgpipe_error err;
	struct image im;
	int i;

	(void)state;
	if (codec_get(CODEC_HEIC)->built) {
		free(b.data);
		skip();
	}
	image_init(&im);
	for (i = 0; i < 2; i++) {
		c = codec_get(ids[i]);
		assert_false(c->built);
		assert_null(c->encode);
		error_clear(&err);
		assert_int_equal(c->probe(b.data, b.len, &info, &err),
				 IMGPIPE_EFORMAT);
		assert_string_equal(
			err.msg,
			"HEIF (HEIC, AVIF) support not built into this imgpipe");
		image_meta_init(&meta);
		assert_int_equal(
			c->decode(b.data, b.len, &o, &im, &meta, NULL, &err),
			IMGPIPE_EFORMAT);
	}
	free(b.data);
	image_release(&im);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_heif_sniff),
		cmocka_unit_test(test_codec_heif_probe_sizes),
		cmocka_unit_test(test_codec_heif_alpha),
		cmocka_unit_test(test_codec_heif_premultiplied),
		cmocka_unit_test(test_codec_heif_high_bit_depth),
		cmocka_unit_test(test_codec_heif_transforms),
		cmocka_unit_test(test_codec_heif_grid),
		cmocka_unit_test(test_codec_heif_grid_box),
		cmocka_unit_test(test_codec_heif_refs),
		cmocka_unit_test(test_codec_heif_metadata),
		cmocka_unit_test(test_codec_heif_nclx),
		cmocka_unit_test(test_codec_heif_max_pixels),
		cmocka_unit_test(test_codec_heif_truncated),
		cmocka_unit_test(test_codec_heif_fail_on_warning),
		cmocka_unit_test(test_codec_heif_hook),
		cmocka_unit_test(test_codec_heif_not_built),
	};

	return cmocka_run_group_tests_name("codec_heif", tests, NULL, NULL);
}
