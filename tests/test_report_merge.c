/*
 * The merge of shard reports over parsed documents: disjoint shards add
 * up; an input in two reports counts once, by its best outcome; the
 * skipped counts of a rerun are folded; a text that is no batch report of
 * version 1 is refused with a reason.
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
#include "report_merge.h"

#define MAXDOCS 4

/* The body of a report: times, then images and files as given. */
static struct json_doc *
doc_of(const char *images, const char *files, char *err, size_t errn, int *rc)
{
	char text[2048];
	struct json_doc *doc = NULL;

	snprintf(text, sizeof(text),
		 "{\"version\": 1, \"wall_s\": 2.5, \"cpu_user_s\": 3, "
		 "\"cpu_sys_s\": 0.5, \"images\": %s, \"files\": [%s]}",
		 images, files);
	*rc = json_parse(text, strlen(text), &doc, err, errn);
	return doc;
}

static struct json_doc *
report(const char *images, const char *files)
{
	char err[200];
	int rc;
	struct json_doc *doc = doc_of(images, files, err, sizeof(err), &rc);

	if (rc != 0)
		fail_msg("test report refused: %s", err);
	rc = report_merge_check(json_root(doc), err, sizeof(err));
	if (rc != 0)
		fail_msg("test report not a report: %s", err);
	return doc;
}

/* One files[] entry: ok entries are 1000x1000 and took 0.25 CPU-s. */
#define OK(name)                                                          \
	"{\"input\": \"" name "\", \"status\": \"ok\", \"error\": null, " \
	"\"width_in\": 1000, \"height_in\": 1000, \"cpu_s\": 0.25}"
#define FAILED(name, why)                                                     \
	"{\"input\": \"" name "\", \"status\": \"failed\", \"error\": \"" why \
	"\", \"width_in\": null, \"height_in\": null, \"cpu_s\": 0.125}"

struct merged {
	struct json_doc *docs[MAXDOCS];
	size_t n;
	struct report_merge_result m;
};

static void
merge(struct merged *g)
{
	const struct json_value *roots[MAXDOCS];
	size_t i;

	for (i = 0; i < g->n; i++)
		roots[i] = json_root(g->docs[i]);
	report_merge_docs(roots, g->n, &g->m);
}

static void
release(struct merged *g)
{
	size_t i;

	report_merge_release(&g->m);
	for (i = 0; i < g->n; i++)
		json_doc_free(g->docs[i]);
}

static const char *
status_of(const struct report_merge_file *f)
{
	return json_get(f->file, "status")->string;
}

static void
test_disjoint_shards_add_up(void **state)
{
	struct merged g = { .n = 3 };

	(void)state;
	g.docs[0] = report("{\"ok\": 2, \"warning\": 0, \"failed\": 0, "
			   "\"skipped\": 1}",
			   OK("a.jpg") "," OK("d.jpg"));
	g.docs[1] =
		report("{\"ok\": 1, \"warning\": 0, \"failed\": 1, "
		       "\"skipped\": 0}",
		       OK("b.jpg") "," FAILED("e.jpg", "truncated JPEG data"));
	g.docs[2] = report("{\"ok\": 0, \"warning\": 0, \"failed\": 0, "
			   "\"skipped\": 2}",
			   "");
	merge(&g);
	assert_int_equal(g.m.reports, 3);
	assert_int_equal(g.m.nfiles, 4);
	assert_int_equal(g.m.duplicates, 0);
	assert_int_equal(g.m.ok, 3);
	assert_int_equal(g.m.failed, 1);
	assert_int_equal(g.m.skipped, 3);
	assert_true(fabs(g.m.megapixels_in - 3.0) < 1e-9);
	assert_true(fabs(g.m.cpu_s - 0.875) < 1e-9);
	assert_true(fabs(g.m.cpu_user_s - 9.0) < 1e-9);
	assert_true(fabs(g.m.cpu_sys_s - 1.5) < 1e-9);
	assert_true(g.m.wall_s_max == 2.5);
	/* Sorted by input, each from its report. */
	assert_string_equal(g.m.files[0].input, "a.jpg");
	assert_string_equal(g.m.files[1].input, "b.jpg");
	assert_int_equal(g.m.files[1].report, 1);
	assert_string_equal(g.m.files[3].input, "e.jpg");
	assert_string_equal(status_of(&g.m.files[3]), "failed");
	release(&g);
}

/*
 * Shard 2 failed e.jpg; after the repair its rerun with --skip-existing
 * wrote e.jpg and skipped b.jpg (written) and one non-image.  In either
 * order of the reports, e.jpg counts once, as written, and the skipped
 * count is the share's one non-image.
 */
