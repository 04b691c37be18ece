/*
 * report merge: read every report first (any that cannot be read or is no
 * report stops the merge before a byte reaches stdout), then fold them.
 * Skipped files are counted in a report but not named, so they cannot be
 * matched by name: reports that share an input are taken as runs over one
 * share, which holds as many inputs as the fullest of those runs saw.
 */
#include "report_merge.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "fileio.h"
#include "json.h"
#include "json_read.h"
#include "membuf.h"
#include "util.h"

/* Ranks of an outcome: a written file beats a failed one. */
#define RM_FAILED  0
#define RM_WRITTEN 1

static int
rm_fail(char *err, size_t errn, const char *msg)
{
	snprintf(err, errn, "%s", msg);
	return IMGPIPE_EFORMAT;
}

static const struct json_value *
rm_number(const struct json_value *obj, const char *key)
{
	const struct json_value *v = json_get(obj, key);

	return v != NULL && v->type == JSON_NUMBER ? v : NULL;
}

/* A count: a whole number from 0 to 2^53 (exact in a double). */
static int
rm_count(const struct json_value *obj, const char *key)
{
	const struct json_value *v = rm_number(obj, key);

	return v != NULL && v->number >= 0 && v->number <= 9007199254740992.0 &&
	       floor(v->number) == v->number;
}

/* An optional member: absent, null or a number. */
static int
rm_opt_number(const struct json_value *obj, const char *key)
{
	const struct json_value *v = json_get(obj, key);

	return v == NULL || v->type == JSON_NULL || v->type == JSON_NUMBER;
}

static int
rm_rank(const struct json_value *file)
{
	return strcmp(json_get(file, "status")->string, "failed") == 0
		       ? RM_FAILED
		       : RM_WRITTEN;
}

static int
rm_check_file(const struct json_value *f, size_t i, char *err, size_t errn)
{
	static const char *const nums[] = { "cpu_s", "width_in", "height_in" };
	const struct json_value *v;
	size_t k;

	if (f->type != JSON_OBJECT)
		return snprintf(err, errn, "files[%zu]: not an object", i),
		       IMGPIPE_EFORMAT;
	v = json_get(f, "input");
	if (v == NULL || v->type != JSON_STRING || v->len == 0 ||
	    strlen(v->string) != v->len)
		return snprintf(err, errn, "files[%zu]: no \"input\" string",
				i),
		       IMGPIPE_EFORMAT;
	v = json_get(f, "status");
	if (v == NULL || v->type != JSON_STRING ||
	    (strcmp(v->string, "ok") != 0 &&
	     strcmp(v->string, "warning") != 0 &&
	     strcmp(v->string, "failed") != 0))
		return snprintf(err, errn,
				"files[%zu]: \"status\" is not \"ok\", "
				"\"warning\" or \"failed\"",
				i),
		       IMGPIPE_EFORMAT;
	v = json_get(f, "error");
	if (v == NULL || (v->type != JSON_STRING && v->type != JSON_NULL))
		return snprintf(err, errn,
				"files[%zu]: no \"error\" string or null", i),
		       IMGPIPE_EFORMAT;
	for (k = 0; k < ARRAY_SIZE(nums); k++)
		if (!rm_opt_number(f, nums[k]))
			return snprintf(err, errn,
					"files[%zu]: \"%s\" is not a number", i,
					nums[k]),
			       IMGPIPE_EFORMAT;
	return 0;
}

