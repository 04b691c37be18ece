/*
 * curl's multi interface on a libuv loop.  curl owns the sockets and says
 * what to wait for; each watched socket has one uv_poll_t (found again with
 * curl_multi_assign) and the multi handle has one uv_timer_t.  Everything
 * runs on the loop's thread, and curl is never called back into from
 * inside one of its own callbacks: a timeout of 0 fires from the timer.
 */
#include "http_uv.h"

#include <curl/curl.h>
#include <stdlib.h>

#include "error.h"
#include "util.h"

/* One transfer in flight: its owner, on a list for http_uv_abort. */
struct http_uv_req {
	struct http_uv *d;
	CURL *easy;
	http_uv_done_fn *done;
	void *ctx;
	struct http_uv_req *prev, *next;
};

/* One socket curl asked us to watch; freed in its close callback. */
struct http_uv_sock {
	uv_poll_t poll;
	curl_socket_t fd;
	int events; /* UV_READABLE, UV_WRITABLE: what curl waits for */
	struct http_uv *d;
	struct http_uv_sock *prev, *next;
};

static void
req_unlink(struct http_uv *d, struct http_uv_req *r)
{
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		d->reqs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
}

/* Take r off the multi handle, then tell its owner (who may free it). */
static void
finish(struct http_uv *d, struct http_uv_req *r, CURLcode result)
{
	http_uv_done_fn *done = r->done;
	void *ctx = r->ctx;

	curl_multi_remove_handle(d->multi, r->easy);
	req_unlink(d, r);
	free(r);
	done(ctx, (int)result);
}

/* Hand every finished transfer to its owner. */
static void
drain(struct http_uv *d)
{
	struct http_uv_req *r;
	CURLMsg *m;
	CURLcode result;
	char *p;
	int left;

	while ((m = curl_multi_info_read(d->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		/* m does not survive curl_multi_remove_handle: copy first. */
		result = m->data.result;
		p = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &p);
		r = (struct http_uv_req *)(void *)p;
		if (r != NULL)
			finish(d, r, result);
	}
}

static void
on_poll(uv_poll_t *h, int status, int events)
{
	struct http_uv_sock *s = h->data;
	struct http_uv *d = s->d;
	int flags = 0;

	/*
	 * An error (libuv: POLLERR, a reset) comes with what curl waited
	 * for: curl then reads or writes, meets the socket's own errno, and
	 * gives the line the blocking modes give ("connection reset"); the
	 * error bit alone would be "select/poll returned error".
	 */
	if (status < 0) {
		flags = CURL_CSELECT_ERR;
		events = s->events;
	}
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(d->multi, s->fd, flags, &d->running);
	drain(d);
}

static void
on_timer(uv_timer_t *t)
{
	struct http_uv *d = t->data;

	curl_multi_socket_action(d->multi, CURL_SOCKET_TIMEOUT, 0, &d->running);
	drain(d);
}

/* CURLMOPT_TIMERFUNCTION: -1 stops the timer; 0 fires on the next turn. */
static int
on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_uv *d = userp;

	(void)multi;
	if (timeout_ms < 0)
		uv_timer_stop(&d->timer);
	else
		uv_timer_start(&d->timer, on_timer, (uint64_t)timeout_ms, 0);
	return 0;
}

static void
on_sock_closed(uv_handle_t *h)
{
	free(h->data);
}

static void
sock_close(struct http_uv_sock *s)
{
	struct http_uv *d = s->d;

	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		d->socks = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	uv_poll_stop(&s->poll);
	uv_close((uv_handle_t *)&s->poll, on_sock_closed);
}

static struct http_uv_sock *
sock_new(struct http_uv *d, curl_socket_t fd)
{
	struct http_uv_sock *s = xcalloc(1, sizeof(*s));

	if (uv_poll_init_socket(d->loop, &s->poll, fd) != 0) {
		free(s);
		return NULL;
	}
	s->poll.data = s;
	s->fd = fd;
	s->d = d;
	s->next = d->socks;
	if (d->socks != NULL)
		d->socks->prev = s;
	d->socks = s;
	return s;
}

/* CURLMOPT_SOCKETFUNCTION: watch fd for what curl wants, or stop. */
static int
on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp,
	       void *socketp)
{
	struct http_uv *d = userp;
	struct http_uv_sock *s = socketp;
	int events = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			curl_multi_assign(d->multi, fd, NULL);
			sock_close(s);
		}
		return 0;
	}
	if (s == NULL) {
		s = sock_new(d, fd);
		if (s == NULL)
			return -1; /* curl fails that transfer */
		curl_multi_assign(d->multi, fd, s);
	}
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= UV_READABLE;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= UV_WRITABLE;
	s->events = events;
	uv_poll_start(&s->poll, events, on_poll);
	return 0;
}

int
http_uv_init(struct http_uv *d, uv_loop_t *loop, struct imgpipe_error *err)
{
	CURLM *m;

	*d = (struct http_uv){ .loop = loop };
	m = curl_multi_init();
	if (m == NULL)
		return error_set(err, IMGPIPE_ENOMEM, "cannot start libcurl");
	if (uv_timer_init(loop, &d->timer) != 0) {
		curl_multi_cleanup(m);
		return error_set(err, IMGPIPE_EIO, "cannot start a timer");
	}
	d->timer.data = d;
	d->multi = m;
	curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	curl_multi_setopt(m, CURLMOPT_SOCKETDATA, d);
	curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(m, CURLMOPT_TIMERDATA, d);
	/*
	 * -j transfers to one server are -j connections at once, as the
	 * blocking modes open; finished ones stay open for the next.
	 */
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, 0L);
	return 0;
}

int
http_uv_start(struct http_uv *d, struct http_xfer *x, http_uv_done_fn *done,
	      void *ctx, struct imgpipe_error *err)
{
	struct http_uv_req *r = xcalloc(1, sizeof(*r));

	r->d = d;
	r->easy = http_xfer_easy(x);
	r->done = done;
	r->ctx = ctx;
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, (char *)(void *)r);
	/* The multi handle calls on_curl_timer (0): the start is queued. */
	if (d->closing ||
	    curl_multi_add_handle(d->multi, r->easy) != CURLM_OK) {
		free(r);
		return error_set(err, IMGPIPE_EIO, "cannot start the download");
	}
	r->next = d->reqs;
	if (d->reqs != NULL)
		d->reqs->prev = r;
	d->reqs = r;
	return 0;
}

void
http_uv_abort(struct http_uv *d)
{
	/*
	 * Owners may start new transfers from done: those are not this
	 * abort's, so the list is taken whole first.
	 */
	struct http_uv_req *r = d->reqs, *next;

	d->reqs = NULL;
	for (; r != NULL; r = next) {
		next = r->next;
		r->prev = r->next = NULL;
		curl_multi_remove_handle(d->multi, r->easy);
		r->done(r->ctx, CURLE_ABORTED_BY_CALLBACK);
		free(r);
	}
}

void
http_uv_close(struct http_uv *d)
{
	if (d->closing)
		return;
	d->closing = 1;
	/* Closes the cached connections: their sockets' REMOVE comes here. */
	curl_multi_cleanup(d->multi);
	d->multi = NULL;
	while (d->socks != NULL)
		sock_close(d->socks);
	uv_timer_stop(&d->timer);
	uv_close((uv_handle_t *)&d->timer, NULL);
}
