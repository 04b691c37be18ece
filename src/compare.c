/*
 * compare: one forked child per configuration runs the batch (so that
 * each has its own CPU time and process tree, and no mode inherits
 * another's threads), sends back its run_stats, and the parent, which
 * samples the child's tree meanwhile (treestat.h), prints the table.
 * Each workload (cpu, io, mixed) is its own set of configurations and
 * table; every configuration of one runs --rounds times, in a rotated
 * order each round so that machine drift hits all alike; the table shows
 * each one's median run and the median of its per-round speed-ups.  The
 * parent starts no thread and no OpenMP region, so fork() is safe.
 */
#include "compare.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cancel.h"
#include "cli.h"
#include "compare_impl.h"
#include "cpuload.h"
#include "fileio.h"
#include "machine.h"
#include "membuf.h"
#include "spec.h"
#include "util.h"

#define DEFAULT_ROUNDS	 3
/* io and mixed without -j: one transfer a URL, at most this many. */
#define URL_JOBS_DEFAULT 64
/* The sampler: every 5 ms, or 4 times what a sample cost if more. */
#define SAMPLE_MS	 5
#define SAMPLE_FACTOR	 4
/*
 * The CPU frequency while a run computes: every 500 ms (reading every
 * CPU's cpufreq file, or /proc/cpuinfo, costs too much for each 5 ms).
 */
#define FREQ_SAMPLE_S	 0.5

static const int sweep_levels[] = { 1, 8, 64, 256, 1024, 4096 };

static double
cpu_s(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec * 1e-6 +
	       (double)ru->ru_stime.tv_sec + ru->ru_stime.tv_usec * 1e-6;
}

static void
child(struct cli_options o, const struct compare_set *set,
      const struct compare_config *c, int fd)
{
	struct compare_row r;
	struct rusage ru;

	memset(&r, 0, sizeof(r));
	o.mode = c->mode;
	o.output_dir = c->out;
	o.exec.yield_rows = c->yield_rows;
	o.exec.offload = c->offload;
	o.exec.gil = c->gil;
	o.exec.jobs = c->jobs;
	o.workers = strcmp(c->mode, "seq") == 0 ? 1 : c->jobs;
	o.exec.urls = set->w != COMPARE_CPU;
	if (set->w == COMPARE_CPU) {
		o.urls = NULL;
	} else {
		o.urls = c->list;
		o.input_dir = NULL;
		o.files_from = NULL;
	}
	if (set->w == COMPARE_IO)
		o.job.spec = &set->spec;
	o.quiet = 1;
	o.progress = 0;
	o.report = o.trace = NULL;
	o.timeline = 0;
	r.status = runner_run(&o, &r.st);
	/* Measured here, as the child's own and its workers' usage. */
	getrusage(RUSAGE_SELF, &ru);
	r.self_rss_kb = ru.ru_maxrss;
	r.cpu_s = cpu_s(&ru);
	getrusage(RUSAGE_CHILDREN, &ru);
	r.cpu_s += cpu_s(&ru);
	r.workers = o.workers;
	if (fileio_write_full(fd, &r, sizeof(r)) != 0)
		_exit(CLI_EXIT_USAGE);
	_exit(r.status);
}

/* One frequency sample, into the workload's and the whole compare's. */
static void
sample_freq(struct compare_set *set)
{
	double mhz = machine_freq_now("");

	machine_freq_add(&set->freq, mhz);
	machine_freq_add(&set->machine->freq, mhz);
}

/*
 * The child's record from fd, sampling its tree until it comes: the
 * sampler keeps its own cost under a quarter of a CPU by waiting at least
 * SAMPLE_FACTOR times what a sample took.  Returns the bytes read.
 */
static size_t
await_record(pid_t pid, int fd, struct compare_row *r, struct treestat *peak,
	     struct compare_set *set)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	double last_freq = util_now_s();
	struct treestat now;
	size_t got = 0;
	ssize_t n;

	memset(peak, 0, sizeof(*peak));
	for (;;) {
		double t0 = util_now_s(), cost_ms;
		int wait_ms;

		if (t0 - last_freq >= FREQ_SAMPLE_S) {
			sample_freq(set);
			last_freq = t0;
		}
		treestat_sample(pid, &now);
		treestat_peak(peak, &now);
		cost_ms = (util_now_s() - t0) * 1000;
		wait_ms = (int)UTIL_MAX(SAMPLE_MS, SAMPLE_FACTOR * cost_ms);
		if (poll(&p, 1, wait_ms) <= 0)
			continue;
		n = read(fd, (char *)r + got, sizeof(*r) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof(*r))
			break;
	}
	return got;
}

