/*
 * Robustness regressions: every file in data/regress/ (inputs that once
 * crashed, hung or leaked, named TARGET-*, where TARGET is a fuzz target)
 * is replayed through the same code as its libFuzzer target, and crafted
 * hostile inputs check the decoders' resource limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "fuzz/harness.h"
#include "membuf.h"

#define REGRESS_DIR "data/regress"

static void
put(struct membuf *b, const void *p, size_t n)
{
	assert_int_equal(membuf_append(b, p, n), 0);
}

/* A marker segment: FF m, 16-bit length, payload. */
static void
segment(struct membuf *b, int m, const unsigned char *p, size_t n)
{
	unsigned char h[4] = { 0xff, (unsigned char)m,
			       (unsigned char)((n + 2) >> 8),
			       (unsigned char)(n + 2) };

	put(b, h, sizeof(h));
	put(b, p, n);
}

/* One scan of the 8x8 grey image: its header and one byte of data. */
static void
scan(struct membuf *b, int ss, int se, int ah, int al)
{
	unsigned char sos[6] = { 1,
				 1,
				 0x00,
				 (unsigned char)ss,
				 (unsigned char)se,
				 (unsigned char)(ah << 4 | al) };
	/* Code '0' is EOB (AC) or a zero difference (DC); pad with ones. */
	unsigned char data = 0x7f;

	segment(b, 0xda, sos, sizeof(sos));
	put(b, &data, 1);
}

/*
 * A valid progressive 8x8 grey JPEG whose AC bands 1..bands are each sent
 * as a first scan at Al = 13 and 13 refinement scans: 1 + 14 * bands scans
 * of a few bytes each (883 for 63 bands).  The one-code Huffman tables keep
 * every scan to a single byte of data.
 */
static void
many_scans_jpeg(struct membuf *b, int bands)
{
	static const unsigned char soi[2] = { 0xff, 0xd8 };
	static const unsigned char eoi[2] = { 0xff, 0xd9 };
	static const unsigned char sof[9] = { 8, 0, 8, 0, 8, 1, 1, 0x11, 0 };
	unsigned char dqt[65], dht[18];
	int k, a;

	put(b, soi, sizeof(soi));
	memset(dqt, 1, sizeof(dqt));
	dqt[0] = 0;
	segment(b, 0xdb, dqt, sizeof(dqt));
	segment(b, 0xc2, sof, sizeof(sof));
	memset(dht, 0, sizeof(dht));
	dht[1] = 1; /* one code of length 1, for symbol 0 */
	segment(b, 0xc4, dht, sizeof(dht));
	dht[0] = 0x10;
	segment(b, 0xc4, dht, sizeof(dht));
	scan(b, 0, 0, 0, 0);
	for (k = 1; k <= bands; k++) {
		scan(b, k, k, 0, 13);
		for (a = 13; a > 0; a--)
			scan(b, k, k, a, a - 1);
	}
	put(b, eoi, sizeof(eoi));
}

static int
count_turn(void *ctx)
{
	++*(int *)ctx;
	return 0;
}

/*
 * Decode b with a row hook due every row; *turns counts its calls.  While
 * a progressive file is read it turns once per iMCU row of each scan, one
 * per scan of these 8x8 images, so it counts the scans the decoder read.
 */
static int
decode(const struct membuf *b, int *turns, struct imgpipe_error *err)
{
	struct decode_opts opts = { 1, 1u << 20, FAIL_ON_TRUNCATED, 0 };
	struct hook h = { count_turn, turns, 1, 0 };
	struct image_meta meta;
	struct image im;
	int rc;

	*turns = 0;
	image_init(&im);
	error_clear(err);
	rc = codec_jpeg.decode(b->data, b->len, &opts, &im, &meta, &h, err);
	if (rc == 0)
		image_meta_release(&meta);
	image_release(&im);
	return rc;
}

