/*
 * The task list, on folder trees made here: walk order, what is skipped
 * or failed, output names, recursion, the output folder inside the input,
 * shards, --files-from and --skip-existing; and --urls lists, whose names
 * alone decide their outputs (nothing is downloaded).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "codec.h"
#include "error.h"
#include "urlname.h"
#include "util.h"

#include "helpers.h"

struct fixture {
	char root[64];
	char in[96], out[128];
	struct batch_opts o;
	struct batch b;
};

static const unsigned char jpeg_magic[] = { 0xff, 0xd8, 0xff, 0xe0, 0, 16 };
static const unsigned char png_magic[] = { 0x89, 'P',  'N', 'G', '\r', '\n',
					   0x1a, '\n', 0,   0,	 0,    13 };

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->root, sizeof(f->root), "/tmp/imgpipe-batch-XXXXXX");
	if (mkdtemp(f->root) == NULL)
		return -1;
	snprintf(f->in, sizeof(f->in), "%s/in", f->root);
	snprintf(f->out, sizeof(f->out), "%s/out", f->root);
	if (mkdir(f->in, 0777) != 0)
		return -1;
	f->o.in_dir = f->in;
	f->o.out_dir = f->out;
	f->o.format = OUT_SAME;
	f->o.create_dirs = 1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	batch_release(&f->b);
	if (test_remove_tree(f->root) != 0)
		return -1;
	free(f);
	return 0;
}

/* Write root/rel (making its folders): 'j' JPEG, 'p' PNG, 't' text, 'z' empty.
 */
static void
put(const char *root, const char *rel, char kind)
{
	char path[256], *slash;
	FILE *fp;

	mkdir(root, 0777);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash != NULL;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0777);
		*slash = '/';
	}
	fp = fopen(path, "wb");
	assert_non_null(fp);
	if (kind == 'j')
		fwrite(jpeg_magic, 1, sizeof(jpeg_magic), fp);
	else if (kind == 'p')
		fwrite(png_magic, 1, sizeof(png_magic), fp);
	else if (kind == 't')
		fputs("just some text, not an image\n", fp);
	assert_int_equal(fclose(fp), 0);
}

static void
build_ok(struct fixture *f)
{
	struct imgpipe_error err;
	int rc;

	batch_release(&f->b);
	error_clear(&err);
	rc = batch_build(&f->o, &f->b, &err);
	if (rc != 0)
		fail_msg("batch_build: %s", err.msg);
}

