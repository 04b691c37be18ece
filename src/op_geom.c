/*
 * Geometry: crop, flip, flop, rotations and the transposes EXIF orientation
 * needs.  Each is one affine map from output to input pixel, run by a
 * single kernel; the transposing ones walk 64-pixel blocks so the source
 * columns they read stay in cache.
 */
#include <stddef.h>
#include <string.h>

#include "banned.h"
#include "error.h"
#include "op_kernels.h"

#define GEOM_BLOCK 64

enum geom {
	GEOM_FLIP,
	GEOM_FLOP,
	GEOM_ROT90,
	GEOM_ROT180,
	GEOM_ROT270,
	GEOM_TRANSPOSE,
	GEOM_TRANSVERSE
};

/* Output pixel (x, y) is the input pixel at byte origin + x*xs + y*ys. */
struct geom_plan {
	ptrdiff_t origin, xs, ys;
};

static inline void
run_px(unsigned char *restrict d, const unsigned char *restrict s,
       ptrdiff_t off, ptrdiff_t xs, int x0, int x1, int ch)
{
	int x, c;

	for (x = x0; x < x1; x++, off += xs)
		for (c = 0; c < ch; c++)
			d[(size_t)x * ch + c] = s[off + c];
}

static void
geom_row(const struct stage *st, int y, int x0, int x1)
{
	const struct geom_plan *p = st->plan;
	unsigned char *d = image_row(st->dst, y);
	const unsigned char *s = st->src->data;
	ptrdiff_t off = p->origin + y * p->ys + x0 * p->xs;

	switch (st->dst->channels) {
	case 1: run_px(d, s, off, p->xs, x0, x1, 1); break;
	case 2: run_px(d, s, off, p->xs, x0, x1, 2); break;
	case 3: run_px(d, s, off, p->xs, x0, x1, 3); break;
	default: run_px(d, s, off, p->xs, x0, x1, 4); break;
	}
}

static void
geom_rows(const struct stage *st, int y0, int y1)
{
	const struct geom_plan *p = st->plan;
	int ch = st->dst->channels, w = st->dst->w, x, y;

	if (p->xs == ch) {
		for (y = y0; y < y1; y++)
			memcpy(image_row(st->dst, y),
			       st->src->data + p->origin + y * p->ys,
			       (size_t)w * ch);
	} else if (p->xs == -ch) {
		for (y = y0; y < y1; y++)
			geom_row(st, y, 0, w);
	} else {
		for (x = 0; x < w; x += GEOM_BLOCK)
			for (y = y0; y < y1; y++)
				geom_row(st, y, x,
					 w - x < GEOM_BLOCK ? w
							    : x + GEOM_BLOCK);
	}
}

/* The map of g on src; sets the output size. */
static struct geom_plan
geom_plan_of(enum geom g, const struct image *src, int *w, int *h)
{
	ptrdiff_t s = (ptrdiff_t)src->stride, c = src->channels;
	ptrdiff_t right = (src->w - 1) * c, bottom = (src->h - 1) * s;
	struct geom_plan p = { 0, c, s };
	int swap = g == GEOM_ROT90 || g == GEOM_ROT270 || g == GEOM_TRANSPOSE ||
		   g == GEOM_TRANSVERSE;

	switch (g) {
	case GEOM_FLIP: p = (struct geom_plan){ bottom, c, -s }; break;
	case GEOM_FLOP: p = (struct geom_plan){ right, -c, s }; break;
	case GEOM_ROT90: p = (struct geom_plan){ bottom, -s, c }; break;
	case GEOM_ROT180:
		p = (struct geom_plan){ bottom + right, -c, -s };
		break;
	case GEOM_ROT270: p = (struct geom_plan){ right, s, -c }; break;
	case GEOM_TRANSPOSE: p = (struct geom_plan){ 0, s, c }; break;
	case GEOM_TRANSVERSE:
		p = (struct geom_plan){ bottom + right, -s, -c };
		break;
	}
	*w = swap ? src->h : src->w;
	*h = swap ? src->w : src->h;
	return p;
}

static int
geom_apply(const struct op_ctx *c, enum geom g, const struct image *src,
	   struct image *dst)
{
	struct geom_plan p;
	int w, h, rc;

	p = geom_plan_of(g, src, &w, &h);
	rc = image_alloc(dst, w, h, src->channels, PIXFMT_U8, c->max_pixels,
			 c->err);
	if (rc != 0)
		return rc;
	return op_stage(c, geom_rows, src, dst, &p);
}

int
op_crop(const struct op_ctx *c, const struct op_resolved *r,
	const struct image *src, struct image *dst)
{
	struct geom_plan p;
	int rc;

	p.xs = src->channels;
	p.ys = (ptrdiff_t)src->stride;
	p.origin = r->win_y * p.ys + r->win_x * p.xs;
	rc = image_alloc(dst, r->out_w, r->out_h, src->channels, PIXFMT_U8,
			 c->max_pixels, c->err);
	if (rc != 0)
		return rc;
	return op_stage(c, geom_rows, src, dst, &p);
}

int
op_geom(const struct op_ctx *c, const struct op *op, const struct image *src,
	struct image *dst)
{
	enum geom g = GEOM_FLIP;

	if (op->kind == OP_FLOP)
		g = GEOM_FLOP;
	else if (op->kind == OP_ROTATE)
		g = op->u.degrees == 90	   ? GEOM_ROT90
		    : op->u.degrees == 180 ? GEOM_ROT180
					   : GEOM_ROT270;
	return geom_apply(c, g, src, dst);
}

int
op_orient(const struct op_ctx *c, int orientation, const struct image *src,
	  struct image *dst)
{
	/* EXIF: where row 0 / column 0 of the stored image are seen. */
	static const enum geom fix[9] = {
		[2] = GEOM_FLOP,       /* top-right: mirrored */
		[3] = GEOM_ROT180,     /* bottom-right */
		[4] = GEOM_FLIP,       /* bottom-left: mirrored */
		[5] = GEOM_TRANSPOSE,  /* left-top */
		[6] = GEOM_ROT90,      /* right-top: turned 90 ccw */
		[7] = GEOM_TRANSVERSE, /* right-bottom */
		[8] = GEOM_ROT270,     /* left-bottom: turned 90 cw */
	};

	if (orientation < 2 || orientation > 8)
		return 1;
	return geom_apply(c, fix[orientation], src, dst);
}
