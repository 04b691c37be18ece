/*
 * The metadata fix-ups: each one checked by parsing what comes out (EXIF
 * with libexif, XMP by the text, IPTC byte for byte), and hostile blocks
 * (loops, offsets outside, counts that overflow, sizes over the limits,
 * broken XML, truncated resources) refused with a code and a reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libexif/exif-data.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "metafix.h"

/* ---- A TIFF structure built by hand, so that it can be made wrong. ---- */

struct tb {
	unsigned char b[8192];
	size_t n;
	int big;
};

static void
tb_u16(struct tb *t, size_t at, unsigned v)
{
	t->b[at + (t->big ? 0 : 1)] = (unsigned char)(v >> 8);
	t->b[at + (t->big ? 1 : 0)] = (unsigned char)v;
}

static void
tb_u32(struct tb *t, size_t at, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		t->b[at + (t->big ? 3 - i : i)] = (unsigned char)(v >> (8 * i));
}

static void
tb_init(struct tb *t, int big)
{
	memset(t, 0, sizeof(*t));
	t->big = big;
	t->b[0] = t->b[1] = big ? 'M' : 'I';
	tb_u16(t, 2, 42);
	tb_u32(t, 4, 8);
	t->n = 8;
}

/* Room for an IFD of n entries at the end; returns its offset. */
static size_t
tb_ifd(struct tb *t, unsigned n)
{
	size_t at = t->n;

	tb_u16(t, at, n);
	t->n += 2 + 12 * (size_t)n + 4;
	return at;
}

static void
tb_next(struct tb *t, size_t ifd, uint32_t next)
{
	unsigned n = t->big ? (unsigned)t->b[ifd] << 8 | t->b[ifd + 1]
			    : (unsigned)t->b[ifd + 1] << 8 | t->b[ifd];

	tb_u32(t, ifd + 2 + 12 * (size_t)n, next);
}

/* Entry i: value v inline (SHORT or LONG with count 1, or a raw LONG). */
static void
tb_entry(struct tb *t, size_t ifd, unsigned i, unsigned tag, unsigned fmt,
	 uint32_t count, uint32_t v)
{
	size_t at = ifd + 2 + 12 * (size_t)i;

	tb_u16(t, at, tag);
	tb_u16(t, at + 2, fmt);
	tb_u32(t, at + 4, count);
	if (fmt == EXIF_FORMAT_SHORT && count == 1)
		tb_u16(t, at + 8, v);
	else
		tb_u32(t, at + 8, v);
}

/* Entry i with n bytes of data, inline or appended (even offset). */
static void
tb_data(struct tb *t, size_t ifd, unsigned i, unsigned tag, unsigned fmt,
	uint32_t count, const void *data, size_t n)
{
	size_t at = ifd + 2 + 12 * (size_t)i;

	tb_entry(t, ifd, i, tag, fmt, count, 0);
	if (n <= 4) {
		memcpy(t->b + at + 8, data, n);
		return;
	}
	t->n += t->n & 1;
	tb_u32(t, at + 8, (uint32_t)t->n);
	memcpy(t->b + t->n, data, n);
	t->n += n;
}

static void
tb_ascii(struct tb *t, size_t ifd, unsigned i, unsigned tag, const char *s)
{
	tb_data(t, ifd, i, tag, EXIF_FORMAT_ASCII, (uint32_t)strlen(s) + 1, s,
		strlen(s) + 1);
}

static const unsigned char maker_note[40] = "vendor bytes \x01\x02\x03 kept";
static const unsigned char thumb[16] = { 0xff, 0xd8, 0xff, 0xdb, 1, 2,
					 3,    4,    5,	   6,	 7, 8,
					 9,    0,    0xff, 0xd9 };

#define TAG_PRIVATE 0xc0de /* a tag no EXIF version defines */

/*
 * A camera's block: IFD0 (Make, Model, Orientation 6), the Exif IFD with
 * EXIF 2.3 tags, a maker note and a private tag, GPS, IFD1 and a
 * thumbnail.  PixelXDimension is a SHORT and PixelYDimension a LONG.
 */
static void
camera_block(struct tb *t, int big, const char *make)
{
	size_t ifd0, exif, gps, ifd1;
	unsigned char rat[24];
	int k;

	tb_init(t, big);
	ifd0 = tb_ifd(t, 6);
	tb_ascii(t, ifd0, 0, EXIF_TAG_MAKE, make);
	tb_ascii(t, ifd0, 1, EXIF_TAG_MODEL, "Model X100");
	tb_entry(t, ifd0, 2, EXIF_TAG_ORIENTATION, EXIF_FORMAT_SHORT, 1, 6);
	tb_ascii(t, ifd0, 3, EXIF_TAG_ARTIST, "A. Photographer");
	exif = tb_ifd(t, 8);
	tb_entry(t, ifd0, 4, EXIF_TAG_EXIF_IFD_POINTER, EXIF_FORMAT_LONG, 1,
		 (uint32_t)exif);
	tb_ascii(t, exif, 0, EXIF_TAG_DATE_TIME_ORIGINAL,
		 "2024:05:06 07:08:09");
	tb_entry(t, exif, 1, EXIF_TAG_PIXEL_X_DIMENSION, EXIF_FORMAT_SHORT, 1,
		 6000);
	tb_entry(t, exif, 2, EXIF_TAG_PIXEL_Y_DIMENSION, EXIF_FORMAT_LONG, 1,
		 4000);
	tb_ascii(t, exif, 3, 0x9011, "+02:00");	      /* OffsetTimeOriginal */
	tb_ascii(t, exif, 4, 0xa434, "24-105mm F4");  /* LensModel */
	tb_ascii(t, exif, 5, 0xa431, "012345678901"); /* BodySerialNumber */
	tb_data(t, exif, 6, EXIF_TAG_MAKER_NOTE, EXIF_FORMAT_UNDEFINED,
		sizeof(maker_note), maker_note, sizeof(maker_note));
	tb_entry(t, exif, 7, TAG_PRIVATE, EXIF_FORMAT_LONG, 1, 0x12345678);
	gps = tb_ifd(t, 2);
	tb_entry(t, ifd0, 5, EXIF_TAG_GPS_INFO_IFD_POINTER, EXIF_FORMAT_LONG, 1,
		 (uint32_t)gps);
	tb_data(t, gps, 0, EXIF_TAG_GPS_LATITUDE_REF, EXIF_FORMAT_ASCII, 2, "N",
		2);
	for (k = 0; k < 3; k++) {
		struct tb tmp = { .big = big };

		tb_u32(&tmp, 0, (uint32_t)(43 - 30 * k));
		tb_u32(&tmp, 4, 1);
		memcpy(rat + 8 * k, tmp.b, 8);
	}
	tb_data(t, gps, 1, EXIF_TAG_GPS_LATITUDE, EXIF_FORMAT_RATIONAL, 3, rat,
		sizeof(rat));
	ifd1 = tb_ifd(t, 3);
	tb_next(t, ifd0, (uint32_t)ifd1);
	tb_entry(t, ifd1, 0, EXIF_TAG_COMPRESSION, EXIF_FORMAT_SHORT, 1, 6);
	tb_entry(t, ifd1, 1, EXIF_TAG_JPEG_INTERCHANGE_FORMAT, EXIF_FORMAT_LONG,
		 1, (uint32_t)t->n);
	tb_entry(t, ifd1, 2, EXIF_TAG_JPEG_INTERCHANGE_FORMAT_LENGTH,
		 EXIF_FORMAT_LONG, 1, sizeof(thumb));
	memcpy(t->b + t->n, thumb, sizeof(thumb));
	t->n += sizeof(thumb);
}

