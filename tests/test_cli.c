/*
 * The option parser: defaults, every value option with a good and a bad
 * value, mode checks, and messages that name what was wrong.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "http.h"
#include "pin.h"
#include "util.h"

#define MAX_ARGS 40

/*
 * Parse the words of args (space-separated) after "imgpipe", or after
 * "imgpipe compare" when compare is set.
 */
static int
parse_cmd(int compare, const char *args, struct cli_options *o,
	  struct imgpipe_error *err)
{
	static char buf[512], name[] = "imgpipe";
	char *argv[MAX_ARGS + 1], *p;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", args);
	argv[argc++] = name;
	for (p = buf; *p != '\0' && argc < MAX_ARGS;) {
		argv[argc++] = p;
		p += strcspn(p, " ");
		if (*p == ' ')
			*p++ = '\0';
	}
	argv[argc] = NULL;
	error_clear(err);
	return compare ? cli_parse_compare(argc, argv, o, err)
		       : cli_parse(argc, argv, o, err);
}

static int
parse(const char *args, struct cli_options *o, struct imgpipe_error *err)
{
	return parse_cmd(0, args, o, err);
}

static void
parse_cmd_ok(int compare, const char *args, struct cli_options *o)
{
	struct imgpipe_error err;

	if (parse_cmd(compare, args, o, &err) != CLI_RUN)
		fail_msg("'%s' refused: %s", args, err.msg);
}

static void
parse_ok(const char *args, struct cli_options *o)
{
	parse_cmd_ok(0, args, o);
}

/* args must be refused with a message containing want. */
static void
refuse_cmd(int compare, const char *args, const char *want)
{
	struct cli_options o;
	struct imgpipe_error err;

	if (parse_cmd(compare, args, &o, &err) != IMGPIPE_ESPEC)
		fail_msg("'%s' was accepted", args);
	if (strstr(err.msg, want) == NULL)
		fail_msg("'%s': \"%s\" lacks \"%s\"", args, err.msg, want);
}

static void
refuse(const char *args, const char *want)
{
	refuse_cmd(0, args, want);
}

static void
test_cli_defaults(void **state)
{
	struct cli_options o;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	(void)state;
	parse_ok("in out", &o);
	assert_string_equal(o.input_dir, "in");
	assert_string_equal(o.output_dir, "out");
	assert_string_equal(o.pipeline, "");
	/* README: threads by default, one worker per online CPU. */
	assert_string_equal(o.mode, "threads");
	assert_int_equal(o.exec.jobs, cpus > 1024 ? 1024 : cpus);
	assert_int_equal(o.workers, o.exec.jobs);
	assert_int_equal(o.job.format, OUT_SAME);
	/* 0: each format's own default (JPEG 85, WebP 80, AVIF 50). */
	assert_int_equal(o.job.enc.quality, 0);
	assert_int_equal(o.job.enc.png_level, 6);
	assert_int_equal(o.job.enc.effort, -1);
	assert_int_equal(o.job.enc.lossless, 0);
	assert_memory_equal(o.job.background, "\xff\xff\xff", 3);
	assert_int_equal(o.job.auto_orient, 1);
	assert_int_equal(o.job.shrink_on_load, 1);
	assert_int_equal(o.job.max_pixels, 100000000);
	assert_int_equal(o.exec.switch_interval_ms, 5);
	assert_int_equal(o.exec.tick_ms, 10);
	assert_int_equal(o.shard_n, 0);
	assert_null(o.files_from);
	assert_int_equal(o.recursive + o.skip_existing + o.dry_run, 0);
	/* URL inputs: off, with http.h's bounds ready for them. */
	assert_null(o.urls);
	assert_int_equal(o.exec.urls, 0);
	assert_int_equal(o.exec.gil, GIL_OFF);
	assert_true(o.job.http.timeout_s == HTTP_TIMEOUT_S);
	assert_true(o.job.http.max_body == HTTP_MAX_BODY);
	assert_int_equal(o.job.http.retries, HTTP_RETRIES);
	assert_null(o.job.http.cacert);
	assert_int_equal(o.job.http.head_only, 0);
	assert_null(o.workload);
	assert_null(o.io_urls);
	assert_null(o.io_pipeline);
	assert_null(o.cpus);
	assert_int_equal(o.pin, PIN_NONE);
}

