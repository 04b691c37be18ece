/*
 * CPU slots: at most n images are processed at once, each on the worker
 * state (buffers, scratch) of the slot it holds.
 *
 * Why: with -j above the core count, time-sliced images each first-touch
 * their own buffers and evict each other from the caches, so they fault
 * more pages and finish fewer images a second (figures in
 * bench/README.md).  With one slot per CPU the extra workers wait
 * instead, and a slot's buffers stay warm whichever thread holds it: the
 * most recently freed slot is handed out first.
 */
#ifndef IMGPIPE_SLOTS_H
#define IMGPIPE_SLOTS_H

#include <pthread.h>

#include "pipeline.h"

struct exec_config;

struct slots {
	pthread_mutex_t mu; /* guards free and nfree */
	pthread_cond_t freed;
	int *free; /* stack of free slot indices */
	int nfree, n;
	struct worker *w; /* w[i]: slot i's worker, id i */
	/* --pin: slot i computes on pin_map[i % pin_n]; pin_n 0 = unpinned. */
	const int *pin_map;
	int pin_n;
};

/*
 * n >= 1 slots, all free, each with a worker set up for a batch that
 * started at t0 (util_now_s()) whose row hook sees cancellation.
 * 0 or IMGPIPE_ENOMEM.
 */
int slots_init(struct slots *s, int n, double t0);

/* Release the workers' scratch and the slots. */
void slots_destroy(struct slots *s);

/*
 * --pin: bind slot i to CPU ec->pin_map[i % ec->pin_n] (nothing when ec
 * is unpinned).  Before the first take: a thread that takes a slot then
 * moves to its CPU before it touches the slot's buffers, which the
 * workers grow on first use, so their pages come from that CPU's NUMA
 * node and stay in its caches.
 */
void slots_pin(struct slots *s, const struct exec_config *ec);

/*
 * Block until a slot is free and take it: an index in [0, n).  With
 * slots_pin the calling thread is then on the slot's CPU (exec_pin).
 */
int slots_take(struct slots *s);
void slots_give(struct slots *s, int i);

/*
 * slots_take for thread worker w: the slot's worker, set up to compute
 * for w (w's row hook, runner and io: its lock, its band pool), so that
 * a thread's image may run on any slot's buffers.  slots_give_worker
 * hands it back.
 */
struct worker *slots_take_for(struct slots *s, const struct worker *w);
void slots_give_worker(struct slots *s, struct worker *c);

/* How many slots a pool of jobs workers gets: min(jobs, cpus or CPUs). */
int slots_for(int jobs, int cpus);

#endif
