/*
 * The codec registry: which codec a file's magic bytes select.  It sits
 * above the codecs; what they share is in codec_result.c, below them.
 */
#include "codec.h"

#include <stddef.h>

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
