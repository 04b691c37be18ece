/*
 * The IPTC filter: Photoshop image resources walked with every length
 * checked, and only the IPTC-NAA record and its digest written back.  The
 * other resources are copies of what the output no longer is (thumbnail,
 * EXIF, XMP, resolution, slices) and would go stale.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "membuf.h"
#include "metafix.h"

#define IRB_IPTC   0x0404
#define IRB_DIGEST 0x0425

/* The signatures resources carry; only "8BIM" ones can hold IPTC. */
static const char *const irb_signatures[] = { "8BIM", "MeSa", "PHUT", "AgHg",
					      "DCSR" };

struct irb_res {
	size_t at; /* offset of the signature */
	unsigned id;
	const unsigned char *name; /* Pascal string: length byte, then text */
	const unsigned char *data;
	uint32_t size;
	int ours; /* an 8BIM resource that is kept */
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int
known_signature(const unsigned char *p)
{
	size_t i;

	for (i = 0; i < sizeof(irb_signatures) / sizeof(irb_signatures[0]); i++)
		if (memcmp(p, irb_signatures[i], 4) == 0)
			return 1;
	return 0;
}

/*
 * The resource at irb + *pos; *pos moves past it.  Returns 0, or
 * IMGPIPE_EFORMAT with the reason when a length runs past the block.
 */
static int
next_resource(const unsigned char *irb, size_t len, size_t *pos,
	      struct irb_res *r, struct imgpipe_error *err)
{
	size_t p = *pos, name_len, data_len;

	r->at = p;
	if (len - p < 4 || !known_signature(irb + p))
		return error_set(err, IMGPIPE_EFORMAT,
				 "IPTC dropped: no image resource at byte %zu",
				 p);
	r->ours = memcmp(irb + p, "8BIM", 4) == 0;
	p += 4;
	if (len - p < 3)
		return error_set(err, IMGPIPE_EFORMAT,
				 "IPTC dropped: resource at byte %zu is "
				 "truncated",
				 r->at);
	r->id = (unsigned)irb[p] << 8 | irb[p + 1];
	p += 2;
	r->name = irb + p;
	/* The length byte and the text, padded to an even size. */
	name_len = (1 + (size_t)irb[p] + 1) & ~(size_t)1;
	if (len - p < name_len + 4)
		return error_set(
			err, IMGPIPE_EFORMAT,
			"IPTC dropped: resource 0x%04x at byte %zu has "
			"a name past the end",
			r->id, r->at);
	p += name_len;
	r->size = be32(irb + p);
	p += 4;
	if (len - p < r->size)
		return error_set(
			err, IMGPIPE_EFORMAT,
			"IPTC dropped: resource 0x%04x at byte %zu has "
			"%lu bytes, past the end",
			r->id, r->at, (unsigned long)r->size);
	r->data = irb + p;
	data_len = r->size + (r->size & 1);
	/* The last resource may lack its pad byte. */
	*pos = len - p < data_len ? len : p + data_len;
	r->ours = r->ours && (r->id == IRB_IPTC || r->id == IRB_DIGEST);
	return 0;
}

static int
put_resource(struct membuf *b, const struct irb_res *r)
{
	unsigned char head[6] = { '8',
				  'B',
				  'I',
				  'M',
				  (unsigned char)(r->id >> 8),
				  (unsigned char)r->id };
	unsigned char size[4] = { (unsigned char)(r->size >> 24),
				  (unsigned char)(r->size >> 16),
				  (unsigned char)(r->size >> 8),
				  (unsigned char)r->size };
	static const unsigned char zero;
	size_t name = 1 + (size_t)r->name[0];

	if (membuf_append(b, head, sizeof(head)) != 0 ||
	    membuf_append(b, r->name, name) != 0 ||
	    (name & 1 && membuf_append(b, &zero, 1) != 0) ||
	    membuf_append(b, size, sizeof(size)) != 0 ||
	    membuf_append(b, r->data, r->size) != 0 ||
	    (r->size & 1 && membuf_append(b, &zero, 1) != 0))
		return IMGPIPE_ENOMEM;
	return 0;
}

/* Whether the bytes from p on are all zero: padding some writers leave. */
static int
zero_tail(const unsigned char *irb, size_t len, size_t p)
{
	while (p < len && irb[p] == 0)
		p++;
	return p == len;
}

int
iptc_filter(const unsigned char *irb, size_t len, unsigned char **out,
	    size_t *out_len, struct imgpipe_error *err)
{
	struct membuf b;
	struct irb_res r = { 0 };
	size_t pos = 0;
	int has_iptc = 0, rc = 0;

	*out = NULL;
	*out_len = 0;
	if (len > META_IPTC_MAX)
		return error_set(err, IMGPIPE_ELIMIT,
				 "IPTC dropped: %zu bytes, over the 1 MiB "
				 "limit",
				 len);
	if (irb == NULL)
		return 0;
	membuf_init(&b);
	while (pos < len && rc == 0) {
		if (pos > 0 && zero_tail(irb, len, pos))
			break;
		rc = next_resource(irb, len, &pos, &r, err);
		if (rc != 0 || !r.ours)
			continue;
		has_iptc |= r.id == IRB_IPTC;
		if (put_resource(&b, &r) != 0)
			rc = error_set(err, IMGPIPE_ENOMEM,
				       "IPTC dropped: out of memory");
	}
	/* A pad byte added to the last resource must not pass the limit. */
	if (rc == 0 && b.len > META_IPTC_MAX)
		rc = error_set(err, IMGPIPE_ELIMIT,
			       "IPTC dropped: %zu bytes, over the 1 MiB limit",
			       b.len);
	if (rc != 0 || !has_iptc) {
		membuf_release(&b);
		return rc;
	}
	*out = b.data;
	*out_len = b.len;
	return 0;
}
