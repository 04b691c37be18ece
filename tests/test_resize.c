/*
 * Resampling: output geometry, exactness of the box filter and of constant
 * images under every filter, anti-aliasing, alpha that bleeds no colour,
 * and the shrink-on-load path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "filter.h"
#include "image.h"
#include "ops.h"
#include "resize.h"
#include "spec.h"

#include "helpers.h"

#define MAXP 100000000

static struct op
resize_op(int w, int h, enum resize_mode mode, enum filter_kind f, int up)
{
	struct op op = { .kind = OP_RESIZE };

	op.u.resize = (struct op_resize){ w, h, 0.0, mode, f, up };
	return op;
}

static int
resolve(const struct op *op, int w, int h, struct op_resolved *r)
{
	struct spec spec = { (struct op *)op, 1 };

	return ops_resolve(&spec, w, h, MAXP, r, NULL);
}

/* Resolve op for (in_w, in_h) but apply it to src (maybe smaller). */
static void
run(const struct op *op, int in_w, int in_h, const struct image *src,
    struct image *dst)
{
	struct op_scratch scratch;
	struct op_resolved r;

	assert_int_equal(resolve(op, in_w, in_h, &r), 0);
	op_scratch_init(&scratch);
	assert_int_equal(
		op_apply(&r, src, dst, &scratch, NULL, NULL, MAXP, NULL), 0);
	op_scratch_release(&scratch);
	assert_int_equal(dst->w, r.out_w);
	assert_int_equal(dst->h, r.out_h);
}

/* A deterministic, irregular sample value (a small LCG). */
static unsigned char
noise(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (unsigned char)(*seed >> 16);
}

struct size_case {
	int w, h; /* input */
	struct op_resize rz;
	int out_w, out_h, scaled_w, scaled_h, win_x, win_y;
};

#define FIT   RESIZE_FIT
#define FILL  RESIZE_FILL
#define EXACT RESIZE_EXACT
#define L3    FILTER_LANCZOS3

static const struct size_case size_cases[] = {
	{ 2000, 1500, { 800, 800, 0, FIT, L3, 0 }, 800, 600, 800, 600, 0, 0 },
	{ 1500, 2000, { 800, 800, 0, FIT, L3, 0 }, 600, 800, 600, 800, 0, 0 },
	/* never enlarged in fit ... */
	{ 400, 300, { 800, 800, 0, FIT, L3, 0 }, 400, 300, 400, 300, 0, 0 },
	/* ... unless :up */
	{ 400, 300, { 800, 800, 0, FIT, L3, 1 }, 800, 600, 800, 600, 0, 0 },
	/* one side: 1500 * 500 / 2000 = 375; 2000 * 300 / 1500 = 400 */
	{ 2000, 1500, { 500, 0, 0, FIT, L3, 0 }, 500, 375, 500, 375, 0, 0 },
	{ 2000, 1500, { 0, 300, 0, FIT, L3, 0 }, 400, 300, 400, 300, 0, 0 },
	{ 400, 300, { 800, 0, 0, FIT, L3, 0 }, 400, 300, 400, 300, 0, 0 },
	{ 400, 300, { 800, 0, 0, FIT, L3, 1 }, 800, 600, 800, 600, 0, 0 },
	{ 2000, 1500, { 100, 100, 0, EXACT, L3, 0 }, 100, 100, 100, 100, 0, 0 },
	/* fill: 2000 * 100 / 1500 = 133.3 -> 133 wide, (133 - 100) / 2 = 16 */
	{ 2000, 1500, { 100, 100, 0, FILL, L3, 0 }, 100, 100, 133, 100, 16, 0 },
	/* fill: 0.3 covers: 300 x 900, (900 - 200) / 2 = 350 */
	{ 1000,
	  3000,
	  { 300, 200, 0, FILL, L3, 0 },
	  300,
	  200,
	  300,
	  900,
	  0,
	  350 },
	/* percent: round(1000.5), round(500.5) (halves up) */
	{ 2001, 1001, { 0, 0, 50, FIT, L3, 0 }, 1001, 501, 1001, 501, 0, 0 },
	{ 3, 3, { 0, 0, 10, FIT, L3, 0 }, 1, 1, 1, 1, 0, 0 },
	/* 3 * 10 / 1000 = 0.03, but never less than one pixel */
	{ 3, 1000, { 10, 10, 0, FIT, L3, 0 }, 1, 10, 1, 10, 0, 0 },
};