/* Parse a rewritten TIFF structure with libexif, unknown tags kept. */
static ExifData *
reload(const unsigned char *tiff, size_t len)
{
	unsigned char *d = malloc(len + 6);
	ExifData *ed = exif_data_new();

	assert_non_null(d);
	assert_non_null(ed);
	memcpy(d, "Exif\0\0", 6);
	memcpy(d + 6, tiff, len);
	exif_data_unset_option(ed, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
	exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
	exif_data_set_option(ed, EXIF_DATA_OPTION_DONT_CHANGE_MAKER_NOTE);
	exif_data_load_data(ed, d, (unsigned)len + 6);
	free(d);
	return ed;
}

static unsigned
number(ExifData *ed, ExifIfd ifd, ExifTag tag, ExifFormat want)
{
	ExifEntry *e = exif_content_get_entry(ed->ifd[ifd], tag);

	assert_non_null(e);
	assert_int_equal(e->format, want);
	assert_int_equal(e->components, 1);
	if (want == EXIF_FORMAT_SHORT)
		return exif_get_short(e->data, exif_data_get_byte_order(ed));
	return exif_get_long(e->data, exif_data_get_byte_order(ed));
}

static void
assert_ascii(ExifData *ed, ExifIfd ifd, unsigned tag, const char *want)
{
	ExifEntry *e = exif_content_get_entry(ed->ifd[ifd], (ExifTag)tag);

	assert_non_null(e);
	assert_int_equal(e->format, EXIF_FORMAT_ASCII);
	assert_int_equal(e->size, strlen(want) + 1);
	assert_memory_equal(e->data, want, strlen(want) + 1);
}

static int
rewrite(const struct tb *t, const struct meta_fix *fix, unsigned char **out,
	size_t *out_len, struct imgpipe_error *err)
{
	error_clear(err);
	return exif_rewrite(t->b, t->n, fix, out, out_len, err);
}

static void
check_camera_rewrite(int big, const char *make)
{
	struct meta_fix fix = { 1, 800, 70000, 0 };
	struct imgpipe_error err;
	unsigned char *out;
	size_t len;
	ExifData *ed;
	ExifEntry *e;
	struct tb t;

	camera_block(&t, big, make);
	assert_int_equal(rewrite(&t, &fix, &out, &len, &err), 0);
	assert_true(len > 8);
	assert_int_equal(out[0], big ? 'M' : 'I');
	ed = reload(out, len);
	assert_int_equal(
		number(ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION, EXIF_FORMAT_SHORT),
		1);
	assert_int_equal(number(ed, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_X_DIMENSION,
				EXIF_FORMAT_SHORT),
			 800);
	/* 70000 fits the stored LONG. */
	assert_int_equal(number(ed, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_Y_DIMENSION,
				EXIF_FORMAT_LONG),
			 70000);
	assert_int_equal(ed->ifd[EXIF_IFD_1]->count, 0);
	assert_null(ed->data);
	assert_ascii(ed, EXIF_IFD_0, EXIF_TAG_MAKE, make);
	assert_ascii(ed, EXIF_IFD_0, EXIF_TAG_MODEL, "Model X100");
	assert_ascii(ed, EXIF_IFD_0, EXIF_TAG_ARTIST, "A. Photographer");
	assert_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL,
		     "2024:05:06 07:08:09");
	assert_ascii(ed, EXIF_IFD_EXIF, 0x9011, "+02:00");
	assert_ascii(ed, EXIF_IFD_EXIF, 0xa434, "24-105mm F4");
	assert_ascii(ed, EXIF_IFD_EXIF, 0xa431, "012345678901");
	assert_int_equal(number(ed, EXIF_IFD_EXIF, (ExifTag)TAG_PRIVATE,
				EXIF_FORMAT_LONG),
			 0x12345678);
	e = exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_MAKER_NOTE);
	assert_non_null(e);
	assert_int_equal(e->size, sizeof(maker_note));
	assert_memory_equal(e->data, maker_note, sizeof(maker_note));
	assert_int_equal(ed->ifd[EXIF_IFD_GPS]->count, 2);
	exif_data_unref(ed);
	free(out);
}

static void
test_exif_rewrite_little_endian(void **state)
{
	(void)state;
	check_camera_rewrite(0, "Vendor");
}

static void
test_exif_rewrite_big_endian(void **state)
{
	(void)state;
	check_camera_rewrite(1, "Vendor");
}

/* libexif parses Canon and Olympus maker notes: the bytes must still stay. */
static void
test_exif_rewrite_parsed_maker_note(void **state)
{
	(void)state;
	check_camera_rewrite(0, "Canon");
	check_camera_rewrite(1, "OLYMPUS");
}

/*
 * A Canon note counts its offsets from the TIFF header: when libexif
 * moves it (here the date's bytes, stored after the note, come first in
 * the output), it is written anew with offsets that still find the value.
 */
