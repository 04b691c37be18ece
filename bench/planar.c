/*
 * Prototype of a planar YCbCr thumbnail, to measure what it would gain
 * over imgpipe's RGB path on the same file (issue 16 part 3).  For each
 * JPEG it runs, interleaved run by run, in one thread:
 *
 *   rgb:    RGB decode at the shrink-on-load scale, imgpipe's ops on the
 *           RGB image, RGB q85 encode (the path imgpipe takes today);
 *   planar: raw Y/Cb/Cr decode at the same scale, imgpipe's resize on Y to
 *           the output size and on Cb, Cr to the output's 4:2:0 chroma size
 *           (same filter), the ops after the resize on Y only, raw q85
 *           encode of the planes.
 *
 * It prints one line a file with the median thread CPU ms of each stage
 * (dec, ops, enc) of both paths, and with -o DIR writes the planar result
 * as DIR/FILE (for bench/psnr against imgpipe's output).  Build (after
 * `make build/libimgpipe.a`) and run with:
 *
 *   cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror \
 *       -Iinclude -o build/bench/planar bench/planar.c build/libimgpipe.a \
 *       -fopenmp -pthread $(pkg-config --libs libpng libjpeg libexif libuv) -lm
 *   build/bench/planar [-p SPEC] [-n RUNS] [-o DIR] [-a] FILE...
 *
 * SPEC: resize=WxH[:filter] then any ops (default the thumbnail job's
 * "resize=800x800,sharpen=0.6"); RUNS: runs a path (default 7); -a: the
 * ops after the resize on the chroma planes too (to tell the luma-only
 * sharpen's share of the PSNR from the chroma resampling's).  The raw
 * decode and encode are bench/floor.c's, included here.
 */
#define FLOOR_NO_MAIN
#include "floor.c"

#include "error.h"
#include "image.h"
#include "ops.h"
#include "spec.h"

#define MAX_RUNS 31
#define MAX_OPS	 8

enum {
	DEC,
	OPS,
	ENC,
	STAGES
};

struct run_ctx {
	struct spec spec;
	struct op_resolved r[MAX_OPS];
	struct op cops[MAX_OPS]; /* the spec for a chroma plane */
	struct op_resolved rc[MAX_OPS];
	int all; /* -a: the ops after the resize on chroma too */
	struct op_scratch scratch;
	int box; /* the fit box decode() and raw_decode() shrink for */
	struct image a, b;
	struct buf px;
	struct planes in, out;
	struct buf jpg; /* the last encoded file */
	size_t jpg_len;
};

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* An image header over bytes owned elsewhere (never released). */
static struct image
view(unsigned char *p, int w, int h, int ch, size_t stride)
{
	struct image im;

	image_init(&im);
	im.w = w;
	im.h = h;
	im.channels = ch;
	im.stride = stride;
	im.data = p;
	im.cap = stride * (size_t)h;
	return im;
}

static void
keep_output(struct run_ctx *x, unsigned char *mem, unsigned long len)
{
	if (reserve(&x->jpg, len) == 0) {
		memcpy(x->jpg.p, mem, len);
		x->jpg_len = len;
	}
	free(mem);
}

/* Apply ops [0, n) of r: *src -> ... -> result in x->a or x->b. */
static int
apply_ops(struct run_ctx *x, const struct op_resolved *r, size_t n,
	  const struct image *src, const struct image **res)
{
	const struct image *cur = src;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		struct image *dst = cur == &x->a ? &x->b : &x->a;

		rc = op_apply(&r[i], cur, dst, &x->scratch, NULL, NULL, 0,
			      NULL);
		if (rc != 0)
			return rc;
		cur = dst;
	}
	*res = cur;
	return 0;
}

