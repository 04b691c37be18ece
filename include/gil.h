/*
 * A simulated global interpreter lock, for --gil: CPython's rule in C.  A
 * thread must hold the lock to run pipeline code; it drops it around file
 * I/O, and at the row hook it offers it to waiters once it has held it for
 * the switch interval.  The lock is a ticket lock, so an offer really
 * hands it over (first come, first served) instead of letting the holder
 * win it straight back.
 */
#ifndef IMGPIPE_GIL_H
#define IMGPIPE_GIL_H

#include <pthread.h>

#include "pipeline.h"

struct gil {
	pthread_mutex_t mu;
	pthread_cond_t turn;
	unsigned long next_ticket, serving;
	double interval_s;
};

/* One thread's view of the lock: the hook context and io context. */
struct gil_holder {
	struct gil *gil;
	double since; /* when this thread last acquired it */
	struct pipeline_io io;
};

int gil_init(struct gil *g, double switch_interval_ms);
void gil_destroy(struct gil *g);

/* Block until this thread holds the lock (FIFO among waiters). */
void gil_acquire(struct gil_holder *h);
void gil_release(struct gil_holder *h);

/* Set h up for g: h->io wraps the POSIX I/O with release/acquire. */
void gil_holder_init(struct gil_holder *h, struct gil *g);

/*
 * The row hook (ctx: struct gil_holder *): returns IMGPIPE_ECANCEL once
 * cancellation is requested; otherwise, when the interval has passed and
 * another thread waits, hands the lock over and waits for its turn.
 */
int gil_hook(void *ctx);

#endif