static void
test_rerun_after_repair(void **state)
{
	int order;

	(void)state;
	for (order = 0; order < 2; order++) {
		struct merged g = { .n = 2 };

		g.docs[order] = report(
			"{\"ok\": 1, \"warning\": 0, \"failed\": 1, "
			"\"skipped\": 1}",
			OK("b.jpg") "," FAILED("e.jpg", "truncated JPEG data"));
		g.docs[1 - order] = report("{\"ok\": 1, \"warning\": 0, "
					   "\"failed\": 0, \"skipped\": 2}",
					   OK("e.jpg"));
		merge(&g);
		assert_int_equal(g.m.nfiles, 2);
		assert_int_equal(g.m.duplicates, 1);
		assert_int_equal(g.m.ok, 2);
		assert_int_equal(g.m.failed, 0);
		assert_int_equal(g.m.skipped, 1);
		assert_string_equal(status_of(&g.m.files[1]), "ok");
		assert_int_equal(g.m.files[1].report, 1 - order);
		/* The written entry's CPU time only: files[] adds up. */
		assert_true(fabs(g.m.cpu_s - 0.5) < 1e-9);
		release(&g);
	}
}

/* Two written entries: the report listed later wins (the rerun). */
static void
test_tie_goes_to_the_later_report(void **state)
{
	struct merged g = { .n = 2 };

	(void)state;
	g.docs[0] = report("{\"ok\": 1, \"warning\": 1, \"failed\": 0, "
			   "\"skipped\": 0}",
			   "{\"input\": \"a.jpg\", \"status\": \"warning\", "
			   "\"error\": \"missing EOI\"}");
	g.docs[1] = report("{\"ok\": 1, \"warning\": 0, \"failed\": 0, "
			   "\"skipped\": 0}",
			   OK("a.jpg"));
	merge(&g);
	assert_int_equal(g.m.nfiles, 1);
	assert_int_equal(g.m.files[0].report, 1);
	assert_int_equal(g.m.warning, 0);
	report_merge_release(&g.m);
	/* Reversed: the warning is now the later one, and it counts. */
	{
		struct json_doc *t = g.docs[0];

		g.docs[0] = g.docs[1];
		g.docs[1] = t;
	}
	merge(&g);
	assert_int_equal(g.m.ok, 1);
	assert_int_equal(g.m.warning, 1);
	assert_string_equal(status_of(&g.m.files[0]), "warning");
	release(&g);
}

/* The same report given twice is one report's counts. */
static void
test_same_report_twice(void **state)
{
	struct merged g = { .n = 2 };

	(void)state;
	g.docs[0] = report("{\"ok\": 1, \"warning\": 0, \"failed\": 1, "
			   "\"skipped\": 3}",
			   OK("a.jpg") "," FAILED("b.png", "bad CRC"));
	g.docs[1] = report("{\"ok\": 1, \"warning\": 0, \"failed\": 1, "
			   "\"skipped\": 3}",
			   OK("a.jpg") "," FAILED("b.png", "bad CRC"));
	merge(&g);
	assert_int_equal(g.m.ok, 1);
	assert_int_equal(g.m.failed, 1);
	assert_int_equal(g.m.skipped, 3);
	assert_int_equal(g.m.duplicates, 2);
	release(&g);
}

/* text must parse and be refused by the check with a reason like want. */
static void
not_a_report(const char *text, const char *want)
{
	struct json_doc *doc = NULL;
	char err[200];

	if (json_parse(text, strlen(text), &doc, err, sizeof(err)) != 0)
		fail_msg("'%s' is no JSON: %s", text, err);
	if (report_merge_check(json_root(doc), err, sizeof(err)) !=
	    IMGPIPE_EFORMAT)
		fail_msg("'%s' passed as a report", text);
	if (strstr(err, want) == NULL)
		fail_msg("'%s': reason '%s', want '%s'", text, err, want);
	json_doc_free(doc);
}

