/*
 * Resolving a spec's geometry and dispatching one op to its kernels.  The
 * per-op code lives in op_*.c and resize*.c, below this file: they run
 * their stages through stage.c and never call back here.  Everything here
 * is cheap bookkeeping.
 */
#include "ops.h"

#include <limits.h>
#include <math.h>

#include "banned.h"
#include "error.h"
#include "op_kernels.h"

void
op_scratch_init(struct op_scratch *s)
{
	image_init(&s->tmp);
	image_init(&s->tmp2);
}

void
op_scratch_release(struct op_scratch *s)
{
	image_release(&s->tmp);
	image_release(&s->tmp2);
}

/* round(n * num / den) for positive values, at least 1; -1 past INT_MAX. */
static int
scale_side(int n, int64_t num, int64_t den)
{
	int64_t v = ((int64_t)n * num * 2 + den) / (den * 2);

	if (v > INT_MAX)
		return -1;
	return v < 1 ? 1 : (int)v;
}

/* One side given (the other 0): scale by it, no enlarging unless up. */
static void
resolve_one_side(const struct op_resize *o, struct op_resolved *r)
{
	int64_t num = o->w > 0 ? o->w : o->h,
		den = o->w > 0 ? r->in_w : r->in_h;

	if (num > den && !o->up)
		num = den;
	r->scaled_w =
		o->w > 0 && num == o->w ? o->w : scale_side(r->in_w, num, den);
	r->scaled_h =
		o->h > 0 && num == o->h ? o->h : scale_side(r->in_h, num, den);
}

/*
 * Fit (cover = 0) or fill (cover = 1): the side that limits gets exactly its
 * box size, the other follows the aspect ratio.  W / w <= H / h is compared
 * as W * h <= H * w, so no floating point decides which side limits.
 */
static void
resolve_box(const struct op_resize *o, struct op_resolved *r, int cover)
{
	int64_t w = r->in_w, h = r->in_h;
	int width_limits = (int64_t)o->w * h <= (int64_t)o->h * w;

	if (cover)
		width_limits = !width_limits;
	if (width_limits) {
		r->scaled_w = o->w;
		r->scaled_h = scale_side(r->in_h, o->w, w);
	} else {
		r->scaled_w = scale_side(r->in_w, o->h, h);
		r->scaled_h = o->h;
	}
	if (!cover && !o->up && (width_limits ? o->w > w : o->h > h)) {
		r->scaled_w = r->in_w;
		r->scaled_h = r->in_h;
	}
}

static void
resolve_resize(const struct op_resize *o, struct op_resolved *r)
{
	double p = o->percent / 100.0, v;

	if (o->percent > 0) {
		v = floor(r->in_w * p + 0.5);
		r->scaled_w = v > INT_MAX ? -1 : v < 1 ? 1 : (int)v;
		v = floor(r->in_h * p + 0.5);
		r->scaled_h = v > INT_MAX ? -1 : v < 1 ? 1 : (int)v;
	} else if (o->w <= 0 || o->h <= 0) {
		resolve_one_side(o, r);
	} else if (o->mode == RESIZE_EXACT) {
		r->scaled_w = o->w;
		r->scaled_h = o->h;
	} else {
		resolve_box(o, r, o->mode == RESIZE_FILL);
	}
	r->out_w = r->scaled_w;
	r->out_h = r->scaled_h;
	if (o->mode == RESIZE_FILL && o->percent <= 0 && o->w > 0 && o->h > 0 &&
	    r->scaled_w > 0 && r->scaled_h > 0) {
		r->out_w = o->w;
		r->out_h = o->h;
		r->win_x = (r->scaled_w - o->w) / 2;
		r->win_y = (r->scaled_h - o->h) / 2;
	}
}

static int
resolve_crop(const struct op_crop *o, struct op_resolved *r,
	     struct imgpipe_error *err)
{
	int64_t x0 = o->x > 0 ? o->x : 0, y0 = o->y > 0 ? o->y : 0;
	int64_t x1 = (int64_t)o->x + o->w, y1 = (int64_t)o->y + o->h;

