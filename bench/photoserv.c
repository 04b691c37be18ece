/*
 * photoserv: the loopback photo server of the URL tests, the demo and the
 * bench.  One thread, one libuv loop; every file of --root is read into
 * memory at start, so a response costs no disk I/O and the server is never
 * the bottleneck of what it measures.
 *
 *   photoserv --root DIR [--port N] [--port-file F] [--latency-ms MS]
 *             [--rate BYTES_PER_S] [--stats FILE]
 *
 * Listens on 127.0.0.1 (port 0, the default: a free one), prints "port N"
 * on stdout and writes N to --port-file (renamed into place, so a reader
 * never sees half of it), and serves until SIGTERM or SIGINT; then writes
 * {"requests": N, "cpu_user_s": x, "cpu_sys_s": y, "wall_s": z} to --stats.
 *
 * HTTP/1.1 with keep-alive (and pipelining, answered in order), GET and
 * HEAD only (else 405), one "Range: bytes=a-b", "a-" or "-n" (206, or 416).
 * The parser is strict and bounded: a header block over 16 kB, a bare LF,
 * a header line without a name, a request with a body or a target that is
 * not an absolute path is a 400 and the connection closes.  Every response
 * first waits --latency-ms (one timer per request); --rate paces each
 * connection's body to that many bytes a second.
 *
 * Paths (percent-decoded; the query is ignored):
 *   /<file>                  the file under DIR
 *   /copy/<k>/<file>         the same file under distinct names (sweeps)
 *   /_/status/<code>         that status (200..599), a short text body
 *   /_/redirect-loop         302 to itself
 *   /_/drip/<file>           the file at 1 byte a second
 *   /_/short/<file>          Content-Length 1000 more than the body, close
 *   /_/reset/<file>          half the body, then a TCP reset
 *   /_/html                  a 200 text/html page
 *   /_/chunked/<file>        the file chunked (no Content-Length)
 *   /_/flaky/<n>/<file>      503 for the first n requests of that path
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <uv.h>

#define MAX_HEADER    16384 /* request line and headers, CRLFCRLF included */
#define MAX_FILES     100000
#define CHUNK	      65536 /* /_/chunked/ chunk size */
#define RATE_TICK_MS  10    /* --rate: one write per tick */
#define RESET_WAIT_MS 50    /* lets the half body reach the client first */

struct file {
	char *name; /* relative to --root, '/'-separated */
	char *data;
	size_t len;
};

struct flaky {
	struct flaky *next;
	char *path;
	long seen;
};

enum fault {
	F_NONE,
	F_DRIP,	 /* the body 1 byte a second */
	F_SHORT, /* Content-Length + 1000, then close */
	F_RESET, /* half the body, then RST */
	F_CHUNKED,
};

struct conn {
	uv_tcp_t tcp;
	uv_timer_t timer; /* latency, then pacing */
	uv_write_t wreq;
	int nclosed;
	int closing;
	int busy; /* a request is being answered */
	int reading;
	size_t len;    /* bytes in buf */
	size_t reqlen; /* bytes of buf the current request takes */
	char buf[MAX_HEADER];
	/* The response being sent. */
	char head[1024];
	size_t headlen;
	const char *body; /* borrowed: a preloaded file or a static string */
	size_t bodylen;
	size_t sent; /* body bytes written */
	int head_sent;
	int close_after;
	enum fault fault;
	char chunkhdr[32];
	uint64_t due_ns; /* when the latency ends: the response's due time */
};

static struct file *files;
static size_t nfiles;
static struct flaky *flakies;
static uint64_t latency_ms;
static uint64_t rate; /* bytes a second a connection; 0: unpaced */
static uint64_t nrequests;
/* How late responses started, past their latency: the server's own cost. */
static uint64_t late_ns_sum, late_ns_max, nlate;
static uint64_t start_ns;
static const char *stats_path;
static uv_loop_t *loop;
static uv_tcp_t server;
static uv_signal_t sigterm, sigint;

static const char html_page[] =
	"<!DOCTYPE html>\n<html><head><title>Not a photo</title></head>\n"
	"<body><p>This is a web page, not an image.</p></body></html>\n";