static void
test_resize_output_sizes(void **state)
{
	struct op big = resize_op(10000, 10000, RESIZE_FIT, L3, 1);
	struct op turn = { .kind = OP_ROTATE, .u.degrees = 90 };
	struct op_resolved r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]); i++) {
		const struct size_case *c = &size_cases[i];
		struct op op = { .kind = OP_RESIZE, .u.resize = c->rz };

		assert_int_equal(resolve(&op, c->w, c->h, &r), 0);
		assert_int_equal(r.in_w, c->w);
		assert_int_equal(r.in_h, c->h);
		assert_int_equal(r.out_w, c->out_w);
		assert_int_equal(r.out_h, c->out_h);
		assert_int_equal(r.scaled_w, c->scaled_w);
		assert_int_equal(r.scaled_h, c->scaled_h);
		assert_int_equal(r.win_x, c->win_x);
		assert_int_equal(r.win_y, c->win_y);
	}
	/* A quarter turn swaps the sides. */
	assert_int_equal(resolve(&turn, 20, 10, &r), 0);
	assert_int_equal(r.out_w, 10);
	assert_int_equal(r.out_h, 20);
	{
		struct spec spec = { &big, 1 };
		struct imgpipe_error err;

		assert_int_equal(
			ops_resolve(&spec, 100, 100, 1000000, &r, &err),
			IMGPIPE_ELIMIT);
		assert_non_null(strstr(err.msg, "max-pixels"));
	}
}

static void
test_resize_box_block_means(void **state)
{
	struct op op = resize_op(4, 3, RESIZE_EXACT, FILTER_BOX, 0);
	struct image a, b;
	unsigned seed = 7;
	int x, y, c, ch, i, j, sum;

	(void)state;
	image_init(&a);
	image_init(&b);
	for (ch = 1; ch <= 3; ch += 2) {
		assert_int_equal(
			image_alloc(&a, 16, 12, ch, PIXFMT_U8, 0, NULL), 0);
		for (y = 0; y < 12; y++)
			for (x = 0; x < 16 * ch; x++)
				image_row(&a, y)[x] = noise(&seed);
		run(&op, 16, 12, &a, &b);
		for (y = 0; y < 3; y++)
			for (x = 0; x < 4; x++)
				for (c = 0; c < ch; c++) {
					sum = 0;
					for (j = 0; j < 4; j++)
						for (i = 0; i < 4; i++)
							sum += image_row(
								&a, 4 * y + j)
								[(4 * x + i) *
									 ch +
								 c];
					/* The mean, halves rounded up. */
					assert_int_equal(
						image_row(&b, y)[x * ch + c],
						(sum + 8) / 16);
				}
	}
	image_release(&a);
	image_release(&b);
}

static void
test_resize_constant_stays_constant(void **state)
{
	static const int sizes[][2] = { { 10, 7 },  { 5, 3 },	{ 1, 1 },
					{ 36, 23 }, { 80, 50 }, { 111, 69 } };
	static const unsigned char values[] = { 0, 1, 128, 254, 255 };
	struct image a, b;
	size_t s, v;
	int f, ch, y, x;

	(void)state;
	image_init(&a);
	image_init(&b);
	for (f = 0; f < FILTER_COUNT; f++)
		for (ch = 1; ch <= 4; ch++)
			for (v = 0; v < sizeof(values); v++)
				for (s = 0;
				     s < sizeof(sizes) / sizeof(sizes[0]);
				     s++) {
					struct op op = resize_op(
						sizes[s][0], sizes[s][1],
						RESIZE_EXACT,
						(enum filter_kind)f, 0);

					test_fill(&a, 37, 23, ch, values[v]);
					run(&op, 37, 23, &a, &b);
					for (y = 0; y < b.h; y++)
						for (x = 0; x < b.w * ch; x++)
							assert_int_equal(
								image_row(&b,
									  y)[x],
								values[v]);
				}
	image_release(&a);
	image_release(&b);
}

/* 64x64 one-pixel checkerboard of 0 and 255, shrunk 4x with filter f. */
static void
checker_shrink(enum filter_kind f, struct image *b)
{
	struct op op = resize_op(16, 16, RESIZE_FIT, f, 0);
	struct image a;
	int x, y;

	image_init(&a);
	assert_int_equal(image_alloc(&a, 64, 64, 1, PIXFMT_U8, 0, NULL), 0);
	for (y = 0; y < 64; y++)
		for (x = 0; x < 64; x++)
			image_row(&a, y)[x] = (x + y) % 2 ? 255 : 0;
	run(&op, 64, 64, &a, b);
	image_release(&a);
}

static void
test_resize_no_aliasing(void **state)
{
	static const enum filter_kind smooth[] = { FILTER_LANCZOS3, FILTER_BOX,
						   FILTER_BILINEAR,
						   FILTER_BICUBIC,
						   FILTER_MITCHELL };
	struct image b;
	size_t i;
	int x, y;
	double far = 0.0;

	(void)state;
	image_init(&b);
	for (i = 0; i < sizeof(smooth) / sizeof(smooth[0]); i++) {
		checker_shrink(smooth[i], &b);
		for (y = 0; y < 16; y++)
			for (x = 0; x < 16; x++)
				assert_near(image_row(&b, y)[x], 127.5, 2.0);
	}
	/* Point sampling aliases: the test above can fail. */
	checker_shrink(FILTER_NEAREST, &b);
	for (y = 0; y < 16; y++)
		for (x = 0; x < 16; x++)
			far = fmax(far, fabs(image_row(&b, y)[x] - 127.5));
	assert_true(far > 100.0);
	image_release(&b);
}

