/*
 * A process tree's peaks, sampled from /proc: while compare's child runs a
 * batch, its parent adds up, every few milliseconds, the resident memory,
 * the threads and the processes of the child and all its descendants, and
 * keeps the largest of each.  Only Linux's /proc is read; elsewhere a
 * sample finds nothing (known = 0).
 */
#ifndef IMGPIPE_TREESTAT_H
#define IMGPIPE_TREESTAT_H

#include <stddef.h>
#include <sys/types.h>

/* At most this many processes of one tree are visited per sample. */
#define TREESTAT_MAX_PROCS 8192

/* What /proc/<pid>/status says of one process. */
struct treestat_proc {
	long rss_kb; /* VmRSS; 0 for a zombie, which has none */
	int threads; /* Threads */
};

/* One sample of a tree (sums), or the peaks of many. */
struct treestat {
	int known;    /* at least one sample found the root */
	long rss_kb;  /* resident memory of every process together */
	int threads;  /* OS threads of every process together */
	int procs;    /* the root and its descendants */
	long samples; /* samples taken (peaks only) */
};

/*
 * Parse the text of a /proc/<pid>/status file, len bytes (need not end in
 * NUL), into *p.  Returns 0, or -1 when it has no "Threads:" line.  Lines
 * are read up to 256 bytes each; a longer one is skipped.
 */
int treestat_parse_status(const char *text, size_t len,
			  struct treestat_proc *p);

/*
 * Parse a /proc/<pid>/task/<tid>/children text ("12 345 ") into up to max
 * pids; returns how many.  Anything but digits and spaces ends it.
 */
size_t treestat_parse_children(const char *text, size_t len, pid_t *pids,
			       size_t max);

/*
 * Sample root's tree now into *now (zeroed first).  A process that ends
 * between being listed and being read is left out.  Returns 0, or -1
 * when root itself could not be read (now->known = 0).
 */
int treestat_sample(pid_t root, struct treestat *now);

/* Fold a sample into the peaks. */
void treestat_peak(struct treestat *peak, const struct treestat *now);

#endif
