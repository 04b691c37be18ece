/*
 * Image codecs behind one interface, chosen by magic bytes.  Only
 * codec_<format>.c includes its library (codec_heif.c serves HEIC and
 * AVIF).  Codecs read from and
 * write to memory; the pipeline owns all file I/O.  Every function is
 * thread-safe (no shared state) and reports failures through err with
 * messages such as "truncated JPEG data" or "12-bit JPEG is not supported".
 */
#ifndef IMGPIPE_CODEC_H
#define IMGPIPE_CODEC_H

#include <stddef.h>
#include <stdint.h>

struct hook;
struct image;
struct imgpipe_error;
struct membuf;
struct row_sink;

enum codec_id {
	CODEC_NONE = 0,
	CODEC_JPEG,
	CODEC_PNG,
	CODEC_WEBP,
	CODEC_HEIC, /* HEIF with HEVC (and any other non-AV1 HEIF): read only */
	CODEC_AVIF  /* HEIF with AV1 */
};

/* What a header says, without decoding pixels. */
struct image_info {
	int w, h;	 /* stored size, before orientation */
	int channels;	 /* what decode will produce: 1..4 (4: CMYK) */
	int orientation; /* EXIF Orientation 1..8; 1 when absent or invalid,
			    and always 1 from an upright codec (HEIF) */
};

/*
 * The metadata blocks, as bits: what --keep names (libvips 8.15's words)
 * and what the report says was written.
 */
enum meta_block {
	META_EXIF = 1 << 0,
	META_XMP = 1 << 1,
	META_IPTC = 1 << 2,
	META_ICC = 1 << 3,
	META_OTHER = 1 << 4, /* JPEG comments, PNG text chunks */
	META_ALL = (1 << 5) - 1
};

/* A JPEG comment (COM) or a PNG tEXt, zTXt or iTXt chunk. */
struct meta_text {
	char key[80];	     /* PNG keyword, NUL-terminated; "" for COM */
	char kind;	     /* 'C' COM, 't' tEXt, 'z' zTXt, 'i' iTXt */
	unsigned char *text; /* as stored (iTXt: UTF-8), NUL after len */
	size_t len;
};

/*
 * The texts a file may bring: more, or more bytes in all, and the ones
 * past the limit are dropped with a warning (a PNG may hold thousands of
 * chunks; the metadata must not cost more than the pixels).
 */
#define META_TEXTS_MAX_COUNT 64
#define META_TEXTS_MAX_BYTES ((size_t)1 << 20)

/*
 * What one JPEG segment holds (its 16-bit length counts itself): an EXIF
 * block after "Exif\0\0", an XMP packet after its 29-byte namespace (the
 * XMP specification's figure), a comment.  The JPEG encoder writes no
 * larger block; the caller drops it first, with a warning.
 */
#define CODEC_JPEG_EXIF_MAX 65527u
#define CODEC_JPEG_XMP_MAX  65502u
#define CODEC_JPEG_COM_MAX  65533u

/*
 * Data that travels with the pixels from input to output; every pointer
 * is malloc()ed and owned by the record (image_meta_release frees it).  The
 * orientation is the probe's alone (image_info), so that what the
 * pipeline plans and what it turns are the same.
 */
struct image_meta {
	unsigned char *icc; /* ICC profile bytes or NULL */
	size_t icc_len;
	unsigned char *exif; /* a TIFF structure ("II"/"MM"), no Exif header */
	size_t exif_len;
	unsigned char *xmp; /* one XMP packet, UTF-8, NUL after xmp_len */
	size_t xmp_len;
	unsigned char
		*iptc; /* Photoshop IRB resources (after "Photoshop 3.0") */
	size_t iptc_len;
	struct meta_text *texts;
	size_t n_texts;
	int srgb;	   /* a PNG sRGB chunk: the pixels are sRGB */
	int cmyk;	   /* pixels are CMYK, 4 channels as stored */
	int cmyk_inverted; /* ... Adobe's way: 0 is full ink */
	/*
	 * A HEIF nclx colour box without an ICC profile: its colour
	 * primaries and transfer characteristics (ISO/IEC 23091-2 codes:
	 * 1 BT.709, 12 Display P3, 13 sRGB, ...); 0 when absent.  The
	 * colour step makes a profile of them.
	 */
	int nclx_primaries;
	int nclx_transfer;
};