static void
test_exif_rewrite_canon_note_moved(void **state)
{
	static const char value[16] = "CANON IMAGETYPE";
	struct meta_fix fix = { 1, 0, 0, 0 };
	struct imgpipe_error err;
	unsigned char note[2 + 12 + 4 + sizeof(value)] = { 0 };
	unsigned char *out;
	size_t len, ifd0, exif, at;
	uint32_t was, now;
	ExifData *ed;
	ExifEntry *e;
	struct tb t, n = { .big = 0 };

	(void)state;
	tb_init(&t, 0);
	ifd0 = tb_ifd(&t, 2);
	tb_ascii(&t, ifd0, 0, EXIF_TAG_MAKE, "Canon");
	exif = tb_ifd(&t, 2);
	tb_entry(&t, ifd0, 1, EXIF_TAG_EXIF_IFD_POINTER, EXIF_FORMAT_LONG, 1,
		 (uint32_t)exif);
	/* The note: one entry, ImageType, its value inside the note. */
	at = t.n + (t.n & 1);
	was = (uint32_t)(at + 2 + 12 + 4);
	tb_u16(&n, 0, 1);
	memcpy(note, n.b, 2);
	tb_u16(&n, 0, 0x0006);
	tb_u16(&n, 2, EXIF_FORMAT_ASCII);
	tb_u32(&n, 4, sizeof(value));
	tb_u32(&n, 8, was);
	memcpy(note + 2, n.b, 12);
	memcpy(note + 18, value, sizeof(value));
	tb_data(&t, exif, 1, EXIF_TAG_MAKER_NOTE, EXIF_FORMAT_UNDEFINED,
		sizeof(note), note, sizeof(note));
	tb_ascii(&t, exif, 0, EXIF_TAG_DATE_TIME_ORIGINAL,
		 "2024:05:06 07:08:09");
	assert_int_equal(rewrite(&t, &fix, &out, &len, &err), 0);
	ed = reload(out, len);
	e = exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_MAKER_NOTE);
	assert_non_null(e);
	assert_true(e->size >= 18);
	assert_int_equal(exif_get_short(e->data, EXIF_BYTE_ORDER_INTEL), 1);
	now = exif_get_long(e->data + 2 + 8, EXIF_BYTE_ORDER_INTEL);
	assert_int_not_equal(now, was);
	assert_true(now + sizeof(value) <= len);
	assert_memory_equal(out + now, value, sizeof(value));
	exif_data_unref(ed);
	free(out);
}

static void
test_exif_rewrite_gps_and_orientation_kept_or_not(void **state)
{
	struct meta_fix fix = { 0, 70000, 0, 1 };
	struct imgpipe_error err;
	unsigned char *out;
	size_t len;
	ExifData *ed;
	struct tb t;

	(void)state;
	camera_block(&t, 0, "Vendor");
	assert_int_equal(rewrite(&t, &fix, &out, &len, &err), 0);
	ed = reload(out, len);
	assert_int_equal(ed->ifd[EXIF_IFD_GPS]->count, 0);
	assert_int_equal(
		number(ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION, EXIF_FORMAT_SHORT),
		6);
	/* A SHORT cannot hold 70000: it becomes a LONG. */
	assert_int_equal(number(ed, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_X_DIMENSION,
				EXIF_FORMAT_LONG),
			 70000);
	/* height 0: the stored value stays. */
	assert_int_equal(number(ed, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_Y_DIMENSION,
				EXIF_FORMAT_LONG),
			 4000);
	assert_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL,
		     "2024:05:06 07:08:09");
	exif_data_unref(ed);
	free(out);
}

/* A thumbnail that runs past the block goes, as any thumbnail: no refusal. */
static void
test_exif_rewrite_bad_thumbnail(void **state)
{
	struct meta_fix fix = { 1, 0, 0, 0 };
	struct imgpipe_error err;
	unsigned char *out;
	size_t len;
	ExifData *ed;
	struct tb t;

	(void)state;
	camera_block(&t, 0, "Vendor");
	t.n -= sizeof(thumb) - 4;
	assert_int_equal(rewrite(&t, &fix, &out, &len, &err), 0);
	ed = reload(out, len);
	assert_int_equal(ed->ifd[EXIF_IFD_1]->count, 0);
	assert_null(ed->data);
	assert_ascii(ed, EXIF_IFD_0, EXIF_TAG_MAKE, "Vendor");
	exif_data_unref(ed);
	free(out);
}

/* Values stored in another type or count than the usual one. */
static void
test_exif_rewrite_odd_formats(void **state)
{
	struct meta_fix fix = { 1, 70000, 300, 0 };
	struct imgpipe_error err;
	unsigned char *out;
	size_t len, ifd0, exif;
	ExifData *ed;
	struct tb t;

	(void)state;
	tb_init(&t, 0);
	ifd0 = tb_ifd(&t, 2);
	tb_entry(&t, ifd0, 0, EXIF_TAG_ORIENTATION, EXIF_FORMAT_SHORT, 2,
		 0x00060006);
	exif = tb_ifd(&t, 2);
	tb_entry(&t, ifd0, 1, EXIF_TAG_EXIF_IFD_POINTER, EXIF_FORMAT_LONG, 1,
		 (uint32_t)exif);
	tb_entry(&t, exif, 0, EXIF_TAG_PIXEL_X_DIMENSION, EXIF_FORMAT_LONG, 1,
		 6000);
	tb_entry(&t, exif, 1, EXIF_TAG_PIXEL_Y_DIMENSION, EXIF_FORMAT_SHORT, 1,
		 4000);
	assert_int_equal(rewrite(&t, &fix, &out, &len, &err), 0);
	ed = reload(out, len);
	assert_int_equal(
		number(ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION, EXIF_FORMAT_SHORT),
		1);
	assert_int_equal(number(ed, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_X_DIMENSION,
				EXIF_FORMAT_LONG),
			 70000);
	assert_int_equal(number(ed, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_Y_DIMENSION,
				EXIF_FORMAT_SHORT),
			 300);
	exif_data_unref(ed);
	free(out);
	/* IFD0 with only the Exif pointer; then GPS alone, stripped. */
	tb_init(&t, 0);
	ifd0 = tb_ifd(&t, 1);
	exif = tb_ifd(&t, 1);
	tb_entry(&t, ifd0, 0, EXIF_TAG_EXIF_IFD_POINTER, EXIF_FORMAT_LONG, 1,
		 (uint32_t)exif);
	tb_ascii(&t, exif, 0, EXIF_TAG_DATE_TIME_ORIGINAL,
		 "2024:05:06 07:08:09");
	assert_int_equal(rewrite(&t, &fix, &out, &len, &err), 0);
	ed = reload(out, len);
	assert_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL,
		     "2024:05:06 07:08:09");
	exif_data_unref(ed);
	free(out);
	tb_entry(&t, ifd0, 0, EXIF_TAG_GPS_INFO_IFD_POINTER, EXIF_FORMAT_LONG,
		 1, (uint32_t)exif);
	tb_entry(&t, exif, 0, EXIF_TAG_GPS_LATITUDE_REF, EXIF_FORMAT_ASCII, 2,
		 0);
	fix.strip_gps = 1;
	/* Nothing left is no damage: no block and no warning. */
	error_clear(&err);
	assert_int_equal(rewrite(&t, &fix, &out, &len, &err), 0);
	assert_string_equal(err.msg, "");
	assert_null(out);
	assert_int_equal(len, 0);
	fix.strip_gps = 0;
	/* Absent tags stay absent. */
	tb_init(&t, 1);
	ifd0 = tb_ifd(&t, 1);
	tb_ascii(&t, ifd0, 0, EXIF_TAG_MAKE, "Vendor");
	assert_int_equal(rewrite(&t, &fix, &out, &len, &err), 0);
	ed = reload(out, len);
	assert_null(exif_content_get_entry(ed->ifd[EXIF_IFD_0],
					   EXIF_TAG_ORIENTATION));
	assert_int_equal(ed->ifd[EXIF_IFD_EXIF]->count, 0);
	exif_data_unref(ed);
	free(out);
}

