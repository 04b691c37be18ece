/*
 * Micro-benchmark of the resampling, blur and sharpen kernels, single
 * threaded: each case is the median of 15 runs, printed as key=value
 * lines.  Build (after `make BUILD=build/DIR build/DIR/libimgpipe.a`)
 * and run with:
 *
 *   cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude -o build/DIR/kernels \
 *       bench/kernels.c build/DIR/libimgpipe.a -fopenmp -pthread \
 *       $(pkg-config --libs libpng libjpeg libexif libuv) -lm
 *   build/DIR/kernels [SUBSTRING]
 *
 * With an argument, only the cases whose key contains it run.  Each case
 * prints its median wall time (KEY_ms) and median thread CPU time
 * (KEY_cpu_ms), the steadier of the two on a shared machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image.h"
#include "ops.h"
#include "spec.h"

#define RUNS 15

struct bench_case {
	const char *key;
	struct op op;
	int w, h, ch;
};

static double
now_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Smooth gradients plus a little noise, roughly like a photo's statistics. */
static int
make_input(struct image *im, int w, int h, int ch)
{
	unsigned seed = 12345u;
	int x, y, c;

	if (image_alloc(im, w, h, ch, PIXFMT_U8, 0, NULL) != 0)
		return -1;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			for (c = 0; c < ch; c++) {
				unsigned char *p = image_row(im, y) + x * ch;

				seed = seed * 1103515245u + 12345u;
				p[c] = (unsigned char)((x * (c + 1) + y * 2 +
							(int)(seed >> 28)) &
						       0xff);
			}
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median_of(double *t)
{
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	return t[RUNS / 2];
}

/* Median wall and CPU times of op on a w x h x ch input, buffers reused. */
static int
time_case(const struct bench_case *bc, double *wall, double *cpu)
{
	struct spec spec = { (struct op *)&bc->op, 1 };
	struct op_scratch scratch;
	struct op_resolved r;
	struct image src, dst;
	double t[RUNS], c[RUNS], t0, c0;
	int i, rc;

	image_init(&src);
	image_init(&dst);
	op_scratch_init(&scratch);
	rc = make_input(&src, bc->w, bc->h, bc->ch);
	if (rc == 0)
		rc = ops_resolve(&spec, bc->w, bc->h, 0, &r, NULL);
	/* One untimed run first, so buffers are allocated and faulted in. */
	if (rc == 0)
		rc = op_apply(&r, &src, &dst, &scratch, NULL, NULL, 0, NULL);
	for (i = 0; rc == 0 && i < RUNS; i++) {
		t0 = now_ms(CLOCK_MONOTONIC);
		c0 = now_ms(CLOCK_THREAD_CPUTIME_ID);
		rc = op_apply(&r, &src, &dst, &scratch, NULL, NULL, 0, NULL);
		c[i] = now_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
		t[i] = now_ms(CLOCK_MONOTONIC) - t0;
	}
	if (rc == 0) {
		*wall = median_of(t);
		*cpu = median_of(c);
	}
	op_scratch_release(&scratch);
	image_release(&src);
	image_release(&dst);
	return rc;
}

#define RESIZE(w, h)                             \
	{                                        \
		.kind = OP_RESIZE, .u.resize = { \
			w,                       \
			h,                       \
			0,                       \
			RESIZE_EXACT,            \
			FILTER_LANCZOS3,         \
			0                        \
		}                                \
	}

int
main(int argc, char **argv)
{
	static const struct bench_case cases[] = {
		{ "resize_rgb_2000x1500_800x600", RESIZE(800, 600), 2000, 1500,
		  3 },
		{ "resize_rgb_1600x1200_800x600", RESIZE(800, 600), 1600, 1200,
		  3 },
		{ "resize_rgba_1600x1200_800x600", RESIZE(800, 600), 1600, 1200,
		  4 },
		/*
		 * The thumbnail job's resize of a 4 MP photo: decoded at full
		 * size, as 1/2 would leave it under twice the box.
		 */
		{ "resize_rgb_2560x1600_800x500", RESIZE(800, 500), 2560, 1600,
		  3 },
		{ "resize_grey_1600x1200_800x600", RESIZE(800, 600), 1600, 1200,
		  1 },
		{ "resize_greya_1600x1200_800x600", RESIZE(800, 600), 1600,
		  1200, 2 },
		{ "sharpen_rgb_800x600",
		  { .kind = OP_SHARPEN, .u.sharpen = { 0.6, 1.0, 0.0 } },
		  800,
		  600,
		  3 },
		/* The heavy-filter job's blur=4 and sharpen=1 on a photo. */
		{ "blur4_rgb_2560x1600",
		  { .kind = OP_BLUR, .u.value = 4.0 },
		  2560,
		  1600,
		  3 },
		/* 1/16 the pixels: its int16 intermediate stays in cache. */
		{ "blur4_rgb_640x400",
		  { .kind = OP_BLUR, .u.value = 4.0 },
		  640,
		  400,
		  3 },
		{ "sharpen1_rgb_2560x1600",
		  { .kind = OP_SHARPEN, .u.sharpen = { 1.0, 1.0, 0.0 } },
		  2560,
		  1600,
		  3 },
		/* And its resize, after them: no shrink-on-load there. */
		{ "resize_rgb_2560x1600_1600x1000", RESIZE(1600, 1000), 2560,
		  1600, 3 },
		{ "blur4_rgba_1280x800",
		  { .kind = OP_BLUR, .u.value = 4.0 },
		  1280,
		  800,
		  4 },
	};
	size_t i;
	double ms, cpu;

	printf("runs=%d filter=lanczos3 threads=1\n", RUNS);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (argc > 1 && strstr(cases[i].key, argv[1]) == NULL)
			continue;
		if (time_case(&cases[i], &ms, &cpu) != 0) {
			fprintf(stderr, "kernels: %s failed\n", cases[i].key);
			return 1;
		}
		printf("%s_ms=%.3f\n%s_cpu_ms=%.3f\n", cases[i].key, ms,
		       cases[i].key, cpu);
	}
	return 0;
}
