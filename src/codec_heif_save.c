/*
 * AVIF output through libheif's AV1 encoder (aom).  The pixels go to
 * libheif as stored (RGB, RGBA or monochrome) and it converts them to
 * YCbCr; all state is local to the call and aom runs on one thread, so the
 * bytes depend only on the inputs and every mode writes the same file.
 */
#include "codec.h"

#include <libheif/heif.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec_heif.h"
#include "error.h"
#include "exif.h"
#include "hook.h"
#include "image.h"
#include "membuf.h"
#include "metafix.h"

/*
 * One aom thread per imgpipe worker: the workers already use every core,
 * aom's threads would add memory per worker (README, AVIF output), and
 * aom's bytes depend on its thread count, which must not vary by machine.
 */
#define AVIF_THREADS 1

/* Rows copied between two calls of the row hook. */
#define AVIF_BAND 64

/* What one encode holds, so that one function releases it all. */
struct avif_state {
	struct heif_context *ctx;
	struct heif_encoder *enc;
	struct heif_encoding_options *opts;
	struct heif_image *img;
	struct heif_image_handle *handle;
	unsigned char *exif, *xmp; /* rewritten blocks, or NULL */
	size_t exif_len, xmp_len;
	int orientation;
};

static int
fail_heif(struct imgpipe_error *err, struct heif_error he, const char *what)
{
	int code = he.code == heif_error_Memory_allocation_error
			   ? IMGPIPE_ENOMEM
			   : IMGPIPE_EFORMAT;

	return error_set(err, code, "cannot encode AVIF: %s: %s", what,
			 he.message != NULL ? he.message : "libheif error");
}

/* Row y of im into the planes p: interleaved as stored, or Y and alpha. */
static void
copy_row(const struct image *im, int y, uint8_t *const p[2],
	 const int stride[2])
{
	const unsigned char *s = image_row(im, y);
	uint8_t *d = p[0] + (size_t)y * (size_t)stride[0], *a;
	int x;

	if (p[1] == NULL) {
		memcpy(d, s, image_row_bytes(im));
		return;
	}
	a = p[1] + (size_t)y * (size_t)stride[1];
	for (x = 0; x < im->w; x++) {
		d[x] = s[2 * x];
		a[x] = s[2 * x + 1];
	}
}

/*
 * The heif_image of im: interleaved RGB(A) or a Y plane (and an alpha
 * plane).  Grey stays monochrome (AV1 has a 4:0:0 mode), so no chroma is
 * invented and a grey image round-trips exactly when lossless.
 */
static int
make_image(const struct image *im, struct hook *hook, struct heif_image **out,
	   struct imgpipe_error *err)
{
	static const enum heif_chroma rgb[] = { heif_chroma_interleaved_RGB,
						heif_chroma_interleaved_RGBA };
	int grey = im->channels <= 2, alpha = im->channels % 2 == 0;
	struct heif_image *img;
	struct heif_error he;
	uint8_t *p[2];
	int stride[2], y0, y, y1, rc;