/*
 * The same input gives the same bytes.  libexif writes the data area in
 * the order it loaded the entries and then sorts the directory, so a
 * second pass moves data once; from then on the output is a fixed point.
 */
static void
test_exif_rewrite_deterministic(void **state)
{
	struct meta_fix fix = { 1, 800, 600, 1 };
	struct imgpipe_error err;
	unsigned char *a, *b, *c, *d;
	size_t na, nb, nc, nd;
	struct tb t;

	(void)state;
	camera_block(&t, 1, "Vendor");
	assert_int_equal(rewrite(&t, &fix, &a, &na, &err), 0);
	assert_int_equal(rewrite(&t, &fix, &b, &nb, &err), 0);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);
	assert_int_equal(exif_rewrite(a, na, &fix, &c, &nc, &err), 0);
	assert_int_equal(na, nc);
	assert_int_equal(exif_rewrite(c, nc, &fix, &d, &nd, &err), 0);
	assert_int_equal(nc, nd);
	assert_memory_equal(c, d, nc);
	free(a);
	free(b);
	free(c);
	free(d);
}

/* rc and a message holding want, and no output. */
static void
assert_refused(const unsigned char *d, size_t n, int rc, const char *want)
{
	struct meta_fix fix = { 1, 10, 10, 0 };
	struct imgpipe_error err;
	unsigned char *out = (unsigned char *)&fix;
	size_t len = 1;

	error_clear(&err);
	assert_int_equal(exif_rewrite(d, n, &fix, &out, &len, &err), rc);
	assert_null(out);
	assert_int_equal(len, 0);
	if (strncmp(err.msg, "EXIF dropped: ", 14) != 0 ||
	    strstr(err.msg, want) == NULL)
		fail_msg("message '%s' does not say '%s'", err.msg, want);
}

/* d is valid but holds no tag: no block, and no warning either. */
static void
assert_no_block(const unsigned char *d, size_t n)
{
	struct meta_fix fix = { 1, 10, 10, 0 };
	struct imgpipe_error err;
	unsigned char *out = (unsigned char *)&fix;
	size_t len = 1;

	error_clear(&err);
	assert_int_equal(exif_rewrite(d, n, &fix, &out, &len, &err), 0);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_string_equal(err.msg, "");
}

static void
test_exif_rewrite_loops(void **state)
{
	struct tb t;
	size_t ifd0, exif;

	(void)state;
	/* IFD0's next IFD is IFD0. */
	tb_init(&t, 0);
	ifd0 = tb_ifd(&t, 1);
	tb_entry(&t, ifd0, 0, EXIF_TAG_ORIENTATION, EXIF_FORMAT_SHORT, 1, 6);
	tb_next(&t, ifd0, (uint32_t)ifd0);
	assert_refused(t.b, t.n, IMGPIPE_EFORMAT, "loops");
	/* The Exif IFD points back to IFD0. */
	tb_init(&t, 1);
	ifd0 = tb_ifd(&t, 2);
	tb_entry(&t, ifd0, 0, EXIF_TAG_ORIENTATION, EXIF_FORMAT_SHORT, 1, 6);
	exif = tb_ifd(&t, 1);
	tb_entry(&t, ifd0, 1, EXIF_TAG_EXIF_IFD_POINTER, EXIF_FORMAT_LONG, 1,
		 (uint32_t)exif);
	tb_entry(&t, exif, 0, EXIF_TAG_GPS_INFO_IFD_POINTER, EXIF_FORMAT_LONG,
		 1, (uint32_t)ifd0);
	assert_refused(t.b, t.n, IMGPIPE_EFORMAT, "loops");
	/* The Exif IFD points to itself. */
	tb_entry(&t, exif, 0, EXIF_TAG_EXIF_IFD_POINTER, EXIF_FORMAT_LONG, 1,
		 (uint32_t)exif);
	assert_refused(t.b, t.n, IMGPIPE_EFORMAT, "loops");
}

static void
test_exif_rewrite_offsets_outside(void **state)
{
	unsigned char *big;
	struct tb t;
	size_t ifd0;

	(void)state;
	tb_init(&t, 0);
	ifd0 = tb_ifd(&t, 2);
	tb_entry(&t, ifd0, 0, EXIF_TAG_ORIENTATION, EXIF_FORMAT_SHORT, 1, 6);
	tb_entry(&t, ifd0, 1, EXIF_TAG_MAKE, EXIF_FORMAT_ASCII, 100,
		 0xffff0000u);
	assert_refused(t.b, t.n, IMGPIPE_EFORMAT, "outside the block");
	/* Ends one byte past the block. */
	tb_entry(&t, ifd0, 1, EXIF_TAG_MAKE, EXIF_FORMAT_ASCII, 8,
		 (uint32_t)t.n - 7);
	assert_refused(t.b, t.n, IMGPIPE_EFORMAT, "outside the block");
	/* A sub-IFD past the end. */
	tb_entry(&t, ifd0, 1, EXIF_TAG_EXIF_IFD_POINTER, EXIF_FORMAT_LONG, 1,
		 (uint32_t)t.n + 100);
	assert_refused(t.b, t.n, IMGPIPE_EFORMAT, "outside the block");
	/* An IFD whose entries run past the end. */
	tb_init(&t, 0);
	tb_u16(&t, 8, 40);
	t.n = 8 + 2 + 12 * 3;
	assert_refused(t.b, t.n, IMGPIPE_EFORMAT, "runs past the block");
	/*
	 * Inside a PNG eXIf block but past the 64 KiB libexif reads: the tag
	 * would be lost without a word, so the block is refused as too big.
	 */
	big = calloc(80000, 1);
	assert_non_null(big);
	tb_init(&t, 0);
	ifd0 = tb_ifd(&t, 1);
	tb_entry(&t, ifd0, 0, EXIF_TAG_MAKE, EXIF_FORMAT_ASCII, 6, 70000);
	memcpy(big, t.b, t.n);
	memcpy(big + 70000, "Maker", 6);
	assert_refused(big, 80000, IMGPIPE_ELIMIT, "past 64 KiB");
	free(big);
	/* IFD0 itself outside. */
	tb_init(&t, 0);
	tb_u32(&t, 4, 0x7fffffff);
	t.n = 64;
	assert_refused(t.b, t.n, IMGPIPE_EFORMAT, "outside the block");
}

