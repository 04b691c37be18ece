/*
 * The pipeline grammar: text -> struct spec.  Every argument is checked
 * here, numbers by util_parse_*'s one rule, so that the ops never see a
 * value they cannot run and the user sees the exact bad token.
 */
#include "spec.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util.h"

/* resize takes a size and at most three modifiers: mode, filter, up. */
#define SPEC_MAX_ARGS 4
#define SPEC_MAX_SIDE 100000

/* One OP of the text, cut into its name and arguments (all NUL-ended). */
struct optext {
	const char *whole; /* "resize=800x600:fill", for messages */
	const char *name;
	char *args[SPEC_MAX_ARGS];
	int nargs;
};

typedef int op_parse_fn(const struct optext *t, struct op *op,
			struct imgpipe_error *err);

struct op_def {
	const char *name;
	enum op_kind kind;
	int min_args, max_args;
	op_parse_fn *parse; /* NULL: takes no argument */
};

static const char *const filter_names[FILTER_COUNT] = {
	[FILTER_NEAREST] = "nearest",	[FILTER_BOX] = "box",
	[FILTER_BILINEAR] = "bilinear", [FILTER_BICUBIC] = "bicubic",
	[FILTER_MITCHELL] = "mitchell", [FILTER_LANCZOS3] = "lanczos3",
};

static int
bad_arg(const struct optext *t, const char *arg, struct imgpipe_error *err)
{
	return error_set(err, IMGPIPE_ESPEC, "bad argument '%s' in '%s'", arg,
			 t->whole);
}

/* Argument i of t as a number in lo..hi, or an error naming what. */
static int
arg_double(const struct optext *t, int i, const char *what, double lo,
	   double hi, double *out, struct imgpipe_error *err)
{
	double v;

	if (util_parse_double(t->args[i], &v) != 0)
		return bad_arg(t, t->args[i], err);
	if (v < lo || v > hi)
		return error_set(err, IMGPIPE_ESPEC,
				 "%s '%s' is out of range %g..%g", what,
				 t->args[i], lo, hi);
	*out = v;
	return 0;
}

/* A side length 1..SPEC_MAX_SIDE written as bare digits. */
static int
parse_side(const char *s, int *out)
{
	uint64_t v;

	if (util_parse_u64(s, &v) != 0 || v < 1 || v > SPEC_MAX_SIDE)
		return -1;
	*out = (int)v;
	return 0;
}

/* WxH, W, xH or P% into r; -1 when it is none of them. */
static int
parse_resize_size(char *s, struct op_resize *r)
{
	size_t n = strlen(s);
	char *x;
	int rc;

	if (n > 1 && s[n - 1] == '%') {
		s[n - 1] = '\0';
		rc = util_parse_double(s, &r->percent);
		s[n - 1] = '%';
		return rc == 0 && r->percent > 0 && r->percent <= 1e5 ? 0 : -1;
	}
	x = strchr(s, 'x');
	if (x == NULL)
		return parse_side(s, &r->w);
	*x = '\0';
	rc = (x == s || parse_side(s, &r->w) == 0) &&
			     parse_side(x + 1, &r->h) == 0
		     ? 0
		     : -1;
	*x = 'x';
	return rc;
}

/* One of fit|fill|exact, a filter or up, each at most once. */
static int
parse_resize_mod(const struct optext *t, const char *a, struct op_resize *r,
		 unsigned *seen, struct imgpipe_error *err)
{
	static const char *const modes[] = { "fit", "fill", "exact" };
	unsigned bit;
	int i, f = spec_filter_find(a);

	if (f >= 0) {
		bit = 2;
		r->filter = (enum filter_kind)f;
	} else if (strcmp(a, "up") == 0) {
		bit = 4;
		r->up = 1;
	} else {
		for (i = 0; i < 3 && strcmp(a, modes[i]) != 0; i++)
			;
		if (i == 3)
			return bad_arg(t, a, err);
		bit = 1;
		r->mode = (enum resize_mode)i;
	}
	if (*seen & bit)
		return error_set(
			err, IMGPIPE_ESPEC,
			"repeated or conflicting argument '%s' in '%s'", a,
			t->whole);
	*seen |= bit;
	return 0;
}

