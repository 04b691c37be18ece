/*
 * What every decoder hands back besides pixels: the metadata record, the
 * grey rows of a decode let through with damage, and its warning.  Below
 * the codecs (codec.c, the registry, sits above them).
 */
#include "codec.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "image.h"
#include "util.h"

void
image_meta_init(struct image_meta *m)
{
	memset(m, 0, sizeof(*m));
}

void
image_meta_release(struct image_meta *m)
{
	size_t i;

	free(m->icc);
	free(m->exif);
	free(m->xmp);
	free(m->iptc);
	for (i = 0; i < m->n_texts; i++)
		free(m->texts[i].text);
	free(m->texts);
	image_meta_init(m);
}

unsigned char *
codec_copy_block(const unsigned char *p, size_t n)
{
	unsigned char *c = malloc(n + 1);

	if (c == NULL)
		return NULL;
	/* p may be NULL when n is 0 (libpng's empty texts). */
	if (n > 0)
		memcpy(c, p, n);
	c[n] = 0;
	return c;
}

int
image_meta_add_text(struct image_meta *m, char kind, const char *key,
		    const unsigned char *text, size_t len)
{
	struct meta_text *t;
	size_t total = len, i;

	for (i = 0; i < m->n_texts; i++)
		total += m->texts[i].len;
	if (m->n_texts >= META_TEXTS_MAX_COUNT || total > META_TEXTS_MAX_BYTES)
		return 1;
	/* Room for them all at the first: the array never moves again. */
	if (m->texts == NULL) {
		m->texts = calloc(META_TEXTS_MAX_COUNT, sizeof(*m->texts));
		if (m->texts == NULL)
			return IMGPIPE_ENOMEM;
	}
	t = &m->texts[m->n_texts];
	t->text = codec_copy_block(text, len);
	if (t->text == NULL)
		return IMGPIPE_ENOMEM;
	t->len = len;
	t->kind = kind;
	util_fmt(t->key, sizeof(t->key), "%s", key);
	m->n_texts++;
	return 0;
}

void
codec_fill_missing(struct image *out, int y0)
{
	int alpha = out->channels == 2 || out->channels == 4;
	size_t ss = image_sample_size(out->fmt), at;
	unsigned char *row;
	int y, x;

	/* 16 bits: 0x8080 and 0xffff, which reduce to 128 and 255. */
	for (y = UTIL_MAX(y0, 0); y < out->h; y++) {
		row = image_row(out, y);
		memset(row, 128, (size_t)out->w * (size_t)out->channels * ss);
		for (x = 0; alpha && x < out->w; x++) {
			at = ((size_t)x * out->channels + out->channels - 1) *
			     ss;
			memset(row + at, 255, ss);
		}
	}
}

void
codec_warn(struct imgpipe_error *err, const char *msg)
{
	char copy[IMGPIPE_ERR_MSG_LEN];

	if (err == NULL)
		return;
	util_fmt(copy, sizeof(copy), "%s", msg);
	error_warn(err, "%s", copy);
}
