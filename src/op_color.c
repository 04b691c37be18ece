/*
 * Colour ops.  The pointwise ones (invert, brightness, contrast, gamma) go
 * through a 256-entry table built once per image; grayscale and sepia mix
 * channels; flatten composites alpha onto a background.  Alpha is copied
 * untouched everywhere except flatten, which removes it.
 */
#include <math.h>
#include <string.h>

#include "banned.h"
#include "error.h"
#include "op_kernels.h"

struct lut_plan {
	unsigned char lut[256];
};

struct flatten_plan {
	unsigned char bg[3];
};

/* Round half up and clamp to 0 .. 255. */
static inline unsigned char
to_u8(float v)
{
	v = v < 0.0f ? 0.0f : v;
	v = v > 255.0f ? 255.0f : v;
	return (unsigned char)(int)(v + 0.5f);
}

static void
lut_build(const struct op *op, struct lut_plan *p)
{
	double v, x = op->u.value;
	int i;

	for (i = 0; i < 256; i++) {
		switch (op->kind) {
		case OP_BRIGHTNESS: v = i + 2.55 * x; break;
		case OP_CONTRAST:
			v = (i - 127.5) * (100.0 + x) / 100.0 + 127.5;
			break;
		case OP_GAMMA: v = 255.0 * pow(i / 255.0, 1.0 / x); break;
		case OP_INVERT: v = 255 - i; break;
		default: v = i; break; /* grayscale of grey: a copy */
		}
		p->lut[i] = to_u8((float)v);
	}
}

static inline void
lut_px(const unsigned char *restrict lut, const unsigned char *restrict s,
       unsigned char *restrict d, int n, int ch)
{
	int i, c;

	for (i = 0; i < n; i++, s += ch, d += ch) {
		for (c = 0; c < ch - 1; c++)
			d[c] = lut[s[c]];
		d[ch - 1] = s[ch - 1];
	}
}

static void
lut_rows(const struct stage *st, int y0, int y1)
{
	const unsigned char *lut = ((const struct lut_plan *)st->plan)->lut;
	int ch = st->src->channels, w = st->src->w, y, i;

	for (y = y0; y < y1; y++) {
		const unsigned char *s = image_row(st->src, y);
		unsigned char *d = image_row(st->dst, y);

		if (ch == 2)
			lut_px(lut, s, d, w, 2);
		else if (ch == 4)
			lut_px(lut, s, d, w, 4);
		else
			for (i = 0; i < w * ch; i++)
				d[i] = lut[s[i]];
	}
}

static inline void
gray_px(const unsigned char *restrict s, unsigned char *restrict d, int n,
	int alpha)
{
	int i, ch = 3 + alpha;

	for (i = 0; i < n; i++, s += ch, d += 1 + alpha) {
		d[0] = to_u8(0.2126f * s[0] + 0.7152f * s[1] + 0.0722f * s[2]);
		if (alpha)
			d[1] = s[3];
	}
}

static void
gray_rows(const struct stage *st, int y0, int y1)
{
	int y;

	for (y = y0; y < y1; y++)
		if (st->src->channels == 3)
			gray_px(image_row(st->src, y), image_row(st->dst, y),
				st->src->w, 0);
		else
			gray_px(image_row(st->src, y), image_row(st->dst, y),
				st->src->w, 1);
}

/* sch: source channels (grey ones are read as R = G = B). */
static inline void
sepia_px(const unsigned char *restrict s, unsigned char *restrict d, int n,
	 int sch)
{
	int i, alpha = sch == 2 || sch == 4, g = sch < 3 ? 0 : 1;

	for (i = 0; i < n; i++, s += sch, d += 3 + alpha) {
		float r = s[0], gr = s[g], b = s[2 * g];

		d[0] = to_u8(0.393f * r + 0.769f * gr + 0.189f * b);
		d[1] = to_u8(0.349f * r + 0.686f * gr + 0.168f * b);
		d[2] = to_u8(0.272f * r + 0.534f * gr + 0.131f * b);
		if (alpha)
			d[3] = s[sch - 1];
	}
}

static void
sepia_rows(const struct stage *st, int y0, int y1)
{
	int y, w = st->src->w;

	for (y = y0; y < y1; y++) {
		const unsigned char *s = image_row(st->src, y);
		unsigned char *d = image_row(st->dst, y);

		switch (st->src->channels) {
		case 1: sepia_px(s, d, w, 1); break;
		case 2: sepia_px(s, d, w, 2); break;
		case 3: sepia_px(s, d, w, 3); break;
		default: sepia_px(s, d, w, 4); break;
		}
	}
}

int
op_color(const struct op_ctx *c, const struct op *op, const struct image *src,
	 struct image *dst)
{
	int ch = src->channels, och = ch, rc;
	stage_rows_fn *fn = lut_rows;
	struct lut_plan lut;

	if (op->kind == OP_GRAYSCALE && ch >= 3) {
		och = ch - 2;
		fn = gray_rows;
	} else if (op->kind == OP_SEPIA) {
		och = ch < 3 ? ch + 2 : ch;
		fn = sepia_rows;
	} else {
		lut_build(op, &lut);
	}
	rc = image_alloc(dst, src->w, src->h, och, PIXFMT_U8, c->max_pixels,
			 c->err);
	if (rc != 0)
		return rc;
	return op_stage(c, fn, src, dst, &lut);
}

/* Exact integer compositing: (c a + bg (255 - a) + 127) / 255. */
static inline unsigned char
over(unsigned c, unsigned a, unsigned bg)
{
	return (unsigned char)((c * a + bg * (255 - a) + 127) / 255);
}

static void
flatten_rows(const struct stage *st, int y0, int y1)
{
	const unsigned char *bg = ((const struct flatten_plan *)st->plan)->bg;
	int sch = st->src->channels, dch = st->dst->channels, x, y, k;

	for (y = y0; y < y1; y++) {
		const unsigned char *s = image_row(st->src, y);
		unsigned char *d = image_row(st->dst, y);

		for (x = 0; x < st->src->w; x++, s += sch, d += dch)
			for (k = 0; k < dch; k++)
				d[k] = over(s[sch == 4 ? k : 0], s[sch - 1],
					    bg[k]);
	}
}

int
op_flatten(const struct op_ctx *c, const unsigned char bg[3],
	   const struct image *src, struct image *dst)
{
	struct flatten_plan p;
	int och = 3, rc;

	if (src->channels == 1 || src->channels == 3)
		return 1;
	if (src->channels == 2 && bg[0] == bg[1] && bg[1] == bg[2])
		och = 1;
	memcpy(p.bg, bg, 3);
	rc = image_alloc(dst, src->w, src->h, och, PIXFMT_U8, 0, c->err);
	if (rc != 0)
		return rc;
	return op_stage(c, flatten_rows, src, dst, &p);
}
