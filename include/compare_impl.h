/*
 * compare's insides, shared by compare.c (the runs) and compare_table.c
 * (the tables and what reading.h says of them).  Not for other modules.
 */
#ifndef IMGPIPE_COMPARE_IMPL_H
#define IMGPIPE_COMPARE_IMPL_H

#include <stddef.h>

#include "cpuload.h"
#include "machine.h"
#include "runner.h"
#include "spec.h"
#include "treestat.h"

struct cli_options;

enum compare_workload {
	COMPARE_CPU,
	COMPARE_IO,
	COMPARE_MIXED
};
#define COMPARE_WORKLOADS 3

extern const char *const compare_workload_name[COMPARE_WORKLOADS];

/* The io workload's pipeline without --io-pipeline: small beside the wait. */
#define COMPARE_IO_PIPELINE	"resize=64x64"
/* A sweep level L downloads L times this many URLs (at most all). */
#define COMPARE_SWEEP_WAVES	4
/* procs' sweep stops here: each level is that many forked processes. */
#define COMPARE_PROCS_SWEEP_MAX 256
/* 9 table rows and 6 + 6 + 5 sweep levels. */
#define COMPARE_MAX_CONFIGS	32

/* One configuration: a row of a table. */
struct compare_config {
	char tag[32];
	const char *mode;
	int yield_rows, offload, gil;
	int jobs;	 /* -j: workers, or transfers in flight */
	int level;	 /* a sweep row's transfers in flight; 0: table row */
	size_t nurls;	 /* URL inputs: how many it downloads */
	char list[4096]; /* URL inputs: its list's file */
	char out[4096];	 /* OUTPUT_DIR/<workload>/<tag> */
};

/* What a child sends back, plus what the parent saw of its tree. */
struct compare_row {
	struct run_stats st;
	long self_rss_kb;
	int status, workers;
	double cpu_s;
	long rss_kb;	      /* the tree's peak (or the child's, if more) */
	struct treestat tree; /* peaks of the child and its descendants */
	int identical;	      /* outputs equal to seq's, byte for byte */
};

/* One workload's configurations and runs. */
struct compare_set {
	enum compare_workload w;
	struct compare_config *cfg; /* n of COMPARE_MAX_CONFIGS */
	size_t n, table_rows;	    /* cfg[table_rows..n): the sweep */
	size_t nurls;		    /* URL workloads: the list's URLs */
	struct spec spec;	    /* io: --io-pipeline */
	int has_spec;
	struct compare_row *runs; /* rounds x n, round-major */
	struct cpuload_other other;
	struct machine *machine;  /* the whole compare's: every sample too */
	struct machine_freq freq; /* the samples of this workload's rounds */
	int first;		  /* the first table: the machine goes above */
	FILE *json;		  /* --report: the workloads array, or NULL */
};

/* Print set's table(s) and reading; the exit status its runs add up to. */
int compare_report(const struct cli_options *o, const struct compare_set *set);

/*
 * Append set's workload object, named name, to set->json (a comma first
 * unless it is the first): its rows' figures, rows[i] and sp[i] as the
 * table shows them.
 */
void compare_json_workload(const struct compare_set *set, const char *name,
			   const struct compare_row *rows, const double *sp);

#endif
