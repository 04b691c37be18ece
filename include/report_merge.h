/*
 * `imgpipe report merge FILE...`: the --report files of the shards of one
 * collection (--shard K/N, one per node or job) combined into one report:
 * the counts, the failed files with their errors, the megapixels and the
 * CPU time of all of them.  Report files are untrusted input (a shard
 * killed mid-write leaves half a file): each is parsed by json_read.c.
 */
#ifndef IMGPIPE_REPORT_MERGE_H
#define IMGPIPE_REPORT_MERGE_H

/* argv[0] is "merge"; exit statuses as the README's report merge. */
int report_merge_main(int argc, char **argv);

#endif
