/*
 * Separable resampling.  Weights are computed once per image and axis into
 * a compact table (first source index, count and normalised weights for
 * every output pixel); a horizontal pass then filters U8 rows into a
 * PIXFMT_F32 intermediate and a vertical pass filters that into U8 rows.
 * Blur and sharpen reuse the same tables and passes with a Gaussian.
 */
#ifndef IMGPIPE_RESIZE_H
#define IMGPIPE_RESIZE_H

#include <stddef.h>

#include "image.h"
#include "ops.h"
#include "spec.h"

/*
 * Samples the vertical pass filters at a time into a stack buffer: a
 * multiple of 1, 2, 3 and 4, so a chunk always holds whole pixels.
 */
#define RESIZE_CHUNK 960

struct resize_weights {
	int n;	    /* output pixels */
	int taps;   /* weights stored per output pixel: the widest count */
	int *first; /* first source index read by each output pixel */
	int *count; /* source pixels it reads, 1 .. taps */
	float *w;   /* n * taps weights; each pixel's count sum to 1 */
};

/*
 * A plan for the two passes.  Horizontal pass first (blur, sharpen,
 * enlarging): y.first is relative to the intermediate, whose row 0 is
 * source row row0.  Vertical first (shrinking, where it filters fewer
 * samples and its loop vectorises): x.first is relative to the
 * intermediate's column 0, source column col0.  Either way only the source
 * rows or columns that the kept window reads are filtered.
 */
struct resize_plan {
	struct resize_weights x, y;
	int row0, rows;
	int col0, cols;
	int alpha; /* the last channel is alpha: filter premultiplied */
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

/* Stage: U8 src -> F32 dst row y (source row row0 + y), plan resize_plan. */
void resize_rows_h(const struct stage *st, int y0, int y1);

/* Stage: F32 src (the intermediate) -> U8 dst, plan resize_plan. */
void resize_rows_v(const struct stage *st, int y0, int y1);

/* Vertical first: U8 src -> F32 dst (columns col0 ..), then F32 -> U8. */
void resize_rows_v8(const struct stage *st, int y0, int y1);
void resize_rows_h8(const struct stage *st, int y0, int y1);

/*
 * acc[0 .. ns) = the vertical filter of output row y over samples
 * s0 .. s0 + ns of the intermediate tmp (ns <= RESIZE_CHUNK).
 */
void resize_vsum(const struct resize_weights *wy, const struct image *tmp,
		 int y, size_t s0, size_t ns, float *restrict acc);

/* Round v to the nearest integer (halves up) clamped to 0 .. 255. */
static inline unsigned char
resize_to_u8(float v)
{
	v = v < 0.0f ? 0.0f : v;
	v = v > 255.0f ? 255.0f : v;
	return (unsigned char)(int)(v + 0.5f);
}

#endif
