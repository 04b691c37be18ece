/*
 * The AVIF writer, checked by decoding what it wrote with libheif itself
 * (not through imgpipe's reader): sizes, alpha, grey, quality, lossless,
 * determinism, the ICC/EXIF/XMP items, the orientation boxes and the row
 * hook.  A build without libheif (HEIF=0) checks the "not built" record
 * and counts the rest as skipped.
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
#include "hook.h"
#include "image.h"
#include "membuf.h"

#include "helpers.h"

#if IMGPIPE_HEIF
#include <lcms2.h>
#include <libheif/heif.h>

#include "exif.h"

/* A smooth picture with some texture, alpha a ramp: what a photo is like. */
static unsigned char
photo(int x, int y, int c, int w, int h, int seed)
{
	int v = c == 3 ? 40 + 200 * x / w
		       : 30 + (x * (c + 2) * 97 / w + y * (3 - c) * 61 / h) +
				 ((x * 7 + y * 13 + seed) % 11);

	return (unsigned char)(v > 255 ? 255 : v);
}

static void
enc(const struct image *im, const struct image_meta *meta, int quality,
    int lossless, int effort, struct membuf *out)
{
	struct encode_opts o = ENCODE_OPTS_DEFAULT;
	struct imgpipe_error err;

	o.quality = quality;
	o.lossless = lossless;
	o.effort = effort;
	membuf_init(out);
	assert_non_null(codec_get(CODEC_AVIF)->encode);
	if (codec_get(CODEC_AVIF)->encode(im, meta, &o, out, NULL, &err) != 0)
		fail_msg("encode: %s", err.msg);
	assert_true(out->len > 0);
	assert_int_equal(codec_get(CODEC_AVIF)->sniff(out->data, out->len), 1);
}

/* A decoded file: libheif's context and the primary image's handle. */
struct heif_file {
	struct heif_context *ctx;
	struct heif_image_handle *h;
};

static void
heif_open(const struct membuf *b, struct heif_file *f)
{
	struct heif_error he;

	f->ctx = heif_context_alloc();
	assert_non_null(f->ctx);
	he = heif_context_read_from_memory_without_copy(f->ctx, b->data, b->len,
							NULL);
	if (he.code != heif_error_Ok)
		fail_msg("libheif cannot read it: %s", he.message);
	he = heif_context_get_primary_image_handle(f->ctx, &f->h);
	assert_int_equal(he.code, heif_error_Ok);
}

static void
heif_close(struct heif_file *f)
{
	heif_image_handle_release(f->h);
	heif_context_free(f->ctx);
}

/*
 * The file's pixels, as libheif shows them (transforms applied), into out
 * with ch channels: interleaved RGB(A), or Y (and alpha) for grey.
 */
static void
decode(const struct membuf *b, int ch, struct image *out)
{
	static const enum heif_chroma rgb[] = { heif_chroma_interleaved_RGB,
						heif_chroma_interleaved_RGBA };
	struct heif_file f;
	struct heif_image *img;
	const uint8_t *p, *a = NULL;
	enum heif_channel plane =
		ch <= 2 ? heif_channel_Y : heif_channel_interleaved;
	int stride, astride = 0, x, y;

	heif_open(b, &f);
	assert_int_equal(heif_decode_image(f.h, &img,
					   ch <= 2 ? heif_colorspace_monochrome
						   : heif_colorspace_RGB,
					   ch <= 2 ? heif_chroma_monochrome
						   : rgb[ch == 4],
					   NULL)
				 .code,
			 heif_error_Ok);
	p = heif_image_get_plane_readonly(img, plane, &stride);
	if (ch == 2)
		a = heif_image_get_plane_readonly(img, heif_channel_Alpha,
						  &astride);
	assert_non_null(p);
	assert_true(ch != 2 || a != NULL);
	assert_int_equal(image_alloc(out, heif_image_get_width(img, plane),
				     heif_image_get_height(img, plane), ch,
				     PIXFMT_U8, 0, NULL),
			 0);
	for (y = 0; y < out->h; y++) {
		if (ch != 2) {
			memcpy(image_row(out, y), p + (size_t)y * stride,
			       image_row_bytes(out));
			continue;
		}
		for (x = 0; x < out->w; x++) {
			image_row(out, y)[2 * x] = p[(size_t)y * stride + x];
			image_row(out, y)[2 * x + 1] =
				a[(size_t)y * astride + x];
		}
	}
	heif_image_release(img);
	heif_close(&f);
}

