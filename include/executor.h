/*
 * Executors decide where and when each task runs, never what it does: all
 * of them call pipeline_run.  One file each (exec_<mode>.c) behind this one
 * interface; all must write byte-identical outputs.
 */
#ifndef IMGPIPE_EXECUTOR_H
#define IMGPIPE_EXECUTOR_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

struct executor;
struct imgpipe_error;
struct job;
struct stage;
struct task;
struct task_result;
struct worker;

/* --gil: how the simulated interpreter lock is held (gil.h). */
enum gil_mode {
	GIL_OFF,
	GIL_HOLD,	 /* through all pipeline code: pure Python */
	GIL_RELEASE_IN_C /* dropped inside decode, ops, encode: Pillow */
};

struct exec_config {
	int jobs;		   /* workers; coop: images in flight */
	int urls;		   /* inputs are URLs: jobs = transfers */
	int split_rows;		   /* also split each image's rows */
	int gil;		   /* threads: enum gil_mode */
	int cpus;		   /* images computing at once; 0 = CPUs */
	double switch_interval_ms; /* --gil: hold time before offering */
	int yield_rows;		   /* coop: rows between yields, 0 = none */
	int offload;		   /* coop: CPU work on the loop's pool */
	double tick_ms;		   /* coop: heartbeat period */
	double t0;		   /* batch start, util_now_s() */
	/*
	 * --pin: worker or slot i computes on CPU pin_map[i % pin_n]
	 * (pin_order's, borrowed from the runner); pin_n 0 = unpinned.
	 */
	const int *pin_map;
	int pin_n;
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

/*
 * Run tasks[0..n) with ex and fill results[0..n) (every one: a task not run
 * because of cancellation keeps task_result_init's IMGPIPE_ECANCEL).
 * Returns 0 when the batch ran to its end (whatever the tasks' own
 * outcomes), IMGPIPE_ECANCEL when it was interrupted, or another negative
 * code for a setup failure described in err, when no task could run.  A
 * return of 0 with a non-empty err->msg (err->code 0) is a warning to
 * print: fewer workers than asked could be started, and the batch ran to
 * its end on those that were.  *loop is zeroed, then filled by coop.
 */
int exec_run(const struct executor *ex, const struct exec_config *ec,
	     const struct job *job, const struct task *tasks, size_t n,
	     struct task_result *results, const struct exec_observer *obs,
	     struct loop_stats *loop, struct imgpipe_error *err);

/*
 * What follows is for the executors: the skeleton they share, so that each
 * exec_<mode>.c holds only where and when a task runs.
 */

/*
 * Rows between two calls of a worker's row hook when it only watches for
 * cancellation: cheap, and well under 10 ms of work.
 */
#define EXEC_HOOK_ROWS 32

/* One batch as exec_run hands it to an executor. */
struct exec_batch {
	const struct exec_config *ec;
	const struct job *job;
	const struct task *tasks;
	struct task_result *results;
	size_t n;
	size_t *order;		/* exec_dispatch_order for ex->at_once */
	atomic_size_t next;	/* exec_take's position in order */
	pthread_mutex_t obs_mu; /* one observer call at a time */
	const struct exec_observer *obs;
};

struct executor {
	const char *name;
	/* How many images this mode processes at once with ec. */
	int (*at_once)(const struct exec_config *ec);
	/*
	 * Run every task of b (exec_run has initialised the results): 0, or
	 * as exec_run describes; the cancellation check comes after it.
	 */
	int (*run)(struct exec_batch *b, struct loop_stats *loop,
		   struct imgpipe_error *err);
};

/*
 * The next task to start, in dispatch order: 1 with its index in *i, or 0
 * once every task is handed out or cancellation is requested (the rest
 * keep IMGPIPE_ECANCEL).  Thread-safe.
 */
int exec_take(struct exec_batch *b, size_t *i);

/* Non-zero while exec_take would hand out a task. */
int exec_pending(struct exec_batch *b);

/*
 * Run task i on w unless cancellation is requested, then tell the
 * observer.  Returns 1 when it ran, 0 when cancellation skipped it.
 * Thread-safe for distinct workers.
 */
int exec_task(struct exec_batch *b, size_t i, struct worker *w);

/*
 * Where a URL input waits for the CPU once it is downloaded (a CPU slot, a
 * token shared by worker processes): enter blocks until the task may
 * compute and returns the worker to compute on, w itself or another, or
 * NULL when cancellation came first; leave hands c back after the encode
 * and the write.
 */
struct exec_gate {
	struct worker *(*enter)(void *ctx, struct worker *w);
	void (*leave)(void *ctx, struct worker *c);
	void *ctx;
};

/*
 * pipeline_run in its two halves: pipeline_fetch on w (the download, or
 * the read, outside any bound on the CPU work), then pipeline_finish from
 * w's in on the worker g lends.  Fills res; returns res->status.  So -j
 * transfers wait at once while at most one image per CPU computes.
 */
int exec_run_gated(const struct job *job, const struct task *t,
		   struct worker *w, const struct exec_gate *g,
		   struct task_result *res);

/* exec_task with exec_run_gated: 1 when it ran, 0 when cancelled. */
int exec_task_gated(struct exec_batch *b, size_t i, struct worker *w,
		    const struct exec_gate *g);

/* Tell the observer that results[i] is final.  Thread-safe. */
void exec_done(struct exec_batch *b, size_t i);

/* Run tasks on w one after another until exec_take has none left. */
void exec_serial(struct exec_batch *b, struct worker *w);

/* worker_init for a batch that started at t0, its row hook on cancellation. */
void exec_worker_init(struct worker *w, int id, double t0);

/*
 * --pin: the calling thread computes on worker or slot i's CPU from now
 * on (ec->pin_map[i % ec->pin_n]); nothing when unpinned, or when this
 * thread is there already.  A CPU that cannot be had (gone offline) is a
 * warning, once a process, and the thread runs where it was: pinning
 * places work, it never fails a batch.  Thread-safe.
 */
void exec_pin(const struct exec_config *ec, int i);

/* exec_pin for a map and its length (struct slots keeps only those). */
void exec_pin_map(const int *map, int n, int i);

/*
 * --split rows: the band height for a stage of h rows, several bands a
 * thread so that an uneven band does not leave the others idle; and the
 * number of bands it makes.
 */
int exec_band_rows(int h);
int exec_band_count(int h, int band_rows);

/* Run band i of st's rows, cut into band_rows-row bands. */
void exec_band_run(const struct stage *st, int band_rows, int i);

/*
 * The executor called name, or NULL (modes.c, the table above the
 * executors).  *known is set non-zero when name is a mode the README
 * defines even if this build lacks it (so the caller can say "not built"
 * rather than "unknown").
 */
const struct executor *exec_find(const char *name, int *known);

extern const struct executor exec_seq;
extern const struct executor exec_threads;
extern const struct executor exec_procs;
extern const struct executor exec_omp;
extern const struct executor exec_coop;

#endif
