/*
 * libFuzzer target: the input is a raw HTTP response, served to one
 * download as test_http.c serves its cases (canned_http.h) and judged by
 * http_xfer_done with the retries the multi and blocking drivers make;
 * a body that arrives then goes through a whole task as fuzz_task runs it.
 * Every failure must say why, and no failure may leave a body behind.
 */
#include <curl/curl.h>

#include "canned_http.h"
#include "harness.h"
#include "http.h"
#include "membuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the driver does with one response: 1 + retries attempts at most. */
static enum http_next
fuzz_download(struct http_xfer *x, struct http_info *info,
	      struct imgpipe_error *err)
{
	enum http_next next;
	double delay;

	for (;;) {
		next = http_xfer_done(x,
				      (int)curl_easy_perform(http_xfer_easy(x)),
				      info, &delay, err);
		/* No wait: the delay is the driver's, the verdict is ours. */
		if (next != HTTP_RETRY)
			return next;
		if (delay < 0.5 || http_xfer_restart(x, err) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct http_opts o = HTTP_OPTS_DEFAULT;
	struct imgpipe_error err;
	struct http_info info = { 0 };
	struct canned c;
	struct membuf out;
	struct http_xfer *x;
	enum http_next next;

	if (!ready) {
		if (http_global_init(&err) != 0)
			abort();
		ready = 1;
	}
	/* A response that only a drip could send is no faster here. */
	o.timeout_s = 2;
	o.max_body = 1u << 20;
	o.retries = 1;
	memset(&c, 0, sizeof(c));
	c.resp[0] = (struct canned_resp){ data, size, CANNED_EOF };
	c.n = 1;
	membuf_init(&out);
	error_clear(&err);
	x = http_xfer_new(&o, "http://127.0.0.1/a.jpg", &out, &err);
	if (x == NULL || canned_attach(&c, http_xfer_easy(x)) != 0)
		abort();
	next = fuzz_download(x, &info, &err);
	http_xfer_free(x);
	canned_release(&c);
	if (next == HTTP_FAILED && (err.msg[0] == '\0' || out.len != 0))
		abort();
	if (next == HTTP_DONE && out.len > o.max_body)
		abort();
	if (next == HTTP_DONE)
		fuzz_task(out.data, out.len);
	membuf_release(&out);
	return 0;
}
