/*
 * The WebP codec through its codec.h interface: probe, decode (scaled,
 * alpha, animated, truncated, over --max-pixels), the metadata chunks and
 * encode.  In a WEBP=0 build every test but the "not built" one is
 * skipped, and that one checks the registry's stand-in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "error.h"
#include "exif.h"
#include "hook.h"
#include "image.h"
#include "membuf.h"
#include "metafix.h"

#include "helpers.h"

#define DATA	   "data/webp/"
#define MAX_PIXELS 100000000u

static const struct codec *
webp(void)
{
	const struct codec *c = codec_get(CODEC_WEBP);

	assert_non_null(c);
	if (!c->built)
		skip();
	return c;
}

/* A file of tests/data/webp/. */
static struct blob
load_webp(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), DATA "%s", name);
	return load(path);
}

static int
decode(const struct blob *b, size_t len, int denom, enum fail_on fail_on,
       struct image *im, struct image_meta *meta, struct hook *hook,
       struct imgpipe_error *err)
{
	struct decode_opts o = { denom, MAX_PIXELS, fail_on, 0 };

	error_clear(err);
	return webp()->decode(b->data, len, &o, im, meta, hook, err);
}

/* Decode a whole file that must decode: 0 and no warning but want. */
static void
decode_ok(const char *name, int denom, struct image *im,
	  struct image_meta *meta, const char *want_warning)
{
	struct imgpipe_error err;
	struct blob b = load_webp(name);

	image_init(im);
	if (decode(&b, b.len, denom, FAIL_ON_TRUNCATED, im, meta, NULL, &err) !=
	    0)
		fail_msg("%s: %s", name, err.msg);
	assert_string_equal(err.msg, want_warning);
	free(b.data);
}

static void
probe_case(const char *name, int w, int h, int ch, int orientation)
{
	struct image_info info;
	struct imgpipe_error err;
	struct blob b = load_webp(name);

	error_clear(&err);
	assert_int_equal(webp()->probe(b.data, b.len, &info, &err), 0);
	assert_int_equal(info.w, w);
	assert_int_equal(info.h, h);
	assert_int_equal(info.channels, ch);
	assert_int_equal(info.orientation, orientation);
	free(b.data);
}

static void
test_codec_webp_probe(void **state)
{
	(void)state;
	probe_case("lossy.webp", 301, 169, 3, 1);
	probe_case("lossless.webp", 97, 61, 3, 1);
	probe_case("alpha.webp", 225, 165, 4, 1);
	probe_case("alpha-lossless.webp", 75, 55, 4, 1);
	probe_case("meta.webp", 151, 101, 3, 6);
	probe_case("exif-header.webp", 301, 169, 3, 6);
	probe_case("animated.webp", 301, 169, 3, 1);
	/* The canvas around a smaller first frame stays transparent. */
	probe_case("animated-offset.webp", 301, 169, 4, 1);
}

/* A busy picture of ch = seed channels, its alpha (last) a ramp. */
static unsigned char
pattern(int x, int y, int c, int w, int h, int seed)
{
	(void)h;
	if ((seed == 2 && c == 1) || (seed == 4 && c == 3))
		return (unsigned char)(x * 255 / (w - 1));
	return (unsigned char)((x * 3 + y * 5 + c * 70 + seed) % 256);
}

/* Noise: what compresses worst, for a file of many decoder slices. */
static unsigned char
noise(int x, int y, int c, int w, int h, int seed)
{
	uint32_t v = (uint32_t)(x + y * w + c * w * h + seed) * 2654435761u;

	return (unsigned char)(v >> 24);
}

/* A smooth picture, as photos are, for the lossy codec. */
static unsigned char
smooth(int x, int y, int c, int w, int h, int seed)
{
	(void)seed;
	if (c == 3)
		return (unsigned char)(64 + x * 191 / (w - 1));
	return (unsigned char)(x * 150 / w + y * 50 / h + c * 30);
}

