/*
 * HEIC and AVIF in, through libheif (the codec records of both formats
 * live here; codec_heif_save.c writes AVIF).  libheif parses the file
 * from the caller's buffer without a copy and decodes the primary image
 * whole (grids, alpha, irot/imir/clap), so the pixels come out upright
 * and the codec is `upright`.  libheif is all-or-nothing: an image either
 * decodes whole or fails, so damage is never partial here (README, HEIC
 * and AVIF).  The metadata items are read after the pixels (take_meta).
 */
#include "codec.h"

#include <inttypes.h>
#include <libheif/heif.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec_heif.h"
#include "error.h"
#include "hook.h"
#include "image.h"
#include "metafix.h"
#include "util.h"

/* Rows copied out of libheif's image between two calls of the hook. */
#define BAND_ROWS 16

/* libheif's own default width and height limit (heif_limits.h, 1.15). */
#define HEIF_SIDE_MAX 32768

/* An open file: libheif's context and its primary image. */
struct heif_read {
	struct heif_context *ctx;
	struct heif_image_handle *handle;
	const char *fmt;	  /* "HEIF" or "AVIF", for messages */
	const unsigned char *buf; /* the file, borrowed */
	size_t len;
};

/* The format's name in messages, by what the file's brands say. */
static const char *
format_name(const unsigned char *buf, size_t len)
{
	return codec_sniff_heif(buf, len) == CODEC_AVIF ? "AVIF" : "HEIF";
}

/*
 * One line from libheif's error: "corrupt HEIF: ..." (or AVIF), with its
 * message as libheif words it; returns the code.
 */
static int
heif_fail(struct imgpipe_error *err, const char *fmt, struct heif_error he)
{
	const char *m = he.message != NULL ? he.message : "";
	char msg[IMGPIPE_ERR_MSG_LEN];
	size_t n;
	int code = IMGPIPE_EFORMAT;

	util_fmt(msg, sizeof(msg), "%s", m[0] != '\0' ? m : "decoding failed");
	/* libheif ends some messages with a newline. */
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	/* Our messages start in lower case ("Invalid input: ..."). */
	if (msg[0] >= 'A' && msg[0] <= 'Z' && msg[1] >= 'a' && msg[1] <= 'z')
		msg[0] = (char)(msg[0] - 'A' + 'a');
	if (he.code == heif_error_Memory_allocation_error &&
	    he.subcode == heif_suberror_Security_limit_exceeded)
		return error_set(err, IMGPIPE_ELIMIT,
				 "%s over libheif's limits: %s", fmt, msg);
	if (he.code == heif_error_Memory_allocation_error)
		return error_set(err, IMGPIPE_ENOMEM,
				 "out of memory in libheif");
	if (he.code == heif_error_Unsupported_feature ||
	    he.code == heif_error_Unsupported_filetype)
		return error_set(err, code, "unsupported %s: %s", fmt, msg);
	return error_set(err, code, "corrupt %s: %s", fmt, msg);
}

/*
 * The width and height libheif may accept: its own limit, and no more
 * than --max-pixels allows (a side over it is over it at any height).
 * libheif refuses a grid whose side reaches the limit, an ispe over it.
 */
static int
side_limit(uint64_t max_pixels)
{
	if (max_pixels == 0 || max_pixels >= HEIF_SIDE_MAX)
		return HEIF_SIDE_MAX;
	return (int)max_pixels + 1;
}

static void
heif_read_release(struct heif_read *r)
{
	if (r->handle != NULL)
		heif_image_handle_release(r->handle);
	if (r->ctx != NULL)
		heif_context_free(r->ctx);
	r->handle = NULL;
	r->ctx = NULL;
}

/*
 * Parse buf (borrowed for r's lifetime: libheif keeps pointers into it)
 * and find the primary image; no pixel is decoded.  On failure r holds
 * nothing.
 */
static int
open_primary(const unsigned char *buf, size_t len, uint64_t max_pixels,
	     struct heif_read *r, struct imgpipe_error *err)
{
	struct heif_error he;

