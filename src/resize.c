/*
 * Separable resampling in fixed point: which cores the stages run, the
 * plan (weight tables and source window), the stages of the two passes,
 * and op_resize, which picks the order of the passes.  Any split of the
 * rows into bands gives the same bytes.
 */
#include "resize.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"
#include "error.h"
#include "op_kernels.h"

/* Biased (alpha) samples need this added back once per sum. */
#define BIAS_ACC ((int32_t)RESIZE_BIAS << RESIZE_QW)

static const struct resize_cores *active = &resize_cores_fast;

/*
 * Chosen once, before main and so before any thread: the widest cores the
 * CPU runs, unless IMGPIPE_SIMD caps them ("c", "sse2", "avx2") to compare.
 */
__attribute__((constructor)) static void
pick_cores(void)
{
	const char *cap = getenv("IMGPIPE_SIMD");
	const struct resize_cores *avx2 = resize_cores_avx2();
	const struct resize_cores *avx512 = resize_cores_avx512();

	if (cap != NULL && strcmp(cap, "c") == 0)
		active = &resize_cores_plain;
	else if (cap != NULL && strcmp(cap, "sse2") == 0)
		active = &resize_cores_fast;
	else if (avx512 != NULL && (cap == NULL || strcmp(cap, "avx2") != 0))
		active = avx512;
	else if (avx2 != NULL)
		active = avx2;
}

const struct resize_cores *
resize_cores_active(void)
{
	return active;
}

void
resize_plan_init(struct resize_plan *p, int channels)
{
	resize_weights_init(&p->x);
	resize_weights_init(&p->y);
	p->row0 = p->rows = 0;
	p->col0 = p->cols = 0;
	p->ch = channels;
	p->alpha = channels == 2 || channels == 4;
	p->widened = 0;
	p->mid = NULL;
}

void
resize_plan_release(struct resize_plan *p)
{
	resize_weights_release(&p->x);
	resize_weights_release(&p->y);
}

int
resize_alloc_i16(struct image *im, int w, int h, int channels,
		 uint64_t max_pixels, struct imgpipe_error *err)
{
	int rc = image_check_size(w, h, channels, PIXFMT_U8, max_pixels, err);

	if (rc != 0)
		return rc;
	if (w > (INT_MAX / 2 - RESIZE_PAD) / channels)
		return error_set(err, IMGPIPE_ELIMIT,
				 "image is %dx%d, too large to address", w, h);
	/* No limit here: the bytes are not pixels, and w x h passed above. */
	return image_alloc(im, 2 * (w * channels + RESIZE_PAD), h, 1, PIXFMT_U8,
			   0, err);
}

#define vmac_u8	      (active->vmac_u8)
#define vmac_i16      (active->vmac_i16)
#define hmac	      (active->hmac)
#define fin_i16	      (active->fin_i16)
#define fin_pair      (active->fin_pair)
#define fin_u8	      (active->fin_u8)
#define widen_alpha   (active->widen_alpha)
#define unpremultiply (active->unpremultiply)

void
resize_row_widen(const struct resize_plan *p, const unsigned char *s,
		 int16_t *d)
{
	int ch = p->ch, n = p->cols * ch, i;

	s += (size_t)p->col0 * ch;
	if (p->alpha)
		widen_alpha(s, d, (size_t)p->cols, ch);
	else
		for (i = 0; i < n; i++)
			d[i] = s[i];
	memset(d + n, 0, RESIZE_PAD * sizeof(*d));
}

void
resize_rows_widen(const struct stage *st, int y0, int y1)
{
	const struct resize_plan *p = st->plan;
	int y;

	for (y = y0; y < y1; y++)
		resize_row_widen(p, image_row(st->src, p->row0 + y),
				 resize_row_i16(st->dst, y));
}

/* First-pass output: Q6 colour, or premultiplied clamped to 16 bits. */
static int
first_shift(const struct resize_plan *p)
{
	return p->alpha ? RESIZE_QW : RESIZE_QW - RESIZE_QI;
}

static int
first_bias(const struct resize_plan *p)
{
	return p->alpha ? RESIZE_BIAS : 0;
}

void
resize_fin_first(const struct resize_plan *p, const int32_t *acc, size_t ns,
		 int16_t *d)
{
	fin_i16(acc, ns, first_shift(p), first_bias(p), d);
}

void
resize_fin_pair(const struct resize_plan *p, const int32_t *acc,
		const int32_t *acc2, size_t ns, int16_t *d)
{
	fin_pair(acc, acc2, ns, first_shift(p), first_bias(p), d);
}

/* Second-pass output: U8 colour, or back from premultiplied. */
void
resize_fin_second(const struct resize_plan *p, const int32_t *acc, size_t ns,
		  unsigned char *d)
{
	if (p->alpha)
		unpremultiply(acc, d, ns / (size_t)p->ch, p->ch);
	else
		fin_u8(acc, ns, RESIZE_QW + RESIZE_QI, d);
}

