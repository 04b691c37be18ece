/*
 * coop: one thread, one libuv loop.  Each of -j images in flight is a
 * coroutine that runs until it yields: always between images, and every
 * --yield-rows rows when that is set (through the row hook, so kernels
 * never know).  File I/O runs on the loop's thread pool, with the read and
 * atomic write every mode uses, while the loop goes on.  A heartbeat
 * timer on the same loop records how late it fires: the measure of how
 * long CPU work kept the loop from running anything else.  --offload hands
 * each image's work to the loop's thread pool and awaits it instead, where
 * it runs on a CPU slot's worker state (slots.h) and stands aside for the
 * loop whenever the heartbeat is overdue (pool_hook).  URL inputs are
 * downloaded on the loop itself through curl's multi interface (http_uv.h):
 * -j fibers keep -j transfers in flight on this one thread, and with
 * --offload only the CPU work goes to the pool.
 *
 *   fiber: READY --idle cb resumes--> RUNNING --yield--> READY
 *          RUNNING --file I/O / offload--> WAITING --callback--> READY
 *          RUNNING --download--> WAITING --transfer done--> READY
 *          RUNNING --retry backoff--> SLEEPING --timer / cancel--> READY
 *          RUNNING --no tasks left--> FINISHED
 */
#include "executor.h"

#include <math.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cancel.h"
#include "coro.h"
#include "error.h"
#include "fileio.h"
#include "http.h"
#include "http_uv.h"
#include "pipeline.h"
#include "slots.h"
#include "util.h"

#define FIBER_STACK (512 * 1024)

struct coop;

/* A file read (out NULL) or atomic write the pool runs for a fiber. */
struct file_job {
	const char *path;
	struct membuf *in;
	const struct membuf *out;
	struct imgpipe_error *err;
	int rc;
};

struct fiber {
	struct coro co;
	struct coop *c;
	struct worker w;
	struct pipeline_io io;
	struct file_job file;
	uv_work_t work; /* the file job or, with --offload, the image */
	size_t cur;
	long ticks_seen;    /* ticks at this image's last row hook; -1: none */
	int xfer_result;    /* URL inputs: the attempt's CURLcode */
	uv_timer_t backoff; /* URL inputs: the wait before a retry */
	int sleeping;	    /* waiting on backoff */
	int backoff_ok;	    /* backoff is initialised */
	/* Computing on the loop thread: the span in results[cur] is open. */
	int computing;
};

struct coop {
	struct exec_batch *b;
	const struct exec_config *ec; /* b->ec */
	uv_loop_t loop;
	uv_timer_t tick;
	uv_idle_t idle;
	struct fiber *fibers;
	int nfibers, live;
	struct fiber **ready; /* FIFO ring of nfibers slots */
	int rhead, rcount;
	double *lags_ms;
	size_t nlags, lags_cap;
	long ticks_mid_image;	 /* loop_stats.ticks_mid_image */
	_Atomic uint64_t due_ns; /* next tick; pool threads read it */
	int loop_ok, slots_ok;
	struct slots slots;  /* --offload: the pool's CPU slots */
	struct http_uv http; /* URL inputs: the transfers on this loop */
	int http_ok, aborted;
};

static void on_idle(uv_idle_t *h);

static void
make_ready(struct fiber *f)
{
	struct coop *c = f->c;

	c->ready[(c->rhead + c->rcount) % c->nfibers] = f;
	c->rcount++;
	uv_idle_start(&c->idle, on_idle);
}

static float
since_start(const struct fiber *f)
{
	return (float)(util_now_s() - f->c->ec->t0);
}

/*
 * The timeline's spans: a task computes on the loop thread from its
 * resume to its next yield, and other fibers run in between.  Past
 * TASK_SPANS the last span is extended instead.
 */
static void
span_open(struct fiber *f)
{
	struct task_result *r = &f->c->b->results[f->cur];

	if (r->nspans < TASK_SPANS)
		r->spans[r->nspans++][0] = since_start(f);
	r->spans[r->nspans - 1][1] = since_start(f);
}

static void
span_close(struct fiber *f)
{
	struct task_result *r = &f->c->b->results[f->cur];

	if (r->nspans > 0)
		r->spans[r->nspans - 1][1] = since_start(f);
}