static const struct batch_failure *
find_failure(const struct batch *b, const char *rel)
{
	size_t i;

	for (i = 0; i < b->nfailed; i++)
		if (strcmp(b->failed[i].rel_in, rel) == 0)
			return &b->failed[i];
	fail_msg("no failure for '%s'", rel);
	return NULL;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void
test_batch_walk_order_and_skipping(void **state)
{
	static const char *const order[] = { ".hidden.png", "C.JPG", "a.png",
					     "b.jpg", "photo" };
	struct fixture *f = *state;
	size_t i;

	put(f->in, "b.jpg", 'j');
	put(f->in, "a.png", 'p');
	put(f->in, "C.JPG", 'j');
	put(f->in, "photo", 'j');
	put(f->in, ".hidden.png", 'p');
	put(f->in, "notes.txt", 't');
	put(f->in, "empty.jpg", 'z');
	put(f->in, "fake.png", 't');
	put(f->in, ".b.jpg.imgpipe-123.tmp", 'j');
	put(f->in, "sub/d.jpg", 'j');
	build_ok(f);

	assert_int_equal(f->b.n, 5);
	for (i = 0; i < f->b.n; i++)
		assert_string_equal(f->b.tasks[i].rel_in, order[i]);
	assert_int_equal(f->b.tasks[0].in_codec, CODEC_PNG);
	assert_int_equal(f->b.tasks[1].in_codec, CODEC_JPEG);
	assert_int_equal(f->b.tasks[1].in_bytes, sizeof(jpeg_magic));
	assert_string_equal(f->b.tasks[1].rel_out, "C.JPG");
	assert_string_equal(f->b.tasks[4].rel_out, "photo.jpg");
	assert_int_equal(f->b.tasks[4].out_codec, CODEC_JPEG);
	assert_non_null(strstr(f->b.tasks[3].in_path, "/in/b.jpg"));
	assert_non_null(strstr(f->b.tasks[3].out_path, "/out/b.jpg"));
	assert_int_equal(f->b.skipped_other, 1);
	assert_int_equal(f->b.nfailed, 2);
	assert_string_equal(f->b.failed[0].rel_in, "empty.jpg");
	assert_string_equal(f->b.failed[0].error, "empty file");
	assert_string_equal(f->b.failed[1].rel_in, "fake.png");
	assert_string_equal(f->b.failed[1].error, CODEC_NOT_AN_IMAGE);
	assert_true(is_dir(f->out));
}

static void
test_batch_output_names(void **state)
{
	static const struct {
		const char *in;
		enum codec_id out;
		const char *want;
	} cases[] = {
		{ "a.jpg", CODEC_JPEG, "a.jpg" },
		{ "a.JPEG", CODEC_JPEG, "a.JPEG" },
		{ "a.jpe", CODEC_JPEG, "a.jpe" },
		{ "a.png", CODEC_JPEG, "a.jpg" },
		{ "a.jpg", CODEC_PNG, "a.png" },
		{ "x.tar.PNG", CODEC_PNG, "x.tar.PNG" },
		{ "noext", CODEC_PNG, "noext.png" },
		{ "dir.v2/a", CODEC_PNG, "dir.v2/a.png" },
		{ "sub/a.b.jpg", CODEC_PNG, "sub/a.b.png" },
		{ ".hidden", CODEC_JPEG, ".hidden.jpg" },
		{ "IMG_0001.HEIC", CODEC_JPEG, "IMG_0001.jpg" },
		{ "a.jpg", CODEC_WEBP, "a.webp" },
		{ "a.WebP", CODEC_WEBP, "a.WebP" },
		{ "a.heic", CODEC_AVIF, "a.avif" },
		{ "a.avif", CODEC_AVIF, "a.avif" },
	};
	size_t i;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = batch_output_name(cases[i].in, cases[i].out);
		assert_string_equal(s, cases[i].want);
		free(s);
	}
	/* -f same: each input's own format, but HEIC (never written) JPEG. */
	assert_int_equal(pipeline_out_codec(OUT_SAME, CODEC_HEIC), CODEC_JPEG);
	assert_int_equal(pipeline_out_codec(OUT_SAME, CODEC_PNG), CODEC_PNG);
	assert_int_equal(pipeline_out_codec(OUT_WEBP, CODEC_HEIC), CODEC_WEBP);
	assert_int_equal(pipeline_out_codec(OUT_AVIF, CODEC_JPEG), CODEC_AVIF);
	if (codec_get(CODEC_AVIF)->encode != NULL)
		assert_int_equal(pipeline_out_codec(OUT_SAME, CODEC_AVIF),
				 CODEC_AVIF);
	else
		assert_int_equal(pipeline_out_codec(OUT_SAME, CODEC_AVIF),
				 CODEC_JPEG);
}

static void
test_batch_format_png_maps_extensions(void **state)
{
	struct fixture *f = *state;

	put(f->in, "a.jpg", 'j');
	put(f->in, "b.png", 'p');
	f->o.format = OUT_PNG;
	build_ok(f);
	assert_int_equal(f->b.n, 2);
	assert_string_equal(f->b.tasks[0].rel_out, "a.png");
	assert_int_equal(f->b.tasks[0].in_codec, CODEC_JPEG);
	assert_int_equal(f->b.tasks[0].out_codec, CODEC_PNG);
	assert_string_equal(f->b.tasks[1].rel_out, "b.png");
}

