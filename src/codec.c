/*
 * The codec registry: which codec a file's magic bytes select, and the
 * metadata record that travels with decoded pixels.
 */
#include "codec.h"

#include <stdlib.h>

#include "util.h"

static const struct codec *const codecs[] = { &codec_jpeg, &codec_png };

const struct codec *
codec_sniff(const unsigned char *buf, size_t len)
{
	size_t i;

	if (buf == NULL)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(codecs); i++)
		if (codecs[i]->sniff(buf, len))
			return codecs[i];
	return NULL;
}

const struct codec *
codec_get(enum codec_id id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(codecs); i++)
		if (codecs[i]->id == id)
			return codecs[i];
	return NULL;
}

void
image_meta_init(struct image_meta *m)
{
	m->icc = NULL;
	m->icc_len = 0;
	m->orientation = 1;
}

void
image_meta_release(struct image_meta *m)
{
	free(m->icc);
	image_meta_init(m);
}