static double
round_trip_psnr(int ch, int quality)
{
	struct image im, got;
	struct membuf b;
	double psnr;

	image_init(&im);
	image_init(&got);
	test_paint(&im, 96, 64, ch, photo, 1);
	enc(&im, NULL, quality, 0, -1, &b);
	decode(&b, ch, &got);
	psnr = test_psnr(&im, &got);
	image_release(&im);
	image_release(&got);
	membuf_release(&b);
	return psnr;
}

/* q 50 (the default) is a fair picture; q 90 a clearly better one. */
static void
test_codec_avif_rgb_quality(void **state)
{
	double q50 = round_trip_psnr(3, 0), q90 = round_trip_psnr(3, 90);

	(void)state;
	if (q50 < 34 || q90 < q50 + 3)
		fail_msg("PSNR q50 %.2f dB, q90 %.2f dB", q50, q90);
}

static void
test_codec_avif_rgba_alpha_kept(void **state)
{
	struct image im, got;
	struct membuf b;
	struct heif_file f;

	(void)state;
	image_init(&im);
	image_init(&got);
	test_paint(&im, 96, 64, 4, photo, 2);
	enc(&im, NULL, 90, 0, -1, &b);
	heif_open(&b, &f);
	assert_int_equal(heif_image_handle_has_alpha_channel(f.h), 1);
	assert_int_equal(heif_image_handle_get_width(f.h), 96);
	assert_int_equal(heif_image_handle_get_height(f.h), 64);
	heif_close(&f);
	decode(&b, 4, &got);
	assert_true(test_psnr(&im, &got) > 35);
	image_release(&im);
	image_release(&got);
	membuf_release(&b);
}

/* Grey and grey+alpha are written monochrome (4:0:0), alpha kept. */
static void
check_grey(int ch)
{
	struct heif_file f;
	struct heif_image *img;
	struct membuf b;
	struct image im;

	image_init(&im);
	test_paint(&im, 96, 64, ch, photo, 3);
	enc(&im, NULL, 0, 0, -1, &b);
	heif_open(&b, &f);
	assert_int_equal(heif_image_handle_has_alpha_channel(f.h), ch == 2);
	assert_int_equal(heif_decode_image(f.h, &img, heif_colorspace_undefined,
					   heif_chroma_undefined, NULL)
				 .code,
			 heif_error_Ok);
	assert_int_equal(heif_image_get_chroma_format(img),
			 heif_chroma_monochrome);
	heif_image_release(img);
	heif_close(&f);
	assert_true(round_trip_psnr(ch, 0) > 30);
	image_release(&im);
	membuf_release(&b);
}

static void
test_codec_avif_grey_monochrome(void **state)
{
	(void)state;
	check_grey(1);
	check_grey(2);
}

/* --lossless gives back every sample, in each channel layout. */
static void
test_codec_avif_lossless_exact(void **state)
{
	struct image im, got;
	struct membuf b;
	int ch;

	(void)state;
	image_init(&im);
	image_init(&got);
	for (ch = 1; ch <= 4; ch++) {
		test_paint(&im, 61, 37, ch, photo, ch);
		enc(&im, NULL, 0, 1, -1, &b);
		decode(&b, ch, &got);
		if (!test_same_image(&im, &got))
			fail_msg("%d channels: lossless is not exact (%.2f dB)",
				 ch, test_psnr(&im, &got));
		membuf_release(&b);
	}
	image_release(&im);
	image_release(&got);
}

/* Same input, same bytes; other settings, other bytes. */
static void
test_codec_avif_deterministic(void **state)
{
	struct membuf a, b, c, d;
	struct image im;

	(void)state;
	image_init(&im);
	test_paint(&im, 96, 64, 3, photo, 4);
	enc(&im, NULL, 0, 0, -1, &a);
	enc(&im, NULL, 0, 0, -1, &b);
	enc(&im, NULL, 70, 0, -1, &c);
	enc(&im, NULL, 0, 0, 7, &d);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	assert_true(a.len != c.len || memcmp(a.data, c.data, a.len) != 0);
	assert_true(a.len != d.len || memcmp(a.data, d.data, a.len) != 0);
	membuf_release(&a);
	membuf_release(&b);
	membuf_release(&c);
	membuf_release(&d);
	image_release(&im);
}