static void on_write(uv_write_t *w, int status);
static void try_request(struct conn *c);

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("photoserv: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

static void
load_file(const char *path, const char *rel)
{
	struct stat st;
	struct file *f;
	size_t got = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0)
		die("cannot read '%s': %s", path, strerror(errno));
	if (nfiles == MAX_FILES)
		die("more than %d files under --root", MAX_FILES);
	files = realloc(files, (nfiles + 1) * sizeof(*files));
	if (!files)
		die("out of memory");
	f = &files[nfiles++];
	f->name = xstrdup(rel);
	f->len = (size_t)st.st_size;
	f->data = xmalloc(f->len);
	while (got < f->len) {
		ssize_t n = read(fd, f->data + got, f->len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("cannot read '%s': %s", path,
			    n ? strerror(errno) : "file shrank");
		got += (size_t)n;
	}
	close(fd);
}

/* Every regular file under dir (rel is its name relative to --root). */
static void
load_dir(const char *dir, const char *rel)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		die("cannot open '%s': %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		char path[4096], name[4096];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     e->d_name) >= sizeof(path) ||
		    (size_t)snprintf(name, sizeof(name), "%s%s%s", rel,
				     *rel ? "/" : "",
				     e->d_name) >= sizeof(name))
			die("path too long under '%s'", dir);
		if (stat(path, &st) < 0)
			die("cannot stat '%s': %s", path, strerror(errno));
		if (S_ISDIR(st.st_mode))
			load_dir(path, name);
		else if (S_ISREG(st.st_mode))
			load_file(path, name);
	}
	closedir(d);
}

static int
cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct file *)a)->name,
		      ((const struct file *)b)->name);
}

/* How many requests of this exact path came before this one. */
static long
flaky_count(const char *path)
{
	struct flaky *f;

	for (f = flakies; f; f = f->next)
		if (!strcmp(f->path, path))
			return f->seen++;
	f = xmalloc(sizeof(*f));
	f->path = xstrdup(path);
	f->seen = 1;
	f->next = flakies;
	flakies = f;
	return 0;
}

static const char *
reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 206: return "Partial Content";
	case 302: return "Found";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 416: return "Range Not Satisfiable";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

static const char *
content_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (!dot)
		return "application/octet-stream";
	if (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"))
		return "image/jpeg";
	if (!strcasecmp(dot, ".png"))
		return "image/png";
	if (!strcasecmp(dot, ".webp"))
		return "image/webp";
	if (!strcasecmp(dot, ".heic"))
		return "image/heic";
	return "application/octet-stream";
}

/* Appends to the response head; the head is far larger than any we make. */
static void
head_add(struct conn *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->head + c->headlen, sizeof(c->head) - c->headlen, fmt,
		      ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(c->head) - c->headlen)
		die("response head too long");
	c->headlen += (size_t)n;
}

static void
respond(struct conn *c, int code, const char *type, const char *body,
	size_t len, int head_only)
{
	c->headlen = 0;
	head_add(c, "HTTP/1.1 %d %s\r\n", code, reason(code));
	if (type)
		head_add(c, "Content-Type: %s\r\n", type);
	if (c->fault == F_CHUNKED)
		head_add(c, "Transfer-Encoding: chunked\r\n");
	else
		head_add(c, "Content-Length: %zu\r\n",
			 len + (c->fault == F_SHORT ? 1000 : 0));
	if (c->close_after)
		head_add(c, "Connection: close\r\n");
	head_add(c, "\r\n");
	c->body = head_only ? NULL : body;
	c->bodylen = head_only ? 0 : len;
	if (head_only)
		c->fault = F_NONE;
}

static void
respond_text(struct conn *c, int code, const char *text, int head_only)
{
	c->fault = F_NONE;
	respond(c, code, "text/plain", text, strlen(text), head_only);
}

/* Decodes %XX in place; -1 on a bad escape or a NUL byte. */
static int
pct_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '%') {
			char hex[3] = { 0 };
			char *end;
			long v;

			if (!s[1] || !s[2])
				return -1;
			hex[0] = s[1];
			hex[1] = s[2];
			v = strtol(hex, &end, 16);
			if (*end || v == 0)
				return -1;
			*o++ = (char)v;
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return 0;
}

/* A count of digits only: 0..max, else -1. */
static long
number(const char *s, const char *end, long max)
{
	long v = 0;

	if (s == end)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	return v;
}

/* The file a path names: "<file>" or "copy/<k>/<file>"; NULL if none. */
static const struct file *
find_file(const char *name)
{
	struct file key = { (char *)name, NULL, 0 };
	const char *slash;

	if (!strncmp(name, "copy/", 5) && (slash = strchr(name + 5, '/')) &&
	    number(name + 5, slash, 1000000000) >= 0)
		key.name = (char *)slash + 1;
	return bsearch(&key, files, nfiles, sizeof(*files), cmp_file);
}