static void
test_not_reports(void **state)
{
	char err[200];
	int rc;
	struct json_doc *doc;

	(void)state;
	not_a_report("[]", "not an imgpipe report");
	not_a_report("{\"a\": 1}", "no \"version\"");
	not_a_report("{\"version\": \"1\"}", "\"version\" is not a number");
	not_a_report("{\"version\": 2, \"images\": {}, \"files\": []}",
		     "report version 2 is not known");
	not_a_report("{\"version\": 1, \"kind\": \"merged\"}",
		     "a merged report");
	not_a_report("{\"version\": 1, \"kind\": \"compare\"}",
		     "not a batch report");
	not_a_report("{\"version\": 1, \"files\": []}", "no \"images\" object");
	not_a_report("{\"version\": 1, \"images\": {\"ok\": 1, \"warning\": 0, "
		     "\"failed\": 0, \"skipped\": 0}, \"wall_s\": 1, "
		     "\"cpu_user_s\": 1, \"cpu_sys_s\": 0}",
		     "no \"files\" array");
	not_a_report(
		"{\"version\": 1, \"images\": {\"ok\": -1, \"warning\": 0, "
		"\"failed\": 0, \"skipped\": 0}, \"files\": []}",
		"\"images\": \"ok\" is not a count");
	not_a_report("{\"version\": 1, \"images\": {\"ok\": 1.5, \"warning\": "
		     "0, \"failed\": 0, \"skipped\": 0}, \"files\": []}",
		     "\"images\": \"ok\" is not a count");
	not_a_report("{\"version\": 1, \"images\": {\"ok\": 1, \"warning\": 0, "
		     "\"failed\": 0, \"skipped\": 0}, \"files\": []}",
		     "\"wall_s\" is not a number");
	/* Entries of files[]. */
	doc = doc_of("{\"ok\": 1, \"warning\": 0, \"failed\": 0, "
		     "\"skipped\": 0}",
		     OK("a.jpg") ", {\"input\": 7, \"status\": \"ok\", "
				 "\"error\": null}",
		     err, sizeof(err), &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(report_merge_check(json_root(doc), err, sizeof(err)),
			 IMGPIPE_EFORMAT);
	assert_string_equal(err, "files[1]: no \"input\" string");
	json_doc_free(doc);
	doc = doc_of(
		"{\"ok\": 1, \"warning\": 0, \"failed\": 0, "
		"\"skipped\": 0}",
		"{\"input\": \"a\", \"status\": \"done\", \"error\": null}",
		err, sizeof(err), &rc);
	assert_int_equal(report_merge_check(json_root(doc), err, sizeof(err)),
			 IMGPIPE_EFORMAT);
	assert_non_null(strstr(err, "files[0]: \"status\" is not"));
	json_doc_free(doc);
	doc = doc_of("{\"ok\": 1, \"warning\": 0, \"failed\": 0, "
		     "\"skipped\": 0}",
		     "{\"input\": \"a\", \"status\": \"ok\", \"error\": null, "
		     "\"cpu_s\": \"x\"}",
		     err, sizeof(err), &rc);
	assert_int_equal(report_merge_check(json_root(doc), err, sizeof(err)),
			 IMGPIPE_EFORMAT);
	assert_string_equal(err, "files[0]: \"cpu_s\" is not a number");
	json_doc_free(doc);
}

/* The merged JSON reads back with the stated fields. */
static void
test_written_json(void **state)
{
	static const char *const names[] = { "shard-1.json", "shard-2.json" };
	struct merged g = { .n = 2 };
	const struct json_value *r, *v;
	struct json_doc *out;
	char *text = NULL, err[200];
	size_t len;
	FILE *f;

	(void)state;
	g.docs[0] = report("{\"ok\": 1, \"warning\": 0, \"failed\": 1, "
			   "\"skipped\": 0}",
			   OK("a.jpg") "," FAILED("b\\u00ff.png", "bad CRC"));
	g.docs[1] = report("{\"ok\": 1, \"warning\": 0, \"failed\": 0, "
			   "\"skipped\": 0}",
			   OK("c.jpg"));
	merge(&g);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	report_merge_write_json(f, &g.m, names);
	assert_int_equal(fclose(f), 0);
	if (json_parse(text, len, &out, err, sizeof(err)) != 0)
		fail_msg("merged JSON refused: %s\n%s", err, text);
	r = json_root(out);
	assert_string_equal(json_get(r, "kind")->string, "merged");
	assert_int_equal(json_get(r, "version")->number, 1);
	assert_int_equal(json_get(r, "shards")->number, 2);
	assert_int_equal(json_get(r, "duplicates")->number, 0);
	assert_int_equal(json_get(json_get(r, "images"), "ok")->number, 2);
	assert_int_equal(json_get(json_get(r, "images"), "failed")->number, 1);
	assert_true(json_get(r, "megapixels_in")->number == 2.0);
	assert_true(json_get(r, "cpu_s")->number == 0.625);
	assert_true(json_get(r, "wall_s_max")->number == 2.5);
	v = json_get(r, "failed");
	assert_int_equal(v->len, 1);
	assert_string_equal(json_get(&v->item[0], "input")->string,
			    "b\xc3\xbf.png");
	assert_string_equal(json_get(&v->item[0], "error")->string, "bad CRC");
	assert_string_equal(json_get(&v->item[0], "shard")->string,
			    "shard-1.json");
	v = json_get(r, "files");
	assert_int_equal(v->len, 3);
	assert_string_equal(json_get(&v->item[2], "shard")->string,
			    "shard-2.json");
	assert_int_equal(json_get(&v->item[2], "width_in")->number, 1000);
	json_doc_free(out);
	free(text);
	release(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disjoint_shards_add_up),
		cmocka_unit_test(test_rerun_after_repair),
		cmocka_unit_test(test_tie_goes_to_the_later_report),
		cmocka_unit_test(test_same_report_twice),
		cmocka_unit_test(test_not_reports),
		cmocka_unit_test(test_written_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