	memset(r, 0, sizeof(*r));
	r->fmt = format_name(buf, len);
	r->buf = buf;
	r->len = len;
	switch (heif_refs_check(buf, len)) {
	case -1:
		return error_set(err, IMGPIPE_EFORMAT,
				 "corrupt %s: item references that cannot be "
				 "followed (a cycle, or tiles nested deeper "
				 "than 8)",
				 r->fmt);
	case -2: return error_set(err, IMGPIPE_ENOMEM, "out of memory");
	}
	heif_lib_init();
	r->ctx = heif_context_alloc();
	if (r->ctx == NULL)
		return error_set(err, IMGPIPE_ENOMEM,
				 "out of memory in libheif");
	heif_context_set_maximum_image_size_limit(r->ctx,
						  side_limit(max_pixels));
	/*
	 * Tiles on the calling thread: imgpipe already runs one image per
	 * worker on every core, so libheif's tile threads would only
	 * oversubscribe them, and all of a decode's work stays on the worker
	 * that --gil, coop and procs account it to.
	 */
	heif_context_set_max_decoding_threads(r->ctx, 0);
	he = heif_context_read_from_memory_without_copy(r->ctx, buf, len, NULL);
	if (he.code == heif_error_Ok)
		he = heif_context_get_primary_image_handle(r->ctx, &r->handle);
	if (he.code != heif_error_Ok) {
		/* The message lives in the context: say it before freeing. */
		int rc = heif_fail(err, r->fmt, he);

		heif_read_release(r);
		return rc;
	}
	return 0;
}

/*
 * The primary image's size after libheif's transforms, and the stored
 * (ispe) size its planes are decoded at before clap crops them; both
 * must fit max_pixels.  A grid must be its ispe's size: libheif 1.15
 * allocates what the grid box says, and crashes on some files where the
 * two differ.
 */
static int
check_sizes(const struct heif_read *r, int ch, uint64_t max_pixels, int *w,
	    int *h, struct imgpipe_error *err)
{
	int iw = heif_image_handle_get_ispe_width(r->handle);
	int ih = heif_image_handle_get_ispe_height(r->handle);
	uint32_t gw, gh;
	int rc;

	if (heif_grid_size(r->buf, r->len, &gw, &gh) == 1 &&
	    (iw < 0 || ih < 0 || gw != (uint32_t)iw || gh != (uint32_t)ih))
		return error_set(err, IMGPIPE_EFORMAT,
				 "corrupt %s: its grid is %" PRIu32 "x%" PRIu32
				 ", its ispe %dx%d",
				 r->fmt, gw, gh, iw, ih);

	*w = heif_image_handle_get_width(r->handle);
	*h = heif_image_handle_get_height(r->handle);
	if (*w <= 0 || *h <= 0)
		return error_set(err, IMGPIPE_EFORMAT,
				 "corrupt %s: no image size", r->fmt);
	rc = image_check_size(*w, *h, ch, PIXFMT_U8, max_pixels, err);
	if (rc == 0 && iw > 0 && ih > 0)
		rc = image_check_size(iw, ih, ch, PIXFMT_U8, max_pixels, err);
	return rc;
}

static int
channels_of(const struct heif_read *r)
{
	/*
	 * Grey HEIFs (rare) come out as RGB too: libheif has no interleaved
	 * grey with alpha.
	 */
	return heif_image_handle_has_alpha_channel(r->handle) ? 4 : 3;
}

static int
heif_probe(const unsigned char *buf, size_t len, struct image_info *info,
	   struct imgpipe_error *err)
{
	struct heif_read r;
	int rc, w, h, ch;

	rc = open_primary(buf, len, 0, &r, err);
	if (rc != 0)
		return rc;
	ch = channels_of(&r);
	rc = check_sizes(&r, ch, 0, &w, &h, err);
	heif_read_release(&r);
	if (rc != 0)
		return rc;
	info->w = w;
	info->h = h;
	info->channels = ch;
	info->orientation = 1;
	return 0;
}

/*
 * libheif marks premultiplied alpha and leaves it so; imgpipe's U8
 * images are never premultiplied: c = c * 255 / a, rounded.
 */
