/*
 * The ASCII timeline and the Chrome trace, both drawn from task results:
 * for every task what it waited for apart from what it computed.
 */
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

/*
 * The spans in which task r computed: nspans of them (coop), or one, from
 * compute_start_s to the end of its last compute stage that ran; none
 * when it never got that far (its read or download failed).
 */
static int
compute_pieces(const struct task_result *r, double (*piece)[2])
{
	int k, s;

	if (r->nspans > 0) {
		for (k = 0; k < r->nspans && k < TASK_SPANS; k++) {
			piece[k][0] = r->spans[k][0];
			piece[k][1] = r->spans[k][1];
		}
		return k;
	}
	if (r->compute_start_s <= 0)
		return 0;
	piece[0][0] = r->compute_start_s;
	piece[0][1] = r->end_s;
	for (s = PIPE_ENCODE; s >= PIPE_DECODE; s--)
		if (r->stage_end_s[s] > 0) {
			piece[0][1] = r->stage_end_s[s];
			break;
		}
	return 1;
}

/* When the CPU work ended and the write began; end_s when none ran. */
static double
compute_end(const struct task_result *r)
{
	double piece[TASK_SPANS][2];
	int k = compute_pieces(r, piece);

	return k > 0 ? piece[k - 1][1] : r->end_s;
}

static void
fill(char *row, int width, double col_s, double t0, double t1, char c)
{
	int x;

	for (x = (int)(t0 / col_s); x <= (int)(t1 / col_s) && x < width; x++)
		row[x] = c;
}

/*
 * One worker's row: first what its tasks waited for and wrote, then what
 * they computed over it, so that a column with any CPU work in it shows
 * the image's letter.
 */
static void
draw_row(char *row, int width, double col_s, const struct task_result *res,
	 size_t n, int w)
{
	double piece[TASK_SPANS][2];
	size_t i;
	int k, np;

	memset(row, '.', (size_t)width);
	row[width] = '\0';
	for (i = 0; i < n; i++)
		if (res[i].worker == w)
			fill(row, width, col_s, res[i].start_s, res[i].end_s,
			     '-');
	for (i = 0; i < n; i++)
		if (res[i].worker == w && res[i].stage_end_s[PIPE_WRITE] > 0)
			fill(row, width, col_s, compute_end(&res[i]),
			     res[i].end_s, '+');
	for (i = 0; i < n; i++) {
		if (res[i].worker != w)
			continue;
		np = compute_pieces(&res[i], piece);
		for (k = 0; k < np; k++)
			fill(row, width, col_s, piece[k][0], piece[k][1],
			     letters[i % (sizeof(letters) - 1)]);
	}
}

void
timeline_print(FILE *out, const struct task *tasks,
	       const struct task_result *res, size_t n, int workers, int width)
{
	double end = batch_end(res, n);
	char *row;
	int w;

	if (end <= 0 || workers <= 0 || width <= 0)
		return;
	row = xmalloc((size_t)width + 1);
	for (w = 0; w < workers; w++) {
		draw_row(row, width, end / width, res, n, w);
		fprintf(out, "worker %-3d |%s|\n", w, row);
	}
	fprintf(out, "%11s0 s%*s%.2f s\n", "", width - 5, "", end);
	fprintf(out, "  - waiting (the read or download, a CPU slot)   "
		     "letter: computing (decode to encode)   + writing");
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

/*
 * A task's spans on its worker's track, nested: the task; in it "wait"
 * (the read or download and any wait for a CPU slot) then "compute" (one
 * span, or coop's pieces), each holding the part of every stage that ran
 * in it; then the write.
 */
static void
task_spans(FILE *f, int *first, const struct task *t,
	   const struct task_result *r)
{
	double piece[TASK_SPANS][2], from, to, a, b;
	int np = compute_pieces(r, piece), k, s;

	span(f, first, t->rel_in, "task", r->worker, r->start_s, r->end_s);
	span(f, first, "wait", "phase", r->worker, r->start_s,
	     np > 0 ? piece[0][0] : r->end_s);
	if (r->stage_end_s[PIPE_READ] > 0)
		span(f, first, t->url != NULL ? "download" : "read", "stage",
		     r->worker, r->start_s, r->stage_end_s[PIPE_READ]);
	for (k = 0; k < np; k++) {
		span(f, first, "compute", "phase", r->worker, piece[k][0],
		     piece[k][1]);
		from = r->compute_start_s;
		for (s = PIPE_DECODE; s <= PIPE_ENCODE; s++) {
			to = r->stage_end_s[s];
			if (to <= 0)
				break;
			a = UTIL_MAX(from, piece[k][0]);
			b = UTIL_MIN(to, piece[k][1]);
			if (b > a)
				span(f, first, stage_names[s], "stage",
				     r->worker, a, b);
			from = to;
		}
	}
	if (r->stage_end_s[PIPE_WRITE] > 0)
		span(f, first, stage_names[PIPE_WRITE], "stage", r->worker,
		     compute_end(r), r->stage_end_s[PIPE_WRITE]);
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