/*
 * Left half opaque red, right half transparent green: no green may show.
 * A wide and a tall shape, so both pass orders of resize.c are used.
 */
static void
alpha_no_green(int w, int h, int ow, int oh)
{
	struct image a, b;
	int f, x, y, seen = 0;

	image_init(&a);
	image_init(&b);
	assert_int_equal(image_alloc(&a, w, h, 4, PIXFMT_U8, 0, NULL), 0);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			unsigned char *p = image_row(&a, y) + 4 * x;

			p[0] = x < w / 2 ? 255 : 0;
			p[1] = x < w / 2 ? 0 : 255;
			p[2] = 0;
			p[3] = x < w / 2 ? 255 : 0;
		}
	for (f = 0; f < FILTER_COUNT; f++) {
		struct op op =
			resize_op(ow, oh, RESIZE_EXACT, (enum filter_kind)f, 0);

		run(&op, w, h, &a, &b);
		for (y = 0; y < oh; y++)
			for (x = 0; x < ow; x++) {
				const unsigned char *p =
					image_row(&b, y) + 4 * x;

				if (p[3] == 0) {
					assert_int_equal(p[0], 0);
					continue;
				}
				seen++;
				assert_int_equal(p[1], 0);
				assert_true(p[0] >= 250);
			}
	}
	assert_true(seen > 0);
	image_release(&a);
	image_release(&b);
}

static void
test_resize_alpha_bleeds_no_colour(void **state)
{
	(void)state;
	alpha_no_green(24, 9, 8, 3);
	alpha_no_green(24, 90, 8, 3);
}

/* Grey + alpha: the transparent side's white must not lighten the black. */
static void
test_resize_alpha_grey(void **state)
{
	struct op op = resize_op(5, 2, RESIZE_EXACT, FILTER_MITCHELL, 0);
	struct image a, b;
	int x, y;

	(void)state;
	image_init(&a);
	image_init(&b);
	assert_int_equal(image_alloc(&a, 15, 6, 2, PIXFMT_U8, 0, NULL), 0);
	for (y = 0; y < 6; y++)
		for (x = 0; x < 15; x++) {
			image_row(&a, y)[2 * x] = x < 8 ? 0 : 255;
			image_row(&a, y)[2 * x + 1] = x < 8 ? 255 : 0;
		}
	run(&op, 15, 6, &a, &b);
	for (y = 0; y < 2; y++)
		for (x = 0; x < 5; x++)
			assert_int_equal(image_row(&b, y)[2 * x], 0);
	assert_true(image_row(&b, 0)[1] == 255 && image_row(&b, 0)[9] == 0);
	image_release(&a);
	image_release(&b);
}

static void
test_resize_bilinear_upscale(void **state)
{
	/*
	 * 2 -> 4: output centres fall at source -0.25, 0.25, 0.75, 1.25;
	 * tent weights give 0, 0.25 * 255, 0.75 * 255, 255 (edges clamped).
	 */
	static const unsigned char want[] = { 0, 64, 191, 255 };
	struct op op = resize_op(4, 1, RESIZE_EXACT, FILTER_BILINEAR, 0);
	struct image a, b;
	int x;

	(void)state;
	image_init(&a);
	image_init(&b);
	test_impulse(&a, 2, 1, 1, 0);
	run(&op, 2, 1, &a, &b);
	for (x = 0; x < 4; x++)
		assert_int_equal(image_row(&b, 0)[x], want[x]);
	image_release(&a);
	image_release(&b);
}

static void
test_resize_weights_normalised(void **state)
{
	struct resize_weights rw;
	double sum;
	int f, i, k;

	(void)state;
	resize_weights_init(&rw);
	for (f = 0; f < FILTER_COUNT; f++) {
		assert_int_equal(resize_weights_filter(&rw, (enum filter_kind)f,
						       2000, 800, 0, 800),
				 0);
		for (i = 0; i < rw.n; i++) {
			sum = 0.0;
			for (k = 0; k < rw.count[i]; k++)
				sum += rw.w[(size_t)i * rw.taps + k];
			assert_near(sum, 1.0, 1e-5);
			assert_true(rw.first[i] >= 0);
			assert_true(rw.first[i] + rw.count[i] <= 2000);
		}
	}
	/* Lanczos3 at 2.5x shrink reads about 2 * 3 * 2.5 = 15 pixels. */
	assert_true(rw.count[400] >= 14 && rw.count[400] <= 16);
	resize_weights_release(&rw);
}