static void
test_batch_collision_fails_second(void **state)
{
	struct fixture *f = *state;

	put(f->in, "a.jpg", 'j');
	put(f->in, "a.png", 'p');
	put(f->in, "b.png", 'p');
	f->o.format = OUT_JPEG;
	build_ok(f);
	assert_int_equal(f->b.n, 2);
	assert_string_equal(f->b.tasks[0].rel_in, "a.jpg");
	assert_string_equal(f->b.tasks[1].rel_in, "b.png");
	assert_string_equal(f->b.tasks[1].rel_out, "b.jpg");
	assert_int_equal(f->b.nfailed, 1);
	assert_string_equal(f->b.failed[0].rel_in, "a.png");
	assert_string_equal(f->b.failed[0].rel_out, "a.jpg");
	assert_non_null(strstr(f->b.failed[0].error, "would overwrite"));
	assert_non_null(strstr(f->b.failed[0].error, "'a.jpg'"));
}

static void
test_batch_recursive_excludes_output_inside_input(void **state)
{
	struct fixture *f = *state;
	char sub[160];

	put(f->in, "a.jpg", 'j');
	put(f->in, "sub/d.jpg", 'j');
	put(f->in, "sub/deeper/e.png", 'p');
	put(f->in, "thumbs/old.jpg", 'j'); /* earlier outputs */
	snprintf(f->out, sizeof(f->out), "%s/thumbs", f->in);
	f->o.recursive = 1;
	build_ok(f);
	assert_int_equal(f->b.n, 3);
	assert_string_equal(f->b.tasks[0].rel_in, "a.jpg");
	assert_string_equal(f->b.tasks[1].rel_in, "sub/d.jpg");
	assert_string_equal(f->b.tasks[2].rel_in, "sub/deeper/e.png");
	assert_string_equal(f->b.tasks[2].rel_out, "sub/deeper/e.png");
	snprintf(sub, sizeof(sub), "%s/sub/deeper", f->out);
	assert_true(is_dir(sub));

	/* Without -r the sub-folders are not entered at all. */
	f->o.recursive = 0;
	build_ok(f);
	assert_int_equal(f->b.n, 1);
}

static void
test_batch_output_equal_to_input_refused(void **state)
{
	struct fixture *f = *state;
	struct imgpipe_error err;
	char same[128];

	put(f->in, "a.jpg", 'j');
	snprintf(same, sizeof(same), "%s/./", f->in);
	f->o.out_dir = same;
	error_clear(&err);
	assert_int_not_equal(batch_build(&f->o, &f->b, &err), 0);
	assert_non_null(strstr(err.msg, "output folder is the input folder"));
	assert_int_equal(f->b.n, 0);
}

static void
test_batch_missing_input_is_setup_error(void **state)
{
	struct fixture *f = *state;
	struct imgpipe_error err;
	char missing[128];

	snprintf(missing, sizeof(missing), "%s/nope", f->root);
	f->o.in_dir = missing;
	error_clear(&err);
	assert_int_equal(batch_build(&f->o, &f->b, &err), IMGPIPE_EIO);
	assert_non_null(strstr(err.msg, "nope"));
}

static void
test_batch_shards_disjoint_and_complete(void **state)
{
	struct fixture *f = *state;
	char name[32], **all;
	int seen[23] = { 0 };
	size_t i, total = 0;
	int k, idx;

	for (i = 0; i < 23; i++) {
		snprintf(name, sizeof(name), "img%02zu.jpg", i);
		put(f->in, name, 'j');
	}
	build_ok(f);
	assert_int_equal(f->b.n, 23);
	all = calloc(23, sizeof(*all));
	for (i = 0; i < 23; i++)
		all[i] = strdup(f->b.tasks[i].rel_in);
	f->o.shard_n = 4;
	for (k = 1; k <= 4; k++) {
		f->o.shard_k = k;
		build_ok(f);
		total += f->b.n;
		for (i = 0; i < f->b.n; i++) {
			assert_int_equal(
				sscanf(f->b.tasks[i].rel_in, "img%d.jpg", &idx),
				1);
			assert_string_equal(all[idx], f->b.tasks[i].rel_in);
			assert_int_equal(idx % 4, k - 1);
			seen[idx]++;
			if (i > 0)
				assert_true(strcmp(f->b.tasks[i - 1].rel_in,
						   f->b.tasks[i].rel_in) < 0);
		}
	}
	assert_int_equal(total, 23);
	for (i = 0; i < 23; i++) {
		assert_int_equal(seen[i], 1);
		free(all[i]);
	}
	free(all);
}

