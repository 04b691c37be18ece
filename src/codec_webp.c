/*
 * WebP in, through libwebp's demuxer and incremental decoder, and the codec
 * record (codec_webp_save.c writes).  The file is handed to the decoder in
 * slices, so that rows are reported (hook_rows) as they come and coop can
 * yield inside a decode; the decoder writes straight into the image.  An
 * animated file gives its first frame on a transparent canvas, as
 * WebPAnimDecoder composes it.
 */
#include "codec.h"

#include <string.h>
#include <webp/decode.h>
#include <webp/demux.h>

#include "codec_webp.h"
#include "error.h"
#include "exif.h"
#include "hook.h"
#include "image.h"
#include "metafix.h"
#include "util.h"

/*
 * Bytes handed to the decoder at a time: some dozens of rows of a photo,
 * so that the hook runs often.  Lossless decoding restarts the row where
 * a slice ends, so much smaller slices cost it time.
 */
#define SLICE_BYTES ((size_t)64 << 10)

/* An ICC profile is bounded as PNG's iCCP is: 16 MiB, far above any. */
#define ICC_MAX ((size_t)16 << 20)

/* What a file holds, from its headers alone. */
struct layout {
	int w, h;	     /* the canvas */
	int channels;	     /* 3, or 4: alpha, or canvas the frame leaves */
	int animated;	     /* an ANIM file: only the first frame is read */
	int frames;	     /* frames seen (animated) */
	int x, y, fw, fh;    /* the first frame's place on the canvas */
	const uint8_t *data; /* what the decoder reads: file or frame */
	size_t len;
	int cut; /* the file is shorter than its RIFF header says */
};

/* A libwebp status as our error; what names a corrupt file. */
static int
status_error(VP8StatusCode s, const char *what, struct imgpipe_error *err)
{
	switch (s) {
	case VP8_STATUS_OUT_OF_MEMORY:
		return error_set(err, IMGPIPE_ENOMEM,
				 "out of memory in the WebP decoder");
	case VP8_STATUS_NOT_ENOUGH_DATA:
	case VP8_STATUS_SUSPENDED:
		return error_set(err, IMGPIPE_EFORMAT, "truncated WebP data");
	case VP8_STATUS_UNSUPPORTED_FEATURE:
		return error_set(err, IMGPIPE_EFORMAT,
				 "unsupported WebP feature");
	default: return error_set(err, IMGPIPE_EFORMAT, "%s", what);
	}
}

/*
 * The chunks of buf, or NULL (no metadata; the decoder then says what is
 * wrong).  Partial: a truncated file still shows the chunks before the cut.
 */
static WebPDemuxer *
demux_open(const unsigned char *buf, size_t len, WebPDemuxState *state)
{
	WebPData d;

	d.bytes = buf;
	d.size = len;
	*state = WEBP_DEMUX_PARSE_ERROR;
	return WebPDemuxPartial(&d, state);
}

/* An animated file's first frame, from dmux, into lo. */
static int
first_frame(WebPDemuxer *dmux, WebPDemuxState state, struct layout *lo,
	    struct imgpipe_error *err)
{
	WebPIterator it;
	int whole;

	if (dmux == NULL || !WebPDemuxGetFrame(dmux, 1, &it))
		return error_set(err, IMGPIPE_EFORMAT,
				 state == WEBP_DEMUX_PARSE_ERROR
					 ? "corrupt WebP animation"
					 : "truncated WebP data");
	lo->x = it.x_offset;
	lo->y = it.y_offset;
	lo->fw = it.width;
	lo->fh = it.height;
	lo->data = it.fragment.bytes;
	lo->len = it.fragment.size;
	lo->frames = it.num_frames;
	whole = lo->x == 0 && lo->y == 0 && lo->fw == lo->w && lo->fh == lo->h;
	lo->channels = whole && !it.has_alpha ? 3 : 4;
	WebPDemuxReleaseIterator(&it);
	if (lo->fw <= 0 || lo->fh <= 0 || lo->x < 0 || lo->y < 0 ||
	    lo->fw > lo->w - lo->x || lo->fh > lo->h - lo->y)
		return error_set(err, IMGPIPE_EFORMAT,
				 "corrupt WebP animation: the first frame "
				 "is outside the canvas");
	return 0;
}

/* The canvas, channels and first frame of buf (dmux may be NULL). */
static int
read_layout(const unsigned char *buf, size_t len, WebPDemuxer *dmux,
	    WebPDemuxState state, struct layout *lo, struct imgpipe_error *err)
{
	WebPBitstreamFeatures f;
	VP8StatusCode s = WebPGetFeatures(buf, len, &f);

	if (s != VP8_STATUS_OK)
		return status_error(s, "corrupt WebP header", err);
	memset(lo, 0, sizeof(*lo));
	lo->w = lo->fw = f.width;
	lo->h = lo->fh = f.height;
	lo->channels = f.has_alpha ? 4 : 3;
	lo->animated = f.has_animation;
	lo->frames = 1;
	lo->data = buf;
	lo->len = len;
	/*
	 * The incremental decoder stops once it has its last row, so a file
	 * missing only its last bytes decodes whole; WebPDecode calls that
	 * truncated, and so does imgpipe.
	 */
	lo->cut = len < 12 || (uint32_t)buf[4] + ((uint32_t)buf[5] << 8) +
					      ((uint32_t)buf[6] << 16) +
					      ((uint32_t)buf[7] << 24) >
				      len - 8;
	if (lo->w <= 0 || lo->h <= 0)
		return error_set(err, IMGPIPE_EFORMAT, "corrupt WebP header");
	return lo->animated ? first_frame(dmux, state, lo, err) : 0;
}