/*
 * Every output away from the edges carries exactly the kernel's weights at
 * its own phase, also where the table reuses an earlier output's row.
 */
static void
test_resize_weights_periodic(void **state)
{
	static const int sizes[][2] = {
		{ 2000, 800 }, { 1600, 800 }, { 1000, 300 }, { 300, 1000 }
	};
	static const enum filter_kind fk[] = { L3, FILTER_BICUBIC };
	struct resize_weights rw;
	double scale, fs, r, sp, sum;
	size_t i, f;
	int o, j, lo, hi;

	(void)state;
	resize_weights_init(&rw);
	for (f = 0; f < 2; f++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			const struct filter_desc *fd = filter_get(fk[f]);

			assert_int_equal(resize_weights_filter(
						 &rw, fk[f], sizes[i][0],
						 sizes[i][1], 0, sizes[i][1]),
					 0);
			scale = (double)sizes[i][1] / sizes[i][0];
			fs = scale < 1.0 ? scale : 1.0;
			r = fd->support / fs;
			for (o = 0; o < rw.n; o++) {
				sp = (o + 0.5) / scale - 0.5;
				lo = (int)ceil(sp - r);
				hi = (int)floor(sp + r);
				if (lo < 0 || hi >= sizes[i][0])
					continue;
				sum = 0.0;
				for (j = lo; j <= hi; j++)
					sum += fd->kernel(
						(float)((j - sp) * fs));
				for (j = 0; j < rw.count[o]; j++)
					assert_near(
						rw.w[(size_t)o * rw.taps + j],
						fd->kernel(
							(float)((rw.first[o] +
								 j - sp) *
								fs)) /
							sum,
						1e-5);
			}
		}
	resize_weights_release(&rw);
}

/*
 * The decoder shrank 2000x1000 by 4 on load: fill 300x300 must still give
 * 300x300, keeping the centre of the scaled 600x300 image.  The source's
 * outer quarters are 0 and 255, its middle half 128, so the window is flat
 * 128 away from its sides.
 */
static void
test_resize_shrunk_on_load(void **state)
{
	struct op fit = resize_op(800, 800, RESIZE_FIT, L3, 0);
	struct op fillop = resize_op(300, 300, RESIZE_FILL, L3, 0);
	struct image a, b;
	int x, y;

	(void)state;
	image_init(&a);
	image_init(&b);
	test_fill(&a, 1000, 750, 3, 90);
	run(&fit, 2000, 1500, &a, &b);
	assert_int_equal(b.w, 800);
	assert_int_equal(b.h, 600);
	assert_int_equal(image_row(&b, 300)[1200], 90);
	assert_int_equal(image_alloc(&a, 500, 250, 1, PIXFMT_U8, 0, NULL), 0);
	for (y = 0; y < 250; y++)
		for (x = 0; x < 500; x++)
			image_row(&a, y)[x] = x < 125 ? 0 : x < 375 ? 128 : 255;
	run(&fillop, 2000, 1000, &a, &b);
	assert_int_equal(b.w, 300);
	assert_int_equal(b.h, 300);
	for (y = 0; y < 300; y++)
		for (x = 10; x < 290; x++)
			assert_int_equal(image_row(&b, y)[x], 128);
	/* The sides show the step just outside the window. */
	assert_true(image_row(&b, 150)[0] != 128);
	image_release(&a);
	image_release(&b);
}

/* The SIMD cores under test against resize_cores_plain. */
static const struct resize_cores *simd;

/* Random int16 samples in lo .. hi, with RESIZE_PAD slack after n. */
static int16_t *
rand_i16(size_t n, int lo, int hi, unsigned *seed)
{
	int16_t *v = calloc(n + RESIZE_PAD, sizeof(*v));
	size_t i;

	assert_non_null(v);
	for (i = 0; i < n; i++) {
		*seed = *seed * 1103515245u + 12345u;
		v[i] = (int16_t)(lo +
				 (int)((*seed >> 8) % (unsigned)(hi - lo + 1)));
	}
	return v;
}

/* The vertical cores, both versions, over rows of random samples. */
static void
cores_vertical(const struct resize_weights *rw, unsigned *seed)
{
	enum {
		NS = 203,
		ROWS = 40
	};
	size_t step = 2 * (NS + RESIZE_PAD), n = ROWS * step / 2;
	int16_t *wide = rand_i16(n, -32768, 32767, seed);
	unsigned char *bytes = (unsigned char *)wide;
	int32_t a[NS], b[NS];
	int i, ns;

	for (i = 0; i < rw->n; i += 7)
		for (ns = 1; ns <= NS; ns += 29) {
			if (rw->count[i] > ROWS)
				continue;
			resize_cores_plain.vmac_u8(bytes + 3, step,
						   resize_qv(rw, i),
						   rw->count[i], (size_t)ns, a);
			simd->vmac_u8(bytes + 3, step, resize_qv(rw, i),
				      rw->count[i], (size_t)ns, b);
			assert_memory_equal(a, b, (size_t)ns * sizeof(*a));
			resize_cores_plain.vmac_i16(
				bytes + 2, step, resize_qv(rw, i), rw->count[i],
				(size_t)ns, 1 << 29, a);
			simd->vmac_i16(bytes + 2, step, resize_qv(rw, i),
				       rw->count[i], (size_t)ns, 1 << 29, b);
			assert_memory_equal(a, b, (size_t)ns * sizeof(*a));
		}
	free(wide);
}

