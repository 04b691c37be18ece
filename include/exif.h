/*
 * EXIF Orientation, the one EXIF field imgpipe reads.  Codecs hand over the
 * raw metadata payload; parsing is libexif's job, kept out of the codecs.
 * The rewrite of the block for the output (exif_rewrite) shares the same
 * libexif loading setup in exif.c; its contract is in metafix.h.
 */
#ifndef IMGPIPE_EXIF_H
#define IMGPIPE_EXIF_H

#include <stddef.h>

/*
 * The Orientation tag (1..8) of IFD0 in data, which is either the payload
 * of a JPEG APP1 segment (starting "Exif\0\0") or of a PNG eXIf chunk (a
 * bare TIFF structure starting "II" or "MM").  Returns 1 when the tag is
 * absent, out of range or the data is not valid EXIF; never fails.
 * Thread-safe: all state is local to the call.
 */
int exif_orientation(const unsigned char *data, size_t len);

#endif