static void
test_cli_values(void **state)
{
	struct cli_options o;

	(void)state;
	parse_ok("-p resize=10 -j 3 -f png -q 40 --png-level 9 "
		 "--background 1a2B3c --max-pixels 5000 -r --skip-existing "
		 "in out",
		 &o);
	assert_string_equal(o.pipeline, "resize=10");
	assert_int_equal(o.exec.jobs, 3);
	assert_int_equal(o.job.format, OUT_PNG);
	assert_int_equal(o.job.enc.quality, 40);
	assert_int_equal(o.job.enc.png_level, 9);
	assert_memory_equal(o.job.background, "\x1a\x2b\x3c", 3);
	assert_int_equal(o.job.max_pixels, 5000);
	assert_int_equal(o.recursive, 1);
	assert_int_equal(o.skip_existing, 1);

	parse_ok("in --shard 2/5 --files-from list -0 -n --report r.json "
		 "--trace t.json --timeline --no-auto-orient "
		 "--no-shrink-on-load --no-progress -f jpeg out",
		 &o);
	assert_int_equal(o.shard_k, 2);
	assert_int_equal(o.shard_n, 5);
	assert_string_equal(o.files_from, "list");
	assert_int_equal(o.null_sep, 1);
	assert_int_equal(o.dry_run, 1);
	assert_string_equal(o.report, "r.json");
	assert_string_equal(o.trace, "t.json");
	assert_int_equal(o.timeline, 1);
	assert_int_equal(o.job.auto_orient, 0);
	assert_int_equal(o.job.shrink_on_load, 0);
	assert_int_equal(o.progress, 0);
	assert_int_equal(o.job.format, OUT_JPEG);
	assert_string_equal(o.input_dir, "in");
	assert_string_equal(o.output_dir, "out");

	parse_ok("-f png --lossless --effort 9 in out", &o);
	assert_int_equal(o.job.enc.lossless, 1);
	assert_int_equal(o.job.enc.effort, 9);
	/* -f of a format this build left out is a usage error (exit 2). */
	if (codec_get(CODEC_WEBP)->encode != NULL) {
		parse_ok("-f webp in out", &o);
		assert_int_equal(o.job.format, OUT_WEBP);
	} else {
		refuse("-f webp in out", "not built");
	}
	if (codec_get(CODEC_AVIF)->encode != NULL) {
		parse_ok("-f avif --effort 0 in out", &o);
		assert_int_equal(o.job.format, OUT_AVIF);
		assert_int_equal(o.job.enc.effort, 0);
	} else {
		refuse("-f avif in out", "not built");
	}

	/* The list's syntax here; whether the CPUs exist, in cli_setup. */
	parse_ok("--cpus 0-3,999 --pin cores in out", &o);
	assert_string_equal(o.cpus, "0-3,999");
	assert_int_equal(o.pin, PIN_CORES);
	parse_ok("--pin threads in out", &o);
	assert_int_equal(o.pin, PIN_THREADS);
	parse_ok("--pin none in out", &o);
	assert_int_equal(o.pin, PIN_NONE);

	parse_ok("--quiet in out", &o);
	assert_int_equal(o.quiet, 1);
	assert_int_equal(o.progress, 0);
	parse_ok("--progress -v -v in out", &o);
	assert_int_equal(o.progress, 1);
	assert_int_equal(o.verbose, 2);
}

