/*
 * Private to the HEIF codec: codec_heif.c reads HEIC and AVIF and holds
 * the codec records (codec_heif_grid.c reads one box it needs),
 * codec_heif_save.c writes AVIF.  Only codec_heif*.c include libheif.
 */
#ifndef IMGPIPE_CODEC_HEIF_H
#define IMGPIPE_CODEC_HEIF_H

#include <stddef.h>
#include <stdint.h>

struct hook;
struct image;
struct image_meta;
struct encode_opts;
struct imgpipe_error;
struct membuf;

/* heif_init once per process, from any thread (codec_heif_lib.c). */
void heif_lib_init(void);

/*
 * The output size that buf's primary item declares in its grid box, read
 * without libheif: 1 with *w and *h, 0 when the primary item is not a
 * grid, -1 when the boxes cannot say (libheif then judges the file).
 */
int heif_grid_size(const unsigned char *buf, size_t len, uint32_t *w,
		   uint32_t *h);

/*
 * Whether libheif 1.15 may decode buf's primary image without recursing
 * without end (codec_heif_grid.c): 0 when its item references (dimg
 * tiles, auxl alpha and depth images) form no cycle and no chain deeper
 * than 8 below it, or when the boxes cannot say (libheif then judges the
 * file); -1 for a cycle, a deeper chain or over 65536 references; -2
 * when out of memory.
 */
int heif_refs_check(const unsigned char *buf, size_t len);

/* codec_avif's encode (codec.h's contract). */
int heif_save_avif(const struct image *im, const struct image_meta *meta,
		   const struct encode_opts *opts, struct membuf *out,
		   struct hook *hook, struct imgpipe_error *err);

#endif
