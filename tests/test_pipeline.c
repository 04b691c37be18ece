/*
 * The pipeline end to end on files made here: orientation, shrink-on-load
 * quality, atomic outputs and cancellation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "error.h"
#include "fileio.h"
#include "image.h"
#include "membuf.h"
#include "pipeline.h"
#include "spec.h"

#include "helpers.h"

struct fixture {
	char dir[64];
	struct worker w;
	struct spec spec;
	struct job job;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/imgpipe-test-XXXXXX");
	if (f == NULL || mkdtemp(f->dir) == NULL)
		return -1;
	worker_init(&f->w, 0, 0.0);
	test_job_init(&f->job, &f->spec, 90);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (test_remove_tree(f->dir) != 0)
		return -1;
	worker_release(&f->w);
	spec_release(&f->spec);
	free(f);
	return 0;
}

static void
path_in(const struct fixture *f, const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", f->dir, name);
}

static int
count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* An asymmetric test picture: every pixel different, so any wrong turn shows. */
static void
make_upright(struct image *im, int w, int h)
{
	int x, y;

	assert_int_equal(image_alloc(im, w, h, 3, PIXFMT_U8, 0, NULL), 0);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			unsigned char *p = image_row(im, y) + 3 * x;

			p[0] = (unsigned char)(x * 20);
			p[1] = (unsigned char)(y * 30);
			p[2] = (unsigned char)(x * 7 + y * 11);
		}
}

/*
 * The stored picture that a viewer honouring orientation o turns into u
 * (EXIF 2.32, Orientation tag): S(a, b) = U(map(a, b)).
 */
static void
make_stored(const struct image *u, int o, struct image *s)
{
	int W = u->w, H = u->h, sw = o >= 5 ? H : W, sh = o >= 5 ? W : H;
	int a, b, x = 0, y = 0;

	assert_int_equal(image_alloc(s, sw, sh, 3, PIXFMT_U8, 0, NULL), 0);
	for (b = 0; b < sh; b++)
		for (a = 0; a < sw; a++) {
			switch (o) {
			case 1: x = a; y = b; break;
			case 2: x = W - 1 - a; y = b; break;
			case 3: x = W - 1 - a; y = H - 1 - b; break;
			case 4: x = a; y = H - 1 - b; break;
			case 5: x = b; y = a; break;
			case 6: x = W - 1 - b; y = a; break;
			case 7: x = W - 1 - b; y = H - 1 - a; break;
			case 8: x = b; y = H - 1 - a; break;
			}
			memcpy(image_row(s, b) + 3 * a, image_row(u, y) + 3 * x, 3);
		}
}

/* A little-endian TIFF header with one IFD entry: Orientation = o. */
static size_t
exif_tiff(int o, unsigned char *buf)
{
	static const unsigned char t[26] = {
		'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0,
		0x12, 0x01, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
	};

	memcpy(buf, t, sizeof(t));
	buf[18] = (unsigned char)o;
	return sizeof(t);
}

