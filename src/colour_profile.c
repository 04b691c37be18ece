/*
 * The batch's profiles: the compact sRGB and grey ones imgpipe embeds,
 * made by lcms with a fixed date so every run writes the same bytes, and
 * the files of --export-profile and --import-profile, checked once before
 * any executor starts; and the matrix-shapers that stand for a HEIF's
 * nclx colour, made the same way.
 */
#include "colour.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"
#include "colour_impl.h"
#include "error.h"
#include "fileio.h"
#include "membuf.h"
#include "util.h"

/* The creation date of the profiles imgpipe makes, fixed for byte-identity. */
#define FIXED_YEAR 2024

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

/*
 * The colour primaries of ISO/IEC 23091-2 (H.273) that a matrix-shaper
 * describes: red, green, blue and white as CIE xy.  10 (CIE XYZ itself)
 * and codes not here are unsupported.
 */
struct nclx_primaries {
	int code;
	const char *name;
	double xy[8]; /* rx ry gx gy bx by wx wy */
};

/* Two lines a code, as written: clang-format would scatter them. */
/* clang-format off */
static const struct nclx_primaries nclx_prims[] = {
	{ 1, "BT.709",
	  { .640, .330, .300, .600, .150, .060, .3127, .3290 } },
	{ 4, "BT.470 M",
	  { .670, .330, .210, .710, .140, .080, .3100, .3160 } },
	{ 5, "BT.601 625",
	  { .640, .330, .290, .600, .150, .060, .3127, .3290 } },
	{ 6, "BT.601 525",
	  { .630, .340, .310, .595, .155, .070, .3127, .3290 } },
	{ 7, "SMPTE 240M",
	  { .630, .340, .310, .595, .155, .070, .3127, .3290 } },
	{ 8, "generic film",
	  { .681, .319, .243, .692, .145, .049, .3100, .3160 } },
	{ 9, "BT.2020",
	  { .708, .292, .170, .797, .131, .046, .3127, .3290 } },
	{ 11, "DCI-P3",
	  { .680, .320, .265, .690, .150, .060, .3140, .3510 } },
	{ 12, "Display P3",
	  { .680, .320, .265, .690, .150, .060, .3127, .3290 } },
	{ 22, "EBU 3213",
	  { .630, .340, .295, .605, .155, .077, .3127, .3290 } },
};
/* clang-format on */

/*
 * The curve a transfer code stands for, as a gamma: 0 for the sRGB curve.
 * The SDR video curves (BT.709, BT.601, BT.2020, 1, 6, 14, 15, and their
 * kin 7, 11, 12) are taken as sRGB's, since BT.709 primaries with the
 * BT.709 curve already count as untagged sRGB; so are PQ and HLG (16, 18),
 * with *why saying so, and any other code.
 */
static double
nclx_gamma(int transfer, const char **why)
{
	*why = NULL;
	switch (transfer) {
	case 4: return 2.2;
	case 5: return 2.8;
	case 8: return 1.0;
	case 17: return 2.6;
	case 0:
	case 1:
	case 2:
	case 6:
	case 7:
	case 11:
	case 12:
	case 13:
	case 14:
	case 15: return 0;
	case 16: *why = "HDR transfer (PQ) treated as SDR"; return 0;
	case 18: *why = "HDR transfer (HLG) treated as SDR"; return 0;
	default: *why = "unsupported nclx transfer treated as sRGB"; return 0;
	}
}

static const struct nclx_primaries *
nclx_find(int code)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(nclx_prims); i++)
		if (nclx_prims[i].code == code)
			return &nclx_prims[i];
	return NULL;
}

static int
nclx_build(const struct nclx_primaries *pr, double gamma, unsigned char **out,
	   size_t *len)
{
	cmsContext ctx = cmsCreateContext(NULL, NULL);
	cmsCIExyYTRIPLE rgb;
	cmsCIExyY white;
	cmsToneCurve *curve = NULL, *curves[3];
	cmsHPROFILE h = NULL;
	char desc[64];
	int rc = IMGPIPE_ENOMEM;

	if (ctx == NULL)
		return rc;
	rgb.Red = (cmsCIExyY){ pr->xy[0], pr->xy[1], 1.0 };
	rgb.Green = (cmsCIExyY){ pr->xy[2], pr->xy[3], 1.0 };
	rgb.Blue = (cmsCIExyY){ pr->xy[4], pr->xy[5], 1.0 };
	white = (cmsCIExyY){ pr->xy[6], pr->xy[7], 1.0 };
	curve = gamma > 0 ? cmsBuildGamma(ctx, gamma) : srgb_curve(ctx);
	curves[0] = curves[1] = curves[2] = curve;
	if (curve != NULL)
		h = cmsCreateRGBProfileTHR(ctx, &white, &rgb, curves);
	if (gamma > 0)
		util_fmt(desc, sizeof(desc), "%s, gamma %.1f (nclx)", pr->name,
			 gamma);
	else
		util_fmt(desc, sizeof(desc), "%s (nclx)", pr->name);
	if (h != NULL && set_desc(h, desc))
		rc = save(h, out, len);
	if (h != NULL)
		cmsCloseProfile(h);
	if (curve != NULL)
		cmsFreeToneCurve(curve);
	cmsDeleteContext(ctx);
	return rc;
}

int
colour_nclx_profile(int primaries, int transfer, unsigned char **out,
		    size_t *len, const char **why)
{
	const struct nclx_primaries *pr;
	double gamma = nclx_gamma(transfer, why);

	*out = NULL;
	*len = 0;
	/* Unspecified primaries are BT.709's, as for an untagged file. */
	pr = nclx_find(primaries == 0 || primaries == 2 ? 1 : primaries);
	if (pr == NULL) {
		*why = "unsupported nclx primaries treated as sRGB";
		return 0;
	}
	/* sRGB's primaries and curve: untagged means that already. */
	if (pr->code == 1 && gamma == 0)
		return 0;
	return nclx_build(pr, gamma, out, len);
}

int
colour_profile_class(const unsigned char *icc, size_t len)
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
	pc = b.len >= 128 && b.len <= UINT32_MAX
		     ? colour_profile_class(b.data, b.len)
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
			colour_profile_class(o->import_icc, o->import_icc_len);
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
