/*
 * One batch: task list, executor, and everything printed or written about
 * it.  Kept apart from main so that compare can run it once per mode.
 */
#include "runner.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "batch.h"
#include "cancel.h"
#include "colour.h"
#include "error.h"
#include "http.h"
#include "pin.h"
#include "report.h"
#include "spec.h"
#include "timeline.h"
#include "topology.h"
#include "util.h"

#define TIMELINE_WIDTH 72

/* SIGHUP's status, 128 + 1 as shells report it; INT and TERM give 130. */
#define EXIT_HANGUP 129

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
		.urls = o->urls,
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

/*
 * Open files URL inputs need beyond one per transfer: the standard three,
 * the loop's and libcurl's own descriptors, reports and outputs being
 * written.
 */
#define URL_SPARE_FILES 64

/*
 * URL inputs hold a socket per transfer (threads, omp, coop); procs' parent
 * holds two pipes per worker, and each child a socket.  Raise the soft
 * limit to the hard one, and refuse a -j the hard limit cannot serve
 * rather than fail transfers one by one with EMFILE.
 */
static int
raise_nofile(const struct cli_options *o, struct imgpipe_error *err)
{
	int per = strcmp(o->mode, "procs") == 0 ? 2 : 1;
	rlim_t need = (rlim_t)per * (rlim_t)o->workers + URL_SPARE_FILES;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0; /* nothing to go by: let the transfers say */
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
		return error_set(err, IMGPIPE_ESPEC,
				 "-j %d needs about %llu open files, but the "
				 "hard limit is %llu (ulimit -Hn)",
				 o->exec.jobs, (unsigned long long)need,
				 (unsigned long long)rl.rlim_max);
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		/*
		 * Linux refuses a hard limit of RLIM_INFINITY above
		 * fs.nr_open; the soft one then stays, and a transfer past
		 * it fails on its own with EMFILE.
		 */
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	return 0;
}

/*
 * What URL inputs need before any executor starts a thread or forks:
 * libcurl's global set-up, the open-file limit, a readable --cacert.
 */
static int
url_setup(const struct cli_options *o, struct imgpipe_error *err)
{
	const char *ca = o->job.http.cacert;
	int rc;

	rc = http_global_init(err);
	if (rc == 0)
		rc = raise_nofile(o, err);
	if (rc == 0 && ca != NULL && access(ca, R_OK) != 0)
		rc = error_set_errno(err, IMGPIPE_EIO, errno,
				     "cannot read --cacert '%s'", ca);
	return rc;
}

/* --timeline, --trace, --report; one that cannot be written fails the run. */
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

/*
 * Where the run may compute: the allowed CPUs as a list (--cpus has
 * already restricted the process), and with --pin the order workers take
 * them in, made once here for every executor.
 */
struct placement {
	struct topology topo;
	char cpus[TOPO_MAX_CPUS * 5];
	int map[TOPO_MAX_CPUS];
	int n;
};

static void
place(struct cli_options *o, struct placement *pl)
{
	unsigned char allowed[TOPO_MAX_CPUS];

	pl->n = 0;
	pl->cpus[0] = '\0';
	if (pin_allowed(allowed) > 0)
		cpulist_format(allowed, TOPO_MAX_CPUS, pl->cpus,
			       sizeof(pl->cpus));
	if (o->pin != PIN_NONE && pl->cpus[0] != '\0') {
		/* Unreadable sysfs leaves topo.n 0: each CPU a core. */
		(void)topology_read("", &pl->topo);
		pl->n = pin_order(&pl->topo, allowed, (enum pin_policy)o->pin,
				  pl->map, TOPO_MAX_CPUS);
	}
	if (o->pin != PIN_NONE && pl->n == 0)
		util_warn("--pin %s: no CPU to pin to; workers run unpinned",
			  pin_policy_name((enum pin_policy)o->pin));
	o->exec.pin_map = pl->n > 0 ? pl->map : NULL;
	o->exec.pin_n = pl->n;
}

/* Run the batch and report; returns the exit status. */
static int
run(struct cli_options *o, const struct batch *b, struct run_stats *st)
{
	struct task_result *res = xcalloc(b->n ? b->n : 1, sizeof(*res));
	struct loop_stats loop = { 0 };
	struct report_config cfg;
	struct report_totals t;
	struct exec_observer obs;
	struct imgpipe_error err;
	struct report r;
	struct placement *pl = xmalloc(sizeof(*pl));
	double wall;
	int rc, bad;

	place(o, pl);
	report_config_of(o, &cfg);
	cfg.cpus = pl->cpus[0] != '\0' ? pl->cpus : NULL;
	cfg.pin = pl->n > 0 ? o->pin : PIN_NONE;
	cfg.pin_map = pl->map;
	cfg.pin_n = pl->n;
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
	rc = exec_run(exec_find(o->mode, NULL), &o->exec, &o->job, b->tasks,
		      b->n, res, &obs, &loop, &err);
	wall = util_now_s() - o->exec.t0;
	o->exec.pin_map = NULL; /* pl's, freed below */
	o->exec.pin_n = 0;
	report_finish(&r);
	if (rc != 0 && rc != IMGPIPE_ECANCEL) {
		util_warn("%s", err.msg);
		free(res);
		free(pl);
		return CLI_EXIT_USAGE;
	}
	/* Fewer workers than asked: the batch still ran, so it is reported. */
	if (err.msg[0] != '\0')
		util_warn("%s", err.msg);
	bad = write_extras(o, &cfg, b, res, &loop, wall);
	report_totals(b, res, &t);
	if (st != NULL) {
		st->wall_s = wall;
		st->ok = t.ok;
		st->failed = t.failed;
		st->skipped = t.skipped;
		st->megapixels = t.megapixels;
		st->loop = loop;
	}
	if (!o->quiet)
		report_summary(stderr, &cfg, &t, wall);
	free(res);
	free(pl);
	if (rc == IMGPIPE_ECANCEL) {
		util_warn("interrupted");
		return cancel_signal() == SIGHUP ? EXIT_HANGUP
						 : CLI_EXIT_INTERRUPTED;
	}
	return t.failed > 0 || bad ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

int
runner_run(struct cli_options *o, struct run_stats *st)
{
	struct imgpipe_error err;
	struct batch b;
	int rc;

	error_clear(&err);
	if (st != NULL)
		memset(st, 0, sizeof(*st));
	if (o->urls != NULL && url_setup(o, &err) != 0) {
		util_warn("%s", err.msg);
		return CLI_EXIT_USAGE;
	}
	/* Before any executor: procs workers inherit the profiles by fork. */
	if (colour_opts_setup(&o->job.colour, o->export_profile,
			      o->import_profile, &err) != 0) {
		util_warn("%s", err.msg);
		return CLI_EXIT_USAGE;
	}
	if (build(o, &b, &err) != 0) {
		util_warn("%s", err.msg);
		colour_opts_release(&o->job.colour);
		return CLI_EXIT_USAGE;
	}
	if (o->dry_run)
		rc = report_dry_run(&o->job, &b, stdout) > 0 ? CLI_EXIT_FAILED
							     : CLI_EXIT_OK;
	else
		rc = run(o, &b, st);
	batch_release(&b);
	colour_opts_release(&o->job.colour);
	return rc;
}