/* What the first pass adds once: the bias of biased (alpha) samples. */
static int32_t
first_init(const struct resize_plan *p)
{
	return p->alpha ? BIAS_ACC : 0;
}

/* Output pixels or samples [i0, i1) in chunks that fit the stack buffer. */
static int
chunk_end(int i0, int n, int step)
{
	return n - i0 < step ? n : i0 + step;
}

/* The horizontal pass over one int16 row, in chunks (resize.h). */
void
resize_row_h(const struct resize_plan *p, const int16_t *s, int16_t *d16,
	     unsigned char *d8)
{
	int ch = p->ch, step = RESIZE_CHUNK / ch, i0, i1;
	int32_t acc[RESIZE_CHUNK + 4];

	for (i0 = 0; i0 < p->x.n; i0 = i1) {
		i1 = chunk_end(i0, p->x.n, step);
		hmac(&p->x, i0, i1, s, ch, first_init(p), acc);
		if (d16 != NULL)
			resize_fin_first(p, acc, (size_t)(i1 - i0) * ch,
					 d16 + i0 * ch);
		else
			resize_fin_second(p, acc, (size_t)(i1 - i0) * ch,
					  d8 + (size_t)i0 * ch);
	}
	if (d16 != NULL)
		memset(d16 + p->x.n * ch, 0, RESIZE_PAD * sizeof(*d16));
}

void
resize_rows_h(const struct stage *st, int y0, int y1)
{
	int y;

	for (y = y0; y < y1; y++)
		resize_row_h(st->plan, resize_row_i16(st->src, y),
			     resize_row_i16(st->dst, y), NULL);
}

void
resize_row_v(const struct resize_plan *p, int y, const unsigned char *base,
	     size_t step, unsigned char *d)
{
	int n = p->x.n * p->ch, s0, s1;
	int32_t acc[RESIZE_CHUNK];

	for (s0 = 0; s0 < n; s0 = s1) {
		s1 = chunk_end(s0, n, RESIZE_CHUNK);
		vmac_i16(base + (size_t)s0 * sizeof(int16_t), step,
			 resize_qv(&p->y, y), p->y.count[y], (size_t)(s1 - s0),
			 first_init(p), acc);
		resize_fin_second(p, acc, (size_t)(s1 - s0), d + s0);
	}
}

void
resize_rows_v(const struct stage *st, int y0, int y1)
{
	const struct resize_plan *p = st->plan;
	int y;

	for (y = y0; y < y1; y++)
		resize_row_v(p, y,
			     (const unsigned char *)resize_row_i16(
				     st->src, p->y.first[y]),
			     st->src->stride, image_row(st->dst, y));
}

void
resize_row_v8(const struct resize_plan *p, int y, const unsigned char *base,
	      size_t step, int16_t *d)
{
	int n = p->cols * p->ch, s0, s1;
	int32_t acc[RESIZE_CHUNK];

	for (s0 = 0; s0 < n; s0 = s1) {
		s1 = chunk_end(s0, n, RESIZE_CHUNK);
		if (p->widened)
			vmac_i16(base + (size_t)s0 * sizeof(int16_t), step,
				 resize_qv(&p->y, y), p->y.count[y],
				 (size_t)(s1 - s0), first_init(p), acc);
		else
			vmac_u8(base + s0, step, resize_qv(&p->y, y),
				p->y.count[y], (size_t)(s1 - s0), acc);
		resize_fin_first(p, acc, (size_t)(s1 - s0), d + s0);
	}
	memset(d + n, 0, RESIZE_PAD * sizeof(*d));
}

/* Vertical first: U8 source rows straight, or the widened window. */
void
resize_rows_v8(const struct stage *st, int y0, int y1)
{
	const struct resize_plan *p = st->plan;
	const unsigned char *base;
	int y;

	for (y = y0; y < y1; y++) {
		if (p->widened)
			base = (const unsigned char *)resize_row_i16(
				st->src, p->y.first[y]);
		else
			base = image_row(st->src, p->row0 + p->y.first[y]) +
			       (size_t)p->col0 * p->ch;
		resize_row_v8(p, y, base, st->src->stride,
			      resize_row_i16(st->dst, y));
	}
}

void
resize_rows_h8(const struct stage *st, int y0, int y1)
{
	int y;

	for (y = y0; y < y1; y++)
		resize_row_h(st->plan, resize_row_i16(st->src, y), NULL,
			     image_row(st->dst, y));
}

void
resize_rows_vh(const struct stage *st, int y0, int y1)
{
	const struct resize_plan *p = st->plan;
	struct stage v = *st, h = *st;
	int y;

	v.dst = p->mid;
	h.src = p->mid;
	for (y = y0; y < y1; y++) {
		resize_rows_v8(&v, y, y + 1);
		resize_rows_h8(&h, y, y + 1);
	}
}

