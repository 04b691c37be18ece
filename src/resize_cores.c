/*
 * The row cores in plain C and SSE2.  All arithmetic on samples is exact
 * integer maths, so every version gives the same bytes (test_resize
 * compares them).
 */
#include "resize_cores.h"

#include "banned.h"

#if defined(__SSE2__) && !defined(IMGPIPE_NO_SIMD)
#define RESIZE_SSE2 1
#include <emmintrin.h>
#endif

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
#define ALPHA_SCALE (1.0f / (255.0f * (float)(1 << RESIZE_QW)))

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

/*
 * Unsharp mask in fixed point: with o and the blur b in Q6, d = o - b and
 * out = o + amount d = (o << 16 + amount_q10 * d_q6) >> 16, where
 * |d| >= threshold; else o.
 */
static inline unsigned char
unsharp_q(int32_t acc, int o, int amount_q, int thr_q)
{
	int32_t b = round_shift(acc, RESIZE_QW);
	int32_t d = o * (1 << RESIZE_QI) - b, v;

	if ((d < 0 ? -d : d) < thr_q)
		return (unsigned char)o;
	v = (amount_q * d + (o << 16) + (1 << 15)) >> 16;
	return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
}

static void
unsharp_c(const int32_t *acc, const unsigned char *o, unsigned char *d,
	  size_t ns, int amount_q, int thr_q)
{
	size_t i;

	for (i = 0; i < ns; i++)
		d[i] = unsharp_q(acc[i], o[i], amount_q, thr_q);
}

/* Mirrored pairs of rows first (k and 2 r - k), then the centre row r. */
static void
vfold_u8_c(const unsigned char *base, size_t step, const int16_t *qv, int r,
	   size_t ns, int32_t *restrict acc)
{
	const unsigned char *c = base + (size_t)r * step;
	int32_t w = qv_at(qv, r);
	size_t i;
	int k;

	for (i = 0; i < ns; i++)
		acc[i] = w * c[i];
	for (k = 0; k < r; k++) {
		const unsigned char *a = base + (size_t)k * step;
		const unsigned char *b = base + (size_t)(2 * r - k) * step;

		w = qv_at(qv, k);
		for (i = 0; i < ns; i++)
			acc[i] += w * (a[i] + b[i]);
	}
}

static void
pmac_i16_c(const unsigned char *base, size_t step, const int16_t *q,
	   const int16_t *q2, int np, size_t ns, int32_t init,
	   int32_t *restrict acc, int32_t *restrict acc2)
{
	size_t i;
	int m;

	for (i = 0; i < ns; i++)
		acc[i] = init;
	for (i = 0; q2 != NULL && i < ns; i++)
		acc2[i] = init;
	for (m = 0; m < np; m++) {
		const int16_t *r =
			(const int16_t *)(const void *)(base +
							(size_t)m * step);
		int32_t w0 = q[2 * m], w1 = q[2 * m + 1];

		for (i = 0; i < ns; i++)
			acc[i] += w0 * r[2 * i] + w1 * r[2 * i + 1];
		if (q2 == NULL)
			continue;
		w0 = q2[2 * m];
		w1 = q2[2 * m + 1];
		for (i = 0; i < ns; i++)
			acc2[i] += w0 * r[2 * i] + w1 * r[2 * i + 1];
	}
}

static void
fin_pair_c(const int32_t *acc, const int32_t *acc2, size_t ns, int shift,
	   int bias, int16_t *restrict d)
{
	size_t i;

	for (i = 0; i < ns; i++) {
		d[2 * i] = sat16(round_shift(acc[i], shift) - bias);
		d[2 * i + 1] = sat16(round_shift(acc2[i], shift) - bias);
	}
}