/* Write len bytes of list to root/list.txt and point the options at it. */
static void
write_list(struct fixture *f, const char *list, size_t len, char *path,
	   size_t n)
{
	FILE *fp;

	snprintf(path, n, "%s/list.txt", f->root);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(list, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	f->o.files_from = path;
}

static void
check_listed(const struct fixture *f)
{
	assert_int_equal(f->b.n, 3);
	assert_string_equal(f->b.tasks[0].rel_in, "a.png");
	assert_string_equal(f->b.tasks[1].rel_in, "b.jpg");
	assert_string_equal(f->b.tasks[2].rel_in, "sub/d.jpg");
	assert_int_equal(f->b.nfailed, 2);
	assert_string_equal(find_failure(&f->b, "../x.jpg")->error,
			    "path is outside the input folder");
	assert_string_equal(find_failure(&f->b, "missing.jpg")->error,
			    "no such file");
}

static void
test_batch_files_from_newlines(void **state)
{
	static const char list[] = "b.jpg\n./a.png\n\nmissing.jpg\n"
				   "sub/d.jpg\r\n../x.jpg\nb.jpg\n";
	struct fixture *f = *state;
	char path[128];

	put(f->in, "a.png", 'p');
	put(f->in, "b.jpg", 'j');
	put(f->in, "c.jpg", 'j'); /* not listed */
	put(f->in, "sub/d.jpg", 'j');
	write_list(f, list, sizeof(list) - 1, path, sizeof(path));
	build_ok(f);
	check_listed(f);
}

static void
test_batch_files_from_nul_separated(void **state)
{
	static const char list[] = "b.jpg\0./a.png\0\0missing.jpg\0"
				   "sub/d.jpg\0../x.jpg";
	struct fixture *f = *state;
	char path[128];

	put(f->in, "a.png", 'p');
	put(f->in, "b.jpg", 'j');
	put(f->in, "c.jpg", 'j');
	put(f->in, "sub/d.jpg", 'j');
	write_list(f, list, sizeof(list) - 1, path, sizeof(path));
	f->o.null_sep = 1;
	build_ok(f);
	check_listed(f);
}

/* Set path's modification time to t seconds since the epoch. */
static void
set_mtime(const char *root, const char *rel, time_t t)
{
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void
test_batch_skip_existing(void **state)
{
	struct fixture *f = *state;

	put(f->in, "a.jpg", 'j');
	put(f->in, "b.jpg", 'j');
	put(f->in, "c.jpg", 'j');
	put(f->out, "a.jpg", 'j'); /* newer than its input: done */
	put(f->out, "b.jpg", 'j'); /* older: redo */
	put(f->out, "c.jpg", 'j'); /* same time: not newer, redo */
	set_mtime(f->in, "a.jpg", 1000000);
	set_mtime(f->out, "a.jpg", 2000000);
	set_mtime(f->in, "b.jpg", 2000000);
	set_mtime(f->out, "b.jpg", 1000000);
	set_mtime(f->in, "c.jpg", 1500000);
	set_mtime(f->out, "c.jpg", 1500000);
	f->o.skip_existing = 1;
	build_ok(f);
	assert_int_equal(f->b.n, 2);
	assert_string_equal(f->b.tasks[0].rel_in, "b.jpg");
	assert_string_equal(f->b.tasks[1].rel_in, "c.jpg");
	assert_int_equal(f->b.skipped_existing, 1);

	f->o.skip_existing = 0;
	build_ok(f);
	assert_int_equal(f->b.n, 3);
	assert_int_equal(f->b.skipped_existing, 0);
}

static void
test_batch_dry_run_creates_nothing(void **state)
{
	struct fixture *f = *state;

	put(f->in, "sub/a.jpg", 'j');
	f->o.create_dirs = 0;
	f->o.recursive = 1;
	build_ok(f);
	assert_int_equal(f->b.n, 1);
	assert_false(is_dir(f->out));
}

/* Append s to the C string buf of n bytes. */
static void
append(char *buf, size_t n, const char *s)
{
	size_t len = strlen(buf);

	assert_true(len + strlen(s) < n);
	memcpy(buf + len, s, strlen(s) + 1);
}

/* Write list (a C string) to root/urls.txt and point the options at it. */
static void
write_urls(struct fixture *f, const char *list)
{
	static char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/urls.txt", f->root);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fputs(list, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	f->o.urls = path;
}

static const struct task *
find_task(const struct batch *b, const char *rel_in)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->tasks[i].rel_in, rel_in) == 0)
			return &b->tasks[i];
	fail_msg("no task for '%s'", rel_in);
	return NULL;
}

