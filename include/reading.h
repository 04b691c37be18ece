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

/* One configuration's row of the table, as far as the sentences use it. */
struct reading_row {
	int available;		       /* 0: not in this build */
	int workers;		       /* the table's workers column */
	double speedup;		       /* median over rounds, against seq */
	double wall_s, cpu_s;	       /* of its median run */
	double lag_p99_ms, lag_max_ms; /* coop configurations */
};

struct reading {
	size_t images;
	int cpus; /* CPUs the modes may compute on at once */
	struct reading_row seq, threads, procs, omp, coop, coop_yield16,
		coop_offload, threads_gil;
	struct cpuload_other other; /* during the whole compare */
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

/* The best speed-up the run allows: min(workers, CPUs), at least 1. */
int reading_ideal(const struct reading *r, const struct reading_row *row);

/* Every sentence, one a line, to f. */
void reading_print(FILE *f, const struct reading *r);

#endif