/* The EXIF chunk's orientation (1 without one). */
static int
orientation(WebPDemuxer *dmux)
{
	WebPChunkIterator it;
	int o = 1;

	if (dmux != NULL && WebPDemuxGetChunk(dmux, "EXIF", 1, &it)) {
		o = exif_orientation(it.chunk.bytes, it.chunk.size);
		WebPDemuxReleaseChunkIterator(&it);
	}
	return o;
}

static int
webp_probe(const unsigned char *buf, size_t len, struct image_info *info,
	   struct imgpipe_error *err)
{
	WebPDemuxState state;
	WebPDemuxer *dmux = demux_open(buf, len, &state);
	struct layout lo;
	int rc = read_layout(buf, len, dmux, state, &lo, err);

	if (rc == 0) {
		info->w = lo.w;
		info->h = lo.h;
		info->channels = lo.channels;
		info->orientation = orientation(dmux);
	}
	WebPDemuxDelete(dmux);
	return rc;
}

/*
 * Hand lo's bytes to idec a slice at a time, reporting each new row.
 * Returns 0 with *st (VP8_STATUS_OK: done; SUSPENDED: the data ran out;
 * else the decoder's error) and *rows (rows complete), or the hook's code.
 */
static int
feed(WebPIDecoder *idec, const struct layout *lo, struct hook *hook,
     VP8StatusCode *st, int *rows)
{
	VP8StatusCode s = VP8_STATUS_SUSPENDED;
	size_t fed = 0;
	int y, rc;

	*rows = 0;
	while (s == VP8_STATUS_SUSPENDED && fed < lo->len) {
		fed += UTIL_MIN(SLICE_BYTES, lo->len - fed);
		s = WebPIUpdate(idec, lo->data, fed);
		y = 0;
		if (WebPIDecGetRGB(idec, &y, NULL, NULL, NULL) == NULL ||
		    y <= *rows)
			continue;
		rc = hook_rows(hook, y - *rows);
		*rows = y;
		if (rc != 0)
			return rc;
	}
	*st = s;
	return 0;
}

/*
 * Decode lo's frame into out: the whole image (scaled when d > 1), or the
 * frame's rectangle of a canvas.  Returns 0 with *st and *rows as feed
 * says, or a failure.
 */
static int
decode_into(const struct layout *lo, int d, struct image *out,
	    struct hook *hook, VP8StatusCode *st, int *rows,
	    struct imgpipe_error *err)
{
	int whole = lo->fw == lo->w && lo->fh == lo->h;
	int rw = whole ? out->w : lo->fw, rh = whole ? out->h : lo->fh;
	WebPDecoderConfig cfg;
	WebPIDecoder *idec;
	int rc;

	if (!WebPInitDecoderConfig(&cfg))
		return error_set(err, IMGPIPE_EFORMAT,
				 "libwebp is not the version built against");
	if (d > 1) {
		cfg.options.use_scaling = 1;
		cfg.options.scaled_width = out->w;
		cfg.options.scaled_height = out->h;
	}
	cfg.output.colorspace = out->channels == 4 ? MODE_RGBA : MODE_RGB;
	cfg.output.is_external_memory = 1;
	cfg.output.u.RGBA.rgba =
		image_row(out, lo->y) + (size_t)lo->x * (size_t)out->channels;
	cfg.output.u.RGBA.stride = (int)out->stride;
	cfg.output.u.RGBA.size = (size_t)(rh - 1) * out->stride +
				 (size_t)rw * (size_t)out->channels;
	/* cfg outlives idec: the decoder keeps a pointer to its options. */
	idec = WebPIDecode(NULL, 0, &cfg);
	if (idec == NULL)
		return error_set(err, IMGPIPE_ENOMEM,
				 "out of memory in the WebP decoder");
	rc = feed(idec, lo, hook, st, rows);
	WebPIDelete(idec);
	return rc;
}

/*
 * The first chunk fourcc of dmux, copied into *dst within max bytes; an
 * EXIF chunk loses the "Exif\0\0" some writers put first.  A chunk over
 * max is left out with a warning in mw.  Returns 0 or IMGPIPE_ENOMEM.
 */