/* What -f same writes for an input of format id, by this build's codecs. */
static const char *
same_ext(enum codec_id id, const char *ext)
{
	return pipeline_out_codec(OUT_SAME, id) == id ? ext : "jpg";
}

/* Output names of one host's URLs, and every refusal, in one list. */
static void
test_batch_url_names(void **state)
{
	static const struct {
		const char *url, *out; /* out NULL: refused with why */
		const char *why;
	} cases[] = {
		{ "http://h/a/b/c.jpg", "a/b/c.jpg", NULL },
		{ "https://h/a%20b%2Bc.png", "a b+c.png", NULL },
		{ "http://h/dir/", "dir/index.jpg", NULL },
		{ "http://h/", "index.jpg", NULL },
		{ "http://h/p.png?x=1/y#frag/z", "p.png", NULL },
		{ "http://h/f.png#only-a-fragment", "f.png", NULL },
		{ "http://h/r.heic", "r.jpg", NULL },
		{ "http://h/s.HEIF", "s.jpg", NULL },
		{ "http://h/t.gif", "t.jpg", NULL },
		{ "http://h/u", "u.jpg", NULL },
		{ "http://h/v.JPEG", "v.JPEG", NULL },
		{ "http://h/%41%62.PnG", "Ab.PnG", NULL },
		{ "HTTP://h/caps.jpg", "caps.jpg", NULL },
		{ "http://user:pw@h/w.jpg", "w.jpg", NULL },
		{ "http://h/.hidden", ".hidden.jpg", NULL },
		{ "http://h/...", "...jpg", NULL },
		{ "http://h/tab\there.jpg", NULL, "blank or control" },
		{ "ftp://h/a.jpg", NULL, "not an http(s) URL" },
		{ "h/a.jpg", NULL, "not an http(s) URL" },
		{ "http://h/a//b.jpg", NULL, "empty segment in the URL path" },
		{ "http://h//b.jpg", NULL, "empty segment in the URL path" },
		{ "http://h/./a.jpg", NULL, "'.' or '..' segment" },
		{ "http://h/a/../b.jpg", NULL, "'.' or '..' segment" },
		{ "http://h/..", NULL, "'.' or '..' segment" },
		{ "http://h/%2e%2E/b.jpg", NULL, "'.' or '..' segment" },
		{ "http://h/%2E", NULL, "'.' or '..' segment" },
		{ "http://h/a%2fb.jpg", NULL, "%2F inside a URL path segment" },
		{ "http://h/a%00.jpg", NULL, "NUL byte in the URL path" },
		{ "http://h/a%zz.jpg", NULL, "bad %-escape" },
		{ "http://h/a%4.jpg", NULL, "bad %-escape" },
		{ "http://h/a%4", NULL, "bad %-escape" },
		{ "http://h/a%", NULL, "bad %-escape" },
		{ "http:///a.jpg", NULL, "no host in the URL" },
		{ "http://:80/a.jpg", NULL, "no host in the URL" },
		{ "http://h:0/a.jpg", NULL, "bad port in the URL" },
		{ "http://h:65536/a.jpg", NULL, "bad port in the URL" },
		{ "http://h:8x/a.jpg", NULL, "bad port in the URL" },
		{ "http://../a.jpg", NULL, "bad host in the URL" },
		{ "http://h%2f/a.jpg", NULL, "bad host in the URL" },
		{ "http://[::1/a.jpg", NULL, "bad host in the URL" },
	};
	const struct task *t;
	char list[4096] = "", want[256];
	size_t i, nout = 0;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		append(list, sizeof(list), cases[i].url);
		append(list, sizeof(list), "\n");
		nout += cases[i].out != NULL;
	}
	write_urls(*state, list);
	build_ok(*state);
	{
		struct fixture *f = *state;

		assert_int_equal(f->b.n, nout);
		assert_int_equal(f->b.nfailed, ARRAY_SIZE(cases) - nout);
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			if (cases[i].out == NULL) {
				if (strstr(find_failure(&f->b, cases[i].url)
						   ->error,
					   cases[i].why) == NULL)
					fail_msg("%s: \"%s\"", cases[i].url,
						 find_failure(&f->b,
							      cases[i].url)
							 ->error);
				continue;
			}
			t = find_task(&f->b, cases[i].url);
			assert_string_equal(t->rel_out, cases[i].out);
			assert_string_equal(t->url, cases[i].url);
			assert_null(t->in_path);
			assert_true(t->in_bytes == 0);
			snprintf(want, sizeof(want), "%s/%s", f->out,
				 cases[i].out);
			assert_string_equal(t->out_path, want);
		}
	}
}

