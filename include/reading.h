/*
 * The sentences under compare's table.  Each is derived from the table's
 * figures (and other work's CPU use): a usual claim is made only when the
 * figures show it, and said plainly not to hold when they do not.  Pure:
 * figures in, text out, so tests can feed made-up figures.
 */
#ifndef IMGPIPE_READING_H
#define IMGPIPE_READING_H

#include <stddef.h>
#include <stdio.h>

#include "cpuload.h"
#include "machine.h"

/* Which column of the decision table the figures measure. */
enum reading_workload {
	READING_CPU,  /* local files, the full job */
	READING_IO,   /* small downloads with latency, a small job */
	READING_MIXED /* the photos downloaded with latency, the full job */
};

/* One configuration's row of the table, as far as the sentences use it. */
struct reading_row {
	int available;		       /* 0: not in this build */
	int workers;		       /* workers, or transfers in flight */
	double speedup;		       /* median over rounds, against seq */
	double wall_s, cpu_s;	       /* of its median run */
	double lag_p99_ms, lag_max_ms; /* coop configurations */
	int threads, procs;	       /* peaks of its process tree */
	double rss_mb;		       /* peak memory of its process tree */
};

/* One mode's concurrency sweep (io): its levels in increasing order. */
#define READING_SWEEP_LEVELS 6
struct reading_sweep {
	int n;
	int level[READING_SWEEP_LEVELS]; /* transfers in flight */
	/* speed-up: per URL, against seq's time per URL */
	struct reading_row row[READING_SWEEP_LEVELS];
};

struct reading {
	enum reading_workload workload;
	size_t images;
	int cpus; /* CPUs the modes may compute on at once */
	struct reading_row seq, threads, procs, omp, coop, coop_yield16,
		coop_offload, threads_gil, threads_gil_c;
	struct reading_sweep sweep_threads, sweep_coop, sweep_procs;
	struct cpuload_other other; /* during the whole workload */
	struct machine_freq freq;   /* CPU frequency sampled meanwhile */
	int rounds;		    /* --rounds: how a drift spreads */
};

/*
 * Thresholds, the README's: a speed-up "scales" from 1 + (P - 1) / 2, half
 * the ideal gain, where P = min(workers, CPUs); a lock "serialises"
 * threads below 1 + (P - 1) / 4; "about 1" is 0.9 to 1.1; yields or
 * offloading "cut" the lag when they at least halve coop's p99; seq is
 * CPU-bound when its CPU time is at least 0.9 of its wall time; other work
 * is worth a warning from 5% of the machine.
 */
#define READING_OTHER_SHARE 0.05

/*
 * URL workloads: waiting overlaps when a speed-up reaches 1 + (J - 1) / 5
 * at J transfers in flight (a fifth of the ideal); a sweep level "gains"
 * when it is at least 1.25 times as fast per URL as the level below; one
 * mode is "cheaper" per transfer than another at half its memory or less;
 * on mixed, a row is "within" the best at 0.9 of its speed-up or more.
 */
#define READING_IO_SHARE    5
#define READING_SWEEP_GAIN  1.25
#define READING_CHEAPER	    0.5
#define READING_WITHIN_BEST 0.9
/*
 * A sweep level is CPU-bound when its CPU seconds reach this share of its
 * wall time on the CPUs it may compute on (coop: its one thread).
 */
#define READING_CPU_BOUND   0.7

/*
 * Memory per transfer in flight of a row with j in flight and a peak of
 * rss_mb: its peak above seq's over the j - 1 transfers more than seq has,
 * in kB; -1 where j is 1 or seq's peak is not known.
 */
double reading_xfer_kb(const struct reading *r, int j, double rss_mb);

/* The best speed-up the run allows: min(workers, CPUs), at least 1. */
int reading_ideal(const struct reading *r, const struct reading_row *row);

/* Every sentence, one a line, to f. */
void reading_print(FILE *f, const struct reading *r);

#endif