static void
encode(const struct image *im, const struct image_meta *meta, int quality,
       int lossless, int effort, struct membuf *out)
{
	struct encode_opts o = ENCODE_OPTS_DEFAULT;
	struct imgpipe_error err;

	o.quality = quality;
	o.lossless = lossless;
	o.effort = effort;
	membuf_init(out);
	error_clear(&err);
	if (webp()->encode(im, meta, &o, out, NULL, &err) != 0)
		fail_msg("encode: %s", err.msg);
	assert_true(out->len > 12);
	assert_memory_equal(out->data, "RIFF", 4);
}

static void
redecode(const struct membuf *m, struct image *im, struct image_meta *meta)
{
	struct blob b = { m->data, m->len };
	struct imgpipe_error err;

	image_init(im);
	if (decode(&b, b.len, 1, FAIL_ON_TRUNCATED, im, meta, NULL, &err) != 0)
		fail_msg("decode: %s", err.msg);
	assert_string_equal(err.msg, "");
}

/* Lossless: every sample back; grey comes back as R = G = B. */
static void
lossless_case(int ch)
{
	struct image src, got;
	struct image_meta meta;
	struct membuf out;
	int x, y, c, oc;

	image_init(&src);
	test_paint(&src, 37, 23, ch, pattern, ch);
	encode(&src, NULL, 0, 1, -1, &out);
	redecode(&out, &got, &meta);
	oc = ch == 2 || ch == 4 ? 4 : 3;
	assert_int_equal(got.w, 37);
	assert_int_equal(got.h, 23);
	assert_int_equal(got.channels, oc);
	for (y = 0; y < src.h; y++)
		for (x = 0; x < src.w; x++)
			for (c = 0; c < oc; c++) {
				int sc = ch >= 3 ? c : c == 3 ? ch - 1 : 0;
				assert_int_equal(
					image_row(&got, y)[x * oc + c],
					image_row(&src, y)[x * ch + sc]);
			}
	image_meta_release(&meta);
	membuf_release(&out);
	image_release(&src);
	image_release(&got);
}

static void
test_codec_webp_lossless_exact(void **state)
{
	(void)state;
	lossless_case(1);
	lossless_case(2);
	lossless_case(3);
	lossless_case(4);
}

static void
test_codec_webp_lossy_psnr(void **state)
{
	struct image src, got;
	struct image_meta meta;
	struct membuf out;

	(void)state;
	image_init(&src);
	test_paint(&src, 160, 120, 3, smooth, 0);
	encode(&src, NULL, 0, 0, -1, &out);
	redecode(&out, &got, &meta);
	assert_int_equal(got.channels, 3);
	if (test_psnr(&src, &got) < 38.0)
		fail_msg("PSNR %.2f dB at the default quality",
			 test_psnr(&src, &got));
	image_meta_release(&meta);
	membuf_release(&out);
	image_release(&src);
	image_release(&got);
}

/* Lossy with alpha: the alpha plane is coded losslessly (alpha_q 100). */
static void
test_codec_webp_alpha(void **state)
{
	struct image src, got, dec;
	struct image_meta meta;
	struct membuf out;
	int x, y;

	(void)state;
	image_init(&src);
	test_paint(&src, 64, 48, 4, smooth, 0);
	encode(&src, NULL, 75, 0, -1, &out);
	redecode(&out, &got, &meta);
	assert_int_equal(got.channels, 4);
	for (y = 0; y < src.h; y++)
		for (x = 0; x < src.w; x++)
			assert_int_equal(image_row(&got, y)[x * 4 + 3],
					 image_row(&src, y)[x * 4 + 3]);
	image_meta_release(&meta);
	decode_ok("alpha.webp", 1, &dec, &meta, "");
	assert_int_equal(dec.channels, 4);
	/* The sample's vignette: transparent corner, opaque middle. */
	assert_int_equal(image_row(&dec, 0)[3], 0);
	assert_int_equal(image_row(&dec, dec.h / 2)[dec.w / 2 * 4 + 3], 255);
	image_meta_release(&meta);
	membuf_release(&out);
	image_release(&src);
	image_release(&got);
	image_release(&dec);
}

