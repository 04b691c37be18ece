/*
 * Resampling kernels and their support radii (stb_image_resize2 style: one
 * enum-indexed table), plus the Gaussian used by blur and sharpen.  Pure
 * functions, no state.
 */
#ifndef IMGPIPE_FILTER_H
#define IMGPIPE_FILTER_H

#include "spec.h"

/* A kernel k(x), x in source pixels at scale 1; zero outside the support. */
typedef float filter_kernel_fn(float x);

struct filter_desc {
	filter_kernel_fn *kernel;
	float support; /* k(x) = 0 for |x| >= support */
};

/* The table entry for f (f < FILTER_COUNT). */
const struct filter_desc *filter_get(enum filter_kind f);

/* Radius of the Gaussian blur kernel for sigma: ceil(3 * sigma), >= 1. */
int filter_gaussian_radius(double sigma);

/*
 * Fill w[0 .. 2r] (r = filter_gaussian_radius(sigma)) with the Gaussian
 * exp(-k^2 / (2 sigma^2)), k = -r .. r, normalised to sum 1.
 */
void filter_gaussian(double sigma, float *w);

#endif
