/*
 * The bodies of the libFuzzer targets, shared with tests/test_regress.c so
 * that every crash the fuzzers found is replayed by the normal test suite
 * through exactly the code the fuzzer ran.
 */
#ifndef IMGPIPE_FUZZ_HARNESS_H
#define IMGPIPE_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "error.h"
#include "exif.h"
#include "hook.h"
#include "image.h"
#include "metafix.h"
#include "ops.h"
#include "pipeline.h"
#include "spec.h"
#include "topology.h"

/* Rows after which the cancelling hook stops a decode. */
struct fuzz_cancel {
	int rows_left;
};

static int
fuzz_cancel_hook(void *ctx)
{
	struct fuzz_cancel *c = ctx;

	c->rows_left -= 8;
	return c->rows_left <= 0 ? IMGPIPE_ECANCEL : 0;
}

/*
 * Probe, then decode with a shrink factor, a --max-pixels value, a
 * --fail-on level and (sometimes) a hook that cancels part-way, as the
 * executors do.  The last
 * byte picks the options: a seed stays a valid image (decoders ignore what
 * follows the end marker) while mutations reach every option.
 */
static int
fuzz_decode(const struct codec *codec, const uint8_t *data, size_t size)
{
	static const uint64_t limits[4] = { 1u << 22, 1u << 16, 4096, 64 };
	struct decode_opts opts;
	struct image_info info;
	struct image_meta meta;
	struct imgpipe_error err;
	struct fuzz_cancel cancel;
	struct hook hook = { 0 };
	struct image im;
	unsigned opt = size > 0 ? data[size - 1] : 0;
	int rc;

	error_clear(&err);
	(void)codec->sniff(data, size);
	(void)codec->probe(data, size, &info, &err);
	opts.scale_denom = 1 << (opt & 3);
	opts.max_pixels = limits[(opt >> 2) & 3];
	/* Shares its bits with the cancel point: both still take every value.
	 */
	opts.fail_on = (enum fail_on)((int)((opt >> 5) & 3) - 1);
	/* 16-bit PNG samples kept: shares the lowest bit with the scale. */
	opts.keep16 = (int)(opt & 1);
	if (opt & 0x10) {
		cancel.rows_left = (int)(opt >> 5) * 8;
		hook.fn = fuzz_cancel_hook;
		hook.ctx = &cancel;
		hook.every_rows = 8;
	}
	image_init(&im);
	error_clear(&err);
	rc = codec->decode(data, size, &opts, &im, &meta, &hook, &err);
	if (rc == 0)
		image_meta_release(&meta);
	else if (err.msg[0] == '\0' && rc != IMGPIPE_ECANCEL)
		abort(); /* every failure must say why */
	image_release(&im);
	return 0;
}

/* The fix-ups the last byte asks for (a seed stays a valid block). */
static void
fuzz_meta_fix(struct meta_fix *fix, const uint8_t *data, size_t size)
{
	static const int sizes[4] = { 0, 1, 65535, 70000 };
	unsigned opt = size > 0 ? data[size - 1] : 0;

	fix->reset_orientation = opt & 1;
	fix->strip_gps = (opt >> 1) & 1;
	fix->width = sizes[(opt >> 2) & 3];
	fix->height = sizes[(opt >> 4) & 3];
}

/*
 * A rewrite's failure says why and leaves no output; its output is a
 * block the rewrite accepts again, of no more than the limit.
 */
static void
fuzz_exif_rewrite(const uint8_t *tiff, size_t size, const struct meta_fix *fix)
{
	struct imgpipe_error err;
	unsigned char *out, *again;
	size_t len, alen;

	error_clear(&err);
	if (exif_rewrite(tiff, size, fix, &out, &len, &err) != 0) {
		if (out != NULL || strncmp(err.msg, "EXIF dropped: ", 14) != 0)
			abort();
		return;
	}
	/* No tag left: no block at all. */
	if ((out == NULL) != (len == 0) || len > META_EXIF_MAX)
		abort();
	if (out == NULL)
		return;
	error_clear(&err);
	if (exif_rewrite(out, len, fix, &again, &alen, &err) != 0)
		abort();
	free(again);
	free(out);
}

/*
 * EXIF as a JPEG APP1 payload or a bare PNG eXIf (TIFF) payload: the
 * Orientation read, then the rewrite of the TIFF structure (they share
 * libexif's loading setup).
 */
static int
fuzz_exif(const uint8_t *data, size_t size)
{
	struct meta_fix fix;
	int o = exif_orientation(data, size);

	if (o < 1 || o > 8)
		abort(); /* the contract: always a valid orientation */
	fuzz_meta_fix(&fix, data, size);
	if (size >= 6 && memcmp(data, "Exif\0\0", 6) == 0)
		fuzz_exif_rewrite(data + 6, size - 6, &fix);
	else
		fuzz_exif_rewrite(data, size, &fix);
	return 0;
}

