/*
 * Separable resampling in fixed point: weight tables built once per image
 * and axis, then two passes through an int16 intermediate.  All arithmetic
 * on samples is exact integer maths, so the SSE2 cores and the plain C ones
 * give the same bytes, and so does any split of the rows into bands.
 */
#include "resize.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "filter.h"
#include "op_kernels.h"

#if defined(__SSE2__) && !defined(IMGPIPE_NO_SIMD)
#define RESIZE_SSE2 1
#include <emmintrin.h>
#endif

/* Q14 weights sum to this; biased samples need it added back once. */
#define ONE	 (1 << RESIZE_QW)
#define BIAS_ACC ((int32_t)RESIZE_BIAS << RESIZE_QW)

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
	free(rw->q);
	free(rw->qv);
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

/* Weight k of a row of rw->qv. */
static inline int32_t
qv_at(const int16_t *qv, int k)
{
	return qv[(k >> 1) * 8 + (k & 1)];
}

static inline int16_t
sat16(int32_t v)
{
	return (int16_t)(v < INT16_MIN	 ? INT16_MIN
			 : v > INT16_MAX ? INT16_MAX
					 : v);
}

/*
 * The shifts below are of signed values that may be negative (ringing):
 * arithmetic, as on every compiler we build with, and as psrad does.
 */
static inline int32_t
round_shift(int32_t v, int shift)
{
	return (v + (1 << (shift - 1))) >> shift;
}

static void
vmac_u8_c(const unsigned char *base, size_t step, const int16_t *qv, int n,
	  size_t ns, int32_t *restrict acc)
{
	size_t i;
	int k;

	for (i = 0; i < ns; i++)
		acc[i] = 0;
	for (k = 0; k < n; k++) {
		const unsigned char *r = base + (size_t)k * step;
		int32_t w = qv_at(qv, k);

		for (i = 0; i < ns; i++)
			acc[i] += w * r[i];
	}
}

static void
vmac_i16_c(const unsigned char *base, size_t step, const int16_t *qv, int n,
	   size_t ns, int32_t init, int32_t *restrict acc)
{
	size_t i;
	int k;

	for (i = 0; i < ns; i++)
		acc[i] = init;
	for (k = 0; k < n; k++) {
		const int16_t *r =
			(const int16_t *)(const void *)(base +
							(size_t)k * step);
		int32_t w = qv_at(qv, k);

		for (i = 0; i < ns; i++)
			acc[i] += w * r[i];
	}
}

/* One pixel's channels, ch constant after inlining. */
static inline void
hpix_c(const int16_t *q, const int16_t *p, int n, int ch, int32_t init,
       int32_t *restrict acc)
{
	int k, c;

	for (c = 0; c < ch; c++)
		acc[c] = init;
	for (k = 0; k < n; k++, p += ch)
		for (c = 0; c < ch; c++)
			acc[c] += q[k] * p[c];
}

static void
hmac_c(const struct resize_weights *rw, int i0, int i1, const int16_t *s,
       int ch, int32_t init, int32_t *restrict acc)
{
	int i;

	for (i = i0; i < i1; i++, acc += ch) {
		const int16_t *q = resize_q(rw, i);
		const int16_t *p = s + (size_t)rw->first[i] * ch;

		switch (ch) {
		case 1: hpix_c(q, p, rw->count[i], 1, init, acc); break;
		case 2: hpix_c(q, p, rw->count[i], 2, init, acc); break;
		case 3: hpix_c(q, p, rw->count[i], 3, init, acc); break;
		default: hpix_c(q, p, rw->count[i], 4, init, acc); break;
		}
	}
}

static void
fin_i16_c(const int32_t *acc, size_t ns, int shift, int bias,
	  int16_t *restrict d)
{
	size_t i;

	for (i = 0; i < ns; i++)
		d[i] = sat16(round_shift(acc[i], shift) - bias);
}

static void
fin_u8_c(const int32_t *acc, size_t ns, int shift, unsigned char *restrict d)
{
	size_t i;
	int32_t v;

	for (i = 0; i < ns; i++) {
		v = round_shift(acc[i], shift);
		d[i] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
	}
}

/*
 * Premultiplied: colour c * a and alpha a * 255, both 0 .. 65025 less
 * RESIZE_BIAS, so that even alpha 1 keeps all 8 bits of its colour.
 */
