/*
 * Private to the WebP codec: codec_webp.c reads WebP and holds the codec
 * record, codec_webp_save.c writes it.  Only these two files include
 * libwebp.
 */
#ifndef IMGPIPE_CODEC_WEBP_H
#define IMGPIPE_CODEC_WEBP_H

struct hook;
struct image;
struct image_meta;
struct encode_opts;
struct imgpipe_error;
struct membuf;

/* codec_webp's encode (codec.h's contract). */
int webp_save(const struct image *im, const struct image_meta *meta,
	      const struct encode_opts *opts, struct membuf *out,
	      struct hook *hook, struct imgpipe_error *err);

#endif
