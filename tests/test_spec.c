/*
 * The pipeline grammar: every op with good and bad arguments.  Good specs
 * must give the stated fields; bad ones must fail with IMGPIPE_ESPEC and a
 * message quoting the offending token.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "spec.h"

static void
assert_near(double a, double b)
{
	if (fabs(a - b) > 1e-9) {
		fail_msg("%g is not %g", a, b);
	}
}

/* Parse text that must be valid and hold exactly one op of kind. */
static struct op
parse_one(const char *text, enum op_kind kind)
{
	struct imgpipe_error err;
	struct spec s;
	struct op op;
	int rc;

	error_clear(&err);
	rc = spec_parse(text, &s, &err);
	if (rc != 0)
		fail_msg("'%s' was refused: %s", text, err.msg);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ops[0].kind, kind);
	op = s.ops[0];
	spec_release(&s);
	return op;
}

/* Parse text that must fail, with token quoted in the message. */
static void
refuse(const char *text, const char *token)
{
	struct imgpipe_error err;
	struct spec s;
	char quoted[256];
	int rc;

	error_clear(&err);
	rc = spec_parse(text, &s, &err);
	if (rc != IMGPIPE_ESPEC)
		fail_msg("'%s' gave %d, not IMGPIPE_ESPEC", text, rc);
	assert_int_equal(err.code, IMGPIPE_ESPEC);
	assert_null(s.ops);
	assert_int_equal(s.n, 0);
	snprintf(quoted, sizeof(quoted), "'%s'", token);
	if (strstr(err.msg, quoted) == NULL)
		fail_msg("'%s': message \"%s\" does not quote %s", text,
			 err.msg, quoted);
}

struct resize_case {
	const char *text;
	int w, h;
	double percent;
	enum resize_mode mode;
	enum filter_kind filter;
	int up;
};

static const struct resize_case resize_ok[] = {
	{ "resize=800x600", 800, 600, 0, RESIZE_FIT, FILTER_LANCZOS3, 0 },
	{ "resize=800", 800, 0, 0, RESIZE_FIT, FILTER_LANCZOS3, 0 },
	{ "resize=x600", 0, 600, 0, RESIZE_FIT, FILTER_LANCZOS3, 0 },
	{ "resize=50%", 0, 0, 50, RESIZE_FIT, FILTER_LANCZOS3, 0 },
	{ "resize=12.5%", 0, 0, 12.5, RESIZE_FIT, FILTER_LANCZOS3, 0 },
	{ "resize=1x100000", 1, 100000, 0, RESIZE_FIT, FILTER_LANCZOS3, 0 },
	{ "resize=10x20:fill", 10, 20, 0, RESIZE_FILL, FILTER_LANCZOS3, 0 },
	{ "resize=10x20:exact", 10, 20, 0, RESIZE_EXACT, FILTER_LANCZOS3, 0 },
	{ "resize=10x20:fit:up", 10, 20, 0, RESIZE_FIT, FILTER_LANCZOS3, 1 },
	{ "resize=10x20:nearest", 10, 20, 0, RESIZE_FIT, FILTER_NEAREST, 0 },
	{ "resize=10x20:box", 10, 20, 0, RESIZE_FIT, FILTER_BOX, 0 },
	{ "resize=10x20:bilinear", 10, 20, 0, RESIZE_FIT, FILTER_BILINEAR, 0 },
	{ "resize=10x20:bicubic", 10, 20, 0, RESIZE_FIT, FILTER_BICUBIC, 0 },
	{ "resize=10x20:mitchell", 10, 20, 0, RESIZE_FIT, FILTER_MITCHELL, 0 },
	{ "resize=10x20:lanczos3", 10, 20, 0, RESIZE_FIT, FILTER_LANCZOS3, 0 },
	{ "resize=10x20:up:box:fill", 10, 20, 0, RESIZE_FILL, FILTER_BOX, 1 },
	{ "resize=300:up", 300, 0, 0, RESIZE_FIT, FILTER_LANCZOS3, 1 },
};

