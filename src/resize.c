/*
 * Separable resampling: weight tables built once per image and axis, then a
 * horizontal pass into a float intermediate and a vertical pass back to U8.
 * Alpha images are filtered premultiplied so transparent pixels bleed no
 * colour; the passes allocate nothing and touch only their own rows.
 */
#include "resize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "filter.h"
#include "op_kernels.h"

void
resize_weights_init(struct resize_weights *rw)
{
	memset(rw, 0, sizeof(*rw));
}

void
resize_weights_release(struct resize_weights *rw)
{
	free(rw->first);
	free(rw->count);
	free(rw->w);
	resize_weights_init(rw);
}

static int
weights_alloc(struct resize_weights *rw, int n, int taps)
{
	resize_weights_release(rw);
	rw->first = malloc((size_t)n * sizeof(*rw->first));
	rw->count = malloc((size_t)n * sizeof(*rw->count));
	rw->w = calloc((size_t)n * (size_t)taps, sizeof(*rw->w));
	if (rw->first == NULL || rw->count == NULL || rw->w == NULL) {
		resize_weights_release(rw);
		return IMGPIPE_ENOMEM;
	}
	rw->n = n;
	rw->taps = taps;
	return 0;
}

static int
clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * Store output pixel i from raw weights raw[j - lo] of source pixels
 * lo .. hi.  Indices outside 0 .. in_n - 1 fold onto the edge pixel when
 * fold is set (edge pixels repeated, as blur wants) and are dropped
 * otherwise (resampling: folding would over-weight the edge pixel, which
 * shows as a darker or lighter corner on fine detail).  Zero weights at
 * either end are dropped and the rest normalised to sum 1.
 */
static void
store(struct resize_weights *rw, int i, const float *raw, int lo, int hi,
      int in_n, int fold)
{
	float *w = rw->w + (size_t)i * (size_t)rw->taps;
	int first = clampi(lo, 0, in_n - 1), j, n;
	double sum = 0.0;

	for (j = lo; j <= hi; j++)
		if (fold || (j >= 0 && j < in_n))
			w[clampi(j, 0, in_n - 1) - first] += raw[j - lo];
	n = clampi(hi, 0, in_n - 1) - first + 1;
	while (n > 1 && w[n - 1] == 0.0f)
		n--;
	for (j = 0; j < n - 1 && w[j] == 0.0f; j++)
		;
	if (j > 0) {
		memmove(w, w + j, (size_t)(n - j) * sizeof(*w));
		memset(w + n - j, 0, (size_t)j * sizeof(*w));
		first += j;
		n -= j;
	}
	for (j = 0; j < n; j++)
		sum += w[j];
	for (j = 0; j < n; j++)
		w[j] = sum != 0.0 ? (float)(w[j] / sum) : (j == 0);
	rw->first[i] = first;
	rw->count[i] = n;
}

/* Nearest: the source pixel under each output centre, weight 1. */
static int
weights_nearest(struct resize_weights *rw, int in_n, int scaled_n, int win,
		int out_n)
{
	int i, j;

	if (weights_alloc(rw, out_n, 1) != 0)
		return IMGPIPE_ENOMEM;
	for (i = 0; i < out_n; i++) {
		j = (int)floor((win + i + 0.5) * in_n / scaled_n);
		rw->first[i] = clampi(j, 0, in_n - 1);
		rw->count[i] = 1;
		rw->w[i] = 1.0f;
	}
	return 0;
}

