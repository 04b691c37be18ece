/* A growable byte buffer that keeps its allocation across images. */
#include "membuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"
#include "error.h"

void
membuf_init(struct membuf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
membuf_reset(struct membuf *b)
{
	b->len = 0;
}

int
membuf_reserve(struct membuf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;
	unsigned char *p;

	if (n <= b->cap)
		return 0;
	while (cap < n) {
		if (cap > SIZE_MAX / 2)
			return IMGPIPE_ENOMEM;
		cap *= 2;
	}
	p = realloc(b->data, cap);
	if (p == NULL)
		return IMGPIPE_ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int
membuf_append(struct membuf *b, const void *p, size_t n)
{
	if (n > SIZE_MAX - b->len)
		return IMGPIPE_ENOMEM;
	if (membuf_reserve(b, b->len + n) != 0)
		return IMGPIPE_ENOMEM;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

void
membuf_release(struct membuf *b)
{
	free(b->data);
	membuf_init(b);
}
