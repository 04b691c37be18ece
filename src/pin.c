/*
 * --cpus and --pin: the order in which workers take CPUs, and the calls
 * that bind the process and its threads.  Only these and util.c touch the
 * kernel's affinity masks.
 */
#define _GNU_SOURCE /* sched_setaffinity, sched_getcpu, CPU_SET */
#include "pin.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "util.h"

int
pin_policy_parse(const char *s)
{
	static const char *const names[] = { "none", "cores", "threads" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
pin_policy_name(enum pin_policy p)
{
	switch (p) {
	case PIN_CORES: return "cores";
	case PIN_THREADS: return "threads";
	case PIN_NONE: break;
	}
	return "none";
}

/* A CPU to place, the core it belongs to and its rank among siblings. */
struct cand {
	int cpu, core, rank;
};

/* A physical core: where it sits, and its place in its group. */
struct core {
	int package, id, node;
	int group, gpos;
};

/*
 * Everything pin_order works on, one CPU per entry at most: static
 * sizes, no allocation (it runs once, before the batch).
 */
struct plan {
	struct cand cand[TOPO_MAX_CPUS];
	struct core core[TOPO_MAX_CPUS];
	int order[TOPO_MAX_CPUS]; /* core indices in the order to fill */
	int ncand, ncores, ngroups, maxrank;
};

/* The core of CPU c (index into p->core), made when new. */
static int
core_of(struct plan *p, const struct topo_cpu *c)
{
	struct core *k = &p->core[p->ncores];

	/* An unknown core is a core of its own: nothing says it shares. */
	for (int i = 0; c->core >= 0 && i < p->ncores; i++)
		if (p->core[i].id == c->core &&
		    p->core[i].package == c->package)
			return i;
	k->package = c->package;
	k->id = c->core;
	k->node = c->node;
	/* The group (node, package) it spreads over, and its place there. */
	k->group = p->ngroups;
	k->gpos = 0;
	for (int i = 0; i < p->ncores; i++) {
		if (p->core[i].node == c->node &&
		    p->core[i].package == c->package) {
			k->group = p->core[i].group;
			k->gpos++;
		}
	}
	if (k->group == p->ngroups)
		p->ngroups++;
	return p->ncores++;
}

static void
add_cand(struct plan *p, const struct topo_cpu *c)
{
	struct cand *x = &p->cand[p->ncand++];

	x->cpu = c->cpu;
	x->core = core_of(p, c);
	x->rank = 0;
	for (int i = 0; i < p->ncand - 1; i++)
		if (p->cand[i].core == x->core)
			x->rank++;
	p->maxrank = UTIL_MAX(p->maxrank, x->rank);
}

/*
 * cores: the first core of each group in turn, then the second of each,
 * so that consecutive workers land on different packages and nodes;
 * threads: the cores as numbered (first CPU), which packs a package first.
 */
static void
order_cores(struct plan *p, enum pin_policy pol)
{
	int n = 0;

	if (pol == PIN_THREADS) {
		for (int i = 0; i < p->ncores; i++)
			p->order[i] = i;
		return;
	}
	for (int pos = 0; n < p->ncores; pos++)
		for (int g = 0; g < p->ngroups && n < p->ncores; g++)
			for (int i = 0; i < p->ncores; i++)
				if (p->core[i].group == g &&
				    p->core[i].gpos == pos)
					p->order[n++] = i;
}

/* The CPU of core k with rank r, or -1. */
static int
cpu_at(const struct plan *p, int k, int r)
{
	for (int i = 0; i < p->ncand; i++)
		if (p->cand[i].core == k && p->cand[i].rank == r)
			return p->cand[i].cpu;
	return -1;
}

int
pin_order(const struct topology *t, const unsigned char *allowed,
	  enum pin_policy pol, int *map, int max)
{
	struct plan plan;
	struct plan *p = &plan;
	int n = 0;

	if (pol == PIN_NONE || max <= 0)
		return 0;
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < t->n; i++)
		if (t->cpu[i].cpu >= 0 && t->cpu[i].cpu < TOPO_MAX_CPUS &&
		    allowed[t->cpu[i].cpu])
			add_cand(p, &t->cpu[i]);
	/* No topology at all: the allowed CPUs, each its own core. */
	for (int c = 0; t->n == 0 && c < TOPO_MAX_CPUS; c++) {
		struct topo_cpu u = { c, -1, -1, -1 };

		if (allowed[c])
			add_cand(p, &u);
	}
	order_cores(p, pol);
	if (pol == PIN_THREADS) {
		for (int i = 0; i < p->ncores && n < max; i++)
			for (int r = 0; r <= p->maxrank && n < max; r++)
				if (cpu_at(p, p->order[i], r) >= 0)
					map[n++] = cpu_at(p, p->order[i], r);
		return n;
	}
	for (int r = 0; r <= p->maxrank && n < max; r++)
		for (int i = 0; i < p->ncores && n < max; i++)
			if (cpu_at(p, p->order[i], r) >= 0)
				map[n++] = cpu_at(p, p->order[i], r);
	return n;
}

int
pin_allowed(unsigned char *allowed)
{
	cpu_set_t set;
	int n = 0;

	memset(allowed, 0, TOPO_MAX_CPUS);
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return -1;
	for (int c = 0; c < TOPO_MAX_CPUS && c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set)) {
			allowed[c] = 1;
			n++;
		}
	return n;
}

int
pin_process(const unsigned char *allowed, char *err, size_t n)
{
	unsigned char now[TOPO_MAX_CPUS];
	char have[256];
	cpu_set_t set;
	int count = 0;

	/*
	 * The kernel's mask is already cut to the CPUs online and permitted
	 * (cgroup cpuset, taskset): a CPU outside it is refused by name.
	 */
	if (pin_allowed(now) < 0) {
		snprintf(err, n, "cannot read the CPU affinity: %s",
			 strerror(errno));
		return IMGPIPE_ESPEC;
	}
	CPU_ZERO(&set);
	for (int c = 0; c < TOPO_MAX_CPUS && c < CPU_SETSIZE; c++) {
		if (!allowed[c])
			continue;
		if (!now[c]) {
			cpulist_format(now, TOPO_MAX_CPUS, have, sizeof(have));
			snprintf(err, n,
				 "CPU %d is not online or not permitted "
				 "(this process may use %s)",
				 c, have);
			return IMGPIPE_ESPEC;
		}
		CPU_SET(c, &set);
		count++;
	}
	if (count == 0) {
		snprintf(err, n, "no CPU given");
		return IMGPIPE_ESPEC;
	}
	/*
	 * The calling thread's mask: called before any thread or child
	 * exists, every one later inherits it.
	 */
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		snprintf(err, n,
			 "cannot restrict the process to those CPUs: %s",
			 strerror(errno));
		return IMGPIPE_ESPEC;
	}
	return 0;
}

int
pin_self(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return -EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* pid 0 is the calling thread only, as pthread_setaffinity_np. */
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return -errno;
	return 0;
}

int
pin_cpu_now(void)
{
	int c = sched_getcpu();

	return c >= 0 ? c : -1;
}