static uint32_t
crc32_png(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return c ^ 0xffffffffu;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Encode im as PNG with an eXIf chunk after IHDR, and write it to path. */
static void
write_png_oriented(const struct image *im, int o, const char *path)
{
	struct encode_opts eo = { .quality = 90, .progressive = 0,
				.png_level = 6, .effort = -1 };
	struct image_meta meta;
	unsigned char chunk[64], tiff[32];
	struct membuf png, out;
	size_t tl = exif_tiff(o, tiff);

	image_meta_init(&meta);
	membuf_init(&png);
	membuf_init(&out);
	assert_int_equal(codec_png.encode(im, &meta, &eo, &png, NULL, NULL), 0);
	put32(chunk, (uint32_t)tl);
	memcpy(chunk + 4, "eXIf", 4);
	memcpy(chunk + 8, tiff, tl);
	put32(chunk + 8 + tl, crc32_png(chunk + 4, 4 + tl));
	assert_int_equal(membuf_append(&out, png.data, 33), 0);
	assert_int_equal(membuf_append(&out, chunk, 12 + tl), 0);
	assert_int_equal(membuf_append(&out, png.data + 33, png.len - 33), 0);
	assert_int_equal(fileio_write_atomic(path, out.data, out.len, NULL), 0);
	membuf_release(&png);
	membuf_release(&out);
}

static void
decode_file(const char *path, struct image *im)
{
	struct decode_opts d = { 1, 0, FAIL_ON_TRUNCATED, 0 };
	struct image_meta meta;
	const struct codec *c;
	struct membuf buf;

	membuf_init(&buf);
	image_meta_init(&meta);
	assert_int_equal(fileio_read(path, &buf, NULL), 0);
	c = codec_sniff(buf.data, buf.len);
	assert_non_null(c);
	assert_int_equal(c->decode(buf.data, buf.len, &d, im, &meta, NULL,
				   NULL), 0);
	image_meta_release(&meta);
	membuf_release(&buf);
}

static void
run_task(struct fixture *f, const char *in, const char *out,
	 enum codec_id ic, enum codec_id oc, struct task_result *res)
{
	char ip[256], op[256];
	struct task t;

	path_in(f, in, ip, sizeof(ip));
	path_in(f, out, op, sizeof(op));
	memset(&t, 0, sizeof(t));
	t.in_path = ip;
	t.out_path = op;
	t.rel_in = in;
	t.rel_out = out;
	t.in_codec = ic;
	t.out_codec = oc;
	pipeline_run(&f->job, &t, &f->w, res);
}

static void
assert_same_pixels(const struct image *a, const struct image *b)
{
	int y;

	assert_int_equal(a->w, b->w);
	assert_int_equal(a->h, b->h);
	assert_int_equal(a->channels, b->channels);
	for (y = 0; y < a->h; y++)
		assert_memory_equal(image_row(a, y), image_row(b, y),
				    image_row_bytes(a));
}

static void
test_pipeline_orientation_all_eight_upright(void **state)
{
	struct fixture *f = *state;
	struct image up, st, got;
	struct task_result res;
	char name[32], out[32], path[256];
	int o;

	image_init(&up);
	image_init(&st);
	image_init(&got);
	make_upright(&up, 7, 4);
	for (o = 1; o <= 8; o++) {
		make_stored(&up, o, &st);
		snprintf(name, sizeof(name), "o%d.png", o);
		snprintf(out, sizeof(out), "o%d-out.png", o);
		path_in(f, name, path, sizeof(path));
		write_png_oriented(&st, o, path);
		run_task(f, name, out, CODEC_PNG, CODEC_PNG, &res);
		assert_int_equal(res.status, 0);
		assert_int_equal(res.w_out, 7);
		assert_int_equal(res.h_out, 4);
		path_in(f, out, path, sizeof(path));
		decode_file(path, &got);
		assert_same_pixels(&got, &up);
	}
	/* Without auto-orient the stored pixels come out as stored. */
	f->job.auto_orient = 0;
	run_task(f, "o6.png", "o6-raw.png", CODEC_PNG, CODEC_PNG, &res);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.w_out, 4);
	assert_int_equal(res.h_out, 7);
	image_release(&up);
	image_release(&st);
	image_release(&got);
}

static int
max_diff(const struct image *a, const struct image *b)
{
	size_t i, n = image_row_bytes(a);
	int y, d, m = 0;

	for (y = 0; y < a->h; y++)
		for (i = 0; i < n; i++) {
			d = abs(image_row(a, y)[i] - image_row(b, y)[i]);
			m = d > m ? d : m;
		}
	return m;
}

/*
 * A leading resize runs before the turn, on the stored pixels: the result
 * must still be the upright picture, equal to the plain path's but for
 * the rounding of the two passes taken in the other order.
 */