static void
test_exif_rewrite_count_overflow(void **state)
{
	struct tb t;
	size_t ifd0;

	(void)state;
	tb_init(&t, 1);
	ifd0 = tb_ifd(&t, 2);
	tb_entry(&t, ifd0, 0, EXIF_TAG_ORIENTATION, EXIF_FORMAT_SHORT, 1, 6);
	/* 0x20000001 RATIONALs of 8 bytes: past 2^32 in 32-bit arithmetic. */
	tb_entry(&t, ifd0, 1, EXIF_TAG_X_RESOLUTION, EXIF_FORMAT_RATIONAL,
		 0x20000001u, 8);
	assert_refused(t.b, t.n, IMGPIPE_EFORMAT, "overflows");
	tb_entry(&t, ifd0, 1, EXIF_TAG_X_RESOLUTION, EXIF_FORMAT_DOUBLE,
		 0xffffffffu, 8);
	assert_refused(t.b, t.n, IMGPIPE_EFORMAT, "overflows");
}

static void
test_exif_rewrite_not_exif(void **state)
{
	static const unsigned char junk[16] = "XX*\0\x08\0\0\0 junk";
	unsigned char *big;
	struct tb t;

	(void)state;
	assert_refused(junk, sizeof(junk), IMGPIPE_EFORMAT, "not a TIFF");
	assert_refused(junk, 0, IMGPIPE_EFORMAT, "not a TIFF");
	tb_init(&t, 0);
	tb_u16(&t, 2, 43);
	t.n = 16;
	assert_refused(t.b, t.n, IMGPIPE_EFORMAT, "not a TIFF");
	tb_init(&t, 0);
	tb_u32(&t, 4, 0);
	t.n = 16;
	assert_refused(t.b, t.n, IMGPIPE_EFORMAT, "no IFD0");
	tb_init(&t, 0);
	(void)tb_ifd(&t, 0);
	assert_no_block(t.b, t.n);
	/* Over the limit: refused before any parsing. */
	big = calloc(META_EXIF_MAX + 1, 1);
	assert_non_null(big);
	camera_block(&t, 0, "Vendor");
	memcpy(big, t.b, t.n);
	assert_refused(big, META_EXIF_MAX + 1, IMGPIPE_ELIMIT,
		       "1048577 bytes, over the 1 MiB limit");
	free(big);
}

/* ---- XMP ---- */

static const char xmp_head[] =
	"<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
	"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
	" <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n";
static const char xmp_tail[] = " </rdf:RDF>\n</x:xmpmeta>\n"
			       "<?xpacket end=\"w\"?>";

#define NS_DECL                                            \
	" xmlns:tiff=\"http://ns.adobe.com/tiff/1.0/\""    \
	" xmlns:exif=\"http://ns.adobe.com/exif/1.0/\""    \
	" xmlns:xmpNote=\"http://ns.adobe.com/xmp/note/\"" \
	" xmlns:dc=\"http://purl.org/dc/elements/1.1/\""

/* body wrapped as a packet, patched; the output as a string. */
static char *
patch(const char *body, const struct meta_fix *fix)
{
	struct imgpipe_error err;
	unsigned char *out;
	size_t len, n = strlen(xmp_head) + strlen(body) + strlen(xmp_tail);
	char *in = malloc(n + 1), *s;

	assert_non_null(in);
	snprintf(in, n + 1, "%s%s%s", xmp_head, body, xmp_tail);
	error_clear(&err);
	if (xmp_patch((unsigned char *)in, n, fix, &out, &len, &err) != 0)
		fail_msg("refused: %s", err.msg);
	s = malloc(len + 1);
	assert_non_null(s);
	memcpy(s, out, len);
	s[len] = '\0';
	free(out);
	free(in);
	/* The packet's frame is untouched. */
	assert_memory_equal(s, xmp_head, strlen(xmp_head));
	assert_non_null(strstr(s, xmp_tail));
	return s;
}

static void
assert_has(const char *s, const char *want)
{
	if (strstr(s, want) == NULL)
		fail_msg("'%s' not in:\n%s", want, s);
}

static void
assert_lacks(const char *s, const char *unwanted)
{
	if (strstr(s, unwanted) != NULL)
		fail_msg("'%s' still in:\n%s", unwanted, s);
}

static void
test_xmp_attribute_form(void **state)
{
	struct meta_fix fix = { 1, 640, 480, 1 };
	char *s;

	(void)state;
	s = patch(
		"  <rdf:Description rdf:about=\"\"" NS_DECL
		"\n   tiff:Orientation=\"6\" tiff:ImageWidth='6000'"
		"\n   tiff:ImageLength=\"4000\" exif:PixelXDimension=\"6000\""
		"\n   exif:PixelYDimension=\"4000\" exif:GPSLatitude=\"43,1N\""
		"\n   exif:DateTimeOriginal=\"2024-05-06T07:08:09\""
		"\n   exif:GPSLongitude=\"4,1W\""
		" xmpNote:HasExtendedXMP=\"ABCDEF0123\""
		" dc:format=\"image/jpeg\"/>\n",
		&fix);
	assert_has(s, "tiff:Orientation=\"1\"");
	assert_has(s, "tiff:ImageWidth='640'");
	assert_has(s, "tiff:ImageLength=\"480\"");
	assert_has(s, "exif:PixelXDimension=\"640\"");
	assert_has(s, "exif:PixelYDimension=\"480\"");
	assert_has(s, "exif:DateTimeOriginal=\"2024-05-06T07:08:09\"");
	assert_has(s, "\n   exif:DateTimeOriginal");
	assert_has(s, " dc:format=\"image/jpeg\"/>");
	assert_lacks(s, "GPS");
	assert_lacks(s, "HasExtendedXMP");
	free(s);
}

