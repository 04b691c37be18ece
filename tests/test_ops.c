/*
 * The non-resampling ops on tiny images built here, each expected pixel
 * worked out by hand from the op's definition; plus the stage runner
 * contract that --split rows relies on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "error.h"
#include "filter.h"
#include "hook.h"
#include "image.h"
#include "ops.h"
#include "resize.h"
#include "spec.h"

#include "helpers.h"

#define MAXP 100000000

/* im = w x h x ch U8 with rows taken from px (packed). */
static void
make(struct image *im, int w, int h, int ch, const unsigned char *px)
{
	int y;

	assert_int_equal(image_alloc(im, w, h, ch, PIXFMT_U8, 0, NULL), 0);
	for (y = 0; y < h; y++)
		memcpy(image_row(im, y), px + (size_t)y * w * ch,
		       (size_t)w * ch);
}

static void
assert_image(const struct image *im, int w, int h, int ch,
	     const unsigned char *px)
{
	int x, y;

	assert_int_equal(im->w, w);
	assert_int_equal(im->h, h);
	assert_int_equal(im->channels, ch);
	for (y = 0; y < h; y++)
		for (x = 0; x < w * ch; x++)
			if (image_row(im, y)[x] != px[(size_t)y * w * ch + x])
				fail_msg("sample %d of row %d: got %d, want %d",
					 x, y, image_row(im, y)[x],
					 px[(size_t)y * w * ch + x]);
}

/* Resolve op for src's size and apply it with the given runner and hook. */
static int
apply_with(const struct op *op, const struct image *src, struct image *dst,
	   const struct stage_runner *runner, struct hook *hook)
{
	struct spec spec = { (struct op *)op, 1 };
	struct op_scratch scratch;
	struct op_resolved r;
	int rc;

	rc = ops_resolve(&spec, src->w, src->h, MAXP, &r, NULL);
	if (rc != 0)
		return rc;
	op_scratch_init(&scratch);
	rc = op_apply(&r, src, dst, &scratch, runner, hook, MAXP, NULL);
	op_scratch_release(&scratch);
	return rc;
}

static void
apply(const struct op *op, const struct image *src, struct image *dst)
{
	assert_int_equal(apply_with(op, src, dst, NULL, NULL), 0);
}

/* A packed picture: w x h pixels of ch samples. */
struct pic {
	int w, h, ch;
	const unsigned char *px;
};

/* op applied to in gives exactly want. */
static void
expect_op(const struct op *op, struct pic in, struct pic want)
{
	struct image a, b;

	image_init(&a);
	image_init(&b);
	make(&a, in.w, in.h, in.ch, in.px);
	apply(op, &a, &b);
	assert_image(&b, want.w, want.h, want.ch, want.px);
	image_release(&a);
	image_release(&b);
}

/* Colour ops worked by hand, on colour and on grey + alpha pictures. */
static const unsigned char inv_in[] = { 10, 20, 30, 40, 0, 255, 128, 255 };
static const unsigned char inv_want[] = { 245, 235, 225, 40, 255, 0, 127, 255 };
static const unsigned char grey_rgb[] = { 255, 0, 0, 0, 255, 0, 0, 0, 255 };
/* round(0.2126 * 255), round(0.7152 * 255), round(0.0722 * 255) */
static const unsigned char grey_want[] = { 54, 182, 18 };
static const unsigned char grey_rgba[] = { 255, 0, 0, 7, 0, 255, 0, 99 };
static const unsigned char grey_want_a[] = { 54, 7, 182, 99 };
static const unsigned char sepia_rgb[] = { 100, 150, 50, 255, 255, 255 };
/* (100, 150, 50): 164.1 146.2 113.85; white: 344.5 306.8 238.94, clamped */
static const unsigned char sepia_want[] = { 164, 146, 114, 255, 255, 239 };
static const unsigned char sepia_ga[] = { 100, 33 };
/* grey 100 is (100, 100, 100): 135.1 120.3 93.7 */
static const unsigned char sepia_want_ga[] = { 135, 120, 94, 33 };

