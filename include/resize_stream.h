/*
 * A resize fed one band of source rows at a time (a row_sink), so that
 * neither the whole source nor a whole intermediate is ever held: only a
 * window of rows as tall as the filter, in the order op_resize would run
 * the passes for the same plan, with the same row functions (resize.h),
 * so the output bytes are op_resize's.
 */
#ifndef IMGPIPE_RESIZE_STREAM_H
#define IMGPIPE_RESIZE_STREAM_H

#include <stdint.h>

#include "image.h"
#include "resize.h"
#include "row_sink.h"
#include "stage.h"

struct op_resolved;

struct resize_stream {
	const struct op_resolved *r;
	struct image *dst;
	/*
	 * win: the window of rows the vertical pass reads, plan rows lo ..
	 * lo + n: U8 source rows as decoded (vertical first, not widened),
	 * else int16 rows (widened, or the horizontal pass's output).
	 * band: U8 rows in flight when win holds int16 ones (else one row
	 * where rows outside the plan's window land).  line: one int16 row
	 * (vertical first: the first pass's, one per output row of a batch;
	 * else the widened source row).
	 */
	struct image *win, *band;
	struct image line;
	const struct stage_runner *runner; /* for the output rows; or NULL */
	struct resize_plan p;
	uint64_t max_pixels;
	int planned; /* p holds tables */
	int copy;    /* the source is the output: rows go straight to dst */
	int vfirst;
	int direct; /* win holds the decoded rows themselves */
	int src_h;
	int lo, n; /* plan rows in win */
	int next;  /* the next output row */
	/*
	 * The batch of output rows a runner may still be making (stage_start)
	 * while the decoder goes on: its stage, the view of dst it writes,
	 * the window's first row as it read it, and the runner's handle.
	 */
	struct {
		struct stage st;
		struct image view;
		int y0, lo;
		void *pending;
	} batch;
};

/*
 * Ready s to resize by r into dst (reshaped when the size is known), with
 * win and band as scratch (the caller's, reused); *sink then feeds it.
 * With a runner, the output rows go to it in batches, as a stage; without
 * one they are made as soon as their source rows are in.  dst is the whole
 * result once the sink has had every row.
 */
void resize_stream_init(struct resize_stream *s, const struct op_resolved *r,
			struct image *dst, struct image *win,
			struct image *band, const struct stage_runner *runner,
			uint64_t max_pixels, struct row_sink *sink);

/* 0 when every output row was written, else IMGPIPE_EFORMAT (err set). */
int resize_stream_end(struct resize_stream *s, struct imgpipe_error *err);

void resize_stream_release(struct resize_stream *s);

#endif
