/*
 * The resampling cores again in AVX-512 (F, BW and VNNI), for x86-64 CPUs
 * that have it: 64 bytes a load, so twice the samples of AVX2 per shuffle,
 * which is what the vertical sums wait on, and a word permute across the
 * register for the horizontal one.  The alpha steps stay AVX2's.  Exact integer
 * maths on the same weights, so every output byte equals the other cores'
 * (test_resize checks it).  This file alone is built with -mavx512f
 * -mavx512bw -mavx512vnni; nothing here runs unless the CPU (and the OS, for
 * the zmm state) reports all three.
 */
#include "resize_cores.h"

#include "banned.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && \
	defined(__AVX512VNNI__) && !defined(IMGPIPE_NO_SIMD)
#include <immintrin.h>

static inline __m512i
ld(const void *p)
{
	return _mm512_loadu_si512(p);
}

static inline void
st(void *p, __m512i v)
{
	_mm512_storeu_si512(p, v);
}

/* A row of rw->qv holds each pair of weights four times: 128 bits. */
static inline __m512i
pair_weights(const int16_t *qv)
{
	return _mm512_broadcast_i32x4(
		_mm_loadu_si128((const __m128i *)(const void *)qv));
}

/*
 * a + pmaddwd(x, w) in one instruction (VNNI): the sum wraps as the two
 * would, and the add no longer takes a slot of the ports the shuffles use.
 */
static inline __m512i
mac(__m512i a, __m512i x, __m512i w)
{
	return _mm512_dpwssd_epi32(a, x, w);
}

/*
 * 64 sums of bytes, a[j] holding samples 16 L + 4 j .. + 3 in its 128-bit
 * lane L: the 4 x 4 lanes transposed, then stored in order.
 */
static void
store64_u8order(int32_t *acc, const __m512i a[4])
{
	__m512i t0 = _mm512_shuffle_i64x2(a[0], a[1], 0x44),
		t1 = _mm512_shuffle_i64x2(a[2], a[3], 0x44),
		t2 = _mm512_shuffle_i64x2(a[0], a[1], 0xee),
		t3 = _mm512_shuffle_i64x2(a[2], a[3], 0xee);

	st(acc, _mm512_shuffle_i64x2(t0, t1, 0x88));
	st(acc + 16, _mm512_shuffle_i64x2(t0, t1, 0xdd));
	st(acc + 32, _mm512_shuffle_i64x2(t2, t3, 0x88));
	st(acc + 48, _mm512_shuffle_i64x2(t2, t3, 0xdd));
}

/*
 * 32 sums of int16 samples: lo holds samples 8 L .. + 3 in lane L, hi
 * 8 L + 4 .. + 7.
 */
static void
store32_i16order(int32_t *acc, __m512i lo, __m512i hi)
{
	const __m512i i0 = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
	const __m512i i1 = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);

	st(acc, _mm512_permutex2var_epi64(lo, i0, hi));
	st(acc + 16, _mm512_permutex2var_epi64(lo, i1, hi));
}

/* 64 samples of rows a and b: bytes interleaved within lanes, widened. */
static inline void
vmac64_u8(__m512i x, __m512i y, __m512i w, __m512i a[4])
{
	const __m512i z = _mm512_setzero_si512();
	__m512i lo = _mm512_unpacklo_epi8(x, y),
		hi = _mm512_unpackhi_epi8(x, y);

	a[0] = mac(a[0], _mm512_unpacklo_epi8(lo, z), w);
	a[1] = mac(a[1], _mm512_unpackhi_epi8(lo, z), w);
	a[2] = mac(a[2], _mm512_unpacklo_epi8(hi, z), w);
	a[3] = mac(a[3], _mm512_unpackhi_epi8(hi, z), w);
}

static void
vmac_u8_avx512(const unsigned char *base, size_t step, const int16_t *qv, int n,
	       size_t ns, int32_t *restrict acc)
{
	const __m512i z = _mm512_setzero_si512();
	size_t i, tail = ns & ~(size_t)63;
	int k;

	for (i = 0; i < tail; i += 64) {
		__m512i a[4] = { z, z, z, z };
		const unsigned char *p = base + i;

		for (k = 0; k + 1 < n; k += 2, p += 2 * step)
			vmac64_u8(ld(p), ld(p + step), pair_weights(qv + 4 * k),
				  a);
		if (k < n)
			vmac64_u8(ld(p), z, pair_weights(qv + 4 * k), a);
		store64_u8order(acc + i, a);
	}
	if (tail < ns)
		resize_cores_avx2_set.vmac_u8(base + tail, step, qv, n,
					      ns - tail, acc + tail);
}

