/*
 * threads: a pool of -j pthreads taking tasks from a shared atomic index,
 * so uneven image sizes balance.  --split rows also cuts each stage into
 * row bands that threads out of images help with.  --gil
 * makes every thread hold a simulated interpreter lock to run.  Otherwise
 * a thread processes each image on a CPU slot's worker state (slots.h),
 * so at most one image per CPU is processed at once.  A thread that
 * cannot be started leaves its share to those that were.
 *
 *   task:  PENDING --exec_take--> RUNNING --pipeline_run--> DONE
 *          PENDING --signal-----> CANCELLED (never started)
 *   band job (split rows): OPEN --bands handed out, all done--> removed
 */
#include "executor.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gil.h"
#include "pipeline.h"
#include "stage.h"
#include "slots.h"
#include "util.h"

/* --gil: the lock is offered every few rows, so a hand-over waits little. */
#define GIL_HOOK_ROWS 4

/*
 * --split rows: every thread processes images as without it, and a stage
 * it runs is also cut into row bands that any thread without an image of
 * its own helps with.  So a batch scales across images while there are
 * enough, and the last images of a batch (or the only ones) still get
 * every thread on their operations.  Decode and encode stay one thread an
 * image.
 *
 * Locking rule: mu guards every field of struct bandpool and of each open
 * struct bandjob; a band's rows are written outside the lock, each band by
 * exactly one thread.  A job lives on its owner's stack, in the open list
 * from posting until its last band is done.
 */
struct bandjob {
	const struct stage *st;
	int band_rows, nbands, next, done;
	struct bandjob *link;
};

struct bandpool {
	pthread_mutex_t mu;
	pthread_cond_t posted;	 /* bands to take, or no images left */
	pthread_cond_t finished; /* some job's last band is done */
	struct bandjob *open;
	int busy; /* threads still taking images */
};

/* Run band i of j without the lock; back under it, count it done. */
static void
run_band(struct bandpool *bp, struct bandjob *j, int i)
{
	pthread_mutex_unlock(&bp->mu);
	exec_band_run(j->st, j->band_rows, i);
	pthread_mutex_lock(&bp->mu);
	if (++j->done == j->nbands)
		pthread_cond_broadcast(&bp->finished);
}

static int
bands_run(void *ctx, const struct stage *st, struct hook *hook)
{
	struct bandpool *bp = ctx;
	struct bandjob j = { .st = st };
	struct bandjob **pp;
	int h = st->dst->h;

	j.band_rows = exec_band_rows(h);
	j.nbands = exec_band_count(h, j.band_rows);
	pthread_mutex_lock(&bp->mu);
	j.link = bp->open;
	bp->open = &j;
	pthread_cond_broadcast(&bp->posted);
	while (j.next < j.nbands)
		run_band(bp, &j, j.next++);
	while (j.done < j.nbands)
		pthread_cond_wait(&bp->finished, &bp->mu);
	for (pp = &bp->open; *pp != &j; pp = &(*pp)->link)
		;
	*pp = j.link;
	pthread_mutex_unlock(&bp->mu);
	return hook_rows(hook, h);
}

/* A thread out of images helps the others' stages until none are left. */
static void
help_bands(struct bandpool *bp)
{
	struct bandjob *j;

	pthread_mutex_lock(&bp->mu);
	if (--bp->busy == 0)
		pthread_cond_broadcast(&bp->posted);
	for (;;) {
		for (j = bp->open; j != NULL && j->next == j->nbands;
		     j = j->link)
			;
		if (j != NULL)
			run_band(bp, j, j->next++);
		else if (bp->busy > 0)
			pthread_cond_wait(&bp->posted, &bp->mu);
		else
			break;
	}
	pthread_mutex_unlock(&bp->mu);
}

/* State shared by the pool. */
struct pool {
	struct exec_batch *b;
	const struct exec_config *ec; /* b->ec */
	int nslots;		      /* 0: a worker per thread */
	struct slots slots;
	struct gil gil;
	struct bandpool *bands;	    /* --split rows, else NULL */
	struct stage_runner runner; /* bands_run on bands */
};

struct thread_ctx {
	struct pool *pool;
	struct worker w;
	struct gil_holder gh;
	pthread_t tid;
};

