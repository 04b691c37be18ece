/*
 * Downloads with libcurl's easy interface.  One struct http_xfer is one
 * download: its handle is set up once (limits, verification, callbacks),
 * each attempt is judged by http_xfer_done, and http_fetch is the blocking
 * loop over attempts that every mode but coop runs in its workers.
 */
#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cancel.h"
#include "error.h"
#include "membuf.h"
#include "util.h"

/* Backoff before retry k (0-based): 0.5 s doubling, at most 8 s. */
#define HTTP_BACKOFF_S	       0.5
#define HTTP_BACKOFF_MAX_S     8.0
/* A Retry-After beyond this is not waited for: the attempt fails. */
#define HTTP_RETRY_AFTER_MAX_S 30

struct http_xfer {
	CURL *easy;
	const struct http_opts *o;
	struct membuf *out;
	char errbuf[CURL_ERROR_SIZE];
	int over_limit; /* the body passed o->max_body */
	int enough;	/* head_only: HTTP_PLAN_BYTES arrived */
	int retries;	/* retries used */
	long retry_after_s;
	double t0;
};

int
http_global_init(struct imgpipe_error *err)
{
	static int done;

	if (done)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return error_set(err, IMGPIPE_EIO, "cannot start libcurl");
	done = 1;
	return 0;
}

static long
status_of(CURL *easy)
{
	long code = 0;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

static int
status_ok(const struct http_xfer *x, long code)
{
	return code == 200 || (x->o->head_only && code == 206);
}

/* The body, checked against the limit while it streams. */
static size_t
on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct http_xfer *x = ctx;
	size_t len = size * n, room;

	/* A body with an error status is never kept: stop reading it. */
	if (!status_ok(x, status_of(x->easy)))
		return 0;
	if (x->out->len + len > x->o->max_body) {
		x->over_limit = 1;
		return 0;
	}
	if (x->o->head_only) {
		room = HTTP_PLAN_BYTES - x->out->len;
		if (len >= room) {
			x->enough = 1;
			membuf_append(x->out, p, room);
			return 0;
		}
	}
	return membuf_append(x->out, p, len) == 0 ? len : 0;
}

static size_t
on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct http_xfer *x = ctx;
	size_t len = size * n;
	static const char name[] = "retry-after:";

	/*
	 * Only the delay-seconds form: an HTTP-date needs the server's
	 * clock to agree with ours, and is taken as no Retry-After at all.
	 */
	if (len > sizeof(name) - 1 &&
	    strncasecmp(p, name, sizeof(name) - 1) == 0)
		x->retry_after_s = strtol(p + sizeof(name) - 1, NULL, 10);
	return len;
}

/* Called about once a second even when no byte moves: cancellation. */
static int
on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
	    curl_off_t ulnow)
{
	(void)ctx, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return cancel_requested() ? 1 : 0;
}

static int
setup(struct http_xfer *x, const char *url)
{
	CURL *e = x->easy;
	long ms = (long)(x->o->timeout_s * 1000);
	int bad = 0;

	bad |= curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") !=
	       CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") !=
	       CURLE_OK;
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)HTTP_MAX_REDIRECTS);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms);
	/* Threads: no SIGALRM for name lookups. */
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "imgpipe");
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)x->o->max_body);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (x->o->cacert != NULL)
		bad |= curl_easy_setopt(e, CURLOPT_CAINFO, x->o->cacert) !=
		       CURLE_OK;
	if (x->o->head_only) {
		char range[32];

		util_fmt(range, sizeof(range), "0-%u", HTTP_PLAN_BYTES - 1);
		bad |= curl_easy_setopt(e, CURLOPT_RANGE, range) != CURLE_OK;
	}
	return bad ? -1 : 0;
}

struct http_xfer *
http_xfer_new(const struct http_opts *o, const char *url, struct membuf *out,
	      struct imgpipe_error *err)
{
	struct http_xfer *x = xcalloc(1, sizeof(*x));

	x->o = o;
	x->out = out;
	x->t0 = util_now_s();
	x->easy = curl_easy_init();
	if (x->easy == NULL || setup(x, url) != 0) {
		http_xfer_free(x);
		error_set(err, IMGPIPE_ENET, "cannot set up the download");
		return NULL;
	}
	membuf_reset(out);
	return x;
}

void *
http_xfer_easy(struct http_xfer *x)
{
	return x->easy;
}

int
http_xfer_restart(struct http_xfer *x, struct imgpipe_error *err)
{
	(void)err;
	membuf_reset(x->out);
	x->errbuf[0] = '\0';
	x->over_limit = x->enough = 0;
	x->retry_after_s = 0;
	return 0;
}

void
http_xfer_free(struct http_xfer *x)
{
	if (x == NULL)
		return;
	if (x->easy != NULL)
		curl_easy_cleanup(x->easy);
	free(x);
}

/*
 * Worth another attempt: what a busy or restarting server gives (429,
 * 5xx, a reset, a body cut short).  A timeout would only cost another
 * --timeout, and any other 4xx would be refused again.
 */
static int
retryable(CURLcode rc, long code)
{
	switch (rc) {
	case CURLE_OK:
	case CURLE_WRITE_ERROR: /* an error status cut the body short */
		return code == 429 || (code >= 500 && code <= 599);
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE: return 1;
	default: return 0;
	}
}

static int
is_tls(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED: return 1;
	default: return 0;
	}
}