/* ---- Metadata: a TIFF structure built by hand, IFD0 = Orientation. ---- */

static size_t
tiff_with_orientation(unsigned char *t, int orientation)
{
	static const unsigned char head[] = { 'I', 'I',	 42, 0, 8, 0, 0, 0, 1,
					      0,   0x12, 1,  3, 0, 1, 0, 0, 0 };

	memset(t, 0, 26);
	memcpy(t, head, sizeof(head));
	t[18] = (unsigned char)orientation;
	return 26;
}

static const char xmp_packet[] =
	"<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
	"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
	"xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
	"<rdf:Description rdf:about=\"\" "
	"xmlns:tiff=\"http://ns.adobe.com/tiff/1.0/\" "
	"xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
	"tiff:Orientation=\"6\" dc:format=\"image/avif\"/>"
	"</rdf:RDF></x:xmpmeta>\n<?xpacket end=\"w\"?>";

/* The one metadata item of type ("Exif" or "mime"): malloc()ed, its size. */
static unsigned char *
item(const struct heif_file *f, const char *type, size_t *len)
{
	heif_item_id id;
	unsigned char *p;

	assert_int_equal(
		heif_image_handle_get_number_of_metadata_blocks(f->h, type), 1);
	heif_image_handle_get_list_of_metadata_block_IDs(f->h, type, &id, 1);
	*len = heif_image_handle_get_metadata_size(f->h, id);
	p = malloc(*len + 1);
	assert_non_null(p);
	assert_int_equal(heif_image_handle_get_metadata(f->h, id, p).code,
			 heif_error_Ok);
	p[*len] = '\0';
	return p;
}

/* The EXIF orientation of the file's Exif item (4-byte offset, TIFF). */
static int
item_orientation(const struct heif_file *f)
{
	size_t len, off;
	unsigned char *p = item(f, "Exif", &len);
	int o;

	assert_true(len > 4);
	off = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 |
	      p[3];
	assert_true(off < len - 4);
	o = exif_orientation(p + 4 + off, len - 4 - off);
	free(p);
	return o;
}

static void
srgb_icc(struct image_meta *m)
{
	cmsHPROFILE h = cmsCreate_sRGBProfile();
	cmsUInt32Number n = 0;

	assert_non_null(h);
	assert_true(cmsSaveProfileToMem(h, NULL, &n));
	m->icc = malloc(n);
	assert_non_null(m->icc);
	assert_true(cmsSaveProfileToMem(h, m->icc, &n));
	m->icc_len = n;
	cmsCloseProfile(h);
}

/* The ICC profile as colr prof (with the nclx), EXIF and XMP items. */
static void
test_codec_avif_meta_blocks(void **state)
{
	unsigned char tiff[26], *p;
	struct heif_color_profile_nclx *nclx = NULL;
	struct image_meta m;
	struct heif_file f;
	struct image im;
	struct membuf b;
	size_t len;

	(void)state;
	image_init(&im);
	image_meta_init(&m);
	test_paint(&im, 40, 24, 3, photo, 5);
	srgb_icc(&m);
	m.exif = codec_copy_block(tiff, tiff_with_orientation(tiff, 1));
	m.exif_len = 26;
	m.xmp = codec_copy_block((const unsigned char *)xmp_packet,
				 strlen(xmp_packet));
	m.xmp_len = strlen(xmp_packet);
	enc(&im, &m, 0, 0, -1, &b);
	heif_open(&b, &f);
	assert_int_equal(heif_image_handle_get_color_profile_type(f.h),
			 heif_color_profile_type_prof);
	len = heif_image_handle_get_raw_color_profile_size(f.h);
	assert_int_equal(len, m.icc_len);
	p = malloc(len);
	assert_non_null(p);
	assert_int_equal(heif_image_handle_get_raw_color_profile(f.h, p).code,
			 heif_error_Ok);
	assert_memory_equal(p, m.icc, len);
	free(p);
	assert_int_equal(
		heif_image_handle_get_nclx_color_profile(f.h, &nclx).code,
		heif_error_Ok);
	assert_int_equal(nclx->matrix_coefficients,
			 heif_matrix_coefficients_ITU_R_BT_601_6);
	heif_nclx_color_profile_free(nclx);
	p = item(&f, "Exif", &len);
	assert_int_equal(len, 4 + 26);
	assert_memory_equal(p + 4, tiff, 26);
	free(p);
	p = item(&f, "mime", &len);
	assert_int_equal(len, m.xmp_len);
	assert_memory_equal(p, xmp_packet, len);
	free(p);
	heif_close(&f);
	membuf_release(&b);
	image_meta_release(&m);
	image_release(&im);
}

