/*
 * Every executor against seq: the same bytes for the same job, at several
 * worker counts and options; a partial start; and whether the coop loop
 * runs between two rows of an image with and without yields.  Inputs are
 * made here, outputs compared byte for byte.
 *
 * The partial start is made here too: this test is linked with
 * -Wl,--wrap=pthread_create,--wrap=fork (Makefile), so the executors'
 * calls come to the wrappers below, which pass every call through until a
 * test sets starts_left, then fail every start after that many.  Likewise
 * gil_holder_init, fileio_read and codec_sniff are wrapped: to count the
 * threads inside C code (--gil=release-in-c) or inside a read at once,
 * holding the first until a second arrives, and to kill a worker process
 * while it computes.  Without those link flags it does not link.
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
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "codec.h"
#include "executor.h"
#include "fileio.h"
#include "gil.h"
#include "image.h"
#include "membuf.h"
#include "pipeline.h"
#include "runner.h"
#include "spec.h"
#include "util.h"

#include "helpers.h"

#define NIMG 9

/* Starts still allowed; -1: no failure injected.  Main thread only. */
static int starts_left = -1;
/* Non-zero: a forked child exits at once with status 3, as if it died. */
static int children_die;

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
	pid_t pid;

	if (take_start() != 0) {
		errno = EAGAIN;
		return -1;
	}
	pid = __real_fork();
	if (pid == 0 && children_die)
		_exit(3);
	return pid;
}

/*
 * How many threads are inside a stretch of code at once (C code between
 * c_enter and c_leave, or a file read), and the most seen.  When armed,
 * every thread that comes in waits there until `want` are inside, or
 * until a bound from the first arrival passes; then none waits again.  So
 * a run that can have `want` inside at once has them, by construction,
 * whatever the scheduler does, and one that cannot only waits the bound
 * out.  The bound is a guard against a hang, never what makes a pass.
 */
struct gauge {
	pthread_mutex_t mu;
	pthread_cond_t more;
	int inside, most, want, armed, started;
	double bound_s;
	struct timespec deadline;
};

static struct gauge in_c = { .mu = PTHREAD_MUTEX_INITIALIZER,
			     .more = PTHREAD_COND_INITIALIZER };
static struct gauge in_read = { .mu = PTHREAD_MUTEX_INITIALIZER,
				.more = PTHREAD_COND_INITIALIZER };

static void
gauge_arm(struct gauge *g, int want, double bound_s)
{
	pthread_mutex_lock(&g->mu);
	g->inside = g->most = g->started = 0;
	g->want = want;
	g->bound_s = bound_s;
	g->armed = 1;
	pthread_mutex_unlock(&g->mu);
}

static void
gauge_enter(struct gauge *g)
{
	pthread_mutex_lock(&g->mu);
	if (++g->inside > g->most)
		g->most = g->inside;
	if (g->armed && !g->started) {
		g->started = 1;
		clock_gettime(CLOCK_REALTIME, &g->deadline);
		g->deadline.tv_sec += (time_t)g->bound_s;
	}
	if (g->inside >= g->want)
		g->armed = 0;
	pthread_cond_broadcast(&g->more);
	while (g->armed)
		if (pthread_cond_timedwait(&g->more, &g->mu, &g->deadline) ==
		    ETIMEDOUT)
			g->armed = 0;
	pthread_mutex_unlock(&g->mu);
}

static void
gauge_leave(struct gauge *g)
{
	pthread_mutex_lock(&g->mu);
	g->inside--;
	pthread_mutex_unlock(&g->mu);
}

static int
gauge_most(struct gauge *g)
{
	int most;

	pthread_mutex_lock(&g->mu);
	most = g->most;
	g->armed = 0;
	pthread_mutex_unlock(&g->mu);
	return most;
}

void __real_gil_holder_init(struct gil_holder *h, struct gil *g, int mode);
void __wrap_gil_holder_init(struct gil_holder *h, struct gil *g, int mode);
int __real_gil_hook(void *ctx);
int __wrap_gil_hook(void *ctx);
int __real_fileio_read(const char *path, struct membuf *out,
		       struct imgpipe_error *err);
int __wrap_fileio_read(const char *path, struct membuf *out,
		       struct imgpipe_error *err);
const struct codec *__real_codec_sniff(const unsigned char *buf, size_t len);
const struct codec *__wrap_codec_sniff(const unsigned char *buf, size_t len);

/* The lock's own c_enter/c_leave (NULL for GIL_HOLD), around the gauge. */
static void (*real_c_enter)(void *), (*real_c_leave)(void *);

/* This thread is between c_enter and c_leave. */
static _Thread_local int in_c_here;

