/*
 * The resampling kernels, indexed by enum filter_kind.  Each is even, so
 * only |x| matters, and is zero outside its support.
 */
#include "filter.h"

#include <math.h>

#include "banned.h"

static float
k_box(float x)
{
	/* Half-open, so a sample exactly on the edge counts once, not twice. */
	return x >= -0.5f && x < 0.5f ? 1.0f : 0.0f;
}

static float
k_triangle(float x)
{
	x = fabsf(x);
	return x < 1.0f ? 1.0f - x : 0.0f;
}

/* Mitchell and Netravali's family of cubics with parameters b and c. */
static float
cubic_bc(float x, float b, float c)
{
	x = fabsf(x);
	if (x < 1.0f)
		return ((12 - 9 * b - 6 * c) * x * x * x +
			(-18 + 12 * b + 6 * c) * x * x + (6 - 2 * b)) /
		       6;
	if (x < 2.0f)
		return ((-b - 6 * c) * x * x * x + (6 * b + 30 * c) * x * x +
			(-12 * b - 48 * c) * x + (8 * b + 24 * c)) /
		       6;
	return 0.0f;
}

static float
k_catmull_rom(float x)
{
	return cubic_bc(x, 0.0f, 0.5f);
}

static float
k_mitchell(float x)
{
	return cubic_bc(x, 1.0f / 3, 1.0f / 3);
}

static float
sinc(float x)
{
	const float pi = 3.14159265358979f;

	if (x == 0.0f)
		return 1.0f;
	return sinf(pi * x) / (pi * x);
}

static float
k_lanczos3(float x)
{
	if (fabsf(x) >= 3.0f)
		return 0.0f;
	return sinc(x) * sinc(x / 3);
}

static const struct filter_desc filters[FILTER_COUNT] = {
	/* Nearest neighbour: the box, but resize.c picks one pixel instead. */
	[FILTER_NEAREST] = { k_box, 0.5f },
	/* Box: 1 on [-1/2, 1/2); integer shrinks give exact block means. */
	[FILTER_BOX] = { k_box, 0.5f },
	/* Triangle (tent), 1 - |x| on (-1, 1): bilinear interpolation. */
	[FILTER_BILINEAR] = { k_triangle, 1.0f },
	/* Catmull-Rom cubic: Mitchell-Netravali with B = 0, C = 1/2. */
	[FILTER_BICUBIC] = { k_catmull_rom, 2.0f },
	/* Mitchell-Netravali cubic with B = C = 1/3. */
	[FILTER_MITCHELL] = { k_mitchell, 2.0f },
	/* Lanczos, a = 3: sinc(x) * sinc(x / 3) on (-3, 3). */
	[FILTER_LANCZOS3] = { k_lanczos3, 3.0f },
};

const struct filter_desc *
filter_get(enum filter_kind f)
{
	return &filters[f];
}

int
filter_gaussian_radius(double sigma)
{
	int r = (int)ceil(3.0 * sigma);

	return r < 1 ? 1 : r;
}

void
filter_gaussian(double sigma, float *w)
{
	int r = filter_gaussian_radius(sigma), k;
	double sum = 0.0, v;

	for (k = -r; k <= r; k++) {
		v = exp(-(double)k * k / (2.0 * sigma * sigma));
		w[k + r] = (float)v;
		sum += v;
	}
	for (k = 0; k <= 2 * r; k++)
		w[k] = (float)(w[k] / sum);
}
