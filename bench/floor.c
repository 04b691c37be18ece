/*
 * The decode+encode floor of a thumbnail job: libjpeg-turbo alone, with
 * the DCT scale imgpipe's shrink-on-load would pick, then a plain decimation
 * and a q85 encode to memory.  Prints "FILE MS" per JPEG ("FILE -" others).
 *
 *   floor [-b BOX] [-n] FILE...   BOX: the fit box side (800); -n: full decode
 */
#include <stdio.h>
#include <stdlib.h>

#include <jpeglib.h>
#include <string.h>
#include <time.h>

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
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    reserve(b, (size_t)n + 1) || fread(b->p, 1, (size_t)n, f) != (size_t)n) {
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
	d->scale_denom = shrink ? (unsigned)pick_denom((int)d->image_width,
		(int)d->image_height, *ow, *oh) : 1;
	d->out_color_space = d->jpeg_color_space == JCS_GRAYSCALE ?
		JCS_GRAYSCALE : JCS_RGB;
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
		const unsigned char *src = px->p + sy * d->output_width * (size_t)ch;
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

int
main(int argc, char **argv)
{
	struct buf file = { NULL, 0 }, px = { NULL, 0 }, row = { NULL, 0 };
	struct jpeg_decompress_struct d;
	struct jpeg_error_mgr err;
	int box = 800, shrink = 1, i = 1, ow, oh;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-b") && i + 1 < argc)
			box = (int)strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-n"))
			shrink = 0;
	}
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
		if (decode(&d, &px, box, shrink, &ow, &oh))
			return 1;
		encode(&d, &px, &row, ow, oh);
		printf("%s %.3f\n", argv[i], now_ms() - t0);
	}
	jpeg_destroy_decompress(&d);
	free(file.p);
	free(px.p);
	free(row.p);
	return 0;
}
