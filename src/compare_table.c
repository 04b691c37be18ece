/*
 * compare's tables: each configuration's median run, its speed-up over
 * seq paired within each round, whether its outputs equal seq's, and the
 * reading (reading.h) of those figures.
 */
#include "compare_impl.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "fileio.h"
#include "membuf.h"
#include "reading.h"
#include "util.h"

const char *const compare_workload_name[COMPARE_WORKLOADS] = { "cpu", "io",
							       "mixed" };

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

/* Sorts v; for an even n the mean of the two middle values. */
static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), util_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Inputs a configuration's run handles: its URLs, or 1 for files. */
static double
weight(const struct compare_set *set, size_t i)
{
	return set->w == COMPARE_CPU ? 1 : (double)set->cfg[i].nurls;
}

/*
 * Configuration i's run of median wall time into *med (the lower of the
 * two middle ones for an even count), and the median over rounds of its
 * speed-up, paired within each round: seq's time per input over its own
 * (a sweep level downloads fewer URLs than seq).
 */
static double
summarise(const struct compare_set *set, int rounds, size_t i,
	  struct compare_row *med)
{
	double wall[CLI_MAX_ROUNDS] = { 0 }, sp[CLI_MAX_ROUNDS] = { 0 }, mid;
	double share = weight(set, i) / UTIL_MAX(weight(set, 0), 1);
	int r, pick = 0, n = 0;

	for (r = 0; r < rounds; r++) {
		const struct compare_row *x =
			&set->runs[(size_t)r * set->n + i];
		const struct compare_row *seq = &set->runs[(size_t)r * set->n];

		wall[r] = x->st.wall_s;
		if (x->st.wall_s > 0 && seq->st.wall_s > 0)
			sp[n++] = seq->st.wall_s * share / x->st.wall_s;
	}
	median(wall, rounds);
	mid = wall[(rounds - 1) / 2];
	for (r = rounds - 1; r >= 0; r--)
		if (set->runs[(size_t)r * set->n + i].st.wall_s == mid)
			pick = r;
	*med = set->runs[(size_t)pick * set->n + i];
	return n > 0 ? median(sp, n) : 0;
}

static void
print_cpu_header(void)
{
	printf("%-14s %7s %7s %8s %8s %6s %8s %7s %8s %7s %5s %9s %9s %s\n",
	       "mode", "workers", "wall s", "images/s", "speed-up", "effic.",
	       "serial f", "CPU s", "RSS MB", "threads", "procs", "lag p99",
	       "lag max", "same bytes");
}

static void
print_url_header(const char *title)
{
	if (title != NULL)
		printf("\n%s\n", title);
	printf("%-14s %9s %7s %7s %8s %7s %7s %5s %8s %8s %9s %s\n", "mode",
	       "in flight", "wall s", "URLs/s", "speed-up", "CPU s", "threads",
	       "procs", "RSS MB", "kB/xfer", "lag p99", "same bytes");
}

static void
print_lag(const struct compare_row *r, int with_max)
{
	if (r->st.loop.present)
		printf(" %6.1f ms", r->st.loop.p99_ms);
	else
		printf(" %9s", "-");
	if (!with_max)
		return;
	if (r->st.loop.present)
		printf(" %6.1f ms", r->st.loop.max_ms);
	else
		printf(" %9s", "-");
}

static void
print_cpu_row(const char *tag, const struct compare_row *r, double s)
{
	int p = r->workers;

	printf("%-14s %7d %7.2f %8.1f %7.2fx %6.2f ", tag, p, r->st.wall_s,
	       r->st.wall_s > 0 ? (double)r->st.ok / r->st.wall_s : 0, s,
	       s / p);
	/* Karp-Flatt: the serial fraction the measured speed-up implies. */
	if (p > 1 && s > 0)
		printf("%8.2f ", (1 / s - 1.0 / p) / (1 - 1.0 / p));
	else
		printf("%8s ", "-");
	printf("%7.2f %8.1f %7d %5d", r->cpu_s, r->rss_kb / 1024.0,
	       r->tree.threads, r->tree.procs);
	print_lag(r, 1);
	printf(" %s\n", r->identical ? "yes" : "NO");
}

static void
print_url_row(const char *tag, const struct compare_row *r, double s,
	      double xfer_kb)
{
	printf("%-14s %9d %7.2f %7.1f %7.2fx %7.2f %7d %5d %8.1f ", tag,
	       r->workers, r->st.wall_s,
	       r->st.wall_s > 0 ? (double)r->st.ok / r->st.wall_s : 0, s,
	       r->cpu_s, r->tree.threads, r->tree.procs, r->rss_kb / 1024.0);
	if (xfer_kb >= 0)
		printf("%8.0f", xfer_kb);
	else
		printf("%8s", "-");
	print_lag(r, 0);
	printf(" %s\n", r->identical ? "yes" : "NO");
}

static void
reading_row_of(const struct compare_row *x, double sp, struct reading_row *out)
{
	out->available = x->status != CLI_EXIT_USAGE;
	out->workers = x->workers;
	out->speedup = sp;
	out->wall_s = x->st.wall_s;
	out->cpu_s = x->cpu_s;
	out->lag_p99_ms = x->st.loop.p99_ms;
	out->lag_max_ms = x->st.loop.max_ms;
	out->threads = x->tree.threads;
	out->procs = x->tree.procs;
	out->rss_mb = x->rss_kb / 1024.0;
}

