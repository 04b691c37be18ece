/*
 * http.c and http_uv.c against canned responses (fuzz/canned_http.h): no
 * network, no clock in any verdict.  Each case runs one download the way
 * a driver does (http_xfer_new, the transfer, http_xfer_done) and checks
 * what comes next and the error line, which the README lists.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "http.h"
#include "membuf.h"

#if IMGPIPE_CURL

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "fuzz/canned_http.h"
#include "http_uv.h"

#define URL "http://127.0.0.1/a.jpg"

/* One download: its options, responses, body and verdict. */
struct dl {
	struct http_opts o;
	struct canned c;
	struct membuf out;
	struct http_info info;
	struct imgpipe_error err;
	double delay;
	struct http_xfer *x;
};

static void
dl_init(struct dl *d, const char *resp)
{
	memset(d, 0, sizeof(*d));
	d->o = (struct http_opts)HTTP_OPTS_DEFAULT;
	d->c.resp[0] = (struct canned_resp){ resp, strlen(resp), CANNED_EOF };
	d->c.n = 1;
	membuf_init(&d->out);
	error_clear(&d->err);
}

static void
dl_start(struct dl *d)
{
	d->x = http_xfer_new(&d->o, URL, &d->out, &d->err);
	assert_non_null(d->x);
	assert_int_equal(canned_attach(&d->c, http_xfer_easy(d->x)), 0);
}

/* One attempt, as http_fetch makes it. */
static enum http_next
dl_attempt(struct dl *d)
{
	CURLcode rc = curl_easy_perform(http_xfer_easy(d->x));

	return http_xfer_done(d->x, (int)rc, &d->info, &d->delay, &d->err);
}

/* A first attempt on a fresh download of resp. */
static enum http_next
dl_once(struct dl *d, const char *resp)
{
	dl_init(d, resp);
	dl_start(d);
	return dl_attempt(d);
}

static void
dl_release(struct dl *d)
{
	http_xfer_free(d->x);
	canned_release(&d->c);
	membuf_release(&d->out);
}

static void
test_http_ok_body(void **state)
{
	struct dl d;

	(void)state;
	assert_int_equal(dl_once(&d, "HTTP/1.1 200 OK\r\n"
				     "Content-Length: 5\r\n\r\nhello"),
			 HTTP_DONE);
	assert_int_equal(d.out.len, 5);
	assert_memory_equal(d.out.data, "hello", 5);
	assert_int_equal(d.info.status, 200);
	assert_int_equal(d.info.bytes, 5);
	assert_int_equal(d.info.attempts, 1);
	dl_release(&d);
}

/* A body without a length, ended by the close: the whole of it. */
static void
test_http_ok_until_close(void **state)
{
	struct dl d;

	(void)state;
	assert_int_equal(dl_once(&d, "HTTP/1.1 200 OK\r\n"
				     "Connection: close\r\n\r\nabcdef"),
			 HTTP_DONE);
	assert_int_equal(d.out.len, 6);
	dl_release(&d);
}

/* A 4xx is not retried, and its body is never kept. */
static void
test_http_404_fails(void **state)
{
	struct dl d;

	(void)state;
	assert_int_equal(dl_once(&d, "HTTP/1.1 404 Not Found\r\n"
				     "Content-Length: 9\r\n\r\nnot found"),
			 HTTP_FAILED);
	assert_string_equal(d.err.msg, "HTTP 404");
	assert_int_equal(d.err.code, IMGPIPE_ENET);
	assert_int_equal(d.out.len, 0);
	assert_int_equal(d.info.status, 404);
	dl_release(&d);
}

static void
test_http_503_retries_after_half_a_second(void **state)
{
	struct dl d;

	(void)state;
	assert_int_equal(dl_once(&d, "HTTP/1.1 503 Busy\r\n"
				     "Content-Length: 4\r\n\r\nbusy"),
			 HTTP_RETRY);
	assert_true(d.delay == 0.5);
	dl_release(&d);
}