/* Give the thread to the loop; a task computing closes its span. */
static void
fiber_switch(struct fiber *f)
{
	if (f->computing)
		span_close(f);
	coro_yield(&f->co);
	if (f->computing)
		span_open(f);
}

/* Yield to the loop and come back when it is our turn again. */
static void
fiber_yield(struct fiber *f)
{
	make_ready(f);
	fiber_switch(f);
}

/*
 * Count the ticks that ran since this image's previous row hook: the
 * loop's heartbeat seen between two rows of one image, which only a yield
 * inside the image allows (reads and writes lie outside its row hooks).
 */
static void
note_rows(struct fiber *f)
{
	long now = (long)f->c->nlags;

	if (f->ticks_seen >= 0)
		f->c->ticks_mid_image += now - f->ticks_seen;
	f->ticks_seen = now;
}

static int
yield_hook(void *ctx)
{
	struct fiber *f = ctx;

	note_rows(f);
	if (cancel_requested())
		return IMGPIPE_ECANCEL;
	fiber_yield(f);
	return cancel_requested() ? IMGPIPE_ECANCEL : 0;
}

/* Without --yield-rows: rows are counted and cancellation seen, no yield. */
static int
rows_hook(void *ctx)
{
	note_rows(ctx);
	return cancel_hook(NULL);
}

static void
after_work(uv_work_t *req, int status)
{
	(void)status;
	make_ready(req->data);
}

static void
file_work(uv_work_t *req)
{
	struct file_job *j = &((struct fiber *)req->data)->file;

	if (j->out != NULL)
		j->rc = fileio_write_atomic(j->path, j->out->data, j->out->len,
					    j->err);
	else
		j->rc = fileio_read(j->path, j->in, j->err);
}

/* Run f's file job on the pool and come back with its result. */
static int
await_file(struct fiber *f)
{
	f->work.data = f;
	if (uv_queue_work(&f->c->loop, &f->work, file_work, after_work) != 0)
		return error_set(f->file.err, IMGPIPE_EIO,
				 "cannot queue file I/O");
	fiber_switch(f);
	return f->file.rc;
}

static int
coop_read(void *ctx, const char *path, struct membuf *out,
	  struct imgpipe_error *err)
{
	struct fiber *f = ctx;

	f->file = (struct file_job){ .path = path, .in = out, .err = err };
	return await_file(f);
}

static int
coop_write(void *ctx, const char *path, const struct membuf *data,
	   struct imgpipe_error *err)
{
	struct fiber *f = ctx;

	/* The encode has ended: the write is I/O, not the task's CPU work. */
	if (f->computing)
		span_close(f);
	f->computing = 0;
	f->file = (struct file_job){ .path = path, .out = data, .err = err };
	return await_file(f);
}

static void
on_xfer_done(void *ctx, int result)
{
	struct fiber *f = ctx;

	f->xfer_result = result;
	make_ready(f);
}

static void
on_backoff(uv_timer_t *t)
{
	struct fiber *f = t->data;

	f->sleeping = 0;
	make_ready(f);
}

/* Wait s seconds on the loop before a retry; cancellation wakes us early. */
static int
fiber_sleep(struct fiber *f, double s)
{
	f->sleeping = 1;
	uv_timer_start(&f->backoff, on_backoff, (uint64_t)llround(s * 1000), 0);
	fiber_switch(f);
	return cancel_requested() ? IMGPIPE_ECANCEL : 0;
}

/*
 * The pipeline's fetch: one attempt at a time on the loop's multi handle,
 * the fiber waiting for each, judged by http_xfer_done as http_fetch
 * judges its own.
 */
static int
coop_fetch(void *ctx, const struct http_opts *o, const char *url,
	   struct membuf *out, struct http_info *info,
	   struct imgpipe_error *err)
{
	struct fiber *f = ctx;
	struct http_xfer *x;
	enum http_next next = HTTP_FAILED;
	double t0 = util_now_s(), delay = 0;
	int rc = 0;

