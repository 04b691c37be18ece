/*
 * The machine record: what /proc and /sys say of the CPUs, their
 * frequency scaling, the kernel and the cgroup this process runs in.
 * Every path is read under a sysroot so that tests can lay out a fake
 * machine; a file that is missing or malformed leaves its field unknown.
 */
#define _GNU_SOURCE /* sched_getaffinity */
#include "machine.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"
#include "util.h"

#define CPU_DIR	       "/sys/devices/system/cpu"
#define CGROUP_DIR     "/sys/fs/cgroup"
/* A CPU list file is at most a few kilobytes even at TOPO_MAX_CPUS. */
#define LINE_MAX_BYTES 8192
/* --watch: at most an hour between samples. */
#define WATCH_MAX_MS   3600000

/*
 * The first line of sysroot/rel into buf, its newline and trailing
 * blanks cut: 0, or -1 when it cannot be read or is empty.
 */
static int
read_line(const char *sysroot, const char *rel, char *buf, size_t n)
{
	char path[PATH_MAX];
	size_t len;
	FILE *f;

	if (util_fmt(path, sizeof(path), "%s%s", sysroot, rel) != 0)
		return -1;
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	if (fgets(buf, (int)n, f) == NULL) {
		fclose(f);
		return -1;
	}
	fclose(f);
	len = strlen(buf);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' ' ||
			   buf[len - 1] == '\t'))
		buf[--len] = '\0';
	return len > 0 ? 0 : -1;
}

/* A whole decimal number in a sysfs file; 0, or -1 (*out untouched). */
static int
read_u64(const char *sysroot, const char *rel, uint64_t *out)
{
	char buf[64];

	if (read_line(sysroot, rel, buf, sizeof(buf)) != 0)
		return -1;
	return util_parse_u64(buf, out);
}

/* The value of a /proc/cpuinfo line "key<blanks>: value", or NULL. */
static const char *
cpuinfo_value(const char *line, const char *key)
{
	size_t k = strlen(key);

	if (strncmp(line, key, k) != 0)
		return NULL;
	line += k;
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line != ':')
		return NULL;
	line++;
	while (*line == ' ' || *line == '\t')
		line++;
	return line;
}

/* Copy a cpuinfo value without its newline. */
static void
copy_value(char *dst, size_t n, const char *v)
{
	util_fmt(dst, n, "%.*s", (int)strcspn(v, "\n"), v);
}

/*
 * The CPU model: x86's "model name", else arm64's implementer and part
 * codes (its /proc/cpuinfo names no model); "" unknown.
 */
static void
read_model(const char *sysroot, char *model, size_t n)
{
	char path[PATH_MAX], line[512], impl[32] = "", part[32] = "";
	const char *v;
	FILE *f;

	model[0] = '\0';
	if (util_fmt(path, sizeof(path), "%s/proc/cpuinfo", sysroot) != 0)
		return;
	f = fopen(path, "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((v = cpuinfo_value(line, "model name")) != NULL) {
			copy_value(model, n, v);
			break;
		}
		if (impl[0] == '\0' &&
		    (v = cpuinfo_value(line, "CPU implementer")) != NULL)
			copy_value(impl, sizeof(impl), v);
		if (part[0] == '\0' &&
		    (v = cpuinfo_value(line, "CPU part")) != NULL)
			copy_value(part, sizeof(part), v);
	}
	fclose(f);
	if (model[0] == '\0' && impl[0] != '\0' && part[0] != '\0')
		util_fmt(model, n, "CPU implementer %s, part %s", impl, part);
}

/* The mean of /proc/cpuinfo's "cpu MHz" lines; -1 where there are none. */
static double
cpuinfo_mhz(const char *sysroot)
{
	char path[PATH_MAX], line[512], num[64];
	double sum = 0, v;
	const char *s;
	int n = 0;
	FILE *f;

	if (util_fmt(path, sizeof(path), "%s/proc/cpuinfo", sysroot) != 0)
		return -1;
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((s = cpuinfo_value(line, "cpu MHz")) == NULL)
			continue;
		copy_value(num, sizeof(num), s);
		if (util_parse_double(num, &v) == 0 && v > 0) {
			sum += v;
			n++;
		}
	}
	fclose(f);
	return n > 0 ? sum / n : -1;
}

