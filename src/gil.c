/*
 * The simulated interpreter lock.  Locking rule: mu guards next_ticket
 * and serving; a thread holds the GIL while serving equals the
 * ticket it drew.  A holder's held and since are its own thread's.
 */
#include "gil.h"

#include "cancel.h"
#include "executor.h"
#include "fileio.h"
#include "http.h"
#include "util.h"

int
gil_init(struct gil *g, double switch_interval_ms)
{
	if (pthread_mutex_init(&g->mu, NULL) != 0)
		return IMGPIPE_ENOMEM;
	if (pthread_cond_init(&g->turn, NULL) != 0) {
		pthread_mutex_destroy(&g->mu);
		return IMGPIPE_ENOMEM;
	}
	g->next_ticket = g->serving = 0;
	g->interval_s = switch_interval_ms / 1000.0;
	return 0;
}

void
gil_destroy(struct gil *g)
{
	pthread_cond_destroy(&g->turn);
	pthread_mutex_destroy(&g->mu);
}

void
gil_acquire(struct gil_holder *h)
{
	struct gil *g = h->gil;
	unsigned long ticket;

	pthread_mutex_lock(&g->mu);
	ticket = g->next_ticket++;
	while (g->serving != ticket)
		pthread_cond_wait(&g->turn, &g->mu);
	pthread_mutex_unlock(&g->mu);
	h->held = 1;
	h->since = util_now_s();
}

void
gil_release(struct gil_holder *h)
{
	struct gil *g = h->gil;

	h->held = 0;
	pthread_mutex_lock(&g->mu);
	g->serving++;
	pthread_cond_broadcast(&g->turn);
	pthread_mutex_unlock(&g->mu);
}

int
gil_hook(void *ctx)
{
	struct gil_holder *h = ctx;
	struct gil *g = h->gil;
	int waiting;

	if (cancel_requested())
		return IMGPIPE_ECANCEL;
	if (!h->held || util_now_s() - h->since < g->interval_s)
		return 0;
	/* Like CPython, only drop the lock when somebody asked for it. */
	pthread_mutex_lock(&g->mu);
	waiting = g->next_ticket - g->serving > 1;
	pthread_mutex_unlock(&g->mu);
	if (waiting) {
		gil_release(h);
		gil_acquire(h);
	} else {
		h->since = util_now_s();
	}
	return 0;
}

static int
gil_read(void *ctx, const char *path, struct membuf *out,
	 struct imgpipe_error *err)
{
	int rc;

	gil_release(ctx);
	rc = fileio_read(path, out, err);
	gil_acquire(ctx);
	return rc;
}

static int
gil_write(void *ctx, const char *path, const struct membuf *data,
	  struct imgpipe_error *err)
{
	int rc;

	gil_release(ctx);
	rc = fileio_write_atomic(path, data->data, data->len, err);
	gil_acquire(ctx);
	return rc;
}

/* As CPython drops the GIL around a blocking socket read. */
static int
gil_fetch(void *ctx, const struct http_opts *o, const char *url,
	  struct membuf *out, struct http_info *info, struct imgpipe_error *err)
{
	int rc;

	gil_release(ctx);
	rc = http_fetch(o, url, out, info, err);
	gil_acquire(ctx);
	return rc;
}

/* Pillow's Py_BEGIN_ALLOW_THREADS and Py_END_ALLOW_THREADS. */
static void
gil_c_enter(void *ctx)
{
	gil_release(ctx);
}

static void
gil_c_leave(void *ctx)
{
	gil_acquire(ctx);
}

void
gil_holder_init(struct gil_holder *h, struct gil *g, int mode)
{
	int in_c = mode == GIL_RELEASE_IN_C;

	h->gil = g;
	h->since = 0;
	h->held = 0;
	h->io.read_file = gil_read;
	h->io.write_file = gil_write;
	h->io.fetch = gil_fetch;
	h->io.c_enter = in_c ? gil_c_enter : NULL;
	h->io.c_leave = in_c ? gil_c_leave : NULL;
	h->io.ctx = h;
}
