/* JSON writing for the report, the trace and report merge. */
#include "json.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "json_read.h"

#include "banned.h"

size_t
json_utf8_len(const unsigned char *s, size_t avail)
{
	size_t n, i;

	if (avail == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong 3- and 4-byte forms, surrogates, and > U+10FFFF. */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

void
json_write_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, left;

	if (s == NULL) {
		fputs("null", f);
		return;
	}
	left = strlen(s);
	fputc('"', f);
	while (*p != '\0') {
		n = json_utf8_len(p, left);
		if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p, f);
		} else if (*p == '\n') {
			fputs("\\n", f);
		} else if (*p == '\t') {
			fputs("\\t", f);
		} else if (*p < 0x20 || *p == 0x7f || n == 0) {
			fprintf(f, "\\u%04x", *p);
			n = 1;
		} else {
			fwrite(p, 1, n, f);
		}
		n = n ? n : 1;
		p += n;
		left -= n;
	}
	fputc('"', f);
}

/* %.15g reads back as the same double for most figures; else %.17g. */
static void
json_write_number(FILE *f, double d)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.15g", d);
	if (strtod(buf, NULL) != d)
		snprintf(buf, sizeof(buf), "%.17g", d);
	fputs(buf, f);
}

void
json_write_value(FILE *f, const struct json_value *v)
{
	size_t i;

	switch (v->type) {
	case JSON_NULL: fputs("null", f); break;
	case JSON_FALSE: fputs("false", f); break;
	case JSON_TRUE: fputs("true", f); break;
	case JSON_NUMBER: json_write_number(f, v->number); break;
	case JSON_STRING: json_write_string(f, v->string); break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		fputc(v->type == JSON_ARRAY ? '[' : '{', f);
		for (i = 0; i < v->len; i++) {
			if (i > 0)
				fputs(", ", f);
			if (v->type == JSON_OBJECT) {
				json_write_string(f, v->key[i]);
				fputs(": ", f);
			}
			json_write_value(f, &v->item[i]);
		}
		fputc(v->type == JSON_ARRAY ? ']' : '}', f);
		break;
	}
}
