/*
 * WebP out, through libwebp's encoder and, when there is metadata, its
 * muxer (VP8X with ICCP, EXIF and XMP chunks).  Pixels go in as ARGB
 * whatever their channel count, so one copy serves grey, alpha and RGB;
 * libwebp's own conversion to YUV follows for lossy output, the same one
 * WebPPictureImportRGB makes.  The encoder is single-threaded
 * (thread_level 0): imgpipe runs images side by side, and a second thread
 * inside each encode would only compete with them.  Output bytes depend
 * only on the pixels, metadata and options.
 */
#include "codec.h"

#include <stdint.h>
#include <webp/encode.h>
#include <webp/mux.h>

#include "codec_webp.h"
#include "error.h"
#include "hook.h"
#include "image.h"
#include "membuf.h"
#include "util.h"

/*
 * The effort of libwebp's lossless search, which it calls quality: its
 * default, as cwebp's.  With --lossless, -q is ignored (imgpipe.1).
 */
#define LOSSLESS_QUALITY 75

/* The encoder's progress (hook) and output (writer) state. */
struct save_state {
	struct membuf *dst;
	int oom;
	struct hook *hook;
	int h, rows; /* rows reported so far, from the percentage */
	int rc;	     /* the hook's code, when it stopped the encode */
};

static int
write_fn(const uint8_t *data, size_t n, const WebPPicture *pic)
{
	struct save_state *s = pic->custom_ptr;

	if (membuf_append(s->dst, data, n) != 0) {
		s->oom = 1;
		return 0;
	}
	return 1;
}

/* libwebp's percentage as rows, so coop can yield inside an encode. */
static int
progress_fn(int percent, const WebPPicture *pic)
{
	struct save_state *s = pic->user_data;
	int rows = (int)((int64_t)percent * s->h / 100);

	if (rows <= s->rows)
		return 1;
	s->rc = hook_rows(s->hook, rows - s->rows);
	s->rows = rows;
	return s->rc == 0;
}

/* libwebp's method 0..6 for effort 0..9, rounded (README). */
static int
method(int effort)
{
	if (effort < 0)
		return CODEC_WEBP_METHOD;
	return (UTIL_MIN(effort, 9) * 6 + 4) / 9;
}

static int
set_config(WebPConfig *cfg, const struct encode_opts *o,
	   struct imgpipe_error *err)
{
	if (!WebPConfigInit(cfg))
		return error_set(err, IMGPIPE_EFORMAT,
				 "libwebp is not the version built against");
	if (o->lossless)
		cfg->quality = LOSSLESS_QUALITY;
	else
		cfg->quality =
			(float)(o->quality > 0 ? UTIL_MIN(o->quality, 100)
					       : CODEC_WEBP_QUALITY);
	cfg->method = method(o->effort);
	cfg->lossless = o->lossless != 0;
	/* Lossless means every sample, also under transparent alpha. */
	cfg->exact = o->lossless != 0;
	cfg->thread_level = 0;
	if (!WebPValidateConfig(cfg))
		return error_set(err, IMGPIPE_EFORMAT,
				 "invalid WebP encoder settings");
	return 0;
}

/* im's samples as opaque-or-not ARGB: grey becomes R = G = B. */
static void
fill_argb(WebPPicture *pic, const struct image *im)
{
	int ch = im->channels, x, y;
	const unsigned char *p;
	uint32_t *q, a, r, g, b;

	for (y = 0; y < im->h; y++) {
		p = image_row(im, y);
		q = pic->argb + (size_t)y * (size_t)pic->argb_stride;
		for (x = 0; x < im->w; x++, p += ch) {
			r = p[0];
			g = ch >= 3 ? p[1] : r;
			b = ch >= 3 ? p[2] : r;
			a = ch == 2 || ch == 4 ? p[ch - 1] : 255;
			q[x] = a << 24 | r << 16 | g << 8 | b;
		}
	}
}

static int
encode_error(const WebPPicture *pic, const struct save_state *s,
	     struct imgpipe_error *err)
{
	if (s->rc != 0)
		return s->rc;
	if (s->oom || pic->error_code == VP8_ENC_ERROR_OUT_OF_MEMORY ||
	    pic->error_code == VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY)
		return error_set(err, IMGPIPE_ENOMEM,
				 "out of memory writing WebP");
	return error_set(err, IMGPIPE_EFORMAT, "cannot encode WebP (error %d)",
			 (int)pic->error_code);
}

