/*
 * ICC colour transforms with Little CMS 2 (the only file that includes
 * lcms2.h).  The policy of the README's Colour section is colour_convert's;
 * the pixels go through lcms, or imgpipe's tables for RGB matrix-shapers,
 * row by row as a stage, so --split rows may run one transform on several
 * threads: the tables are read-only, and every lcms transform is built
 * with cmsFLAGS_NOCACHE, which makes cmsDoTransform safe to call
 * concurrently (libvips does the same).  Each worker keeps its transforms,
 * so a batch of photos with the same embedded profile builds one per
 * worker.
 */
#include "colour.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lcms2.h>

#include "banned.h"
#include "codec.h"
#include "error.h"
#include "fileio.h"
#include "image.h"
#include "membuf.h"
#include "stage.h"
#include "util.h"

/* Transforms a worker keeps; a batch rarely has more profiles. */
#define CACHE_SLOTS   4
/* Bytes of each profile's name in a report's "A → B, intent". */
#define DESC_NAME_MAX 24
/* The creation date of the profiles imgpipe makes, fixed for byte-identity. */
#define FIXED_YEAR    2024

enum pclass {
	PC_GREY,
	PC_RGB,
	PC_CMYK
};

struct slot {
	unsigned char *in; /* the input profile's bytes (a copy) */
	size_t in_len;
	const unsigned char *out; /* the batch's output profile */
	cmsUInt32Number in_fmt, out_fmt;
	int intent;
	cmsHTRANSFORM xform;
	struct fast *fast; /* NULL: lcms runs the pixels */
	char desc[64];
};

struct colour_cache {
	cmsContext ctx;
	char lcms_msg[128]; /* lcms's last error, for a warning */
	struct slot slots[CACHE_SLOTS];
	unsigned next; /* the slot to replace next */
};

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

static const char *const intent_names[] = { "perceptual", "relative",
					    "saturation", "absolute" };

static void
on_lcms_error(cmsContext ctx, cmsUInt32Number code, const char *text)
{
	struct colour_cache *c = cmsGetContextUserData(ctx);

	(void)code;
	if (c != NULL)
		util_fmt(c->lcms_msg, sizeof(c->lcms_msg), "%.100s", text);
}

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

/*
 * Rows [y0, y1): the formula into dst, then lcms in place on dst (its
 * input and output are RGB of the same size), or lcms (or the tables)
 * from src to dst.
 */
static void
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

/* ICC dateTimeNumber: six big-endian 16-bit fields at bytes 24..35. */
static void
fix_date(unsigned char *icc)
{
	static const unsigned short when[6] = { FIXED_YEAR, 1, 1, 0, 0, 0 };
	int i;

	for (i = 0; i < 6; i++) {
		icc[24 + 2 * i] = (unsigned char)(when[i] >> 8);
		icc[25 + 2 * i] = (unsigned char)(when[i] & 0xff);
	}
	/* The profile ID is an MD5 of the bytes: none rather than a stale one.
	 */
	memset(icc + 84, 0, 16);
}

static int
set_desc(cmsHPROFILE h, const char *text)
{
	cmsMLU *mlu = cmsMLUalloc(cmsGetProfileContextID(h), 1);
	int ok;

	if (mlu == NULL)
		return 0;
	ok = cmsMLUsetASCII(mlu, "en", "US", text) &&
	     cmsWriteTag(h, cmsSigProfileDescriptionTag, mlu);
	cmsMLUfree(mlu);
	return ok;
}

/* The sRGB curve: IEC 61966-2-1's piecewise function, lcms type 4. */
static cmsToneCurve *
srgb_curve(cmsContext ctx)
{
	static const cmsFloat64Number p[5] = { 2.4, 1.0 / 1.055, 0.055 / 1.055,
					       1.0 / 12.92, 0.04045 };

	return cmsBuildParametricToneCurve(ctx, 4, p);
}