int
resize_weights_filter(struct resize_weights *rw, enum filter_kind f, int in_n,
		      int scaled_n, int win, int out_n)
{
	const struct filter_desc *fd = filter_get(f);
	double scale = (double)scaled_n / in_n, s, r;
	double fs = scale < 1.0 ? scale : 1.0;
	int i, j, lo, hi, taps;
	float *raw;

	if (f == FILTER_NEAREST)
		return weights_nearest(rw, in_n, scaled_n, win, out_n);
	r = fd->support / fs;
	taps = (int)ceil(2.0 * r) + 2;
	raw = malloc((size_t)taps * sizeof(*raw));
	if (raw == NULL || weights_alloc(rw, out_n, taps) != 0) {
		free(raw);
		return IMGPIPE_ENOMEM;
	}
	for (i = 0; i < out_n; i++) {
		s = (win + i + 0.5) / scale - 0.5;
		lo = (int)ceil(s - r);
		hi = (int)floor(s + r);
		for (j = lo; j <= hi; j++)
			raw[j - lo] = fd->kernel((float)((j - s) * fs));
		store(rw, i, raw, lo, hi, in_n, 0);
	}
	free(raw);
	return 0;
}

int
resize_weights_kernel(struct resize_weights *rw, const float *kern, int radius,
		      int n)
{
	int i;

	if (weights_alloc(rw, n, 2 * radius + 1) != 0)
		return IMGPIPE_ENOMEM;
	for (i = 0; i < n; i++)
		store(rw, i, kern, i - radius, i + radius, n, 1);
	return 0;
}

void
resize_plan_init(struct resize_plan *p, int channels)
{
	resize_weights_init(&p->x);
	resize_weights_init(&p->y);
	p->row0 = p->rows = 0;
	p->col0 = p->cols = 0;
	p->alpha = channels == 2 || channels == 4;
}

void
resize_plan_release(struct resize_plan *p)
{
	resize_weights_release(&p->x);
	resize_weights_release(&p->y);
}

/* Make w.first relative to the lowest source index read; return that span. */
static void
span(struct resize_weights *w, int *lo_out, int *n_out)
{
	int i, lo = w->first[0], hi = 0;

	for (i = 0; i < w->n; i++) {
		lo = w->first[i] < lo ? w->first[i] : lo;
		if (w->first[i] + w->count[i] > hi)
			hi = w->first[i] + w->count[i];
	}
	for (i = 0; i < w->n; i++)
		w->first[i] -= lo;
	*lo_out = lo;
	*n_out = hi - lo;
}

/*
 * One row of the horizontal pass with a constant channel count, so the
 * compiler unrolls the channel loop; alpha images accumulate colour * alpha.
 */
static inline void
hrow(const struct resize_weights *wx, const unsigned char *restrict s,
     float *restrict d, int ch, int alpha)
{
	int i, k, c, n;

	for (i = 0; i < wx->n; i++, d += ch) {
		const float *restrict w = wx->w + (size_t)i * (size_t)wx->taps;
		const unsigned char *restrict p = s + (size_t)wx->first[i] * ch;
		float acc[4] = { 0.0f, 0.0f, 0.0f, 0.0f };

		n = wx->count[i];
		for (k = 0; k < n; k++, p += ch) {
			float a = alpha ? w[k] * p[ch - 1] : w[k];

			for (c = 0; c < ch - alpha; c++)
				acc[c] += a * p[c];
			if (alpha)
				acc[ch - 1] += a;
		}
		for (c = 0; c < ch; c++)
			d[c] = acc[c];
	}
}

void
resize_rows_h(const struct stage *st, int y0, int y1)
{
	const struct resize_plan *p = st->plan;
	int y, ch = st->src->channels;

	for (y = y0; y < y1; y++) {
		const unsigned char *s = image_row(st->src, p->row0 + y);
		float *d = (float *)(void *)image_row(st->dst, y);

		switch (ch) {
		case 1: hrow(&p->x, s, d, 1, 0); break;
		case 2: hrow(&p->x, s, d, 2, 1); break;
		case 3: hrow(&p->x, s, d, 3, 0); break;
		default: hrow(&p->x, s, d, 4, 1); break;
		}
	}
}

void
resize_vsum(const struct resize_weights *wy, const struct image *tmp, int y,
	    size_t s0, size_t ns, float *restrict acc)
{
	const float *w = wy->w + (size_t)y * (size_t)wy->taps;
	int f = wy->first[y], n = wy->count[y], k;
	const float *restrict r;
	size_t i;

	r = (const float *)(const void *)image_row(tmp, f) + s0;
	for (i = 0; i < ns; i++)
		acc[i] = w[0] * r[i];
	for (k = 1; k < n; k++) {
		float wk = w[k];

		r = (const float *)(const void *)image_row(tmp, f + k) + s0;
		for (i = 0; i < ns; i++)
			acc[i] += wk * r[i];
	}
}

