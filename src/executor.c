/*
 * The table of executors this build has, the names the README defines, and
 * what all executors share: the loop-lag histogram's buckets.
 */
#include "executor.h"

#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "util.h"

static const struct executor *const built[] = {
	&exec_seq, &exec_threads, &exec_procs, &exec_omp, &exec_coop,
};

static const char *const modes[] = { "seq", "threads", "procs", "omp", "coop" };

const struct executor *
exec_find(const char *name, int *known)
{
	size_t i;

	if (known != NULL) {
		*known = 0;
		for (i = 0; i < ARRAY_SIZE(modes); i++)
			if (strcmp(modes[i], name) == 0)
				*known = 1;
	}
	for (i = 0; i < ARRAY_SIZE(built); i++)
		if (strcmp(built[i]->name, name) == 0)
			return built[i];
	return NULL;
}

struct order_key {
	uint64_t bytes;
	size_t index;
};

static int
cmp_larger_first(const void *a, const void *b)
{
	const struct order_key *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

size_t *
exec_dispatch_order(const struct task *tasks, size_t n, int parallel)
{
	struct order_key *k = xcalloc(n ? n : 1, sizeof(*k));
	size_t *order = xcalloc(n ? n : 1, sizeof(*order));
	size_t i;

	for (i = 0; i < n; i++) {
		k[i].bytes = tasks[i].in_bytes;
		k[i].index = i;
	}
	if (n > 1 && parallel > 1)
		qsort(k, n, sizeof(*k), cmp_larger_first);
	for (i = 0; i < n; i++)
		order[i] = k[i].index;
	free(k);
	return order;
}

const double loop_hist_le_ms[LOOP_HIST_BOUNDS] = {
	0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000,
};

void
loop_hist_add(struct loop_stats *loop, double lag_ms)
{
	size_t i = 0;

	while (i < LOOP_HIST_BOUNDS && lag_ms > loop_hist_le_ms[i])
		i++;
	loop->hist[i]++;
}
