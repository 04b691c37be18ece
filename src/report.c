/*
 * Everything the user reads about a batch.  Failure lines and the progress
 * bar go to stderr as tasks finish; the summary, the JSON report and the
 * dry-run listing are written once, from the results.
 */
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "batch.h"
#include "error.h"
#include "executor.h"
#include "json.h"
#include "meta_policy.h"
#include "pin.h"
#include "pipeline.h"
#include "util.h"

#define REPORT_BAR_WIDTH    30
#define REPORT_DRAW_EVERY_S 0.1

void
report_init(struct report *r, const struct report_config *cfg,
	    const struct task *tasks, size_t n, double t0)
{
	memset(r, 0, sizeof(*r));
	r->cfg = *cfg;
	r->tasks = tasks;
	r->n = n;
	r->t0 = t0;
	r->last_draw = -1;
}

static void
clear_bar(struct report *r)
{
	if (r->bar_len > 0)
		fprintf(stderr, "\r%*s\r", r->bar_len, "");
	r->bar_len = 0;
}

/* "\r[#####.....] 12/24 images  3.4 img/s", at most every 0.1 s. */
static void
draw_bar(struct report *r, double now)
{
	char bar[REPORT_BAR_WIDTH + 1];
	double elapsed = now - r->t0;
	size_t fill = r->n ? r->done * REPORT_BAR_WIDTH / r->n : 0;
	int len;

	if (r->done < r->n && now - r->last_draw < REPORT_DRAW_EVERY_S)
		return;
	r->last_draw = now;
	memset(bar, '#', fill);
	memset(bar + fill, '.', REPORT_BAR_WIDTH - fill);
	bar[REPORT_BAR_WIDTH] = '\0';
	len = fprintf(stderr, "\r[%s] %zu/%zu images  %.1f img/s", bar, r->done,
		      r->n, elapsed > 0 ? (double)r->done / elapsed : 0.0);
	/* Pad over a longer line left by the last draw. */
	if (len > 0 && len - 1 < r->bar_len)
		fprintf(stderr, "%*s", r->bar_len - (len - 1), "");
	if (len > 0 && len - 1 > r->bar_len)
		r->bar_len = len - 1;
	fflush(stderr);
}

static void
task_done(void *ctx, size_t index, const struct task_result *res)
{
	struct report *r = ctx;
	const struct task *t = &r->tasks[index];
	int line = res->status != 0 && res->status != IMGPIPE_ECANCEL;
	int warned = task_result_warned(res);

	r->done++;
	if (line || warned || (res->status == 0 && r->cfg.verbose))
		clear_bar(r);
	if (line) {
		r->failed++;
		util_warn("%s: %s", t->rel_in, res->error);
	}
	if (warned)
		util_warn("%s: warning: %s", t->rel_in, res->error);
	if (res->status == 0 && r->cfg.verbose)
		util_warn("%s -> %s %dx%d -> %dx%d %.3f s", t->rel_in,
			  t->rel_out, res->w_in, res->h_in, res->w_out,
			  res->h_out, res->end_s - res->start_s);
	if (r->cfg.progress && !r->cfg.quiet)
		draw_bar(r, util_now_s());
}

struct exec_observer
report_observer(struct report *r)
{
	struct exec_observer obs = { task_done, r };

	return obs;
}

void
report_prefailed(const struct batch *b)
{
	size_t i;

	for (i = 0; i < b->nfailed; i++)
		util_warn("%s: %s", b->failed[i].rel_in, b->failed[i].error);
}

void
report_finish(struct report *r)
{
	clear_bar(r);
	fflush(stderr);
}

void
report_totals(const struct batch *b, const struct task_result *results,
	      struct report_totals *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->failed = b->nfailed;
	t->skipped = b->skipped_other + b->skipped_existing;
	for (i = 0; i < b->n; i++) {
		if (results[i].status == 0) {
			t->ok++;
			t->warned += task_result_warned(&results[i]) != 0;
			t->megapixels +=
				(double)results[i].w_in * results[i].h_in / 1e6;
		} else if (results[i].status == IMGPIPE_ECANCEL) {
			t->interrupted++;
		} else {
			t->failed++;
		}
	}
}