static void
widen_alpha_c(const unsigned char *restrict s, int16_t *restrict d, size_t npix,
	      int ch)
{
	size_t i;
	int c;

	for (i = 0; i < npix; i++, s += ch, d += ch) {
		int a = s[ch - 1];

		for (c = 0; c < ch - 1; c++)
			d[c] = (int16_t)(s[c] * a - RESIZE_BIAS);
		d[ch - 1] = (int16_t)(a * 255 - RESIZE_BIAS);
	}
}

/* Alpha's accumulator is Q14 of a * 255; colour's of c * a. */
#define ALPHA_SCALE (1.0f / (255.0f * (float)ONE))

/*
 * alpha = acc_a / (255 << 14) and colour = 255 acc_c / acc_a: multiplied
 * by rounded reciprocals, which still gives back exact integers, and the
 * same IEEE operations as the vector version.
 */
static void
unpremultiply_c(const int32_t *acc, unsigned char *restrict d, size_t npix,
		int ch)
{
	size_t i;
	int c;

	for (i = 0; i < npix; i++, acc += ch, d += ch) {
		float a = (float)acc[ch - 1], inv;

		d[ch - 1] = resize_to_u8(a * ALPHA_SCALE);
		inv = d[ch - 1] != 0 ? 255.0f / a : 0.0f;
		for (c = 0; c < ch - 1; c++)
			d[c] = resize_to_u8((float)acc[c] * inv);
	}
}

const struct resize_cores resize_cores_plain = {
	vmac_u8_c, vmac_i16_c,	  hmac_c,	   fin_i16_c,
	fin_u8_c,  widen_alpha_c, unpremultiply_c,
};

#ifdef RESIZE_SSE2
/*
 * pmaddwd multiplies int16 pairs and adds each pair into an int32, so two
 * taps go at once when their samples are interleaved (row k, row k + 1)
 * and the weights are the pair (w[k], w[k + 1]) repeated: rw->qv.
 */
static inline __m128i
madd(__m128i x, const int16_t *qv)
{
	return _mm_madd_epi16(x, _mm_load_si128((const __m128i *)qv));
}

