/*
 * A simulated global interpreter lock, for --gil: CPython's rule in C.  A
 * thread must hold the lock to run pipeline code; it drops it around file
 * I/O and downloads, and at the row hook it offers it to waiters once it
 * has held it for the switch interval.  With GIL_RELEASE_IN_C it also
 * drops it inside decode, the ops and encode (the io's c_enter/c_leave),
 * as Pillow's C code does, so only the glue between them is serialised.
 * The lock is a ticket lock, so an offer really hands it over (first come,
 * first served) instead of letting the holder win it straight back.
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
	int held;     /* this thread holds it now */
	struct pipeline_io io;
};

int gil_init(struct gil *g, double switch_interval_ms);
void gil_destroy(struct gil *g);

/* Block until this thread holds the lock (FIFO among waiters). */
void gil_acquire(struct gil_holder *h);
void gil_release(struct gil_holder *h);

/*
 * Set h up for g in mode (GIL_HOLD or GIL_RELEASE_IN_C): h->io wraps the
 * POSIX I/O and the download (http_fetch) with release/acquire, and for
 * GIL_RELEASE_IN_C its c_enter releases the lock and c_leave takes it
 * back.
 */
void gil_holder_init(struct gil_holder *h, struct gil *g, int mode);

/*
 * The row hook (ctx: struct gil_holder *): returns IMGPIPE_ECANCEL once
 * cancellation is requested; otherwise, when this thread holds the lock
 * (inside C code with GIL_RELEASE_IN_C it does not: nothing to offer),
 * the interval has passed and another thread waits, hands the lock over
 * and waits for its turn.
 */
int gil_hook(void *ctx);

#endif
