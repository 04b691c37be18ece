/*
 * The reference executor: one worker, tasks in order, on the calling
 * thread.  Every other mode must write the same bytes.
 *
 *   task: PENDING --pipeline_run--> DONE (ok or failed)
 *         PENDING --signal---------> CANCELLED (never started)
 */
#include "executor.h"

#include <stddef.h>

#include "banned.h"
#include "cancel.h"
#include "error.h"
#include "pipeline.h"

/* Rows between cancellation checks: cheap, and well under 10 ms. */
#define SEQ_HOOK_ROWS 32

static int
seq_run(const struct exec_config *ec, const struct job *job,
	const struct task *tasks, size_t n, struct task_result *results,
	const struct exec_observer *obs, struct loop_stats *loop,
	struct imgpipe_error *err)
{
	struct worker w;
	size_t i;
	int rc = 0;

	(void)err;
	loop->present = 0;
	worker_init(&w, 0, ec->t0);
	w.hook.fn = cancel_hook;
	w.hook.every_rows = SEQ_HOOK_ROWS;
	for (i = 0; i < n; i++) {
		task_result_init(&results[i]);
		if (cancel_requested()) {
			rc = IMGPIPE_ECANCEL;
			continue;
		}
		pipeline_run(job, &tasks[i], &w, &results[i]);
		if (results[i].status == IMGPIPE_ECANCEL)
			rc = IMGPIPE_ECANCEL;
		if (obs != NULL && obs->task_done != NULL)
			obs->task_done(obs->ctx, i, &results[i]);
	}
	worker_release(&w);
	return rc;
}

const struct executor exec_seq = {
	.name = "seq",
	.run = seq_run,
};