static int
save(cmsHPROFILE h, unsigned char **out, size_t *len)
{
	cmsUInt32Number n = 0;
	unsigned char *p;

	if (!cmsSaveProfileToMem(h, NULL, &n) || n < 128)
		return IMGPIPE_ENOMEM;
	p = malloc(n);
	if (p == NULL || !cmsSaveProfileToMem(h, p, &n)) {
		free(p);
		return IMGPIPE_ENOMEM;
	}
	fix_date(p);
	*out = p;
	*len = n;
	return 0;
}

int
colour_make_profile(int grey, unsigned char **out, size_t *len)
{
	cmsContext ctx = cmsCreateContext(NULL, NULL);
	cmsToneCurve *curve = NULL;
	cmsHPROFILE h = NULL;
	int rc = IMGPIPE_ENOMEM;

	if (ctx == NULL)
		return rc;
	if (grey) {
		curve = srgb_curve(ctx);
		if (curve != NULL)
			h = cmsCreateGrayProfileTHR(ctx, cmsD50_xyY(), curve);
	} else {
		h = cmsCreate_sRGBProfileTHR(ctx);
	}
	if (h != NULL && set_desc(h, grey ? "sRGB grey" : "sRGB"))
		rc = save(h, out, len);
	if (h != NULL)
		cmsCloseProfile(h);
	if (curve != NULL)
		cmsFreeToneCurve(curve);
	cmsDeleteContext(ctx);
	return rc;
}

/* The colour space of a profile's bytes, or -1 when lcms cannot open it. */
static int
profile_class(const unsigned char *icc, size_t len)
{
	cmsContext ctx = cmsCreateContext(NULL, NULL);
	cmsHPROFILE h;
	int pc = -1;

	if (ctx == NULL)
		return -1;
	h = cmsOpenProfileFromMemTHR(ctx, icc, (cmsUInt32Number)len);
	if (h != NULL) {
		switch (cmsGetColorSpace(h)) {
		case cmsSigGrayData: pc = PC_GREY; break;
		case cmsSigRgbData: pc = PC_RGB; break;
		case cmsSigCmykData: pc = PC_CMYK; break;
		default: pc = -2; break;
		}
		cmsCloseProfile(h);
	}
	cmsDeleteContext(ctx);
	return pc;
}

/* --export-profile FILE or --import-profile FILE into *out. */
static int
load_profile(const char *opt, const char *path, int export, unsigned char **out,
	     size_t *len, struct imgpipe_error *err)
{
	struct membuf b;
	int rc, pc;

	membuf_init(&b);
	rc = fileio_read(path, &b, err);
	if (rc != 0) {
		membuf_release(&b);
		return error_set(err, IMGPIPE_ESPEC, "%s: %s", opt, err->msg);
	}
	pc = b.len >= 128 && b.len <= UINT32_MAX ? profile_class(b.data, b.len)
						 : -1;
	if (pc == -1)
		rc = error_set(err, IMGPIPE_ESPEC,
			       "%s: '%s' is not an ICC profile", opt, path);
	else if (pc == -2 || (export && pc != PC_RGB))
		rc = error_set(err, IMGPIPE_ESPEC,
			       "%s: '%s' is a %s profile (use %s)", opt, path,
			       pc == PC_GREY   ? "grey"
			       : pc == PC_CMYK ? "CMYK"
					       : "non-RGB",
			       export ? "an RGB one"
				      : "a grey, RGB or CMYK one");
	if (rc != 0) {
		membuf_release(&b);
		return rc;
	}
	*out = b.data;
	*len = b.len;
	return 0;
}

