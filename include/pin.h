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
 * forks from now on) to allowed[].  0 or IMGPIPE_ESPEC (none of them is
 * online or permitted; err says which).
 */
int pin_process(const unsigned char *allowed, char *err, size_t n);

/* The calling thread runs on cpu only from now on.  0 or -errno. */
int pin_self(int cpu);

#endif