/* The online CPUs as flags; 0, or -1 when the list cannot be read. */
static int
read_online(const char *sysroot, unsigned char *set)
{
	char buf[LINE_MAX_BYTES];

	if (read_line(sysroot, CPU_DIR "/online", buf, sizeof(buf)) != 0)
		return -1;
	return cpulist_parse(buf, set, TOPO_MAX_CPUS, NULL, 0);
}

double
machine_freq_now(const char *sysroot)
{
	unsigned char online[TOPO_MAX_CPUS];
	char rel[128];
	double sum = 0;
	uint64_t khz;
	int n = 0;

	if (read_online(sysroot, online) == 0)
		for (int c = 0; c < TOPO_MAX_CPUS; c++) {
			if (!online[c])
				continue;
			util_fmt(rel, sizeof(rel),
				 CPU_DIR "/cpu%d/cpufreq/scaling_cur_freq", c);
			if (read_u64(sysroot, rel, &khz) == 0 && khz > 0) {
				sum += (double)khz / 1000;
				n++;
			}
		}
	return n > 0 ? sum / n : cpuinfo_mhz(sysroot);
}

void
machine_freq_add(struct machine_freq *f, double mhz)
{
	if (mhz < 0)
		return;
	if (f->samples == 0) {
		f->start_mhz = f->min_mhz = f->mean_mhz = mhz;
	} else {
		f->min_mhz = UTIL_MIN(f->min_mhz, mhz);
		f->mean_mhz += (mhz - f->mean_mhz) / (f->samples + 1);
	}
	f->end_mhz = mhz;
	f->samples++;
	f->throttled = f->min_mhz < f->start_mhz * (1 - MACHINE_THROTTLE_DROP);
}

/* Frequency scaling: driver and governor of the first online CPU, boost. */
static void
read_cpufreq(const char *sysroot, struct machine *m)
{
	int cpu = m->topo.n > 0 ? m->topo.cpu[0].cpu : 0;
	char rel[128];
	uint64_t v;

	util_fmt(rel, sizeof(rel), CPU_DIR "/cpu%d/cpufreq/scaling_driver",
		 cpu);
	if (read_line(sysroot, rel, m->cpufreq_driver,
		      sizeof(m->cpufreq_driver)) != 0)
		m->cpufreq_driver[0] = '\0';
	util_fmt(rel, sizeof(rel), CPU_DIR "/cpu%d/cpufreq/scaling_governor",
		 cpu);
	if (read_line(sysroot, rel, m->governor, sizeof(m->governor)) != 0)
		m->governor[0] = '\0';
	m->boost = -1;
	if (read_u64(sysroot, CPU_DIR "/cpufreq/boost", &v) == 0 && v <= 1)
		m->boost = (int)v;
	else if (read_u64(sysroot, CPU_DIR "/intel_pstate/no_turbo", &v) == 0 &&
		 v <= 1)
		m->boost = !v;
}

/* The bracketed word of "always [madvise] never"; "" unknown. */
static void
read_thp(const char *sysroot, char *thp, size_t n)
{
	char buf[256];
	const char *a, *b;

	thp[0] = '\0';
	if (read_line(sysroot, "/sys/kernel/mm/transparent_hugepage/enabled",
		      buf, sizeof(buf)) != 0)
		return;
	a = strchr(buf, '[');
	b = a != NULL ? strchr(a, ']') : NULL;
	if (b != NULL && b > a + 1)
		util_fmt(thp, n, "%.*s", (int)(b - a - 1), a + 1);
}

