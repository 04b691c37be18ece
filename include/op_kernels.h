/*
 * Internal to the ops module: the per-op kernels that ops.c dispatches to,
 * and the context they share.  Not for other modules.  The kernels use
 * ops.h's plain types (op_resolved, op_scratch) but run their stages
 * through stage.h, never through ops.c, so calls go one way.
 */
#ifndef IMGPIPE_OP_KERNELS_H
#define IMGPIPE_OP_KERNELS_H

#include <stdint.h>

#include "image.h"
#include "ops.h"
#include "spec.h"
#include "stage.h"

struct hook;
struct imgpipe_error;

/* What every op needs besides its pixels; fields borrowed from op_apply. */
struct op_ctx {
	struct op_scratch *scratch; /* NULL in ops_orient and ops_flatten */
	const struct stage_runner *runner;
	struct hook *hook;
	uint64_t max_pixels;
	struct imgpipe_error *err;
};

/* Build the stage {fn, src, dst, plan} and run it; returns stage_run's code. */
static inline int
op_stage(const struct op_ctx *c, stage_rows_fn *fn, const struct image *src,
	 struct image *dst, const void *plan)
{
	struct stage st;

	st.rows = fn;
	st.src = src;
	st.dst = dst;
	st.plan = plan;
	return stage_run(c->runner, &st, c->hook);
}

/* Each returns 0 with the result in dst, or a negative IMGPIPE_E* code. */
int op_crop(const struct op_ctx *c, const struct op_resolved *r,
	    const struct image *src, struct image *dst);
int op_geom(const struct op_ctx *c, const struct op *op,
	    const struct image *src, struct image *dst);
int op_color(const struct op_ctx *c, const struct op *op,
	     const struct image *src, struct image *dst);
int op_blur(const struct op_ctx *c, double sigma, const struct image *src,
	    struct image *dst);
int op_sharpen(const struct op_ctx *c, const struct op_sharpen *p,
	       const struct image *src, struct image *dst);
int op_edges(const struct op_ctx *c, const struct image *src,
	     struct image *dst);
int op_resize(const struct op_ctx *c, const struct op_resolved *r,
	      const struct image *src, struct image *dst);

/* ops_orient's and ops_flatten's kernels: the same contracts (ops.h). */
int op_orient(const struct op_ctx *c, int orientation, const struct image *src,
	      struct image *dst);
int op_flatten(const struct op_ctx *c, const unsigned char bg[3],
	       const struct image *src, struct image *dst);

#endif