static void
scaled_case(const char *name, int d, int w, int h, const char *warning)
{
	struct image im, full;
	struct image_meta meta;

	decode_ok(name, d, &im, &meta, warning);
	image_meta_release(&meta);
	assert_int_equal(im.w, w);
	assert_int_equal(im.h, h);
	decode_ok(name, 1, &full, &meta, warning);
	image_meta_release(&meta);
	assert_int_equal(im.channels, full.channels);
	image_release(&im);
	image_release(&full);
}

static void
test_codec_webp_scaled(void **state)
{
	(void)state;
	scaled_case("lossy.webp", 1, 301, 169, "");
	scaled_case("lossy.webp", 2, 151, 85, "");
	scaled_case("lossy.webp", 4, 76, 43, "");
	scaled_case("lossy.webp", 8, 38, 22, "");
	scaled_case("lossless.webp", 2, 49, 31, "");
	scaled_case("lossless.webp", 4, 25, 16, "");
	scaled_case("lossless.webp", 8, 13, 8, "");
	scaled_case("alpha.webp", 8, 29, 21, "");
	/* Other factors are not WebP's: full size. */
	scaled_case("lossy.webp", 3, 301, 169, "");
	/* A frame smaller than its canvas is decoded at full size. */
	scaled_case("animated-offset.webp", 2, 301, 169,
		    "animated WebP: only the first frame kept");
}

/* The blocks of a file, then of its re-encoding: the same bytes. */
static void
test_codec_webp_metadata(void **state)
{
	struct image im, again;
	struct image_meta meta, meta2;
	struct membuf out;

	(void)state;
	decode_ok("meta.webp", 1, &im, &meta, "");
	assert_non_null(meta.icc);
	assert_true(meta.icc_len > 128);
	assert_memory_equal(meta.icc + 36, "acsp", 4);
	assert_non_null(meta.exif);
	assert_memory_equal(meta.exif, "MM", 2);
	assert_int_equal(exif_orientation(meta.exif, meta.exif_len), 6);
	assert_non_null(meta.xmp);
	assert_non_null(strstr((const char *)meta.xmp, "imgpipe WebP test"));
	encode(&im, &meta, 0, 0, -1, &out);
	redecode(&out, &again, &meta2);
	assert_int_equal(meta2.icc_len, meta.icc_len);
	assert_memory_equal(meta2.icc, meta.icc, meta.icc_len);
	assert_int_equal(meta2.exif_len, meta.exif_len);
	assert_memory_equal(meta2.exif, meta.exif, meta.exif_len);
	assert_int_equal(meta2.xmp_len, meta.xmp_len);
	assert_memory_equal(meta2.xmp, meta.xmp, meta.xmp_len);
	image_meta_release(&meta);
	image_meta_release(&meta2);
	image_release(&again);
	membuf_release(&out);
	image_release(&im);
	/* "Exif\0\0" before the TIFF structure is not part of the block. */
	decode_ok("exif-header.webp", 1, &im, &meta, "");
	assert_non_null(meta.exif);
	assert_memory_equal(meta.exif, "MM", 2);
	assert_int_equal(exif_orientation(meta.exif, meta.exif_len), 6);
	image_meta_release(&meta);
	image_release(&im);
}

