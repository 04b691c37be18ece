/*
 * The batch: which files of INPUT_DIR (or URLs of a --urls list) become
 * which outputs.  Built once, before any worker starts, in a deterministic
 * order (relative paths or URLs sorted with strcmp), so every mode and
 * every shard sees the same list.
 */
#ifndef IMGPIPE_BATCH_H
#define IMGPIPE_BATCH_H

#include <stddef.h>

#include "error.h"
#include "pipeline.h"

struct batch_opts {
	const char *in_dir, *out_dir; /* in_dir unused with urls */
	const char *urls; /* --urls list ("-": stdin), or NULL: files */
	int recursive;
	enum out_format format;
	const char *files_from; /* NULL: walk in_dir; "-": stdin */
	int null_sep;		/* files_from is NUL-separated */
	int shard_k, shard_n;	/* 1 <= k <= n; n = 0: no sharding */
	int skip_existing;
	int create_dirs; /* make OUTPUT_DIR and its sub-folders */
};

/*
 * An input that fails before anything runs: a listed file that is missing,
 * a file named like an image that is not one, an output two inputs would
 * share.  Reported exactly like a task that failed.
 */
struct batch_failure {
	char *rel_in;
	char *rel_out; /* NULL when there is none */
	char error[IMGPIPE_ERR_MSG_LEN];
};

struct batch {
	struct task *tasks; /* to run, sorted by rel_in; strings owned here */
	size_t n;
	struct batch_failure *failed; /* sorted by rel_in */
	size_t nfailed;
	size_t skipped_other;	 /* not JPEG or PNG */
	size_t skipped_existing; /* --skip-existing found them done */
	int urls; /* the inputs are URLs: rel_in of tasks and failures */
};

/*
 * Build b from o: list the inputs (walk, --files-from or --urls), take the
 * shard, sniff each with codec_sniff, map outputs, drop existing ones and,
 * with create_dirs, create every output folder (so workers never race on
 * mkdir).  URLs are not downloaded: each becomes a task with url set,
 * in_path NULL, rel_in the URL, in_bytes 0, the output named by
 * urlname_parse (under a host folder when the list names several hosts)
 * and, for -f same, the format urlname_codec reads from its extension; a
 * line that is not an http(s) URL or cannot name a safe output is a
 * failure.  Returns 0 (per-input problems are in b->failed), or a setup
 * error for exit status 2: INPUT_DIR unreadable, OUTPUT_DIR equal to
 * INPUT_DIR or not writable, --files-from or --urls unreadable.  On
 * failure b is empty.  The caller releases b with batch_release.
 */
int batch_build(const struct batch_opts *o, struct batch *b,
		struct imgpipe_error *err);

void batch_release(struct batch *b);

/*
 * The output name of rel_in written as codec out: rel_in itself when its
 * extension (any case) already names that format, else with the extension
 * replaced, or appended when there is none.  Returns a malloc()ed string.
 */
char *batch_output_name(const char *rel_in, enum codec_id out);

#endif
