/*
 * The process-tree sampler: its parsers of /proc text on canned strings
 * (whole, truncated, hostile), and one live sample of a tree this test
 * makes itself (a child that waits on a pipe).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "treestat.h"

static const char status_text[] = "Name:\timgpipe\n"
				  "Umask:\t0022\n"
				  "State:\tS (sleeping)\n"
				  "Tgid:\t4242\n"
				  "VmPeak:\t  912340 kB\n"
				  "VmRSS:\t   53124 kB\n"
				  "RssAnon:\t   40000 kB\n"
				  "Threads:\t65\n"
				  "SigQ:\t0/63432\n";

/* Each case: text, expected return, rss_kb, threads. */
struct status_case {
	const char *text;
	int rc;
	long rss_kb;
	int threads;
};

static void
check_status(const struct status_case *c)
{
	struct treestat_proc p = { -7, -7 };
	int rc = treestat_parse_status(c->text, strlen(c->text), &p);

	assert_int_equal(rc, c->rc);
	if (rc == 0) {
		assert_int_equal(p.rss_kb, c->rss_kb);
		assert_int_equal(p.threads, c->threads);
	} else {
		/* Untouched on failure. */
		assert_int_equal(p.rss_kb, -7);
	}
}

static void
test_treestat_status_cases(void **state)
{
	const struct status_case cases[] = {
		{ status_text, 0, 53124, 65 },
		/* A zombie has no VmRSS: it holds no memory. */
		{ "Name:\tx\nState:\tZ (zombie)\nThreads:\t1\n", 0, 0, 1 },
		/* Cut short before Threads (a bounded read): refused. */
		{ "Name:\tx\nVmRSS:\t 12 kB\n", -1, 0, 0 },
		{ "", -1, 0, 0 },
		/* Keys must start the line and be followed by a number. */
		{ "XVmRSS:\t5 kB\nThreads:\tmany\nThreads:\t3", 0, 0, 3 },
		{ "VmRSSx:\t5 kB\nThreads:\t2\n", 0, 0, 2 },
		/* A number too big for a long is not believed. */
		{ "VmRSS:\t99999999999999999999999 kB\nThreads:\t1\n", 0, 0,
		  1 },
		{ "Threads:\t99999999999\n", -1, 0, 0 },
		/* No final newline. */
		{ "VmRSS: 7 kB\nThreads: 4", 0, 7, 4 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_status(&cases[i]);
}

/* The text need not end in NUL: only len bytes are read. */
static void
test_treestat_status_length_bounds(void **state)
{
	const char *t = "Threads:\t12\nThreads:\t99\n";
	struct treestat_proc p;

	(void)state;
	assert_int_equal(treestat_parse_status(t, 12, &p), 0);
	assert_int_equal(p.threads, 12);
	assert_int_equal(treestat_parse_status(t, 9, &p), -1);
}

/* A line longer than 256 bytes is skipped, whatever it holds. */
static void
test_treestat_status_long_line(void **state)
{
	char t[600];
	struct treestat_proc p;

	(void)state;
	memset(t, ' ', sizeof(t));
	memcpy(t, "Threads:\t8", 10);
	memcpy(t + 400, "\nThreads:\t3\n", 12);
	t[412] = '\0';
	assert_int_equal(treestat_parse_status(t, strlen(t), &p), 0);
	assert_int_equal(p.threads, 3);
}

static void
test_treestat_children(void **state)
{
	pid_t p[4];

	(void)state;
	assert_int_equal(treestat_parse_children("12 345 6 ", 9, p, 4), 3);
	assert_int_equal(p[0], 12);
	assert_int_equal(p[1], 345);
	assert_int_equal(p[2], 6);
	/* At most max, and only len bytes. */
	assert_int_equal(treestat_parse_children("1 2 3 4 5 6", 11, p, 4), 4);
	assert_int_equal(treestat_parse_children("77 88", 2, p, 4), 1);
	assert_int_equal(p[0], 77);
	assert_int_equal(treestat_parse_children("", 0, p, 4), 0);
	/* Garbage ends the list; a huge number ends it too. */
	assert_int_equal(treestat_parse_children("5 x 6", 5, p, 4), 1);
	assert_int_equal(
		treestat_parse_children("9 99999999999999 3", 18, p, 4), 1);
	assert_int_equal(treestat_parse_children("0 4", 3, p, 4), 1);
	assert_int_equal(p[0], 4);
}

static void
test_treestat_peak(void **state)
{
	struct treestat peak = { 0 };
	const struct treestat a = { 1, 100, 3, 1, 0 }, b = { 1, 50, 9, 2, 0 };
	const struct treestat gone = { 0 };

	(void)state;
	treestat_peak(&peak, &a);
	treestat_peak(&peak, &gone);
	treestat_peak(&peak, &b);
	assert_int_equal(peak.known, 1);
	assert_int_equal(peak.rss_kb, 100);
	assert_int_equal(peak.threads, 9);
	assert_int_equal(peak.procs, 2);
	assert_int_equal(peak.samples, 3);
}

/* This process and a child of it: two processes, and our memory. */
static void
test_treestat_live_tree(void **state)
{
	struct treestat now;
	int fd[2], status;
	char c;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fd[1]);
		while (read(fd[0], &c, 1) < 0)
			;
		_exit(0);
	}
	close(fd[0]);
	assert_int_equal(treestat_sample(getpid(), &now), 0);
	assert_int_equal(now.known, 1);
	assert_true(now.procs >= 2);
	assert_true(now.threads >= 2);
	assert_true(now.rss_kb > 0);
	assert_int_equal(treestat_sample(pid, &now), 0);
	assert_int_equal(now.procs, 1);
	close(fd[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_treestat_status_cases),
		cmocka_unit_test(test_treestat_status_length_bounds),
		cmocka_unit_test(test_treestat_status_long_line),
		cmocka_unit_test(test_treestat_children),
		cmocka_unit_test(test_treestat_peak),
		cmocka_unit_test(test_treestat_live_tree),
	};

	return cmocka_run_group_tests_name("treestat", tests, NULL, NULL);
}
