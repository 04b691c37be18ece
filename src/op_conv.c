/*
 * Convolutions: Gaussian blur and unsharp-mask sharpen (both separable, in
 * resize.c's fixed point, sharing its weight tables and row cores, edge
 * pixels repeated) and Sobel edges of the luma.  Alpha images are blurred
 * premultiplied.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"
#include "error.h"
#include "filter.h"
#include "op_kernels.h"
#include "resize.h"

/*
 * The blur's weights, plus the run of pixels x_lo .. x_hi whose horizontal
 * weights are all the same centred kernel: there the horizontal pass is a
 * sum of whole rows shifted by one pixel per tap, a contiguous vector loop.
 * Where that kernel is symmetric the cores fold it (fold_x: vfold_u8).
 *
 * The horizontal rows are kept as pair rows (rows 2 m and 2 m + 1 of the
 * window interleaved, sample by sample), so the vertical pass multiplies
 * two taps a load with no shuffle (pmac_i16), for one output row or two.
 * The passes go band by band (conv_bands): the vertical pass of a band
 * makes output rows band0 + y (y in its view of the band) from a window of
 * pair rows whose first holds source rows win0 (even) and win0 + 1.
 */
struct conv_plan {
	struct resize_plan blur;
	int radius, x_lo, x_hi;
	int fold_x;
	int edge_wide; /* U8 edge pixels through hmac: see hedge */
	int band0, win0;
};

struct sharpen_plan {
	struct conv_plan conv;
	const struct image *orig;
	float amount, threshold;
	int amount_q, thr_q; /* Q10 amount; threshold in Q6 levels */
};

struct edges_plan {
	const struct image *orig; /* for its alpha */
};

/* Find w's interior run *lo .. *hi; leave it empty if not uniform there. */
static void
conv_interior(const struct resize_weights *w, int r, int *lo, int *hi)
{
	int i;

	*lo = r;
	*hi = w->n - r > r ? w->n - r : r;
	for (i = *lo; i < *hi; i++)
		if (w->first[i] != i - r || w->count[i] != 2 * r + 1 ||
		    memcmp(resize_q(w, i), resize_q(w, *lo),
			   (size_t)w->qtaps * sizeof(int16_t)) != 0) {
			*hi = *lo;
			return;
		}
}

/* Whether the interior kernel of w reads the same mirrored. */
static int
conv_symmetric(const struct resize_weights *w, int r, int lo, int hi)
{
	const int16_t *q = resize_q(w, lo);
	int k;

	if (lo >= hi)
		return 0;
	for (k = 0; k < r; k++)
		if (q[k] != q[2 * r - k])
			return 0;
	return 1;
}

static void
conv_layout(struct conv_plan *p)
{
	const struct resize_plan *b = &p->blur;
	int r = p->radius;

	conv_interior(&b->x, r, &p->x_lo, &p->x_hi);
	/* Only U8 rows fold: widened (alpha) ones are biased int16. */
	p->fold_x = !b->widened && conv_symmetric(&b->x, r, p->x_lo, p->x_hi);
	p->edge_wide = !b->widened && p->x_lo < p->x_hi &&
		       p->x_hi - r >= 2 * p->x_lo &&
		       p->x_lo * b->ch <= RESIZE_CHUNK &&
		       (b->x.n - p->x_hi) * b->ch <= RESIZE_CHUNK;
}

/* Gaussian weights for both axes of src, edge pixels repeated. */
static int
blur_plan(struct conv_plan *cp, double sigma, const struct image *src,
	  struct imgpipe_error *err)
{
	struct resize_plan *p = &cp->blur;
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
	p->cols = src->w;
	p->widened = p->alpha;
	cp->radius = r;
	conv_layout(cp);
	return 0;
}

/* Edge pixels of a U8 row, plainly: only where hedge cannot widen. */
static void
hedge_u8(const struct resize_weights *wx, int i0, int i1,
	 const unsigned char *s, int ch, int32_t *acc)
{
	int i, k, c;

	for (i = i0; i < i1; i++, acc += ch) {
		const int16_t *q = resize_q(wx, i);
		const unsigned char *p = s + (size_t)wx->first[i] * ch;

		for (c = 0; c < ch; c++)
			acc[c] = 0;
		for (k = 0; k < wx->count[i]; k++, p += ch)
			for (c = 0; c < ch; c++)
				acc[c] += q[k] * p[c];
	}
}

