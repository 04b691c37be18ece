/*
 * The row cores of resampling, blur and sharpen: the only code with SIMD
 * in it, each core in plain C, SSE2 and (x86-64) AVX2 versions that give
 * identical bytes, one table per version (resize.h picks the one used).
 *
 * Sample formats (all exact integer arithmetic, so results never depend on
 * SIMD or on how rows are split):
 *   - colour without alpha: U8 in, Q6 int16 intermediate (room for the
 *     ringing of Lanczos to about twice the range), U8 out;
 *   - with alpha, premultiplied: c * a and a * 255 (0 .. 65025) stored as
 *     int16 with RESIZE_BIAS subtracted, so the low-alpha colours keep all
 *     their precision; the intermediate is the same unsigned 16-bit scale,
 *     clamped.
 */
#ifndef IMGPIPE_RESIZE_CORES_H
#define IMGPIPE_RESIZE_CORES_H

#include <stddef.h>
#include <stdint.h>

#include "resize_weights.h"

/*
 * Samples the row loops filter at a time into a stack buffer of int32: a
 * multiple of 1, 2, 3, 4 and 16, so a chunk always holds whole pixels and
 * whole vectors.
 */
#define RESIZE_CHUNK 960

/* Fraction bits of the colour intermediate. */
#define RESIZE_QI   6
/* Offset that maps 0 .. 65535 onto int16 for premultiplied samples. */
#define RESIZE_BIAS 32768
/* Zeroed int16 samples after every row of an int16 buffer, for overreads. */
#define RESIZE_PAD  32

/*
 * acc[i] = init + sum over k < n of q[k] * sample(k, i), where q is one
 * output's row of rw->q / rw->qv.
 *   vmac_*: sample(k, i) = *(base + k * step + i), a vertical sum over rows
 *           step bytes apart (or, step = one pixel, an interior convolution
 *           along a row), for i < ns <= RESIZE_CHUNK;
 *   hmac:   per pixel j of i0 .. i1, channel c, over int16 row s:
 *           sample(k) = s[(first[j] + k) * ch + c] (s has RESIZE_PAD);
 *   fin_*:  acc back to samples: (acc + half) >> shift, then minus bias and
 *           saturated to int16, or clamped to U8;
 *   widen_alpha: npix U8 pixels of 2 or 4 channels -> premultiplied int16
 *           (c * a and a * 255, less RESIZE_BIAS);
 *   unpremultiply: accumulators of ch = 2 or 4 channels (Q14 of c * a and
 *           of a * 255) -> U8 colour and alpha; transparent pixels get
 *           colour 0;
 *   unsharp: ns samples of an unsharp mask without alpha: acc holds the
 *           Q14 sums of the Q6 blur b of the U8 original o; with
 *           d = (o << 6) - b, out = o + amount_q d / (1 << 16) rounded and
 *           clamped to U8 (amount_q: the amount in Q10) where
 *           |d| >= thr_q (the threshold in Q6 levels), else o; the
 *           output may overwrite o (sharpen in place): each sample is read
 *           before it is written;
 *   vfold_u8: vmac_u8 for a symmetric kernel of n = 2 r + 1 taps (q[k]
 *           == q[2 r - k]): each mirrored pair of samples summed first
 *           (two U8 fit int16), then one multiply per pair, so about half
 *           the multiply-adds and the same integer sum;
 *   pmac_i16: vmac_i16 over np pair rows step bytes apart, each two int16
 *           rows interleaved (sample i of the first at 2 i, of the second
 *           at 2 i + 1), with the plain weights q (resize_q's layout, not
 *           qv's): acc[i] = init + sum over m < np of q[2 m] P_m[2 i] +
 *           q[2 m + 1] P_m[2 i + 1]; with q2 not NULL, acc2 likewise for
 *           q2 from the same loads (two output rows of one window);
 *   fin_pair: fin_i16 of acc into d[2 i] and of acc2 into d[2 i + 1]:
 *           two first-pass rows made into one pair row.
 */
struct resize_cores {
	void (*vmac_u8)(const unsigned char *base, size_t step,
			const int16_t *qv, int n, size_t ns,
			int32_t *restrict acc);
	void (*vmac_i16)(const unsigned char *base, size_t step,
			 const int16_t *qv, int n, size_t ns, int32_t init,
			 int32_t *restrict acc);
	void (*hmac)(const struct resize_weights *rw, int i0, int i1,
		     const int16_t *s, int ch, int32_t init,
		     int32_t *restrict acc);
	void (*fin_i16)(const int32_t *acc, size_t ns, int shift, int bias,
			int16_t *restrict d);
	void (*fin_u8)(const int32_t *acc, size_t ns, int shift,
		       unsigned char *restrict d);
	void (*widen_alpha)(const unsigned char *restrict s,
			    int16_t *restrict d, size_t npix, int ch);
	void (*unpremultiply)(const int32_t *acc, unsigned char *restrict d,
			      size_t npix, int ch);
	void (*unsharp)(const int32_t *acc, const unsigned char *o,
			unsigned char *d, size_t ns, int amount_q, int thr_q);
	void (*vfold_u8)(const unsigned char *base, size_t step,
			 const int16_t *qv, int r, size_t ns,
			 int32_t *restrict acc);
	void (*pmac_i16)(const unsigned char *base, size_t step,
			 const int16_t *q, const int16_t *q2, int np, size_t ns,
			 int32_t init, int32_t *restrict acc,
			 int32_t *restrict acc2);
	void (*fin_pair)(const int32_t *acc, const int32_t *acc2, size_t ns,
			 int shift, int bias, int16_t *restrict d);
};

/* The plain C cores, and the SSE2 ones where built (else plain C). */
extern const struct resize_cores resize_cores_plain;
extern const struct resize_cores resize_cores_fast;

/* The AVX2 cores: NULL unless built for x86-64 and the CPU has AVX2. */
const struct resize_cores *resize_cores_avx2(void);

/*
 * The AVX2 table itself, defined only where resize_avx2.c is built for
 * AVX2: the AVX-512 cores fall back on it for their tails.
 */
extern const struct resize_cores resize_cores_avx2_set;

/*
 * The AVX-512 (F, BW, VNNI) cores over the AVX2 ones: NULL unless built
 * for x86-64 and the CPU has AVX2, AVX512F, AVX512BW and AVX512_VNNI.
 */
const struct resize_cores *resize_cores_avx512(void);

/* Round v to the nearest integer (halves up) clamped to 0 .. 255. */
static inline unsigned char
resize_to_u8(float v)
{
	v = v < 0.0f ? 0.0f : v;
	v = v > 255.0f ? 255.0f : v;
	return (unsigned char)(int)(v + 0.5f);
}

#endif