/* "seq, 1 worker" or "threads --gil, 8 workers, split rows". */
static void
describe_mode(char *buf, size_t n, const struct report_config *cfg)
{
	util_fmt(buf, n, "%s%s, %d worker%s%s", cfg->mode,
		 cfg->gil == GIL_RELEASE_IN_C ? " --gil=release-in-c"
		 : cfg->gil		      ? " --gil"
					      : "",
		 cfg->workers, cfg->workers == 1 ? "" : "s",
		 cfg->split_rows ? ", split rows" : "");
}

void
report_summary(FILE *f, const struct report_config *cfg,
	       const struct report_totals *t, double wall_s)
{
	char mode[128], cut[64] = "", warned[64] = "";
	double s = wall_s > 0 ? wall_s : 1e-9;

	describe_mode(mode, sizeof(mode), cfg);
	if (t->interrupted > 0)
		util_fmt(cut, sizeof(cut), ", %zu interrupted", t->interrupted);
	if (t->warned > 0)
		util_fmt(warned, sizeof(warned), " (%zu with a warning)",
			 t->warned);
	fprintf(f,
		"%zu processed%s, %zu failed, %zu skipped%s, %.1f MP in %.2f s: "
		"%.1f images/s, %.1f MP/s (%s)\n",
		t->ok, warned, t->failed, t->skipped, cut, t->megapixels,
		wall_s, (double)t->ok / s, t->megapixels / s, mode);
}

/* An int, or null when it is unknown (zero sizes, worker -1). */
static void
json_int_or_null(FILE *f, const char *key, int v, int known)
{
	if (known)
		fprintf(f, "\"%s\": %d", key, v);
	else
		fprintf(f, "\"%s\": null", key);
}

/* "meta": the blocks written, in META_* order ([] when none). */
static void
json_meta(FILE *f, unsigned meta)
{
	unsigned bit;
	int n = 0;

	fputs(", \"meta\": [", f);
	for (bit = 1; bit < META_ALL; bit <<= 1)
		if ((meta & bit) != 0 && meta_policy_name(bit) != NULL)
			fprintf(f, "%s\"%s\"", n++ ? ", " : "",
				meta_policy_name(bit));
	fputs("]", f);
}

/*
 * The URL input fields: url and http_status null for a file (and the
 * status null too when no response arrived), the download 0; cpu_s is
 * the decode, ops and encode of any input.
 */
static void
json_download(FILE *f, const char *url, const struct task_result *r)
{
	fputs(", \"url\": ", f);
	json_write_string(f, url);
	fputs(", ", f);
	json_int_or_null(f, "http_status", r->http_status,
			 url != NULL && r->http_status > 0);
	fprintf(f,
		", \"download_s\": %.4f, \"download_bytes\": %llu, "
		"\"cpu_s\": %.4f",
		r->dl_s, (unsigned long long)r->dl_bytes, r->cpu_s);
}

/*
 * One element of files[] for a task that went to an executor.  File names
 * are bytes, not text: json_write_string writes every byte that is not
 * valid UTF-8 as \u00XX of the byte, so the report stays valid JSON.
 */
