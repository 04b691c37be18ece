/*
 * What the user sees of a batch: one "imgpipe: PATH: reason" line per
 * failure and one "imgpipe: PATH: warning: reason" line per image written
 * despite damage, as they happen, an optional progress bar, the summary line,
 * the JSON report of the README and the dry-run listing.  Only this module and
 * main print.
 */
#ifndef IMGPIPE_REPORT_H
#define IMGPIPE_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "executor.h"

struct batch;
struct imgpipe_error;
struct job;
struct task;
struct task_result;

struct report_config {
	const char *mode;
	int workers;
	int gil; /* enum gil_mode */
	int split_rows;
	int progress; /* draw the bar on stderr */
	int quiet;    /* no summary, no bar */
	int verbose;  /* a line per written image too */
	const char
		*cpus; /* the CPUs the run was allowed, "0-3"; NULL: unknown */
	int pin;       /* enum pin_policy */
	const int *pin_map; /* worker or slot i -> CPU, pin_n entries */
	int pin_n;
};

/* Counts and times of a batch; filled by report_totals. */
struct report_totals {
	size_t ok, failed, interrupted, skipped;
	size_t warned;	   /* of ok: written with a warning */
	double megapixels; /* input pixels of the images written */
};

struct report {
	struct report_config cfg;
	const struct task *tasks;
	size_t n;
	double t0; /* batch start, util_now_s() */
	size_t done, failed;
	double last_draw;
	int bar_len; /* characters of the bar now on screen */
};

/* Start reporting on tasks[0..n) (borrowed for r's lifetime). */
void report_init(struct report *r, const struct report_config *cfg,
		 const struct task *tasks, size_t n, double t0);

/* The observer to hand the executor; it prints through r. */
struct exec_observer report_observer(struct report *r);

/* Print the failures found before running (missing files and such). */
void report_prefailed(const struct batch *b);

/* Remove the progress bar, if one is drawn. */
void report_finish(struct report *r);

/* Count results[0..b->n) and b's failures and skips. */
void report_totals(const struct batch *b, const struct task_result *results,
		   struct report_totals *t);

/*
 * The summary line, e.g. "24 processed, 1 failed, 2 skipped, 192.4 MP in
 * 1.84 s: 13.0 images/s, 104.6 MP/s (seq, 1 worker)"; "24 processed (1
 * with a warning), ..." when some were.
 */
void report_summary(FILE *f, const struct report_config *cfg,
		    const struct report_totals *t, double wall_s);

/*
 * Write the JSON report of the README to path: every task and every failure
 * of b in one files[] array sorted by input.  Returns 0 or IMGPIPE_EIO.
 */
int report_write_json(const char *path, const struct report_config *cfg,
		      const struct batch *b, const struct task_result *results,
		      const struct loop_stats *loop, double wall_s,
		      struct imgpipe_error *err);

/*
 * Dry run: print "rel_in -> rel_out WxH" on out for each task (from the
 * header alone) and a failure line on stderr for each bad one.  Returns
 * the number of failures, those of b's list included.
 */
size_t report_dry_run(const struct job *job, const struct batch *b, FILE *out);

#endif