	memset(info, 0, sizeof(*info));
	if (cancel_requested())
		return error_set(err, IMGPIPE_ECANCEL, "interrupted");
	x = http_xfer_new(o, url, out, err);
	if (x == NULL)
		return err->code;
	for (;;) {
		rc = http_uv_start(&f->c->http, x, on_xfer_done, f, err);
		if (rc != 0)
			break;
		fiber_switch(f);
		next = http_xfer_done(x, f->xfer_result, info, &delay, err);
		if (next != HTTP_RETRY)
			break;
		if (fiber_sleep(f, delay) != 0) {
			rc = error_set(err, IMGPIPE_ECANCEL, "interrupted");
			break;
		}
		http_xfer_restart(x, err);
	}
	if (rc == 0 && next == HTTP_FAILED)
		rc = err->code;
	if (rc != 0)
		membuf_reset(out);
	info->seconds = util_now_s() - t0;
	http_xfer_free(x);
	return rc;
}

/*
 * The pool threads' row hook: once the heartbeat is overdue, give the CPU
 * up until the loop has run it.  With every CPU busy the woken loop thread
 * otherwise waits for the scheduler's next tick to preempt a pool thread:
 * the lag --offload is meant to remove (bench/README.md).
 */
static int
pool_hook(void *ctx)
{
	struct coop *c = ctx;
	uint64_t due = atomic_load_explicit(&c->due_ns, memory_order_relaxed);

	if (cancel_requested())
		return IMGPIPE_ECANCEL;
	if (uv_hrtime() > due)
		sched_yield();
	return 0;
}

static void
work_cb(uv_work_t *req)
{
	struct fiber *f = req->data;
	struct coop *c = f->c;
	const struct task *t = &c->b->tasks[f->cur];
	struct task_result *res = &c->b->results[f->cur];
	int s = slots_take(&c->slots);

	if (t->url != NULL) {
		res->worker = s;
		pipeline_finish(c->b->job, t, &f->w.in, &c->slots.w[s], res);
	} else {
		pipeline_run(c->b->job, t, &c->slots.w[s], res);
	}
	slots_give(&c->slots, s);
}

/* One task on the loop thread, its compute spans recorded. */
static void
run_here(struct fiber *f)
{
	const struct task *t = &f->c->b->tasks[f->cur];
	struct task_result *res = &f->c->b->results[f->cur];

	f->ticks_seen = -1;
	if (pipeline_fetch(f->c->b->job, t, &f->w, res) != 0)
		return;
	f->computing = 1;
	span_open(f);
	pipeline_finish(f->c->b->job, t, &f->w.in, &f->w, res);
	if (f->computing)
		span_close(f);
	f->computing = 0;
}

/*
 * --offload: the image's CPU work on the pool; a URL's download first, on
 * the loop, so that no pool thread waits for the network.
 */
static void
run_offloaded(struct fiber *f)
{
	struct coop *c = f->c;
	const struct task *t = &c->b->tasks[f->cur];

	if (t->url != NULL &&
	    pipeline_fetch(c->b->job, t, &f->w, &c->b->results[f->cur]) != 0)
		return;
	f->work.data = f;
	uv_queue_work(&c->loop, &f->work, work_cb, after_work);
	coro_yield(&f->co);
}

static void
fiber_main(void *arg)
{
	struct fiber *f = arg;
	struct coop *c = f->c;

	while (exec_take(c->b, &f->cur)) {
		if (c->ec->offload)
			run_offloaded(f);
		else
			run_here(f);
		exec_done(c->b, f->cur);
		fiber_yield(f);
	}
}

static void
on_close(uv_handle_t *h)
{
	(void)h;
}

/* The last fiber has finished: close every handle so that uv_run ends. */
static void
close_handles(struct coop *c)
{
	int k;

	uv_close((uv_handle_t *)&c->tick, on_close);
	uv_close((uv_handle_t *)&c->idle, on_close);
	if (!c->http_ok)
		return;
	http_uv_close(&c->http);
	for (k = 0; k < c->nfibers; k++)
		if (c->fibers[k].backoff_ok)
			uv_close((uv_handle_t *)&c->fibers[k].backoff,
				 on_close);
}

/*
 * Cancellation, seen by the heartbeat: every transfer in flight ends now
 * and every backoff wait is cut short, so that SIGINT ends a URL batch
 * within a tick even when no byte moves.
 */