/* Applies "bytes=a-b", "a-" or "-n" to len: 1 with the offset and count set, 0
 * to ignore (more than one range), -1 when it cannot be satisfied. */
static int
parse_range(const char *r, size_t len, size_t *off, size_t *n)
{
	const char *dash;
	long a, b;

	if (strncmp(r, "bytes=", 6) || strchr(r, ','))
		return 0;
	r += 6;
	dash = strchr(r, '-');
	if (!dash)
		return -1;
	a = dash == r ? -1 : number(r, dash, LONG_MAX / 10);
	b = dash[1] ? number(dash + 1, dash + strlen(dash), LONG_MAX / 10) : -1;
	if ((dash != r && a < 0) || (dash[1] && b < 0) || (a < 0 && b < 0))
		return -1;
	if (a < 0) { /* the last b bytes */
		if (b == 0 || len == 0)
			return -1;
		*off = (size_t)b >= len ? 0 : len - (size_t)b;
	} else {
		if ((size_t)a >= len || (b >= 0 && b < a))
			return -1;
		*off = (size_t)a;
	}
	*n = len - *off;
	if (a >= 0 && b >= 0 && (size_t)b < len)
		*n = (size_t)b - *off + 1;
	return 1;
}

static void
serve_file(struct conn *c, const struct file *f, const char *range,
	   int head_only)
{
	size_t off, n;
	int r = range && c->fault == F_NONE
			? parse_range(range, f->len, &off, &n)
			: 0;

	if (r < 0) {
		c->headlen = 0;
		head_add(c,
			 "HTTP/1.1 416 %s\r\nContent-Range: bytes */%zu\r\n"
			 "Content-Length: 0\r\n%s\r\n",
			 reason(416), f->len,
			 c->close_after ? "Connection: close\r\n" : "");
		c->body = NULL;
		c->bodylen = 0;
		return;
	}
	if (r == 0) {
		respond(c, 200, content_type(f->name), f->data, f->len,
			head_only);
		return;
	}
	c->headlen = 0;
	head_add(c,
		 "HTTP/1.1 206 %s\r\nContent-Type: %s\r\n"
		 "Content-Range: bytes %zu-%zu/%zu\r\nContent-Length: %zu\r\n%s"
		 "\r\n",
		 reason(206), content_type(f->name), off, off + n - 1, f->len,
		 n, c->close_after ? "Connection: close\r\n" : "");
	c->body = head_only ? NULL : f->data + off;
	c->bodylen = head_only ? 0 : n;
}

/* Routes the decoded path (starting with '/') to a response. */
static void
route(struct conn *c, char *path, const char *range, int head_only)
{
	char *p = path + 1, *slash;
	const struct file *f;
	long n;

	c->fault = F_NONE;
	if (!strncmp(p, "_/", 2)) {
		p += 2;
		if (!strncmp(p, "status/", 7)) {
			n = number(p + 7, p + strlen(p), 999);
			if (n < 200 || n > 599) {
				respond_text(c, 404, "no such status\n",
					     head_only);
				return;
			}
			respond_text(c, (int)n, "a status of photoserv\n",
				     head_only);
			return;
		}
		if (!strcmp(p, "redirect-loop")) {
			respond_text(c, 302, "round and round\n", head_only);
			/* The head ends in CRLFCRLF: put Location before. */
			c->headlen -= 2;
			head_add(c, "Location: /_/redirect-loop\r\n\r\n");
			return;
		}
		if (!strcmp(p, "html")) {
			respond(c, 200, "text/html", html_page,
				sizeof(html_page) - 1, head_only);
			return;
		}
		if (!strncmp(p, "flaky/", 6)) {
			slash = strchr(p + 6, '/');
			n = slash ? number(p + 6, slash, 1000000) : -1;
			if (n < 0 || !(f = find_file(slash + 1))) {
				respond_text(c, 404, "not found\n", head_only);
				return;
			}
			if (flaky_count(path) < n) {
				respond_text(c, 503, "try again\n", head_only);
				return;
			}
			serve_file(c, f, range, head_only);
			return;
		}
		slash = strchr(p, '/');
		if (slash) {
			*slash = '\0';
			if (!strcmp(p, "drip"))
				c->fault = F_DRIP;
			else if (!strcmp(p, "short"))
				c->fault = F_SHORT;
			else if (!strcmp(p, "reset"))
				c->fault = F_RESET;
			else if (!strcmp(p, "chunked"))
				c->fault = F_CHUNKED;
			p = slash + 1;
		}
		if (c->fault == F_NONE || !(f = find_file(p))) {
			respond_text(c, 404, "not found\n", head_only);
			return;
		}
		if (c->fault != F_DRIP)
			c->close_after = 1;
		respond(c, 200, content_type(f->name), f->data, f->len,
			head_only);
		return;
	}
	f = find_file(p);
	if (!f) {
		respond_text(c, 404, "not found\n", head_only);
		return;
	}
	serve_file(c, f, range, head_only);
}