static void
test_http_429_retry_after_is_honoured(void **state)
{
	struct dl d;

	(void)state;
	assert_int_equal(dl_once(&d, "HTTP/1.1 429 Slow down\r\n"
				     "Retry-After: 3\r\n"
				     "Content-Length: 0\r\n\r\n"),
			 HTTP_RETRY);
	assert_true(d.delay == 3.0);
	dl_release(&d);
}

/* A Retry-After past the bound is not waited for: the status fails. */
static void
test_http_long_retry_after_fails(void **state)
{
	struct dl d;

	(void)state;
	assert_int_equal(dl_once(&d, "HTTP/1.1 503 Later\r\n"
				     "Retry-After: 3600\r\n"
				     "Content-Length: 0\r\n\r\n"),
			 HTTP_FAILED);
	assert_string_equal(d.err.msg, "HTTP 503");
	dl_release(&d);
}

/* Retries run out: the status is the line, after 1 + retries attempts. */
static void
test_http_5xx_runs_out_of_retries(void **state)
{
	struct dl d;

	(void)state;
	dl_init(&d, "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n");
	d.o.retries = 2;
	dl_start(&d);
	assert_int_equal(dl_attempt(&d), HTTP_RETRY);
	assert_true(d.delay == 0.5);
	assert_int_equal(http_xfer_restart(d.x, &d.err), 0);
	assert_int_equal(dl_attempt(&d), HTTP_RETRY);
	assert_true(d.delay == 1.0);
	assert_int_equal(http_xfer_restart(d.x, &d.err), 0);
	assert_int_equal(dl_attempt(&d), HTTP_FAILED);
	assert_string_equal(d.err.msg, "HTTP 500");
	assert_int_equal(d.info.attempts, 3);
	dl_release(&d);
}

/* A 503 then the image: the second attempt's body counts. */
static void
test_http_retry_then_ok(void **state)
{
	struct dl d;
	static const char ok[] = "HTTP/1.1 200 OK\r\n"
				 "Content-Length: 3\r\n\r\nabc";

	(void)state;
	dl_init(&d, "HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy");
	d.c.resp[1] = (struct canned_resp){ ok, strlen(ok), CANNED_EOF };
	d.c.n = 2;
	dl_start(&d);
	assert_int_equal(dl_attempt(&d), HTTP_RETRY);
	assert_int_equal(http_xfer_restart(d.x, &d.err), 0);
	assert_int_equal(dl_attempt(&d), HTTP_DONE);
	assert_int_equal(d.out.len, 3);
	assert_memory_equal(d.out.data, "abc", 3);
	assert_int_equal(d.info.attempts, 2);
	assert_int_equal(d.info.status, 200);
	dl_release(&d);
}

