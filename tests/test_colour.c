/*
 * Unit tests for colour*.c: profile checks, the transforms against values
 * worked out here from the colorimetry, alpha, the fixed-date profiles, the
 * CMYK formula, and the same bytes whatever the row bands.
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

#include <lcms2.h>
#include <png.h>

#include "codec.h"
#include "colour.h"
#include "error.h"
#include "image.h"
#include "stage.h"

#include "helpers.h"

struct fx {
	struct colour_opts o;
	struct colour_cache *cache;
	struct image src, dst;
	struct image_meta meta;
	struct imgpipe_error err;
	char desc[64];
	unsigned char *p3; /* a Display P3 profile */
	size_t p3_len;
};

/* lcms's profile h as malloc()ed bytes. */
static unsigned char *
to_bytes(cmsHPROFILE h, size_t *len)
{
	cmsUInt32Number n = 0;
	unsigned char *p;

	assert_true(cmsSaveProfileToMem(h, NULL, &n));
	p = malloc(n);
	assert_non_null(p);
	assert_true(cmsSaveProfileToMem(h, p, &n));
	cmsCloseProfile(h);
	*len = n;
	return p;
}

static cmsToneCurve *
srgb_trc(void)
{
	static const cmsFloat64Number p[5] = { 2.4, 1.0 / 1.055, 0.055 / 1.055,
					       1.0 / 12.92, 0.04045 };

	return cmsBuildParametricToneCurve(NULL, 4, p);
}

/* Display P3: DCI-P3 primaries, D65, the sRGB curve. */
static unsigned char *
make_p3(size_t *len)
{
	cmsCIExyYTRIPLE prim = { { 0.680, 0.320, 1.0 },
				 { 0.265, 0.690, 1.0 },
				 { 0.150, 0.060, 1.0 } };
	cmsCIExyY d65 = { 0.3127, 0.3290, 1.0 };
	cmsToneCurve *c = srgb_trc();
	cmsToneCurve *trc[3] = { c, c, c };
	unsigned char *p = to_bytes(cmsCreateRGBProfile(&d65, &prim, trc), len);

	cmsFreeToneCurve(c);
	return p;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(colour_opts_setup(&f->o, NULL, NULL, &f->err), 0);
	f->o.intent = COLOUR_INTENT_RELATIVE;
	image_init(&f->src);
	image_init(&f->dst);
	image_meta_init(&f->meta);
	error_clear(&f->err);
	f->p3 = make_p3(&f->p3_len);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	colour_opts_release(&f->o);
	colour_cache_free(f->cache);
	image_release(&f->src);
	image_release(&f->dst);
	image_meta_release(&f->meta);
	free(f->p3);
	free(f);
	return 0;
}

/* meta's profile = a copy of icc (NULL: untagged). */
static void
tag(struct fx *f, const unsigned char *icc, size_t len)
{
	image_meta_release(&f->meta);
	image_meta_init(&f->meta);
	if (icc == NULL)
		return;
	f->meta.icc = malloc(len);
	assert_non_null(f->meta.icc);
	memcpy(f->meta.icc, icc, len);
	f->meta.icc_len = len;
}

/* colour_convert with the fixture; returns its code. */
static int
convert(struct fx *f, const struct stage_runner *runner)
{
	struct colour_req rq = { 1, 0 };

	error_clear(&f->err);
	return colour_convert(&f->o, &rq, &f->meta, &f->src, &f->dst, &f->cache,
			      runner, NULL, 0, f->desc, sizeof(f->desc),
			      &f->err);
}

/* A warning and an untagged image, as for any profile that is ignored. */
static void
check_ignored(struct fx *f, const char *why)
{
	char want[128];

	snprintf(want, sizeof(want), "ICC profile ignored: %s", why);
	assert_int_equal(f->err.code, 0);
	assert_string_equal(f->err.msg, want);
	assert_string_equal(f->desc, "");
}