static int
rgb_path(struct run_ctx *x, const struct buf *file, size_t len, double t[])
{
	struct jpeg_decompress_struct d;
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr de, ce;
	const struct image *res;
	struct image src;
	unsigned char *mem = NULL;
	unsigned long mlen = 0;
	int ow, oh, y, rc;
	double t0 = cpu_ms();

	d.err = jpeg_std_error(&de);
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, file->p, (unsigned long)len);
	if (decode(&d, &x->px, x->box, 1, &ow, &oh))
		return -1;
	src = view(x->px.p, (int)d.output_width, (int)d.output_height,
		   d.output_components,
		   (size_t)d.output_width * (size_t)d.output_components);
	jpeg_destroy_decompress(&d);
	t[DEC] = cpu_ms() - t0;
	t0 = cpu_ms();
	rc = apply_ops(x, x->r, x->spec.n, &src, &res);
	if (rc != 0)
		return rc;
	t[OPS] = cpu_ms() - t0;
	t0 = cpu_ms();
	c.err = jpeg_std_error(&ce);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &mlen);
	c.image_width = (JDIMENSION)res->w;
	c.image_height = (JDIMENSION)res->h;
	c.input_components = res->channels;
	c.in_color_space = res->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 85, TRUE);
	c.dct_method = JDCT_ISLOW;
	jpeg_start_compress(&c, TRUE);
	for (y = 0; y < res->h; y++) {
		JSAMPROW row = image_row(res, y);

		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	keep_output(x, mem, mlen);
	t[ENC] = cpu_ms() - t0;
	return 0;
}

/*
 * Resize plane ci of x->in to x->out's plane ci (an exact resize to the
 * chroma size, same filter), and with -a the ops after it too.
 */
static int
chroma_plane(struct run_ctx *x, int ci)
{
	struct spec cs = { x->cops, x->all ? x->spec.n : 1 };
	struct image src = view(x->in.p[ci].p, x->in.w[ci], x->in.h[ci], 1,
				x->in.stride[ci]);
	const struct image *res;
	int rc, y;

	x->cops[0].u.resize.w = x->out.w[ci];
	x->cops[0].u.resize.h = x->out.h[ci];
	rc = ops_resolve(&cs, src.w, src.h, 0, x->rc, NULL);
	if (rc == 0)
		rc = apply_ops(x, x->rc, cs.n, &src, &res);
	for (y = 0; rc == 0 && y < x->out.h[ci]; y++)
		memcpy(x->out.p[ci].p + x->out.stride[ci] * (size_t)y,
		       image_row(res, y), (size_t)x->out.w[ci]);
	return rc;
}

static int
planar_path(struct run_ctx *x, const struct buf *file, size_t len, double t[])
{
	struct jpeg_decompress_struct d;
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr de, ce;
	const struct image *res;
	struct image y0;
	unsigned char *mem = NULL;
	unsigned long mlen = 0;
	int ow, oh, y, ci, rc;
	double t0 = cpu_ms(), te;

	d.err = jpeg_std_error(&de);
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, file->p, (unsigned long)len);
	rc = raw_decode(&d, &x->in, x->box, 1, &ow, &oh);
	jpeg_destroy_decompress(&d);
	if (rc != 0)
		return rc;
	t[DEC] = cpu_ms() - t0;
	t0 = cpu_ms();
	c.err = jpeg_std_error(&ce);
	jpeg_create_compress(&c);
	rc = raw_encode_start(&c, &x->out, x->in.n, x->r[x->spec.n - 1].out_w,
			      x->r[x->spec.n - 1].out_h, &mem, &mlen);
	te = cpu_ms() - t0;
	t0 = cpu_ms();
	/* Y: the whole spec, resize from the shrunk plane included. */
	y0 = view(x->in.p[0].p, x->in.w[0], x->in.h[0], 1, x->in.stride[0]);
	if (rc == 0)
		rc = apply_ops(x, x->r, x->spec.n, &y0, &res);
	for (y = 0; rc == 0 && y < res->h; y++)
		memcpy(x->out.p[0].p + x->out.stride[0] * (size_t)y,
		       image_row(res, y), (size_t)res->w);
	for (ci = 1; rc == 0 && ci < x->in.n; ci++)
		rc = chroma_plane(x, ci);
	if (rc != 0)
		return rc;
	pad_planes(&x->out);
	t[OPS] = cpu_ms() - t0;
	t0 = cpu_ms();
	raw_encode_rows(&c, &x->out);
	jpeg_destroy_compress(&c);
	keep_output(x, mem, mlen);
	t[ENC] = cpu_ms() - t0 + te;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double p = *(const double *)a, q = *(const double *)b;

	return p < q ? -1 : p > q;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int
