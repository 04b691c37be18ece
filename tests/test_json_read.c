/*
 * The JSON reader: valid documents give the stated tree; every malformed
 * text (bad escapes, lone surrogates, numbers off the grammar or out of
 * range, nesting past the limit, every truncation of a real report) fails
 * with IMGPIPE_EFORMAT and a message that names the byte offset.
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

#include "error.h"
#include "json_read.h"

/* A report as report.c writes it, with a name escaped byte by byte. */
static const char report[] =
	"{\n  \"version\": 1, \"mode\": \"threads\", \"workers\": 2, \"gil\": "
	"false, \"split\": \"images\",\n"
	"  \"wall_s\": 0.412,  \"cpu_user_s\": 0.731, \"cpu_sys_s\": 0.040, "
	"\"peak_rss_kb\": 61220,\n"
	"  \"images\": {\"ok\": 1, \"warning\": 0, \"failed\": 1, "
	"\"skipped\": 0}, \"megapixels_in\": 12.00,\n"
	"  \"loop\": null,\n"
	"  \"files\": [\n"
	"    {\"input\": \"caf\\u00e9/a.jpg\", \"output\": \"a.jpg\", "
	"\"status\": \"ok\", \"error\": null, \"worker\": 0, \"start_s\": "
	"0.0012, \"end_s\": 0.3301, \"width_in\": 4000, \"height_in\": 3000, "
	"\"width_out\": 800, \"height_out\": 600, \"meta\": [\"exif\", "
	"\"icc\"], \"colour\": null, \"url\": null, \"http_status\": null, "
	"\"download_s\": 0.0000, \"download_bytes\": 0, \"cpu_s\": 0.3100},\n"
	"    {\"input\": \"b\\\"\\\\.png\", \"output\": \"b.png\", \"status\": "
	"\"failed\", \"error\": \"truncated: 120 of 480 rows\", \"worker\": "
	"null, \"start_s\": null, \"end_s\": null, \"width_in\": null, "
	"\"height_in\": null, \"width_out\": null, \"height_out\": null, "
	"\"meta\": [], \"colour\": null, \"url\": null, \"http_status\": "
	"null, \"download_s\": 0.0000, \"download_bytes\": 0, \"cpu_s\": "
	"-0.0}\n"
	"  ]\n"
	"}\n";

static struct json_doc *
parse_ok(const char *text, size_t n, unsigned flags)
{
	struct json_doc *doc = NULL;
	char err[200];
	int rc = json_parse_flags(text, n, flags, &doc, err, sizeof(err));

	if (rc != 0)
		fail_msg("'%.*s' was refused: %s", (int)n, text, err);
	assert_non_null(doc);
	return doc;
}

/* text must fail with EFORMAT and a message that starts with want. */
static void
refuse_n(const char *text, size_t n, const char *want)
{
	struct json_doc *doc = (struct json_doc *)1;
	char err[200];
	int rc = json_parse(text, n, &doc, err, sizeof(err));

	if (rc != IMGPIPE_EFORMAT)
		fail_msg("'%.*s' gave %d, not IMGPIPE_EFORMAT", (int)n, text,
			 rc);
	assert_null(doc);
	if (strncmp(err, "offset ", 7) != 0)
		fail_msg("'%.*s': message '%s' names no offset", (int)n, text,
			 err);
	if (want != NULL && strncmp(err, want, strlen(want)) != 0)
		fail_msg("'%.*s': message '%s', want '%s...'", (int)n, text,
			 err, want);
}

static void
refuse(const char *text, const char *want)
{
	refuse_n(text, strlen(text), want);
}

/* The one string value of text ("..." alone). */
static void
string_is(const char *text, unsigned flags, const char *want, size_t len)
{
	struct json_doc *doc = parse_ok(text, strlen(text), flags);
	const struct json_value *v = json_root(doc);

	assert_int_equal(v->type, JSON_STRING);
	assert_int_equal(v->len, len);
	assert_memory_equal(v->string, want, len + 1);
	json_doc_free(doc);
}

