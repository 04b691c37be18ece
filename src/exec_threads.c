/*
 * threads: a pool of -j pthreads taking tasks from a shared atomic index,
 * so uneven image sizes balance.  --split rows also cuts each stage into
 * row bands that threads out of images help with.  --gil makes every
 * thread hold a simulated interpreter lock to run (gil.h).  Otherwise a
 * thread processes each image on a CPU slot's worker state (slots.h), so
 * at most one image per CPU is processed at once.  With URL inputs -j is
 * the transfers in flight: each thread downloads on its own worker, with
 * no slot, and takes a slot only for the CPU work.  A thread that cannot
 * be started leaves its share to those that were.
 *
 *   task:  PENDING --exec_take--> RUNNING --pipeline_run--> DONE
 *          PENDING --signal-----> CANCELLED (never started)
 *   URL:   PENDING --exec_take--> DOWNLOADING --body--> WAITING (slot)
 *          --slot taken--> COMPUTING --written--> DONE (slot given back)
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
 * exactly one thread.  A job lives on its owner's stack (or, started with
 * stage_start, on the heap until the owner's stage_wait), in the open list
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

/* Open j for any thread to take bands of (under the lock). */
static void
post(struct bandpool *bp, struct bandjob *j)
{
	int h = j->st->dst->h;

	j->band_rows = exec_band_rows(h);
	j->nbands = exec_band_count(h, j->band_rows);
	j->link = bp->open;
	bp->open = j;
	pthread_cond_broadcast(&bp->posted);
}

/* Make j's bands left, wait for the others' to be done, close j. */
static void
finish(struct bandpool *bp, struct bandjob *j)
{
	struct bandjob **pp;

	while (j->next < j->nbands)
		run_band(bp, j, j->next++);
	while (j->done < j->nbands)
		pthread_cond_wait(&bp->finished, &bp->mu);
	for (pp = &bp->open; *pp != j; pp = &(*pp)->link)
		;
	*pp = j->link;
}

static int
bands_run(void *ctx, const struct stage *st, struct hook *hook)
{
	struct bandpool *bp = ctx;
	struct bandjob j = { .st = st };

	pthread_mutex_lock(&bp->mu);
	post(bp, &j);
	finish(bp, &j);
	pthread_mutex_unlock(&bp->mu);
	return hook_rows(hook, st->dst->h);
}

/*
 * stage_start: the job is posted for the helping threads and its owner
 * goes back to its own work (a streamed decode) until bands_wait.
 */
static void *
bands_start(void *ctx, const struct stage *st)
{
	struct bandpool *bp = ctx;
	struct bandjob *j = malloc(sizeof(*j));

	if (j == NULL)
		return NULL;
	*j = (struct bandjob){ .st = st };
	pthread_mutex_lock(&bp->mu);
	post(bp, j);
	pthread_mutex_unlock(&bp->mu);
	return j;
}

static void
bands_wait(void *ctx, void *pending)
{
	struct bandpool *bp = ctx;

	pthread_mutex_lock(&bp->mu);
	finish(bp, pending);
	pthread_mutex_unlock(&bp->mu);
	free(pending);
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
	struct exec_gate gate; /* URL inputs: a CPU slot */
	pthread_t tid;
};

/*
 * A slot for this thread's work.  Under --gil the wait is outside the
 * lock, as a Python thread blocked on a semaphore drops the GIL: a slot
 * holder must be able to take the lock back (at c_leave, or at its next
 * image) to finish and give its slot up.
 */
static struct worker *
take_slot(struct thread_ctx *t)
{
	struct pool *p = t->pool;
	struct worker *c;

	if (p->ec->gil)
		gil_release(&t->gh);
	c = slots_take_for(&p->slots, &t->w);
	if (p->ec->gil)
		gil_acquire(&t->gh);
	return c;
}

static struct worker *
gate_enter(void *ctx, struct worker *w)
{
	(void)w;
	return take_slot(ctx);
}

static void
gate_leave(void *ctx, struct worker *c)
{
	struct thread_ctx *t = ctx;

	slots_give_worker(&t->pool->slots, c);
}

/*
 * URL inputs: no slot is held across images, or -j 64 would leave all but
 * one thread per CPU idle instead of downloading; a slot is taken once a
 * body has arrived and given back after its write.
 */
