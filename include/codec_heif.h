/*
 * Private to the HEIF codec: codec_heif.c reads HEIC and AVIF and holds
 * the codec records, codec_heif_save.c writes AVIF.  Only these two files
 * include libheif.
 */
#ifndef IMGPIPE_CODEC_HEIF_H
#define IMGPIPE_CODEC_HEIF_H

struct hook;
struct image;
struct image_meta;
struct encode_opts;
struct imgpipe_error;
struct membuf;

/* heif_init once per process, from any thread. */
void heif_lib_init(void);

/* codec_avif's encode (codec.h's contract). */
int heif_save_avif(const struct image *im, const struct image_meta *meta,
		   const struct encode_opts *opts, struct membuf *out,
		   struct hook *hook, struct imgpipe_error *err);

#endif