int
report_merge_check(const struct json_value *r, char *err, size_t errn)
{
	static const char *const counts[] = { "ok", "warning", "failed",
					      "skipped" };
	static const char *const times[] = { "wall_s", "cpu_user_s",
					     "cpu_sys_s" };
	const struct json_value *v, *images, *files;
	size_t k;
	int rc;

	if (r->type != JSON_OBJECT)
		return rm_fail(err, errn,
			       "not an imgpipe report (no "
			       "JSON object)");
	v = json_get(r, "kind");
	if (v != NULL && v->type == JSON_STRING &&
	    strcmp(v->string, "merged") == 0)
		return rm_fail(err, errn,
			       "a merged report: merge the shards' own "
			       "reports");
	if (v != NULL)
		return rm_fail(err, errn,
			       "not a batch report (it has a \"kind\"; merge "
			       "reads the --report of batch runs)");
	v = json_get(r, "version");
	if (v == NULL)
		return rm_fail(err, errn,
			       "not an imgpipe report (no \"version\")");
	if (v->type != JSON_NUMBER)
		return rm_fail(err, errn, "\"version\" is not a number");
	if (v->number != 1) {
		snprintf(err, errn,
			 "report version %g is not known (this imgpipe reads "
			 "version 1)",
			 v->number);
		return IMGPIPE_EFORMAT;
	}
	images = json_get(r, "images");
	if (images == NULL || images->type != JSON_OBJECT)
		return rm_fail(err, errn,
			       "not an imgpipe report (no \"images\" object)");
	for (k = 0; k < ARRAY_SIZE(counts); k++)
		if (!rm_count(images, counts[k]))
			return snprintf(err, errn,
					"\"images\": \"%s\" is not a count",
					counts[k]),
			       IMGPIPE_EFORMAT;
	for (k = 0; k < ARRAY_SIZE(times); k++)
		if (rm_number(r, times[k]) == NULL)
			return snprintf(err, errn, "\"%s\" is not a number",
					times[k]),
			       IMGPIPE_EFORMAT;
	files = json_get(r, "files");
	if (files == NULL || files->type != JSON_ARRAY)
		return rm_fail(err, errn,
			       "not an imgpipe report (no \"files\" array)");
	for (k = 0; k < files->len; k++)
		if ((rc = rm_check_file(&files->item[k], k, err, errn)) != 0)
			return rc;
	return 0;
}

/* Inputs in order, then report, then place in files[]: a stable sort. */
struct rm_entry {
	struct report_merge_file f;
	size_t place;
};

static int
rm_cmp(const void *a, const void *b)
{
	const struct rm_entry *x = a, *y = b;
	int c = strcmp(x->f.input, y->f.input);

	if (c != 0)
		return c;
	if (x->f.report != y->f.report)
		return x->f.report < y->f.report ? -1 : 1;
	return x->place < y->place ? -1 : x->place > y->place;
}