static void
unpremultiply(unsigned char *row, int w)
{
	unsigned a, c, v;
	int x;

	for (x = 0; x < w; x++, row += 4) {
		a = row[3];
		if (a == 0 || a == 255)
			continue;
		for (c = 0; c < 3; c++) {
			v = (row[c] * 255u + a / 2) / a;
			row[c] = (unsigned char)(v > 255 ? 255 : v);
		}
	}
}

/* The interleaved 8-bit plane of img into out, a band at a time. */
static int
copy_rows(const struct heif_read *r, const struct heif_image *img,
	  struct image *out, struct hook *hook, struct imgpipe_error *err)
{
	int band = hook_band(hook, BAND_ROWS), y, i, n, rc, stride = 0;
	int premul = out->channels == 4 &&
		     heif_image_handle_is_premultiplied_alpha(r->handle);
	const uint8_t *p;
	size_t row = image_row_bytes(out);

	p = heif_image_get_plane_readonly(img, heif_channel_interleaved,
					  &stride);
	if (p == NULL || stride < 0 || (size_t)stride < row ||
	    heif_image_get_width(img, heif_channel_interleaved) != out->w ||
	    heif_image_get_height(img, heif_channel_interleaved) != out->h ||
	    heif_image_get_bits_per_pixel_range(img,
						heif_channel_interleaved) != 8)
		return error_set(err, IMGPIPE_EFORMAT,
				 "corrupt %s: the decoded image is not the "
				 "header's %dx%d",
				 r->fmt, out->w, out->h);
	for (y = 0; y < out->h; y += n) {
		n = UTIL_MIN(band, out->h - y);
		for (i = 0; i < n; i++) {
			memcpy(image_row(out, y + i),
			       p + (size_t)(y + i) * (size_t)stride, row);
			if (premul)
				unpremultiply(image_row(out, y + i), out->w);
		}
		rc = hook_rows(hook, n);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * What fail_on makes of libheif's decoding warnings (damage it worked
 * around in non-strict mode): under FAIL_ON_WARNING a failure, else the
 * last one is the image's warning.  Only the last can be read: libheif
 * 1.15 fills every warning from first_warning_idx on whatever the buffer's
 * size, and each entry's message replaces the one before it in the
 * image, so asking for one from the start overflows the buffer and leaves
 * a freed message (found by fuzz_heif).
 */
static int
take_warning(const struct heif_read *r, struct heif_image *img,
	     enum fail_on fail_on, struct imgpipe_error *err)
{
	struct imgpipe_error said;
	struct heif_error w;
	int n = heif_image_get_decoding_warnings(img, 0, NULL, 0);

	if (n < 1 || heif_image_get_decoding_warnings(img, n - 1, &w, 1) != 1)
		return 0;
	if (fail_on >= FAIL_ON_WARNING)
		return heif_fail(err, r->fmt, w);
	heif_fail(&said, r->fmt, w);
	codec_warn(err, said.msg);
	return 0;
}

static int
decode_image(const struct heif_read *r, struct heif_image **img,
	     struct imgpipe_error *err)
{
	struct heif_decoding_options *o = heif_decoding_options_alloc();
	struct heif_error he;
	int alpha = heif_image_handle_has_alpha_channel(r->handle);