/* The reading's row for a table tag, or NULL. */
static struct reading_row *
row_for(struct reading *rd, const char *tag)
{
	static const char *const tags[] = {
		"seq",		"threads",     "procs",
		"omp",		"coop",	       "coop-yield16",
		"coop-offload", "threads-gil", "threads-gil-c",
	};
	struct reading_row *const dst[] = {
		&rd->seq,	   &rd->threads,     &rd->procs,
		&rd->omp,	   &rd->coop,	     &rd->coop_yield16,
		&rd->coop_offload, &rd->threads_gil, &rd->threads_gil_c,
	};
	size_t i;

	for (i = 0; i < sizeof(tags) / sizeof(*tags); i++)
		if (strcmp(tag, tags[i]) == 0)
			return dst[i];
	return NULL;
}

/* A sweep row into its mode's sweep of the reading. */
static void
sweep_add(struct reading *rd, const struct compare_config *c,
	  const struct compare_row *x, double sp)
{
	struct reading_sweep *s =
		strcmp(c->mode, "threads") == 0 ? &rd->sweep_threads
		: strcmp(c->mode, "coop") == 0	? &rd->sweep_coop
						: &rd->sweep_procs;
	int k = s->n;

	if (k >= READING_SWEEP_LEVELS || x->status == CLI_EXIT_USAGE)
		return;
	s->level[k] = c->level;
	s->row[k].available = 1;
	reading_row_of(x, sp, &s->row[k]);
	s->n++;
}

/* Everything but the printing: medians, bytes, the reading's figures. */
static int
summarise_all(const struct cli_options *o, const struct compare_set *set,
	      struct compare_row *rows, double *sp, struct reading *rd)
{
	struct membuf x, y;
	size_t i;
	int r, rc = CLI_EXIT_OK;

	membuf_init(&x);
	membuf_init(&y);
	for (i = 0; i < set->n; i++) {
		const struct compare_config *c = &set->cfg[i];
		struct reading_row *dst;

		sp[i] = summarise(set, o->rounds, i, &rows[i]);
		/*
		 * The last round's outputs are what OUTPUT_DIR holds.  A
		 * sweep level has a part of seq's: each of its files must be
		 * seq's, and all there.
		 */
		if (c->level == 0)
			rows[i].identical =
				same_tree(set->cfg[0].out, c->out, &x, &y);
		else
			rows[i].identical =
				rows[i].st.ok == c->nurls &&
				same_tree(c->out, set->cfg[0].out, &x, &y);
		if (c->level > 0)
			sweep_add(rd, c, &rows[i], sp[i]);
		else if ((dst = row_for(rd, c->tag)) != NULL)
			reading_row_of(&rows[i], sp[i], dst);
		for (r = 0; r < o->rounds; r++)
			if (set->runs[(size_t)r * set->n + i].status ==
			    CLI_EXIT_FAILED)
				rc = CLI_EXIT_FAILED;
	}
	membuf_release(&x);
	membuf_release(&y);
	return rc;
}

static void
print_rows(const struct compare_set *set, const struct compare_row *rows,
	   const double *sp, const struct reading *rd, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		const char *tag = set->cfg[i].tag;

		if (rows[i].status == CLI_EXIT_USAGE)
			printf("%-14s (not available in this build)\n", tag);
		else if (set->w == COMPARE_CPU)
			print_cpu_row(tag, &rows[i], sp[i]);
		else
			print_url_row(tag, &rows[i], sp[i],
				      reading_xfer_kb(rd, rows[i].workers,
						      rows[i].rss_kb / 1024.0));
	}
}

int
compare_report(const struct cli_options *o, const struct compare_set *set)
{
	struct compare_row rows[COMPARE_MAX_CONFIGS];
	double sp[COMPARE_MAX_CONFIGS];
	struct reading rd;
	int rc;

	memset(&rd, 0, sizeof(rd));
	rd.workload = (enum reading_workload)set->w;
	rd.other = set->other;
	rd.freq = set->freq;
	rd.rounds = o->rounds;
	rd.cpus = o->exec.cpus > 0 ? o->exec.cpus : util_cpus();
	rc = summarise_all(o, set, rows, sp, &rd);
	rd.images = rows[0].st.ok;
	if (set->first) {
		putchar('\n');
		machine_write_brief(stdout, set->machine);
	}
	printf("\n%s workload\n", compare_workload_name[set->w]);
	if (set->w == COMPARE_CPU)
		print_cpu_header();
	else
		print_url_header(NULL);
	print_rows(set, rows, sp, &rd, 0, set->table_rows);
	if (set->n > set->table_rows) {
		char title[128];

		util_fmt(title, sizeof(title),
			 "concurrency sweep (level L: the first %d L URLs, "
			 "speed-up per URL)",
			 COMPARE_SWEEP_WAVES);
		print_url_header(title);
		print_rows(set, rows, sp, &rd, set->table_rows, set->n);
	}
	reading_print(stdout, &rd);
	if (set->json != NULL)
		compare_json_workload(set, compare_workload_name[set->w], rows,
				      sp);
	/* Each table as its workload ends, before the next one's rounds. */
	fflush(stdout);
	return rc;
}