static double
number_of(const char *text)
{
	struct json_doc *doc = parse_ok(text, strlen(text), 0);
	const struct json_value *v = json_root(doc);
	double d;

	assert_int_equal(v->type, JSON_NUMBER);
	d = v->number;
	json_doc_free(doc);
	return d;
}

static void
test_report_tree(void **state)
{
	struct json_doc *doc = parse_ok(report, strlen(report), 0);
	const struct json_value *r = json_root(doc), *files, *f, *v;

	(void)state;
	assert_int_equal(r->type, JSON_OBJECT);
	assert_int_equal(r->len, 13);
	assert_int_equal(json_get(r, "version")->number, 1);
	assert_int_equal(json_get(r, "gil")->type, JSON_FALSE);
	assert_int_equal(json_get(r, "loop")->type, JSON_NULL);
	assert_string_equal(json_get(r, "mode")->string, "threads");
	assert_true(json_get(r, "wall_s")->number == 0.412);
	v = json_get(json_get(r, "images"), "failed");
	assert_non_null(v);
	assert_int_equal(v->number, 1);
	assert_null(json_get(r, "absent"));
	assert_null(json_get(json_get(r, "mode"), "x"));
	assert_null(json_get(NULL, "x"));
	files = json_get(r, "files");
	assert_int_equal(files->type, JSON_ARRAY);
	assert_int_equal(files->len, 2);
	f = &files->item[0];
	assert_string_equal(json_get(f, "input")->string, "caf\xc3\xa9/a.jpg");
	assert_int_equal(json_get(f, "meta")->len, 2);
	assert_string_equal(json_get(f, "meta")->item[1].string, "icc");
	assert_int_equal(json_get(f, "width_in")->number, 4000);
	f = &files->item[1];
	assert_string_equal(json_get(f, "input")->string, "b\"\\.png");
	assert_int_equal(json_get(f, "meta")->type, JSON_ARRAY);
	assert_int_equal(json_get(f, "meta")->len, 0);
	assert_true(signbit(json_get(f, "cpu_s")->number));
	json_doc_free(doc);
}

static void
test_small_values(void **state)
{
	static const char *const texts[] = { "true", " false ", "null",
					     "[]",   "{}",	"\t[ ]\r\n",
					     "[[]]", "\"\"",	"[1,[2,{}]]" };
	static const enum json_type types[] = {
		JSON_TRUE,  JSON_FALSE, JSON_NULL,   JSON_ARRAY, JSON_OBJECT,
		JSON_ARRAY, JSON_ARRAY, JSON_STRING, JSON_ARRAY
	};
	struct json_doc *doc;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		doc = parse_ok(texts[i], strlen(texts[i]), 0);
		assert_int_equal(json_root(doc)->type, types[i]);
		json_doc_free(doc);
	}
	doc = parse_ok("[1,[2,{\"k\":[true]}]]", 20, 0);
	assert_int_equal(json_root(doc)->len, 2);
	assert_int_equal(json_root(doc)->item[1].item[1].type, JSON_OBJECT);
	assert_int_equal(
		json_get(&json_root(doc)->item[1].item[1], "k")->item[0].type,
		JSON_TRUE);
	json_doc_free(doc);
}