static void
read_kernel(const char *sysroot, char *kernel, size_t n)
{
	char rel[128], ver[128];

	kernel[0] = '\0';
	if (read_line(sysroot, "/proc/sys/kernel/osrelease", rel,
		      sizeof(rel)) != 0)
		return;
	if (read_line(sysroot, "/proc/sys/kernel/version", ver, sizeof(ver)) ==
	    0)
		util_fmt(kernel, n, "%s %s", rel, ver);
	else
		util_fmt(kernel, n, "%s", rel);
}

static double
read_load1(const char *sysroot)
{
	char buf[256];
	double v;

	if (read_line(sysroot, "/proc/loadavg", buf, sizeof(buf)) != 0)
		return -1;
	buf[strcspn(buf, " ")] = '\0';
	return util_parse_double(buf, &v) == 0 && v >= 0 ? v : -1;
}

/* What the cgroup files of one folder say, folder by folder upwards. */
struct cg_walk {
	const char *sysroot;
	int v2;		  /* cpu.max, cpuset.cpus.effective */
	double cpus;	  /* the smallest limit so far; -1 none */
	int read;	  /* a limit file was read */
	char cpuset[256]; /* the deepest cpuset found */
};

/* The limit file(s) of one cgroup folder (rel: under sysroot). */
static void
cg_visit(struct cg_walk *w, const char *rel)
{
	char path[PATH_MAX], buf[LINE_MAX_BYTES], *sp;
	uint64_t quota, period;
	double cpus = -1;

	if (w->v2) {
		if (util_fmt(path, sizeof(path), "%s/cpu.max", rel) == 0 &&
		    read_line(w->sysroot, path, buf, sizeof(buf)) == 0 &&
		    (sp = strchr(buf, ' ')) != NULL) {
			*sp = '\0';
			if (util_parse_u64(sp + 1, &period) == 0 &&
			    period > 0) {
				w->read = 1;
				if (util_parse_u64(buf, &quota) == 0)
					cpus = (double)quota / (double)period;
			}
		}
	} else if (util_fmt(path, sizeof(path), "%s/cpu.cfs_quota_us", rel) ==
			   0 &&
		   read_line(w->sysroot, path, buf, sizeof(buf)) == 0) {
		/* -1: no quota. */
		w->read = 1;
		if (util_parse_u64(buf, &quota) == 0 &&
		    util_fmt(path, sizeof(path), "%s/cpu.cfs_period_us", rel) ==
			    0 &&
		    read_u64(w->sysroot, path, &period) == 0 && period > 0)
			cpus = (double)quota / (double)period;
	}
	if (cpus > 0 && (w->cpus < 0 || cpus < w->cpus))
		w->cpus = cpus;
	if (w->cpuset[0] == '\0' &&
	    util_fmt(path, sizeof(path), "%s/%s", rel,
		     w->v2 ? "cpuset.cpus.effective"
			   : "cpuset.effective_cpus") == 0 &&
	    read_line(w->sysroot, path, buf, sizeof(buf)) == 0)
		util_fmt(w->cpuset, sizeof(w->cpuset), "%s", buf);
}

/*
 * Visit mount + path and each folder above it up to mount: a limit set
 * higher up binds too, so the smallest is the one that applies.
 */
static void
cg_walk_up(struct cg_walk *w, const char *mount, const char *path)
{
	char rel[PATH_MAX];
	size_t base;

	if (util_fmt(rel, sizeof(rel), "%s%s", mount, path) != 0)
		return;
	base = strlen(mount);
	for (;;) {
		size_t len = strlen(rel);
		char *slash;

		while (len > base && rel[len - 1] == '/')
			rel[--len] = '\0';
		cg_visit(w, rel);
		if (len <= base)
			break;
		slash = strrchr(rel + base, '/');
		if (slash == NULL)
			break;
		*slash = '\0';
	}
}

