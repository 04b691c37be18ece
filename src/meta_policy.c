/*
 * The output's metadata from the input's: each block kept, fixed up or
 * dropped (meta_policy.h).  Every drop the user did not ask for is a
 * warning; the blocks that stay are ready to write as they are.
 */
#include "meta_policy.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "metafix.h"
#include "util.h"

static const struct {
	unsigned bit;
	const char *name;
} names[] = { { META_EXIF, "exif" },
	      { META_XMP, "xmp" },
	      { META_IPTC, "iptc" },
	      { META_ICC, "icc" },
	      { META_OTHER, "other" } };

const char *
meta_policy_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].bit == bit)
			return names[i].name;
	return NULL;
}

static void
drop(unsigned char **p, size_t *len)
{
	free(*p);
	*p = NULL;
	*len = 0;
}

/* A fix-up's refusal as the file's next warning: its reason, or what. */
static void
warn_drop(struct imgpipe_error *err, const struct imgpipe_error *why,
	  const char *what)
{
	if (why->msg[0] != '\0')
		error_warn_more(err, "%s", why->msg);
	else
		error_warn_more(err, "%s dropped", what);
}

/*
 * Replace *p by out (from a fix-up), with the NUL after it that codec.h
 * promises, unless it is over max bytes (one JPEG segment's when jpeg):
 * then a warning and nothing.
 */
static void
install(unsigned char **p, size_t *len, unsigned char *out, size_t n,
	size_t max, int jpeg, const char *what, struct imgpipe_error *err)
{
	unsigned char *c;

	drop(p, len);
	if (n == 0) {
		free(out);
		return;
	}
	if (n > max) {
		free(out);
		if (jpeg)
			error_warn_more(err,
					"%s dropped: %zu bytes do not fit one "
					"JPEG segment",
					what, n);
		else
			error_warn_more(err,
					"%s dropped: %zu bytes, over the limit "
					"of %zu",
					what, n, max);
		return;
	}
	c = realloc(out, n + 1);
	if (c == NULL) {
		free(out);
		error_warn_more(err, "%s dropped: out of memory", what);
		return;
	}
	c[n] = 0;
	*p = c;
	*len = n;
}

static void
fix_exif(struct image_meta *m, const struct meta_fix *fix, int jpeg,
	 struct imgpipe_error *err)
{
	struct imgpipe_error why;
	unsigned char *out = NULL;
	size_t n = 0;

	error_clear(&why);
	if (exif_rewrite(m->exif, m->exif_len, fix, &out, &n, &why) != 0) {
		drop(&m->exif, &m->exif_len);
		warn_drop(err, &why, "EXIF");
		return;
	}
	install(&m->exif, &m->exif_len, out, n,
		jpeg ? CODEC_JPEG_EXIF_MAX : META_EXIF_MAX, jpeg, "EXIF", err);
}

static void
fix_xmp(struct image_meta *m, const struct meta_fix *fix, int jpeg,
	struct imgpipe_error *err)
{
	struct imgpipe_error why;
	unsigned char *out = NULL;
	size_t n = 0;

	error_clear(&why);
	if (xmp_patch(m->xmp, m->xmp_len, fix, &out, &n, &why) != 0) {
		drop(&m->xmp, &m->xmp_len);
		warn_drop(err, &why, "XMP");
		return;
	}
	install(&m->xmp, &m->xmp_len, out, n,
		jpeg ? CODEC_JPEG_XMP_MAX : META_XMP_MAX, jpeg, "XMP", err);
}

static void
fix_iptc(struct image_meta *m, struct imgpipe_error *err)
{
	struct imgpipe_error why;
	unsigned char *out = NULL;
	size_t n = 0;

	error_clear(&why);
	if (iptc_filter(m->iptc, m->iptc_len, &out, &n, &why) != 0) {
		drop(&m->iptc, &m->iptc_len);
		warn_drop(err, &why, "IPTC");
		return;
	}
	/* APP13 is split as needed: no one-segment limit. */
	install(&m->iptc, &m->iptc_len, out, n, META_IPTC_MAX, 0, "IPTC", err);
}

