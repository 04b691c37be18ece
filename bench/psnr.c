/*
 * PSNR of two JPEGs (RGB, 8 bits), over their common top-left area when
 * their sizes differ by a pixel or so: prints "W1xH1 W2xH2 PSNR_DB" ("inf"
 * when identical).  Used to check that a peer made the same picture.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <jpeglib.h>

struct img {
	int w, h;
	unsigned char *p;
};

/* Decode PATH to packed RGB; 0 on success. */
static int
load(const char *path, struct img *im)
{
	struct jpeg_decompress_struct d;
	struct jpeg_error_mgr err;
	FILE *f = fopen(path, "rb");
	size_t stride;

	if (!f)
		return -1;
	d.err = jpeg_std_error(&err);
	jpeg_create_decompress(&d);
	jpeg_stdio_src(&d, f);
	jpeg_read_header(&d, TRUE);
	d.out_color_space = JCS_RGB;
	jpeg_start_decompress(&d);
	im->w = (int)d.output_width;
	im->h = (int)d.output_height;
	stride = (size_t)im->w * 3;
	im->p = malloc(stride * (size_t)im->h);
	if (!im->p)
		return -1;
	while (d.output_scanline < d.output_height) {
		JSAMPROW row = im->p + stride * d.output_scanline;

		jpeg_read_scanlines(&d, &row, 1);
	}
	jpeg_finish_decompress(&d);
	jpeg_destroy_decompress(&d);
	fclose(f);
	return 0;
}

int
main(int argc, char **argv)
{
	struct img a, b;
	double se = 0;
	int w, h, x, y;

	if (argc != 3 || load(argv[1], &a) || load(argv[2], &b)) {
		fprintf(stderr, "usage: psnr A.jpg B.jpg\n");
		return 2;
	}
	w = a.w < b.w ? a.w : b.w;
	h = a.h < b.h ? a.h : b.h;
	for (y = 0; y < h; y++)
		for (x = 0; x < w * 3; x++) {
			double e = (double)a.p[(size_t)y * a.w * 3 + x] -
				   b.p[(size_t)y * b.w * 3 + x];

			se += e * e;
		}
	se /= (double)w * h * 3;
	printf("%dx%d %dx%d ", a.w, a.h, b.w, b.h);
	if (se == 0)
		printf("inf\n");
	else
		printf("%.2f\n", 10 * log10(255.0 * 255.0 / se));
	free(a.p);
	free(b.p);
	return 0;
}
