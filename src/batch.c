/*
 * The task list: list the inputs (walk, --files-from or --urls), sort them
 * with strcmp, take the shard, sniff each file's magic (a URL's name
 * stands in for it), map outputs and create the output folders, all
 * before any worker starts.
 */
#include "batch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "error.h"
#include "fileio.h"
#include "urlname.h"
#include "util.h"

/* A growable list of malloc()ed strings. */
struct strlist {
	char **v;
	size_t n, cap;
};

/* What the build carries between its steps. */
struct builder {
	const struct batch_opts *o;
	struct batch *b;
	size_t cap_tasks, cap_failed;
	struct timespec *mtimes; /* of tasks[i]'s input */
	int have_out;		 /* out_dev/out_ino name OUTPUT_DIR */
	dev_t out_dev;
	ino_t out_ino;
};

static void
strlist_push(struct strlist *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = s;
}

static void
strlist_free(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "dir/name", without doubling a slash dir already ends with. */
static char *
path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir), m = strlen(name);
	int slash = n > 0 && dir[n - 1] != '/';
	char *p = xmalloc(n + slash + m + 1);

	memcpy(p, dir, n);
	if (slash)
		p[n] = '/';
	memcpy(p + n + slash, name, m + 1);
	return p;
}

static int
is_jpeg_ext(const char *e)
{
	return strcasecmp(e, "jpg") == 0 || strcasecmp(e, "jpeg") == 0 ||
	       strcasecmp(e, "jpe") == 0;
}

/* The extension of path's last component (no dot), or NULL. */
static const char *
extension(const char *path)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	/* A leading dot marks a hidden file, not an extension. */
	return dot != NULL && dot != base ? dot + 1 : NULL;
}

char *
batch_output_name(const char *rel_in, enum codec_id out)
{
	const struct codec *c = codec_get(out);
	const char *ext = extension(rel_in);
	size_t keep;
	char *p;

	if (c == NULL ||
	    (ext != NULL && (out == CODEC_JPEG ? is_jpeg_ext(ext)
					       : strcasecmp(ext, c->ext) == 0)))
		return xstrdup(rel_in);
	keep = ext != NULL ? (size_t)(ext - 1 - rel_in) : strlen(rel_in);
	p = xmalloc(keep + 1 + strlen(c->ext) + 1);
	memcpy(p, rel_in, keep);
	p[keep] = '.';
	memcpy(p + keep + 1, c->ext, strlen(c->ext) + 1);
	return p;
}

/* A name the user expects to be an image, so failing to read one is loud. */
static int
named_like_image(const char *path)
{
	const char *ext = extension(path);

	static const char *const exts[] = { "png",  "webp", "heic",
					    "heif", "hif",  "avif" };
	size_t i;

	if (ext == NULL)
		return 0;
	if (is_jpeg_ext(ext))
		return 1;
	for (i = 0; i < ARRAY_SIZE(exts); i++)
		if (strcasecmp(ext, exts[i]) == 0)
			return 1;
	return 0;
}

/* Our own temporary outputs: ".NAME.imgpipe-PID.tmp" (fileio.h). */
static int
is_our_tmp(const char *name)
{
	size_t n = strlen(name);

	return name[0] == '.' && strstr(name, ".imgpipe-") != NULL && n > 4 &&
	       strcmp(name + n - 4, ".tmp") == 0;
}

static void
add_failure(struct builder *bd, const char *rel_in, const char *rel_out,
	    const char *msg)
{
	struct batch *b = bd->b;
	struct batch_failure *f;

	if (b->nfailed == bd->cap_failed) {
		bd->cap_failed = bd->cap_failed ? 2 * bd->cap_failed : 16;
		b->failed = xrealloc(b->failed,
				     bd->cap_failed * sizeof(*b->failed));
	}
	f = &b->failed[b->nfailed++];
	f->rel_in = xstrdup(rel_in);
	f->rel_out = rel_out ? xstrdup(rel_out) : NULL;
	snprintf(f->error, sizeof(f->error), "%s", msg);
}

