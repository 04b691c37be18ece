/*
 * SIGINT/SIGTERM/SIGHUP become a flag.  This is the one piece of
 * process-global state: a signal handler can reach nothing else.  The flag
 * is a lock-free atomic rather than volatile sig_atomic_t, because worker
 * threads read it while the handler, on whichever thread, writes it.
 */
#include "cancel.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "banned.h"
#include "error.h"

static atomic_int cancel_sig;

static void
on_signal(int sig)
{
	int saved = errno;

	atomic_store(&cancel_sig, sig);
	errno = saved;
}

void
cancel_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a worker blocked in read() or waitpid() must wake. */
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A closed terminal stops the batch cleanly too (exit 129). */
	sigaction(SIGHUP, &sa, NULL);
}

int
cancel_requested(void)
{
	return atomic_load_explicit(&cancel_sig, memory_order_relaxed) != 0;
}

int
cancel_signal(void)
{
	return atomic_load(&cancel_sig);
}

void
cancel_request(int sig)
{
	atomic_store(&cancel_sig, sig);
}

int
cancel_hook(void *ctx)
{
	(void)ctx;
	return cancel_requested() ? IMGPIPE_ECANCEL : 0;
}
