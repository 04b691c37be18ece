/*
 * One task from input file to output file.  Buffers come from the worker
 * and are reused across tasks; all file I/O goes through the worker's io so
 * that executors can make it asynchronous or drop a lock around it.
 */
#include "pipeline.h"

#include <string.h>

#include "colour.h"
#include "fileio.h"
#include "membuf.h"
#include "meta_policy.h"
#include "pin.h"
#include "resize_stream.h"
#include "row_sink.h"
#include "spec.h"
#include "util.h"

/* The default io (w->io NULL): blocking POSIX calls; ctx unused. */
static int
posix_read(void *ctx, const char *path, struct membuf *out,
	   struct imgpipe_error *err)
{
	(void)ctx;
	return fileio_read(path, out, err);
}

static int
posix_write(void *ctx, const char *path, const struct membuf *data,
	    struct imgpipe_error *err)
{
	(void)ctx;
	return fileio_write_atomic(path, data->data, data->len, err);
}

static const struct pipeline_io posix_io = {
	.read_file = posix_read,
	.write_file = posix_write,
	.fetch = NULL,
	.c_enter = NULL,
	.c_leave = NULL,
	.ctx = NULL,
};

void
task_result_init(struct task_result *res)
{
	memset(res, 0, sizeof(*res));
	res->status = IMGPIPE_ECANCEL;
	util_fmt(res->error, sizeof(res->error), "interrupted");
	res->worker = -1;
	res->cpu = -1;
}

int
task_result_warned(const struct task_result *res)
{
	return res->status == 0 && res->error[0] != '\0';
}

void
worker_init(struct worker *w, int id, double t0)
{
	memset(w, 0, sizeof(*w));
	w->id = id;
	w->t0 = t0;
	image_init(&w->own.a);
	image_init(&w->own.b);
	op_scratch_init(&w->own.scratch);
	membuf_init(&w->in);
	membuf_init(&w->out);
	image_meta_init(&w->meta);
}

void
worker_release(struct worker *w)
{
	image_release(&w->own.a);
	image_release(&w->own.b);
	op_scratch_release(&w->own.scratch);
	free(w->own.resolved);
	membuf_release(&w->in);
	membuf_release(&w->out);
	image_meta_release(&w->meta);
	colour_cache_free(w->colour);
	w->colour = NULL;
	w->own.resolved = NULL;
	w->own.resolved_cap = 0;
}

void
worker_retire(struct worker *w)
{
	worker_release(w);
	util_trim_heap();
}

void
worker_share_bufs(struct worker *w, struct worker *owner)
{
	w->lent = owner->lent != NULL ? owner->lent : &owner->own;
}

static struct worker_bufs *
bufs(struct worker *w)
{
	return w->lent != NULL ? w->lent : &w->own;
}

/* libjpeg's scaled size: ceil(n / d). */
static int
scaled(int n, int d)
{
	return (n + d - 1) / d;
}

enum codec_id
pipeline_out_codec(enum out_format f, enum codec_id in)
{
	switch (f) {
	case OUT_JPEG: return CODEC_JPEG;
	case OUT_PNG: return CODEC_PNG;
	case OUT_WEBP: return CODEC_WEBP;
	case OUT_AVIF: return CODEC_AVIF;
	case OUT_SAME: break;
	}
	return codec_output_for(in);
}

int
pipeline_shrink_denom(int w, int h, const struct op_resolved *r)
{
	int d;

	if (r == NULL || r->op->kind != OP_RESIZE)
		return 1;
	for (d = 8; d > 1; d /= 2)
		if (scaled(w, d) >= 2 * r->scaled_w &&
		    scaled(h, d) >= 2 * r->scaled_h)
			return d;
	return 1;
}

/* Header, orientation and the resolved ops for the upright size. */
static int
plan(const struct job *job, const struct codec *codec, const struct membuf *in,
     struct image_info *info, struct op_resolved *res,
     struct imgpipe_error *err)
{
	int uw, uh, rc;

	rc = codec->probe(in->data, in->len, info, err);
	if (rc != 0)
		return rc;
	if (!job->auto_orient)
		info->orientation = 1;
	uw = info->orientation >= 5 ? info->h : info->w;
	uh = info->orientation >= 5 ? info->w : info->h;
	rc = image_check_size(uw, uh, info->channels, PIXFMT_U8,
			      job->max_pixels, err);
	if (rc != 0)
		return rc;
	return ops_resolve(job->spec, uw, uh, job->max_pixels, res, err);
}

