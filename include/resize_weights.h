/*
 * Resampling weight tables: for each output pixel of one axis, the run of
 * source pixels it reads and their weights, in float and as Q14 integers
 * that sum exactly to 1 << 14.  Built once per image and axis, read-only
 * while the row cores (resize_cores.h) run.
 */
#ifndef IMGPIPE_RESIZE_WEIGHTS_H
#define IMGPIPE_RESIZE_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "spec.h"

/* Fraction bits of the fixed-point weights. */
#define RESIZE_QW 14

struct resize_weights {
	int n;	    /* output pixels */
	int taps;   /* weights stored per output pixel: the widest count */
	int *first; /* first source index read by each output pixel */
	int *count; /* source pixels it reads, 1 .. taps */
	float *w;   /* n * taps weights; each pixel's count sum to 1 */
	int qtaps;  /* taps rounded up to a multiple of 8 */
	/* n * qtaps Q14 weights, zero padded; each row sums to 1 << 14. */
	int16_t *q;
	/* n * qtaps * 4: (w[2j], w[2j+1]) repeated 4 times, for pmaddwd. */
	int16_t *qv;
};

void resize_weights_init(struct resize_weights *rw);
void resize_weights_release(struct resize_weights *rw);

/*
 * Weights mapping in_n source pixels onto scaled_n, for the out_n output
 * pixels from win on.  Pixel centres sit at i + 0.5; when shrinking the
 * support widens by in_n / scaled_n.  Taps outside the image are dropped
 * and the rest renormalised.  Returns 0 or IMGPIPE_ENOMEM.
 */
int resize_weights_filter(struct resize_weights *rw, enum filter_kind f,
			  int in_n, int scaled_n, int win, int out_n);

/*
 * Weights of a convolution with kern[0 .. 2 radius] centred on each of n
 * pixels, edge pixels repeated.  Returns 0 or IMGPIPE_ENOMEM.
 */
int resize_weights_kernel(struct resize_weights *rw, const float *kern,
			  int radius, int n);

/* Output pixel i's rows of rw->qv and rw->q. */
static inline const int16_t *
resize_qv(const struct resize_weights *rw, int i)
{
	return rw->qv + (size_t)i * (size_t)rw->qtaps * 4;
}

static inline const int16_t *
resize_q(const struct resize_weights *rw, int i)
{
	return rw->q + (size_t)i * (size_t)rw->qtaps;
}

#endif
