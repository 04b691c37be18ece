/*
 * Colour management with Little CMS 2: what the input's pixels mean (its
 * embedded ICC profile, --import-profile for untagged ones) and what the
 * output's pixels should mean (--export-profile), turned into one transform
 * per image.  Only colour*.c include lcms2.h (through colour_impl.h, their
 * private header).
 */
#ifndef IMGPIPE_COLOUR_H
#define IMGPIPE_COLOUR_H

#include <stddef.h>
#include <stdint.h>

struct hook;
struct image;
struct image_meta;
struct imgpipe_error;
struct stage_runner;

enum export_profile {
	EXPORT_KEEP = 0, /* copy an embedded RGB or grey profile through */
	EXPORT_SRGB,	 /* convert tagged inputs to sRGB, embed sRGB */
	EXPORT_FILE	 /* convert to the profile in export_icc, embed it */
};

/* ICC rendering intents, in ICC's own numbering. */
enum colour_intent {
	COLOUR_INTENT_PERCEPTUAL = 0,
	COLOUR_INTENT_RELATIVE = 1,
	COLOUR_INTENT_SATURATION = 2,
	COLOUR_INTENT_ABSOLUTE = 3
};

/*
 * A batch's colour options, fixed before the executors start and shared
 * read-only by every worker (a procs worker inherits them by fork).  The
 * profile bytes are the batch's: colour_opts_setup malloc()s them and
 * colour_opts_release frees them.
 */
struct colour_opts {
	enum export_profile export_mode;
	unsigned char *export_icc; /* EXPORT_FILE's profile */
	size_t export_icc_len;
	unsigned char *import_icc; /* --import-profile; NULL = sRGB */
	size_t import_icc_len;
	int import_space; /* colour_opts_setup's note of import_icc's space */
	enum colour_intent intent; /* default COLOUR_INTENT_RELATIVE */
	/* The compact profiles embedded for sRGB: colour_make_profile's. */
	unsigned char *srgb_icc, *grey_icc;
	size_t srgb_icc_len, grey_icc_len;
};

/* Where one image's colour step runs and what it may write. */
struct colour_req {
	int keep_icc; /* the output may carry a profile (--keep has icc) */
	/*
	 * A channel-mixing op (grayscale, sepia, edges) comes after this step:
	 * its weights are sRGB's, so the pixels must be in the output space.
	 */
	int mixing;
};

/* A worker's transforms, kept across its images (opaque). */
struct colour_cache;

/*
 * Make the batch's profiles: the compact sRGB and grey ones, and the
 * files of --export-profile and --import-profile (each NULL when not
 * given; export_path only with EXPORT_FILE).  A file that is missing,
 * unreadable, not an ICC profile, or of a colour space imgpipe cannot use
 * there (export: RGB or grey; import: grey, RGB or CMYK) fails with a
 * one-line reason naming it: a setup error.  On failure o owns nothing
 * new.  Not thread-safe; call before any executor starts.
 */
int colour_opts_setup(struct colour_opts *o, const char *export_path,
		      const char *import_path, struct imgpipe_error *err);

/* Free what colour_opts_setup made; o's other fields stay. */
void colour_opts_release(struct colour_opts *o);

/*
 * The compact profile imgpipe embeds for sRGB (grey 0: RGB, sRGB primaries
 * and curve, D65) or for grey under sRGB (grey 1: the sRGB curve), made by
 * lcms with a fixed creation date, so that every run writes the same
 * bytes.  *out is malloc()ed (the caller frees it).  0 or IMGPIPE_ENOMEM.
 */
int colour_make_profile(int grey, unsigned char **out, size_t *len);

/*
 * Whether colour_convert can transform any pixels of a job with these
 * options: keep_icc (the ICC block is written) and mixing (the pipeline
 * has an op that mixes channels with sRGB's weights).  Only then is a
 * 16-bit PNG worth decoding at 16 bits (decode_opts.keep16).
 */
int colour_may_convert(const struct colour_opts *o, int keep_icc, int mixing);

/*
 * The colour step of one image, whose pixels are im (PIXFMT_U8, or
 * PIXFMT_U16 from a 16-bit PNG; CMYK as stored when meta->cmyk) and whose
 * profile is meta->icc (meta->srgb: the PNG sRGB chunk; without either,
 * meta->nclx_*: first made a profile by colour_nclx_profile).  Decides by the
 * README's policy whether a transform runs; when one does (or im is
 * 16-bit: then at least the reduction to 8 bits runs, as libpng's), writes
 * dst (PIXFMT_U8, reshaped with image_alloc, maybe to another channel
 * count) through the stage runner and returns 0; otherwise returns 1 and
 * im is unchanged.  Either way meta->icc then
 * describes the resulting pixels (or is NULL: untagged) and meta->cmyk is
 * 0; desc (desc_len bytes) says what ran, e.g. "Display P3 → sRGB,
 * relative", or "".  A broken, unsupported or mismatched embedded profile
 * is one warning (error_warn_more, "ICC profile ignored: ...") and the
 * image is untagged.  *cache is the worker's (created on first use; free
 * it with colour_cache_free).  Negative IMGPIPE_E* on failure (memory, the
 * hook's code).  Thread-safe for distinct caches.
 */
int colour_convert(const struct colour_opts *o, const struct colour_req *rq,
		   struct image_meta *meta, const struct image *im,
		   struct image *dst, struct colour_cache **cache,
		   const struct stage_runner *runner, struct hook *hook,
		   uint64_t max_pixels, char *desc, size_t desc_len,
		   struct imgpipe_error *err);

/*
 * After channel-mixing ops: make meta->icc fit the final channels.  An RGB
 * tag on grey pixels becomes the grey sRGB profile when it was sRGB's,
 * otherwise it is dropped; a grey tag on RGB (grey that an encoder writes
 * as RGB) likewise becomes sRGB or is dropped.  0 or IMGPIPE_ENOMEM.
 */
int colour_fit_tag(const struct colour_opts *o, struct image_meta *meta,
		   int channels);

/*
 * The profile that a HEIF's nclx colour (ISO/IEC 23091-2 colour primaries
 * and transfer characteristics, image_meta.nclx_*) stands for: a
 * matrix-shaper made by lcms with a fixed date (the same bytes every run),
 * described "Display P3 (nclx)" and so on, in *out (malloc()ed, the
 * caller frees it).  *out is NULL when nothing is needed: sRGB's (or
 * BT.709's) primaries with an SDR transfer, which untagged already means.
 * Every SDR video transfer is taken as the sRGB curve; PQ, HLG and codes
 * lcms cannot describe set *why (the warning: "HDR transfer (PQ) treated
 * as SDR"), else *why is NULL.  0 or IMGPIPE_ENOMEM.
 */
int colour_nclx_profile(int primaries, int transfer, unsigned char **out,
			size_t *len, const char **why);

/* Free a worker's cache; NULL is a no-op. */
void colour_cache_free(struct colour_cache *c);

/*
 * CMYK to RGB without a profile (as libvips and ImageMagick do): R =
 * (1 - C)(1 - K), and so on; inverted (Adobe) data stores 1 - C.  n pixels
 * of 4 bytes in, 3 bytes out.
 */
void colour_cmyk_formula(const unsigned char *src, unsigned char *dst, size_t n,
			 int inverted);

#endif
