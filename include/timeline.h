/*
 * After-the-fact pictures of a batch from its per-task results: an ASCII
 * chart (one row per worker, one letter per image, time across) and a
 * Chrome trace-event file (one track per worker, a span per task and per
 * stage) for Perfetto or chrome://tracing.
 */
#ifndef IMGPIPE_TIMELINE_H
#define IMGPIPE_TIMELINE_H

#include <stddef.h>
#include <stdio.h>

struct imgpipe_error;
struct task;
struct task_result;

/* Draw the chart for workers 0..workers-1 on out, width columns wide. */
void timeline_print(FILE *out, const struct task *tasks,
		    const struct task_result *res, size_t n, int workers,
		    int width);

/* Write the trace-event JSON to path.  0 or IMGPIPE_EIO. */
int timeline_write_trace(const char *path, const char *mode,
			 const struct task *tasks,
			 const struct task_result *res, size_t n,
			 struct imgpipe_error *err);

#endif