static void
copy_rows(const struct stage *st, int y0, int y1)
{
	size_t n = image_row_bytes(st->dst);
	int y;

	for (y = y0; y < y1; y++)
		memcpy(image_row(st->dst, y), image_row(st->src, y), n);
}

int
resize_is_copy(const struct op_resolved *r, int w, int h)
{
	return w == r->out_w && h == r->out_h && r->scaled_w == r->out_w &&
	       r->scaled_h == r->out_h;
}

/* Make w.first relative to the lowest source index read; return that span. */
static void
span(struct resize_weights *w, int *lo_out, int *n_out)
{
	int i, lo, hi;

	resize_weights_range(w, 0, w->n, &lo, &hi);
	for (i = 0; i < w->n; i++)
		w->first[i] -= lo;
	*lo_out = lo;
	*n_out = hi - lo;
}

/*
 * Which pass goes first, by estimated cycles: the vertical pass costs per
 * sample and tap (whole rows, all channels in one vector loop); the
 * horizontal one per pixel and tap (one pmaddwd per two taps whatever the
 * channel count, eight taps for grey).  Horizontal first also widens the
 * source window.  Depends on sizes only, so every mode makes the same
 * choice and writes the same bytes.
 */
static int
vertical_first(const struct resize_plan *p)
{
	double ox = p->x.n, oy = p->y.n, tx = p->x.taps, ty = p->y.taps;
	double ch = p->ch, hpx = p->ch == 1 ? 0.25 : 0.75;
	double widen = p->alpha ? 0.0 : 0.5 * p->rows * p->cols * ch;
	double v_first = 0.2 * oy * p->cols * ch * ty + hpx * oy * ox * tx;
	double h_first = hpx * p->rows * ox * tx + 0.2 * oy * ox * ch * ty;

	return v_first < h_first + widen;
}

int
resize_plan_build(struct resize_plan *p, const struct op_resolved *r, int w,
		  int h, int *vfirst, struct imgpipe_error *err)
{
	enum filter_kind f = r->op->u.resize.filter;

	if (resize_weights_filter(&p->x, f, w, r->scaled_w, r->win_x,
				  r->out_w) != 0 ||
	    resize_weights_filter(&p->y, f, h, r->scaled_h, r->win_y,
				  r->out_h) != 0)
		return error_set(err, IMGPIPE_ENOMEM,
				 "out of memory for resize weights");
	span(&p->x, &p->col0, &p->cols);
	span(&p->y, &p->row0, &p->rows);
	if (resize_weights_lanes(&p->x, p->ch, RESIZE_PAD) != 0)
		return error_set(err, IMGPIPE_ENOMEM,
				 "out of memory for resize weights");
	*vfirst = vertical_first(p);
	p->widened = p->alpha || !*vfirst;
	return 0;
}

/* The first pass's input: the source, or its window widened to int16. */
static int
first_input(const struct op_ctx *c, const struct resize_plan *p,
	    const struct image *src, const struct image **in)
{
	struct image *wide = &c->scratch->tmp2;
	int rc;

	*in = src;
	if (!p->widened)
		return 0;
	rc = resize_alloc_i16(wide, p->cols, p->rows, p->ch, c->max_pixels,
			      c->err);
	if (rc == 0)
		rc = op_stage(c, resize_rows_widen, src, wide, p);
	*in = wide;
	return rc;
}

static int
two_passes(const struct op_ctx *c, struct resize_plan *p, int vfirst,
	   const struct image *src, struct image *dst)
{
	struct image *tmp = &c->scratch->tmp;
	const struct image *in;
	int rc;

	rc = first_input(c, p, src, &in);
	if (rc == 0 && vfirst)
		rc = resize_alloc_i16(tmp, p->cols, dst->h, p->ch,
				      c->max_pixels, c->err);
	else if (rc == 0)
		rc = resize_alloc_i16(tmp, dst->w, p->rows, p->ch,
				      c->max_pixels, c->err);
	if (rc != 0)
		return rc;
	if (vfirst) {
		p->mid = tmp;
		return op_stage(c, resize_rows_vh, in, dst, p);
	}
	rc = op_stage(c, resize_rows_h, in, tmp, p);
	if (rc == 0)
		rc = op_stage(c, resize_rows_v, tmp, dst, p);
	return rc;
}

int
op_resize(const struct op_ctx *c, const struct op_resolved *r,
	  const struct image *src, struct image *dst)
{
	struct resize_plan p;
	int ch = src->channels, rc, vfirst = 0;

	rc = image_alloc(dst, r->out_w, r->out_h, ch, PIXFMT_U8, c->max_pixels,
			 c->err);
	if (rc != 0)
		return rc;
	if (resize_is_copy(r, src->w, src->h))
		return op_stage(c, copy_rows, src, dst, NULL);
	resize_plan_init(&p, ch);
	rc = resize_plan_build(&p, r, src->w, src->h, &vfirst, c->err);
	if (rc == 0)
		rc = two_passes(c, &p, vfirst, src, dst);
	resize_plan_release(&p);
	return rc;
}
