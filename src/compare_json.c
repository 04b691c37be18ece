/*
 * compare --report: each workload's rows as JSON, the figures of the
 * table (each configuration's median run and median speed-up).
 */
#include "compare_impl.h"

#include <stdio.h>

#include "cli.h"
#include "json.h"

static void
write_row(FILE *f, const struct compare_set *set, size_t i,
	  const struct compare_row *r, double sp)
{
	double wall = r->st.wall_s;

	fputs("{\"mode\": ", f);
	json_write_string(f, set->cfg[i].tag);
	fprintf(f, ", \"workers\": %d, \"wall_s\": %.4f, \"img_s\": %.3f",
		r->workers, wall, wall > 0 ? (double)r->st.ok / wall : 0);
	fprintf(f, ", \"speedup\": %.3f, \"cpu_s\": %.4f, \"peak_rss_kb\": %ld",
		sp, r->cpu_s, r->rss_kb);
	if (r->st.loop.present)
		fprintf(f, ", \"lag_p99_ms\": %.3f", r->st.loop.p99_ms);
	else
		fputs(", \"lag_p99_ms\": null", f);
	fprintf(f, ", \"same_bytes\": %s}", r->identical ? "true" : "false");
}

void
compare_json_workload(const struct compare_set *set, const char *name,
		      const struct compare_row *rows, const double *sp)
{
	FILE *f = set->json;
	int n = 0;

	fprintf(f, "%s{\"workload\": ", set->first ? "" : ", ");
	json_write_string(f, name);
	if (set->other.known)
		fprintf(f, ", \"other_cpu_share\": %.4f", set->other.share);
	else
		fputs(", \"other_cpu_share\": null", f);
	if (set->freq.samples > 0)
		fprintf(f, ", \"throttled\": %s",
			set->freq.throttled ? "true" : "false");
	else
		fputs(", \"throttled\": null", f);
	fputs(", \"rows\": [", f);
	for (size_t i = 0; i < set->n; i++) {
		/* A mode this build lacks has no figures. */
		if (rows[i].status == CLI_EXIT_USAGE)
			continue;
		fputs(n++ ? ", " : "", f);
		write_row(f, set, i, &rows[i], sp[i]);
	}
	fputs("]}", f);
}