static inline __m128i
ld(const void *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

/* 16 samples of rows a and b: unsigned bytes interleaved, widened. */
static inline void
vmac16_u8(__m128i x, __m128i y, const int16_t *qv, __m128i acc[4])
{
	const __m128i z = _mm_setzero_si128();
	__m128i lo = _mm_unpacklo_epi8(x, y), hi = _mm_unpackhi_epi8(x, y);

	acc[0] = _mm_add_epi32(acc[0], madd(_mm_unpacklo_epi8(lo, z), qv));
	acc[1] = _mm_add_epi32(acc[1], madd(_mm_unpackhi_epi8(lo, z), qv));
	acc[2] = _mm_add_epi32(acc[2], madd(_mm_unpacklo_epi8(hi, z), qv));
	acc[3] = _mm_add_epi32(acc[3], madd(_mm_unpackhi_epi8(hi, z), qv));
}

/*
 * Blocks of 16 samples keep their four accumulators in registers across
 * all taps; an odd last tap pairs with zeros (its pair weight is 0).
 */
static void
vmac_u8_sse2(const unsigned char *base, size_t step, const int16_t *qv, int n,
	     size_t ns, int32_t *restrict acc)
{
	const __m128i z = _mm_setzero_si128();
	size_t i, tail = ns & ~(size_t)15;
	int k;

	for (i = 0; i < tail; i += 16) {
		__m128i a[4] = { z, z, z, z };
		const unsigned char *p = base + i;

		for (k = 0; k + 1 < n; k += 2, p += 2 * step)
			vmac16_u8(ld(p), ld(p + step), qv + 4 * k, a);
		if (k < n)
			vmac16_u8(ld(p), z, qv + 4 * k, a);
		for (k = 0; k < 4; k++)
			_mm_storeu_si128((__m128i *)(acc + i) + k, a[k]);
	}
	if (tail < ns)
		vmac_u8_c(base + tail, step, qv, n, ns - tail, acc + tail);
}

/* 8 int16 samples of rows a and b, interleaved. */
static inline void
vmac8_i16(__m128i x, __m128i y, const int16_t *qv, __m128i *a0, __m128i *a1)
{
	*a0 = _mm_add_epi32(*a0, madd(_mm_unpacklo_epi16(x, y), qv));
	*a1 = _mm_add_epi32(*a1, madd(_mm_unpackhi_epi16(x, y), qv));
}

static void
vmac_i16_sse2(const unsigned char *base, size_t step, const int16_t *qv, int n,
	      size_t ns, int32_t init, int32_t *restrict acc)
{
	const __m128i z = _mm_setzero_si128(), v0 = _mm_set1_epi32(init);
	size_t i, tail = ns & ~(size_t)15;
	int k;

	for (i = 0; i < tail; i += 16) {
		__m128i a[4] = { v0, v0, v0, v0 };
		const unsigned char *p = base + 2 * i;

		for (k = 0; k + 1 < n; k += 2, p += 2 * step) {
			vmac8_i16(ld(p), ld(p + step), qv + 4 * k, &a[0],
				  &a[1]);
			vmac8_i16(ld(p + 16), ld(p + step + 16), qv + 4 * k,
				  &a[2], &a[3]);
		}
		if (k < n) {
			vmac8_i16(ld(p), z, qv + 4 * k, &a[0], &a[1]);
			vmac8_i16(ld(p + 16), z, qv + 4 * k, &a[2], &a[3]);
		}
		for (k = 0; k < 4; k++)
			_mm_storeu_si128((__m128i *)(acc + i) + k, a[k]);
	}
	if (tail < ns)
		vmac_i16_c(base + 2 * tail, step, qv, n, ns - tail, init,
			   acc + tail);
}

static inline __m128i
ld64(const int16_t *p)
{
	return _mm_loadl_epi64((const __m128i *)(const void *)p);
}

/*
 * One pixel of 2 .. 4 channels, two taps per pmaddwd: pixels k and k + 1
 * interleaved channel by channel (r0 r1 g0 g1 ...) give one sum per
 * channel.  An odd count reads one pixel past the window (weight 0), which
 * the row's RESIZE_PAD covers.
 */
static inline __m128i
pair_sse2(const int16_t *p, int ch)
{
	if (ch == 2)
		return _mm_shufflelo_epi16(ld64(p), _MM_SHUFFLE(3, 1, 2, 0));
	return _mm_unpacklo_epi16(ld64(p), ld64(p + ch));
}

/* Four taps an iteration into two sums, so the adds do not wait in line. */
static inline __m128i
hpix_sse2(const int16_t *qv, const int16_t *p, int n, int ch, __m128i v)
{
	__m128i u = _mm_setzero_si128();
	int k;

	for (k = 0; k + 3 < n; k += 4, p += 4 * ch) {
		v = _mm_add_epi32(v, madd(pair_sse2(p, ch), qv + 4 * k));
		u = _mm_add_epi32(
			u, madd(pair_sse2(p + 2 * ch, ch), qv + 4 * k + 8));
	}
	for (; k < n; k += 2, p += 2 * ch)
		v = _mm_add_epi32(v, madd(pair_sse2(p, ch), qv + 4 * k));
	return _mm_add_epi32(v, u);
}

/* Grey: eight taps per pmaddwd on the plain weights, summed at the end. */
static inline int32_t
hpix1_sse2(const int16_t *q, const int16_t *p, int n, int32_t init)
{
	__m128i v = _mm_setzero_si128();
	int k;

	for (k = 0; k < n; k += 8)
		v = _mm_add_epi32(v, _mm_madd_epi16(ld(p + k), ld(q + k)));
	v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 0, 3, 2)));
	v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 3, 0, 1)));
	return init + _mm_cvtsi128_si32(v);
}

/* Stores of 4 lanes for 3 channels spill one int32: acc has room. */
static inline void
hrun_sse2(const struct resize_weights *rw, int i0, int i1, const int16_t *s,
	  int ch, int32_t init, int32_t *restrict acc)
{
	const __m128i v0 = _mm_set1_epi32(init);
	int i;

	for (i = i0; i < i1; i++, acc += ch) {
		const int16_t *p = s + (size_t)rw->first[i] * ch;
		__m128i v =
			hpix_sse2(resize_qv(rw, i), p, rw->count[i], ch, v0);

		if (ch == 2)
			_mm_storel_epi64((__m128i *)(void *)acc, v);
		else
			_mm_storeu_si128((__m128i *)(void *)acc, v);
	}
}

