/*
 * compare's sentences from made-up figures: each usual claim appears when
 * the figures show it, and a plain "does not show" when they do not; a
 * busy machine is named.  Also the /proc/stat parser other work rests on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuload.h"
#include "machine.h"
#include "reading.h"

/* A 2-CPU run at -j 2 where everything went as the decision table says. */
static struct reading
textbook(void)
{
	struct reading r = { .images = 12, .cpus = 2 };
	const struct reading_row flat = { .available = 1,
					  .workers = 2,
					  .speedup = 1.0,
					  .wall_s = 2.0,
					  .cpu_s = 1.98 };

	r.seq = flat;
	r.seq.workers = 1;
	r.threads = r.procs = r.omp = r.threads_gil = flat;
	r.threads.speedup = 1.92;
	r.procs.speedup = 1.88;
	r.omp.speedup = 1.95;
	r.threads_gil.speedup = 1.01;
	r.coop = r.coop_yield16 = r.coop_offload = flat;
	r.coop.speedup = 0.99;
	r.coop.lag_p99_ms = 180;
	r.coop.lag_max_ms = 240;
	r.coop_yield16.speedup = 0.97;
	r.coop_yield16.lag_p99_ms = 3.5;
	r.coop_yield16.lag_max_ms = 6;
	r.coop_offload.speedup = 1.85;
	r.coop_offload.lag_p99_ms = 1.2;
	r.coop_offload.lag_max_ms = 2;
	r.other.known = 1;
	r.other.cpu_s = 0.1;
	r.other.share = 0.01;
	return r;
}

