/*
 * The HTTP client of a CURL=0 build: every URL input fails with one line
 * that says why, so that the rest of the program need not know.
 */
#include "http.h"

#include <strings.h>

#include "error.h"

#define HTTP_NOT_BUILT "URL inputs are not built (CURL=0)"

int
http_is_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 ||
	       strncasecmp(s, "https://", 8) == 0;
}

int
http_global_init(struct imgpipe_error *err)
{
	(void)err;
	return 0;
}

int
http_fetch(const struct http_opts *o, const char *url, struct membuf *out,
	   struct http_info *info, struct imgpipe_error *err)
{
	(void)o, (void)url, (void)out, (void)info;
	return error_set(err, IMGPIPE_ENET, HTTP_NOT_BUILT);
}

struct http_xfer *
http_xfer_new(const struct http_opts *o, const char *url, struct membuf *out,
	      struct imgpipe_error *err)
{
	(void)o, (void)url, (void)out;
	error_set(err, IMGPIPE_ENET, HTTP_NOT_BUILT);
	return NULL;
}
