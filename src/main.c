/*
 * imgpipe: parse the command line and the pipeline, build the task list,
 * run it under the chosen executor and report.  Exit statuses are SPEC.md's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "batch.h"
#include "cancel.h"
#include "cli.h"
#include "error.h"
#include "executor.h"
#include "report.h"
#include "spec.h"
#include "timeline.h"
#include "util.h"

#define TIMELINE_WIDTH 72

static void
report_config_of(const struct cli_options *o, struct report_config *c)
{
	c->mode = o->mode;
	c->workers = o->workers;
	c->gil = o->exec.gil;
	c->split_rows = o->exec.split_rows;
	c->progress = o->progress;
	c->quiet = o->quiet;
	c->verbose = o->verbose;
}

static int
build(const struct cli_options *o, struct batch *b, struct imgpipe_error *err)
{
	struct batch_opts bo = {
		.in_dir = o->input_dir,
		.out_dir = o->output_dir,
		.recursive = o->recursive,
		.format = o->job.format,
		.files_from = o->files_from,
		.null_sep = o->null_sep,
		.shard_k = o->shard_k,
		.shard_n = o->shard_n,
		.skip_existing = o->skip_existing,
		.create_dirs = !o->dry_run,
	};

	return batch_build(&bo, b, err);
}

/* --timeline, --trace, --report; a file that cannot be written fails the run.
 */
static int
write_extras(const struct cli_options *o, const struct report_config *cfg,
	     const struct batch *b, const struct task_result *res,
	     const struct loop_stats *loop, double wall_s)
{
	struct imgpipe_error err;
	int bad = 0;

	if (o->timeline)
		timeline_print(stderr, b->tasks, res, b->n, o->workers,
			       TIMELINE_WIDTH);
	if (o->trace != NULL &&
	    timeline_write_trace(o->trace, o->mode, b->tasks, res, b->n,
				 &err) != 0) {
		util_warn("%s", err.msg);
		bad = 1;
	}
	if (o->report != NULL && report_write_json(o->report, cfg, b, res, loop,
						   wall_s, &err) != 0) {
		util_warn("%s", err.msg);
		bad = 1;
	}
	return bad;
}

/* Run the batch and report; returns the exit status. */
static int
run(struct cli_options *o, const struct batch *b)
{
	struct task_result *res = xcalloc(b->n ? b->n : 1, sizeof(*res));
	struct loop_stats loop = { 0 };
	struct report_config cfg;
	struct report_totals t;
	struct exec_observer obs;
	struct imgpipe_error err;
	struct report r;
	double wall;
	int rc, bad;

	report_config_of(o, &cfg);
	report_prefailed(b);
	if (o->verbose)
		util_warn("%zu images, %zu skipped, mode %s, %d worker%s", b->n,
			  b->skipped_other + b->skipped_existing, o->mode,
			  o->workers, o->workers == 1 ? "" : "s");
	cancel_install();
	error_clear(&err);
	o->exec.t0 = util_now_s();
	report_init(&r, &cfg, b->tasks, b->n, o->exec.t0);
	obs = report_observer(&r);
	rc = exec_find(o->mode, NULL)
		     ->run(&o->exec, &o->job, b->tasks, b->n, res, &obs, &loop,
			   &err);
	wall = util_now_s() - o->exec.t0;
	report_finish(&r);
	if (rc != 0 && rc != IMGPIPE_ECANCEL) {
		util_warn("%s", err.msg);
		free(res);
		return CLI_EXIT_USAGE;
	}
	bad = write_extras(o, &cfg, b, res, &loop, wall);
	report_totals(b, res, &t);
	if (!o->quiet)
		report_summary(stderr, &cfg, &t, wall);
	free(res);
	if (rc == IMGPIPE_ECANCEL) {
		util_warn("interrupted");
		return CLI_EXIT_INTERRUPTED;
	}
	return t.failed > 0 || bad ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

/* Output that never reached stdout (a full disk, say) is a failure too. */
static int
close_stdout(int status)
{
	if (fclose(stdout) != 0) {
		util_warn("cannot write standard output: %s", strerror(errno));
		return status == CLI_EXIT_OK ? CLI_EXIT_FAILED : status;
	}
	return status;
}

int
main(int argc, char **argv)
{
	struct cli_options o;
	struct imgpipe_error err;
	struct spec spec;
	struct batch b;
	int rc;

	error_clear(&err);
	rc = cli_parse(argc, argv, &o, &err);
	if (rc == CLI_DONE)
		return close_stdout(CLI_EXIT_OK);
	if (rc == CLI_RUN)
		rc = spec_parse(o.pipeline, &spec, &err);
	if (rc != 0) {
		cli_usage_error(&err);
		return CLI_EXIT_USAGE;
	}
	o.job.spec = &spec;
	if (build(&o, &b, &err) != 0) {
		util_warn("%s", err.msg);
		spec_release(&spec);
		return CLI_EXIT_USAGE;
	}
	if (o.dry_run)
		rc = report_dry_run(&o.job, &b, stdout) > 0 ? CLI_EXIT_FAILED
							    : CLI_EXIT_OK;
	else
		rc = run(&o, &b);
	batch_release(&b);
	spec_release(&spec);
	return close_stdout(rc);
}