static void
test_xmp_element_form(void **state)
{
	struct meta_fix fix = { 1, 640, 480, 1 };
	char *s;

	(void)state;
	s = patch("  <rdf:Description rdf:about=\"\"" NS_DECL ">\n"
		  "   <tiff:Orientation>6</tiff:Orientation>\n"
		  "   <tiff:ImageWidth>6000</tiff:ImageWidth>\n"
		  "   <tiff:ImageLength >4000</tiff:ImageLength >\n"
		  "   <exif:PixelXDimension>6000</exif:PixelXDimension>\n"
		  "   <exif:PixelYDimension>4000</exif:PixelYDimension>\n"
		  "   <exif:GPSVersionID>2.3.0.0</exif:GPSVersionID>\n"
		  "   <exif:GPSTimeStamp><rdf:Seq><rdf:li>1</rdf:li>"
		  "<rdf:li><exif:Inner>2</exif:Inner></rdf:li></rdf:Seq>"
		  "</exif:GPSTimeStamp>\n"
		  "   <exif:GPSAreaInformation/>\n"
		  "   <xmpNote:HasExtendedXMP>ABC</xmpNote:HasExtendedXMP>\n"
		  "   <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">Dunes"
		  "</rdf:li></rdf:Alt></dc:title>\n"
		  "  </rdf:Description>\n",
		  &fix);
	assert_has(s, "\n   <tiff:Orientation>1</tiff:Orientation>\n");
	assert_has(s, "<tiff:ImageWidth>640</tiff:ImageWidth>");
	assert_has(s, "<tiff:ImageLength >480</tiff:ImageLength >");
	assert_has(s, "<exif:PixelXDimension>640</exif:PixelXDimension>");
	assert_has(s, "<exif:PixelYDimension>480</exif:PixelYDimension>");
	assert_lacks(s, "GPS");
	assert_lacks(s, "Inner");
	assert_lacks(s, "HasExtendedXMP");
	assert_has(s, "</exif:PixelYDimension>\n   <dc:title>");
	assert_has(s, "x-default\">Dunes</rdf:li>");
	free(s);
}

/* Without the flags, only what must change changes. */
static void
test_xmp_kept(void **state)
{
	struct meta_fix fix = { 0, 0, 0, 0 };
	const char *body =
		"  <rdf:Description rdf:about=\"\"" NS_DECL
		" tiff:Orientation=\"6\">\n"
		"   <exif:GPSLatitude>43,1N</exif:GPSLatitude>\n"
		"   <!-- a comment <tiff:Orientation> -->\n"
		"   <exif:UserComment><![CDATA[<x>]]></exif:UserComment>\n"
		"  </rdf:Description>\n";
	char *s;

	(void)state;
	s = patch(body, &fix);
	assert_has(s, body);
	assert_int_equal(strlen(s),
			 strlen(xmp_head) + strlen(body) + strlen(xmp_tail));
	free(s);
}

/* Matched by namespace, not by prefix. */
static void
test_xmp_namespaces(void **state)
{
	struct meta_fix fix = { 1, 640, 480, 1 };
	char *s;

	(void)state;
	s = patch("  <rdf:Description rdf:about=\"\""
		  " xmlns:t=\"http://ns.adobe.com/tiff/1.0/\""
		  " xmlns:tiff=\"http://example.com/not-tiff/\""
		  " xmlns:e=\"http://ns.adobe.com/exif/1.0/\""
		  " t:Orientation=\"8\" tiff:Orientation=\"8\""
		  " e:GPSAltitude=\"100/1\">\n"
		  "   <T:Orientation xmlns:T=\"http://ns.adobe.com/tiff/1.0/\">"
		  "3</T:Orientation>\n"
		  "   <Orientation xmlns=\"http://ns.adobe.com/tiff/1.0/\">"
		  "3</Orientation>\n"
		  "  </rdf:Description>\n"
		  "  <rdf:Description rdf:about=\"\" exif:GPSSpeed=\"1\"/>\n",
		  &fix);
	assert_has(s, "t:Orientation=\"1\"");
	assert_has(s, "tiff:Orientation=\"8\"");
	assert_has(s, ">1</T:Orientation>");
	assert_has(s, ">1</Orientation>");
	assert_lacks(s, "GPS");
	free(s);
}

/* An element form holding markup instead of a number is removed. */
static void
test_xmp_structured_value_removed(void **state)
{
	struct meta_fix fix = { 1, 640, 480, 0 };
	char *s;

	(void)state;
	s = patch("  <rdf:Description rdf:about=\"\"" NS_DECL ">\n"
		  "   <tiff:Orientation rdf:parseType=\"Resource\">"
		  "<rdf:value>6</rdf:value></tiff:Orientation>\n"
		  "   <tiff:ImageWidth rdf:resource=\"x\"/>\n"
		  "   <dc:format>image/jpeg</dc:format>\n"
		  "  </rdf:Description>\n",
		  &fix);
	assert_lacks(s, "Orientation");
	assert_lacks(s, "ImageWidth");
	assert_has(s, NS_DECL ">\n   <dc:format>");
	free(s);
}

/* A packet written as a C string, its NUL included, is taken without it. */
static void
test_xmp_trailing_nul(void **state)
{
	struct meta_fix fix = { 1, 0, 0, 0 };
	struct imgpipe_error err;
	unsigned char *out;
	size_t len;

	(void)state;
	error_clear(&err);
	assert_int_equal(xmp_patch((const unsigned char *)"<x/>\n\0\0", 7, &fix,
				   &out, &len, &err),
			 0);
	assert_int_equal(len, 5);
	assert_memory_equal(out, "<x/>\n", 5);
	free(out);
}

static void
test_xmp_deterministic(void **state)
{
	struct meta_fix fix = { 1, 640, 480, 1 };
	const char *body = "  <rdf:Description" NS_DECL
			   " tiff:Orientation=\"6\" exif:GPSLatitude=\"1\"/>\n";
	char *a = patch(body, &fix), *b = patch(body, &fix), *c;
	struct imgpipe_error err;
	unsigned char *out;
	size_t len;

	(void)state;
	assert_string_equal(a, b);
	/* A second pass has nothing left to change. */
	assert_int_equal(xmp_patch((unsigned char *)a, strlen(a), &fix, &out,
				   &len, &err),
			 0);
	c = malloc(len + 1);
	assert_non_null(c);
	memcpy(c, out, len);
	c[len] = '\0';
	assert_string_equal(a, c);
	free(out);
	free(a);
	free(b);
	free(c);
}

