/*
 * Whole-file reads and atomic writes.  An output appears under its final
 * name only once complete (temporary file in the same folder, then
 * rename), so readers never see half an image and failures leave nothing.
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "membuf.h"
#include "util.h"

int
fileio_read(const char *path, struct membuf *out, struct imgpipe_error *err)
{
	struct stat st;
	ssize_t n;
	int fd, rc = 0;

	/*
	 * O_NONBLOCK: an input replaced by a FIFO after the listing must not
	 * block the open forever; it is refused below, as is a folder.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return error_set_errno(err, IMGPIPE_EIO, errno, "cannot open");
	if (fstat(fd, &st) != 0)
		st.st_mode = 0;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, IMGPIPE_EIO, "%s",
				 S_ISDIR(st.st_mode) ? "is a folder"
						     : "not a regular file");
	}
	membuf_reset(out);
	if (st.st_size > 0 &&
	    membuf_reserve(out, (size_t)st.st_size + 1) != 0) {
		close(fd);
		return error_set(err, IMGPIPE_ENOMEM, "out of memory reading");
	}
	for (;;) {
		if (out->len == out->cap && membuf_reserve(out, out->cap + 1)) {
			rc = error_set(err, IMGPIPE_ENOMEM,
				       "out of memory reading");
			break;
		}
		n = read(fd, out->data + out->len, out->cap - out->len);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = error_set_errno(err, IMGPIPE_EIO, errno,
					     "read error");
			break;
		}
		out->len += (size_t)n;
	}
	close(fd);
	return rc;
}

int
fileio_tmp_path(const char *path, pid_t pid, char *buf, size_t n)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path + 1) : 0;

	return util_fmt(buf, n, "%.*s.%s.imgpipe-%ld.tmp", dirlen, path, base,
			(long)pid);
}

/* Both loops: write p's bytes when out, else read into p. */
static int
transfer_full(int fd, unsigned char *p, size_t len, int out)
{
	ssize_t n;

	while (len > 0) {
		n = out ? write(fd, p, len) : read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
fileio_read_full(int fd, void *buf, size_t len)
{
	return transfer_full(fd, buf, len, 0);
}

int
fileio_write_full(int fd, const void *buf, size_t len)
{
	return transfer_full(fd, (unsigned char *)buf, len, 1);
}

int
fileio_write_atomic(const char *path, const void *data, size_t len,
		    struct imgpipe_error *err)
{
	char tmp[4096];
	int fd, e;

	if (fileio_tmp_path(path, getpid(), tmp, sizeof(tmp)) != 0)
		return error_set(err, IMGPIPE_EIO, "output path is too long");
	/* A leftover from a killed run of the same pid is stale: replace it. */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return error_set_errno(err, IMGPIPE_EIO, errno,
				       "cannot create output");
	if (fileio_write_full(fd, data, len) != 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		return error_set_errno(err, IMGPIPE_EIO, e, "write error");
	}
	if (close(fd) != 0) {
		e = errno;
		unlink(tmp);
		return error_set_errno(err, IMGPIPE_EIO, e, "write error");
	}
	if (rename(tmp, path) != 0) {
		e = errno;
		unlink(tmp);
		return error_set_errno(err, IMGPIPE_EIO, e,
				       "cannot rename output into place");
	}
	return 0;
}

int
fileio_mkdirs(const char *dir, struct imgpipe_error *err)
{
	char buf[4096];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(buf))
		return error_set(err, IMGPIPE_EIO, "bad folder name '%s'", dir);
	memcpy(buf, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return error_set_errno(err, IMGPIPE_EIO, errno,
					       "cannot create folder '%s'",
					       buf);
		buf[i] = dir[i];
	}
	return 0;
}
