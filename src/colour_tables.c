/*
 * imgpipe's own path for RGB matrix-shaper pairs (curves, a 3x3 matrix,
 * curves), the profile-less CMYK formula, the 16-bit reduction, and the
 * row kernel that runs a struct plan as a stage.  The tables are read-only
 * once built, so --split rows may share them across threads.
 */
#include "colour.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"
#include "colour_impl.h"
#include "image.h"
#include "stage.h"
#include "util.h"

/*
 * RGB matrix-shaper to RGB matrix-shaper (sRGB, Display P3, Adobe RGB,
 * ProPhoto: nearly every photo) is curves, a 3x3 matrix, curves.  lcms
 * computes that per pixel through its 16-bit formatters; these tables do
 * the same maths about three times as fast (bench/README.md), within one
 * level of lcms, so the transform fits the thumbnail job's budget.
 */
#define FAST_STEPS 16384 /* output curve samples over linear 0..1 */

struct fast {
	float *lin;    /* input curves: [3][levels], code -> linear */
	int levels;    /* 256, or 65536 for 16-bit input */
	float m[3][3]; /* input RGB -> output RGB, linear, via D50 XYZ */
	unsigned char out[3][FAST_STEPS + 1]; /* linear -> 8-bit code */
	int ch;				      /* 3 or 4 (alpha copied) */
};

void
colour_cmyk_formula(const unsigned char *src, unsigned char *dst, size_t n,
		    int inverted)
{
	unsigned c, m, y, k;
	size_t x;

	for (x = 0; x < n; x++, src += 4, dst += 3) {
		c = src[0], m = src[1], y = src[2], k = src[3];
		if (!inverted) {
			c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
		}
		dst[0] = (unsigned char)((c * k + 127) / 255);
		dst[1] = (unsigned char)((m * k + 127) / 255);
		dst[2] = (unsigned char)((y * k + 127) / 255);
	}
}

static inline unsigned char
fast_out(const unsigned char *lut, float v)
{
	v = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
	return lut[(int)(v * FAST_STEPS + 0.5f)];
}

/*
 * v / 257 rounded, exactly as libpng's png_set_scale_16 computes it
 * (pngrtran.c), so that a 16-bit PNG without a transform keeps the bytes
 * it had when the decoder reduced it.
 */
static inline unsigned char
reduce16(unsigned v)
{
	int hi = (int)(v >> 8), lo = (int)(v & 0xff);

	/*
	 * libpng shifts a product that may be negative right (a floor); the
	 * offset keeps it positive, so the division floors the same.
	 */
	return (unsigned char)(hi +
			       ((lo - hi + 128) * 65535 + (1 << 24)) /
				       (1 << 24) -
			       1);
}

/*
 * One row through the tables, 8- or 16-bit samples (the sample type is
 * the only difference, hence a macro-free pair of thin wrappers).  The
 * matrix is copied to locals: stores through d could alias f otherwise.
 * s may be d (after the formula): each pixel is read whole first.
 */
static inline void
fast_px(const struct fast *f, const float m[9], float r, float g, float b,
	unsigned char *d)
{
	d[0] = fast_out(f->out[0], m[0] * r + m[1] * g + m[2] * b);
	d[1] = fast_out(f->out[1], m[3] * r + m[4] * g + m[5] * b);
	d[2] = fast_out(f->out[2], m[6] * r + m[7] * g + m[8] * b);
}

static void
fast_row8(const struct fast *f, const unsigned char *s, unsigned char *d, int w)
{
	const float *l0 = f->lin, *l1 = l0 + 256, *l2 = l1 + 256;
	float m[9];
	int x, ch = f->ch;

	memcpy(m, f->m, sizeof(m));
	for (x = 0; x < w; x++, s += ch, d += ch) {
		if (ch == 4)
			d[3] = s[3];
		fast_px(f, m, l0[s[0]], l1[s[1]], l2[s[2]], d);
	}
}

static void
fast_row16(const struct fast *f, const uint16_t *s, unsigned char *d, int w)
{
	const float *l0 = f->lin, *l1 = l0 + 65536, *l2 = l1 + 65536;
	float m[9];
	int x, ch = f->ch;

	memcpy(m, f->m, sizeof(m));
	for (x = 0; x < w; x++, s += ch, d += ch) {
		if (ch == 4)
			d[3] = reduce16(s[3]);
		fast_px(f, m, l0[s[0]], l1[s[1]], l2[s[2]], d);
	}
}

static void
reduce_row(const uint16_t *s, unsigned char *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = reduce16(s[i]);
}

void
colour_rows(const struct stage *st, int y0, int y1)
{
	const struct plan *p = st->plan;
	int wide = st->src->fmt == PIXFMT_U16, w = st->src->w, y;
	const unsigned char *s;
	unsigned char *d;

	for (y = y0; y < y1; y++) {
		s = image_row(st->src, y);
		d = image_row(st->dst, y);
		if (p->formula) {
			colour_cmyk_formula(s, d, (size_t)w, p->inverted);
			s = d;
		}
		if (p->reduce16)
			reduce_row((const uint16_t *)(const void *)s, d,
				   (size_t)w * (size_t)st->src->channels);
		else if (p->fast != NULL && wide)
			fast_row16(p->fast, (const uint16_t *)(const void *)s,
				   d, w);
		else if (p->fast != NULL)
			fast_row8(p->fast, s, d, w);
		else if (p->xform != NULL)
			cmsDoTransform(p->xform, s, d, (cmsUInt32Number)w);
	}
}