static void
json_task(FILE *f, const struct task *t, const struct task_result *r)
{
	int ran = r->worker >= 0;

	fputs("    {\"input\": ", f);
	json_write_string(f, t->rel_in);
	fputs(", \"output\": ", f);
	json_write_string(f, t->rel_out);
	fprintf(f, ", \"status\": \"%s\", \"error\": ",
		r->status != 0		? "failed"
		: task_result_warned(r) ? "warning"
					: "ok");
	json_write_string(f, r->error[0] != '\0' ? r->error : NULL);
	fputs(", ", f);
	json_int_or_null(f, "worker", r->worker, ran);
	fputs(", ", f);
	json_int_or_null(f, "cpu", r->cpu, ran && r->cpu >= 0);
	if (ran)
		fprintf(f, ", \"start_s\": %.4f, \"end_s\": %.4f", r->start_s,
			r->end_s);
	else
		fputs(", \"start_s\": null, \"end_s\": null", f);
	fputs(", ", f);
	json_int_or_null(f, "width_in", r->w_in, r->w_in > 0);
	fputs(", ", f);
	json_int_or_null(f, "height_in", r->h_in, r->h_in > 0);
	fputs(", ", f);
	json_int_or_null(f, "width_out", r->w_out, r->w_out > 0);
	fputs(", ", f);
	json_int_or_null(f, "height_out", r->h_out, r->h_out > 0);
	json_meta(f, r->status == 0 ? r->meta : 0);
	fputs(", \"colour\": ", f);
	json_write_string(f, r->colour[0] != '\0' ? r->colour : NULL);
	json_download(f, t->url, r);
	fputs("}", f);
}

/* One element of files[] for an input that failed before running. */
static void
json_failure(FILE *f, const struct batch_failure *bf, int urls)
{
	struct task_result none;

	fputs("    {\"input\": ", f);
	json_write_string(f, bf->rel_in);
	fputs(", \"output\": ", f);
	json_write_string(f, bf->rel_out);
	fputs(", \"status\": \"failed\", \"error\": ", f);
	json_write_string(f, bf->error);
	fputs(", \"worker\": null, \"cpu\": null, \"start_s\": null, "
	      "\"end_s\": null, "
	      "\"width_in\": null, \"height_in\": null, "
	      "\"width_out\": null, \"height_out\": null, \"meta\": [], "
	      "\"colour\": null",
	      f);
	memset(&none, 0, sizeof(none));
	json_download(f, urls ? bf->rel_in : NULL, &none);
	fputs("}", f);
}

/* Tasks and early failures merged in input order (both are sorted). */
static void
json_files(FILE *f, const struct batch *b, const struct task_result *res)
{
	size_t i = 0, j = 0;

	fputs("  \"files\": [\n", f);
	while (i < b->n || j < b->nfailed) {
		if (i + j > 0)
			fputs(",\n", f);
		if (j == b->nfailed ||
		    (i < b->n &&
		     strcmp(b->tasks[i].rel_in, b->failed[j].rel_in) < 0)) {
			json_task(f, &b->tasks[i], &res[i]);
			i++;
		} else {
			json_failure(f, &b->failed[j++], b->urls);
		}
	}
	fputs(i + j > 0 ? "\n  ]\n" : "  ]\n", f);
}

/*
 * "cpus", the CPUs the run was allowed (--cpus, or the mask it was
 * started with), and "pin": null, or the policy and the CPU of each
 * worker or slot, so that a reader can hold each file's "cpu" up to it.
 */
static void
json_placement(FILE *f, const struct report_config *cfg)
{
	fputs("  \"cpus\": ", f);
	json_write_string(f, cfg->cpus);
	if (cfg->pin_n <= 0) {
		fputs(", \"pin\": null,\n", f);
		return;
	}
	fprintf(f, ", \"pin\": {\"policy\": \"%s\", \"map\": [",
		pin_policy_name((enum pin_policy)cfg->pin));
	for (int i = 0; i < cfg->pin_n; i++)
		fprintf(f, "%s%d", i ? ", " : "", cfg->pin_map[i]);
	fputs("]},\n", f);
}