/* No profile: an nclx box says sRGB (BT.709 primaries, sRGB transfer). */
static void
test_codec_avif_untagged_is_srgb(void **state)
{
	struct heif_color_profile_nclx *nclx = NULL;
	struct heif_file f;
	struct image im;
	struct membuf b;

	(void)state;
	image_init(&im);
	test_paint(&im, 40, 24, 3, photo, 6);
	enc(&im, NULL, 0, 1, -1, &b);
	heif_open(&b, &f);
	assert_int_equal(heif_image_handle_get_color_profile_type(f.h),
			 heif_color_profile_type_nclx);
	assert_int_equal(
		heif_image_handle_get_nclx_color_profile(f.h, &nclx).code,
		heif_error_Ok);
	assert_int_equal(nclx->color_primaries,
			 heif_color_primaries_ITU_R_BT_709_5);
	assert_int_equal(nclx->transfer_characteristics,
			 heif_transfer_characteristic_IEC_61966_2_1);
	/* Lossless: the identity matrix, so that YCbCr loses nothing. */
	assert_int_equal(nclx->matrix_coefficients,
			 heif_matrix_coefficients_RGB_GBR);
	assert_int_equal(nclx->full_range_flag, 1);
	heif_nclx_color_profile_free(nclx);
	heif_close(&f);
	membuf_release(&b);
	image_release(&im);
}

/*
 * Pixels as stored with EXIF orientation o, 6 or 8 (--no-auto-orient): the
 * file turns them with irot (a reader shows them upright), its ispe keeps
 * the coded size, and its EXIF and XMP say 1.  ch 4: the alpha image is
 * turned with the colour.
 */
static void
check_turned(int ch, int o)
{
	unsigned char tiff[26], *xmp;
	struct image_meta m;
	struct heif_file f;
	struct image im, got;
	struct membuf b;
	size_t len;
	int x, y, sx, sy;

	image_init(&im);
	image_init(&got);
	image_meta_init(&m);
	test_paint(&im, 40, 24, ch, photo, 7);
	m.exif = codec_copy_block(tiff, tiff_with_orientation(tiff, o));
	m.exif_len = 26;
	m.xmp = codec_copy_block((const unsigned char *)xmp_packet,
				 strlen(xmp_packet));
	m.xmp_len = strlen(xmp_packet);
	enc(&im, &m, 0, 1, -1, &b);
	heif_open(&b, &f);
	assert_int_equal(heif_image_handle_get_ispe_width(f.h), 40);
	assert_int_equal(heif_image_handle_get_ispe_height(f.h), 24);
	assert_int_equal(heif_image_handle_get_width(f.h), 24);
	assert_int_equal(heif_image_handle_get_height(f.h), 40);
	assert_int_equal(item_orientation(&f), 1);
	xmp = item(&f, "mime", &len);
	assert_non_null(strstr((char *)xmp, "tiff:Orientation=\"1\""));
	free(xmp);
	heif_close(&f);
	decode(&b, ch, &got);
	assert_int_equal(got.w, 24);
	assert_int_equal(got.h, 40);
	/*
	 * 6, turned 90 degrees clockwise: out(x, y) = in(y, H - 1 - x);
	 * 8, turned 90 degrees anticlockwise: out(x, y) = in(W - 1 - y, x).
	 */
	for (y = 0; y < got.h; y++)
		for (x = 0; x < got.w; x++) {
			sx = o == 6 ? y : im.w - 1 - y;
			sy = o == 6 ? im.h - 1 - x : x;
			assert_memory_equal(image_row(&got, y) + ch * x,
					    image_row(&im, sy) + ch * sx, ch);
		}
	membuf_release(&b);
	image_meta_release(&m);
	image_release(&im);
	image_release(&got);
}

static void
test_codec_avif_orientation_boxes(void **state)
{
	(void)state;
	check_turned(3, 6);
	check_turned(4, 8);
	check_turned(1, 8);
}

