/*
 * Canned HTTP responses served to libcurl without a network: curl connects
 * to a listening abstract Unix socket of this process
 * (CURLOPT_ABSTRACT_UNIX_SOCKET), and once the connection is up, before
 * the request goes out (CURLOPT_PREREQFUNCTION), the test accepts it and
 * writes the whole response into its end, then shuts the writing side.
 * (A socketpair end handed over with CURL_SOCKOPT_ALREADY_CONNECTED would
 * be simpler, but libcurl 7.88 still calls connect() on it and fails.)
 * Shared by tests/test_http.c and fuzz_http.c, so that the fuzzer and the
 * unit tests drive http.c the same way.  Header-only; needs libcurl.
 */
#ifndef IMGPIPE_CANNED_HTTP_H
#define IMGPIPE_CANNED_HTTP_H

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CANNED_MAX    8 /* responses (one per connection curl opens) */
/* Larger responses are written by a thread: the socket would fill up. */
#define CANNED_DIRECT (64 * 1024)

enum canned_end {
	CANNED_EOF,   /* shut the writing side: the peer reads EOF */
	CANNED_HOLD,  /* keep it open: the peer waits for more */
	CANNED_RESET, /* close with the request unread: ECONNRESET */
};

struct canned_resp {
	const void *data;
	size_t len;
	enum canned_end end;
};

struct canned {
	struct canned_resp resp[CANNED_MAX];
	int n;	   /* responses; connections past n get the last */
	int opens; /* connections curl opened */
	int listener, listening; /* listening: canned_attach made it */
	char name[64];
	int peer[CANNED_MAX];
	pthread_t writer[CANNED_MAX];
	int threaded[CANNED_MAX];
};

struct canned_job {
	int fd;
	struct canned_resp r;
};

static void
canned_send(int fd, const struct canned_resp *r)
{
	const char *p = r->data;
	size_t left = r->len;
	ssize_t k;

	/* The request arrives first, so that a reset finds it unread. */
	if (r->end == CANNED_RESET) {
		struct pollfd pf = { fd, POLLIN, 0 };

		(void)poll(&pf, 1, 5000); /* safety only */
	}
	while (left > 0) {
		k = send(fd, p, left, MSG_NOSIGNAL);
		if (k <= 0)
			break; /* curl has closed its end: it read enough */
		p += k;
		left -= (size_t)k;
	}
	if (r->end == CANNED_EOF)
		shutdown(fd, SHUT_WR);
	else if (r->end == CANNED_RESET)
		close(fd);
}

static void *
canned_writer(void *arg)
{
	struct canned_job *j = arg;

	canned_send(j->fd, &j->r);
	free(j);
	return NULL;
}

/* Accept the connection curl just made and answer it: prereq. */
static int
canned_prereq(void *ctx, char *ip, char *local_ip, int port, int local_port)
{
	struct canned *c = ctx;
	const struct canned_resp *r;
	struct canned_job *j;
	int fd, i = c->opens;

	(void)ip, (void)local_ip, (void)port, (void)local_port;
	if (i >= CANNED_MAX || c->n == 0)
		return CURL_PREREQFUNC_ABORT;
	fd = accept(c->listener, NULL, NULL);
	if (fd < 0)
		return CURL_PREREQFUNC_ABORT; /* a reused connection */
	r = &c->resp[i < c->n ? i : c->n - 1];
	c->opens++;
	c->peer[i] = fd;
	c->threaded[i] = 0;
	if (r->len <= CANNED_DIRECT && r->end != CANNED_RESET) {
		canned_send(fd, r);
		return CURL_PREREQFUNC_OK;
	}
	j = malloc(sizeof(*j));
	if (j == NULL)
		return CURL_PREREQFUNC_ABORT;
	j->fd = fd;
	j->r = *r;
	c->threaded[i] =
		pthread_create(&c->writer[i], NULL, canned_writer, j) == 0;
	if (!c->threaded[i]) {
		free(j);
		return CURL_PREREQFUNC_ABORT;
	}
	/* A reset's thread closes its end itself. */
	if (r->end == CANNED_RESET)
		c->peer[i] = -1;
	return CURL_PREREQFUNC_OK;
}

/*
 * Serve easy's connections from c (whose responses are filled in): 0, or
 * -1 when no socket could be made.  Call canned_release when done.
 */
static int
canned_attach(struct canned *c, CURL *easy)
{
	static unsigned serial;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t n;

	if (!c->listening) {
		snprintf(c->name, sizeof(c->name), "imgpipe-canned-%ld-%u",
			 (long)getpid(), serial++);
		n = strlen(c->name);
		memcpy(a.sun_path + 1, c->name, n);
		c->listener = socket(AF_UNIX, SOCK_STREAM, 0);
		c->listening = c->listener >= 0;
		/* Non-blocking: a reused connection has nothing to accept. */
		if (!c->listening ||
		    fcntl(c->listener, F_SETFL, O_NONBLOCK) != 0 ||
		    bind(c->listener, (struct sockaddr *)&a,
			 (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				     1 + n)) != 0 ||
		    listen(c->listener, CANNED_MAX) != 0)
			return -1;
	}
	curl_easy_setopt(easy, CURLOPT_ABSTRACT_UNIX_SOCKET, c->name);
	curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, canned_prereq);
	curl_easy_setopt(easy, CURLOPT_PREREQDATA, c);
	return 0;
}

/* After curl has closed its ends (the easy handle freed): our ends. */
static void
canned_release(struct canned *c)
{
	int i;

	for (i = 0; i < c->opens; i++) {
		if (c->threaded[i])
			pthread_join(c->writer[i], NULL);
		if (c->peer[i] >= 0)
			close(c->peer[i]);
	}
	c->opens = 0;
	if (c->listening)
		close(c->listener);
	c->listening = 0;
}

#endif