static int
run_config(const struct cli_options *o, struct compare_set *set,
	   const struct compare_config *c, struct compare_row *r)
{
	struct treestat peak;
	int fd[2], status = 0;
	size_t got;
	pid_t pid;

	if (pipe(fd) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		close(fd[0]);
		child(*o, set, c, fd[1]);
	}
	close(fd[1]);
	got = await_record(pid, fd[0], r, &peak, set);
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got != sizeof(*r))
		memset(r, 0, sizeof(*r));
	r->status = WIFEXITED(status) ? WEXITSTATUS(status)
				      : 128 + WTERMSIG(status);
	r->tree = peak;
	/* A sample can miss a short peak the child's own maximum shows. */
	r->rss_kb = UTIL_MAX(peak.rss_kb, r->self_rss_kb);
	return 0;
}

/*
 * Every configuration once, starting one further along each round.
 * Returns -1 if one could not be started.
 */
static int
run_round(const struct cli_options *o, struct compare_set *set,
	  struct compare_row *runs, int round)
{
	size_t k, i;

	for (k = 0; k < set->n && !cancel_requested(); k++) {
		i = (k + (size_t)round) % set->n;
		if (run_config(o, set, &set->cfg[i], &runs[i]) != 0) {
			util_warn("cannot run mode '%s'", set->cfg[i].tag);
			return -1;
		}
		if (runs[i].status == CLI_EXIT_INTERRUPTED)
			cancel_request(SIGINT);
	}
	return 0;
}

/* All rounds, and other work's CPU use meanwhile: 0 or an exit status. */
static int
run_rounds(const struct cli_options *o, struct compare_set *set)
{
	struct cpuload before, after;
	int r;

	cpuload_sample(&before);
	sample_freq(set);
	for (r = 0; r < o->rounds && !cancel_requested(); r++) {
		if (!o->quiet)
			fprintf(stderr, "compare: %s: round %d of %d\n",
				compare_workload_name[set->w], r + 1,
				o->rounds);
		if (run_round(o, set, set->runs + (size_t)r * set->n, r) != 0)
			return CLI_EXIT_USAGE;
	}
	sample_freq(set);
	cpuload_sample(&after);
	cpuload_other(&before, &after, &set->other);
	return 0;
}

static struct compare_config *
add(struct compare_set *set, const char *tag, const char *mode, int jobs)
{
	struct compare_config *c = &set->cfg[set->n++];

	memset(c, 0, sizeof(*c));
	util_fmt(c->tag, sizeof(c->tag), "%s", tag);
	c->mode = mode;
	c->jobs = strcmp(mode, "seq") == 0 ? 1 : jobs;
	c->nurls = set->nurls;
	return c;
}

/*
 * The table's rows: the usual eight (coop-yield16 only where files are
 * read: it measures the loop's lag under CPU work, which io does not
 * have), and for io the sweep, each level above the URLs left out.
 */
static void
add_configs(struct compare_set *set, int jobs)
{
	int url = set->w != COMPARE_CPU;
	size_t i, m;

	/* Local files: the cap of -j without --urls. */
	if (!url)
		jobs = UTIL_MIN(jobs, CLI_MAX_JOBS);

	add(set, "seq", "seq", 1);
	add(set, "threads", "threads", jobs);
	add(set, "procs", "procs", url ? UTIL_MIN(jobs, CLI_MAX_JOBS) : jobs);
	add(set, "omp", "omp", jobs);
	add(set, "coop", "coop", jobs);
	if (!url)
		add(set, "coop-yield16", "coop", jobs)->yield_rows = 16;
	add(set, "coop-offload", "coop", jobs)->offload = 1;
	add(set, "threads-gil", "threads", jobs)->gil = GIL_HOLD;
	add(set, "threads-gil-c", "threads", jobs)->gil = GIL_RELEASE_IN_C;
	set->table_rows = set->n;
	if (set->w != COMPARE_IO)
		return;
	for (m = 0; m < 3; m++) {
		const char *mode = m == 0   ? "threads"
				   : m == 1 ? "coop"
					    : "procs";

		for (i = 0; i < sizeof(sweep_levels) / sizeof(*sweep_levels);
		     i++) {
			int l = sweep_levels[i];
			struct compare_config *c;
			char tag[32];

			if ((size_t)l > set->nurls ||
			    (m == 2 && l > COMPARE_PROCS_SWEEP_MAX))
				break;
			util_fmt(tag, sizeof(tag), "%s-j%d", mode, l);
			c = add(set, tag, mode, l);
			c->level = l;
			/* The same number of waits at every level. */
			c->nurls = UTIL_MIN(set->nurls,
					    (size_t)l * COMPARE_SWEEP_WAVES);
		}
	}
}

