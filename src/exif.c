/*
 * EXIF Orientation through libexif.  libexif only accepts data that starts
 * with the "Exif\0\0" header, so a PNG eXIf payload gets one prepended.
 */
#include "exif.h"

#include <libexif/exif-data.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const unsigned char exif_header[6] = { 'E', 'x', 'i', 'f', 0, 0 };

static int
is_tiff(const unsigned char *data, size_t len)
{
	return len >= 8 && ((data[0] == 'I' && data[1] == 'I') ||
			    (data[0] == 'M' && data[1] == 'M'));
}

/* Orientation from data that starts with the Exif header. */
static int
orientation_of(const unsigned char *data, size_t len)
{
	ExifData *ed;
	ExifEntry *e;
	int o = 1;

	ed = exif_data_new();
	if (ed == NULL)
		return 1;
	/*
	 * Loading must not "fix" the data (that option adds and rewrites
	 * tags) and must keep unknown tags out of the way: we read one field.
	 */
	exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
	exif_data_set_option(ed, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
	exif_data_load_data(ed, data, (unsigned int)len);
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
	copy = malloc(len + sizeof(exif_header));
	if (copy == NULL)
		return 1;
	memcpy(copy, exif_header, sizeof(exif_header));
	memcpy(copy + sizeof(exif_header), data, len);
	o = orientation_of(copy, len + sizeof(exif_header));
	free(copy);
	return o;
}
