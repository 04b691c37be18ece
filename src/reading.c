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

/*
 * The CPU frequency over the workload's rounds: throttled when its lowest
 * sample fell more than MACHINE_THROTTLE_DROP below the first.
 */
static void
print_freq(FILE *f, const struct reading *r)
{
	const struct machine_freq *q = &r->freq;

	if (q->samples == 0) {
		fputs("The CPU frequency could not be read (no cpufreq, no "
		      "\"cpu MHz\" in /proc/cpuinfo): throttling during the "
		      "run would go unseen.\n",
		      f);
		return;
	}
	if (q->start_mhz <= 0 || !q->throttled) {
		fprintf(f,
			"The CPU frequency held within %.0f%% of its start "
			"(%.0f MHz, lowest %.0f, %d samples).\n",
			MACHINE_THROTTLE_DROP * 100, q->start_mhz, q->min_mhz,
			q->samples);
		return;
	}
	fprintf(f,
		"The CPU frequency fell %.0f%% below its start during the run "
		"(%.0f to %.0f MHz: throttling): configurations that ran while "
		"it was low ran slower than the others, ",
		(1 - q->min_mhz / q->start_mhz) * 100, q->start_mhz,
		q->min_mhz);
	if (r->rounds > 1)
		fputs("and the rotated order of the rounds spreads that "
		      "error over them but does not remove it",
		      f);
	else
		fputs("and with one round nothing spreads that error over them",
		      f);
	fputs("; rerun on a cooler or frequency-fixed machine before "
	      "drawing conclusions.\n",
	      f);
}

/* --gil=release-in-c on CPU work: the C extension's case. */
static void
print_gil_c(FILE *f, const struct reading *r)
{
	double t = r->threads.speedup, c = r->threads_gil_c.speedup;
	int p = reading_ideal(r, &r->threads);

	if (!r->threads_gil_c.available)
		return;
	fprintf(f,
		"With the lock dropped inside decode, operations and encode "
		"(--gil=release-in-c, as Pillow's C code drops the GIL) "
		"threads reached %.2fx",
		c);
	if (p == 1 || !scales(t, p))
		fputs(": with threads not scaling here, this run cannot show "
		      "what releasing the lock gives.\n",
		      f);
	else if (scales(c, p))
		fputs(", which scales: \"threads don't help CPU-bound work\" "
		      "holds for Python code, not for C extensions that "
		      "release the GIL.\n",
		      f);
	else
		fprintf(f,
			", under %.2fx: this run does not show releasing the "
			"lock in C letting threads scale.\n",
			scale_floor(p));
}

double
reading_xfer_kb(const struct reading *r, int j, double rss_mb)
{
	if (j <= 1 || !r->seq.available || r->seq.rss_mb <= 0)
		return -1;
	return UTIL_MAX(0, rss_mb - r->seq.rss_mb) * 1024 / (j - 1);
}

/* Waiting overlapped: the io threshold at J in flight. */
static double
io_floor(int j)
{
	return 1 + (j - 1) / (double)READING_IO_SHARE;
}

static int
overlaps(const struct reading_row *row)
{
	return row->available && row->workers > 1 &&
	       row->speedup >= io_floor(row->workers);
}

/* "downloading many files -> threads", and async for it. */
static void
print_io_wait(FILE *f, const struct reading *r)
{
	const struct reading_row *t = &r->threads, *c = &r->coop;
	int j = t->workers, ot = overlaps(t), oc = overlaps(c);

	fprintf(f,
		"Downloading (%zu URLs, %d in flight, at best %d.00x): "
		"threads %.2fx and coop %.2fx",
		r->images, j, j, t->speedup, c->speedup);
	if (j <= 1)
		fputs(": with one transfer in flight nothing overlaps, so this "
		      "run cannot test \"downloading many files -> "
		      "threads\".\n",
		      f);
	else if (ot && oc)
		fputs(": both overlapped the waits, so \"downloading many "
		      "files -> threads\" holds, and holds for async as "
		      "well.\n",
		      f);
	else if (ot)
		fprintf(f,
			": threads overlapped the waits (\"downloading many "
			"files -> threads\" holds), coop stayed under %.2fx: "
			"this run does not show the loop doing as well.\n",
			io_floor(j));
	else if (oc)
		fprintf(f,
			": coop overlapped the waits, threads stayed under "
			"%.2fx: this run does not show \"downloading many "
			"files -> threads\".\n",
			io_floor(j));
	else
		fprintf(f,
			": both stayed under %.2fx: this run does not show "
			"the waits overlapping in either.\n",
			io_floor(j));
}