static void
abort_transfers(struct coop *c)
{
	struct fiber *f;
	int k;

	c->aborted = 1;
	http_uv_abort(&c->http);
	for (k = 0; k < c->nfibers; k++) {
		f = &c->fibers[k];
		if (f->sleeping) {
			f->sleeping = 0;
			uv_timer_stop(&f->backoff);
			make_ready(f);
		}
	}
}

static void
on_idle(uv_idle_t *h)
{
	struct coop *c = h->data;
	struct fiber *f;

	if (c->rcount == 0) {
		uv_idle_stop(&c->idle);
		return;
	}
	f = c->ready[c->rhead];
	c->rhead = (c->rhead + 1) % c->nfibers;
	c->rcount--;
	coro_resume(&f->co);
	if (f->co.finished && --c->live == 0)
		close_handles(c);
}

static void
record_lag(struct coop *c, double ms)
{
	if (c->nlags == c->lags_cap) {
		c->lags_cap = c->lags_cap ? 2 * c->lags_cap : 1024;
		c->lags_ms =
			xrealloc(c->lags_ms, c->lags_cap * sizeof(*c->lags_ms));
	}
	c->lags_ms[c->nlags++] = ms;
}

/*
 * A one-shot timer re-armed from its own callback: each tick's lateness is
 * measured against the moment it was due, never against a schedule that
 * has already slipped.
 */
static void on_tick(uv_timer_t *t);

/* Start the next one-shot tick, due one period from now. */
static void
arm_tick(struct coop *c)
{
	uv_update_time(&c->loop);
	atomic_store_explicit(&c->due_ns,
			      uv_hrtime() +
				      (uint64_t)llround(c->ec->tick_ms * 1e6),
			      memory_order_relaxed);
	uv_timer_start(&c->tick, on_tick, (uint64_t)llround(c->ec->tick_ms), 0);
}

static void
on_tick(uv_timer_t *t)
{
	struct coop *c = t->data;
	uint64_t now = uv_hrtime();
	uint64_t due = atomic_load_explicit(&c->due_ns, memory_order_relaxed);

	record_lag(c, now > due ? (double)(now - due) / 1e6 : 0);
	if (c->http_ok && !c->aborted && cancel_requested())
		abort_transfers(c);
	arm_tick(c);
}

static double
percentile(const double *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)ceil(p * (double)n) - (p > 0);
	return v[i < n ? i : n - 1];
}

static void
summarise(struct coop *c, struct loop_stats *loop)
{
	/*
	 * Robustness: a batch shorter than one tick has no lags, and
	 * qsort(NULL, 0, ...) is undefined (UBSan reports it).
	 */
	if (c->nlags > 0)
		qsort(c->lags_ms, c->nlags, sizeof(*c->lags_ms),
		      util_cmp_double);
	loop->present = 1;
	loop->tick_ms = c->ec->tick_ms;
	loop->ticks = (long)c->nlags;
	loop->p50_ms = percentile(c->lags_ms, c->nlags, 0.50);
	loop->p99_ms = percentile(c->lags_ms, c->nlags, 0.99);
	loop->max_ms = c->nlags ? c->lags_ms[c->nlags - 1] : 0;
	loop->ticks_mid_image = c->ticks_mid_image;
	memset(loop->hist, 0, sizeof(loop->hist));
	for (size_t i = 0; i < c->nlags; i++)
		loop_hist_add(loop, c->lags_ms[i]);
}

static int
setup_fiber(struct coop *c, struct fiber *f, int id)
{
	f->c = c;
	exec_worker_init(&f->w, id, c->ec->t0);
	if (c->http_ok) {
		uv_timer_init(&c->loop, &f->backoff);
		f->backoff.data = f;
		f->backoff_ok = 1;
		f->io.fetch = coop_fetch;
		f->io.ctx = f;
		f->w.io = &f->io;
	}
	if (!c->ec->offload) {
		f->w.hook.fn = rows_hook;
		f->w.hook.ctx = f;
		f->io.read_file = coop_read;
		f->io.write_file = coop_write;
		f->io.ctx = f;
		f->w.io = &f->io;
		if (c->ec->yield_rows > 0) {
			f->w.hook.fn = yield_hook;
			f->w.hook.ctx = f;
			f->w.hook.every_rows = c->ec->yield_rows;
		} else if (id > 0) {
			/*
			 * Without yields an image computes from its read to
			 * its write without giving up the thread: one set of
			 * pixel buffers serves every fiber, where each
			 * fiber's own set would be first-touched in turn
			 * (bench/README.md).
			 */
			worker_share_bufs(&f->w, &c->fibers[0].w);
		}
	}
	return coro_init(&f->co, FIBER_STACK, fiber_main, f);
}