struct colour_case {
	enum op_kind kind;
	struct pic in, want;
};

static const struct colour_case colour_cases[] = {
	{ OP_INVERT, { 2, 1, 4, inv_in }, { 2, 1, 4, inv_want } },
	{ OP_GRAYSCALE, { 3, 1, 3, grey_rgb }, { 3, 1, 1, grey_want } },
	{ OP_GRAYSCALE, { 2, 1, 4, grey_rgba }, { 2, 1, 2, grey_want_a } },
	{ OP_SEPIA, { 2, 1, 3, sepia_rgb }, { 2, 1, 3, sepia_want } },
	{ OP_SEPIA, { 1, 1, 2, sepia_ga }, { 1, 1, 4, sepia_want_ga } },
};

static void
test_ops_colour_by_hand(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(colour_cases) / sizeof(colour_cases[0]); i++) {
		struct op op = { .kind = colour_cases[i].kind };

		expect_op(&op, colour_cases[i].in, colour_cases[i].want);
	}
}

/*
 * Geometry on the 3x2 picture  1 2 3 / 4 5 6  (sample k of a pixel with
 * value v is v + 10 k, so channels stay distinguishable).
 */
struct geom_case {
	struct op op;
	int w, h;
	unsigned char px[6];
};

static const struct geom_case geom_cases[] = {
	{ { .kind = OP_FLIP }, 3, 2, { 4, 5, 6, 1, 2, 3 } },
	{ { .kind = OP_FLOP }, 3, 2, { 3, 2, 1, 6, 5, 4 } },
	{ { .kind = OP_ROTATE, .u.degrees = 90 }, 2, 3, { 4, 1, 5, 2, 6, 3 } },
	{ { .kind = OP_ROTATE, .u.degrees = 180 }, 3, 2, { 6, 5, 4, 3, 2, 1 } },
	{ { .kind = OP_ROTATE, .u.degrees = 270 }, 2, 3, { 3, 6, 2, 5, 1, 4 } },
};

static void
expand(const unsigned char *grey, int n, int ch, unsigned char *out)
{
	int i, c;

	for (i = 0; i < n; i++)
		for (c = 0; c < ch; c++)
			out[i * ch + c] = (unsigned char)(grey[i] + 10 * c);
}

static void
test_ops_geometry(void **state)
{
	static const unsigned char pic[6] = { 1, 2, 3, 4, 5, 6 };
	unsigned char in[24], want[24];
	size_t i;
	int ch;

	(void)state;
	for (i = 0; i < sizeof(geom_cases) / sizeof(geom_cases[0]); i++)
		for (ch = 1; ch <= 4; ch++) {
			const struct geom_case *g = &geom_cases[i];

			expand(pic, 6, ch, in);
			expand(g->px, 6, ch, want);
			expect_op(&g->op, (struct pic){ 3, 2, ch, in },
				  (struct pic){ g->w, g->h, ch, want });
		}
}

static void
test_ops_crop(void **state)
{
	static const unsigned char in[] = { 0, 1, 2,  3,  4,  5,  6,  7,
					    8, 9, 10, 11, 12, 13, 14, 15 };
	static const unsigned char inner[] = { 5, 6, 9, 10 };
	static const unsigned char clipped[] = { 6, 7, 10, 11, 14, 15 };
	struct op op = { .kind = OP_CROP, .u.crop = { 2, 2, 1, 1 } };
	struct spec spec = { &op, 1 };
	struct imgpipe_error err;
	struct op_resolved r;
	struct image a, b;

	(void)state;
	image_init(&a);
	image_init(&b);
	make(&a, 4, 4, 1, in);
	apply(&op, &a, &b);
	assert_image(&b, 2, 2, 1, inner);
	op.u.crop = (struct op_crop){ 10, 10, 2, 1 };
	apply(&op, &a, &b);
	assert_image(&b, 2, 3, 1, clipped);
	op.u.crop = (struct op_crop){ 2, 2, 4, 0 };
	assert_int_equal(ops_resolve(&spec, 4, 4, MAXP, &r, &err),
			 IMGPIPE_ESPEC);
	assert_non_null(strstr(err.msg, "outside the image"));
	image_release(&a);
	image_release(&b);
}

