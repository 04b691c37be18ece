/*
 * PNG through the full libpng API, from and to memory.  libpng reports
 * errors through error_fn, which longjmps back to guarded(), the only
 * setjmp in this file; mutable state lives in a struct png_state owned by
 * guarded()'s caller, so no local is clobbered.  Pixels come out as stored:
 * no gamma conversion, like libvips and Pillow.
 *
 * Damage is judged by where it is (decode_opts.fail_on): an error while
 * rows are still missing is truncation; one after the last row (a bad
 * IEND CRC, no IEND, a zlib stream cut before its Adler-32) spoils no
 * pixel; libpng's warnings (benign errors) are damage it worked around.
 * The metadata chunks are taken from what libpng read, once it is done
 * (take_meta), wherever in the file they were.
 */
#include "codec.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "error.h"
#include "exif.h"
#include "hook.h"
#include "image.h"
#include "membuf.h"
#include "metafix.h"
#include "util.h"

#define BAND_ROWS 16

/*
 * Ancillary chunks (iCCP, eXIf) are bounded so that a hostile length or a
 * compressed bomb cannot exhaust memory; 16 MiB is far above any real ICC
 * profile.  IDAT is streamed and is not affected.
 */
#define CHUNK_MALLOC_MAX (16u << 20)
#define CHUNK_CACHE_MAX	 1000

struct png_state {
	struct imgpipe_error *err;
	const char *what; /* message prefix: "corrupt PNG data" */
	int rc;
	int truncated; /* the reader ran past the end of buf */
	int oom;       /* appending to the output failed */
	/* decode: damage (see the top of this file) */
	enum fail_on fail_on;
	int reading;   /* inside read_rows: rows may be missing */
	int rows_done; /* every row is in out */
	int kept;      /* the error fail_on lets through: out is whole */
	int warned;    /* warning holds libpng's first warning */
	char warning[IMGPIPE_ERR_MSG_LEN];
	png_structp png;
	png_infop info;
	/* decode and probe */
	const unsigned char *buf;
	size_t len, pos;
	const struct decode_opts *opts;
	struct image_info *info_out;
	struct image *out;
	unsigned char *icc;
	size_t icc_len;
	int srgb; /* an sRGB chunk: the pixels are sRGB */
	/* chunk types skipped whole (skip_oversized), NUL-separated */
	png_byte skipped[4 * 5 + 1];
	int n_skipped;
	char skip_why[96]; /* the first of them, for the warning */
	/* encode */
	const struct image *im;
	const struct image_meta *meta;
	const struct encode_opts *eopts;
	struct membuf *dst;
	/* both */
	struct hook *hook;
};

/* Chunks that imgpipe never uses: libpng discards them unread. */
static const png_byte ignored_chunks[] =
	"bKGD\0cHRM\0gAMA\0hIST\0oFFs\0pCAL\0pHYs\0sBIT\0sCAL\0"
	"sPLT\0sTER\0tIME";

static int
png_sniff(const unsigned char *buf, size_t len)
{
	return len >= 8 && png_sig_cmp(buf, 0, 8) == 0;
}

