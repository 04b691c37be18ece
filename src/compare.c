/*
 * compare: one forked child per configuration runs the batch (so that
 * each has its own peak RSS and CPU time, and no mode inherits another's
 * threads), sends back its run_stats, and the parent prints the table.
 * Every configuration runs --rounds times, in a rotated order each round
 * so that machine drift hits all alike; the table shows each one's median
 * run and the median of its per-round speed-ups.  The parent starts no
 * thread and no OpenMP region, so fork() is safe.
 */
#include "compare.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cancel.h"
#include "cli.h"
#include "cpuload.h"
#include "fileio.h"
#include "membuf.h"
#include "reading.h"
#include "runner.h"
#include "spec.h"
#include "util.h"

struct config {
	const char *tag, *mode;
	int yield_rows, offload, gil;
};

static const struct config configs[] = {
	{ "seq", "seq", 0, 0, 0 },
	{ "threads", "threads", 0, 0, 0 },
	{ "procs", "procs", 0, 0, 0 },
	{ "omp", "omp", 0, 0, 0 },
	{ "coop", "coop", 0, 0, 0 },
	{ "coop-yield16", "coop", 16, 0, 0 },
	{ "coop-offload", "coop", 0, 1, 0 },
	{ "threads-gil", "threads", 0, 0, 1 },
};

#define NCONFIGS       (sizeof(configs) / sizeof(configs[0]))
#define DEFAULT_ROUNDS 3

/* What a child sends back, plus what wait4 says about it. */
struct row {
	struct run_stats st;
	long self_rss_kb, child_rss_kb;
	int status, workers;
	double cpu_s;
	long rss_kb;
	int identical; /* outputs equal to seq's, byte for byte */
};

static double
cpu_s(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec * 1e-6 +
	       (double)ru->ru_stime.tv_sec + ru->ru_stime.tv_usec * 1e-6;
}

static void
child(struct cli_options o, const struct config *c, const char *out, int fd)
{
	struct row r;
	struct rusage ru;

	memset(&r, 0, sizeof(r));
	o.mode = c->mode;
	o.output_dir = out;
	o.exec.yield_rows = c->yield_rows;
	o.exec.offload = c->offload;
	o.exec.gil = c->gil;
	o.workers = strcmp(c->mode, "seq") == 0 ? 1 : o.exec.jobs;
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
	r.child_rss_kb = ru.ru_maxrss;
	r.cpu_s += cpu_s(&ru);
	r.workers = o.workers;
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(CLI_EXIT_USAGE);
	_exit(r.status);
}

static int
run_config(const struct cli_options *o, const struct config *c, const char *out,
	   struct row *r)
{
	int fd[2], status = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(fd) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fd[0]);
		child(*o, c, out, fd[1]);
	}
	close(fd[1]);
	do
		n = read(fd[0], r, sizeof(*r));
	while (n < 0 && errno == EINTR);
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(*r))
		memset(r, 0, sizeof(*r));
	r->status = WIFEXITED(status) ? WEXITSTATUS(status)
				      : 128 + WTERMSIG(status);
	/* procs: every worker holds its own copy of its buffers. */
	r->rss_kb = strcmp(c->mode, "procs") == 0
			    ? r->self_rss_kb + r->workers * r->child_rss_kb
			    : r->self_rss_kb;
	return 0;
}

static int
same_file(const char *a, const char *b, struct membuf *x, struct membuf *y)
{
	if (fileio_read(a, x, NULL) != 0 || fileio_read(b, y, NULL) != 0)
		return 0;
	return x->len == y->len && memcmp(x->data, y->data, x->len) == 0;
}

/* Every file under ref has a byte-identical twin under dir (recursive). */
static int
same_tree(const char *ref, const char *dir, struct membuf *x, struct membuf *y)
{
	char pa[4096], pb[4096];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(ref);
	int ok = d != NULL;

	while (ok && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (util_fmt(pa, sizeof(pa), "%s/%s", ref, e->d_name) != 0 ||
		    util_fmt(pb, sizeof(pb), "%s/%s", dir, e->d_name) != 0 ||
		    stat(pa, &st) != 0)
			ok = 0;
		else if (S_ISDIR(st.st_mode))
			ok = same_tree(pa, pb, x, y);
		else
			ok = same_file(pa, pb, x, y);
	}
	if (d != NULL)
		closedir(d);
	return ok;
}