/* Samples s0 .. s1 of the interior run: rows shifted by one pixel a tap. */
static void
hinterior(const struct conv_plan *p, const unsigned char *row, int s0, int s1,
	  int32_t *acc)
{
	const struct resize_plan *b = &p->blur;
	const int16_t *qv = resize_qv(&b->x, p->x_lo);
	size_t first = (size_t)(p->x_lo - p->radius) * b->ch + s0;
	int n = 2 * p->radius + 1;

	if (b->widened)
		resize_cores_active()->vmac_i16(
			row + 2 * first, 2 * (size_t)b->ch, qv, n,
			(size_t)(s1 - s0), (int32_t)RESIZE_BIAS << RESIZE_QW,
			acc);
	else if (p->fold_x)
		resize_cores_active()->vfold_u8(row + first, (size_t)b->ch, qv,
						p->radius, (size_t)(s1 - s0),
						acc);
	else
		resize_cores_active()->vmac_u8(row + first, (size_t)b->ch, qv,
					       n, (size_t)(s1 - s0), acc);
}

/*
 * Pixels i0 .. i1 outside the interior run, from the per-pixel table, by
 * the hmac core on int16 samples.  U8 rows are widened for it into the
 * output pair row d itself, at their own (single-row) offsets, plus 8
 * pixels for the core's overreads (weight 0, zeros past the row): the left
 * edge's sources lie where its own results and the interior's go later,
 * the right edge's (x_hi - r on) clear of the left edge's results (2 x_lo
 * pixels of d), so the left edge, then the right, then the interior
 * (edge_wide: conv_layout checks that this holds and that an edge fits one
 * chunk of acc).  Each edge is made for both rows before it is stored.
 */
static void
hedge(const struct conv_plan *p, const unsigned char *row, int i0, int i1,
      int16_t *d, int32_t *acc)
{
	const struct resize_plan *b = &p->blur;
	const struct resize_weights *wx = &b->x;
	size_t j, lo, hi, n = (size_t)wx->n * b->ch;

	if (b->widened) {
		resize_cores_active()->hmac(
			wx, i0, i1, (const int16_t *)(const void *)row, b->ch,
			(int32_t)RESIZE_BIAS << RESIZE_QW, acc);
		return;
	}
	if (!p->edge_wide) {
		hedge_u8(wx, i0, i1, row, b->ch, acc);
		return;
	}
	lo = (size_t)wx->first[i0] * b->ch;
	hi = (size_t)(wx->first[i1 - 1] + wx->count[i1 - 1] + 8) * b->ch;
	for (j = lo; j < hi; j++)
		d[j] = j < n ? row[j] : 0;
	resize_cores_active()->hmac(wx, i0, i1, d, b->ch, 0, acc);
}

/*
 * Edge pixels i0 .. i1 of rows a and b into the pair row d, as many a time
 * as acc holds (widened into d, an edge fits one: see hedge).
 */
static void
conv_edge(const struct conv_plan *p, const unsigned char *a,
	  const unsigned char *b, int i0, int i1, int16_t *d, int32_t *acc,
	  int32_t *acc2)
{
	int ch = p->blur.ch, most = RESIZE_CHUNK / ch, j0, j1;

	for (j0 = i0; j0 < i1; j0 = j1) {
		j1 = i1 - j0 < most ? i1 : j0 + most;
		hedge(p, a, j0, j1, d, acc);
		hedge(p, b, j0, j1, d, acc2);
		resize_fin_pair(&p->blur, acc, acc2, (size_t)(j1 - j0) * ch,
				d + 2 * j0 * ch);
	}
}

/* Rows a and b into the pair row d: both edges, interior in chunks. */
static void
conv_pair_row(const struct conv_plan *p, const unsigned char *a,
	      const unsigned char *b, int16_t *d)
{
	const struct resize_plan *bp = &p->blur;
	int ch = bp->ch, n = bp->x.n, lo = p->x_lo < n ? p->x_lo : n, s0, s1;
	int32_t acc[RESIZE_CHUNK + 4], acc2[RESIZE_CHUNK + 4];

	memset(d + 2 * n * ch, 0, RESIZE_PAD * sizeof(*d));
	conv_edge(p, a, b, 0, lo, d, acc, acc2);
	if (p->x_hi < n && p->x_hi >= p->x_lo)
		conv_edge(p, a, b, p->x_hi, n, d, acc, acc2);
	for (s0 = p->x_lo * ch; s0 < p->x_hi * ch; s0 = s1) {
		s1 = p->x_hi * ch - s0 < RESIZE_CHUNK ? p->x_hi * ch
						      : s0 + RESIZE_CHUNK;
		hinterior(p, a, s0 - p->x_lo * ch, s1 - p->x_lo * ch, acc);
		hinterior(p, b, s0 - p->x_lo * ch, s1 - p->x_lo * ch, acc2);
		resize_fin_pair(bp, acc, acc2, (size_t)(s1 - s0), d + 2 * s0);
	}
}

