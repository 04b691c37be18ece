/*
 * The XMP patch: a scanner over the packet's XML text, not a general XML
 * parser.  It tokenises the whole packet (tags, attributes, comments,
 * processing instructions, CDATA), keeps the elements balanced and the
 * namespace bindings in scope, and copies every byte it does not edit, so
 * the output differs from the input only where a property changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "membuf.h"
#include "metafix.h"

#define NS_TIFF "http://ns.adobe.com/tiff/1.0/"
#define NS_EXIF "http://ns.adobe.com/exif/1.0/"
#define NS_NOTE "http://ns.adobe.com/xmp/note/"

/* Bounds that no real packet reaches; past them the packet is refused. */
#define XMP_MAX_DEPTH 256
#define XMP_MAX_ATTRS 1024

/* A property of interest: its namespace, its standard prefix, its name. */
enum xmp_prop {
	PROP_OTHER,
	PROP_ORIENTATION,
	PROP_WIDTH, /* tiff:ImageWidth, exif:PixelXDimension */
	PROP_HEIGHT,
	PROP_EXTENDED, /* xmpNote:HasExtendedXMP */
	PROP_GPS       /* exif:GPS* */
};

struct span {
	const char *p;
	size_t n;
};

struct binding {
	struct span prefix, uri;
};

/* What happens to an element: kept, removed, or its text replaced. */
enum xmp_action {
	ACT_KEEP,
	ACT_REMOVE,
	ACT_REPLACE
};

struct frame {
	struct span name;
	size_t nbind; /* bindings in scope outside this element */
	size_t cut;   /* output length to fall back to when it is removed */
	size_t text;  /* output length where its content starts */
	enum xmp_action act;
	char value[16]; /* the new text of ACT_REPLACE */
	int has_child;
	int kept; /* elements written out before this one started */
};

struct attr {
	struct span name, value;
	const char *from; /* the whitespace before the name */
	const char *to;	  /* just past the closing quote */
};

struct scan {
	const char *start, *p, *end;
	const struct meta_fix *fix;
	struct membuf out;
	struct frame stack[XMP_MAX_DEPTH];
	int depth;
	int removing; /* depth of the outermost element being removed, or 0 */
	struct binding *bind;
	size_t nbind, capbind;
	struct attr attrs[XMP_MAX_ATTRS];
	int kept; /* elements written out */
	struct imgpipe_error *err;
};

static int
refuse(struct scan *s, const char *why)
{
	return error_set(s->err, IMGPIPE_EFORMAT, "XMP dropped: %s at byte %zu",
			 why, (size_t)(s->p - s->start));
}

