/* The ASCII timeline and the Chrome trace, both drawn from task results. */
#include "timeline.h"

#include <errno.h>
#include <string.h>

#include "error.h"
#include "json.h"
#include "pipeline.h"
#include "util.h"

static const char letters[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static double
batch_end(const struct task_result *res, size_t n)
{
	double end = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (res[i].worker >= 0 && res[i].end_s > end)
			end = res[i].end_s;
	return end;
}

static void
legend(FILE *out, const struct task *tasks, size_t n)
{
	size_t i, shown = UTIL_MIN(n, sizeof(letters) - 1);

	for (i = 0; i < shown; i++)
		fprintf(out, "%s%c=%s", i % 6 ? "  " : "\n  ", letters[i],
			tasks[i].rel_in);
	if (shown < n)
		fprintf(out, "  (letters repeat after %zu images)", shown);
	fputc('\n', out);
}

void
timeline_print(FILE *out, const struct task *tasks,
	       const struct task_result *res, size_t n, int workers, int width)
{
	double end = batch_end(res, n), col_s;
	char *row = xmalloc((size_t)width + 1);
	size_t i;
	int w, x, x0, x1;

	if (end <= 0 || workers <= 0 || width <= 0) {
		free(row);
		return;
	}
	col_s = end / width;
	for (w = 0; w < workers; w++) {
		memset(row, '.', (size_t)width);
		row[width] = '\0';
		for (i = 0; i < n; i++) {
			if (res[i].worker != w)
				continue;
			x0 = (int)(res[i].start_s / col_s);
			x1 = (int)(res[i].end_s / col_s);
			for (x = x0; x <= x1 && x < width; x++)
				row[x] = letters[i % (sizeof(letters) - 1)];
		}
		fprintf(out, "worker %-3d |%s|\n", w, row);
	}
	fprintf(out, "%11s0 s%*s%.2f s\n", "", width - 5, "", end);
	legend(out, tasks, n);
	free(row);
}

static const char *const stage_names[PIPE_STAGE_COUNT] = { "read", "decode",
							   "ops", "encode",
							   "write" };

static void
span(FILE *f, int *first, const char *name, const char *cat, int tid, double t0,
     double t1)
{
	fprintf(f, "%s\n{\"name\":", *first ? "" : ",");
	json_write_string(f, name);
	fprintf(f,
		",\"cat\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":%d,"
		"\"ts\":%.1f,\"dur\":%.1f}",
		cat, tid, t0 * 1e6, (t1 > t0 ? t1 - t0 : 0) * 1e6);
	*first = 0;
}

static void
task_spans(FILE *f, int *first, const struct task *t,
	   const struct task_result *r)
{
	double from = r->start_s;
	int s;

	span(f, first, t->rel_in, "task", r->worker, r->start_s, r->end_s);
	for (s = 0; s < PIPE_STAGE_COUNT; s++) {
		if (r->stage_end_s[s] <= 0)
			break;
		span(f, first, stage_names[s], "stage", r->worker, from,
		     r->stage_end_s[s]);
		from = r->stage_end_s[s];
	}
}

int
timeline_write_trace(const char *path, const char *mode,
		     const struct task *tasks, const struct task_result *res,
		     size_t n, struct imgpipe_error *err)
{
	FILE *f = fopen(path, "w");
	int first = 1, maxw = -1, w;
	size_t i;

	if (f == NULL)
		return error_set_errno(err, IMGPIPE_EIO, errno,
				       "cannot write trace '%s'", path);
	fprintf(f, "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"mode\":");
	json_write_string(f, mode);
	fprintf(f, "},\"traceEvents\":[");
	for (i = 0; i < n; i++) {
		if (res[i].worker < 0)
			continue;
		task_spans(f, &first, &tasks[i], &res[i]);
		maxw = UTIL_MAX(maxw, res[i].worker);
	}
	for (w = 0; w <= maxw; w++) {
		fprintf(f,
			"%s\n{\"name\":\"thread_name\",\"ph\":\"M\","
			"\"pid\":1,\"tid\":%d,\"args\":{\"name\":"
			"\"worker %d\"}}",
			first ? "" : ",", w, w);
		first = 0;
	}
	fprintf(f, "\n]}\n");
	if (fclose(f) != 0)
		return error_set_errno(err, IMGPIPE_EIO, errno,
				       "cannot write trace '%s'", path);
	return 0;
}
