/*
 * The decode+encode floor of a thumbnail job: libjpeg-turbo alone, with
 * the DCT scale imgpipe's shrink-on-load would pick, then a plain decimation
 * and a q85 encode to memory.  Prints "FILE MS" per JPEG ("FILE -" others).
 *
 *   floor [-b BOX] [-n] [-r] FILE...
 *
 * BOX: the fit box side (800); -n: full decode; -r: the raw-planes floor,
 * where the Y, Cb and Cr planes are decoded at their own sampling
 * (raw_data_out), each decimated to its output plane size and encoded with
 * jpeg_write_raw_data at the encoder's default 4:2:0, so no colour
 * conversion and no chroma resampling pass runs (libjpeg may still decode a
 * subsampled chroma plane at a larger DCT scale than luma; "FILE -" for a
 * JPEG that is neither YCbCr nor grey).  Both use imgpipe's DCT, JDCT_ISLOW
 * (libjpeg's default).  bench/planar.c includes
 * this file (FLOOR_NO_MAIN) for the same raw decode and encode.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jpeglib.h>
#include <string.h>
#include <time.h>

/* The most rows of one component that one raw call moves (v_samp 4 x 8). */
#define RAW_ROWS 32

struct buf {
	unsigned char *p;
	size_t cap;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Grow B to N bytes: one buffer for the whole run, as a batch would. */
static int
reserve(struct buf *b, size_t n)
{
	unsigned char *p;

	if (n <= b->cap)
		return 0;
	p = realloc(b->p, n);
	if (!p)
		return -1;
	b->p = p;
	b->cap = n;
	return 0;
}

static int
read_file(const char *path, struct buf *b, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) || reserve(b, (size_t)n + 1) ||
	    fread(b->p, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

/* The fit of W x H into BOX x BOX, never larger than the image. */
static void
fit(int w, int h, int box, int *ow, int *oh)
{
	double s = (double)box / (w > h ? w : h);

	if (s > 1)
		s = 1;
	*ow = (int)(w * s + 0.5) > 0 ? (int)(w * s + 0.5) : 1;
	*oh = (int)(h * s + 0.5) > 0 ? (int)(h * s + 0.5) : 1;
}

/* Shrink-on-load: the largest 1/d whose decode stays >= 2x the output. */
static int
pick_denom(int w, int h, int ow, int oh)
{
	int d;

	for (d = 8; d > 1; d /= 2)
		if ((w + d - 1) / d >= 2 * ow && (h + d - 1) / d >= 2 * oh)
			return d;
	return 1;
}

static int
decode(struct jpeg_decompress_struct *d, struct buf *px, int box, int shrink,
       int *ow, int *oh)
{
	size_t stride;

	jpeg_read_header(d, TRUE);
	fit((int)d->image_width, (int)d->image_height, box, ow, oh);
	d->scale_num = 1;
	d->scale_denom =
		shrink ? (unsigned)pick_denom((int)d->image_width,
					      (int)d->image_height, *ow, *oh)
		       : 1;
	d->out_color_space =
		d->jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_start_decompress(d);
	stride = (size_t)d->output_width * (size_t)d->output_components;
	if (reserve(px, stride * d->output_height))
		return -1;
	while (d->output_scanline < d->output_height) {
		JSAMPROW row = px->p + stride * d->output_scanline;

		jpeg_read_scanlines(d, &row, 1);
	}
	jpeg_finish_decompress(d);
	return 0;
}

/* Decimate the decoded image to OW x OH row by row and encode it at q85. */
static void
encode(struct jpeg_decompress_struct *d, struct buf *px, struct buf *row,
       int ow, int oh)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;
	unsigned char *mem = NULL;
	unsigned long len = 0;
	int ch = d->output_components, x, y, k;

	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &len);
	c.image_width = (JDIMENSION)ow;
	c.image_height = (JDIMENSION)oh;
	c.input_components = ch;
	c.in_color_space = ch == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 85, TRUE);
	jpeg_start_compress(&c, TRUE);
	reserve(row, (size_t)ow * (size_t)ch);
	for (y = 0; y < oh; y++) {
		size_t sy = (size_t)y * d->output_height / (size_t)oh;
		const unsigned char *src =
			px->p + sy * d->output_width * (size_t)ch;
		JSAMPROW r = row->p;

		for (x = 0; x < ow; x++) {
			size_t sx = (size_t)x * d->output_width / (size_t)ow;

			for (k = 0; k < ch; k++)
				row->p[(size_t)x * ch + k] = src[sx * ch + k];
		}
		jpeg_write_scanlines(&c, &r, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	free(mem);
}

/* Up to three planes of one component each, rows padded to whole MCUs. */
struct planes {
	int n;
	int w[3], h[3];
	size_t stride[3], rows[3]; /* rows: the padded height */
	struct buf p[3];
};

/*
 * Decode the raw planes, at the same DCT scale as decode(), into pl: each
 * plane comes at the size libjpeg gives it (its own sampling; libjpeg
 * scales a subsampled chroma plane less than luma when it can).  Returns
 * 0, 1 when the JPEG is neither YCbCr nor grey, -1 out of memory.
 */
static int
raw_decode(struct jpeg_decompress_struct *d, struct planes *pl, int box,
	   int shrink, int *ow, int *oh)
{
	JSAMPROW rows[3][RAW_ROWS];
	JSAMPARRAY arr[3];
	JDIMENSION lines, y;
	int c, k, per[3];

	jpeg_read_header(d, TRUE);
	fit((int)d->image_width, (int)d->image_height, box, ow, oh);
	if (!(d->num_components == 3 && d->jpeg_color_space == JCS_YCbCr) &&
	    !(d->num_components == 1 && d->jpeg_color_space == JCS_GRAYSCALE)) {
		jpeg_abort_decompress(d);
		return 1;
	}
	d->scale_num = 1;
	d->scale_denom =
		shrink ? (unsigned)pick_denom((int)d->image_width,
					      (int)d->image_height, *ow, *oh)
		       : 1;
	d->raw_data_out = TRUE;
	jpeg_start_decompress(d);
	lines = (JDIMENSION)(d->max_v_samp_factor * d->min_DCT_scaled_size);
	pl->n = d->num_components;
	for (c = 0; c < pl->n; c++) {
		jpeg_component_info *ci = &d->comp_info[c];
		size_t imcu = (d->output_height + lines - 1) / lines;

		per[c] = ci->v_samp_factor * ci->DCT_scaled_size;
		pl->w[c] = (int)ci->downsampled_width;
		pl->h[c] = (int)ci->downsampled_height;
		pl->stride[c] = (size_t)(ci->width_in_blocks +
					 (JDIMENSION)ci->h_samp_factor) *
				(size_t)ci->DCT_scaled_size;
		if (per[c] > RAW_ROWS ||
		    reserve(&pl->p[c], pl->stride[c] * (size_t)per[c] * imcu))
			return -1;
		arr[c] = rows[c];
	}
	for (y = 0; d->output_scanline < d->output_height; y++) {
		for (c = 0; c < pl->n; c++)
			for (k = 0; k < per[c]; k++)
				rows[c][k] =
					pl->p[c].p +
					pl->stride[c] *
						((size_t)y * (size_t)per[c] +
						 (size_t)k);
		if (jpeg_read_raw_data(d, arr, lines) == 0)
			break;
	}
	jpeg_finish_decompress(d);
	return 0;
}

/* Component c's plane size in an OW x OH JPEG of c's sampling. */
static void
plane_size(const struct jpeg_compress_struct *c, int ci, int ow, int oh, int *w,
	   int *h)
{
	const jpeg_component_info *p = &c->comp_info[ci];

	*w = (ow * p->h_samp_factor + c->max_h_samp_factor - 1) /
	     c->max_h_samp_factor;
	*h = (oh * p->v_samp_factor + c->max_v_samp_factor - 1) /
	     c->max_v_samp_factor;
}

/*
 * Set up c for a q85 raw-planes encode of an OW x OH image of N planes
 * (the encoder's default sampling: 4:2:0 for three) and shape out to hold
 * them, padded to whole MCUs.  Returns 0 or -1 out of memory.
 */
static int
raw_encode_start(struct jpeg_compress_struct *c, struct planes *out, int n,
		 int ow, int oh, unsigned char **mem, unsigned long *len)
{
	int ci, mw, mh;

	jpeg_mem_dest(c, mem, len);
	c->image_width = (JDIMENSION)ow;
	c->image_height = (JDIMENSION)oh;
	c->input_components = n;
	c->in_color_space = n == 1 ? JCS_GRAYSCALE : JCS_YCbCr;
	jpeg_set_defaults(c);
	jpeg_set_quality(c, 85, TRUE);
	c->dct_method = JDCT_ISLOW;
	c->raw_data_in = TRUE;
	c->max_h_samp_factor = c->max_v_samp_factor = 1;
	for (ci = 0; ci < n; ci++) {
		if (c->comp_info[ci].h_samp_factor > c->max_h_samp_factor)
			c->max_h_samp_factor = c->comp_info[ci].h_samp_factor;
		if (c->comp_info[ci].v_samp_factor > c->max_v_samp_factor)
			c->max_v_samp_factor = c->comp_info[ci].v_samp_factor;
	}
	mw = (ow + c->max_h_samp_factor * DCTSIZE - 1) /
	     (c->max_h_samp_factor * DCTSIZE);
	mh = (oh + c->max_v_samp_factor * DCTSIZE - 1) /
	     (c->max_v_samp_factor * DCTSIZE);
	out->n = n;
	for (ci = 0; ci < n; ci++) {
		const jpeg_component_info *p = &c->comp_info[ci];
		size_t rows = (size_t)mh * (size_t)p->v_samp_factor * DCTSIZE;

		plane_size(c, ci, ow, oh, &out->w[ci], &out->h[ci]);
		out->rows[ci] = rows;
		out->stride[ci] =
			(size_t)mw * (size_t)p->h_samp_factor * DCTSIZE;
		if (reserve(&out->p[ci], out->stride[ci] * rows))
			return -1;
	}
	return 0;
}

/* Replicate the last column and row of each plane over its MCU padding. */
static void
pad_planes(struct planes *pl)
{
	int c, y;

	for (c = 0; c < pl->n; c++) {
		size_t s = pl->stride[c], w = (size_t)pl->w[c];
		size_t rows = pl->rows[c];

		for (y = 0; y < pl->h[c]; y++) {
			unsigned char *r = pl->p[c].p + s * (size_t)y;

			memset(r + w, r[w - 1], s - w);
		}
		for (y = pl->h[c]; (size_t)y < rows; y++)
			memcpy(pl->p[c].p + s * (size_t)y,
			       pl->p[c].p + s * (size_t)(pl->h[c] - 1), s);
	}
}

/* Encode the padded planes of raw_encode_start and finish c. */
static void
raw_encode_rows(struct jpeg_compress_struct *c, const struct planes *pl)
{
	JSAMPROW rows[3][RAW_ROWS];
	JSAMPARRAY arr[3];
	JDIMENSION lines = (JDIMENSION)(c->max_v_samp_factor * DCTSIZE), y;
	int ci, k;

	jpeg_start_compress(c, TRUE);
	for (ci = 0; ci < pl->n; ci++)
		arr[ci] = rows[ci];
	for (y = 0; c->next_scanline < c->image_height; y++) {
		for (ci = 0; ci < pl->n; ci++) {
			int per = c->comp_info[ci].v_samp_factor * DCTSIZE;

			for (k = 0; k < per; k++)
				rows[ci][k] = pl->p[ci].p +
					      pl->stride[ci] *
						      ((size_t)y * (size_t)per +
						       (size_t)k);
		}
		jpeg_write_raw_data(c, arr, lines);
	}
	jpeg_finish_compress(c);
}

#ifndef FLOOR_NO_MAIN
/* Decimate each raw plane to its output plane size and encode at q85. */
static int
raw_encode(const struct planes *in, struct planes *out, int ow, int oh)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;
	unsigned char *mem = NULL;
	unsigned long len = 0;
	int ci, x, y, rc;

	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	rc = raw_encode_start(&c, out, in->n, ow, oh, &mem, &len);
	for (ci = 0; rc == 0 && ci < in->n; ci++)
		for (y = 0; y < out->h[ci]; y++) {
			size_t sy = (size_t)y * (size_t)in->h[ci] /
				    (size_t)out->h[ci];
			const unsigned char *src =
				in->p[ci].p + sy * in->stride[ci];
			unsigned char *r =
				out->p[ci].p + (size_t)y * out->stride[ci];

			for (x = 0; x < out->w[ci]; x++)
				r[x] = src[(size_t)x * (size_t)in->w[ci] /
					   (size_t)out->w[ci]];
		}
	if (rc == 0) {
		pad_planes(out);
		raw_encode_rows(&c, out);
	}
	jpeg_destroy_compress(&c);
	free(mem);
	return rc;
}

