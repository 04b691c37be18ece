/*
 * Stackful coroutines on ucontext, for the coop executor: a scheduler
 * resumes a coroutine, which runs until it yields back or finishes.  The
 * switches are annotated for AddressSanitizer and ThreadSanitizer, which
 * otherwise lose track of stacks that change under them.
 */
#ifndef IMGPIPE_CORO_H
#define IMGPIPE_CORO_H

#include <stddef.h>
#include <ucontext.h>

typedef void coro_fn(void *arg);

struct coro {
	ucontext_t uc, caller;
	void *stack;
	size_t stack_size;
	coro_fn *fn;
	void *arg;
	int finished;
	/* Sanitizer bookkeeping: fibers and the caller's stack bounds. */
	void *tsan_fiber, *tsan_caller;
	void *asan_fake;
	const void *caller_bottom;
	size_t caller_size;
};

/* Prepare co to run fn(arg) on a new stack.  0 or IMGPIPE_ENOMEM. */
int coro_init(struct coro *co, size_t stack_size, coro_fn *fn, void *arg);

/* Run co until it yields or finishes (then co->finished is set). */
void coro_resume(struct coro *co);

/* From inside co: go back to whoever resumed it. */
void coro_yield(struct coro *co);

/* Free the stack; co must be finished or never started. */
void coro_release(struct coro *co);

#endif
