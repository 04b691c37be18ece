/*
 * ucontext coroutines.  makecontext passes only ints, so the coroutine's
 * pointer is split into two.  Sanitizer hooks follow the protocols in
 * <sanitizer/asan_interface.h> and <sanitizer/tsan_interface.h>.
 */
#include "coro.h"

#include <stdint.h>
#include <stdlib.h>

#include "error.h"
#include "util.h"

#if IMGPIPE_ASAN
#include <sanitizer/asan_interface.h>
#endif
#if IMGPIPE_TSAN
#include <sanitizer/tsan_interface.h>
#endif

static void
trampoline(unsigned int hi, unsigned int lo)
{
	struct coro *co =
		(struct coro *)(((uintptr_t)hi << 16 << 16) | (uintptr_t)lo);

#if IMGPIPE_ASAN
	__sanitizer_finish_switch_fiber(NULL, &co->caller_bottom,
					&co->caller_size);
#endif
	co->fn(co->arg);
	co->finished = 1;
#if IMGPIPE_ASAN
	/* NULL: this stack is done, its fake frames may go. */
	__sanitizer_start_switch_fiber(NULL, co->caller_bottom,
				       co->caller_size);
#endif
#if IMGPIPE_TSAN
	__tsan_switch_to_fiber(co->tsan_caller, 0);
#endif
	setcontext(&co->caller);
}

int
coro_init(struct coro *co, size_t stack_size, coro_fn *fn, void *arg)
{
	uintptr_t p = (uintptr_t)co;

	co->stack = malloc(stack_size);
	if (co->stack == NULL)
		return IMGPIPE_ENOMEM;
	co->stack_size = stack_size;
	co->fn = fn;
	co->arg = arg;
	co->finished = 0;
	co->asan_fake = NULL;
	co->tsan_fiber = co->tsan_caller = NULL;
	getcontext(&co->uc);
	co->uc.uc_stack.ss_sp = co->stack;
	co->uc.uc_stack.ss_size = stack_size;
	co->uc.uc_link = NULL;
	makecontext(&co->uc, (void (*)(void))trampoline, 2,
		    (unsigned int)(p >> 16 >> 16), (unsigned int)p);
#if IMGPIPE_TSAN
	co->tsan_fiber = __tsan_create_fiber(0);
#endif
	return 0;
}

void
coro_resume(struct coro *co)
{
	void *fake = NULL;

#if IMGPIPE_TSAN
	co->tsan_caller = __tsan_get_current_fiber();
	__tsan_switch_to_fiber(co->tsan_fiber, 0);
#endif
#if IMGPIPE_ASAN
	__sanitizer_start_switch_fiber(&fake, co->stack, co->stack_size);
#endif
	swapcontext(&co->caller, &co->uc);
#if IMGPIPE_ASAN
	__sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
	(void)fake;
}

void
coro_yield(struct coro *co)
{
#if IMGPIPE_ASAN
	__sanitizer_start_switch_fiber(&co->asan_fake, co->caller_bottom,
				       co->caller_size);
#endif
#if IMGPIPE_TSAN
	__tsan_switch_to_fiber(co->tsan_caller, 0);
#endif
	swapcontext(&co->uc, &co->caller);
#if IMGPIPE_ASAN
	__sanitizer_finish_switch_fiber(co->asan_fake, &co->caller_bottom,
					&co->caller_size);
#endif
}

void
coro_release(struct coro *co)
{
#if IMGPIPE_TSAN
	if (co->tsan_fiber != NULL)
		__tsan_destroy_fiber(co->tsan_fiber);
#endif
	free(co->stack);
	co->stack = NULL;
	co->tsan_fiber = NULL;
}
