/*
 * Stages: a stage is a pure kernel over a range [y0, y1) of its output rows
 * that allocates nothing and knows nothing of execution modes, so that an
 * executor may run the row bands of one stage on several threads.  This is
 * the floor between the kernels and the executors: both include it, and it
 * calls nothing above itself.
 */
#ifndef IMGPIPE_STAGE_H
#define IMGPIPE_STAGE_H

struct hook;
struct image;

/* A stage: a kernel producing rows [y0, y1) of dst from src (and plan). */
struct stage;
typedef void stage_rows_fn(const struct stage *st, int y0, int y1);

struct stage {
	stage_rows_fn *rows;
	const struct image *src;
	struct image *dst; /* rows are disjoint, so bands may run in parallel */
	const void *plan;  /* op-specific, read-only while rows run */
};

/*
 * How stages are run.  The default (runner NULL, or run NULL) runs the
 * whole height serially in bands of hook_band() rows and calls hook_rows
 * between bands.  An executor may supply its own (threads --split rows),
 * which must cover [0, st->dst->h) exactly once and return 0 or the hook's
 * code.
 */
struct stage_runner {
	int (*run)(void *ctx, const struct stage *st, struct hook *hook);
	void *ctx;
	/*
	 * Optional, both or neither: start hands st's rows to threads that
	 * have nothing else to do and returns at once (NULL: it could not,
	 * and nothing ran); wait, with what start returned, makes the rows
	 * still left and returns when every row is made.
	 */
	void *(*start)(void *ctx, const struct stage *st);
	void (*wait)(void *ctx, void *pending);
};

/*
 * Run st over all of st->dst's rows with runner (NULL: the default serial
 * runner).  Returns 0, or the hook's (or runner's) non-zero code, after
 * which the rows not yet run are left as they were.
 */
int stage_run(const struct stage_runner *runner, const struct stage *st,
	      struct hook *hook);

/*
 * Start st without waiting for it, so that its caller can go on with
 * other work (the decode of the rows after them) while threads that have
 * no image of their own make st's rows (threads --split rows).  Until
 * stage_wait(runner, *pending) the caller must not write what st reads
 * nor touch what it writes.  A runner without start runs st at once,
 * and *pending is NULL.  No hook runs: the caller calls its own.
 */
void stage_start(const struct stage_runner *runner, const struct stage *st,
		 void **pending);

/* Every row of the stage stage_start started is made; pending may be NULL. */
void stage_wait(const struct stage_runner *runner, void *pending);

#endif