/* Premultiplied floats -> U8; transparent pixels get colour 0. */
static inline void
unpremultiply(const float *restrict acc, unsigned char *restrict d, size_t npix,
	      int ch)
{
	size_t i;
	int c;

	for (i = 0; i < npix; i++, acc += ch, d += ch) {
		float a = acc[ch - 1], inv;

		d[ch - 1] = resize_to_u8(a);
		inv = d[ch - 1] != 0 ? 1.0f / a : 0.0f;
		for (c = 0; c < ch - 1; c++)
			d[c] = resize_to_u8(acc[c] * inv);
	}
}

static void
vchunk(const struct resize_plan *p, const struct stage *st, int y, size_t s0,
       size_t ns, float *restrict acc)
{
	unsigned char *restrict d = image_row(st->dst, y) + s0;
	int ch = st->dst->channels;
	size_t i;

	resize_vsum(&p->y, st->src, y, s0, ns, acc);
	if (!p->alpha)
		for (i = 0; i < ns; i++)
			d[i] = resize_to_u8(acc[i]);
	else if (ch == 2)
		unpremultiply(acc, d, ns / 2, 2);
	else
		unpremultiply(acc, d, ns / 4, 4);
}

void
resize_rows_v(const struct stage *st, int y0, int y1)
{
	const struct resize_plan *p = st->plan;
	size_t row = (size_t)st->dst->w * (size_t)st->dst->channels, s0;
	float acc[RESIZE_CHUNK];
	int y;

	for (y = y0; y < y1; y++)
		for (s0 = 0; s0 < row; s0 += RESIZE_CHUNK)
			vchunk(p, st, y, s0,
			       row - s0 < RESIZE_CHUNK ? row - s0
						       : RESIZE_CHUNK,
			       acc);
}

/*
 * Vertical first, one intermediate row: the dst row itself accumulates, so
 * the loop over samples is contiguous and vectorises; alpha images are
 * premultiplied tap by tap.
 */
static inline void
vrow8(const struct resize_plan *p, const struct image *src, int y,
      float *restrict d, int ch, int alpha)
{
	const float *w = p->y.w + (size_t)y * (size_t)p->y.taps;
	int f = p->y.first[y], n = p->y.count[y], k, c;
	size_t i, npix = (size_t)p->cols, ns = npix * ch;

	for (i = 0; i < ns; i++)
		d[i] = 0.0f;
	for (k = 0; k < n; k++) {
		const unsigned char *restrict r =
			image_row(src, f + k) + (size_t)p->col0 * ch;
		float wk = w[k];

		if (!alpha) {
			for (i = 0; i < ns; i++)
				d[i] += wk * r[i];
			continue;
		}
		for (i = 0; i < npix; i++) {
			float a = wk * r[i * ch + ch - 1];

			for (c = 0; c < ch - 1; c++)
				d[i * ch + c] += a * r[i * ch + c];
			d[i * ch + ch - 1] += a;
		}
	}
}

void
resize_rows_v8(const struct stage *st, int y0, int y1)
{
	const struct resize_plan *p = st->plan;
	int y;

	for (y = y0; y < y1; y++) {
		float *d = (float *)(void *)image_row(st->dst, y);

		switch (st->src->channels) {
		case 2: vrow8(p, st->src, y, d, 2, 1); break;
		case 4: vrow8(p, st->src, y, d, 4, 1); break;
		default: vrow8(p, st->src, y, d, st->src->channels, 0); break;
		}
	}
}