static void
test_http_content_length_over_limit(void **state)
{
	struct dl d;

	(void)state;
	dl_init(&d, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\nxxxx");
	d.o.max_body = 1000;
	dl_start(&d);
	assert_int_equal(dl_attempt(&d), HTTP_FAILED);
	assert_string_equal(d.err.msg,
			    "body over the 1000-byte limit (--max-body)");
	assert_int_equal(d.out.len, 0);
	dl_release(&d);
}

/* Without a length the limit is checked while the body streams. */
static void
test_http_chunked_over_limit(void **state)
{
	struct dl d;

	(void)state;
	dl_init(&d, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "8\r\n01234567\r\n8\r\n89abcdef\r\n0\r\n\r\n");
	d.o.max_body = 12;
	dl_start(&d);
	assert_int_equal(dl_attempt(&d), HTTP_FAILED);
	assert_string_equal(d.err.msg,
			    "body over the 12-byte limit (--max-body)");
	assert_int_equal(d.out.len, 0);
	dl_release(&d);
}

static void
test_http_chunked_within_limit(void **state)
{
	struct dl d;

	(void)state;
	assert_int_equal(
		dl_once(&d, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
			    "\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"),
		HTTP_DONE);
	assert_int_equal(d.out.len, 5);
	assert_memory_equal(d.out.data, "abcde", 5);
	dl_release(&d);
}

/* The server closes 1000 bytes early: retried, then one line. */
static void
test_http_short_body(void **state)
{
	struct dl d;

	(void)state;
	dl_init(&d, "HTTP/1.1 200 OK\r\nContent-Length: 1010\r\n\r\n"
		    "0123456789");
	d.o.retries = 1;
	dl_start(&d);
	assert_int_equal(dl_attempt(&d), HTTP_RETRY);
	assert_int_equal(http_xfer_restart(d.x, &d.err), 0);
	assert_int_equal(dl_attempt(&d), HTTP_FAILED);
	assert_string_equal(d.err.msg, "connection closed 1000 bytes before "
				       "the end of the body");
	assert_int_equal(d.out.len, 0);
	assert_int_equal(d.c.opens, 2);
	dl_release(&d);
}

/* Half a body, then the peer closes with our request unread. */
static void
test_http_reset(void **state)
{
	struct dl d;

	(void)state;
	dl_init(&d, "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123456789");
	d.c.resp[0].end = CANNED_RESET;
	d.o.retries = 0;
	dl_start(&d);
	assert_int_equal(dl_attempt(&d), HTTP_FAILED);
	assert_string_equal(d.err.msg, "connection reset");
	assert_int_equal(d.out.len, 0);
	dl_release(&d);
}

static void
test_http_redirect_loop(void **state)
{
	struct dl d;

	(void)state;
	dl_init(&d, "HTTP/1.1 302 Found\r\nLocation: /a.jpg\r\n"
		    "Content-Length: 0\r\n\r\n");
	dl_start(&d);
	assert_int_equal(dl_attempt(&d), HTTP_FAILED);
	assert_string_equal(d.err.msg, "more than 5 redirects");
	/* The first request and the five redirects followed. */
	assert_int_equal(d.c.opens, 1 + HTTP_MAX_REDIRECTS);
	dl_release(&d);
}

/* --dry-run's range: at most HTTP_PLAN_BYTES kept, then the end. */
static void
test_http_head_only_range(void **state)
{
	static const char head[] = "HTTP/1.1 206 Partial Content\r\n"
				   "Content-Length: 400000\r\n\r\n";
	size_t body = 400000, n = sizeof(head) - 1 + body;
	char *resp = malloc(n);
	struct dl d;

	(void)state;
	assert_non_null(resp);
	memcpy(resp, head, sizeof(head) - 1);
	memset(resp + sizeof(head) - 1, 'x', body);
	dl_init(&d, "");
	d.c.resp[0] = (struct canned_resp){ resp, n, CANNED_EOF };
	d.o.head_only = 1;
	dl_start(&d);
	assert_int_equal(dl_attempt(&d), HTTP_DONE);
	assert_int_equal(d.out.len, HTTP_PLAN_BYTES);
	assert_int_equal(d.info.status, 206);
	dl_release(&d);
	free(resp);
}

/* A 206 is no image when the whole body was asked for. */
static void
test_http_206_without_range_fails(void **state)
{
	struct dl d;

	(void)state;
	assert_int_equal(dl_once(&d, "HTTP/1.1 206 Partial Content\r\n"
				     "Content-Length: 2\r\n\r\nab"),
			 HTTP_FAILED);
	assert_string_equal(d.err.msg, "HTTP 206");
	dl_release(&d);
}

/* A port bound but not listening: refused, not retried, one line. */
static void
test_http_fetch_refused(void **state)
{
	struct http_opts o = HTTP_OPTS_DEFAULT;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	struct http_info info;
	struct imgpipe_error err;
	struct membuf out;
	char url[64];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	(void)state;
	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/a.jpg",
		 ntohs(a.sin_port));
	membuf_init(&out);
	error_clear(&err);
	assert_int_equal(http_fetch(&o, url, &out, &info, &err), IMGPIPE_ENET);
	assert_string_equal(err.msg, "cannot connect: Connection refused");
	assert_int_equal(info.attempts, 1);
	assert_int_equal(out.len, 0);
	membuf_release(&out);
	close(fd);
}

static void
test_http_is_url(void **state)
{
	(void)state;
	assert_true(http_is_url("http://h/a.jpg"));
	assert_true(http_is_url("HTTPS://h/a.jpg"));
	assert_false(http_is_url("ftp://h/a.jpg"));
	assert_false(http_is_url("http:/h"));
	assert_false(http_is_url("a.jpg"));
}

