/*
 * Operations on images.  A spec is first resolved against an input size
 * (every op's exact output geometry: used for the dry run, shrink-on-load
 * and the run itself), then applied op by op.  Each op runs as one or more
 * stages (stage.h) of the kernels in op_*.c and resize*.c, which this
 * module dispatches to and which never call back into it.
 */
#ifndef IMGPIPE_OPS_H
#define IMGPIPE_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "spec.h"
#include "stage.h"

struct hook;
struct imgpipe_error;

/* One operation with its geometry fixed for a given input. */
struct op_resolved {
	const struct op *op;
	int in_w, in_h; /* the size the spec was resolved for */
	int out_w, out_h;
	/*
	 * OP_RESIZE: the whole resampled size and the window of it that is
	 * kept (fill crops it; otherwise x = y = 0 and w, h = scaled).
	 * OP_CROP: the clipped rectangle of the input.
	 */
	int scaled_w, scaled_h;
	int win_x, win_y;
};

/*
 * Resolve spec for a w x h input into res[0 .. spec->n).  Returns 0, or
 * IMGPIPE_ESPEC when an op would produce an empty image (crop outside the
 * picture, say), or IMGPIPE_ELIMIT when a result exceeds max_pixels.
 */
int ops_resolve(const struct spec *spec, int w, int h, uint64_t max_pixels,
		struct op_resolved *res, struct imgpipe_error *err);

/*
 * Scratch images a worker keeps across images, so big buffers are reused
 * instead of page-faulted in again for every photo.
 */
struct op_scratch {
	/*
	 * tmp: the fixed-point intermediate between separable passes (int16
	 * samples held in a PIXFMT_U8 image of twice the width); tmp2: the
	 * widened source window of alpha and horizontal-first resizes, and
	 * the float luma of edges.
	 */
	struct image tmp;
	struct image tmp2;
};

void op_scratch_init(struct op_scratch *s);
void op_scratch_release(struct op_scratch *s);

/*
 * Whether op_apply may be given dst == src for op: the op reads each source
 * row for the last time before it writes that row (blur, sharpen), so it
 * works in place and the photo needs no second buffer its size.
 */
int op_in_place(const struct op *op);

/*
 * Apply one resolved op: src -> dst (dst reshaped with image_alloc; dst is
 * src only where op_in_place says it may be).  src may be smaller than r->in_w
 * x r->in_h when the decoder shrank it on load: resize then maps the whole src
 * onto r's scaled size, so the output size never depends on shrink-on-load.
 * Returns 0, IMGPIPE_ENOMEM, IMGPIPE_ELIMIT, or the hook's code.
 */
int op_apply(const struct op_resolved *r, const struct image *src,
	     struct image *dst, struct op_scratch *scratch,
	     const struct stage_runner *runner, struct hook *hook,
	     uint64_t max_pixels, struct imgpipe_error *err);

/*
 * Make src upright for EXIF orientation 1..8 (1: plain copy is avoided;
 * returns 1 meaning "src is already upright, dst untouched").  Returns 0
 * when dst holds the result, 1 for orientation 1, or a negative code.
 */
int ops_orient(int orientation, const struct image *src, struct image *dst,
	       const struct stage_runner *runner, struct hook *hook,
	       uint64_t max_pixels, struct imgpipe_error *err);

/*
 * Composite an image with alpha onto the opaque colour bg (R, G, B) for
 * JPEG output: 2 channels -> 1 when bg is grey, else 3; 4 -> 3.  Returns 1
 * ("no alpha, dst untouched") for 1 or 3 channels, 0 when dst holds the
 * result, or a negative code.
 */
int ops_flatten(const struct image *src, const unsigned char bg[3],
		struct image *dst, const struct stage_runner *runner,
		struct hook *hook, struct imgpipe_error *err);

#endif
