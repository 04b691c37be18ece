/*
 * threads: a pool of -j pthreads taking tasks from a shared atomic index,
 * so uneven image sizes balance.  --split rows instead runs images one at
 * a time and splits each stage's rows into bands across the pool.  --gil
 * makes every thread hold a simulated interpreter lock to run.  Otherwise
 * a thread processes each image on a CPU slot's worker state (slots.h),
 * so at most one image per CPU is processed at once.
 *
 *   task:  PENDING --fetch_add--> RUNNING --pipeline_run--> DONE
 *          PENDING --signal-----> CANCELLED (never started)
 *   band job (split rows): POSTED --all bands finished--> DONE
 */
#include "executor.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cancel.h"
#include "gil.h"
#include "pipeline.h"
#include "slots.h"
#include "util.h"

#define HOOK_ROWS 32
#define GIL_HOOK_ROWS 4

/* State shared by the pool.  obs_mu serialises observer calls. */
struct pool {
	const struct exec_config *ec;
	const struct job *job;
	const struct task *tasks;
	struct task_result *results;
	size_t n;
	size_t *order;			/* exec_dispatch_order */
	atomic_size_t next;
	int nslots;			/* 0: a worker per thread (gil) */
	struct slots slots;
	const struct exec_observer *obs;
	pthread_mutex_t obs_mu;
	struct gil gil;
};

struct thread_ctx {
	struct pool *pool;
	struct worker w;
	struct gil_holder gh;
	pthread_t tid;
};

static void
report_done(struct pool *p, size_t i)
{
	if (p->obs == NULL || p->obs->task_done == NULL)
		return;
	pthread_mutex_lock(&p->obs_mu);
	p->obs->task_done(p->obs->ctx, i, &p->results[i]);
	pthread_mutex_unlock(&p->obs_mu);
}

static void *
task_loop(void *arg)
{
	struct thread_ctx *t = arg;
	struct pool *p = t->pool;
	size_t k, i;
	int s;

	if (p->ec->gil)
		gil_acquire(&t->gh);
	while ((k = atomic_fetch_add(&p->next, 1)) < p->n) {
		if (cancel_requested())
			continue;
		i = p->order[k];
		if (p->nslots > 0) {
			s = slots_take(&p->slots);
			pipeline_run(p->job, &p->tasks[i], &p->slots.w[s],
				     &p->results[i]);
			slots_give(&p->slots, s);
		} else {
			pipeline_run(p->job, &p->tasks[i], &t->w,
				     &p->results[i]);
		}
		report_done(p, i);
	}
	if (p->ec->gil)
		gil_release(&t->gh);
	return NULL;
}

static void
setup_thread(struct thread_ctx *t, struct pool *p, int id)
{
	t->pool = p;
	worker_init(&t->w, id, p->ec->t0);
	t->w.hook.fn = cancel_hook;
	t->w.hook.every_rows = HOOK_ROWS;
	if (p->ec->gil) {
		gil_holder_init(&t->gh, &p->gil);
		t->w.hook.fn = gil_hook;
		t->w.hook.ctx = &t->gh;
		t->w.hook.every_rows = GIL_HOOK_ROWS;
		t->w.io = &t->gh.io;
	}
}

/* Run task_loop on jobs threads (the caller's thread is one of them). */
static int
run_images(struct pool *p, struct imgpipe_error *err)
{
	int j = p->ec->jobs, k, started = 1, rc = 0;
	struct thread_ctx *t;

	if (p->nslots > 0 &&
	    slots_init(&p->slots, p->nslots, p->ec->t0) != 0)
		return error_set(err, IMGPIPE_ENOMEM, "cannot create the slots");
	t = xcalloc((size_t)j, sizeof(*t));
	for (k = 0; k < j; k++)
		setup_thread(&t[k], p, k);
	for (k = 1; k < j; k++, started++)
		if (pthread_create(&t[k].tid, NULL, task_loop, &t[k]) != 0) {
			rc = error_set(err, IMGPIPE_ENOMEM,
				       "cannot start worker thread");
			break;
		}
	/* With fewer threads than asked the batch still finishes. */
	task_loop(&t[0]);
	for (k = 1; k < started; k++)
		pthread_join(t[k].tid, NULL);
	for (k = 0; k < j; k++)
		worker_release(&t[k].w);
	if (p->nslots > 0)
		slots_destroy(&p->slots);
	free(t);
	return rc;
}

/*
 * Row bands of one stage at a time, fork-join.  Locking rule: mu guards
 * every field below it; the stage's rows are written outside the lock, each
 * band by exactly one thread.
 */
struct bands {
	pthread_mutex_t mu;
	pthread_cond_t posted, finished;
	const struct stage *st;
	int band_rows, nbands, next, done;
	unsigned long gen;
	int quit;
};