static int
is_letter(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/*
 * libpng's message after "what: ", its first letter lower case as our
 * messages are, except in a chunk name ("IdND: unknown critical chunk"),
 * whose letter cases are its meaning.
 */
static void
format_message(char *buf, size_t n, const char *what, const char *msg)
{
	int chunk = is_letter(msg[0]) && is_letter(msg[1]) &&
		    is_letter(msg[2]) && is_letter(msg[3]) && msg[4] == ':';
	int lower = !chunk && msg[0] >= 'A' && msg[0] <= 'Z' && msg[1] >= 'a' &&
		    msg[1] <= 'z';

	util_fmt(buf, n, "%s: %c%s", what, lower ? msg[0] - 'A' + 'a' : msg[0],
		 msg[0] != '\0' ? msg + 1 : "");
}

/* Whether the failing png_read_row call had already stored its row. */
static int
rows_complete(png_structp png, png_infop info)
{
	if (png_get_interlace_type(png, info) != PNG_INTERLACE_NONE)
		return png_get_current_pass_number(png) >= 7;
	return png_get_current_row_number(png) >=
	       png_get_image_height(png, info);
}

/* Some row is in out: the ones before the failing call, at least. */
static int
rows_started(png_structp png)
{
	return png_get_current_row_number(png) > 0 ||
	       png_get_current_pass_number(png) > 0;
}

/* Every row is in out: the error is damage after the last row. */
static int
after_rows(const struct png_state *st)
{
	return st->rows_done ||
	       (st->reading && rows_complete(st->png, st->info));
}

/*
 * What fail_on says of an error: kept (the image stands, the message
 * becomes its warning) or fatal.  An error before the pixels is always
 * fatal; in the rows it is truncation; after them, an error.
 */
static int
error_kept(const struct png_state *st, int after)
{
	if (after)
		return st->fail_on < FAIL_ON_ERROR;
	return st->reading && st->fail_on < FAIL_ON_TRUNCATED &&
	       rows_started(st->png);
}

static void
error_fn(png_structp png, png_const_charp msg)
{
	struct png_state *st = png_get_error_ptr(png);
	char buf[IMGPIPE_ERR_MSG_LEN];
	int after = after_rows(st);

	if (st->oom) {
		st->rc = error_set(st->err, IMGPIPE_ENOMEM,
				   "out of memory writing PNG");
		png_longjmp(png, 1);
	}
	if (st->truncated)
		util_fmt(buf, sizeof(buf), "truncated PNG data%s",
			 after ? " after the last row" : "");
	else
		format_message(buf, sizeof(buf), st->what, msg);
	st->rc = error_set(st->err, IMGPIPE_EFORMAT, "%s", buf);
	st->kept = error_kept(st, after);
	png_longjmp(png, 1);
}

/*
 * Warnings (and benign errors, which libpng 1.6 reads as warnings) are
 * damage libpng has worked around: the first one is kept, and under
 * FAIL_ON_WARNING it fails the decode.  Probe and encode ignore them.
 */
static void
warning_fn(png_structp png, png_const_charp msg)
{
	struct png_state *st = png_get_error_ptr(png);

	if (st->out == NULL || st->warned)
		return;
	format_message(st->warning, sizeof(st->warning), "corrupt PNG data",
		       msg);
	st->warned = 1;
	if (st->fail_on >= FAIL_ON_WARNING) {
		st->rc = error_set(st->err, IMGPIPE_EFORMAT, "%s", st->warning);
		png_longjmp(png, 1);
	}
}

static void
read_fn(png_structp png, png_bytep out, size_t n)
{
	struct png_state *st = png_get_io_ptr(png);

	if (n > st->len - st->pos) {
		st->truncated = 1;
		png_error(png, "read past the end of the data");
	}
	memcpy(out, st->buf + st->pos, n);
	st->pos += n;
}

static void
write_fn(png_structp png, png_bytep data, size_t n)
{
	struct png_state *st = png_get_io_ptr(png);

	if (membuf_append(st->dst, data, n) != 0) {
		st->oom = 1;
		png_error(png, "out of memory");
	}
}

static void
flush_fn(png_structp png)
{
	(void)png;
}

/*
 * Run body(st) with libpng errors caught: the one setjmp of this codec.
 * Returns body's result or the code error_fn recorded; the caller
 * destroys the libpng structs afterwards in both cases.
 */
static int
guarded(struct png_state *st, int (*body)(struct png_state *))
{
	if (setjmp(png_jmpbuf(st->png)))
		return st->rc;
	return body(st);
}

/*
 * Chunks that libpng would read whole into one buffer of their declared
 * length: with libpng 1.6's default, an over-long one is only a benign
 * error, after which it allocates that length anyway (up to 2 GiB for a
 * 300-byte file).  Such a chunk type, over CHUNK_MALLOC_MAX or running
 * past the end of the data, is skipped instead, every chunk of it.
 */
static const char *const whole_chunks[] = { "tEXt", "zTXt", "iTXt", "eXIf" };

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void
skip_type(struct png_state *st, const unsigned char *name, uint32_t n,
	  int past_end)
{
	int i;

	for (i = 0; i < st->n_skipped; i++)
		if (memcmp(st->skipped + 5 * i, name, 4) == 0)
			return;
	if (st->n_skipped == 0)
		util_fmt(st->skip_why, sizeof(st->skip_why),
			 "PNG %.4s chunks dropped: one of %u bytes %s", name,
			 (unsigned)n,
			 past_end ? "runs past the end of the file"
				  : "is over the 16 MiB limit");
	memcpy(st->skipped + 5 * st->n_skipped, name, 4);
	st->skipped[5 * st->n_skipped + 4] = '\0';
	st->n_skipped++;
}

static void
skip_oversized(struct png_state *st)
{
	size_t pos = 8, i;
	uint32_t n;
	int past_end;

	while (st->len >= pos + 8) {
		n = be32(st->buf + pos);
		if (memcmp(st->buf + pos + 4, "IEND", 4) == 0)
			break;
		past_end = (uint64_t)n + 4 > st->len - pos - 8;
		for (i = 0; i < sizeof(whole_chunks) / sizeof(whole_chunks[0]);
		     i++)
			if (memcmp(st->buf + pos + 4, whole_chunks[i], 4) ==
				    0 &&
			    (past_end || n > CHUNK_MALLOC_MAX))
				skip_type(st, st->buf + pos + 4, n, past_end);
		if (past_end)
			break;
		pos += 12 + (size_t)n;
	}
	if (st->n_skipped > 0)
		png_set_keep_unknown_chunks(st->png, PNG_HANDLE_CHUNK_NEVER,
					    st->skipped, st->n_skipped);
}

static int
create_read(struct png_state *st)
{
	st->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, st, error_fn,
					 warning_fn);
	if (st->png != NULL)
		st->info = png_create_info_struct(st->png);
	if (st->png == NULL || st->info == NULL)
		return error_set(st->err, IMGPIPE_ENOMEM,
				 "out of memory in the PNG codec");
	png_set_read_fn(st->png, st, read_fn);
	/*
	 * Width and height are limited by --max-pixels right after IHDR, with
	 * a clearer message than libpng's own default limits would give.
	 */
	png_set_user_limits(st->png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
	png_set_chunk_cache_max(st->png, CHUNK_CACHE_MAX);
	png_set_chunk_malloc_max(st->png, CHUNK_MALLOC_MAX);
	png_set_keep_unknown_chunks(st->png, PNG_HANDLE_CHUNK_NEVER,
				    ignored_chunks,
				    (int)(sizeof(ignored_chunks) / 5));
	skip_oversized(st);
	return 0;
}

/* The channels decode produces: tRNS becomes an alpha channel. */
static int
out_channels(png_structp png, png_infop info)
{
	int trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;

	switch (png_get_color_type(png, info)) {
	case PNG_COLOR_TYPE_GRAY: return trns ? 2 : 1;
	case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
	case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
	default: /* RGB, palette */ return trns ? 4 : 3;
	}
}

/*
 * The orientation of an eXIf chunk after the image data, which the PNG
 * specification allows: the chunk headers are walked from the first IDAT,
 * at pos, without inflating anything.  Its CRC is not checked (libexif
 * validates the payload), so that probing needs nothing beyond libpng.
 */
static int
late_exif(const unsigned char *buf, size_t len, size_t pos)
{
	uint32_t n;

	if (pos > len || len - pos < 8 || memcmp(buf + pos + 4, "IDAT", 4) != 0)
		return 1;
	while (len - pos >= 12) {
		n = be32(buf + pos);
		if (n > len - pos - 12 || memcmp(buf + pos + 4, "IEND", 4) == 0)
			break;
		if (memcmp(buf + pos + 4, "eXIf", 4) == 0)
			return exif_orientation(buf + pos + 8, n);
		pos += 12 + (size_t)n;
	}
	return 1;
}

static int
probe_body(struct png_state *st)
{
	png_uint_32 n = 0;
	png_bytep exif = NULL;

	png_read_info(st->png, st->info);
	st->info_out->w = (int)png_get_image_width(st->png, st->info);
	st->info_out->h = (int)png_get_image_height(st->png, st->info);
	st->info_out->channels = out_channels(st->png, st->info);
	/* libpng stops after the first IDAT's length and name. */
	if (png_get_eXIf_1(st->png, st->info, &n, &exif) != 0 && exif != NULL)
		st->info_out->orientation = exif_orientation(exif, n);
	else
		st->info_out->orientation =
			late_exif(st->buf, st->len, st->pos - 8);
	return 0;
}

/* st reads buf[0..len) and reports to err; nothing else is set yet. */
static void
state_init(struct png_state *st, const unsigned char *buf, size_t len,
	   struct imgpipe_error *err)
{
	memset(st, 0, sizeof(*st));
	st->err = err;
	st->what = "corrupt PNG data";
	st->buf = buf;
	st->len = len;
}

static int
png_probe(const unsigned char *buf, size_t len, struct image_info *info,
	  struct imgpipe_error *err)
{
	struct png_state st;
	struct image_info tmp;
	int rc;

	state_init(&st, buf, len, err);
	st.info_out = &tmp;
	rc = create_read(&st);
	if (rc == 0)
		rc = guarded(&st, probe_body);
	png_destroy_read_struct(&st.png, &st.info, NULL);
	if (rc == 0)
		*info = tmp;
	return rc;
}

static int
copy_icc(struct png_state *st)
{
	png_charp name;
	png_bytep prof;
	png_uint_32 n;
	int comp, intent;

	/* gAMA and cHRM stay unread, as libvips, Pillow and sharp do. */
	st->srgb = png_get_sRGB(st->png, st->info, &intent) != 0;
	if (png_get_iCCP(st->png, st->info, &name, &comp, &prof, &n) == 0 ||
	    n == 0)
		return 0;
	st->icc = malloc(n);
	if (st->icc == NULL)
		return error_set(st->err, IMGPIPE_ENOMEM,
				 "out of memory for an ICC profile");
	memcpy(st->icc, prof, n);
	st->icc_len = n;
	return 0;
}

/* Whether uint16_t is stored least significant byte first here. */
static int
little_endian(void)
{
	const uint16_t one = 1;

	return *(const unsigned char *)&one == 1;
}

/*
 * Expand to 8-bit grey, grey+alpha, RGB or RGBA (16-bit in host order
 * with keep16); returns the pass count.
 */
static int
set_transforms(struct png_state *st)
{
	int passes;

	/* Palette to RGB, grey below 8 bits to 8, tRNS to alpha. */
	png_set_expand(st->png);
	if (st->opts->keep16 && png_get_bit_depth(st->png, st->info) == 16) {
		if (little_endian())
			png_set_swap(st->png);
	} else {
		/* v / 257 rounded, as the simplified API reduces too. */
		png_set_scale_16(st->png);
	}
	passes = png_set_interlace_handling(st->png);
	png_read_update_info(st->png, st->info);
	return passes;
}

static int
read_rows(struct png_state *st, int passes)
{
	int band = hook_band(st->hook, BAND_ROWS), h = st->out->h;
	int pass, y, i, n, rc;

	for (pass = 0; pass < passes; pass++) {
		for (y = 0; y < h; y += n) {
			n = UTIL_MIN(band, h - y);
			for (i = 0; i < n; i++)
				png_read_row(st->png, image_row(st->out, y + i),
					     NULL);
			/* Progress counts the last pass, so rows add to h. */
			rc = pass == passes - 1 ? hook_rows(st->hook, n) : 0;
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

static int
decode_body(struct png_state *st)
{
	png_uint_32 w, h;
	int rc, ch, passes, depth;

	png_read_info(st->png, st->info);
	w = png_get_image_width(st->png, st->info);
	h = png_get_image_height(st->png, st->info);
	rc = image_check_size((int)w, (int)h, 4, PIXFMT_U8,
			      st->opts->max_pixels, st->err);
	if (rc != 0)
		return rc;
	rc = copy_icc(st);
	if (rc != 0)
		return rc;
	passes = set_transforms(st);
	ch = png_get_channels(st->png, st->info);
	depth = png_get_bit_depth(st->png, st->info);
	if ((depth != 8 && depth != 16) || ch < 1 || ch > 4 ||
	    png_get_rowbytes(st->png, st->info) !=
		    (size_t)w * (size_t)ch * (size_t)(depth / 8))
		return error_set(st->err, IMGPIPE_EFORMAT,
				 "unsupported PNG pixel layout");
	rc = image_alloc(st->out, (int)w, (int)h, ch,
			 depth == 16 ? PIXFMT_U16 : PIXFMT_U8,
			 st->opts->max_pixels, st->err);
	if (rc != 0)
		return rc;
	/* Rows an error keeps from coming (or an interlaced pass) are grey. */
	if (st->fail_on == FAIL_ON_NONE)
		codec_fill_missing(st->out, 0);
	st->reading = 1;
	rc = read_rows(st, passes);
	st->reading = 0;
	if (rc != 0)
		return rc;
	st->rows_done = 1;
	/* The rest of the file: IEND and the checksums. */
	png_read_end(st->png, st->info);
	return 0;
}

static const char xmp_key[] = "XML:com.adobe.xmp";

/*
 * ImageMagick's legacy chunks hold hex dumps of the EXIF, IPTC, XMP or
 * ICC blocks it read: stale copies of what the blocks themselves carry
 * (and rewritten here), so they are not read as texts.
 */
static const char raw_profile[] = "Raw profile type ";

/* A text chunk's kind, from libpng's compression field. */
static char
text_kind(int compression)
{
	switch (compression) {
	case PNG_TEXT_COMPRESSION_NONE: return 't';
	case PNG_TEXT_COMPRESSION_zTXt: return 'z';
	default: return 'i';
	}
}

/* The eXIf and text chunks into meta (codec.h, decode): 0 or ENOMEM. */
static int
take_meta(const struct png_state *st, struct image_meta *meta,
	  struct imgpipe_error *mw)
{
	png_uint_32 n = 0;
	png_bytep exif = NULL;
	png_textp t = NULL;
	int nt, i, r, dropped = 0;
	size_t len;

	if (png_get_eXIf_1(st->png, st->info, &n, &exif) != 0 && exif != NULL &&
	    n > 0) {
		if (n > META_EXIF_MAX)
			error_warn_more(mw,
					"EXIF dropped: %u bytes, over the "
					"limit of %zu",
					(unsigned)n, META_EXIF_MAX);
		else if ((meta->exif = codec_copy_block(exif, n)) == NULL)
			return IMGPIPE_ENOMEM;
		else
			meta->exif_len = n;
	}
	if (st->n_skipped > 0)
		error_warn_more(mw, "%s", st->skip_why);
	nt = png_get_text(st->png, st->info, &t, NULL);
	for (i = 0; i < nt; i++) {
		len = t[i].compression >= PNG_ITXT_COMPRESSION_NONE
			      ? t[i].itxt_length
			      : t[i].text_length;
		if (strncmp(t[i].key, raw_profile, sizeof(raw_profile) - 1) ==
		    0)
			continue;
		if (strcmp(t[i].key, xmp_key) == 0) {
			if (meta->xmp != NULL)
				continue;
			if (len > META_XMP_MAX) {
				error_warn_more(mw,
						"XMP dropped: %zu bytes, "
						"over the limit of %zu",
						len, META_XMP_MAX);
				continue;
			}
			meta->xmp = codec_copy_block(
				(const unsigned char *)t[i].text, len);
			if (meta->xmp == NULL)
				return IMGPIPE_ENOMEM;
			meta->xmp_len = len;
			continue;
		}
		r = image_meta_add_text(meta, text_kind(t[i].compression),
					t[i].key,
					(const unsigned char *)t[i].text, len);
		if (r < 0)
			return r;
		dropped += r;
	}
	if (dropped)
		error_warn_more(mw,
				"%d text chunks dropped: over the limit "
				"of %d texts or %zu bytes",
				dropped, META_TEXTS_MAX_COUNT,
				META_TEXTS_MAX_BYTES);
	return 0;
}

static int
png_decode(const unsigned char *buf, size_t len, const struct decode_opts *opts,
	   struct image *out, struct image_meta *meta, struct hook *hook,
	   struct imgpipe_error *err)
{
	static const struct decode_opts dflt = { 1, 0, FAIL_ON_TRUNCATED, 0 };
	struct imgpipe_error mw;
	struct png_state st;
	int rc;

	state_init(&st, buf, len, err);
	st.opts = opts != NULL ? opts : &dflt;
	st.fail_on = st.opts->fail_on;
	st.out = out;
	st.hook = hook;
	rc = create_read(&st);
	if (rc == 0)
		rc = guarded(&st, decode_body);
	image_meta_init(meta);
	error_clear(&mw);
	if (rc == 0 || (rc == IMGPIPE_EFORMAT && st.kept)) {
		meta->icc = st.icc;
		meta->icc_len = st.icc_len;
		meta->srgb = st.srgb;
		st.icc = NULL;
		/* libpng's getters do not fail: no setjmp is needed here. */
		if (take_meta(&st, meta, &mw) != 0) {
			image_meta_release(meta);
			rc = error_set(err, IMGPIPE_ENOMEM,
				       "out of memory for metadata");
			st.kept = 0;
		}
	}
	png_destroy_read_struct(&st.png, &st.info, NULL);
	if (rc != 0 && !(rc == IMGPIPE_EFORMAT && st.kept)) {
		free(st.icc);
		return rc;
	}
	/* An error kept outranks the warnings before it. */
	codec_warn(err, rc != 0 ? err->msg : st.warning);
	if (mw.msg[0] != '\0')
		error_warn_more(err, "%s", mw.msg);
	return 0;
}

/* One text chunk; libpng copies it, and text must be a C string. */
static void
set_text(png_structp png, png_infop info, int compression, const char *key,
	 const unsigned char *text, size_t len)
{
	png_text t;

	memset(&t, 0, sizeof(t));
	t.compression = compression;
	/* libpng's png_text is not const, but png_set_text only reads it. */
	t.key = (png_charp)(uintptr_t)key;
	t.text = (png_charp)(uintptr_t)text;
	t.text_length = len;
	t.itxt_length = len;
	t.lang = NULL;
	t.lang_key = NULL;
	png_set_text(png, info, &t, 1);
}

/*
 * eXIf, the XMP packet (iTXt, uncompressed, as the XMP specification
 * asks, so that a reader may scan for it) and the texts as their kind;
 * all before IDAT.  A COM text ('C') has no PNG kind: the policy has
 * turned it into a "Comment" tEXt or iTXt already.
 */
static void
set_meta(png_structp png, png_infop info, const struct image_meta *m)
{
	static const int compression[] = { PNG_TEXT_COMPRESSION_NONE,
					   PNG_TEXT_COMPRESSION_zTXt,
					   PNG_ITXT_COMPRESSION_NONE };
	const char *kinds = "tzi", *k;
	size_t i;

	if (m->exif != NULL && m->exif_len > 0 &&
	    m->exif_len <= PNG_UINT_31_MAX)
		png_set_eXIf_1(png, info, (png_uint_32)m->exif_len,
			       (png_bytep)(uintptr_t)m->exif);
	if (m->xmp != NULL && m->xmp_len > 0)
		set_text(png, info, PNG_ITXT_COMPRESSION_NONE, xmp_key, m->xmp,
			 m->xmp_len);
	for (i = 0; i < m->n_texts; i++) {
		k = strchr(kinds, m->texts[i].kind);
		if (k != NULL && *k != '\0' && m->texts[i].key[0] != '\0')
			set_text(png, info, compression[k - kinds],
				 m->texts[i].key, m->texts[i].text,
				 m->texts[i].len);
	}
}

static int
encode_body(struct png_state *st)
{
	static const int types[] = { PNG_COLOR_TYPE_GRAY,
				     PNG_COLOR_TYPE_GRAY_ALPHA,
				     PNG_COLOR_TYPE_RGB,
				     PNG_COLOR_TYPE_RGB_ALPHA };
	const struct image *im = st->im;
	int level = UTIL_MAX(0, UTIL_MIN(9, st->eopts->png_level));
	int y, rc;

	png_set_write_fn(st->png, st, write_fn, flush_fn);
	/*
	 * An ICC profile that PNG cannot carry (a CMYK one, say) is dropped
	 * with a warning instead of failing the whole image.
	 */
	png_set_benign_errors(st->png, 1);
	png_set_IHDR(st->png, st->info, (png_uint_32)im->w, (png_uint_32)im->h,
		     8, types[im->channels - 1], PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_compression_level(st->png, level);
	/*
	 * Up to the default level 6, deflate looks only for runs (Z_RLE) after
	 * libpng's adaptive filters, as fast PNG encoders do: on photographs
	 * that is about four times faster than full matching, for files a few
	 * per cent larger.  Levels 7 to 9 search fully for the smallest file.
	 */
	png_set_compression_strategy(st->png, level <= 6 ? Z_RLE : Z_FILTERED);
	if (st->meta != NULL && st->meta->icc != NULL && st->meta->icc_len > 0)
		png_set_iCCP(st->png, st->info, "ICC profile",
			     PNG_COMPRESSION_TYPE_BASE, st->meta->icc,
			     (png_uint_32)st->meta->icc_len);
	if (st->meta != NULL)
		set_meta(st->png, st->info, st->meta);
	png_write_info(st->png, st->info);
	for (y = 0; y < im->h; y++) {
		png_write_row(st->png, image_row(im, y));
		rc = hook_rows(st->hook, 1);
		if (rc != 0)
			return rc;
	}
	png_write_end(st->png, NULL);
	return 0;
}

static int
png_encode(const struct image *im, const struct image_meta *meta,
	   const struct encode_opts *opts, struct membuf *out,
	   struct hook *hook, struct imgpipe_error *err)
{
	static const struct encode_opts dflt = ENCODE_OPTS_DEFAULT;
	struct png_state st;
	size_t start = out->len;
	int rc = 0;

	if (im->fmt != PIXFMT_U8 || im->channels < 1 || im->channels > 4)
		return error_set(err, IMGPIPE_EFORMAT,
				 "PNG cannot store %d channels", im->channels);
	if (meta != NULL && meta->icc_len > PNG_UINT_31_MAX)
		return error_set(err, IMGPIPE_EFORMAT,
				 "ICC profile too large for PNG");
	memset(&st, 0, sizeof(st));
	st.err = err;
	st.what = "cannot encode PNG";
	st.im = im;
	st.meta = meta;
	st.eopts = opts != NULL ? opts : &dflt;
	st.dst = out;
	st.hook = hook;
	st.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &st, error_fn,
					 warning_fn);
	if (st.png != NULL)
		st.info = png_create_info_struct(st.png);
	if (st.png == NULL || st.info == NULL)
		rc = error_set(err, IMGPIPE_ENOMEM,
			       "out of memory in the PNG codec");
	if (rc == 0)
		rc = guarded(&st, encode_body);
	png_destroy_write_struct(&st.png, &st.info);
	if (rc != 0)
		out->len = start;
	return rc;
}

const struct codec codec_png = {
	.id = CODEC_PNG,
	.name = "png",
	.ext = "png",
	.built = 1,
	.sniff = png_sniff,
	.probe = png_probe,
	.decode = png_decode,
	.encode = png_encode,
};
