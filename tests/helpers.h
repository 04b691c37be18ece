/*
 * What several unit tests need, written once: images built in code and
 * compared, the job every pipeline test starts from, and the temporary
 * folders.  Header-only (static inline), so each test binary takes what it
 * uses and the build needs no extra object.  Include it after <cmocka.h>.
 */
#ifndef IMGPIPE_TESTS_HELPERS_H
#define IMGPIPE_TESTS_HELPERS_H

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image.h"
#include "pipeline.h"
#include "resize_weights.h"

/* A whole file read into memory (test data); free(data) when done. */
struct blob {
	unsigned char *data;
	size_t len;
};

static inline struct blob
load(const char *path)
{
	struct blob b = { NULL, 0 };
	FILE *f = fopen(path, "rb");
	long n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b.len = (size_t)n;
	b.data = malloc(b.len ? b.len : 1);
	assert_non_null(b.data);
	assert_int_equal(fread(b.data, 1, b.len, f), b.len);
	fclose(f);
	return b;
}

/* Fail unless got is within tol of want. */
static inline void
assert_near(double got, double want, double tol)
{
	if (fabs(got - want) > tol)
		fail_msg("got %.6f, want %.6f (+- %g)", got, want, tol);
}

/* The sample of channel c at (x, y) of a w x h picture. */
typedef unsigned char test_sample_fn(int x, int y, int c, int w, int h,
				     int seed);

/* im = w x h x ch U8, every sample from px(x, y, c, w, h, seed). */
static inline void
test_paint(struct image *im, int w, int h, int ch, test_sample_fn *px, int seed)
{
	int x, y, c;

	assert_int_equal(image_alloc(im, w, h, ch, PIXFMT_U8, 0, NULL), 0);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			for (c = 0; c < ch; c++)
				image_row(im, y)[x * ch + c] =
					px(x, y, c, w, h, seed);
}

/* im = w x h x ch U8, every sample v. */
static inline void
test_fill(struct image *im, int w, int h, int ch, unsigned char v)
{
	int y;

	assert_int_equal(image_alloc(im, w, h, ch, PIXFMT_U8, 0, NULL), 0);
	for (y = 0; y < h; y++)
		memset(image_row(im, y), v, (size_t)w * ch);
}

/* im = w x h grey, 0 but for one 255 at (x, y): an impulse. */
static inline void
test_impulse(struct image *im, int w, int h, int x, int y)
{
	test_fill(im, w, h, 1, 0);
	image_row(im, y)[x] = 255;
}

/* Non-zero when a and b have the same size, channels and samples. */
/*
 * Sample (x, y, c) of a through the weight tables wx and wy (a separable
 * resize or blur) in floating point, rounded nowhere, clamped to 0..255.
 */
static inline double
test_ref_sample(const struct resize_weights *wx,
		const struct resize_weights *wy, const struct image *a, int x,
		int y, int c)
{
	double sum = 0.0, row;
	int j, i;

	for (j = 0; j < wy->count[y]; j++) {
		row = 0.0;
		for (i = 0; i < wx->count[x]; i++)
			row += wx->w[(size_t)x * wx->taps + i] *
			       image_row(a, wy->first[y] + j)
				       [(wx->first[x] + i) * a->channels + c];
		sum += wy->w[(size_t)y * wy->taps + j] * row;
	}
	return sum < 0 ? 0 : sum > 255 ? 255 : sum;
}

static inline int
test_same_image(const struct image *a, const struct image *b)
{
	int y;

	if (a->w != b->w || a->h != b->h || a->channels != b->channels)
		return 0;
	for (y = 0; y < a->h; y++)
		if (memcmp(image_row(a, y), image_row(b, y),
			   image_row_bytes(a)) != 0)
			return 0;
	return 1;
}

/* PSNR of b against a in dB (99 when equal); their sizes must match. */
static inline double
test_psnr(const struct image *a, const struct image *b)
{
	double se = 0, d;
	size_t i, n = image_row_bytes(a);
	int y;

	assert_int_equal(a->w, b->w);
	assert_int_equal(a->h, b->h);
	assert_int_equal(a->channels, b->channels);
	for (y = 0; y < a->h; y++)
		for (i = 0; i < n; i++) {
			d = (double)image_row(a, y)[i] - image_row(b, y)[i];
			se += d * d;
		}
	se /= (double)n * a->h;
	return se == 0 ? 99.0 : 10.0 * log10(255.0 * 255.0 / se);
}

/*
 * The job of the README's defaults for spec (format same, PNG level 6,
 * white background, auto-orient, shrink-on-load, 100 MP) at quality.
 */
static inline void
test_job_init(struct job *job, const struct spec *spec, int quality)
{
	memset(job, 0, sizeof(*job));
	job->spec = spec;
	job->format = OUT_SAME;
	job->enc.quality = quality;
	job->enc.png_level = 6;
	memset(job->background, 255, 3);
	job->auto_orient = 1;
	job->shrink_on_load = 1;
	job->keep = META_ALL;
	job->colour.intent = COLOUR_INTENT_RELATIVE;
	job->max_pixels = 100000000;
}

/* A row hook (hook_fn) that counts its calls in the int at ctx. */
static inline int
test_count_calls(void *ctx)
{
	++*(int *)ctx;
	return 0;
}

/* Write text to root/rel, making its folders (fake /sys and /proc trees). */
static inline void
test_put_file(const char *root, const char *rel, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			fail_msg("cannot make %s", path);
		*s = '/';
	}
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* Remove dir and everything in it: 0, or -1. */
static inline int
test_remove_tree(const char *dir)
{
	char cmd[300];

	if (snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir) >= (int)sizeof(cmd))
		return -1;
	return system(cmd) == 0 ? 0 : -1;
}

#endif