static void
test_cli_bad_values(void **state)
{
	static const struct {
		const char *args, *want;
	} cases[] = {
		{ "-q 0 in out", "'0'" },
		{ "-q 101 in out", "'101'" },
		{ "-q 9x in out", "'9x'" },
		{ "--png-level 10 in out", "'10'" },
		{ "--effort 10 in out", "'10'" },
		{ "--effort -1 in out", "'-1'" },
		{ "-j 0 in out", "'0'" },
		{ "-j many in out", "'many'" },
		{ "-f gif in out", "'gif'" },
		{ "--background fff in out", "'fff'" },
		{ "--background 12345g in out", "'12345g'" },
		{ "--max-pixels -1 in out", "'-1'" },
		{ "--shard 0/3 in out", "'0/3'" },
		{ "--shard 4/3 in out", "'4/3'" },
		{ "--shard 3 in out", "'3'" },
		{ "--split cols in out", "'cols'" },
		{ "--bogus in out", "'--bogus'" },
		{ "-x in out", "'-x'" },
		{ "--recursive=1 in out", "'--recursive'" },
		{ "in out -q", "'-q'" },
		{ "in", "INPUT_DIR and OUTPUT_DIR" },
		{ "in out extra", "'extra'" },
		{ "-0 in out", "--files-from" },
		{ "--cpus 5-3 in out", "reversed CPU range '5-3'" },
		{ "--cpus x in out", "'x'" },
		{ "--cpus 1024 in out", "not below 1024" },
		{ "--pin sideways in out", "'sideways'" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		refuse(cases[i].args, cases[i].want);
}

/* Parse "imgpipe [-m mode] opt arg in out" with arg taken as it is. */
static int
parse_one_value(const char *mode, const char *opt, const char *arg,
		struct cli_options *o, struct imgpipe_error *err)
{
	char *argv[8];
	int argc = 0;

	argv[argc++] = (char *)"imgpipe";
	if (mode != NULL) {
		argv[argc++] = (char *)"-m";
		argv[argc++] = (char *)mode;
	}
	argv[argc++] = (char *)opt;
	argv[argc++] = (char *)arg;
	argv[argc++] = (char *)"in";
	argv[argc++] = (char *)"out";
	argv[argc] = NULL;
	error_clear(err);
	return cli_parse(argc, argv, o, err);
}

/*
 * One rule for every number of the options and the pipeline text: no
 * blank and no sign before, nothing after, no overflow; "\t2" and " 2"
 * alike.
 */
static void
test_cli_numbers_one_rule(void **state)
{
	static const struct {
		const char *mode, *opt, *arg;
	} bad[] = {
		{ NULL, "-j", "\t2" },
		{ NULL, "-j", " 2" },
		{ NULL, "-j", "2 " },
		{ NULL, "-j", "\n2" },
		{ NULL, "-j", "+2" },
		{ NULL, "-j", "-2" },
		{ NULL, "-j", "" },
		{ NULL, "-j", "99999999999999999999" },
		{ NULL, "-q", " 50" },
		{ NULL, "--max-pixels", " 5" },
		{ NULL, "--max-pixels", "+5" },
		{ NULL, "--max-pixels", "18446744073709551616" },
		{ "coop", "--tick", " 5" },
		{ "coop", "--tick", "\t5" },
		{ "coop", "--tick", "5 " },
		{ "coop", "--tick", "inf" },
		{ "coop", "--tick", "0x10" },
		{ "coop", "--yield-rows", " 4" },
	};
	struct imgpipe_error err;
	struct cli_options o;
	uint64_t u;
	double d;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (parse_one_value(bad[i].mode, bad[i].opt, bad[i].arg, &o,
				    &err) != IMGPIPE_ESPEC)
			fail_msg("%s '%s' was accepted", bad[i].opt,
				 bad[i].arg);
		if (strstr(err.msg, "bad value") == NULL)
			fail_msg("%s '%s': \"%s\"", bad[i].opt, bad[i].arg,
				 err.msg);
	}
	assert_int_equal(parse_one_value(NULL, "-j", "007", &o, &err), CLI_RUN);
	assert_int_equal(o.exec.jobs, 7);
	assert_int_equal(parse_one_value(NULL, "--max-pixels",
					 "18446744073709551615", &o, &err),
			 CLI_RUN);
	assert_true(o.job.max_pixels == UINT64_MAX);
	assert_int_equal(parse_one_value("coop", "--tick", "2.5e0", &o, &err),
			 CLI_RUN);
	assert_true(o.exec.tick_ms == 2.5);

	assert_int_equal(util_parse_u64("0", &u), 0);
	assert_true(u == 0);
	assert_int_equal(util_parse_u64("", &u), -1);
	assert_int_equal(util_parse_u64("1 ", &u), -1);
	assert_int_equal(util_parse_double("-1.5", &d), 0);
	assert_true(d == -1.5);
	assert_int_equal(util_parse_double(" 1", &d), -1);
	assert_int_equal(util_parse_double("nan", &d), -1);
	assert_int_equal(util_parse_double("1e999", &d), -1);
}

static void
test_cli_modes(void **state)
{
	struct cli_options o;
	struct imgpipe_error err;
	int known;

	(void)state;
	parse_ok("-m seq -j 8 in out", &o);
	assert_int_equal(o.workers, 1);
	refuse("-m nope in out", "unknown mode 'nope'");
	refuse("--gil --split rows in out", "--split rows");
	/* Every mode of the README is either built or refused as "not built".
	 */
	if (exec_find("threads", &known) == NULL) {
		assert_true(known);
		refuse("-m threads in out", "mode 'threads' is not built yet");
		refuse("--gil in out", "mode 'threads' is not built yet");
	} else {
		parse_ok("-m threads -j 3 --gil --switch-interval 2 in out",
			 &o);
		assert_int_equal(o.workers, 3);
		assert_int_equal(o.exec.gil, GIL_HOLD);
		assert_int_equal(o.exec.switch_interval_ms, 2);
	}
	refuse("-m seq --gil in out", "--gil");
	refuse("--switch-interval 2 in out", "--switch-interval");
	refuse("-m seq --offload in out", "coop");
	refuse("-m seq --split rows in out", "--split rows");
	assert_int_equal(parse("--version", &o, &err), CLI_DONE);
}

/* --urls, its one operand, and the bounds of each download. */
static void
test_cli_urls(void **state)
{
	struct cli_options o;

	(void)state;
	if (!IMGPIPE_CURL) {
		refuse("--urls list out", "URL inputs are not built (CURL=0)");
		refuse("--urls - out", "not built");
		return;
	}
	parse_ok("--urls list out", &o);
	assert_string_equal(o.urls, "list");
	assert_null(o.input_dir);
	assert_string_equal(o.output_dir, "out");
	assert_int_equal(o.exec.urls, 1);
	parse_ok("--urls - --timeout 2.5 --max-body 3k --retries 0 "
		 "--cacert ca.pem -n out",
		 &o);
	assert_string_equal(o.urls, "-");
	assert_true(o.job.http.timeout_s == 2.5);
	assert_true(o.job.http.max_body == 3072);
	assert_int_equal(o.job.http.retries, 0);
	assert_string_equal(o.job.http.cacert, "ca.pem");
	assert_int_equal(o.dry_run, 1);
	parse_ok("--urls l --timeout 3600 --max-body 1 --retries 10 out", &o);
	assert_true(o.job.http.timeout_s == 3600);
	assert_true(o.job.http.max_body == 1);
	assert_int_equal(o.job.http.retries, 10);
	parse_ok("--urls l --max-body 7M out", &o);
	assert_true(o.job.http.max_body == 7ull << 20);
	parse_ok("--urls l --max-body 2G out", &o);
	assert_true(o.job.http.max_body == 2ull << 30);
	parse_ok("--urls l --max-body 17179869183G out", &o);
	assert_true(o.job.http.max_body == 17179869183ull << 30);
	parse_ok("--urls l --max-body 18446744073709551615 out", &o);
	assert_true(o.job.http.max_body == UINT64_MAX);
	parse_ok("--urls l --skip-existing --shard 1/2 out", &o);
	assert_int_equal(o.skip_existing, 1);
}

static void
test_cli_url_refusals(void **state)
{
	static const struct {
		const char *args, *want;
	} cases[] = {
		{ "--urls l in out", "too many operands, starting at 'out'" },
		{ "--urls l", "need OUTPUT_DIR" },
		{ "--urls", "needs a value" },
		{ "--urls l -r out", "-r" },
		{ "--urls l --files-from f out", "--files-from" },
		{ "--urls l -0 out", "--files-from" },
		{ "--urls  out", "empty file name" },
		{ "--urls l --timeout 0 out", "'0'" },
		{ "--urls l --timeout -1 out", "'-1'" },
		{ "--urls l --timeout 3600.5 out", "'3600.5'" },
		{ "--urls l --timeout 1s out", "bad value '1s'" },
		{ "--urls l --timeout nan out", "bad value 'nan'" },
		{ "--urls l --max-body 0 out", "'0'" },
		{ "--urls l --max-body 0k out", "'0k'" },
		{ "--urls l --max-body k out", "bad value 'k'" },
		{ "--urls l --max-body 1K out", "bad value '1K'" },
		{ "--urls l --max-body 1T out", "bad value '1T'" },
		{ "--urls l --max-body -1 out", "bad value '-1'" },
		{ "--urls l --max-body 1.5M out", "bad value '1.5M'" },
		{ "--urls l --max-body 17179869184G out", "bad value" },
		{ "--urls l --max-body 18446744073709551616 out", "bad value" },
		{ "--urls l --max-body "
		  "00000000000000000000000000000000000001 out",
		  "bad value" },
		{ "--urls l --retries 11 out", "'11'" },
		{ "--urls l --retries -1 out", "'-1'" },
		{ "--urls l --retries x out", "bad value 'x'" },
	};
	size_t i;

	(void)state;
	if (!IMGPIPE_CURL)
		skip();
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		refuse(cases[i].args, cases[i].want);
}

/* URL-only options without --urls, and compare's outside compare. */
static void
test_cli_misplaced(void **state)
{
	(void)state;
	refuse("--timeout 5 in out", "--timeout needs --urls");
	refuse("--max-body 1M in out", "--max-body needs --urls");
	refuse("--retries 1 in out", "--retries needs --urls");
	refuse("--cacert ca.pem in out", "--cacert needs --urls");
	refuse("--rounds 2 in out",
	       "--rounds is an option of 'imgpipe compare'");
	refuse("--workload io in out", "--workload is an option");
	refuse("--io-urls l in out", "--io-urls is an option");
	refuse("--io-pipeline resize=8 in out", "--io-pipeline is an option");
	/* The value is checked before the place. */
	refuse("--workload gpu in out", "bad value 'gpu' for --workload");
}

static void
test_cli_compare_options(void **state)
{
	struct cli_options o;

	(void)state;
	parse_cmd_ok(1, "--rounds 2 --workload cpu in out", &o);
	assert_int_equal(o.rounds, 2);
	assert_string_equal(o.workload, "cpu");
	assert_string_equal(o.input_dir, "in");
	refuse_cmd(1, "--workload io in out", "--workload io needs");
	refuse_cmd(1, "--workload mixed in out",
		   "--workload mixed needs --urls");
	refuse_cmd(1, "--workload all in out", "--workload all needs --urls");
	refuse_cmd(1, "--timeout 1 in out", "--timeout needs --urls");
	if (!IMGPIPE_CURL) {
		refuse_cmd(1, "--urls l --workload all in out", "CURL=0");
		refuse_cmd(1, "--io-urls l --workload io in out", "CURL=0");
		return;
	}
	/* compare reads INPUT_DIR for its cpu column, also with --urls. */
	parse_cmd_ok(1,
		     "--workload all --urls u --io-urls i --io-pipeline "
		     "resize=8 --timeout 1 -j 4096 in out",
		     &o);
	assert_string_equal(o.workload, "all");
	assert_string_equal(o.urls, "u");
	assert_string_equal(o.io_urls, "i");
	assert_string_equal(o.io_pipeline, "resize=8");
	assert_string_equal(o.input_dir, "in");
	assert_string_equal(o.output_dir, "out");
	assert_int_equal(o.exec.jobs, 4096);
	assert_int_equal(o.exec.urls, 1);
	parse_cmd_ok(1, "--workload io --io-urls i --retries 1 in out", &o);
	assert_null(o.urls);
	assert_int_equal(o.exec.urls, 0);
	refuse_cmd(1, "--urls u out", "need INPUT_DIR and OUTPUT_DIR");
	refuse_cmd(1, "--urls u -j 4097 in out", "1..4096");
	refuse_cmd(1, "-j 1025 in out", "1..1024");
}

/* -j: 1024 for files; with --urls 4096 for threads and coop. */
static void
test_cli_jobs_caps(void **state)
{
	static const char *const modes[] = { "seq", "threads", "procs", "omp",
					     "coop" };
	char args[128];
	struct cli_options o;
	struct imgpipe_error err;
	int known, url_cap;
	size_t i;

	(void)state;
	refuse("-j 1025 in out", "'1025' is out of range 1..1024");
	parse_ok("-j 1024 in out", &o);
	assert_int_equal(o.exec.jobs, 1024);
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (exec_find(modes[i], &known) == NULL || !IMGPIPE_CURL)
			continue;
		url_cap = strcmp(modes[i], "threads") == 0 ||
					  strcmp(modes[i], "coop") == 0
				  ? CLI_MAX_URL_JOBS
				  : CLI_MAX_JOBS;
		snprintf(args, sizeof(args), "-m %s -j %d --urls l out",
			 modes[i], url_cap);
		parse_ok(args, &o);
		assert_int_equal(o.exec.jobs, url_cap);
		assert_int_equal(o.workers,
				 strcmp(modes[i], "seq") == 0 ? 1 : url_cap);
		snprintf(args, sizeof(args), "-m %s -j %d --urls l out",
			 modes[i], url_cap + 1);
		if (parse(args, &o, &err) != IMGPIPE_ESPEC)
			fail_msg("'%s' was accepted", args);
		snprintf(args, sizeof(args), "1..%d", url_cap);
		assert_non_null(strstr(err.msg, args));
		snprintf(args, sizeof(args), "-m %s -j 1025 in out", modes[i]);
		refuse(args, "1..1024");
	}
	if (IMGPIPE_CURL && exec_find("procs", &known) != NULL)
		refuse("-m procs -j 2000 --urls l out",
		       "a process per transfer");
}