/* A header's value when line is "name: value" (any case), else NULL. */
static const char *
header_value(const char *line, const char *name)
{
	size_t n = strlen(name);

	if (strncasecmp(line, name, n) || line[n] != ':')
		return NULL;
	line += n + 1;
	while (*line == ' ' || *line == '\t')
		line++;
	return line;
}

/*
 * Parses the request head in c->buf[0..end) (NUL-terminated lines) and
 * prepares the response; returns 0, or -1 for a 400 (then close).
 */
static int
parse_request(struct conn *c, char *req)
{
	char *line = req, *next, *method, *target, *version, *sp;
	const char *range = NULL, *v;
	int head_only, http10, has_host = 0;

	next = strstr(line, "\r\n");
	*next = '\0';
	method = line;
	sp = strchr(method, ' ');
	if (!sp)
		return -1;
	if (sp == method)
		return -1;
	*sp = '\0';
	target = sp + 1;
	sp = strchr(target, ' ');
	if (!sp)
		return -1;
	*sp = '\0';
	version = sp + 1;
	if (strcmp(version, "HTTP/1.1") && strcmp(version, "HTTP/1.0"))
		return -1;
	http10 = !strcmp(version, "HTTP/1.0");
	c->close_after = http10;
	for (line = next + 2; *line; line = next + 2) {
		const char *colon;

		next = strstr(line, "\r\n");
		*next = '\0';
		colon = strchr(line, ':');
		/* No blank may stand between a header's name and colon. */
		if (!colon || colon == line ||
		    strcspn(line, " \t") < (size_t)(colon - line))
			return -1;
		if (header_value(line, "Host"))
			has_host = 1;
		if ((v = header_value(line, "Range")))
			range = v;
		else if ((v = header_value(line, "Connection")))
			c->close_after =
				!strcasecmp(v, "close") ||
				(http10 && strcasecmp(v, "keep-alive"));
		else if ((v = header_value(line, "Content-Length")) &&
			 strcmp(v, "0"))
			return -1;
		else if (header_value(line, "Transfer-Encoding"))
			return -1;
	}
	if (target[0] != '/' || (!http10 && !has_host))
		return -1;
	if ((sp = strchr(target, '?')))
		*sp = '\0';
	if ((sp = strchr(target, '#')))
		*sp = '\0';
	if (pct_decode(target) < 0)
		return -1;
	head_only = !strcmp(method, "HEAD");
	if (!head_only && strcmp(method, "GET")) {
		c->close_after = 1;
		respond_text(c, 405, "GET and HEAD only\n", 0);
		c->headlen -= 2;
		head_add(c, "Allow: GET, HEAD\r\n\r\n");
		return 0;
	}
	route(c, target, range, head_only);
	return 0;
}

static void
on_close(uv_handle_t *h)
{
	struct conn *c = h->data;

	if (++c->nclosed == 2)
		free(c);
}

static void
conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, on_close);
	uv_close((uv_handle_t *)&c->tcp, on_close);
}

static void
on_reset_wait(uv_timer_t *t)
{
	struct conn *c = t->data;

	c->closing = 1;
	uv_close((uv_handle_t *)&c->timer, on_close);
	if (uv_tcp_close_reset(&c->tcp, on_close) < 0)
		uv_close((uv_handle_t *)&c->tcp, on_close);
}

/* How many body bytes the next write carries. */
static size_t
next_piece(struct conn *c)
{
	size_t left = c->bodylen - c->sent;

	if (c->fault == F_DRIP)
		return left ? 1 : 0;
	if (c->fault == F_RESET)
		return c->sent < c->bodylen / 2 ? c->bodylen / 2 - c->sent : 0;
	if (c->fault == F_CHUNKED && left > CHUNK)
		left = CHUNK;
	if (rate) {
		uint64_t per_tick = rate * RATE_TICK_MS / 1000;

		if (per_tick == 0)
			per_tick = 1;
		if (left > per_tick)
			left = (size_t)per_tick;
	}
	return left;
}