/*
 * Stage: U8 (or widened) src -> int16 pair rows dst, horizontal Gaussian;
 * an odd last row is paired with itself (its partner's weights are 0).
 */
static void
conv_rows_h(const struct stage *st, int y0, int y1)
{
	const struct conv_plan *p = st->plan;
	int y;

	for (y = y0; y < y1; y++) {
		const unsigned char *a = image_row(st->src, 2 * y);

		conv_pair_row(p, a,
			      2 * y + 1 < st->src->h
				      ? image_row(st->src, 2 * y + 1)
				      : a,
			      resize_row_i16(st->dst, y));
	}
}

/* Plan, widen alpha into scratch tmp2 (*in: what the passes read). */
static int
blur_prepare(const struct op_ctx *c, struct conv_plan *p, double sigma,
	     const struct image *src, struct image *dst,
	     const struct image **in)
{
	int rc, w = src->w, h = src->h, ch = src->channels;

	*in = src;
	rc = blur_plan(p, sigma, src, c->err);
	if (rc == 0 && p->blur.widened) {
		rc = resize_alloc_i16(&c->scratch->tmp2, w, h, ch,
				      c->max_pixels, c->err);
		if (rc == 0)
			rc = op_stage(c, resize_rows_widen, src,
				      &c->scratch->tmp2, &p->blur);
		*in = &c->scratch->tmp2;
	}
	if (rc == 0 && dst != src)
		rc = image_alloc(dst, w, h, ch, PIXFMT_U8, c->max_pixels,
				 c->err);
	return rc;
}

/*
 * Source rows *lo .. *hi that output rows y0 .. y1 read, widened to whole
 * pair rows (*lo even, *hi even).
 */
static void
conv_span(const struct resize_weights *wy, int y0, int y1, int *lo, int *hi)
{
	resize_weights_range(wy, y0, y1, lo, hi);
	*lo &= ~1;
	*hi += *hi & 1;
}
/*
 * Output rows a band: a window of about CONV_WINDOW_BYTES of int16 rows,
 * the size of a core's L2 cache, so that the vertical pass finds the rows
 * the horizontal pass has just made still there; but at least twice the
 * kernel's height, so that the 2 r rows each band moves down from the last
 * stay the smaller part, and at least CONV_BAND_MIN rows, so that the
 * stages (two a band, each a barrier for a runner's threads) stay few.
 */
#define CONV_WINDOW_BYTES ((size_t)2 << 20)
#define CONV_BAND_MIN	  48

static int
conv_band_rows(const struct conv_plan *p)
{
	size_t row = ((size_t)p->blur.cols * (size_t)p->blur.ch + RESIZE_PAD) *
		     sizeof(int16_t);
	size_t n = CONV_WINDOW_BYTES / row, least = 4 * (size_t)p->radius + 2;

	least = least > CONV_BAND_MIN ? least : CONV_BAND_MIN;
	return n < least ? (int)least : n > INT_MAX ? INT_MAX : (int)n;
}

/*
 * Both passes, band by band: the horizontal pass makes the rows a band's
 * vertical pass reads into a window of pair rows (scratch tmp) that slides
 * down the image, each row made once, then vrows (with vplan, whose conv
 * part is p) makes the band's output rows from it.  So the int16
 * intermediate is a window, not a second image twice the photo's size.
 * The window starts on an even row and ends after one; past the image's
 * last row that is a copy of it, which no weight reads.
 *
 * dst may be in (op_in_place): a band's output rows end before the rows
 * its window reaches, since each row's kernel covers the row itself, and
 * the spans only move down, so the horizontal passes after it read rows
 * not yet written; sharpen reads its original row just before writing it.
 */
