/*
 * The HTTP client of a CURL=0 build: every URL input fails with one line
 * that says why, so that the rest of the program need not know.
 */
#include "http.h"

#include "error.h"
#include "http_uv.h"

#define HTTP_NOT_BUILT "URL inputs are not built (CURL=0)"

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

void *
http_xfer_easy(struct http_xfer *x)
{
	(void)x;
	return NULL;
}

enum http_next
http_xfer_done(struct http_xfer *x, int result, struct http_info *info,
	       double *delay_s, struct imgpipe_error *err)
{
	(void)x, (void)result, (void)info, (void)delay_s;
	error_set(err, IMGPIPE_ENET, HTTP_NOT_BUILT);
	return HTTP_FAILED;
}

int
http_xfer_restart(struct http_xfer *x, struct imgpipe_error *err)
{
	(void)x;
	return error_set(err, IMGPIPE_ENET, HTTP_NOT_BUILT);
}

void
http_xfer_free(struct http_xfer *x)
{
	(void)x;
}

/* The coop loop without a multi handle: no transfer ever starts. */
int
http_uv_init(struct http_uv *d, uv_loop_t *loop, struct imgpipe_error *err)
{
	*d = (struct http_uv){ .loop = loop };
	return error_set(err, IMGPIPE_ENET, HTTP_NOT_BUILT);
}

int
http_uv_start(struct http_uv *d, struct http_xfer *x, http_uv_done_fn *done,
	      void *ctx, struct imgpipe_error *err)
{
	(void)d, (void)x, (void)done, (void)ctx;
	return error_set(err, IMGPIPE_ENET, HTTP_NOT_BUILT);
}

void
http_uv_abort(struct http_uv *d)
{
	(void)d;
}

void
http_uv_close(struct http_uv *d)
{
	d->closing = 1;
}
