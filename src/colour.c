/*
 * ICC colour transforms with Little CMS 2: the policy of the README's
 * Colour section (colour_convert's) and each worker's transforms.  The
 * pixels go through lcms, or imgpipe's tables for RGB matrix-shapers
 * (colour_tables.c), row by row as a stage, so --split rows may run one
 * transform on several threads: the tables are read-only, and every lcms
 * transform is built with cmsFLAGS_NOCACHE, which makes cmsDoTransform
 * safe to call concurrently (libvips does the same).  Each worker keeps
 * its transforms, so a batch of photos with the same embedded profile
 * builds one per worker.  The batch's profiles are colour_profile.c's.
 */
#include "colour.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"
#include "codec.h"
#include "colour_impl.h"
#include "error.h"
#include "image.h"
#include "stage.h"
#include "util.h"

/* Transforms a worker keeps; a batch rarely has more profiles. */
#define CACHE_SLOTS   4
/* Bytes of each profile's name in a report's "A → B, intent". */
#define DESC_NAME_MAX 24

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

static void
slot_clear(struct slot *s)
{
	if (s->xform != NULL)
		cmsDeleteTransform(s->xform);
	colour_fast_free(s->fast);
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
			s->fast = colour_fast_build(hi, ho, in_fmt, out_fmt,
						    intent);
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

int
colour_may_convert(const struct colour_opts *o, int keep_icc, int mixing)
{
	/* decide_output's rule, for a PNG (never CMYK) and a tagged input. */
	return o->export_mode != EXPORT_KEEP || !keep_icc || mixing;
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

/*
 * A HEIF's nclx colour, without an ICC profile, becomes the profile it
 * stands for, so that it is kept (--keep icc) or converted like any
 * embedded one; the codes are then spent.
 */
static int
tag_nclx(struct image_meta *meta, struct imgpipe_error *err)
{
	const char *why = NULL;
	int rc = 0;

	if (meta->icc == NULL &&
	    (meta->nclx_primaries != 0 || meta->nclx_transfer != 0))
		rc = colour_nclx_profile(meta->nclx_primaries,
					 meta->nclx_transfer, &meta->icc,
					 &meta->icc_len, &why);
	meta->nclx_primaries = meta->nclx_transfer = 0;
	if (rc != 0)
		return error_set(err, rc, "out of memory");
	if (why != NULL)
		error_warn_more(err, "%s", why);
	return 0;
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
	rc = tag_nclx(meta, err);
	if (rc != 0)
		return rc;
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
	pc = colour_profile_class(meta->icc, meta->icc_len);
	if ((channels <= 2 && pc == PC_GREY) || (channels >= 3 && pc == PC_RGB))
		return 0;
	if (channels <= 2 &&
	    same_bytes(meta->icc, meta->icc_len, o->srgb_icc, o->srgb_icc_len))
		return retag(meta, o->grey_icc, o->grey_icc_len);
	if (channels >= 3 &&
	    same_bytes(meta->icc, meta->icc_len, o->grey_icc, o->grey_icc_len))
		return retag(meta, o->srgb_icc, o->srgb_icc_len);
	return retag(meta, NULL, 0);
}