static void
assert_xmp_refused(const char *d, size_t n, int rc, const char *want)
{
	struct meta_fix fix = { 1, 10, 10, 1 };
	struct imgpipe_error err;
	unsigned char *out = (unsigned char *)&fix;
	size_t len = 1;

	error_clear(&err);
	assert_int_equal(
		xmp_patch((const unsigned char *)d, n, &fix, &out, &len, &err),
		rc);
	assert_null(out);
	assert_int_equal(len, 0);
	if (strncmp(err.msg, "XMP dropped: ", 13) != 0 ||
	    strstr(err.msg, want) == NULL)
		fail_msg("message '%s' does not say '%s'", err.msg, want);
}

static void
assert_xmp_bad(const char *d, const char *want)
{
	assert_xmp_refused(d, strlen(d), IMGPIPE_EFORMAT, want);
}

/*
 * A property inside a property (found by fuzz_xmp): the inner one is
 * rewritten, then the outer one, holding markup, is removed with it; a
 * packet left with no element is refused, not written empty.
 */
static void
test_xmp_nested_property(void **state)
{
	static const char inner[] = "<tiff:Orientation>x<tiff:Orientation>8"
				    "</tiff:Orientation></tiff:Orientation>";
	struct meta_fix fix = { 1, 0, 0, 0 };
	char wrapped[256];
	char *s;

	(void)state;
	assert_xmp_refused(inner, strlen(inner), IMGPIPE_EFORMAT, "no element");
	snprintf(wrapped, sizeof(wrapped),
		 "<rdf:Description>%s</rdf:Description>", inner);
	s = patch(wrapped, &fix);
	assert_has(s, "<rdf:Description></rdf:Description>");
	assert_lacks(s, "Orientation");
	free(s);
}

static void
test_xmp_refused(void **state)
{
	static const char *const deep = "<a>";
	char *big, *s;
	size_t i, n;

	(void)state;
	assert_xmp_bad("<x:xmpmeta><rdf:RDF></x:xmpmeta>", "unbalanced");
	assert_xmp_bad("<x:xmpmeta><rdf:RDF>", "unclosed element");
	assert_xmp_bad("<x:xmpmeta></x:xmpmeta></x:xmpmeta>",
		       "end tag without a start");
	assert_xmp_bad("<x:xmpmeta><rdf:Description tiff:Orientation=\"6",
		       "unterminated attribute value");
	assert_xmp_bad("<x:xmpmeta><rdf:Description tiff:Orientation=6/>",
		       "unquoted");
	assert_xmp_bad("<x:xmpmeta a=\"1\" a=\"2\"/>", "duplicate attribute");
	assert_xmp_bad("<x:xmpmeta a=\"1\"b=\"2\"/>", "no space");
	assert_xmp_bad("<x:xmpmeta a=\"<\"/>", "unterminated attribute");
	assert_xmp_bad("<x:xmpmeta><tiff:Orientation>6</tiff:Orientation",
		       "unterminated end tag");
	assert_xmp_bad("<x:xmpmeta><!-- never closed", "unterminated comment");
	assert_xmp_bad("<?xpacket begin=\"", "unterminated processing");
	assert_xmp_bad("<!DOCTYPE x [<!ENTITY a \"b\">]><x/>", "DOCTYPE");
	assert_xmp_bad("<x:a:b/>", "bad element name");
	assert_xmp_bad("<1x/>", "bad element name");
	assert_xmp_bad("<x/ >", "bad end of tag");
	assert_xmp_bad("just text", "no element");
	assert_xmp_bad("", "empty");
	assert_xmp_refused("<x>\0</x>", 8, IMGPIPE_EFORMAT, "NUL byte");
	assert_xmp_refused("\0\0", 2, IMGPIPE_EFORMAT, "empty");
	/* Cut in the middle of a tag. */
	assert_xmp_bad("<x:xmpmeta><rdf:RDF><rdf:Descr", "unterminated tag");
	/* Nested deeper than any packet. */
	n = 300 * strlen(deep);
	s = malloc(n + 1);
	assert_non_null(s);
	for (i = 0; i < 300; i++)
		memcpy(s + i * 3, deep, 3);
	s[n] = '\0';
	assert_xmp_bad(s, "nested too deep");
	free(s);
	/* 10 MB: refused before any scanning. */
	n = 10u << 20;
	big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	memcpy(big, "<x>", 3);
	memcpy(big + n - 4, "</x>", 4);
	assert_xmp_refused(big, n, IMGPIPE_ELIMIT,
			   "10485760 bytes, over the 1 MiB limit");
	free(big);
}

/* ---- IPTC ---- */

struct irb {
	unsigned char b[512];
	size_t n;
};

/* A resource; the name and data are padded to even sizes unless odd. */
static void
irb_add(struct irb *r, const char *sig, unsigned id, const char *name,
	const void *data, uint32_t size, int pad)
{
	size_t nl = strlen(name);

	memcpy(r->b + r->n, sig, 4);
	r->b[r->n + 4] = (unsigned char)(id >> 8);
	r->b[r->n + 5] = (unsigned char)id;
	r->n += 6;
	r->b[r->n++] = (unsigned char)nl;
	memcpy(r->b + r->n, name, nl);
	r->n += nl;
	if ((nl + 1) & 1)
		r->b[r->n++] = 0;
	r->b[r->n++] = (unsigned char)(size >> 24);
	r->b[r->n++] = (unsigned char)(size >> 16);
	r->b[r->n++] = (unsigned char)(size >> 8);
	r->b[r->n++] = (unsigned char)size;
	memcpy(r->b + r->n, data, size);
	r->n += size;
	if (pad && (size & 1))
		r->b[r->n++] = 0;
}

static const unsigned char iptc_rec[9] = { 0x1c, 2,   0x78, 0,	4,
					   'D',	 'u', 'n',  'e' };
static const unsigned char digest[16] = "0123456789abcdef";

