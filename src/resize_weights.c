/*
 * Resampling weight tables: kernels sampled once per phase, normalised in
 * float, then quantised to Q14 rows that sum exactly to one, so constant
 * images stay constant whatever the filter.
 */
#include "resize_weights.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"
#include "error.h"
#include "filter.h"

/* Q14 weights sum to this. */
#define ONE (1 << RESIZE_QW)

void
resize_weights_init(struct resize_weights *rw)
{
	memset(rw, 0, sizeof(*rw));
}

static void
lanes_release(struct resize_lanes *l)
{
	free(l->from);
	free(l->len);
	free(l->pairs);
	free(l->idx);
	free(l->w);
	memset(l, 0, sizeof(*l));
}

void
resize_weights_release(struct resize_weights *rw)
{
	free(rw->first);
	free(rw->count);
	free(rw->w);
	free(rw->q);
	free(rw->qv);
	lanes_release(&rw->lanes);
	resize_weights_init(rw);
}

static int
weights_alloc(struct resize_weights *rw, int n, int taps)
{
	int qtaps = (taps + 7) / 8 * 8;
	size_t nq = (size_t)n * (size_t)qtaps;

	resize_weights_release(rw);
	rw->first = malloc((size_t)n * sizeof(*rw->first));
	rw->count = malloc((size_t)n * sizeof(*rw->count));
	rw->w = calloc((size_t)n * (size_t)taps, sizeof(*rw->w));
	rw->q = calloc(nq, sizeof(*rw->q));
	/* 16-byte aligned, so pmaddwd takes the pairs straight from memory. */
	rw->qv = aligned_alloc(16, nq * 4 * sizeof(*rw->qv));
	if (rw->first == NULL || rw->count == NULL || rw->w == NULL ||
	    rw->q == NULL || rw->qv == NULL) {
		resize_weights_release(rw);
		return IMGPIPE_ENOMEM;
	}
	rw->n = n;
	rw->taps = taps;
	rw->qtaps = qtaps;
	return 0;
}

static int
clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * Q14 weights of output pixel i.  Rounding each weight alone leaves the row
 * off 1 << 14 by a few units; giving the remainder to the largest weight
 * (where it matters least, relatively) makes every row sum exactly to one,
 * so constant images stay constant and box means come out exact.
 */
static void
quantise(struct resize_weights *rw, int i)
{
	const float *w = rw->w + (size_t)i * (size_t)rw->taps;
	int16_t *q = rw->q + (size_t)i * (size_t)rw->qtaps;
	int16_t *v = rw->qv + (size_t)i * (size_t)rw->qtaps * 4;
	int k, big = 0, sum = 0, t;

	for (k = 0; k < rw->count[i]; k++) {
		t = clampi((int)floor(w[k] * ONE + 0.5), -INT16_MAX, INT16_MAX);
		q[k] = (int16_t)t;
		sum += t;
		if (abs(t) > abs(q[big]))
			big = k;
	}
	q[big] = (int16_t)clampi(q[big] + ONE - sum, -INT16_MAX, INT16_MAX);
	for (k = 0; k < rw->qtaps * 4; k++)
		v[k] = q[(k / 8) * 2 + (k & 1)];
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
	quantise(rw, i);
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
		quantise(rw, i);
	}
	return 0;
}

/*
 * Output i reuses output i - period's weights moved along by shift source
 * pixels: the phase of (i + 0.5) in_n / scaled_n repeats every
 * scaled_n / gcd outputs.  Evaluating sinc once per phase rather than per
 * output is most of the cost of building a table.
 */
static void
copy_row(struct resize_weights *rw, int i, int from, int shift)
{
	size_t t = (size_t)rw->taps, q = (size_t)rw->qtaps;

	memcpy(rw->w + i * t, rw->w + from * t, t * sizeof(*rw->w));
	memcpy(rw->q + i * q, rw->q + from * q, q * sizeof(*rw->q));
	memcpy(rw->qv + i * q * 4, rw->qv + from * q * 4,
	       q * 4 * sizeof(*rw->qv));
	rw->first[i] = rw->first[from] + shift;
	rw->count[i] = rw->count[from];
}

