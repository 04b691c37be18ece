/* Aborting allocators for bookkeeping, checked size maths, the clock. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "util.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static void
oom(size_t n)
{
	fprintf(stderr, "imgpipe: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		oom(nmemb * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

void
util_warn(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write, so lines from concurrent workers do not interleave. */
	fprintf(stderr, "imgpipe: %s\n", line);
}

int
size_mul(size_t a, size_t b, size_t *out)
{
	if (a != 0 && b > SIZE_MAX / a)
		return -1;
	*out = a * b;
	return 0;
}

int
size_mul3(size_t a, size_t b, size_t c, size_t *out)
{
	size_t ab;

	if (size_mul(a, b, &ab) != 0 || size_mul(ab, c, &ab) != 0)
		return -1;
	*out = ab;
	return 0;
}

int
util_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
util_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double
util_thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int
util_fmt(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return (r < 0 || (size_t)r >= n) ? -1 : 0;
}

int
util_cpus(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

/*
 * Under AddressSanitizer or ThreadSanitizer the allocator in use is the
 * sanitizer's: glibc's malloc_trim would walk arenas glibc never set up.
 */
void
util_trim_heap(void)
{
#if defined(__GLIBC__) && !IMGPIPE_ASAN && !IMGPIPE_TSAN
	malloc_trim(0);
#endif
}

int
util_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0, d;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		d = (uint64_t)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int
util_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	/* strtod alone would take blanks first, "inf", "nan" and hex. */
	if (s[0] == '\0' || s[strspn(s, "0123456789.+-eE")] != '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}