static int
reserve_resolved(struct worker_bufs *b, size_t n)
{
	struct op_resolved *p;

	if (n <= b->resolved_cap)
		return 0;
	p = realloc(b->resolved, n * sizeof(*p));
	if (p == NULL)
		return IMGPIPE_ENOMEM;
	b->resolved = p;
	b->resolved_cap = n;
	return 0;
}

static void
mark(const struct worker *w, struct task_result *res, enum pipe_stage s)
{
	res->stage_end_s[s] = util_now_s() - w->t0;
}

/*
 * Steps write b->b from b->a and return 0, or return 1 when they had
 * nothing to do; either way the current image ends up in b->a.
 */
static int
keep(struct worker_bufs *b, int rc)
{
	if (rc == 0)
		image_swap(&b->a, &b->b);
	return rc == 1 ? 0 : rc;
}

/*
 * A leading resize without a crop window can run before the orientation is
 * applied, on the stored pixels, with its geometry turned to match: the
 * turn then moves a thumbnail instead of the whole decoded photo (phones
 * store most portraits turned, with Orientation 6).
 */
static int
plain_resize(const struct op_resolved *r)
{
	return r->op->kind == OP_RESIZE && r->win_x == 0 && r->win_y == 0 &&
	       r->out_w == r->scaled_w && r->out_h == r->scaled_h;
}

static int
resize_first(const struct job *job, const struct worker_bufs *b,
	     int orientation, struct op_resolved *r)
{
	int t;

	if (orientation == 1 || job->spec->n == 0)
		return 0;
	*r = b->resolved[0];
	if (!plain_resize(r))
		return 0;
	if (orientation >= 5) {
		t = r->in_w, r->in_w = r->in_h, r->in_h = t;
		t = r->scaled_w, r->scaled_w = r->scaled_h, r->scaled_h = t;
		r->out_w = r->scaled_w;
		r->out_h = r->scaled_h;
	}
	return 1;
}

/*
 * Where the colour step runs, the one rule (README, Colour): CMYK and
 * 16-bit pixels right after the decode (-1), since every op works on 8-bit
 * RGB and a transform before the reduction keeps every level; otherwise
 * before the
 * first op that mixes channels with sRGB's weights (grayscale's luma,
 * sepia's matrix, edges' luma), so that it mixes output-space values;
 * otherwise after the last op (n), on the output-size image, as libvips
 * transforms after the shrink: a thumbnail costs a fraction of the photo.
 * Every other op is pointwise per channel or spatial, and commutes with
 * the transform closely enough.
 */
static size_t
first_mixing_op(const struct spec *spec)
{
	enum op_kind k;
	size_t i;

	for (i = 0; i < spec->n; i++) {
		k = spec->ops[i].kind;
		if (k == OP_GRAYSCALE || k == OP_SEPIA || k == OP_EDGES)
			break;
	}
	return i;
}

static long
colour_point(const struct job *job, const struct image_meta *meta,
	     const struct image *im)
{
	if (meta->cmyk || im->fmt == PIXFMT_U16)
		return -1;
	return (long)first_mixing_op(job->spec);
}

static int
colour_step(const struct job *job, struct worker *w, int mixing,
	    struct task_result *res, struct imgpipe_error *err)
{
	struct worker_bufs *b = bufs(w);
	struct colour_req rq;

	rq.keep_icc = (job->keep & META_ICC) != 0;
	rq.mixing = mixing;
	return keep(b, colour_convert(&job->colour, &rq, &w->meta, &b->a, &b->b,
				      &w->colour, w->runner, &w->hook,
				      job->max_pixels, res->colour,
				      sizeof(res->colour), err));
}

/* One op on b->a, in place where it can be (op_in_place), else via b->b. */
static int
apply_op(const struct job *job, struct worker *w, const struct op_resolved *r,
	 struct imgpipe_error *err)
{
	struct worker_bufs *b = bufs(w);
	int in_place = op_in_place(r->op), rc;

	rc = op_apply(r, &b->a, in_place ? &b->a : &b->b, &b->scratch,
		      w->runner, &w->hook, job->max_pixels, err);
	return in_place && rc == 0 ? 0 : keep(b, rc);
}