/* 32 int16 samples of rows a and b, interleaved within lanes. */
static inline void
vmac32_i16(__m512i x, __m512i y, __m512i w, __m512i *lo, __m512i *hi)
{
	*lo = mac(*lo, _mm512_unpacklo_epi16(x, y), w);
	*hi = mac(*hi, _mm512_unpackhi_epi16(x, y), w);
}

static void
vmac_i16_avx512(const unsigned char *base, size_t step, const int16_t *qv,
		int n, size_t ns, int32_t init, int32_t *restrict acc)
{
	const __m512i z = _mm512_setzero_si512(), v0 = _mm512_set1_epi32(init);
	size_t i, tail = ns & ~(size_t)63;
	int k;

	for (i = 0; i < tail; i += 64) {
		__m512i a[4] = { v0, v0, v0, v0 }, w;
		const unsigned char *p = base + 2 * i;

		for (k = 0; k + 1 < n; k += 2, p += 2 * step) {
			w = pair_weights(qv + 4 * k);
			vmac32_i16(ld(p), ld(p + step), w, &a[0], &a[1]);
			vmac32_i16(ld(p + 64), ld(p + step + 64), w, &a[2],
				   &a[3]);
		}
		if (k < n) {
			w = pair_weights(qv + 4 * k);
			vmac32_i16(ld(p), z, w, &a[0], &a[1]);
			vmac32_i16(ld(p + 64), z, w, &a[2], &a[3]);
		}
		store32_i16order(acc + i, a[0], a[1]);
		store32_i16order(acc + i + 32, a[2], a[3]);
	}
	if (tail < ns)
		resize_cores_avx2_set.vmac_i16(base + 2 * tail, step, qv, n,
					       ns - tail, init, acc + tail);
}

/*
 * Folded sample k of 64, as resize_cores.c's: rows k and 2 r - k summed
 * (bytes interleaved and pmaddubsw by ones: the sum as int16), or the
 * centre row r widened; f[0] holds samples 16 L .. + 7 in lane L, f[1]
 * 16 L + 8 .. + 15.
 */
static inline void
fold64_u8(const unsigned char *p, size_t step, int k, int r, __m512i f[2])
{
	const __m512i z = _mm512_setzero_si512();
	const __m512i ones = _mm512_set1_epi8(1);
	__m512i x = ld(p + (size_t)k * step), y;

	if (k < r) {
		y = ld(p + (size_t)(2 * r - k) * step);
		f[0] = _mm512_maddubs_epi16(_mm512_unpacklo_epi8(x, y), ones);
		f[1] = _mm512_maddubs_epi16(_mm512_unpackhi_epi8(x, y), ones);
	} else {
		f[0] = _mm512_unpacklo_epi8(x, z);
		f[1] = _mm512_unpackhi_epi8(x, z);
	}
}

/* Accumulators in vmac_u8_avx512's order. */
static void
vfold_u8_avx512(const unsigned char *base, size_t step, const int16_t *qv,
		int r, size_t ns, int32_t *restrict acc)
{
	const __m512i z = _mm512_setzero_si512();
	size_t i, tail = ns & ~(size_t)63;
	__m512i f[2], g[2], w;
	int k;

	for (i = 0; i < tail; i += 64) {
		__m512i a[4] = { z, z, z, z };

		for (k = 0; k <= r; k += 2) {
			fold64_u8(base + i, step, k, r, f);
			g[0] = g[1] = z;
			if (k < r)
				fold64_u8(base + i, step, k + 1, r, g);
			w = pair_weights(qv + 4 * k);
			vmac32_i16(f[0], g[0], w, &a[0], &a[1]);
			vmac32_i16(f[1], g[1], w, &a[2], &a[3]);
		}
		store64_u8order(acc + i, a);
	}
	if (tail < ns)
		resize_cores_avx2_set.vfold_u8(base + tail, step, qv, r,
					       ns - tail, acc + tail);
}

/* Weights q[0], q[1] as one int32 in every lane. */
static inline __m512i
pair_q(const int16_t *q)
{
	return _mm512_set1_epi32((int32_t)((uint32_t)(uint16_t)q[0] |
					   (uint32_t)(uint16_t)q[1] << 16));
}

