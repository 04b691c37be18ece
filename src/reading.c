/*
 * compare's reading of its table.  Every sentence tests the figure it
 * rests on first and, when the figure does not show the usual claim, says
 * so instead of making it.  The thresholds are reading.h's and the README's.
 */
#include "reading.h"

#include "util.h"

#define ABOUT_ONE_LO 0.9
#define ABOUT_ONE_HI 1.1
#define CPU_BOUND    0.9
/* Above the ideal by this factor: seq was slowed, not the mode sped up. */
#define OVER_IDEAL   1.1

static double
scale_floor(int p)
{
	return 1 + (p - 1) / 2.0;
}

static int
scales(double s, int p)
{
	return p > 1 && s >= scale_floor(p);
}

static int
about_one(double s)
{
	return s >= ABOUT_ONE_LO && s <= ABOUT_ONE_HI;
}

/* b at most half of a: yields or offloading cut the lag. */
static int
halved(double b, double a)
{
	return a > 0 && b * 2 <= a;
}

static int
busy(const struct reading *r)
{
	return r->other.known && r->other.share >= READING_OTHER_SHARE;
}

int
reading_ideal(const struct reading *r, const struct reading_row *row)
{
	return UTIL_MAX(1, UTIL_MIN(row->workers, r->cpus));
}

/* "threads 1.90x, procs 1.85x and omp 1.92x": the rows where want holds. */
static int
list(FILE *f, const char *const *tag, const struct reading_row *const *row,
     size_t n, const int *pick, int want)
{
	size_t i, k = 0, total = 0;

	for (i = 0; i < n; i++)
		total += pick[i] == want;
	for (i = 0; i < n; i++) {
		if (pick[i] != want)
			continue;
		if (k > 0)
			fputs(k + 1 == total ? " and " : ", ", f);
		fprintf(f, "%s %.2fx", tag[i], row[i]->speedup);
		k++;
	}
	return (int)total;
}

static void
print_other_note(FILE *f, const struct reading *r)
{
	if (busy(r))
		fprintf(f, ", with other work using %.0f%% of the machine",
			r->other.share * 100);
}

/* What the parallel figures are measured against. */
static void
print_setting(FILE *f, const struct reading *r, int p)
{
	int cpu_bound = r->seq.cpu_s >= CPU_BOUND * r->seq.wall_s;

	fprintf(f, "%s (%zu images, %d workers, %d CPUs: at best %d.00x)",
		cpu_bound ? "CPU-bound work" : "Work", r->images,
		r->threads.workers, r->cpus, p);
	if (!cpu_bound)
		fprintf(f, ", not all CPU time: seq used %.2f CPU-s in %.2f s",
			r->seq.cpu_s, r->seq.wall_s);
	fputs(": ", f);
}

/* threads, procs and omp against the best the workers and CPUs allow. */
static void
print_parallel(FILE *f, const struct reading *r)
{
	const char *const tag[] = { "threads", "procs", "omp" };
	const struct reading_row *const row[] = { &r->threads, &r->procs,
						  &r->omp };
	size_t n = r->omp.available ? 3 : 2, i;
	int p = reading_ideal(r, &r->threads), pick[3], good = 0;

	for (i = 0; i < n; i++) {
		pick[i] = p == 1 || scales(row[i]->speedup, p);
		good += pick[i];
	}
	print_setting(f, r, p);
	if (p == 1) {
		list(f, tag, row, n, pick, 1);
		fputs(": with one worker or one CPU nothing runs in parallel, "
		      "so this run cannot show parallel scaling.",
		      f);
	} else if (good == (int)n) {
		list(f, tag, row, n, pick, 1);
		fputs(": true parallelism scaled.", f);
	} else {
		list(f, tag, row, n, pick, 0);
		fprintf(f, " %s under %.2fx", good == 0 ? "all" : "stayed",
			scale_floor(p));
		if (good > 0) {
			fputs(", while ", f);
			list(f, tag, row, n, pick, 1);
			fputs(" scaled", f);
		}
		fprintf(f, ": this run does not show %s",
			good == 0 ? "parallel scaling" : "every mode scaling");
		print_other_note(f, r);
		fputc('.', f);
	}
	for (i = 0; i < n; i++)
		if (row[i]->speedup > p * OVER_IDEAL)
			fprintf(f,
				" %s's %.2fx is above the ideal %d.00x: "
				"seq's runs were slowed, so the speed-ups "
				"overstate.",
				tag[i], row[i]->speedup, p);
	fputc('\n', f);
}

/* Plain coop against seq: one thread, whatever -j says. */
static void
print_coop(FILE *f, const struct reading *r)
{
	double s = r->coop.speedup;

	fprintf(f, "The cooperative loop ran at %.2fx: ", s);
	if (about_one(s))
		fputs("about seq's speed, as one thread must be, whatever -j "
		      "says.\n",
		      f);
	else if (s < ABOUT_ONE_LO)
		fputs("slower than seq; it is one thread, whatever -j says.\n",
		      f);
	else
		fputs("faster than seq, which one thread should not be: this "
		      "run's timings are not steady.\n",
		      f);
}