/*
 * The XMP patch: a failure says why; what it writes is a packet it
 * accepts again and leaves as it is (every edit is already made).
 */
static int
fuzz_xmp(const uint8_t *data, size_t size)
{
	struct imgpipe_error err;
	struct meta_fix fix;
	unsigned char *out, *again;
	size_t len, alen;

	fuzz_meta_fix(&fix, data, size);
	error_clear(&err);
	if (xmp_patch(data, size, &fix, &out, &len, &err) != 0) {
		if (out != NULL || strncmp(err.msg, "XMP dropped: ", 13) != 0)
			abort();
		return 0;
	}
	if (out == NULL)
		abort();
	if (xmp_patch(out, len, &fix, &again, &alen, &err) != 0 ||
	    alen != len || memcmp(again, out, len) != 0)
		abort();
	free(again);
	free(out);
	return 0;
}

/* The IPTC filter: as the XMP patch, its output is a fixed point. */
static int
fuzz_iptc(const uint8_t *data, size_t size)
{
	struct imgpipe_error err;
	unsigned char *out, *again;
	size_t len, alen;

	error_clear(&err);
	if (iptc_filter(data, size, &out, &len, &err) != 0) {
		if (out != NULL || strncmp(err.msg, "IPTC dropped: ", 14) != 0)
			abort();
		return 0;
	}
	if ((out == NULL) != (len == 0))
		abort();
	if (out == NULL)
		return 0;
	if (iptc_filter(out, len, &again, &alen, &err) != 0 || alen != len ||
	    memcmp(again, out, len) != 0)
		abort();
	free(again);
	free(out);
	return 0;
}

/*
 * The spec parser, then the resolution of the parsed ops against an image
 * size taken from the first bytes (where user numbers meet arithmetic).
 */
static int
fuzz_spec(const uint8_t *data, size_t size)
{
	struct imgpipe_error err;
	struct op_resolved *res;
	struct spec spec;
	char *text;
	int w = 1, h = 1;

	if (size >= 4) {
		w = 1 + (data[0] | data[1] << 8);
		h = 1 + (data[2] | data[3] << 8);
	}
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	error_clear(&err);
	if (spec_parse(text, &spec, &err) == 0) {
		res = calloc(spec.n + 1, sizeof(*res));
		if (res != NULL)
			(void)ops_resolve(&spec, w, h, 1u << 26, res, &err);
		free(res);
		spec_release(&spec);
	} else if (err.msg[0] == '\0') {
		abort();
	}
	free(text);
	return 0;
}

/*
 * The CPU list parser (--cpus, and the kernel's sysfs lists): a list it
 * accepts holds flags 0 or 1 only and formats to a list that parses back
 * to the same set; one it refuses says why.  The first byte picks the
 * largest CPU number allowed, so "CPU N is not below max" is reached.
 */
static int
fuzz_cpulist(const uint8_t *data, size_t size)
{
	static unsigned char set[TOPO_MAX_CPUS], back[TOPO_MAX_CPUS];
	static char list[TOPO_MAX_CPUS * 5];
	char err[128] = "", *text;
	int max = TOPO_MAX_CPUS;

	if (size > 0) {
		max = 1 + data[0] * (TOPO_MAX_CPUS - 1) / 255;
		data++;
		size--;
	}
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (cpulist_parse(text, set, max, err, sizeof(err)) == 0) {
		for (int i = 0; i < max; i++)
			if (set[i] > 1)
				abort();
		cpulist_format(set, max, list, sizeof(list));
		if (cpulist_parse(list, back, max, NULL, 0) != 0 ||
		    memcmp(set, back, (size_t)max) != 0)
			abort();
	} else if (err[0] == '\0') {
		abort();
	}
	free(text);
	return 0;
}

#define FUZZ_NPIPES 4

struct fuzz_input {
	const uint8_t *data;
	size_t size;
};

static int
fuzz_mem_read(void *ctx, const char *path, struct membuf *out,
	      struct imgpipe_error *err)
{
	const struct fuzz_input *in = ctx;

	(void)path;
	membuf_reset(out);
	if (membuf_append(out, in->data, in->size) != 0)
		return error_set(err, IMGPIPE_ENOMEM, "out of memory");
	return 0;
}

/* Nothing is written; an encoder that claims success must give bytes. */
static int
fuzz_mem_write(void *ctx, const char *path, const struct membuf *data,
	       struct imgpipe_error *err)
{
	(void)ctx;
	(void)path;
	(void)err;
	if (data->len == 0)
		abort();
	return 0;
}

