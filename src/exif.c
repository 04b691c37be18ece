/*
 * EXIF through libexif: the Orientation read and the rewrite a block needs
 * before it goes out with new pixels.  libexif only accepts data that
 * starts with the "Exif\0\0" header, so a bare TIFF structure gets one
 * prepended, and the header is stripped again from what it saves.
 */
#include "exif.h"

#include <libexif/exif-data.h>
#include <libexif/exif-log.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "metafix.h"
#include "util.h"

static const unsigned char exif_header[6] = { 'E', 'x', 'i', 'f', 0, 0 };

/*
 * libexif caps what it reads to 0xfffe bytes including the header (a JPEG
 * segment's limit): tags beyond that would be lost without a word.
 */
#define EXIF_READABLE (0xfffeu - sizeof(exif_header))

static int
is_tiff(const unsigned char *data, size_t len)
{
	return len >= 8 && ((data[0] == 'I' && data[1] == 'I') ||
			    (data[0] == 'M' && data[1] == 'M'));
}

/* A copy of the TIFF structure tiff behind the Exif header, or NULL. */
static unsigned char *
with_header(const unsigned char *tiff, size_t len)
{
	unsigned char *copy = malloc(len + sizeof(exif_header));

	if (copy == NULL)
		return NULL;
	memcpy(copy, exif_header, sizeof(exif_header));
	memcpy(copy + sizeof(exif_header), tiff, len);
	return copy;
}

/*
 * The one loading setup: data starts with the Exif header.  Loading must
 * not "fix" the data (that option adds and rewrites tags) nor reinterpret
 * the maker note (its bytes go out as they came).  keep_unknown keeps tags
 * libexif does not know (newer EXIF versions, vendors' own); log (which
 * may be NULL) hears what libexif finds wrong.
 */