const struct resize_cores resize_cores_plain = {
	vmac_u8_c,  vmac_i16_c,	   hmac_c,	    fin_i16_c,
	fin_u8_c,   widen_alpha_c, unpremultiply_c, unsharp_c,
	vfold_u8_c, pmac_i16_c,	   fin_pair_c,
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

/* (acc + r) >> shift, less the bias, of 4 sums: fin_i16's first steps. */
static inline __m128i
fin4(const int32_t *acc, __m128i r, __m128i sh, __m128i b)
{
	return _mm_sub_epi32(_mm_sra_epi32(_mm_add_epi32(ld(acc), r), sh), b);
}

static void
fin_i16_sse2(const int32_t *acc, size_t ns, int shift, int bias,
	     int16_t *restrict d)
{
	const __m128i r = _mm_set1_epi32(1 << (shift - 1));
	const __m128i b = _mm_set1_epi32(bias);
	const __m128i sh = _mm_cvtsi32_si128(shift);
	size_t i, tail = ns & ~(size_t)7;

	for (i = 0; i < tail; i += 8)
		_mm_storeu_si128((__m128i *)(void *)(d + i),
				 _mm_packs_epi32(fin4(acc + i, r, sh, b),
						 fin4(acc + i + 4, r, sh, b)));
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

/*
 * unsharp_q on 8 samples at a time, the same integer steps: one pmaddwd
 * makes the sum from the pair (d, o << 6) and the weights
 * (amount_q, 1 << 10).
 */
static void
unsharp_sse2(const int32_t *acc, const unsigned char *o, unsigned char *d,
	     size_t ns, int amount_q, int thr_q)
{
	const __m128i z = _mm_setzero_si128();
	const __m128i half = _mm_set1_epi32(1 << (RESIZE_QW - 1));
	const __m128i r16 = _mm_set1_epi32(1 << 15);
	const __m128i wq = _mm_set1_epi32((amount_q & 0xffff) | (1 << 26));
	const __m128i thr = _mm_set1_epi16((short)(thr_q - 1));
	size_t i, tail = ns & ~(size_t)7;
	__m128i b, o16, o64, dd, lo, hi, v, m;

	for (i = 0; i < tail; i += 8) {
		lo = ld(acc + i);
		hi = ld(acc + i + 4);
		b = _mm_packs_epi32(
			_mm_srai_epi32(_mm_add_epi32(lo, half), RESIZE_QW),
			_mm_srai_epi32(_mm_add_epi32(hi, half), RESIZE_QW));
		o16 = _mm_unpacklo_epi8(
			_mm_loadl_epi64((const __m128i *)(const void *)(o + i)),
			z);
		o64 = _mm_slli_epi16(o16, RESIZE_QI);
		dd = _mm_sub_epi16(o64, b);
		lo = _mm_madd_epi16(_mm_unpacklo_epi16(dd, o64), wq);
		hi = _mm_madd_epi16(_mm_unpackhi_epi16(dd, o64), wq);
		v = _mm_packs_epi32(_mm_srai_epi32(_mm_add_epi32(lo, r16), 16),
				    _mm_srai_epi32(_mm_add_epi32(hi, r16), 16));
		m = _mm_cmpgt_epi16(_mm_max_epi16(dd, _mm_sub_epi16(z, dd)),
				    thr);
		v = _mm_or_si128(_mm_and_si128(m, v), _mm_andnot_si128(m, o16));
		_mm_storel_epi64((__m128i *)(void *)(d + i),
				 _mm_packus_epi16(v, v));
	}
	if (tail < ns)
		unsharp_c(acc + tail, o + tail, d + tail, ns - tail, amount_q,
			  thr_q);
}

/*
 * Folded sample k of 16 (two vectors of 8 int16): rows k and 2 r - k
 * widened and summed, or the centre row r alone.
 */
static inline void
fold16_u8(const unsigned char *p, size_t step, int k, int r, __m128i f[2])
{
	const __m128i z = _mm_setzero_si128();
	__m128i x = ld(p + (size_t)k * step);
	__m128i y = k < r ? ld(p + (size_t)(2 * r - k) * step) : z;

	f[0] = _mm_add_epi16(_mm_unpacklo_epi8(x, z), _mm_unpacklo_epi8(y, z));
	f[1] = _mm_add_epi16(_mm_unpackhi_epi8(x, z), _mm_unpackhi_epi8(y, z));
}

/*
 * The r + 1 folded samples two per pmaddwd, on the first r + 1 weights of
 * qv's pairs; an odd last one pairs with zeros.
 */
static void
vfold_u8_sse2(const unsigned char *base, size_t step, const int16_t *qv, int r,
	      size_t ns, int32_t *restrict acc)
{
	const __m128i z = _mm_setzero_si128();
	size_t i, tail = ns & ~(size_t)15;
	__m128i f[2], g[2];
	int k;

	for (i = 0; i < tail; i += 16) {
		__m128i a[4] = { z, z, z, z };

		for (k = 0; k <= r; k += 2) {
			fold16_u8(base + i, step, k, r, f);
			g[0] = g[1] = z;
			if (k < r)
				fold16_u8(base + i, step, k + 1, r, g);
			vmac8_i16(f[0], g[0], qv + 4 * k, &a[0], &a[1]);
			vmac8_i16(f[1], g[1], qv + 4 * k, &a[2], &a[3]);
		}
		for (k = 0; k < 4; k++)
			_mm_storeu_si128((__m128i *)(acc + i) + k, a[k]);
	}
	if (tail < ns)
		vfold_u8_c(base + tail, step, qv, r, ns - tail, acc + tail);
}

/* Weights q[0], q[1] as one int32, so that pmaddwd pairs them. */
static inline __m128i
pair_q(const int16_t *q)
{
	return _mm_set1_epi32((int32_t)((uint32_t)(uint16_t)q[0] |
					(uint32_t)(uint16_t)q[1] << 16));
}

/* Blocks of 8 samples (two loads of a pair row), one or two sums. */
static void
pmac_i16_sse2(const unsigned char *base, size_t step, const int16_t *q,
	      const int16_t *q2, int np, size_t ns, int32_t init,
	      int32_t *restrict acc, int32_t *restrict acc2)
{
	const __m128i v0 = _mm_set1_epi32(init);
	size_t i, tail = ns & ~(size_t)7;
	__m128i x, y, w;
	int m;

	for (i = 0; i < tail; i += 8) {
		__m128i a0 = v0, a1 = v0, b0 = v0, b1 = v0;
		const unsigned char *p = base + 4 * i;

		for (m = 0; m < np; m++, p += step) {
			x = ld(p);
			y = ld(p + 16);
			w = pair_q(q + 2 * m);
			a0 = _mm_add_epi32(a0, _mm_madd_epi16(x, w));
			a1 = _mm_add_epi32(a1, _mm_madd_epi16(y, w));
			if (q2 == NULL)
				continue;
			w = pair_q(q2 + 2 * m);
			b0 = _mm_add_epi32(b0, _mm_madd_epi16(x, w));
			b1 = _mm_add_epi32(b1, _mm_madd_epi16(y, w));
		}
		_mm_storeu_si128((__m128i *)(acc + i), a0);
		_mm_storeu_si128((__m128i *)(acc + i) + 1, a1);
		if (q2 == NULL)
			continue;
		_mm_storeu_si128((__m128i *)(acc2 + i), b0);
		_mm_storeu_si128((__m128i *)(acc2 + i) + 1, b1);
	}
	if (tail < ns)
		pmac_i16_c(base + 4 * tail, step, q, q2, np, ns - tail, init,
			   acc + tail, q2 != NULL ? acc2 + tail : NULL);
}

/* Both rows packed to int16 as fin_i16_sse2 does, then interleaved. */
static void
fin_pair_sse2(const int32_t *acc, const int32_t *acc2, size_t ns, int shift,
	      int bias, int16_t *restrict d)
{
	const __m128i r = _mm_set1_epi32(1 << (shift - 1));
	const __m128i b = _mm_set1_epi32(bias);
	const __m128i sh = _mm_cvtsi32_si128(shift);
	size_t i, tail = ns & ~(size_t)7;
	__m128i x, y;

	for (i = 0; i < tail; i += 8) {
		x = _mm_packs_epi32(fin4(acc + i, r, sh, b),
				    fin4(acc + i + 4, r, sh, b));
		y = _mm_packs_epi32(fin4(acc2 + i, r, sh, b),
				    fin4(acc2 + i + 4, r, sh, b));
		_mm_storeu_si128((__m128i *)(void *)(d + 2 * i),
				 _mm_unpacklo_epi16(x, y));
		_mm_storeu_si128((__m128i *)(void *)(d + 2 * i + 8),
				 _mm_unpackhi_epi16(x, y));
	}
	if (tail < ns)
		fin_pair_c(acc + tail, acc2 + tail, ns - tail, shift, bias,
			   d + 2 * tail);
}

const struct resize_cores resize_cores_fast = {
	vmac_u8_sse2,  vmac_i16_sse2,	 hmac_sse2,	     fin_i16_sse2,
	fin_u8_sse2,   widen_alpha_sse2, unpremultiply_sse2, unsharp_sse2,
	vfold_u8_sse2, pmac_i16_sse2,	 fin_pair_sse2,
};
#else
const struct resize_cores resize_cores_fast = {
	vmac_u8_c,  vmac_i16_c,	   hmac_c,	    fin_i16_c,
	fin_u8_c,   widen_alpha_c, unpremultiply_c, unsharp_c,
	vfold_u8_c, pmac_i16_c,	   fin_pair_c,
};
#endif