static void
test_spec_resize_valid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(resize_ok) / sizeof(resize_ok[0]); i++) {
		const struct resize_case *c = &resize_ok[i];
		struct op op = parse_one(c->text, OP_RESIZE);

		assert_int_equal(op.u.resize.w, c->w);
		assert_int_equal(op.u.resize.h, c->h);
		assert_near(op.u.resize.percent, c->percent);
		assert_int_equal(op.u.resize.mode, c->mode);
		assert_int_equal(op.u.resize.filter, c->filter);
		assert_int_equal(op.u.resize.up, c->up);
	}
}

/* Bad text and the token its message must quote. */
struct bad_case {
	const char *text, *token;
};

static const struct bad_case resize_bad[] = {
	{ "resize=x0", "x0" },
	{ "resize=0x10", "0x10" },
	{ "resize=10x", "10x" },
	{ "resize=x", "x" },
	{ "resize=100001", "100001" },
	{ "resize=-5", "-5" },
	{ "resize=+5", "+5" },
	{ "resize= 5", " 5" },
	{ "resize=5px", "5px" },
	{ "resize=10x10x10", "10x10x10" },
	{ "resize=0%", "0%" },
	{ "resize=-50%", "-50%" },
	{ "resize=%", "%" },
	{ "resize=nan%", "nan%" },
	{ "resize=inf%", "inf%" },
	{ "resize=10x10:lanczos", "lanczos" },
	{ "resize=10x10:fit:fill", "fill" },
	{ "resize=10x10:box:box", "box" },
	{ "resize=10x10:up:up", "up" },
	{ "resize=800:fill", "resize=800:fill" },
	{ "resize=x600:exact", "resize=x600:exact" },
	{ "resize=10x10:", "resize=10x10:" },
	{ "resize", "resize" },
	{ "resize=", "resize=" },
	{ "resize=1x1:fit:box:up:up", "resize=1x1:fit:box:up:up" },
};

static void
test_spec_resize_invalid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(resize_bad) / sizeof(resize_bad[0]); i++)
		refuse(resize_bad[i].text, resize_bad[i].token);
}

