/*
 * A partial start: when only some of -j worker threads or processes can be
 * started, the batch still runs to its end on those that were, writes
 * seq's bytes, and says so in a warning; with no process at all it is a
 * setup error.  The failures are made here: the test is linked with
 * -Wl,--wrap=pthread_create,--wrap=fork (Makefile), so the executors'
 * calls come to the wrappers below, which fail every start after the
 * first `starts_left`.  Without those link flags it does not link.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "cli.h"
#include "codec.h"
#include "executor.h"
#include "fileio.h"
#include "image.h"
#include "membuf.h"
#include "pipeline.h"
#include "runner.h"
#include "spec.h"
#include "util.h"

#include "helpers.h"

#define NIMG 6

/* Starts still allowed; -1: no failure injected.  Main thread only. */
static int starts_left = -1;

int __real_pthread_create(pthread_t *t, const pthread_attr_t *a,
			  void *(*fn)(void *), void *arg);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a,
			  void *(*fn)(void *), void *arg);
pid_t __real_fork(void);
pid_t __wrap_fork(void);

/* Count one start: 0 to let it happen, -1 to fail it. */
static int
take_start(void)
{
	if (starts_left == 0)
		return -1;
	if (starts_left > 0)
		starts_left--;
	return 0;
}

int
__wrap_pthread_create(pthread_t *t, const pthread_attr_t *a,
		      void *(*fn)(void *), void *arg)
{
	if (take_start() != 0)
		return EAGAIN;
	return __real_pthread_create(t, a, fn, arg);
}

pid_t
__wrap_fork(void)
{
	if (take_start() != 0) {
		errno = EAGAIN;
		return -1;
	}
	return __real_fork();
}

struct fixture {
	char dir[64];
	struct spec spec;
	struct job job;
	struct task tasks[NIMG];
	char in[NIMG][128], out[NIMG][160], rel[NIMG][32];
	struct task_result res[NIMG];
	struct membuf ref[NIMG];
};

static unsigned char
picture(int x, int y, int c, int w, int h, int seed)
{
	(void)w, (void)h;
	return (unsigned char)((x * (c + 2) + y * seed) % 251);
}