/* "what: strerror", or "no such file" for the commonest case. */
static void
add_errno_failure(struct builder *bd, const char *rel, const char *what,
		  int errnum)
{
	char msg[IMGPIPE_ERR_MSG_LEN];

	if (errnum == ENOENT)
		snprintf(msg, sizeof(msg), "no such file");
	else
		snprintf(msg, sizeof(msg), "%s: %s", what, strerror(errnum));
	add_failure(bd, rel, NULL, msg);
}

/*
 * Add the regular files under in_dir/rel (rel "" = the top) to l.  Links
 * to files count as files; links to folders are not followed, so a cycle
 * cannot trap the walk.  A sub-folder that cannot be read is a failure.
 */
static int
walk(struct builder *bd, const char *rel, struct strlist *l,
     struct imgpipe_error *err)
{
	char *dir =
		rel[0] ? path_join(bd->o->in_dir, rel) : xstrdup(bd->o->in_dir);
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	char *r, *full;

	if (d == NULL) {
		if (rel[0] == '\0') {
			free(dir);
			return error_set_errno(err, IMGPIPE_EIO, errno,
					       "cannot read input folder '%s'",
					       bd->o->in_dir);
		}
		add_errno_failure(bd, rel, "cannot read folder", errno);
		free(dir);
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0 || is_our_tmp(e->d_name))
			continue;
		r = rel[0] ? path_join(rel, e->d_name) : xstrdup(e->d_name);
		full = path_join(dir, e->d_name);
		if (lstat(full, &st) != 0) {
			strlist_push(l, r); /* classify reports why */
		} else if (S_ISDIR(st.st_mode)) {
			if (bd->o->recursive &&
			    !(bd->have_out && st.st_dev == bd->out_dev &&
			      st.st_ino == bd->out_ino))
				walk(bd, r, l, err);
			free(r);
		} else if (S_ISLNK(st.st_mode) && stat(full, &st) == 0 &&
			   S_ISDIR(st.st_mode)) {
			free(r);
		} else {
			strlist_push(l, r);
		}
		free(full);
	}
	closedir(d);
	free(dir);
	return 0;
}

/* Strip "./" and an INPUT_DIR/ prefix, so find(1) output works as is. */
static char *
normalise_listed(const char *in_dir, const char *s)
{
	size_t n = strlen(in_dir);

	while (n > 1 && in_dir[n - 1] == '/')
		n--;
	if (strncmp(s, in_dir, n) == 0 && s[n] == '/')
		s += n + 1;
	while (s[0] == '.' && s[1] == '/')
		for (s += 2; *s == '/'; s++)
			;
	return xstrdup(s);
}

/*
 * The whole of path ("-": stdin) into a malloc()ed, NUL-ended buffer;
 * opt names the option that gave it, for the message.
 */
static char *
slurp(const char *path, const char *opt, size_t *len, struct imgpipe_error *err)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t n = 0, cap = 4096, got;
	char *buf;

	if (f == NULL) {
		error_set_errno(err, IMGPIPE_EIO, errno, "cannot open %s '%s'",
				opt, path);
		return NULL;
	}
	buf = xmalloc(cap);
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0)
			buf = xrealloc(buf, cap *= 2);
	}
	if (ferror(f)) {
		error_set(err, IMGPIPE_EIO, "cannot read %s '%s'", opt, path);
		free(buf);
		buf = NULL;
	}
	if (f != stdin)
		fclose(f);
	if (buf != NULL)
		buf[n] = '\0';
	*len = n;
	return buf;
}

/* The entries of --files-from, one a line or NUL-separated. */
static int
read_list(const struct batch_opts *o, struct strlist *l,
	  struct imgpipe_error *err)
{
	char sep = o->null_sep ? '\0' : '\n';
	size_t len, i, start = 0, end;
	char *buf = slurp(o->files_from, "--files-from", &len, err);

