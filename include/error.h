/*
 * Error codes and the caller-owned error record.  Every fallible function
 * returns 0 or a negative IMGPIPE_E* code and may fill a struct imgpipe_error
 * that the caller owns; there is no global error state.
 */
#ifndef IMGPIPE_ERROR_H
#define IMGPIPE_ERROR_H

enum imgpipe_err {
	IMGPIPE_ENOMEM = -1,  /* allocation failed */
	IMGPIPE_EIO = -2,     /* read, write, rename or directory failure */
	IMGPIPE_EFORMAT = -3, /* corrupt, truncated or unsupported file */
	IMGPIPE_ESPEC = -4,   /* bad pipeline text or option value */
	IMGPIPE_ELIMIT = -5,  /* over --max-pixels or another size limit */
	IMGPIPE_ECHILD = -6,  /* a worker process died */
	IMGPIPE_ECANCEL = -7, /* interrupted by SIGINT/SIGTERM */
	IMGPIPE_ENET = -8     /* a download failed (status, timeout, limit) */
};

#define IMGPIPE_ERR_MSG_LEN 256

struct imgpipe_error {
	int code;
	int sys_errno;
	char msg[IMGPIPE_ERR_MSG_LEN];
};

/*
 * Record a failure in err (which may be NULL) and return code, so that a
 * failure is one line: return error_set(err, IMGPIPE_EIO, "cannot open '%s'",
 * p); Messages are lower case with no final full stop (they follow "PATH: ").
 */
int error_set(struct imgpipe_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As error_set, and append ": strerror(sys_errno)"; keeps sys_errno too. */
int error_set_errno(struct imgpipe_error *err, int code, int sys_errno,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Record a warning: the call succeeded (code 0) but msg says what it let
 * through, e.g. a damaged file decoded or a worker that did not start.
 * Returns 0.  fmt's arguments must not point into err->msg.
 */
int error_warn(struct imgpipe_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * As error_warn, but a warning already in err stays first and this one
 * follows it after "; ", so that every warning of a file is one line.
 */
int error_warn_more(struct imgpipe_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reset err to "no error" (code 0, empty message).  NULL is allowed. */
void error_clear(struct imgpipe_error *err);

#endif
