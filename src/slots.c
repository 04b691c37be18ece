/*
 * CPU slots: a stack of free indices under a mutex, and one worker per
 * slot.
 */
#include "slots.h"

#include <stdlib.h>

#include "error.h"
#include "executor.h"
#include "util.h"

int
slots_init(struct slots *s, int n, double t0)
{
	s->n = n > 0 ? n : 1;
	s->free = malloc((size_t)s->n * sizeof(*s->free));
	if (s->free == NULL)
		return IMGPIPE_ENOMEM;
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		free(s->free);
		return IMGPIPE_ENOMEM;
	}
	if (pthread_cond_init(&s->freed, NULL) != 0) {
		pthread_mutex_destroy(&s->mu);
		free(s->free);
		return IMGPIPE_ENOMEM;
	}
	s->w = xcalloc((size_t)s->n, sizeof(*s->w));
	for (int i = 0; i < s->n; i++)
		exec_worker_init(&s->w[i], i, t0);
	/* slot 0 on top: a pool that never fills uses the lowest indices */
	for (int i = 0; i < s->n; i++)
		s->free[i] = s->n - 1 - i;
	s->nfree = s->n;
	s->pin_map = NULL;
	s->pin_n = 0;
	return 0;
}

void
slots_pin(struct slots *s, const struct exec_config *ec)
{
	s->pin_map = ec->pin_map;
	s->pin_n = ec->pin_n;
}

void
slots_destroy(struct slots *s)
{
	for (int i = 0; i < s->n; i++)
		worker_release(&s->w[i]);
	free(s->w);
	pthread_cond_destroy(&s->freed);
	pthread_mutex_destroy(&s->mu);
	free(s->free);
}

int
slots_take(struct slots *s)
{
	int i;

	pthread_mutex_lock(&s->mu);
	while (s->nfree == 0)
		pthread_cond_wait(&s->freed, &s->mu);
	i = s->free[--s->nfree];
	pthread_mutex_unlock(&s->mu);
	exec_pin_map(s->pin_map, s->pin_n, i);
	return i;
}

void
slots_give(struct slots *s, int i)
{
	pthread_mutex_lock(&s->mu);
	s->free[s->nfree++] = i;
	pthread_cond_signal(&s->freed);
	pthread_mutex_unlock(&s->mu);
}

struct worker *
slots_take_for(struct slots *s, const struct worker *w)
{
	struct worker *c = &s->w[slots_take(s)];

	c->hook = w->hook;
	c->runner = w->runner;
	c->io = w->io;
	return c;
}

void
slots_give_worker(struct slots *s, struct worker *c)
{
	slots_give(s, c->id);
}

int
slots_for(int jobs, int cpus)
{
	if (cpus <= 0)
		cpus = util_cpus();
	return UTIL_MAX(1, UTIL_MIN(jobs, cpus));
}
