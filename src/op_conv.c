/*
 * Convolutions: Gaussian blur and unsharp-mask sharpen (both separable,
 * sharing resize.c's weight tables and passes, edge pixels repeated) and
 * Sobel edges of the luma.  Alpha images are blurred premultiplied.
 */
#include <math.h>
#include <stdlib.h>

#include "error.h"
#include "filter.h"
#include "op_kernels.h"
#include "resize.h"

struct sharpen_plan {
	struct resize_plan blur;
	const struct image *orig;
	float amount, threshold;
};

struct edges_plan {
	const struct image *orig; /* for its alpha */
};

/* Gaussian weights for both axes of src, edge pixels repeated. */
static int
blur_plan(struct resize_plan *p, double sigma, const struct image *src,
	  struct imgpipe_error *err)
{
	int r = filter_gaussian_radius(sigma), rc = IMGPIPE_ENOMEM;
	float *k = malloc((size_t)(2 * r + 1) * sizeof(*k));

	resize_plan_init(p, src->channels);
	if (k != NULL) {
		filter_gaussian(sigma, k);
		rc = resize_weights_kernel(&p->x, k, r, src->w);
		if (rc == 0)
			rc = resize_weights_kernel(&p->y, k, r, src->h);
	}
	free(k);
	if (rc != 0)
		return error_set(err, IMGPIPE_ENOMEM,
				 "out of memory for blur weights");
	p->rows = src->h;
	return 0;
}

/* Plan, then the horizontal pass src -> scratch tmp; dst shaped like src. */
static int
blur_first_pass(const struct op_ctx *c, struct resize_plan *p, double sigma,
		const struct image *src, struct image *dst)
{
	int rc;

	rc = blur_plan(p, sigma, src, c->err);
	if (rc == 0)
		rc = image_alloc(&c->scratch->tmp, src->w, src->h,
				 src->channels, PIXFMT_F32, c->max_pixels,
				 c->err);
	if (rc == 0)
		rc = image_alloc(dst, src->w, src->h, src->channels, PIXFMT_U8,
				 c->max_pixels, c->err);
	if (rc == 0)
		rc = op_stage(c, resize_rows_h, src, &c->scratch->tmp, p);
	return rc;
}

int
op_blur(const struct op_ctx *c, double sigma, const struct image *src,
	struct image *dst)
{
	struct resize_plan p;
	int rc;

	rc = blur_first_pass(c, &p, sigma, src, dst);
	if (rc == 0)
		rc = op_stage(c, resize_rows_v, &c->scratch->tmp, dst, &p);
	resize_plan_release(&p);
	return rc;
}

/* out = o + amount (o - b) where |o - b| >= threshold, else o. */
static inline unsigned char
unsharp(float o, float b, float amount, float threshold)
{
	float d = o - b;

	return fabsf(d) >= threshold ? resize_to_u8(o + amount * d)
				     : (unsigned char)o;
}

static inline void
sharpen_px(const struct sharpen_plan *p, const float *restrict acc,
	   const unsigned char *restrict o, unsigned char *restrict d,
	   size_t npix, int ch, int alpha)
{
	size_t i;
	int c;

	for (i = 0; i < npix; i++, acc += ch, o += ch, d += ch) {
		float inv = 1.0f;

		/* Premultiplied blur: back to colour, unless all transparent.
		 */
		if (alpha)
			inv = acc[ch - 1] > 1e-3f ? 1.0f / acc[ch - 1] : 0.0f;
		for (c = 0; c < ch - alpha; c++)
			d[c] = unsharp(o[c], inv != 0.0f ? acc[c] * inv : o[c],
				       p->amount, p->threshold);
		if (alpha)
			d[ch - 1] = o[ch - 1];
	}
}