static int
conv_bands(const struct op_ctx *c, struct conv_plan *p, const struct image *in,
	   struct image *dst, stage_rows_fn *vrows, const void *vplan)
{
	const struct resize_weights *wy = &p->blur.y;
	struct image *win = &c->scratch->tmp, hv, wv, dv;
	int band = conv_band_rows(p), h = dst->h, most = 0, y0, y1, lo, hi;
	int have_lo = 0, have_hi = 0, rc;

	for (y0 = 0; y0 < h; y0 = y1) {
		y1 = h - y0 < band ? h : y0 + band;
		conv_span(wy, y0, y1, &lo, &hi);
		most = hi - lo > most ? hi - lo : most;
	}
	/* No --max-pixels here: these are the image's rows, checked before. */
	rc = resize_alloc_i16(win, 2 * p->blur.cols, most / 2, p->blur.ch, 0,
			      c->err);
	for (y0 = 0; rc == 0 && y0 < h; y0 = y1) {
		y1 = h - y0 < band ? h : y0 + band;
		conv_span(wy, y0, y1, &lo, &hi);
		if (lo < have_lo || lo >= have_hi) {
			have_lo = have_hi = lo;
		} else if (lo > have_lo) {
			memmove(win->data, image_row(win, (lo - have_lo) / 2),
				(size_t)((have_hi - lo) / 2) * win->stride);
			have_lo = lo;
		}
		if (hi > have_hi) {
			image_rows_view(in, have_hi,
					(hi < in->h ? hi : in->h) - have_hi,
					&hv);
			image_rows_view(win, (have_hi - have_lo) / 2,
					(hi - have_hi) / 2, &wv);
			rc = op_stage(c, conv_rows_h, &hv, &wv, p);
			have_hi = hi;
		}
		p->band0 = y0;
		p->win0 = have_lo;
		image_rows_view(dst, y0, y1 - y0, &dv);
		if (rc == 0)
			rc = op_stage(c, vrows, win, &dv, vplan);
	}
	return rc;
}

/*
 * The pair rows and weights of output row y: its first source row's pair
 * (rel = first - win0 is even) with its own weights, or the pair that
 * ends with it, with the weights moved down one tap.  q - 1 is then the
 * zero after the row above's weights (the kernel's taps are odd, so qtaps
 * leaves at least one); rel is odd only below row 0, whose first is 0 and
 * so the window's.
 */
static const int16_t *
conv_taps(const struct conv_plan *p, int y, int *pair, int *np)
{
	const struct resize_weights *wy = &p->blur.y;
	int rel = wy->first[y] - p->win0;

	*pair = rel >> 1;
	*np = (wy->count[y] + (rel & 1) + 1) / 2;
	return resize_q(wy, y) - (rel & 1);
}

/* Whether rows y and y + 1 read the same pair rows: one pass makes both. */
static int
conv_pair(const struct conv_plan *p, int y, int y1)
{
	int pa, na, pb, nb;

	if (y + 1 >= y1)
		return 0;
	conv_taps(p, y, &pa, &na);
	conv_taps(p, y + 1, &pb, &nb);
	return pa == pb && na == nb;
}

/*
 * Vertical sums of output row y (and, if two, of row y + 1 into acc2),
 * samples s0 .. s0 + ns of the window src.
 */
static void
conv_vsum(const struct conv_plan *p, const struct image *src, int y, int two,
	  int s0, size_t ns, int32_t *acc, int32_t *acc2)
{
	int32_t init = p->blur.alpha ? (int32_t)RESIZE_BIAS << RESIZE_QW : 0;
	int pair, np, pair2, np2;
	const int16_t *q = conv_taps(p, y, &pair, &np);
	const int16_t *q2 = two ? conv_taps(p, y + 1, &pair2, &np2) : NULL;

	resize_cores_active()->pmac_i16(
		(const unsigned char *)(resize_row_i16(src, pair) + 2 * s0),
		src->stride, q, q2, np, ns, init, acc, two ? acc2 : NULL);
}

/*
 * Stage: int16 window -> U8 rows of a band, vertical Gaussian, interior
 * rows two at once.
 */
