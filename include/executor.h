/*
 * Executors decide where and when each task runs, never what it does: all
 * of them call pipeline_run.  One file each (exec_<mode>.c) behind this one
 * interface; all must write byte-identical outputs.
 */
#ifndef IMGPIPE_EXECUTOR_H
#define IMGPIPE_EXECUTOR_H

#include <stddef.h>

struct imgpipe_error;
struct job;
struct task;
struct task_result;

struct exec_config {
	int jobs;		   /* workers; coop: images in flight */
	int split_rows;		   /* also split each image's rows */
	int gil;		   /* threads: simulated interpreter lock */
	int cpus;		   /* images computing at once; 0 = CPUs */
	double switch_interval_ms; /* --gil: hold time before offering */
	int yield_rows;		   /* coop: rows between yields, 0 = none */
	int offload;		   /* coop: CPU work on the loop's pool */
	double tick_ms;		   /* coop: heartbeat period */
	double t0;		   /* batch start, util_now_s() */
};

/*
 * Upper bounds of the lag histogram's buckets, a 1-2-5 series from 0.1 ms
 * to 1 s: percentiles hide the shape (a loop that is late a little all the
 * time and one that is blocked now and then can share a p99).  The last
 * bucket of loop_stats.hist counts the ticks above the last bound.
 */
#define LOOP_HIST_BOUNDS 13
extern const double loop_hist_le_ms[LOOP_HIST_BOUNDS];

/* Heartbeat lateness of the coop loop; present = 0 in other modes. */
struct loop_stats {
	int present;
	double tick_ms;
	long ticks;
	/*
	 * Ticks that ran between two row hooks of one image (coop without
	 * --offload): non-zero only when images yield to the loop mid-image.
	 */
	long ticks_mid_image;
	double p50_ms, p99_ms, max_ms;
	long hist[LOOP_HIST_BOUNDS + 1];
};

/*
 * The order in which executors hand out tasks when `parallel` images are
 * processed at once: with more than one, largest input first (ties in list
 * order), the classic longest-job-first rule, so that a batch does not end
 * with one worker still busy on a big photo taken last while the others
 * idle; with one there is nothing to balance and the list order stays, as
 * in seq.  Outputs and results stay indexed as the list is.  An array of
 * n indices to free().
 */
size_t *exec_dispatch_order(const struct task *tasks, size_t n, int parallel);

/* Count lag_ms into loop->hist by the bounds above. */
void loop_hist_add(struct loop_stats *loop, double lag_ms);

/*
 * Told once per finished task, one call at a time, in the process and on
 * a thread of the executor's choosing (never two at once).
 */
struct exec_observer {
	void (*task_done)(void *ctx, size_t index, const struct task_result *r);
	void *ctx;
};

struct executor {
	const char *name;
	/*
	 * Run tasks[0..n) and fill results[0..n) (every one: a task not run
	 * because of cancellation gets IMGPIPE_ECANCEL).  Returns 0 when the
	 * batch ran to its end (whatever the tasks' own outcomes),
	 * IMGPIPE_ECANCEL when it was interrupted, or another negative code
	 * for a setup failure described in err.
	 */
	int (*run)(const struct exec_config *ec, const struct job *job,
		   const struct task *tasks, size_t n,
		   struct task_result *results, const struct exec_observer *obs,
		   struct loop_stats *loop, struct imgpipe_error *err);
};

/*
 * The executor called name, or NULL.  *known is set non-zero when name is a
 * mode the README defines even if this build lacks it (so the caller can say
 * "not built" rather than "unknown").
 */
const struct executor *exec_find(const char *name, int *known);

extern const struct executor exec_seq;
extern const struct executor exec_threads;
extern const struct executor exec_procs;
extern const struct executor exec_omp;
extern const struct executor exec_coop;

#endif
