/*
 * Separable resampling in fixed point.  Weights are computed once per image
 * and axis (in float, then as Q14 integers summing exactly to 1 << 14); a
 * first pass filters U8 samples into an int16 intermediate and a second
 * pass filters that into U8 rows.  Blur and sharpen reuse the tables and
 * the row cores with a Gaussian.
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
#ifndef IMGPIPE_RESIZE_H
#define IMGPIPE_RESIZE_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "ops.h"
#include "spec.h"

/*
 * Samples the row loops filter at a time into a stack buffer of int32: a
 * multiple of 1, 2, 3, 4 and 16, so a chunk always holds whole pixels and
 * whole vectors.
 */
#define RESIZE_CHUNK 960

/* Fraction bits of the fixed-point weights. */
#define RESIZE_QW   14
/* Fraction bits of the colour intermediate. */
#define RESIZE_QI   6
/* Offset that maps 0 .. 65535 onto int16 for premultiplied samples. */
#define RESIZE_BIAS 32768
/* Zeroed int16 samples after every row of an int16 buffer, for overreads. */
#define RESIZE_PAD  16

struct resize_weights {
	int n;	    /* output pixels */
	int taps;   /* weights stored per output pixel: the widest count */
	int *first; /* first source index read by each output pixel */
	int *count; /* source pixels it reads, 1 .. taps */
	float *w;   /* n * taps weights; each pixel's count sum to 1 */
	int qtaps;  /* taps rounded up to a multiple of 8 */
	/* n * qtaps Q14 weights, zero padded; each row sums to 1 << 14. */
	int16_t *q;
	/* n * qtaps * 4: (w[2j], w[2j+1]) repeated 4 times, for pmaddwd. */
	int16_t *qv;
};

/*
 * A plan for the two passes.  The source window read is rows row0 ..
 * row0 + rows and columns col0 .. col0 + cols; x.first and y.first are
 * relative to it.  Horizontal pass first (blur, sharpen, enlarging) or
 * vertical first (shrinking, where it filters fewer samples); either way
 * the first pass reads U8 source rows directly (colour, vertical first) or
 * a widened int16 copy of the window (alpha, or horizontal first).
 */
struct resize_plan {
	struct resize_weights x, y;
	int row0, rows;
	int col0, cols;
	int ch;	     /* channels */
	int alpha;   /* the last channel is alpha: filter premultiplied */
	int widened; /* the first pass reads resize_rows_widen's output */
	struct image
		*mid; /* resize_rows_vh: its int16 rows, one per output row */
};

void resize_weights_init(struct resize_weights *rw);
void resize_weights_release(struct resize_weights *rw);

/*
 * Weights mapping in_n source pixels onto scaled_n, for the out_n output
 * pixels from win on.  Pixel centres sit at i + 0.5; when shrinking the
 * support widens by in_n / scaled_n.  Taps outside the image are dropped
 * and the rest renormalised.  Returns 0 or IMGPIPE_ENOMEM.
 */
int resize_weights_filter(struct resize_weights *rw, enum filter_kind f,
			  int in_n, int scaled_n, int win, int out_n);

/*
 * Weights of a convolution with kern[0 .. 2 radius] centred on each of n
 * pixels, edge pixels repeated.  Returns 0 or IMGPIPE_ENOMEM.
 */
int resize_weights_kernel(struct resize_weights *rw, const float *kern,
			  int radius, int n);

void resize_plan_init(struct resize_plan *p, int channels);
void resize_plan_release(struct resize_plan *p);

/*
 * Shape im as h rows of w * channels int16 samples plus RESIZE_PAD, checking
 * w x h against max_pixels as image_alloc does.  The image's own w and
 * channels then describe bytes, not pixels.  Returns 0 or a negative code.
 */
int resize_alloc_i16(struct image *im, int w, int h, int channels,
		     uint64_t max_pixels, struct imgpipe_error *err);

static inline int16_t *
resize_row_i16(const struct image *im, int y)
{
	return (int16_t *)(void *)image_row(im, y);
}

/*
 * Stage: U8 src -> int16 dst (resize_alloc_i16 of cols x rows): dst row y
 * is source row row0 + y, columns col0 .. col0 + cols, premultiplied when
 * p->alpha.  Plan resize_plan.
 */
void resize_rows_widen(const struct stage *st, int y0, int y1);

/* Horizontal first: widened src -> int16 dst row y, then int16 -> U8. */
void resize_rows_h(const struct stage *st, int y0, int y1);
void resize_rows_v(const struct stage *st, int y0, int y1);

/* Vertical first: U8 or widened src -> int16 dst, then int16 -> U8. */
void resize_rows_v8(const struct stage *st, int y0, int y1);
void resize_rows_h8(const struct stage *st, int y0, int y1);

/*
 * Both, fused: output row y's vertical sums go to row y of p->mid and on
 * through the horizontal pass at once, while they are still in cache,
 * instead of a whole intermediate image written out and read back.
 */
void resize_rows_vh(const struct stage *st, int y0, int y1);

/*
 * The row cores, each a SIMD (SSE2) and a plain C version with identical
 * results.  acc[i] = init + sum over k < n of q[k] * sample(k, i), where q
 * is one output's row of rw->q / rw->qv.
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
 *           colour 0.
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
};

/* The plain C cores, and the SSE2 ones where built (else plain C). */
extern const struct resize_cores resize_cores_plain;
extern const struct resize_cores resize_cores_fast;

/* The AVX2 cores: NULL unless built for x86-64 and the CPU has AVX2. */
const struct resize_cores *resize_cores_avx2(void);

/*
 * The cores the kernels use: AVX2 where the CPU has it, else
 * resize_cores_fast.  IMGPIPE_SIMD=sse2 or =c in the environment caps the
 * choice (read once at start-up), to compare speed; the bytes are the same.
 */
const struct resize_cores *resize_cores_active(void);

/* Output pixel i's rows of rw->qv and rw->q. */
static inline const int16_t *
resize_qv(const struct resize_weights *rw, int i)
{
	return rw->qv + (size_t)i * (size_t)rw->qtaps * 4;
}

static inline const int16_t *
resize_q(const struct resize_weights *rw, int i)
{
	return rw->q + (size_t)i * (size_t)rw->qtaps;
}

/* Round v to the nearest integer (halves up) clamped to 0 .. 255. */
static inline unsigned char
resize_to_u8(float v)
{
	v = v < 0.0f ? 0.0f : v;
	v = v > 255.0f ? 255.0f : v;
	return (unsigned char)(int)(v + 0.5f);
}

#endif