static ExifData *
exif_load(const unsigned char *data, size_t len, int keep_unknown, ExifLog *log)
{
	ExifData *ed = exif_data_new();

	if (ed == NULL)
		return NULL;
	exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
	exif_data_set_option(ed, EXIF_DATA_OPTION_DONT_CHANGE_MAKER_NOTE);
	if (keep_unknown)
		exif_data_unset_option(ed,
				       EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
	else
		exif_data_set_option(ed, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
	if (log != NULL)
		exif_data_log(ed, log);
	exif_data_load_data(ed, data, (unsigned int)len);
	return ed;
}

/* Orientation from data that starts with the Exif header. */
static int
orientation_of(const unsigned char *data, size_t len)
{
	ExifData *ed;
	ExifEntry *e;
	int o = 1;

	ed = exif_load(data, len, 0, NULL);
	if (ed == NULL)
		return 1;
	e = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
	if (e != NULL && e->format == EXIF_FORMAT_SHORT && e->components >= 1 &&
	    e->data != NULL && e->size >= 2)
		o = exif_get_short(e->data, exif_data_get_byte_order(ed));
	exif_data_unref(ed);
	return o >= 1 && o <= 8 ? o : 1;
}

int
exif_orientation(const unsigned char *data, size_t len)
{
	unsigned char *copy;
	int o;

	if (data == NULL || len > 0xffffffu)
		return 1;
	if (len >= sizeof(exif_header) &&
	    memcmp(data, exif_header, sizeof(exif_header)) == 0)
		return orientation_of(data, len);
	if (!is_tiff(data, len))
		return 1;
	copy = with_header(data, len);
	if (copy == NULL)
		return 1;
	o = orientation_of(copy, len + sizeof(exif_header));
	free(copy);
	return o;
}

/*
 * The TIFF walk that comes before libexif: libexif skips a tag whose data
 * lies outside the block, or an IFD met twice, and says so only in debug
 * messages, so the block would go out quietly shorter.  Here every IFD
 * libexif will read is visited once and every entry's extent checked.
 */
#define WALK_MAX_IFDS 8

struct tiff_walk {
	const unsigned char *p;
	size_t len;  /* what libexif will read of p */
	size_t full; /* all of p */
	int big;     /* "MM" */
	uint32_t seen[WALK_MAX_IFDS];
	int nseen;
	uint32_t mnote; /* offset of the maker note's bytes, 0 if none */
	struct imgpipe_error *err;
};

static uint32_t
rd16(const struct tiff_walk *w, size_t off)
{
	const unsigned char *q = w->p + off;

	return w->big ? (uint32_t)q[0] << 8 | q[1] : (uint32_t)q[1] << 8 | q[0];
}

static uint32_t
rd32(const struct tiff_walk *w, size_t off)
{
	const unsigned char *q = w->p + off;

	if (w->big)
		return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
		       (uint32_t)q[2] << 8 | q[3];
	return (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 |
	       (uint32_t)q[1] << 8 | q[0];
}

/* Bytes per component of TIFF type fmt; 0 for a type libexif skips. */
static unsigned
format_size(uint32_t fmt)
{
	static const unsigned char sizes[13] = { 0, 1, 1, 2, 4, 8, 1,
						 1, 2, 4, 8, 4, 8 };

	return fmt < 13 ? sizes[fmt] : 0;
}

static int walk_ifd(struct tiff_walk *w, uint32_t off, const char *name);

/* what, n bytes at off, runs past what libexif reads: say where. */
static int
past_end(const struct tiff_walk *w, uint64_t off, uint64_t n, const char *what,
	 const char *why)
{
	if (off + n <= w->full)
		return error_set(w->err, IMGPIPE_ELIMIT,
				 "EXIF dropped: %s lies past 64 KiB, where "
				 "libexif reads no further",
				 what);
	return error_set(w->err, IMGPIPE_EFORMAT, "EXIF dropped: %s %s", what,
			 why);
}

/* The entry at offset at of IFD name, and the IFD it points to, if any. */
static int
walk_entry(struct tiff_walk *w, size_t at, const char *name)
{
	uint32_t tag = rd16(w, at), fmt = rd16(w, at + 2);
	uint64_t n = rd32(w, at + 4), bytes = n * format_size(fmt);
	uint32_t voff = rd32(w, at + 8);
	char what[64];

	if (bytes > UINT32_MAX)
		return error_set(w->err, IMGPIPE_EFORMAT,
				 "EXIF dropped: tag 0x%04x in %s has a count "
				 "that overflows",
				 (unsigned)tag, name);
	if (bytes > 4 && voff + bytes > w->len) {
		snprintf(what, sizeof(what), "tag 0x%04x in %s", (unsigned)tag,
			 name);
		return past_end(w, voff, bytes, what,
				"points outside the block");
	}
	if (tag == EXIF_TAG_MAKER_NOTE && bytes > 4 && w->mnote == 0)
		w->mnote = voff;
	/* libexif follows these in any IFD, whatever their type says. */
	if (tag == EXIF_TAG_EXIF_IFD_POINTER)
		return walk_ifd(w, voff, "the Exif IFD");
	if (tag == EXIF_TAG_GPS_INFO_IFD_POINTER)
		return walk_ifd(w, voff, "the GPS IFD");
	if (tag == EXIF_TAG_INTEROPERABILITY_IFD_POINTER)
		return walk_ifd(w, voff, "the Interoperability IFD");
	return 0;
}

static int
walk_ifd(struct tiff_walk *w, uint32_t off, const char *name)
{
	uint32_t n, i;
	int k, rc;

	if ((uint64_t)off + 2 > w->len)
		return past_end(w, off, 2, name, "lies outside the block");
	for (k = 0; k < w->nseen; k++)
		if (w->seen[k] == off)
			return error_set(w->err, IMGPIPE_EFORMAT,
					 "EXIF dropped: %s loops back to an "
					 "IFD already read",
					 name);
	if (w->nseen == WALK_MAX_IFDS)
		return error_set(w->err, IMGPIPE_EFORMAT,
				 "EXIF dropped: too many IFDs");
	w->seen[w->nseen++] = off;
	n = rd16(w, off);
	if ((uint64_t)off + 2 + 12 * (uint64_t)n > w->len)
		return past_end(w, off, 2 + 12 * (uint64_t)n, name,
				"runs past the block");
	for (i = 0; i < n; i++) {
		rc = walk_entry(w, off + 2 + 12 * (size_t)i, name);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * The whole structure as libexif will read it; 0 when it is sound, with
 * *mnote the offset of the maker note's bytes (0 when there is none).
 */
static int
tiff_check(const unsigned char *tiff, size_t len, uint32_t *mnote,
	   struct imgpipe_error *err)
{
	struct tiff_walk w = { 0 };
	uint32_t ifd0, n;
	size_t next;
	int rc;

	*mnote = 0;
	if (!is_tiff(tiff, len))
		return error_set(err, IMGPIPE_EFORMAT,
				 "EXIF dropped: not a TIFF structure");
	w.p = tiff;
	w.len = len < EXIF_READABLE ? len : EXIF_READABLE;
	w.full = len;
	w.big = tiff[0] == 'M';
	w.err = err;
	if (rd16(&w, 2) != 42)
		return error_set(err, IMGPIPE_EFORMAT,
				 "EXIF dropped: not a TIFF structure");
	ifd0 = rd32(&w, 4);
	if (ifd0 < 8)
		return error_set(err, IMGPIPE_EFORMAT, "EXIF dropped: no IFD0");
	rc = walk_ifd(&w, ifd0, "IFD0");
	if (rc != 0)
		return rc;
	n = rd16(&w, ifd0);
	next = ifd0 + 2 + 12 * (size_t)n;
	/* libexif reads no IFD1 when its offset does not fit. */
	if (w.len - next >= 4 && rd32(&w, next) != 0)
		rc = walk_ifd(&w, rd32(&w, next), "IFD1");
	*mnote = w.mnote;
	return rc;
}

/* What libexif says is wrong: the first corruption, or running short. */
struct exif_damage {
	int code;
	char reason[160];
	int mnote_complaint; /* the maker note parser found it wrong */
};

static void
exif_log_fn(ExifLog *log, ExifLogCode code, const char *domain,
	    const char *format, va_list args, void *data)
{
	struct exif_damage *d = data;

	(void)log;
	/*
	 * A maker note libexif cannot parse does not matter: its bytes go
	 * out unchanged.  What the core loader calls corrupt does.
	 */
	if (domain != NULL && strncmp(domain, "ExifMnote", 9) == 0) {
		if (code == EXIF_LOG_CODE_CORRUPT_DATA ||
		    code == EXIF_LOG_CODE_NO_MEMORY)
			d->mnote_complaint = 1;
		return;
	}
	if (d->code != 0)
		return;
	if (code == EXIF_LOG_CODE_CORRUPT_DATA)
		d->code = IMGPIPE_EFORMAT;
	else if (code == EXIF_LOG_CODE_NO_MEMORY)
		d->code = IMGPIPE_ENOMEM;
	else
		return;
	vsnprintf(d->reason, sizeof(d->reason), format, args);
}

static void
remove_all(ExifContent *c)
{
	while (c->count > 0)
		exif_content_remove_entry(c, c->entries[0]);
}

/* Set entry tag of c (only if present) to v, SHORT or LONG as stored. */
static int
set_number(ExifData *ed, ExifContent *c, ExifTag tag, unsigned v)
{
	ExifByteOrder order = exif_data_get_byte_order(ed);
	ExifEntry *e = exif_content_get_entry(c, tag), *ne;
	ExifMem *mem;

	if (e == NULL)
		return 0;
	if (e->components == 1 && e->data != NULL) {
		if (e->format == EXIF_FORMAT_SHORT && e->size >= 2 &&
		    v <= 0xffff) {
			exif_set_short(e->data, order, (ExifShort)v);
			return 0;
		}
		if (e->format == EXIF_FORMAT_LONG && e->size >= 4) {
			exif_set_long(e->data, order, (ExifLong)v);
			return 0;
		}
	}
	/*
	 * Another format or count, or a size a SHORT cannot hold: a new
	 * entry, SHORT for Orientation (the only type it has), else LONG.
	 */
	mem = exif_mem_new_default();
	if (mem == NULL)
		return IMGPIPE_ENOMEM;
	ne = exif_entry_new_mem(mem);
	if (ne != NULL)
		ne->data = exif_mem_alloc(mem, 4);
	exif_mem_unref(mem);
	if (ne == NULL || ne->data == NULL) {
		if (ne != NULL)
			exif_entry_unref(ne);
		return IMGPIPE_ENOMEM;
	}
	ne->tag = tag;
	ne->components = 1;
	if (tag == EXIF_TAG_ORIENTATION) {
		ne->format = EXIF_FORMAT_SHORT;
		ne->size = 2;
		exif_set_short(ne->data, order, (ExifShort)v);
	} else {
		ne->format = EXIF_FORMAT_LONG;
		ne->size = 4;
		exif_set_long(ne->data, order, (ExifLong)v);
	}
	exif_content_remove_entry(c, e);
	exif_content_add_entry(c, ne);
	exif_entry_unref(ne);
	return 0;
}

/* The fix-ups on a loaded block. */
static int
apply_fix(ExifData *ed, const struct meta_fix *fix)
{
	ExifContent *exif = ed->ifd[EXIF_IFD_EXIF];
	ExifMem *mem;
	int rc = 0;

	if (fix->reset_orientation)
		rc = set_number(ed, ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION,
				1);
	if (rc == 0 && fix->width > 0)
		rc = set_number(ed, exif, EXIF_TAG_PIXEL_X_DIMENSION,
				(unsigned)fix->width);
	if (rc == 0 && fix->height > 0)
		rc = set_number(ed, exif, EXIF_TAG_PIXEL_Y_DIMENSION,
				(unsigned)fix->height);
	if (rc != 0)
		return rc;
	remove_all(ed->ifd[EXIF_IFD_1]);
	if (ed->data != NULL) {
		/* exif_data_new() allocates through the default allocator. */
		mem = exif_mem_new_default();
		if (mem == NULL)
			return IMGPIPE_ENOMEM;
		exif_mem_free(mem, ed->data);
		exif_mem_unref(mem);
		ed->data = NULL;
		ed->size = 0;
	}
	if (fix->strip_gps)
		remove_all(ed->ifd[EXIF_IFD_GPS]);
	return 0;
}

/* Load the block behind its header, with libexif's complaints heard. */
static ExifData *
load_checked(const unsigned char *data, size_t len, struct exif_damage *dmg)
{
	ExifLog *log = exif_log_new();
	ExifData *ed;

	if (log == NULL) {
		dmg->code = IMGPIPE_ENOMEM;
		return NULL;
	}
	exif_log_set_func(log, exif_log_fn, dmg);
	ed = exif_load(data, len, 1, log);
	exif_log_unref(log);
	if (ed == NULL && dmg->code == 0)
		dmg->code = IMGPIPE_ENOMEM;
	return ed;
}

static int
save(ExifData *ed, unsigned char **out, size_t *out_len,
     struct imgpipe_error *err)
{
	unsigned char *saved = NULL, *tiff;
	unsigned int n = 0;

	exif_data_save_data(ed, &saved, &n);
	if (saved == NULL || n <= sizeof(exif_header) ||
	    memcmp(saved, exif_header, sizeof(exif_header)) != 0) {
		free(saved);
		return error_set(err, IMGPIPE_ENOMEM,
				 "EXIF dropped: libexif could not save it");
	}
	n -= (unsigned)sizeof(exif_header);
	/*
	 * Data that tags shared in the input is written once per tag: the
	 * output can grow past what a JPEG segment (and libexif) holds.
	 */
	if (n > EXIF_READABLE) {
		free(saved);
		return error_set(err, IMGPIPE_ELIMIT,
				 "EXIF dropped: %u bytes once rewritten, over "
				 "the 64 KiB a segment holds",
				 n);
	}
	tiff = malloc(n);
	if (tiff == NULL) {
		free(saved);
		return error_set(err, IMGPIPE_ENOMEM,
				 "EXIF dropped: out of memory");
	}
	memcpy(tiff, saved + sizeof(exif_header), n);
	free(saved);
	*out = tiff;
	*out_len = n;
	return 0;
}

/* Whether IFD0's Make says Canon, as libexif's own test for the note. */
static int
is_canon(ExifData *ed)
{
	ExifEntry *e =
		exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_MAKE);

	return e != NULL && e->data != NULL && e->size >= 5 &&
	       memcmp(e->data, "Canon", 5) == 0;
}

/*
 * The maker note's bytes go out as they came, but libexif lays the block
 * out anew, so the note may move.  Most notes do not mind (Apple's, Nikon
 * type 3, Fujifilm and Olympus type 2 count their offsets from the note
 * itself), but a Canon note counts them from the TIFF header and would
 * then point at the wrong bytes.  libexif can write a Canon note anew with
 * its offsets moved: that is done when the note moved and libexif read it
 * without complaint; otherwise the bytes stay as they came.
 */
static int
fix_moved_note(ExifData *ed, uint32_t was, const struct exif_damage *dmg,
	       unsigned char **out, size_t *out_len, struct imgpipe_error *err)
{
	ExifMnoteData *md = exif_data_get_mnote_data(ed);
	unsigned char *again;
	size_t n;
	uint32_t now = 0;
	int rc;

	rc = tiff_check(*out, *out_len, &now, err);
	if (rc != 0 || was == 0 || now == was || !is_canon(ed) || md == NULL ||
	    exif_mnote_data_count(md) == 0 || dmg->mnote_complaint)
		return rc;
	exif_data_unset_option(ed, EXIF_DATA_OPTION_DONT_CHANGE_MAKER_NOTE);
	if (save(ed, &again, &n, NULL) != 0)
		return 0;
	if (tiff_check(again, n, &now, NULL) != 0 || now == 0) {
		free(again);
		return 0;
	}
	free(*out);
	*out = again;
	*out_len = n;
	return 0;
}

int
exif_rewrite(const unsigned char *tiff, size_t len, const struct meta_fix *fix,
	     unsigned char **out, size_t *out_len, struct imgpipe_error *err)
{
	struct exif_damage dmg = { 0, "", 0 };
	unsigned char *copy;
	uint32_t mnote = 0;
	ExifData *ed;
	int rc;

	*out = NULL;
	*out_len = 0;
	if (len > META_EXIF_MAX)
		return error_set(
			err, IMGPIPE_ELIMIT,
			"EXIF dropped: %zu bytes, over the 1 MiB limit", len);
	if (tiff == NULL)
		return error_set(err, IMGPIPE_EFORMAT,
				 "EXIF dropped: not a TIFF structure");
	rc = tiff_check(tiff, len, &mnote, err);
	if (rc != 0)
		return rc;
	copy = with_header(tiff, len);
	if (copy == NULL)
		return error_set(err, IMGPIPE_ENOMEM,
				 "EXIF dropped: out of memory");
	ed = load_checked(copy, len + sizeof(exif_header), &dmg);
	free(copy);
	if (dmg.code != 0) {
		if (ed != NULL)
			exif_data_unref(ed);
		return error_set(err, dmg.code, "EXIF dropped: %s",
				 dmg.reason[0] != '\0' ? dmg.reason
						       : "out of memory");
	}
	rc = apply_fix(ed, fix);
	if (rc != 0) {
		exif_data_unref(ed);
		return error_set(err, rc, "EXIF dropped: out of memory");
	}
	/*
	 * IFD0 may hold nothing but the pointer to the Exif IFD (libexif
	 * keeps no entry for pointers); a block with no tag at all, or only
	 * GPS under strip_gps (a thumbnail and nothing else, as some
	 * wallpapers and exports carry), is nothing to write.
	 */
	if (ed->ifd[EXIF_IFD_0]->count + ed->ifd[EXIF_IFD_EXIF]->count +
		    ed->ifd[EXIF_IFD_GPS]->count +
		    ed->ifd[EXIF_IFD_INTEROPERABILITY]->count ==
	    0) {
		/* Nothing was lost, so nothing to warn about: no block. */
		exif_data_unref(ed);
		return 0;
	}
	rc = save(ed, out, out_len, err);
	if (rc == 0)
		rc = fix_moved_note(ed, mnote, &dmg, out, out_len, err);
	exif_data_unref(ed);
	if (rc != 0) {
		/* The output must be a block this function accepts again. */
		free(*out);
		*out = NULL;
		*out_len = 0;
	}
	return rc;
}