/* Orientation 1 (auto-orientation ran): no transform, the size as is. */
static void
test_codec_avif_upright_no_transform(void **state)
{
	unsigned char tiff[26];
	struct image_meta m;
	struct heif_file f;
	struct image im;
	struct membuf b;

	(void)state;
	image_init(&im);
	image_meta_init(&m);
	test_paint(&im, 40, 24, 3, photo, 8);
	m.exif = codec_copy_block(tiff, tiff_with_orientation(tiff, 1));
	m.exif_len = 26;
	enc(&im, &m, 0, 0, -1, &b);
	heif_open(&b, &f);
	assert_int_equal(heif_image_handle_get_width(f.h), 40);
	assert_int_equal(heif_image_handle_get_height(f.h), 24);
	assert_int_equal(item_orientation(&f), 1);
	heif_close(&f);
	membuf_release(&b);
	image_meta_release(&m);
	image_release(&im);
}

static int
cancel_at_second(void *ctx)
{
	return ++*(int *)ctx >= 2 ? IMGPIPE_ECANCEL : 0;
}

/* The hook runs once a band of rows copied; its code stops the encode. */
static void
test_codec_avif_row_hook(void **state)
{
	struct encode_opts o = ENCODE_OPTS_DEFAULT;
	struct hook h = { test_count_calls, NULL, 16, 0 };
	struct imgpipe_error err;
	struct membuf b;
	struct image im;
	int calls = 0;

	(void)state;
	image_init(&im);
	membuf_init(&b);
	test_paint(&im, 40, 64, 3, photo, 9);
	h.ctx = &calls;
	assert_int_equal(
		codec_get(CODEC_AVIF)->encode(&im, NULL, &o, &b, &h, &err), 0);
	assert_int_equal(calls, 64 / 16);
	calls = 0;
	h.fn = cancel_at_second;
	h.pending = 0;
	assert_int_equal(membuf_append(&b, "x", 1), 0);
	b.len = 1;
	assert_int_equal(
		codec_get(CODEC_AVIF)->encode(&im, NULL, &o, &b, &h, &err),
		IMGPIPE_ECANCEL);
	assert_int_equal(b.len, 1);
	membuf_release(&b);
	image_release(&im);
}

static void
test_codec_avif_rejects_float(void **state)
{
	struct imgpipe_error err;
	struct membuf b;
	struct image im;

	(void)state;
	image_init(&im);
	membuf_init(&b);
	assert_int_equal(image_alloc(&im, 8, 8, 1, PIXFMT_F32, 0, NULL), 0);
	assert_int_equal(
		codec_get(CODEC_AVIF)->encode(&im, NULL, NULL, &b, NULL, &err),
		IMGPIPE_EFORMAT);
	assert_int_equal(b.len, 0);
	membuf_release(&b);
	image_release(&im);
}

static int
setup(void **state)
{
	(void)state;
	heif_init(NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	heif_deinit();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_avif_rgb_quality),
		cmocka_unit_test(test_codec_avif_rgba_alpha_kept),
		cmocka_unit_test(test_codec_avif_grey_monochrome),
		cmocka_unit_test(test_codec_avif_lossless_exact),
		cmocka_unit_test(test_codec_avif_deterministic),
		cmocka_unit_test(test_codec_avif_meta_blocks),
		cmocka_unit_test(test_codec_avif_untagged_is_srgb),
		cmocka_unit_test(test_codec_avif_orientation_boxes),
		cmocka_unit_test(test_codec_avif_upright_no_transform),
		cmocka_unit_test(test_codec_avif_row_hook),
		cmocka_unit_test(test_codec_avif_rejects_float),
	};

	return cmocka_run_group_tests_name("codec_avif", tests, setup,
					   teardown);
}

#else

/* HEIF=0: the registry's stand-in says "not built" and writes nothing. */
static void
test_codec_avif_not_built(void **state)
{
	const struct codec *c = codec_get(CODEC_AVIF);

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->built, 0);
	assert_null(c->encode);
	assert_int_equal(codec_output_for(CODEC_AVIF), CODEC_JPEG);
}

static void
test_codec_avif_encode(void **state)
{
	(void)state;
	skip();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_avif_not_built),
		cmocka_unit_test(test_codec_avif_encode),
	};

	return cmocka_run_group_tests_name("codec_avif", tests, NULL, NULL);
}

#endif