/*
 * Counted once the lock is dropped, and not while the row hook waits for
 * the lock (--gil hold hands it over mid-image): only threads that run C
 * code at the same time count.
 */
static void
gauged_c_enter(void *ctx)
{
	if (real_c_enter != NULL)
		real_c_enter(ctx);
	in_c_here = 1;
	gauge_enter(&in_c);
}

static void
gauged_c_leave(void *ctx)
{
	gauge_leave(&in_c);
	in_c_here = 0;
	if (real_c_leave != NULL)
		real_c_leave(ctx);
}

int
__wrap_gil_hook(void *ctx)
{
	int rc;

	if (!in_c_here)
		return __real_gil_hook(ctx);
	gauge_leave(&in_c);
	rc = __real_gil_hook(ctx);
	gauge_enter(&in_c);
	return rc;
}

void
__wrap_gil_holder_init(struct gil_holder *h, struct gil *g, int mode)
{
	__real_gil_holder_init(h, g, mode);
	real_c_enter = h->io.c_enter;
	real_c_leave = h->io.c_leave;
	h->io.c_enter = gauged_c_enter;
	h->io.c_leave = gauged_c_leave;
}

int
__wrap_fileio_read(const char *path, struct membuf *out,
		   struct imgpipe_error *err)
{
	int rc;

	gauge_enter(&in_read);
	rc = __real_fileio_read(path, out, err);
	gauge_leave(&in_read);
	return rc;
}

/* Non-empty: the first worker process to sniff an image dies (status 3). */
static char die_once[160];
static pid_t test_pid;