/* Whether the comma-separated controller list ctl names want. */
static int
has_controller(const char *ctl, const char *want)
{
	size_t k = strlen(want);

	for (const char *s = ctl; *s != '\0';) {
		size_t len = strcspn(s, ",");

		if (len == k && strncmp(s, want, k) == 0)
			return 1;
		s += len + (s[len] == ',');
	}
	return 0;
}

/*
 * The CPU limit and cpuset of this process's cgroup: the v2 hierarchy
 * ("0::/path", at /sys/fs/cgroup or, in the hybrid layout, its unified/
 * folder), else v1's cpu and cpuset controllers.
 */
static void
read_cgroup(const char *sysroot, struct machine *m)
{
	char path[PATH_MAX], line[LINE_MAX_BYTES], mount[PATH_MAX];
	struct cg_walk w1 = { sysroot, 0, -1, 0, "" };
	struct cg_walk w2 = { sysroot, 1, -1, 0, "" };
	FILE *f;

	m->cgroup_cpus = -1;
	m->cgroup_read = 0;
	m->cgroup_cpuset[0] = '\0';
	if (util_fmt(path, sizeof(path), "%s/proc/self/cgroup", sysroot) != 0)
		return;
	f = fopen(path, "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *ctl = strchr(line, ':'), *p;

		if (ctl == NULL || (p = strchr(++ctl, ':')) == NULL)
			continue;
		*p++ = '\0';
		p[strcspn(p, "\n")] = '\0';
		if (strncmp(line, "0:", 2) == 0 && *ctl == '\0') {
			cg_walk_up(&w2, CGROUP_DIR, p);
			cg_walk_up(&w2, CGROUP_DIR "/unified", p);
			continue;
		}
		if (has_controller(ctl, "cpu")) {
			if (util_fmt(mount, sizeof(mount), CGROUP_DIR "/%s",
				     ctl) == 0)
				cg_walk_up(&w1, mount, p);
			if (strcmp(ctl, "cpu") != 0)
				cg_walk_up(&w1, CGROUP_DIR "/cpu", p);
		}
		if (has_controller(ctl, "cpuset"))
			cg_walk_up(&w1, CGROUP_DIR "/cpuset", p);
	}
	fclose(f);
	/* v2 where it says anything, v1 otherwise. */
	if (w2.read) {
		m->cgroup_read = 1;
		m->cgroup_cpus = w2.cpus;
	} else if (w1.read) {
		m->cgroup_read = 1;
		m->cgroup_cpus = w1.cpus;
	}
	util_fmt(m->cgroup_cpuset, sizeof(m->cgroup_cpuset), "%s",
		 w2.cpuset[0] != '\0' ? w2.cpuset : w1.cpuset);
}

void
machine_read(const char *sysroot, struct machine *m)
{
	unsigned char set[TOPO_MAX_CPUS];
	cpu_set_t mask;

	memset(m, 0, sizeof(*m));
	read_model(sysroot, m->cpu_model, sizeof(m->cpu_model));
	if (topology_read(sysroot, &m->topo) != 0)
		m->topo.n = 0;
	if (read_online(sysroot, set) == 0)
		cpulist_format(set, TOPO_MAX_CPUS, m->online,
			       sizeof(m->online));
	/* The affinity is this process's, whatever the sysroot. */
	if (sched_getaffinity(0, sizeof(mask), &mask) == 0) {
		for (int c = 0; c < TOPO_MAX_CPUS; c++)
			set[c] = c < CPU_SETSIZE && CPU_ISSET(c, &mask);
		cpulist_format(set, TOPO_MAX_CPUS, m->affinity,
			       sizeof(m->affinity));
	}
	read_cpufreq(sysroot, m);
	read_kernel(sysroot, m->kernel, sizeof(m->kernel));
	read_thp(sysroot, m->thp, sizeof(m->thp));
	read_cgroup(sysroot, m);
	m->load1_before = read_load1(sysroot);
	m->freq.throttled = -1;
	machine_freq_add(&m->freq, machine_freq_now(sysroot));
}

