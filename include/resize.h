/*
 * Separable resampling in fixed point: a plan of two weight tables
 * (resize_weights.h) and the stages that run the row cores
 * (resize_cores.h) over it.  A first pass filters U8 samples into an int16
 * intermediate and a second pass filters that into U8 rows.  Blur and
 * sharpen reuse the plan, the tables and the stages with a Gaussian.
 */
#ifndef IMGPIPE_RESIZE_H
#define IMGPIPE_RESIZE_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "resize_cores.h"
#include "resize_weights.h"
#include "stage.h"

struct imgpipe_error;
struct op_resolved;

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

/*
 * The cores the kernels use: AVX2 where the CPU has it, else
 * resize_cores_fast.  IMGPIPE_SIMD=sse2 or =c in the environment caps the
 * choice (read once at start-up), to compare speed; the bytes are the same.
 * Chosen here, above both resize_cores.c and resize_avx2.c, as the AVX2
 * cores call the SSE2 ones for their tails.
 */
const struct resize_cores *resize_cores_active(void);

void resize_plan_init(struct resize_plan *p, int channels);
void resize_plan_release(struct resize_plan *p);

/*
 * The plan of r's resize of a w x h source: both weight tables, the
 * source window and the order of the passes (*vfirst), which depends on
 * the sizes only.  Returns 0 or IMGPIPE_ENOMEM.
 */
int resize_plan_build(struct resize_plan *p, const struct op_resolved *r, int w,
		      int h, int *vfirst, struct imgpipe_error *err);

/* Non-zero when r maps a w x h source onto itself: a plain copy. */
int resize_is_copy(const struct op_resolved *r, int w, int h);

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
 * The sums acc (ns samples) of p's passes as output: of the first pass
 * into int16 (Q6 colour, or biased premultiplied), of the second into U8
 * (from Q6, or back from premultiplied).  The blur's passes share them.
 */
void resize_fin_first(const struct resize_plan *p, const int32_t *acc,
		      size_t ns, int16_t *d);
void resize_fin_second(const struct resize_plan *p, const int32_t *acc,
		       size_t ns, unsigned char *d);
/* resize_fin_first of two rows' sums into one pair row (fin_pair). */
void resize_fin_pair(const struct resize_plan *p, const int32_t *acc,
		     const int32_t *acc2, size_t ns, int16_t *d);

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
 * The stages above, one row at a time, for callers that hold the rows
 * themselves (resize_stream.c): the same sums in the same order, so the
 * same bytes.
 *   resize_row_widen: source row s (from column 0) -> widened row d;
 *   resize_row_v8: vertical first, output row y from the first-pass input
 *     rows from base, step bytes apart (U8 from column col0, or widened),
 *     base being the row y.first[y] -> int16 row d;
 *   resize_row_h: horizontal pass over int16 row s, finished as the first
 *     pass into d16 (its padding zeroed) or, d16 NULL, as the second into
 *     U8 row d8;
 *   resize_row_v: second pass of horizontal first, output row y from int16
 *     rows from base (row y.first[y]), step bytes apart -> U8 row d.
 */
void resize_row_widen(const struct resize_plan *p, const unsigned char *s,
		      int16_t *d);
void resize_row_v8(const struct resize_plan *p, int y,
		   const unsigned char *base, size_t step, int16_t *d);
void resize_row_h(const struct resize_plan *p, const int16_t *s, int16_t *d16,
		  unsigned char *d8);
void resize_row_v(const struct resize_plan *p, int y, const unsigned char *base,
		  size_t step, unsigned char *d);

/*
 * Both, fused: output row y's vertical sums go to row y of p->mid and on
 * through the horizontal pass at once, while they are still in cache,
 * instead of a whole intermediate image written out and read back.
 */
void resize_rows_vh(const struct stage *st, int y0, int y1);

#endif