/* coop's memory and threads against threads': the "async" rows. */
static void
print_io_memory(FILE *f, const struct reading *r)
{
	const struct reading_row *t = &r->threads, *c = &r->coop;
	double kt = reading_xfer_kb(r, t->workers, t->rss_mb);
	double kc = reading_xfer_kb(r, c->workers, c->rss_mb);

	fprintf(f,
		"coop kept %d transfers in flight on %d OS thread%s in %.1f "
		"MB; threads used %d threads and %.1f MB",
		c->workers, c->threads, c->threads == 1 ? "" : "s", c->rss_mb,
		t->threads, t->rss_mb);
	if (kt < 0 || kc < 0) {
		fputs(": with one transfer in flight there is no memory per "
		      "transfer to compare.\n",
		      f);
		return;
	}
	fprintf(f, " (%.0f kB and %.0f kB a transfer above seq)", kc, kt);
	if (kc <= READING_CHEAPER * kt)
		fprintf(f,
			": a coroutine cost %s than a thread, as "
			"\"crawling thousands of sites -> async\" assumes.\n",
			kc > 0 ? "less than half as much"
			       : "nothing measurable");
	else
		fputs(": this run does not show coroutines much cheaper per "
		      "transfer than threads.\n",
		      f);
}

/* procs on waits: they overlap too, at a process each. */
static void
print_io_procs(FILE *f, const struct reading *r)
{
	const struct reading_row *p = &r->procs, *t = &r->threads;
	double kp = reading_xfer_kb(r, p->workers, p->rss_mb);
	double kt = reading_xfer_kb(r, t->workers, t->rss_mb);

	fprintf(f, "procs reached %.2fx on %d processes", p->speedup, p->procs);
	if (kp >= 0)
		fprintf(f, ", %.0f kB a transfer", kp);
	if (!overlaps(p))
		fputs(": this run does not show processes overlapping the "
		      "waits.\n",
		      f);
	else if (kp >= 0 && kt >= 0 && kt * 2 < kp)
		fprintf(f,
			": they overlap the waits too, at %.1f times the "
			"memory a thread costs; multiprocessing buys nothing "
			"here that threads do not give cheaper.\n",
			kt > 0 ? kp / kt : 0);
	else
		fputs(": they overlap the waits too.\n", f);
}

/* The GIL on downloads: dropped around the transfer. */
static void
print_io_gil(FILE *f, const struct reading *r)
{
	const struct reading_row *g = &r->threads_gil;

	fprintf(f,
		"With a simulated GIL, dropped around each transfer as CPython "
		"drops it on I/O, threads reached %.2fx (%.2fx with "
		"--gil=release-in-c)",
		g->speedup, r->threads_gil_c.speedup);
	if (overlaps(g))
		fputs(": on downloads the lock is no obstacle.\n", f);
	else
		fputs(": this run shows the lock holding downloads back.\n", f);
}

/* The last level that gained on the one below (the first if none did). */
static int
gained_to(const struct reading_sweep *s)
{
	int k, last = 0;

	for (k = 1; k < s->n; k++)
		if (s->row[k].speedup >=
		    READING_SWEEP_GAIN * s->row[k - 1].speedup)
			last = k;
	return last;
}

static void
print_sweep_mode(FILE *f, const char *mode, const struct reading *r,
		 const struct reading_sweep *s)
{
	int g = gained_to(s), top = s->n - 1;
	double kb = reading_xfer_kb(r, s->level[top], s->row[top].rss_mb);

	fprintf(f, "%s gained up to %d in flight (%.2fx per URL)", mode,
		s->level[g], s->row[g].speedup);
	if (top != g)
		fprintf(f, ", %.2fx at %d", s->row[top].speedup, s->level[top]);
	fprintf(f, "; at %d: %d thread%s, %d process%s", s->level[top],
		s->row[top].threads, s->row[top].threads == 1 ? "" : "s",
		s->row[top].procs, s->row[top].procs == 1 ? "" : "es");
	if (kb >= 0)
		fprintf(f, ", %.0f kB a transfer", kb);
}

/* s lost speed at its top level, whose CPU work filled cpus CPUs. */
static int
cpu_bound_top(const struct reading_sweep *s, int cpus)
{
	const struct reading_row *top;

	if (s->n == 0)
		return 0;
	top = &s->row[s->n - 1];
	return top->available &&
	       top->speedup <
		       s->row[gained_to(s)].speedup * READING_WITHIN_BEST &&
	       top->cpu_s >= READING_CPU_BOUND * top->wall_s * (double)cpus;
}