static void
test_spec_crop(void **state)
{
	static const struct bad_case bad[] = {
		{ "crop=0x10+0+0", "0x10+0+0" },
		{ "crop=10x10+-1+0", "10x10+-1+0" },
		{ "crop=10x10+0", "10x10+0" },
		{ "crop=10x10", "10x10" },
		{ "crop=10x10+0+0+0", "10x10+0+0+0" },
		{ "crop=10x10+a+0", "10x10+a+0" },
		{ "crop=10x10+0+ 1", "10x10+0+ 1" },
		{ "crop=10x10+0+99999999999999999999",
		  "10x10+0+99999999999999999999" },
		{ "crop=10x10+0+0:1", "crop=10x10+0+0:1" },
		{ "crop", "crop" },
	};
	struct op op = parse_one("crop=640x480+10+20", OP_CROP);
	size_t i;

	(void)state;
	assert_int_equal(op.u.crop.w, 640);
	assert_int_equal(op.u.crop.h, 480);
	assert_int_equal(op.u.crop.x, 10);
	assert_int_equal(op.u.crop.y, 20);
	op = parse_one("crop=1x1+0+0", OP_CROP);
	assert_int_equal(op.u.crop.w, 1);
	assert_int_equal(op.u.crop.x, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refuse(bad[i].text, bad[i].token);
}

static void
test_spec_rotate(void **state)
{
	static const int ok[] = { 90, 180, 270 };
	static const struct bad_case bad[] = {
		{ "rotate=45", "45" },	 { "rotate=0", "0" },
		{ "rotate=360", "360" }, { "rotate=90deg", "90deg" },
		{ "rotate=+90", "+90" }, { "rotate= 90", " 90" },
		{ "rotate=-90", "-90" },
		{ "rotate", "rotate" },
	};
	char text[32];
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), "rotate=%d", ok[i]);
		assert_int_equal(parse_one(text, OP_ROTATE).u.degrees, ok[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refuse(bad[i].text, bad[i].token);
}

static void
test_spec_no_argument_ops(void **state)
{
	static const struct {
		const char *name;
		enum op_kind kind;
	} ops[] = {
		{ "flip", OP_FLIP },	       { "flop", OP_FLOP },
		{ "grayscale", OP_GRAYSCALE }, { "sepia", OP_SEPIA },
		{ "invert", OP_INVERT },       { "edges", OP_EDGES },
	};
	char text[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		parse_one(ops[i].name, ops[i].kind);
		assert_string_equal(spec_op_name(ops[i].kind), ops[i].name);
		snprintf(text, sizeof(text), "%s=1", ops[i].name);
		refuse(text, ops[i].name);
		snprintf(text, sizeof(text), "%s=", ops[i].name);
		refuse(text, ops[i].name);
	}
}

/* A one-number op: good values, and bad ones quoting the token. */
struct value_case {
	const char *text;
	enum op_kind kind;
	double value; /* NAN: must be refused */
	const char *token;
};

static const struct value_case values[] = {
	{ "brightness=-100", OP_BRIGHTNESS, -100, NULL },
	{ "brightness=100", OP_BRIGHTNESS, 100, NULL },
	{ "brightness=12.5", OP_BRIGHTNESS, 12.5, NULL },
	{ "brightness=150", OP_BRIGHTNESS, NAN, "150" },
	{ "brightness=-101", OP_BRIGHTNESS, NAN, "-101" },
	{ "brightness=abc", OP_BRIGHTNESS, NAN, "abc" },
	{ "brightness=5x", OP_BRIGHTNESS, NAN, "5x" },
	{ "brightness", OP_BRIGHTNESS, NAN, "brightness" },
	{ "contrast=0", OP_CONTRAST, 0, NULL },
	{ "contrast=-30", OP_CONTRAST, -30, NULL },
	{ "contrast=100.5", OP_CONTRAST, NAN, "100.5" },
	{ "contrast=nan", OP_CONTRAST, NAN, "nan" },
	{ "gamma=0.1", OP_GAMMA, 0.1, NULL },
	{ "gamma=2.2", OP_GAMMA, 2.2, NULL },
	{ "gamma=10", OP_GAMMA, 10, NULL },
	{ "gamma=0.05", OP_GAMMA, NAN, "0.05" },
	{ "gamma=11", OP_GAMMA, NAN, "11" },
	{ "gamma=inf", OP_GAMMA, NAN, "inf" },
	{ "gamma=0x1p1", OP_GAMMA, NAN, "0x1p1" },
	{ "gamma=1:2", OP_GAMMA, NAN, "gamma=1:2" },
	{ "blur=0.1", OP_BLUR, 0.1, NULL },
	{ "blur=1.5", OP_BLUR, 1.5, NULL },
	{ "blur=100", OP_BLUR, 100, NULL },
	{ "blur=0", OP_BLUR, NAN, "0" },
	{ "blur=100.1", OP_BLUR, NAN, "100.1" },
	{ "blur=1e999", OP_BLUR, NAN, "1e999" },
	{ "blur=1.5.2", OP_BLUR, NAN, "1.5.2" },
};

static void
test_spec_values(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		const struct value_case *c = &values[i];

		if (isnan(c->value))
			refuse(c->text, c->token);
		else
			assert_near(parse_one(c->text, c->kind).u.value,
				    c->value);
	}
}

static void
test_spec_range_message(void **state)
{
	struct imgpipe_error err;
	struct spec s;

	(void)state;
	assert_int_equal(spec_parse("brightness=150", &s, &err), IMGPIPE_ESPEC);
	assert_string_equal(err.msg,
			    "brightness '150' is out of range -100..100");
	assert_int_equal(spec_parse("resize=x0", &s, &err), IMGPIPE_ESPEC);
	assert_string_equal(err.msg, "bad argument 'x0' in 'resize=x0'");
	assert_int_equal(spec_parse("flip=1", &s, &err), IMGPIPE_ESPEC);
	assert_string_equal(err.msg, "'flip' takes no argument");
	assert_int_equal(spec_parse("sharpn=1", &s, &err), IMGPIPE_ESPEC);
	assert_string_equal(err.msg, "unknown operation 'sharpn'");
}