void
colour_fast_free(struct fast *f)
{
	if (f != NULL)
		free(f->lin);
	free(f);
}

/* Tags that make lcms use a LUT instead of the matrix and curves. */
static int
has_luts(cmsHPROFILE h)
{
	static const cmsTagSignature luts[] = {
		cmsSigAToB0Tag, cmsSigAToB1Tag, cmsSigAToB2Tag, cmsSigBToA0Tag,
		cmsSigBToA1Tag, cmsSigBToA2Tag, cmsSigDToB0Tag, cmsSigDToB1Tag,
		cmsSigDToB2Tag, cmsSigBToD0Tag, cmsSigBToD1Tag, cmsSigBToD2Tag,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(luts); i++)
		if (cmsIsTag(h, luts[i]))
			return 1;
	return 0;
}

/* The colorant matrix (RGB -> D50 XYZ, columns rXYZ gXYZ bXYZ). */
static int
colorants(cmsHPROFILE h, double m[3][3])
{
	static const cmsTagSignature tags[3] = { cmsSigRedColorantTag,
						 cmsSigGreenColorantTag,
						 cmsSigBlueColorantTag };
	const cmsCIEXYZ *c;
	int i;

	for (i = 0; i < 3; i++) {
		c = cmsReadTag(h, tags[i]);
		if (c == NULL)
			return 0;
		m[0][i] = c->X, m[1][i] = c->Y, m[2][i] = c->Z;
	}
	return 1;
}

static int
invert3(double a[3][3], double r[3][3])
{
	double det = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
		     a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
		     a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
	int i, j;

	if (fabs(det) < 1e-9)
		return 0;
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			r[j][i] = (a[(i + 1) % 3][(j + 1) % 3] *
					   a[(i + 2) % 3][(j + 2) % 3] -
				   a[(i + 1) % 3][(j + 2) % 3] *
					   a[(i + 2) % 3][(j + 1) % 3]) /
				  det;
	return 1;
}

/* Fill f's curves from the TRC tags: input forward, output inverted. */
static int
fast_curves(struct fast *f, cmsHPROFILE hi, cmsHPROFILE ho)
{
	static const cmsTagSignature trc[3] = { cmsSigRedTRCTag,
						cmsSigGreenTRCTag,
						cmsSigBlueTRCTag };
	const cmsToneCurve *ti, *to;
	cmsToneCurve *rev;
	float v;
	int c, i;

	for (c = 0; c < 3; c++) {
		ti = cmsReadTag(hi, trc[c]);
		to = cmsReadTag(ho, trc[c]);
		if (ti == NULL || to == NULL)
			return 0;
		for (i = 0; i < f->levels; i++)
			f->lin[c * f->levels + i] = cmsEvalToneCurveFloat(
				ti, (float)i / (float)(f->levels - 1));
		rev = cmsReverseToneCurveEx(4096, to);
		if (rev == NULL)
			return 0;
		for (i = 0; i <= FAST_STEPS; i++) {
			v = cmsEvalToneCurveFloat(rev, (float)i / FAST_STEPS);
			v = v < 0 ? 0 : v > 1 ? 1 : v;
			f->out[c][i] = (unsigned char)(int)(v * 255.0f + 0.5f);
		}
		cmsFreeToneCurve(rev);
	}
	return 1;
}

struct fast *
colour_fast_build(cmsHPROFILE hi, cmsHPROFILE ho, cmsUInt32Number in_fmt,
		  cmsUInt32Number out_fmt, int intent)
{
	double mi[3][3], mo[3][3], inv[3][3];
	struct fast *f;
	int i, j;

	if (intent == COLOUR_INTENT_ABSOLUTE ||
	    T_COLORSPACE(in_fmt) != PT_RGB || T_COLORSPACE(out_fmt) != PT_RGB ||
	    !cmsIsMatrixShaper(hi) || !cmsIsMatrixShaper(ho) || has_luts(hi) ||
	    has_luts(ho) || !colorants(hi, mi) || !colorants(ho, mo) ||
	    !invert3(mo, inv))
		return NULL;
	f = malloc(sizeof(*f));
	if (f == NULL)
		return NULL;
	f->levels = T_BYTES(in_fmt) == 2 ? 65536 : 256;
	f->lin = malloc(3 * (size_t)f->levels * sizeof(*f->lin));
	if (f->lin == NULL) {
		free(f);
		return NULL;
	}
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			f->m[i][j] = (float)(inv[i][0] * mi[0][j] +
					     inv[i][1] * mi[1][j] +
					     inv[i][2] * mi[2][j]);
	f->ch = T_EXTRA(in_fmt) ? 4 : 3;
	if (!fast_curves(f, hi, ho)) {
		colour_fast_free(f);
		return NULL;
	}
	return f;
}