/*
 * The horizontal core for 1 .. 4 channels over a padded random row, with
 * the lane blocks of rw built for each (the AVX-512 core's fast path where
 * they fit), over runs of pixels that start on a block and off one.
 */
static void
cores_horizontal(struct resize_weights *rw, int in_n, unsigned *seed)
{
	static const int steps[] = { 64, 37 };
	int32_t a[4 * 64 + 4], b[4 * 64 + 4];
	int ch, i0, i1, k;

	for (ch = 1; ch <= 4; ch++) {
		int16_t *s = rand_i16((size_t)in_n * ch, -32768, 32767, seed);

		assert_int_equal(resize_weights_lanes(rw, ch, RESIZE_PAD), 0);
		for (k = 0; k < 2; k++)
			for (i0 = 0; i0 < rw->n; i0 = i1) {
				i1 = rw->n - i0 < steps[k] ? rw->n
							   : i0 + steps[k];
				resize_cores_plain.hmac(rw, i0, i1, s, ch,
							1 << 29, a);
				simd->hmac(rw, i0, i1, s, ch, 1 << 29, b);
				assert_memory_equal(a, b,
						    (size_t)(i1 - i0) * ch *
							    sizeof(*a));
			}
		free(s);
	}
}

/* Premultiplying and back, both versions, for 2 and 4 channels. */
static void
cores_alpha(unsigned *seed)
{
	enum {
		NPIX = 67
	};
	unsigned char px[4 * NPIX], a8[4 * NPIX], b8[4 * NPIX];
	int16_t a16[4 * NPIX], b16[4 * NPIX];
	int32_t acc[4 * NPIX];
	int ch, i;

	for (i = 0; i < 4 * NPIX; i++) {
		px[i] = noise(seed);
		/* Alpha near 0 and 255 too, and accumulators of any sign. */
		px[i] = i % 5 == 0 ? (unsigned char)(px[i] & 3) : px[i];
		acc[i] = (int32_t)((uint32_t)noise(seed) << 24 |
				   (uint32_t)noise(seed) << 16) >>
			 2;
	}
	for (ch = 2; ch <= 4; ch += 2) {
		resize_cores_plain.widen_alpha(px, a16, NPIX, ch);
		simd->widen_alpha(px, b16, NPIX, ch);
		assert_memory_equal(a16, b16, (size_t)NPIX * ch * 2);
		resize_cores_plain.unpremultiply(acc, a8, NPIX, ch);
		simd->unpremultiply(acc, b8, NPIX, ch);
		assert_memory_equal(a8, b8, (size_t)NPIX * ch);
	}
}

/* Rounding and saturation of the accumulators, both versions. */
static void
cores_finish(unsigned *seed)
{
	enum {
		NS = 77
	};
	int32_t acc[NS];
	int16_t a16[NS], b16[NS];
	unsigned char a8[NS], b8[NS];
	int i, shift;

	for (shift = 1; shift <= 20; shift++) {
		for (i = 0; i < NS; i++) {
			*seed = *seed * 1103515245u + 12345u;
			acc[i] = (int32_t)(*seed ^ (*seed << 13)) >> (i % 9);
		}
		resize_cores_plain.fin_i16(acc, NS, shift, 32768, a16);
		simd->fin_i16(acc, NS, shift, 32768, b16);
		assert_memory_equal(a16, b16, sizeof(a16));
		resize_cores_plain.fin_i16(acc, NS, shift, 0, a16);
		simd->fin_i16(acc, NS, shift, 0, b16);
		assert_memory_equal(a16, b16, sizeof(a16));
		resize_cores_plain.fin_u8(acc, NS, shift, a8);
		simd->fin_u8(acc, NS, shift, b8);
		assert_memory_equal(a8, b8, sizeof(a8));
	}
}

/*
 * The unsharp core, both versions, on every blur value a Gaussian of U8
 * samples gives (0 .. 255 in Q6, as Q14 sums with any rounding bits) for
 * originals dark to bright: so |o - b| meets each threshold exactly and
 * amount 7 meets the rounding edge (7 * 4681 = 32767).  Runs of 83 and 5
 * samples leave vector tails.
 */
