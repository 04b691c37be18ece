/*
 * One batch from parsed options to exit status: build the task list, run
 * the chosen executor, print and write what the options ask for.  main
 * runs it once; compare runs it once per mode, each in its own process.
 */
#ifndef IMGPIPE_RUNNER_H
#define IMGPIPE_RUNNER_H

#include "cli.h"
#include "executor.h"

/* What a run did, for compare's table. */
struct run_stats {
	double wall_s;
	size_t ok, failed, skipped;
	double megapixels;
	struct loop_stats loop;
};

/*
 * Run the batch o describes (o->job.spec already parsed).  Returns the exit
 * status of the README (0, 1, 2, 129 or 130) and fills *st when st is not NULL.
 */
int runner_run(struct cli_options *o, struct run_stats *st);

#endif