static size_t
rm_find(size_t *parent, size_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

static double
rm_get(const struct json_value *obj, const char *key)
{
	const struct json_value *v = json_get(obj, key);

	return v != NULL && v->type == JSON_NUMBER ? v->number : 0.0;
}

/* Skipped: per group of reports, the fullest run less the inputs named. */
static size_t
rm_skipped(const struct json_value *const *r, size_t n, size_t *parent,
	   const struct report_merge_result *m)
{
	size_t *seen = xcalloc(n ? n : 1, sizeof(*seen));
	size_t *named = xcalloc(n ? n : 1, sizeof(*named));
	size_t i, g, total, skipped = 0;

	for (i = 0; i < m->nfiles; i++)
		named[rm_find(parent, m->files[i].report)]++;
	for (i = 0; i < n; i++) {
		g = rm_find(parent, i);
		total = (size_t)rm_get(json_get(r[i], "images"), "skipped") +
			json_get(r[i], "files")->len;
		seen[g] = UTIL_MAX(seen[g], total);
	}
	for (i = 0; i < n; i++)
		if (rm_find(parent, i) == i && seen[i] > named[i])
			skipped += seen[i] - named[i];
	free(seen);
	free(named);
	return skipped;
}

void
report_merge_docs(const struct json_value *const *r, size_t n,
		  struct report_merge_result *m)
{
	struct rm_entry *e;
	size_t *parent, total = 0, i, j, k, best;

	memset(m, 0, sizeof(*m));
	m->reports = n;
	for (i = 0; i < n; i++)
		total += json_get(r[i], "files")->len;
	e = xcalloc(total ? total : 1, sizeof(*e));
	parent = xcalloc(n ? n : 1, sizeof(*parent));
	for (i = 0, k = 0; i < n; i++) {
		const struct json_value *files = json_get(r[i], "files");

		parent[i] = i;
		m->cpu_user_s += rm_get(r[i], "cpu_user_s");
		m->cpu_sys_s += rm_get(r[i], "cpu_sys_s");
		m->wall_s_max = UTIL_MAX(m->wall_s_max, rm_get(r[i], "wall_s"));
		for (j = 0; j < files->len; j++, k++) {
			e[k].f.file = &files->item[j];
			e[k].f.input =
				json_get(&files->item[j], "input")->string;
			e[k].f.report = i;
			e[k].place = j;
		}
	}
	qsort(e, total, sizeof(*e), rm_cmp);
	m->files = xcalloc(total ? total : 1, sizeof(*m->files));
	for (i = 0; i < total; i = j) {
		best = i;
		for (j = i + 1;
		     j < total && strcmp(e[j].f.input, e[i].f.input) == 0;
		     j++) {
			/* Later entries win ties: the rerun is listed last. */
			if (rm_rank(e[j].f.file) >= rm_rank(e[best].f.file))
				best = j;
			parent[rm_find(parent, e[j].f.report)] =
				rm_find(parent, e[i].f.report);
		}
		m->files[m->nfiles++] = e[best].f;
	}
	m->duplicates = total - m->nfiles;
	for (i = 0; i < m->nfiles; i++) {
		const struct json_value *f = m->files[i].file;
		const char *st = json_get(f, "status")->string;

		m->cpu_s += rm_get(f, "cpu_s");
		if (strcmp(st, "failed") == 0) {
			m->failed++;
			continue;
		}
		m->ok++;
		m->warning += strcmp(st, "warning") == 0;
		m->megapixels_in +=
			rm_get(f, "width_in") * rm_get(f, "height_in") / 1e6;
	}
	m->skipped = rm_skipped(r, n, parent, m);
	free(parent);
	free(e);
}

void
report_merge_release(struct report_merge_result *m)
{
	free(m->files);
	memset(m, 0, sizeof(*m));
}

/* One file's entry as its report had it, and the report it came from. */
static void
rm_write_file(FILE *f, const struct report_merge_file *file, const char *name)
{
	const struct json_value *v = file->file;
	size_t i;

	fputs("    {", f);
	for (i = 0; i < v->len; i++) {
		if (strcmp(v->key[i], "shard") == 0)
			continue;
		json_write_string(f, v->key[i]);
		fputs(": ", f);
		json_write_value(f, &v->item[i]);
		fputs(", ", f);
	}
	fputs("\"shard\": ", f);
	json_write_string(f, name);
	fputs("}", f);
}

void
report_merge_write_json(FILE *f, const struct report_merge_result *m,
			const char *const *names)
{
	size_t i, n = 0;

	fprintf(f,
		"{\n  \"version\": 1, \"kind\": \"merged\", \"shards\": %zu, "
		"\"duplicates\": %zu,\n"
		"  \"images\": {\"ok\": %zu, \"warning\": %zu, \"failed\": %zu, "
		"\"skipped\": %zu}, \"megapixels_in\": %.2f,\n"
		"  \"cpu_user_s\": %.3f, \"cpu_sys_s\": %.3f, \"cpu_s\": %.4f, "
		"\"wall_s_max\": %.3f,\n",
		m->reports, m->duplicates, m->ok, m->warning, m->failed,
		m->skipped, m->megapixels_in, m->cpu_user_s, m->cpu_sys_s,
		m->cpu_s, m->wall_s_max);
	fputs("  \"failed\": [", f);
	for (i = 0; i < m->nfiles; i++) {
		const struct json_value *v = m->files[i].file;

		if (rm_rank(v) != RM_FAILED)
			continue;
		fputs(n++ ? ",\n    {\"input\": " : "\n    {\"input\": ", f);
		json_write_string(f, m->files[i].input);
		fputs(", \"error\": ", f);
		json_write_value(f, json_get(v, "error"));
		fputs(", \"shard\": ", f);
		json_write_string(f, names[m->files[i].report]);
		fputs("}", f);
	}
	fputs(n ? "\n  ],\n" : "],\n", f);
	fputs("  \"files\": [", f);
	for (i = 0; i < m->nfiles; i++) {
		fputs(i ? ",\n" : "\n", f);
		rm_write_file(f, &m->files[i], names[m->files[i].report]);
	}
	fputs(m->nfiles ? "\n  ]\n}\n" : "]\n}\n", f);
}

/* "merged 4 reports: 120 ok, 1 failed, 0 skipped; 930.1 MP; 84.2 CPU-s" */
static void
rm_summary(const struct report_merge_result *m)
{
	char warned[64] = "", folded[128] = "";

	if (m->warning > 0)
		util_fmt(warned, sizeof(warned), " (%zu with a warning)",
			 m->warning);
	if (m->duplicates > 0)
		util_fmt(folded, sizeof(folded),
			 "; %zu duplicate entr%s folded (each input counted "
			 "once)",
			 m->duplicates, m->duplicates == 1 ? "y" : "ies");
	fprintf(stderr,
		"merged %zu report%s: %zu ok%s, %zu failed, %zu skipped; "
		"%.1f MP; %.1f CPU-s%s\n",
		m->reports, m->reports == 1 ? "" : "s", m->ok, warned,
		m->failed, m->skipped, m->megapixels_in,
		m->cpu_user_s + m->cpu_sys_s, folded);
}

static void
rm_usage(FILE *f)
{
	fputs("usage: imgpipe report merge FILE...\n"
	      "Combine the --report files of the shards of one run into one "
	      "JSON report\non stdout (each input once, by its best "
	      "outcome); a summary on stderr.\n",
	      f);
}

/* Read and check report path; 0 and *doc, or a line already printed. */
static int
rm_load(const char *path, struct json_doc **doc)
{
	struct imgpipe_error err;
	struct membuf buf;
	char msg[256];
	int rc;

	*doc = NULL;
	membuf_init(&buf);
	error_clear(&err);
	if (fileio_read(path, &buf, &err) != 0) {
		util_warn("%s: %s", path, err.msg);
		membuf_release(&buf);
		return -1;
	}
	rc = json_parse_flags((const char *)buf.data, buf.len, JSON_READ_BYTES,
			      doc, msg, sizeof(msg));
	membuf_release(&buf);
	if (rc == 0 &&
	    (rc = report_merge_check(json_root(*doc), msg, sizeof(msg))) != 0) {
		json_doc_free(*doc);
		*doc = NULL;
	}
	if (rc != 0) {
		util_warn("%s: %s", path, msg);
		return -1;
	}
	return 0;
}

int
report_merge_main(int argc, char **argv)
{
	struct report_merge_result m;
	const struct json_value **roots;
	struct json_doc **docs;
	const char *const *names;
	int i, first = 1, n, rc = CLI_EXIT_OK;

	if (argc > 1 &&
	    (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		rm_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (argc > 1 && strcmp(argv[1], "--") == 0)
		first = 2;
	else
		for (i = 1; i < argc; i++)
			if (argv[i][0] == '-' && argv[i][1] != '\0') {
				util_warn("report merge: unknown option '%s'",
					  argv[i]);
				rm_usage(stderr);
				return CLI_EXIT_USAGE;
			}
	n = argc - first;
	if (n < 1) {
		rm_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	names = (const char *const *)(argv + first);
	docs = xcalloc((size_t)n, sizeof(*docs));
	roots = xcalloc((size_t)n, sizeof(*roots));
	for (i = 0; i < n && rc == CLI_EXIT_OK; i++) {
		if (rm_load(names[i], &docs[i]) != 0)
			rc = CLI_EXIT_USAGE;
		else
			roots[i] = json_root(docs[i]);
	}
	if (rc == CLI_EXIT_OK) {
		report_merge_docs(roots, (size_t)n, &m);
		report_merge_write_json(stdout, &m, names);
		rm_summary(&m);
		rc = m.failed > 0 ? CLI_EXIT_FAILED : CLI_EXIT_OK;
		report_merge_release(&m);
	}
	for (i = 0; i < n; i++)
		json_doc_free(docs[i]);
	free(docs);
	free(roots);
	return rc;
}
