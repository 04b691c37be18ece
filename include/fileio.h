/*
 * Whole-file reads and atomic writes with plain POSIX calls.  The temporary
 * name of an output is a function of its final path and the writing
 * process's pid, so that a parent can remove what a crashed child left.
 */
#ifndef IMGPIPE_FILEIO_H
#define IMGPIPE_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

struct imgpipe_error;
struct membuf;

/* Read the whole of path into out (replacing its contents). */
int fileio_read(const char *path, struct membuf *out,
		struct imgpipe_error *err);

/*
 * Write data to fileio_tmp_path(path, getpid()), then rename it to path.
 * On any failure the temporary file is removed and path is untouched.
 */
int fileio_write_atomic(const char *path, const void *data, size_t len,
			struct imgpipe_error *err);

/*
 * The temporary name for path written by pid: ".NAME.imgpipe-PID.tmp" in
 * path's folder.  Returns 0, or -1 when it does not fit in n bytes.
 */
int fileio_tmp_path(const char *path, pid_t pid, char *buf, size_t n);

/*
 * Read or write exactly len bytes of fd, retrying after EINTR and short
 * counts.  Returns 0, or -1 on an error (errno set) or, for reads, an end
 * of file first.
 */
int fileio_read_full(int fd, void *buf, size_t len);
int fileio_write_full(int fd, const void *buf, size_t len);

/* Create dir and its missing parents (mode 0777 & ~umask). */
int fileio_mkdirs(const char *dir, struct imgpipe_error *err);

#endif