/* 64 sums of one pair row block: four loads, each straight into vpdpwssd. */
static inline void
pmac64_one(const unsigned char *p, size_t step, const int16_t *q, int np,
	   __m512i v0, int32_t *acc)
{
	__m512i a0 = v0, a1 = v0, a2 = v0, a3 = v0, w;
	int m;

	for (m = 0; m < np; m++, p += step) {
		w = pair_q(q + 2 * m);
		a0 = mac(a0, ld(p), w);
		a1 = mac(a1, ld(p + 64), w);
		a2 = mac(a2, ld(p + 128), w);
		a3 = mac(a3, ld(p + 192), w);
	}
	st(acc, a0);
	st(acc + 16, a1);
	st(acc + 32, a2);
	st(acc + 48, a3);
}

/* The same for two sums from the same loads. */
static inline void
pmac64_two(const unsigned char *p, size_t step, const int16_t *q,
	   const int16_t *q2, int np, __m512i v0, int32_t *acc, int32_t *acc2)
{
	__m512i a0 = v0, a1 = v0, a2 = v0, a3 = v0;
	__m512i b0 = v0, b1 = v0, b2 = v0, b3 = v0, x0, x1, x2, x3, w, w2;
	int m;

	for (m = 0; m < np; m++, p += step) {
		w = pair_q(q + 2 * m);
		w2 = pair_q(q2 + 2 * m);
		x0 = ld(p);
		x1 = ld(p + 64);
		x2 = ld(p + 128);
		x3 = ld(p + 192);
		a0 = mac(a0, x0, w);
		a1 = mac(a1, x1, w);
		a2 = mac(a2, x2, w);
		a3 = mac(a3, x3, w);
		b0 = mac(b0, x0, w2);
		b1 = mac(b1, x1, w2);
		b2 = mac(b2, x2, w2);
		b3 = mac(b3, x3, w2);
	}
	st(acc, a0);
	st(acc + 16, a1);
	st(acc + 32, a2);
	st(acc + 48, a3);
	st(acc2, b0);
	st(acc2 + 16, b1);
	st(acc2 + 32, b2);
	st(acc2 + 48, b3);
}

/*
 * The pair rows need no unpacking, which the shuffle port would otherwise
 * take one of for every load: the loads alone bound this loop.
 */
static void
pmac_i16_avx512(const unsigned char *base, size_t step, const int16_t *q,
		const int16_t *q2, int np, size_t ns, int32_t init,
		int32_t *restrict acc, int32_t *restrict acc2)
{
	const __m512i v0 = _mm512_set1_epi32(init);
	size_t i, tail = ns & ~(size_t)63;

	for (i = 0; i < tail; i += 64)
		if (q2 != NULL)
			pmac64_two(base + 4 * i, step, q, q2, np, v0, acc + i,
				   acc2 + i);
		else
			pmac64_one(base + 4 * i, step, q, np, v0, acc + i);
	if (tail < ns)
		resize_cores_avx2_set.pmac_i16(base + 4 * tail, step, q, q2, np,
					       ns - tail, init, acc + tail,
					       q2 != NULL ? acc2 + tail : NULL);
}

/* (acc + r) >> shift, less the bias, of 16 sums: fin_i16's first steps. */
static inline __m512i
fin16(const int32_t *acc, __m512i r, __m128i sh, __m512i b)
{
	return _mm512_sub_epi32(
		_mm512_sra_epi32(_mm512_add_epi32(ld(acc), r), sh), b);
}

/* psrad, less the bias, packed to int16 and put back in order. */
static void
fin_i16_avx512(const int32_t *acc, size_t ns, int shift, int bias,
	       int16_t *restrict d)
{
	const __m512i r = _mm512_set1_epi32(1 << (shift - 1));
	const __m512i b = _mm512_set1_epi32(bias);
	const __m512i order = _mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7);
	const __m128i sh = _mm_cvtsi32_si128(shift);
	size_t i, tail = ns & ~(size_t)31;
	__m512i v;

	for (i = 0; i < tail; i += 32) {
		v = _mm512_packs_epi32(fin16(acc + i, r, sh, b),
				       fin16(acc + i + 16, r, sh, b));
		st(d + i, _mm512_permutexvar_epi64(order, v));
	}
	if (tail < ns)
		resize_cores_avx2_set.fin_i16(acc + tail, ns - tail, shift,
					      bias, d + tail);
}