int
colour_opts_setup(struct colour_opts *o, const char *export_path,
		  const char *import_path, struct imgpipe_error *err)
{
	int rc;

	o->export_icc = o->import_icc = o->srgb_icc = o->grey_icc = NULL;
	o->export_icc_len = o->import_icc_len = 0;
	o->srgb_icc_len = o->grey_icc_len = 0;
	rc = colour_make_profile(0, &o->srgb_icc, &o->srgb_icc_len);
	if (rc == 0)
		rc = colour_make_profile(1, &o->grey_icc, &o->grey_icc_len);
	if (rc != 0)
		rc = error_set(err, rc, "cannot make the sRGB profile");
	if (rc == 0 && export_path != NULL)
		rc = load_profile("--export-profile", export_path, 1,
				  &o->export_icc, &o->export_icc_len, err);
	if (rc == 0 && import_path != NULL)
		rc = load_profile("--import-profile", import_path, 0,
				  &o->import_icc, &o->import_icc_len, err);
	if (rc == 0 && o->import_icc != NULL)
		o->import_space =
			profile_class(o->import_icc, o->import_icc_len);
	if (rc != 0)
		colour_opts_release(o);
	return rc;
}

void
colour_opts_release(struct colour_opts *o)
{
	free(o->export_icc);
	free(o->import_icc);
	free(o->srgb_icc);
	free(o->grey_icc);
	o->export_icc = o->import_icc = o->srgb_icc = o->grey_icc = NULL;
	o->export_icc_len = o->import_icc_len = 0;
	o->srgb_icc_len = o->grey_icc_len = 0;
}

static void
fast_free(struct fast *f)
{
	if (f != NULL)
		free(f->lin);
	free(f);
}

static void
slot_clear(struct slot *s)
{
	if (s->xform != NULL)
		cmsDeleteTransform(s->xform);
	fast_free(s->fast);
	free(s->in);
	memset(s, 0, sizeof(*s));
}

void
colour_cache_free(struct colour_cache *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < CACHE_SLOTS; i++)
		slot_clear(&c->slots[i]);
	cmsDeleteContext(c->ctx);
	free(c);
}

static struct colour_cache *
cache_get(struct colour_cache **cp)
{
	struct colour_cache *c = *cp;

	if (c != NULL)
		return c;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->ctx = cmsCreateContext(NULL, c);
	if (c->ctx == NULL) {
		free(c);
		return NULL;
	}
	cmsSetLogErrorHandlerTHR(c->ctx, on_lcms_error);
	*cp = c;
	return c;
}

/*
 * s in at most cap - 1 bytes: whole, or cut and ended with an ellipsis,
 * never inside a UTF-8 sequence, so that the report stays valid UTF-8.
 */
static void
short_name(char *dst, size_t cap, const char *s)
{
	static const char more[] = "\xe2\x80\xa6";
	size_t n = strlen(s);

	if (n < cap) {
		memcpy(dst, s, n + 1);
		return;
	}
	n = cap - sizeof(more);
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	while (n > 0 && s[n - 1] == ' ')
		n--;
	memcpy(dst, s, n);
	memcpy(dst + n, more, sizeof(more));
}

/* The profile's description (English if it has one), or a stand-in. */
static void
profile_name(cmsHPROFILE h, char *dst, size_t cap)
{
	char buf[256];

	if (cmsGetProfileInfoASCII(h, cmsInfoDescription, "en", "US", buf,
				   sizeof(buf)) == 0 ||
	    buf[0] == '\0')
		util_fmt(buf, sizeof(buf), "unnamed profile");
	short_name(dst, cap, buf);
}

/*
 * "IN → OUT, intent" in 64 bytes: OUT gets up to DESC_NAME_MAX bytes
 * and IN what is left, so a long input name still fits beside "sRGB".
 */
static void
describe(char desc[64], cmsHPROFILE in, cmsHPROFILE out, int intent)
{
	const char *iname = intent_names[intent & 3];
	char a[64], b[DESC_NAME_MAX + 1];
	size_t room;

	profile_name(out, b, sizeof(b));
	/* " → " is 5 bytes, ", " 2, and the NUL 1. */
	room = 64 - strlen(b) - strlen(iname) - 8;
	profile_name(in, a, room + 1 < sizeof(a) ? room + 1 : sizeof(a));
	util_fmt(desc, 64, "%s \xe2\x86\x92 %s, %s", a, b, iname);
}