static int
emit(struct scan *s, const void *p, size_t n)
{
	if (membuf_append(&s->out, p, n) != 0)
		return error_set(s->err, IMGPIPE_ENOMEM,
				 "XMP dropped: out of memory");
	return 0;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_name_start(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       c >= 0x80;
}

static int
is_name_char(int c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '.' ||
	       c == '-' || c == ':';
}

static int
span_is(struct span a, const char *lit)
{
	return a.n == strlen(lit) && memcmp(a.p, lit, a.n) == 0;
}

/* A name (prefix:local or local) at s->p; 0 when there is none. */
static int
scan_name(struct scan *s, struct span *name)
{
	const unsigned char *q = (const unsigned char *)s->p;
	const unsigned char *e = (const unsigned char *)s->end;
	const unsigned char *colon = NULL;

	if (q == e || !is_name_start(*q))
		return 0;
	name->p = s->p;
	while (q < e && is_name_char(*q)) {
		if (*q == ':') {
			if (colon != NULL)
				return 0;
			colon = q;
		}
		q++;
	}
	if (colon != NULL && (colon + 1 == q || !is_name_start(colon[1])))
		return 0;
	name->n = (size_t)((const char *)q - s->p);
	s->p = (const char *)q;
	return 1;
}

static void
split(struct span name, struct span *prefix, struct span *local)
{
	const char *c = memchr(name.p, ':', name.n);

	if (c == NULL) {
		prefix->p = name.p;
		prefix->n = 0;
		*local = name;
		return;
	}
	prefix->p = name.p;
	prefix->n = (size_t)(c - name.p);
	local->p = c + 1;
	local->n = name.n - prefix->n - 1;
}

/*
 * Whether prefix stands for namespace uri: it is bound to it, or it is
 * unbound and the prefix XMP writes for that namespace (a packet that
 * forgot a declaration still has its GPS removed).
 */
static int
in_namespace(const struct scan *s, struct span prefix, const char *uri,
	     const char *std)
{
	size_t i = s->nbind;

	while (i-- > 0)
		if (s->bind[i].prefix.n == prefix.n &&
		    memcmp(s->bind[i].prefix.p, prefix.p, prefix.n) == 0)
			return span_is(s->bind[i].uri, uri);
	return span_is(prefix, std);
}

/* What name is; is_attr because attributes have no default namespace. */
static enum xmp_prop
classify(const struct scan *s, struct span name, int is_attr)
{
	struct span prefix, local;

	split(name, &prefix, &local);
	if (is_attr && prefix.n == 0)
		return PROP_OTHER;
	if (in_namespace(s, prefix, NS_TIFF, "tiff")) {
		if (span_is(local, "Orientation"))
			return PROP_ORIENTATION;
		if (span_is(local, "ImageWidth"))
			return PROP_WIDTH;
		if (span_is(local, "ImageLength"))
			return PROP_HEIGHT;
	}
	if (in_namespace(s, prefix, NS_EXIF, "exif")) {
		if (span_is(local, "PixelXDimension"))
			return PROP_WIDTH;
		if (span_is(local, "PixelYDimension"))
			return PROP_HEIGHT;
		if (local.n >= 3 && memcmp(local.p, "GPS", 3) == 0)
			return PROP_GPS;
	}
	if (in_namespace(s, prefix, NS_NOTE, "xmpNote") &&
	    span_is(local, "HasExtendedXMP"))
		return PROP_EXTENDED;
	return PROP_OTHER;
}

/*
 * The new value of prop in buf, "" when it is kept as it is, NULL when
 * the property is removed.
 */
static const char *
new_value(const struct scan *s, enum xmp_prop prop, char *buf, size_t n)
{
	const struct meta_fix *fix = s->fix;

	buf[0] = '\0';
	switch (prop) {
	case PROP_ORIENTATION:
		if (fix->reset_orientation)
			snprintf(buf, n, "1");
		return buf;
	case PROP_WIDTH:
		if (fix->width > 0)
			snprintf(buf, n, "%d", fix->width);
		return buf;
	case PROP_HEIGHT:
		if (fix->height > 0)
			snprintf(buf, n, "%d", fix->height);
		return buf;
	case PROP_EXTENDED: return NULL;
	case PROP_GPS: return fix->strip_gps ? NULL : buf;
	case PROP_OTHER: break;
	}
	return buf;
}

static int
push_binding(struct scan *s, struct span prefix, struct span uri)
{
	struct binding *b;

	if (s->nbind == s->capbind) {
		size_t cap = s->capbind ? 2 * s->capbind : 16;

		b = realloc(s->bind, cap * sizeof(*b));
		if (b == NULL)
			return error_set(s->err, IMGPIPE_ENOMEM,
					 "XMP dropped: out of memory");
		s->bind = b;
		s->capbind = cap;
	}
	s->bind[s->nbind].prefix = prefix;
	s->bind[s->nbind].uri = uri;
	s->nbind++;
	return 0;
}

/* Skip to just past the literal end; 0 when the packet ends first. */
static int
skip_past(struct scan *s, const char *end)
{
	size_t n = strlen(end);

	while ((size_t)(s->end - s->p) >= n) {
		if (memcmp(s->p, end, n) == 0) {
			s->p += n;
			return 1;
		}
		s->p++;
	}
	return 0;
}

/* The attributes of the start tag at s->p, up to "/>" or ">". */
static int
scan_attrs(struct scan *s, int *nattr)
{
	struct attr *a;
	char q;

	*nattr = 0;
	for (;;) {
		const char *from = s->p;

		while (s->p < s->end && is_space(*s->p))
			s->p++;
		if (s->p == s->end)
			return refuse(s, "unterminated tag");
		if (*s->p == '>' || *s->p == '/')
			return 0;
		if (s->p == from)
			return refuse(s, "no space before an attribute");
		if (*nattr == XMP_MAX_ATTRS)
			return refuse(s, "too many attributes");
		a = &s->attrs[(*nattr)++];
		a->from = from;
		if (!scan_name(s, &a->name))
			return refuse(s, "bad attribute name");
		while (s->p < s->end && is_space(*s->p))
			s->p++;
		if (s->p == s->end || *s->p != '=')
			return refuse(s, "attribute without a value");
		s->p++;
		while (s->p < s->end && is_space(*s->p))
			s->p++;
		if (s->p == s->end || (*s->p != '"' && *s->p != '\''))
			return refuse(s, "unquoted attribute value");
		q = *s->p++;
		a->value.p = s->p;
		while (s->p < s->end && *s->p != q && *s->p != '<')
			s->p++;
		if (s->p == s->end || *s->p != q)
			return refuse(s, "unterminated attribute value");
		a->value.n = (size_t)(s->p - a->value.p);
		s->p++;
		a->to = s->p;
	}
}

/* The declarations among the attributes, then the duplicate check. */
static int
bind_attrs(struct scan *s, int nattr)
{
	struct span prefix, local;
	int i, j, rc;

	for (i = 0; i < nattr; i++) {
		for (j = 0; j < i; j++)
			if (s->attrs[j].name.n == s->attrs[i].name.n &&
			    memcmp(s->attrs[j].name.p, s->attrs[i].name.p,
				   s->attrs[i].name.n) == 0)
				return refuse(s, "duplicate attribute");
		split(s->attrs[i].name, &prefix, &local);
		if (span_is(s->attrs[i].name, "xmlns"))
			rc = push_binding(s, prefix, s->attrs[i].value);
		else if (span_is(prefix, "xmlns"))
			rc = push_binding(s, local, s->attrs[i].value);
		else
			rc = 0;
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Copy the attributes, with the edited ones changed or left out. */
static int
emit_attrs(struct scan *s, int nattr)
{
	char buf[16];
	const char *v;
	const struct attr *a;
	enum xmp_prop prop;
	int i, rc;

	for (i = 0; i < nattr; i++) {
		a = &s->attrs[i];
		prop = classify(s, a->name, 1);
		v = new_value(s, prop, buf, sizeof(buf));
		if (v == NULL)
			continue;
		if (v[0] == '\0') {
			rc = emit(s, a->from, (size_t)(a->to - a->from));
		} else {
			rc = emit(s, a->from, (size_t)(a->value.p - a->from));
			if (rc == 0)
				rc = emit(s, v, strlen(v));
			if (rc == 0)
				rc = emit(s, a->to - 1, 1);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * The element on top of the stack ends: a removed one takes back its
 * output, one whose text is replaced gets the new value (or is removed
 * when it holds markup rather than text: its value would be stale).
 */
static int
end_element(struct scan *s, const char *etag, size_t n, int empty)
{
	struct frame *f = &s->stack[--s->depth];
	int rc = 0;

	s->nbind = f->nbind;
	if (s->removing == s->depth + 1 ||
	    (!s->removing && f->act == ACT_REPLACE &&
	     (empty || f->has_child))) {
		/* Its elements go with it: they count no more. */
		s->out.len = f->cut;
		s->kept = f->kept;
		if (s->removing == s->depth + 1)
			s->removing = 0;
		return 0;
	}
	s->kept++;
	if (!s->removing && f->act == ACT_REPLACE) {
		s->out.len = f->text;
		rc = emit(s, f->value, strlen(f->value));
	}
	return rc == 0 ? emit(s, etag, n) : rc;
}

/* What the element f is and what happens to it. */
static void
decide(struct scan *s, struct frame *f)
{
	const char *v;

	v = new_value(s, classify(s, f->name, 0), f->value, sizeof(f->value));
	if (v == NULL)
		f->act = ACT_REMOVE;
	else if (v[0] != '\0')
		f->act = ACT_REPLACE;
	else
		f->act = ACT_KEEP;
	f->cut = s->out.len;
	if (f->act != ACT_KEEP)
		/* The whitespace that indented it goes with it. */
		while (f->cut > 0 && is_space(s->out.data[f->cut - 1]))
			f->cut--;
	if (f->act == ACT_REMOVE && !s->removing)
		s->removing = s->depth + 1;
}

/* A start tag; lt is its '<', s->p is just past it. */
static int
start_tag(struct scan *s, const char *lt)
{
	struct frame *f;
	const char *tail;
	int nattr, empty, rc;

	if (s->depth == XMP_MAX_DEPTH)
		return refuse(s, "elements nested too deep");
	f = &s->stack[s->depth];
	if (!scan_name(s, &f->name))
		return refuse(s, "bad element name");
	f->nbind = s->nbind;
	f->has_child = 0;
	f->kept = s->kept;
	rc = scan_attrs(s, &nattr);
	if (rc == 0)
		rc = bind_attrs(s, nattr);
	if (rc != 0)
		return rc;
	tail = s->p;
	empty = *s->p == '/';
	if (empty && (s->end - s->p < 2 || s->p[1] != '>'))
		return refuse(s, "bad end of tag");
	s->p += empty ? 2 : 1;
	if (s->depth > 0)
		s->stack[s->depth - 1].has_child = 1;
	decide(s, f);
	s->depth++;
	rc = emit(s, lt, (size_t)(f->name.p + f->name.n - lt));
	if (rc == 0)
		rc = emit_attrs(s, nattr);
	if (rc == 0 && nattr > 0)
		tail = s->attrs[nattr - 1].to;
	else if (rc == 0)
		tail = f->name.p + f->name.n;
	if (rc == 0)
		rc = emit(s, tail, (size_t)(s->p - tail));
	if (rc != 0)
		return rc;
	f->text = s->out.len;
	return empty ? end_element(s, "", 0, 1) : 0;
}

/* An end tag; lt is its '<', s->p is just past "</". */
static int
end_tag(struct scan *s, const char *lt)
{
	struct span name;
	const struct frame *f;

	if (!scan_name(s, &name))
		return refuse(s, "bad end tag");
	while (s->p < s->end && is_space(*s->p))
		s->p++;
	if (s->p == s->end || *s->p != '>')
		return refuse(s, "unterminated end tag");
	s->p++;
	if (s->depth == 0)
		return refuse(s, "end tag without a start");
	f = &s->stack[s->depth - 1];
	if (f->name.n != name.n || memcmp(f->name.p, name.p, name.n) != 0)
		return refuse(s, "unbalanced tags");
	return end_element(s, lt, (size_t)(s->p - lt), 0);
}

/* Markup that is copied as it is: comments, PIs, CDATA. */
static int
opaque(struct scan *s, const char *lt, const char *open, const char *close,
       const char *what)
{
	s->p = lt + strlen(open);
	if (!skip_past(s, close))
		return refuse(s, what);
	return emit(s, lt, (size_t)(s->p - lt));
}

static int
scan_markup(struct scan *s)
{
	const char *lt = s->p++;
	size_t left = (size_t)(s->end - lt);

	if (left >= 4 && memcmp(lt, "<!--", 4) == 0)
		return opaque(s, lt, "<!--", "-->", "unterminated comment");
	if (left >= 9 && memcmp(lt, "<![CDATA[", 9) == 0) {
		if (s->depth == 0)
			return refuse(s, "CDATA outside the elements");
		return opaque(s, lt, "<![CDATA[", "]]>", "unterminated CDATA");
	}
	if (left >= 2 && lt[1] == '!')
		/* A DOCTYPE could declare entities; XMP forbids it. */
		return refuse(s, "DOCTYPE or other declaration");
	if (left >= 2 && lt[1] == '?')
		return opaque(s, lt, "<?", "?>",
			      "unterminated processing instruction");
	if (left >= 2 && lt[1] == '/') {
		s->p++;
		return end_tag(s, lt);
	}
	return start_tag(s, lt);
}

static int
scan_packet(struct scan *s)
{
	const char *t;
	int rc;

	while (s->p < s->end) {
		if (*s->p == '<') {
			rc = scan_markup(s);
			if (rc != 0)
				return rc;
			continue;
		}
		t = memchr(s->p, '<', (size_t)(s->end - s->p));
		if (t == NULL)
			t = s->end;
		if (memchr(s->p, '\0', (size_t)(t - s->p)) != NULL)
			return refuse(s, "NUL byte (not UTF-8 text)");
		rc = emit(s, s->p, (size_t)(t - s->p));
		if (rc != 0)
			return rc;
		s->p = t;
	}
	if (s->depth > 0)
		return refuse(s, "unclosed element");
	/* Nothing left (a packet of GPS only, say) is no packet. */
	if (s->kept == 0)
		return refuse(s, "no element left");
	/* New numbers are longer than old ones: the limit holds for both. */
	if (s->out.len > META_XMP_MAX)
		return error_set(s->err, IMGPIPE_ELIMIT,
				 "XMP dropped: %zu bytes once patched, over "
				 "the 1 MiB limit",
				 s->out.len);
	return 0;
}

int
xmp_patch(const unsigned char *xmp, size_t len, const struct meta_fix *fix,
	  unsigned char **out, size_t *out_len, struct imgpipe_error *err)
{
	struct scan *s;
	int rc;

	*out = NULL;
	*out_len = 0;
	if (len > META_XMP_MAX)
		return error_set(err, IMGPIPE_ELIMIT,
				 "XMP dropped: %zu bytes, over the 1 MiB limit",
				 len);
	/* Some writers end the packet with a NUL, as a C string. */
	while (xmp != NULL && len > 0 && xmp[len - 1] == '\0')
		len--;
	if (xmp == NULL || len == 0)
		return error_set(err, IMGPIPE_EFORMAT, "XMP dropped: empty");
	/* The stack and the attributes are too big for a thread's stack. */
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return error_set(err, IMGPIPE_ENOMEM,
				 "XMP dropped: out of memory");
	s->start = s->p = (const char *)xmp;
	s->end = s->p + len;
	s->fix = fix;
	s->err = err;
	membuf_init(&s->out);
	rc = membuf_reserve(&s->out, len + 64);
	if (rc != 0)
		rc = error_set(err, IMGPIPE_ENOMEM,
			       "XMP dropped: out of memory");
	else
		rc = scan_packet(s);
	if (rc == 0) {
		*out = s->out.data;
		*out_len = s->out.len;
	} else {
		membuf_release(&s->out);
	}
	free(s->bind);
	free(s);
	return rc;
}
