/*
 * What metadata an output carries: the keep policy (--keep, --strip-gps)
 * and the fix-ups new pixels need (metafix.h), applied to the blocks a
 * decoder read, for the output's format.  Between the pipeline, which
 * calls it just before encoding, and the block parsers below it.
 */
#ifndef IMGPIPE_META_POLICY_H
#define IMGPIPE_META_POLICY_H

#include "codec.h"

struct imgpipe_error;

/* What decides the output's blocks; see meta_policy_apply. */
struct meta_policy {
	unsigned keep;		/* META_* blocks to keep (--keep) */
	int strip_gps;		/* --strip-gps */
	int reset_orientation;	/* the pixels are upright: Orientation 1 */
	int width, height;	/* the output's size */
	enum codec_id in_codec; /* the input's format */
	enum codec_id out_codec;
};

/*
 * Turn m, the blocks the input's decoder read, into the blocks the output
 * carries, in place: a block p->keep does not name is freed; EXIF goes
 * through exif_rewrite and XMP through xmp_patch; IPTC is filtered
 * (iptc_filter) for JPEG to JPEG and dropped otherwise (PNG has no
 * container for it); the ICC profile is kept as it is; texts stay those
 * the output's format can carry (JPEG: comments, and PNG "Comment" texts
 * as comments; PNG: every text, comments as "Comment" chunks; WebP and
 * AVIF: none).  A block
 * a fix-up refuses, or one too large for the output (CODEC_JPEG_*_MAX),
 * is dropped and its reason added to err with error_warn_more, so that a
 * file's warnings stay one line.  Never fails: an allocation that fails
 * drops its block the same way.  Returns the META_* bits of the blocks
 * left in m, which the encoder then writes whole.  Thread-safe; the
 * result depends only on m and p.
 */
unsigned meta_policy_apply(struct image_meta *m, const struct meta_policy *p,
			   struct imgpipe_error *err);

/*
 * The report's name of one META_* bit: "exif", "xmp", "iptc", "icc" or
 * "other" (the --keep names); NULL for anything else.
 */
const char *meta_policy_name(unsigned bit);

#endif
