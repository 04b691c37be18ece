/*
 * JPEG through the libjpeg API, from and to memory.  libjpeg reports errors
 * by calling error_exit, which longjmps back to guarded(), the only setjmp
 * in this file; all mutable state lives in structs owned by the callers of
 * guarded(), so nothing is a clobbered local.
 *
 * Damage is judged against decode_opts.fail_on.  libjpeg's warnings that
 * leave rows grey or garbled (the data ran out, a bad entropy code) are
 * truncation; the others, and an end of file where only the EOI marker is
 * missing, are warnings.  A libjpeg error stops the rows where it happens.
 *
 * The metadata blocks come from the segments libjpeg saved, read after the
 * decode (take_meta): a block that cannot be carried is left out with a
 * warning and never fails the image.
 */
#include "codec.h"

#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jpeglib.h first: jerror.h's message list depends on jconfig.h. */
#include <jpeglib.h>
#include <jerror.h>

#include "error.h"
#include "exif.h"
#include "hook.h"
#include "row_sink.h"
#include "image.h"
#include "membuf.h"
#include "metafix.h"
#include "util.h"

/* Rows per jpeg_read/write_scanlines band when no hook asks for less. */
#define BAND_ROWS 16
_Static_assert(BAND_ROWS <= ROW_SINK_MAX_ROWS, "a band fits a row sink");

/*
 * Progressive scans a file may have.  Real encoders write about ten; each
 * scan costs a pass over every coefficient, so a few kB of tiny scans could
 * otherwise keep a worker busy for minutes (libjpeg-turbo's own fuzzers and
 * djpeg -maxscans use the same guard).
 */
#define MAX_SCANS 500

/*
 * ... and since each scan walks every 8x8 block, a big image gets fewer:
 * scans x blocks stays under SCAN_BLOCK_BUDGET (about 2 s of CPU), but never
 * under MIN_SCANS, far above what real encoders write.  At 500 scans a
 * crafted 100 MP grey file of 350 kB took 21 s of CPU.
 */
#define SCAN_BLOCK_BUDGET (1u << 26)
#define MIN_SCANS	  40

/*
 * libjpeg's large blocks (a progressive photo's whole coefficient array:
 * two bytes a sample, zeroed before the first scan) come from the pixels'
 * allocator, which asks for huge pages: malloc's 4 KB pages cost one fault
 * each.  These are the two functions of libjpeg's system-dependent memory
 * manager (its jmemsys.h) that it calls through its exported symbols, so
 * the program's definitions take their place; where a build binds them
 * inside the library, libjpeg's own malloc-based ones run instead.
 */
void *jpeg_get_large(j_common_ptr cinfo, size_t sizeofobject);
void jpeg_free_large(j_common_ptr cinfo, void *object, size_t sizeofobject);

void *
jpeg_get_large(j_common_ptr cinfo, size_t sizeofobject)
{
	(void)cinfo;
	return image_buffer_alloc(sizeofobject);
}

void
jpeg_free_large(j_common_ptr cinfo, void *object, size_t sizeofobject)
{
	(void)cinfo;
	(void)sizeofobject;
	free(object);
}

/* libjpeg's error manager, extended with where to jump and what to say. */
struct jerr {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	struct imgpipe_error *err;
	const char *what; /* message prefix: "corrupt JPEG data" */
	int rc;
	/* decompression only: damage (see the top of this file) */
	int decompress;
	enum fail_on fail_on;
	int decoding;  /* from jpeg_start_decompress on */
	int eof;       /* the data ended; libjpeg went on with a fake EOI */
	int eof_early; /* ... leaving pixels out (eof_early()) */
	int damaged;   /* warning holds the worst damage let through */
	enum fail_on damage; /* its class: the level that fails on it */
	char warning[IMGPIPE_ERR_MSG_LEN];
};

struct jdec {
	struct jpeg_decompress_struct cinfo;
	struct jerr jerr;
	struct jpeg_progress_mgr progress;
	int absorbing; /* inside jpeg_start_decompress */
	int max_scans; /* scan_limit() of this image */
	const unsigned char *buf;
	size_t len;
	const struct decode_opts *opts;
	struct image_info *info;     /* probe */
	struct image *out;	     /* decode */
	const struct row_sink *sink; /* decode_rows, instead of out */
	int out_w, out_h, out_ch;    /* the rows produced */
	struct hook *hook;
	int orientation;
	int reading;   /* inside read_rows */
	int rows_done; /* rows of out complete */
	int cmyk, inverted;
	JOCTET *icc; /* malloc()ed by libjpeg-turbo */
	unsigned int icc_len;
	const char *icc_bad; /* why the APP2 segments cannot be a profile */
};

/*
 * The destination manager writes straight into the membuf's spare
 * capacity and grows it when libjpeg fills it.
 */
struct jdest {
	struct jpeg_destination_mgr pub;
	struct membuf *out;
};