static void
test_spec_sharpen(void **state)
{
	static const struct bad_case bad[] = {
		{ "sharpen", "sharpen" },
		{ "sharpen=0", "0" },
		{ "sharpen=1:11", "11" },
		{ "sharpen=1:-1", "-1" },
		{ "sharpen=1:1:256", "256" },
		{ "sharpen=1:1:x", "x" },
		{ "sharpen=1::5", "sharpen=1::5" },
		{ "sharpen=1:1:1:1", "sharpen=1:1:1:1" },
	};
	struct op op = parse_one("sharpen=0.6", OP_SHARPEN);
	size_t i;

	(void)state;
	assert_near(op.u.sharpen.sigma, 0.6);
	assert_near(op.u.sharpen.amount, 1.0);
	assert_near(op.u.sharpen.threshold, 0.0);
	op = parse_one("sharpen=2:0.5", OP_SHARPEN);
	assert_near(op.u.sharpen.sigma, 2);
	assert_near(op.u.sharpen.amount, 0.5);
	assert_near(op.u.sharpen.threshold, 0.0);
	op = parse_one("sharpen=1:10:255", OP_SHARPEN);
	assert_near(op.u.sharpen.amount, 10);
	assert_near(op.u.sharpen.threshold, 255);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refuse(bad[i].text, bad[i].token);
}

static void
test_spec_sequence(void **state)
{
	struct imgpipe_error err;
	struct spec s;

	(void)state;
	assert_int_equal(
		spec_parse("resize=800x800,sharpen=0.6,flip,gamma=2", &s, &err),
		0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.ops[0].kind, OP_RESIZE);
	assert_int_equal(s.ops[1].kind, OP_SHARPEN);
	assert_int_equal(s.ops[2].kind, OP_FLIP);
	assert_int_equal(s.ops[3].kind, OP_GAMMA);
	assert_near(s.ops[3].u.value, 2);
	spec_release(&s);
	assert_null(s.ops);

	assert_int_equal(spec_parse("", &s, &err), 0);
	assert_int_equal(s.n, 0);
	spec_release(&s);
}

static void
test_spec_sequence_invalid(void **state)
{
	static const struct bad_case bad[] = {
		{ "sharpn=1", "sharpn" },
		{ "flip,,flop", "flip,,flop" },
		{ ",flip", ",flip" },
		{ "flip,", "flip," },
		{ ",", "," },
		{ "flip,blur=1,Flop", "Flop" },
		{ "=5", "" },
		{ "resize=800, flip", " flip" },
		{ "blur=1,gamma=99", "99" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refuse(bad[i].text, bad[i].token);
}

static void
test_spec_filter_names(void **state)
{
	int f;

	(void)state;
	for (f = 0; f < FILTER_COUNT; f++)
		assert_int_equal(spec_filter_find(spec_filter_name(f)), f);
	assert_int_equal(spec_filter_find("lanczos3"), FILTER_LANCZOS3);
	assert_int_equal(spec_filter_find("Lanczos3"), -1);
	assert_int_equal(spec_filter_find(""), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_resize_valid),
		cmocka_unit_test(test_spec_resize_invalid),
		cmocka_unit_test(test_spec_crop),
		cmocka_unit_test(test_spec_rotate),
		cmocka_unit_test(test_spec_no_argument_ops),
		cmocka_unit_test(test_spec_values),
		cmocka_unit_test(test_spec_range_message),
		cmocka_unit_test(test_spec_sharpen),
		cmocka_unit_test(test_spec_sequence),
		cmocka_unit_test(test_spec_sequence_invalid),
		cmocka_unit_test(test_spec_filter_names),
	};

	return cmocka_run_group_tests_name("spec", tests, NULL, NULL);
}