static void
json_loop(FILE *f, const struct loop_stats *loop)
{
	size_t i;

	if (loop == NULL || !loop->present) {
		fputs("  \"loop\": null,\n", f);
		return;
	}
	fprintf(f,
		"  \"loop\": {\"tick_ms\": %g, \"ticks\": %ld, \"lag_ms\": "
		"{\"p50\": %.3f, \"p99\": %.3f, \"max\": %.3f},\n"
		"           \"hist\": {\"le_ms\": [",
		loop->tick_ms, loop->ticks, loop->p50_ms, loop->p99_ms,
		loop->max_ms);
	for (i = 0; i < LOOP_HIST_BOUNDS; i++)
		fprintf(f, "%s%g", i ? ", " : "", loop_hist_le_ms[i]);
	fputs("], \"counts\": [", f);
	for (i = 0; i <= LOOP_HIST_BOUNDS; i++)
		fprintf(f, "%s%ld", i ? ", " : "", loop->hist[i]);
	fputs("]}},\n", f);
}

/* CPU times of this process and its reaped children (procs mode). */
static void
json_resources(FILE *f)
{
	struct rusage self, kids;
	double user, sys;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	user = (double)self.ru_utime.tv_sec + self.ru_utime.tv_usec / 1e6 +
	       (double)kids.ru_utime.tv_sec + kids.ru_utime.tv_usec / 1e6;
	sys = (double)self.ru_stime.tv_sec + self.ru_stime.tv_usec / 1e6 +
	      (double)kids.ru_stime.tv_sec + kids.ru_stime.tv_usec / 1e6;
	/* ru_maxrss is in kilobytes on Linux; children report their largest. */
	fprintf(f,
		"  \"cpu_user_s\": %.3f, \"cpu_sys_s\": %.3f, "
		"\"peak_rss_kb\": %ld,\n",
		user, sys, UTIL_MAX(self.ru_maxrss, kids.ru_maxrss));
}

int
report_write_json(const char *path, const struct report_config *cfg,
		  const struct batch *b, const struct task_result *results,
		  const struct loop_stats *loop, double wall_s,
		  struct imgpipe_error *err)
{
	struct report_totals t;
	FILE *f = fopen(path, "w");
	int bad;

	if (f == NULL)
		return error_set_errno(err, IMGPIPE_EIO, errno,
				       "cannot write report '%s'", path);
	report_totals(b, results, &t);
	fputs("{\n  \"version\": 1, \"mode\": ", f);
	json_write_string(f, cfg->mode);
	fprintf(f, ", \"workers\": %d, \"gil\": %s, \"split\": \"%s\",\n",
		cfg->workers,
		cfg->gil == GIL_RELEASE_IN_C ? "\"release-in-c\""
		: cfg->gil		     ? "\"hold\""
					     : "false",
		cfg->split_rows ? "rows" : "images");
	json_placement(f, cfg);
	fprintf(f, "  \"wall_s\": %.3f,", wall_s);
	json_resources(f);
	/* An interrupted task was not written, so it counts as failed. */
	fprintf(f,
		"  \"images\": {\"ok\": %zu, \"warning\": %zu, \"failed\": %zu, "
		"\"skipped\": %zu}, \"megapixels_in\": %.2f,\n",
		t.ok, t.warned, t.failed + t.interrupted, t.skipped,
		t.megapixels);
	json_loop(f, loop);
	json_files(f, b, results);
	fputs("}\n", f);
	bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return error_set(err, IMGPIPE_EIO, "cannot write report '%s'",
				 path);
	return 0;
}

size_t
report_dry_run(const struct job *job, const struct batch *b, FILE *out)
{
	struct task_result res;
	size_t i, failed = b->nfailed;

	report_prefailed(b);
	for (i = 0; i < b->n; i++) {
		if (pipeline_plan(job, &b->tasks[i], &res) != 0) {
			util_warn("%s: %s", b->tasks[i].rel_in, res.error);
			failed++;
			continue;
		}
		fprintf(out, "%s -> %s %dx%d\n", b->tasks[i].rel_in,
			b->tasks[i].rel_out, res.w_out, res.h_out);
	}
	return failed;
}