	if (buf == NULL)
		return IMGPIPE_EIO;
	for (i = 0; i <= len; i++) {
		if (i < len && buf[i] != sep)
			continue;
		end = i;
		/* A list written on Windows ends its lines with CR LF. */
		if (!o->null_sep && end > start && buf[end - 1] == '\r')
			end--;
		buf[end] = '\0';
		if (end > start)
			strlist_push(l,
				     normalise_listed(o->in_dir, buf + start));
		start = i + 1;
	}
	free(buf);
	return 0;
}

/*
 * --urls: one URL a line (CR LF too); blank lines and lines starting with
 * '#' are skipped, and blanks around a URL, which cannot hold one, are
 * dropped.
 */
static int
read_urls(const struct batch_opts *o, struct strlist *l,
	  struct imgpipe_error *err)
{
	size_t len, i, start = 0, end;
	char *buf = slurp(o->urls, "--urls", &len, err);

	if (buf == NULL)
		return IMGPIPE_EIO;
	for (i = 0; i <= len; i++) {
		if (i < len && buf[i] != '\n')
			continue;
		end = i;
		while (end > start && strchr(" \t\r", buf[end - 1]) != NULL)
			end--;
		while (start < end && strchr(" \t", buf[start]) != NULL)
			start++;
		buf[end] = '\0';
		if (end > start && buf[start] != '#')
			strlist_push(l, xstrdup(buf + start));
		start = i + 1;
	}
	free(buf);
	return 0;
}

/* Sort and drop repeats (a file listed twice is one input). */
static void
sort_unique(struct strlist *l)
{
	size_t i, kept = 0;

	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_str);
	for (i = 0; i < l->n; i++) {
		if (kept > 0 && strcmp(l->v[kept - 1], l->v[i]) == 0)
			free(l->v[i]);
		else
			l->v[kept++] = l->v[i];
	}
	l->n = kept;
}

/* Keep the K-th of N shares of the sorted list. */
static void
shard(const struct batch_opts *o, struct strlist *l)
{
	size_t i, kept;

	if (o->shard_n <= 1)
		return;
	for (i = 0, kept = 0; i < l->n; i++) {
		if (i % (size_t)o->shard_n == (size_t)(o->shard_k - 1))
			l->v[kept++] = l->v[i];
		else
			free(l->v[i]);
	}
	l->n = kept;
}

/* A listed path that climbs out of INPUT_DIR (or is absolute). */
static int
escapes(const char *rel)
{
	const char *p = rel;

	if (rel[0] == '/')
		return 1;
	for (; p != NULL; p = strchr(p, '/'), p = p ? p + 1 : NULL)
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
			return 1;
	return 0;
}

/* The first bytes of path, for codec_sniff: bytes read, or -1 (errno). */
static ssize_t
read_magic(const char *path, unsigned char *buf, size_t n)
{
	/* O_NONBLOCK: a FIFO swapped in after the stat must not hang us. */
	int fd = open(path, O_RDONLY | O_NONBLOCK);
	ssize_t got;
	int saved;

	if (fd < 0)
		return -1;
	do
		got = read(fd, buf, n);
	while (got < 0 && errno == EINTR);
	saved = errno;
	close(fd);
	errno = saved;
	return got;
}

/* A zeroed task at the end of the list, with a zero input mtime. */
static struct task *
new_task(struct builder *bd)
{
	struct batch *b = bd->b;
	struct task *t;

	if (b->n == bd->cap_tasks) {
		bd->cap_tasks = bd->cap_tasks ? 2 * bd->cap_tasks : 64;
		b->tasks =
			xrealloc(b->tasks, bd->cap_tasks * sizeof(*b->tasks));
		bd->mtimes = xrealloc(bd->mtimes,
				      bd->cap_tasks * sizeof(*bd->mtimes));
	}
	t = &b->tasks[b->n];
	memset(t, 0, sizeof(*t));
	memset(&bd->mtimes[b->n], 0, sizeof(bd->mtimes[b->n]));
	return t;
}

