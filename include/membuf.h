/*
 * A growable byte buffer: encoders write into one, and the pipeline writes
 * it to disk, so that file I/O stays outside the CPU stages (coop and --gil
 * treat I/O differently from computation).
 */
#ifndef IMGPIPE_MEMBUF_H
#define IMGPIPE_MEMBUF_H

#include <stddef.h>

struct membuf {
	unsigned char *data;
	size_t len, cap;
};

void membuf_init(struct membuf *b);

/* Drop the contents but keep the allocation for the next image. */
void membuf_reset(struct membuf *b);

/* Append n bytes; returns 0 or IMGPIPE_ENOMEM (b unchanged). */
int membuf_append(struct membuf *b, const void *p, size_t n);

/* Make room for at least n bytes in total; returns 0 or IMGPIPE_ENOMEM. */
int membuf_reserve(struct membuf *b, size_t n);

void membuf_release(struct membuf *b);

#endif