/* -f same decides the format from the extension, before the download. */
static void
test_batch_url_same_format(void **state)
{
	struct fixture *f = *state;
	char want[32];

	write_urls(f, "http://h/a.webp\nhttp://h/b.avif\nhttp://h/c.png\n"
		      "http://h/d.jpeg\nhttp://h/e.heic\nhttp://h/f.bmp\n");
	build_ok(f);
	assert_int_equal(f->b.n, 6);
	snprintf(want, sizeof(want), "a.%s", same_ext(CODEC_WEBP, "webp"));
	assert_string_equal(find_task(&f->b, "http://h/a.webp")->rel_out, want);
	snprintf(want, sizeof(want), "b.%s", same_ext(CODEC_AVIF, "avif"));
	assert_string_equal(find_task(&f->b, "http://h/b.avif")->rel_out, want);
	assert_int_equal(find_task(&f->b, "http://h/c.png")->out_codec,
			 CODEC_PNG);
	assert_int_equal(find_task(&f->b, "http://h/d.jpeg")->out_codec,
			 CODEC_JPEG);
	assert_int_equal(find_task(&f->b, "http://h/e.heic")->out_codec,
			 CODEC_JPEG);
	assert_string_equal(find_task(&f->b, "http://h/f.bmp")->rel_out,
			    "f.jpg");
	assert_int_equal(urlname_codec("x/y.JPG"), CODEC_JPEG);
	assert_int_equal(urlname_codec("x.png/y"), CODEC_JPEG);
	assert_int_equal(urlname_codec("y.Heif"), CODEC_HEIC);

	/* -f png: every output is PNG, whatever the URL says. */
	f->o.format = OUT_PNG;
	build_ok(f);
	assert_string_equal(find_task(&f->b, "http://h/d.jpeg")->rel_out,
			    "d.png");
	assert_string_equal(find_task(&f->b, "http://h/c.png")->rel_out,
			    "c.png");
}

