/*
 * The skeleton every executor shares: results set up before, the observer
 * called one at a time, tasks handed out in dispatch order, cancellation
 * checked the same way, row bands cut the same way.  What is left to each
 * exec_<mode>.c is where and when a task runs.  It sits below the
 * executors; the table of them (modes.c) sits above.
 */
#include "executor.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cancel.h"
#include "error.h"
#include "pin.h"
#include "pipeline.h"
#include "stage.h"
#include "util.h"

struct order_key {
	uint64_t bytes;
	size_t index;
};

static int
cmp_larger_first(const void *a, const void *b)
{
	const struct order_key *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

size_t *
exec_dispatch_order(const struct task *tasks, size_t n, int parallel)
{
	struct order_key *k = xcalloc(n ? n : 1, sizeof(*k));
	size_t *order = xcalloc(n ? n : 1, sizeof(*order));
	size_t i;

	for (i = 0; i < n; i++) {
		k[i].bytes = tasks[i].in_bytes;
		k[i].index = i;
	}
	if (n > 1 && parallel > 1)
		qsort(k, n, sizeof(*k), cmp_larger_first);
	for (i = 0; i < n; i++)
		order[i] = k[i].index;
	free(k);
	return order;
}

const double loop_hist_le_ms[LOOP_HIST_BOUNDS] = {
	0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000,
};

void
loop_hist_add(struct loop_stats *loop, double lag_ms)
{
	size_t i = 0;

	while (i < LOOP_HIST_BOUNDS && lag_ms > loop_hist_le_ms[i])
		i++;
	loop->hist[i]++;
}

int
exec_run(const struct executor *ex, const struct exec_config *ec,
	 const struct job *job, const struct task *tasks, size_t n,
	 struct task_result *results, const struct exec_observer *obs,
	 struct loop_stats *loop, struct imgpipe_error *err)
{
	struct exec_batch b = { .ec = ec,
				.job = job,
				.tasks = tasks,
				.results = results,
				.n = n,
				.obs = obs };
	size_t i;
	int rc;

	memset(loop, 0, sizeof(*loop));
	error_clear(err);
	for (i = 0; i < n; i++)
		task_result_init(&results[i]);
	if (pthread_mutex_init(&b.obs_mu, NULL) != 0)
		return error_set(err, IMGPIPE_ENOMEM, "cannot create a lock");
	/*
	 * URL inputs keep the list order: their sizes are unknown until the
	 * body arrives (in_bytes 0), and with -j transfers in flight the
	 * order decides which downloads start first, not which image
	 * computes next: that is whichever body arrives first.
	 */
	b.order = exec_dispatch_order(tasks, n, ec->urls ? 1 : ex->at_once(ec));
	atomic_init(&b.next, 0);
	rc = ex->run(&b, loop, err);
	free(b.order);
	pthread_mutex_destroy(&b.obs_mu);
	if (rc == 0 && cancel_requested())
		rc = IMGPIPE_ECANCEL;
	return rc;
}

int
exec_take(struct exec_batch *b, size_t *i)
{
	size_t k;

	if (cancel_requested())
		return 0;
	k = atomic_fetch_add(&b->next, 1);
	if (k >= b->n)
		return 0;
	*i = b->order[k];
	return 1;
}

int
exec_pending(struct exec_batch *b)
{
	return !cancel_requested() && atomic_load(&b->next) < b->n;
}

int
exec_task(struct exec_batch *b, size_t i, struct worker *w)
{
	if (cancel_requested())
		return 0;
	pipeline_run(b->job, &b->tasks[i], w, &b->results[i]);
	exec_done(b, i);
	return 1;
}

int
exec_run_gated(const struct job *job, const struct task *t, struct worker *w,
	       const struct exec_gate *g, struct task_result *res)
{
	struct worker *c;
	int rc = pipeline_fetch(job, t, w, res);

	if (rc != 0)
		return rc;
	c = g->enter(g->ctx, w);
	if (c == NULL) {
		/* The body is here, but the batch was interrupted meanwhile. */
		res->status = IMGPIPE_ECANCEL;
		util_fmt(res->error, sizeof(res->error), "interrupted");
		res->end_s = util_now_s() - w->t0;
		return res->status;
	}
	rc = pipeline_finish(job, t, &w->in, c, res);
	g->leave(g->ctx, c);
	return rc;
}

int
exec_task_gated(struct exec_batch *b, size_t i, struct worker *w,
		const struct exec_gate *g)
{
	if (cancel_requested())
		return 0;
	exec_run_gated(b->job, &b->tasks[i], w, g, &b->results[i]);
	exec_done(b, i);
	return 1;
}

void
exec_done(struct exec_batch *b, size_t i)
{
	if (b->obs == NULL || b->obs->task_done == NULL)
		return;
	pthread_mutex_lock(&b->obs_mu);
	b->obs->task_done(b->obs->ctx, i, &b->results[i]);
	pthread_mutex_unlock(&b->obs_mu);
}

void
exec_serial(struct exec_batch *b, struct worker *w)
{
	size_t i;

	while (exec_take(b, &i))
		exec_task(b, i, w);
}

void
exec_worker_init(struct worker *w, int id, double t0)
{
	worker_init(w, id, t0);
	w->hook.fn = cancel_hook;
	w->hook.every_rows = EXEC_HOOK_ROWS;
}

/* The CPU this thread is pinned to by exec_pin, -1 none (yet). */
static _Thread_local int pinned_cpu = -1;
static atomic_int pin_warned;

void
exec_pin_map(const int *map, int n, int i)
{
	int cpu, rc;

	if (map == NULL || n <= 0 || i < 0)
		return;
	cpu = map[i % n];
	if (cpu == pinned_cpu)
		return;
	rc = pin_self(cpu);
	if (rc == 0) {
		pinned_cpu = cpu;
		return;
	}
	if (atomic_exchange(&pin_warned, 1) == 0)
		util_warn("cannot pin a worker to CPU %d: %s; it runs where "
			  "it was",
			  cpu, strerror(-rc));
}

void
exec_pin(const struct exec_config *ec, int i)
{
	exec_pin_map(ec->pin_map, ec->pin_n, i);
}

int
exec_band_rows(int h)
{
	return UTIL_MAX(8, h / 16 + 1);
}

int
exec_band_count(int h, int band_rows)
{
	return (h + band_rows - 1) / band_rows;
}

void
exec_band_run(const struct stage *st, int band_rows, int i)
{
	int y0 = i * band_rows;

	st->rows(st, y0, UTIL_MIN(y0 + band_rows, st->dst->h));
}
