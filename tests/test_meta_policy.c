/*
 * The metadata policy (meta_policy.c) and the codecs' metadata: blocks
 * written by one codec are read back whole by the same codec; --keep,
 * the output's format and its segment limits decide what stays, and each
 * block dropped against the user's will is one part of one warning line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "error.h"
#include "image.h"
#include "membuf.h"
#include "meta_policy.h"

#include "helpers.h"

/* A minimal valid big-endian TIFF: IFD0 with Make = "Cam". */
static const unsigned char tiff_make[] = { 'M', 'M', 0,	   0x2a, 0, 0, 0, 8, 0,
					   1,	1,   0x0f, 0,	 2, 0, 0, 0, 4,
					   'C', 'a', 'm',  0,	 0, 0, 0, 0 };

/* Photoshop resources: one IPTC-NAA record (0x0404) holding By-line. */
static const unsigned char irb_iptc[] = { '8',	'B', 'I', 'M', 4,   4,	  0,
					  0,	0,   0,	  0,   8,   0x1c, 2,
					  0x50, 0,   3,	  'A', 'n', 'n' };

static const char xmp_text[] =
	"<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
	"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf="
	"\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description "
	"rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
	"<dc:creator><rdf:Seq><rdf:li>Ann</rdf:li></rdf:Seq></dc:creator>"
	"</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>";

static void
set_block(unsigned char **p, size_t *len, const void *src, size_t n)
{
	*p = codec_copy_block(src, n);
	assert_non_null(*p);
	*len = n;
}

static void
add_text(struct image_meta *m, char kind, const char *key, const char *text)
{
	assert_int_equal(image_meta_add_text(m, kind, key,
					     (const unsigned char *)text,
					     strlen(text)),
			 0);
}

/* Every block filled in: EXIF, XMP, IPTC, ICC, a comment and a title. */
static void
full_meta(struct image_meta *m)
{
	static const unsigned char icc[] = "not really a profile";

	image_meta_init(m);
	set_block(&m->exif, &m->exif_len, tiff_make, sizeof(tiff_make));
	set_block(&m->xmp, &m->xmp_len, xmp_text, strlen(xmp_text));
	set_block(&m->iptc, &m->iptc_len, irb_iptc, sizeof(irb_iptc));
	set_block(&m->icc, &m->icc_len, icc, sizeof(icc));
	add_text(m, 'C', "", "a comment");
	add_text(m, 't', "Title", "a title");
}

static struct meta_policy
policy(unsigned keep, enum codec_id in, enum codec_id out)
{
	struct meta_policy p = { keep, 0, 1, 40, 30, in, out };

	return p;
}

static void
test_meta_policy_names(void **state)
{
	(void)state;
	assert_string_equal(meta_policy_name(META_EXIF), "exif");
	assert_string_equal(meta_policy_name(META_XMP), "xmp");
	assert_string_equal(meta_policy_name(META_IPTC), "iptc");
	assert_string_equal(meta_policy_name(META_ICC), "icc");
	assert_string_equal(meta_policy_name(META_OTHER), "other");
	assert_null(meta_policy_name(META_ALL));
}

/* keep x input x output -> the blocks left; no warning in any case. */
static void
check_keep(unsigned keep, enum codec_id in, enum codec_id out, unsigned want)
{
	struct meta_policy p = policy(keep, in, out);
	struct imgpipe_error err;
	struct image_meta m;

	error_clear(&err);
	full_meta(&m);
	assert_int_equal(meta_policy_apply(&m, &p, &err), want);
	assert_string_equal(err.msg, "");
	assert_int_equal(m.exif != NULL, (want & META_EXIF) != 0);
	assert_int_equal(m.xmp != NULL, (want & META_XMP) != 0);
	assert_int_equal(m.iptc != NULL, (want & META_IPTC) != 0);
	assert_int_equal(m.icc != NULL, (want & META_ICC) != 0);
	assert_int_equal(m.n_texts > 0, (want & META_OTHER) != 0);
	image_meta_release(&m);
}

static void
test_meta_policy_keep(void **state)
{
	(void)state;
	check_keep(META_ALL, CODEC_JPEG, CODEC_JPEG, META_ALL);
	check_keep(0, CODEC_JPEG, CODEC_JPEG, 0);
	check_keep(META_EXIF, CODEC_JPEG, CODEC_JPEG, META_EXIF);
	check_keep(META_XMP | META_ICC, CODEC_JPEG, CODEC_PNG,
		   META_XMP | META_ICC);
	check_keep(META_OTHER, CODEC_PNG, CODEC_PNG, META_OTHER);
	/* IPTC has no PNG container: never into PNG, never from one. */
	check_keep(META_ALL, CODEC_JPEG, CODEC_PNG, META_ALL & ~META_IPTC);
	check_keep(META_ALL, CODEC_PNG, CODEC_JPEG, META_ALL & ~META_IPTC);
	check_keep(META_IPTC, CODEC_JPEG, CODEC_PNG, 0);
}

/* Texts as each output writes them. */
static void
test_meta_policy_texts(void **state)
{
	struct meta_policy p = policy(META_ALL, CODEC_PNG, CODEC_JPEG);
	struct imgpipe_error err;
	struct image_meta m;

	(void)state;
	error_clear(&err);
	image_meta_init(&m);
	add_text(&m, 't', "Title", "a title");
	add_text(&m, 'z', "comment", "to COM");
	assert_int_equal(meta_policy_apply(&m, &p, &err), META_OTHER);
	/* JPEG: only the comment, as a COM text. */
	assert_int_equal(m.n_texts, 1);
	assert_int_equal(m.texts[0].kind, 'C');
	assert_string_equal((char *)m.texts[0].text, "to COM");
	image_meta_release(&m);

	p = policy(META_ALL, CODEC_JPEG, CODEC_PNG);
	image_meta_init(&m);
	add_text(&m, 'C', "", "plain");
	add_text(&m, 'C', "", "caf\xc3\xa9");
	assert_int_equal(meta_policy_apply(&m, &p, &err), META_OTHER);
	/* PNG: "Comment" chunks, tEXt when ASCII, else UTF-8 iTXt. */
	assert_int_equal(m.n_texts, 2);
	assert_string_equal(m.texts[0].key, "Comment");
	assert_int_equal(m.texts[0].kind, 't');
	assert_int_equal(m.texts[1].kind, 'i');
	assert_string_equal(err.msg, "");
	image_meta_release(&m);
}