/* Why lcms cannot use h for pixels of class pc, or NULL when it can. */
static const char *
mismatch(cmsHPROFILE h, enum pclass pc)
{
	static const cmsColorSpaceSignature want[] = { cmsSigGrayData,
						       cmsSigRgbData,
						       cmsSigCmykData };
	static const char *const what[] = { "grey", "RGB", "CMYK" };
	cmsProfileClassSignature cls = cmsGetDeviceClass(h);
	cmsColorSpaceSignature cs = cmsGetColorSpace(h);
	size_t i;

	if (cls == cmsSigLinkClass || cls == cmsSigAbstractClass ||
	    cls == cmsSigNamedColorClass)
		return "not a device profile";
	if (cs == want[pc])
		return NULL;
	for (i = 0; i < ARRAY_SIZE(want); i++)
		if (cs == want[i])
			break;
	if (i == ARRAY_SIZE(want))
		return "unsupported colour space";
	return pc == PC_GREY ? (i == PC_RGB ? "RGB profile on grey pixels"
					    : "CMYK profile on grey pixels")
	       : pc == PC_RGB
		       ? (i == PC_GREY ? "grey profile on RGB pixels"
				       : "CMYK profile on RGB pixels")
		       : (what[i][0] == 'g' ? "grey profile on CMYK pixels"
					    : "RGB profile on CMYK pixels");
}

/* The declared size (bytes 0..3) against what is there. */
static int
truncated(const unsigned char *icc, size_t len)
{
	uint32_t n = (uint32_t)icc[0] << 24 | (uint32_t)icc[1] << 16 |
		     (uint32_t)icc[2] << 8 | icc[3];

	return n > len;
}

/*
 * Whether an embedded profile describes pixels of class pc: NULL, or the
 * reason it is ignored.
 */
static const char *
check_profile(struct colour_cache *c, const unsigned char *icc, size_t len,
	      enum pclass pc)
{
	cmsHPROFILE h;
	const char *why;

	if (len < 132 || len > UINT32_MAX || memcmp(icc + 36, "acsp", 4) != 0)
		return "not a valid profile";
	if (truncated(icc, len))
		return "truncated";
	h = cmsOpenProfileFromMemTHR(c->ctx, icc, (cmsUInt32Number)len);
	if (h == NULL)
		return "not a valid profile";
	why = mismatch(h, pc);
	cmsCloseProfile(h);
	return why;
}

/* lcms's name for pixels of class pc; wide: 16-bit samples. */
static cmsUInt32Number
pixel_format(enum pclass pc, int alpha, int inverted, int wide)
{
	switch (pc) {
	case PC_GREY:
		return wide ? (alpha ? TYPE_GRAYA_16 : TYPE_GRAY_16)
			    : (alpha ? TYPE_GRAYA_8 : TYPE_GRAY_8);
	case PC_RGB:
		return wide ? (alpha ? TYPE_RGBA_16 : TYPE_RGB_16)
			    : (alpha ? TYPE_RGBA_8 : TYPE_RGB_8);
	default: return inverted ? TYPE_CMYK_8_REV : TYPE_CMYK_8;
	}
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

/*
 * The tables for hi -> ho when both are plain RGB matrix-shapers and the
 * intent is not absolute (for these profiles lcms maps every other intent
 * with the same matrix); NULL otherwise, or without memory.
 */
static struct fast *
fast_build(cmsHPROFILE hi, cmsHPROFILE ho, cmsUInt32Number in_fmt,
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
		fast_free(f);
		return NULL;
	}
	return f;
}

