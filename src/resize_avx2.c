/*
 * The resampling cores again in AVX2, for x86-64 CPUs that have it: twice
 * the samples per instruction in the vertical sums, four taps of an RGB(A)
 * pixel per pmaddwd in the horizontal ones.  Exact integer maths on the
 * same weights, so every output byte equals the SSE2 and plain C cores'
 * (test_resize checks it).  This file alone is built with -mavx2; nothing
 * here runs unless the CPU reports AVX2.
 */
#include "resize_cores.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

#if defined(__AVX2__) && !defined(IMGPIPE_NO_SIMD)
#include <immintrin.h>

static inline __m256i
ld(const void *p)
{
	return _mm256_loadu_si256((const __m256i *)p);
}

static inline __m128i
ld128(const void *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

/* A row of rw->qv holds each pair of weights four times: 128 bits. */
static inline __m256i
pair_weights(const int16_t *qv)
{
	return _mm256_broadcastsi128_si256(ld128(qv));
}

static inline __m256i
madd(__m256i x, __m256i w)
{
	return _mm256_madd_epi16(x, w);
}

/*
 * Accumulators whose 128-bit halves hold samples (0-3 | 8-11) and (4-7 |
 * 12-15) of a block of 16, stored back in order.
 */
static inline void
store16(int32_t *acc, __m256i lo, __m256i hi)
{
	_mm256_storeu_si256((__m256i *)(void *)acc,
			    _mm256_permute2x128_si256(lo, hi, 0x20));
	_mm256_storeu_si256((__m256i *)(void *)(acc + 8),
			    _mm256_permute2x128_si256(lo, hi, 0x31));
}

/*
 * 32 sums of bytes, a[0] holding samples 0-3 | 16-19, a[1] 4-7 | 20-23,
 * a[2] 8-11 | 24-27 and a[3] 12-15 | 28-31, stored in order.
 */
static inline void
store32_u8order(int32_t *acc, const __m256i a[4])
{
	_mm256_storeu_si256((__m256i *)(void *)acc,
			    _mm256_permute2x128_si256(a[0], a[1], 0x20));
	_mm256_storeu_si256((__m256i *)(void *)(acc + 8),
			    _mm256_permute2x128_si256(a[2], a[3], 0x20));
	_mm256_storeu_si256((__m256i *)(void *)(acc + 16),
			    _mm256_permute2x128_si256(a[0], a[1], 0x31));
	_mm256_storeu_si256((__m256i *)(void *)(acc + 24),
			    _mm256_permute2x128_si256(a[2], a[3], 0x31));
}

/* 32 samples of rows a and b: bytes interleaved within lanes, widened. */
static inline void
vmac32_u8(__m256i x, __m256i y, __m256i w, __m256i a[4])
{
	const __m256i z = _mm256_setzero_si256();
	__m256i lo = _mm256_unpacklo_epi8(x, y),
		hi = _mm256_unpackhi_epi8(x, y);

	a[0] = _mm256_add_epi32(a[0], madd(_mm256_unpacklo_epi8(lo, z), w));
	a[1] = _mm256_add_epi32(a[1], madd(_mm256_unpackhi_epi8(lo, z), w));
	a[2] = _mm256_add_epi32(a[2], madd(_mm256_unpacklo_epi8(hi, z), w));
	a[3] = _mm256_add_epi32(a[3], madd(_mm256_unpackhi_epi8(hi, z), w));
}

/* Accumulators in store32_u8order's order. */
static void
vmac_u8_avx2(const unsigned char *base, size_t step, const int16_t *qv, int n,
	     size_t ns, int32_t *restrict acc)
{
	const __m256i z = _mm256_setzero_si256();
	size_t i, tail = ns & ~(size_t)31;
	int k;

	for (i = 0; i < tail; i += 32) {
		__m256i a[4] = { z, z, z, z };
		const unsigned char *p = base + i;

		for (k = 0; k + 1 < n; k += 2, p += 2 * step)
			vmac32_u8(ld(p), ld(p + step), pair_weights(qv + 4 * k),
				  a);
		if (k < n)
			vmac32_u8(ld(p), z, pair_weights(qv + 4 * k), a);
		store32_u8order(acc + i, a);
	}
	if (tail < ns)
		resize_cores_fast.vmac_u8(base + tail, step, qv, n, ns - tail,
					  acc + tail);
}

/* 16 int16 samples of rows a and b, interleaved within lanes. */
static inline void
vmac16_i16(__m256i x, __m256i y, __m256i w, __m256i *lo, __m256i *hi)
{
	*lo = _mm256_add_epi32(*lo, madd(_mm256_unpacklo_epi16(x, y), w));
	*hi = _mm256_add_epi32(*hi, madd(_mm256_unpackhi_epi16(x, y), w));
}

static void
vmac_i16_avx2(const unsigned char *base, size_t step, const int16_t *qv, int n,
	      size_t ns, int32_t init, int32_t *restrict acc)
{
	const __m256i z = _mm256_setzero_si256(), v0 = _mm256_set1_epi32(init);
	size_t i, tail = ns & ~(size_t)31;
	int k;

	for (i = 0; i < tail; i += 32) {
		__m256i a[4] = { v0, v0, v0, v0 }, w;
		const unsigned char *p = base + 2 * i;

		for (k = 0; k + 1 < n; k += 2, p += 2 * step) {
			w = pair_weights(qv + 4 * k);
			vmac16_i16(ld(p), ld(p + step), w, &a[0], &a[1]);
			vmac16_i16(ld(p + 32), ld(p + step + 32), w, &a[2],
				   &a[3]);
		}
		if (k < n) {
			w = pair_weights(qv + 4 * k);
			vmac16_i16(ld(p), z, w, &a[0], &a[1]);
			vmac16_i16(ld(p + 32), z, w, &a[2], &a[3]);
		}
		store16(acc + i, a[0], a[1]);
		store16(acc + i + 16, a[2], a[3]);
	}
	if (tail < ns)
		resize_cores_fast.vmac_i16(base + 2 * tail, step, qv, n,
					   ns - tail, init, acc + tail);
}

/*
 * One pixel of 3 or 4 channels, four taps per pmaddwd: the low lane holds
 * pixels k and k + 1 interleaved channel by channel (r0 r1 g0 g1 b0 b1),
 * the high lane pixels k + 2 and k + 3, and 16 weights of rw->qv are
 * exactly the matching pairs.  The unused words of RGB are zeroed by the
 * shuffle.  A count that is not a multiple of 4 reads up to three pixels
 * past the window (weight 0), plus 12 bytes: within the row's RESIZE_PAD.
 */
static inline __m256i
quad(const int16_t *p, int ch, __m256i mask)
{
	__m256i x = _mm256_inserti128_si256(_mm256_castsi128_si256(ld128(p)),
					    ld128(p + 2 * ch), 1);

	return _mm256_shuffle_epi8(x, mask);
}

static inline __m128i
hpix_avx2(const int16_t *qv, const int16_t *p, int n, int ch, __m256i mask,
	  __m128i init)
{
	__m256i v = _mm256_setzero_si256(), u = _mm256_setzero_si256();
	int k;

	for (k = 0; k + 4 < n; k += 8, p += 8 * ch) {
		v = _mm256_add_epi32(v,
				     madd(quad(p, ch, mask), ld(qv + 4 * k)));
		u = _mm256_add_epi32(u, madd(quad(p + 4 * ch, ch, mask),
					     ld(qv + 4 * k + 16)));
	}
	if (k < n)
		v = _mm256_add_epi32(v,
				     madd(quad(p, ch, mask), ld(qv + 4 * k)));
	v = _mm256_add_epi32(v, u);
	return _mm_add_epi32(init,
			     _mm_add_epi32(_mm256_castsi256_si128(v),
					   _mm256_extracti128_si256(v, 1)));
}

/* Bytes of (r0 r1 g0 g1 b0 b1 [a0 a1]) from (r0 g0 b0 [a0] r1 ...). */
static __m256i
pair_mask(int ch)
{
	if (ch == 3)
		return _mm256_setr_epi8(0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11,
					-1, -1, -1, -1, 0, 1, 6, 7, 2, 3, 8, 9,
					4, 5, 10, 11, -1, -1, -1, -1);
	return _mm256_setr_epi8(0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7,
				14, 15, 0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13,
				6, 7, 14, 15);
}

/* Stores of 4 lanes for 3 channels spill one int32: acc has room. */
static inline void
hrun_avx2(const struct resize_weights *rw, int i0, int i1, const int16_t *s,
	  int ch, int32_t init, int32_t *restrict acc)
{
	const __m256i mask = pair_mask(ch);
	const __m128i v0 = _mm_set1_epi32(init);
	int i;

	for (i = i0; i < i1; i++, acc += ch)
		_mm_storeu_si128((__m128i *)(void *)acc,
				 hpix_avx2(resize_qv(rw, i),
					   s + (size_t)rw->first[i] * ch,
					   rw->count[i], ch, mask, v0));
}

static void
hmac_avx2(const struct resize_weights *rw, int i0, int i1, const int16_t *s,
	  int ch, int32_t init, int32_t *restrict acc)
{
	switch (ch) {
	case 3: hrun_avx2(rw, i0, i1, s, 3, init, acc); break;
	case 4: hrun_avx2(rw, i0, i1, s, 4, init, acc); break;
	default: resize_cores_fast.hmac(rw, i0, i1, s, ch, init, acc); break;
	}
}

/* (acc + r) >> shift, less the bias, of 8 sums: fin_i16's first steps. */
static inline __m256i
fin8(const int32_t *acc, __m256i r, __m128i sh, __m256i b)
{
	return _mm256_sub_epi32(
		_mm256_sra_epi32(_mm256_add_epi32(ld(acc), r), sh), b);
}

/* psrad, less the bias, packed to int16 and put back in order. */
static void
fin_i16_avx2(const int32_t *acc, size_t ns, int shift, int bias,
	     int16_t *restrict d)
{
	const __m256i r = _mm256_set1_epi32(1 << (shift - 1));
	const __m256i b = _mm256_set1_epi32(bias);
	const __m128i sh = _mm_cvtsi32_si128(shift);
	size_t i, tail = ns & ~(size_t)15;
	__m256i v;

	for (i = 0; i < tail; i += 16) {
		v = _mm256_packs_epi32(fin8(acc + i, r, sh, b),
				       fin8(acc + i + 8, r, sh, b));
		_mm256_storeu_si256((__m256i *)(void *)(d + i),
				    _mm256_permute4x64_epi64(v, 0xd8));
	}
	if (tail < ns)
		resize_cores_fast.fin_i16(acc + tail, ns - tail, shift, bias,
					  d + tail);
}

static void
fin_u8_avx2(const int32_t *acc, size_t ns, int shift, unsigned char *restrict d)
{
	const __m256i r = _mm256_set1_epi32(1 << (shift - 1));
	const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
	const __m128i sh = _mm_cvtsi32_si128(shift);
	size_t i, tail = ns & ~(size_t)31;
	__m256i v[4];
	int k;

	for (i = 0; i < tail; i += 32) {
		for (k = 0; k < 4; k++)
			v[k] = _mm256_sra_epi32(
				_mm256_add_epi32(ld(acc + i + 8 * k), r), sh);
		v[0] = _mm256_packus_epi16(_mm256_packs_epi32(v[0], v[1]),
					   _mm256_packs_epi32(v[2], v[3]));
		_mm256_storeu_si256((__m256i *)(void *)(d + i),
				    _mm256_permutevar8x32_epi32(v[0], order));
	}
	if (tail < ns)
		resize_cores_fast.fin_u8(acc + tail, ns - tail, shift,
					 d + tail);
}

static void
widen_alpha_avx2(const unsigned char *restrict s, int16_t *restrict d,
		 size_t npix, int ch)
{
	resize_cores_fast.widen_alpha(s, d, npix, ch);
}

static void
unpremultiply_avx2(const int32_t *acc, unsigned char *restrict d, size_t npix,
		   int ch)
{
	resize_cores_fast.unpremultiply(acc, d, npix, ch);
}

/*
 * unsharp_sse2's integer steps on 16 samples at a time: lanes hold samples
 * 0-3 | 8-11 and 4-7 | 12-15 once acc is packed, so the originals are
 * widened in that order (vpermq) and the bytes put back in order at the end.
 */
static void
unsharp_avx2(const int32_t *acc, const unsigned char *o, unsigned char *d,
	     size_t ns, int amount_q, int thr_q)
{
	const __m256i z = _mm256_setzero_si256();
	const __m256i half = _mm256_set1_epi32(1 << (RESIZE_QW - 1));
	const __m256i r16 = _mm256_set1_epi32(1 << 15);
	const __m256i wq = _mm256_set1_epi32((amount_q & 0xffff) | (1 << 26));
	const __m256i thr = _mm256_set1_epi16((short)(thr_q - 1));
	size_t i, tail = ns & ~(size_t)15;
	__m256i b, o16, o64, dd, lo, hi, v, m;

	for (i = 0; i < tail; i += 16) {
		lo = _mm256_srai_epi32(_mm256_add_epi32(ld(acc + i), half),
				       RESIZE_QW);
		hi = _mm256_srai_epi32(_mm256_add_epi32(ld(acc + i + 8), half),
				       RESIZE_QW);
		/* b: samples 0-3 8-11 | 4-7 12-15 as int16. */
		b = _mm256_packs_epi32(lo, hi);
		o16 = _mm256_cvtepu8_epi16(ld128(o + i));
		/* o16 is 0-7 | 8-15: into b's order, 0-3 8-11 | 4-7 12-15. */
		o16 = _mm256_permute4x64_epi64(o16, 0xd8);
		o64 = _mm256_slli_epi16(o16, RESIZE_QI);
		dd = _mm256_sub_epi16(o64, b);
		lo = _mm256_madd_epi16(_mm256_unpacklo_epi16(dd, o64), wq);
		hi = _mm256_madd_epi16(_mm256_unpackhi_epi16(dd, o64), wq);
		v = _mm256_packs_epi32(
			_mm256_srai_epi32(_mm256_add_epi32(lo, r16), 16),
			_mm256_srai_epi32(_mm256_add_epi32(hi, r16), 16));
		m = _mm256_cmpgt_epi16(_mm256_abs_epi16(dd), thr);
		v = _mm256_blendv_epi8(o16, v, m);
		/* Back to 0-7 | 8-15, then 16 bytes. */
		v = _mm256_permute4x64_epi64(v, 0xd8);
		v = _mm256_packus_epi16(v, z);
		_mm_storeu_si128((__m128i *)(void *)(d + i),
				 _mm256_castsi256_si128(
					 _mm256_permute4x64_epi64(v, 0xd8)));
	}
	if (tail < ns)
		resize_cores_fast.unsharp(acc + tail, o + tail, d + tail,
					  ns - tail, amount_q, thr_q);
}

/*
 * Folded sample k of 32, as resize_cores.c's: rows k and 2 r - k summed
 * (bytes interleaved and pmaddubsw by ones: the sum as int16), or the
 * centre row r widened; f[0] holds samples 0-7 | 16-23, f[1] 8-15 | 24-31.
 */
static inline void
fold32_u8(const unsigned char *p, size_t step, int k, int r, __m256i f[2])
{
	const __m256i z = _mm256_setzero_si256();
	const __m256i ones = _mm256_set1_epi8(1);
	__m256i x = ld(p + (size_t)k * step), y;

	if (k < r) {
		y = ld(p + (size_t)(2 * r - k) * step);
		f[0] = _mm256_maddubs_epi16(_mm256_unpacklo_epi8(x, y), ones);
		f[1] = _mm256_maddubs_epi16(_mm256_unpackhi_epi8(x, y), ones);
	} else {
		f[0] = _mm256_unpacklo_epi8(x, z);
		f[1] = _mm256_unpackhi_epi8(x, z);
	}
}

/* Accumulators in store32_u8order's order. */
static void
vfold_u8_avx2(const unsigned char *base, size_t step, const int16_t *qv, int r,
	      size_t ns, int32_t *restrict acc)
{
	const __m256i z = _mm256_setzero_si256();
	size_t i, tail = ns & ~(size_t)31;
	__m256i f[2], g[2], w;
	int k;

	for (i = 0; i < tail; i += 32) {
		__m256i a[4] = { z, z, z, z };

		for (k = 0; k <= r; k += 2) {
			fold32_u8(base + i, step, k, r, f);
			g[0] = g[1] = z;
			if (k < r)
				fold32_u8(base + i, step, k + 1, r, g);
			w = pair_weights(qv + 4 * k);
			vmac16_i16(f[0], g[0], w, &a[0], &a[1]);
			vmac16_i16(f[1], g[1], w, &a[2], &a[3]);
		}
		store32_u8order(acc + i, a);
	}
	if (tail < ns)
		resize_cores_fast.vfold_u8(base + tail, step, qv, r, ns - tail,
					   acc + tail);
}

/* Weights q[0], q[1] as one int32 in every lane. */
static inline __m256i
pair_q(const int16_t *q)
{
	return _mm256_set1_epi32((int32_t)((uint32_t)(uint16_t)q[0] |
					   (uint32_t)(uint16_t)q[1] << 16));
}

/* 32 sums in order. */
static inline void
st4(int32_t *acc, __m256i a0, __m256i a1, __m256i a2, __m256i a3)
{
	_mm256_storeu_si256((__m256i *)(void *)acc, a0);
	_mm256_storeu_si256((__m256i *)(void *)(acc + 8), a1);
	_mm256_storeu_si256((__m256i *)(void *)(acc + 16), a2);
	_mm256_storeu_si256((__m256i *)(void *)(acc + 24), a3);
}

/*
 * Blocks of 32 samples, four loads of a pair row: the rows come
 * interleaved, so each load goes straight into pmaddwd, for one sum or two.
 */
static void
pmac_i16_avx2(const unsigned char *base, size_t step, const int16_t *q,
	      const int16_t *q2, int np, size_t ns, int32_t init,
	      int32_t *restrict acc, int32_t *restrict acc2)
{
	const __m256i v0 = _mm256_set1_epi32(init);
	size_t i, tail = ns & ~(size_t)31;
	__m256i x0, x1, x2, x3, w;
	int m;

	for (i = 0; i < tail; i += 32) {
		__m256i a0 = v0, a1 = v0, a2 = v0, a3 = v0;
		__m256i b0 = v0, b1 = v0, b2 = v0, b3 = v0;
		const unsigned char *p = base + 4 * i;

		for (m = 0; m < np; m++, p += step) {
			x0 = ld(p);
			x1 = ld(p + 32);
			x2 = ld(p + 64);
			x3 = ld(p + 96);
			w = pair_q(q + 2 * m);
			a0 = _mm256_add_epi32(a0, madd(x0, w));
			a1 = _mm256_add_epi32(a1, madd(x1, w));
			a2 = _mm256_add_epi32(a2, madd(x2, w));
			a3 = _mm256_add_epi32(a3, madd(x3, w));
			if (q2 == NULL)
				continue;
			w = pair_q(q2 + 2 * m);
			b0 = _mm256_add_epi32(b0, madd(x0, w));
			b1 = _mm256_add_epi32(b1, madd(x1, w));
			b2 = _mm256_add_epi32(b2, madd(x2, w));
			b3 = _mm256_add_epi32(b3, madd(x3, w));
		}
		st4(acc + i, a0, a1, a2, a3);
		if (q2 != NULL)
			st4(acc2 + i, b0, b1, b2, b3);
	}
	if (tail < ns)
		resize_cores_fast.pmac_i16(base + 4 * tail, step, q, q2, np,
					   ns - tail, init, acc + tail,
					   q2 != NULL ? acc2 + tail : NULL);
}

/*
 * Both rows packed as fin_i16_avx2 does; unpacking them by 16-bit words
 * puts each 128-bit lane's pairs back in order, so no permute is needed.
 */
static void
fin_pair_avx2(const int32_t *acc, const int32_t *acc2, size_t ns, int shift,
	      int bias, int16_t *restrict d)
{
	const __m256i r = _mm256_set1_epi32(1 << (shift - 1));
	const __m256i b = _mm256_set1_epi32(bias);
	const __m128i sh = _mm_cvtsi32_si128(shift);
	size_t i, tail = ns & ~(size_t)15;
	__m256i x, y;

	for (i = 0; i < tail; i += 16) {
		x = _mm256_packs_epi32(fin8(acc + i, r, sh, b),
				       fin8(acc + i + 8, r, sh, b));
		y = _mm256_packs_epi32(fin8(acc2 + i, r, sh, b),
				       fin8(acc2 + i + 8, r, sh, b));
		_mm256_storeu_si256((__m256i *)(void *)(d + 2 * i),
				    _mm256_unpacklo_epi16(x, y));
		_mm256_storeu_si256((__m256i *)(void *)(d + 2 * i + 16),
				    _mm256_unpackhi_epi16(x, y));
	}
	if (tail < ns)
		resize_cores_fast.fin_pair(acc + tail, acc2 + tail, ns - tail,
					   shift, bias, d + 2 * tail);
}

const struct resize_cores resize_cores_avx2_set = {
	vmac_u8_avx2,  vmac_i16_avx2,	 hmac_avx2,	     fin_i16_avx2,
	fin_u8_avx2,   widen_alpha_avx2, unpremultiply_avx2, unsharp_avx2,
	vfold_u8_avx2, pmac_i16_avx2,	 fin_pair_avx2,
};

const struct resize_cores *
resize_cores_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") ? &resize_cores_avx2_set : NULL;
}

#else

const struct resize_cores *
resize_cores_avx2(void)
{
	return NULL;
}

#endif
