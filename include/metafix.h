/*
 * The fix-ups a metadata block needs before it goes out with new pixels.
 * Each function parses untrusted bytes, checks every offset, count and
 * size, and either returns a new block or says why the block must be
 * dropped: the caller then writes the image without it and warns.  All
 * state is local to the call (thread-safe); outputs are malloc()ed and
 * depend only on the inputs, so every mode writes the same bytes.
 */
#ifndef IMGPIPE_METAFIX_H
#define IMGPIPE_METAFIX_H

#include <stddef.h>

struct imgpipe_error;

/* Blocks over these sizes are dropped (with a warning), never parsed. */
#define META_EXIF_MAX ((size_t)1 << 20)
#define META_XMP_MAX  ((size_t)1 << 20)
#define META_IPTC_MAX ((size_t)1 << 20)

/* What changed between the input and the output. */
struct meta_fix {
	int reset_orientation; /* the pixels were turned: Orientation 1 */
	int width, height;     /* the output's size */
	int strip_gps;	       /* remove every GPS field */
};

/*
 * tiff (a TIFF structure, "II" or "MM", no "Exif\0\0" header) rewritten
 * through libexif: Orientation 1 when fix->reset_orientation,
 * PixelXDimension/PixelYDimension set to the output size, IFD1 and its
 * thumbnail removed, the GPS IFD removed when fix->strip_gps, every other
 * tag kept.  Returns 0 with *out (a TIFF structure) and *out_len
 * (*out NULL and *out_len 0 when no tag is left: write nothing), or
 * IMGPIPE_EFORMAT / IMGPIPE_ELIMIT / IMGPIPE_ENOMEM with err->msg saying
 * why the block is dropped ("EXIF dropped: ...").
 */
int exif_rewrite(const unsigned char *tiff, size_t len,
		 const struct meta_fix *fix, unsigned char **out,
		 size_t *out_len, struct imgpipe_error *err);

/*
 * An XMP packet with tiff:Orientation 1 (fix->reset_orientation),
 * tiff:ImageWidth/ImageLength and exif:PixelXDimension/PixelYDimension
 * set to the output size, xmpNote:HasExtendedXMP removed (the extension
 * is not carried), and with fix->strip_gps every exif:GPS* property
 * removed.  Returns 0 with *out, or a negative code with err->msg saying
 * why the packet is dropped ("XMP dropped: ...").
 */
int xmp_patch(const unsigned char *xmp, size_t len, const struct meta_fix *fix,
	      unsigned char **out, size_t *out_len, struct imgpipe_error *err);

/*
 * Photoshop image resources (the payload of JPEG APP13 after
 * "Photoshop 3.0\0", joined across segments) reduced to the IPTC-NAA
 * record (resource 0x0404) and its digest (0x0425): the other resources
 * hold stale copies of the thumbnail, EXIF and XMP.  Returns 0 with *out
 * (*out_len is 0 when there is no IPTC record: write nothing), or a
 * negative code with err->msg ("IPTC dropped: ...").
 */
int iptc_filter(const unsigned char *irb, size_t len, unsigned char **out,
		size_t *out_len, struct imgpipe_error *err);

#endif
