/*
 * Process-tree sampling from /proc.  The tree is found through each
 * process's main-thread children file (one small read a process, cheap
 * enough every 5 ms); imgpipe forks only from main threads (procs'
 * parent, compare's child), so no descendant is missed.  Kernels without
 * that file get a scan of every /proc/<pid>/stat for parent pids instead.
 */
#include "treestat.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define LINE_MAX_BYTES 256
#define STATUS_BYTES   8192
#define CHILDREN_BYTES 65536
#define STAT_BYTES     1024

/* The number after "Key:" at the start of line[0..n), or -1. */
static long
field(const char *line, size_t n, const char *key)
{
	size_t k = strlen(key), i;
	long v = 0;

	if (n <= k || memcmp(line, key, k) != 0)
		return -1;
	for (i = k; i < n && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == n || !isdigit((unsigned char)line[i]))
		return -1;
	for (; i < n && isdigit((unsigned char)line[i]); i++) {
		if (v > (LONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (line[i] - '0');
	}
	return v;
}

int
treestat_parse_status(const char *text, size_t len, struct treestat_proc *p)
{
	const char *s = text, *end = text + len;
	long rss = 0, threads = -1, v;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = (size_t)((nl != NULL ? nl : end) - s);

		if (n <= LINE_MAX_BYTES) {
			if ((v = field(s, n, "VmRSS:")) >= 0)
				rss = v;
			else if ((v = field(s, n, "Threads:")) >= 0)
				threads = v;
		}
		s += n + 1;
	}
	if (threads < 0 || threads > INT_MAX)
		return -1;
	p->rss_kb = rss;
	p->threads = (int)threads;
	return 0;
}

size_t
treestat_parse_children(const char *text, size_t len, pid_t *pids, size_t max)
{
	size_t i = 0, n = 0;

	while (i < len && n < max) {
		long v = 0;

		while (i < len && text[i] == ' ')
			i++;
		if (i == len || !isdigit((unsigned char)text[i]))
			break;
		for (; i < len && isdigit((unsigned char)text[i]); i++) {
			if (v > (INT_MAX - 9) / 10)
				return n;
			v = v * 10 + (text[i] - '0');
		}
		if (v > 0)
			pids[n++] = (pid_t)v;
	}
	return n;
}

/* Up to n - 1 bytes of path into buf, NUL-terminated: the length, or -1. */
static ssize_t
slurp(const char *path, char *buf, size_t n)
{
	ssize_t got = 0, r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((size_t)got < n - 1) {
		r = read(fd, buf + got, n - 1 - (size_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += r;
	}
	close(fd);
	buf[got] = '\0';
	return got;
}

/* One process into now: 0, or -1 when it is gone. */
static int
add_proc(pid_t pid, struct treestat *now)
{
	char path[64], buf[STATUS_BYTES];
	struct treestat_proc p;
	ssize_t n;

	if (util_fmt(path, sizeof(path), "/proc/%ld/status", (long)pid) != 0)
		return -1;
	n = slurp(path, buf, sizeof(buf));
	if (n < 0 || treestat_parse_status(buf, (size_t)n, &p) != 0)
		return -1;
	now->rss_kb += p.rss_kb;
	now->threads += p.threads;
	now->procs++;
	return 0;
}

/* pid's children appended to tree[*n..max) (none when it is gone). */
static void
add_children(pid_t pid, pid_t *tree, size_t *n, size_t max, char *buf)
{
	char path[64];
	ssize_t len;

	if (util_fmt(path, sizeof(path), "/proc/%ld/task/%ld/children",
		     (long)pid, (long)pid) != 0)
		return;
	len = slurp(path, buf, CHILDREN_BYTES);
	if (len > 0)
		*n += treestat_parse_children(buf, (size_t)len, tree + *n,
					      max - *n);
}

/* The parent pid in a /proc/<pid>/stat text, or -1. */
static long
stat_ppid(const char *text)
{
	/* "pid (comm) state ppid ...": comm may hold spaces and ')'. */
	const char *p = strrchr(text, ')');
	char *end;
	long v;

	if (p == NULL || p[1] != ' ' || p[2] == '\0' || p[3] != ' ')
		return -1;
	v = strtol(p + 4, &end, 10);
	return end == p + 4 ? -1 : v;
}

/*
 * Without children files: every process of the machine with its parent,
 * then the tree from root by rounds over that list.
 */
static void
scan_tree(pid_t *tree, size_t *n, size_t max)
{
	pid_t *pid = NULL, *ppid = NULL;
	size_t cap = 0, count = 0, i, k;
	char path[64], buf[STAT_BYTES];
	struct dirent *e;
	DIR *d = opendir("/proc");

	while (d != NULL && (e = readdir(d)) != NULL) {
		long v = strtol(e->d_name, NULL, 10), pp;

		if (v <= 0 ||
		    util_fmt(path, sizeof(path), "/proc/%ld/stat", v) != 0 ||
		    slurp(path, buf, sizeof(buf)) <= 0 ||
		    (pp = stat_ppid(buf)) < 0)
			continue;
		if (count == cap) {
			size_t c = cap ? cap * 2 : 256;
			pid_t *a = realloc(pid, c * sizeof(*a));
			pid_t *b = a ? realloc(ppid, c * sizeof(*b)) : NULL;

			if (a != NULL)
				pid = a;
			if (b == NULL)
				break;
			ppid = b;
			cap = c;
		}
		pid[count] = (pid_t)v;
		ppid[count++] = (pid_t)pp;
	}
	if (d != NULL)
		closedir(d);
	/* tree[0..*n) is breadth-first: each entry's children go after it. */
	for (k = 0; k < *n && *n < max; k++)
		for (i = 0; i < count && *n < max; i++)
			if (ppid[i] == tree[k])
				tree[(*n)++] = pid[i];
	free(pid);
	free(ppid);
}

int
treestat_sample(pid_t root, struct treestat *now)
{
	pid_t *tree = malloc(TREESTAT_MAX_PROCS * sizeof(*tree));
	char *buf = malloc(CHILDREN_BYTES);
	char self[64];
	size_t n = 1, k;
	int fast;

	memset(now, 0, sizeof(*now));
	if (tree == NULL || buf == NULL) {
		free(tree);
		free(buf);
		return -1;
	}
	tree[0] = root;
	fast = util_fmt(self, sizeof(self), "/proc/%ld/task/%ld/children",
			(long)getpid(), (long)getpid()) == 0 &&
	       access(self, R_OK) == 0;
	if (!fast)
		scan_tree(tree, &n, TREESTAT_MAX_PROCS);
	for (k = 0; k < n; k++) {
		if (add_proc(tree[k], now) != 0) {
			if (k == 0)
				break;
			continue;
		}
		if (fast)
			add_children(tree[k], tree, &n, TREESTAT_MAX_PROCS,
				     buf);
	}
	free(tree);
	free(buf);
	now->known = now->procs > 0;
	return now->known ? 0 : -1;
}

void
treestat_peak(struct treestat *peak, const struct treestat *now)
{
	peak->samples++;
	if (!now->known)
		return;
	peak->known = 1;
	peak->rss_kb = UTIL_MAX(peak->rss_kb, now->rss_kb);
	peak->threads = UTIL_MAX(peak->threads, now->threads);
	peak->procs = UTIL_MAX(peak->procs, now->procs);
}