const struct codec *
__wrap_codec_sniff(const unsigned char *buf, size_t len)
{
	int fd;

	/* O_EXCL: one process of all the workers wins the file, and dies. */
	if (die_once[0] != '\0' && getpid() != test_pid) {
		fd = open(die_once, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd >= 0)
			_exit(3);
	}
	return __real_codec_sniff(buf, len);
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

/* A picture with edges and gradients, different for every seed. */
static unsigned char
picture(int x, int y, int c, int w, int h, int seed)
{
	(void)w, (void)h;
	return (unsigned char)(((x / 7 + y / 5 + seed) % 3) * 60 +
			       (x * (c + 1) + y * seed) % 64 +
			       (c == 3 ? 120 : 0));
}

static void
write_input(struct fixture *f, int i, int w, int h, int ch,
	    const struct codec *codec)
{
	struct encode_opts eo = {
		.quality = 90, .progressive = 0, .png_level = 6, .effort = -1
	};
	struct image_meta meta;
	struct membuf b;
	struct image im;

	image_init(&im);
	image_meta_init(&meta);
	membuf_init(&b);
	test_paint(&im, w, h, ch, picture, i + 1);
	assert_int_equal(codec->encode(&im, &meta, &eo, &b, NULL, NULL), 0);
	snprintf(f->rel[i], sizeof(f->rel[i]), "img%d.%s", i, codec->ext);
	snprintf(f->in[i], sizeof(f->in[i]), "%s/%s", f->dir, f->rel[i]);
	assert_int_equal(fileio_write_atomic(f->in[i], b.data, b.len, NULL), 0);
	f->tasks[i].in_path = f->in[i];
	f->tasks[i].rel_in = f->rel[i];
	f->tasks[i].in_codec = f->tasks[i].out_codec = codec->id;
	image_release(&im);
	membuf_release(&b);
}

static int
setup(void **state)
{
	static const int sizes[NIMG][3] = {
		{ 300, 200, 3 }, { 120, 260, 3 }, { 640, 480, 3 },
		{ 90, 90, 1 },	 { 400, 150, 4 }, { 33, 517, 2 },
		{ 256, 256, 3 }, { 500, 40, 4 },  { 1, 1, 3 },
	};
	struct fixture *f = calloc(1, sizeof(*f));
	int i;

	snprintf(f->dir, sizeof(f->dir), "/tmp/imgpipe-exec-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	for (i = 0; i < NIMG; i++)
		write_input(f, i, sizes[i][0], sizes[i][1], sizes[i][2],
			    sizes[i][2] % 2 ? &codec_jpeg : &codec_png);
	test_job_init(&f->job, &f->spec, 85);
	if (spec_parse("resize=160x160,sharpen=0.6", &f->spec, NULL) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int i;

	starts_left = -1;
	children_die = 0;
	die_once[0] = '\0';
	if (test_remove_tree(f->dir) != 0)
		return -1;
	for (i = 0; i < NIMG; i++)
		membuf_release(&f->ref[i]);
	spec_release(&f->spec);
	free(f);
	return 0;
}

/* Run ex into the folder tag, telling obs: exec_run's code, err filled. */
static int
run_into(struct fixture *f, const struct executor *ex,
	 const struct exec_config *ec, const char *tag,
	 const struct exec_observer *obs, struct loop_stats *ls,
	 struct imgpipe_error *err)
{
	char dir[128];
	int i;

	snprintf(dir, sizeof(dir), "%s/%s", f->dir, tag);
	assert_int_equal(fileio_mkdirs(dir, NULL), 0);
	for (i = 0; i < NIMG; i++) {
		snprintf(f->out[i], sizeof(f->out[i]), "%s/%s", dir, f->rel[i]);
		f->tasks[i].out_path = f->out[i];
		f->tasks[i].rel_out = f->rel[i];
	}
	return exec_run(ex, ec, &f->job, f->tasks, NIMG, f->res, obs, ls, err);
}

static void
run_observed(struct fixture *f, const struct executor *ex,
	     const struct exec_config *ec, const char *tag,
	     const struct exec_observer *obs, struct loop_stats *ls)
{
	struct imgpipe_error err;
	int i;

	assert_int_equal(run_into(f, ex, ec, tag, obs, ls, &err), 0);
	assert_string_equal(err.msg, "");
	for (i = 0; i < NIMG; i++)
		assert_int_equal(f->res[i].status, 0);
}

static void
run_mode(struct fixture *f, const struct executor *ex,
	 const struct exec_config *ec, const char *tag, struct loop_stats *ls)
{
	run_observed(f, ex, ec, tag, NULL, ls);
}

static void
check_same_as_ref(struct fixture *f, const char *tag)
{
	struct membuf b;
	int i;

	membuf_init(&b);
	for (i = 0; i < NIMG; i++) {
		assert_int_equal(fileio_read(f->out[i], &b, NULL), 0);
		if (b.len != f->ref[i].len ||
		    memcmp(b.data, f->ref[i].data, b.len) != 0)
			fail_msg("%s: %s differs from seq", tag, f->rel[i]);
	}
	membuf_release(&b);
}

static const struct executor *
by_name(const char *mode)
{
	static const struct executor *const all[] = { &exec_threads,
						      &exec_procs, &exec_omp,
						      &exec_coop };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(all); i++)
		if (strcmp(all[i]->name, mode) == 0)
			return all[i];
	return NULL;
}

static void
test_exec_all_modes_byte_identical(void **state)
{
	/* urls: the URL-input structure (download, then a CPU slot) on files */
	static const struct {
		const char *mode;
		int jobs, split, gil, yield, offload, urls;
	} cfgs[] = {
		{ "threads", 1, 0, 0, 0, 0, 0 },
		{ "threads", 2, 0, 0, 0, 0, 0 },
		{ "threads", 3, 0, 0, 0, 0, 0 },
		{ "threads", 7, 0, 0, 0, 0, 0 },
		{ "threads", 3, 1, 0, 0, 0, 0 },
		{ "threads", 2, 0, GIL_HOLD, 0, 0, 0 },
		{ "threads", 3, 0, GIL_HOLD, 0, 0, 0 },
		{ "threads", 2, 0, GIL_RELEASE_IN_C, 0, 0, 0 },
		{ "threads", 3, 0, GIL_RELEASE_IN_C, 0, 0, 0 },
		{ "threads", 1, 0, 0, 0, 0, 1 },
		{ "threads", 3, 0, 0, 0, 0, 1 },
		{ "threads", 7, 0, 0, 0, 0, 1 },
		{ "threads", 3, 1, 0, 0, 0, 1 },
		{ "threads", 3, 0, GIL_HOLD, 0, 0, 1 },
		{ "threads", 7, 0, GIL_RELEASE_IN_C, 0, 0, 1 },
		{ "procs", 1, 0, 0, 0, 0, 0 },
		{ "procs", 2, 0, 0, 0, 0, 0 },
		{ "procs", 7, 0, 0, 0, 0, 0 },
		{ "procs", 1, 0, 0, 0, 0, 1 },
		{ "procs", 7, 0, 0, 0, 0, 1 },
		{ "omp", 1, 0, 0, 0, 0, 0 },
		{ "omp", 3, 0, 0, 0, 0, 0 },
		{ "omp", 2, 1, 0, 0, 0, 0 },
		{ "omp", 3, 1, 0, 0, 0, 0 },
		{ "omp", 3, 0, 0, 0, 0, 1 },
		{ "omp", 7, 0, 0, 0, 0, 1 },
		{ "coop", 1, 0, 0, 0, 0, 0 },
		{ "coop", 3, 0, 0, 0, 0, 0 },
		{ "coop", 3, 0, 0, 8, 0, 0 },
		{ "coop", 7, 0, 0, 1, 0, 0 },
		{ "coop", 2, 0, 0, 0, 1, 0 },
	};
	struct fixture *f = *state;
	/* two CPU slots whatever the machine: -j 3 and 7 oversubscribe */
	struct exec_config ec = { .jobs = 1,
				  .switch_interval_ms = 5,
				  .tick_ms = 10,
				  .cpus = 2,
				  .t0 = util_now_s() };
	struct loop_stats ls;
	const struct executor *ex;
	char tag[64];
	size_t k;
	int i;

	run_mode(f, &exec_seq, &ec, "seq", &ls);
	for (i = 0; i < NIMG; i++)
		assert_int_equal(fileio_read(f->out[i], &f->ref[i], NULL), 0);
	for (k = 0; k < ARRAY_SIZE(cfgs); k++) {
		ex = by_name(cfgs[k].mode);
		assert_non_null(ex);
#if !defined(_OPENMP) || IMGPIPE_TSAN
		/* Without OpenMP, or under TSan, which libgomp is not built
		 * for. */
		if (strcmp(cfgs[k].mode, "omp") == 0)
			continue;
#endif
		ec.jobs = cfgs[k].jobs;
		ec.split_rows = cfgs[k].split;
		ec.gil = cfgs[k].gil;
		ec.yield_rows = cfgs[k].yield;
		ec.offload = cfgs[k].offload;
		ec.urls = cfgs[k].urls;
		snprintf(tag, sizeof(tag), "%s-j%d-s%d-g%d-y%d-o%d-u%d",
			 cfgs[k].mode, ec.jobs, ec.split_rows, ec.gil,
			 ec.yield_rows, ec.offload, ec.urls);
		run_mode(f, ex, &ec, tag, &ls);
		check_same_as_ref(f, tag);
		assert_int_equal(ls.present, strcmp(cfgs[k].mode, "coop") == 0);
	}
}

struct hold {
	struct fixture *f;
	int calls;
};

/*
 * The first image reported holds its worker here until another image's
 * output exists: a worker that is held takes no task, so that image was
 * written by another worker, however the machine schedules the threads.
 * A bound turns a hang into a failure, never into a pass.
 */
static void
hold_first(void *ctx, size_t index, const struct task_result *r)
{
	struct hold *h = ctx;
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	(void)r;
	if (h->calls++ > 0)
		return;
	for (int k = 0; k < 3000; k++) {
		for (size_t i = 0; i < NIMG; i++)
			if (i != index && access(h->f->out[i], F_OK) == 0)
				return;
		nanosleep(&ts, NULL);
	}
}

/* Each worker id seen is within range, and more than one works at -j 3. */
static void
test_exec_threads_uses_workers(void **state)
{
	struct fixture *f = *state;
	struct exec_config ec = {
		.jobs = 3, .tick_ms = 10, .cpus = 3, .t0 = util_now_s()
	};
	struct hold h = { f, 0 };
	struct exec_observer obs = { hold_first, &h };
	struct loop_stats ls;
	int i, seen[3] = { 0 };

	run_observed(f, &exec_threads, &ec, "workers", &obs, &ls);
	assert_int_equal(h.calls, NIMG);
	for (i = 0; i < NIMG; i++) {
		assert_in_range(f->res[i].worker, 0, 2);
		seen[f->res[i].worker] = 1;
		assert_true(f->res[i].end_s >= f->res[i].start_s);
	}
	assert_true(seen[0] + seen[1] + seen[2] >= 2);
}

/*
 * With one CPU slot, every parallel mode processes one image at a time, on
 * slot 0's worker state (threads, omp, coop --offload) or worker process 0
 * (procs), and still writes seq's bytes.
 */
static void
test_exec_one_slot_per_cpu(void **state)
{
	static const struct {
		const char *mode;
		int offload;
	} cfgs[] = {
		{ "threads", 0 }, { "procs", 0 }, { "omp", 0 }, { "coop", 1 }
	};
	struct fixture *f = *state;
	struct exec_config ec = { .jobs = 1,
				  .tick_ms = 10,
				  .t0 = util_now_s() };
	struct loop_stats ls;
	char tag[64];
	int i;

	run_mode(f, &exec_seq, &ec, "seq1", &ls);
	for (i = 0; i < NIMG; i++)
		assert_int_equal(fileio_read(f->out[i], &f->ref[i], NULL), 0);
	for (size_t k = 0; k < ARRAY_SIZE(cfgs); k++) {
#if !defined(_OPENMP) || IMGPIPE_TSAN
		if (strcmp(cfgs[k].mode, "omp") == 0)
			continue;
#endif
		ec.jobs = 3;
		ec.cpus = 1;
		ec.offload = cfgs[k].offload;
		snprintf(tag, sizeof(tag), "%s-cpus1", cfgs[k].mode);
		run_mode(f, by_name(cfgs[k].mode), &ec, tag, &ls);
		check_same_as_ref(f, tag);
		for (i = 0; i < NIMG; i++)
			assert_int_equal(f->res[i].worker, 0);
	}
}

/*
 * A failed read and a failed write give the same message in every mode:
 * all of them, coop included, read and write files with fileio's
 * functions.  The input of task 1 is a folder; the output of task 0 is
 * taken by one.
 */
static void
test_exec_same_messages_in_every_mode(void **state)
{
	static const char *const modes[] = { "seq", "threads", "procs", "omp",
					     "coop" };
	struct fixture *f = *state;
	struct exec_config ec = {
		.jobs = 2, .cpus = 2, .tick_ms = 10, .t0 = util_now_s()
	};
	char msg[2][IMGPIPE_ERR_MSG_LEN], tag[32], taken[200];
	struct imgpipe_error err;
	struct loop_stats ls;
	size_t k;
	int i;

	f->tasks[1].in_path = f->dir;
	for (k = 0; k < ARRAY_SIZE(modes); k++) {
#if !defined(_OPENMP) || defined(__SANITIZE_THREAD__)
		if (strcmp(modes[k], "omp") == 0)
			continue;
#endif
		snprintf(tag, sizeof(tag), "msg-%s", modes[k]);
		snprintf(taken, sizeof(taken), "%s/%s/%s", f->dir, tag,
			 f->rel[0]);
		assert_int_equal(fileio_mkdirs(taken, NULL), 0);
		assert_int_equal(run_into(f, exec_find(modes[k], NULL), &ec,
					  tag, NULL, &ls, &err),
				 0);
		for (i = 0; i < 2; i++) {
			assert_int_equal(f->res[i].status, IMGPIPE_EIO);
			if (k == 0)
				snprintf(msg[i], sizeof(msg[i]), "%s",
					 f->res[i].error);
			else if (strcmp(f->res[i].error, msg[i]) != 0)
				fail_msg("%s: \"%s\", seq: \"%s\"", modes[k],
					 f->res[i].error, msg[i]);
		}
		for (i = 2; i < NIMG; i++)
			assert_int_equal(f->res[i].status, 0);
	}
	assert_string_equal(msg[1], "is a folder");
	assert_non_null(strstr(msg[0], "cannot rename output into place"));
}

static long
hist_total(const struct loop_stats *ls)
{
	long n = 0;

	for (int i = 0; i <= LOOP_HIST_BOUNDS; i++)
		n += ls->hist[i];
	return n;
}

/*
 * The cooperative loop runs nothing else while an image is processed
 * unless its coroutine yields: without --yield-rows no heartbeat tick runs
 * between two rows of one image, with it ticks do.  Counted, not timed:
 * a slower machine only makes more ticks fall due inside an image.
 */
static void
test_exec_coop_yields_let_the_loop_run(void **state)
{
	struct fixture *f = *state;
	struct exec_config ec = { .jobs = 1, .tick_ms = 1, .t0 = util_now_s() };
	struct loop_stats blocked, yielding;

	spec_release(&f->spec);
	assert_int_equal(spec_parse("blur=4,sharpen=2", &f->spec, NULL), 0);
	run_mode(f, &exec_coop, &ec, "coop-y0", &blocked);
	ec.yield_rows = 8;
	run_mode(f, &exec_coop, &ec, "coop-y8", &yielding);
	print_message("coop ticks between two rows of an image: %ld of %ld "
		      "without yields, %ld of %ld with --yield-rows 8\n",
		      blocked.ticks_mid_image, blocked.ticks,
		      yielding.ticks_mid_image, yielding.ticks);
	assert_int_equal(blocked.ticks_mid_image, 0);
	assert_true(yielding.ticks_mid_image > 0);
	assert_true(yielding.ticks_mid_image <= yielding.ticks);
	assert_int_equal(hist_total(&blocked), blocked.ticks);
	assert_int_equal(hist_total(&yielding), yielding.ticks);
}

/* Largest input first, ties in list order, every index exactly once. */
static void
test_dispatch_order_largest_first(void **state)
{
	struct task t[6] = { { .in_bytes = 10 }, { .in_bytes = 50 },
			     { .in_bytes = 10 }, { .in_bytes = 0 },
			     { .in_bytes = 99 }, { .in_bytes = 50 } };
	const size_t want[6] = { 4, 1, 5, 0, 2, 3 };
	const size_t same[6] = { 0, 1, 2, 3, 4, 5 };
	size_t *order = exec_dispatch_order(t, 6, 2);

	(void)state;
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(order[i], want[i]);
	free(order);
	/* one image at a time: nothing to balance, the list order stays */
	order = exec_dispatch_order(t, 6, 1);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(order[i], same[i]);
	free(order);
	order = exec_dispatch_order(t, 0, 2);
	assert_non_null(order);
	free(order);
}

/* A bound belongs to its own bucket; above the last is the overflow. */
static void
test_loop_hist_buckets(void **state)
{
	struct loop_stats ls = { 0 };
	const double lags[] = { 0, 0.1, 0.1001, 7, 1000, 1000.5, 1e9 };
	const int want[] = { 0, 0, 1, 6, 12, 13, 13 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(lags); i++) {
		memset(ls.hist, 0, sizeof(ls.hist));
		loop_hist_add(&ls, lags[i]);
		assert_int_equal(ls.hist[want[i]], 1);
		assert_int_equal(hist_total(&ls), 1);
	}
}

/* seq's outputs, the reference the partial starts are held to. */
static void
make_reference(struct fixture *f)
{
	struct exec_config ec = { .jobs = 1,
				  .tick_ms = 10,
				  .t0 = util_now_s() };
	struct loop_stats ls;
	int i;

	run_mode(f, &exec_seq, &ec, "seq", &ls);
	for (i = 0; i < NIMG; i++)
		assert_int_equal(fileio_read(f->out[i], &f->ref[i], NULL), 0);
}

/*
 * --gil=release-in-c lets two threads run C code (decode, ops, encode) at
 * once, on files and in the URL structure; --gil (hold) never does, though
 * the first thread inside waits for a second.  Both write seq's bytes.
 */
static void
test_exec_gil_release_in_c_computes_at_once(void **state)
{
	static const struct {
		int gil, urls, want;
	} cfgs[] = {
		{ GIL_RELEASE_IN_C, 0, 2 },
		{ GIL_RELEASE_IN_C, 1, 2 },
		{ GIL_HOLD, 0, 1 },
		{ GIL_HOLD, 1, 1 },
	};
	struct fixture *f = *state;
	struct exec_config ec = { .jobs = 2,
				  .cpus = 2,
				  .switch_interval_ms = 5,
				  .tick_ms = 10,
				  .t0 = util_now_s() };
	struct loop_stats ls;
	char tag[32];
	int most;

	make_reference(f);
	for (size_t k = 0; k < ARRAY_SIZE(cfgs); k++) {
		ec.gil = cfgs[k].gil;
		ec.urls = cfgs[k].urls;
		snprintf(tag, sizeof(tag), "gil%d-u%d", ec.gil, ec.urls);
		/* hold: no second can come, so a short bound suffices */
		gauge_arm(&in_c, 2, cfgs[k].want == 2 ? 30 : 1);
		run_mode(f, &exec_threads, &ec, tag, &ls);
		most = gauge_most(&in_c);
		print_message("%s: at most %d threads inside C at once\n", tag,
			      most);
		assert_int_equal(most, cfgs[k].want);
		check_same_as_ref(f, tag);
	}
}

/*
 * The URL structure: -j 3 with one CPU slot has all three threads (threads,
 * omp) in their read at once, where a transfer would be, while the CPU
 * work of any two images never overlaps: one slot, from the start of the
 * decode to the end of the write.  On files a thread holds its slot
 * before its read, so one reads at a time.
 */
static void
test_exec_urls_wait_outside_the_slots(void **state)
{
	static const struct {
		const struct executor *ex;
		int urls, want;
	} cfgs[] = {
		{ &exec_threads, 1, 3 },
		{ &exec_threads, 0, 1 },
		{ &exec_omp, 1, 3 },
	};
	struct fixture *f = *state;
	struct exec_config ec = {
		.jobs = 3, .cpus = 1, .tick_ms = 10, .t0 = util_now_s()
	};
	const struct task_result *a, *b;
	struct loop_stats ls;
	char tag[32];
	int most;

	make_reference(f);
	for (size_t k = 0; k < ARRAY_SIZE(cfgs); k++) {
#if !defined(_OPENMP) || IMGPIPE_TSAN
		if (cfgs[k].ex == &exec_omp)
			continue;
#endif
		ec.urls = cfgs[k].urls;
		snprintf(tag, sizeof(tag), "%s-wait-u%d", cfgs[k].ex->name,
			 ec.urls);
		/* files: no second can come, so a short bound suffices */
		gauge_arm(&in_read, 3, cfgs[k].want == 3 ? 30 : 1);
		run_mode(f, cfgs[k].ex, &ec, tag, &ls);
		most = gauge_most(&in_read);
		print_message("%s: at most %d reads at once\n", tag, most);
		assert_int_equal(most, cfgs[k].want);
		check_same_as_ref(f, tag);
		for (int i = 0; i < NIMG; i++)
			for (int j = 0; j < NIMG; j++) {
				a = &f->res[i];
				b = &f->res[j];
				if (i != j &&
				    a->compute_start_s <= b->compute_start_s)
					assert_true(
						a->stage_end_s[PIPE_WRITE] <=
						b->compute_start_s);
			}
	}
}

/*
 * procs with URL inputs and one CPU token: the worker that dies while
 * computing holds the only token, so unless the parent gives it back the
 * other workers wait for it forever (the alarm fails that).  One image
 * fails as a dead worker's does; the others are seq's bytes.
 */
static void
test_exec_procs_token_of_dead_worker(void **state)
{
	struct fixture *f = *state;
	struct exec_config ec = { .jobs = 3,
				  .cpus = 1,
				  .urls = 1,
				  .tick_ms = 10,
				  .t0 = util_now_s() };
	struct imgpipe_error err;
	struct loop_stats ls;
	struct membuf b;
	int i, died = 0;

	make_reference(f);
	test_pid = getpid();
	snprintf(die_once, sizeof(die_once), "%s/die-once", f->dir);
	alarm(120);
	assert_int_equal(
		run_into(f, &exec_procs, &ec, "token", NULL, &ls, &err), 0);
	alarm(0);
	die_once[0] = '\0';
	membuf_init(&b);
	for (i = 0; i < NIMG; i++) {
		if (f->res[i].status != 0) {
			assert_int_equal(f->res[i].status, IMGPIPE_ECHILD);
			assert_string_equal(f->res[i].error,
					    "worker exited with status 3");
			assert_int_equal(access(f->out[i], F_OK), -1);
			died++;
			continue;
		}
		assert_int_equal(fileio_read(f->out[i], &b, NULL), 0);
		if (b.len != f->ref[i].len ||
		    memcmp(b.data, f->ref[i].data, b.len) != 0)
			fail_msg("token: %s differs from seq", f->rel[i]);
	}
	membuf_release(&b);
	assert_int_equal(died, 1);
}

/*
 * -j 3 with one start allowed: threads has the caller's thread and one
 * more, procs one worker process, and each finishes the batch with seq's
 * bytes and a warning.  threads also with --split rows, whose band pool
 * must not wait for the thread that never started.
 */
static void
test_exec_partial_start(void **state)
{
	static const struct {
		const struct executor *ex;
		int split, started;
		const char *warning;
	} cfgs[] = {
		{ &exec_threads, 0, 2, "cannot start worker thread 3 of 3: " },
		{ &exec_threads, 1, 2, "cannot start worker thread 3 of 3: " },
		{ &exec_procs, 0, 1, "cannot start worker process 2 of 3: " },
	};
	struct fixture *f = *state;
	struct exec_config ec = {
		.jobs = 3, .cpus = 2, .tick_ms = 10, .t0 = util_now_s()
	};
	struct imgpipe_error err;
	struct loop_stats ls;
	char tag[32], rest[64];
	size_t k;
	int i;

	make_reference(f);
	for (k = 0; k < ARRAY_SIZE(cfgs); k++) {
		ec.split_rows = cfgs[k].split;
		snprintf(tag, sizeof(tag), "%s-start-s%d", cfgs[k].ex->name,
			 ec.split_rows);
		starts_left = 1;
		assert_int_equal(
			run_into(f, cfgs[k].ex, &ec, tag, NULL, &ls, &err), 0);
		assert_int_equal(starts_left, 0);
		assert_int_equal(err.code, 0);
		snprintf(rest, sizeof(rest), "; the batch goes on with %d",
			 cfgs[k].started);
		if (strstr(err.msg, cfgs[k].warning) == NULL ||
		    strstr(err.msg, rest) == NULL)
			fail_msg("%s: warning \"%s\"", tag, err.msg);
		for (i = 0; i < NIMG; i++) {
			assert_int_equal(f->res[i].status, 0);
			assert_in_range(f->res[i].worker, 0,
					cfgs[k].started - 1);
		}
		check_same_as_ref(f, tag);
	}
}

/* No worker process at all: a setup error, and no task ran. */
static void
test_exec_no_start_procs(void **state)
{
	struct fixture *f = *state;
	struct exec_config ec = {
		.jobs = 2, .cpus = 2, .tick_ms = 10, .t0 = util_now_s()
	};
	struct imgpipe_error err;
	struct loop_stats ls;
	int i;

	starts_left = 0;
	assert_int_equal(run_into(f, &exec_procs, &ec, "none", NULL, &ls, &err),
			 IMGPIPE_ECHILD);
	assert_non_null(strstr(err.msg, "cannot start worker process: "));
	for (i = 0; i < NIMG; i++) {
		assert_int_equal(f->res[i].status, IMGPIPE_ECANCEL);
		assert_int_equal(f->res[i].worker, -1);
		assert_int_equal(access(f->out[i], F_OK), -1);
	}
}

/*
 * procs -j 1 whose one worker dies and cannot be replaced: its image fails
 * as a dead worker's does, and every image left fails too, rather than
 * staying "interrupted" in a batch that was not.
 */
static void
test_exec_procs_no_worker_left(void **state)
{
	struct fixture *f = *state;
	struct exec_config ec = {
		.jobs = 1, .cpus = 1, .tick_ms = 10, .t0 = util_now_s()
	};
	struct imgpipe_error err;
	struct loop_stats ls;
	int i, died = 0;

	starts_left = 1;
	children_die = 1;
	assert_int_equal(run_into(f, &exec_procs, &ec, "lost", NULL, &ls, &err),
			 0);
	assert_string_equal(err.msg, "");
	for (i = 0; i < NIMG; i++) {
		assert_int_equal(f->res[i].status, IMGPIPE_ECHILD);
		assert_int_equal(access(f->out[i], F_OK), -1);
		if (strcmp(f->res[i].error, "worker exited with status 3") == 0)
			died++;
		else
			assert_string_equal(f->res[i].error,
					    "no worker process left");
	}
	assert_int_equal(died, 1);
}

/* The batch of "imgpipe -m mode -j 3 ..." with stderr into log: its status. */
static int
run_cli(const struct fixture *f, const char *mode, const char *log,
	struct run_stats *st)
{
	char out[128], *argv[12];
	struct cli_options o;
	struct imgpipe_error err;
	struct spec spec;
	int argc = 0, fd, saved, rc;

	snprintf(out, sizeof(out), "%s/cli-%s", f->dir, mode);
	argv[argc++] = (char *)"imgpipe";
	argv[argc++] = (char *)"-m";
	argv[argc++] = (char *)mode;
	argv[argc++] = (char *)"-j";
	argv[argc++] = (char *)"3";
	argv[argc++] = (char *)"--no-progress";
	argv[argc++] = (char *)"-p";
	argv[argc++] = (char *)"resize=64x64";
	argv[argc++] = (char *)f->dir;
	argv[argc++] = out;
	argv[argc] = NULL;
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
test_exec_partial_start_reported(void **state)
{
	static const char *const modes[] = { "threads", "procs" };
	struct fixture *f = *state;
	struct run_stats st;
	struct membuf text;
	char log[128];
	size_t k;

	membuf_init(&text);
	for (k = 0; k < ARRAY_SIZE(modes); k++) {
		snprintf(log, sizeof(log), "%s/%s.log", f->dir, modes[k]);
		starts_left = 1;
		assert_int_equal(run_cli(f, modes[k], log, &st), CLI_EXIT_OK);
		starts_left = -1;
		assert_int_equal(st.ok, NIMG);
		assert_int_equal(st.failed, 0);
		assert_int_equal(fileio_read(log, &text, NULL), 0);
		assert_int_equal(membuf_append(&text, "", 1), 0);
		if (strstr((char *)text.data,
			   "imgpipe: cannot start worker ") == NULL ||
		    strstr((char *)text.data, "9 processed, 0 failed") == NULL)
			fail_msg("%s: stderr was: %s", modes[k],
				 (char *)text.data);
	}
	membuf_release(&text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_exec_all_modes_byte_identical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_threads_uses_workers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_exec_coop_yields_let_the_loop_run, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_exec_one_slot_per_cpu,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_exec_same_messages_in_every_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_partial_start, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_exec_no_start_procs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_exec_procs_no_worker_left,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_exec_partial_start_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_exec_gil_release_in_c_computes_at_once, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_exec_urls_wait_outside_the_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_exec_procs_token_of_dead_worker, setup, teardown),
		cmocka_unit_test(test_loop_hist_buckets),
		cmocka_unit_test(test_dispatch_order_largest_first),
	};

	return cmocka_run_group_tests_name("exec", tests, NULL, NULL);
}
