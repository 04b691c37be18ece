/*
 * The CPU topology from sysfs, and the kernel's CPU list syntax.  A file
 * that is missing or unreadable leaves its field -1: nothing is inferred.
 */
#include "topology.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "util.h"

#define CPU_DIR	 "/sys/devices/system/cpu"
#define NODE_DIR "/sys/devices/system/node"

/* A CPU list file is at most a few kilobytes even at TOPO_MAX_CPUS. */
#define LIST_FILE_MAX 8192

/*
 * A decimal number at *p (digits only), below limit; advances *p.  0, or
 * -1 when there is no digit or it is too large (*out untouched).
 */
static int
parse_num(const char **p, int limit, int *out)
{
	const char *s = *p;
	long v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s - '0');
		if (v >= limit)
			return -1;
		s++;
	}
	*p = s;
	*out = (int)v;
	return 0;
}

/* A message quoting s up to the first of stop (at most 32 bytes). */
static void
list_error(char *err, size_t n, const char *what, const char *s,
	   const char *stop)
{
	size_t len = strcspn(s, stop);

	if (err && n)
		snprintf(err, n, "%s '%.*s'", what, (int)UTIL_MIN(len, 32), s);
}

int
cpulist_parse(const char *list, unsigned char *set, int max, char *err,
	      size_t n)
{
	const char *p = list, *tok = list;
	int a, b;

	memset(set, 0, (size_t)max);
	/* The kernel's files end in a newline; an empty list is no CPU. */
	if (*p == '\0' || strcmp(p, "\n") == 0)
		return 0;
	for (;;) {
		tok = p;
		if (parse_num(&p, INT_MAX, &a) != 0)
			goto bad;
		b = a;
		if (*p == '-') {
			p++;
			if (parse_num(&p, INT_MAX, &b) != 0)
				goto bad;
			if (b < a) {
				list_error(err, n, "reversed CPU range", tok,
					   ",\n");
				return -1;
			}
		}
		if (b >= max) {
			if (err && n)
				snprintf(err, n, "CPU %d is not below %d", b,
					 max);
			return -1;
		}
		memset(set + a, 1, (size_t)(b - a + 1));
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\0' || strcmp(p, "\n") == 0)
			return 0;
	bad:
		list_error(err, n, "bad CPU list at", tok, "\n");
		return -1;
	}
}

/* Append s to buf (n bytes, *len used) if it fits whole; 0 or -1. */
static int
append(char *buf, size_t n, size_t *len, const char *s)
{
	size_t k = strlen(s);

	if (*len + k + 1 > n)
		return -1;
	memcpy(buf + *len, s, k + 1);
	*len += k;
	return 0;
}

void
cpulist_format(const unsigned char *set, int max, char *buf, size_t n)
{
	char item[32];
	size_t len = 0;

	if (n == 0)
		return;
	buf[0] = '\0';
	for (int a = 0; a < max; a++) {
		int b = a;

		if (!set[a])
			continue;
		while (b + 1 < max && set[b + 1])
			b++;
		if (b > a)
			snprintf(item, sizeof(item), "%s%d-%d", len ? "," : "",
				 a, b);
		else
			snprintf(item, sizeof(item), "%s%d", len ? "," : "", a);
		/* Whole entries only: a cut number would name another CPU. */
		if (append(buf, n, &len, item) != 0)
			return;
		a = b;
	}
}

/* The text of a small file into buf (NUL-terminated); 0 or -1. */
static int
read_text(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	size_t got;

	if (!f)
		return -1;
	got = fread(buf, 1, n - 1, f);
	if (ferror(f) || got == n - 1) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[got] = '\0';
	return 0;
}

/* The one number a sysfs file holds, or -1 (missing, malformed, < 0). */
static int
read_id(const char *path)
{
	char buf[32];
	const char *p = buf;
	int v;

	if (read_text(path, buf, sizeof(buf)) != 0 ||
	    parse_num(&p, INT_MAX, &v) != 0 ||
	    (*p != '\0' && strcmp(p, "\n") != 0))
		return -1;
	return v;
}