/* Writes the head (first time) and the next piece of the body. */
static void
send_more(struct conn *c)
{
	uv_buf_t b[4];
	unsigned nb = 0;
	size_t piece = next_piece(c);
	int last_chunk = 0;

	if (!c->head_sent) {
		b[nb++] = uv_buf_init(c->head, (unsigned)c->headlen);
		c->head_sent = 1;
	}
	if (c->fault == F_CHUNKED && c->body) {
		int n = snprintf(c->chunkhdr, sizeof(c->chunkhdr), "%zx\r\n",
				 piece);

		if (piece)
			b[nb++] = uv_buf_init(c->chunkhdr, (unsigned)n);
		last_chunk = c->sent + piece == c->bodylen;
	}
	if (piece)
		b[nb++] =
			uv_buf_init((char *)c->body + c->sent, (unsigned)piece);
	if (c->fault == F_CHUNKED && c->body) {
		const char *tail = !piece	? "0\r\n\r\n"
				   : last_chunk ? "\r\n0\r\n\r\n"
						: "\r\n";

		b[nb++] = uv_buf_init((char *)tail, (unsigned)strlen(tail));
	}
	c->sent += piece;
	if (nb == 0) {
		on_write(&c->wreq, 0);
		return;
	}
	if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, b, nb, on_write) < 0)
		conn_close(c);
}

static void
on_pace(uv_timer_t *t)
{
	send_more(t->data);
}

/* The response is out: close, or take the next request. */
static void
response_done(struct conn *c)
{
	if (c->close_after) {
		if (c->fault == F_RESET) {
			uv_timer_start(&c->timer, on_reset_wait, RESET_WAIT_MS,
				       0);
			return;
		}
		conn_close(c);
		return;
	}
	memmove(c->buf, c->buf + c->reqlen, c->len - c->reqlen);
	c->len -= c->reqlen;
	c->busy = 0;
	try_request(c);
}

static void
on_write(uv_write_t *w, int status)
{
	struct conn *c = w->data;
	int more;

	if (status < 0 || c->closing) {
		conn_close(c);
		return;
	}
	more = c->body && c->sent < c->bodylen &&
	       !(c->fault == F_RESET && c->sent >= c->bodylen / 2);
	if (!more) {
		response_done(c);
		return;
	}
	if (c->fault == F_DRIP)
		uv_timer_start(&c->timer, on_pace, 1000, 0);
	else if (rate)
		uv_timer_start(&c->timer, on_pace, RATE_TICK_MS, 0);
	else
		send_more(c);
}

static void
on_latency(uv_timer_t *t)
{
	struct conn *c = t->data;
	uint64_t now = uv_hrtime();
	uint64_t late = now > c->due_ns ? now - c->due_ns : 0;

	late_ns_sum += late;
	nlate++;
	if (late > late_ns_max)
		late_ns_max = late;
	c->sent = 0;
	c->head_sent = 0;
	send_more(c);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b);
static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b);

/* Answers the next complete request in buf, if any and none is pending. */
static void
try_request(struct conn *c)
{
	char *end, req[MAX_HEADER + 1];
	size_t i;

	if (c->busy || c->closing)
		return;
	memcpy(req, c->buf, c->len);
	req[c->len] = '\0';
	end = strstr(req, "\r\n\r\n");
	/* A bare LF anywhere in the head is refused, not guessed at. */
	for (i = 0; i < (end ? (size_t)(end - req) : c->len); i++)
		if (req[i] == '\n' && (i == 0 || req[i - 1] != '\r'))
			break;
	if (!end && i == c->len && c->len < sizeof(c->buf)) {
		if (!c->reading && uv_read_start((uv_stream_t *)&c->tcp,
						 on_alloc, on_read) == 0)
			c->reading = 1;
		return;
	}
	c->busy = 1;
	nrequests++;
	if (end && i == (size_t)(end - req) &&
	    memchr(req, '\0', c->len) == NULL) {
		end[2] = '\0';
		c->reqlen = (size_t)(end - req) + 4;
		if (parse_request(c, req) == 0)
			goto answer;
	}
	c->close_after = 1;
	respond_text(c, 400, "bad request\n", 0);
answer:
	c->due_ns = uv_hrtime() + latency_ms * 1000000;
	uv_timer_start(&c->timer, on_latency, latency_ms, 0);
}

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct conn *c = h->data;

	(void)hint;
	*b = uv_buf_init(c->buf + c->len, (unsigned)(sizeof(c->buf) - c->len));
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = s->data;

	(void)b;
	if (n < 0) {
		conn_close(c);
		return;
	}
	c->len += (size_t)n;
	/* Pipelined requests wait in buf; a full buf waits for the answer. */
	if (c->len == sizeof(c->buf)) {
		uv_read_stop(s);
		c->reading = 0;
	}
	try_request(c);
}