static void
test_pipeline_resize_before_orientation(void **state)
{
	struct fixture *f = *state;
	struct image up, st, ref, got;
	struct task_result res;
	char name[32], out[32], path[256];
	int o, x, y, c;

	image_init(&up);
	image_init(&st);
	image_init(&ref);
	image_init(&got);
	assert_int_equal(image_alloc(&up, 48, 30, 3, PIXFMT_U8, 0, NULL), 0);
	for (y = 0; y < 30; y++)
		for (x = 0; x < 48; x++)
			for (c = 0; c < 3; c++)
				image_row(&up, y)[3 * x + c] = (unsigned char)(
					x * 4 + y * (c + 1) + (x > 24) * 30);
	assert_int_equal(spec_parse("resize=24x24", &f->spec, NULL), 0);
	for (o = 1; o <= 8; o++) {
		make_stored(&up, o, &st);
		snprintf(name, sizeof(name), "r%d.png", o);
		snprintf(out, sizeof(out), "r%d-out.png", o);
		path_in(f, name, path, sizeof(path));
		write_png_oriented(&st, o, path);
		run_task(f, name, out, CODEC_PNG, CODEC_PNG, &res);
		assert_int_equal(res.status, 0);
		assert_int_equal(res.w_out, 24);
		assert_int_equal(res.h_out, 15);
		path_in(f, out, path, sizeof(path));
		decode_file(path, o == 1 ? &ref : &got);
		if (o > 1)
			assert_true(max_diff(&ref, &got) <= 2);
	}
	image_release(&up);
	image_release(&st);
	image_release(&ref);
	image_release(&got);
}

static void
test_pipeline_shrink_denom_rule(void **state)
{
	static const struct {
		int w, h, tw, th, denom;
	} cases[] = {
		{ 4000, 3000, 800, 600, 2 },	/* 1/4 = 1000 < 1600 */
		{ 6400, 4800, 800, 600, 4 },	/* 1/4 = 1600: just allowed */
		{ 6399, 4800, 800, 600, 4 },	/* ceil(6399/4) = 1600 */
		{ 6396, 4800, 800, 600, 2 },	/* 6396 / 4 = 1599 */
		{ 12800, 9600, 800, 600, 8 },
		{ 1000, 1000, 800, 800, 1 },
		{ 1600, 1600, 800, 800, 1 },	/* 1/2 = 800 < 1600 */
		{ 3199, 3200, 800, 800, 2 },	/* ceil(3199/2) = 1600 */
		{ 3197, 3200, 800, 800, 1 },	/* ceil(3197/2) = 1599 */
	};
	struct op op = { .kind = OP_RESIZE };
	struct op_resolved r;
	size_t i;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.op = &op;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r.scaled_w = cases[i].tw;
		r.scaled_h = cases[i].th;
		assert_int_equal(pipeline_shrink_denom(cases[i].w, cases[i].h,
						       &r), cases[i].denom);
	}
	op.kind = OP_BLUR;
	assert_int_equal(pipeline_shrink_denom(6400, 4800, &r), 1);
	assert_int_equal(pipeline_shrink_denom(6400, 4800, NULL), 1);
}

/* The largest JPEG among the samples: a real photograph. */
static int
find_sample(char *buf, size_t n)
{
	DIR *d = opendir("../samples");
	struct dirent *e;
	struct stat st;
	off_t best = 0;
	char p[512];

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if (l < 4 || strcmp(e->d_name + l - 4, ".jpg") != 0)
			continue;
		snprintf(p, sizeof(p), "../samples/%s", e->d_name);
		if (stat(p, &st) == 0 && st.st_size > best) {
			best = st.st_size;
			snprintf(buf, n, "%s", p);
		}
	}
	closedir(d);
	return best > 0 ? 0 : -1;
}