/* Upright 3x2 picture U; stored(o) is how a camera with orientation o saves it.
 */
static unsigned char
upright(int x, int y)
{
	return (unsigned char)(10 * y + x + 1);
}

static unsigned char
stored(int o, int x, int y)
{
	const int w = 3, h = 2;

	switch (o) {
	case 2: return upright(w - 1 - x, y);
	case 3: return upright(w - 1 - x, h - 1 - y);
	case 4: return upright(x, h - 1 - y);
	/* 5..8: row 0 is a visual side, column 0 the visual top or bottom. */
	case 5: return upright(y, x);		      /* left-top */
	case 6: return upright(w - 1 - y, x);	      /* right-top */
	case 7: return upright(w - 1 - y, h - 1 - x); /* right-bottom */
	case 8: return upright(y, h - 1 - x);	      /* left-bottom */
	default: return upright(x, y);
	}
}

static void
test_ops_orientations(void **state)
{
	unsigned char want[6], in[6];
	struct image a, b;
	int o, x, y, sw, sh;

	(void)state;
	image_init(&a);
	image_init(&b);
	for (y = 0; y < 2; y++)
		for (x = 0; x < 3; x++)
			want[y * 3 + x] = upright(x, y);
	for (o = 1; o <= 8; o++) {
		sw = o >= 5 ? 2 : 3;
		sh = o >= 5 ? 3 : 2;
		for (y = 0; y < sh; y++)
			for (x = 0; x < sw; x++)
				in[y * sw + x] = stored(o, x, y);
		make(&a, sw, sh, 1, in);
		if (o == 1) {
			assert_int_equal(
				ops_orient(o, &a, &b, NULL, NULL, MAXP, NULL),
				1);
			continue;
		}
		assert_int_equal(ops_orient(o, &a, &b, NULL, NULL, MAXP, NULL),
				 0);
		assert_image(&b, 3, 2, 1, want);
	}
	image_release(&a);
	image_release(&b);
}

/* Pointwise ops on the grey samples 0 64 100 200 255, by hand. */
struct point_case {
	enum op_kind kind;
	double value;
	unsigned char want[5];
};

static const struct point_case point_cases[] = {
	/* v + 2.55 B */
	{ OP_BRIGHTNESS, 20, { 51, 115, 151, 251, 255 } },
	{ OP_BRIGHTNESS, -100, { 0, 0, 0, 0, 0 } },
	/* (v - 127.5) * 1.5 + 127.5: -63.75 32.25 86.25 236.25 318.75 */
	{ OP_CONTRAST, 50, { 0, 32, 86, 236, 255 } },
	/* everything to 127.5, rounded half up */
	{ OP_CONTRAST, -100, { 128, 128, 128, 128, 128 } },
	/* 255 sqrt(v / 255): 0 127.75 159.69 225.88 255 */
	{ OP_GAMMA, 2, { 0, 128, 160, 226, 255 } },
	/* 255 (v / 255)^2: 0 16.06 39.22 156.86 255 */
	{ OP_GAMMA, 0.5, { 0, 16, 39, 157, 255 } },
	{ OP_INVERT, 0, { 255, 191, 155, 55, 0 } },
};

