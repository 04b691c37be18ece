/*
 * URL -> host folder and output path.  Every refusal is about the name
 * alone: what the server would answer is pipeline_fetch's business.
 */
#include "urlname.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "util.h"

/* The scheme's length when url starts with http:// or https://, else 0. */
static size_t
scheme_len(const char *url)
{
	if (strncasecmp(url, "http://", 7) == 0)
		return 7;
	if (strncasecmp(url, "https://", 8) == 0)
		return 8;
	return 0;
}

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * A host folder keeps to what DNS names and IP literals use, so that no
 * host can be "..", hold a '/' or start an option-like or hidden name.
 */
static int
host_ok(const char *h, size_t n)
{
	size_t i;

	if (n == 0 || h[0] == '.' || h[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)h[i]) &&
		    strchr("-._~:", h[i]) == NULL)
			return 0;
	return 1;
}

/* "host" or "host_PORT" from the authority a[0..n), lower-cased. */
static int
parse_host(const char *a, size_t n, char **out, struct imgpipe_error *err)
{
	const char *at = memchr(a, '@', n), *h, *colon, *end = a + n;
	size_t hn, pn;
	char port[8];
	char *s;
	unsigned long v;
	size_t i;

	/* user:password@ is not part of where the file comes from. */
	while (at != NULL) {
		n -= (size_t)(at + 1 - a);
		a = at + 1;
		at = memchr(a, '@', n);
	}
	h = a;
	if (n > 0 && a[0] == '[') { /* an IPv6 literal: [::1]:8080 */
		colon = memchr(a, ']', n);
		if (colon == NULL)
			return error_set(err, IMGPIPE_ESPEC,
					 "bad host in the URL");
		h = a + 1;
		hn = (size_t)(colon - h);
		colon = colon + 1 < end && colon[1] == ':' ? colon + 1 : NULL;
	} else {
		colon = memchr(a, ':', n);
		hn = colon != NULL ? (size_t)(colon - a) : n;
	}
	if (!host_ok(h, hn))
		return error_set(err, IMGPIPE_ESPEC,
				 hn == 0 ? "no host in the URL"
					 : "bad host in the URL");
	pn = colon != NULL ? (size_t)(end - colon - 1) : 0;
	if (pn > 0) {
		if (pn >= sizeof(port))
			return error_set(err, IMGPIPE_ESPEC,
					 "bad port in the URL");
		memcpy(port, colon + 1, pn);
		port[pn] = '\0';
		v = strspn(port, "0123456789") == pn ? strtoul(port, NULL, 10)
						     : 0;
		if (v < 1 || v > 65535)
			return error_set(err, IMGPIPE_ESPEC,
					 "bad port in the URL");
	}
	s = xmalloc(hn + (pn > 0 ? 1 + pn : 0) + 1);
	for (i = 0; i < hn; i++)
		s[i] = (char)tolower((unsigned char)h[i]);
	if (pn > 0) {
		s[hn] = '_';
		memcpy(s + hn + 1, port, pn);
	}
	s[hn + (pn > 0 ? 1 + pn : 0)] = '\0';
	*out = s;
	return 0;
}

/*
 * Decode segment seg[0..n) onto *d.  '/' is split on before decoding, so
 * a %2F inside a segment would make a folder the URL did not name.
 */
static int
decode_segment(const char *seg, size_t n, char **d, struct imgpipe_error *err)
{
	char *start = *d;
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (seg[i] != '%') {
			*(*d)++ = seg[i];
			continue;
		}
		hi = i + 2 < n ? hex_value(seg[i + 1]) : -1;
		lo = hi >= 0 ? hex_value(seg[i + 2]) : -1;
		if (lo < 0)
			return error_set(err, IMGPIPE_ESPEC,
					 "bad %%-escape in the URL path");
		if (hi == 0 && lo == 0)
			return error_set(err, IMGPIPE_ESPEC,
					 "NUL byte in the URL path");
		if (hi * 16 + lo == '/')
			return error_set(err, IMGPIPE_ESPEC,
					 "%%2F inside a URL path segment");
		*(*d)++ = (char)(hi * 16 + lo);
		i += 2;
	}
	if (*d == start)
		return error_set(err, IMGPIPE_ESPEC,
				 "empty segment in the URL path");
	if ((*d - start == 1 && start[0] == '.') ||
	    (*d - start == 2 && start[0] == '.' && start[1] == '.'))
		return error_set(err, IMGPIPE_ESPEC,
				 "'.' or '..' segment in the URL path");
	return 0;
}

/* The path p[0..n) (from its '/', if any) as an output path. */
static int
parse_path(const char *p, size_t n, char **out, struct imgpipe_error *err)
{
	const char *end = p + n, *seg, *slash;
	char *s, *d;
	int rc = 0;

	/* Decoding only shrinks; "index" is the longest a segment becomes. */
	s = xmalloc(n + sizeof("index"));
	d = s;
	seg = n > 0 && p[0] == '/' ? p + 1 : p;
	while (rc == 0) {
		slash = memchr(seg, '/', (size_t)(end - seg));
		if (slash == NULL && seg == end) {
			memcpy(d, "index", sizeof("index") - 1);
			d += sizeof("index") - 1;
			break;
		}
		rc = decode_segment(seg, (size_t)((slash ? slash : end) - seg),
				    &d, err);
		if (slash == NULL)
			break;
		*d++ = '/';
		seg = slash + 1;
	}
	if (rc != 0) {
		free(s);
		return rc;
	}
	*d = '\0';
	*out = s;
	return 0;
}

int
urlname_parse(const char *url, struct urlname *u, struct imgpipe_error *err)
{
	size_t skip = scheme_len(url), an, pn;
	const char *a = url + skip;
	int rc;

	memset(u, 0, sizeof(*u));
	if (skip == 0)
		return error_set(err, IMGPIPE_ESPEC, "not an http(s) URL");
	/* RFC 3986: blanks and controls must be %-escaped in a URL. */
	for (an = 0; url[an] != '\0'; an++)
		if ((unsigned char)url[an] <= ' ' || url[an] == 0x7f)
			return error_set(err, IMGPIPE_ESPEC,
					 "blank or control character in the "
					 "URL (write it %%-escaped)");
	an = strcspn(a, "/?#");
	pn = strcspn(a + an, "?#");
	rc = parse_host(a, an, &u->host, err);
	if (rc == 0)
		rc = parse_path(a + an, pn, &u->path, err);
	if (rc != 0)
		urlname_release(u);
	return rc;
}

void
urlname_release(struct urlname *u)
{
	free(u->host);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

enum codec_id
urlname_codec(const char *path)
{
	static const struct {
		const char *ext;
		enum codec_id id;
	} exts[] = {
		{ "jpg", CODEC_JPEG },	{ "jpeg", CODEC_JPEG },
		{ "jpe", CODEC_JPEG },	{ "png", CODEC_PNG },
		{ "webp", CODEC_WEBP }, { "avif", CODEC_AVIF },
		{ "heic", CODEC_HEIC }, { "heif", CODEC_HEIC },
	};
	const char *base = strrchr(path, '/'), *dot;
	size_t i;

	base = base != NULL ? base + 1 : path;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base)
		return CODEC_JPEG;
	for (i = 0; i < ARRAY_SIZE(exts); i++)
		if (strcasecmp(dot + 1, exts[i].ext) == 0)
			return exts[i].id;
	return CODEC_JPEG;
}
