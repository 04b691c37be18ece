/*
 * The output size a HEIF's primary grid item declares, read from the
 * boxes themselves: libheif 1.15 allocates a grid at that size without
 * comparing it with the item's ispe (which is all its API shows), and
 * crashes on some files where the two differ.  A minimal ISO-BMFF walk
 * over untrusted bytes: every size and offset is checked before use.
 */
#include "codec_heif.h"

#include <string.h>

/* A box: its type and payload, inside [p, end). */
struct bbox {
	char type[4];
	const unsigned char *data; /* the payload */
	size_t len;
};

static uint64_t
be(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The box at *pos in buf[0..len), or 0 when none fits there. */
static int
next_box(const unsigned char *buf, size_t len, size_t *pos, struct bbox *b)
{
	size_t at = *pos, head = 8;
	uint64_t size;

	if (at > len || len - at < 8)
		return 0;
	size = be(buf + at, 4);
	if (size == 1) {
		if (len - at < 16)
			return 0;
		size = be(buf + at + 8, 8);
		head = 16;
	} else if (size == 0) {
		size = len - at;
	}
	if (size < head || size > len - at)
		return 0;
	memcpy(b->type, buf + at + 4, 4);
	b->data = buf + at + head;
	b->len = (size_t)size - head;
	*pos = at + (size_t)size;
	return 1;
}

/* The first child of type in the payload [p, p + n), skipping skip bytes. */
static int
find_box(const unsigned char *p, size_t n, size_t skip, const char *type,
	 struct bbox *out)
{
	size_t pos = skip;

	while (next_box(p, n, &pos, out))
		if (memcmp(out->type, type, 4) == 0)
			return 1;
	return 0;
}

/* A cursor over a payload: reads fail once past its end. */
struct rd {
	const unsigned char *p;
	size_t n, at;
	int bad;
};

static uint64_t
get(struct rd *r, unsigned bytes)
{
	uint64_t v;

	if (r->bad || bytes > r->n - r->at) {
		r->bad = 1;
		return 0;
	}
	v = be(r->p + r->at, bytes);
	r->at += bytes;
	return v;
}

/* The item type of item id in iinf, or 0. */
static int
item_type(const struct bbox *iinf, uint32_t id, char type[4])
{
	struct rd r = { iinf->data, iinf->len, 0, 0 };
	struct bbox infe;
	size_t pos;
	unsigned v = (unsigned)get(&r, 1);
	uint32_t got;

	get(&r, 3);
	get(&r, v == 0 ? 2 : 4); /* entry_count: the boxes say it again */
	pos = r.at;
	while (!r.bad && next_box(iinf->data, iinf->len, &pos, &infe)) {
		struct rd e = { infe.data, infe.len, 0, 0 };
		unsigned ev = (unsigned)get(&e, 1);

		if (memcmp(infe.type, "infe", 4) != 0 || ev < 2)
			continue;
		get(&e, 3);
		got = (uint32_t)get(&e, ev == 2 ? 2 : 4);
		get(&e, 2); /* item_protection_index */
		if (e.bad || e.n - e.at < 4 || got != id)
			continue;
		memcpy(type, e.p + e.at, 4);
		return 1;
	}
	return 0;
}

/*
 * Where item id's first extent is: in the file (method 0) or in idat
 * (method 1), at *off, *n bytes; 0 when iloc does not say.
 */
static int
item_extent(const struct bbox *iloc, uint32_t id, int *method, uint64_t *off,
	    uint64_t *n)
{
	struct rd r = { iloc->data, iloc->len, 0, 0 };
	unsigned v = (unsigned)get(&r, 1), osz, lsz, bsz, isz;
	uint64_t count, i, k, ext, base;
	uint32_t got;
	int m;

	get(&r, 3);
	osz = (unsigned)get(&r, 1);
	lsz = osz & 15, osz >>= 4;
	bsz = (unsigned)get(&r, 1);
	isz = v >= 1 ? (bsz & 15) : 0, bsz >>= 4;
	count = get(&r, v < 2 ? 2 : 4);
	for (i = 0; i < count && !r.bad; i++) {
		got = (uint32_t)get(&r, v < 2 ? 2 : 4);
		m = v >= 1 ? (int)(get(&r, 2) & 15) : 0;
		get(&r, 2); /* data_reference_index */
		base = get(&r, bsz);
		ext = get(&r, 2);
		for (k = 0; k < ext && !r.bad; k++) {
			get(&r, isz);
			*off = base + get(&r, osz);
			*n = get(&r, lsz);
			if (got == id && k == 0 && !r.bad) {
				*method = m;
				return 1;
			}
		}
	}
	return 0;
}

int
heif_grid_size(const unsigned char *buf, size_t len, uint32_t *w, uint32_t *h)
{
	struct bbox meta, pitm, iinf, iloc, idat;
	const unsigned char *g;
	uint64_t off = 0, n = 0, room;
	size_t pos = 0;
	uint32_t id;
	char type[4];
	int method = 0, big;

	do {
		if (!next_box(buf, len, &pos, &meta))
			return -1;
	} while (memcmp(meta.type, "meta", 4) != 0);
	if (!find_box(meta.data, meta.len, 4, "pitm", &pitm) ||
	    !find_box(meta.data, meta.len, 4, "iinf", &iinf) ||
	    !find_box(meta.data, meta.len, 4, "iloc", &iloc) || pitm.len < 6)
		return -1;
	id = (uint32_t)(pitm.data[0] == 0 ? be(pitm.data + 4, 2)
			: pitm.len >= 8	  ? be(pitm.data + 4, 4)
					  : 0);
	if (!item_type(&iinf, id, type))
		return -1;
	if (memcmp(type, "grid", 4) != 0)
		return 0;
	if (!item_extent(&iloc, id, &method, &off, &n))
		return -1;
	if (method == 1) {
		if (!find_box(meta.data, meta.len, 4, "idat", &idat))
			return -1;
		g = idat.data;
		room = idat.len;
	} else if (method == 0) {
		g = buf;
		room = len;
	} else {
		return -1;
	}
	if (off > room || room - off < 8 || (n != 0 && n < 8))
		return -1;
	g += off;
	big = g[1] & 1;
	if (big && (room - off < 12 || (n != 0 && n < 12)))
		return -1;
	*w = (uint32_t)be(g + 4, big ? 4 : 2);
	*h = (uint32_t)be(g + (big ? 8 : 6), big ? 4 : 2);
	return 1;
}
