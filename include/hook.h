/*
 * The per-row hook: the only thing that passes between an executor and the
 * code that does the work.  Decoders, kernels and encoders report rows done;
 * every every_rows rows the executor's function runs.  It is how coop
 * yields to its loop, how --gil offers its lock, and how cancellation and
 * progress are seen.  Kernels never know which of those it is.
 */
#ifndef IMGPIPE_HOOK_H
#define IMGPIPE_HOOK_H

#include <stddef.h>

/* 0 to go on, or a negative IMGPIPE_E* code (IMGPIPE_ECANCEL) to stop. */
typedef int hook_fn(void *ctx);

struct hook {
	hook_fn *fn; /* NULL: no hook */
	void *ctx;
	int every_rows; /* call fn once per this many rows; <= 0: never */
	int pending;	/* rows reported since the last call */
};

/*
 * Report rows finished.  Returns 0, or fn's non-zero code, which the caller
 * must return at once (after its own cleanup).  h may be NULL.
 */
static inline int
hook_rows(struct hook *h, int rows)
{
	if (h == NULL || h->fn == NULL || h->every_rows <= 0)
		return 0;
	h->pending += rows;
	if (h->pending < h->every_rows)
		return 0;
	h->pending = 0;
	return h->fn(h->ctx);
}

/* The band height a row loop should use with h: every_rows, or dflt. */
static inline int
hook_band(const struct hook *h, int dflt)
{
	if (h == NULL || h->fn == NULL || h->every_rows <= 0)
		return dflt;
	return h->every_rows < dflt ? h->every_rows : dflt;
}

#endif
