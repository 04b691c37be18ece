/*
 * Small helpers every module may use: aborting allocators for bookkeeping,
 * overflow-checked size arithmetic and the monotonic clock.  Pixel buffers
 * never come from x*alloc: they come from image.h and fail softly.
 */
#ifndef IMGPIPE_UTIL_H
#define IMGPIPE_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Allocate or die with a message: only for small bookkeeping. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Print "imgpipe: <message>" and a newline to stderr (printf-style). */
void util_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* *out = a * b; returns 0, or -1 on overflow (*out untouched). */
int size_mul(size_t a, size_t b, size_t *out);

/* *out = a * b * c; returns 0, or -1 on overflow (*out untouched). */
int size_mul3(size_t a, size_t b, size_t c, size_t *out);

/* qsort comparator for doubles, ascending. */
int util_cmp_double(const void *a, const void *b);

/* Seconds from an arbitrary fixed point, CLOCK_MONOTONIC. */
double util_now_s(void);

/* CPU seconds the calling thread has used, CLOCK_THREAD_CPUTIME_ID. */
double util_thread_cpu_s(void);

/* CPUs this process may run on (its affinity mask), at least 1. */
int util_cpus(void);

/*
 * Give the heap's free pages back to the kernel now (glibc: malloc_trim;
 * elsewhere nothing).  Thread-safe; it locks each malloc arena in turn.
 */
void util_trim_heap(void);

/*
 * Decimal numbers, one rule for options and pipeline text alike: the whole
 * of s, nothing before (no blank, no sign where none is allowed), nothing
 * after, no overflow.  Each returns 0 and sets *out, or -1 (*out untouched).
 */

/* Digits only: counts, sizes and offsets are never signed. */
int util_parse_u64(const char *s, uint64_t *out);

/*
 * A finite number: optional sign, digits, optional point and exponent
 * (never inf, nan or a hex float).
 */
int util_parse_double(const char *s, double *out);

/* snprintf that returns -1 when the result would not fit, 0 otherwise. */
int util_fmt(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * IMGPIPE_ASAN and IMGPIPE_TSAN: 1 in an AddressSanitizer or
 * ThreadSanitizer build, else 0.  gcc says so with __SANITIZE_ADDRESS__ and
 * __SANITIZE_THREAD__, clang only through __has_feature; test them here
 * once, so that no file misses one compiler's spelling.
 */
#if defined(__SANITIZE_ADDRESS__)
#define IMGPIPE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IMGPIPE_ASAN 1
#endif
#endif
#ifndef IMGPIPE_ASAN
#define IMGPIPE_ASAN 0
#endif

#if defined(__SANITIZE_THREAD__)
#define IMGPIPE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define IMGPIPE_TSAN 1
#endif
#endif
#ifndef IMGPIPE_TSAN
#define IMGPIPE_TSAN 0
#endif

#define ARRAY_SIZE(a)  (sizeof(a) / sizeof((a)[0]))
#define UTIL_MIN(a, b) ((a) < (b) ? (a) : (b))
#define UTIL_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Every module that uses these helpers is barred from the banned ones. */
#include "banned.h"

#endif
