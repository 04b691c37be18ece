/*
 * Magic bytes of the container formats, without their libraries: the
 * codecs use them, and so do the registry's stand-ins for a format this
 * build leaves out, so that such a file is still named for what it is.
 */
#include "codec.h"

#include <string.h>

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* CODEC_AVIF, CODEC_HEIC (a HEIF brand) or CODEC_NONE for one brand. */
static enum codec_id
brand(const unsigned char *b)
{
	static const char *const heif[] = { "heic", "heix", "hevc", "hevx",
					    "heim", "heis", "mif1", "msf1" };
	size_t i;

	if (memcmp(b, "avif", 4) == 0 || memcmp(b, "avis", 4) == 0)
		return CODEC_AVIF;
	for (i = 0; i < sizeof(heif) / sizeof(heif[0]); i++)
		if (memcmp(b, heif[i], 4) == 0)
			return CODEC_HEIC;
	return CODEC_NONE;
}

enum codec_id
codec_sniff_heif(const unsigned char *buf, size_t len)
{
	enum codec_id found = CODEC_NONE, b;
	size_t size, off;

	if (buf == NULL || len < 16 || memcmp(buf + 4, "ftyp", 4) != 0)
		return CODEC_NONE;
	size = be32(buf);
	if (size < 16)
		return CODEC_NONE;
	if (size > len)
		size = len;
	/* The major brand, then (after the minor version) the compatible. */
	for (off = 8; off + 4 <= size; off += off == 8 ? 8 : 4) {
		b = brand(buf + off);
		if (b == CODEC_AVIF)
			return CODEC_AVIF;
		if (b != CODEC_NONE)
			found = b;
	}
	return found;
}

int
codec_sniff_heic(const unsigned char *buf, size_t len)
{
	return codec_sniff_heif(buf, len) == CODEC_HEIC;
}

int
codec_sniff_avif(const unsigned char *buf, size_t len)
{
	return codec_sniff_heif(buf, len) == CODEC_AVIF;
}

int
codec_sniff_webp(const unsigned char *buf, size_t len)
{
	return buf != NULL && len >= 12 && memcmp(buf, "RIFF", 4) == 0 &&
	       memcmp(buf + 8, "WEBP", 4) == 0;
}