static void
add_task(struct builder *bd, char *rel, char *full, const struct codec *c,
	 const struct stat *st)
{
	struct batch *b = bd->b;
	enum codec_id out = pipeline_out_codec(bd->o->format, c->id);
	struct task *t = new_task(bd);

	t->rel_in = rel;
	t->in_path = full;
	t->rel_out = batch_output_name(rel, out);
	t->out_path = path_join(bd->o->out_dir, t->rel_out);
	t->in_codec = c->id;
	t->out_codec = out;
	t->in_bytes = (uint64_t)st->st_size;
	bd->mtimes[b->n++] = st->st_mtim;
}

/*
 * Decide what rel is: a task, a failure or a skipped file.  Takes
 * ownership of rel.
 */
static void
classify(struct builder *bd, char *rel)
{
	unsigned char magic[CODEC_SNIFF_BYTES];
	const struct codec *c;
	struct stat st;
	char *full;
	ssize_t got;

	if (escapes(rel)) {
		add_failure(bd, rel, NULL, "path is outside the input folder");
		free(rel);
		return;
	}
	full = path_join(bd->o->in_dir, rel);
	if (stat(full, &st) != 0) {
		add_errno_failure(bd, rel, "cannot open", errno);
		goto drop;
	}
	if (S_ISDIR(st.st_mode)) {
		add_failure(bd, rel, NULL, "is a folder");
		goto drop;
	}
	if (!S_ISREG(st.st_mode)) {
		bd->b->skipped_other++;
		goto drop;
	}
	got = read_magic(full, magic, sizeof(magic));
	c = got > 0 ? codec_sniff(magic, (size_t)got) : NULL;
	if (c != NULL) {
		add_task(bd, rel, full, c, &st);
		return;
	}
	if (got < 0)
		add_errno_failure(bd, rel, "cannot read", errno);
	else if (named_like_image(rel))
		add_failure(bd, rel, NULL,
			    got == 0 ? "empty file" : CODEC_NOT_AN_IMAGE);
	else
		bd->b->skipped_other++;
drop:
	free(full);
	free(rel);
}

/*
 * A URL of the list: a task named by urlname_parse, or a failure.  The
 * format -f same writes must be known before the body is, so the URL's
 * extension decides it (urlname_codec).  Takes ownership of url.
 */
static void
classify_url(struct builder *bd, char *url, int host_folders)
{
	struct imgpipe_error err;
	struct urlname u;
	struct task *t;
	char *rel;

	error_clear(&err);
	if (urlname_parse(url, &u, &err) != 0) {
		add_failure(bd, url, NULL, err.msg);
		free(url);
		return;
	}
	rel = host_folders ? path_join(u.host, u.path) : xstrdup(u.path);
	t = new_task(bd);
	t->url = url;
	t->rel_in = xstrdup(url);
	t->in_codec = urlname_codec(u.path);
	t->out_codec = pipeline_out_codec(bd->o->format, t->in_codec);
	t->rel_out = batch_output_name(rel, t->out_codec);
	t->out_path = path_join(bd->o->out_dir, t->rel_out);
	bd->b->n++;
	free(rel);
	urlname_release(&u);
}

/*
 * Whether the list names more than one host (host:port), which makes the
 * host the first folder of every output.  Over the whole list, before the
 * shard, so that every shard names outputs alike.
 */
static int
several_hosts(const struct strlist *l)
{
	struct urlname u;
	char *first = NULL;
	int several = 0;
	size_t i;

	for (i = 0; i < l->n && !several; i++) {
		if (urlname_parse(l->v[i], &u, NULL) != 0)
			continue;
		if (first == NULL) {
			first = u.host;
			u.host = NULL;
		} else {
			several = strcmp(first, u.host) != 0;
		}
		urlname_release(&u);
	}
	free(first);
	return several;
}

static void
free_task(struct task *t)
{
	free((char *)t->url);
	free((char *)t->in_path);
	free((char *)t->out_path);
	free((char *)t->rel_in);
	free((char *)t->rel_out);
}

/* An output name and the task it belongs to, for finding collisions. */
struct out_key {
	const char *rel_out;
	size_t index;
};