/*
 * Blocks a JPEG segment cannot hold, and EXIF the rewrite refuses: each
 * dropped with its own reason, all on one line, the others kept.
 */
static void
test_meta_policy_drops_warn(void **state)
{
	struct meta_policy p = policy(META_ALL, CODEC_PNG, CODEC_JPEG);
	struct imgpipe_error err;
	struct image_meta m;
	unsigned char *big;
	size_t n = 70000;

	(void)state;
	error_clear(&err);
	image_meta_init(&m);
	set_block(&m.exif, &m.exif_len, "II*\0garbage", 11);
	big = malloc(n);
	assert_non_null(big);
	memset(big, 'x', n);
	assert_int_equal(image_meta_add_text(&m, 't', "Comment", big, n - 1000),
			 0);
	add_text(&m, 'C', "", "short");
	free(big);
	assert_int_equal(meta_policy_apply(&m, &p, &err), META_OTHER);
	assert_null(m.exif);
	assert_int_equal(m.n_texts, 1);
	assert_string_equal((char *)m.texts[0].text, "short");
	assert_int_equal(err.code, 0);
	assert_non_null(strstr(err.msg, "EXIF dropped"));
	assert_non_null(strstr(err.msg, "; comment dropped: 69000 bytes do "
					"not fit one JPEG segment"));
	image_meta_release(&m);
}

/* XMP over one APP1 segment: dropped for JPEG, kept for PNG. */
static void
test_meta_policy_xmp_segment(void **state)
{
	static const char tail[] = "<?xpacket end=\"w\"?>";
	size_t n = 70000, t = strlen(tail), h = strlen(xmp_text) - t;
	enum codec_id out;
	struct meta_policy p;
	struct imgpipe_error err;
	struct image_meta m;
	char *x = malloc(n);

	(void)state;
	assert_non_null(x);
	memset(x, ' ', n);
	/* The packet, padded with blanks before its trailer (XMP's way). */
	memcpy(x, xmp_text, h);
	memcpy(x + n - t, tail, t);
	for (out = CODEC_JPEG; out <= CODEC_PNG; out++) {
		p = policy(META_ALL, CODEC_PNG, out);
		error_clear(&err);
		image_meta_init(&m);
		set_block(&m.xmp, &m.xmp_len, x, n);
		meta_policy_apply(&m, &p, &err);
		if (out == CODEC_JPEG) {
			assert_null(m.xmp);
			assert_non_null(strstr(err.msg, "XMP dropped"));
		} else {
			assert_non_null(m.xmp);
			assert_string_equal(err.msg, "");
		}
		image_meta_release(&m);
	}
	free(x);
}

/* What enc writes, dec reads back: every block the format carries. */
static void
round_trip(const struct codec *c, unsigned want)
{
	struct image im, back;
	struct image_meta m, got;
	struct membuf out;
	struct imgpipe_error err;
	struct decode_opts o = { 1, 0, FAIL_ON_TRUNCATED, 0 };

	image_init(&im);
	image_init(&back);
	membuf_init(&out);
	error_clear(&err);
	assert_int_equal(image_alloc(&im, 16, 8, 3, PIXFMT_U8, 0, NULL), 0);
	memset(im.data, 100, im.stride * 8);
	full_meta(&m);
	/* As the policy leaves them: PNG has no COM, JPEG no keyed text. */
	m.texts[c->id == CODEC_PNG ? 0 : 1].kind = 'x';
	assert_int_equal(c->encode(&im, &m, NULL, &out, NULL, &err), 0);
	assert_int_equal(
		c->decode(out.data, out.len, &o, &back, &got, NULL, &err), 0);
	assert_string_equal(err.msg, "");
	assert_memory_equal(got.exif, tiff_make, sizeof(tiff_make));
	assert_int_equal(got.exif_len, sizeof(tiff_make));
	assert_int_equal(got.xmp_len, strlen(xmp_text));
	assert_memory_equal(got.xmp, xmp_text, got.xmp_len);
	assert_int_equal(got.iptc_len, want & META_IPTC ? sizeof(irb_iptc) : 0);
	assert_int_equal(got.n_texts, 1);
	assert_string_equal((char *)got.texts[0].text,
			    c->id == CODEC_PNG ? "a title" : "a comment");
	image_meta_release(&m);
	image_meta_release(&got);
	image_release(&im);
	image_release(&back);
	membuf_release(&out);
}

static void
test_meta_codecs_round_trip(void **state)
{
	(void)state;
	round_trip(&codec_jpeg, META_ALL);
	round_trip(&codec_png, META_ALL & ~META_IPTC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meta_policy_names),
		cmocka_unit_test(test_meta_policy_keep),
		cmocka_unit_test(test_meta_policy_texts),
		cmocka_unit_test(test_meta_policy_drops_warn),
		cmocka_unit_test(test_meta_policy_xmp_segment),
		cmocka_unit_test(test_meta_codecs_round_trip),
	};

	return cmocka_run_group_tests_name("meta_policy", tests, NULL, NULL);
}
