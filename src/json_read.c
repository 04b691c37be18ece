/*
 * The JSON reader: recursive descent over the text twice.  The first pass
 * checks the grammar and counts the values, keys and string bytes; the
 * second fills one arena of exactly that size, so that a document is one
 * allocation and a malformed text allocates nothing.  While a container is
 * parsed its members wait on a scratch stack (freed before json_parse
 * returns) and move into the arena, contiguous, once it closes.
 */
#include "json_read.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json.h"
#include "util.h"

/* Digits beyond this are no number a report writes: refused, not read. */
#define JR_NUMBER_MAX 320

struct json_doc {
	struct json_value root;
};

struct jr {
	const unsigned char *p;
	size_t n, i;
	unsigned flags;
	int fill; /* 0: the counting pass, 1: the filling pass */
	char *err;
	size_t errn;
	/* Counted in pass 1; the cursors of pass 2. */
	size_t nvalues, nkeys, nbytes;
	struct json_value *values;
	const char **keys;
	char *bytes;
	/* Pass 2's scratch: the members of the containers still open. */
	struct json_value *vstack;
	const char **kstack;
	size_t vtop, ktop;
};

static int jr_value(struct jr *r, struct json_value *out, int depth);

__attribute__((format(printf, 3, 4))) static int
jr_fail(struct jr *r, size_t at, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->errn > 0)
		snprintf(r->err, r->errn, "offset %zu: %s", at, msg);
	return IMGPIPE_EFORMAT;
}

static int
jr_end(struct jr *r)
{
	return jr_fail(r, r->n, "unexpected end (truncated?)");
}

static void
jr_blank(struct jr *r)
{
	while (r->i < r->n && (r->p[r->i] == ' ' || r->p[r->i] == '\t' ||
			       r->p[r->i] == '\n' || r->p[r->i] == '\r'))
		r->i++;
}

/* A byte no value starts with, or text ended. */
static int
jr_unexpected(struct jr *r, const char *what)
{
	unsigned char c;

	if (r->i >= r->n)
		return jr_end(r);
	c = r->p[r->i];
	if (c == '\0')
		return jr_fail(r, r->i, "NUL byte");
	if (c >= 0x21 && c < 0x7f)
		return jr_fail(r, r->i, "expected %s, not '%c'", what, c);
	return jr_fail(r, r->i, "expected %s, not byte 0x%02x", what, c);
}

/* Append n decoded bytes of a string (pass 2), or count them (pass 1). */
static void
jr_put(struct jr *r, const void *s, size_t n)
{
	if (r->fill) {
		memcpy(r->bytes, s, n);
		r->bytes += n;
	} else {
		r->nbytes += n;
	}
}

static void
jr_put_utf8(struct jr *r, uint32_t cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	jr_put(r, b, n);
}

/* The four hex digits after "\u" at r->i; r->i moves past them. */
static int
jr_hex4(struct jr *r, uint32_t *out)
{
	uint32_t v = 0;
	int k;

	for (k = 0; k < 4; k++) {
		unsigned char c;

		if (r->i >= r->n)
			return jr_end(r);
		c = r->p[r->i];
		if (c >= '0' && c <= '9')
			v = v << 4 | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v << 4 | (uint32_t)(c - 'A' + 10);
		else
			return jr_fail(r, r->i, "bad \\u escape");
		r->i++;
	}
	*out = v;
	return 0;
}