static void
on_connection(uv_stream_t *srv, int status)
{
	struct conn *c;

	if (status < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (!c)
		die("out of memory");
	uv_tcp_init(loop, &c->tcp);
	uv_timer_init(loop, &c->timer);
	c->tcp.data = c->timer.data = c->wreq.data = c;
	if (uv_accept(srv, (uv_stream_t *)&c->tcp) < 0) {
		conn_close(c);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	try_request(c);
}

static double
tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void
write_stats(void)
{
	struct rusage ru;
	FILE *f;

	if (!stats_path)
		return;
	getrusage(RUSAGE_SELF, &ru);
	f = fopen(stats_path, "w");
	if (!f)
		die("cannot write '%s': %s", stats_path, strerror(errno));
	fprintf(f,
		"{\"requests\": %" PRIu64 ", \"cpu_user_s\": %.6f, "
		"\"cpu_sys_s\": %.6f, \"wall_s\": %.6f, "
		"\"late_ms_mean\": %.3f, \"late_ms_max\": %.3f}\n",
		nrequests, tv_s(ru.ru_utime), tv_s(ru.ru_stime),
		(double)(uv_hrtime() - start_ns) / 1e9,
		nlate ? (double)late_ns_sum / (double)nlate / 1e6 : 0.0,
		(double)late_ns_max / 1e6);
	if (fclose(f))
		die("cannot write '%s': %s", stats_path, strerror(errno));
}

static void
on_signal(uv_signal_t *s, int signum)
{
	(void)s;
	(void)signum;
	write_stats();
	/* The process ends here: connections need no orderly close. */
	exit(0);
}

static void
write_port(const char *path, int port)
{
	char tmp[4096];
	FILE *f;

	printf("port %d\n", port);
	if (fflush(stdout))
		die("cannot write stdout: %s", strerror(errno));
	if (!path)
		return;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		die("--port-file too long");
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) ||
	    rename(tmp, path))
		die("cannot write '%s': %s", path, strerror(errno));
}

/* Many connections at once: as many descriptors as the hard limit allows. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static uint64_t
arg_number(const char *opt, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *end || errno || *s == '-')
		die("%s: not a count: '%s'", opt, s);
	return v;
}

static void
usage(void)
{
	fputs("usage: photoserv --root DIR [--port N] [--port-file F] "
	      "[--latency-ms MS] [--rate BYTES_PER_S] [--stats FILE]\n",
	      stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *root = NULL, *port_file = NULL;
	uint64_t port = 0;
	struct sockaddr_in addr;
	struct sockaddr_storage bound;
	int i, len = sizeof(bound), r;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		if (!strcmp(a, "--root"))
			root = v;
		else if (!strcmp(a, "--port"))
			port = arg_number(a, v);
		else if (!strcmp(a, "--port-file"))
			port_file = v;
		else if (!strcmp(a, "--latency-ms"))
			latency_ms = arg_number(a, v);
		else if (!strcmp(a, "--rate"))
			rate = arg_number(a, v);
		else if (!strcmp(a, "--stats"))
			stats_path = v;
		else
			usage();
		i++;
	}
	if (!root || port > 65535)
		usage();
	start_ns = uv_hrtime();
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	load_dir(root, "");
	qsort(files, nfiles, sizeof(*files), cmp_file);

	loop = uv_default_loop();
	uv_tcp_init(loop, &server);
	uv_ip4_addr("127.0.0.1", (int)port, &addr);
	if ((r = uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0)) ||
	    (r = uv_listen((uv_stream_t *)&server, 4096, on_connection)) ||
	    (r = uv_tcp_getsockname(&server, (struct sockaddr *)&bound, &len)))
		die("cannot listen on 127.0.0.1:%d: %s", (int)port,
		    uv_strerror(r));
	uv_signal_init(loop, &sigterm);
	uv_signal_init(loop, &sigint);
	uv_signal_start(&sigterm, on_signal, SIGTERM);
	uv_signal_start(&sigint, on_signal, SIGINT);
	write_port(port_file, ntohs(((struct sockaddr_in *)&bound)->sin_port));
	return uv_run(loop, UV_RUN_DEFAULT);
}