static void
hmac_sse2(const struct resize_weights *rw, int i0, int i1, const int16_t *s,
	  int ch, int32_t init, int32_t *restrict acc)
{
	int i;

	switch (ch) {
	case 1:
		for (i = i0; i < i1; i++)
			acc[i - i0] =
				hpix1_sse2(resize_q(rw, i), s + rw->first[i],
					   rw->count[i], init);
		break;
	case 2: hrun_sse2(rw, i0, i1, s, 2, init, acc); break;
	case 3: hrun_sse2(rw, i0, i1, s, 3, init, acc); break;
	default: hrun_sse2(rw, i0, i1, s, 4, init, acc); break;
	}
}

static void
fin_i16_sse2(const int32_t *acc, size_t ns, int shift, int bias,
	     int16_t *restrict d)
{
	const __m128i r = _mm_set1_epi32(1 << (shift - 1));
	const __m128i b = _mm_set1_epi32(bias);
	const __m128i sh = _mm_cvtsi32_si128(shift);
	size_t i, tail = ns & ~(size_t)7;
	__m128i lo, hi;

	for (i = 0; i < tail; i += 8) {
		lo = _mm_sra_epi32(_mm_add_epi32(ld(acc + i), r), sh);
		hi = _mm_sra_epi32(_mm_add_epi32(ld(acc + i + 4), r), sh);
		_mm_storeu_si128((__m128i *)(void *)(d + i),
				 _mm_packs_epi32(_mm_sub_epi32(lo, b),
						 _mm_sub_epi32(hi, b)));
	}
	if (tail < ns)
		fin_i16_c(acc + tail, ns - tail, shift, bias, d + tail);
}

static void
fin_u8_sse2(const int32_t *acc, size_t ns, int shift, unsigned char *restrict d)
{
	const __m128i r = _mm_set1_epi32(1 << (shift - 1));
	const __m128i sh = _mm_cvtsi32_si128(shift);
	size_t i, tail = ns & ~(size_t)15;
	__m128i v[4];
	int k;

	for (i = 0; i < tail; i += 16) {
		for (k = 0; k < 4; k++)
			v[k] = _mm_sra_epi32(
				_mm_add_epi32(ld(acc + i + 4 * k), r), sh);
		/* Saturating to int16 and then to 0 .. 255 is the clamp. */
		_mm_storeu_si128((__m128i *)(void *)(d + i),
				 _mm_packus_epi16(_mm_packs_epi32(v[0], v[1]),
						  _mm_packs_epi32(v[2], v[3])));
	}
	if (tail < ns)
		fin_u8_c(acc + tail, ns - tail, shift, d + tail);
}

/*
 * Four (or eight, grey + alpha) pixels at a time: each sample times its
 * pixel's alpha, or alpha times 255; pmullw's low half is exact since
 * 255 * 255 < 65536, and flipping the top bit subtracts RESIZE_BIAS.
 */
static inline __m128i
premul8(__m128i x, int ch)
{
	const __m128i top = _mm_set1_epi16((short)0x8000);
	__m128i a, keep, a255;

	if (ch == 4) {
		a = _mm_shufflehi_epi16(_mm_shufflelo_epi16(x, 0xff), 0xff);
		keep = _mm_set_epi16(0, -1, -1, -1, 0, -1, -1, -1);
		a255 = _mm_set_epi16(255, 0, 0, 0, 255, 0, 0, 0);
	} else {
		a = _mm_shufflehi_epi16(_mm_shufflelo_epi16(x, 0xf5), 0xf5);
		keep = _mm_set_epi16(0, -1, 0, -1, 0, -1, 0, -1);
		a255 = _mm_set_epi16(255, 0, 255, 0, 255, 0, 255, 0);
	}
	a = _mm_or_si128(_mm_and_si128(a, keep), a255);
	return _mm_xor_si128(_mm_mullo_epi16(x, a), top);
}

static void
widen_alpha_sse2(const unsigned char *restrict s, int16_t *restrict d,
		 size_t npix, int ch)
{
	const __m128i z = _mm_setzero_si128();
	size_t i, n = npix * (size_t)ch, tail = n & ~(size_t)15;
	__m128i x;

	for (i = 0; i < tail; i += 16) {
		x = ld(s + i);
		_mm_storeu_si128((__m128i *)(void *)(d + i),
				 premul8(_mm_unpacklo_epi8(x, z), ch));
		_mm_storeu_si128((__m128i *)(void *)(d + i + 8),
				 premul8(_mm_unpackhi_epi8(x, z), ch));
	}
	if (tail < n)
		widen_alpha_c(s + tail, d + tail, (n - tail) / (size_t)ch, ch);
}