static void
cores_unsharp(void)
{
	static const unsigned char os[] = { 0, 1, 74, 128, 200, 255 };
	static const int amounts[] = { 1, 7, 512, 1024, 3000, 20000 };
	static const int thresholds[] = { 0, 1, 64, 640, 4681 };
	static const int32_t low[] = { 0, 8191, 8192, 16383 };
	enum {
		NB = 255 * 64 + 1,
		N = 6 * NB
	};
	int32_t *acc = malloc(N * sizeof(*acc));
	unsigned char *o = malloc(N), *a8 = malloc(N), *b8 = malloc(N);
	size_t i, i1, ka, kt;

	assert_non_null(acc);
	assert_non_null(o);
	assert_non_null(a8);
	assert_non_null(b8);
	for (i = 0; i < N; i++) {
		o[i] = os[i / NB];
		acc[i] = (int32_t)(i % NB) * (1 << 14) + low[i % 4];
	}
	for (ka = 0; ka < sizeof(amounts) / sizeof(amounts[0]); ka++)
		for (kt = 0; kt < sizeof(thresholds) / sizeof(thresholds[0]);
		     kt++) {
			for (i = 0; i < N; i = i1) {
				i1 = i + (i % 2 ? 5 : 83);
				i1 = i1 < N ? i1 : N;
				resize_cores_plain.unsharp(
					acc + i, o + i, a8 + i, i1 - i,
					amounts[ka], thresholds[kt]);
				simd->unsharp(acc + i, o + i, b8 + i, i1 - i,
					      amounts[ka], thresholds[kt]);
			}
			assert_memory_equal(a8, b8, N);
		}
	free(acc);
	free(o);
	free(a8);
	free(b8);
}

/* Weights q[0 .. taps) in rw->qv's layout, zero padded to 4 * QV_TAPS. */
enum {
	QV_TAPS = 48
};

static void
make_qv(const int16_t *q, int taps, int16_t *qv)
{
	int k, j;

	for (k = 0; k < 4 * QV_TAPS; k++) {
		j = (k / 8) * 2 + (k & 1);
		qv[k] = j < taps ? q[j] : 0;
	}
}

/*
 * The folded core: a symmetric kernel of any sign, radius 1 .. 20, gives
 * vmac_u8's sums in plain C (the folding is exact) and in SIMD, on U8
 * rows of every value, for sample counts that leave vector tails.
 */
static void
cores_fold(unsigned *seed)
{
	enum {
		NS = 203,
		R = 20,
		ROWS = 2 * R + 1
	};
	size_t step = NS + 5;
	int16_t *bytes16 = rand_i16(ROWS * step / 2 + 1, -32768, 32767, seed);
	const unsigned char *rows = (const unsigned char *)bytes16;
	_Alignas(16) int16_t qv[4 * QV_TAPS];
	int16_t q[ROWS];
	int32_t a[NS], b[NS], c[NS];
	int r, k, ns;

	for (r = 1; r <= R; r++) {
		for (k = 0; k <= r; k++) {
			*seed = *seed * 1103515245u + 12345u;
			q[k] = q[2 * r - k] =
				(int16_t)((int)((*seed >> 8) % 32768u) - 16384);
		}
		make_qv(q, 2 * r + 1, qv);
		for (ns = 1; ns <= NS; ns += 29) {
			resize_cores_plain.vmac_u8(rows + 1, step, qv,
						   2 * r + 1, (size_t)ns, a);
			resize_cores_plain.vfold_u8(rows + 1, step, qv, r,
						    (size_t)ns, b);
			simd->vfold_u8(rows + 1, step, qv, r, (size_t)ns, c);
			assert_memory_equal(a, b, (size_t)ns * sizeof(*a));
			assert_memory_equal(a, c, (size_t)ns * sizeof(*a));
		}
	}
	free(bytes16);
}

/*
 * The U8 vertical core on weights of every int16 value, not only the
 * filters' (the largest, and 32639, the most a split into two signed bytes
 * would hold), tap counts 1 .. 12.
 */
static void
cores_u8_weights(unsigned *seed)
{
	enum {
		NS = 131,
		ROWS = 12
	};
	size_t step = NS + 64;
	int16_t *bytes16 = rand_i16(ROWS * step / 2 + 1, -32768, 32767, seed);
	const unsigned char *rows = (const unsigned char *)bytes16 + 1;
	_Alignas(16) int16_t qv[4 * QV_TAPS];
	int16_t q[ROWS];
	int32_t a[NS], b[NS];
	int taps, k, round;

	for (round = 0; round < 8; round++)
		for (taps = 1; taps <= ROWS; taps++) {
			for (k = 0; k < taps; k++) {
				*seed = *seed * 1103515245u + 12345u;
				q[k] = (int16_t)(round & 1 ? (int)(*seed >> 16) - 32768
							   : (int)((*seed >> 8) % 4001u) - 2000);
			}
			if (round == 2)
				q[taps - 1] = 32767;
			if (round == 4)
				q[0] = 32639;
			make_qv(q, taps, qv);
			resize_cores_plain.vmac_u8(rows, step, qv, taps, NS, a);
			simd->vmac_u8(rows, step, qv, taps, NS, b);
			assert_memory_equal(a, b, sizeof(a));
		}
	free(bytes16);
}