/* The lines of a URL list that name URLs: not blank, not comments. */
static int
is_url_line(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\r')) {
		s++;
		n--;
	}
	return n > 0 && *s != '#';
}

/*
 * Write the first max URL lines of list[0..len) to path (with the
 * comments and blank lines among them); *count gets how many.
 */
static int
write_list(const char *path, const struct membuf *list, size_t max,
	   size_t *count)
{
	const char *s = (const char *)list->data, *end = s + list->len;
	size_t n = 0;

	while (s < end && n < max) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t k = (size_t)((nl != NULL ? nl + 1 : end) - s);

		n += is_url_line(s, k - (nl != NULL));
		s += k;
	}
	*count = n;
	return fileio_write_atomic(
		path, list->data, (size_t)(s - (const char *)list->data), NULL);
}

/* The whole URL list: a file, or stdin for "-". */
static int
read_list(const char *path, struct membuf *out)
{
	unsigned char buf[65536];
	ssize_t n;

	if (strcmp(path, "-") != 0)
		return fileio_read(path, out, NULL);
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || membuf_append(out, buf, (size_t)n) != 0)
			return -1;
	}
	return 0;
}

/* OUTPUT_DIR/<workload>/<tag>/ for every row, and the URL lists. */
static int
make_dirs(const char *base, struct compare_set *set, const struct membuf *list)
{
	const char *w = compare_workload_name[set->w];
	size_t i, n;

	for (i = 0; i < set->n; i++) {
		struct compare_config *c = &set->cfg[i];

		if (util_fmt(c->out, sizeof(c->out), "%s/%s/%s", base, w,
			     c->tag) != 0 ||
		    fileio_mkdirs(c->out, NULL) != 0) {
			util_warn("cannot create a folder for mode '%s'",
				  c->tag);
			return -1;
		}
		if (set->w == COMPARE_CPU)
			continue;
		if (util_fmt(c->list, sizeof(c->list), "%s/%s/%s.urls", base, w,
			     c->tag) != 0 ||
		    write_list(c->list, list, c->nurls, &n) != 0) {
			util_warn("cannot write the URL list of '%s'", c->tag);
			return -1;
		}
	}
	return 0;
}

/* How many URLs list holds. */
static size_t
count_urls(const struct membuf *list)
{
	const char *s = (const char *)list->data, *end = s + list->len;
	size_t n = 0;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t k = (size_t)((nl != NULL ? nl : end) - s);

		n += is_url_line(s, k);
		s += k + 1;
	}
	return n;
}

/*
 * Set up one workload: its list and pipeline, its rows, its folders.
 * 0, or an exit status after a message.
 */
static int
set_up(const struct cli_options *o, struct compare_set *set)
{
	const char *path = set->w == COMPARE_IO && o->io_urls != NULL
				   ? o->io_urls
				   : o->urls;
	struct membuf list;
	int jobs = o->exec.jobs, rc = 0;

	membuf_init(&list);
	if (set->w != COMPARE_CPU) {
		if (path == NULL) {
			util_warn("--workload %s needs --urls%s",
				  compare_workload_name[set->w],
				  set->w == COMPARE_IO ? " or --io-urls" : "");
			return CLI_EXIT_USAGE;
		}
		if (read_list(path, &list) != 0) {
			util_warn("cannot read the URL list '%s'", path);
			membuf_release(&list);
			return CLI_EXIT_USAGE;
		}
		set->nurls = count_urls(&list);
		if (!o->jobs_given)
			jobs = (int)UTIL_MAX(
				1, UTIL_MIN(set->nurls, URL_JOBS_DEFAULT));
	} else if (o->input_dir == NULL) {
		util_warn("--workload cpu needs INPUT_DIR");
		return CLI_EXIT_USAGE;
	}
	if (set->w == COMPARE_IO) {
		struct imgpipe_error err;
		const char *p = o->io_pipeline != NULL ? o->io_pipeline
						       : COMPARE_IO_PIPELINE;

		if (spec_parse(p, &set->spec, &err) != 0) {
			util_warn("--io-pipeline: %s", err.msg);
			rc = CLI_EXIT_USAGE;
		}
		set->has_spec = rc == 0;
	}
	if (rc == 0) {
		add_configs(set, jobs);
		if (make_dirs(o->output_dir, set, &list) != 0)
			rc = CLI_EXIT_USAGE;
	}
	membuf_release(&list);
	return rc;
}

static void
set_release(struct compare_set *set)
{
	if (set->has_spec)
		spec_release(&set->spec);
	free(set->runs);
	free(set->cfg);
}

/*
 * One workload from set-up to table: 0, 1 or an exit status.  *first is
 * cleared once a table is printed.
 */