/* The multi driver on a real loop: what each transfer's done saw. */
struct uv_case {
	struct http_uv d;
	struct dl dl;
	int calls, result;
};

static void
uv_done(void *ctx, int result)
{
	struct uv_case *u = ctx;

	u->calls++;
	u->result = result;
}

static void
uv_case_run(struct uv_case *u, uv_loop_t *loop)
{
	struct imgpipe_error err;

	error_clear(&err);
	assert_int_equal(http_uv_init(&u->d, loop, &err), 0);
	dl_start(&u->dl);
	assert_int_equal(http_uv_start(&u->d, u->dl.x, uv_done, u, &err), 0);
}

/* The loop runs the transfer to its end; every handle closes after. */
static void
test_http_uv_completes_once(void **state)
{
	struct uv_case u = { 0 };
	uv_loop_t loop;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	dl_init(&u.dl, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
	uv_case_run(&u, &loop);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(u.calls, 1);
	assert_int_equal(u.result, CURLE_OK);
	assert_int_equal(http_xfer_done(u.dl.x, u.result, &u.dl.info,
					&u.dl.delay, &u.dl.err),
			 HTTP_DONE);
	assert_int_equal(u.dl.out.len, 5);
	assert_memory_equal(u.dl.out.data, "hello", 5);
	http_uv_close(&u.d);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	dl_release(&u.dl);
}

static void
abort_soon(uv_timer_t *t)
{
	struct uv_case *u = t->data;

	http_uv_abort(&u->d);
	uv_close((uv_handle_t *)t, NULL);
}

/* A server that never ends its body: the abort ends the transfer. */
static void
test_http_uv_abort(void **state)
{
	struct uv_case u = { 0 };
	uv_loop_t loop;
	uv_timer_t t;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	dl_init(&u.dl, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc");
	u.dl.c.resp[0].end = CANNED_HOLD;
	uv_case_run(&u, &loop);
	uv_timer_init(&loop, &t);
	t.data = &u;
	uv_timer_start(&t, abort_soon, 50, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(u.calls, 1);
	assert_int_equal(u.result, CURLE_ABORTED_BY_CALLBACK);
	assert_int_equal(http_xfer_done(u.dl.x, u.result, &u.dl.info,
					&u.dl.delay, &u.dl.err),
			 HTTP_FAILED);
	assert_int_equal(u.dl.out.len, 0);
	http_uv_close(&u.d);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	dl_release(&u.dl);
}

static int
setup_curl(void **state)
{
	struct imgpipe_error err;

	(void)state;
	return http_global_init(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_is_url),
		cmocka_unit_test(test_http_ok_body),
		cmocka_unit_test(test_http_ok_until_close),
		cmocka_unit_test(test_http_404_fails),
		cmocka_unit_test(test_http_503_retries_after_half_a_second),
		cmocka_unit_test(test_http_429_retry_after_is_honoured),
		cmocka_unit_test(test_http_long_retry_after_fails),
		cmocka_unit_test(test_http_5xx_runs_out_of_retries),
		cmocka_unit_test(test_http_retry_then_ok),
		cmocka_unit_test(test_http_content_length_over_limit),
		cmocka_unit_test(test_http_chunked_over_limit),
		cmocka_unit_test(test_http_chunked_within_limit),
		cmocka_unit_test(test_http_short_body),
		cmocka_unit_test(test_http_reset),
		cmocka_unit_test(test_http_redirect_loop),
		cmocka_unit_test(test_http_head_only_range),
		cmocka_unit_test(test_http_206_without_range_fails),
		cmocka_unit_test(test_http_fetch_refused),
		cmocka_unit_test(test_http_uv_completes_once),
		cmocka_unit_test(test_http_uv_abort),
	};

	return cmocka_run_group_tests_name("http", tests, setup_curl, NULL);
}

#else

/* A CURL=0 build has no HTTP client to test: the run says so. */
static void
test_http_not_built(void **state)
{
	(void)state;
	skip();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_not_built),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}

#endif
