/*
 * Streaming decode -> resize: a resize fed rows in bands (resize_stream)
 * writes op_resize's bytes for every pass order, filter, channel count and
 * band height, and the JPEG decoder's decode_rows hands out decode's rows,
 * codes and messages, damaged input included.
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

#include "codec.h"
#include "error.h"
#include "image.h"
#include "membuf.h"
#include "ops.h"
#include "resize_stream.h"
#include "row_sink.h"
#include "spec.h"
#include "stage.h"

#include "helpers.h"

#define MAXP 100000000

static unsigned char
px_noise(int x, int y, int c, int w, int h, int seed)
{
	unsigned v = (unsigned)(x * 7919 + y * 104729 + c * 31 + seed);

	(void)w;
	(void)h;
	v = v * 1103515245u + 12345u;
	/* Smooth plus noise: ringing and clamping both get exercised. */
	return (unsigned char)(((x + y) * 3 + (int)((v >> 16) & 63)) & 255);
}

/* Feed src to sink in bands of n rows (n 0: 1, 2, 3 ... in turn). */
static int
feed(const struct row_sink *sink, const struct image *src, int n)
{
	unsigned char *rows[ROW_SINK_MAX_ROWS];
	int y, k, i, rc, step = 1;

	rc = sink->begin(sink->ctx, src->w, src->h, src->channels, NULL);
	for (y = 0; rc == 0 && y < src->h; y += k) {
		k = n > 0 ? n : step;
		step = step % ROW_SINK_MAX_ROWS + 1;
		k = k < src->h - y ? k : src->h - y;
		rc = sink->rows(sink->ctx, y, k, rows, NULL);
		for (i = 0; rc == 0 && i < k; i++)
			memcpy(rows[i], image_row(src, y + i),
			       image_row_bytes(src));
		if (rc == 0)
			rc = sink->done(sink->ctx, y, k, NULL);
	}
	return rc;
}

/* A runner that makes the rows in bands of 5, last band first. */
static int
backwards_run(void *ctx, const struct stage *st, struct hook *hook)
{
	int y;

	(void)hook;
	++*(int *)ctx;
	for (y = (st->dst->h - 1) / 5 * 5; y >= 0; y -= 5)
		st->rows(st, y, y + 5 < st->dst->h ? y + 5 : st->dst->h);
	return 0;
}

/*
 * A runner whose start makes nothing: each stage's rows are made only at
 * its wait, backwards, so a stream that moved or overwrote a row of the
 * window before waiting would show it in the bytes.
 */
struct deferred {
	int started, waited, most_open;
};

static void *
deferred_start(void *ctx, const struct stage *st)
{
	struct deferred *d = ctx;

	d->started++;
	if (d->started - d->waited > d->most_open)
		d->most_open = d->started - d->waited;
	return (void *)st;
}

static void
deferred_wait(void *ctx, void *pending)
{
	struct deferred *d = ctx;
	int calls = 0;

	d->waited++;
	(void)backwards_run(&calls, pending, NULL);
}

struct stream_case {
	int w, h, ch;
	int tw, th;
	enum filter_kind f;
};

static const struct stream_case cases[] = {
	/* shrinking: vertical first, straight from the decoded rows */
	{ 611, 437, 3, 200, 200, FILTER_LANCZOS3 },
	{ 611, 437, 1, 97, 300, FILTER_MITCHELL },
	{ 1203, 901, 3, 64, 64, FILTER_LANCZOS3 },
	{ 300, 200, 3, 150, 100, FILTER_BOX },
	{ 300, 200, 3, 31, 17, FILTER_NEAREST },
	/* enlarging: horizontal first, through widened rows */
	{ 120, 90, 3, 400, 400, FILTER_LANCZOS3 },
	{ 120, 90, 1, 333, 250, FILTER_BICUBIC },
	/* wide and short, tall and thin: either order */
	{ 900, 40, 3, 450, 450, FILTER_BILINEAR },
	{ 40, 900, 3, 450, 450, FILTER_LANCZOS3 },
	/* alpha: premultiplied, widened in either order */
	{ 500, 300, 4, 120, 120, FILTER_LANCZOS3 },
	{ 80, 60, 2, 300, 300, FILTER_LANCZOS3 },
	/* the same size: a copy */
	{ 64, 48, 3, 64, 64, FILTER_LANCZOS3 },
	/* one row, one column */
	{ 300, 1, 3, 100, 100, FILTER_LANCZOS3 },
	{ 1, 300, 1, 100, 100, FILTER_LANCZOS3 },
};