static void
test_codec_webp_animated(void **state)
{
	static const char warn[] = "animated WebP: only the first frame kept";
	struct image im, still, frame;
	struct image_meta meta;
	int x, y, c;

	(void)state;
	decode_ok("animated.webp", 1, &im, &meta, warn);
	image_meta_release(&meta);
	decode_ok("lossy.webp", 1, &still, &meta, "");
	image_meta_release(&meta);
	/* The first frame is lossy.webp re-encoded: close, not equal. */
	if (test_psnr(&still, &im) < 28.0)
		fail_msg("first frame: PSNR %.2f dB against its source",
			 test_psnr(&still, &im));
	image_release(&im);
	/* A 97x61 lossless frame at +10+20: exact, bare canvas around. */
	decode_ok("animated-offset.webp", 1, &im, &meta, warn);
	image_meta_release(&meta);
	decode_ok("lossless.webp", 1, &frame, &meta, "");
	image_meta_release(&meta);
	assert_int_equal(im.channels, 4);
	for (y = 0; y < im.h; y++)
		for (x = 0; x < im.w; x++) {
			const unsigned char *p = image_row(&im, y) + x * 4;
			int in = x >= 10 && x < 107 && y >= 20 && y < 81;

			assert_int_equal(p[3], in ? 255 : 0);
			for (c = 0; in && c < 3; c++)
				assert_int_equal(
					p[c],
					image_row(&frame,
						  y - 20)[(x - 10) * 3 + c]);
		}
	image_release(&im);
	image_release(&still);
	image_release(&frame);
}

/*
 * Every file cut at several lengths: probe and decode fail with a message
 * (never a crash); under --fail-on none a decode that had rows keeps
 * them, says "truncated", and has the full size.
 */
static void
truncated_case(const char *name)
{
	struct blob b = load_webp(name);
	size_t cuts[] = { 8,
			  12,
			  16,
			  20,
			  30,
			  40,
			  64,
			  200,
			  b.len / 4,
			  b.len / 2,
			  b.len * 3 / 4,
			  b.len - 1 };
	struct image_info full, info;
	struct imgpipe_error err;
	struct image_meta meta;
	struct image im;
	size_t i;
	int rc, kept = 0;

	error_clear(&err);
	assert_int_equal(webp()->probe(b.data, b.len, &full, &err), 0);
	image_init(&im);
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		if (cuts[i] >= b.len)
			continue;
		error_clear(&err);
		if (webp()->probe(b.data, cuts[i], &info, &err) != 0)
			assert_true(err.msg[0] != '\0');
		rc = decode(&b, cuts[i], 1, FAIL_ON_TRUNCATED, &im, &meta, NULL,
			    &err);
		if (rc == 0)
			fail_msg("%s cut at %zu: decoded", name, cuts[i]);
		assert_int_equal(rc, IMGPIPE_EFORMAT);
		assert_true(err.msg[0] != '\0');
		rc = decode(&b, cuts[i], 1, FAIL_ON_NONE, &im, &meta, NULL,
			    &err);
		if (rc == 0) {
			assert_non_null(strstr(err.msg, "WebP data"));
			assert_int_equal(im.w, full.w);
			assert_int_equal(im.h, full.h);
			image_meta_release(&meta);
			kept++;
		} else {
			assert_true(err.msg[0] != '\0');
		}
	}
	/* The last cuts leave rows to keep. */
	if (kept == 0)
		fail_msg("%s: no cut kept its rows under --fail-on none", name);
	image_release(&im);
	free(b.data);
}

static void
test_codec_webp_truncated(void **state)
{
	(void)state;
	truncated_case("lossy.webp");
	truncated_case("lossless.webp");
	truncated_case("alpha.webp");
	truncated_case("meta.webp");
	truncated_case("animated.webp");
	truncated_case("animated-offset.webp");
}

/* A bare lossless header: 16384 x 16384, and a few bytes of nothing. */
static void
test_codec_webp_huge_canvas(void **state)
{
	unsigned char f[40] = "RIFF\0\0\0\0WEBPVP8L";
	uint32_t bits = 16383u | 16383u << 14;
	struct blob b = { f, sizeof(f) };
	struct image_info info;
	struct imgpipe_error err;
	struct image_meta meta;
	struct image im;

	(void)state;
	f[4] = sizeof(f) - 8;
	f[16] = sizeof(f) - 20;
	f[20] = 0x2f;
	f[21] = (unsigned char)bits;
	f[22] = (unsigned char)(bits >> 8);
	f[23] = (unsigned char)(bits >> 16);
	f[24] = (unsigned char)(bits >> 24);
	error_clear(&err);
	assert_int_equal(webp()->probe(f, sizeof(f), &info, &err), 0);
	assert_int_equal(info.w, 16384);
	assert_int_equal(info.h, 16384);
	image_init(&im);
	assert_int_equal(
		decode(&b, b.len, 1, FAIL_ON_NONE, &im, &meta, NULL, &err),
		IMGPIPE_ELIMIT);
	assert_non_null(strstr(err.msg, "16384x16384"));
	/* Refused from the header: nothing was allocated. */
	assert_null(im.data);
}