static void
test_escapes(void **state)
{
	(void)state;
	string_is("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", 0, "\"\\/\b\f\n\r\t", 8);
	string_is("\"\\u0041\\u00e9\\u20AC\"", 0, "A\xc3\xa9\xe2\x82\xac", 6);
	/* U+1F600 as a surrogate pair; U+10FFFF, the last code point. */
	string_is("\"\\ud83d\\ude00\"", 0, "\xf0\x9f\x98\x80", 4);
	string_is("\"\\uDBFF\\uDFFF\"", 0, "\xf4\x8f\xbf\xbf", 4);
	/* \u0000 is a NUL byte inside the string, counted in len. */
	string_is("\"a\\u0000b\"", 0, "a\0b", 3);
	/* Raw UTF-8 passes as it is. */
	string_is("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", 0,
		  "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9);
	/* The bytes form: \u00XX from json_write_string is the byte. */
	string_is("\"\\u00ff\\u0080x\\u00e9\"", JSON_READ_BYTES,
		  "\xff\x80x\xe9", 4);
	string_is("\"\\u0100\\u001f\"", JSON_READ_BYTES, "\xc4\x80\x1f", 3);
	refuse("\"\\x\"", "offset 1: bad escape");
	refuse("\"\\u12g4\"", "offset 5: bad \\u escape");
	refuse("\"\\U0041\"", "offset 1: bad escape");
	refuse("\"a\tb\"", "offset 2: control character");
	refuse("\"a\nb\"", "offset 2: control character");
	refuse("\"\xff\"", "offset 1: invalid UTF-8");
	refuse("\"\xc0\xaf\"", "offset 1: invalid UTF-8");     /* overlong */
	refuse("\"\xed\xa0\x80\"", "offset 1: invalid UTF-8"); /* surrogate */
	refuse("\"\xc3(\"", "offset 1: invalid UTF-8");
}

static void
test_surrogates(void **state)
{
	(void)state;
	refuse("\"\\ud800\"", "offset 1: lone high surrogate");
	refuse("\"x\\ud800y\"", "offset 2: lone high surrogate");
	refuse("\"\\ud800\\u0041\"", "offset 1: lone high surrogate");
	refuse("\"\\ud800\\ud800\"", "offset 1: lone high surrogate");
	refuse("\"\\udc00\"", "offset 1: lone low surrogate");
	refuse("\"\\ude00\\ud83d\"", "offset 1: lone low surrogate");
	refuse("\"\\ud83d\\ude0", "offset 12: unexpected end");
}

static void
test_numbers(void **state)
{
	(void)state;
	assert_true(number_of("0") == 0 && !signbit(number_of("0")));
	assert_true(number_of("-0") == 0 && signbit(number_of("-0")));
	assert_true(number_of("-0.0e0") == 0);
	assert_true(number_of("12") == 12);
	assert_true(number_of("-12.5") == -12.5);
	assert_true(number_of("1.5e3") == 1500);
	assert_true(number_of("1E-2") == 0.01);
	assert_true(number_of("2e+1") == 20);
	assert_true(number_of("1.7976931348623157e308") ==
		    1.7976931348623157e308);
	/* Underflow is a finite number: 0. */
	assert_true(number_of("1e-400") == 0);
	assert_true(number_of(" 7 ") == 7);
	refuse("1e400", "offset 0: number out of range");
	refuse("[1, -1e400]", "offset 4: number out of range");
	refuse("1.8e308", "offset 0: number out of range");
	refuse("01", "offset 1: text after the value");
	refuse("[01]", "offset 2: expected ',' or ']'");
	refuse("1.", "offset 2: unexpected end");
	refuse("1.x", "offset 2: bad number");
	refuse(".5", "offset 0: expected a value");
	refuse("+1", "offset 0: expected a value");
	refuse("-", "offset 1: unexpected end");
	refuse("-a", "offset 1: bad number");
	refuse("1e", "offset 2: unexpected end");
	refuse("1e+", "offset 3: unexpected end");
	refuse("0x10", "offset 1: text after the value");
	refuse("NaN", "offset 0: expected a value");
	refuse("Infinity", "offset 0: expected a value");
	refuse("-Infinity", "offset 1: bad number");
}

/* n arrays inside each other: "[[[...]]]". */
static char *
nested(int n, size_t *len)
{
	char *s = malloc((size_t)n * 2 + 1);
	int i;

	assert_non_null(s);
	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[n + i] = ']';
	}
	s[2 * n] = '\0';
	*len = (size_t)n * 2;
	return s;
}

