/*
 * Other work on the machine: the CPU time every CPU spent busy
 * (/proc/stat) over a span, less what this process and the children it
 * reaped used (getrusage).  What is left was taken by other processes,
 * competing with ours for the CPUs.
 */
#ifndef IMGPIPE_CPULOAD_H
#define IMGPIPE_CPULOAD_H

/* One moment's totals; compare two with cpuload_other. */
struct cpuload {
	int known;     /* /proc/stat could be read */
	int cpus;      /* CPUs summed: the allowed ones (else all online) */
	double busy_s; /* busy time of all CPUs since boot */
	double own_s;  /* user + system time of us and our reaped children */
	double wall_s; /* util_now_s() */
};

/* What other work used between two samples. */
struct cpuload_other {
	int known;    /* both samples read /proc/stat */
	double cpu_s; /* CPU seconds, never below 0 */
	double share; /* cpu_s over (CPUs x the span): 0 to 1 */
};

/*
 * Take a sample now.  Reap children before it (their time counts only once
 * waited for).  known = 0 where /proc/stat cannot be read.
 */
void cpuload_sample(struct cpuload *s);

/*
 * Busy seconds in a /proc/stat CPU line, "cpu user nice system idle
 * iowait irq softirq steal ..." (the machine's total; *cpu = -1) or
 * "cpuN ..." (CPU N's; *cpu = N), in ticks_per_s units: the sum of the
 * first eight fields but idle and iowait.  Returns 0, or -1 (*cpu and
 * *busy_s untouched) when line is not such a line.
 */
int cpuload_parse_stat(const char *line, double ticks_per_s, int *cpu,
		       double *busy_s);

/*
 * Other work's CPU use between a (earlier) and b: the machine's busy time
 * less our own, clamped at 0 (/proc/stat counts in ticks, rusage finer).
 */
void cpuload_other(const struct cpuload *a, const struct cpuload *b,
		   struct cpuload_other *out);

#endif
