/*
 * Other work's share of the CPUs, as bench/report.py measures it: the
 * machine's busy time from /proc/stat less our own from getrusage.
 */
#include "cpuload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pin.h"
#include "util.h"

/* user nice system idle iowait irq softirq steal; later ones are in user. */
#define STAT_FIELDS 8
#define STAT_IDLE   3
#define STAT_IOWAIT 4

int
cpuload_parse_stat(const char *line, double ticks_per_s, int *cpu,
		   double *busy_s)
{
	unsigned long long v[STAT_FIELDS], sum = 0;
	const char *p = line;
	char *end;
	int i, n = -1;

	if (strncmp(p, "cpu", 3) != 0 || ticks_per_s <= 0)
		return -1;
	p += 3;
	if (*p >= '0' && *p <= '9') {
		unsigned long k = strtoul(p, &end, 10);

		if (k >= TOPO_MAX_CPUS)
			return -1;
		n = (int)k;
		p = end;
	}
	if (*p != ' ')
		return -1;
	for (i = 0; i < STAT_FIELDS; i++) {
		while (*p == ' ')
			p++;
		/* Kernels before 2.6.11 stop early; fields not there are 0. */
		if (*p == '\n' || *p == '\0')
			break;
		if (*p < '0' || *p > '9')
			return -1;
		v[i] = strtoull(p, &end, 10);
		p = end;
	}
	if (i <= STAT_IOWAIT)
		return -1;
	for (int k = 0; k < i; k++)
		if (k != STAT_IDLE && k != STAT_IOWAIT)
			sum += v[k];
	*busy_s = (double)sum / ticks_per_s;
	*cpu = n;
	return 0;
}

static double
rusage_s(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

/*
 * Only the CPUs we may run on (--cpus, taskset, a cpuset): work on the
 * others does not compete with ours.  Their "cpuN" lines are summed; the
 * machine's total line stands in when the mask cannot be read.
 */
void
cpuload_sample(struct cpuload *s)
{
	static unsigned char allowed[TOPO_MAX_CPUS];
	char line[512];
	long tck = sysconf(_SC_CLK_TCK), n = sysconf(_SC_NPROCESSORS_ONLN);
	int mask = pin_allowed(allowed) > 0, cpu, cpus = 0;
	double busy, total = 0, mine = 0;
	FILE *f = fopen("/proc/stat", "r");

	memset(s, 0, sizeof(*s));
	s->cpus = n > 0 ? (int)n : 1;
	s->own_s = rusage_s(RUSAGE_SELF) + rusage_s(RUSAGE_CHILDREN);
	s->wall_s = util_now_s();
	if (f == NULL || tck <= 0) {
		if (f != NULL)
			fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL &&
	       cpuload_parse_stat(line, (double)tck, &cpu, &busy) == 0) {
		if (cpu < 0) {
			total = busy;
			s->known = 1;
		} else if (mask && allowed[cpu]) {
			mine += busy;
			cpus++;
		}
	}
	fclose(f);
	if (cpus > 0) {
		s->busy_s = mine;
		s->cpus = cpus;
	} else {
		s->busy_s = total;
	}
}

void
cpuload_other(const struct cpuload *a, const struct cpuload *b,
	      struct cpuload_other *out)
{
	double span = b->wall_s - a->wall_s;

	out->known = a->known && b->known;
	out->cpu_s = out->share = 0;
	if (!out->known)
		return;
	out->cpu_s =
		UTIL_MAX(0.0, (b->busy_s - a->busy_s) - (b->own_s - a->own_s));
	if (span > 0)
		out->share = UTIL_MIN(1.0, out->cpu_s / (span * b->cpus));
}