/* A chunk over its limit (metafix.h) is left out, with a warning. */
static void
test_codec_webp_meta_limit(void **state)
{
	struct image im, got;
	struct image_meta meta, back;
	struct imgpipe_error err;
	struct membuf out;
	struct blob b;

	(void)state;
	image_init(&im);
	test_fill(&im, 16, 16, 3, 100);
	image_meta_init(&meta);
	meta.xmp_len = META_XMP_MAX + 1;
	meta.xmp = malloc(meta.xmp_len);
	assert_non_null(meta.xmp);
	memset(meta.xmp, ' ', meta.xmp_len);
	encode(&im, &meta, 0, 0, -1, &out);
	b.data = out.data;
	b.len = out.len;
	image_init(&got);
	assert_int_equal(
		decode(&b, b.len, 1, FAIL_ON_WARNING, &got, &back, NULL, &err),
		0);
	assert_null(back.xmp);
	assert_non_null(strstr(err.msg, "XMP dropped: 1048577 bytes"));
	image_meta_release(&back);
	image_meta_release(&meta);
	membuf_release(&out);
	image_release(&im);
	image_release(&got);
}

struct cancel {
	int calls, stop_after;
};

static int
cancel_hook(void *ctx)
{
	struct cancel *c = ctx;

	return ++c->calls >= c->stop_after ? IMGPIPE_ECANCEL : 0;
}

/* Rows reach the hook while decoding and encoding; it can stop both. */
static void
test_codec_webp_hook(void **state)
{
	struct cancel cn = { 0, 1000000 };
	struct hook h = { cancel_hook, &cn, 8, 0 };
	struct encode_opts o = ENCODE_OPTS_DEFAULT;
	struct blob b = load_webp("lossy.webp");
	struct imgpipe_error err;
	struct image_meta meta;
	struct image im, src;
	struct membuf out;

	(void)state;
	image_init(&im);
	assert_int_equal(
		decode(&b, b.len, 1, FAIL_ON_TRUNCATED, &im, &meta, &h, &err),
		0);
	image_meta_release(&meta);
	assert_true(cn.calls > 0);
	cn.calls = 0;
	cn.stop_after = 1;
	assert_int_equal(
		decode(&b, b.len, 1, FAIL_ON_TRUNCATED, &im, &meta, &h, &err),
		IMGPIPE_ECANCEL);
	image_init(&src);
	test_paint(&src, 300, 200, 3, smooth, 0);
	membuf_init(&out);
	cn.calls = 0;
	cn.stop_after = 1000000;
	h.pending = 0;
	assert_int_equal(webp()->encode(&src, NULL, &o, &out, &h, &err), 0);
	assert_true(cn.calls >= 200 / 8 / 2);
	cn.calls = 0;
	cn.stop_after = 2;
	h.pending = 0;
	out.len = 0;
	assert_int_equal(webp()->encode(&src, NULL, &o, &out, &h, &err),
			 IMGPIPE_ECANCEL);
	assert_int_equal(out.len, 0);
	membuf_release(&out);
	image_release(&src);
	image_release(&im);
	free(b.data);
}

/*
 * A file of several decoder slices reaches the hook more than once while
 * it decodes (a single report at the end would call it once): coop can
 * yield inside a WebP decode.
 */
