/*
 * The machine's own parallel ceiling: how much faster N threads get through
 * pure, private integer work than one thread does, measured back to back.
 * On an idle machine with N real cores this is N; on a shared or
 * virtualised one it is what the host grants at that moment, and no mode of
 * imgpipe can beat it.  The study runs it in every round beside the modes so
 * their efficiency can be read against it.  A second figure does the same
 * for memory-bound work: each thread sweeps a private buffer far larger
 * than any cache, as a decoder writing and a resize reading a photo do.
 * Where cores share a memory bus, or a host's other guests load it, this
 * one falls short of N while the first does not.  Prints one line:
 *
 *   threads=N one_s=S all_s=S ceiling=X mem_one_s=S mem_all_s=S mem_ceiling=X
 *
 *   ceiling [-t THREADS] [-n ITERATIONS] [-m MB]
 *   defaults: every CPU, 2e8, 64 MB a thread
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long iterations = 200000000L;
static size_t mem_bytes = (size_t)64 << 20;
static volatile uint64_t sink;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A dependent multiply-add chain: no memory traffic, nothing to share. */
static void *
spin(void *arg)
{
	uint64_t x = (uint64_t)(uintptr_t)arg;

	for (long i = 0; i < iterations; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	sink = x;
	return NULL;
}

/*
 * Read-modify-write sweeps over a private buffer, touched beforehand so
 * that only memory traffic is timed, not page faults.
 */
static void *
sweep(void *arg)
{
	uint64_t *b = arg, x = 0;
	size_t n = mem_bytes / sizeof(uint64_t);

	for (int pass = 0; pass < 8; pass++)
		for (size_t i = 0; i < n; i++)
			x += b[i] += (uint64_t)pass;
	sink = x;
	return NULL;
}

/* Seconds for one thread, then for n at once, running fn on arg[i]. */
static int
race(int n, void *(*fn)(void *), void **arg, double *one, double *all)
{
	pthread_t th[256];
	double t0 = now_s(), t1;

	fn(arg[0]);
	t1 = now_s();
	for (int i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, fn, arg[i]) != 0) {
			perror("ceiling: pthread_create");
			return -1;
		}
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	*one = t1 - t0;
	*all = now_s() - t1;
	return 0;
}

static int
cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return CPU_COUNT(&set);
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

int
main(int argc, char **argv)
{
	void *seeds[256], *bufs[256];
	int n = cpus(), opt;
	double one, all, mone, mall;

	while ((opt = getopt(argc, argv, "t:n:m:")) != -1) {
		if (opt == 't')
			n = (int)strtol(optarg, NULL, 10);
		else if (opt == 'n')
			iterations = atol(optarg);
		else if (opt == 'm')
			mem_bytes = (size_t)atol(optarg) << 20;
		else
			return 2;
	}
	if (n < 1 || n > 256 || iterations < 1 || mem_bytes < 1) {
		fprintf(stderr, "ceiling: 1 <= threads <= 256\n");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		seeds[i] = (void *)(uintptr_t)(i + 1);
		bufs[i] = calloc(mem_bytes, 1);
		if (bufs[i] == NULL) {
			fprintf(stderr, "ceiling: out of memory\n");
			return 1;
		}
		memset(bufs[i], 1, mem_bytes);
	}
	if (race(n, spin, seeds, &one, &all) != 0 ||
	    race(n, sweep, bufs, &mone, &mall) != 0)
		return 1;
	for (int i = 0; i < n; i++)
		free(bufs[i]);
	printf("threads=%d one_s=%.4f all_s=%.4f ceiling=%.3f mem_one_s=%.4f "
	       "mem_all_s=%.4f mem_ceiling=%.3f\n",
	       n, one, all, n * one / all, mone, mall, n * mone / mall);
	return 0;
}