static int
read_list(const char *path, unsigned char *set)
{
	char buf[LIST_FILE_MAX];

	if (read_text(path, buf, sizeof(buf)) != 0)
		return -1;
	return cpulist_parse(buf, set, TOPO_MAX_CPUS, NULL, 0);
}

/* Each online CPU's node from NODE_DIR/nodeN/cpulist. */
static void
read_nodes(const char *sysroot, struct topology *t, const int *index)
{
	unsigned char set[TOPO_MAX_CPUS];
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (util_fmt(path, sizeof(path), "%s" NODE_DIR, sysroot) != 0)
		return;
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		const char *p = e->d_name;
		int node;

		if (strncmp(p, "node", 4) != 0)
			continue;
		p += 4;
		if (parse_num(&p, INT_MAX, &node) != 0 || *p != '\0')
			continue;
		if (util_fmt(path, sizeof(path),
			     "%s" NODE_DIR "/node%d/cpulist", sysroot,
			     node) != 0 ||
		    read_list(path, set) != 0)
			continue;
		for (int c = 0; c < TOPO_MAX_CPUS; c++)
			if (set[c] && index[c] >= 0)
				t->cpu[index[c]].node = node;
	}
	closedir(d);
}

/*
 * Distinct values of one field (package, node) or of (package, core)
 * pairs when core is set: -1 unless every CPU knows the field, since a
 * count that leaves some CPUs out would be a guess.
 */
static int
count_distinct(const struct topology *t, int core)
{
	int seen = 0;

	for (int i = 0; i < t->n; i++) {
		const struct topo_cpu *c = &t->cpu[i];
		int v = core ? c->core : c->package, first = 1;

		if (v < 0)
			return -1;
		for (int j = 0; j < i && first; j++) {
			const struct topo_cpu *o = &t->cpu[j];

			if (core ? (o->core == c->core &&
				    o->package == c->package)
				 : o->package == c->package)
				first = 0;
		}
		seen += first;
	}
	return t->n ? seen : -1;
}

static int
count_nodes(const struct topology *t)
{
	int seen = 0;

	for (int i = 0; i < t->n; i++) {
		int first = 1;

		if (t->cpu[i].node < 0)
			return -1;
		for (int j = 0; j < i && first; j++)
			if (t->cpu[j].node == t->cpu[i].node)
				first = 0;
		seen += first;
	}
	return t->n ? seen : -1;
}

int
topology_read(const char *sysroot, struct topology *t)
{
	unsigned char online[TOPO_MAX_CPUS];
	int index[TOPO_MAX_CPUS];
	char path[PATH_MAX];

	memset(t, 0, sizeof(*t));
	t->packages = t->cores = t->nodes = t->smt = -1;
	if (util_fmt(path, sizeof(path), "%s" CPU_DIR "/online", sysroot) !=
		    0 ||
	    read_list(path, online) != 0)
		return IMGPIPE_EIO;
	for (int c = 0; c < TOPO_MAX_CPUS; c++) {
		struct topo_cpu *cpu = &t->cpu[t->n];

		index[c] = -1;
		if (!online[c])
			continue;
		cpu->cpu = c;
		cpu->package = cpu->core = cpu->node = -1;
		if (util_fmt(path, sizeof(path),
			     "%s" CPU_DIR "/cpu%d/topology/physical_package_id",
			     sysroot, c) == 0)
			cpu->package = read_id(path);
		if (util_fmt(path, sizeof(path),
			     "%s" CPU_DIR "/cpu%d/topology/core_id", sysroot,
			     c) == 0)
			cpu->core = read_id(path);
		index[c] = t->n++;
	}
	if (t->n == 0)
		return IMGPIPE_EIO;
	read_nodes(sysroot, t, index);
	t->packages = count_distinct(t, 0);
	t->cores = count_distinct(t, 1);
	t->nodes = count_nodes(t);
	if (t->cores > 0)
		t->smt = t->cores < t->n;
	return 0;
}