/* More than one host:port: each output under its host folder. */
static void
test_batch_url_host_folders(void **state)
{
	static const char list[] = "http://A.Example/x.jpg\n"
				   "http://a.example:8080/x.jpg\n"
				   "https://b.example/y/z.png\n"
				   "http://[::1]:9/i.jpg\n"
				   "http://h/..\n";
	struct fixture *f = *state;
	char path[256];

	write_urls(f, list);
	build_ok(f);
	assert_int_equal(f->b.n, 4);
	assert_string_equal(find_task(&f->b, "http://A.Example/x.jpg")->rel_out,
			    "a.example/x.jpg");
	assert_string_equal(
		find_task(&f->b, "http://a.example:8080/x.jpg")->rel_out,
		"a.example_8080/x.jpg");
	assert_string_equal(
		find_task(&f->b, "https://b.example/y/z.png")->rel_out,
		"b.example/y/z.png");
	assert_string_equal(find_task(&f->b, "http://[::1]:9/i.jpg")->rel_out,
			    "::1_9/i.jpg");
	/* Output folders are made up front, as for files. */
	snprintf(path, sizeof(path), "%s/b.example/y", f->out);
	assert_true(is_dir(path));

	/* One host: no host folder. */
	write_urls(f, "http://a.example/x.jpg\nhttp://A.EXAMPLE/y/z.jpg\n");
	build_ok(f);
	assert_string_equal(f->b.tasks[0].rel_out, "y/z.jpg");
	assert_string_equal(f->b.tasks[1].rel_out, "x.jpg");
}

/* Comments, blanks, CR LF, repeats; sorted by strcmp; a missing list. */
static void
test_batch_url_list_lines(void **state)
{
	struct fixture *f = *state;
	struct imgpipe_error err;

	write_urls(f, "# photos\n\n  http://h/b.jpg\r\n\t\r\n"
		      "http://h/a.jpg  \nhttp://h/B.jpg\n   # indented\n"
		      "http://h/b.jpg\nhttp://h/c d.jpg\nhttp://h/last.jpg");
	build_ok(f);
	assert_int_equal(f->b.n, 4);
	assert_string_equal(f->b.tasks[0].rel_in, "http://h/B.jpg");
	assert_string_equal(f->b.tasks[1].rel_in, "http://h/a.jpg");
	assert_string_equal(f->b.tasks[2].rel_in, "http://h/b.jpg");
	assert_string_equal(f->b.tasks[3].rel_in, "http://h/last.jpg");
	/* A blank inside cannot be in a URL: the server would refuse it. */
	assert_int_equal(f->b.nfailed, 1);
	assert_string_equal(f->b.failed[0].rel_in, "http://h/c d.jpg");
	assert_non_null(strstr(f->b.failed[0].error, "blank or control"));

	f->o.urls = "/nonexistent/urls.txt";
	batch_release(&f->b);
	error_clear(&err);
	assert_int_equal(batch_build(&f->o, &f->b, &err), IMGPIPE_EIO);
	assert_non_null(strstr(err.msg, "cannot open --urls"));
	assert_int_equal(f->b.n + f->b.nfailed, 0);
}

/* Query strings and "/" vs "" map to one output: the first keeps it. */
static void
test_batch_url_collisions(void **state)
{
	struct fixture *f = *state;

	write_urls(f, "http://h/a.jpg?v=2\nhttp://h/a.jpg\nhttp://h/\n"
		      "http://h\nhttp://h/a.png\n");
	f->o.format = OUT_JPEG;
	build_ok(f);
	assert_int_equal(f->b.n, 2);
	assert_string_equal(f->b.tasks[0].rel_in, "http://h");
	assert_string_equal(f->b.tasks[0].rel_out, "index.jpg");
	assert_string_equal(f->b.tasks[1].rel_in, "http://h/a.jpg");
	assert_int_equal(f->b.nfailed, 3);
	assert_string_equal(find_failure(&f->b, "http://h/")->error,
			    "output 'index.jpg' would overwrite the output of "
			    "'http://h'");
	assert_non_null(find_failure(&f->b, "http://h/a.jpg?v=2"));
	assert_non_null(find_failure(&f->b, "http://h/a.png"));
}

