/*
 * libcurl's multi interface driven by a libuv loop: the pattern of curl's
 * multi-uv example.  curl tells us which sockets to watch
 * (CURLMOPT_SOCKETFUNCTION: a uv_poll_t each) and when to call it back
 * (CURLMOPT_TIMERFUNCTION: one uv_timer_t); the loop calls
 * curl_multi_socket_action when a socket is ready or the timer fires, and
 * every finished transfer is handed to its owner's callback.  One thread
 * keeps any number of transfers in flight; nothing here blocks.
 */
#ifndef IMGPIPE_HTTP_UV_H
#define IMGPIPE_HTTP_UV_H

#include <uv.h>

#include "http.h"

struct imgpipe_error;

/* Called on the loop's thread when a transfer ends; result is a CURLcode. */
typedef void http_uv_done_fn(void *ctx, int result);

struct http_uv_req;
struct http_uv_sock;

struct http_uv {
	uv_loop_t *loop;
	void *multi; /* CURLM * */
	uv_timer_t timer;
	int running; /* transfers curl still runs */
	int closing; /* http_uv_close called */
	/* Transfers started and not yet done: what http_uv_abort ends. */
	struct http_uv_req *reqs;
	/* Sockets watched: what http_uv_close closes should curl not. */
	struct http_uv_sock *socks;
};

/* Set d up on loop: 0, or IMGPIPE_ENOMEM / IMGPIPE_EIO with the reason. */
int http_uv_init(struct http_uv *d, uv_loop_t *loop, struct imgpipe_error *err);

/*
 * Start x's current attempt; done(ctx, result) runs once, on the loop,
 * when it ends (also when http_uv_abort cut it short).  0 or IMGPIPE_EIO.
 */
int http_uv_start(struct http_uv *d, struct http_xfer *x, http_uv_done_fn *done,
		  void *ctx, struct imgpipe_error *err);

/*
 * Cancellation: end every transfer in flight now (each owner's done sees
 * CURLE_ABORTED_BY_CALLBACK); the loop can then run to its end.
 */
void http_uv_abort(struct http_uv *d);

/*
 * Close the timer and poll handles; the loop must run once more to finish
 * closing them, after which d may be freed.  No transfer may be in flight.
 */
void http_uv_close(struct http_uv *d);

#endif