static void
test_codec_webp_hook_during_decode(void **state)
{
	struct cancel cn = { 0, 1000000 };
	struct hook h = { cancel_hook, &cn, 8, 0 };
	struct image_meta meta;
	struct image src, im;
	struct membuf out;
	struct blob b;

	(void)state;
	image_init(&src);
	test_paint(&src, 640, 480, 3, noise, 0);
	encode(&src, NULL, 100, 0, -1, &out);
	if (out.len <= ((size_t)192 << 10))
		fail_msg("only %zu bytes", out.len);
	b.data = out.data;
	b.len = out.len;
	image_init(&im);
	assert_int_equal(
		decode(&b, b.len, 1, FAIL_ON_TRUNCATED, &im, &meta, &h, NULL),
		0);
	image_meta_release(&meta);
	if (cn.calls < 2)
		fail_msg("%d hook call(s) in a %zu-byte decode", cn.calls,
			 out.len);
	membuf_release(&out);
	image_release(&src);
	image_release(&im);
}

/* The same input gives the same bytes; -q and --effort change them. */
static void
test_codec_webp_options(void **state)
{
	struct membuf a, again, q, e, l9, l0;
	struct image src;

	(void)state;
	image_init(&src);
	test_paint(&src, 120, 90, 3, smooth, 0);
	encode(&src, NULL, 0, 0, -1, &a);
	encode(&src, NULL, 0, 0, -1, &again);
	assert_int_equal(a.len, again.len);
	assert_memory_equal(a.data, again.data, a.len);
	encode(&src, NULL, 30, 0, -1, &q);
	assert_true(q.len < a.len);
	encode(&src, NULL, 0, 0, 0, &e);
	assert_false(e.len == a.len && memcmp(e.data, a.data, a.len) == 0);
	/* Effort 6 is method 4, the default: the same bytes. */
	membuf_release(&e);
	encode(&src, NULL, 0, 0, 6, &e);
	assert_int_equal(e.len, a.len);
	assert_memory_equal(e.data, a.data, a.len);
	encode(&src, NULL, 0, 1, 0, &l0);
	encode(&src, NULL, 0, 1, 9, &l9);
	assert_memory_equal(l0.data + 12, "VP8L", 4);
	assert_true(l9.len <= l0.len);
	membuf_release(&a);
	membuf_release(&again);
	membuf_release(&q);
	membuf_release(&e);
	membuf_release(&l0);
	membuf_release(&l9);
	image_release(&src);
}

/* A WEBP=0 build still knows the magic and says "not built". */
static void
test_codec_webp_not_built(void **state)
{
	const struct codec *c = codec_get(CODEC_WEBP);
	struct imgpipe_error err;
	struct image_info info;
	struct blob b;

	(void)state;
	assert_non_null(c);
	b = load_webp("lossy.webp");
	assert_ptr_equal(codec_sniff(b.data, b.len), c);
	if (c->built) {
		assert_non_null(c->encode);
		free(b.data);
		skip();
	}
	assert_null(c->encode);
	error_clear(&err);
	assert_int_equal(c->probe(b.data, b.len, &info, &err), IMGPIPE_EFORMAT);
	assert_string_equal(err.msg,
			    "WebP support not built into this imgpipe");
	free(b.data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_webp_probe),
		cmocka_unit_test(test_codec_webp_lossless_exact),
		cmocka_unit_test(test_codec_webp_lossy_psnr),
		cmocka_unit_test(test_codec_webp_alpha),
		cmocka_unit_test(test_codec_webp_scaled),
		cmocka_unit_test(test_codec_webp_metadata),
		cmocka_unit_test(test_codec_webp_animated),
		cmocka_unit_test(test_codec_webp_truncated),
		cmocka_unit_test(test_codec_webp_meta_limit),
		cmocka_unit_test(test_codec_webp_huge_canvas),
		cmocka_unit_test(test_codec_webp_hook),
		cmocka_unit_test(test_codec_webp_hook_during_decode),
		cmocka_unit_test(test_codec_webp_options),
		cmocka_unit_test(test_codec_webp_not_built),
	};

	return cmocka_run_group_tests_name("codec_webp", tests, NULL, NULL);
}