static void *
task_loop(void *arg)
{
	struct thread_ctx *t = arg;
	struct pool *p = t->pool;
	struct worker *w = &t->w;
	size_t i, ran = 0;
	int s = -1;

	if (p->ec->gil)
		gil_acquire(&t->gh);
	/*
	 * A slot is kept for all of the thread's images, and an image is
	 * taken only with a slot in hand: the extra threads of -j above the
	 * CPU count wait to the end, so the images still go out largest first
	 * and each slot's buffers stay in its CPU's caches: handed from thread
	 * to thread per image, they moved between CPUs and -j above the core
	 * count lost throughput (bench/README.md).
	 */
	if (p->nslots > 0) {
		s = slots_take(&p->slots);
		w = &p->slots.w[s];
	}
	while (exec_take(p->b, &i))
		ran += (size_t)exec_task(p->b, i, w);
	/* The trim runs outside the GIL, not to hold up the others. */
	if (p->ec->gil)
		gil_release(&t->gh);
	if (ran > 0)
		worker_retire(w);
	if (s >= 0)
		slots_give(&p->slots, s);
	if (p->bands != NULL)
		help_bands(p->bands);
	return NULL;
}

static void
setup_thread(struct thread_ctx *t, struct pool *p, int id)
{
	t->pool = p;
	exec_worker_init(&t->w, id, p->ec->t0);
	if (p->ec->gil) {
		gil_holder_init(&t->gh, &p->gil);
		t->w.hook.fn = gil_hook;
		t->w.hook.ctx = &t->gh;
		t->w.hook.every_rows = GIL_HOOK_ROWS;
		t->w.io = &t->gh.io;
	}
	if (p->bands != NULL)
		t->w.runner = &p->runner;
}

/*
 * Run task_loop on jobs threads (the caller's thread is one of them).  When
 * a thread cannot be started, the batch goes on with those that were, and
 * err holds the warning (code 0).
 */
static int
run_images(struct pool *p, struct imgpipe_error *err)
{
	int j = p->ec->jobs, k, started = 1, e;
	struct thread_ctx *t;

	if (p->nslots > 0 && slots_init(&p->slots, p->nslots, p->ec->t0) != 0)
		return error_set(err, IMGPIPE_ENOMEM,
				 "cannot create the slots");
	t = xcalloc((size_t)j, sizeof(*t));
	for (k = 0; k < j; k++)
		setup_thread(&t[k], p, k);
	for (k = 1; k < j; k++, started++) {
		e = pthread_create(&t[k].tid, NULL, task_loop, &t[k]);
		if (e != 0) {
			error_warn(err,
				   "cannot start worker thread %d of %d: %s; "
				   "the batch goes on with %d",
				   k + 1, j, strerror(e), started);
			break;
		}
	}
	if (p->bands != NULL && started < j) {
		pthread_mutex_lock(&p->bands->mu);
		p->bands->busy -= j - started;
		pthread_mutex_unlock(&p->bands->mu);
	}
	task_loop(&t[0]);
	for (k = 1; k < started; k++)
		pthread_join(t[k].tid, NULL);
	for (k = 0; k < j; k++)
		worker_release(&t[k].w);
	if (p->nslots > 0)
		slots_destroy(&p->slots);
	free(t);
	return 0;
}

static int
threads_at_once(const struct exec_config *ec)
{
	return ec->gil ? 1 : ec->jobs;
}

static int
threads_run(struct exec_batch *b, struct loop_stats *loop,
	    struct imgpipe_error *err)
{
	const struct exec_config *ec = b->ec;
	struct bandpool bp = { .open = NULL };
	struct pool p;
	int rc;

	(void)loop;
	/* whole, so no field (the slots, the lock) is ever read unset */
	memset(&p, 0, sizeof(p));
	p.b = b;
	p.ec = ec;
	/*
	 * --gil: one image computes at a time.  --split rows: a thread's own
	 * worker, as one that waited for a slot could not help with bands.
	 */
	p.nslots =
		ec->split_rows || ec->gil ? 0 : slots_for(ec->jobs, ec->cpus);
	if (ec->gil && gil_init(&p.gil, ec->switch_interval_ms) != 0)
		return error_set(err, IMGPIPE_ENOMEM, "cannot create the lock");
	if (ec->split_rows && !ec->gil) {
		p.bands = &bp;
		p.runner.run = bands_run;
		p.runner.ctx = &bp;
		bp.busy = ec->jobs;
		pthread_mutex_init(&bp.mu, NULL);
		pthread_cond_init(&bp.posted, NULL);
		pthread_cond_init(&bp.finished, NULL);
	}
	rc = run_images(&p, err);
	if (p.bands != NULL) {
		pthread_cond_destroy(&bp.finished);
		pthread_cond_destroy(&bp.posted);
		pthread_mutex_destroy(&bp.mu);
	}
	if (ec->gil)
		gil_destroy(&p.gil);
	return rc;
}

const struct executor exec_threads = {
	.name = "threads",
	.at_once = threads_at_once,
	.run = threads_run,
};
