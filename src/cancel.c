/*
 * SIGINT/SIGTERM become a flag.  This is the one piece of process-global
 * state: a signal handler can reach nothing else.
 */
#include "cancel.h"

#include <signal.h>
#include <string.h>

#include "error.h"

static volatile sig_atomic_t cancel_sig;

static void
on_signal(int sig)
{
	cancel_sig = sig;
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
}

int
cancel_requested(void)
{
	return cancel_sig != 0;
}

int
cancel_signal(void)
{
	return (int)cancel_sig;
}

void
cancel_request(int sig)
{
	cancel_sig = sig;
}

int
cancel_hook(void *ctx)
{
	(void)ctx;
	return cancel_sig != 0 ? IMGPIPE_ECANCEL : 0;
}