	x1 = x1 < r->in_w ? x1 : r->in_w;
	y1 = y1 < r->in_h ? y1 : r->in_h;
	if (x1 <= x0 || y1 <= y0)
		return error_set(err, IMGPIPE_ESPEC,
				 "crop %dx%d+%d+%d is outside the image "
				 "(%dx%d)",
				 o->w, o->h, o->x, o->y, r->in_w, r->in_h);
	r->win_x = (int)x0;
	r->win_y = (int)y0;
	r->out_w = r->scaled_w = (int)(x1 - x0);
	r->out_h = r->scaled_h = (int)(y1 - y0);
	return 0;
}

static int
resolve_one(const struct op *op, int w, int h, uint64_t max_pixels,
	    struct op_resolved *r, struct imgpipe_error *err)
{
	int rc = 0;

	r->op = op;
	r->in_w = r->out_w = r->scaled_w = w;
	r->in_h = r->out_h = r->scaled_h = h;
	r->win_x = r->win_y = 0;
	if (op->kind == OP_RESIZE)
		resolve_resize(&op->u.resize, r);
	else if (op->kind == OP_CROP)
		rc = resolve_crop(&op->u.crop, r, err);
	else if (op->kind == OP_ROTATE && op->u.degrees != 180) {
		r->out_w = r->scaled_w = h;
		r->out_h = r->scaled_h = w;
	}
	if (rc != 0)
		return rc;
	if (r->scaled_w < 0 || r->scaled_h < 0)
		return error_set(err, IMGPIPE_ELIMIT,
				 "resize of a %dx%d image is too large", w, h);
	return image_check_size(r->out_w, r->out_h, 4, PIXFMT_U8, max_pixels,
				err);
}

int
ops_resolve(const struct spec *spec, int w, int h, uint64_t max_pixels,
	    struct op_resolved *res, struct imgpipe_error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < spec->n; i++) {
		rc = resolve_one(&spec->ops[i], w, h, max_pixels, &res[i], err);
		if (rc != 0)
			return rc;
		w = res[i].out_w;
		h = res[i].out_h;
	}
	return 0;
}

int
op_in_place(const struct op *op)
{
	return op->kind == OP_BLUR || op->kind == OP_SHARPEN;
}

int
op_apply(const struct op_resolved *r, const struct image *src,
	 struct image *dst, struct op_scratch *scratch,
	 const struct stage_runner *runner, struct hook *hook,
	 uint64_t max_pixels, struct imgpipe_error *err)
{
	struct op_ctx c = { scratch, runner, hook, max_pixels, err };
	const struct op *op = r->op;

	switch (op->kind) {
	case OP_RESIZE: return op_resize(&c, r, src, dst);
	case OP_CROP: return op_crop(&c, r, src, dst);
	case OP_ROTATE:
	case OP_FLIP:
	case OP_FLOP: return op_geom(&c, op, src, dst);
	case OP_BLUR: return op_blur(&c, op->u.value, src, dst);
	case OP_SHARPEN: return op_sharpen(&c, &op->u.sharpen, src, dst);
	case OP_EDGES: return op_edges(&c, src, dst);
	default: return op_color(&c, op, src, dst);
	}
}

int
ops_orient(int orientation, const struct image *src, struct image *dst,
	   const struct stage_runner *runner, struct hook *hook,
	   uint64_t max_pixels, struct imgpipe_error *err)
{
	struct op_ctx c = { NULL, runner, hook, max_pixels, err };

	return op_orient(&c, orientation, src, dst);
}

int
ops_flatten(const struct image *src, const unsigned char bg[3],
	    struct image *dst, const struct stage_runner *runner,
	    struct hook *hook, struct imgpipe_error *err)
{
	struct op_ctx c = { NULL, runner, hook, 0, err };

	return op_flatten(&c, bg, src, dst);
}