static void
test_colour_profile_validation(void **state)
{
	struct fx *f = *state;
	unsigned char junk[600];
	size_t i;

	test_fill(&f->src, 4, 4, 3, 100);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 37 + 11);
	f->o.export_mode = EXPORT_KEEP;
	tag(f, junk, sizeof(junk));
	assert_int_equal(convert(f, NULL), 1);
	check_ignored(f, "not a valid profile");
	assert_null(f->meta.icc);
	/* Cut in half: the header says more bytes than there are. */
	tag(f, f->p3, f->p3_len / 2);
	assert_int_equal(convert(f, NULL), 1);
	check_ignored(f, "truncated");
	assert_null(f->meta.icc);
	/* A grey profile on RGB pixels, and an RGB one on grey pixels. */
	tag(f, f->o.grey_icc, f->o.grey_icc_len);
	assert_int_equal(convert(f, NULL), 1);
	check_ignored(f, "grey profile on RGB pixels");
	test_fill(&f->src, 4, 4, 1, 100);
	tag(f, f->p3, f->p3_len);
	assert_int_equal(convert(f, NULL), 1);
	check_ignored(f, "RGB profile on grey pixels");
	/* Under srgb an ignored profile counts as sRGB: tagged, no transform.
	 */
	f->o.export_mode = EXPORT_SRGB;
	test_fill(&f->src, 4, 4, 3, 100);
	tag(f, junk, sizeof(junk));
	assert_int_equal(convert(f, NULL), 1);
	check_ignored(f, "not a valid profile");
	assert_non_null(f->meta.icc);
	assert_int_equal(f->meta.icc_len, f->o.srgb_icc_len);
	assert_memory_equal(f->meta.icc, f->o.srgb_icc, f->o.srgb_icc_len);
}

static unsigned char
mixed(int x, int y, int c, int w, int h, int seed)
{
	(void)w, (void)h;
	return (unsigned char)((x * 7 + y * 13 + c * 101 + seed) * 29);
}

/* A different sRGB profile (lcms's own, v4) through to imgpipe's: equal. */
static void
test_colour_srgb_identity(void **state)
{
	struct fx *f = *state;
	size_t n, i;
	unsigned char *other = to_bytes(cmsCreate_sRGBProfile(), &n);

	f->o.export_mode = EXPORT_SRGB;
	test_paint(&f->src, 64, 64, 3, mixed, 1);
	tag(f, other, n);
	assert_int_equal(convert(f, NULL), 0);
	assert_string_equal(f->err.msg, "");
	assert_non_null(strstr(f->desc, "\xe2\x86\x92 sRGB, relative"));
	assert_int_equal(f->dst.channels, 3);
	for (i = 0; i < (size_t)64 * 64 * 3; i++)
		assert_near(f->dst.data[i], f->src.data[i], 1);
	free(other);
}