/*
 * How much damage fails a decode (--fail-on, libvips' policy), in rising
 * strictness; each level also fails on what the ones below it fail on.
 * The zero value is the default.  Damage a level lets through decodes to
 * an image, and its message is the decoder's warning.
 */
enum fail_on {
	FAIL_ON_NONE = -1,     /* never: missing rows come out grey */
	FAIL_ON_TRUNCATED = 0, /* pixel rows missing or garbled */
	FAIL_ON_ERROR = 1,     /* a decoder error after the last row too */
	FAIL_ON_WARNING = 2    /* any decoder warning too */
};

struct decode_opts {
	/*
	 * 1, 2, 4 or 8: decode at ceil(w / d) x ceil(h / d), from a codec
	 * with scales set (JPEG's DCT scaling, WebP's scaled decode); the
	 * others ignore it.
	 */
	int scale_denom;
	uint64_t max_pixels; /* checked against the header before allocating */
	enum fail_on fail_on;
	/*
	 * PNG: 16-bit samples come out as PIXFMT_U16 for the colour step to
	 * transform before it reduces them; 0 (the default): reduced to 8.
	 */
	int keep16;
};

/* Quality 0 and effort -1 ask for the format's own default (README). */
#define CODEC_JPEG_QUALITY 85
#define CODEC_WEBP_QUALITY 80
#define CODEC_AVIF_QUALITY 50
#define CODEC_WEBP_METHOD  4 /* libwebp's default */
#define CODEC_AVIF_EFFORT  4 /* AV1 speed 9 - 4 = 5, as libvips */

struct encode_opts {
	int quality;	 /* JPEG, WebP, AVIF 1..100; 0: the format's default */
	int progressive; /* JPEG progressive when non-zero */
	int png_level;	 /* zlib 0..9 */
	int lossless;	 /* WebP, AVIF (4:4:4) lossless when non-zero */
	int effort;	 /* WebP, AVIF 0..9 (CPU for size); -1: default */
};

/* Every format's defaults (an encoder given NULL options uses these). */
#define ENCODE_OPTS_DEFAULT                                                    \
	{                                                                      \
		.quality = 0, .progressive = 0, .png_level = 6, .lossless = 0, \
		.effort = -1                                                   \
	}

struct codec {
	enum codec_id id;
	const char *name; /* "jpeg", "png", "webp", "heic", "avif" */
	const char *ext;  /* preferred extension, no dot: "jpg", "png" */
	/*
	 * 0 when this build leaves the format out (HEIF=0, WEBP=0): sniff
	 * still knows it, probe and decode fail with "... not built", and
	 * encode is NULL.
	 */
	int built;
	int scales; /* decode honours decode_opts.scale_denom */
	/*
	 * The decoder applies the file's own transforms (HEIF irot, imir,
	 * clap), so the pixels come out upright; an EXIF orientation is
	 * informational (probe says 1) and is written as 1.
	 */
	int upright;

	/* Non-zero when buf (the first len bytes of a file) has our magic. */
	int (*sniff)(const unsigned char *buf, size_t len);

	/*
	 * Read the header and the EXIF orientation, wherever in the file it
	 * is, without decoding pixels: 0 or IMGPIPE_EFORMAT.
	 */
	int (*probe)(const unsigned char *buf, size_t len,
		     struct image_info *info, struct imgpipe_error *err);

	/*
	 * Decode into out (reshaped with image_alloc, so a worker's buffer is
	 * reused) as PIXFMT_U8 with 1..4 channels; CMYK stays 4 channels as
	 * stored (meta->cmyk, meta->cmyk_inverted: the colour step converts
	 * it), 16 bits become 8 (unless opts->keep16), palettes and tRNS are
	 * expanded.  Fills meta (caller releases it with image_meta_release)
	 * with every block read, each within its limit (metafix.h's,
	 * META_TEXTS_*); a block over it, or one that cannot be carried
	 * (extended XMP, an ICC profile whose APP2 segments are out of
	 * order), is left out with a warning.  Calls hook_rows as rows are
	 * produced and stops with its code when it returns non-zero.  On
	 * success err->msg is "" or the warning: the worst damage that
	 * opts->fail_on let through (err->code stays 0), then the blocks left
	 * out, joined by "; ".  On failure, meta owns nothing and out's
	 * contents are undefined.
	 */
	int (*decode)(const unsigned char *buf, size_t len,
		      const struct decode_opts *opts, struct image *out,
		      struct image_meta *meta, struct hook *hook,
		      struct imgpipe_error *err);

