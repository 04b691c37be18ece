/*
 * SIGINT/SIGTERM/SIGHUP turn into a flag that executors and the row hook
 * poll, so a batch stops between rows, removes its temporary files and
 * exits 130 (129 for SIGHUP).
 */
#ifndef IMGPIPE_CANCEL_H
#define IMGPIPE_CANCEL_H

/* Install the handlers (SA_RESTART off, so blocking calls wake up). */
void cancel_install(void);

/* Non-zero once a signal arrived; async-signal-safe to read. */
int cancel_requested(void);

/* The signal that arrived, or 0. */
int cancel_signal(void);

/* Set the flag by hand (tests, a parent relaying a signal). */
void cancel_request(int sig);

/* A hook_fn that returns IMGPIPE_ECANCEL once cancellation is requested. */
int cancel_hook(void *ctx);

#endif
