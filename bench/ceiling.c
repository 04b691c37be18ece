/*
 * The machine's own parallel ceiling: how much faster N threads get through
 * pure, private integer work than one thread does, measured back to back.
 * On an idle machine with N real cores this is N; on a shared or
 * virtualised one it is what the host grants at that moment, and no mode of
 * imgpipe can beat it.  The study runs it in every round beside the modes so
 * their efficiency can be read against it.  Prints one line:
 *
 *   threads=N one_s=S all_s=S ceiling=X
 *
 *   ceiling [-t THREADS] [-n ITERATIONS]   defaults: every CPU, 2e8
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long iterations = 200000000L;
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
	pthread_t th[256];
	int n = cpus(), opt;
	double t0, t1, t2;

	while ((opt = getopt(argc, argv, "t:n:")) != -1) {
		if (opt == 't')
			n = atoi(optarg);
		else if (opt == 'n')
			iterations = atol(optarg);
		else
			return 2;
	}
	if (n < 1 || n > 256 || iterations < 1) {
		fprintf(stderr, "ceiling: 1 <= threads <= 256\n");
		return 2;
	}
	t0 = now_s();
	spin((void *)1);
	t1 = now_s();
	for (int i = 0; i < n; i++) {
		if (pthread_create(&th[i], NULL, spin,
				   (void *)(uintptr_t)(i + 1)) != 0) {
			perror("ceiling: pthread_create");
			return 1;
		}
	}
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	t2 = now_s();
	printf("threads=%d one_s=%.4f all_s=%.4f ceiling=%.3f\n", n, t1 - t0,
	       t2 - t1, n * (t1 - t0) / (t2 - t1));
	return 0;
}
