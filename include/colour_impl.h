/*
 * Private to colour*.c: what colour.c (the policy and the per-image
 * conversion), colour_profile.c (the profiles imgpipe makes and loads) and
 * colour_tables.c (imgpipe's matrix-shaper tables and the row kernels)
 * share.  Only colour*.c include this header, and through it lcms2.h.
 * Calls go one way: colour.c calls the other two, never the reverse.
 */
#ifndef IMGPIPE_COLOUR_IMPL_H
#define IMGPIPE_COLOUR_IMPL_H

#include <stddef.h>

#include <lcms2.h>

struct fast;
struct stage;

enum pclass {
	PC_GREY,
	PC_RGB,
	PC_CMYK
};

/*
 * A stage's plan: lcms, the tables, the profile-less formula first, or
 * (16-bit input without a transform) only the reduction to 8 bits.
 */
struct plan {
	cmsHTRANSFORM xform; /* NULL: none */
	const struct fast *fast;
	int formula; /* CMYK -> RGB by colour_cmyk_formula first */
	int inverted;
	int reduce16; /* 16 -> 8 bits, as libpng's png_set_scale_16 */
};

/* The colour space of a profile's bytes, or -1 when lcms cannot open it. */
int colour_profile_class(const unsigned char *icc, size_t len);

/*
 * The tables for hi -> ho when both are plain RGB matrix-shapers and the
 * intent is not absolute (for these profiles lcms maps every other intent
 * with the same matrix); NULL otherwise, or without memory.
 */
struct fast *colour_fast_build(cmsHPROFILE hi, cmsHPROFILE ho,
			       cmsUInt32Number in_fmt, cmsUInt32Number out_fmt,
			       int intent);

/* Free what colour_fast_build made; NULL is a no-op. */
void colour_fast_free(struct fast *f);

/*
 * The stage's rows [y0, y1) by st->plan (a struct plan): the formula into
 * dst, then lcms in place on dst (its input and output are RGB of the same
 * size), or lcms (or the tables) from src to dst.
 */
void colour_rows(const struct stage *st, int y0, int y1);

#endif
