/*
 * omp: OpenMP parallel for with dynamic scheduling over images; with
 * --split rows, images run one at a time and each stage's row bands are
 * OpenMP tasks of one team instead (never both: no nested parallelism).  Built
 * without OpenMP, the mode says so instead of running serially in secret.
 * Over images, each runs on a CPU slot's worker state (slots.h).  With
 * URL inputs the team has -j threads, one transfer each, and a thread
 * takes a slot only once its body has arrived (as threads does).
 *
 *   task:  PENDING --next iteration--> RUNNING --pipeline_run--> DONE
 *          PENDING --signal: iteration skips it--> CANCELLED
 *   URL:   PENDING --next iteration--> DOWNLOADING --body--> WAITING
 *          --slot--> COMPUTING --written--> DONE
 */
#include "executor.h"

#include <stdlib.h>

#include "error.h"
#include "pipeline.h"
#include "stage.h"
#include "slots.h"
#include "util.h"

static int
omp_at_once(const struct exec_config *ec)
{
	return ec->split_rows ? 1 : slots_for(ec->jobs, ec->cpus);
}

#ifdef _OPENMP
#include <omp.h>

/*
 * A stage's row bands as tasks of the team run_split opened: the threads
 * not running the pipeline take them at the team's closing barrier.
 */
static void
omp_bands_post(const struct stage *st)
{
	int h = st->dst->h, band = exec_band_rows(h);
	int nbands = exec_band_count(h, band), i;
	struct stage copy = *st;

	for (i = 0; i < nbands; i++) {
#pragma omp task firstprivate(copy, band, i)
		exec_band_run(&copy, band, i);
	}
}

/*
 * stage_start: the bands are posted and the pipeline's thread goes back to
 * its streamed decode; the taskwait of omp_stage_wait is where it helps.
 * ctx (the batch) is returned only because NULL would mean "not started".
 */
static void *
omp_stage_start(void *ctx, const struct stage *st)
{
	omp_bands_post(st);
	return ctx;
}

static void
omp_stage_wait(void *ctx, void *pending)
{
	(void)ctx;
	(void)pending;
#pragma omp taskwait
}

static int
omp_stage_run(void *ctx, const struct stage *st, struct hook *hook)
{
	omp_stage_wait(ctx, omp_stage_start(ctx, st));
	return hook_rows(hook, st->dst->h);
}

/*
 * --split rows: seq's loop on the team's first thread, its stages posted
 * as tasks for the rest of the team (never a parallel region inside one:
 * no nesting), so that a streamed decode goes on while they make rows.
 */
static void
run_split(struct exec_batch *b)
{
	struct stage_runner runner = { .run = omp_stage_run,
				       .ctx = b,
				       .start = omp_stage_start,
				       .wait = omp_stage_wait };

#pragma omp parallel num_threads(b->ec->jobs)
	{
		exec_pin(b->ec, omp_get_thread_num());
#pragma omp master
		{
			struct worker w;

			exec_worker_init(&w, 0, b->ec->t0);
			w.runner = &runner;
			exec_serial(b, &w);
			worker_release(&w);
		}
	}
}

static struct worker *
gate_enter(void *ctx, struct worker *w)
{
	return slots_take_for(ctx, w);
}

static void
gate_leave(void *ctx, struct worker *c)
{
	slots_give_worker(ctx, c);
}

/*
 * URL inputs: each thread of the team downloads on its own worker (only
 * its in buffer is used), then computes on a slot's.  dynamic, 1: a
 * thread takes its next URL when its last image is written.
 */
static int
run_urls(struct exec_batch *b)
{
	struct slots slots;
	struct worker *own;
	struct exec_gate gate = { gate_enter, gate_leave, &slots };
	long k, n = (long)b->n;
	int j = b->ec->jobs;

	if (slots_init(&slots, slots_for(j, b->ec->cpus), b->ec->t0) != 0)
		return IMGPIPE_ENOMEM;
	slots_pin(&slots, b->ec);
	own = xcalloc((size_t)j, sizeof(*own));
	for (int i = 0; i < j; i++)
		exec_worker_init(&own[i], i, b->ec->t0);
#pragma omp parallel num_threads(j)
	{
		struct worker *w = &own[omp_get_thread_num()];

#pragma omp for schedule(dynamic, 1) nowait
		for (k = 0; k < n; k++)
			exec_task_gated(b, b->order[k], w, &gate);
		/* its body buffer only: no heap trim (exec_threads.c) */
		worker_release(w);
	}
	for (int i = 0; i < j; i++)
		worker_release(&own[i]);
	free(own);
	slots_destroy(&slots);
	return 0;
}

static int
run_images(struct exec_batch *b)
{
	struct slots slots;
	long k, n = (long)b->n;

	if (slots_init(&slots, slots_for(b->ec->jobs, b->ec->cpus),
		       b->ec->t0) != 0)
		return IMGPIPE_ENOMEM;
	/* A thread is on its slot's CPU from its slots_take on. */
	slots_pin(&slots, b->ec);
	/*
	 * As in threads: a thread takes a slot before its first image
	 * and keeps it; one that gets a slot only once the loop is
	 * handed out finds nothing left (nowait: the holders do not
	 * wait for it).
	 */
#pragma omp parallel num_threads(b->ec->jobs)
	{
		int s = slots_take(&slots), ran = 0;

#pragma omp for schedule(dynamic, 1) nowait
		for (k = 0; k < n; k++)
			ran |= exec_task(b, b->order[k], &slots.w[s]);
		if (ran)
			worker_retire(&slots.w[s]);
		slots_give(&slots, s);
	}
	slots_destroy(&slots);
	return 0;
}
#endif

static int
omp_run(struct exec_batch *b, struct loop_stats *loop,
	struct imgpipe_error *err)
{
	(void)loop;
#ifdef _OPENMP
	/*
	 * URL inputs run over images whatever --split says: the team is the
	 * -j transfers in flight, and one image at a time would make it one.
	 */
	if (b->ec->split_rows && !b->ec->urls)
		run_split(b);
	else if ((b->ec->urls ? run_urls(b) : run_images(b)) != 0)
		return error_set(err, IMGPIPE_ENOMEM,
				 "cannot create the slots");
	return 0;
#else
	(void)b;
	return error_set(err, IMGPIPE_ESPEC,
			 "mode 'omp' is unavailable: built without OpenMP");
#endif
}

const struct executor exec_omp = {
	.name = "omp",
	.at_once = omp_at_once,
	.run = omp_run,
};