/* The yielding loop's speed against the plain loop's. */
static void
print_yield_speed(FILE *f, const struct reading *r)
{
	double s = r->coop_yield16.speedup, base = r->coop.speedup;
	double ratio = base > 0 ? s / base : 0;

	fprintf(f, ", at %.2fx", s);
	if (about_one(ratio))
		fputs(": no faster.\n", f);
	else if (ratio < ABOUT_ONE_LO)
		fputs(": slower than without them.\n", f);
	else
		fputs(": faster than without them, which yields alone should "
		      "not make it: this run's timings are not steady.\n",
		      f);
}

/* The heartbeat's lateness without yields and with one every 16 rows. */
static void
print_lag(FILE *f, const struct reading *r)
{
	const struct reading_row *c = &r->coop, *y = &r->coop_yield16;

	if (halved(y->lag_p99_ms, c->lag_p99_ms))
		fprintf(f,
			"Without yields its heartbeat was late by up to "
			"%.1f ms (p99 %.1f ms): CPU work held the loop "
			"while an image was processed; yielding every 16 "
			"rows cut the p99 lag to %.1f ms",
			c->lag_max_ms, c->lag_p99_ms, y->lag_p99_ms);
	else
		fprintf(f,
			"Its heartbeat was late by up to %.1f ms (p99 %.1f "
			"ms) without yields and %.1f ms (p99) with a yield "
			"every 16 rows: this run does not show yields "
			"making the loop more responsive",
			c->lag_max_ms, c->lag_p99_ms, y->lag_p99_ms);
	print_yield_speed(f, r);
}

/* coop --offload: the CPU work on the loop's pool. */
static void
print_offload(FILE *f, const struct reading *r)
{
	const struct reading_row *o = &r->coop_offload, *c = &r->coop;
	int p = reading_ideal(r, o);

	fprintf(f,
		"--offload (the run_in_executor fix) ran the CPU work on "
		"%d pool threads at %.2fx",
		o->workers, o->speedup);
	if (p == 1)
		fputs(" (one worker or one CPU: nothing to scale)", f);
	else if (scales(o->speedup, p))
		fputs(", which scales", f);
	else
		fprintf(f, ", under %.2fx: this run does not show it scaling",
			scale_floor(p));
	if (halved(o->lag_p99_ms, c->lag_p99_ms))
		fprintf(f,
			"; the loop still answered within %.1f ms (p99, "
			"against %.1f ms without it).\n",
			o->lag_p99_ms, c->lag_p99_ms);
	else
		fprintf(f,
			"; the loop's p99 lag was %.1f ms against %.1f ms "
			"without it: this run does not show offloading "
			"keeping the loop responsive.\n",
			o->lag_p99_ms, c->lag_p99_ms);
}

/* Threads with and without the simulated interpreter lock. */
static void
print_gil(FILE *f, const struct reading *r)
{
	double t = r->threads.speedup, g = r->threads_gil.speedup;
	int p = reading_ideal(r, &r->threads);

	if (p == 1)
		fprintf(f,
			"With one worker or one CPU threads cannot scale, "
			"so this run cannot show what a GIL costs: threads "
			"%.2fx, with a simulated one (--gil) %.2fx.\n",
			t, g);
	else if (!scales(t, p))
		fprintf(f,
			"C threads have no GIL, yet reached only %.2fx "
			"here, so this run cannot show what one costs; with "
			"a simulated one (--gil) they reached %.2fx.\n",
			t, g);
	else if (g < 1 + (p - 1) / 4.0)
		fprintf(f,
			"C threads have no GIL, so they scaled (%.2fx); "
			"with a simulated one (--gil) they reached %.2fx, as "
			"CPython threads do on CPU-bound work.\n",
			t, g);
	else
		fprintf(f,
			"C threads have no GIL and scaled (%.2fx); with a "
			"simulated one (--gil) they still reached %.2fx: "
			"this run does not show the lock serialising "
			"them.\n",
			t, g);
}

static void
print_other(FILE *f, const struct reading *r)
{
	if (!r->other.known) {
		fputs("Other work's CPU use could not be measured (no "
		      "/proc/stat): the figures may include its effect.\n",
		      f);
		return;
	}
	fprintf(f,
		"Other work used %.1f CPU-s (%.0f%% of the machine) during "
		"the run",
		r->other.cpu_s, r->other.share * 100);
	if (busy(r))
		fputs(": the modes competed with it for the CPUs, so parallel "
		      "speed-ups understate what an idle machine gives; rerun "
		      "on one before drawing conclusions.\n",
		      f);
	else
		fputs(".\n", f);
}

void
reading_print(FILE *f, const struct reading *r)
{
	fputc('\n', f);
	print_parallel(f, r);
	print_coop(f, r);
	print_lag(f, r);
	print_offload(f, r);
	print_gil(f, r);
	print_other(f, r);
}