/* Shards of a URL list are disjoint, complete, and named alike. */
static void
test_batch_url_shards(void **state)
{
	struct fixture *f = *state;
	char list[2048] = "", line[64];
	int seen[23] = { 0 };
	size_t i, total = 0;
	int k, idx;

	/* Two hosts, but only the last URL names the second. */
	for (i = 0; i < 22; i++) {
		snprintf(line, sizeof(line), "http://h/img%02zu.jpg\n", i);
		append(list, sizeof(list), line);
	}
	append(list, sizeof(list), "http://zz/img22.jpg\n");
	write_urls(f, list);
	f->o.shard_n = 4;
	for (k = 1; k <= 4; k++) {
		f->o.shard_k = k;
		build_ok(f);
		total += f->b.n;
		for (i = 0; i < f->b.n; i++) {
			assert_int_equal(sscanf(f->b.tasks[i].rel_out,
						"%*[hz]/img%d.jpg", &idx),
					 1);
			assert_int_equal(idx % 4, k - 1);
			seen[idx]++;
		}
	}
	assert_int_equal(total, 23);
	for (i = 0; i < 23; i++)
		assert_int_equal(seen[i], 1);
}

/* A URL has no mtime: an existing output, however old, counts as done. */
static void
test_batch_url_skip_existing(void **state)
{
	struct fixture *f = *state;

	put(f->out, "a.jpg", 'j');
	set_mtime(f->out, "a.jpg", 1);
	mkdir(f->out, 0777);
	write_urls(f, "http://h/a.jpg\nhttp://h/b.jpg\n");
	f->o.skip_existing = 1;
	build_ok(f);
	assert_int_equal(f->b.n, 1);
	assert_string_equal(f->b.tasks[0].rel_in, "http://h/b.jpg");
	assert_int_equal(f->b.skipped_existing, 1);
	f->o.skip_existing = 0;
	build_ok(f);
	assert_int_equal(f->b.n, 2);
}

/* urlname_parse on its own: the fields, and u zeroed on refusal. */
static void
test_batch_urlname_parse(void **state)
{
	struct imgpipe_error err;
	struct urlname u;

	(void)state;
	assert_int_equal(urlname_parse("https://x:pw@Host.Example:443/a/"
				       "%C3%A9.jpg?q",
				       &u, NULL),
			 0);
	assert_string_equal(u.host, "host.example_443");
	assert_string_equal(u.path, "a/\xc3\xa9.jpg");
	urlname_release(&u);
	assert_int_equal(urlname_parse("http://h:/a", &u, NULL), 0);
	assert_string_equal(u.host, "h");
	urlname_release(&u);
	error_clear(&err);
	assert_int_equal(urlname_parse("http://h/%2e", &u, &err),
			 IMGPIPE_ESPEC);
	assert_null(u.host);
	assert_null(u.path);
	assert_non_null(strstr(err.msg, "'.' or '..'"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_batch_walk_order_and_skipping, setup, teardown),
		cmocka_unit_test(test_batch_output_names),
		cmocka_unit_test_setup_teardown(
			test_batch_format_png_maps_extensions, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_batch_collision_fails_second, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_batch_recursive_excludes_output_inside_input,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_batch_output_equal_to_input_refused, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_batch_missing_input_is_setup_error, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_batch_shards_disjoint_and_complete, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_batch_files_from_newlines,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_batch_files_from_nul_separated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_skip_existing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_batch_dry_run_creates_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_url_names, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch_url_same_format,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_url_host_folders,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_url_list_lines,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_url_collisions,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_url_shards, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch_url_skip_existing,
						setup, teardown),
		cmocka_unit_test(test_batch_urlname_parse),
	};

	return cmocka_run_group_tests_name("batch", tests, NULL, NULL);
}