	if (o == NULL)
		return error_set(err, IMGPIPE_ENOMEM,
				 "out of memory in libheif");
	/* 10 and 12 bits to 8, by libheif. */
	o->convert_hdr_to_8bit = 1;
	/*
	 * Never strict, even for --fail-on warning: strict decoding only
	 * turns the decoding warnings (an invalid nclx value in the coded
	 * stream, say) into errors, and on that path libheif 1.15's decoder
	 * plugins leak the image; take_warning fails on the same warnings.
	 */
	o->strict_decoding = 0;
	he = heif_decode_image(r->handle, img, heif_colorspace_RGB,
			       alpha ? heif_chroma_interleaved_RGBA
				     : heif_chroma_interleaved_RGB,
			       o);
	heif_decoding_options_free(o);
	if (he.code != heif_error_Ok) {
		*img = NULL;
		return heif_fail(err, r->fmt, he);
	}
	return 0;
}

/* The ICC profile (colr prof or rICC), or else the nclx colour codes. */
static int
take_colour(const struct heif_read *r, struct image_meta *meta)
{
	struct heif_color_profile_nclx *nclx = NULL;
	size_t n = heif_image_handle_get_raw_color_profile_size(r->handle);
	struct heif_error he;

	if (n > 0) {
		meta->icc = malloc(n);
		if (meta->icc == NULL)
			return IMGPIPE_ENOMEM;
		he = heif_image_handle_get_raw_color_profile(r->handle,
							     meta->icc);
		if (he.code == heif_error_Ok) {
			meta->icc_len = n;
			return 0;
		}
		free(meta->icc);
		meta->icc = NULL;
	}
	/*
	 * The colr nclx box.  What the coded stream says (HEVC VUI, the AV1
	 * sequence header) libheif 1.15 drops in its conversion to RGB.
	 */
	he = heif_image_handle_get_nclx_color_profile(r->handle, &nclx);
	if (he.code == heif_error_Ok && nclx != NULL) {
		meta->nclx_primaries = (int)nclx->color_primaries;
		meta->nclx_transfer = (int)nclx->transfer_characteristics;
	}
	heif_nclx_color_profile_free(nclx);
	return 0;
}

/*
 * The first metadata item of type (and content type ctype, when not
 * NULL) as libheif stores it, in *out (malloc()ed, NUL after *n): 0, 1
 * when there is none, 2 when it is over max bytes (*n says its size), or
 * IMGPIPE_ENOMEM.
 */
static int
read_item(const struct heif_read *r, const char *type, const char *ctype,
	  size_t max, unsigned char **out, size_t *n)
{
	heif_item_id ids[16];
	struct heif_error he;
	const char *ct;
	int count, i;

	count = heif_image_handle_get_list_of_metadata_block_IDs(
		r->handle, type, ids, (int)ARRAY_SIZE(ids));
	for (i = 0; i < count; i++) {
		ct = heif_image_handle_get_metadata_content_type(r->handle,
								 ids[i]);
		if (ctype == NULL || (ct != NULL && strcmp(ct, ctype) == 0))
			break;
	}
	if (i >= count)
		return 1;
	*n = heif_image_handle_get_metadata_size(r->handle, ids[i]);
	if (*n > max)
		return 2;
	*out = malloc(*n + 1);
	if (*out == NULL)
		return IMGPIPE_ENOMEM;
	he = heif_image_handle_get_metadata(r->handle, ids[i], *out);
	if (he.code != heif_error_Ok) {
		free(*out);
		*out = NULL;
		return 1;
	}
	(*out)[*n] = 0;
	return 0;
}

/*
 * The Exif item: a 4-byte offset to the TIFF header, then (usually
 * "Exif\0\0" and) the TIFF structure, which is all meta->exif keeps.
 * NULL with *why set when the item is not one.
 */
static const unsigned char *
exif_tiff(const unsigned char *p, size_t n, size_t *tiff_len, const char **why)
{
	uint32_t off;

	*why = "no TIFF header";
	if (n < 4)
		return NULL;
	off = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	      (uint32_t)p[2] << 8 | p[3];
	if (off > n - 4) {
		*why = "its TIFF header offset is past the end of the item";
		return NULL;
	}
	p += 4 + off;
	n -= 4 + (size_t)off;
	/* Some writers leave "Exif\0\0" after an offset of 0. */
	if (n >= 6 && memcmp(p, "Exif\0\0", 6) == 0)
		p += 6, n -= 6;
	if (n < 8 || (memcmp(p, "II*\0", 4) != 0 && memcmp(p, "MM\0*", 4) != 0))
		return NULL;
	*tiff_len = n;
	return p;
}

static int
take_exif(const struct heif_read *r, struct image_meta *meta,
	  struct imgpipe_error *mw)
{
	unsigned char *item = NULL;
	const unsigned char *tiff;
	const char *why;
	size_t n = 0, tn = 0;
	int rc = read_item(r, "Exif", NULL, META_EXIF_MAX + 10, &item, &n);