static struct slot *
slot_find(struct colour_cache *c, const unsigned char *in, size_t in_len,
	  const unsigned char *out, cmsUInt32Number in_fmt,
	  cmsUInt32Number out_fmt, int intent)
{
	struct slot *s;
	int i;

	for (i = 0; i < CACHE_SLOTS; i++) {
		s = &c->slots[i];
		if (s->in != NULL && s->out == out && s->in_fmt == in_fmt &&
		    s->out_fmt == out_fmt && s->intent == intent &&
		    s->in_len == in_len && memcmp(s->in, in, in_len) == 0)
			return s;
	}
	return NULL;
}

/*
 * Build the transform into the next slot.  NULL with *why set when lcms
 * refuses the profiles (or memory ran out: *why says so).
 */
static struct slot *
slot_build(struct colour_cache *c, const unsigned char *in, size_t in_len,
	   const unsigned char *out, size_t out_len, cmsUInt32Number in_fmt,
	   cmsUInt32Number out_fmt, int intent, const char **why)
{
	struct slot *s = &c->slots[c->next];
	cmsUInt32Number flags = cmsFLAGS_NOCACHE;
	cmsHPROFILE hi, ho;

	if (T_EXTRA(in_fmt) != 0)
		flags |= cmsFLAGS_COPY_ALPHA;
	c->lcms_msg[0] = '\0';
	hi = cmsOpenProfileFromMemTHR(c->ctx, in, (cmsUInt32Number)in_len);
	ho = cmsOpenProfileFromMemTHR(c->ctx, out, (cmsUInt32Number)out_len);
	*why = "out of memory";
	if (hi != NULL && ho != NULL) {
		slot_clear(s);
		s->in = malloc(in_len);
		/* The tables need no lcms transform: building one costs ms. */
		if (s->in != NULL)
			s->fast = fast_build(hi, ho, in_fmt, out_fmt, intent);
		if (s->in != NULL && s->fast == NULL)
			s->xform = cmsCreateTransformTHR(
				c->ctx, hi, in_fmt, ho, out_fmt,
				(cmsUInt32Number)intent, flags);
		if (s->in != NULL && s->xform == NULL && s->fast == NULL)
			*why = "unsupported profile";
		describe(s->desc, hi, ho, intent);
	} else if (hi == NULL) {
		*why = "not a valid profile";
	}
	if (hi != NULL)
		cmsCloseProfile(hi);
	if (ho != NULL)
		cmsCloseProfile(ho);
	if (s->xform == NULL && s->fast == NULL) {
		slot_clear(s);
		return NULL;
	}
	memcpy(s->in, in, in_len);
	s->in_len = in_len;
	s->out = out;
	s->in_fmt = in_fmt;
	s->out_fmt = out_fmt;
	s->intent = intent;
	c->next = (c->next + 1) % CACHE_SLOTS;
	return s;
}

/* Where the image's profile came from. */
enum source {
	SRC_NONE,     /* untagged CMYK: the formula */
	SRC_DEFAULT,  /* untagged: sRGB assumed */
	SRC_SRGB,     /* a PNG sRGB chunk */
	SRC_IMPORT,   /* untagged, --import-profile */
	SRC_EMBEDDED, /* the file's own, valid */
};

/* One image's decision: profiles in and out, and the tag it ends with. */
struct decision {
	enum pclass pc, out_pc;
	enum source src;
	const unsigned char *in, *out, *tag;
	size_t in_len, out_len, tag_len;
};

static void
builtin(const struct colour_opts *o, enum pclass pc, const unsigned char **icc,
	size_t *len)
{
	*icc = pc == PC_GREY ? o->grey_icc : o->srgb_icc;
	*len = pc == PC_GREY ? o->grey_icc_len : o->srgb_icc_len;
}