static int
cmp_out(const void *a, const void *b)
{
	const struct out_key *x = a, *y = b;
	int c = strcmp(x->rel_out, y->rel_out);

	return c != 0 ? c : (x->index > y->index) - (x->index < y->index);
}

/* Drop tasks whose flag is set, keeping the order of the others. */
static void
compact(struct builder *bd, const unsigned char *drop)
{
	struct batch *b = bd->b;
	size_t i, kept = 0;

	for (i = 0; i < b->n; i++) {
		if (drop[i]) {
			free_task(&b->tasks[i]);
			continue;
		}
		bd->mtimes[kept] = bd->mtimes[i];
		b->tasks[kept++] = b->tasks[i];
	}
	b->n = kept;
}

/*
 * Two inputs mapping to one output (a.png and a.jpg with -f jpeg): the
 * first in sorted order keeps it, the others fail rather than overwrite.
 */
static void
drop_collisions(struct builder *bd)
{
	struct batch *b = bd->b;
	struct out_key *k = xcalloc(b->n, sizeof(*k));
	unsigned char *drop = xcalloc(b->n, 1);
	char msg[IMGPIPE_ERR_MSG_LEN];
	const struct task *t, *owner = NULL;
	size_t i;

	for (i = 0; i < b->n; i++) {
		k[i].rel_out = b->tasks[i].rel_out;
		k[i].index = i;
	}
	qsort(k, b->n, sizeof(*k), cmp_out);
	for (i = 0; i < b->n; i++) {
		t = &b->tasks[k[i].index];
		if (owner == NULL || strcmp(t->rel_out, owner->rel_out) != 0) {
			owner = t;
			continue;
		}
		drop[k[i].index] = 1;
		snprintf(msg, sizeof(msg),
			 "output '%s' would overwrite the output of '%s'",
			 t->rel_out, owner->rel_in);
		add_failure(bd, t->rel_in, t->rel_out, msg);
	}
	compact(bd, drop);
	free(drop);
	free(k);
}

