/*
 * A small JSON reader for the project's own files (shard reports): the
 * whole text parsed into a tree of values in one allocation arena.
 * Untrusted input: depth, size and number syntax are checked, and a
 * malformed text gives one error with its byte offset.
 */
#ifndef IMGPIPE_JSON_READ_H
#define IMGPIPE_JSON_READ_H

#include <stddef.h>

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT
};

struct json_value {
	enum json_type type;
	double number;		 /* JSON_NUMBER, always finite */
	const char *string;	 /* JSON_STRING, NUL-terminated, UTF-8 */
	size_t len;		 /* string bytes; array/object members */
	struct json_value *item; /* array/object members, len of them */
	const char **key;	 /* object member names, len of them */
};

/* Nesting deeper than this is refused (a report nests 5 deep). */
#define JSON_MAX_DEPTH 64

struct json_doc;

/*
 * Parse text[0..n) (a NUL inside is an error).  0 and *doc, or
 * IMGPIPE_EFORMAT (err: "offset 123: expected ':'") / IMGPIPE_ENOMEM.
 * RFC 8259 exactly: one value with only blanks around it; a string's
 * \uXXXX escapes become UTF-8 (a surrogate pair one code point, a lone
 * surrogate an error; \u0000 a NUL byte counted in len); a number out of
 * the double range is an error, one that underflows becomes 0 or a
 * subnormal; raw bytes in strings must be valid UTF-8.
 */
int json_parse(const char *text, size_t n, struct json_doc **doc, char *err,
	       size_t errn);

/*
 * The files imgpipe writes (json.h) put a file name's byte that is not
 * UTF-8 as \u00XX of the byte: with this flag \u0080..\u00ff give that
 * byte back, so that a name read is the name written (string is then
 * bytes, not necessarily UTF-8).
 */
#define JSON_READ_BYTES 1u

/* json_parse with flags (0 or JSON_READ_BYTES). */
int json_parse_flags(const char *text, size_t n, unsigned flags,
		     struct json_doc **doc, char *err, size_t errn);
const struct json_value *json_root(const struct json_doc *doc);
void json_doc_free(struct json_doc *doc);

/*
 * The member named key of an object; NULL if absent or v is no object.
 * A key given twice (RFC 8259 leaves it open) gives its first member.
 */
const struct json_value *json_get(const struct json_value *v, const char *key);

#endif