static void
print_header(void)
{
	printf("%-14s %7s %7s %8s %8s %6s %8s %7s %8s %9s %9s %s\n", "mode",
	       "workers", "wall s", "images/s", "speed-up", "effic.",
	       "serial f", "CPU s", "RSS MB", "lag p99", "lag max",
	       "same bytes");
}

static void
print_row(const char *tag, const struct row *r, double s)
{
	int p = r->workers;

	if (r->status == CLI_EXIT_USAGE) {
		printf("%-14s (not available in this build)\n", tag);
		return;
	}
	printf("%-14s %7d %7.2f %8.1f %7.2fx %6.2f ", tag, p, r->st.wall_s,
	       r->st.wall_s > 0 ? (double)r->st.ok / r->st.wall_s : 0, s,
	       s / p);
	/* Karp-Flatt: the serial fraction the measured speed-up implies. */
	if (p > 1 && s > 0)
		printf("%8.2f ", (1 / s - 1.0 / p) / (1 - 1.0 / p));
	else
		printf("%8s ", "-");
	printf("%7.2f %8.1f ", r->cpu_s, r->rss_kb / 1024.0);
	if (r->st.loop.present)
		printf("%6.1f ms %6.1f ms", r->st.loop.p99_ms,
		       r->st.loop.max_ms);
	else
		printf("%9s %9s", "-", "-");
	printf(" %s\n", r->identical ? "yes" : "NO");
}

static int
make_out(const char *base, const char *tag, char *buf, size_t n)
{
	if (util_fmt(buf, n, "%s/%s", base, tag) != 0)
		return -1;
	return fileio_mkdirs(buf, NULL);
}

/* Sorts v; for an even n the mean of the two middle values. */
static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), util_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Every configuration once, starting one further along each round.
 * Returns -1 if one could not be started.
 */
static int
run_round(const struct cli_options *o, char (*out)[4096], struct row *runs,
	  int round)
{
	size_t k, i;

	for (k = 0; k < NCONFIGS && !cancel_requested(); k++) {
		i = (k + (size_t)round) % NCONFIGS;
		if (run_config(o, &configs[i], out[i], &runs[i]) != 0) {
			util_warn("cannot run mode '%s'", configs[i].tag);
			return -1;
		}
		if (runs[i].status == CLI_EXIT_INTERRUPTED)
			cancel_request(SIGINT);
	}
	return 0;
}

/*
 * Configuration i's run of median wall time into *med (the lower of the
 * two middle ones for an even count), and the median over rounds of
 * seq's wall time over its own, paired within each round.
 */
static double
summarise(const struct row *runs, int rounds, size_t i, struct row *med)
{
	double wall[CLI_MAX_ROUNDS] = { 0 }, sp[CLI_MAX_ROUNDS] = { 0 }, mid;
	int r, pick = 0, n = 0;

	for (r = 0; r < rounds; r++) {
		const struct row *x = &runs[(size_t)r * NCONFIGS + i];
		const struct row *seq = &runs[(size_t)r * NCONFIGS];

		wall[r] = x->st.wall_s;
		if (x->st.wall_s > 0 && seq->st.wall_s > 0)
			sp[n++] = seq->st.wall_s / x->st.wall_s;
	}
	median(wall, rounds);
	mid = wall[(rounds - 1) / 2];
	for (r = rounds - 1; r >= 0; r--)
		if (runs[(size_t)r * NCONFIGS + i].st.wall_s == mid)
			pick = r;
	*med = runs[(size_t)pick * NCONFIGS + i];
	return n > 0 ? median(sp, n) : 0;
}

static void
reading_row_of(const struct row *x, double sp, struct reading_row *out)
{
	out->available = x->status != CLI_EXIT_USAGE;
	out->workers = x->workers;
	out->speedup = sp;
	out->wall_s = x->st.wall_s;
	out->cpu_s = x->cpu_s;
	out->lag_p99_ms = x->st.loop.p99_ms;
	out->lag_max_ms = x->st.loop.max_ms;
}