static double
srgb_decode(double v)
{
	return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

static double
srgb_encode(double v)
{
	v = v < 0 ? 0 : v > 1 ? 1 : v;
	return v <= 0.0031308 ? 12.92 * v : 1.055 * pow(v, 1 / 2.4) - 0.055;
}

/*
 * Display P3 to sRGB, relative: both have the D65 white, so it is the
 * linear matrix M_sRGB^-1 M_P3 between the curves (clipped).
 */
static void
test_colour_p3_to_srgb(void **state)
{
	static const double m[3][3] = { { 1.2249, -0.2247, 0.0 },
					{ -0.0420, 1.0419, 0.0 },
					{ -0.0197, -0.0786, 1.0979 } };
	static const unsigned char px[][3] = {
		{ 255, 0, 0 },	   { 0, 255, 0 },     { 0, 0, 255 },
		{ 200, 100, 50 },  { 128, 128, 128 }, { 30, 200, 220 },
		{ 240, 230, 210 },
	};
	struct fx *f = *state;
	double lin[3], v;
	size_t i;
	int c, k;

	f->o.export_mode = EXPORT_SRGB;
	assert_int_equal(image_alloc(&f->src, (int)(sizeof(px) / sizeof(px[0])),
				     1, 3, PIXFMT_U8, 0, NULL),
			 0);
	memcpy(f->src.data, px, sizeof(px));
	tag(f, f->p3, f->p3_len);
	assert_int_equal(convert(f, NULL), 0);
	for (i = 0; i < sizeof(px) / sizeof(px[0]); i++) {
		for (c = 0; c < 3; c++)
			lin[c] = srgb_decode(px[i][c] / 255.0);
		for (c = 0; c < 3; c++) {
			for (v = 0, k = 0; k < 3; k++)
				v += m[c][k] * lin[k];
			assert_near(f->dst.data[i * 3 + c],
				    255 * srgb_encode(v), 1.5);
		}
	}
	/* The output says what it is now: imgpipe's sRGB profile. */
	assert_int_equal(f->meta.icc_len, f->o.srgb_icc_len);
	assert_memory_equal(f->meta.icc, f->o.srgb_icc, f->o.srgb_icc_len);
}

/* An RGB profile of primaries prim, white point white and gamma g. */
static unsigned char *
make_rgb(const cmsCIExyYTRIPLE *prim, const cmsCIExyY *white, double g,
	 size_t *len)
{
	cmsToneCurve *c = cmsBuildGamma(NULL, g);
	cmsToneCurve *trc[3] = { c, c, c };
	unsigned char *p = to_bytes(cmsCreateRGBProfile(white, prim, trc), len);

	cmsFreeToneCurve(c);
	return p;
}

/*
 * Matrix-shaper pairs run through imgpipe's tables, not lcms's pixel
 * loop: every colour of a 32-level grid within one level of lcms itself,
 * for P3, Adobe RGB (gamma 2.2) and ProPhoto (D50, gamma 1.8) to sRGB.
 */
static void
test_colour_tables_match_lcms(void **state)
{
	static const cmsCIExyYTRIPLE adobe = { { 0.64, 0.33, 1 },
					       { 0.21, 0.71, 1 },
					       { 0.15, 0.06, 1 } };
	static const cmsCIExyYTRIPLE pro = { { 0.7347, 0.2653, 1 },
					     { 0.1596, 0.8404, 1 },
					     { 0.0366, 0.0001, 1 } };
	static const cmsCIExyY d65 = { 0.3127, 0.3290, 1 };
	struct fx *f = *state;
	unsigned char *prof[3], *want;
	size_t len[3], n = 32 * 32 * 32, i;
	cmsHPROFILE hi, ho;
	cmsHTRANSFORM x;
	int k, worst = 0, d;

	prof[0] = f->p3, len[0] = f->p3_len;
	prof[1] = make_rgb(&adobe, &d65, 2.2, &len[1]);
	prof[2] = make_rgb(&pro, cmsD50_xyY(), 1.8, &len[2]);
	want = malloc(n * 3);
	assert_non_null(want);
	f->o.export_mode = EXPORT_SRGB;
	assert_int_equal(
		image_alloc(&f->src, 32 * 32, 32, 3, PIXFMT_U8, 0, NULL), 0);
	for (i = 0; i < n; i++) {
		f->src.data[i * 3] = (unsigned char)(i % 32 * 255 / 31);
		f->src.data[i * 3 + 1] =
			(unsigned char)(i / 32 % 32 * 255 / 31);
		f->src.data[i * 3 + 2] = (unsigned char)(i / 1024 * 255 / 31);
	}
	for (k = 0; k < 3; k++) {
		hi = cmsOpenProfileFromMem(prof[k], (cmsUInt32Number)len[k]);
		ho = cmsOpenProfileFromMem(f->o.srgb_icc,
					   (cmsUInt32Number)f->o.srgb_icc_len);
		x = cmsCreateTransform(hi, TYPE_RGB_8, ho, TYPE_RGB_8,
				       INTENT_RELATIVE_COLORIMETRIC, 0);
		assert_non_null(x);
		cmsDoTransform(x, f->src.data, want, (cmsUInt32Number)n);
		cmsDeleteTransform(x);
		cmsCloseProfile(hi);
		cmsCloseProfile(ho);
		tag(f, prof[k], len[k]);
		assert_int_equal(convert(f, NULL), 0);
		for (i = 0; i < n * 3; i++) {
			d = abs(f->dst.data[i] - want[i]);
			worst = d > worst ? d : worst;
		}
		if (worst > 1)
			fail_msg("profile %d: %d levels from lcms", k, worst);
	}
	free(prof[1]);
	free(prof[2]);
	free(want);
}

/*
 * keep without the ICC block written (--keep lacking icc): a tagged P3
 * photo is converted to sRGB, so the untagged output still looks right;
 * with it, the profile and pixels go through.
 */
static void
test_colour_keep_without_icc(void **state)
{
	struct fx *f = *state;
	struct colour_req rq = { 0, 0 };

	f->o.export_mode = EXPORT_KEEP;
	test_paint(&f->src, 16, 16, 3, mixed, 9);
	tag(f, f->p3, f->p3_len);
	assert_int_equal(convert(f, NULL), 1);
	assert_memory_equal(f->meta.icc, f->p3, f->p3_len);
	assert_string_equal(f->desc, "");
	tag(f, f->p3, f->p3_len);
	assert_int_equal(colour_convert(&f->o, &rq, &f->meta, &f->src, &f->dst,
					&f->cache, NULL, NULL, 0, f->desc,
					sizeof(f->desc), &f->err),
			 0);
	assert_null(f->meta.icc);
	assert_non_null(strstr(f->desc, " \xe2\x86\x92 sRGB, relative"));
	/* ... and before a channel-mixing op, the same under keep. */
	rq.keep_icc = 1;
	rq.mixing = 1;
	tag(f, f->p3, f->p3_len);
	assert_int_equal(colour_convert(&f->o, &rq, &f->meta, &f->src, &f->dst,
					&f->cache, NULL, NULL, 0, f->desc,
					sizeof(f->desc), &f->err),
			 0);
	assert_memory_equal(f->meta.icc, f->o.srgb_icc, f->o.srgb_icc_len);
	/* grayscale then made it grey: the tag follows. */
	assert_int_equal(colour_fit_tag(&f->o, &f->meta, 1), 0);
	assert_int_equal(f->meta.icc_len, f->o.grey_icc_len);
	assert_memory_equal(f->meta.icc, f->o.grey_icc, f->o.grey_icc_len);
}

/* Alpha is copied, never transformed: RGBA and grey + alpha. */
static void
test_colour_alpha_untouched(void **state)
{
	struct fx *f = *state;
	int ch, i, n = 32 * 32;

	for (ch = 2; ch <= 4; ch += 2) {
		test_paint(&f->src, 32, 32, ch, mixed, ch);
		/* P3 RGBA to sRGB; untagged grey + alpha to a P3 FILE. */
		tag(f, ch == 4 ? f->p3 : NULL, f->p3_len);
		f->o.export_mode = ch == 4 ? EXPORT_SRGB : EXPORT_FILE;
		f->o.export_icc = f->p3;
		f->o.export_icc_len = f->p3_len;
		assert_int_equal(convert(f, NULL), 0);
		assert_int_equal(f->dst.channels, 4);
		for (i = 0; i < n; i++)
			assert_int_equal(f->dst.data[i * 4 + 3],
					 f->src.data[i * ch + ch - 1]);
	}
	f->o.export_icc = NULL;
	f->o.export_icc_len = 0;
}

/* Two profiles made apart are the same bytes, dated 2024-01-01. */
static void
test_colour_fixed_profiles(void **state)
{
	unsigned char *a, *b;
	size_t an, bn;
	int grey;
	cmsHPROFILE h;

	(void)state;
	for (grey = 0; grey <= 1; grey++) {
		assert_int_equal(colour_make_profile(grey, &a, &an), 0);
		assert_int_equal(colour_make_profile(grey, &b, &bn), 0);
		assert_int_equal(an, bn);
		assert_memory_equal(a, b, an);
		assert_true(an < 1024); /* compact */
		assert_int_equal(a[24] << 8 | a[25], 2024);
		assert_int_equal(a[27], 1);
		assert_int_equal(a[29], 1);
		h = cmsOpenProfileFromMem(a, (cmsUInt32Number)an);
		assert_non_null(h);
		assert_true(cmsGetColorSpace(h) ==
			    (grey ? cmsSigGrayData : cmsSigRgbData));
		cmsCloseProfile(h);
		free(a);
		free(b);
	}
}

/* R = (1 - C)(1 - K) rounded, for every C and K, plain and inverted. */
static void
test_colour_cmyk_formula(void **state)
{
	unsigned char px[4], rgb[3];
	unsigned c, k, want;
	int inv;

	(void)state;
	for (inv = 0; inv <= 1; inv++) {
		for (c = 0; c < 256; c++) {
			for (k = 0; k < 256; k++) {
				px[0] = px[1] = px[2] = (unsigned char)c;
				px[3] = (unsigned char)k;
				colour_cmyk_formula(px, rgb, 1, inv);
				want = inv ? (c * k + 127) / 255
					   : ((255 - c) * (255 - k) + 127) /
						       255;
				assert_int_equal(rgb[0], want);
				assert_int_equal(rgb[2], want);
			}
		}
	}
}

/* Untagged CMYK under keep: the formula, untagged, as before profiles. */
static void
test_colour_cmyk_untagged(void **state)
{
	struct fx *f = *state;
	unsigned char want[3];

	f->o.export_mode = EXPORT_KEEP;
	test_paint(&f->src, 8, 8, 4, mixed, 3);
	tag(f, NULL, 0);
	f->meta.cmyk = 1;
	assert_int_equal(convert(f, NULL), 0);
	assert_int_equal(f->dst.channels, 3);
	colour_cmyk_formula(image_row(&f->src, 5) + 4 * 6, want, 1, 0);
	assert_memory_equal(image_row(&f->dst, 5) + 3 * 6, want, 3);
	assert_null(f->meta.icc);
	assert_int_equal(f->meta.cmyk, 0);
}

/* Untagged CMYK to a FILE profile: the formula, then sRGB to FILE. */
static void
test_colour_cmyk_untagged_to_file(void **state)
{
	struct fx *f = *state;
	struct image rgb, want;
	int y;

	image_init(&rgb);
	image_init(&want);
	f->o.export_mode = EXPORT_FILE;
	f->o.export_icc = f->p3;
	f->o.export_icc_len = f->p3_len;
	test_paint(&f->src, 16, 8, 4, mixed, 7);
	assert_int_equal(image_alloc(&rgb, 16, 8, 3, PIXFMT_U8, 0, NULL), 0);
	for (y = 0; y < 8; y++)
		colour_cmyk_formula(image_row(&f->src, y), image_row(&rgb, y),
				    16, 1);
	tag(f, NULL, 0);
	f->meta.cmyk = f->meta.cmyk_inverted = 1;
	assert_int_equal(convert(f, NULL), 0);
	image_swap(&want, &f->dst);
	/* The same pixels as RGB taken for sRGB, converted to P3. */
	image_swap(&f->src, &rgb);
	tag(f, NULL, 0);
	assert_int_equal(convert(f, NULL), 0);
	assert_true(test_same_image(&want, &f->dst));
	assert_memory_equal(f->meta.icc, f->p3, f->p3_len);
	f->o.export_icc = NULL;
	f->o.export_icc_len = 0;
	image_release(&rgb);
	image_release(&want);
}

/*
 * A 16-bit PNG without a transform: the colour step's reduction gives the
 * bytes libpng's png_set_scale_16 gives, for every one of the 65536 values.
 */
static void
test_colour_reduce16_as_libpng(void **state)
{
	struct fx *f = *state;
	png_image pi;
	uint16_t *px = malloc(65536 * sizeof(*px));
	png_alloc_size_t n = 0;
	unsigned char *png;
	struct decode_opts o8 = { 1, 0, FAIL_ON_TRUNCATED, 0 };
	struct decode_opts o16 = { 1, 0, FAIL_ON_TRUNCATED, 1 };
	struct image eight;
	struct image_meta m8;
	int v;

	assert_non_null(px);
	for (v = 0; v < 65536; v++)
		px[v] = (uint16_t)v;
	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	pi.width = pi.height = 256;
	pi.format = PNG_FORMAT_LINEAR_Y;
	assert_true(png_image_write_get_memory_size(pi, n, 0, px, 0, NULL));
	png = malloc(n);
	assert_non_null(png);
	assert_true(png_image_write_to_memory(&pi, png, &n, 0, px, 0, NULL));
	image_init(&eight);
	assert_int_equal(
		codec_png.decode(png, n, &o8, &eight, &m8, NULL, &f->err), 0);
	image_meta_release(&m8);
	image_meta_release(&f->meta);
	assert_int_equal(codec_png.decode(png, n, &o16, &f->src, &f->meta, NULL,
					  &f->err),
			 0);
	assert_int_equal(f->src.fmt, PIXFMT_U16);
	f->o.export_mode = EXPORT_KEEP;
	assert_int_equal(convert(f, NULL), 0);
	assert_int_equal(f->dst.fmt, PIXFMT_U8);
	assert_true(test_same_image(&eight, &f->dst));
	image_release(&eight);
	free(png);
	free(px);
}

/* A runner that runs bands of 3 rows, last band first. */
static int
odd_bands(void *ctx, const struct stage *st, struct hook *hook)
{
	int y;

	(void)ctx, (void)hook;
	for (y = (st->dst->h - 1) / 3 * 3; y >= 0; y -= 3)
		st->rows(st, y, y + 3 < st->dst->h ? y + 3 : st->dst->h);
	return 0;
}

/* Pointwise: the same bytes whatever the bands (--split rows). */
static void
test_colour_bands(void **state)
{
	static const struct stage_runner runner = { .run = odd_bands };
	struct fx *f = *state;
	struct image first;

	image_init(&first);
	f->o.export_mode = EXPORT_SRGB;
	test_paint(&f->src, 37, 29, 4, mixed, 5);
	tag(f, f->p3, f->p3_len);
	assert_int_equal(convert(f, NULL), 0);
	image_swap(&first, &f->dst);
	tag(f, f->p3, f->p3_len);
	assert_int_equal(convert(f, &runner), 0);
	assert_true(test_same_image(&first, &f->dst));
	image_release(&first);
}

/* A grey image with a grey profile goes to imgpipe's grey sRGB. */
static void
test_colour_grey(void **state)
{
	struct fx *f = *state;
	cmsToneCurve *g = cmsBuildGamma(NULL, 1.8);
	size_t n;
	unsigned char *grey18 =
		to_bytes(cmsCreateGrayProfile(cmsD50_xyY(), g), &n);
	int v;

	cmsFreeToneCurve(g);
	f->o.export_mode = EXPORT_SRGB;
	assert_int_equal(image_alloc(&f->src, 256, 1, 1, PIXFMT_U8, 0, NULL),
			 0);
	for (v = 0; v < 256; v++)
		f->src.data[v] = (unsigned char)v;
	tag(f, grey18, n);
	assert_int_equal(convert(f, NULL), 0);
	assert_int_equal(f->dst.channels, 1);
	/* gamma 1.8 to the sRGB curve, value by value. */
	for (v = 0; v < 256; v++)
		assert_near(f->dst.data[v],
			    255 * srgb_encode(pow(v / 255.0, 1.8)), 1.5);
	assert_memory_equal(f->meta.icc, f->o.grey_icc, f->o.grey_icc_len);
	free(grey18);
}

/* The description lcms reads from an RGB profile's bytes. */
static void
profile_desc(const unsigned char *icc, size_t len, char *buf, size_t n)
{
	cmsHPROFILE h = cmsOpenProfileFromMem(icc, (cmsUInt32Number)len);

	assert_non_null(h);
	assert_int_equal(cmsGetColorSpace(h), cmsSigRgbData);
	assert_true(cmsGetProfileInfoASCII(h, cmsInfoDescription, "en", "US",
					   buf, (cmsUInt32Number)n) > 0);
	cmsCloseProfile(h);
}

/* nclx codes and the profile each stands for (NULL: sRGB, none needed). */
static void
check_nclx(int prim, int trc, const char *desc, const char *why)
{
	unsigned char *icc = (unsigned char *)"", *again = NULL;
	const char *w = "unset";
	size_t n = 1, n2 = 0;
	char buf[64];

	assert_int_equal(colour_nclx_profile(prim, trc, &icc, &n, &w), 0);
	if (why == NULL)
		assert_null(w);
	else
		assert_string_equal(w, why);
	if (desc == NULL) {
		assert_null(icc);
		assert_int_equal(n, 0);
		return;
	}
	assert_non_null(icc);
	profile_desc(icc, n, buf, sizeof(buf));
	assert_string_equal(buf, desc);
	/* Made with a fixed date: the same bytes every time. */
	assert_int_equal(colour_nclx_profile(prim, trc, &again, &n2, &w), 0);
	assert_int_equal(n2, n);
	assert_memory_equal(again, icc, n);
	free(icc);
	free(again);
}

static void
test_colour_nclx_profiles(void **state)
{
	(void)state;
	/* sRGB's primaries with an SDR curve: untagged already means it. */
	check_nclx(1, 13, NULL, NULL);
	check_nclx(1, 1, NULL, NULL);
	check_nclx(2, 2, NULL, NULL);
	check_nclx(1, 6, NULL, NULL);
	check_nclx(12, 13, "Display P3 (nclx)", NULL);
	check_nclx(12, 1, "Display P3 (nclx)", NULL);
	check_nclx(9, 14, "BT.2020 (nclx)", NULL);
	check_nclx(11, 13, "DCI-P3 (nclx)", NULL);
	check_nclx(9, 16, "BT.2020 (nclx)", "HDR transfer (PQ) treated as SDR");
	check_nclx(9, 18, "BT.2020 (nclx)",
		   "HDR transfer (HLG) treated as SDR");
	check_nclx(1, 8, "BT.709, gamma 1.0 (nclx)", NULL);
	check_nclx(1, 4, "BT.709, gamma 2.2 (nclx)", NULL);
	check_nclx(10, 13, NULL, "unsupported nclx primaries treated as sRGB");
	check_nclx(12, 99, "Display P3 (nclx)",
		   "unsupported nclx transfer treated as sRGB");
}

/*
 * An nclx Display P3 image is converted as one with a Display P3 ICC
 * profile is, and under keep its profile is what the output carries.
 */
static void
test_colour_nclx_convert(void **state)
{
	struct fx *f = *state;
	struct image by_icc;
	char buf[64];
	int rc;

	image_init(&by_icc);
	f->o.export_mode = EXPORT_SRGB;
	test_paint(&f->src, 16, 4, 3, mixed, 3);
	tag(f, f->p3, f->p3_len);
	assert_int_equal(convert(f, NULL), 0);
	image_swap(&by_icc, &f->dst);
	tag(f, NULL, 0);
	f->meta.nclx_primaries = 12;
	f->meta.nclx_transfer = 13;
	assert_int_equal(convert(f, NULL), 0);
	assert_true(test_psnr(&by_icc, &f->dst) > 50);
	assert_string_equal(f->desc, "Display P3 (nclx) \xe2\x86\x92 sRGB, "
				     "relative");
	assert_memory_equal(f->meta.icc, f->o.srgb_icc, f->o.srgb_icc_len);
	assert_int_equal(f->meta.nclx_primaries, 0);
	assert_string_equal(f->err.msg, "");

	/* keep: no transform, and the profile made of the codes is the tag. */
	f->o.export_mode = EXPORT_KEEP;
	tag(f, NULL, 0);
	f->meta.nclx_primaries = 9;
	f->meta.nclx_transfer = 16;
	rc = convert(f, NULL);
	assert_int_equal(rc, 1);
	assert_non_null(f->meta.icc);
	profile_desc(f->meta.icc, f->meta.icc_len, buf, sizeof(buf));
	assert_string_equal(buf, "BT.2020 (nclx)");
	assert_string_equal(f->err.msg, "HDR transfer (PQ) treated as SDR");
	assert_int_equal(f->err.code, 0);
	image_release(&by_icc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_colour_profile_validation,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_colour_srgb_identity,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_colour_p3_to_srgb, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_colour_tables_match_lcms,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_colour_keep_without_icc,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_colour_alpha_untouched,
						setup, teardown),
		cmocka_unit_test(test_colour_fixed_profiles),
		cmocka_unit_test(test_colour_cmyk_formula),
		cmocka_unit_test_setup_teardown(test_colour_cmyk_untagged,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_colour_cmyk_untagged_to_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_colour_reduce16_as_libpng,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_colour_bands, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_colour_grey, setup,
						teardown),
		cmocka_unit_test(test_colour_nclx_profiles),
		cmocka_unit_test_setup_teardown(test_colour_nclx_convert, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("colour", tests, NULL, NULL);
}