/*
 * Streaming, the one rule (README, Modes): the decoder hands its rows
 * straight to the first op when that is a resize that resize_first could
 * run on the stored pixels (orientation 1, or any, turned to match), the
 * codec can hand out rows (8-bit ones, by its contract) and the pixels are
 * not CMYK, whose colour step comes first (colour_point's -1); then
 * neither the decoded photo nor the resize's intermediate is ever whole.
 * IMGPIPE_STREAM=0 in the environment turns it off, to compare; the bytes
 * are the same.  Fills *first with the resize to stream.
 */
static int
stream_first(const struct job *job, const struct codec *in,
	     const struct image_info *info, const struct worker_bufs *b,
	     struct op_resolved *first)
{
	const char *knob = getenv("IMGPIPE_STREAM");

	if (knob != NULL && strcmp(knob, "0") == 0)
		return 0;
	if (in->decode_rows == NULL || info->channels >= 4 ||
	    job->spec->n == 0 || !plain_resize(&b->resolved[0]))
		return 0;
	if (!resize_first(job, b, info->orientation, first))
		*first = b->resolved[0];
	return 1;
}

/* Decode into b->a; streamed, into the first resize, with b->a its output. */
static int
decode(const struct job *job, const struct codec *in,
       const struct decode_opts *o, const struct op_resolved *first,
       const struct membuf *src, struct worker *w, struct imgpipe_error *err)
{
	struct worker_bufs *b = bufs(w);
	struct resize_stream rs;
	struct row_sink sink;
	int rc;

	if (first == NULL)
		return in->decode(src->data, src->len, o, &b->a, &w->meta,
				  &w->hook, err);
	resize_stream_init(&rs, first, &b->b, &b->scratch.tmp, &b->scratch.tmp2,
			   w->runner, job->max_pixels, &sink);
	rc = in->decode_rows(src->data, src->len, o, &sink, &w->meta, &w->hook,
			     err);
	if (rc == 0)
		rc = resize_stream_end(&rs, err);
	resize_stream_release(&rs);
	if (rc == 0)
		image_swap(&b->a, &b->b);
	else
		image_meta_release(&w->meta);
	return rc;
}

static int
transform(const struct job *job, struct worker *w, int orientation,
	  int streamed, const struct codec *out, struct task_result *res,
	  struct imgpipe_error *err)
{
	struct worker_bufs *b = bufs(w);
	struct op_resolved first;
	long at = colour_point(job, &w->meta, &b->a);
	size_t i = 0;
	int rc = 0;

	if (at < 0)
		rc = colour_step(job, w, job->spec->n > 0, res, err);
	if (streamed)
		i = 1;
	else if (rc == 0 && resize_first(job, b, orientation, &first)) {
		rc = apply_op(job, w, &first, err);
		i = 1;
	}
	if (rc == 0)
		rc = keep(b, ops_orient(orientation, &b->a, &b->b, w->runner,
					&w->hook, job->max_pixels, err));
	for (; rc == 0 && i < job->spec->n; i++) {
		if ((long)i == at)
			rc = colour_step(job, w, 1, res, err);
		if (rc != 0)
			break;
		rc = apply_op(job, w, &b->resolved[i], err);
	}
	if (rc == 0 && at == (long)job->spec->n)
		rc = colour_step(job, w, 0, res, err);
	else if (rc == 0)
		rc = colour_fit_tag(&job->colour, &w->meta, b->a.channels);
	/* WebP has no grey: its encoder writes RGB, which a grey tag misfits.
	 */
	if (rc == 0 && out->id == CODEC_WEBP && b->a.channels <= 2)
		rc = colour_fit_tag(&job->colour, &w->meta, b->a.channels + 2);
	if (rc == 0 && out->id == CODEC_JPEG) {
		rc = ops_flatten(&b->a, job->background, &b->b, w->runner,
				 &w->hook, err);
		rc = keep(b, rc);
	}
	return rc;
}

/*
 * The blocks the output carries (meta_policy.h), from what was decoded
 * into meta; the pixels in im are final.  Auto-orientation leaves them
 * upright whatever the tag said; without it the tag still describes them.
 */
static unsigned
output_meta(const struct job *job, const struct codec *in,
	    const struct codec *out, const struct image *im,
	    struct image_meta *meta, struct imgpipe_error *err)
{
	struct meta_policy p;