/* fin_pair is fin_i16 of each of its two rows, interleaved. */
static void
cores_fin_pair(const struct resize_cores *set, unsigned *seed)
{
	enum {
		NS = 77
	};
	int32_t acc[NS], acc2[NS];
	int16_t x[NS], y[NS], want[2 * NS], got[2 * NS];
	int i, shift, bias;

	for (shift = 1; shift <= 20; shift++)
		for (bias = 0; bias <= 32768; bias += 32768) {
			/* Within +-2^30: the rounding add of a sum never wraps. */
			for (i = 0; i < NS; i++) {
				*seed = *seed * 1103515245u + 12345u;
				acc[i] = (int32_t)(*seed ^ (*seed << 13)) >>
					 (1 + i % 9);
				acc2[i] = (int32_t)(*seed * 2654435761u) >>
					  (1 + i % 7);
			}
			resize_cores_plain.fin_i16(acc, NS, shift, bias, x);
			resize_cores_plain.fin_i16(acc2, NS, shift, bias, y);
			for (i = 0; i < NS; i++) {
				want[2 * i] = x[i];
				want[2 * i + 1] = y[i];
			}
			set->fin_pair(acc, acc2, NS, shift, bias, got);
			assert_memory_equal(want, got, sizeof(want));
		}
}

/*
 * The pair-row core: its sums over rows interleaved in pairs are
 * vmac_i16's over the same rows apart, for one weight set and for two at
 * once, odd and even tap counts, on int16 rows of every value.
 */
static void
cores_pair(const struct resize_cores *set, unsigned *seed)
{
	enum {
		NS = 203,
		ROWS = 42
	};
	size_t step = 2 * (NS + RESIZE_PAD), n = ROWS * step / 2;
	size_t pstep = 2 * (2 * NS + RESIZE_PAD), m, i;
	int16_t *wide = rand_i16(n, -32768, 32767, seed);
	int16_t *pairs = calloc(ROWS / 2 * pstep / 2 + 2, sizeof(*pairs));
	/* One pair in, so the loads are not aligned. */
	const unsigned char *prow = (const unsigned char *)(pairs + 2);
	_Alignas(16) int16_t qv[4 * QV_TAPS], qv2[4 * QV_TAPS];
	int16_t q[ROWS + 2] = { 0 }, q2[ROWS + 2] = { 0 };
	int32_t a[NS], b[NS], c[NS], d[NS];
	int taps, k, ns;

	assert_non_null(pairs);
	for (m = 0; m < ROWS / 2; m++)
		for (i = 0; i < NS; i++) {
			pairs[2 + m * pstep / 2 + 2 * i] =
				wide[2 * m * step / 2 + i];
			pairs[2 + m * pstep / 2 + 2 * i + 1] =
				wide[(2 * m + 1) * step / 2 + i];
		}
	for (taps = 1; taps <= ROWS; taps++) {
		/* Small weights, so no sum of 42 full-range samples wraps. */
		for (k = 0; k < taps; k++) {
			*seed = *seed * 1103515245u + 12345u;
			q[k] = (int16_t)((int)((*seed >> 8) % 2001u) - 1000);
			q2[k] = (int16_t)((int)((*seed >> 20) % 2001u) - 1000);
		}
		make_qv(q, taps, qv);
		make_qv(q2, taps, qv2);
		for (ns = 1; ns <= NS; ns += 29) {
			resize_cores_plain.vmac_i16((const unsigned char *)wide,
						    step, qv, taps, (size_t)ns,
						    1 << 29, a);
			resize_cores_plain.vmac_i16((const unsigned char *)wide,
						    step, qv2, taps, (size_t)ns,
						    1 << 29, b);
			set->pmac_i16(prow, pstep, q, q2, (taps + 1) / 2,
				      (size_t)ns, 1 << 29, c, d);
			assert_memory_equal(a, c, (size_t)ns * sizeof(*a));
			assert_memory_equal(b, d, (size_t)ns * sizeof(*a));
			set->pmac_i16(prow, pstep, q2, NULL, (taps + 1) / 2,
				      (size_t)ns, 1 << 29, c, NULL);
			assert_memory_equal(b, c, (size_t)ns * sizeof(*a));
		}
	}
	free(pairs);
	free(wide);
}

/*
 * The SIMD cores give exactly the plain C cores' results, on weight tables
 * of every filter, shrinking and enlarging, odd and even tap counts, and
 * sample counts that leave vector tails.
 */