static void
test_ops_pointwise(void **state)
{
	static const unsigned char grey[] = { 0, 64, 100, 200, 255 };
	unsigned char in[20], want[20];
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(point_cases) / sizeof(point_cases[0]); i++) {
		struct op op = { .kind = point_cases[i].kind };

		op.u.value = point_cases[i].value;
		expect_op(&op, (struct pic){ 5, 1, 1, grey },
			  (struct pic){ 5, 1, 1, point_cases[i].want });
		/* RGBA: every colour channel the same, alpha untouched. */
		for (k = 0; k < 5; k++) {
			memset(in + 4 * k, grey[k], 3);
			memset(want + 4 * k, point_cases[i].want[k], 3);
			in[4 * k + 3] = want[4 * k + 3] =
				(unsigned char)(k + 1);
		}
		expect_op(&op, (struct pic){ 5, 1, 4, in },
			  (struct pic){ 5, 1, 4, want });
	}
}

static void
test_ops_flatten(void **state)
{
	static const unsigned char white[3] = { 255, 255, 255 };
	static const unsigned char green[3] = { 0, 255, 10 };
	static const unsigned char ga[] = { 100, 128, 9, 0, 9, 255 };
	/* (100 128 + 255 127 + 127) / 255 = 177; a = 0 -> bg; a = 255 -> c */
	static const unsigned char want_g[] = { 177, 255, 9 };
	/* onto (0, 255, 10): (12800 + 127) / 255, 177, (12800 + 1270 + 127) /
	 * 255 */
	static const unsigned char want_rgb[] = { 50, 177, 55 };
	static const unsigned char rgba[] = { 200, 50, 0, 51 };
	static const unsigned char want_rgba[] = { 40, 214, 8 };
	struct image a, b;

	(void)state;
	image_init(&a);
	image_init(&b);
	make(&a, 3, 1, 2, ga);
	assert_int_equal(ops_flatten(&a, white, &b, NULL, NULL, NULL), 0);
	assert_image(&b, 3, 1, 1, want_g);
	make(&a, 1, 1, 2, ga);
	assert_int_equal(ops_flatten(&a, green, &b, NULL, NULL, NULL), 0);
	assert_image(&b, 1, 1, 3, want_rgb);
	make(&a, 1, 1, 4, rgba);
	assert_int_equal(ops_flatten(&a, green, &b, NULL, NULL, NULL), 0);
	assert_image(&b, 1, 1, 3, want_rgba);
	make(&a, 1, 1, 3, rgba);
	assert_int_equal(ops_flatten(&a, green, &b, NULL, NULL, NULL), 1);
	image_release(&a);
	image_release(&b);
}

static void
test_ops_gaussian_weights(void **state)
{
	static const double sigmas[] = { 0.1, 0.5, 1.0, 2.3, 10.0 };
	static const int radii[] = { 1, 2, 3, 7, 30 };
	float w[2 * 30 + 1];
	double sum;
	size_t i;
	int k, r;

	(void)state;
	for (i = 0; i < sizeof(sigmas) / sizeof(sigmas[0]); i++) {
		r = filter_gaussian_radius(sigmas[i]);
		assert_int_equal(r, radii[i]);
		filter_gaussian(sigmas[i], w);
		sum = 0.0;
		for (k = 0; k <= 2 * r; k++) {
			sum += w[k];
			assert_near(w[k], w[2 * r - k], 1e-7);
			if (k < r)
				assert_true(w[k] <= w[k + 1]);
		}
		assert_near(sum, 1.0, 1e-5);
	}
}

static void
test_ops_blur_impulse(void **state)
{
	struct op op = { .kind = OP_BLUR, .u.value = 1.5 };
	struct resize_weights rw;
	struct image a, b;
	float k[2 * 5 + 1];
	int x, y, sum = 0, i;
	double wsum;

	(void)state;
	image_init(&a);
	image_init(&b);
	test_impulse(&a, 21, 21, 10, 10);
	apply(&op, &a, &b);
	for (y = 0; y < 21; y++)
		for (x = 0; x < 21; x++) {
			sum += image_row(&b, y)[x];
			assert_int_equal(image_row(&b, y)[x],
					 image_row(&b, y)[20 - x]);
			assert_int_equal(image_row(&b, y)[x],
					 image_row(&b, 20 - y)[x]);
		}
	assert_true(image_row(&b, 10)[10] > image_row(&b, 10)[11]);
	assert_near(sum, 255, 12);
	/* Exactly: every row of the edge-repeating table sums to 1. */
	filter_gaussian(1.5, k);
	resize_weights_init(&rw);
	assert_int_equal(resize_weights_kernel(&rw, k, 5, 7), 0);
	for (x = 0; x < 7; x++) {
		wsum = 0.0;
		for (i = 0; i < rw.count[x]; i++)
			wsum += rw.w[x * rw.taps + i];
		assert_near(wsum, 1.0, 1e-5);
		assert_true(rw.first[x] >= 0 && rw.first[x] + rw.count[x] <= 7);
	}
	resize_weights_release(&rw);
	image_release(&a);
	image_release(&b);
}