write_out(const char *dir, const char *path, const struct buf *b, size_t n)
{
	const char *base = strrchr(path, '/');
	char name[4096];
	FILE *f;
	int ok;

	snprintf(name, sizeof(name), "%s/%s", dir, base ? base + 1 : path);
	f = fopen(name, "wb");
	if (!f)
		return -1;
	ok = fwrite(b->p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Image size of a JPEG in memory, from its header. */
static void
jpeg_size(const struct buf *file, size_t len, int *w, int *h)
{
	struct jpeg_decompress_struct d;
	struct jpeg_error_mgr err;

	d.err = jpeg_std_error(&err);
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, file->p, (unsigned long)len);
	jpeg_read_header(&d, TRUE);
	*w = (int)d.image_width;
	*h = (int)d.image_height;
	jpeg_destroy_decompress(&d);
}

int
main(int argc, char **argv)
{
	struct run_ctx x;
	struct buf file = { NULL, 0 };
	struct imgpipe_error err;
	const char *text = "resize=800x800,sharpen=0.6", *dir = NULL;
	double rgb[STAGES][MAX_RUNS], pl[STAGES][MAX_RUNS], t[STAGES];
	double sum_rgb = 0, sum_pl = 0;
	int runs = 7, all = 0, i = 1, k, s, w, h;

	(void)encode; /* floor.c's decimating encode and clock: unused */
	(void)now_ms;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-p") && i + 1 < argc)
			text = argv[++i];
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			runs = (int)strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "-a"))
			all = 1;
	}
	if (runs < 1 || runs > MAX_RUNS)
		runs = 7;
	memset(&x, 0, sizeof(x));
	if (spec_parse(text, &x.spec, &err) != 0 || x.spec.n < 1 ||
	    x.spec.n > MAX_OPS || x.spec.ops[0].kind != OP_RESIZE) {
		fprintf(stderr, "planar: the spec must start with a resize\n");
		return 2;
	}
	memcpy(x.cops, x.spec.ops, x.spec.n * sizeof(x.cops[0]));
	x.cops[0].u.resize.mode = RESIZE_EXACT;
	x.cops[0].u.resize.percent = 0;
	x.all = all;
	op_scratch_init(&x.scratch);
	image_init(&x.a);
	image_init(&x.b);
	printf("file rgb_dec rgb_ops rgb_enc rgb planar_dec planar_ops "
	       "planar_enc planar gain (thread CPU ms, median of %d)\n",
	       runs);
	for (; i < argc; i++) {
		size_t len;
		double mr = 0, mp = 0, med_r[STAGES], med_p[STAGES];

		if (read_file(argv[i], &file, &len) || len < 3 ||
		    file.p[0] != 0xff || file.p[1] != 0xd8) {
			printf("%s -\n", argv[i]);
			continue;
		}
		jpeg_size(&file, len, &w, &h);
		/*
		 * The ops are resolved for the full size, as imgpipe does;
		 * the resize maps the shrunk decode onto it.  No EXIF
		 * orientation: the corpus is upright.
		 */
		if (ops_resolve(&x.spec, w, h, 0, x.r, NULL) != 0)
			return 1;
		x.box = x.r[0].scaled_w > x.r[0].scaled_h ? x.r[0].scaled_w
							  : x.r[0].scaled_h;
		/* One untimed run of each first: buffers faulted in. */
		if (rgb_path(&x, &file, len, t) ||
		    planar_path(&x, &file, len, t))
			return 1;
		for (k = 0; k < runs; k++) {
			if (rgb_path(&x, &file, len, t))
				return 1;
			for (s = 0; s < STAGES; s++)
				rgb[s][k] = t[s];
			if (planar_path(&x, &file, len, t))
				return 1;
			for (s = 0; s < STAGES; s++)
				pl[s][k] = t[s];
		}
		if (dir && write_out(dir, argv[i], &x.jpg, x.jpg_len))
			return 1;
		printf("%s", argv[i]);
		for (s = 0; s < STAGES; s++) {
			med_r[s] = median(rgb[s], runs);
			mr += med_r[s];
			printf(" %.3f", med_r[s]);
		}
		printf(" %.3f", mr);
		for (s = 0; s < STAGES; s++) {
			med_p[s] = median(pl[s], runs);
			mp += med_p[s];
			printf(" %.3f", med_p[s]);
		}
		printf(" %.3f %.4f\n", mp, 1 - mp / mr);
		sum_rgb += mr;
		sum_pl += mp;
	}
	printf("total rgb=%.3f planar=%.3f gain=%.4f\n", sum_rgb, sum_pl,
	       sum_rgb > 0 ? 1 - sum_pl / sum_rgb : 0);
	spec_release(&x.spec);
	op_scratch_release(&x.scratch);
	image_release(&x.a);
	image_release(&x.b);
	free(file.p);
	free(x.px.p);
	free(x.jpg.p);
	for (k = 0; k < 3; k++) {
		free(x.in.p[k].p);
		free(x.out.p[k].p);
	}
	return 0;
}
