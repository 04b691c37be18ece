/*
 * What a HEIF's boxes say that libheif 1.15 trusts unchecked, read from
 * the boxes themselves: the output size the primary grid item declares
 * (libheif allocates a grid at that size without comparing it with the
 * item's ispe, which is all its API shows, and crashes on some files
 * where the two differ), and the item references its decoder follows
 * (it recurses along them, so a cycle overflows the stack).  A minimal
 * ISO-BMFF walk over untrusted bytes: every size and offset is checked
 * before use.
 */
#include "codec_heif.h"

#include <stdlib.h>
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

/* One item reference libheif's decoder follows: decoding from decodes to. */
struct edge {
	uint32_t from, to;
};

struct graph {
	struct edge *e; /* sorted by from */
	size_t n, cap;
	uint32_t *ids; /* every item named, sorted, once */
	size_t nids;
	unsigned char *state;  /* per id: 0 new, 1 on the path, 2 done */
	unsigned char *height; /* per done id: the longest chain below it */
};

#define REFS_MAX  65536 /* more is refused */
#define DEPTH_MAX 8

static int
cmp_edge(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;

	return x->from < y->from ? -1 : x->from > y->from;
}

static int
cmp_id(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
add_edge(struct graph *g, uint32_t from, uint32_t to)
{
	if (g->n == g->cap)
		return -1;
	g->e[g->n].from = from;
	g->e[g->n].to = to;
	g->n++;
	return 0;
}

/*
 * The references of iref as libheif 1.15 reads them: each reference's
 * own box size is ignored (libheif reads from, count and ids on from its
 * header), so a lying size does not hide a reference from this walk.
 * dimg: a grid or overlay decodes its tiles; auxl (from an alpha or depth
 * image to its master): the master decodes it.
 */
static int
read_refs(const struct bbox *iref, struct graph *g)
{
	struct rd r = { iref->data, iref->len, 0, 0 };
	unsigned v = (unsigned)get(&r, 1), idb;
	uint64_t size, count, i;
	uint32_t from, to;
	char type[4];
	int dimg, auxl;

	get(&r, 3);
	idb = v == 0 ? 2 : 4;
	while (!r.bad && r.at < r.n) {
		size = get(&r, 4);
		if (r.bad || r.n - r.at < 4)
			break;
		memcpy(type, r.p + r.at, 4);
		r.at += 4;
		if (size == 1)
			get(&r, 8);
		if (memcmp(type, "uuid", 4) == 0)
			get(&r, 16);
		from = (uint32_t)get(&r, idb);
		count = get(&r, 2);
		dimg = memcmp(type, "dimg", 4) == 0;
		auxl = memcmp(type, "auxl", 4) == 0;
		for (i = 0; i < count && !r.bad; i++) {
			to = (uint32_t)get(&r, idb);
			if (r.bad)
				break;
			if ((dimg && add_edge(g, from, to) != 0) ||
			    (auxl && add_edge(g, to, from) != 0))
				return -1;
		}
	}
	return 0;
}

static size_t
id_index(const struct graph *g, uint32_t id)
{
	const uint32_t *p = bsearch(&id, g->ids, g->nids, sizeof(*p), cmp_id);

	return (size_t)(p - g->ids);
}

/* 0, or -1 for a cycle or a chain deeper than DEPTH_MAX below id. */
static int
visit(struct graph *g, uint32_t id, int depth)
{
	size_t k = id_index(g, id), c, lo = 0, hi = g->n, mid;
	int rc, h = 0;

	if (g->state[k] == 1 || depth > DEPTH_MAX)
		return -1;
	if (g->state[k] == 2)
		return depth + g->height[k] > DEPTH_MAX ? -1 : 0;
	g->state[k] = 1;
	while (lo < hi) { /* the first edge from id */
		mid = lo + (hi - lo) / 2;
		if (g->e[mid].from < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < g->n && g->e[lo].from == id; lo++) {
		rc = visit(g, g->e[lo].to, depth + 1);
		if (rc != 0)
			return rc;
		c = id_index(g, g->e[lo].to);
		if (g->height[c] + 1 > h)
			h = g->height[c] + 1;
	}
	g->state[k] = 2;
	g->height[k] = (unsigned char)h;
	return 0;
}

int
heif_refs_check(const unsigned char *buf, size_t len)
{
	struct bbox meta, pitm, iref;
	struct graph g = { 0 };
	size_t pos = 0, i, j;
	uint32_t primary;
	int rc = -1;

	do {
		if (!next_box(buf, len, &pos, &meta))
			return 0;
	} while (memcmp(meta.type, "meta", 4) != 0);
	if (!find_box(meta.data, meta.len, 4, "iref", &iref) ||
	    !find_box(meta.data, meta.len, 4, "pitm", &pitm) || pitm.len < 6)
		return 0;
	primary = (uint32_t)(pitm.data[0] == 0 ? be(pitm.data + 4, 2)
			     : pitm.len >= 8   ? be(pitm.data + 4, 4)
					       : 0);
	/* Each reference takes at least 2 bytes of the box. */
	g.cap = iref.len / 2 < REFS_MAX ? iref.len / 2 + 1 : REFS_MAX;
	g.e = malloc(sizeof(*g.e) * g.cap);
	if (g.e == NULL)
		return -2;
	if (read_refs(&iref, &g) != 0)
		goto out;
	g.ids = malloc(sizeof(*g.ids) * (2 * g.n + 1));
	g.state = calloc(2 * g.n + 1, 1);
	g.height = calloc(2 * g.n + 1, 1);
	if (g.ids == NULL || g.state == NULL || g.height == NULL) {
		rc = -2;
		goto out;
	}
	g.ids[g.nids++] = primary;
	for (i = 0; i < g.n; i++) {
		g.ids[g.nids++] = g.e[i].from;
		g.ids[g.nids++] = g.e[i].to;
	}
	qsort(g.ids, g.nids, sizeof(*g.ids), cmp_id);
	for (i = j = 0; i < g.nids; i++)
		if (j == 0 || g.ids[j - 1] != g.ids[i])
			g.ids[j++] = g.ids[i];
	g.nids = j;
	qsort(g.e, g.n, sizeof(*g.e), cmp_edge);
	rc = visit(&g, primary, 0);
out:
	free(g.e);
	free(g.ids);
	free(g.state);
	free(g.height);
	return rc;
}