static void
test_pipeline_shrink_on_load_psnr(void **state)
{
	struct fixture *f = *state;
	struct task_result full, shrunk;
	struct image a, b;
	char sample[512], path[256], cmd[1024];

	assert_int_equal(find_sample(sample, sizeof(sample)), 0);
	path_in(f, "photo.jpg", path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", sample, path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(spec_parse("resize=400x400", &f->spec, NULL), 0);
	f->job.shrink_on_load = 0;
	run_task(f, "photo.jpg", "full.png", CODEC_JPEG, CODEC_PNG, &full);
	f->job.shrink_on_load = 1;
	run_task(f, "photo.jpg", "shrunk.png", CODEC_JPEG, CODEC_PNG, &shrunk);
	assert_int_equal(full.status, 0);
	assert_int_equal(shrunk.status, 0);
	assert_int_equal(full.w_out, shrunk.w_out);
	assert_int_equal(full.h_out, shrunk.h_out);
	image_init(&a);
	image_init(&b);
	path_in(f, "full.png", path, sizeof(path));
	decode_file(path, &a);
	path_in(f, "shrunk.png", path, sizeof(path));
	decode_file(path, &b);
	assert_int_equal(a.w, b.w);
	print_message("shrink-on-load PSNR %.1f dB on %s (%dx%d)\n",
		      test_psnr(&a, &b), sample, full.w_in, full.h_in);
	assert_true(test_psnr(&a, &b) >= 45.0);
	/* The two paths really differ: shrink-on-load was taken. */
	assert_true(test_psnr(&a, &b) < 99.0);
	image_release(&a);
	image_release(&b);
}

static void
test_pipeline_bad_input_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	unsigned char junk[100];
	struct task_result res;
	char path[256];
	int before;

	memset(junk, 0, sizeof(junk));
	junk[0] = 0xff, junk[1] = 0xd8, junk[2] = 0xff;
	path_in(f, "bad.jpg", path, sizeof(path));
	assert_int_equal(fileio_write_atomic(path, junk, sizeof(junk), NULL), 0);
	before = count_files(f->dir);
	run_task(f, "bad.jpg", "bad-out.jpg", CODEC_JPEG, CODEC_JPEG, &res);
	assert_true(res.status < 0);
	assert_true(res.error[0] != '\0');
	assert_int_equal(count_files(f->dir), before);

	/* An output folder that does not exist: a clean failure, nothing made. */
	run_task(f, "bad.jpg", "nodir/x.jpg", CODEC_JPEG, CODEC_JPEG, &res);
	assert_true(res.status < 0);
	assert_int_equal(count_files(f->dir), before);
}

static int
cancel_at_once(void *ctx)
{
	(void)ctx;
	return IMGPIPE_ECANCEL;
}

static void
test_pipeline_cancel_writes_nothing(void **state)
{
	struct fixture *f = *state;
	struct task_result res;
	struct image up;
	char path[256];
	int before;

	image_init(&up);
	make_upright(&up, 64, 64);
	path_in(f, "c.png", path, sizeof(path));
	write_png_oriented(&up, 1, path);
	before = count_files(f->dir);
	f->w.hook.fn = cancel_at_once;
	f->w.hook.every_rows = 1;
	run_task(f, "c.png", "c-out.png", CODEC_PNG, CODEC_PNG, &res);
	f->w.hook.fn = NULL;
	assert_int_equal(res.status, IMGPIPE_ECANCEL);
	assert_int_equal(count_files(f->dir), before);
	image_release(&up);
}

static void
test_pipeline_plan_matches_run(void **state)
{
	struct fixture *f = *state;
	struct task_result planned, ran;
	struct image up, st;
	char ip[256], op[256];
	struct task t;

	image_init(&up);
	image_init(&st);
	make_upright(&up, 90, 40);
	make_stored(&up, 6, &st);
	path_in(f, "p.png", ip, sizeof(ip));
	write_png_oriented(&st, 6, ip);
	assert_int_equal(spec_parse("resize=50x50,crop=30x15+5+5,rotate=90",
				    &f->spec, NULL), 0);
	path_in(f, "p-out.png", op, sizeof(op));
	memset(&t, 0, sizeof(t));
	t.in_path = ip;
	t.out_path = op;
	t.in_codec = t.out_codec = CODEC_PNG;
	assert_int_equal(pipeline_plan(&f->job, &t, &planned), 0);
	assert_int_equal(access(op, F_OK), -1);
	assert_int_equal(pipeline_run(&f->job, &t, &f->w, &ran), 0);
	assert_int_equal(planned.w_out, ran.w_out);
	assert_int_equal(planned.h_out, ran.h_out);
	/* 90x40 upright -> fit 50x22 -> crop 30x15 -> rotate: 15x30. */
	assert_int_equal(ran.w_out, 15);
	assert_int_equal(ran.h_out, 30);
	image_release(&up);
	image_release(&st);
}

/*
 * A 90x40 PNG named name in the fixture's folder, f->spec a shrink and
 * sharpen, and *t a task from it (out_path left to the caller).
 */
static void
small_png_task(struct fixture *f, const char *name, char *ip, size_t n,
	       struct task *t)
{
	struct image up;

