/*
 * The codec registry: which codec a file's magic bytes select.  It sits
 * above the codecs; what they share is in codec_result.c and
 * codec_sniff.c, below them.  A format this build leaves out (HEIF=0,
 * WEBP=0) keeps a stand-in here that knows its magic and says "not built".
 */
#include "codec.h"

#include <stddef.h>

#include "error.h"
#include "util.h"

#ifndef IMGPIPE_WEBP
#define IMGPIPE_WEBP 1
#endif
#ifndef IMGPIPE_HEIF
#define IMGPIPE_HEIF 1
#endif

#if !IMGPIPE_WEBP || !IMGPIPE_HEIF
static int
not_built(struct imgpipe_error *err, const char *what)
{
	return error_set(err, IMGPIPE_EFORMAT,
			 "%s support not built into this imgpipe", what);
}
#endif

#if !IMGPIPE_WEBP
static int
webp_probe(const unsigned char *buf, size_t len, struct image_info *info,
	   struct imgpipe_error *err)
{
	(void)buf, (void)len, (void)info;
	return not_built(err, "WebP");
}

static int
webp_decode(const unsigned char *buf, size_t len,
	    const struct decode_opts *opts, struct image *out,
	    struct image_meta *meta, struct hook *hook,
	    struct imgpipe_error *err)
{
	(void)buf, (void)len, (void)opts, (void)out, (void)meta, (void)hook;
	return not_built(err, "WebP");
}

const struct codec codec_webp = {
	.id = CODEC_WEBP,
	.name = "webp",
	.ext = "webp",
	.sniff = codec_sniff_webp,
	.probe = webp_probe,
	.decode = webp_decode,
};
#endif

#if !IMGPIPE_HEIF
static int
heif_probe(const unsigned char *buf, size_t len, struct image_info *info,
	   struct imgpipe_error *err)
{
	(void)buf, (void)len, (void)info;
	return not_built(err, "HEIF (HEIC, AVIF)");
}

static int
heif_decode(const unsigned char *buf, size_t len,
	    const struct decode_opts *opts, struct image *out,
	    struct image_meta *meta, struct hook *hook,
	    struct imgpipe_error *err)
{
	(void)buf, (void)len, (void)opts, (void)out, (void)meta, (void)hook;
	return not_built(err, "HEIF (HEIC, AVIF)");
}

const struct codec codec_heic = {
	.id = CODEC_HEIC,
	.name = "heic",
	.ext = "heic",
	.upright = 1,
	.sniff = codec_sniff_heic,
	.probe = heif_probe,
	.decode = heif_decode,
};

const struct codec codec_avif = {
	.id = CODEC_AVIF,
	.name = "avif",
	.ext = "avif",
	.upright = 1,
	.sniff = codec_sniff_avif,
	.probe = heif_probe,
	.decode = heif_decode,
};
#endif

static const struct codec *const codecs[] = { &codec_jpeg, &codec_png,
					      &codec_webp, &codec_heic,
					      &codec_avif };

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

enum codec_id
codec_output_for(enum codec_id in)
{
	const struct codec *c = codec_get(in);

	return c != NULL && c->encode != NULL ? in : CODEC_JPEG;
}
