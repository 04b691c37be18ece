/*
 * The pixel buffer, and the only place pixels are allocated.  Sizes are
 * checked for overflow and against the caller's pixel limit before any
 * allocation, so a hostile header fails its own image and nothing else.
 */
#ifndef IMGPIPE_IMAGE_H
#define IMGPIPE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct imgpipe_error;

enum pixfmt {
	PIXFMT_U8,  /* one byte a sample, 0..255 */
	PIXFMT_F32, /* one float a sample: intermediate luma of edges */
	PIXFMT_U16  /* uint16_t a sample, host order: a 16-bit PNG until the
		       colour step reduces it (ops never see it) */
};

/*
 * channels: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA; alpha is always last and
 * never premultiplied in a PIXFMT_U8 image.  stride is in bytes.  cap is
 * the size of the allocation behind data, so that a buffer kept by a worker
 * across images is reused without new page faults when it is big enough.
 */
struct image {
	int w, h, channels;
	enum pixfmt fmt;
	size_t stride;
	unsigned char *data;
	size_t cap;
};

/* An empty image that owns nothing. */
void image_init(struct image *im);

/*
 * Bytes per sample of fmt (1, 2 or 4).
 */
size_t image_sample_size(enum pixfmt fmt);

/*
 * Check that a w x h x channels image of fmt is a sane, representable size
 * and has at most max_pixels pixels (0 = no limit).  Returns 0 or
 * IMGPIPE_ELIMIT with "image is WxH, over --max-pixels" (or a size message).
 */
int image_check_size(int w, int h, int channels, enum pixfmt fmt,
		     uint64_t max_pixels, struct imgpipe_error *err);

/*
 * Shape im as w x h x channels of fmt, reusing its allocation when it is big
 * enough, otherwise replacing it.  Pixel contents are undefined afterwards.
 * Returns 0, IMGPIPE_ELIMIT (see image_check_size) or IMGPIPE_ENOMEM; on
 * failure im keeps its old allocation and shape.
 */
int image_alloc(struct image *im, int w, int h, int channels, enum pixfmt fmt,
		uint64_t max_pixels, struct imgpipe_error *err);

/*
 * bytes of memory for pixels, or for a codec's arrays the size of a photo,
 * 64-byte aligned and, from a few MB up, asked for huge pages; NULL when
 * out of memory.  free() releases it.
 */
void *image_buffer_alloc(size_t bytes);

/* Free the pixels and re-initialise; im itself is the caller's. */
void image_release(struct image *im);

/* Exchange two images (shape and buffer): the pipeline's ping-pong. */
void image_swap(struct image *a, struct image *b);

/*
 * *view = rows y .. y + h of im: the same buffer, owning nothing (cap 0),
 * so a stage may read or write a band of im as a whole image.
 */
void image_rows_view(const struct image *im, int y, int h, struct image *view);

/* Bytes of one row's samples (w * channels * sample size), not the stride. */
size_t image_row_bytes(const struct image *im);

static inline unsigned char *
image_row(const struct image *im, int y)
{
	return im->data + (size_t)y * im->stride;
}

#endif