	image_init(&up);
	make_upright(&up, 90, 40);
	path_in(f, name, ip, n);
	write_png_oriented(&up, 1, ip);
	image_release(&up);
	assert_int_equal(spec_parse("resize=45x20,sharpen=0.5", &f->spec,
				    NULL), 0);
	memset(t, 0, sizeof(*t));
	t->in_path = ip;
	t->in_codec = t->out_codec = CODEC_PNG;
}

static void
assert_same_file(const char *a, const char *b)
{
	struct membuf x, y;
	struct imgpipe_error err;

	membuf_init(&x);
	membuf_init(&y);
	assert_int_equal(fileio_read(a, &x, &err), 0);
	assert_int_equal(fileio_read(b, &y, &err), 0);
	assert_int_equal(x.len, y.len);
	assert_memory_equal(x.data, y.data, x.len);
	membuf_release(&x);
	membuf_release(&y);
}

/*
 * A worker lent another's buffers computes on them: its output is the
 * same, its own pixel buffers stay empty, and the owner's hold the image.
 */
static void
test_pipeline_shared_bufs(void **state)
{
	struct fixture *f = *state;
	struct task_result r1, r2;
	struct worker b;
	char ip[256], o1[256], o2[256];
	struct task t;

	small_png_task(f, "s.png", ip, sizeof(ip), &t);
	worker_init(&b, 1, 0.0);
	worker_share_bufs(&b, &f->w);
	path_in(f, "s1.png", o1, sizeof(o1));
	t.out_path = o1;
	assert_int_equal(pipeline_run(&f->job, &t, &f->w, &r1), 0);
	path_in(f, "s2.png", o2, sizeof(o2));
	t.out_path = o2;
	assert_int_equal(pipeline_run(&f->job, &t, &b, &r2), 0);
	assert_null(b.own.a.data);
	assert_null(b.own.b.data);
	assert_null(b.own.resolved);
	assert_non_null(f->w.own.a.data);
	assert_int_equal(f->w.own.a.w, 45);
	assert_same_file(o1, o2);
	worker_release(&b);
}

/*
 * A retired worker holds no buffers, and runs an image again (a slot a
 * later thread takes) with the same bytes out.
 */
static void
test_pipeline_retire(void **state)
{
	struct fixture *f = *state;
	struct task_result r;
	char ip[256], o1[256], o2[256];
	struct task t;

	small_png_task(f, "r.png", ip, sizeof(ip), &t);
	path_in(f, "r1.png", o1, sizeof(o1));
	t.out_path = o1;
	assert_int_equal(pipeline_run(&f->job, &t, &f->w, &r), 0);
	assert_non_null(f->w.own.a.data);
	assert_non_null(f->w.in.data);
	worker_retire(&f->w);
	assert_null(f->w.own.a.data);
	assert_null(f->w.own.b.data);
	assert_null(f->w.in.data);
	assert_null(f->w.out.data);
	path_in(f, "r2.png", o2, sizeof(o2));
	t.out_path = o2;
	assert_int_equal(pipeline_run(&f->job, &t, &f->w, &r), 0);
	assert_same_file(o1, o2);
	worker_retire(&f->w);
	worker_retire(&f->w);
}

static void
test_pipeline_tmp_path_beside_target(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(fileio_tmp_path("out/sub/a.jpg", 42, buf,
					 sizeof(buf)), 0);
	assert_string_equal(buf, "out/sub/.a.jpg.imgpipe-42.tmp");
	assert_int_equal(fileio_tmp_path("a.png", 7, buf, sizeof(buf)), 0);
	assert_string_equal(buf, ".a.png.imgpipe-7.tmp");
	assert_int_equal(fileio_tmp_path("a.png", 7, buf, 8), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_pipeline_orientation_all_eight_upright, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_pipeline_resize_before_orientation, setup, teardown),
		cmocka_unit_test(test_pipeline_shrink_denom_rule),
		cmocka_unit_test_setup_teardown(
			test_pipeline_shrink_on_load_psnr, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_pipeline_bad_input_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_pipeline_cancel_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipeline_plan_matches_run,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipeline_shared_bufs,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipeline_retire, setup,
						teardown),
		cmocka_unit_test(test_pipeline_tmp_path_beside_target),
	};

	return cmocka_run_group_tests_name("pipeline", tests, NULL, NULL);
}