/* As fin_pair_avx2: the word unpack puts each lane's pairs in order. */
static void
fin_pair_avx512(const int32_t *acc, const int32_t *acc2, size_t ns, int shift,
		int bias, int16_t *restrict d)
{
	const __m512i r = _mm512_set1_epi32(1 << (shift - 1));
	const __m512i b = _mm512_set1_epi32(bias);
	const __m128i sh = _mm_cvtsi32_si128(shift);
	size_t i, tail = ns & ~(size_t)31;
	__m512i x, y;

	for (i = 0; i < tail; i += 32) {
		x = _mm512_packs_epi32(fin16(acc + i, r, sh, b),
				       fin16(acc + i + 16, r, sh, b));
		y = _mm512_packs_epi32(fin16(acc2 + i, r, sh, b),
				       fin16(acc2 + i + 16, r, sh, b));
		st(d + 2 * i, _mm512_unpacklo_epi16(x, y));
		st(d + 2 * i + 32, _mm512_unpackhi_epi16(x, y));
	}
	if (tail < ns)
		resize_cores_avx2_set.fin_pair(acc + tail, acc2 + tail,
					       ns - tail, shift, bias,
					       d + 2 * tail);
}

static void
fin_u8_avx512(const int32_t *acc, size_t ns, int shift,
	      unsigned char *restrict d)
{
	const __m512i r = _mm512_set1_epi32(1 << (shift - 1));
	const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6,
						10, 14, 3, 7, 11, 15);
	const __m128i sh = _mm_cvtsi32_si128(shift);
	size_t i, tail = ns & ~(size_t)63;
	__m512i v[4];
	int k;

	for (i = 0; i < tail; i += 64) {
		for (k = 0; k < 4; k++)
			v[k] = _mm512_sra_epi32(
				_mm512_add_epi32(ld(acc + i + 16 * k), r), sh);
		v[0] = _mm512_packus_epi16(_mm512_packs_epi32(v[0], v[1]),
					   _mm512_packs_epi32(v[2], v[3]));
		st(d + i, _mm512_permutexvar_epi32(order, v[0]));
	}
	if (tail < ns)
		resize_cores_avx2_set.fin_u8(acc + tail, ns - tail, shift,
					     d + tail);
}

/*
 * unsharp_avx2's integer steps on 32 samples at a time: once acc is packed
 * its 64-bit elements hold samples 0-3 16-19 | 4-7 20-23 | ..., so the
 * originals are widened in that order and the result put back in order.
 */
static void
unsharp_avx512(const int32_t *acc, const unsigned char *o, unsigned char *d,
	       size_t ns, int amount_q, int thr_q)
{
	const __m512i z = _mm512_setzero_si512();
	const __m512i half = _mm512_set1_epi32(1 << (RESIZE_QW - 1));
	const __m512i r16 = _mm512_set1_epi32(1 << 15);
	const __m512i wq = _mm512_set1_epi32((amount_q & 0xffff) | (1 << 26));
	const __m512i thr = _mm512_set1_epi16((short)(thr_q - 1));
	const __m512i packed = _mm512_setr_epi64(0, 4, 1, 5, 2, 6, 3, 7);
	const __m512i inorder = _mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7);
	size_t i, tail = ns & ~(size_t)31;
	__m512i b, o16, o64, dd, lo, hi, v;
	__mmask32 m;

	for (i = 0; i < tail; i += 32) {
		lo = _mm512_srai_epi32(_mm512_add_epi32(ld(acc + i), half),
				       RESIZE_QW);
		hi = _mm512_srai_epi32(_mm512_add_epi32(ld(acc + i + 16), half),
				       RESIZE_QW);
		b = _mm512_packs_epi32(lo, hi);
		o16 = _mm512_permutexvar_epi64(
			packed,
			_mm512_cvtepu8_epi16(_mm256_loadu_si256(
				(const __m256i *)(const void *)(o + i))));
		o64 = _mm512_slli_epi16(o16, RESIZE_QI);
		dd = _mm512_sub_epi16(o64, b);
		lo = _mm512_madd_epi16(_mm512_unpacklo_epi16(dd, o64), wq);
		hi = _mm512_madd_epi16(_mm512_unpackhi_epi16(dd, o64), wq);
		v = _mm512_packs_epi32(
			_mm512_srai_epi32(_mm512_add_epi32(lo, r16), 16),
			_mm512_srai_epi32(_mm512_add_epi32(hi, r16), 16));
		m = _mm512_cmpgt_epi16_mask(_mm512_abs_epi16(dd), thr);
		v = _mm512_mask_blend_epi16(m, o16, v);
		v = _mm512_max_epi16(_mm512_permutexvar_epi64(inorder, v), z);
		_mm256_storeu_si256((__m256i *)(void *)(d + i),
				    _mm512_cvtusepi16_epi8(v));
	}
	if (tail < ns)
		resize_cores_avx2_set.unsharp(acc + tail, o + tail, d + tail,
					      ns - tail, amount_q, thr_q);
}