/* The CPUs of NUMA node `node` as a list. */
static void
node_cpus(const struct topology *t, int node, char *buf, size_t n)
{
	unsigned char set[TOPO_MAX_CPUS];

	memset(set, 0, sizeof(set));
	for (int i = 0; i < t->n; i++)
		if (t->cpu[i].node == node)
			set[t->cpu[i].cpu] = 1;
	cpulist_format(set, TOPO_MAX_CPUS, buf, n);
}

/* The next node number above `after` that some CPU is on; -1 none. */
static int
next_node(const struct topology *t, int after)
{
	int best = -1;

	for (int i = 0; i < t->n; i++) {
		int v = t->cpu[i].node;

		if (v > after && (best < 0 || v < best))
			best = v;
	}
	return best;
}

static void
json_str(FILE *f, const char *key, const char *v, const char *sep)
{
	fprintf(f, "\"%s\": ", key);
	json_write_string(f, v[0] != '\0' ? v : NULL);
	fputs(sep, f);
}

static void
json_int(FILE *f, const char *key, int v, const char *sep)
{
	if (v >= 0)
		fprintf(f, "\"%s\": %d%s", key, v, sep);
	else
		fprintf(f, "\"%s\": null%s", key, sep);
}

static void
json_bool(FILE *f, const char *key, int v, const char *sep)
{
	fprintf(f, "\"%s\": %s%s", key,
		v < 0	? "null"
		: v > 0 ? "true"
			: "false",
		sep);
}

static void
json_num(FILE *f, const char *key, double v, int known, const char *sep)
{
	if (known)
		fprintf(f, "\"%s\": %.6g%s", key, v, sep);
	else
		fprintf(f, "\"%s\": null%s", key, sep);
}

void
machine_write_json(FILE *f, const struct machine *m)
{
	const struct topology *t = &m->topo;
	const struct machine_freq *q = &m->freq;
	int k = q->samples > 0;
	char cpus[256];

	fputc('{', f);
	json_str(f, "cpu_model", m->cpu_model, ", ");
	json_int(f, "sockets", t->n > 0 ? t->packages : -1, ", ");
	json_int(f, "cores", t->n > 0 ? t->cores : -1, ", ");
	json_int(f, "threads", t->n > 0 ? t->n : -1, ", ");
	json_bool(f, "smt", t->n > 0 ? t->smt : -1, ", ");
	if (t->n > 0 && t->nodes > 0) {
		fputs("\"numa\": [", f);
		for (int node = next_node(t, -1), i = 0; node >= 0;
		     node = next_node(t, node), i++) {
			node_cpus(t, node, cpus, sizeof(cpus));
			fprintf(f, "%s{\"node\": %d, \"cpus\": ", i ? ", " : "",
				node);
			json_write_string(f, cpus);
			fputc('}', f);
		}
		fputs("], ", f);
	} else {
		fputs("\"numa\": null, ", f);
	}
	json_str(f, "online", m->online, ", ");
	json_str(f, "affinity", m->affinity, ", ");
	json_str(f, "cpufreq_driver", m->cpufreq_driver, ", ");
	json_str(f, "governor", m->governor, ", ");
	json_bool(f, "boost", m->boost, ", ");
	fprintf(f, "\"freq_mhz\": {\"samples\": %d, ", q->samples);
	json_num(f, "start", q->start_mhz, k, ", ");
	json_num(f, "min", q->min_mhz, k, ", ");
	json_num(f, "end", q->end_mhz, k, ", ");
	json_num(f, "mean", q->mean_mhz, k, "}, ");
	json_bool(f, "throttled", k ? q->throttled : -1, ", ");
	json_str(f, "kernel", m->kernel, ", ");
	json_str(f, "thp", m->thp, ", ");
	json_num(f, "cgroup_cpu_limit", m->cgroup_cpus, m->cgroup_cpus > 0,
		 ", ");
	json_str(f, "cgroup_cpuset", m->cgroup_cpuset, ", ");
	json_num(f, "load1_before", m->load1_before, m->load1_before >= 0, "}");
}