/* The sentences under the table, from its rows in configs[] order. */
static void
print_reading(const struct cli_options *o, const struct row *rows,
	      const double *sp, const struct cpuload_other *other)
{
	struct reading rd = { .images = rows[0].st.ok, .other = *other };
	struct reading_row *const dst[NCONFIGS] = {
		&rd.seq,  &rd.threads,	    &rd.procs,	      &rd.omp,
		&rd.coop, &rd.coop_yield16, &rd.coop_offload, &rd.threads_gil,
	};
	size_t i;

	rd.cpus = o->exec.cpus > 0 ? o->exec.cpus : util_cpus();
	for (i = 0; i < NCONFIGS; i++)
		reading_row_of(&rows[i], sp[i], dst[i]);
	reading_print(stdout, &rd);
}

/* The table, its reading, and the exit status the runs add up to. */
static int
report(const struct cli_options *o, const struct row *runs, char (*out)[4096],
       const struct cpuload_other *other)
{
	struct row rows[NCONFIGS];
	double sp[NCONFIGS];
	struct membuf x, y;
	size_t i;
	int r, rc = CLI_EXIT_OK;

	membuf_init(&x);
	membuf_init(&y);
	print_header();
	for (i = 0; i < NCONFIGS; i++) {
		sp[i] = summarise(runs, o->rounds, i, &rows[i]);
		/* The last round's outputs are what OUTPUT_DIR holds. */
		rows[i].identical = same_tree(out[0], out[i], &x, &y);
		print_row(configs[i].tag, &rows[i], sp[i]);
		for (r = 0; r < o->rounds; r++)
			if (runs[(size_t)r * NCONFIGS + i].status ==
			    CLI_EXIT_FAILED)
				rc = CLI_EXIT_FAILED;
	}
	print_reading(o, rows, sp, other);
	membuf_release(&x);
	membuf_release(&y);
	return rc;
}

/* All rounds, and other work's CPU use meanwhile: 0 or an exit status. */
static int
run_rounds(const struct cli_options *o, char (*out)[4096], struct row *runs,
	   struct cpuload_other *other)
{
	struct cpuload before, after;
	int r;

	cpuload_sample(&before);
	for (r = 0; r < o->rounds && !cancel_requested(); r++) {
		if (!o->quiet)
			fprintf(stderr, "compare: round %d of %d\n", r + 1,
				o->rounds);
		if (run_round(o, out, runs + (size_t)r * NCONFIGS, r) != 0)
			return CLI_EXIT_USAGE;
	}
	cpuload_sample(&after);
	cpuload_other(&before, &after, other);
	return 0;
}

int
compare_main(int argc, char **argv)
{
	struct cli_options o;
	struct cpuload_other other;
	struct spec spec;
	struct row *runs = NULL;
	char out[NCONFIGS][4096];
	size_t i;
	int rc;

	rc = cli_setup(argc, argv, 1, &o, &spec);
	if (rc != CLI_RUN)
		return rc == CLI_DONE ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	if (o.rounds == 0)
		o.rounds = DEFAULT_ROUNDS;
	cancel_install();
	for (i = 0; i < NCONFIGS && rc == 0; i++)
		if (make_out(o.output_dir, configs[i].tag, out[i],
			     sizeof(out[i])) != 0) {
			util_warn("cannot create a folder for mode '%s'",
				  configs[i].tag);
			rc = CLI_EXIT_USAGE;
		}
	runs = rc == 0 ? calloc((size_t)o.rounds * NCONFIGS, sizeof(*runs))
		       : NULL;
	if (rc == 0 && runs == NULL) {
		util_warn("out of memory");
		rc = CLI_EXIT_USAGE;
	}
	if (rc == 0)
		rc = run_rounds(&o, out, runs, &other);
	if (rc == 0 && !cancel_requested())
		rc = report(&o, runs, out, &other);
	free(runs);
	spec_release(&spec);
	return cancel_requested() ? CLI_EXIT_INTERRUPTED : rc;
}