static int
run_workload(const struct cli_options *o, enum compare_workload w,
	     struct machine *m, FILE *json, int *first)
{
	struct compare_set set;
	int rc;

	memset(&set, 0, sizeof(set));
	set.w = w;
	set.machine = m;
	set.json = json;
	set.first = *first;
	set.cfg = calloc(COMPARE_MAX_CONFIGS, sizeof(*set.cfg));
	if (set.cfg == NULL) {
		util_warn("out of memory");
		return CLI_EXIT_USAGE;
	}
	rc = set_up(o, &set);
	if (rc == 0) {
		set.runs = calloc((size_t)o->rounds * set.n, sizeof(*set.runs));
		if (set.runs == NULL) {
			util_warn("out of memory");
			rc = CLI_EXIT_USAGE;
		}
	}
	if (rc == 0)
		rc = run_rounds(o, &set);
	if (rc == 0 && !cancel_requested()) {
		rc = compare_report(o, &set);
		*first = 0;
	}
	set_release(&set);
	return rc;
}

/* --workload's text as a set of workloads: 0, or -1. */
static int
workloads_of(const char *s, int *pick)
{
	int i;

	if (s == NULL)
		s = "cpu";
	for (i = 0; i < COMPARE_WORKLOADS; i++)
		pick[i] = strcmp(s, "all") == 0 ||
			  strcmp(s, compare_workload_name[i]) == 0;
	return pick[COMPARE_CPU] || pick[COMPARE_IO] || pick[COMPARE_MIXED]
		       ? 0
		       : -1;
}

/*
 * --report FILE: the machine record with every frequency sample, other
 * work's share of the whole compare, and the workloads' objects.  0, or
 * -1 after a message.
 */
static int
write_report(const char *path, const struct machine *m,
	     const struct cpuload_other *other, const char *workloads,
	     size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	int rc = -1;

	if (f == NULL) {
		util_warn("out of memory");
		return -1;
	}
	fputs("{\"version\": 1, \"kind\": \"compare\", \"machine\": ", f);
	machine_write_json(f, m);
	if (other->known)
		fprintf(f, ", \"other_cpu_share\": %.4f", other->share);
	else
		fputs(", \"other_cpu_share\": null", f);
	fprintf(f, ", \"workloads\": [%.*s]}\n", (int)len, workloads);
	if (fclose(f) == 0 && fileio_write_atomic(path, buf, n, NULL) == 0)
		rc = 0;
	else
		util_warn("cannot write the report '%s'", path);
	free(buf);
	return rc;
}

int
compare_main(int argc, char **argv)
{
	struct cli_options o;
	struct spec spec;
	struct cpuload before, after;
	struct cpuload_other other;
	struct machine *m;
	char *jbuf = NULL;
	size_t jlen = 0;
	FILE *json = NULL;
	int pick[COMPARE_WORKLOADS], i, rc, worst = CLI_EXIT_OK, first = 1;

	rc = cli_setup(argc, argv, 1, &o, &spec);
	if (rc != CLI_RUN)
		return rc == CLI_DONE ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	if (o.rounds == 0)
		o.rounds = DEFAULT_ROUNDS;
	if (workloads_of(o.workload, pick) != 0) {
		util_warn("unknown workload '%s' (cpu, io, mixed or all)",
			  o.workload);
		spec_release(&spec);
		return CLI_EXIT_USAGE;
	}
	m = malloc(sizeof(*m));
	if (m == NULL || (o.report != NULL &&
			  (json = open_memstream(&jbuf, &jlen)) == NULL)) {
		util_warn("out of memory");
		free(m);
		spec_release(&spec);
		return CLI_EXIT_USAGE;
	}
	/* After cli_setup: the affinity recorded is the one the runs get. */
	machine_read("", m);
	cpuload_sample(&before);
	cancel_install();
	for (i = 0; i < COMPARE_WORKLOADS && !cancel_requested(); i++) {
		if (!pick[i])
			continue;
		rc = run_workload(&o, (enum compare_workload)i, m, json,
				  &first);
		if (rc == CLI_EXIT_USAGE) {
			worst = rc;
			break;
		}
		if (rc == CLI_EXIT_FAILED)
			worst = rc;
	}
	cpuload_sample(&after);
	cpuload_other(&before, &after, &other);
	if (json != NULL) {
		/* The workloads that ended, even after an interruption. */
		if (fclose(json) != 0 ||
		    write_report(o.report, m, &other, jbuf, jlen) != 0)
			worst = worst == CLI_EXIT_OK ? CLI_EXIT_FAILED : worst;
		free(jbuf);
	}
	free(m);
	spec_release(&spec);
	return cancel_requested() ? CLI_EXIT_INTERRUPTED : worst;
}