/* "\uXXXX" (r->i after the 'u'), a surrogate pair as one code point. */
static int
jr_unicode(struct jr *r, size_t at)
{
	uint32_t cp, lo;
	int rc;

	if ((rc = jr_hex4(r, &cp)) != 0)
		return rc;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return jr_fail(r, at, "lone low surrogate \\u%04x", cp);
	if (cp >= 0xd800 && cp <= 0xdbff) {
		/* "\ud83d\" cut here is truncation, "\ud83dx" is not. */
		if (r->i >= r->n || (r->p[r->i] == '\\' && r->i + 1 >= r->n))
			return jr_end(r);
		if (r->p[r->i] != '\\' || r->p[r->i + 1] != 'u')
			return jr_fail(r, at, "lone high surrogate \\u%04x",
				       cp);
		r->i += 2;
		if ((rc = jr_hex4(r, &lo)) != 0)
			return rc;
		if (lo < 0xdc00 || lo > 0xdfff)
			return jr_fail(r, at, "lone high surrogate \\u%04x",
				       cp);
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if ((r->flags & JSON_READ_BYTES) != 0 && cp >= 0x80 && cp <= 0xff) {
		unsigned char b = (unsigned char)cp;

		jr_put(r, &b, 1);
		return 0;
	}
	jr_put_utf8(r, cp);
	return 0;
}

/* A string (r->i at its '"'): *out and *len in pass 2. */
static int
jr_string(struct jr *r, const char **out, size_t *len)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	char *start = r->bytes;
	size_t counted = r->nbytes, k;
	int rc;

	r->i++;
	for (;;) {
		size_t at = r->i;
		unsigned char c;
		const char *e;

		if (r->i >= r->n)
			return jr_end(r);
		c = r->p[r->i];
		if (c == '"')
			break;
		if (c == '\0')
			return jr_fail(r, at, "NUL byte");
		if (c < 0x20)
			return jr_fail(r, at,
				       "control character 0x%02x in a "
				       "string (not escaped)",
				       c);
		if (c != '\\') {
			k = json_utf8_len(r->p + r->i, r->n - r->i);
			if (k == 0) {
				/* A sequence cut by the end is truncation. */
				if (c >= 0xc2 && c <= 0xf4 &&
				    r->n - r->i < (c >= 0xf0   ? 4u
						   : c >= 0xe0 ? 3u
							       : 2u))
					return jr_end(r);
				return jr_fail(r, at, "invalid UTF-8");
			}
			jr_put(r, r->p + r->i, k);
			r->i += k;
			continue;
		}
		if (++r->i >= r->n)
			return jr_end(r);
		c = r->p[r->i++];
		if (c == 'u') {
			if ((rc = jr_unicode(r, at)) != 0)
				return rc;
			continue;
		}
		e = c != '\0' ? strchr(from, c) : NULL;
		if (e == NULL)
			return jr_fail(r, at, "bad escape");
		jr_put(r, &to[e - from], 1);
	}
	r->i++;
	jr_put(r, "", 1);
	if (r->fill) {
		*out = start;
		*len = (size_t)(r->bytes - start) - 1;
	} else {
		*len = r->nbytes - counted - 1;
	}
	return 0;
}

/* Digits [0-9]+ at r->i; 0 when there is at least one. */
static int
jr_digits(struct jr *r)
{
	size_t s = r->i;

	while (r->i < r->n && r->p[r->i] >= '0' && r->p[r->i] <= '9')
		r->i++;
	if (r->i > s)
		return 0;
	if (r->i >= r->n)
		return jr_end(r);
	return jr_fail(r, r->i, "bad number: expected a digit");
}

/*
 * The JSON number grammar, then strtod on a copy: imgpipe never calls
 * setlocale, so strtod reads the C locale's '.'.
 */
static int
jr_number(struct jr *r, struct json_value *out)
{
	char buf[JR_NUMBER_MAX + 1];
	size_t s = r->i, len;
	double v;
	int rc;

	if (r->p[r->i] == '-')
		r->i++;
	if (r->i < r->n && r->p[r->i] == '0')
		r->i++;
	else if ((rc = jr_digits(r)) != 0)
		return rc;
	if (r->i < r->n && r->p[r->i] == '.') {
		r->i++;
		if ((rc = jr_digits(r)) != 0)
			return rc;
	}
	if (r->i < r->n && (r->p[r->i] == 'e' || r->p[r->i] == 'E')) {
		r->i++;
		if (r->i < r->n && (r->p[r->i] == '+' || r->p[r->i] == '-'))
			r->i++;
		if ((rc = jr_digits(r)) != 0)
			return rc;
	}
	len = r->i - s;
	if (len > JR_NUMBER_MAX)
		return jr_fail(r, s, "number longer than %d characters",
			       JR_NUMBER_MAX);
	memcpy(buf, r->p + s, len);
	buf[len] = '\0';
	v = strtod(buf, NULL);
	/* Underflow (ERANGE too) gives 0 or a subnormal: that is kept. */
	if (!isfinite(v))
		return jr_fail(r, s, "number out of range");
	out->type = JSON_NUMBER;
	out->number = v;
	return 0;
}