static const char *
or_unknown(const char *s)
{
	return s[0] != '\0' ? s : "unknown";
}

/* An int field, "unknown" below 0. */
static void
text_int(FILE *f, const char *key, int v)
{
	if (v >= 0)
		fprintf(f, "%s: %d\n", key, v);
	else
		fprintf(f, "%s: unknown\n", key);
}

static const char *
yes_no(int v)
{
	return v < 0 ? "unknown" : v ? "yes" : "no";
}

/* "none" when the cgroup files say so, "unknown" when none was read. */
static void
text_cgroup(FILE *f, const struct machine *m)
{
	if (m->cgroup_cpus > 0)
		fprintf(f, "%.6g CPUs", m->cgroup_cpus);
	else
		fputs(m->cgroup_read ? "none" : "unknown", f);
}

static void
text_numa(FILE *f, const struct topology *t)
{
	char cpus[256];

	if (t->n == 0 || t->nodes <= 0) {
		fputs("unknown", f);
		return;
	}
	for (int node = next_node(t, -1), i = 0; node >= 0;
	     node = next_node(t, node), i++) {
		node_cpus(t, node, cpus, sizeof(cpus));
		fprintf(f, "%snode%d %s", i ? ", " : "", node, cpus);
	}
}

static void
text_freq(FILE *f, const struct machine_freq *q)
{
	if (q->samples == 0) {
		fputs("unknown", f);
		return;
	}
	fprintf(f,
		"start %.0f, min %.0f, end %.0f, mean %.0f MHz (%d sample%s)",
		q->start_mhz, q->min_mhz, q->end_mhz, q->mean_mhz, q->samples,
		q->samples == 1 ? "" : "s");
}

void
machine_write_text(FILE *f, const struct machine *m)
{
	const struct topology *t = &m->topo;

	fprintf(f, "cpu_model: %s\n", or_unknown(m->cpu_model));
	text_int(f, "sockets", t->n > 0 ? t->packages : -1);
	text_int(f, "cores", t->n > 0 ? t->cores : -1);
	text_int(f, "threads", t->n > 0 ? t->n : -1);
	fprintf(f, "smt: %s\n", yes_no(t->n > 0 ? t->smt : -1));
	fputs("numa: ", f);
	text_numa(f, t);
	fprintf(f, "\nonline: %s\n", or_unknown(m->online));
	fprintf(f, "affinity: %s\n", or_unknown(m->affinity));
	fprintf(f, "cpufreq_driver: %s\n", or_unknown(m->cpufreq_driver));
	fprintf(f, "governor: %s\n", or_unknown(m->governor));
	fprintf(f, "boost: %s\n", yes_no(m->boost));
	fputs("freq_mhz: ", f);
	text_freq(f, &m->freq);
	fprintf(f, "\nthrottled: %s\n",
		yes_no(m->freq.samples > 0 ? m->freq.throttled : -1));
	fprintf(f, "kernel: %s\n", or_unknown(m->kernel));
	fprintf(f, "thp: %s\n", or_unknown(m->thp));
	fputs("cgroup_cpu_limit: ", f);
	text_cgroup(f, m);
	fprintf(f, "\ncgroup_cpuset: %s\n", or_unknown(m->cgroup_cpuset));
	if (m->load1_before >= 0)
		fprintf(f, "load1_before: %.2f\n", m->load1_before);
	else
		fputs("load1_before: unknown\n", f);
}

/* "sockets 2" or "sockets unknown", then sep. */
static void
brief_count(FILE *f, const char *what, int v, const char *sep)
{
	if (v >= 0)
		fprintf(f, "%s %d%s", what, v, sep);
	else
		fprintf(f, "%s unknown%s", what, sep);
}

