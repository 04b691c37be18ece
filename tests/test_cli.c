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
#include "util.h"

#define MAX_ARGS 40

/* Parse the words of args (space-separated) after "imgpipe". */
static int
parse(const char *args, struct cli_options *o, struct imgpipe_error *err)
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
	return cli_parse(argc, argv, o, err);
}

static void
parse_ok(const char *args, struct cli_options *o)
{
	struct imgpipe_error err;

	if (parse(args, o, &err) != CLI_RUN)
		fail_msg("'%s' refused: %s", args, err.msg);
}

/* args must be refused with a message containing want. */
static void
refuse(const char *args, const char *want)
{
	struct cli_options o;
	struct imgpipe_error err;

	if (parse(args, &o, &err) != IMGPIPE_ESPEC)
		fail_msg("'%s' was accepted", args);
	if (strstr(err.msg, want) == NULL)
		fail_msg("'%s': \"%s\" lacks \"%s\"", args, err.msg, want);
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
	assert_int_equal(parse_one_value(NULL, "-j", "007", &o, &err),
			 CLI_RUN);
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
	/* Every mode of the README is either built or refused as "not built". */
	if (exec_find("threads", &known) == NULL) {
		assert_true(known);
		refuse("-m threads in out", "mode 'threads' is not built yet");
		refuse("--gil in out", "mode 'threads' is not built yet");
	} else {
		parse_ok("-m threads -j 3 --gil --switch-interval 2 in out",
			 &o);
		assert_int_equal(o.workers, 3);
		assert_int_equal(o.exec.gil, 1);
		assert_int_equal(o.exec.switch_interval_ms, 2);
	}
	refuse("-m seq --gil in out", "--gil");
	refuse("--switch-interval 2 in out", "--switch-interval");
	refuse("-m seq --offload in out", "coop");
	refuse("-m seq --split rows in out", "--split rows");
	assert_int_equal(parse("--version", &o, &err), CLI_DONE);
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
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
