/*
 * op_resize over rows that arrive in bands: each band goes into a window
 * of the rows the vertical pass reads (as decoded, or through the
 * horizontal pass first, as the plan orders), and each output row is made
 * as soon as the window holds all of its rows.  The window is a flat run
 * of rows, not a ring, because the vertical cores read rows a fixed step
 * apart; when it fills, the rows still needed move to its start: a
 * filter's height of rows (or, with a runner, up to half the window,
 * rows of a batch not yet made) per WINDOW_REUSE filter heights decoded.
 */
#include "resize_stream.h"

#include <string.h>

#include "error.h"
#include "ops.h"
#include "stage.h"
#include "util.h"

/* The window's height in filter heights (plus a band each). */
#define WINDOW_REUSE	  8
/* Output rows one stage makes when a runner may share them out. */
#define STREAM_BATCH_ROWS 32

static struct resize_stream *
self(void *ctx)
{
	return ctx;
}

/*
 * The batch a runner may still be making reads the window and writes
 * s->line: wait for it before the window's rows move or the next batch.
 */
static void
settle(struct resize_stream *s)
{
	stage_wait(s->runner, s->batch.pending);
	s->batch.pending = NULL;
}

/* Plan row r of the window's int16 or U8 rows. */
static unsigned char *
win_row(const struct resize_stream *s, int r)
{
	return image_row(s->win, r - s->lo);
}

/* The lowest plan row an output row from s->next on still reads. */
static int
still_needed(const struct resize_stream *s)
{
	int y, lo = s->lo + s->n;

	for (y = s->next; y < s->p.y.n; y++)
		lo = UTIL_MIN(lo, s->p.y.first[y]);
	return lo;
}

/* Room in the window for plan rows up to end (exclusive). */
static int
room(struct resize_stream *s, int end, struct imgpipe_error *err)
{
	int keep, drop;

	if (end - s->lo <= s->win->h)
		return 0;
	keep = still_needed(s);
	drop = keep - s->lo;
	if (drop > 0)
		settle(s);
	if (drop > 0 && s->n > drop)
		memmove(image_row(s->win, 0), image_row(s->win, drop),
			(size_t)(s->n - drop) * s->win->stride);
	s->lo = keep;
	s->n -= drop;
	if (end - s->lo <= s->win->h)
		return 0;
	return error_set(err, IMGPIPE_ENOMEM,
			 "out of memory for the resize window");
}

/* Output rows from s->next on whose source rows are all in the window. */
static int
ready(const struct resize_stream *s, int most)
{
	const struct resize_weights *wy = &s->p.y;
	int y;

	for (y = s->next; y < wy->n && y - s->next < most; y++)
		if (wy->first[y] + wy->count[y] > s->lo + s->n)
			break;
	return y - s->next;
}

/*
 * Stage: output rows batch y0 + [a, b) into st->dst's rows [a, b) (a view
 * of the batch's rows of the output), from the window st->src, through
 * row a of s->line when vertical first.
 */
static void
stream_rows_out(const struct stage *st, int a, int b)
{
	const struct resize_stream *s = st->plan;
	const struct resize_plan *p = &s->p;
	const unsigned char *base;
	int i, y;

	for (i = a; i < b; i++) {
		y = s->batch.y0 + i;
		base = image_row(st->src, p->y.first[y] - s->batch.lo);
		if (!s->vfirst) {
			resize_row_v(p, y, base, st->src->stride,
				     image_row(st->dst, i));
			continue;
		}
		if (s->direct)
			base += (size_t)p->col0 * p->ch;
		resize_row_v8(p, y, base, st->src->stride,
			      resize_row_i16(&s->line, i));
		resize_row_h(p, resize_row_i16(&s->line, i), NULL,
			     image_row(st->dst, i));
	}
}

/*
 * Output rows next .. next + k through the runner, as one stage, which a
 * runner with threads to spare makes while the decoder goes on.
 */
static void
flush(struct resize_stream *s, int k)
{
	settle(s);
	s->batch.y0 = s->next;
	s->batch.lo = s->lo;
	image_rows_view(s->dst, s->next, k, &s->batch.view);
	s->batch.st.rows = stream_rows_out;
	s->batch.st.src = s->win;
	s->batch.st.dst = &s->batch.view;
	s->batch.st.plan = s;
	stage_start(s->runner, &s->batch.st, &s->batch.pending);
	s->next += k;
}

/*
 * The output rows now ready: at once without a runner (while their source
 * rows are in cache), else in batches of STREAM_BATCH_ROWS, which a runner
 * can split (threads --split rows), or sooner when they hold half the
 * window or the last source row is in.
 */
static void
emit(struct resize_stream *s, int last)
{
	int k;

	while ((k = ready(s, STREAM_BATCH_ROWS)) > 0) {
		if (s->runner != NULL && k < STREAM_BATCH_ROWS && !last &&
		    s->lo + s->n - s->p.y.first[s->next] <= s->win->h / 2)
			break;
		flush(s, k);
	}
}