static void
cores_agree(void)
{
	static const int sizes[][2] = {
		{ 97, 31 },  { 31, 97 }, { 40, 40 },  { 300, 7 },
		{ 160, 100 }, { 100, 53 }, { 64, 37 }
	};
	struct resize_weights rw;
	unsigned seed = 99;
	size_t s;
	int f;

	resize_weights_init(&rw);
	for (f = 0; f < FILTER_COUNT; f++)
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			assert_int_equal(
				resize_weights_filter(&rw, (enum filter_kind)f,
						      sizes[s][0], sizes[s][1],
						      0, sizes[s][1]),
				0);
			cores_vertical(&rw, &seed);
			cores_horizontal(&rw, sizes[s][0], &seed);
		}
	cores_finish(&seed);
	cores_alpha(&seed);
	cores_unsharp();
	cores_fold(&seed);
	cores_pair(simd, &seed);
	cores_pair(&resize_cores_plain, &seed);
	cores_u8_weights(&seed);
	cores_fin_pair(simd, &seed);
	cores_fin_pair(&resize_cores_plain, &seed);
	resize_weights_release(&rw);
}

/* SSE2 (where built) and AVX2 (where the CPU has it). */
static void
test_resize_cores_agree(void **state)
{
	(void)state;
	simd = &resize_cores_fast;
	cores_agree();
	simd = resize_cores_avx2();
	if (simd != NULL)
		cores_agree();
	else
		print_message("no AVX2 here: only the SSE2 cores checked\n");
}

/* AVX-512 where the CPU has it; skipped (and counted so) where not. */
static void
test_resize_cores_agree_avx512(void **state)
{
	(void)state;
	simd = resize_cores_avx512();
	if (simd == NULL)
		skip();
	cores_agree();
}

/* A smooth but busy test card: gradients, a ring pattern and noise. */
static void
make_card(struct image *im, int w, int h, int ch)
{
	unsigned seed = 5;
	int x, y, c;
	double v;

	assert_int_equal(image_alloc(im, w, h, ch, PIXFMT_U8, 0, NULL), 0);
	for (y = 0; y < h; y++)
		for (x = 0; x < w * ch; x++) {
			c = x % ch;
			v = 128 +
			    100 * sin((x / ch) * (0.05 + 0.03 * c)) *
				    cos(y * 0.07) +
			    (noise(&seed) & 15) - 8;
			image_row(im, y)[x] = (unsigned char)(v < 0	? 0
							      : v > 255 ? 255
									: v);
		}
}

/*
 * Fixed point stays within one level of float maths on the same weights,
 * shrinking (vertical pass first) and enlarging (horizontal first).
 */
static void
test_resize_matches_float(void **state)
{
	static const int cases[][4] = { { 101, 77, 40, 30 },
					{ 40, 30, 101, 77 } };
	struct resize_weights wx, wy;
	struct image a, b;
	double d, worst = 0.0;
	size_t k;
	int x, y, c;

	(void)state;
	image_init(&a);
	image_init(&b);
	resize_weights_init(&wx);
	resize_weights_init(&wy);
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct op op = resize_op(cases[k][2], cases[k][3], RESIZE_EXACT,
					 L3, 1);

		make_card(&a, cases[k][0], cases[k][1], 3);
		run(&op, a.w, a.h, &a, &b);
		assert_int_equal(
			resize_weights_filter(&wx, L3, a.w, b.w, 0, b.w), 0);
		assert_int_equal(
			resize_weights_filter(&wy, L3, a.h, b.h, 0, b.h), 0);
		for (y = 0; y < b.h; y++)
			for (x = 0; x < b.w; x++)
				for (c = 0; c < 3; c++) {
					d = fabs(image_row(&b, y)[x * 3 + c] -
						 test_ref_sample(&wx, &wy, &a,
								 x, y, c));
					worst = fmax(worst, d);
				}
	}
	assert_true(worst <= 1.0);
	resize_weights_release(&wx);
	resize_weights_release(&wy);
	image_release(&a);
	image_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resize_output_sizes),
		cmocka_unit_test(test_resize_box_block_means),
		cmocka_unit_test(test_resize_constant_stays_constant),
		cmocka_unit_test(test_resize_no_aliasing),
		cmocka_unit_test(test_resize_alpha_bleeds_no_colour),
		cmocka_unit_test(test_resize_alpha_grey),
		cmocka_unit_test(test_resize_bilinear_upscale),
		cmocka_unit_test(test_resize_weights_normalised),
		cmocka_unit_test(test_resize_weights_periodic),
		cmocka_unit_test(test_resize_shrunk_on_load),
		cmocka_unit_test(test_resize_cores_agree),
		cmocka_unit_test(test_resize_cores_agree_avx512),
		cmocka_unit_test(test_resize_matches_float),
	};

	return cmocka_run_group_tests_name("resize", tests, NULL, NULL);
}
