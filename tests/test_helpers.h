/*
 * Helpers the unit tests share: a uniform image, an impulse, whether two
 * images are the same, a row hook that counts.  Include after <cmocka.h>.
 */
#ifndef IMGPIPE_TEST_HELPERS_H
#define IMGPIPE_TEST_HELPERS_H

#include <string.h>

#include "image.h"

/* im becomes w x h x ch U8, every sample v; fails the test if it cannot. */
static inline void
fill(struct image *im, int w, int h, int ch, unsigned char v)
{
	int y;

	assert_int_equal(image_alloc(im, w, h, ch, PIXFMT_U8, 0, NULL), 0);
	for (y = 0; y < h; y++)
		memset(image_row(im, y), v, (size_t)w * ch);
}

/* im becomes w x h grey, 0 but for one 255 at (x, y): an impulse. */
static inline void
impulse(struct image *im, int w, int h, int x, int y)
{
	fill(im, w, h, 1, 0);
	image_row(im, y)[x] = 255;
}

/* 1 when a and b have the same size, channels and samples. */
static inline int
same_image(const struct image *a, const struct image *b)
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

/* A hook function (ctx: int *) that counts its calls and lets work go on. */
static inline int
count_calls(void *ctx)
{
	++*(int *)ctx;
	return 0;
}

#endif