static int
stream_begin(void *ctx, int w, int h, int ch, struct imgpipe_error *err)
{
	struct resize_stream *s = self(ctx);
	struct resize_plan *p = &s->p;
	const struct op_resolved *r = s->r;
	int rc, cap, wide;

	rc = image_alloc(s->dst, r->out_w, r->out_h, ch, PIXFMT_U8,
			 s->max_pixels, err);
	s->src_h = h;
	s->copy = resize_is_copy(r, w, h);
	if (rc != 0 || s->copy)
		return rc;
	resize_plan_init(p, ch);
	s->planned = 1;
	rc = resize_plan_build(p, r, w, h, &s->vfirst, err);
	if (rc != 0)
		return rc;
	s->direct = s->vfirst && !p->widened;
	cap = UTIL_MIN(p->rows, WINDOW_REUSE * (p->y.taps + ROW_SINK_MAX_ROWS));
	/* The window holds filter rows, not pixels: no limit (resize.c). */
	wide = s->vfirst ? p->cols : p->x.n;
	if (s->direct)
		rc = image_alloc(s->win, w, cap, ch, PIXFMT_U8, 0, err);
	else
		rc = resize_alloc_i16(s->win, wide, cap, ch, 0, err);
	if (rc == 0)
		rc = image_alloc(s->band, w, s->direct ? 1 : ROW_SINK_MAX_ROWS,
				 ch, PIXFMT_U8, 0, err);
	if (rc == 0)
		rc = resize_alloc_i16(&s->line, p->cols, STREAM_BATCH_ROWS, ch,
				      0, err);
	return rc;
}

static int
stream_rows(void *ctx, int y0, int n, unsigned char **rows,
	    struct imgpipe_error *err)
{
	struct resize_stream *s = self(ctx);
	int i, r, hi = -1, rc;

	for (i = 0; i < n; i++) {
		if (s->copy)
			rows[i] = image_row(s->dst, y0 + i);
		else if (!s->direct)
			rows[i] = image_row(s->band, i);
		else if (y0 + i - s->p.row0 >= 0 &&
			 y0 + i - s->p.row0 < s->p.rows)
			hi = y0 + i - s->p.row0;
	}
	if (s->copy || !s->direct)
		return 0;
	/* Rows outside the plan's window all land in band's one row. */
	rc = hi < 0 ? 0 : room(s, hi + 1, err);
	for (i = 0; rc == 0 && i < n; i++) {
		r = y0 + i - s->p.row0;
		rows[i] = r >= 0 && r < s->p.rows ? win_row(s, r)
						  : image_row(s->band, 0);
	}
	return rc;
}

static int
stream_done(void *ctx, int y0, int n, struct imgpipe_error *err)
{
	struct resize_stream *s = self(ctx);
	const struct resize_plan *p = &s->p;
	const unsigned char *src;
	int i, r, rc;

	if (s->copy) {
		s->next = y0 + n;
		return 0;
	}
	for (i = 0; i < n; i++) {
		r = y0 + i - p->row0;
		if (r < 0 || r >= p->rows)
			continue;
		if (!s->direct) {
			rc = room(s, r + 1, err);
			if (rc != 0)
				return rc;
			src = image_row(s->band, i);
			if (s->vfirst) {
				resize_row_widen(
					p, src,
					resize_row_i16(s->win, r - s->lo));
			} else {
				resize_row_widen(p, src,
						 resize_row_i16(&s->line, 0));
				resize_row_h(p, resize_row_i16(&s->line, 0),
					     resize_row_i16(s->win, r - s->lo),
					     NULL);
			}
		}
		s->n = r + 1 - s->lo;
		emit(s, r == p->rows - 1);
	}
	return 0;
}

void
resize_stream_init(struct resize_stream *s, const struct op_resolved *r,
		   struct image *dst, struct image *win, struct image *band,
		   const struct stage_runner *runner, uint64_t max_pixels,
		   struct row_sink *sink)
{
	memset(s, 0, sizeof(*s));
	s->runner = runner;
	s->r = r;
	s->dst = dst;
	s->win = win;
	s->band = band;
	s->max_pixels = max_pixels;
	image_init(&s->line);
	sink->begin = stream_begin;
	sink->rows = stream_rows;
	sink->done = stream_done;
	sink->ctx = s;
}

int
resize_stream_end(struct resize_stream *s, struct imgpipe_error *err)
{
	int want = s->copy ? s->src_h : s->p.y.n;

	settle(s);
	if (s->next == want && want > 0)
		return 0;
	return error_set(err, IMGPIPE_EFORMAT,
			 "the decoder stopped before the last row");
}

void
resize_stream_release(struct resize_stream *s)
{
	settle(s);
	if (s->planned)
		resize_plan_release(&s->p);
	s->planned = 0;
	image_release(&s->line);
}
