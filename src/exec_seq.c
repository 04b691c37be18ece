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
#include "pipeline.h"

static int
seq_at_once(const struct exec_config *ec)
{
	(void)ec;
	return 1;
}

static int
seq_run(struct exec_batch *b, struct loop_stats *loop,
	struct imgpipe_error *err)
{
	struct worker w;

	(void)loop, (void)err;
	exec_pin(b->ec, 0);
	exec_worker_init(&w, 0, b->ec->t0);
	exec_serial(b, &w);
	worker_release(&w);
	return 0;
}

const struct executor exec_seq = {
	.name = "seq",
	.at_once = seq_at_once,
	.run = seq_run,
};
