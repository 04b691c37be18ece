/*
 * omp: OpenMP parallel for with dynamic scheduling over images; with
 * --split rows, images run one at a time and each stage's row bands are
 * the parallel loop instead (never both: no nested parallelism).  Built
 * without OpenMP, the mode says so instead of running serially in secret.
 * Over images, each runs on a CPU slot's worker state (slots.h).
 *
 *   task:  PENDING --next iteration--> RUNNING --pipeline_run--> DONE
 *          PENDING --signal: iteration skips it--> CANCELLED
 */
#include "executor.h"

#include <stdlib.h>

#include "cancel.h"
#include "pipeline.h"
#include "slots.h"
#include "util.h"

#ifdef _OPENMP
#include <omp.h>

#define HOOK_ROWS 32

struct omp_rows {
	int threads;
};

static int
omp_stage_run(void *ctx, const struct stage *st, struct hook *hook)
{
	const struct omp_rows *o = ctx;
	int h = st->dst->h, band = UTIL_MAX(8, h / 16 + 1);
	int nbands = (h + band - 1) / band, i;

#pragma omp parallel for schedule(dynamic, 1) num_threads(o->threads)
	for (i = 0; i < nbands; i++)
		st->rows(st, i * band, UTIL_MIN((i + 1) * band, h));
	return hook_rows(hook, h);
}

static void
run_split(const struct exec_config *ec, const struct job *job,
	  const struct task *tasks, size_t n, struct task_result *results,
	  const struct exec_observer *obs)
{
	struct omp_rows o = { ec->jobs };
	struct stage_runner runner = { omp_stage_run, &o };
	struct worker w;
	size_t i;

	worker_init(&w, 0, ec->t0);
	w.hook.fn = cancel_hook;
	w.hook.every_rows = HOOK_ROWS;
	w.runner = &runner;
	for (i = 0; i < n && !cancel_requested(); i++) {
		pipeline_run(job, &tasks[i], &w, &results[i]);
		if (obs != NULL && obs->task_done != NULL)
			obs->task_done(obs->ctx, i, &results[i]);
	}
	worker_release(&w);
}

static int
run_images(const struct exec_config *ec, const struct job *job,
	   const struct task *tasks, size_t n, struct task_result *results,
	   const struct exec_observer *obs)
{
	int nslots = slots_for(ec->jobs, ec->cpus);
	struct slots slots;
	size_t *order;
	long k;

	if (slots_init(&slots, nslots, ec->t0) != 0)
		return IMGPIPE_ENOMEM;
	order = exec_dispatch_order(tasks, n, nslots);
	/*
	 * As in threads: a thread takes a slot before its first image and
	 * keeps it; one that gets a slot only once the loop is handed out
	 * finds nothing left (nowait: the holders do not wait for it).
	 */
#pragma omp parallel num_threads(ec->jobs)
	{
		int s = slots_take(&slots), ran = 0;

#pragma omp for schedule(dynamic, 1) nowait
		for (k = 0; k < (long)n; k++) {
			size_t i = order[k];

			if (cancel_requested())
				continue;
			ran = 1;
			pipeline_run(job, &tasks[i], &slots.w[s], &results[i]);
			if (obs != NULL && obs->task_done != NULL) {
#pragma omp critical(imgpipe_observer)
				obs->task_done(obs->ctx, i, &results[i]);
			}
		}
		if (ran)
			worker_retire(&slots.w[s]);
		slots_give(&slots, s);
	}
	slots_destroy(&slots);
	free(order);
	return 0;
}
#endif

static int
omp_run(const struct exec_config *ec, const struct job *job,
	const struct task *tasks, size_t n, struct task_result *results,
	const struct exec_observer *obs, struct loop_stats *loop,
	struct imgpipe_error *err)
{
	size_t i;

	loop->present = 0;
	for (i = 0; i < n; i++)
		task_result_init(&results[i]);
#ifdef _OPENMP
	if (ec->split_rows)
		run_split(ec, job, tasks, n, results, obs);
	else if (run_images(ec, job, tasks, n, results, obs) != 0)
		return error_set(err, IMGPIPE_ENOMEM,
				 "cannot create the slots");
	return cancel_requested() ? IMGPIPE_ECANCEL : 0;
#else
	(void)ec, (void)job, (void)tasks, (void)obs;
	return error_set(err, IMGPIPE_ESPEC,
			 "mode 'omp' is unavailable: built without OpenMP");
#endif
}

const struct executor exec_omp = {
	.name = "omp",
	.run = omp_run,
};