static int
gcd(int a, int b)
{
	while (b != 0) {
		int t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* Source window lo .. hi of output i; 1 when it lies inside the image. */
static int
window(int i, int win, double scale, double r, int in_n, int *lo, int *hi)
{
	double s = (win + i + 0.5) / scale - 0.5;

	*lo = (int)ceil(s - r);
	*hi = (int)floor(s + r);
	return *lo >= 0 && *hi < in_n;
}

int
resize_weights_filter(struct resize_weights *rw, enum filter_kind f, int in_n,
		      int scaled_n, int win, int out_n)
{
	const struct filter_desc *fd = filter_get(f);
	double scale = (double)scaled_n / in_n, r, s;
	double fs = scale < 1.0 ? scale : 1.0;
	int g = gcd(in_n, scaled_n), period = scaled_n / g, i, j, lo, hi, taps;
	int plo, phi;
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
		if (window(i, win, scale, r, in_n, &lo, &hi) && i >= period &&
		    window(i - period, win, scale, r, in_n, &plo, &phi)) {
			copy_row(rw, i, i - period, in_n / g);
			continue;
		}
		s = (win + i + 0.5) / scale - 0.5;
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
		if (i > radius && i + radius < n)
			copy_row(rw, i, i - 1, 1);
		else
			store(rw, i, kern, i - radius, i + radius, n, 1);
	return 0;
}

void
resize_weights_range(const struct resize_weights *rw, int i0, int i1, int *lo,
		     int *hi)
{
	int i;

	*lo = rw->first[i0];
	*hi = *lo;
	for (i = i0; i < i1; i++) {
		*lo = rw->first[i] < *lo ? rw->first[i] : *lo;
		if (rw->first[i] + rw->count[i] > *hi)
			*hi = rw->first[i] + rw->count[i];
	}
}

/* Block b of px pixels: its first source pixel and its samples' count. */
static void
lanes_span(const struct resize_weights *rw, int b, int px, int ch, int *from,
	   int *len)
{
	int hi;

	resize_weights_range(rw, b * px, b * px + px, from, &hi);
	*len = (hi - *from) * ch;
}

/*
 * The most pixels a block with which every block fits 64 samples, if they
 * fill 12 lanes or more; 0 if not.  With fewer the core's pixel by pixel
 * path was the faster.
 */
static int
lanes_px(const struct resize_weights *rw, int ch)
{
	int px, b, from, len;

	for (px = 16 / ch; px * ch >= 12; px--) {
		for (b = 0; b < rw->n / px; b++) {
			lanes_span(rw, b, px, ch, &from, &len);
			if (len > 64)
				break;
		}
		if (b == rw->n / px)
			return px;
	}
	return 0;
}

static uint32_t
pair16(int lo, int hi)
{
	return (uint32_t)(uint16_t)lo | (uint32_t)(uint16_t)hi << 16;
}

/* Block b's indices and weights, its pixels' rows of q as lanes. */
static void
lanes_block(struct resize_weights *rw, int b)
{
	struct resize_lanes *l = &rw->lanes;
	uint32_t *idx = l->idx + (size_t)b * 16;
	uint32_t *w = l->w + (size_t)b * (size_t)l->most * 16;
	int j, m, i, c, k;

	lanes_span(rw, b, l->px, l->ch, &l->from[b], &l->len[b]);
	l->pairs[b] = 0;
	for (j = 0; j < 16; j++) {
		idx[j] = 0;
		for (m = 0; m < l->most; m++)
			w[m * 16 + j] = 0;
		if (j >= l->px * l->ch)
			continue;
		i = b * l->px + j / l->ch;
		c = j % l->ch;
		k = (rw->first[i] - l->from[b]) * l->ch + c;
		idx[j] = pair16(k, k + l->ch);
		for (m = 0; 2 * m < rw->count[i]; m++)
			w[m * 16 + j] = pair16(resize_q(rw, i)[2 * m],
					       resize_q(rw, i)[2 * m + 1]);
		l->pairs[b] = m > l->pairs[b] ? m : l->pairs[b];
	}
}

int
resize_weights_lanes(struct resize_weights *rw, int ch, int pad)
{
	struct resize_lanes *l = &rw->lanes;
	int px, b, end, i;

	lanes_release(l);
	px = ch >= 1 && ch <= 3 ? lanes_px(rw, ch) : 0;
	if (px == 0 || rw->n / px == 0)
		return 0;
	l->ch = ch;
	l->px = px;
	l->n = rw->n / px;
	l->most = (rw->taps + 1) / 2;
	l->from = malloc((size_t)l->n * sizeof(*l->from));
	l->len = malloc((size_t)l->n * sizeof(*l->len));
	l->pairs = malloc((size_t)l->n * sizeof(*l->pairs));
	l->idx = malloc((size_t)l->n * 16 * sizeof(*l->idx));
	l->w = malloc((size_t)l->n * (size_t)l->most * 16 * sizeof(*l->w));
	if (l->from == NULL || l->len == NULL || l->pairs == NULL ||
	    l->idx == NULL || l->w == NULL) {
		lanes_release(l);
		return IMGPIPE_ENOMEM;
	}
	resize_weights_range(rw, 0, rw->n, &i, &end);
	for (b = 0; b < l->n; b++) {
		lanes_block(rw, b);
		if ((size_t)l->from[b] * ch + 64 <= (size_t)end * ch + pad)
			l->plain = b + 1;
	}
	return 0;
}