/*
 * A photo-sized image (1200x2600 RGB: ten bands of the passes' window at
 * 2 MB a window), so that the window slides: every row, at the edges and
 * inside, stays within one level of the float blur, so no band seam shows;
 * and the sharpen is the original plus amount times its difference from
 * that blur, within rounding of both.
 */
static void
test_ops_blur_bands(void **state)
{
	static const int cols[] = { 0, 1, 2, 7, 600, 1197, 1198, 1199 };
	struct op blur = { .kind = OP_BLUR, .u.value = 2.0 };
	struct op sharp = { .kind = OP_SHARPEN, .u.sharpen = { 2.0, 1.0, 0 } };
	struct resize_weights wx, wy;
	struct image a, b, s;
	int r = filter_gaussian_radius(2.0), x, y, c, i;
	float k[2 * 12 + 1];
	double ref, o, worst = 0.0, worst_s = 0.0;

	(void)state;
	assert_true(r <= 12);
	image_init(&a);
	image_init(&b);
	image_init(&s);
	assert_int_equal(image_alloc(&a, 1200, 2600, 3, PIXFMT_U8, 0, NULL), 0);
	for (y = 0; y < a.h; y++)
		for (x = 0; x < a.w * 3; x++)
			image_row(&a, y)[x] = (unsigned char)((x * 7 + y * 13 +
							       (x * y) % 23) &
							      255);
	apply(&blur, &a, &b);
	apply(&sharp, &a, &s);
	filter_gaussian(2.0, k);
	resize_weights_init(&wx);
	resize_weights_init(&wy);
	assert_int_equal(resize_weights_kernel(&wx, k, r, a.w), 0);
	assert_int_equal(resize_weights_kernel(&wy, k, r, a.h), 0);
	for (y = 0; y < a.h; y++)
		for (i = 0; i < (int)(sizeof(cols) / sizeof(cols[0])); i++)
			for (c = 0; c < 3; c++) {
				x = cols[i];
				ref = test_ref_sample(&wx, &wy, &a, x, y, c);
				o = image_row(&a, y)[x * 3 + c];
				worst = fmax(worst,
					     fabs(image_row(&b, y)[x * 3 + c] -
						  ref));
				o = o + 1.0 * (o - ref);
				o = o < 0 ? 0 : o > 255 ? 255 : o;
				worst_s = fmax(
					worst_s,
					fabs(image_row(&s, y)[x * 3 + c] - o));
			}
	assert_true(worst <= 1.0);
	assert_true(worst_s <= 1.5);
	resize_weights_release(&wx);
	resize_weights_release(&wy);
	image_release(&a);
	image_release(&b);
	image_release(&s);
}

/*
 * The widest blur (sigma 100: radius 300) on RGB and opaque RGBA, wider
 * than its kernel and narrower, with an odd number of rows: within one
 * level of the float blur everywhere, alpha kept.  Its edges hold more
 * pixels than one chunk of the row cores' sums.
 */