	p.keep = job->keep;
	p.strip_gps = job->strip_gps;
	p.reset_orientation = job->auto_orient || in->upright;
	p.width = im->w;
	p.height = im->h;
	p.in_codec = in->id;
	p.out_codec = out->id;
	return meta_policy_apply(meta, &p, err);
}

/* The io's c_enter/c_leave around C-library work, when set. */
static void
c_enter(const struct pipeline_io *io)
{
	if (io->c_enter != NULL)
		io->c_enter(io->ctx);
}

static void
c_leave(const struct pipeline_io *io)
{
	if (io->c_leave != NULL)
		io->c_leave(io->ctx);
}

static int
compute(const struct job *job, const struct task *t, const struct membuf *src,
	struct worker *w, struct task_result *res, struct imgpipe_error *err)
{
	const struct pipeline_io *io = w->io ? w->io : &posix_io;
	const struct codec *in, *out = codec_get(t->out_codec);
	struct worker_bufs *b = bufs(w);
	struct decode_opts dopts;
	/* Robustness: zeroed, as a failed probe leaves it unset (res->w_in). */
	struct image_info info = { 0 };
	struct op_resolved first;
	int rc, streamed;

	in = codec_sniff(src->data, src->len);
	if (in == NULL || out == NULL)
		return error_set(err, IMGPIPE_EFORMAT, CODEC_NOT_AN_IMAGE);
	if (reserve_resolved(b, job->spec->n) != 0)
		return error_set(err, IMGPIPE_ENOMEM, "out of memory");
	rc = plan(job, in, src, &info, b->resolved, err);
	res->w_in = info.w;
	res->h_in = info.h;
	if (rc != 0)
		return rc;
	dopts.max_pixels = job->max_pixels;
	dopts.fail_on = job->fail_on;
	dopts.scale_denom = 1;
	/* 16 bits only for a transform: they cost twice the memory. */
	dopts.keep16 =
		colour_may_convert(&job->colour, (job->keep & META_ICC) != 0,
				   first_mixing_op(job->spec) < job->spec->n);
	if (job->shrink_on_load && in->scales && job->spec->n > 0)
		dopts.scale_denom =
			pipeline_shrink_denom(info.w, info.h, &b->resolved[0]);
	image_meta_release(&w->meta);
	streamed = stream_first(job, in, &info, b, &first);
	c_enter(io);
	rc = decode(job, in, &dopts, streamed ? &first : NULL, src, w, err);
	c_leave(io);
	mark(w, res, PIPE_DECODE);
	if (rc == 0) {
		c_enter(io);
		rc = transform(job, w, info.orientation, streamed, out, res,
			       err);
		c_leave(io);
	}
	mark(w, res, PIPE_OPS);
	if (rc != 0)
		return rc;
	res->w_out = b->a.w;
	res->h_out = b->a.h;
	res->meta = output_meta(job, in, out, &b->a, &w->meta, err);
	membuf_reset(&w->out);
	c_enter(io);
	rc = out->encode(&b->a, &w->meta, &job->enc, &w->out, &w->hook, err);
	c_leave(io);
	mark(w, res, PIPE_ENCODE);
	return rc;
}

/* Fill res's status, error and end from rc and err (every task's end). */
static int
conclude(const struct worker *w, struct task_result *res, int rc,
	 struct imgpipe_error *err)
{
	/* On success err holds the decoder's warning, if any. */
	if (rc == 0)
		util_fmt(res->error, sizeof(res->error), "%s", err->msg);
	res->end_s = util_now_s() - w->t0;
	res->status = rc;
	if (rc != 0) {
		if (rc == IMGPIPE_ECANCEL && err->msg[0] == '\0')
			util_fmt(err->msg, sizeof(err->msg), "interrupted");
		/*
		 * Robustness: copy the string only, not the whole array: the
		 * bytes after err.msg's NUL are uninitialised, and procs sends
		 * res through a pipe (valgrind flags it).  res is zeroed at
		 * the start.
		 */
		util_fmt(res->error, sizeof(res->error), "%s", err->msg);
		res->w_out = res->h_out = 0;
		res->meta = 0;
	}
	return rc;
}

int
pipeline_fetch(const struct job *job, const struct task *t, struct worker *w,
	       struct task_result *res)
{
	const struct pipeline_io *io = w->io ? w->io : &posix_io;
	struct imgpipe_error err;
	struct http_info info = { 0 };
	int rc;

