/*
 * The machine a run measured, as a benchmark report must record it:
 * CPU model and topology, frequency scaling and what it did during the
 * run, kernel and THP mode, any cgroup CPU limit.  A fact the kernel does
 * not expose here (a VM, a container) is unknown (-1, NULL or "": null in
 * JSON, "unknown" in text), never guessed.
 */
#ifndef IMGPIPE_MACHINE_H
#define IMGPIPE_MACHINE_H

#include <stdio.h>

#include "topology.h"

/* Throttled: the sampled frequency fell more than this below its start. */
#define MACHINE_THROTTLE_DROP 0.10

struct machine_freq {
	int samples; /* 0: no frequency could be read */
	double start_mhz, min_mhz, end_mhz, mean_mhz;
	int throttled; /* -1 unknown (no samples), 0, 1 */
};

struct machine {
	char cpu_model[128];
	struct topology topo;
	char online[256], affinity[256]; /* CPU lists */
	char cpufreq_driver[64], governor[64];
	int boost; /* 1 on, 0 off, -1 unknown */
	char kernel[128];
	char thp[32];		 /* the bracketed THP mode: "madvise" */
	double cgroup_cpus;	 /* cpu.max quota / period in CPUs; -1 none */
	int cgroup_read;	 /* 1: a cgroup CPU limit file was read */
	char cgroup_cpuset[256]; /* cpuset.cpus.effective; "" unknown */
	double load1_before;	 /* /proc/loadavg at machine_read; -1 unknown */
	struct machine_freq freq;
};

/* Fill m from sysroot ("" = the running kernel) and take a first sample. */
void machine_read(const char *sysroot, struct machine *m);

/*
 * The mean current frequency of the CPUs in MHz (cpufreq's
 * scaling_cur_freq, else /proc/cpuinfo's "cpu MHz"); -1 unknown.
 */
double machine_freq_now(const char *sysroot);

/*
 * Add one sample to f (start, min, end, mean, throttled); a negative mhz
 * (unknown) is not a sample.  On a struct machine_freq, not the whole
 * record, so that compare can keep one per workload beside the run's.
 */
void machine_freq_add(struct machine_freq *f, double mhz);

/* The record as one JSON object (no newline), and as "key: value" lines. */
void machine_write_json(FILE *f, const struct machine *m);
void machine_write_text(FILE *f, const struct machine *m);

/* A few lines of it for compare's header (each ends in a newline). */
void machine_write_brief(FILE *f, const struct machine *m);

/* `imgpipe machine [--json] [--watch MS]`; argv[0] is "machine". */
int machine_main(int argc, char **argv);

#endif
