/*
 * Where a URL input's output goes (README "URL inputs"): its host and its
 * percent-decoded path, refused when the path could name anything but a
 * file inside OUTPUT_DIR.  Pure string work: nothing is downloaded.
 */
#ifndef IMGPIPE_URLNAME_H
#define IMGPIPE_URLNAME_H

#include "codec.h"

struct imgpipe_error;

struct urlname {
	/* "host", or "host_PORT" when the URL gives a port; lower case. */
	char *host;
	/*
	 * The path without its leading '/', query and fragment, decoded;
	 * "index" for a last segment that is empty ("/", "/a/").
	 */
	char *path;
};

/*
 * Split url into u's host folder and output path.  0, or IMGPIPE_ESPEC
 * with the reason in err ("not an http(s) URL", "empty segment in the
 * URL path", ...) and u zeroed.  Refused: another scheme, a blank or a
 * control character anywhere (RFC 3986 has them escaped), no host, a port
 * that is not 1..65535, a host with characters a folder name should not
 * have, a bad %-escape, and decoded segments that are empty (but the
 * last), "." or "..", or hold a NUL or a '/'.  The caller frees u's
 * strings with urlname_release.
 */
int urlname_parse(const char *url, struct urlname *u,
		  struct imgpipe_error *err);

void urlname_release(struct urlname *u);

/*
 * The input format -f same assumes for path before the download, by its
 * extension in any case: jpg, jpeg (and jpe) JPEG, png PNG, webp WebP,
 * avif AVIF, heic and heif HEIC; anything else JPEG.
 */
enum codec_id urlname_codec(const char *path);

#endif
