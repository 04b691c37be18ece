/*
 * The default stage runner: serial bands, the row hook between them.
 * Below every kernel and every executor, so it includes neither.
 */
#include "stage.h"

#include "banned.h"
#include "hook.h"
#include "image.h"

/* Band height of the default runner when the hook does not ask for less. */
#define STAGE_BAND_ROWS 64

int
stage_run(const struct stage_runner *runner, const struct stage *st,
	  struct hook *hook)
{
	int band = hook_band(hook, STAGE_BAND_ROWS), y, y1, rc;

	if (runner != NULL && runner->run != NULL)
		return runner->run(runner->ctx, st, hook);
	for (y = 0; y < st->dst->h; y = y1) {
		y1 = st->dst->h - y < band ? st->dst->h : y + band;
		st->rows(st, y, y1);
		rc = hook_rows(hook, y1 - y);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
stage_start(const struct stage_runner *runner, const struct stage *st,
	    void **pending)
{
	*pending = NULL;
	if (runner != NULL && runner->start != NULL)
		*pending = runner->start(runner->ctx, st);
	if (*pending == NULL)
		(void)stage_run(runner, st, NULL);
}

void
stage_wait(const struct stage_runner *runner, void *pending)
{
	if (pending != NULL)
		runner->wait(runner->ctx, pending);
}