/* The job for option byte opt; specs[] are parsed once. */
static void
fuzz_job(struct job *job, unsigned opt)
{
	static const char *const pipes[FUZZ_NPIPES] = {
		"",
		"resize=48x48,sharpen=0.6",
		"resize=40x30:fill:bilinear,rotate=90,grayscale,contrast=20",
		"crop=24x24+3+5,blur=1.5,edges,flop",
	};
	static struct spec specs[FUZZ_NPIPES];
	static int ready;
	struct imgpipe_error err;
	int i;

	if (!ready) {
		for (i = 0; i < FUZZ_NPIPES; i++)
			if (spec_parse(pipes[i], &specs[i], &err) != 0)
				abort();
		ready = 1;
	}
	memset(job, 0, sizeof(*job));
	job->spec = &specs[opt & 3];
	job->enc.quality = 75;
	job->enc.progressive = (opt >> 2) & 1;
	job->enc.png_level = 1;
	job->auto_orient = 1;
	/* Every block read is fixed up and written, as by default. */
	job->keep = META_ALL;
	job->colour.intent = COLOUR_INTENT_RELATIVE;
	job->shrink_on_load = !((opt >> 3) & 1);
	job->max_pixels = (opt >> 4) & 1 ? 4096 : 1u << 18;
}

/*
 * A whole task as pipeline_run does it (sniff, probe, shrink-on-load,
 * decode, orient, a fixed pipeline, flatten, encode) with file I/O in
 * memory.  The last byte picks pipeline, output format and --max-pixels.
 */
static int
fuzz_task(const uint8_t *data, size_t size)
{
	unsigned opt = size > 0 ? data[size - 1] : 0;
	struct fuzz_input in = { data, size };
	struct pipeline_io io = { .read_file = fuzz_mem_read,
				  .write_file = fuzz_mem_write,
				  .ctx = &in };
	const struct codec *c = codec_sniff(data, size);
	struct task_result res;
	struct task t = { 0 };
	struct job job;
	struct worker w;

	fuzz_job(&job, opt);
	t.in_path = t.out_path = t.rel_in = t.rel_out = "fuzz";
	t.in_codec = c != NULL ? c->id : CODEC_JPEG;
	/* -f same's codec: HEIC, which imgpipe does not write, gives JPEG. */
	t.out_codec = (opt >> 5) & 1 ? codec_output_for(t.in_codec)
				     : (t.in_codec == CODEC_JPEG ? CODEC_PNG
								 : CODEC_JPEG);
	t.in_bytes = size;
	worker_init(&w, 0, 0.0);
	w.io = &io;
	if (pipeline_run(&job, &t, &w, &res) != 0 && res.error[0] == '\0')
		abort();
	worker_release(&w);
	return 0;
}

/*
 * WebP: as fuzz_decode, then what decodes at full size is encoded (lossy
 * or lossless, picked by the last byte) with its metadata and decoded
 * again: the encoder must take any image the decoder gives, keep its
 * size, and lossless must keep every sample.
 */
static int
fuzz_webp(const uint8_t *data, size_t size)
{
	struct decode_opts opts = { 1, 1u << 16, FAIL_ON_NONE, 0 };
	struct encode_opts eo = ENCODE_OPTS_DEFAULT;
	unsigned opt = size > 0 ? data[size - 1] : 0;
	struct image_meta meta, meta2;
	struct imgpipe_error err;
	struct image im, im2;
	struct membuf out;
	int y;

	fuzz_decode(&codec_webp, data, size);
	if (codec_webp.encode == NULL)
		return 0;
	image_init(&im);
	image_init(&im2);
	membuf_init(&out);
	error_clear(&err);
	if (codec_webp.decode(data, size, &opts, &im, &meta, NULL, &err) != 0)
		goto out;
	eo.lossless = (int)(opt >> 7);
	eo.effort = (int)(opt % 3);
	if (codec_webp.encode(&im, &meta, &eo, &out, NULL, &err) != 0)
		abort();
	if (codec_webp.decode(out.data, out.len, &opts, &im2, &meta2, NULL,
			      &err) != 0 ||
	    im2.w != im.w || im2.h != im.h)
		abort();
	for (y = 0; eo.lossless && im2.channels == im.channels && y < im.h; y++)
		if (memcmp(image_row(&im, y), image_row(&im2, y),
			   image_row_bytes(&im)) != 0)
			abort();
	image_meta_release(&meta2);
	image_meta_release(&meta);
out:
	membuf_release(&out);
	image_release(&im2);
	image_release(&im);
	return 0;
}

#endif