/* Every byte printable ASCII, tab or line break: a tEXt needs no UTF-8. */
static int
plain_ascii(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] >= 0x7f || (p[i] < 0x20 && p[i] != '\t' &&
				     p[i] != '\n' && p[i] != '\r'))
			return 0;
	return 1;
}

/*
 * A PNG keyword as libpng writes it without complaint: 1..79 Latin-1
 * printable characters, no space at either end or two in a row.
 */
static int
keyword_ok(const char *k)
{
	size_t i, n = strlen(k);
	unsigned char c;

	if (n == 0 || n > 79 || k[0] == ' ' || k[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)k[i];
		if ((c < 0x20 || (c > 0x7e && c < 0xa1)) ||
		    (c == ' ' && k[i + 1] == ' '))
			return 0;
	}
	return 1;
}

/*
 * Whether text t can go into the output, made the kind the output writes:
 * JPEG has only comments (a PNG "Comment" text becomes one; a keyed text
 * has no JPEG container), PNG writes a comment as a "Comment" text.
 */
static int
fit_text(struct meta_text *t, enum codec_id out, struct imgpipe_error *err)
{
	if (out == CODEC_JPEG) {
		if (t->kind != 'C' && strcasecmp(t->key, "Comment") != 0)
			return 0;
		if (t->len > CODEC_JPEG_COM_MAX) {
			error_warn_more(err,
					"comment dropped: %zu bytes do not fit "
					"one JPEG segment",
					t->len);
			return 0;
		}
		t->kind = 'C';
		t->key[0] = '\0';
		return 1;
	}
	if (t->kind == 'C') {
		t->kind = plain_ascii(t->text, t->len) ? 't' : 'i';
		util_fmt(t->key, sizeof(t->key), "Comment");
	}
	if (!keyword_ok(t->key)) {
		error_warn_more(err, "text chunk dropped: bad keyword");
		return 0;
	}
	return 1;
}

static void
fit_texts(struct image_meta *m, enum codec_id out, struct imgpipe_error *err)
{
	size_t i, n = 0;

	for (i = 0; i < m->n_texts; i++) {
		if (fit_text(&m->texts[i], out, err))
			m->texts[n++] = m->texts[i];
		else
			free(m->texts[i].text);
	}
	m->n_texts = n;
}

static void
drop_texts(struct image_meta *m)
{
	size_t i;

	for (i = 0; i < m->n_texts; i++)
		free(m->texts[i].text);
	m->n_texts = 0;
}

static unsigned
blocks_of(const struct image_meta *m)
{
	return (m->exif_len > 0 ? META_EXIF : 0u) |
	       (m->xmp_len > 0 ? META_XMP : 0u) |
	       (m->iptc_len > 0 ? META_IPTC : 0u) |
	       (m->icc_len > 0 ? META_ICC : 0u) |
	       (m->n_texts > 0 ? META_OTHER : 0u);
}

unsigned
meta_policy_apply(struct image_meta *m, const struct meta_policy *p,
		  struct imgpipe_error *err)
{
	struct meta_fix fix = { p->reset_orientation, p->width, p->height,
				p->strip_gps };
	int jpeg = p->out_codec == CODEC_JPEG;

	if (!(p->keep & META_EXIF))
		drop(&m->exif, &m->exif_len);
	else if (m->exif_len > 0)
		fix_exif(m, &fix, jpeg, err);
	if (!(p->keep & META_XMP))
		drop(&m->xmp, &m->xmp_len);
	else if (m->xmp_len > 0)
		fix_xmp(m, &fix, jpeg, err);
	if (!(p->keep & META_IPTC) || !jpeg || p->in_codec != CODEC_JPEG)
		drop(&m->iptc, &m->iptc_len);
	else if (m->iptc_len > 0)
		fix_iptc(m, err);
	if (!(p->keep & META_ICC))
		drop(&m->icc, &m->icc_len);
	/* WebP and AVIF have no container for a text. */
	if (!(p->keep & META_OTHER) ||
	    (p->out_codec != CODEC_JPEG && p->out_codec != CODEC_PNG))
		drop_texts(m);
	else
		fit_texts(m, p->out_codec, err);
	return blocks_of(m);
}