/* The input side: the embedded profile if valid, or what is assumed. */
static void
decide_input(const struct colour_opts *o, const struct image_meta *meta,
	     struct decision *d)
{
	if (meta->icc != NULL) {
		d->src = SRC_EMBEDDED;
		d->in = meta->icc;
		d->in_len = meta->icc_len;
	} else if (meta->srgb && d->pc != PC_CMYK) {
		d->src = SRC_SRGB;
		builtin(o, d->pc, &d->in, &d->in_len);
	} else if (o->import_icc != NULL && o->import_space == (int)d->pc) {
		d->src = SRC_IMPORT;
		d->in = o->import_icc;
		d->in_len = o->import_icc_len;
	} else if (d->pc == PC_CMYK) {
		d->src = SRC_NONE;
	} else {
		d->src = SRC_DEFAULT;
		builtin(o, d->pc, &d->in, &d->in_len);
	}
}

/*
 * The output side, by --export-profile: FILE and srgb always convert;
 * keep converts only when the input's profile cannot stay (CMYK pixels,
 * ops that mix channels in sRGB's terms, or a tag --keep drops).
 */
static void
decide_output(const struct colour_opts *o, const struct colour_req *rq,
	      struct decision *d)
{
	int real = d->src == SRC_EMBEDDED || d->src == SRC_IMPORT;

	d->out_pc = d->pc == PC_CMYK ? PC_RGB : d->pc;
	if (o->export_mode == EXPORT_FILE) {
		d->out_pc = PC_RGB;
		d->out = o->export_icc;
		d->out_len = o->export_icc_len;
	} else if (o->export_mode == EXPORT_SRGB || d->pc == PC_CMYK ||
		   (real && (rq->mixing || !rq->keep_icc))) {
		builtin(o, d->out_pc, &d->out, &d->out_len);
	} else {
		d->out = d->in;
		d->out_len = d->in_len;
	}
	/* keep leaves an assumed sRGB as it was: untagged, as today. */
	if (rq->keep_icc &&
	    (o->export_mode != EXPORT_KEEP || real || d->pc == PC_CMYK)) {
		d->tag = d->out;
		d->tag_len = d->out_len;
	}
	if (d->src == SRC_NONE && o->export_mode == EXPORT_KEEP)
		d->tag = NULL, d->tag_len = 0;
}

/* Replace meta->icc by a copy of tag (NULL: untagged). */
static int
retag(struct image_meta *meta, const unsigned char *tag, size_t len)
{
	unsigned char *p = NULL;

	if (tag == meta->icc)
		return 0;
	if (tag != NULL) {
		p = malloc(len);
		if (p == NULL)
			return IMGPIPE_ENOMEM;
		memcpy(p, tag, len);
	}
	free(meta->icc);
	meta->icc = p;
	meta->icc_len = p != NULL ? len : 0;
	return 0;
}

