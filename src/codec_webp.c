/* PLACEHOLDER until the WebP codec lands. */
#include "codec.h"

#include <webp/decode.h>

#include "error.h"

static int
webp_sniff(const unsigned char *buf, size_t len)
{
	return codec_sniff_webp(buf, len);
}

static int
webp_probe(const unsigned char *buf, size_t len, struct image_info *info,
	   struct imgpipe_error *err)
{
	(void)buf, (void)len, (void)info;
	return error_set(err, IMGPIPE_EFORMAT, "WebP: placeholder");
}

static int
webp_decode(const unsigned char *buf, size_t len,
	    const struct decode_opts *opts, struct image *out,
	    struct image_meta *meta, struct hook *hook,
	    struct imgpipe_error *err)
{
	(void)buf, (void)len, (void)opts, (void)out, (void)meta, (void)hook;
	return error_set(err, IMGPIPE_EFORMAT, "WebP: placeholder");
}

const struct codec codec_webp = {
	.id = CODEC_WEBP,
	.name = "webp",
	.ext = "webp",
	.built = 1,
	.scales = 1,
	.sniff = webp_sniff,
	.probe = webp_probe,
	.decode = webp_decode,
};
