/*
 * `imgpipe report merge FILE...`: the --report files of the shards of one
 * collection (--shard K/N, one per node or job) combined into one report:
 * the counts, the failed files with their errors, the megapixels and the
 * CPU time of all of them.  Report files are untrusted input (a shard
 * killed mid-write leaves half a file): each is parsed by json_read.c.
 */
#ifndef IMGPIPE_REPORT_MERGE_H
#define IMGPIPE_REPORT_MERGE_H

#include <stddef.h>
#include <stdio.h>

struct json_value;

/* argv[0] is "merge"; exit statuses as the README's report merge. */
int report_merge_main(int argc, char **argv);

/*
 * Whether r is a report this imgpipe can merge: a batch --report of
 * version 1 with the fields merging reads, of their types.  0, or
 * IMGPIPE_EFORMAT and err ("files[3]: no \"input\" string").
 */
int report_merge_check(const struct json_value *r, char *err, size_t errn);

/* One input of the merged report: its entry of files[] in report index. */
struct report_merge_file {
	const struct json_value *file;
	const char *input;
	size_t report;
};

struct report_merge_result {
	size_t reports;
	size_t duplicates; /* entries of files[] folded into another */
	size_t ok, warning, failed, skipped;
	double megapixels_in, cpu_user_s, cpu_sys_s, cpu_s, wall_s_max;
	struct report_merge_file *files; /* each input once, sorted */
	size_t nfiles;
};

/*
 * Merge the n checked reports r[] (in command-line order) by the README's
 * rule: each input once, by its best outcome (written > failed; between
 * equals the later report), and the skipped counts of reports that share
 * an input (reruns of one shard) folded.  out owns only out->files.
 */
void report_merge_docs(const struct json_value *const *r, size_t n,
		       struct report_merge_result *out);

/* The merged JSON report; names[i] is report i's file name as given. */
void report_merge_write_json(FILE *f, const struct report_merge_result *m,
			     const char *const *names);

void report_merge_release(struct report_merge_result *m);

#endif