/* The whole text; the caller frees it. */
static char *
text_of(const struct reading *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	reading_print(f, r);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
check(const struct reading *r, const char *const *want,
      const char *const *unwanted)
{
	char *t = text_of(r);

	for (; want != NULL && *want != NULL; want++)
		if (strstr(t, *want) == NULL)
			fail_msg("\"%s\" missing from:\n%s", *want, t);
	for (; unwanted != NULL && *unwanted != NULL; unwanted++)
		if (strstr(t, *unwanted) != NULL)
			fail_msg("\"%s\" should not be in:\n%s", *unwanted, t);
	free(t);
}

/* Every claim holds: every claim is made, none is denied. */
static void
test_reading_supported_claims(void **state)
{
	struct reading r = textbook();
	const char *const want[] = {
		"CPU-bound work (12 images, 2 workers, 2 CPUs: at best 2.00x)",
		"threads 1.92x, procs 1.88x and omp 1.95x: true parallelism "
		"scaled.",
		"ran at 0.99x: about seq's speed, as one thread must be",
		"late by up to 240.0 ms (p99 180.0 ms): CPU work held the loop",
		"cut the p99 lag to 3.5 ms, at 0.97x: no faster.",
		"2 pool threads at 1.85x, which scales; the loop still "
		"answered within 1.2 ms (p99, against 180.0 ms without it).",
		"so they scaled (1.92x); with a simulated one (--gil) they "
		"reached 1.01x, as CPython threads do",
		"Other work used 0.1 CPU-s (1% of the machine) during the run.",
		NULL
	};
	const char *const unwanted[] = { "does not show", "cannot show",
					 "competed", "not steady", NULL };

	(void)state;
	check(&r, want, unwanted);
}

/* threads 1.10x on 2 CPUs: said plainly, and the busy machine named. */
static void
test_reading_unsupported_claims_on_a_busy_machine(void **state)
{
	struct reading r = textbook();
	const char *const want[] = {
		"threads 1.10x, procs 1.12x and omp 1.08x all under 1.50x: "
		"this run does not show parallel scaling, with other work "
		"using 45% of the machine.",
		"yet reached only 1.10x here, so this run cannot show what one "
		"costs",
		"at 1.20x, under 1.50x: this run does not show it scaling",
		"Other work used 1.8 CPU-s (45% of the machine) during the run: "
		"the modes competed with it",
		NULL
	};
	const char *const unwanted[] = { "true parallelism scaled",
					 "so they scaled", "which scales",
					 NULL };

	(void)state;
	r.threads.speedup = 1.10;
	r.procs.speedup = 1.12;
	r.omp.speedup = 1.08;
	r.coop_offload.speedup = 1.20;
	r.other.cpu_s = 1.8;
	r.other.share = 0.45;
	check(&r, want, unwanted);
}

/* Some modes scale and some do not: each is named for what it did. */
static void
test_reading_mixed_scaling(void **state)
{
	struct reading r = textbook();
	const char *const want[] = {
		"threads 1.30x stayed under 1.50x, while procs 1.88x and omp "
		"1.95x scaled: this run does not show every mode scaling.",
		NULL
	};
	const char *const unwanted[] = { "true parallelism", "with other work",
					 NULL };

	(void)state;
	r.threads.speedup = 1.30;
	check(&r, want, unwanted);
}

/* Lags that yields and offloading did not cut, and a lock that did not bite. */
static void
test_reading_loop_and_gil_claims_denied(void **state)
{
	struct reading r = textbook();
	const char *const want[] = {
		"without yields and 150.0 ms (p99) with a yield every 16 rows: "
		"this run does not show yields making the loop more responsive",
		"the loop's p99 lag was 120.0 ms against 180.0 ms without it: "
		"this run does not show offloading keeping the loop responsive",
		"they still reached 1.70x: this run does not show the lock "
		"serialising them.",
		"ran at 1.30x: faster than seq, which one thread should not be",
		NULL
	};
	const char *const unwanted[] = { "CPU work held the loop", "cut the",
					 "still answered", "as CPython", NULL };

	(void)state;
	r.coop_yield16.lag_p99_ms = 150;
	r.coop_offload.lag_p99_ms = 120;
	r.threads_gil.speedup = 1.70;
	r.coop.speedup = 1.30;
	r.coop_yield16.speedup = 1.28;
	check(&r, want, unwanted);
}

/* One CPU: no parallel claim either way; omp absent: not named. */
static void
test_reading_one_cpu_and_no_omp(void **state)
{
	struct reading r = textbook();
	const char *const want[] = {
		"2 workers, 1 CPUs: at best 1.00x): threads 0.98x and procs "
		"0.97x: with one worker or one CPU nothing runs in parallel",
		"one worker or one CPU: nothing to scale",
		"so this run cannot show what a GIL costs", NULL
	};
	const char *const unwanted[] = { "omp", "scaled", "does not show it",
					 NULL };

	(void)state;
	r.cpus = 1;
	r.omp.available = 0;
	r.threads.speedup = 0.98;
	r.procs.speedup = 0.97;
	r.coop_offload.speedup = 0.96;
	check(&r, want, unwanted);
}

/* seq waiting, a speed-up above the ideal, other work unmeasured. */
static void
test_reading_unsteady_figures(void **state)
{
	struct reading r = textbook();
	const char *const want[] = {
		"Work (12 images, 2 workers, 2 CPUs: at best 2.00x), not all "
		"CPU time: seq used 1.20 CPU-s in 2.00 s",
		"procs's 2.40x is above the ideal 2.00x: seq's runs were "
		"slowed",
		"Other work's CPU use could not be measured", NULL
	};
	const char *const unwanted[] = { "CPU-bound work (", "Other work used",
					 NULL };

	(void)state;
	r.seq.cpu_s = 1.2;
	r.procs.speedup = 2.4;
	r.other.known = 0;
	check(&r, want, unwanted);
}

/*
 * The CPU frequency: a fall of more than 10% from the first sample is
 * named as throttling (how rounds spread it depends on --rounds), a
 * smaller one is "held", and none read says throttling would go unseen.
 */
static void
test_reading_frequency(void **state)
{
	struct reading r = textbook();
	const char *const unseen[] = { "The CPU frequency could not be read",
				       NULL };
	const char *const held[] = { "The CPU frequency held within 10% of "
				     "its start (3000 MHz, lowest 2800, 2 "
				     "samples).",
				     NULL };
	const char *const fell[] = {
		"The CPU frequency fell 14% below its start during the run "
		"(3000 to 2580 MHz: throttling)",
		"the rotated order of the rounds spreads that error", NULL
	};
	const char *const fell1[] = { "fell 14% below its start",
				      "with one round nothing spreads", NULL };
	const char *const not_throttled[] = { "throttling)", NULL };
	const char *const throttled[] = { "held within", "could not be read",
					  NULL };

	(void)state;
	r.rounds = 3;
	check(&r, unseen, not_throttled);
	machine_freq_add(&r.freq, 3000);
	machine_freq_add(&r.freq, 2800);
	check(&r, held, not_throttled);
	machine_freq_add(&r.freq, 2580);
	check(&r, fell, throttled);
	r.rounds = 1;
	check(&r, fell1, throttled);
}

/* The ideal is the smaller of workers and CPUs. */
static void
test_reading_ideal(void **state)
{
	struct reading r = textbook();
	struct reading_row row = r.threads;

	(void)state;
	row.workers = 8;
	assert_int_equal(reading_ideal(&r, &row), 2);
	r.cpus = 16;
	assert_int_equal(reading_ideal(&r, &row), 8);
	row.workers = 0;
	assert_int_equal(reading_ideal(&r, &row), 1);
}

static void
assert_near(double a, double b)
{
	if (fabs(a - b) > 1e-9)
		fail_msg("%g is not %g", a, b);
}

/* Busy = every field of the first eight but idle and iowait. */
static void
test_cpuload_parse_stat(void **state)
{
	double busy = -1;

	(void)state;
	assert_int_equal(cpuload_parse_stat("cpu  100 20 30 5000 70 8 2 40 "
					    "11 0\n",
					    100, &busy),
			 0);
	assert_near(busy, 2.0);
	/* An old kernel's five fields. */
	assert_int_equal(cpuload_parse_stat("cpu 10 0 10 99 1\n", 10, &busy),
			 0);
	assert_near(busy, 2.0);
	busy = -1;
	assert_int_equal(
		cpuload_parse_stat("cpu0 1 2 3 4 5 6 7 8\n", 100, &busy), -1);
	assert_int_equal(cpuload_parse_stat("cpu 1 2 x\n", 100, &busy), -1);
	assert_int_equal(cpuload_parse_stat("cpu 1 2 3\n", 100, &busy), -1);
	assert_near(busy, -1);
}

/* Our own time is taken off, and rounding never makes it negative. */
static void
test_cpuload_other(void **state)
{
	const struct cpuload a = { 1, 4, 100.0, 1.0, 10.0 };
	struct cpuload b = { 1, 4, 106.0, 3.0, 12.0 };
	struct cpuload_other o;

	(void)state;
	cpuload_other(&a, &b, &o);
	assert_int_equal(o.known, 1);
	assert_near(o.cpu_s, 4.0);
	assert_near(o.share, 0.5);
	b.own_s = 7.5;
	cpuload_other(&a, &b, &o);
	assert_near(o.cpu_s, 0);
	b.known = 0;
	cpuload_other(&a, &b, &o);
	assert_int_equal(o.known, 0);
}

/* A live sample: this machine has /proc/stat, and time only grows. */
static void
test_cpuload_sample(void **state)
{
	struct cpuload a, b;
	struct cpuload_other o;

	(void)state;
	cpuload_sample(&a);
	cpuload_sample(&b);
	assert_int_equal(a.known, 1);
	assert_true(a.cpus >= 1);
	assert_true(b.busy_s >= a.busy_s && b.own_s >= a.own_s);
	cpuload_other(&a, &b, &o);
	assert_true(o.share >= 0 && o.share <= 1);
}

/* The release-in-c row on CPU work: scales, or said not to. */
static void
test_reading_gil_release_in_c(void **state)
{
	struct reading r = textbook();
	const char *const want[] = { "threads reached 1.80x, which scales: "
				     "\"threads don't help CPU-bound work\" "
				     "holds for Python code, not for C "
				     "extensions",
				     NULL };
	const char *const denied[] = { "threads reached 1.05x, under 1.50x: "
				       "this run does not show releasing",
				       NULL };

	(void)state;
	r.threads_gil_c = r.threads;
	r.threads_gil_c.speedup = 1.80;
	check(&r, want, NULL);
	r.threads_gil_c.speedup = 1.05;
	check(&r, denied, want);
}

/* io at 64 in flight with a sweep that ends at 64 URLs. */
static struct reading
io_textbook(void)
{
	struct reading r = textbook();
	int i;

	r.workload = READING_IO;
	r.images = 64;
	r.seq.rss_mb = 20;
	r.seq.threads = r.seq.procs = 1;
	r.threads.workers = r.coop.workers = r.procs.workers = 64;
	r.threads_gil.workers = r.threads_gil_c.workers = 64;
	r.threads_gil_c.available = 1;
	r.threads.speedup = 30;
	r.threads.threads = 65;
	r.threads.rss_mb = 30; /* 160 kB a transfer */
	r.coop.speedup = 28;
	r.coop.threads = 5;
	r.coop.rss_mb = 22; /* 33 kB */
	r.procs.speedup = 25;
	r.procs.procs = 65;
	r.procs.rss_mb = 150;
	r.threads_gil.speedup = 26;
	r.threads_gil_c.speedup = 27;
	for (i = 0; i < 3; i++) {
		static const int lv[] = { 1, 8, 64 };
		static const double sp[] = { 1.0, 7.5, 30 };

		r.sweep_threads.level[i] = r.sweep_coop.level[i] = lv[i];
		r.sweep_threads.row[i] = r.threads;
		r.sweep_threads.row[i].speedup = sp[i];
		r.sweep_coop.row[i] = r.coop;
		r.sweep_coop.row[i].speedup = sp[i];
	}
	r.sweep_threads.n = r.sweep_coop.n = 3;
	return r;
}

static void
test_reading_io_claims(void **state)
{
	struct reading r = io_textbook();
	const char *const want[] = {
		"Downloading (64 URLs, 64 in flight, at best 64.00x): threads "
		"30.00x and coop 28.00x: both overlapped the waits",
		"coop kept 64 transfers in flight on 5 OS threads in 22.0 MB; "
		"threads used 65 threads and 30.0 MB (33 kB and 163 kB a "
		"transfer above seq): a coroutine cost less than half",
		"procs reached 25.00x on 65 processes, 2113 kB a transfer: they "
		"overlap the waits too, at 13.0 times the memory",
		"on downloads the lock is no obstacle",
		"Sweep: threads gained up to 64 in flight (30.00x per URL)",
		"so it cannot test \"threads: hundreds max",
		NULL
	};
	const char *const unwanted[] = { "does not show", "true parallelism",
					 "heartbeat", NULL };

	(void)state;
	check(&r, want, unwanted);
}

/* Neither overlapped; coroutines no cheaper; the sweep flat. */
static void
test_reading_io_claims_denied(void **state)
{
	struct reading r = io_textbook();
	const char *const want[] = {
		"both stayed under 13.60x: this run does not show the waits "
		"overlapping",
		"this run does not show coroutines much cheaper",
		"threads gained up to 1 in flight (2.00x per URL), 1.10x at 1024",
		"threads lost speed at 1024 in flight", NULL
	};

	(void)state;
	r.threads.speedup = 5;
	r.coop.speedup = 4;
	r.coop.rss_mb = 29;
	r.sweep_threads.row[1].speedup = 1.1;
	r.sweep_threads.row[2].speedup = 1.1;
	r.sweep_threads.level[2] = 1024;
	r.sweep_threads.row[0].speedup = 2;
	check(&r, want, NULL);
}

/*
 * Both modes slower at the top level, where their CPU work fills the wall
 * time: the CPUs set the limit, not the thread count; not CPU-bound, the
 * threads verdict stands.
 */
static void
test_reading_sweep_cpu_bound(void **state)
{
	struct reading r = io_textbook();
	const char *const want[] = {
		"threads and coop both lost speed at 4096 in flight, where the "
		"CPU work filled the wall time (threads 4.70 CPU-s in 2.91 s on "
		"2 CPUs, coop 4.90 CPU-s in 4.30 s",
		"so this run does not show \"threads: hundreds max\"", NULL
	};
	const char *const idle[] = { "threads lost speed at 4096 in flight: "
				     "\"threads: hundreds max\" holds here",
				     NULL };
	struct reading_sweep *t = &r.sweep_threads, *c = &r.sweep_coop;

	(void)state;
	r.cpus = 2;
	t->level[3] = c->level[3] = 4096;
	t->row[3] = t->row[2];
	c->row[3] = c->row[2];
	t->n = c->n = 4;
	t->row[3].speedup = 15;
	t->row[3].cpu_s = 4.7;
	t->row[3].wall_s = 2.91;
	c->row[3].speedup = 14;
	c->row[3].cpu_s = 4.9;
	c->row[3].wall_s = 4.3;
	check(&r, want, NULL);
	t->row[3].cpu_s = 1.0;
	check(&r, idle, NULL);
}

static void
test_reading_mixed_claims(void **state)
{
	struct reading r = io_textbook();
	const char *const want[] = {
		"the best row was threads at 30.00x; the loop with an offload "
		"pool (coop --offload) reached 28.00x, within 10% of it.",
		"C threads did as well as processes", NULL
	};
	const char *const below[] = { "reached 20.00x, 33% below it", NULL };

	(void)state;
	r.workload = READING_MIXED;
	r.coop_offload = r.coop;
	check(&r, want, NULL);
	r.coop_offload.speedup = 20;
	check(&r, below, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reading_supported_claims),
		cmocka_unit_test(
			test_reading_unsupported_claims_on_a_busy_machine),
		cmocka_unit_test(test_reading_mixed_scaling),
		cmocka_unit_test(test_reading_loop_and_gil_claims_denied),
		cmocka_unit_test(test_reading_one_cpu_and_no_omp),
		cmocka_unit_test(test_reading_unsteady_figures),
		cmocka_unit_test(test_reading_ideal),
		cmocka_unit_test(test_reading_frequency),
		cmocka_unit_test(test_reading_gil_release_in_c),
		cmocka_unit_test(test_reading_io_claims),
		cmocka_unit_test(test_reading_io_claims_denied),
		cmocka_unit_test(test_reading_sweep_cpu_bound),
		cmocka_unit_test(test_reading_mixed_claims),
		cmocka_unit_test(test_cpuload_parse_stat),
		cmocka_unit_test(test_cpuload_other),
		cmocka_unit_test(test_cpuload_sample),
	};

	return cmocka_run_group_tests_name("reading", tests, NULL, NULL);
}