static int
same_bytes(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

/* Run the plan from im into dst, shaped for the output's channels. */
static int
run_plan(const struct plan *p, const struct image *im, struct image *dst,
	 int out_ch, const struct stage_runner *runner, struct hook *hook,
	 uint64_t max_pixels, struct imgpipe_error *err)
{
	struct stage st;
	int rc;

	rc = image_alloc(dst, im->w, im->h, out_ch, PIXFMT_U8, max_pixels, err);
	if (rc != 0)
		return rc;
	st.rows = colour_rows;
	st.src = im;
	st.dst = dst;
	st.plan = p;
	return stage_run(runner, &st, hook);
}

/* The embedded profile, checked: a bad one is a warning and dropped. */
static int
vet_embedded(struct colour_cache *c, struct image_meta *meta, enum pclass pc,
	     struct imgpipe_error *err)
{
	const char *why;

	if (meta->icc == NULL)
		return 0;
	why = check_profile(c, meta->icc, meta->icc_len, pc);
	if (why == NULL)
		return 0;
	error_warn_more(err, "ICC profile ignored: %s", why);
	return retag(meta, NULL, 0);
}

int
colour_convert(const struct colour_opts *o, const struct colour_req *rq,
	       struct image_meta *meta, const struct image *im,
	       struct image *dst, struct colour_cache **cache,
	       const struct stage_runner *runner, struct hook *hook,
	       uint64_t max_pixels, char *desc, size_t desc_len,
	       struct imgpipe_error *err)
{
	struct colour_cache *c = cache_get(cache);
	struct decision d = { 0 };
	struct plan p = { 0 };
	struct slot *s = NULL;
	const char *why = NULL;
	cmsUInt32Number in_fmt, out_fmt;
	int alpha, rc, out_ch, wide = im->fmt == PIXFMT_U16;

	if (desc_len > 0)
		desc[0] = '\0';
	if (c == NULL)
		return error_set(err, IMGPIPE_ENOMEM, "out of memory");
	d.pc = meta->cmyk ? PC_CMYK : im->channels <= 2 ? PC_GREY : PC_RGB;
	alpha = d.pc != PC_CMYK && (im->channels == 2 || im->channels == 4);
	rc = vet_embedded(c, meta, d.pc, err);
	if (rc != 0)
		return rc;
	decide_input(o, meta, &d);
	decide_output(o, rq, &d);
	p.formula = d.src == SRC_NONE;
	p.inverted = meta->cmyk_inverted;
	if (p.formula) {
		/* The formula's RGB is taken for sRGB (libvips does too). */
		d.src = SRC_DEFAULT;
		builtin(o, PC_RGB, &d.in, &d.in_len);
		util_fmt(desc, desc_len, "CMYK \xe2\x86\x92 RGB, no profile");
	}
	if (!same_bytes(d.in, d.in_len, d.out, d.out_len)) {
		in_fmt = pixel_format(p.formula ? PC_RGB : d.pc, alpha,
				      meta->cmyk_inverted, wide);
		out_fmt = pixel_format(d.out_pc, alpha, 0, 0);
		s = slot_find(c, d.in, d.in_len, d.out, in_fmt, out_fmt,
			      (int)o->intent);
		if (s == NULL)
			s = slot_build(c, d.in, d.in_len, d.out, d.out_len,
				       in_fmt, out_fmt, (int)o->intent, &why);
		if (s == NULL && d.src != SRC_EMBEDDED)
			return error_set(err, IMGPIPE_ENOMEM,
					 "cannot build a colour transform: %s",
					 why);
		if (s == NULL) {
			/* lcms refused it: try again as untagged. */
			error_warn_more(err, "ICC profile ignored: %s%s%s%s",
					why, c->lcms_msg[0] ? " (" : "",
					c->lcms_msg, c->lcms_msg[0] ? ")" : "");
			rc = retag(meta, NULL, 0);
			return rc != 0 ? rc
				       : colour_convert(o, rq, meta, im, dst,
							cache, runner, hook,
							max_pixels, desc,
							desc_len, err);
		}
		p.xform = s->xform;
		p.fast = s->fast;
		util_fmt(desc, desc_len, "%s", s->desc);
	}
	meta->cmyk = 0;
	meta->cmyk_inverted = 0;
	rc = retag(meta, d.tag, d.tag_len);
	if (rc != 0)
		return error_set(err, rc, "out of memory");
	/* 16 bits always leave as 8: the ops take nothing else. */
	p.reduce16 = wide && p.xform == NULL && p.fast == NULL;
	if (p.xform == NULL && p.fast == NULL && !p.formula && !p.reduce16)
		return 1;
	out_ch = (d.out_pc == PC_GREY ? 1 : 3) + alpha;
	return run_plan(&p, im, dst, out_ch, runner, hook, max_pixels, err);
}

int
colour_fit_tag(const struct colour_opts *o, struct image_meta *meta,
	       int channels)
{
	int pc;

	if (meta->icc == NULL)
		return 0;
	pc = profile_class(meta->icc, meta->icc_len);
	if ((channels <= 2 && pc == PC_GREY) || (channels >= 3 && pc == PC_RGB))
		return 0;
	if (channels <= 2 &&
	    same_bytes(meta->icc, meta->icc_len, o->srgb_icc, o->srgb_icc_len))
		return retag(meta, o->grey_icc, o->grey_icc_len);
	return retag(meta, NULL, 0);
}