/* Hook turns per scan read: two files under the limit, 14 scans apart. */
static int
turns_per_scan(void)
{
	struct imgpipe_error err;
	struct membuf b;
	int t35, t34;

	membuf_init(&b);
	many_scans_jpeg(&b, 35);
	assert_int_equal(decode(&b, &t35, &err), 0);
	membuf_reset(&b);
	many_scans_jpeg(&b, 34);
	assert_int_equal(decode(&b, &t34, &err), 0);
	membuf_release(&b);
	assert_true(t35 > t34 && (t35 - t34) % 14 == 0);
	return (t35 - t34) / 14;
}

/*
 * 883 tiny scans: refused by the scan limit, with its message, at once:
 * the decoder stopped reading scans before the file's last one.
 */
static void
test_regress_thousands_of_scans_refused(void **state)
{
	struct imgpipe_error err;
	struct membuf b;
	int turns, per_scan = turns_per_scan();

	(void)state;
	membuf_init(&b);
	many_scans_jpeg(&b, 63);
	assert_true(b.len < 16384);
	assert_int_equal(decode(&b, &turns, &err), IMGPIPE_EFORMAT);
	print_message("scans read before the refusal: %d of 883\n",
		      turns / per_scan);
	assert_true(turns / per_scan < 883);
	assert_non_null(strstr(err.msg, "too many progressive scans"));
	membuf_release(&b);
}

/* The same construction under the limit (491 scans) decodes: the generator
 * is a valid JPEG, so the refusal above is the limit and nothing else. */
static void
test_regress_many_scans_under_limit_decode(void **state)
{
	struct imgpipe_error err;
	struct membuf b;
	int turns;

	(void)state;
	membuf_init(&b);
	many_scans_jpeg(&b, 35);
	assert_int_equal(decode(&b, &turns, &err), 0);
	membuf_release(&b);
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* Replay one file through the fuzz target its name starts with. */
static int
replay(const char *name, const unsigned char *p, size_t n)
{
	if (strncmp(name, "jpeg-", 5) == 0)
		return fuzz_decode(&codec_jpeg, p, n);
	if (strncmp(name, "png-", 4) == 0)
		return fuzz_decode(&codec_png, p, n);
	if (strncmp(name, "webp-", 5) == 0)
		return fuzz_webp(p, n);
	if (strncmp(name, "heif-", 5) == 0)
		return fuzz_decode(&codec_heic, p, n);
	if (strncmp(name, "exif-", 5) == 0)
		return fuzz_exif(p, n);
	if (strncmp(name, "xmp-", 4) == 0)
		return fuzz_xmp(p, n);
	if (strncmp(name, "iptc-", 5) == 0)
		return fuzz_iptc(p, n);
	if (strncmp(name, "spec-", 5) == 0)
		return fuzz_spec(p, n);
	if (strncmp(name, "task-", 5) == 0)
		return fuzz_task(p, n);
	if (strncmp(name, "cpulist-", 8) == 0)
		return fuzz_cpulist(p, n);
	return -1;
}

/* Every regression file runs to the end (a crash fails the whole test). */
static void
test_regress_files_replay(void **state)
{
	char path[512];
	struct dirent *e;
	unsigned char *p;
	size_t n;
	DIR *d;
	int count = 0;

	(void)state;
	d = opendir(REGRESS_DIR);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", REGRESS_DIR, e->d_name);
		p = slurp(path, &n);
		/* Each name must say which target replays it. */
		assert_int_equal(replay(e->d_name, p, n), 0);
		/* And the whole task, whatever the target was. */
		assert_int_equal(fuzz_task(p, n), 0);
		free(p);
		count++;
	}
	closedir(d);
	assert_true(count > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regress_thousands_of_scans_refused),
		cmocka_unit_test(test_regress_many_scans_under_limit_decode),
		cmocka_unit_test(test_regress_files_replay),
	};

	return cmocka_run_group_tests_name("regress", tests, NULL, NULL);
}