static void
test_ops_blur_widest(void **state)
{
	static const int sizes[][2] = { { 701, 7 }, { 250, 3 } };
	struct op blur = { .kind = OP_BLUR, .u.value = 100.0 };
	int r = filter_gaussian_radius(100.0), x, y, c, ch, i;
	struct resize_weights wx, wy;
	struct image a, b;
	float *k = malloc((size_t)(2 * r + 1) * sizeof(*k));
	double worst = 0.0;

	(void)state;
	assert_non_null(k);
	filter_gaussian(100.0, k);
	image_init(&a);
	image_init(&b);
	resize_weights_init(&wx);
	resize_weights_init(&wy);
	for (i = 0; i < 2; i++)
		for (ch = 3; ch <= 4; ch++) {
			assert_int_equal(image_alloc(&a, sizes[i][0],
						     sizes[i][1], ch,
						     PIXFMT_U8, 0, NULL),
					 0);
			for (y = 0; y < a.h; y++)
				for (x = 0; x < a.w * ch; x++)
					image_row(&a, y)[x] =
						(unsigned char)(x % ch == 3
									? 255
									: (x * 7 + y * 61 +
									   (x * y) % 23) &
										  255);
			apply(&blur, &a, &b);
			assert_int_equal(resize_weights_kernel(&wx, k, r, a.w),
					 0);
			assert_int_equal(resize_weights_kernel(&wy, k, r, a.h),
					 0);
			for (y = 0; y < a.h; y++)
				for (x = 0; x < a.w; x++)
					for (c = 0; c < ch; c++) {
						double v = image_row(
							&b, y)[x * ch + c];

						if (c == 3) {
							assert_int_equal(v, 255);
							continue;
						}
						worst = fmax(
							worst,
							fabs(v - test_ref_sample(
									 &wx, &wy,
									 &a, x,
									 y, c)));
					}
		}
	assert_true(worst <= 1.0);
	free(k);
	resize_weights_release(&wx);
	resize_weights_release(&wy);
	image_release(&a);
	image_release(&b);
}

/* 8x3 grey: columns 0..3 are lo, 4..7 are hi. */
static void
make_step(struct image *im, int ch, unsigned char lo, unsigned char hi)
{
	int x, y, c;

	assert_int_equal(image_alloc(im, 8, 3, ch, PIXFMT_U8, 0, NULL), 0);
	for (y = 0; y < 3; y++)
		for (x = 0; x < 8; x++)
			for (c = 0; c < ch; c++)
				image_row(im, y)[x * ch + c] =
					(unsigned char)(x < 4 ? lo : hi);
}

static void
test_ops_sharpen(void **state)
{
	struct op op = { .kind = OP_SHARPEN, .u.sharpen = { 1.0, 1.0, 0.0 } };
	struct image a, b;
	int y;

	(void)state;
	image_init(&a);
	image_init(&b);
	test_fill(&a, 9, 7, 3, 77);
	apply(&op, &a, &b);
	assert_true(test_same_image(&a, &b));
	make_step(&a, 1, 50, 200);
	apply(&op, &a, &b);
	for (y = 0; y < 3; y++) {
		assert_true(image_row(&b, y)[3] < 50);
		assert_true(image_row(&b, y)[4] > 200);
		assert_int_equal(image_row(&b, y)[0], 50);
		assert_int_equal(image_row(&b, y)[7], 200);
	}
	/* |o - blur| never reaches the 150 step, so 151 changes nothing. */
	op.u.sharpen.threshold = 151;
	apply(&op, &a, &b);
	assert_true(test_same_image(&a, &b));
	image_release(&a);
	image_release(&b);
}

static void
test_ops_edges(void **state)
{
	struct op op = { .kind = OP_EDGES };
	struct image a, b, zero;
	int x, y;

	(void)state;
	image_init(&a);
	image_init(&b);
	image_init(&zero);
	test_fill(&a, 6, 5, 3, 140);
	test_fill(&zero, 6, 5, 1, 0);
	apply(&op, &a, &b);
	assert_true(test_same_image(&b, &zero));
	make_step(&a, 2, 0, 100);
	apply(&op, &a, &b);
	assert_int_equal(b.channels, 2);
	for (y = 0; y < 3; y++)
		for (x = 0; x < 8; x++) {
			/* The step lies between columns 3 and 4. */
			if (x == 3 || x == 4)
				assert_true(image_row(&b, y)[2 * x] > 0);
			else
				assert_int_equal(image_row(&b, y)[2 * x], 0);
			assert_int_equal(image_row(&b, y)[2 * x + 1],
					 x < 4 ? 0 : 100);
		}
	image_release(&a);
	image_release(&b);
	image_release(&zero);
}