static void
test_stream_resize_matches_op_resize(void **state)
{
	static const int bands[] = { 1, 3, 16, 0 };
	int calls = 0;
	struct stage_runner backwards = { .run = backwards_run, .ctx = &calls };
	struct deferred late = { 0, 0, 0 };
	struct stage_runner deferred = { .run = backwards_run,
					 .ctx = &late,
					 .start = deferred_start,
					 .wait = deferred_wait };
	const struct stage_runner *runners[] = { NULL, &backwards, &deferred };
	const struct stage_runner *runner;
	struct op_scratch scratch;
	struct image src, want, got, win, band;
	struct op_resolved r;
	struct resize_stream rs;
	struct row_sink sink;
	size_t i, b;

	(void)state;
	image_init(&src);
	image_init(&want);
	image_init(&got);
	image_init(&win);
	image_init(&band);
	op_scratch_init(&scratch);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct stream_case *c = &cases[i];
		struct op op = { .kind = OP_RESIZE };
		struct spec spec = { &op, 1 };

		op.u.resize = (struct op_resize){ c->tw,      c->th, 0.0,
						  RESIZE_FIT, c->f,  1 };
		assert_int_equal(ops_resolve(&spec, c->w, c->h, MAXP, &r, NULL),
				 0);
		test_paint(&src, c->w, c->h, c->ch, px_noise, (int)i);
		assert_int_equal(op_apply(&r, &src, &want, &scratch, NULL, NULL,
					  MAXP, NULL),
				 0);
		/*
		 * Each band height, with no runner, one that makes the rows at
		 * once, and one that makes them only when waited for.
		 */
		for (b = 0; b < 3 * sizeof(bands) / sizeof(bands[0]); b++) {
			runner = runners[b % 3];
			resize_stream_init(&rs, &r, &got, &win, &band, runner,
					   MAXP, &sink);
			assert_int_equal(feed(&sink, &src, bands[b / 3]), 0);
			assert_int_equal(resize_stream_end(&rs, NULL), 0);
			resize_stream_release(&rs);
			if (!test_same_image(&want, &got))
				fail_msg(
					"case %zu (%dx%dx%d -> %dx%d), bands "
					"of %d (runner %d): not op_resize's bytes",
					i, c->w, c->h, c->ch, c->tw, c->th,
					bands[b / 3], (int)(b % 3));
		}
	}
	/* The runners had the rows of every case but the copy. */
	assert_true(calls > 0);
	assert_true(late.started > 0);
	/* Every started batch was waited for, and one at a time. */
	assert_int_equal(late.waited, late.started);
	assert_int_equal(late.most_open, 1);
	op_scratch_release(&scratch);
	image_release(&src);
	image_release(&want);
	image_release(&got);
	image_release(&win);
	image_release(&band);
}

/* A sink short of rows: the stream says so instead of a partial image. */
static void
test_stream_resize_incomplete(void **state)
{
	struct op op = { .kind = OP_RESIZE };
	struct spec spec = { &op, 1 };
	struct image src, got, win, band;
	struct op_resolved r;
	struct resize_stream rs;
	struct row_sink sink;
	struct imgpipe_error err;

	(void)state;
	image_init(&src);
	image_init(&got);
	image_init(&win);
	image_init(&band);
	error_clear(&err);
	op.u.resize = (struct op_resize){
		50, 50, 0.0, RESIZE_FIT, FILTER_LANCZOS3, 0
	};
	assert_int_equal(ops_resolve(&spec, 200, 100, MAXP, &r, NULL), 0);
	test_paint(&src, 200, 60, 3, px_noise, 1);
	resize_stream_init(&rs, &r, &got, &win, &band, NULL, MAXP, &sink);
	/* The header says 100 rows; only 60 come. */
	src.h = 100;
	assert_int_equal(sink.begin(sink.ctx, 200, 100, 3, NULL), 0);
	src.h = 60;
	{
		unsigned char *rows[ROW_SINK_MAX_ROWS];
		int y, k;

		for (y = 0; y < 60; y += k) {
			k = 60 - y < 10 ? 60 - y : 10;
			assert_int_equal(sink.rows(sink.ctx, y, k, rows, NULL),
					 0);
			assert_int_equal(sink.done(sink.ctx, y, k, NULL), 0);
		}
	}
	assert_int_equal(resize_stream_end(&rs, &err), IMGPIPE_EFORMAT);
	assert_string_equal(err.msg, "the decoder stopped before the last row");
	resize_stream_release(&rs);
	image_release(&src);
	image_release(&got);
	image_release(&win);
	image_release(&band);
}

/* A sink that keeps every row it is handed, checking they come in order. */
struct keeper {
	struct image im;
	int next;  /* the row rows() must ask for next */
	int began; /* begin calls */
	int disorder;
};

static int
keep_begin(void *ctx, int w, int h, int ch, struct imgpipe_error *err)
{
	struct keeper *k = ctx;

	k->began++;
	return image_alloc(&k->im, w, h, ch, PIXFMT_U8, 0, err);
}

static int
keep_rows(void *ctx, int y0, int n, unsigned char **rows,
	  struct imgpipe_error *err)
{
	struct keeper *k = ctx;
	int i;