static void
url_loop(struct thread_ctx *t)
{
	struct pool *p = t->pool;
	size_t i;

	if (p->ec->gil)
		gil_acquire(&t->gh);
	while (exec_take(p->b, &i))
		exec_task_gated(p->b, i, &t->w, &t->gate);
	if (p->ec->gil)
		gil_release(&t->gh);
	/*
	 * Only the body buffer is this worker's: no heap trim (worker_retire),
	 * which thousands of threads ending one after another would each run
	 * over the shared heap, in the kernel, while the others still work.
	 */
	worker_release(&t->w);
}

/*
 * Local files: a slot is kept for all of the thread's images, and an
 * image is taken only with a slot in hand: the extra threads of -j above
 * the CPU count wait to the end, so the images still go out largest first
 * and each slot's buffers stay in its CPU's caches: handed from thread to
 * thread per image, they moved between CPUs and -j above the core count
 * lost throughput (bench/README.md).  The slot comes before the lock
 * (--gil=release-in-c), which slot holders need to finish.
 */
static void
file_loop(struct thread_ctx *t)
{
	struct pool *p = t->pool;
	struct worker *w = &t->w;
	size_t i, ran = 0;

	if (p->nslots > 0)
		w = slots_take_for(&p->slots, &t->w);
	if (p->ec->gil)
		gil_acquire(&t->gh);
	while (exec_take(p->b, &i))
		ran += (size_t)exec_task(p->b, i, w);
	/* The trim runs outside the GIL, not to hold up the others. */
	if (p->ec->gil)
		gil_release(&t->gh);
	if (ran > 0)
		worker_retire(w);
	if (p->nslots > 0)
		slots_give_worker(&p->slots, w);
}

static void *
task_loop(void *arg)
{
	struct thread_ctx *t = arg;

	/* With slots a thread moves to its slot's CPU as it takes one. */
	if (t->pool->nslots == 0)
		exec_pin(t->pool->ec, t->w.id);
	if (t->pool->ec->urls)
		url_loop(t);
	else
		file_loop(t);
	if (t->pool->bands != NULL)
		help_bands(t->pool->bands);
	return NULL;
}

static void
setup_thread(struct thread_ctx *t, struct pool *p, int id)
{
	t->pool = p;
	exec_worker_init(&t->w, id, p->ec->t0);
	if (p->ec->gil) {
		gil_holder_init(&t->gh, &p->gil, p->ec->gil);
		t->w.hook.fn = gil_hook;
		t->w.hook.ctx = &t->gh;
		t->w.hook.every_rows = GIL_HOOK_ROWS;
		t->w.io = &t->gh.io;
	}
	if (p->bands != NULL)
		t->w.runner = &p->runner;
	t->gate.enter = gate_enter;
	t->gate.leave = gate_leave;
	t->gate.ctx = t;
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
	if (p->nslots > 0)
		slots_pin(&p->slots, p->ec);
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

/*
 * --gil (hold): one image computes at a time.  With release-in-c the CPU
 * slots bound the C work as without the lock.  URL inputs keep the list
 * order whatever this says (exec_run).
 */
static int
threads_at_once(const struct exec_config *ec)
{
	return ec->gil == GIL_HOLD ? 1 : ec->jobs;
}

/*
 * How many CPU slots: none where a thread keeps its own worker (--split
 * rows, --gil hold, on local files: as before URL inputs), else one per
 * CPU.  URL inputs always have slots, so that however many threads wait
 * for bodies, at most one image per CPU holds pixel buffers; a slot's
 * worker computes with the thread's hook, lock and band pool.
 */
static int
threads_slots(const struct exec_config *ec)
{
	if (!ec->urls && (ec->split_rows || ec->gil == GIL_HOLD))
		return 0;
	return slots_for(ec->jobs, ec->cpus);
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
	 * --split rows on files: a thread's own worker, as one that waited
	 * for a slot could not help with bands.
	 */
	p.nslots = threads_slots(ec);
	if (ec->gil && gil_init(&p.gil, ec->switch_interval_ms) != 0)
		return error_set(err, IMGPIPE_ENOMEM, "cannot create the lock");
	if (ec->split_rows && !ec->gil) {
		p.bands = &bp;
		p.runner.run = bands_run;
		p.runner.start = bands_start;
		p.runner.wait = bands_wait;
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
