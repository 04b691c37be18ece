/*
 * HTTP(S) downloads with libcurl: one body into a membuf, bounded (time,
 * size, redirects), verified (certificates against the system store or
 * --cacert), retried with backoff on 429, 5xx and connection resets, and
 * cut short within a second of cancellation.  Two ways to drive one: the
 * blocking http_fetch (threads, procs, omp and seq call it inside a
 * worker, one transfer each), and struct http_xfer, whose easy handle a
 * multi driver (http_uv.h, coop's loop) runs; both set the handle up and
 * judge its outcome with the same code, so every mode gives the same
 * error line for the same server.
 *
 * Built only with CURL=1 (IMGPIPE_CURL); without it http_fetch and
 * http_xfer_new fail with "URL inputs are not built".
 */
#ifndef IMGPIPE_HTTP_H
#define IMGPIPE_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <strings.h>

struct imgpipe_error;
struct membuf;

#define HTTP_TIMEOUT_S	   30.0			  /* --timeout */
#define HTTP_MAX_BODY	   (256ull * 1024 * 1024) /* --max-body */
#define HTTP_RETRIES	   2			  /* --retries */
#define HTTP_MAX_REDIRECTS 5
/* Bytes --dry-run asks for (a range request) to read an image's header. */
#define HTTP_PLAN_BYTES	   (256u * 1024)

/* What every download of a batch obeys.  Read-only while workers run. */
struct http_opts {
	double timeout_s;   /* connect, and the whole transfer, each attempt */
	uint64_t max_body;  /* bytes; checked on Content-Length and streaming */
	int retries;	    /* further attempts after a retryable failure */
	const char *cacert; /* PEM bundle to verify against; NULL: system */
	/* Non-zero: only the first HTTP_PLAN_BYTES (Range), for --dry-run. */
	int head_only;
};

#define HTTP_OPTS_DEFAULT                                            \
	{                                                            \
		HTTP_TIMEOUT_S, HTTP_MAX_BODY, HTTP_RETRIES, NULL, 0 \
	}

/* What a download did: the report's fields.  Filled also on failure. */
struct http_info {
	int status;	/* last HTTP status; 0 when none arrived */
	double seconds; /* all attempts and backoff waits together */
	uint64_t bytes; /* body bytes of the attempt that counted */
	int attempts;	/* 1 + retries used */
};

/*
 * Once per process, before any thread exists (libcurl's global set-up):
 * 0, or IMGPIPE_EIO with the reason.  Safe to call again.
 */
int http_global_init(struct imgpipe_error *err);

/* Non-zero when s starts with http:// or https:// (any case). */
static inline int
http_is_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 ||
	       strncasecmp(s, "https://", 8) == 0;
}

/*
 * Download url into out (replacing its contents), blocking, with retries
 * and backoff.  0, or IMGPIPE_ENET with one line in err ("HTTP 404",
 * "timed out after 30 s", "body over the 256 MB limit", ...: the URL is
 * the caller's to name), or IMGPIPE_ECANCEL.  On failure out holds no
 * partial body the caller could mistake for the image (len 0).
 */
int http_fetch(const struct http_opts *o, const char *url, struct membuf *out,
	       struct http_info *info, struct imgpipe_error *err);

/*
 * One attempt of a download, for a multi driver: http_xfer_new sets up an
 * easy handle writing into out; the driver runs it and hands curl's result
 * to http_xfer_done, which says what comes next.
 */
struct http_xfer;

struct http_xfer *http_xfer_new(const struct http_opts *o, const char *url,
				struct membuf *out, struct imgpipe_error *err);

/* The easy handle (a CURL *) to add to a multi handle. */
void *http_xfer_easy(struct http_xfer *x);

enum http_next {
	HTTP_DONE,  /* the body is in out: info filled */
	HTTP_RETRY, /* call http_xfer_restart after *delay_s */
	HTTP_FAILED /* err says why (IMGPIPE_ENET or IMGPIPE_ECANCEL) */
};

/*
 * The attempt ended with curl's code result (a CURLcode): judge it like
 * http_fetch would.  info accumulates across attempts.
 */
enum http_next http_xfer_done(struct http_xfer *x, int result,
			      struct http_info *info, double *delay_s,
			      struct imgpipe_error *err);

/* Reset out and the handle for the next attempt (after HTTP_RETRY). */
int http_xfer_restart(struct http_xfer *x, struct imgpipe_error *err);

/* Release x; the driver has removed its handle from the multi first. */
void http_xfer_free(struct http_xfer *x);

#endif
