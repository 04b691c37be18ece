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

/*
 * The outputs of a horizontal pass over ch-channel rows in blocks of px
 * pixels, for a core that makes a block at once in 16 lanes of 32 bits
 * from one window of 64 int16 samples: lane j is channel j % ch of the
 * block's pixel j / ch (lanes from px * ch on are unused, weight 0).  Per
 * block: the first source pixel it reads (from), how many samples from
 * there (len), its tap pairs (pairs), each lane's two samples of its first
 * pair as int16 indices into the window (idx: low and high half), and per
 * pair each lane's two weights (w, low and high half).  Block b is output
 * pixels b px .. b px + px - 1.  n == 0: no table.  The windows of the
 * first plain blocks lie within the row and its padding, so need no mask.
 */
struct resize_lanes {
	int ch, px, n, most; /* most: pairs a block has room for */
	int plain;
	int *from, *len, *pairs;
	uint32_t *idx; /* n * 16 */
	uint32_t *w;   /* n * most * 16 */
};

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
	struct resize_lanes lanes; /* see resize_weights_lanes */
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

/*
 * Build rw->lanes for rows of ch channels, with the most pixels a block
 * (16 / ch down to 12 / ch, rounded up) whose every block's samples fit
 * one window; none if no size fits.  pad: the samples each row has past
 * the last one a weight reads.  The weights are unchanged.  Returns 0 or
 * IMGPIPE_ENOMEM.
 */
int resize_weights_lanes(struct resize_weights *rw, int ch, int pad);

/* The source pixels *lo .. *hi (exclusive) that outputs i0 .. i1 - 1 read. */
void resize_weights_range(const struct resize_weights *rw, int i0, int i1,
			  int *lo, int *hi);

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