/*
 * One output pixel of 3 or 4 channels, eight taps a step: one load of
 * pixels k .. k + 7 and one word permute give lane L pixels k + 2 L and
 * k + 2 L + 1 interleaved channel by channel, as hpix_avx2's lanes hold
 * them, so the 32 weights at qv + 4 k are the matching pairs; RGB's unused
 * words are zeroed.  The taps past the count have weight 0 (qtaps is a
 * multiple of 8): the loads read up to seven pixels past it plus 16 bytes
 * of RGB, which the row's RESIZE_PAD covers.
 */
static inline __m128i
hpix_avx512(const int16_t *qv, const int16_t *p, int n, int ch, __m512i idx,
	    __mmask32 keep, __m128i init)
{
	__m512i v = _mm512_setzero_si512();
	__m256i h;
	int k;

	for (k = 0; k < n; k += 8, p += 8 * ch)
		v = mac(v, _mm512_maskz_permutexvar_epi16(keep, idx, ld(p)),
			ld(qv + 4 * k));
	h = _mm256_add_epi32(_mm512_castsi512_si256(v),
			     _mm512_extracti64x4_epi64(v, 1));
	return _mm_add_epi32(init,
			     _mm_add_epi32(_mm256_castsi256_si128(h),
					   _mm256_extracti128_si256(h, 1)));
}

/*
 * The permute's words: lane L gets (r0 r1 g0 g1 b0 b1 [a0 a1]) of pixels
 * 2 L and 2 L + 1 (RGB's last two words are masked off).
 */
static const int16_t pair_index3[32] = {
	0,  3,	1,  4,	2,  5,	0,  3,	6,  9,	7,  10, 8,  11, 6,  9,
	12, 15, 13, 16, 14, 17, 12, 15, 18, 21, 19, 22, 20, 23, 18, 21,
};
static const int16_t pair_index4[32] = {
	0,  4,	1,  5,	2,  6,	3,  7,	8,  12, 9,  13, 10, 14, 11, 15,
	16, 20, 17, 21, 18, 22, 19, 23, 24, 28, 25, 29, 26, 30, 27, 31,
};

/* Stores of 4 lanes for 3 channels spill one int32: acc has room. */
static inline void
hrun_avx512(const struct resize_weights *rw, int i0, int i1, const int16_t *s,
	    int ch, int32_t init, int32_t *restrict acc)
{
	const __m512i idx = ld(ch == 3 ? pair_index3 : pair_index4);
	const __mmask32 keep = ch == 3 ? 0x3f3f3f3fu : 0xffffffffu;
	const __m128i v0 = _mm_set1_epi32(init);
	int i;

	for (i = i0; i < i1; i++, acc += ch)
		_mm_storeu_si128((__m128i *)(void *)acc,
				 hpix_avx512(resize_qv(rw, i),
					     s + (size_t)rw->first[i] * ch,
					     rw->count[i], ch, idx, keep, v0));
}

/* Pixel by pixel: what no block of rw->lanes makes. */
static void
hpixels_avx512(const struct resize_weights *rw, int i0, int i1,
	       const int16_t *s, int ch, int32_t init, int32_t *restrict acc)
{
	switch (ch) {
	case 3: hrun_avx512(rw, i0, i1, s, 3, init, acc); break;
	case 4: hrun_avx512(rw, i0, i1, s, 4, init, acc); break;
	default:
		resize_cores_avx2_set.hmac(rw, i0, i1, s, ch, init, acc);
		break;
	}
}