static int
take_chunk(WebPDemuxer *dmux, const char *fourcc, const char *name, size_t max,
	   unsigned char **dst, size_t *dst_len, struct imgpipe_error *mw)
{
	WebPChunkIterator it;
	const uint8_t *p;
	size_t n;
	int rc = 0;

	if (dmux == NULL || !WebPDemuxGetChunk(dmux, fourcc, 1, &it))
		return 0;
	p = it.chunk.bytes;
	n = it.chunk.size;
	if (strcmp(fourcc, "EXIF") == 0 && n >= 6 &&
	    memcmp(p, "Exif\0\0", 6) == 0)
		p += 6, n -= 6;
	if (n > max)
		error_warn_more(mw,
				"%s dropped: %zu bytes, over the limit of %zu",
				name, n, max);
	else if (n > 0 && (*dst = codec_copy_block(p, n)) == NULL)
		rc = IMGPIPE_ENOMEM;
	else if (n > 0)
		*dst_len = n;
	WebPDemuxReleaseChunkIterator(&it);
	return rc;
}

static int
take_meta(WebPDemuxer *dmux, struct image_meta *meta, struct imgpipe_error *mw)
{
	int rc = take_chunk(dmux, "ICCP", "ICC profile", ICC_MAX, &meta->icc,
			    &meta->icc_len, mw);

	if (rc == 0)
		rc = take_chunk(dmux, "EXIF", "EXIF", META_EXIF_MAX,
				&meta->exif, &meta->exif_len, mw);
	if (rc == 0)
		rc = take_chunk(dmux, "XMP ", "XMP", META_XMP_MAX, &meta->xmp,
				&meta->xmp_len, mw);
	return rc;
}

/* The scale factor decode honours: 2, 4 or 8 for a whole frame, else 1. */
static int
denom(const struct decode_opts *opts, const struct layout *lo)
{
	int d = opts->scale_denom;

	if (lo->fw != lo->w || lo->fh != lo->h)
		return 1;
	return d == 2 || d == 4 || d == 8 ? d : 1;
}

/*
 * Decode lo into out at 1/d, canvas bare (transparent) where the first
 * frame does not reach.  Damage that opts->fail_on lets through leaves its
 * message in *kept and the rows never decoded grey.
 */
static int
decode_pixels(const struct layout *lo, const struct decode_opts *opts,
	      struct image *out, struct hook *hook, const char **kept,
	      struct imgpipe_error *err)
{
	int d = denom(opts, lo), rows = 0, rc;
	VP8StatusCode st = VP8_STATUS_OK;

	rc = image_check_size(lo->w, lo->h, lo->channels, PIXFMT_U8,
			      opts->max_pixels, err);
	if (rc == 0)
		rc = image_alloc(out, (lo->w + d - 1) / d, (lo->h + d - 1) / d,
				 lo->channels, PIXFMT_U8, opts->max_pixels,
				 err);
	if (rc != 0)
		return rc;
	if (lo->fw != lo->w || lo->fh != lo->h)
		memset(out->data, 0, out->stride * (size_t)out->h);
	rc = decode_into(lo, d, out, hook, &st, &rows, err);
	if (rc == 0 && st == VP8_STATUS_OK && lo->cut) {
		st = VP8_STATUS_SUSPENDED;
		rows = out->h - lo->y;
	}
	if (rc != 0 || st == VP8_STATUS_OK)
		return rc;
	if (st == VP8_STATUS_OUT_OF_MEMORY || rows == 0 ||
	    opts->fail_on >= FAIL_ON_TRUNCATED)
		return status_error(st, "corrupt WebP data", err);
	*kept = st == VP8_STATUS_SUSPENDED ? "truncated WebP data"
					   : "corrupt WebP data";
	codec_fill_missing(out, lo->y + rows);
	return 0;
}

static int
webp_decode(const unsigned char *buf, size_t len,
	    const struct decode_opts *opts, struct image *out,
	    struct image_meta *meta, struct hook *hook,
	    struct imgpipe_error *err)
{
	static const struct decode_opts dflt = { 1, 0, FAIL_ON_TRUNCATED, 0 };
	struct imgpipe_error mw;
	WebPDemuxState state;
	WebPDemuxer *dmux = demux_open(buf, len, &state);
	const char *kept = "";
	struct layout lo;
	int rc;

	image_meta_init(meta);
	error_clear(&mw);
	rc = read_layout(buf, len, dmux, state, &lo, err);
	if (rc == 0)
		rc = decode_pixels(&lo, opts != NULL ? opts : &dflt, out, hook,
				   &kept, err);
	if (rc == 0 && take_meta(dmux, meta, &mw) != 0) {
		image_meta_release(meta);
		rc = error_set(err, IMGPIPE_ENOMEM,
			       "out of memory for metadata");
	}
	WebPDemuxDelete(dmux);
	if (rc != 0)
		return rc;
	codec_warn(err, kept);
	if (lo.animated && lo.frames > 1)
		error_warn_more(err,
				"animated WebP: only the first frame kept");
	if (mw.msg[0] != '\0')
		error_warn_more(err, "%s", mw.msg);
	return 0;
}

const struct codec codec_webp = {
	.id = CODEC_WEBP,
	.name = "webp",
	.ext = "webp",
	.built = 1,
	.scales = 1,
	.sniff = codec_sniff_webp,
	.probe = webp_probe,
	.decode = webp_decode,
	.encode = webp_save,
};