struct jenc {
	struct jpeg_compress_struct cinfo;
	struct jerr jerr;
	struct jdest dest;
	const struct image *im;
	const struct image_meta *meta;
	const struct encode_opts *opts;
	struct membuf *out;
	struct hook *hook;
};

static int
jpeg_sniff(const unsigned char *buf, size_t len)
{
	return len >= 3 && buf[0] == 0xff && buf[1] == 0xd8 && buf[2] == 0xff;
}

/* Errors of files that are valid JPEG, of a kind libjpeg does not decode. */
static int
is_unsupported(int code)
{
	switch (code) {
	case JERR_ARITH_NOTIMPL:
	case JERR_CCIR601_NOTIMPL:
	case JERR_CONVERSION_NOTIMPL:
	case JERR_FRACT_SAMPLE_NOTIMPL:
	case JERR_NOTIMPL:
	case JERR_NOT_COMPILED: return 1;
	default: return 0;
	}
}

/* libjpeg's current message after "prefix: ", first letter lower case. */
static void
format_jpeg(char *buf, size_t n, j_common_ptr cinfo, const char *prefix)
{
	char msg[JMSG_LENGTH_MAX];
	const char *m = msg;
	static const char corrupt[] = "Corrupt JPEG data: ";

	(*cinfo->err->format_message)(cinfo, msg);
	if (strncmp(msg, corrupt, sizeof(corrupt) - 1) == 0)
		m += sizeof(corrupt) - 1;
	util_fmt(buf, n, "%s: %c%s", prefix,
		 m[0] >= 'A' && m[0] <= 'Z' ? m[0] - 'A' + 'a' : m[0],
		 m[0] != '\0' ? m + 1 : "");
}

/* Record libjpeg's current message in err as a failure and return its code. */
static int
set_jpeg_error(struct jerr *je, j_common_ptr cinfo)
{
	char msg[IMGPIPE_ERR_MSG_LEN];
	int code = cinfo->err->msg_code, sof = cinfo->err->msg_parm.i[0];

	if (code == JERR_BAD_PRECISION)
		return error_set(je->err, IMGPIPE_EFORMAT,
				 "%d-bit JPEG is not supported",
				 cinfo->err->msg_parm.i[0]);
	/* SOF3, 7, 11 and 15 are the lossless processes. */
	if (code == JERR_SOF_UNSUPPORTED)
		return error_set(je->err, IMGPIPE_EFORMAT,
				 "unsupported JPEG: %s (SOF%d)",
				 (sof & 3) == 3 ? "lossless JPEG"
						: "this coding process",
				 sof - 0xc0);
	if (code == JWRN_JPEG_EOF)
		return error_set(je->err, IMGPIPE_EFORMAT,
				 "truncated JPEG data");
	if (code == JERR_OUT_OF_MEMORY)
		return error_set(je->err, IMGPIPE_ENOMEM,
				 "out of memory in the JPEG codec");
	format_jpeg(msg, sizeof(msg), cinfo,
		    is_unsupported(code) ? "unsupported JPEG" : je->what);
	return error_set(je->err, IMGPIPE_EFORMAT, "%s", msg);
}

static void
error_exit(j_common_ptr cinfo)
{
	struct jerr *je = (struct jerr *)cinfo->err;

	je->rc = set_jpeg_error(je, cinfo);
	longjmp(je->jb, 1);
}

/*
 * Warnings that mean some rows are wrong (grey-filled or garbled): the
 * truncation class.  The others, such as the stray bytes before a marker
 * that some phones write, are plain warnings.
 */
static int
damages_rows(int code)
{
	switch (code) {
	case JWRN_HIT_MARKER:
	case JWRN_MUST_RESYNC:
	case JWRN_NOT_SEQUENTIAL:
	case JWRN_BOGUS_PROGRESSION:
	case JWRN_HUFF_BAD_CODE:
	case JWRN_ARITH_BAD_CODE: return 1;
	default: return 0;
	}
}

/*
 * Damage of class cls with message msg: fail now when fail_on says so,
 * else keep msg as the warning if it is the worst so far.
 */
static void
note_damage(struct jerr *je, enum fail_on cls, const char *msg)
{
	if (je->fail_on >= cls) {
		je->rc = error_set(je->err, IMGPIPE_EFORMAT, "%s", msg);
		longjmp(je->jb, 1);
	}
	if (!je->damaged || cls < je->damage) {
		util_fmt(je->warning, sizeof(je->warning), "%s", msg);
		je->damage = cls;
		je->damaged = 1;
	}
}

/*
 * Whether data that ends now leaves pixels out, as far as can be seen.
 * Huffman data that ends inside the last iMCU row is caught on the way
 * (JWRN_HIT_MARKER); arithmetic coding reads zeros past the end without a
 * warning, so there an end anywhere inside a scan counts as truncation.
 */
