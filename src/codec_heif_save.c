/* PLACEHOLDER until the AVIF writer lands. */
#include "codec.h"

#include "codec_heif.h"
#include "error.h"

int
heif_save_avif(const struct image *im, const struct image_meta *meta,
	       const struct encode_opts *opts, struct membuf *out,
	       struct hook *hook, struct imgpipe_error *err)
{
	(void)im, (void)meta, (void)opts, (void)out, (void)hook;
	return error_set(err, IMGPIPE_EFORMAT, "AVIF writing: placeholder");
}