	if (rc == 2)
		error_warn_more(
			mw, "EXIF dropped: %zu bytes, over the limit of %zu", n,
			META_EXIF_MAX);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	tiff = exif_tiff(item, n, &tn, &why);
	if (tiff == NULL)
		error_warn_more(mw, "EXIF dropped: %s", why);
	else if (tn > META_EXIF_MAX)
		error_warn_more(
			mw, "EXIF dropped: %zu bytes, over the limit of %zu",
			tn, META_EXIF_MAX);
	else if ((meta->exif = codec_copy_block(tiff, tn)) == NULL)
		rc = IMGPIPE_ENOMEM;
	else
		meta->exif_len = tn;
	free(item);
	return rc;
}

static int
take_xmp(const struct heif_read *r, struct image_meta *meta,
	 struct imgpipe_error *mw)
{
	size_t n = 0;
	int rc = read_item(r, "mime", "application/rdf+xml", META_XMP_MAX,
			   &meta->xmp, &n);

	if (rc == 2)
		error_warn_more(mw,
				"XMP dropped: %zu bytes, over the limit of %zu",
				n, META_XMP_MAX);
	if (rc == 0)
		meta->xmp_len = n;
	return rc < 0 ? rc : 0;
}

/*
 * The colour and the EXIF and XMP items into meta; a block that cannot be
 * carried is left out with a warning in mw.  The EXIF orientation stays
 * as written: it is informational, since libheif applied irot and imir,
 * and the output's says 1 (the codec is upright).
 */
static int
take_meta(const struct heif_read *r, struct image_meta *meta,
	  struct imgpipe_error *mw)
{
	int rc = take_colour(r, meta);

	if (rc == 0)
		rc = take_exif(r, meta, mw);
	if (rc == 0)
		rc = take_xmp(r, meta, mw);
	return rc;
}

static int
heif_decode(const unsigned char *buf, size_t len,
	    const struct decode_opts *opts, struct image *out,
	    struct image_meta *meta, struct hook *hook,
	    struct imgpipe_error *err)
{
	struct imgpipe_error mw;
	struct heif_image *img = NULL;
	struct heif_read r;
	int rc, w, h, ch;

	error_clear(&mw);
	image_meta_init(meta);
	rc = open_primary(buf, len, opts->max_pixels, &r, err);
	if (rc != 0)
		return rc;
	ch = channels_of(&r);
	rc = check_sizes(&r, ch, opts->max_pixels, &w, &h, err);
	if (rc == 0)
		rc = image_alloc(out, w, h, ch, PIXFMT_U8, opts->max_pixels,
				 err);
	if (rc == 0)
		rc = decode_image(&r, &img, err);
	if (rc == 0)
		rc = copy_rows(&r, img, out, hook, err);
	if (rc == 0 && take_meta(&r, meta, &mw) != 0)
		rc = error_set(err, IMGPIPE_ENOMEM,
			       "out of memory for metadata");
	if (rc == 0) {
		codec_warn(err, "");
		rc = take_warning(&r, img, opts->fail_on, err);
	}
	if (img != NULL)
		heif_image_release(img);
	heif_read_release(&r);
	if (rc != 0) {
		image_meta_release(meta);
		return rc;
	}
	if (mw.msg[0] != '\0')
		error_warn_more(err, "%s", mw.msg);
	return 0;
}

const struct codec codec_heic = {
	.id = CODEC_HEIC,
	.name = "heic",
	.ext = "heic",
	.built = 1,
	.upright = 1,
	.sniff = codec_sniff_heic,
	.probe = heif_probe,
	.decode = heif_decode,
};

const struct codec codec_avif = {
	.id = CODEC_AVIF,
	.name = "avif",
	.ext = "avif",
	.built = 1,
	.upright = 1,
	.sniff = codec_sniff_avif,
	.probe = heif_probe,
	.decode = heif_decode,
	.encode = heif_save_avif,
};