static int
eof_early(j_decompress_ptr cinfo)
{
	JDIMENSION last = cinfo->total_iMCU_rows - (cinfo->arith_code ? 0 : 1);

	return cinfo->input_iMCU_row < last;
}

static void
emit_message(j_common_ptr cinfo, int msg_level)
{
	struct jerr *je = (struct jerr *)cinfo->err;
	char msg[IMGPIPE_ERR_MSG_LEN];
	int code = cinfo->err->msg_code;

	if (msg_level >= 0)
		return;
	cinfo->err->num_warnings++;
	if (!je->decompress)
		return;
	if (code == JWRN_JPEG_EOF) {
		je->eof = 1;
		je->eof_early = eof_early((j_decompress_ptr)cinfo);
		/* In the pixels, only the end decides (check_end). */
		if (je->decoding)
			return;
		note_damage(je, FAIL_ON_TRUNCATED, "truncated JPEG data");
		return;
	}
	/* Past the end, libjpeg's missing data is the file's truncation. */
	if (code == JWRN_HIT_MARKER && je->eof)
		util_fmt(msg, sizeof(msg), "truncated JPEG data");
	else
		format_jpeg(msg, sizeof(msg), cinfo, je->what);
	note_damage(je,
		    damages_rows(code) ? FAIL_ON_TRUNCATED : FAIL_ON_WARNING,
		    msg);
}

/* Only the caller prints; libjpeg must never write to stderr. */
static void
output_message(j_common_ptr cinfo)
{
	(void)cinfo;
}

static struct jpeg_error_mgr *
jerr_init(struct jerr *je, struct imgpipe_error *err, const char *what)
{
	jpeg_std_error(&je->pub);
	je->pub.error_exit = error_exit;
	je->pub.emit_message = emit_message;
	je->pub.output_message = output_message;
	je->err = err;
	je->what = what;
	je->rc = 0;
	je->decompress = 0;
	je->fail_on = FAIL_ON_TRUNCATED;
	je->decoding = je->eof = je->eof_early = je->damaged = 0;
	je->warning[0] = '\0';
	return &je->pub;
}

/*
 * Run body(arg) with libjpeg errors caught: the one setjmp of this codec.
 * Returns body's result, or the code error_exit recorded.  The caller
 * destroys the libjpeg object afterwards in both cases.
 */
static int
guarded(struct jerr *je, int (*body)(void *), void *arg)
{
	if (setjmp(je->jb))
		return je->rc;
	return body(arg);
}

/* Orientation from the first APP1 "Exif\0\0" segment, 1 when none. */
static int
find_orientation(j_decompress_ptr cinfo)
{
	jpeg_saved_marker_ptr m;

	for (m = cinfo->marker_list; m != NULL; m = m->next)
		if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 &&
		    memcmp(m->data, "Exif\0\0", 6) == 0)
			return exif_orientation(m->data, m->data_length);
	return 1;
}

static void
read_header(struct jdec *d)
{
	j_decompress_ptr cinfo = &d->cinfo;

	jpeg_create_decompress(cinfo);
	jpeg_mem_src(cinfo, d->buf, (unsigned long)d->len);
	jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xffff);
	jpeg_save_markers(cinfo, JPEG_APP0 + 2, 0xffff);
	jpeg_save_markers(cinfo, JPEG_APP0 + 13, 0xffff);
	jpeg_save_markers(cinfo, JPEG_COM, 0xffff);
	jpeg_read_header(cinfo, TRUE);
	d->orientation = find_orientation(cinfo);
	d->cmyk = cinfo->jpeg_color_space == JCS_CMYK ||
		  cinfo->jpeg_color_space == JCS_YCCK;
	/* Adobe's applications store CMYK inverted (0 = full ink). */
	d->inverted = d->cmyk && cinfo->saw_Adobe_marker;
}

/*
 * libjpeg's progress callback.  A progressive file is read whole inside
 * jpeg_start_decompress, before the first row comes out: the hook gets its
 * turns there too (one per iMCU row of a scan), so coop can yield and a
 * signal can stop the work, and the scan count is bounded.
 */
static void
on_progress(j_common_ptr common)
{
	j_decompress_ptr cinfo = (j_decompress_ptr)common;
	struct jdec *d =
		(struct jdec *)((char *)cinfo - offsetof(struct jdec, cinfo));
	int rc;

	if (cinfo->input_scan_number > d->max_scans) {
		d->jerr.rc = error_set(d->jerr.err, IMGPIPE_EFORMAT,
				       "too many progressive scans (over %d)",
				       d->max_scans);
		longjmp(d->jerr.jb, 1);
	}
	if (!d->absorbing)
		return;
	rc = hook_rows(d->hook, 1);
	if (rc != 0) {
		d->jerr.rc = rc;
		longjmp(d->jerr.jb, 1);
	}
}