static void
sharpen_rows(const struct stage *st, int y0, int y1)
{
	const struct sharpen_plan *p = st->plan;
	int ch = st->dst->channels, y;
	size_t row = (size_t)st->dst->w * ch, s0, ns;
	float acc[RESIZE_CHUNK];

	for (y = y0; y < y1; y++)
		for (s0 = 0; s0 < row; s0 += ns) {
			const unsigned char *o = image_row(p->orig, y) + s0;
			unsigned char *d = image_row(st->dst, y) + s0;

			ns = row - s0 < RESIZE_CHUNK ? row - s0 : RESIZE_CHUNK;
			resize_vsum(&p->blur.y, st->src, y, s0, ns, acc);
			switch (ch) {
			case 1: sharpen_px(p, acc, o, d, ns, 1, 0); break;
			case 2: sharpen_px(p, acc, o, d, ns / 2, 2, 1); break;
			case 3: sharpen_px(p, acc, o, d, ns / 3, 3, 0); break;
			default: sharpen_px(p, acc, o, d, ns / 4, 4, 1); break;
			}
		}
}

int
op_sharpen(const struct op_ctx *c, const struct op_sharpen *s,
	   const struct image *src, struct image *dst)
{
	struct sharpen_plan p;
	int rc;

	p.orig = src;
	p.amount = (float)s->amount;
	p.threshold = (float)s->threshold;
	rc = blur_first_pass(c, &p.blur, s->sigma, src, dst);
	if (rc == 0)
		rc = op_stage(c, sharpen_rows, &c->scratch->tmp, dst, &p);
	resize_plan_release(&p.blur);
	return rc;
}

/* Rec. 709 luma as float, so the gradient sees no rounding. */
static void
luma_rows(const struct stage *st, int y0, int y1)
{
	int ch = st->src->channels, w = st->src->w, x, y;

	for (y = y0; y < y1; y++) {
		const unsigned char *s = image_row(st->src, y);
		float *d = (float *)(void *)image_row(st->dst, y);

		for (x = 0; x < w; x++, s += ch)
			d[x] = ch < 3 ? s[0]
				      : 0.2126f * s[0] + 0.7152f * s[1] +
						0.0722f * s[2];
	}
}

static int
clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * Sobel on luma rows a (above), b, c (below), columns clamped to the image;
 * orig is the source row whose alpha (sch channels) is kept, if any.
 */
static void
sobel_row(const float *a, const float *b, const float *c, unsigned char *d,
	  const unsigned char *orig, int sch, int w)
{
	int x, l, r, alpha = sch == 2 || sch == 4;
	float gx, gy;

	for (x = 0; x < w; x++) {
		l = clampi(x - 1, 0, w - 1);
		r = clampi(x + 1, 0, w - 1);
		gx = (a[r] + 2 * b[r] + c[r]) - (a[l] + 2 * b[l] + c[l]);
		gy = (c[l] + 2 * c[x] + c[r]) - (a[l] + 2 * a[x] + a[r]);
		if (alpha) {
			d[2 * x] = resize_to_u8(sqrtf(gx * gx + gy * gy));
			d[2 * x + 1] = orig[(size_t)x * sch + sch - 1];
		} else {
			d[x] = resize_to_u8(sqrtf(gx * gx + gy * gy));
		}
	}
}

static const float *
frow(const struct image *im, int y)
{
	return (const float *)(const void *)image_row(im, y);
}

static void
sobel_rows(const struct stage *st, int y0, int y1)
{
	const struct edges_plan *p = st->plan;
	int h = st->src->h, y;

	for (y = y0; y < y1; y++)
		sobel_row(frow(st->src, clampi(y - 1, 0, h - 1)),
			  frow(st->src, y),
			  frow(st->src, clampi(y + 1, 0, h - 1)),
			  image_row(st->dst, y), image_row(p->orig, y),
			  p->orig->channels, st->dst->w);
}

int
op_edges(const struct op_ctx *c, const struct image *src, struct image *dst)
{
	struct image *luma = &c->scratch->tmp;
	int alpha = src->channels == 2 || src->channels == 4, rc;
	struct edges_plan p = { src };

	rc = image_alloc(luma, src->w, src->h, 1, PIXFMT_F32, c->max_pixels,
			 c->err);
	if (rc == 0)
		rc = image_alloc(dst, src->w, src->h, 1 + alpha, PIXFMT_U8,
				 c->max_pixels, c->err);
	if (rc == 0)
		rc = op_stage(c, luma_rows, src, luma, NULL);
	if (rc == 0)
		rc = op_stage(c, sobel_rows, luma, dst, &p);
	return rc;
}