/* true, false or null; a prefix of one at the end is truncation. */
static int
jr_literal(struct jr *r, struct json_value *out)
{
	static const struct {
		const char *word;
		enum json_type type;
	} lits[] = { { "true", JSON_TRUE },
		     { "false", JSON_FALSE },
		     { "null", JSON_NULL } };
	size_t k, len, left = r->n - r->i;

	for (k = 0; k < ARRAY_SIZE(lits); k++) {
		len = strlen(lits[k].word);
		if (left >= len &&
		    memcmp(r->p + r->i, lits[k].word, len) == 0) {
			r->i += len;
			out->type = lits[k].type;
			return 0;
		}
		if (left < len && memcmp(r->p + r->i, lits[k].word, left) == 0)
			return jr_end(r);
	}
	return jr_unexpected(r, "a value");
}

/*
 * The member just parsed into the pass-2 slot it was given; pass 1 only
 * counts it.
 */
static struct json_value *
jr_slot(struct jr *r, struct json_value *scratch)
{
	struct json_value *v = scratch;

	if (r->fill)
		v = &r->vstack[r->vtop++];
	else
		r->nvalues++;
	memset(v, 0, sizeof(*v));
	return v;
}

/* Move the members from base up off the stack into the arena. */
static void
jr_close(struct jr *r, struct json_value *out, size_t base, size_t kbase,
	 int object)
{
	size_t n = r->vtop - base;

	out->len = n;
	out->item = NULL;
	out->key = NULL;
	if (!r->fill || n == 0)
		return;
	memcpy(r->values, r->vstack + base, n * sizeof(*r->values));
	out->item = r->values;
	r->values += n;
	r->vtop = base;
	if (object) {
		memcpy(r->keys, r->kstack + kbase, n * sizeof(*r->keys));
		out->key = r->keys;
		r->keys += n;
		r->ktop = kbase;
	}
}

static int
jr_array(struct jr *r, struct json_value *out, int depth)
{
	struct json_value scratch;
	size_t base = r->vtop, n = 0;
	int rc;

	out->type = JSON_ARRAY;
	r->i++;
	jr_blank(r);
	if (r->i < r->n && r->p[r->i] == ']') {
		r->i++;
		jr_close(r, out, base, 0, 0);
		return 0;
	}
	for (;;) {
		if ((rc = jr_value(r, jr_slot(r, &scratch), depth + 1)) != 0)
			return rc;
		n++;
		jr_blank(r);
		if (r->i < r->n && r->p[r->i] == ',') {
			r->i++;
			continue;
		}
		if (r->i < r->n && r->p[r->i] == ']')
			break;
		return jr_unexpected(r, "',' or ']'");
	}
	r->i++;
	jr_close(r, out, base, 0, 0);
	if (!r->fill)
		out->len = n;
	return 0;
}

static int
jr_object(struct jr *r, struct json_value *out, int depth)
{
	struct json_value scratch;
	size_t base = r->vtop, kbase = r->ktop, n = 0, klen;
	const char *key = NULL;
	int rc;

	out->type = JSON_OBJECT;
	r->i++;
	jr_blank(r);
	if (r->i < r->n && r->p[r->i] == '}') {
		r->i++;
		jr_close(r, out, base, kbase, 1);
		return 0;
	}
	for (;;) {
		jr_blank(r);
		if (r->i >= r->n || r->p[r->i] != '"')
			return jr_unexpected(r, "a member name");
		if ((rc = jr_string(r, &key, &klen)) != 0)
			return rc;
		if (r->fill)
			r->kstack[r->ktop++] = key;
		else
			r->nkeys++;
		jr_blank(r);
		if (r->i >= r->n || r->p[r->i] != ':')
			return jr_unexpected(r, "':'");
		r->i++;
		if ((rc = jr_value(r, jr_slot(r, &scratch), depth + 1)) != 0)
			return rc;
		n++;
		jr_blank(r);
		if (r->i < r->n && r->p[r->i] == ',') {
			r->i++;
			continue;
		}
		if (r->i < r->n && r->p[r->i] == '}')
			break;
		return jr_unexpected(r, "',' or '}'");
	}
	r->i++;
	jr_close(r, out, base, kbase, 1);
	if (!r->fill)
		out->len = n;
	return 0;
}