/*
 * The identifiers that open the APP segments of the metadata blocks; each
 * sizeof counts the NUL that ends it in the file ("Exif" has two).
 */
static const char exif_id[] = "Exif\0";
static const char xmp_id[] = "http://ns.adobe.com/xap/1.0/";
static const char xmp_ext_id[] = "http://ns.adobe.com/xmp/extension/";
static const char icc_id[] = "ICC_PROFILE";
static const char ps_id[] = "Photoshop 3.0";

/* Segment m is APPn and its payload starts with id (n bytes, NUL too). */
static int
is_app(jpeg_saved_marker_ptr m, int app, const char *id, size_t n)
{
	return m->marker == JPEG_APP0 + app && m->data_length >= n &&
	       memcmp(m->data, id, n) == 0;
}

/*
 * Why the APP2 ICC_PROFILE segments cannot be one profile, or NULL.  They
 * must be numbered 1..n, in file order, all with the same n:
 * jpeg_read_icc_profile would sort segments out of order, but they are
 * what a broken writer leaves, not a profile to trust (as exiftool warns).
 */
static const char *
icc_problem(j_decompress_ptr cinfo)
{
	jpeg_saved_marker_ptr m;
	int seen = 0, count = 0;

	for (m = cinfo->marker_list; m != NULL; m = m->next) {
		if (!is_app(m, 2, icc_id, sizeof(icc_id)))
			continue;
		if (m->data_length < sizeof(icc_id) + 2)
			return "an APP2 segment is too short";
		if (seen == 0)
			count = m->data[sizeof(icc_id) + 1];
		if (m->data[sizeof(icc_id) + 1] != count)
			return "its APP2 segments disagree on their count";
		if (m->data[sizeof(icc_id)] != seen + 1)
			return "its APP2 segments are out of order";
		seen++;
	}
	return seen != count ? "some of its APP2 segments are missing" : NULL;
}

/*
 * *dst = a copy of p[0..n), unless n is over max: then a warning in mw
 * and nothing.  0 or IMGPIPE_ENOMEM.
 */
static int
take_block(unsigned char **dst, size_t *dst_len, const unsigned char *p,
	   size_t n, size_t max, const char *what, struct imgpipe_error *mw)
{
	if (n == 0 || *dst != NULL)
		return 0;
	if (n > max) {
		error_warn_more(mw,
				"%s dropped: %zu bytes, over the limit of %zu",
				what, n, max);
		return 0;
	}
	*dst = codec_copy_block(p, n);
	if (*dst == NULL)
		return IMGPIPE_ENOMEM;
	*dst_len = n;
	return 0;
}

/*
 * The Photoshop resources of every APP13 segment, joined in file order
 * (writers split them at segment boundaries, anywhere).
 */
static int
take_iptc(j_decompress_ptr cinfo, struct image_meta *meta,
	  struct imgpipe_error *mw)
{
	jpeg_saved_marker_ptr m;
	size_t total = 0, n;

	for (m = cinfo->marker_list; m != NULL; m = m->next)
		if (is_app(m, 13, ps_id, sizeof(ps_id)))
			total += m->data_length - sizeof(ps_id);
	if (total == 0)
		return 0;
	if (total > META_IPTC_MAX) {
		error_warn_more(
			mw, "IPTC dropped: %zu bytes, over the limit of %zu",
			total, META_IPTC_MAX);
		return 0;
	}
	meta->iptc = malloc(total);
	if (meta->iptc == NULL)
		return IMGPIPE_ENOMEM;
	for (m = cinfo->marker_list; m != NULL; m = m->next) {
		if (!is_app(m, 13, ps_id, sizeof(ps_id)))
			continue;
		n = m->data_length - sizeof(ps_id);
		memcpy(meta->iptc + meta->iptc_len, m->data + sizeof(ps_id), n);
		meta->iptc_len += n;
	}
	return 0;
}

/* Every block of the saved segments into meta (codec.h, decode). */
static int
take_meta(struct jdec *d, struct image_meta *meta, struct imgpipe_error *mw)
{
	jpeg_saved_marker_ptr m;
	int rc = 0, ext = 0, dropped = 0, r;

	for (m = d->cinfo.marker_list; rc == 0 && m != NULL; m = m->next) {
		if (is_app(m, 1, exif_id, sizeof(exif_id)))
			rc = take_block(&meta->exif, &meta->exif_len,
					m->data + sizeof(exif_id),
					m->data_length - sizeof(exif_id),
					META_EXIF_MAX, "EXIF", mw);
		else if (is_app(m, 1, xmp_id, sizeof(xmp_id)))
			rc = take_block(&meta->xmp, &meta->xmp_len,
					m->data + sizeof(xmp_id),
					m->data_length - sizeof(xmp_id),
					META_XMP_MAX, "XMP", mw);
		else if (is_app(m, 1, xmp_ext_id, sizeof(xmp_ext_id)))
			ext = 1;
		else if (m->marker == JPEG_COM) {
			r = image_meta_add_text(meta, 'C', "", m->data,
						m->data_length);
			rc = r < 0 ? r : 0;
			dropped += r == 1;
		}
	}
	if (ext)
		error_warn_more(mw, "extended XMP dropped: not carried");
	if (dropped)
		error_warn_more(mw,
				"%d comments dropped: over the limit of %d "
				"texts or %zu bytes",
				dropped, META_TEXTS_MAX_COUNT,
				META_TEXTS_MAX_BYTES);
	if (d->icc_bad != NULL)
		error_warn_more(mw, "ICC profile dropped: %s", d->icc_bad);
	return rc == 0 ? take_iptc(&d->cinfo, meta, mw) : rc;
}

