/*
 * --cpus and --pin: which CPUs the process may use, and on which CPU each
 * worker computes.  The map is made once by the runner and handed to the
 * executor in exec_config; worker (or slot) i computes on map[i % n].
 */
#ifndef IMGPIPE_PIN_H
#define IMGPIPE_PIN_H

#include "topology.h"

enum pin_policy {
	PIN_NONE,   /* the scheduler places workers (the default) */
	PIN_CORES,  /* one worker per physical core first, then SMT siblings */
	PIN_THREADS /* fill each core's siblings before the next core */
};

/* "none", "cores", "threads"; -1 for anything else. */
int pin_policy_parse(const char *s);
const char *pin_policy_name(enum pin_policy p);

/*
 * The order in which workers take the CPUs of allowed[0..TOPO_MAX_CPUS)
 * (flags, as cpulist_parse writes them) under policy p: map[0..return).
 * CPUs whose core is unknown count as one core each.  Pure: tests pass
 * a made-up topology.
 */
int pin_order(const struct topology *t, const unsigned char *allowed,
	      enum pin_policy p, int *map, int max);

/*
 * Restrict the whole process (every thread it starts and every child it
 * forks from now on) to allowed[]: call it before any thread exists, as
 * it sets the calling thread's mask, which the others inherit.  0, or
 * IMGPIPE_ESPEC with one line of at most n bytes in err: a CPU of the
 * list that is not in the process's mask now (not online, or not
 * permitted by a cpuset or taskset), or an empty list.
 */
int pin_process(const unsigned char *allowed, char *err, size_t n);

/*
 * The CPUs the calling thread may run on now (its affinity mask, which
 * the kernel cuts to the online ones) as flags in allowed[0..TOPO_MAX_CPUS):
 * how many, or -1 (all flags 0) when the mask cannot be read.
 */
int pin_allowed(unsigned char *allowed);

/* The calling thread runs on cpu only from now on.  0 or -errno. */
int pin_self(int cpu);

/* The CPU the calling thread is running on (sched_getcpu), or -1. */
int pin_cpu_now(void);

#endif