/* A body cut short: how many bytes the Content-Length still promised. */
static int
describe_short(struct http_xfer *x, const char *why, struct imgpipe_error *err)
{
	curl_off_t want = -1, got = 0;

	curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &want);
	curl_easy_getinfo(x->easy, CURLINFO_SIZE_DOWNLOAD_T, &got);
	if (want < 0 || got >= want)
		return error_set(err, IMGPIPE_ENET, "%s", why);
	return error_set(err, IMGPIPE_ENET,
			 "connection closed %lld bytes before the end of the "
			 "body",
			 (long long)(want - got));
}

/* A send or receive failure: a reset has one line, anything else curl's. */
static int
describe_io(struct http_xfer *x, const char *why, struct imgpipe_error *err)
{
	long os = 0;

	curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os);
	if (os == ECONNRESET || os == EPIPE)
		return error_set(err, IMGPIPE_ENET, "connection reset");
	return error_set(err, IMGPIPE_ENET, "%s", why);
}

/* curl's own line names the time it took: the reason alone is stable. */
static int
describe_connect(struct http_xfer *x, const char *why,
		 struct imgpipe_error *err)
{
	long os = 0;

	curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os);
	if (os == 0)
		return error_set(err, IMGPIPE_ENET, "%s", why);
	return error_set(err, IMGPIPE_ENET, "cannot connect: %s",
			 strerror((int)os));
}

/*
 * The one line for a failed download (README, "URL inputs", lists them):
 * the URL is the caller's to name.
 */
static int
describe(struct http_xfer *x, CURLcode rc, long code, struct imgpipe_error *err)
{
	size_t n = strlen(x->errbuf);
	const char *why;

	while (n > 0 && (x->errbuf[n - 1] == '\n' || x->errbuf[n - 1] == ' '))
		x->errbuf[--n] = '\0';
	why = n > 0 ? x->errbuf : curl_easy_strerror(rc);
	if (rc == CURLE_ABORTED_BY_CALLBACK && cancel_requested())
		return error_set(err, IMGPIPE_ECANCEL, "interrupted");
	if (x->over_limit || rc == CURLE_FILESIZE_EXCEEDED)
		return error_set(err, IMGPIPE_ENET,
				 "body over the %llu-byte limit (--max-body)",
				 (unsigned long long)x->o->max_body);
	if (code != 0 && !status_ok(x, code) &&
	    (rc == CURLE_OK || rc == CURLE_WRITE_ERROR))
		return error_set(err, IMGPIPE_ENET, "HTTP %ld", code);
	if (is_tls(rc))
		return error_set(err, IMGPIPE_ENET, "TLS: %s", why);
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return error_set(err, IMGPIPE_ENET, "timed out after %g s",
				 x->o->timeout_s);
	case CURLE_TOO_MANY_REDIRECTS:
		return error_set(err, IMGPIPE_ENET, "more than %d redirects",
				 HTTP_MAX_REDIRECTS);
	case CURLE_PARTIAL_FILE: return describe_short(x, why, err);
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR: return describe_io(x, why, err);
	case CURLE_GOT_NOTHING:
		return error_set(err, IMGPIPE_ENET,
				 "connection closed before any response");
	case CURLE_COULDNT_CONNECT: return describe_connect(x, why, err);
	default: return error_set(err, IMGPIPE_ENET, "%s", why);
	}
}

enum http_next
http_xfer_done(struct http_xfer *x, int result, struct http_info *info,
	       double *delay_s, struct imgpipe_error *err)
{
	CURLcode rc = (CURLcode)result;
	long code = status_of(x->easy);
	double d;

	info->status = (int)code;
	info->attempts = x->retries + 1;
	info->bytes = x->out->len;
	info->seconds = util_now_s() - x->t0;
	if (x->enough && rc == CURLE_WRITE_ERROR)
		rc = CURLE_OK;
	if (rc == CURLE_OK && status_ok(x, code) && !x->over_limit)
		return HTTP_DONE;
	if (!(rc == CURLE_ABORTED_BY_CALLBACK && cancel_requested()) &&
	    retryable(rc, code) && x->retries < x->o->retries &&
	    x->retry_after_s <= HTTP_RETRY_AFTER_MAX_S) {
		d = HTTP_BACKOFF_S * (double)(1 << x->retries);
		d = UTIL_MIN(d, HTTP_BACKOFF_MAX_S);
		if ((double)x->retry_after_s > d)
			d = (double)x->retry_after_s;
		*delay_s = d;
		x->retries++;
		return HTTP_RETRY;
	}
	describe(x, rc, code, err);
	membuf_reset(x->out);
	info->bytes = 0;
	return HTTP_FAILED;
}

/* Sleep s seconds in short steps, so that cancellation cuts it short. */
static int
backoff(double s)
{
	struct timespec step = { 0, 50 * 1000 * 1000 };
	double end = util_now_s() + s;

	while (util_now_s() < end) {
		if (cancel_requested())
			return IMGPIPE_ECANCEL;
		nanosleep(&step, NULL);
	}
	return 0;
}

int
http_fetch(const struct http_opts *o, const char *url, struct membuf *out,
	   struct http_info *info, struct imgpipe_error *err)
{
	struct http_xfer *x = http_xfer_new(o, url, out, err);
	enum http_next next;
	double delay = 0;
	int rc = 0;

	memset(info, 0, sizeof(*info));
	if (x == NULL)
		return IMGPIPE_ENET;
	for (;;) {
		next = http_xfer_done(x, curl_easy_perform(x->easy), info,
				      &delay, err);
		if (next != HTTP_RETRY)
			break;
		if (backoff(delay) != 0) {
			membuf_reset(out);
			rc = error_set(err, IMGPIPE_ECANCEL, "interrupted");
			break;
		}
		http_xfer_restart(x, err);
	}
	if (next == HTTP_FAILED)
		rc = err->code;
	info->seconds = util_now_s() - x->t0;
	http_xfer_free(x);
	return rc;
}