/* Vertical first, second pass: filter float pixels across, store U8. */
static inline void
hrow8(const struct resize_weights *wx, const float *restrict s,
      unsigned char *restrict d, int ch, int alpha)
{
	int i, k, c, n;

	for (i = 0; i < wx->n; i++, d += ch) {
		const float *restrict w = wx->w + (size_t)i * (size_t)wx->taps;
		const float *restrict q = s + (size_t)wx->first[i] * ch;
		float acc[4] = { 0.0f, 0.0f, 0.0f, 0.0f };

		n = wx->count[i];
		for (k = 0; k < n; k++, q += ch)
			for (c = 0; c < ch; c++)
				acc[c] += w[k] * q[c];
		if (alpha)
			unpremultiply(acc, d, 1, ch);
		else
			for (c = 0; c < ch; c++)
				d[c] = resize_to_u8(acc[c]);
	}
}

void
resize_rows_h8(const struct stage *st, int y0, int y1)
{
	const struct resize_plan *p = st->plan;
	int y;

	for (y = y0; y < y1; y++) {
		const float *s =
			(const float *)(const void *)image_row(st->src, y);
		unsigned char *d = image_row(st->dst, y);

		switch (st->dst->channels) {
		case 1: hrow8(&p->x, s, d, 1, 0); break;
		case 2: hrow8(&p->x, s, d, 2, 1); break;
		case 3: hrow8(&p->x, s, d, 3, 0); break;
		default: hrow8(&p->x, s, d, 4, 1); break;
		}
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

/*
 * Which pass goes first: the cheaper by multiply-adds, counting the passes
 * that gather across a row of pixels, or premultiply tap by tap, four
 * times as dear as straight vector loops over a row.  Depends on sizes only,
 * so every mode makes the same choice and writes the same bytes.
 */
static int
vertical_first(const struct resize_plan *p, int src_w, int src_h)
{
	double ox = p->x.n, oy = p->y.n, tx = p->x.taps, ty = p->y.taps;
	double vcost = p->alpha ? 4.0 : 1.0;
	double h_first = 4.0 * src_h * ox * tx + oy * ox * ty;
	double v_first = vcost * oy * src_w * ty + 4.0 * oy * ox * tx;

	return v_first < h_first;
}

static int
plan_build(struct resize_plan *p, const struct op_resolved *r,
	   const struct image *src, int *vfirst, struct imgpipe_error *err)
{
	enum filter_kind f = r->op->u.resize.filter;

	if (resize_weights_filter(&p->x, f, src->w, r->scaled_w, r->win_x,
				  r->out_w) != 0 ||
	    resize_weights_filter(&p->y, f, src->h, r->scaled_h, r->win_y,
				  r->out_h) != 0)
		return error_set(err, IMGPIPE_ENOMEM,
				 "out of memory for resize weights");
	*vfirst = vertical_first(p, src->w, src->h);
	if (*vfirst)
		span(&p->x, &p->col0, &p->cols);
	else
		span(&p->y, &p->row0, &p->rows);
	return 0;
}

static int
two_passes(const struct op_ctx *c, struct resize_plan *p, int vfirst,
	   const struct image *src, struct image *dst)
{
	struct image *tmp = &c->scratch->tmp;
	int rc;

	if (vfirst)
		rc = image_alloc(tmp, p->cols, dst->h, src->channels,
				 PIXFMT_F32, c->max_pixels, c->err);
	else
		rc = image_alloc(tmp, dst->w, p->rows, src->channels,
				 PIXFMT_F32, c->max_pixels, c->err);
	if (rc == 0)
		rc = op_stage(c, vfirst ? resize_rows_v8 : resize_rows_h, src,
			      tmp, p);
	if (rc == 0)
		rc = op_stage(c, vfirst ? resize_rows_h8 : resize_rows_v, tmp,
			      dst, p);
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
	if (src->w == r->out_w && src->h == r->out_h &&
	    r->scaled_w == r->out_w && r->scaled_h == r->out_h)
		return op_stage(c, copy_rows, src, dst, NULL);
	resize_plan_init(&p, ch);
	rc = plan_build(&p, r, src, &vfirst, c->err);
	if (rc == 0)
		rc = two_passes(c, &p, vfirst, src, dst);
	resize_plan_release(&p);
	return rc;
}