/* --gil, --gil=hold and --gil=release-in-c; the old checks stay. */
static void
test_cli_gil_forms(void **state)
{
	struct cli_options o;
	int known;

	(void)state;
	refuse("--gil=no in out", "bad value 'no' for --gil");
	refuse("--gil= in out", "bad value '' for --gil");
	refuse("-m coop --gil=release-in-c in out",
	       "--gil needs --mode threads");
	refuse("--gil=release-in-c --split rows in out", "--split rows");
	if (exec_find("threads", &known) == NULL)
		return;
	parse_ok("--gil in out", &o);
	assert_int_equal(o.exec.gil, GIL_HOLD);
	assert_string_equal(o.mode, "threads");
	parse_ok("--gil=hold in out", &o);
	assert_int_equal(o.exec.gil, GIL_HOLD);
	parse_ok("--gil=release-in-c --switch-interval 1 in out", &o);
	assert_int_equal(o.exec.gil, GIL_RELEASE_IN_C);
	assert_true(o.exec.switch_interval_ms == 1);
	/* The argument is optional: a separate word is an operand. */
	refuse("--gil release-in-c in out", "too many operands");
	if (IMGPIPE_CURL) {
		parse_ok("--gil=release-in-c -j 4096 --urls l out", &o);
		assert_int_equal(o.exec.gil, GIL_RELEASE_IN_C);
		assert_int_equal(o.exec.jobs, 4096);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_defaults),
		cmocka_unit_test(test_cli_values),
		cmocka_unit_test(test_cli_bad_values),
		cmocka_unit_test(test_cli_numbers_one_rule),
		cmocka_unit_test(test_cli_modes),
		cmocka_unit_test(test_cli_urls),
		cmocka_unit_test(test_cli_url_refusals),
		cmocka_unit_test(test_cli_misplaced),
		cmocka_unit_test(test_cli_compare_options),
		cmocka_unit_test(test_cli_jobs_caps),
		cmocka_unit_test(test_cli_gil_forms),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