static int
probe_body(void *arg)
{
	struct jdec *d = arg;

	read_header(d);
	d->info->w = (int)d->cinfo.image_width;
	d->info->h = (int)d->cinfo.image_height;
	d->info->channels = d->cinfo.jpeg_color_space == JCS_GRAYSCALE ? 1
			    : d->cmyk				       ? 4
								       : 3;
	d->info->orientation = d->orientation;
	return 0;
}

static int
jpeg_probe(const unsigned char *buf, size_t len, struct image_info *info,
	   struct imgpipe_error *err)
{
	struct jdec d;
	struct image_info tmp;
	int rc;

	memset(&d, 0, sizeof(d));
	d.cinfo.err = jerr_init(&d.jerr, err, "corrupt JPEG data");
	d.jerr.decompress = 1;
	d.buf = buf;
	d.len = len;
	d.info = &tmp;
	rc = guarded(&d.jerr, probe_body, &d);
	jpeg_destroy_decompress(&d.cinfo);
	if (rc == 0)
		*info = tmp;
	return rc;
}

/* Where rows y0 .. y0 + n go: out's rows, or the sink's. */
static int
band_rows(struct jdec *d, int y0, int n, JSAMPROW *rows)
{
	int i;

	if (d->sink != NULL)
		return d->sink->rows(d->sink->ctx, y0, n, rows, d->jerr.err);
	for (i = 0; i < n; i++)
		rows[i] = image_row(d->out, y0 + i);
	return 0;
}

/* Read one band of up to n rows starting at output_scanline. */
static int
read_band(struct jdec *d, int n)
{
	j_decompress_ptr cinfo = &d->cinfo;
	JDIMENSION y0 = cinfo->output_scanline, got = 0, r;
	JSAMPROW rows[BAND_ROWS];
	int rc = band_rows(d, (int)y0, n, rows);

	if (rc != 0)
		return rc;
	while (got < (JDIMENSION)n) {
		r = jpeg_read_scanlines(cinfo, rows + got, (JDIMENSION)n - got);
		/* A memory source never suspends: no progress is bad data. */
		if (r == 0)
			ERREXIT(cinfo, JERR_BAD_STATE);
		got += r;
	}
	if (d->sink != NULL)
		return d->sink->done(d->sink->ctx, (int)y0, n, d->jerr.err);
	return 0;
}