static int
parse_resize(const struct optext *t, struct op *op, struct imgpipe_error *err)
{
	struct op_resize *r = &op->u.resize;
	unsigned seen = 0;
	int i, rc;

	r->mode = RESIZE_FIT;
	r->filter = FILTER_LANCZOS3;
	if (parse_resize_size(t->args[0], r) != 0)
		return bad_arg(t, t->args[0], err);
	for (i = 1; i < t->nargs; i++) {
		rc = parse_resize_mod(t, t->args[i], r, &seen, err);
		if (rc != 0)
			return rc;
	}
	/* fill and exact need a box: with one side there is nothing to crop. */
	if (r->mode != RESIZE_FIT && (r->w == 0 || r->h == 0))
		return error_set(
			err, IMGPIPE_ESPEC, "'%s' needs a WxH box in '%s'",
			r->mode == RESIZE_FILL ? "fill" : "exact", t->whole);
	return 0;
}

/* WxH+X+Y with W, H >= 1 and X, Y >= 0, every part bare digits. */
static int
parse_crop(const struct optext *t, struct op *op, struct imgpipe_error *err)
{
	struct op_crop *c = &op->u.crop;
	char buf[128], *x, *p1, *p2;
	uint64_t v;

	if (util_fmt(buf, sizeof(buf), "%s", t->args[0]) != 0)
		return bad_arg(t, t->args[0], err);
	x = strchr(buf, 'x');
	p1 = x ? strchr(x, '+') : NULL;
	p2 = p1 ? strchr(p1 + 1, '+') : NULL;
	if (p2 == NULL)
		return bad_arg(t, t->args[0], err);
	*x = *p1 = *p2 = '\0';
	if (parse_side(buf, &c->w) != 0 || parse_side(x + 1, &c->h) != 0)
		return bad_arg(t, t->args[0], err);
	if (util_parse_u64(p1 + 1, &v) != 0 || v > INT_MAX)
		return bad_arg(t, t->args[0], err);
	c->x = (int)v;
	if (util_parse_u64(p2 + 1, &v) != 0 || v > INT_MAX)
		return bad_arg(t, t->args[0], err);
	c->y = (int)v;
	return 0;
}

static int
parse_rotate(const struct optext *t, struct op *op, struct imgpipe_error *err)
{
	uint64_t v;

	if (util_parse_u64(t->args[0], &v) != 0)
		return bad_arg(t, t->args[0], err);
	if (v != 90 && v != 180 && v != 270)
		return error_set(err, IMGPIPE_ESPEC,
				 "rotate '%s' must be 90, 180 or 270",
				 t->args[0]);
	op->u.degrees = (int)v;
	return 0;
}

static int
parse_percent(const struct optext *t, struct op *op, struct imgpipe_error *err)
{
	return arg_double(t, 0, t->name, -100, 100, &op->u.value, err);
}

static int
parse_gamma(const struct optext *t, struct op *op, struct imgpipe_error *err)
{
	return arg_double(t, 0, "gamma", 0.1, 10, &op->u.value, err);
}

static int
parse_blur(const struct optext *t, struct op *op, struct imgpipe_error *err)
{
	return arg_double(t, 0, "blur sigma", 0.1, 100, &op->u.value, err);
}

static int
parse_sharpen(const struct optext *t, struct op *op, struct imgpipe_error *err)
{
	struct op_sharpen *s = &op->u.sharpen;
	int rc;

	s->amount = 1.0;
	s->threshold = 0.0;
	rc = arg_double(t, 0, "sharpen sigma", 0.1, 100, &s->sigma, err);
	if (rc == 0 && t->nargs > 1)
		rc = arg_double(t, 1, "sharpen amount", 0, 10, &s->amount, err);
	if (rc == 0 && t->nargs > 2)
		rc = arg_double(t, 2, "sharpen threshold", 0, 255,
				&s->threshold, err);
	return rc;
}

static const struct op_def defs[] = {
	{ "resize", OP_RESIZE, 1, 4, parse_resize },
	{ "crop", OP_CROP, 1, 1, parse_crop },
	{ "rotate", OP_ROTATE, 1, 1, parse_rotate },
	{ "flip", OP_FLIP, 0, 0, NULL },
	{ "flop", OP_FLOP, 0, 0, NULL },
	{ "grayscale", OP_GRAYSCALE, 0, 0, NULL },
	{ "sepia", OP_SEPIA, 0, 0, NULL },
	{ "invert", OP_INVERT, 0, 0, NULL },
	{ "brightness", OP_BRIGHTNESS, 1, 1, parse_percent },
	{ "contrast", OP_CONTRAST, 1, 1, parse_percent },
	{ "gamma", OP_GAMMA, 1, 1, parse_gamma },
	{ "blur", OP_BLUR, 1, 1, parse_blur },
	{ "sharpen", OP_SHARPEN, 1, 3, parse_sharpen },
	{ "edges", OP_EDGES, 0, 0, NULL },
};