/*
 * Block b of rw->lanes: its window of samples in two registers, then per
 * tap pair one word permute gathers each lane's two samples (the indices
 * move on two pixels a pair) for one vpdpwssd with the lanes' weights.
 * Two sums, so that the multiply-adds do not wait on each other.  All 16
 * lanes are stored: acc has room for 4 more (as hmac's callers give it),
 * and the next block's or pixel's sums overwrite them.
 */
static inline void
hblock_avx512(const struct resize_lanes *l, int b, const int16_t *s, __m512i v0,
	      int32_t *acc)
{
	const int16_t *p = s + (size_t)l->from[b] * l->ch;
	const uint32_t *w = l->w + (size_t)b * (size_t)l->most * 16;
	const __m512i step = _mm512_set1_epi16((short)(2 * l->ch));
	int len = l->len[b], np = l->pairs[b], m;
	__m512i idx = ld(l->idx + (size_t)b * 16), a = v0, lo, hi;
	__m512i a2 = _mm512_setzero_si512();

	if (b < l->plain) {
		lo = ld(p);
		hi = ld(p + 32);
	} else {
		lo = _mm512_maskz_loadu_epi16(
			len >= 32 ? ~(__mmask32)0
				  : (__mmask32)((1u << len) - 1),
			p);
		hi = _mm512_maskz_loadu_epi16(
			len <= 32   ? 0
			: len >= 64 ? ~(__mmask32)0
				    : (__mmask32)((1u << (len - 32)) - 1),
			p + 32);
	}

	for (m = 0; m + 1 < np; m += 2, w += 32) {
		a = mac(a, _mm512_permutex2var_epi16(lo, idx, hi), ld(w));
		idx = _mm512_add_epi16(idx, step);
		a2 = mac(a2, _mm512_permutex2var_epi16(lo, idx, hi),
			 ld(w + 16));
		idx = _mm512_add_epi16(idx, step);
	}
	if (m < np)
		a = mac(a, _mm512_permutex2var_epi16(lo, idx, hi), ld(w));
	st(acc, _mm512_add_epi32(a, a2));
}

/* Whole blocks of rw->lanes where they fit i0 .. i1, pixels elsewhere. */
static void
hmac_avx512(const struct resize_weights *rw, int i0, int i1, const int16_t *s,
	    int ch, int32_t init, int32_t *restrict acc)
{
	const struct resize_lanes *l = &rw->lanes;
	const __m512i v0 = _mm512_set1_epi32(init);
	int i = i0, j, b;

	if (l->n == 0 || l->ch != ch) {
		hpixels_avx512(rw, i0, i1, s, ch, init, acc);
		return;
	}
	while (i < i1) {
		b = i / l->px;
		if (i % l->px == 0 && i + l->px <= i1 && b < l->n) {
			hblock_avx512(l, b, s, v0,
				      acc + (size_t)(i - i0) * (size_t)ch);
			i += l->px;
			continue;
		}
		j = (b + 1) * l->px < i1 ? (b + 1) * l->px : i1;
		hpixels_avx512(rw, i, j, s, ch, init,
			       acc + (size_t)(i - i0) * (size_t)ch);
		i = j;
	}
}

/* The alpha steps are AVX2's (the tables cannot name its members). */
static void
widen_alpha_avx512(const unsigned char *restrict s, int16_t *restrict d,
		   size_t npix, int ch)
{
	resize_cores_avx2_set.widen_alpha(s, d, npix, ch);
}

static void
unpremultiply_avx512(const int32_t *acc, unsigned char *restrict d, size_t npix,
		     int ch)
{
	resize_cores_avx2_set.unpremultiply(acc, d, npix, ch);
}

static const struct resize_cores avx512_set = {
	vmac_u8_avx512,	      vmac_i16_avx512, hmac_avx512,
	fin_i16_avx512,	      fin_u8_avx512,   widen_alpha_avx512,
	unpremultiply_avx512, unsharp_avx512,  vfold_u8_avx512,
	pmac_i16_avx512,      fin_pair_avx512,
};

const struct resize_cores *
resize_cores_avx512(void)
{
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx512f") ||
	    !__builtin_cpu_supports("avx512bw") ||
	    !__builtin_cpu_supports("avx512vnni") ||
	    resize_cores_avx2() == NULL)
		return NULL;
	return &avx512_set;
}

#else

const struct resize_cores *
resize_cores_avx512(void)
{
	return NULL;
}

#endif