static int
read_rows(struct jdec *d)
{
	j_decompress_ptr cinfo = &d->cinfo;
	int band = hook_band(d->hook, BAND_ROWS), n, rc;

	while (cinfo->output_scanline < cinfo->output_height) {
		n = (int)UTIL_MIN((JDIMENSION)band,
				  cinfo->output_height -
					  cinfo->output_scanline);
		rc = read_band(d, n);
		if (rc != 0)
			return rc;
		d->rows_done += n;
		rc = hook_rows(d->hook, n);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static void
set_output(struct jdec *d)
{
	j_decompress_ptr cinfo = &d->cinfo;
	int denom = d->opts->scale_denom;

	if (cinfo->jpeg_color_space == JCS_GRAYSCALE)
		cinfo->out_color_space = JCS_GRAYSCALE;
	else if (d->cmyk)
		cinfo->out_color_space = JCS_CMYK;
	else
		cinfo->out_color_space = JCS_RGB;
	cinfo->scale_num = 1;
	cinfo->scale_denom = denom == 2 || denom == 4 || denom == 8 ? denom : 1;
	/* The accurate integer DCT gives the same output on every machine. */
	cinfo->dct_method = JDCT_ISLOW;
	jpeg_calc_output_dimensions(cinfo);
}

/* How many scans this image may have: see SCAN_BLOCK_BUDGET. */
static int
scan_limit(j_decompress_ptr cinfo)
{
	uint64_t blocks = 0, n;
	int ci;

	for (ci = 0; ci < cinfo->num_components; ci++)
		blocks += (uint64_t)cinfo->comp_info[ci].width_in_blocks *
			  cinfo->comp_info[ci].height_in_blocks;
	n = SCAN_BLOCK_BUDGET / (blocks > 0 ? blocks : 1);
	return (int)UTIL_MAX(MIN_SCANS, UTIL_MIN(MAX_SCANS, n));
}

/* Every coefficient of a progressive file at full precision. */
static int
coefficients_complete(j_decompress_ptr cinfo)
{
	int ci, k;

	if (!cinfo->progressive_mode || cinfo->coef_bits == NULL)
		return 1;
	for (ci = 0; ci < cinfo->num_components; ci++)
		for (k = 0; k < DCTSIZE2; k++)
			if (cinfo->coef_bits[ci][k] != 0)
				return 0;
	return 1;
}

/*
 * Every row is out.  If the data ended early, libjpeg went on as if the
 * EOI marker were there: only that marker is missing, unless the data
 * ended inside a scan (eof_early) or a progressive file lost scans (its
 * rows exist, blurred or flat).
 */
static void
check_end(struct jdec *d)
{
	if (!d->jerr.eof)
		return;
	if (d->jerr.eof_early || !coefficients_complete(&d->cinfo))
		note_damage(&d->jerr, FAIL_ON_TRUNCATED, "truncated JPEG data");
	else
		note_damage(&d->jerr, FAIL_ON_WARNING,
			    "JPEG file ends without its EOI marker");
}

static int
decode_body(void *arg)
{
	struct jdec *d = arg;
	j_decompress_ptr cinfo = &d->cinfo;
	int rc, ch;

	read_header(d);
	/*
	 * The stored size is what libjpeg's own buffers (a progressive
	 * file's coefficients) scale with, so that is what is limited.
	 */
	rc = image_check_size((int)cinfo->image_width, (int)cinfo->image_height,
			      d->cmyk ? 4 : 3, PIXFMT_U8, d->opts->max_pixels,
			      d->jerr.err);
	if (rc != 0)
		return rc;
	/*
	 * CMYK comes out as stored, with its profile: the colour step
	 * converts the pixels through it.
	 */
	d->icc_bad = icc_problem(cinfo);
	if (d->icc_bad == NULL)
		jpeg_read_icc_profile(cinfo, &d->icc, &d->icc_len);
	set_output(d);
	ch = cinfo->out_color_space == JCS_GRAYSCALE ? 1 : d->cmyk ? 4 : 3;
	d->out_w = (int)cinfo->output_width;
	d->out_h = (int)cinfo->output_height;
	d->out_ch = ch;
	if (d->sink != NULL)
		rc = d->sink->begin(d->sink->ctx, d->out_w, d->out_h, ch,
				    d->jerr.err);
	else
		rc = image_alloc(d->out, d->out_w, d->out_h, ch, PIXFMT_U8,
				 d->opts->max_pixels, d->jerr.err);
	if (rc != 0)
		return rc;
	d->max_scans = scan_limit(cinfo);
	d->progress.progress_monitor = on_progress;
	cinfo->progress = &d->progress;
	d->absorbing = 1;
	d->jerr.decoding = 1;
	jpeg_start_decompress(cinfo);
	d->absorbing = 0;
	d->reading = 1;
	rc = read_rows(d);
	d->reading = 0;
	if (rc != 0)
		return rc;
	/*
	 * No jpeg_finish_decompress: once every row is out, junk after the
	 * image cannot spoil the pixels.
	 */
	check_end(d);
	return 0;
}

/* The grey rows from y0 on, handed to the sink as codec_fill_missing's. */
static int
sink_missing(struct jdec *d, int y0, struct imgpipe_error *err)
{
	JSAMPROW rows[BAND_ROWS];
	struct image row;
	int y, n, i, rc = 0;

	image_init(&row);
	row.w = d->out_w;
	row.h = 1;
	row.channels = d->out_ch;
	row.fmt = PIXFMT_U8;
	row.stride = (size_t)d->out_w * (size_t)d->out_ch;
	for (y = y0; rc == 0 && y < d->out_h; y += n) {
		n = UTIL_MIN(BAND_ROWS, d->out_h - y);
		rc = d->sink->rows(d->sink->ctx, y, n, rows, err);
		for (i = 0; rc == 0 && i < n; i++) {
			row.data = rows[i];
			codec_fill_missing(&row, 0);
		}
		if (rc == 0)
			rc = d->sink->done(d->sink->ctx, y, n, err);
	}
	return rc;
}

static int
decode_any(const unsigned char *buf, size_t len, const struct decode_opts *opts,
	   struct image *out, const struct row_sink *sink,
	   struct image_meta *meta, struct hook *hook,
	   struct imgpipe_error *err)
{
	static const struct decode_opts dflt = { 1, 0, FAIL_ON_TRUNCATED, 0 };
	struct imgpipe_error mw;
	struct jdec d;
	int rc, kept;

	error_clear(&mw);
	memset(&d, 0, sizeof(d));
	d.cinfo.err = jerr_init(&d.jerr, err, "corrupt JPEG data");
	d.buf = buf;
	d.len = len;
	d.opts = opts != NULL ? opts : &dflt;
	d.jerr.decompress = 1;
	d.jerr.fail_on = d.opts->fail_on;
	d.out = out;
	d.sink = sink;
	d.hook = hook;
	rc = guarded(&d.jerr, decode_body, &d);
	image_meta_init(meta);
	/* FAIL_ON_NONE: an error in the rows leaves the rest of them grey. */
	kept = rc == IMGPIPE_EFORMAT && d.reading && d.rows_done > 0 &&
	       d.jerr.fail_on == FAIL_ON_NONE;
	if (rc == 0 || kept) {
		meta->icc = d.icc;
		meta->icc_len = d.icc_len;
		meta->cmyk = d.cmyk;
		meta->cmyk_inverted = d.inverted;
		d.icc = NULL;
		if (take_meta(&d, meta, &mw) != 0) {
			image_meta_release(meta);
			rc = error_set(err, IMGPIPE_ENOMEM,
				       "out of memory for metadata");
			kept = 0;
		}
	}
	jpeg_destroy_decompress(&d.cinfo);
	if (rc != 0 && !kept) {
		free(d.icc);
		return rc;
	}
	if (kept && sink != NULL) {
		rc = sink_missing(&d, d.rows_done, err);
		if (rc != 0) {
			image_meta_release(meta);
			return rc;
		}
	} else if (kept) {
		codec_fill_missing(out, d.rows_done);
	}
	codec_warn(err, kept ? err->msg : d.jerr.warning);
	if (mw.msg[0] != '\0')
		error_warn_more(err, "%s", mw.msg);
	return 0;
}

static int
jpeg_decode(const unsigned char *buf, size_t len,
	    const struct decode_opts *opts, struct image *out,
	    struct image_meta *meta, struct hook *hook,
	    struct imgpipe_error *err)
{
	return decode_any(buf, len, opts, out, NULL, meta, hook, err);
}

static int
jpeg_decode_rows(const unsigned char *buf, size_t len,
		 const struct decode_opts *opts, const struct row_sink *sink,
		 struct image_meta *meta, struct hook *hook,
		 struct imgpipe_error *err)
{
	return decode_any(buf, len, opts, NULL, sink, meta, hook, err);
}

static void
dest_point(j_compress_ptr cinfo, size_t extra)
{
	struct jdest *dst = (struct jdest *)cinfo->dest;
	struct membuf *b = dst->out;

	if (membuf_reserve(b, b->len + extra) != 0)
		ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
	dst->pub.next_output_byte = b->data + b->len;
	dst->pub.free_in_buffer = b->cap - b->len;
}

static void
dest_init(j_compress_ptr cinfo)
{
	dest_point(cinfo, 65536);
}

static boolean
dest_empty(j_compress_ptr cinfo)
{
	struct jdest *dst = (struct jdest *)cinfo->dest;

	/* libjpeg calls this only when the whole free space is used. */
	dst->out->len = dst->out->cap;
	dest_point(cinfo, dst->out->cap);
	return TRUE;
}

static void
dest_term(j_compress_ptr cinfo)
{
	struct jdest *dst = (struct jdest *)cinfo->dest;

	dst->out->len = (size_t)(dst->pub.next_output_byte - dst->out->data);
}

static int
write_rows(struct jenc *e)
{
	j_compress_ptr cinfo = &e->cinfo;
	int band = hook_band(e->hook, BAND_ROWS), n, i, rc;
	JSAMPROW rows[BAND_ROWS];
	JDIMENSION y, done;

	while (cinfo->next_scanline < cinfo->image_height) {
		y = cinfo->next_scanline;
		n = (int)UTIL_MIN((JDIMENSION)band, cinfo->image_height - y);
		for (i = 0; i < n; i++)
			rows[i] = image_row(e->im, (int)y + i);
		done = 0;
		while (done < (JDIMENSION)n)
			done += jpeg_write_scanlines(cinfo, rows + done,
						     (JDIMENSION)n - done);
		rc = hook_rows(e->hook, n);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* One segment: marker, the identifier id (n bytes), then p[0..len). */
static void
write_segment(j_compress_ptr cinfo, int marker, const char *id, size_t n,
	      const unsigned char *p, size_t len)
{
	size_t i;

	jpeg_write_m_header(cinfo, marker, (unsigned int)(n + len));
	for (i = 0; i < n; i++)
		jpeg_write_m_byte(cinfo, (unsigned char)id[i]);
	for (i = 0; i < len; i++)
		jpeg_write_m_byte(cinfo, p[i]);
}

/*
 * The blocks after JFIF, in the order libvips and exiftool write them:
 * APP1 Exif, APP1 XMP, APP2 ICC, APP13 Photoshop (split where it must
 * be: readers join the segments), COM.
 */
static void
write_meta(j_compress_ptr cinfo, const struct image_meta *m)
{
	const size_t ps_max = CODEC_JPEG_COM_MAX - sizeof(ps_id);
	size_t i, n;

	if (m->exif_len > 0 && m->exif_len <= CODEC_JPEG_EXIF_MAX)
		write_segment(cinfo, JPEG_APP0 + 1, exif_id, sizeof(exif_id),
			      m->exif, m->exif_len);
	if (m->xmp_len > 0 && m->xmp_len <= CODEC_JPEG_XMP_MAX)
		write_segment(cinfo, JPEG_APP0 + 1, xmp_id, sizeof(xmp_id),
			      m->xmp, m->xmp_len);
	if (m->icc != NULL && m->icc_len > 0)
		jpeg_write_icc_profile(cinfo, m->icc, (unsigned int)m->icc_len);
	for (i = 0; i < m->iptc_len; i += n) {
		n = UTIL_MIN(ps_max, m->iptc_len - i);
		write_segment(cinfo, JPEG_APP0 + 13, ps_id, sizeof(ps_id),
			      m->iptc + i, n);
	}
	for (i = 0; i < m->n_texts; i++)
		if (m->texts[i].kind == 'C' &&
		    m->texts[i].len <= CODEC_JPEG_COM_MAX)
			write_segment(cinfo, JPEG_COM, "", 0, m->texts[i].text,
				      m->texts[i].len);
}

static int
encode_body(void *arg)
{
	struct jenc *e = arg;
	j_compress_ptr cinfo = &e->cinfo;
	int q = e->opts->quality > 0 ? UTIL_MIN(100, e->opts->quality)
				     : CODEC_JPEG_QUALITY,
	    rc;

	jpeg_create_compress(cinfo);
	cinfo->dest = &e->dest.pub;
	cinfo->image_width = (JDIMENSION)e->im->w;
	cinfo->image_height = (JDIMENSION)e->im->h;
	cinfo->input_components = e->im->channels;
	cinfo->in_color_space = e->im->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(cinfo);
	jpeg_set_quality(cinfo, q, TRUE);
	cinfo->dct_method = JDCT_ISLOW;
	if (e->opts->progressive)
		jpeg_simple_progression(cinfo);
	jpeg_start_compress(cinfo, TRUE);
	if (e->meta != NULL)
		write_meta(cinfo, e->meta);
	rc = write_rows(e);
	if (rc != 0)
		return rc;
	jpeg_finish_compress(cinfo);
	return 0;
}

/* An ICC profile is split over at most 255 APP2 markers of 65519 bytes. */
#define ICC_MAX_BYTES (255u * 65519u)

static int
jpeg_encode(const struct image *im, const struct image_meta *meta,
	    const struct encode_opts *opts, struct membuf *out,
	    struct hook *hook, struct imgpipe_error *err)
{
	static const struct encode_opts dflt = ENCODE_OPTS_DEFAULT;
	struct jenc e;
	size_t start = out->len;
	int rc;

	if (im->fmt != PIXFMT_U8 || (im->channels != 1 && im->channels != 3))
		return error_set(err, IMGPIPE_EFORMAT,
				 "JPEG cannot store %d channels", im->channels);
	if (im->w > JPEG_MAX_DIMENSION || im->h > JPEG_MAX_DIMENSION)
		return error_set(err, IMGPIPE_ELIMIT,
				 "image is %dx%d, over the JPEG limit of %d",
				 im->w, im->h, (int)JPEG_MAX_DIMENSION);
	if (meta != NULL && meta->icc_len > ICC_MAX_BYTES)
		return error_set(
			err, IMGPIPE_EFORMAT,
			"ICC profile of %zu bytes is too large for JPEG",
			meta->icc_len);
	memset(&e, 0, sizeof(e));
	e.cinfo.err = jerr_init(&e.jerr, err, "cannot encode JPEG");
	e.dest.pub.init_destination = dest_init;
	e.dest.pub.empty_output_buffer = dest_empty;
	e.dest.pub.term_destination = dest_term;
	e.dest.out = out;
	e.im = im;
	e.meta = meta;
	e.opts = opts != NULL ? opts : &dflt;
	e.hook = hook;
	rc = guarded(&e.jerr, encode_body, &e);
	jpeg_destroy_compress(&e.cinfo);
	if (rc != 0)
		out->len = start;
	return rc;
}

const struct codec codec_jpeg = {
	.id = CODEC_JPEG,
	.name = "jpeg",
	.ext = "jpg",
	.built = 1,
	.scales = 1,
	.sniff = jpeg_sniff,
	.probe = jpeg_probe,
	.decode = jpeg_decode,
	.decode_rows = jpeg_decode_rows,
	.encode = jpeg_encode,
};
