/*
 * The only pixel allocator.  Every size is checked for overflow and against
 * the pixel limit before malloc, and buffers are reused when big enough.
 */
#define _DEFAULT_SOURCE /* madvise */
#include "image.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "error.h"
#include "util.h"

/* Rows are padded to 64 bytes: whole cache lines, aligned vector loads. */
#define ROW_ALIGN 64

void
image_init(struct image *im)
{
	im->w = im->h = im->channels = 0;
	im->fmt = PIXFMT_U8;
	im->stride = 0;
	im->data = NULL;
	im->cap = 0;
}

size_t
image_sample_size(enum pixfmt fmt)
{
	return fmt == PIXFMT_F32   ? sizeof(float)
	       : fmt == PIXFMT_U16 ? sizeof(uint16_t)
				   : 1;
}

static int
layout(int w, int h, int channels, enum pixfmt fmt, size_t *stride,
       size_t *bytes)
{
	size_t row;

	if (w <= 0 || h <= 0 || channels < 1 || channels > 4)
		return -1;
	if (size_mul3((size_t)w, (size_t)channels, image_sample_size(fmt),
		      &row) != 0 ||
	    row > SIZE_MAX - ROW_ALIGN)
		return -1;
	row = (row + ROW_ALIGN - 1) / ROW_ALIGN * ROW_ALIGN;
	if (size_mul(row, (size_t)h, bytes) != 0)
		return -1;
	*stride = row;
	return 0;
}

int
image_check_size(int w, int h, int channels, enum pixfmt fmt,
		 uint64_t max_pixels, struct imgpipe_error *err)
{
	size_t stride, bytes;

	if (w <= 0 || h <= 0)
		return error_set(err, IMGPIPE_EFORMAT, "image is %dx%d, empty",
				 w, h);
	if (max_pixels != 0 && (uint64_t)w * (uint64_t)h > max_pixels)
		return error_set(err, IMGPIPE_ELIMIT,
				 "image is %dx%d, over --max-pixels", w, h);
	if (layout(w, h, channels, fmt, &stride, &bytes) != 0)
		return error_set(err, IMGPIPE_ELIMIT,
				 "image is %dx%d, too large to address", w, h);
	return 0;
}

/*
 * Buffers of whole photos are asked for huge pages: first touching a 64 MB
 * intermediate costs 16k page faults in 4 KB pages, 32 in 2 MB ones, and
 * the vertical passes walk many rows at once, which the TLB then covers.
 * Only the start is aligned; the unused tail of the last huge page is never
 * touched, so the resident set does not grow.  Where the kernel has no
 * transparent huge pages the advice is ignored.
 */
#define HUGE_PAGE ((size_t)2 << 20)
#define HUGE_MIN  (4 * HUGE_PAGE)

void *
image_buffer_alloc(size_t bytes)
{
	void *p;

	/* aligned_alloc takes whole multiples of the alignment (C11). */
	if (bytes > SIZE_MAX - ROW_ALIGN)
		return NULL;
	bytes = (bytes + ROW_ALIGN - 1) / ROW_ALIGN * ROW_ALIGN;
	if (bytes < HUGE_MIN)
		return aligned_alloc(ROW_ALIGN, bytes);
	if (posix_memalign(&p, HUGE_PAGE, bytes) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, bytes / HUGE_PAGE * HUGE_PAGE, MADV_HUGEPAGE);
#endif
	return p;
}

int
image_alloc(struct image *im, int w, int h, int channels, enum pixfmt fmt,
	    uint64_t max_pixels, struct imgpipe_error *err)
{
	size_t stride, bytes;
	unsigned char *p;
	int rc;

	rc = image_check_size(w, h, channels, fmt, max_pixels, err);
	if (rc != 0)
		return rc;
	layout(w, h, channels, fmt, &stride, &bytes);
	if (bytes > im->cap) {
		/*
		 * free + aligned_alloc rather than realloc: the old contents
		 * are not needed, so copying them would be wasted work.
		 */
		p = image_buffer_alloc(bytes);
		if (p == NULL)
			return error_set(err, IMGPIPE_ENOMEM,
					 "out of memory for a %dx%d image", w,
					 h);
		free(im->data);
		im->data = p;
		im->cap = bytes;
	}
	im->w = w;
	im->h = h;
	im->channels = channels;
	im->fmt = fmt;
	im->stride = stride;
	return 0;
}

void
image_release(struct image *im)
{
	free(im->data);
	image_init(im);
}

void
image_swap(struct image *a, struct image *b)
{
	struct image t = *a;

	*a = *b;
	*b = t;
}

void
image_rows_view(const struct image *im, int y, int h, struct image *view)
{
	*view = *im;
	view->data = im->data + (size_t)y * im->stride;
	view->h = h;
	view->cap = 0;
}

size_t
image_row_bytes(const struct image *im)
{
	return (size_t)im->w * (size_t)im->channels *
	       image_sample_size(im->fmt);
}