	(void)err;
	/* After an error the decoder asks again for the band it lost. */
	if (y0 != k->next || n < 1 || n > ROW_SINK_MAX_ROWS || y0 + n > k->im.h)
		k->disorder = 1;
	for (i = 0; i < n; i++)
		rows[i] = image_row(&k->im, y0 + i);
	return 0;
}

static int
keep_done(void *ctx, int y0, int n, struct imgpipe_error *err)
{
	struct keeper *k = ctx;

	(void)err;
	if (y0 != k->next)
		k->disorder = 1;
	k->next = y0 + n;
	return 0;
}

/* decode and decode_rows of buf at fail_on: the same code, text, pixels. */
static void
same_decode(const unsigned char *buf, size_t len, enum fail_on level,
	    const char *what)
{
	struct decode_opts o = { 1, MAXP, level, 0 };
	struct imgpipe_error e1, e2;
	struct image_meta m1, m2;
	struct image im;
	struct keeper k;
	struct row_sink sink = { keep_begin, keep_rows, keep_done, &k };
	int rc1, rc2;

	image_init(&im);
	memset(&k, 0, sizeof(k));
	image_init(&k.im);
	error_clear(&e1);
	error_clear(&e2);
	rc1 = codec_jpeg.decode(buf, len, &o, &im, &m1, NULL, &e1);
	rc2 = codec_jpeg.decode_rows(buf, len, &o, &sink, &m2, NULL, &e2);
	if (rc1 != rc2 || strcmp(e1.msg, e2.msg) != 0)
		fail_msg("%s, fail-on %d: decode %d '%s', decode_rows %d '%s'",
			 what, (int)level, rc1, e1.msg, rc2, e2.msg);
	if (rc1 == 0) {
		assert_int_equal(k.began, 1);
		assert_int_equal(k.disorder, 0);
		assert_int_equal(k.next, im.h);
		if (!test_same_image(&im, &k.im))
			fail_msg("%s, fail-on %d: other rows", what,
				 (int)level);
		assert_int_equal(m1.cmyk, m2.cmyk);
		assert_int_equal(m1.icc_len, m2.icc_len);
		image_meta_release(&m1);
		image_meta_release(&m2);
	}
	image_release(&im);
	image_release(&k.im);
}

static void
test_stream_decode_rows_matches_decode(void **state)
{
	static const char *files[] = {
		"data/jpeg/testorig.jpg",
		"data/jpeg/testimgint.jpg",
		"../samples/wood-grey.jpg",
		"../samples/sunset-progressive.jpg",
		"../samples/wine-portrait-orient6.jpg",
		"data/damaged/truncated.jpg",
		"data/damaged/eoi-cut.jpg",
	};
	static const enum fail_on levels[] = { FAIL_ON_NONE, FAIL_ON_TRUNCATED,
					       FAIL_ON_ERROR, FAIL_ON_WARNING };
	static const unsigned char markers[] = { 0xd8, 0xc0, 0xda,
						 0xc4, 0xdd, 0xd5 };
	unsigned seed = 12345;
	size_t i, l, at;
	int m, j;
	char what[160];

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct blob b = load(files[i]);
		unsigned char *bad = malloc(b.len);

		assert_non_null(bad);
		for (l = 0; l < 4; l++)
			same_decode(b.data, b.len, levels[l], files[i]);
		/*
		 * Damage in the entropy-coded data (past the first third, away
		 * from the headers): errors and warnings mid-rows, where
		 * fail-on none keeps the rows so far and paints the rest grey.
		 */
		for (m = 0; m < 12; m++) {
			memcpy(bad, b.data, b.len);
			for (j = 0; j < 1 + m % 4; j++) {
				seed = seed * 1103515245u + 12345u;
				at = b.len / 3 + (seed >> 8) % (b.len / 2);
				bad[at] ^=
					(unsigned char)(1 + (seed >> 3) % 255);
			}
			snprintf(what, sizeof(what), "%s damaged %d", files[i],
				 m);
			for (l = 0; l < 4; l++)
				same_decode(bad, b.len, levels[l], what);
			/* ... a marker where the scan's data should be ... */
			memcpy(bad, b.data, b.len);
			at = b.len / 3 + (size_t)m * (b.len / 20);
			bad[at] = 0xff;
			bad[at + 1] = markers[m % 6];
			for (l = 0; l < 4; l++)
				same_decode(bad, b.len, levels[l], what);
			/* ... and cut short there too. */
			for (l = 0; l < 4; l++)
				same_decode(bad, b.len / 2 + (size_t)m * 97,
					    levels[l], what);
		}
		free(bad);
		free(b.data);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_resize_matches_op_resize),
		cmocka_unit_test(test_stream_resize_incomplete),
		cmocka_unit_test(test_stream_decode_rows_matches_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
