/*
 * The little JSON writing imgpipe needs (report, trace): strings escaped
 * so that any file name, whatever its bytes, gives valid JSON.
 */
#ifndef IMGPIPE_JSON_H
#define IMGPIPE_JSON_H

#include <stddef.h>
#include <stdio.h>

/*
 * Write s as a JSON string literal, quotes included.  Control characters
 * and bytes that are not valid UTF-8 are written as \u00XX of the byte
 * (file names on Linux are bytes, not text; this keeps the output valid
 * and the byte recoverable).  NULL is written as null.
 */
void json_write_string(FILE *f, const char *s);

struct json_value;

/*
 * Write the tree v (json_read.h) on one line, members separated by ", "
 * and names by ": ".  Numbers are written in the fewest digits that read
 * back as the same double; strings as json_write_string does (a string
 * holding a NUL ends there).
 */
void json_write_value(FILE *f, const struct json_value *v);

/*
 * Length of the valid UTF-8 sequence at s, which has avail bytes, or 0
 * when it is not one (overlong forms, surrogates and code points above
 * U+10FFFF are not; nor is a sequence cut short by avail).
 */
size_t json_utf8_len(const unsigned char *s, size_t avail);

#endif