static void
work_bands(struct bands *b)
{
	const struct stage *st;
	int i, y0, y1;

	pthread_mutex_lock(&b->mu);
	while (b->st != NULL && b->next < b->nbands) {
		i = b->next++;
		st = b->st;
		pthread_mutex_unlock(&b->mu);
		y0 = i * b->band_rows;
		y1 = UTIL_MIN(y0 + b->band_rows, st->dst->h);
		st->rows(st, y0, y1);
		pthread_mutex_lock(&b->mu);
		if (++b->done == b->nbands)
			pthread_cond_signal(&b->finished);
	}
	pthread_mutex_unlock(&b->mu);
}

static void *
band_helper(void *arg)
{
	struct bands *b = arg;
	unsigned long seen = 0;

	pthread_mutex_lock(&b->mu);
	while (!b->quit) {
		if (b->gen == seen) {
			pthread_cond_wait(&b->posted, &b->mu);
			continue;
		}
		seen = b->gen;
		pthread_mutex_unlock(&b->mu);
		work_bands(b);
		pthread_mutex_lock(&b->mu);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

static int
bands_run(void *ctx, const struct stage *st, struct hook *hook)
{
	struct bands *b = ctx;
	int h = st->dst->h;

	pthread_mutex_lock(&b->mu);
	/* Several bands a thread, so an uneven band does not idle the rest. */
	b->band_rows = UTIL_MAX(8, h / 16 + 1);
	b->nbands = (h + b->band_rows - 1) / b->band_rows;
	b->next = b->done = 0;
	b->st = st;
	b->gen++;
	pthread_cond_broadcast(&b->posted);
	pthread_mutex_unlock(&b->mu);
	work_bands(b);
	pthread_mutex_lock(&b->mu);
	while (b->done < b->nbands)
		pthread_cond_wait(&b->finished, &b->mu);
	b->st = NULL;
	pthread_mutex_unlock(&b->mu);
	return hook_rows(hook, h);
}

static int
run_rows(struct pool *p, struct imgpipe_error *err)
{
	struct stage_runner runner = { bands_run, NULL };
	int j = p->ec->jobs, k, started = 0, rc = 0;
	pthread_t *tid = xcalloc((size_t)j, sizeof(*tid));
	struct bands b = { .st = NULL };
	struct thread_ctx t;

	pthread_mutex_init(&b.mu, NULL);
	pthread_cond_init(&b.posted, NULL);
	pthread_cond_init(&b.finished, NULL);
	runner.ctx = &b;
	for (k = 1; k < j; k++, started++)
		if (pthread_create(&tid[k], NULL, band_helper, &b) != 0) {
			rc = error_set(err, IMGPIPE_ENOMEM,
				       "cannot start worker thread");
			break;
		}
	setup_thread(&t, p, 0);
	t.w.runner = &runner;
	task_loop(&t);
	worker_release(&t.w);
	pthread_mutex_lock(&b.mu);
	b.quit = 1;
	pthread_cond_broadcast(&b.posted);
	pthread_mutex_unlock(&b.mu);
	for (k = 1; k <= started; k++)
		pthread_join(tid[k], NULL);
	pthread_cond_destroy(&b.finished);
	pthread_cond_destroy(&b.posted);
	pthread_mutex_destroy(&b.mu);
	free(tid);
	return rc;
}

static int
threads_run(const struct exec_config *ec, const struct job *job,
	    const struct task *tasks, size_t n, struct task_result *results,
	    const struct exec_observer *obs, struct loop_stats *loop,
	    struct imgpipe_error *err)
{
	struct pool p;
	size_t i;
	int rc;

	loop->present = 0;
	for (i = 0; i < n; i++)
		task_result_init(&results[i]);
	/* whole, so no field (the slots, the lock) is ever read unset */
	memset(&p, 0, sizeof(p));
	p.ec = ec;
	p.job = job;
	p.tasks = tasks;
	p.results = results;
	p.n = n;
	/* split rows and --gil: one image computes at a time, per thread */
	p.nslots = ec->split_rows || ec->gil ? 0 : slots_for(ec->jobs, ec->cpus);
	p.order = exec_dispatch_order(tasks, n, p.nslots);
	atomic_init(&p.next, 0);
	p.obs = obs;
	pthread_mutex_init(&p.obs_mu, NULL);
	if (ec->gil && gil_init(&p.gil, ec->switch_interval_ms) != 0) {
		free(p.order);
		pthread_mutex_destroy(&p.obs_mu);
		return error_set(err, IMGPIPE_ENOMEM, "cannot create the lock");
	}
	rc = ec->split_rows && !ec->gil ? run_rows(&p, err) : run_images(&p, err);
	if (ec->gil)
		gil_destroy(&p.gil);
	pthread_mutex_destroy(&p.obs_mu);
	free(p.order);
	if (rc == 0 && cancel_requested())
		rc = IMGPIPE_ECANCEL;
	return rc;
}

const struct executor exec_threads = {
	.name = "threads",
	.run = threads_run,
};