static void
test_iptc_keeps_record_and_digest(void **state)
{
	struct irb in = { .n = 0 }, want = { .n = 0 };
	struct imgpipe_error err;
	unsigned char *out;
	size_t len;

	(void)state;
	irb_add(&in, "8BIM", 0x03ed, "", "resolution", 10, 1);
	irb_add(&in, "8BIM", 0x0404, "ab", iptc_rec, sizeof(iptc_rec), 1);
	irb_add(&in, "MeSa", 0x0404, "odd", "not ours!", 9, 1);
	irb_add(&in, "8BIM", 0x040c, "thumb", "\xff\xd8\xff\xd9", 4, 1);
	irb_add(&in, "PHUT", 0x0001, "", "x", 1, 1);
	irb_add(&in, "AgHg", 0x0002, "", "yy", 2, 1);
	irb_add(&in, "DCSR", 0x0003, "", "zzz", 3, 1);
	irb_add(&in, "8BIM", 0x0422, "", "II*\0", 4, 1);
	irb_add(&in, "8BIM", 0x0425, "", digest, sizeof(digest), 1);
	irb_add(&want, "8BIM", 0x0404, "ab", iptc_rec, sizeof(iptc_rec), 1);
	irb_add(&want, "8BIM", 0x0425, "", digest, sizeof(digest), 1);
	error_clear(&err);
	assert_int_equal(iptc_filter(in.b, in.n, &out, &len, &err), 0);
	assert_int_equal(len, want.n);
	assert_memory_equal(out, want.b, want.n);
	free(out);
	/* The last resource may lack its pad; zeros may follow the last. */
	in.n = 0;
	irb_add(&in, "8BIM", 0x0404, "", iptc_rec, sizeof(iptc_rec), 0);
	assert_int_equal(iptc_filter(in.b, in.n, &out, &len, &err), 0);
	assert_int_equal(len, in.n + 1);
	assert_memory_equal(out, in.b, in.n);
	free(out);
	in.n += 7;
	memset(in.b + in.n - 7, 0, 7);
	assert_int_equal(iptc_filter(in.b, in.n, &out, &len, &err), 0);
	assert_int_equal(len, in.n - 6);
	free(out);
}

static void
test_iptc_none(void **state)
{
	struct irb in = { .n = 0 };
	struct imgpipe_error err;
	unsigned char *out = (unsigned char *)&in;
	size_t len = 1;

	(void)state;
	irb_add(&in, "8BIM", 0x03ed, "", "resolution", 10, 1);
	irb_add(&in, "8BIM", 0x0425, "", digest, sizeof(digest), 1);
	error_clear(&err);
	assert_int_equal(iptc_filter(in.b, in.n, &out, &len, &err), 0);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_int_equal(iptc_filter(in.b, 0, &out, &len, &err), 0);
	assert_int_equal(len, 0);
}

static void
assert_iptc_refused(const unsigned char *d, size_t n, int rc, const char *want)
{
	struct imgpipe_error err;
	unsigned char *out = (unsigned char *)&err;
	size_t len = 1;

	error_clear(&err);
	assert_int_equal(iptc_filter(d, n, &out, &len, &err), rc);
	assert_null(out);
	assert_int_equal(len, 0);
	if (strncmp(err.msg, "IPTC dropped: ", 14) != 0 ||
	    strstr(err.msg, want) == NULL)
		fail_msg("message '%s' does not say '%s'", err.msg, want);
}

static void
test_iptc_refused(void **state)
{
	struct irb in = { .n = 0 };
	unsigned char *big;
	size_t cut;

	(void)state;
	irb_add(&in, "8BIM", 0x0404, "abc", iptc_rec, sizeof(iptc_rec), 1);
	/* Every cut inside the resource's header, name or data. */
	for (cut = 1; cut < in.n - 1; cut++)
		assert_iptc_refused(in.b, cut, IMGPIPE_EFORMAT, "byte 0");
	/* A size past the end. */
	in.b[4 + 2 + 4 + 3] = 0x7f;
	assert_iptc_refused(in.b, in.n, IMGPIPE_EFORMAT, "past the end");
	/* A name length past the end (odd, so the pad counts too). */
	in.n = 0;
	irb_add(&in, "8BIM", 0x0404, "", iptc_rec, sizeof(iptc_rec), 1);
	in.b[6] = 0xff;
	assert_iptc_refused(in.b, in.n, IMGPIPE_EFORMAT, "name past the end");
	/* Garbage after a good resource, and garbage alone. */
	in.n = 0;
	irb_add(&in, "8BIM", 0x0404, "", iptc_rec, sizeof(iptc_rec), 1);
	memcpy(in.b + in.n, "8BIX\0\0", 6);
	cut = in.n;
	in.n += 6;
	assert_iptc_refused(in.b, in.n, IMGPIPE_EFORMAT, "no image resource");
	assert_iptc_refused(in.b + cut, 6, IMGPIPE_EFORMAT,
			    "no image resource at byte 0");
	big = calloc(META_IPTC_MAX + 1, 1);
	assert_non_null(big);
	assert_iptc_refused(big, META_IPTC_MAX + 1, IMGPIPE_ELIMIT,
			    "over the 1 MiB limit");
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exif_rewrite_little_endian),
		cmocka_unit_test(test_exif_rewrite_big_endian),
		cmocka_unit_test(test_exif_rewrite_parsed_maker_note),
		cmocka_unit_test(test_exif_rewrite_canon_note_moved),
		cmocka_unit_test(
			test_exif_rewrite_gps_and_orientation_kept_or_not),
		cmocka_unit_test(test_exif_rewrite_bad_thumbnail),
		cmocka_unit_test(test_exif_rewrite_odd_formats),
		cmocka_unit_test(test_exif_rewrite_deterministic),
		cmocka_unit_test(test_exif_rewrite_loops),
		cmocka_unit_test(test_exif_rewrite_offsets_outside),
		cmocka_unit_test(test_exif_rewrite_count_overflow),
		cmocka_unit_test(test_exif_rewrite_not_exif),
		cmocka_unit_test(test_xmp_attribute_form),
		cmocka_unit_test(test_xmp_element_form),
		cmocka_unit_test(test_xmp_kept),
		cmocka_unit_test(test_xmp_namespaces),
		cmocka_unit_test(test_xmp_structured_value_removed),
		cmocka_unit_test(test_xmp_trailing_nul),
		cmocka_unit_test(test_xmp_nested_property),
		cmocka_unit_test(test_xmp_deterministic),
		cmocka_unit_test(test_xmp_refused),
		cmocka_unit_test(test_iptc_keeps_record_and_digest),
		cmocka_unit_test(test_iptc_none),
		cmocka_unit_test(test_iptc_refused),
	};

	return cmocka_run_group_tests_name("metafix", tests, NULL, NULL);
}
