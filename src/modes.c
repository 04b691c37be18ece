/*
 * The table of executors this build has and the names the README defines:
 * above the executors, which call down into executor.c, never up here.
 */
#include "executor.h"

#include <string.h>

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
