/* The error record: formatting into a caller-owned buffer, never globals. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"

static void
vset(struct imgpipe_error *err, int code, int sys_errno, const char *fmt,
     va_list ap)
{
	int n;

	err->code = code;
	err->sys_errno = sys_errno;
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (sys_errno != 0 && n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s",
			 strerror(sys_errno));
}

int
error_set(struct imgpipe_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	va_start(ap, fmt);
	vset(err, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int
error_set_errno(struct imgpipe_error *err, int code, int sys_errno,
		const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	va_start(ap, fmt);
	vset(err, code, sys_errno, fmt, ap);
	va_end(ap);
	return code;
}

int
error_warn(struct imgpipe_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return 0;
	va_start(ap, fmt);
	vset(err, 0, 0, fmt, ap);
	va_end(ap);
	return 0;
}

int
error_warn_more(struct imgpipe_error *err, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (err == NULL)
		return 0;
	n = strlen(err->msg);
	if (err->code != 0 || n == 0) {
		va_start(ap, fmt);
		vset(err, 0, 0, fmt, ap);
		va_end(ap);
		return 0;
	}
	if (n + 2 < sizeof(err->msg)) {
		memcpy(err->msg + n, "; ", 3);
		va_start(ap, fmt);
		vsnprintf(err->msg + n + 2, sizeof(err->msg) - n - 2, fmt, ap);
		va_end(ap);
	}
	return 0;
}

void
error_clear(struct imgpipe_error *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->sys_errno = 0;
	err->msg[0] = '\0';
}