/* depth: the containers around this value (the root has none). */
static int
jr_value(struct jr *r, struct json_value *out, int depth)
{
	unsigned char c;

	jr_blank(r);
	if (r->i >= r->n)
		return jr_end(r);
	c = r->p[r->i];
	if ((c == '[' || c == '{') && depth >= JSON_MAX_DEPTH)
		return jr_fail(r, r->i, "nested deeper than %d",
			       JSON_MAX_DEPTH);
	switch (c) {
	case '[': return jr_array(r, out, depth);
	case '{': return jr_object(r, out, depth);
	case '"':
		out->type = JSON_STRING;
		return jr_string(r, &out->string, &out->len);
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9': return jr_number(r, out);
	default: return jr_literal(r, out);
	}
}

/* One pass over the whole text: a value and only blanks after it. */
static int
jr_pass(struct jr *r, struct json_value *root)
{
	int rc;

	r->i = 0;
	memset(root, 0, sizeof(*root));
	if ((rc = jr_value(r, root, 0)) != 0)
		return rc;
	jr_blank(r);
	if (r->i < r->n)
		return r->p[r->i] == '\0'
			       ? jr_fail(r, r->i, "NUL byte")
			       : jr_fail(r, r->i, "text after the value");
	return 0;
}

/* a + b, or -1 on overflow. */
static int
jr_add(size_t a, size_t b, size_t *out)
{
	if (a > SIZE_MAX - b)
		return -1;
	*out = a + b;
	return 0;
}

int
json_parse_flags(const char *text, size_t n, unsigned flags,
		 struct json_doc **doc, char *err, size_t errn)
{
	struct json_value scratch_root;
	struct json_doc *d = NULL;
	struct jr r;
	size_t vbytes, kbytes, total, sv, sk;
	unsigned char *arena;
	int rc;

	*doc = NULL;
	if (errn > 0)
		err[0] = '\0';
	memset(&r, 0, sizeof(r));
	r.p = (const unsigned char *)text;
	r.n = n;
	r.flags = flags;
	r.err = err;
	r.errn = errn;
	if ((rc = jr_pass(&r, &scratch_root)) != 0)
		return rc;

	/* The counts are bounded by n, but the products need not be. */
	if (size_mul(r.nvalues, sizeof(struct json_value), &vbytes) != 0 ||
	    size_mul(r.nkeys, sizeof(const char *), &kbytes) != 0 ||
	    jr_add(sizeof(*d), vbytes, &total) != 0 ||
	    jr_add(total, kbytes, &total) != 0 ||
	    jr_add(total, r.nbytes, &total) != 0)
		goto nomem;
	d = malloc(total);
	/* The scratch stacks hold at most every value and key at once. */
	r.vstack = malloc(vbytes ? vbytes : 1);
	r.kstack = malloc(kbytes ? kbytes : 1);
	if (d == NULL || r.vstack == NULL || r.kstack == NULL)
		goto nomem;
	arena = (unsigned char *)d + sizeof(*d);
	r.values = (struct json_value *)(void *)arena;
	r.keys = (const char **)(void *)(arena + vbytes);
	r.bytes = (char *)(arena + vbytes + kbytes);
	sv = r.nvalues;
	sk = r.nkeys;
	r.fill = 1;
	rc = jr_pass(&r, &d->root);
	free(r.vstack);
	free(r.kstack);
	/* The same text, the same grammar: pass 2 cannot fail or overrun. */
	if (rc != 0 || r.values != (struct json_value *)(void *)arena + sv ||
	    r.keys != (const char **)(void *)(arena + vbytes) + sk)
		abort();
	*doc = d;
	return 0;
nomem:
	free(d);
	free(r.vstack);
	free(r.kstack);
	if (errn > 0)
		snprintf(err, errn, "out of memory (%zu bytes of JSON)", n);
	return IMGPIPE_ENOMEM;
}

int
json_parse(const char *text, size_t n, struct json_doc **doc, char *err,
	   size_t errn)
{
	return json_parse_flags(text, n, 0, doc, err, errn);
}

const struct json_value *
json_root(const struct json_doc *doc)
{
	return &doc->root;
}

void
json_doc_free(struct json_doc *doc)
{
	free(doc);
}

const struct json_value *
json_get(const struct json_value *v, const char *key)
{
	size_t i;

	if (v == NULL || v->type != JSON_OBJECT)
		return NULL;
	for (i = 0; i < v->len; i++)
		if (strcmp(v->key[i], key) == 0)
			return &v->item[i];
	return NULL;
}