static int
setup(void **state)
{
	struct encode_opts eo = { 90, 0, 6 };
	struct fixture *f = calloc(1, sizeof(*f));
	struct image_meta meta;
	struct membuf b;
	struct image im;
	int i;

	snprintf(f->dir, sizeof(f->dir), "/tmp/imgpipe-start-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	image_meta_init(&meta);
	membuf_init(&b);
	for (i = 0; i < NIMG; i++) {
		image_init(&im);
		test_paint(&im, 90 + 40 * i, 70 + 10 * i, 3, picture, i + 1);
		assert_int_equal(
			codec_png.encode(&im, &meta, &eo, &b, NULL, NULL), 0);
		snprintf(f->rel[i], sizeof(f->rel[i]), "img%d.png", i);
		snprintf(f->in[i], sizeof(f->in[i]), "%s/%s", f->dir,
			 f->rel[i]);
		assert_int_equal(
			fileio_write_atomic(f->in[i], b.data, b.len, NULL), 0);
		f->tasks[i].in_path = f->in[i];
		f->tasks[i].rel_in = f->rel[i];
		f->tasks[i].rel_out = f->rel[i];
		f->tasks[i].in_codec = f->tasks[i].out_codec = CODEC_PNG;
		f->tasks[i].in_bytes = b.len;
		image_release(&im);
	}
	membuf_release(&b);
	if (spec_parse("resize=64x64,sharpen=0.6", &f->spec, NULL) != 0)
		return -1;
	test_job_init(&f->job, &f->spec, 85);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int i;

	starts_left = -1;
	if (test_remove_tree(f->dir) != 0)
		return -1;
	for (i = 0; i < NIMG; i++)
		membuf_release(&f->ref[i]);
	spec_release(&f->spec);
	free(f);
	return 0;
}

/* Run ex into the folder tag; exec_run's code, err filled. */
static int
run_into(struct fixture *f, const struct executor *ex,
	 const struct exec_config *ec, const char *tag,
	 struct imgpipe_error *err)
{
	struct loop_stats ls;
	char dir[128];
	int i;

	snprintf(dir, sizeof(dir), "%s/%s", f->dir, tag);
	assert_int_equal(fileio_mkdirs(dir, NULL), 0);
	for (i = 0; i < NIMG; i++) {
		snprintf(f->out[i], sizeof(f->out[i]), "%s/%s", dir,
			 f->rel[i]);
		f->tasks[i].out_path = f->out[i];
	}
	return exec_run(ex, ec, &f->job, f->tasks, NIMG, f->res, NULL, &ls,
			err);
}

static void
make_reference(struct fixture *f)
{
	struct exec_config ec = { .jobs = 1, .tick_ms = 10,
				  .t0 = util_now_s() };
	struct imgpipe_error err;
	int i;

	assert_int_equal(run_into(f, &exec_seq, &ec, "seq", &err), 0);
	for (i = 0; i < NIMG; i++) {
		assert_int_equal(f->res[i].status, 0);
		assert_int_equal(fileio_read(f->out[i], &f->ref[i], NULL), 0);
	}
}

/* Every task ran on a worker below started and wrote seq's bytes. */
static void
check_finished(struct fixture *f, int started)
{
	struct membuf b;
	int i;

	membuf_init(&b);
	for (i = 0; i < NIMG; i++) {
		assert_int_equal(f->res[i].status, 0);
		assert_in_range(f->res[i].worker, 0, started - 1);
		assert_int_equal(fileio_read(f->out[i], &b, NULL), 0);
		if (b.len != f->ref[i].len ||
		    memcmp(b.data, f->ref[i].data, b.len) != 0)
			fail_msg("%s differs from seq", f->rel[i]);
	}
	membuf_release(&b);
}

/*
 * threads -j 3 with one pthread_create allowed: the caller's thread and
 * one more do the batch, with and without --split rows (whose band pool
 * must not wait for the thread that never started).
 */
static void
test_exec_start_threads_partial(void **state)
{
	struct fixture *f = *state;
	struct exec_config ec = { .jobs = 3, .cpus = 2, .tick_ms = 10,
				  .t0 = util_now_s() };
	struct imgpipe_error err;
	char tag[32];
	int split;

	make_reference(f);
	for (split = 0; split <= 1; split++) {
		ec.split_rows = split;
		starts_left = 1;
		snprintf(tag, sizeof(tag), "threads-s%d", split);
		assert_int_equal(run_into(f, &exec_threads, &ec, tag, &err),
				 0);
		assert_int_equal(starts_left, 0);
		assert_int_equal(err.code, 0);
		assert_non_null(strstr(err.msg, "cannot start worker thread "
						"3 of 3: "));
		assert_non_null(strstr(err.msg, "the batch goes on with 2"));
		check_finished(f, 2);
	}
}

/* procs -j 3 with one fork allowed: one worker process does the batch. */
static void
test_exec_start_procs_partial(void **state)
{
	struct fixture *f = *state;
	struct exec_config ec = { .jobs = 3, .cpus = 2, .tick_ms = 10,
				  .t0 = util_now_s() };
	struct imgpipe_error err;

	make_reference(f);
	starts_left = 1;
	assert_int_equal(run_into(f, &exec_procs, &ec, "procs", &err), 0);
	assert_int_equal(starts_left, 0);
	assert_int_equal(err.code, 0);
	assert_non_null(strstr(err.msg, "cannot start worker process 2 of 3: "));
	assert_non_null(strstr(err.msg, "the batch goes on with 1"));
	check_finished(f, 1);
}

/* No worker process at all: a setup error, and no task ran. */
static void
test_exec_start_procs_none(void **state)
{
	struct fixture *f = *state;
	struct exec_config ec = { .jobs = 2, .cpus = 2, .tick_ms = 10,
				  .t0 = util_now_s() };
	struct imgpipe_error err;
	int i;

	starts_left = 0;
	assert_int_equal(run_into(f, &exec_procs, &ec, "none", &err),
			 IMGPIPE_ECHILD);
	assert_non_null(strstr(err.msg, "cannot start worker process: "));
	for (i = 0; i < NIMG; i++) {
		assert_int_equal(f->res[i].status, IMGPIPE_ECANCEL);
		assert_int_equal(f->res[i].worker, -1);
		assert_int_equal(access(f->out[i], F_OK), -1);
	}
}

/* Run imgpipe's batch on argv with stderr into log: the exit status. */
static int
run_cli(char **argv, int argc, const char *log, struct run_stats *st)
{
	struct cli_options o;
	struct imgpipe_error err;
	struct spec spec;
	int fd, saved, rc;

	assert_int_equal(cli_parse(argc, argv, &o, &err), CLI_RUN);
	assert_int_equal(spec_parse(o.pipeline, &spec, NULL), 0);
	o.job.spec = &spec;
	fflush(stderr);
	saved = dup(2);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	rc = runner_run(&o, st);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	spec_release(&spec);
	return rc;
}

/*
 * The whole batch as the command line runs it: a partial start is a
 * warning, then the normal summary and exit status 0, every image written.
 */
static void
test_exec_start_cli_reports_and_exits_0(void **state)
{
	static const char *const modes[] = { "threads", "procs" };
	struct fixture *f = *state;
	char out[128], log[128], mode[16], *argv[12];
	struct run_stats st;
	struct membuf text;
	size_t k;

	membuf_init(&text);
	for (k = 0; k < ARRAY_SIZE(modes); k++) {
		snprintf(mode, sizeof(mode), "%s", modes[k]);
		snprintf(out, sizeof(out), "%s/cli-%s", f->dir, mode);
		snprintf(log, sizeof(log), "%s/%s.log", f->dir, mode);
		argv[0] = (char *)"imgpipe";
		argv[1] = (char *)"-m";
		argv[2] = mode;
		argv[3] = (char *)"-j";
		argv[4] = (char *)"3";
		argv[5] = (char *)"--no-progress";
		argv[6] = (char *)"-p";
		argv[7] = (char *)"resize=64x64";
		argv[8] = f->dir;
		argv[9] = out;
		argv[10] = NULL;
		optind = 1;
		starts_left = 1;
		assert_int_equal(run_cli(argv, 10, log, &st), CLI_EXIT_OK);
		starts_left = -1;
		assert_int_equal(st.ok, NIMG);
		assert_int_equal(st.failed, 0);
		assert_int_equal(fileio_read(log, &text, NULL), 0);
		assert_int_equal(membuf_append(&text, "", 1), 0);
		if (strstr((char *)text.data, "imgpipe: cannot start worker ") ==
			    NULL ||
		    strstr((char *)text.data, "6 processed, 0 failed") == NULL)
			fail_msg("%s: stderr was: %s", mode, (char *)text.data);
	}
	membuf_release(&text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exec_start_threads_partial,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_start_procs_partial,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_start_procs_none,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_exec_start_cli_reports_and_exits_0, setup,
			teardown),
	};

	return cmocka_run_group_tests_name("exec_start", tests, NULL, NULL);
}