	he = heif_image_create(
		im->w, im->h,
		grey ? heif_colorspace_monochrome : heif_colorspace_RGB,
		grey ? heif_chroma_monochrome : rgb[alpha], &img);
	if (he.code != heif_error_Ok)
		return fail_heif(err, he, "image");
	*out = img;
	he = heif_image_add_plane(
		img, grey ? heif_channel_Y : heif_channel_interleaved, im->w,
		im->h, 8);
	if (he.code == heif_error_Ok && grey && alpha)
		he = heif_image_add_plane(img, heif_channel_Alpha, im->w, im->h,
					  8);
	if (he.code != heif_error_Ok)
		return fail_heif(err, he, "image plane");
	p[0] = heif_image_get_plane(
		img, grey ? heif_channel_Y : heif_channel_interleaved,
		&stride[0]);
	p[1] = grey && alpha ? heif_image_get_plane(img, heif_channel_Alpha,
						    &stride[1])
			     : NULL;
	if (p[0] == NULL || (grey && alpha && p[1] == NULL))
		return error_set(err, IMGPIPE_ENOMEM, "out of memory for AVIF");
	for (y0 = 0; y0 < im->h; y0 = y1) {
		y1 = y0 + hook_band(hook, AVIF_BAND);
		y1 = y1 < im->h ? y1 : im->h;
		for (y = y0; y < y1; y++)
			copy_row(im, y, p, stride);
		rc = hook_rows(hook, y1 - y0);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * An ICC profile goes in a colr prof box; without one the pixels are sRGB
 * and an nclx box says so.  The nclx also names the matrix libheif converts
 * RGB with: BT.601 as libavif and libvips, or identity (GBR, code 0) for
 * lossless, so that no rounding in YCbCr loses a value.  Both boxes are
 * written when there is a profile, so that a reader never guesses the
 * matrix.
 */
static int
set_colour(struct avif_state *st, const struct image_meta *meta, int lossless,
	   struct imgpipe_error *err)
{
	struct heif_color_profile_nclx *nclx;
	struct heif_error he;

	nclx = heif_nclx_color_profile_alloc();
	if (nclx == NULL)
		return error_set(err, IMGPIPE_ENOMEM, "out of memory for AVIF");
	nclx->color_primaries = heif_color_primaries_ITU_R_BT_709_5;
	nclx->transfer_characteristics =
		heif_transfer_characteristic_IEC_61966_2_1;
	nclx->matrix_coefficients =
		lossless ? heif_matrix_coefficients_RGB_GBR
			 : heif_matrix_coefficients_ITU_R_BT_601_6;
	nclx->full_range_flag = 1;
	he = heif_image_set_nclx_color_profile(st->img, nclx);
	heif_nclx_color_profile_free(nclx);
	if (he.code == heif_error_Ok && meta != NULL && meta->icc != NULL &&
	    meta->icc_len > 0) {
		he = heif_image_set_raw_color_profile(st->img, "prof",
						      meta->icc, meta->icc_len);
		st->opts->save_two_colr_boxes_when_ICC_and_nclx_available = 1;
	}
	return he.code == heif_error_Ok ? 0
					: fail_heif(err, he, "colour profile");
}

/* Quality, lossless, speed = 9 - effort, chroma and threads. */
static int
set_encoder(struct avif_state *st, const struct encode_opts *o,
	    struct imgpipe_error *err)
{
	int q = o->quality > 0 ? o->quality : CODEC_AVIF_QUALITY;
	int effort = o->effort >= 0 ? o->effort : CODEC_AVIF_EFFORT;
	struct heif_error he;

	he = heif_context_get_encoder_for_format(st->ctx, heif_compression_AV1,
						 &st->enc);
	if (he.code != heif_error_Ok)
		return fail_heif(err, he, "no AV1 encoder");
	q = q > 100 ? 100 : q;
	effort = effort > 9 ? 9 : effort;
	he = heif_encoder_set_lossy_quality(st->enc, q);
	if (he.code == heif_error_Ok)
		he = heif_encoder_set_lossless(st->enc, o->lossless != 0);
	if (he.code == heif_error_Ok)
		he = heif_encoder_set_parameter_integer(st->enc, "speed",
							9 - effort);
	if (he.code == heif_error_Ok)
		he = heif_encoder_set_parameter_string(
			st->enc, "chroma", o->lossless ? "444" : "420");
	if (he.code == heif_error_Ok)
		he = heif_encoder_set_parameter_integer(st->enc, "threads",
							AVIF_THREADS);
	return he.code == heif_error_Ok
		       ? 0
		       : fail_heif(err, he, "encoder settings");
}

/*
 * Pixels still as stored (--no-auto-orient) with an EXIF orientation o:
 * libheif writes irot/imir for o, so that viewers turn the image, and the
 * EXIF and XMP it is handed say 1, so that no viewer turns it twice.
 * Under auto-orientation the pipeline has already reset them: o is 1.
 */
static int
fix_orientation(struct avif_state *st, const struct image *im,
		const struct image_meta *meta, struct imgpipe_error *err)
{
	struct meta_fix fix = { 1, im->w, im->h, 0 };
	int rc;

	if (meta == NULL || meta->exif == NULL || meta->exif_len == 0)
		return 0;
	st->orientation = exif_orientation(meta->exif, meta->exif_len);
	if (st->orientation == 1)
		return 0;
	rc = exif_rewrite(meta->exif, meta->exif_len, &fix, &st->exif,
			  &st->exif_len, err);
	if (rc == 0 && meta->xmp != NULL && meta->xmp_len > 0)
		rc = xmp_patch(meta->xmp, meta->xmp_len, &fix, &st->xmp,
			       &st->xmp_len, err);
	return rc;
}

/* The Exif and XMP items, each whole (meta_policy has sized them). */
static int
add_meta(struct avif_state *st, const struct image_meta *meta,
	 struct imgpipe_error *err)
{
	const unsigned char *exif = meta->exif, *xmp = meta->xmp;
	size_t exif_len = meta->exif_len, xmp_len = meta->xmp_len;
	struct heif_error he = { heif_error_Ok, heif_suberror_Unspecified, "" };

	if (st->orientation != 1) {
		exif = st->exif, exif_len = st->exif_len;
		if (st->xmp != NULL)
			xmp = st->xmp, xmp_len = st->xmp_len;
	}
	if (exif_len > INT32_MAX || xmp_len > INT32_MAX)
		return error_set(err, IMGPIPE_ELIMIT,
				 "metadata too large for AVIF");
	if (exif != NULL && exif_len > 0)
		he = heif_context_add_exif_metadata(st->ctx, st->handle, exif,
						    (int)exif_len);
	if (he.code == heif_error_Ok && xmp != NULL && xmp_len > 0)
		he = heif_context_add_XMP_metadata(st->ctx, st->handle, xmp,
						   (int)xmp_len);
	return he.code == heif_error_Ok ? 0 : fail_heif(err, he, "metadata");
}

/*
 * libheif 1.15 writes the orientation's irot/imir before ispe among an
 * item's properties, and an ispe of the turned size instead of the coded
 * one (both fixed in libheif 1.16): readers apply the properties in order
 * and would crop or refuse the image.  This puts them right in place, on
 * the bytes just written (no size or offset changes): each ispe of the
 * turned size w x h gets the coded size back, and every item's
 * transformative properties move after its others, in their own order.
 * Harmless on a layout that is already right.
 */
struct box {
	unsigned char *p; /* the payload, after the size and type */
	size_t len;
	char type[5];
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* The child box called type in p[0..len): 0, or -1 when there is none. */
static int
find_box(unsigned char *p, size_t len, const char *type, struct box *b)
{
	size_t at = 0, size;

	while (len - at >= 8) {
		size = be32(p + at);
		/* No box of ours before mdat is 0 (to the end) or 64-bit. */
		if (size < 8 || size > len - at)
			return -1;
		if (memcmp(p + at + 4, type, 4) == 0) {
			b->p = p + at + 8;
			b->len = size - 8;
			memcpy(b->type, type, 5);
			return 0;
		}
		at += size;
	}
	return -1;
}

/* The type of every property in ipco, by its 1-based index. */
#define AVIF_MAX_PROPS 64

static int
list_props(const struct box *ipco, int w, int h, int turned,
	   char types[AVIF_MAX_PROPS][4])
{
	size_t at = 0, size;
	int n = 0;

	while (ipco->len - at >= 8 && n < AVIF_MAX_PROPS - 1) {
		size = be32(ipco->p + at);
		if (size < 8 || size > ipco->len - at)
			return -1;
		memcpy(types[++n], ipco->p + at + 4, 4);
		if (turned && memcmp(types[n], "ispe", 4) == 0 && size >= 20 &&
		    be32(ipco->p + at + 12) == (uint32_t)h &&
		    be32(ipco->p + at + 16) == (uint32_t)w) {
			put_be32(ipco->p + at + 12, (uint32_t)w);
			put_be32(ipco->p + at + 16, (uint32_t)h);
		}
		at += size;
	}
	return at == ipco->len ? 0 : -1;
}

static int
transformative(char types[AVIF_MAX_PROPS][4], unsigned index)
{
	return index < AVIF_MAX_PROPS &&
	       (memcmp(types[index], "irot", 4) == 0 ||
		memcmp(types[index], "imir", 4) == 0 ||
		memcmp(types[index], "clap", 4) == 0);
}

/* One ipma entry's n associations of sz bytes at p, reordered. */
static void
reorder(unsigned char *p, unsigned n, size_t sz, char types[AVIF_MAX_PROPS][4])
{
	unsigned char tmp[255 * 2];
	unsigned i, pass, index;
	size_t k = 0;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++) {
			index = sz == 2 ? ((unsigned)p[2 * i] << 8 |
					   p[2 * i + 1]) &
						  0x7fff
					: p[i] & 0x7fu;
			if (transformative(types, index) == (int)pass) {
				memcpy(tmp + k, p + i * sz, sz);
				k += sz;
			}
		}
	memcpy(p, tmp, k);
}

static int
fix_ipma(const struct box *ipma, char types[AVIF_MAX_PROPS][4])
{
	size_t at = 8, id_sz, sz;
	uint32_t count, e;
	unsigned n;

	if (ipma->len < 8)
		return -1;
	id_sz = ipma->p[0] < 1 ? 2 : 4;
	sz = (ipma->p[3] & 1) ? 2 : 1;
	count = be32(ipma->p + 4);
	for (e = 0; e < count; e++) {
		if (ipma->len - at < id_sz + 1)
			return -1;
		n = ipma->p[at + id_sz];
		at += id_sz + 1;
		if (ipma->len - at < n * sz)
			return -1;
		reorder(ipma->p + at, n, sz, types);
		at += n * sz;
	}
	return 0;
}

static int
fix_boxes(unsigned char *file, size_t len, const struct image *im,
	  int orientation, struct imgpipe_error *err)
{
	char types[AVIF_MAX_PROPS][4];
	struct box meta, iprp, ipco, ipma;
	int turned = orientation >= 5 && im->w != im->h;

	if (orientation == 1)
		return 0;
	memset(types, 0, sizeof(types));
	if (find_box(file, len, "meta", &meta) != 0 || meta.len < 4 ||
	    find_box(meta.p + 4, meta.len - 4, "iprp", &iprp) != 0 ||
	    find_box(iprp.p, iprp.len, "ipco", &ipco) != 0 ||
	    find_box(iprp.p, iprp.len, "ipma", &ipma) != 0 ||
	    list_props(&ipco, im->w, im->h, turned, types) != 0 ||
	    fix_ipma(&ipma, types) != 0)
		return error_set(err, IMGPIPE_EFORMAT,
				 "cannot encode AVIF: unexpected boxes from "
				 "libheif");
	return 0;
}

static struct heif_error
write_fn(struct heif_context *ctx, const void *data, size_t size,
	 void *userdata)
{
	struct heif_error ok = { heif_error_Ok, heif_suberror_Unspecified, "" };
	struct heif_error nomem = { heif_error_Memory_allocation_error,
				    heif_suberror_Unspecified,
				    "out of memory" };

	(void)ctx;
	return membuf_append(userdata, data, size) == 0 ? ok : nomem;
}

static int
encode(struct avif_state *st, const struct image *im,
       const struct image_meta *meta, const struct encode_opts *opts,
       struct membuf *out, struct hook *hook, struct imgpipe_error *err)
{
	struct heif_writer writer = { 1, write_fn };
	struct heif_error he;
	size_t start;
	int rc;

	st->ctx = heif_context_alloc();
	st->opts = heif_encoding_options_alloc();
	if (st->ctx == NULL || st->opts == NULL)
		return error_set(err, IMGPIPE_ENOMEM, "out of memory for AVIF");
	rc = make_image(im, hook, &st->img, err);
	if (rc == 0)
		rc = set_colour(st, meta, opts->lossless, err);
	if (rc == 0)
		rc = set_encoder(st, opts, err);
	if (rc == 0)
		rc = fix_orientation(st, im, meta, err);
	if (rc != 0)
		return rc;
	st->opts->image_orientation = (enum heif_orientation)st->orientation;
	he = heif_context_encode_image(st->ctx, st->img, st->enc, st->opts,
				       &st->handle);
	if (he.code != heif_error_Ok)
		return fail_heif(err, he, "AV1");
	if (meta != NULL)
		rc = add_meta(st, meta, err);
	if (rc != 0)
		return rc;
	start = out->len;
	he = heif_context_write(st->ctx, &writer, out);
	if (he.code != heif_error_Ok)
		return fail_heif(err, he, "write");
	return fix_boxes(out->data + start, out->len - start, im,
			 st->orientation, err);
}

int
heif_save_avif(const struct image *im, const struct image_meta *meta,
	       const struct encode_opts *opts, struct membuf *out,
	       struct hook *hook, struct imgpipe_error *err)
{
	static const struct encode_opts dflt = ENCODE_OPTS_DEFAULT;
	struct avif_state st;
	size_t start = out->len;
	int rc;

	if (im->fmt != PIXFMT_U8 || im->channels < 1 || im->channels > 4)
		return error_set(err, IMGPIPE_EFORMAT,
				 "AVIF cannot store %d channels", im->channels);
	heif_lib_init();
	memset(&st, 0, sizeof(st));
	st.orientation = 1;
	rc = encode(&st, im, meta, opts != NULL ? opts : &dflt, out, hook, err);
	heif_image_handle_release(st.handle);
	heif_image_release(st.img);
	heif_encoder_release(st.enc);
	heif_encoding_options_free(st.opts);
	heif_context_free(st.ctx);
	free(st.exif);
	free(st.xmp);
	if (rc != 0)
		out->len = start;
	return rc;
}
