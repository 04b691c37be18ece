/*
 * One task, start to finish: read -> decode (shrinking on load when the
 * first op allows) -> orient -> ops, with the colour step among them
 * (colour_point in pipeline.c) -> flatten for JPEG -> encode -> write
 * to a temporary file beside the target -> rename.  This is the function
 * every executor calls; executors decide only where and when it runs and
 * pass their hook, stage runner and I/O functions through struct worker.
 */
#ifndef IMGPIPE_PIPELINE_H
#define IMGPIPE_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "colour.h"
#include "error.h"
#include "hook.h"
#include "http.h"
#include "image.h"
#include "membuf.h"
#include "ops.h"

enum out_format {
	OUT_SAME,
	OUT_JPEG,
	OUT_PNG,
	OUT_WEBP,
	OUT_AVIF
};

/*
 * The codec that writes f for an input read by in: f's own, or for
 * OUT_SAME the input's when imgpipe writes that format, else JPEG (HEIC).
 */
enum codec_id pipeline_out_codec(enum out_format f, enum codec_id in);

/* What every task of a batch does.  Read-only while executors run. */
struct job {
	const struct spec *spec;
	enum out_format format;
	struct encode_opts enc;
	unsigned char background[3]; /* R, G, B alpha is flattened onto */
	int auto_orient;
	int shrink_on_load;
	enum fail_on fail_on; /* --fail-on */
	uint64_t max_pixels;
	unsigned keep; /* META_* blocks to write (--keep) */
	int strip_gps; /* --strip-gps */
	struct colour_opts
		colour; /* --export-profile, --import-profile, --intent */
	struct http_opts http; /* URL inputs: --timeout, --max-body, ... */
};

/* One input image and where its output goes.  Strings are the batch's. */
struct task {
	const char *in_path;  /* path to open; NULL for a URL */
	const char *url;      /* http(s) URL to download, or NULL */
	const char *out_path; /* final output path */
	const char *rel_in;   /* input relative to INPUT_DIR (or the URL) */
	const char *rel_out;  /* output relative to OUTPUT_DIR */
	enum codec_id in_codec;
	enum codec_id out_codec;
	uint64_t in_bytes;
};

#define TASK_SPANS 16

/* Stage boundaries recorded for --trace and the timeline. */
enum pipe_stage {
	PIPE_READ,
	PIPE_DECODE,
	PIPE_OPS,
	PIPE_ENCODE,
	PIPE_WRITE,
	PIPE_STAGE_COUNT
};

/*
 * What happened to a task.  Plain fixed-size data, so that a worker process
 * can send it whole through a pipe.  Times are seconds since the batch start.
 */
struct task_result {
	int status; /* 0, or a negative IMGPIPE_E* */
	/* The reason, without the path; with status 0, a warning or "". */
	char error[IMGPIPE_ERR_MSG_LEN];
	int worker; /* 0-based worker id; -1 when never run */
	double start_s, end_s;
	double stage_end_s[PIPE_STAGE_COUNT];
	int w_in, h_in; /* stored size of the input */
	int w_out, h_out;
	uint64_t bytes_out;
	unsigned meta;	 /* META_* blocks written to the output */
	char colour[64]; /* the colour transform that ran, "" for none */
	/* URL inputs: the download (http.h); all 0 for files. */
	int http_status;
	double dl_s;
	uint64_t dl_bytes;
	/*
	 * When the CPU work began (pipeline_finish: after the read and any
	 * wait for a CPU slot), and the CPU time this thread spent on it.
	 */
	double compute_start_s;
	double cpu_s;
	/* The CPU its compute ended on (sched_getcpu), -1 unknown or none. */
	int cpu;
	/*
	 * The spans in which the task really computed, for coop, where an
	 * image that yields mid-image shares the one thread with others:
	 * [from, to] seconds since the batch start, the last span extended
	 * when there are more.  nspans 0: one span, compute_start_s to the
	 * end of PIPE_ENCODE (every other mode).
	 */
	int nspans;
	float spans[TASK_SPANS][2];
};

/*
 * File I/O of a task, replaceable by the executor (coop reads and writes on
 * its loop; --gil releases its lock around I/O).  write_file must be atomic:
 * temporary file in the target's folder, then rename, and no file at all
 * left behind on failure.  fetch downloads a URL input (coop: on its loop;
 * NULL: the blocking http_fetch).  c_enter and c_leave, when set, are
 * called around the work a C extension does without holding an
 * interpreter's lock (decode, the ops, encode): --gil=release-in-c.
 */