static void
test_depth(void **state)
{
	struct json_doc *doc;
	const struct json_value *v;
	char *s, msg[64];
	size_t len;
	int i;

	(void)state;
	s = nested(JSON_MAX_DEPTH, &len);
	doc = parse_ok(s, len, 0);
	for (v = json_root(doc), i = 1; v->len == 1; v = &v->item[0])
		i++;
	assert_int_equal(i, JSON_MAX_DEPTH);
	json_doc_free(doc);
	free(s);
	s = nested(JSON_MAX_DEPTH + 1, &len);
	snprintf(msg, sizeof(msg), "offset %d: nested deeper than %d",
		 JSON_MAX_DEPTH, JSON_MAX_DEPTH);
	refuse_n(s, len, msg);
	free(s);
	/* Far deeper: refused at the limit, no deeper recursion. */
	s = nested(100000, &len);
	refuse_n(s, len, msg);
	free(s);
	/* Objects count as arrays do: {"a": then 64 arrays. */
	s = malloc(5 + JSON_MAX_DEPTH + 1);
	assert_non_null(s);
	memcpy(s, "{\"a\":", 5);
	memset(s + 5, '[', JSON_MAX_DEPTH);
	s[5 + JSON_MAX_DEPTH] = '\0';
	snprintf(msg, sizeof(msg), "offset %d: nested deeper than %d",
		 5 + JSON_MAX_DEPTH - 1, JSON_MAX_DEPTH);
	refuse(s, msg);
	free(s);
}

/* Every proper prefix of a report fails cleanly: truncation. */
static void
test_every_truncation(void **state)
{
	size_t n = strlen(report), k;

	(void)state;
	/* The last newline may go: the text is still whole. */
	while (n > 0 && report[n - 1] == '\n')
		n--;
	json_doc_free(parse_ok(report, n, 0));
	for (k = 0; k < n; k++)
		refuse_n(report, k, NULL);
	refuse_n(report, 0, "offset 0: unexpected end (truncated?)");
	refuse_n(report, n - 1, "offset ");
	refuse("{\"a\": tr", "offset 8: unexpected end (truncated?)");
	refuse("{\"a\": \"\xe2\x82", "offset 9: unexpected end (truncated?)");
}

static void
test_malformed(void **state)
{
	static const char nul[] = "{\"a\": 1}\0";
	static const char nul_in[] = "\"a\0b\"";

	(void)state;
	refuse("", "offset 0: unexpected end");
	refuse("   ", "offset 3: unexpected end");
	refuse("{\"a\" 1}", "offset 5: expected ':', not '1'");
	refuse("{\"a\": 1,}", "offset 8: expected a member name, not '}'");
	refuse("{a: 1}", "offset 1: expected a member name");
	refuse("[1 2]", "offset 3: expected ',' or ']', not '2'");
	refuse("[1,]", "offset 3: expected a value, not ']'");
	refuse("{\"a\": 1} x", "offset 9: text after the value");
	refuse("{} {}", "offset 3: text after the value");
	refuse("tru", "offset 3: unexpected end");
	refuse("truE", "offset 0: expected a value");
	refuse("nul1", "offset 0: expected a value");
	refuse("[\xef\xbb\xbf]", "offset 1: expected a value, not byte 0xef");
	refuse_n(nul, sizeof(nul) - 1, "offset 8: NUL byte");
	refuse_n(nul_in, sizeof(nul_in) - 1, "offset 2: NUL byte");
	refuse_n("\0", 1, "offset 0: NUL byte");
}

static void
test_duplicate_keys(void **state)
{
	static const char text[] = "{\"k\": 1, \"j\": true, \"k\": 2}";
	struct json_doc *doc = parse_ok(text, strlen(text), 0);
	const struct json_value *r = json_root(doc);

	(void)state;
	assert_int_equal(r->len, 3);
	assert_int_equal(json_get(r, "k")->number, 1);
	assert_string_equal(r->key[2], "k");
	assert_int_equal(r->item[2].number, 2);
	json_doc_free(doc);
}

/* A message that does not fit is cut, never overrun; errn 0 is allowed. */
static void
test_small_error_buffer(void **state)
{
	struct json_doc *doc;
	char err[8];

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_int_equal(json_parse("[", 1, &doc, err, sizeof(err)),
			 IMGPIPE_EFORMAT);
	assert_string_equal(err, "offset ");
	assert_int_equal(json_parse("[", 1, &doc, NULL, 0), IMGPIPE_EFORMAT);
	assert_null(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_tree),
		cmocka_unit_test(test_small_values),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_surrogates),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_small_error_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