	/*
	 * NULL, or decode as decode does, with every message, warning and
	 * code the same, but hand the rows to sink (row_sink.h) as they come
	 * instead of writing an image: 8-bit only (opts->keep16 is ignored).
	 * Rows that decode would paint grey (codec_fill_missing) are handed
	 * over grey.
	 */
	int (*decode_rows)(const unsigned char *buf, size_t len,
			   const struct decode_opts *opts,
			   const struct row_sink *sink, struct image_meta *meta,
			   struct hook *hook, struct imgpipe_error *err);

	/*
	 * NULL for a format imgpipe reads only (HEIC) or did not build.
	 * Append the encoded image to out.  JPEG accepts 1 or 3 channels (the
	 * pipeline flattens alpha first); PNG, WebP and AVIF accept 1..4. Every
	 * block of meta is embedded as the format carries it (README,
	 * Metadata): JPEG APP1 Exif and XMP, APP2 ICC, APP13 IPTC, COM for
	 * texts of kind 'C'; PNG eXIf, iTXt XMP, iCCP and each text as its kind
	 * (IPTC has no PNG container and is not written); WebP ICCP, EXIF and
	 * XMP chunks; AVIF colr prof, Exif and XMP items (never a text or
	 * IPTC).  A JPEG block over its CODEC_JPEG_*_MAX is left out.  Calls
	 * hook_rows as rows are written.
	 */
	int (*encode)(const struct image *im, const struct image_meta *meta,
		      const struct encode_opts *opts, struct membuf *out,
		      struct hook *hook, struct imgpipe_error *err);
};

/* What a file no codec's magic matches is (the message of its failure). */
#define CODEC_NOT_AN_IMAGE "not a JPEG, PNG, WebP, HEIC or AVIF file"

/* The codec whose magic matches buf, or NULL. */
const struct codec *codec_sniff(const unsigned char *buf, size_t len);

/* The codec for id, or NULL for CODEC_NONE. */
const struct codec *codec_get(enum codec_id id);

/*
 * How many leading bytes codec_sniff needs to decide: an ISO-BMFF ftyp box
 * lists its compatible brands after 16 bytes.
 */
#define CODEC_SNIFF_BYTES 64

/* The default encoder for a job's -f same: the input's own, or JPEG. */
enum codec_id codec_output_for(enum codec_id in);

/*
 * What codec_sniff.c holds, below the codecs (the registry's stubs for a
 * format not built use it too): CODEC_HEIC or CODEC_AVIF for an ISO-BMFF
 * ftyp box whose major or a compatible brand is a HEIF or AVIF one (AVIF
 * when an AVIF brand is there), CODEC_WEBP for RIFF....WEBP, or
 * CODEC_NONE.
 */
enum codec_id codec_sniff_heif(const unsigned char *buf, size_t len);
int codec_sniff_webp(const unsigned char *buf, size_t len);
/* The two sides of codec_sniff_heif, as struct codec's sniff. */
int codec_sniff_heic(const unsigned char *buf, size_t len);
int codec_sniff_avif(const unsigned char *buf, size_t len);

/* What codec_result.c holds: shared by the codecs, below them. */
void image_meta_init(struct image_meta *m);
void image_meta_release(struct image_meta *m);

/*
 * A malloc()ed copy of p[0..n) followed by a NUL that n does not count (so
 * that a text or an XMP packet is also a C string), or NULL.
 */
unsigned char *codec_copy_block(const unsigned char *p, size_t n);

/*
 * Append a copy of a text to m->texts: 0, 1 when META_TEXTS_MAX_COUNT or
 * META_TEXTS_MAX_BYTES leaves no room (nothing added), or IMGPIPE_ENOMEM.
 */
int image_meta_add_text(struct image_meta *m, char kind, const char *key,
			const unsigned char *text, size_t len);

/*
 * Paint rows y0..out->h grey (colour 128, alpha opaque): the rows a
 * decoder could not produce under FAIL_ON_NONE, as libjpeg fills them.
 */
void codec_fill_missing(struct image *out, int y0);

/* End a successful decode: err says "" or msg (which may be err->msg). */
void codec_warn(struct imgpipe_error *err, const char *msg);

extern const struct codec codec_jpeg;
extern const struct codec codec_png;
extern const struct codec codec_webp; /* codec_webp.c or, WEBP=0, codec.c */
extern const struct codec codec_heic; /* codec_heif.c or, HEIF=0, codec.c */
extern const struct codec codec_avif;

#endif