/* Cut s (one OP, modified in place) into name and arguments. */
static int
split_op(char *s, const char *whole, struct optext *t,
	 struct imgpipe_error *err)
{
	char *p = strchr(s, '=');

	memset(t, 0, sizeof(*t));
	t->whole = whole;
	t->name = s;
	if (p == NULL)
		return 0;
	*p++ = '\0';
	for (;;) {
		if (t->nargs == SPEC_MAX_ARGS)
			return error_set(err, IMGPIPE_ESPEC,
					 "too many arguments in '%s'", whole);
		t->args[t->nargs++] = p;
		p = strchr(p, ':');
		if (p == NULL)
			return 0;
		*p++ = '\0';
	}
}

/* Check the argument count of t for d, then let d parse them. */
static int
parse_args(const struct op_def *d, const struct optext *t, struct op *op,
	   struct imgpipe_error *err)
{
	int i;

	if (d->max_args == 0 && t->nargs > 0)
		return error_set(err, IMGPIPE_ESPEC, "'%s' takes no argument",
				 d->name);
	if (t->nargs < d->min_args)
		return error_set(err, IMGPIPE_ESPEC, "missing argument in '%s'",
				 t->whole);
	if (t->nargs > d->max_args)
		return error_set(err, IMGPIPE_ESPEC,
				 "too many arguments in '%s'", t->whole);
	for (i = 0; i < t->nargs; i++)
		if (t->args[i][0] == '\0')
			return error_set(err, IMGPIPE_ESPEC,
					 "empty argument in '%s'", t->whole);
	op->kind = d->kind;
	return d->parse != NULL ? d->parse(t, op, err) : 0;
}

/* Parse one OP (s is a writable copy of whole). */
static int
parse_op(char *s, const char *whole, struct op *op, struct imgpipe_error *err)
{
	struct optext t;
	size_t i;
	int rc;

	rc = split_op(s, whole, &t, err);
	if (rc != 0)
		return rc;
	memset(op, 0, sizeof(*op));
	for (i = 0; i < ARRAY_SIZE(defs); i++)
		if (strcmp(defs[i].name, t.name) == 0)
			return parse_args(&defs[i], &t, op, err);
	return error_set(err, IMGPIPE_ESPEC, "unknown operation '%s'", t.name);
}

int
spec_parse(const char *text, struct spec *out, struct imgpipe_error *err)
{
	char *work, *whole, *op, *comma;
	int rc = 0;

	out->ops = NULL;
	out->n = 0;
	if (text[0] == '\0')
		return 0;
	work = xstrdup(text);
	whole = xstrdup(text); /* op texts for messages, cut at commas */
	op = work;
	for (;;) {
		comma = strchr(op, ',');
		if (comma != NULL) {
			*comma = '\0';
			whole[comma - work] = '\0';
		}
		if (*op == '\0') {
			rc = error_set(err, IMGPIPE_ESPEC,
				       "empty operation in '%s'", text);
			break;
		}
		out->ops = xrealloc(out->ops, (out->n + 1) * sizeof(*out->ops));
		rc = parse_op(op, whole + (op - work), &out->ops[out->n], err);
		if (rc != 0)
			break;
		out->n++;
		if (comma == NULL)
			break;
		op = comma + 1;
	}
	free(work);
	free(whole);
	if (rc != 0)
		spec_release(out);
	return rc;
}

void
spec_release(struct spec *s)
{
	free(s->ops);
	s->ops = NULL;
	s->n = 0;
}

const char *
spec_op_name(enum op_kind kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(defs); i++)
		if (defs[i].kind == kind)
			return defs[i].name;
	return "?";
}

const char *
spec_filter_name(enum filter_kind f)
{
	return (unsigned)f < FILTER_COUNT ? filter_names[f] : "?";
}

int
spec_filter_find(const char *name)
{
	int i;

	for (i = 0; i < FILTER_COUNT; i++)
		if (strcmp(filter_names[i], name) == 0)
			return i;
	return -1;
}