struct pipeline_io {
	int (*read_file)(void *ctx, const char *path, struct membuf *out,
			 struct imgpipe_error *err);
	int (*write_file)(void *ctx, const char *path,
			  const struct membuf *data, struct imgpipe_error *err);
	int (*fetch)(void *ctx, const struct http_opts *o, const char *url,
		     struct membuf *out, struct http_info *info,
		     struct imgpipe_error *err);
	void (*c_enter)(void *ctx);
	void (*c_leave)(void *ctx);
	void *ctx;
};

/*
 * The buffers a task uses from the end of its read to the end of its
 * encode: pixels, kernel scratch, resolved ops.  The big ones.
 */
struct worker_bufs {
	struct image a, b;
	struct op_scratch scratch;
	struct op_resolved *resolved;
	size_t resolved_cap;
};

/*
 * A worker's state across tasks: what the executor sets up (id, hook,
 * runner, io), and scratch that lives across images so that big buffers are
 * allocated once per worker, not once per photo.  The file bytes (in, out)
 * and metadata are always the worker's own; the compute buffers are too
 * unless worker_share_bufs lent it another worker's.
 */
struct worker {
	int id;
	double t0;			   /* batch start, util_now_s() */
	struct hook hook;		   /* executor's; fn NULL = none */
	const struct stage_runner *runner; /* NULL = serial */
	const struct pipeline_io *io;	   /* NULL = blocking POSIX I/O */

	struct worker_bufs own;
	struct worker_bufs *lent; /* NULL = own */
	struct membuf in, out;
	struct image_meta meta;
	struct colour_cache *colour; /* its ICC transforms; NULL until used */
};

/*
 * A result for t that has not run (yet): status IMGPIPE_ECANCEL,
 * "interrupted", worker -1, zero sizes and times.  Executors use it for
 * tasks a cancellation kept from running.
 */
void task_result_init(struct task_result *res);

/* Written, with a warning: the damage job->fail_on let through. */
int task_result_warned(const struct task_result *res);

/* Set up w for worker id; the executor may then set hook, runner and io. */
void worker_init(struct worker *w, int id, double t0);

/* Free all scratch (its own, not lent buffers). */
void worker_release(struct worker *w);

/*
 * w has run its last image: worker_release, and the freed pages go back to
 * the kernel now, by this thread, while other workers finish their last
 * images.  Otherwise the one thread that exits unmaps every worker's pages
 * alone after the batch, in series, when nothing else is left to overlap
 * it (figures in bench/README.md).  w may be released again.
 */
void worker_retire(struct worker *w);

/*
 * Let w compute on owner's buffers from now on.  Only for workers that
 * never compute at the same time: coop without yields, where a task runs
 * from the end of its read to the end of its encode without giving up the
 * thread, so that -j images in flight cost one set of pixel buffers, not
 * -j sets first-touched in turn.  owner must outlive w's tasks.
 */
void worker_share_bufs(struct worker *w, struct worker *owner);

/*
 * Run task t of job on worker w and fill *res (always, also on failure).
 * An image written despite damage (job->fail_on) has status 0 and its
 * warning in res->error.  Returns res->status.  Thread-safe for distinct
 * workers.  On failure no output file and no temporary file exist.
 */
int pipeline_run(const struct job *job, const struct task *t, struct worker *w,
		 struct task_result *res);

/*
 * pipeline_run in two halves, for executors that wait for an input outside
 * a CPU slot (URL inputs): pipeline_fetch starts the task (res reset, the
 * file read or URL downloaded into w->in through w->io); when it returns 0,
 * pipeline_finish does the rest from in (usually that w->in) on worker c,
 * whose buffers, hook and io (for the write) it uses, and which may be
 * another worker than w, on another thread, as the executor decides (c's
 * own in is untouched).  Each fills *res as pipeline_run does and returns
 * res->status; pipeline_run(job, t, w, res) is the two on w.
 */
int pipeline_fetch(const struct job *job, const struct task *t,
		   struct worker *w, struct task_result *res);
int pipeline_finish(const struct job *job, const struct task *t,
		    const struct membuf *in, struct worker *c,
		    struct task_result *res);

/*
 * Dry run: read only the header of t's input and fill res's sizes (the
 * output size the run would produce), without decoding pixels.
 */
int pipeline_plan(const struct job *job, const struct task *t,
		  struct task_result *res);

/*
 * The JPEG DCT scale denominator (1, 2, 4, 8) for an image of w x h whose
 * first op resolves to r (NULL: none), by the README's rule: the decoded
 * image must stay at least twice the resize target in both directions.
 */
int pipeline_shrink_denom(int w, int h, const struct op_resolved *r);

#endif