/* Runners that cover the rows in another order than the default. */
static int
run_reverse(void *ctx, const struct stage *st, struct hook *hook)
{
	int band = *(const int *)ctx, y1, y0;

	for (y1 = st->dst->h; y1 > 0; y1 = y0) {
		y0 = y1 - band > 0 ? y1 - band : 0;
		st->rows(st, y0, y1);
	}
	return hook_rows(hook, st->dst->h);
}

static int
run_halves(void *ctx, const struct stage *st, struct hook *hook)
{
	int mid = st->dst->h / 2;

	(void)ctx;
	st->rows(st, mid, st->dst->h);
	if (mid > 0)
		st->rows(st, 0, mid);
	return hook_rows(hook, st->dst->h);
}

/* op on a ch-channel test card: reverse bands and halves = default. */
static void
runner_case(const struct op *op, int ch)
{
	int band = 3;
	struct stage_runner rev = { .run = run_reverse, .ctx = &band };
	struct stage_runner halves = { .run = run_halves };
	struct image a, ref, b;
	int x, y;

	image_init(&a);
	image_init(&ref);
	image_init(&b);
	assert_int_equal(image_alloc(&a, 57, 41, ch, PIXFMT_U8, 0, NULL), 0);
	for (y = 0; y < a.h; y++)
		for (x = 0; x < a.w * ch; x++)
			image_row(&a, y)[x] =
				(unsigned char)(x * 7 + y * 13 + (x * y) % 11);
	apply(op, &a, &ref);
	assert_int_equal(apply_with(op, &a, &b, &rev, NULL), 0);
	assert_true(test_same_image(&ref, &b));
	assert_int_equal(apply_with(op, &a, &b, &halves, NULL), 0);
	assert_true(test_same_image(&ref, &b));
	image_release(&a);
	image_release(&ref);
	image_release(&b);
}

static void
test_ops_runner_identical(void **state)
{
	static const struct op ops[] = {
		{ .kind = OP_SHARPEN, .u.sharpen = { 1.2, 1.5, 2.0 } },
		{ .kind = OP_BLUR, .u.value = 2.0 },
		{ .kind = OP_RESIZE,
		  .u.resize = { 23, 0, 0, RESIZE_FIT, FILTER_LANCZOS3, 0 } },
		{ .kind = OP_RESIZE,
		  .u.resize = { 90, 70, 0, RESIZE_FILL, FILTER_MITCHELL, 0 } },
		{ .kind = OP_ROTATE, .u.degrees = 90 },
		{ .kind = OP_EDGES },
		{ .kind = OP_SEPIA },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		runner_case(&ops[i], 3);
		runner_case(&ops[i], 4);
	}
}

/* op in place on a copy of src, with runner: the same bytes as want. */
static void
in_place_case(const struct op *op, const struct image *src,
	      const struct image *want, const struct stage_runner *runner)
{
	struct spec spec = { (struct op *)op, 1 };
	struct op_scratch scratch;
	struct op_resolved r;
	struct image t;
	int y;

	assert_true(op_in_place(op));
	image_init(&t);
	assert_int_equal(image_alloc(&t, src->w, src->h, src->channels,
				     PIXFMT_U8, 0, NULL),
			 0);
	for (y = 0; y < src->h; y++)
		memcpy(image_row(&t, y), image_row(src, y),
		       image_row_bytes(src));
	assert_int_equal(ops_resolve(&spec, src->w, src->h, MAXP, &r, NULL), 0);
	op_scratch_init(&scratch);
	assert_int_equal(
		op_apply(&r, &t, &t, &scratch, runner, NULL, MAXP, NULL), 0);
	op_scratch_release(&scratch);
	assert_true(test_same_image(want, &t));
	image_release(&t);
}