void
machine_write_brief(FILE *f, const struct machine *m)
{
	const struct topology *t = &m->topo;
	const struct machine_freq *q = &m->freq;

	fprintf(f, "machine: %s; ", or_unknown(m->cpu_model));
	brief_count(f, "sockets", t->n > 0 ? t->packages : -1, ", ");
	brief_count(f, "cores", t->n > 0 ? t->cores : -1, ", ");
	brief_count(f, "threads", t->n > 0 ? t->n : -1, ", ");
	fprintf(f, "SMT %s; NUMA: ", yes_no(t->n > 0 ? t->smt : -1));
	text_numa(f, t);
	fprintf(f, "\ngovernor: %s, boost: %s, frequency: ",
		or_unknown(m->governor), yes_no(m->boost));
	if (q->samples > 0)
		fprintf(f, "%.0f -> min %.0f MHz%s", q->start_mhz, q->min_mhz,
			q->throttled > 0 ? " (throttled)" : "");
	else
		fputs("unknown", f);
	fprintf(f, "\nkernel: %s; THP: %s; cgroup CPU limit: ",
		or_unknown(m->kernel), or_unknown(m->thp));
	text_cgroup(f, m);
	fputc('\n', f);
}

static void
machine_usage(FILE *f)
{
	fputs("usage: imgpipe machine [--json] [--watch MS]\n", f);
}

/* Never runs: the signals are blocked and taken by sigtimedwait. */
static void
on_stop(int sig)
{
	(void)sig;
}

/*
 * --watch: a sample every ms milliseconds until SIGINT or SIGTERM, both
 * blocked (by the caller, before the first sample) and taken here.
 */
static void
watch(const sigset_t *stop, long ms, struct machine *m)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	for (;;) {
		int sig = sigtimedwait(stop, NULL, &ts);

		if (sig > 0)
			return;
		if (sig < 0 && errno == EAGAIN)
			machine_freq_add(&m->freq, machine_freq_now(""));
		else if (sig < 0 && errno != EINTR)
			return;
	}
}

int
machine_main(int argc, char **argv)
{
	struct machine *m;
	sigset_t stop;
	uint64_t ms = 0;
	int json = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;

		if (strcmp(a, "--json") == 0) {
			json = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			machine_usage(stdout);
			return CLI_EXIT_OK;
		}
		if (strcmp(a, "--watch") == 0 && i + 1 < argc)
			v = argv[++i];
		else if (strncmp(a, "--watch=", 8) == 0)
			v = a + 8;
		if (v == NULL) {
			util_warn("machine: %s '%s' (usage: imgpipe machine "
				  "[--json] [--watch MS])",
				  strcmp(a, "--watch") == 0 ? "missing MS after"
							    : "unknown option",
				  a);
			return CLI_EXIT_USAGE;
		}
		if (util_parse_u64(v, &ms) != 0 || ms < 1 ||
		    ms > WATCH_MAX_MS) {
			util_warn("machine: --watch takes milliseconds, 1 to "
				  "%d, not '%s'",
				  WATCH_MAX_MS, v);
			return CLI_EXIT_USAGE;
		}
	}
	m = malloc(sizeof(*m));
	if (m == NULL) {
		util_warn("out of memory");
		return CLI_EXIT_FAILED;
	}
	/*
	 * Blocked before the first sample: a signal sent early still ends the
	 * watch.  A handler first: sh starts background jobs with SIGINT
	 * ignored, and POSIX leaves it open whether a blocked signal whose
	 * action is to ignore it stays pending (Linux keeps it).
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	if (ms > 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_stop;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigprocmask(SIG_BLOCK, &stop, NULL);
	}
	machine_read("", m);
	if (ms > 0)
		watch(&stop, (long)ms, m);
	if (json) {
		machine_write_json(stdout, m);
		fputc('\n', stdout);
	} else {
		machine_write_text(stdout, m);
	}
	free(m);
	return CLI_EXIT_OK;
}
