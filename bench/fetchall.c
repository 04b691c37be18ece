/*
 * fetchall: downloads N URLs with K in flight and does nothing with the
 * bodies, to measure the server alone (bench/serve-check.sh against
 * photoserv).  One thread, libcurl's multi interface with curl_multi_poll.
 *
 *   fetchall [--jobs K] [--latency-ms MS] (--urls FILE | URL...)
 *
 * Prints one line:
 *   urls=N inflight=K wall_s=W ideal_s=I ratio=W/I errors=E bytes=B
 * The ideal is what a server that adds nothing would take: ceil(N / K)
 * rounds, each the server's latency (MS, as given to photoserv) plus the
 * mean time a body took to arrive once its first byte came.  Exits 1 if a
 * transfer failed or answered other than 200, 2 on a usage error.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

struct slot {
	CURL *easy;
	size_t url; /* index into urls */
};

static char **urls;
static size_t nurls;
static uint64_t nbytes;

static void
die(const char *msg, const char *arg)
{
	fprintf(stderr, "fetchall: %s%s%s\n", msg, arg ? ": " : "",
		arg ? arg : "");
	exit(2);
}

static void
add_url(const char *u)
{
	size_t n = strlen(u) + 1;

	urls = realloc(urls, (nurls + 1) * sizeof(*urls));
	if (!urls)
		die("out of memory", NULL);
	urls[nurls] = malloc(n);
	if (!urls[nurls])
		die("out of memory", NULL);
	memcpy(urls[nurls++], u, n);
}

static void
read_urls(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char line[8192];

	if (!f)
		die(strerror(errno), path);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] && line[0] != '#')
			add_url(line);
	}
	if (f != stdin)
		fclose(f);
}

static size_t
on_body(char *p, size_t size, size_t n, void *user)
{
	(void)p;
	(void)user;
	nbytes += size * n;
	return size * n;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void
start(CURLM *multi, struct slot *s, size_t url)
{
	s->url = url;
	curl_easy_setopt(s->easy, CURLOPT_URL, urls[url]);
	curl_multi_add_handle(multi, s->easy);
}

/* Judges one finished transfer: 0 if it was a 200; adds its body time. */
static int
finished(CURLMsg *m, double *body_s)
{
	long code = 0;
	double t0 = 0, t1 = 0;

	curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(m->easy_handle, CURLINFO_STARTTRANSFER_TIME, &t0);
	curl_easy_getinfo(m->easy_handle, CURLINFO_TOTAL_TIME, &t1);
	*body_s += t1 - t0;
	if (m->data.result == CURLE_OK && code == 200)
		return 0;
	fprintf(stderr, "fetchall: %s: %s (HTTP %ld)\n", "transfer failed",
		curl_easy_strerror(m->data.result), code);
	return 1;
}

/* Runs every URL, k at a time; returns the errors, sets the times. */
static size_t
run(size_t k, double *wall_s, double *body_s)
{
	CURLM *multi = curl_multi_init();
	struct slot *slots = calloc(k, sizeof(*slots));
	size_t next = 0, done = 0, errors = 0, i;
	double t0 = now_s();
	int running = 1;

	if (!multi || !slots)
		die("cannot set up libcurl", NULL);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)k);
	for (i = 0; i < k; i++) {
		slots[i].easy = curl_easy_init();
		if (!slots[i].easy)
			die("cannot set up libcurl", NULL);
		curl_easy_setopt(slots[i].easy, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(slots[i].easy, CURLOPT_PRIVATE, &slots[i]);
		curl_easy_setopt(slots[i].easy, CURLOPT_TIMEOUT, 120L);
		if (next < nurls)
			start(multi, &slots[i], next++);
	}
	while (done < nurls && running) {
		CURLMsg *m;
		int left;

		curl_multi_perform(multi, &running);
		while ((m = curl_multi_info_read(multi, &left))) {
			struct slot *s;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
					  (char **)&s);
			errors += (size_t)finished(m, body_s);
			done++;
			curl_multi_remove_handle(multi, s->easy);
			if (next < nurls)
				start(multi, s, next++);
		}
		running = done < nurls;
		if (running)
			curl_multi_poll(multi, NULL, 0, 1000, NULL);
	}
	*wall_s = now_s() - t0;
	for (i = 0; i < k; i++)
		curl_easy_cleanup(slots[i].easy);
	curl_multi_cleanup(multi);
	free(slots);
	return errors;
}

int
main(int argc, char **argv)
{
	unsigned long k = 1, latency_ms = 0;
	double wall_s = 0, body_s = 0, ideal_s;
	size_t errors, rounds, i;
	struct rlimit rl;
	struct rusage ru;
	char *end;
	int a;

	for (a = 1; a < argc; a++) {
		const char *v = a + 1 < argc ? argv[a + 1] : NULL;

		if (!strcmp(argv[a], "--jobs") && v) {
			k = strtoul(v, &end, 10);
			if (*end || k == 0 || k > 100000)
				die("--jobs: not a count", v);
			a++;
		} else if (!strcmp(argv[a], "--latency-ms") && v) {
			latency_ms = strtoul(v, &end, 10);
			if (*end)
				die("--latency-ms: not a count", v);
			a++;
		} else if (!strcmp(argv[a], "--urls") && v) {
			read_urls(v);
			a++;
		} else if (argv[a][0] == '-') {
			die("usage: fetchall [--jobs K] [--latency-ms MS] "
			    "(--urls FILE | URL...)",
			    NULL);
		} else {
			add_url(argv[a]);
		}
	}
	if (nurls == 0)
		die("no URLs", NULL);
	/* K connections at once need K descriptors and a few more. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		die("cannot set up libcurl", NULL);
	if (k > nurls)
		k = nurls;
	errors = run(k, &wall_s, &body_s);
	rounds = (nurls + k - 1) / k;
	ideal_s = (double)rounds *
		  ((double)latency_ms / 1000.0 + body_s / (double)nurls);
	getrusage(RUSAGE_SELF, &ru);
	printf("urls=%zu inflight=%lu wall_s=%.3f ideal_s=%.3f ratio=%.3f "
	       "errors=%zu bytes=%llu client_cpu_s=%.3f\n",
	       nurls, k, wall_s, ideal_s, ideal_s > 0 ? wall_s / ideal_s : 0.0,
	       errors, (unsigned long long)nbytes,
	       tv_s(ru.ru_utime) + tv_s(ru.ru_stime));
	for (i = 0; i < nurls; i++)
		free(urls[i]);
	free(urls);
	curl_global_cleanup();
	return errors ? 1 : 0;
}