/* Where each mode stops gaining, and what a transfer costs. */
static void
print_sweep(FILE *f, const struct reading *r)
{
	const struct reading_sweep *t = &r->sweep_threads, *c = &r->sweep_coop;
	const struct reading_sweep *p = &r->sweep_procs;
	int tt;

	if (t->n == 0 && c->n == 0)
		return;
	fputs("Sweep: ", f);
	if (t->n > 0)
		print_sweep_mode(f, "threads", r, t);
	if (c->n > 0) {
		fputs(t->n > 0 ? "; " : "", f);
		print_sweep_mode(f, "coop", r, c);
	}
	if (p->n > 0) {
		fputs("; ", f);
		print_sweep_mode(f, "procs", r, p);
	}
	fputs(".", f);
	tt = t->n > 0 ? t->level[t->n - 1] : 0;
	if (tt < 1024)
		fprintf(f,
			" The sweep ends at %d in flight (the URLs given), "
			"so it cannot test \"threads: hundreds max; "
			"coroutines: tens of thousands\".\n",
			UTIL_MAX(tt, c->n > 0 ? c->level[c->n - 1] : 0));
	else if (t->row[t->n - 1].available &&
		 t->row[t->n - 1].speedup >=
			 t->row[gained_to(t)].speedup * READING_WITHIN_BEST)
		fprintf(f,
			" threads ran %d OS threads without losing speed: "
			"\"threads: hundreds max\" is not a limit here.\n",
			t->row[t->n - 1].threads);
	else if (cpu_bound_top(t, UTIL_MAX(r->cpus, 1)) && cpu_bound_top(c, 1))
		fprintf(f,
			" threads and coop both lost speed at %d in flight, "
			"where the CPU work filled the wall time (threads "
			"%.2f CPU-s in %.2f s on %d CPU%s, coop %.2f CPU-s "
			"in %.2f s, computing on its one thread): the CPU "
			"work of that many images, not the thread count, "
			"set the limit, so this run does not show "
			"\"threads: hundreds max\".\n",
			tt, t->row[t->n - 1].cpu_s, t->row[t->n - 1].wall_s,
			r->cpus, r->cpus == 1 ? "" : "s",
			c->row[c->n - 1].cpu_s, c->row[c->n - 1].wall_s);
	else
		fprintf(f,
			" threads lost speed at %d in flight: \"threads: "
			"hundreds max\" holds here.\n",
			tt);
}

/* The best table row of a mixed run, and coop --offload against it. */
static void
print_mixed_best(FILE *f, const struct reading *r)
{
	const char *const tag[] = { "threads",	    "procs",
				    "omp",	    "coop",
				    "coop-offload", "threads-gil",
				    "threads-gil-c" };
	const struct reading_row *const row[] = {
		&r->threads,	  &r->procs,	   &r->omp,	     &r->coop,
		&r->coop_offload, &r->threads_gil, &r->threads_gil_c
	};
	size_t i, best = 0;
	double o = r->coop_offload.speedup, b;

	for (i = 1; i < sizeof(row) / sizeof(*row); i++)
		if (row[i]->available && row[i]->speedup > row[best]->speedup)
			best = i;
	b = row[best]->speedup;
	fprintf(f,
		"Downloading and the full job (%zu URLs, %d in flight): the "
		"best row was %s at %.2fx; the loop with an offload pool "
		"(coop --offload) reached %.2fx",
		r->images, r->threads.workers, tag[best], b, o);
	if (best == 4)
		fputs(", the best of all.\n", f);
	else if (b > 0 && o >= READING_WITHIN_BEST * b)
		fprintf(f, ", within %.0f%% of it.\n",
			(1 - READING_WITHIN_BEST) * 100);
	else
		fprintf(f,
			", %.0f%% below it: this run does not show the "
			"loop plus a pool matching the best.\n",
			b > 0 ? (1 - o / b) * 100 : 0);
}

/* Plain coop and the others on mixed: who computes where. */
static void
print_mixed_rest(FILE *f, const struct reading *r)
{
	const struct reading_row *t = &r->threads, *p = &r->procs;

	fprintf(f,
		"Plain coop, which computes on its one loop thread, reached "
		"%.2fx: the waits overlap, the CPU work does not. ",
		r->coop.speedup);
	fprintf(f, "procs reached %.2fx and threads %.2fx", p->speedup,
		t->speedup);
	if (t->speedup >= READING_WITHIN_BEST * p->speedup)
		fputs(": C threads did as well as processes, so \"image "
		      "processing -> multiprocessing\" is a rule for Python, "
		      "not for code without a GIL",
		      f);
	else
		fputs(": processes did better here, as \"image processing -> "
		      "multiprocessing\" says",
		      f);
	fprintf(f,
		"; with the simulated GIL held through the CPU work threads "
		"reached %.2fx, releasing it in C %.2fx.\n",
		r->threads_gil.speedup, r->threads_gil_c.speedup);
}

void
reading_print(FILE *f, const struct reading *r)
{
	fputc('\n', f);
	if (r->workload == READING_IO) {
		print_io_wait(f, r);
		print_io_memory(f, r);
		print_io_procs(f, r);
		print_io_gil(f, r);
		print_sweep(f, r);
	} else if (r->workload == READING_MIXED) {
		print_mixed_best(f, r);
		print_mixed_rest(f, r);
	} else {
		print_parallel(f, r);
		print_coop(f, r);
		print_lag(f, r);
		print_offload(f, r);
		print_gil(f, r);
		print_gil_c(f, r);
	}
	print_freq(f, r);
	print_other(f, r);
}
