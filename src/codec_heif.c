/*
 * PLACEHOLDER until the HEIF reader lands: the codec records, and the
 * library's one-time set-up.
 */
#include "codec.h"

#include <libheif/heif.h>
#include <pthread.h>

#include "codec_heif.h"
#include "error.h"

static pthread_once_t heif_once = PTHREAD_ONCE_INIT;

static void
init_once(void)
{
	heif_init(NULL);
}

void
heif_lib_init(void)
{
	pthread_once(&heif_once, init_once);
}

static int
heic_sniff(const unsigned char *buf, size_t len)
{
	return codec_sniff_heif(buf, len) == CODEC_HEIC;
}

static int
avif_sniff(const unsigned char *buf, size_t len)
{
	return codec_sniff_heif(buf, len) == CODEC_AVIF;
}

static int
heif_probe(const unsigned char *buf, size_t len, struct image_info *info,
	   struct imgpipe_error *err)
{
	(void)buf, (void)len, (void)info;
	return error_set(err, IMGPIPE_EFORMAT, "HEIF reading: placeholder");
}

static int
heif_decode(const unsigned char *buf, size_t len,
	    const struct decode_opts *opts, struct image *out,
	    struct image_meta *meta, struct hook *hook,
	    struct imgpipe_error *err)
{
	(void)buf, (void)len, (void)opts, (void)out, (void)meta, (void)hook;
	return error_set(err, IMGPIPE_EFORMAT, "HEIF reading: placeholder");
}

const struct codec codec_heic = {
	.id = CODEC_HEIC,
	.name = "heic",
	.ext = "heic",
	.built = 1,
	.upright = 1,
	.sniff = heic_sniff,
	.probe = heif_probe,
	.decode = heif_decode,
};

const struct codec codec_avif = {
	.id = CODEC_AVIF,
	.name = "avif",
	.ext = "avif",
	.built = 1,
	.upright = 1,
	.sniff = avif_sniff,
	.probe = heif_probe,
	.decode = heif_decode,
	.encode = heif_save_avif,
};