static int
newer(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

/*
 * --skip-existing: an output newer than its input is done (README); an
 * input touched in the same clock tick as its output is redone, which is
 * the safe side.  A URL has no mtime to compare: its output is done when
 * it exists.
 */
static void
drop_existing(struct builder *bd)
{
	struct batch *b = bd->b;
	unsigned char *drop = xcalloc(b->n ? b->n : 1, 1);
	struct stat st;
	size_t i;

	for (i = 0; i < b->n; i++) {
		if (stat(b->tasks[i].out_path, &st) == 0 &&
		    S_ISREG(st.st_mode) &&
		    (b->tasks[i].url != NULL ||
		     newer(&st.st_mtim, &bd->mtimes[i]))) {
			drop[i] = 1;
			b->skipped_existing++;
		}
	}
	compact(bd, drop);
	free(drop);
}

/* INPUT_DIR must be a folder, and OUTPUT_DIR must not be the same one. */
static int
check_folders(const struct batch_opts *o, struct imgpipe_error *err)
{
	struct stat in, out;

	if (stat(o->in_dir, &in) != 0)
		return error_set_errno(err, IMGPIPE_EIO, errno,
				       "cannot read input folder '%s'",
				       o->in_dir);
	if (!S_ISDIR(in.st_mode))
		return error_set(err, IMGPIPE_EIO, "input '%s' is not a folder",
				 o->in_dir);
	/*
	 * Identity, not names: "in", "./in/" and a link to it are one
	 * folder.  An OUTPUT_DIR that does not exist yet cannot be it.
	 */
	if (stat(o->out_dir, &out) == 0 && out.st_dev == in.st_dev &&
	    out.st_ino == in.st_ino)
		return error_set(err, IMGPIPE_ESPEC,
				 "output folder is the input folder");
	return 0;
}

/*
 * Create OUTPUT_DIR when asked and check it can be written; remember its
 * identity so that a walk of INPUT_DIR never enters it.
 */
static int
prepare_output(struct builder *bd, struct imgpipe_error *err)
{
	const char *dir = bd->o->out_dir;
	struct stat st;
	int rc;

	if (bd->o->create_dirs) {
		rc = fileio_mkdirs(dir, err);
		if (rc != 0)
			return rc;
	}
	if (stat(dir, &st) != 0)
		return 0; /* a dry run of a folder still to be made */
	if (!S_ISDIR(st.st_mode))
		return error_set(err, IMGPIPE_EIO,
				 "output '%s' is not a folder", dir);
	if (bd->o->create_dirs && access(dir, W_OK | X_OK) != 0)
		return error_set_errno(err, IMGPIPE_EIO, errno,
				       "cannot write to output folder '%s'",
				       dir);
	bd->have_out = 1;
	bd->out_dev = st.st_dev;
	bd->out_ino = st.st_ino;
	return 0;
}

/* Sub-folders of OUTPUT_DIR that outputs go to (-r, --files-from). */
static int
make_subdirs(const struct batch *b, struct imgpipe_error *err)
{
	char *dir, *prev = NULL, *slash;
	size_t i;
	int rc = 0;

	for (i = 0; i < b->n && rc == 0; i++) {
		if (strchr(b->tasks[i].rel_out, '/') == NULL)
			continue;
		dir = xstrdup(b->tasks[i].out_path);
		slash = strrchr(dir, '/');
		*slash = '\0';
		if (prev == NULL || strcmp(prev, dir) != 0)
			rc = fileio_mkdirs(dir, err);
		free(prev);
		prev = dir;
	}
	free(prev);
	return rc;
}

static int
cmp_failure(const void *a, const void *b)
{
	const struct batch_failure *x = a, *y = b;

	return strcmp(x->rel_in, y->rel_in);
}

/* The list of inputs, sorted and sharded, made into tasks and failures. */
static int
list_inputs(struct builder *bd, struct strlist *l, struct imgpipe_error *err)
{
	const struct batch_opts *o = bd->o;
	int rc, host_folders = 0;
	size_t i;

	rc = o->urls	     ? read_urls(o, l, err)
	     : o->files_from ? read_list(o, l, err)
			     : walk(bd, "", l, err);
	if (rc != 0)
		return rc;
	sort_unique(l);
	if (o->urls)
		host_folders = several_hosts(l);
	shard(o, l);
	for (i = 0; i < l->n; i++) {
		/* Each takes its string. */
		if (o->urls)
			classify_url(bd, l->v[i], host_folders);
		else
			classify(bd, l->v[i]);
	}
	l->n = 0;
	return 0;
}

int
batch_build(const struct batch_opts *o, struct batch *b,
	    struct imgpipe_error *err)
{
	struct builder bd;
	struct strlist l = { NULL, 0, 0 };
	int rc;

	memset(b, 0, sizeof(*b));
	memset(&bd, 0, sizeof(bd));
	bd.o = o;
	bd.b = b;
	b->urls = o->urls != NULL;
	rc = o->urls != NULL ? 0 : check_folders(o, err);
	if (rc == 0)
		rc = prepare_output(&bd, err);
	if (rc == 0)
		rc = list_inputs(&bd, &l, err);
	if (rc != 0)
		goto fail;
	drop_collisions(&bd);
	if (o->skip_existing)
		drop_existing(&bd);
	if (b->nfailed > 1)
		qsort(b->failed, b->nfailed, sizeof(*b->failed), cmp_failure);
	if (o->create_dirs)
		rc = make_subdirs(b, err);
	if (rc != 0)
		goto fail;
	strlist_free(&l);
	free(bd.mtimes);
	return 0;
fail:
	strlist_free(&l);
	free(bd.mtimes);
	batch_release(b);
	return rc;
}

void
batch_release(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free_task(&b->tasks[i]);
	for (i = 0; i < b->nfailed; i++) {
		free(b->failed[i].rel_in);
		free(b->failed[i].rel_out);
	}
	free(b->tasks);
	free(b->failed);
	memset(b, 0, sizeof(*b));
}