	memset(res, 0, sizeof(*res));
	error_clear(&err);
	res->worker = w->id;
	res->cpu = -1;
	res->start_s = util_now_s() - w->t0;
	if (t->url != NULL) {
		rc = io->fetch != NULL ? io->fetch(io->ctx, &job->http, t->url,
						   &w->in, &info, &err)
				       : http_fetch(&job->http, t->url, &w->in,
						    &info, &err);
		res->http_status = info.status;
		res->dl_s = info.seconds;
		res->dl_bytes = info.bytes;
	} else {
		rc = io->read_file(io->ctx, t->in_path, &w->in, &err);
	}
	mark(w, res, PIPE_READ);
	if (rc != 0)
		return conclude(w, res, rc, &err);
	return 0;
}

int
pipeline_finish(const struct job *job, const struct task *t,
		const struct membuf *in, struct worker *c,
		struct task_result *res)
{
	const struct pipeline_io *io = c->io ? c->io : &posix_io;
	struct imgpipe_error err;
	double cpu0;
	int rc;

	error_clear(&err);
	c->hook.pending = 0;
	res->compute_start_s = util_now_s() - c->t0;
	cpu0 = util_thread_cpu_s();
	rc = compute(job, t, in, c, res, &err);
	res->cpu_s = util_thread_cpu_s() - cpu0;
	/* Where it computed: the report's check that --pin took hold. */
	res->cpu = pin_cpu_now();
	image_meta_release(&c->meta);
	if (rc == 0) {
		rc = io->write_file(io->ctx, t->out_path, &c->out, &err);
		mark(c, res, PIPE_WRITE);
		res->bytes_out = rc == 0 ? c->out.len : 0;
	}
	return conclude(c, res, rc, &err);
}

int
pipeline_run(const struct job *job, const struct task *t, struct worker *w,
	     struct task_result *res)
{
	int rc = pipeline_fetch(job, t, w, res);

	return rc != 0 ? rc : pipeline_finish(job, t, &w->in, w, res);
}

/* --dry-run's bytes: the file, or the URL's first HTTP_PLAN_BYTES (part). */
static int
plan_read(const struct job *job, const struct task *t, int part,
	  struct membuf *buf, struct task_result *res,
	  struct imgpipe_error *err)
{
	struct http_opts o = job->http;
	struct http_info hi = { 0 };
	int rc;

	if (t->url == NULL)
		return fileio_read(t->in_path, buf, err);
	o.head_only = part;
	rc = http_fetch(&o, t->url, buf, &hi, err);
	res->http_status = hi.status;
	res->dl_s += hi.seconds;
	res->dl_bytes += hi.bytes;
	return rc;
}

int
pipeline_plan(const struct job *job, const struct task *t,
	      struct task_result *res)
{
	struct imgpipe_error err;
	struct op_resolved *resolved;
	const struct codec *in;
	struct image_info info;
	struct membuf buf;
	size_t last;
	int rc, part;

	memset(res, 0, sizeof(*res));
	error_clear(&err);
	membuf_init(&buf);
	resolved = xcalloc(job->spec->n + 1, sizeof(*resolved));
	/*
	 * A URL's first HTTP_PLAN_BYTES, then, when its header lies beyond
	 * them (a HEIC whose boxes point past them, which libheif refuses),
	 * the whole body.
	 */
	for (part = 1;; part = 0) {
		rc = plan_read(job, t, part, &buf, res, &err);
		in = rc == 0 ? codec_sniff(buf.data, buf.len) : NULL;
		if (rc == 0 && in == NULL)
			rc = error_set(&err, IMGPIPE_EFORMAT,
				       CODEC_NOT_AN_IMAGE);
		if (rc == 0)
			rc = plan(job, in, &buf, &info, resolved, &err);
		if (rc == 0 || !part || t->url == NULL ||
		    buf.len < HTTP_PLAN_BYTES)
			break;
		error_clear(&err);
	}
	if (rc == 0) {
		res->w_in = info.w;
		res->h_in = info.h;
		last = job->spec->n;
		res->w_out = last ? resolved[last - 1].out_w
				  : (info.orientation >= 5 ? info.h : info.w);
		res->h_out = last ? resolved[last - 1].out_h
				  : (info.orientation >= 5 ? info.w : info.h);
	}
	res->status = rc;
	if (rc != 0)
		memcpy(res->error, err.msg, sizeof(res->error));
	free(resolved);
	membuf_release(&buf);
	return rc;
}