int
main(int argc, char **argv)
{
	struct buf file = { NULL, 0 }, px = { NULL, 0 }, row = { NULL, 0 };
	struct planes in, out;
	struct jpeg_decompress_struct d;
	struct jpeg_error_mgr err;
	int box = 800, shrink = 1, raw = 0, i = 1, ow, oh, c, rc;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-b") && i + 1 < argc)
			box = (int)strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-n"))
			shrink = 0;
		else if (!strcmp(argv[i], "-r"))
			raw = 1;
	}
	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	d.err = jpeg_std_error(&err);
	jpeg_create_decompress(&d);
	for (; i < argc; i++) {
		size_t len;
		double t0 = now_ms();

		if (read_file(argv[i], &file, &len) || len < 3 ||
		    file.p[0] != 0xff || file.p[1] != 0xd8) {
			printf("%s -\n", argv[i]);
			continue;
		}
		jpeg_mem_src(&d, file.p, (unsigned long)len);
		if (raw) {
			rc = raw_decode(&d, &in, box, shrink, &ow, &oh);
			if (rc == 1) {
				printf("%s -\n", argv[i]);
				continue;
			}
			if (rc || raw_encode(&in, &out, ow, oh))
				return 1;
		} else {
			if (decode(&d, &px, box, shrink, &ow, &oh))
				return 1;
			encode(&d, &px, &row, ow, oh);
		}
		printf("%s %.3f\n", argv[i], now_ms() - t0);
	}
	jpeg_destroy_decompress(&d);
	for (c = 0; c < 3; c++) {
		free(in.p[c].p);
		free(out.p[c].p);
	}
	free(file.p);
	free(px.p);
	free(row.p);
	return 0;
}
#endif