/*
 * Blur and sharpen in place give the bytes they give into a second image,
 * over several windows (conv_bands), with and without alpha, whatever
 * order a runner makes the rows in.
 */
static void
test_ops_in_place(void **state)
{
	static const struct op ops[] = {
		{ .kind = OP_BLUR, .u.value = 2.0 },
		{ .kind = OP_SHARPEN, .u.sharpen = { 1.5, 1.0, 0 } },
		{ .kind = OP_SHARPEN, .u.sharpen = { 0.8, 2.0, 3.0 } },
	};
	static const int sizes[][3] = { { 1200, 2600, 3 }, { 301, 700, 4 },
					{ 97, 900, 1 } };
	int band = 37;
	struct stage_runner rev = { .run = run_reverse, .ctx = &band };
	struct stage_runner halves = { .run = run_halves };
	struct image a, want;
	size_t i, j;
	int x, y;

	(void)state;
	image_init(&a);
	image_init(&want);
	for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
		assert_int_equal(image_alloc(&a, sizes[j][0], sizes[j][1],
					     sizes[j][2], PIXFMT_U8, 0, NULL),
				 0);
		for (y = 0; y < a.h; y++)
			for (x = 0; x < a.w * a.channels; x++)
				image_row(&a, y)[x] = (unsigned char)((
					x * 7 + y * 13 + (x * y) % 23));
		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
			apply(&ops[i], &a, &want);
			in_place_case(&ops[i], &a, &want, NULL);
			in_place_case(&ops[i], &a, &want, &rev);
			in_place_case(&ops[i], &a, &want, &halves);
		}
	}
	image_release(&a);
	image_release(&want);
}

static int
cancel_now(void *ctx)
{
	int *calls = ctx;

	++*calls;
	return IMGPIPE_ECANCEL;
}

static void
test_ops_hook_cancels(void **state)
{
	struct op op = { .kind = OP_BLUR, .u.value = 1.0 };
	struct hook hook = { cancel_now, NULL, 1, 0 };
	struct image a, b;
	int calls = 0;

	(void)state;
	image_init(&a);
	image_init(&b);
	test_fill(&a, 16, 200, 3, 9);
	hook.ctx = &calls;
	assert_int_equal(apply_with(&op, &a, &b, NULL, &hook), IMGPIPE_ECANCEL);
	/* Stopped at the first call: one band of one row, not the whole op. */
	assert_int_equal(calls, 1);
	hook = (struct hook){ test_count_calls, &calls, 10, 0 };
	calls = 0;
	assert_int_equal(apply_with(&op, &a, &b, NULL, &hook), 0);
	/*
	 * Two passes, reported every 10 rows of each: the first makes its
	 * 200 rows as 100 pair rows, the second 200 rows.
	 */
	assert_int_equal(calls, 30);
	image_release(&a);
	image_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ops_colour_by_hand),
		cmocka_unit_test(test_ops_geometry),
		cmocka_unit_test(test_ops_crop),
		cmocka_unit_test(test_ops_orientations),
		cmocka_unit_test(test_ops_pointwise),
		cmocka_unit_test(test_ops_flatten),
		cmocka_unit_test(test_ops_gaussian_weights),
		cmocka_unit_test(test_ops_blur_impulse),
		cmocka_unit_test(test_ops_blur_bands),
		cmocka_unit_test(test_ops_blur_widest),
		cmocka_unit_test(test_ops_sharpen),
		cmocka_unit_test(test_ops_edges),
		cmocka_unit_test(test_ops_runner_identical),
		cmocka_unit_test(test_ops_in_place),
		cmocka_unit_test(test_ops_hook_cancels),
	};

	return cmocka_run_group_tests_name("ops", tests, NULL, NULL);
}