/* unpremultiply_c on one RGBA pixel in one vector: the same operations. */
static inline void
unpremul4(const int32_t *acc, unsigned char *d)
{
	const __m128 k = _mm_castsi128_ps(_mm_set_epi32(0, -1, -1, -1));
	const __m128 ka = _mm_set_ps(ALPHA_SCALE, 0.0f, 0.0f, 0.0f);
	__m128 v = _mm_cvtepi32_ps(ld(acc)), m;
	__m128i q, a;

	m = _mm_div_ps(_mm_set1_ps(255.0f), _mm_shuffle_ps(v, v, 0xff));
	m = _mm_or_ps(_mm_and_ps(m, k), ka);
	v = _mm_min_ps(_mm_max_ps(_mm_mul_ps(v, m), _mm_setzero_ps()),
		       _mm_set1_ps(255.0f));
	q = _mm_cvttps_epi32(_mm_add_ps(v, _mm_set1_ps(0.5f)));
	/* Transparent: colour 0 (the 255 / 0 above is then discarded). */
	a = _mm_cmpeq_epi32(_mm_shuffle_epi32(q, 0xff), _mm_setzero_si128());
	q = _mm_andnot_si128(_mm_and_si128(_mm_castps_si128(k), a), q);
	q = _mm_packs_epi32(q, q);
	*(int32_t *)(void *)d = _mm_cvtsi128_si32(_mm_packus_epi16(q, q));
}

static void
unpremultiply_sse2(const int32_t *acc, unsigned char *restrict d, size_t npix,
		   int ch)
{
	size_t i;

	if (ch != 4) {
		unpremultiply_c(acc, d, npix, ch);
		return;
	}
	for (i = 0; i < npix; i++)
		unpremul4(acc + 4 * i, d + 4 * i);
}

const struct resize_cores resize_cores_fast = {
	vmac_u8_sse2, vmac_i16_sse2,	hmac_sse2,	    fin_i16_sse2,
	fin_u8_sse2,  widen_alpha_sse2, unpremultiply_sse2,
};
#else
const struct resize_cores resize_cores_fast = {
	vmac_u8_c, vmac_i16_c,	  hmac_c,	   fin_i16_c,
	fin_u8_c,  widen_alpha_c, unpremultiply_c,
};
#endif

static const struct resize_cores *active = &resize_cores_fast;

/*
 * Chosen once, before main and so before any thread: the widest cores the
 * CPU runs, unless IMGPIPE_SIMD caps them ("c", "sse2") to compare.
 */
__attribute__((constructor)) static void
pick_cores(void)
{
	const char *cap = getenv("IMGPIPE_SIMD");
	const struct resize_cores *avx2 = resize_cores_avx2();

	if (cap != NULL && strcmp(cap, "c") == 0)
		active = &resize_cores_plain;
	else if (avx2 != NULL && (cap == NULL || strcmp(cap, "sse2") != 0))
		active = avx2;
}

const struct resize_cores *
resize_cores_active(void)
{
	return active;
}

#define vmac_u8	      (active->vmac_u8)
#define vmac_i16      (active->vmac_i16)
#define hmac	      (active->hmac)
#define fin_i16	      (active->fin_i16)
#define fin_u8	      (active->fin_u8)
#define widen_alpha   (active->widen_alpha)
#define unpremultiply (active->unpremultiply)

void
resize_rows_widen(const struct stage *st, int y0, int y1)
{
	const struct resize_plan *p = st->plan;
	int ch = st->src->channels, n = p->cols * ch, y, i;

	for (y = y0; y < y1; y++) {
		const unsigned char *s =
			image_row(st->src, p->row0 + y) + (size_t)p->col0 * ch;
		int16_t *d = resize_row_i16(st->dst, y);

		if (p->alpha)
			widen_alpha(s, d, (size_t)p->cols, ch);
		else
			for (i = 0; i < n; i++)
				d[i] = s[i];
		memset(d + n, 0, RESIZE_PAD * sizeof(*d));
	}
}

/* First-pass output: Q6 colour, or premultiplied clamped to 16 bits. */
static void
fin_first(const struct resize_plan *p, const int32_t *acc, size_t ns,
	  int16_t *d)
{
	if (p->alpha)
		fin_i16(acc, ns, RESIZE_QW, RESIZE_BIAS, d);
	else
		fin_i16(acc, ns, RESIZE_QW - RESIZE_QI, 0, d);
}