static int
start(struct coop *c, struct imgpipe_error *err)
{
	char size[16];
	int k, nslots = slots_for(c->ec->jobs, c->ec->cpus);

	/*
	 * The pool is sized once, at its first use: before the loop runs.
	 * With URL inputs -j counts transfers, which the loop carries: the
	 * pool needs one thread per CPU slot only.
	 */
	if (c->ec->offload) {
		util_fmt(size, sizeof(size), "%d",
			 c->ec->urls ? nslots : c->ec->jobs);
		setenv("UV_THREADPOOL_SIZE", size, 1);
		if (slots_init(&c->slots, nslots, c->ec->t0) != 0)
			return error_set(err, IMGPIPE_ENOMEM,
					 "cannot create the slots");
		c->slots_ok = 1;
		slots_pin(&c->slots, c->ec);
		for (k = 0; k < c->slots.n; k++) {
			c->slots.w[k].hook.fn = pool_hook;
			c->slots.w[k].hook.ctx = c;
			c->slots.w[k].hook.every_rows = 8;
		}
	}
	if (uv_loop_init(&c->loop) != 0)
		return error_set(err, IMGPIPE_ENOMEM, "cannot start the loop");
	c->loop_ok = 1;
	uv_timer_init(&c->loop, &c->tick);
	uv_idle_init(&c->loop, &c->idle);
	c->tick.data = c->idle.data = c;
	if (c->ec->urls) {
		if (http_uv_init(&c->http, &c->loop, err) != 0)
			return err->code;
		c->http_ok = 1;
	}
	for (k = 0; k < c->nfibers; k++) {
		if (setup_fiber(c, &c->fibers[k], k) != 0)
			return error_set(err, IMGPIPE_ENOMEM,
					 "cannot allocate a coroutine");
		c->live++;
		make_ready(&c->fibers[k]);
	}
	arm_tick(c);
	return 0;
}

/* Plain coop runs one image at a time, whatever -j says. */
static int
coop_at_once(const struct exec_config *ec)
{
	return ec->offload ? ec->jobs : 1;
}

static int
coop_run(struct exec_batch *b, struct loop_stats *loop,
	 struct imgpipe_error *err)
{
	struct coop c = { .b = b, .ec = b->ec };
	int k, rc;

	/* The loop's thread, and with it every image it computes. */
	exec_pin(c.ec, 0);
	c.nfibers = (int)UTIL_MAX(1, UTIL_MIN((size_t)c.ec->jobs, b->n));
	c.fibers = xcalloc((size_t)c.nfibers, sizeof(*c.fibers));
	c.ready = xcalloc((size_t)c.nfibers, sizeof(*c.ready));
	rc = start(&c, err);
	if (rc == 0) {
		uv_run(&c.loop, UV_RUN_DEFAULT);
		summarise(&c, loop);
	} else if (c.loop_ok) {
		/* No fiber has run: close what start opened, then let go. */
		close_handles(&c);
		uv_run(&c.loop, UV_RUN_DEFAULT);
	}
	if (c.loop_ok)
		uv_loop_close(&c.loop);
	for (k = 0; k < c.nfibers; k++) {
		worker_release(&c.fibers[k].w);
		coro_release(&c.fibers[k].co);
	}
	free(c.fibers);
	free(c.ready);
	free(c.lags_ms);
	if (c.slots_ok)
		slots_destroy(&c.slots);
	return rc;
}

const struct executor exec_coop = {
	.name = "coop",
	.at_once = coop_at_once,
	.run = coop_run,
};
