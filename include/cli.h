/*
 * The command line of the README parsed into one struct of options, with every
 * value checked, plus the usage text.  Nothing here touches files.
 */
#ifndef IMGPIPE_CLI_H
#define IMGPIPE_CLI_H

#include <stdio.h>

#include "executor.h"
#include "pipeline.h"

struct spec;

#define IMGPIPE_VERSION "0.1.0"

/* Exit statuses (README, imgpipe(1)). */
#define CLI_EXIT_OK	     0
#define CLI_EXIT_FAILED	     1
#define CLI_EXIT_USAGE	     2
#define CLI_EXIT_INTERRUPTED 130

struct cli_options {
	const char *input_dir, *output_dir; /* borrowed from argv */
	const char *urls;     /* --urls FILE ("-": stdin); input_dir is NULL */
	const char *pipeline; /* -p text; "" = no ops */
	const char *mode;     /* -m, a name of the README */
	int workers;	      /* workers the mode really uses (seq: 1) */

	/* Everything of struct job but the spec, which main parses. */
	struct job job;
	/* Executor knobs; t0 is set when the batch starts. */
	struct exec_config exec;

	int recursive;
	int skip_existing;
	const char *files_from; /* NULL: walk INPUT_DIR; "-" = stdin */
	int null_sep;		/* -0: --files-from is NUL-separated */
	int shard_k, shard_n;	/* 0, 0: no sharding */

	/* ICC profile files the runner loads into job.colour, or NULL. */
	const char *export_profile; /* --export-profile FILE */
	const char *import_profile; /* --import-profile FILE */

	int dry_run;
	const char *report; /* JSON report path or NULL */
	const char *trace;  /* Chrome trace path or NULL */
	int timeline;
	int progress; /* resolved: on when stderr is a terminal */
	int verbose;
	int quiet;
	int rounds;	/* compare's --rounds; 0 = not given */
	int jobs_given; /* -j was given (compare's io and mixed default) */
	/* compare's --workload: "cpu", "io", "mixed" or "all"; NULL = cpu */
	const char *workload;
	const char *io_urls;	 /* compare --io-urls; NULL: --urls */
	const char *io_pipeline; /* compare --io-pipeline; NULL: default */
	const char *cpus; /* --cpus LIST as typed; NULL: the whole mask */
	int pin;	  /* --pin: enum pin_policy */
};

#define CLI_MAX_ROUNDS	  100
#define CLI_MAX_RETRIES	  10
/* --timeout's largest value, seconds. */
#define CLI_MAX_TIMEOUT_S 3600

/*
 * -j's cap: local files, and URL inputs with procs, omp and seq; URL
 * inputs with threads or coop (transfers in flight, README "URL inputs").
 * compare with --urls takes up to CLI_MAX_URL_JOBS and caps procs itself.
 */
#define CLI_MAX_JOBS	 1024
#define CLI_MAX_URL_JOBS 4096

/* What cli_parse found the user asked for. */
enum cli_action {
	CLI_RUN, /* o is filled: run the batch */
	CLI_DONE /* --help or --version printed: exit 0 */
};

/*
 * Parse argv (the words of 'imgpipe', argv[0] included) into o.  Returns
 * CLI_RUN or CLI_DONE, or IMGPIPE_ESPEC with a one-line reason in err (the
 * caller prints it with cli_usage_error and exits 2).  A mode the README
 * defines but this build lacks is refused with "mode 'X' is not built
 * yet"; compare's own options (--rounds, --workload, --io-urls,
 * --io-pipeline) are refused, and so are the URL-only ones (--timeout,
 * --max-body, --retries, --cacert) without --urls, and --urls in a CURL=0
 * build.  With --urls the one operand is OUTPUT_DIR (input_dir NULL) and
 * exec.urls is 1.  Uses getopt_long, so it is not thread-safe.
 */
int cli_parse(int argc, char **argv, struct cli_options *o,
	      struct imgpipe_error *err);

/*
 * cli_parse for the words after 'imgpipe compare': its own options are
 * accepted, and INPUT_DIR and OUTPUT_DIR are both needed also with --urls
 * (the URL-only options then need --urls or --io-urls; --workload mixed
 * and all need --urls, io --io-urls or --urls).
 */
int cli_parse_compare(int argc, char **argv, struct cli_options *o,
		      struct imgpipe_error *err);

/*
 * The whole command line, for main and compare alike: cli_parse, then the
 * -p text into *spec, to which o->job.spec then points; then --cpus
 * restricts the process (pin_process: before any thread or child, which
 * inherit it), and the default -j becomes the count of those CPUs.  compare is
 * non-zero for 'imgpipe compare', the only command that takes --rounds.
 * Returns CLI_RUN (the caller spec_release()s *spec when done), CLI_DONE,
 * or IMGPIPE_ESPEC after printing the reason with cli_usage_error (nothing
 * to release; exit 2): a --cpus CPU that is not online or permitted too.
 */
int cli_setup(int argc, char **argv, int compare, struct cli_options *o,
	      struct spec *spec);

/* Print "imgpipe: <msg>" and the pointer to --help on stderr. */
void cli_usage_error(const struct imgpipe_error *err);

/* The full --help text. */
void cli_usage(FILE *f);

#endif