/* Second-pass output: U8 colour, or back from premultiplied. */
static void
fin_second(const struct resize_plan *p, const int32_t *acc, size_t ns, int ch,
	   unsigned char *d)
{
	if (p->alpha)
		unpremultiply(acc, d, ns / (size_t)ch, ch);
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

void
resize_rows_h(const struct stage *st, int y0, int y1)
{
	const struct resize_plan *p = st->plan;
	int ch = p->ch, step = RESIZE_CHUNK / ch, y, i0, i1;
	int32_t acc[RESIZE_CHUNK + 4];

	for (y = y0; y < y1; y++) {
		const int16_t *s = resize_row_i16(st->src, y);
		int16_t *d = resize_row_i16(st->dst, y);

		for (i0 = 0; i0 < p->x.n; i0 = i1) {
			i1 = chunk_end(i0, p->x.n, step);
			hmac(&p->x, i0, i1, s, ch, first_init(p), acc);
			fin_first(p, acc, (size_t)(i1 - i0) * ch, d + i0 * ch);
		}
		memset(d + p->x.n * ch, 0, RESIZE_PAD * sizeof(*d));
	}
}

/* Vertical pass over int16 rows: acc for samples s0 .. s0 + ns of row y. */
static void
vsum_i16(const struct resize_weights *wy, const struct image *src, int y,
	 int s0, int ns, int32_t init, int32_t *acc)
{
	const unsigned char *base =
		(const unsigned char *)(resize_row_i16(src, wy->first[y]) + s0);

	vmac_i16(base, src->stride, resize_qv(wy, y), wy->count[y], (size_t)ns,
		 init, acc);
}

void
resize_rows_v(const struct stage *st, int y0, int y1)
{
	const struct resize_plan *p = st->plan;
	int n = st->dst->w * p->ch, y, s0, s1;
	int32_t acc[RESIZE_CHUNK];

	for (y = y0; y < y1; y++)
		for (s0 = 0; s0 < n; s0 = s1) {
			s1 = chunk_end(s0, n, RESIZE_CHUNK);
			vsum_i16(&p->y, st->src, y, s0, s1 - s0, first_init(p),
				 acc);
			fin_second(p, acc, (size_t)(s1 - s0), p->ch,
				   image_row(st->dst, y) + s0);
		}
}

/* Vertical first: U8 source rows straight, or the widened window. */
static void
vsum_first(const struct resize_plan *p, const struct image *src, int y, int s0,
	   int ns, int32_t *acc)
{
	const unsigned char *base;

	if (p->widened) {
		vsum_i16(&p->y, src, y, s0, ns, first_init(p), acc);
		return;
	}
	base = image_row(src, p->row0 + p->y.first[y]) +
	       (size_t)p->col0 * p->ch + s0;
	vmac_u8(base, src->stride, resize_qv(&p->y, y), p->y.count[y],
		(size_t)ns, acc);
}

void
resize_rows_v8(const struct stage *st, int y0, int y1)
{
	const struct resize_plan *p = st->plan;
	int n = p->cols * p->ch, y, s0, s1;
	int32_t acc[RESIZE_CHUNK];

	for (y = y0; y < y1; y++) {
		int16_t *d = resize_row_i16(st->dst, y);

		for (s0 = 0; s0 < n; s0 = s1) {
			s1 = chunk_end(s0, n, RESIZE_CHUNK);
			vsum_first(p, st->src, y, s0, s1 - s0, acc);
			fin_first(p, acc, (size_t)(s1 - s0), d + s0);
		}
		memset(d + n, 0, RESIZE_PAD * sizeof(*d));
	}
}

void
resize_rows_h8(const struct stage *st, int y0, int y1)
{
	const struct resize_plan *p = st->plan;
	int ch = p->ch, step = RESIZE_CHUNK / ch, y, i0, i1;
	int32_t acc[RESIZE_CHUNK + 4];

	for (y = y0; y < y1; y++) {
		const int16_t *s = resize_row_i16(st->src, y);
		unsigned char *d = image_row(st->dst, y);

		for (i0 = 0; i0 < p->x.n; i0 = i1) {
			i1 = chunk_end(i0, p->x.n, step);
			hmac(&p->x, i0, i1, s, ch, first_init(p), acc);
			fin_second(p, acc, (size_t)(i1 - i0) * ch, ch,
				   d + (size_t)i0 * ch);
		}
	}
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
	span(&p->x, &p->col0, &p->cols);
	span(&p->y, &p->row0, &p->rows);
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