static void
conv_rows_v(const struct stage *st, int y0, int y1)
{
	const struct conv_plan *p = st->plan;
	int n = st->dst->w * p->blur.ch, y, s0, s1, two, b = p->band0;
	int32_t acc[RESIZE_CHUNK], acc2[RESIZE_CHUNK];

	for (y = y0; y < y1; y += 1 + two) {
		two = conv_pair(p, b + y, b + y1);
		for (s0 = 0; s0 < n; s0 = s1) {
			s1 = n - s0 < RESIZE_CHUNK ? n : s0 + RESIZE_CHUNK;
			conv_vsum(p, st->src, b + y, two, s0, (size_t)(s1 - s0),
				  acc, acc2);
			resize_fin_second(&p->blur, acc, (size_t)(s1 - s0),
					  image_row(st->dst, y) + s0);
			if (two)
				resize_fin_second(
					&p->blur, acc2, (size_t)(s1 - s0),
					image_row(st->dst, y + 1) + s0);
		}
	}
}

int
op_blur(const struct op_ctx *c, double sigma, const struct image *src,
	struct image *dst)
{
	const struct image *in;
	struct conv_plan p;
	int rc;

	rc = blur_prepare(c, &p, sigma, src, dst, &in);
	if (rc == 0)
		rc = conv_bands(c, &p, in, dst, conv_rows_v, &p);
	resize_plan_release(&p.blur);
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

/*
 * With alpha: the blur back from premultiplied (accumulators are Q14 of
 * c * a and of a * 255), unless all but transparent; alpha is kept.
 */
static void
unsharp_alpha(const struct sharpen_plan *p, const int32_t *acc,
	      const unsigned char *o, unsigned char *d, size_t npix, int ch)
{
	const float eps = 1e-3f * 255.0f * (float)(1 << RESIZE_QW);
	size_t i;
	int c;

	for (i = 0; i < npix; i++, acc += ch, o += ch, d += ch) {
		float a = (float)acc[ch - 1];
		float inv = a > eps ? 255.0f / a : 0.0f;

		for (c = 0; c < ch - 1; c++)
			d[c] = unsharp(o[c],
				       inv != 0.0f ? (float)acc[c] * inv : o[c],
				       p->amount, p->threshold);
		d[ch - 1] = o[ch - 1];
	}
}

/*
 * Samples s0 .. s0 + ns of the band's row y (the image's row p->conv.band0
 * + y) from the blur's sums acc.
 */
static void
sharpen_chunk(const struct stage *st, int y, int s0, size_t ns,
	      const int32_t *acc)
{
	const struct sharpen_plan *p = st->plan;
	const struct resize_plan *b = &p->conv.blur;
	const unsigned char *o = image_row(p->orig, p->conv.band0 + y) + s0;
	unsigned char *d = image_row(st->dst, y) + s0;

	if (b->alpha)
		unsharp_alpha(p, acc, o, d, ns / (size_t)b->ch, b->ch);
	else
		resize_cores_active()->unsharp(acc, o, d, ns, p->amount_q,
					       p->thr_q);
}

/* Stage: the vertical blur of the window, combined with the original. */
static void
sharpen_rows(const struct stage *st, int y0, int y1)
{
	const struct sharpen_plan *p = st->plan;
	int n = st->dst->w * p->conv.blur.ch, y, s0, s1, two;
	int b = p->conv.band0;
	int32_t acc[RESIZE_CHUNK], acc2[RESIZE_CHUNK];

	for (y = y0; y < y1; y += 1 + two) {
		two = conv_pair(&p->conv, b + y, b + y1);
		for (s0 = 0; s0 < n; s0 = s1) {
			s1 = n - s0 < RESIZE_CHUNK ? n : s0 + RESIZE_CHUNK;
			conv_vsum(&p->conv, st->src, b + y, two, s0,
				  (size_t)(s1 - s0), acc, acc2);
			sharpen_chunk(st, y, s0, (size_t)(s1 - s0), acc);
			if (two)
				sharpen_chunk(st, y + 1, s0, (size_t)(s1 - s0),
					      acc2);
		}
	}
}

int
op_sharpen(const struct op_ctx *c, const struct op_sharpen *s,
	   const struct image *src, struct image *dst)
{
	const struct image *in;
	struct sharpen_plan p;
	int rc;

	p.orig = src;
	p.amount = (float)s->amount;
	p.threshold = (float)s->threshold;
	p.amount_q = (int)floor(s->amount * 1024 + 0.5);
	p.thr_q = (int)ceil(s->threshold * (1 << RESIZE_QI));
	rc = blur_prepare(c, &p.conv, s->sigma, src, dst, &in);
	if (rc == 0)
		rc = conv_bands(c, &p.conv, in, dst, sharpen_rows, &p);
	resize_plan_release(&p.conv.blur);
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