/* The bare bitstream (RIFF, VP8 or VP8L) of im, appended to dst. */
static int
encode_bitstream(const struct image *im, const struct encode_opts *o,
		 struct membuf *dst, struct hook *hook,
		 struct imgpipe_error *err)
{
	struct save_state s = { dst, 0, hook, im->h, 0, 0 };
	WebPConfig cfg;
	WebPPicture pic;
	int rc = set_config(&cfg, o, err);

	if (rc != 0)
		return rc;
	if (!WebPPictureInit(&pic))
		return error_set(err, IMGPIPE_EFORMAT,
				 "libwebp is not the version built against");
	pic.width = im->w;
	pic.height = im->h;
	pic.use_argb = 1;
	if (!WebPPictureAlloc(&pic))
		return error_set(err, IMGPIPE_ENOMEM,
				 "out of memory writing WebP");
	fill_argb(&pic, im);
	pic.writer = write_fn;
	pic.custom_ptr = &s;
	pic.progress_hook = progress_fn;
	pic.user_data = &s;
	if (!WebPEncode(&cfg, &pic))
		rc = encode_error(&pic, &s, err);
	WebPPictureFree(&pic);
	return rc;
}

static int
has_meta(const struct image_meta *m)
{
	return m != NULL &&
	       (m->icc_len > 0 || m->exif_len > 0 || m->xmp_len > 0);
}

/* One chunk of mux (not copied: p outlives the mux); 1 when set. */
static int
set_chunk(WebPMux *mux, const char *fourcc, const unsigned char *p, size_t n)
{
	WebPData d;

	if (p == NULL || n == 0)
		return 1;
	d.bytes = p;
	d.size = n;
	return WebPMuxSetChunk(mux, fourcc, &d, 0) == WEBP_MUX_OK;
}

/*
 * The bitstream in bits with meta's ICC profile, EXIF (a bare TIFF
 * structure, as the WebP container specification and ExifTool write it)
 * and XMP packet in chunks, appended to out.
 */
static int
mux_meta(const struct membuf *bits, const struct image_meta *m,
	 struct membuf *out, struct imgpipe_error *err)
{
	WebPData img, whole;
	WebPMux *mux;
	int ok, rc = 0;

	img.bytes = bits->data;
	img.size = bits->len;
	mux = WebPMuxCreate(&img, 0);
	if (mux == NULL)
		return error_set(err, IMGPIPE_ENOMEM,
				 "out of memory writing WebP");
	ok = set_chunk(mux, "ICCP", m->icc, m->icc_len) &&
	     set_chunk(mux, "EXIF", m->exif, m->exif_len) &&
	     set_chunk(mux, "XMP ", m->xmp, m->xmp_len);
	WebPDataInit(&whole);
	if (!ok || WebPMuxAssemble(mux, &whole) != WEBP_MUX_OK)
		rc = error_set(err, IMGPIPE_EFORMAT,
			       "cannot add the metadata chunks to WebP");
	else if (membuf_append(out, whole.bytes, whole.size) != 0)
		rc = error_set(err, IMGPIPE_ENOMEM,
			       "out of memory writing WebP");
	WebPDataClear(&whole);
	WebPMuxDelete(mux);
	return rc;
}

int
webp_save(const struct image *im, const struct image_meta *meta,
	  const struct encode_opts *opts, struct membuf *out, struct hook *hook,
	  struct imgpipe_error *err)
{
	static const struct encode_opts dflt = ENCODE_OPTS_DEFAULT;
	const struct encode_opts *o = opts != NULL ? opts : &dflt;
	struct membuf bits;
	size_t start = out->len;
	int rc;

	if (im->fmt != PIXFMT_U8 || im->channels < 1 || im->channels > 4)
		return error_set(err, IMGPIPE_EFORMAT,
				 "WebP cannot store %d channels", im->channels);
	if (im->w > WEBP_MAX_DIMENSION || im->h > WEBP_MAX_DIMENSION)
		return error_set(err, IMGPIPE_ELIMIT,
				 "image is %dx%d, over WebP's limit of %d "
				 "pixels a side",
				 im->w, im->h, WEBP_MAX_DIMENSION);
	if (!has_meta(meta)) {
		rc = encode_bitstream(im, o, out, hook, err);
		if (rc != 0)
			out->len = start;
		return rc;
	}
	membuf_init(&bits);
	rc = encode_bitstream(im, o, &bits, hook, err);
	if (rc == 0)
		rc = mux_meta(&bits, meta, out, err);
	membuf_release(&bits);
	if (rc != 0)
		out->len = start;
	return rc;
}
