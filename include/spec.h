/*
 * The pipeline grammar of the README parsed into a list of operations:
 *   SPEC := OP ("," OP)*    OP := NAME ["=" ARG (":" ARG)*]
 * Parsing validates every argument, so a parsed spec always runs.
 */
#ifndef IMGPIPE_SPEC_H
#define IMGPIPE_SPEC_H

#include <stddef.h>

struct imgpipe_error;

enum op_kind {
	OP_RESIZE,
	OP_CROP,
	OP_ROTATE,
	OP_FLIP, /* vertical mirror: top row becomes bottom */
	OP_FLOP, /* horizontal mirror */
	OP_GRAYSCALE,
	OP_SEPIA,
	OP_INVERT,
	OP_BRIGHTNESS,
	OP_CONTRAST,
	OP_GAMMA,
	OP_BLUR,
	OP_SHARPEN,
	OP_EDGES
};

enum resize_mode {
	RESIZE_FIT,  /* inside the box, keep aspect */
	RESIZE_FILL, /* cover the box, then centre-crop */
	RESIZE_EXACT /* stretch to the box */
};

/* Resampling filters; the table in filter.c is indexed by these. */
enum filter_kind {
	FILTER_NEAREST,
	FILTER_BOX,
	FILTER_BILINEAR,
	FILTER_BICUBIC,	 /* Catmull-Rom, B = 0, C = 1/2 */
	FILTER_MITCHELL, /* Mitchell-Netravali, B = C = 1/3 */
	FILTER_LANCZOS3,
	FILTER_COUNT
};

struct op_resize {
	int w, h;	/* box; 0 = that side follows the aspect ratio */
	double percent; /* > 0: scale both sides by percent / 100 */
	enum resize_mode mode;
	enum filter_kind filter;
	int up; /* fit may enlarge */
};

struct op_crop {
	int w, h, x, y;
};

struct op_sharpen {
	double sigma, amount, threshold;
};

struct op {
	enum op_kind kind;
	union {
		struct op_resize resize;
		struct op_crop crop;
		int degrees;  /* OP_ROTATE: 90, 180, 270 clockwise */
		double value; /* brightness/contrast -100..100, gamma, blur
				 sigma */
		struct op_sharpen sharpen;
	} u;
};

struct spec {
	struct op *ops;
	size_t n;
};

/*
 * Parse text (may be empty: no operations) into out.  On failure returns
 * IMGPIPE_ESPEC with a message that quotes the offending token, e.g.
 *   unknown operation 'sharpn' or bad argument 'x0' in 'resize=x0'
 * and out is left empty.  The caller releases out with spec_release.
 */
int spec_parse(const char *text, struct spec *out, struct imgpipe_error *err);

void spec_release(struct spec *s);

/* The operation's name as written in the grammar. */
const char *spec_op_name(enum op_kind kind);

/* The filter's name, and its lookup; -1 when unknown. */
const char *spec_filter_name(enum filter_kind f);
int spec_filter_find(const char *name);

#endif
