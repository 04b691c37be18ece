/*
 * Colour management with Little CMS 2: what the input's pixels mean (its
 * embedded ICC profile, --import-profile for untagged ones) and what the
 * output's pixels should mean (--export-profile), turned into one transform
 * per image.  Only colour.c includes lcms2.h.
 */
#ifndef IMGPIPE_COLOUR_H
#define IMGPIPE_COLOUR_H

#include <stddef.h>

enum export_profile {
	EXPORT_KEEP = 0, /* copy an embedded RGB or grey profile through */
	EXPORT_SRGB,	 /* convert tagged inputs to sRGB, embed sRGB */
	EXPORT_FILE	 /* convert to the profile in export_icc, embed it */
};

/* ICC rendering intents, in ICC's own numbering. */
enum colour_intent {
	INTENT_PERCEPTUAL = 0,
	INTENT_RELATIVE = 1,
	INTENT_SATURATION = 2,
	INTENT_ABSOLUTE = 3
};

/*
 * A batch's colour options, fixed before the executors start and shared
 * read-only by every worker (a procs worker inherits them by fork).  The
 * profile bytes are the batch's (malloc()ed by whoever filled them in).
 */
struct colour_opts {
	enum export_profile export_mode;
	const unsigned char *export_icc; /* EXPORT_FILE's profile */
	size_t export_icc_len;
	const unsigned char *import_icc; /* --import-profile; NULL = sRGB */
	size_t import_icc_len;
	enum colour_intent intent; /* default INTENT_RELATIVE */
};

#endif
