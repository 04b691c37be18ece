/*
 * Options of the README's table -> struct cli_options.  Every value is checked
 * here (util_parse_*'s one rule for numbers, then ranges), so later stages
 * never see a value they must second-guess.
 */
#include "cli.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "executor.h"
#include "http.h"
#include "meta_policy.h"
#include "pin.h"
#include "spec.h"
#include "topology.h"
#include "util.h"

/* The default mode (README, imgpipe(1)). */
#define CLI_DEFAULT_MODE "threads"

enum {
	OPT_SPLIT = 256,
	OPT_GIL,
	OPT_SWITCH_INTERVAL,
	OPT_YIELD_ROWS,
	OPT_OFFLOAD,
	OPT_TICK,
	OPT_PNG_LEVEL,
	OPT_BACKGROUND,
	OPT_NO_AUTO_ORIENT,
	OPT_NO_SHRINK,
	OPT_MAX_PIXELS,
	OPT_FAIL_ON,
	OPT_KEEP,
	OPT_STRIP_GPS,
	OPT_SKIP_EXISTING,
	OPT_FILES_FROM,
	OPT_SHARD,
	OPT_REPORT,
	OPT_TRACE,
	OPT_TIMELINE,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_QUIET,
	OPT_VERSION,
	OPT_ROUNDS,
	OPT_EXPORT_PROFILE,
	OPT_IMPORT_PROFILE,
	OPT_INTENT,
	OPT_LOSSLESS,
	OPT_EFFORT,
	OPT_URLS,
	OPT_TIMEOUT,
	OPT_MAX_BODY,
	OPT_RETRIES,
	OPT_CACERT,
	OPT_WORKLOAD,
	OPT_IO_URLS,
	OPT_IO_PIPELINE,
	OPT_CPUS,
	OPT_PIN
};

static const struct option long_opts[] = {
	{ "pipeline", required_argument, NULL, 'p' },
	{ "mode", required_argument, NULL, 'm' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "split", required_argument, NULL, OPT_SPLIT },
	{ "gil", optional_argument, NULL, OPT_GIL },
	{ "switch-interval", required_argument, NULL, OPT_SWITCH_INTERVAL },
	{ "yield-rows", required_argument, NULL, OPT_YIELD_ROWS },
	{ "offload", no_argument, NULL, OPT_OFFLOAD },
	{ "tick", required_argument, NULL, OPT_TICK },
	{ "format", required_argument, NULL, 'f' },
	{ "quality", required_argument, NULL, 'q' },
	{ "png-level", required_argument, NULL, OPT_PNG_LEVEL },
	{ "lossless", no_argument, NULL, OPT_LOSSLESS },
	{ "effort", required_argument, NULL, OPT_EFFORT },
	{ "background", required_argument, NULL, OPT_BACKGROUND },
	{ "no-auto-orient", no_argument, NULL, OPT_NO_AUTO_ORIENT },
	{ "no-shrink-on-load", no_argument, NULL, OPT_NO_SHRINK },
	{ "max-pixels", required_argument, NULL, OPT_MAX_PIXELS },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "strip-gps", no_argument, NULL, OPT_STRIP_GPS },
	{ "recursive", no_argument, NULL, 'r' },
	{ "skip-existing", no_argument, NULL, OPT_SKIP_EXISTING },
	{ "files-from", required_argument, NULL, OPT_FILES_FROM },
	{ "null", no_argument, NULL, '0' },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "timeline", no_argument, NULL, OPT_TIMELINE },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "rounds", required_argument, NULL, OPT_ROUNDS },
	{ "export-profile", required_argument, NULL, OPT_EXPORT_PROFILE },
	{ "import-profile", required_argument, NULL, OPT_IMPORT_PROFILE },
	{ "intent", required_argument, NULL, OPT_INTENT },
	{ "urls", required_argument, NULL, OPT_URLS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "max-body", required_argument, NULL, OPT_MAX_BODY },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "io-urls", required_argument, NULL, OPT_IO_URLS },
	{ "io-pipeline", required_argument, NULL, OPT_IO_PIPELINE },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "pin", required_argument, NULL, OPT_PIN },
	{ NULL, 0, NULL, 0 }
};

static const char short_opts[] = ":p:m:j:f:q:r0nvh";

/*
 * Which mode-specific options were given, to check them against -m; and
 * the first URL-only and compare-only option, as typed, for the message
 * that refuses it out of place.
 */
struct seen {
	int mode, gil, switch_interval, coop_only, split_rows, progress;
	const char *jobs; /* -j's value, checked once the inputs are known */
	const char *url_only, *compare_only;
};

void
cli_usage(FILE *f)
{
	fputs("usage: imgpipe [OPTIONS] INPUT_DIR OUTPUT_DIR\n"
	      "       imgpipe [OPTIONS] --urls FILE OUTPUT_DIR\n"
	      "       imgpipe compare [OPTIONS] [--urls FILE] INPUT_DIR OUTPUT_DIR\n"
	      "       imgpipe machine [--json] [--watch MS]\n"
	      "       imgpipe --help | --version\n"
	      "\n"
	      "Resize and filter every JPEG, PNG, WebP, HEIC and AVIF file of INPUT_DIR\n"
	      "(or downloaded from the URLs of --urls FILE) into OUTPUT_DIR.\n"
	      "\n"
	      "  -p, --pipeline SPEC      operations in order, e.g. 'resize=800x800,sharpen=0.6'\n"
	      "  -m, --mode MODE          seq, threads, procs, omp or coop"
	      " (default " CLI_DEFAULT_MODE ")\n"
	      "  -j, --jobs N             workers; coop: images in flight; with --urls:\n"
	      "                           transfers in flight (default: online CPUs)\n"
	      "      --cpus LIST          run on these CPUs only, e.g. 0-3,8 (default: all\n"
	      "                           this process may use)\n"
	      "      --pin POLICY         none, cores (one worker per core first) or threads\n"
	      "                           (a core's siblings together): each worker or CPU\n"
	      "                           slot computes on its own CPU (none)\n"
	      "      --split images|rows  parallelise across images, or also inside each image\n"
	      "      --gil[=hold|release-in-c]\n"
	      "                           threads mode with a simulated global interpreter\n"
	      "                           lock, held throughout or dropped inside C (hold)\n"
	      "      --switch-interval MS how long a --gil holder may run before offering (5)\n"
	      "      --yield-rows N       coop: yield every N rows inside each stage (0)\n"
	      "      --offload            coop: run CPU work on a worker pool\n"
	      "      --tick MS            coop: heartbeat timer period (10)\n"
	      "  -f, --format FMT         same, jpeg, png, webp or avif (default same;\n"
	      "                           a HEIC input becomes JPEG)\n"
	      "  -q, --quality N          JPEG, WebP, AVIF quality 1..100\n"
	      "                           (85, 80, 50)\n"
	      "      --lossless           WebP and AVIF: lossless\n"
	      "      --effort N           WebP and AVIF: CPU spent on size, 0..9\n"
	      "                           (WebP method 4, AVIF 4)\n"
	      "      --png-level N        zlib level 0..9 (6)\n"
	      "      --background RRGGBB  colour alpha is flattened onto for JPEG (ffffff)\n"
	      "      --no-auto-orient     do not apply the EXIF Orientation tag\n"
	      "      --no-shrink-on-load  decode JPEG and WebP at full size before resizing\n"
	      "      --max-pixels N       refuse larger images (100000000; 0 = no limit)\n"
	      "      --fail-on LEVEL      damage that fails an image: none, truncated,\n"
	      "                           error or warning (truncated)\n"
	      "      --keep LIST          metadata to keep: none, or some of exif, xmp,\n"
	      "                           iptc, icc, other, all, comma-separated (all)\n"
	      "      --strip-gps          remove the GPS position from EXIF and XMP\n"
	      "      --export-profile P   output colour: keep (the input's profile),\n"
	      "                           srgb, or an ICC profile FILE (keep)\n"
	      "      --import-profile F   ICC profile of untagged inputs (sRGB)\n"
	      "      --intent INTENT      perceptual, relative, saturation or absolute\n"
	      "                           (relative)\n"
	      "      --urls FILE          the inputs are the http(s) URLs of FILE, one a line\n"
	      "                           ('-': stdin); no INPUT_DIR\n"
	      "      --timeout S          URL inputs: seconds to connect and end, each try (30)\n"
	      "      --max-body SIZE      URL inputs: largest body, bytes or k, M, G (256M)\n"
	      "      --retries N          URL inputs: further attempts after 429, 5xx, a reset\n"
	      "                           or a body cut short, 0..10 (2)\n"
	      "      --cacert FILE        URL inputs: verify HTTPS against these PEM\n"
	      "                           certificates (default: the system's store)\n",
	      f);
	fputs("  -r, --recursive          walk sub-folders\n"
	      "      --skip-existing      leave outputs that are newer than their input\n"
	      "      --files-from FILE    inputs relative to INPUT_DIR, one a line ('-': stdin)\n"
	      "  -0, --null               --files-from entries are NUL-separated\n"
	      "      --shard K/N          process only the K-th of N shares of the inputs\n"
	      "  -n, --dry-run            list outputs and their sizes; decode no pixels\n"
	      "      --report FILE        write a JSON report (compare: the machine and\n"
	      "                           every table's rows)\n"
	      "      --trace FILE         write a Chrome trace-event file\n"
	      "      --timeline           draw which worker ran which image on stderr\n"
	      "      --progress           progress bar on stderr (default when a terminal)\n"
	      "      --no-progress        no progress bar\n"
	      "  -v, --verbose            more on stderr\n"
	      "      --quiet              no summary line, no progress bar\n"
	      "      --rounds N           compare: run every mode N times, show medians (3)\n"
	      "      --workload W         compare: cpu, io, mixed or all (cpu)\n"
	      "      --io-urls FILE       compare: the io workload's URLs (default --urls)\n"
	      "      --io-pipeline SPEC   compare: the io workload's pipeline (resize=64x64)\n"
	      "  -h, --help               this text\n"
	      "      --version            print the version\n"
	      "\n",
	      f);
	fputs("Pipeline operations: resize=WxH[:fit|fill|exact][:FILTER][:up] (or W, xH, P%),\n"
	      "crop=WxH+X+Y, rotate=90|180|270, flip, flop, grayscale, sepia, invert,\n"
	      "brightness=-100..100, contrast=-100..100, gamma=0.1..10, blur=SIGMA,\n"
	      "sharpen=SIGMA[:AMOUNT[:THRESHOLD]], edges.  Filters: nearest, box, bilinear,\n"
	      "bicubic, mitchell, lanczos3 (default).\n"
	      "\n"
	      "Exit status:\n"
	      "  0    every input image was written (skipped non-images do not count)\n"
	      "  1    at least one image failed\n"
	      "  2    usage or setup error\n"
	      "  129  hung up (SIGHUP), after the same clean shutdown\n"
	      "  130  interrupted by SIGINT or SIGTERM\n"
	      "\n"
	      "See imgpipe(1) for details.\n",
	      f);
}

void
cli_usage_error(const struct imgpipe_error *err)
{
	fprintf(stderr, "imgpipe: %s\ntry 'imgpipe --help'\n", err->msg);
}

/* A decimal integer in lo..hi (lo >= 0), by util_parse_u64's rule. */
static int
opt_int(const char *name, const char *arg, int lo, int hi, int *out,
	struct imgpipe_error *err)
{
	uint64_t v;

	if (util_parse_u64(arg, &v) != 0)
		return error_set(err, IMGPIPE_ESPEC, "bad value '%s' for %s",
				 arg, name);
	if (v < (uint64_t)lo || v > (uint64_t)hi)
		return error_set(err, IMGPIPE_ESPEC,
				 "%s '%s' is out of range %d..%d", name, arg,
				 lo, hi);
	*out = (int)v;
	return 0;
}

/* A finite decimal number in lo..hi, by util_parse_double's rule. */
static int
opt_double(const char *name, const char *arg, double lo, double hi, double *out,
	   struct imgpipe_error *err)
{
	double v;

	if (util_parse_double(arg, &v) != 0)
		return error_set(err, IMGPIPE_ESPEC, "bad value '%s' for %s",
				 arg, name);
	if (v < lo || v > hi)
		return error_set(err, IMGPIPE_ESPEC,
				 "%s '%s' is out of range %g..%g", name, arg,
				 lo, hi);
	*out = v;
	return 0;
}

static int
opt_max_pixels(const char *arg, uint64_t *out, struct imgpipe_error *err)
{
	if (util_parse_u64(arg, out) != 0)
		return error_set(err, IMGPIPE_ESPEC,
				 "bad value '%s' for --max-pixels", arg);
	return 0;
}

/* none, truncated, error or warning: libvips' names for the levels. */
static int
opt_fail_on(const char *arg, enum fail_on *out, struct imgpipe_error *err)
{
	static const struct {
		const char *name;
		enum fail_on level;
	} levels[] = { { "none", FAIL_ON_NONE },
		       { "truncated", FAIL_ON_TRUNCATED },
		       { "error", FAIL_ON_ERROR },
		       { "warning", FAIL_ON_WARNING } };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(levels); i++) {
		if (strcmp(arg, levels[i].name) == 0) {
			*out = levels[i].level;
			return 0;
		}
	}
	return error_set(
		err, IMGPIPE_ESPEC,
		"bad value '%s' for --fail-on (use none, truncated, error or warning)",
		arg);
}

/* One name of --keep as META_* bits, or -1. */
static int
keep_bits(const char *name, size_t n)
{
	unsigned bit;
	const char *k;

	if (n == 4 && strncmp(name, "none", 4) == 0)
		return 0;
	if (n == 3 && strncmp(name, "all", 3) == 0)
		return META_ALL;
	for (bit = 1; bit < META_ALL; bit <<= 1) {
		k = meta_policy_name(bit);
		if (k != NULL && strlen(k) == n && strncmp(name, k, n) == 0)
			return (int)bit;
	}
	return -1;
}

/* Comma-separated names of libvips 8.15's --keep: the blocks they name. */
static int
opt_keep(const char *arg, unsigned *out, struct imgpipe_error *err)
{
	const char *p = arg, *comma;
	unsigned keep = 0;
	size_t n;
	int bits;

	for (;;) {
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		bits = keep_bits(p, n);
		if (bits < 0)
			return error_set(
				err, IMGPIPE_ESPEC,
				"bad value '%s' for --keep (use none, or exif, "
				"xmp, iptc, icc, other and all, "
				"comma-separated)",
				arg);
		keep |= (unsigned)bits;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	*out = keep;
	return 0;
}

/* keep, srgb, or a profile's path (read by the runner's colour setup). */
static void
opt_export(const char *arg, struct cli_options *o)
{
	o->export_profile = NULL;
	if (strcmp(arg, "keep") == 0)
		o->job.colour.export_mode = EXPORT_KEEP;
	else if (strcmp(arg, "srgb") == 0)
		o->job.colour.export_mode = EXPORT_SRGB;
	else {
		o->job.colour.export_mode = EXPORT_FILE;
		o->export_profile = arg;
	}
}

/*
 * arg as one of names[0..n): its index, or IMGPIPE_ESPEC naming opt and
 * the values to use (use).
 */
static int
opt_pick(const char *opt, const char *arg, const char *const *names, size_t n,
	 const char *use, struct imgpipe_error *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(arg, names[i]) == 0)
			return (int)i;
	return error_set(err, IMGPIPE_ESPEC, "bad value '%s' for %s (use %s)",
			 arg, opt, use);
}

/* The ICC rendering intents, by libvips' names. */
static int
opt_intent(const char *arg, enum colour_intent *out, struct imgpipe_error *err)
{
	static const char *const names[] = { "perceptual", "relative",
					     "saturation", "absolute" };
	int i = opt_pick("--intent", arg, names, ARRAY_SIZE(names),
			 "perceptual, relative, saturation or absolute", err);

	if (i < 0)
		return i;
	*out = (enum colour_intent)i;
	return 0;
}

/* RRGGBB in hex, with an optional leading '#'. */
static int
opt_background(const char *arg, unsigned char rgb[3], struct imgpipe_error *err)
{
	const char *p = arg[0] == '#' ? arg + 1 : arg;
	char hex[3] = { 0 };
	int i;

	if (strlen(p) != 6 || p[strspn(p, "0123456789abcdefABCDEF")] != '\0')
		return error_set(
			err, IMGPIPE_ESPEC,
			"bad colour '%s' for --background (use RRGGBB)", arg);
	for (i = 0; i < 3; i++) {
		memcpy(hex, p + 2 * i, 2);
		rgb[i] = (unsigned char)strtol(hex, NULL, 16);
	}
	return 0;
}

/* K/N with 1 <= K <= N. */
static int
opt_shard(const char *arg, int *k, int *n, struct imgpipe_error *err)
{
	char buf[64], *slash;

	if (util_fmt(buf, sizeof(buf), "%s", arg) != 0 ||
	    (slash = strchr(buf, '/')) == NULL)
		return error_set(err, IMGPIPE_ESPEC,
				 "bad value '%s' for --shard (use K/N)", arg);
	*slash = '\0';
	if (opt_int("--shard N", slash + 1, 1, 1000000, n, err) != 0 ||
	    opt_int("--shard K", buf, 1, *n, k, err) != 0)
		return error_set(err, IMGPIPE_ESPEC,
				 "bad value '%s' for --shard (1 <= K <= N)",
				 arg);
	return 0;
}

static int
opt_format(const char *arg, enum out_format *f, struct imgpipe_error *err)
{
	const struct codec *c;

	if (strcmp(arg, "same") == 0)
		*f = OUT_SAME;
	else if (strcmp(arg, "jpeg") == 0 || strcmp(arg, "jpg") == 0)
		*f = OUT_JPEG;
	else if (strcmp(arg, "png") == 0)
		*f = OUT_PNG;
	else if (strcmp(arg, "webp") == 0)
		*f = OUT_WEBP;
	else if (strcmp(arg, "avif") == 0)
		*f = OUT_AVIF;
	else
		return error_set(err, IMGPIPE_ESPEC,
				 "bad format '%s' (use same, jpeg, png, webp "
				 "or avif)",
				 arg);
	c = codec_get(pipeline_out_codec(*f, CODEC_JPEG));
	if (c->encode == NULL)
		return error_set(err, IMGPIPE_ESPEC,
				 "-f %s: %s output is not built into this "
				 "imgpipe",
				 arg, c->name);
	return 0;
}

/* Seconds above 0 and at most an hour: a zero would mean no limit to curl. */
static int
opt_timeout(const char *arg, double *out, struct imgpipe_error *err)
{
	double v;

	if (util_parse_double(arg, &v) != 0)
		return error_set(err, IMGPIPE_ESPEC,
				 "bad value '%s' for --timeout", arg);
	if (!(v > 0) || v > CLI_MAX_TIMEOUT_S)
		return error_set(err, IMGPIPE_ESPEC,
				 "--timeout '%s' is out of range: above 0, "
				 "at most %d seconds",
				 arg, CLI_MAX_TIMEOUT_S);
	*out = v;
	return 0;
}

/* Bytes, or with a suffix k, M or G (powers of 1024); at least 1. */
static int
opt_max_body(const char *arg, uint64_t *out, struct imgpipe_error *err)
{
	static const char suffix[] = "kMG";
	char digits[32];
	size_t n = strlen(arg);
	const char *k;
	uint64_t v;
	int shift = 0;

	k = n > 0 ? strchr(suffix, arg[n - 1]) : NULL;
	if (k != NULL) {
		shift = 10 * (int)(k - suffix + 1);
		n--;
	}
	if (n < sizeof(digits)) {
		memcpy(digits, arg, n);
		digits[n] = '\0';
	} else {
		digits[0] = '\0'; /* longer than any u64: refused below */
	}
	if (util_parse_u64(digits, &v) != 0 || v > (UINT64_MAX >> shift))
		return error_set(err, IMGPIPE_ESPEC,
				 "bad value '%s' for --max-body (use bytes, "
				 "or a number with k, M or G)",
				 arg);
	if (v == 0)
		return error_set(err, IMGPIPE_ESPEC,
				 "--max-body '%s' is out of range: at least 1 "
				 "byte",
				 arg);
	*out = v << shift;
	return 0;
}

/* --gil alone holds the lock throughout, as pure Python code does. */
static int
opt_gil(const char *arg, int *out, struct imgpipe_error *err)
{
	if (arg == NULL || strcmp(arg, "hold") == 0)
		*out = GIL_HOLD;
	else if (strcmp(arg, "release-in-c") == 0)
		*out = GIL_RELEASE_IN_C;
	else
		return error_set(
			err, IMGPIPE_ESPEC,
			"bad value '%s' for --gil (use hold or release-in-c)",
			arg);
	return 0;
}

/*
 * --cpus: the syntax only; whether the CPUs may be used is the kernel's
 * to say, once cli_setup applies the list.
 */
static int
opt_cpus(const char *arg, const char **out, struct imgpipe_error *err)
{
	unsigned char set[TOPO_MAX_CPUS];
	char why[128];

	if (cpulist_parse(arg, set, TOPO_MAX_CPUS, why, sizeof(why)) != 0)
		return error_set(err, IMGPIPE_ESPEC,
				 "bad value '%s' for --cpus: %s", arg, why);
	if (memchr(set, 1, sizeof(set)) == NULL)
		return error_set(err, IMGPIPE_ESPEC, "--cpus names no CPU");
	*out = arg;
	return 0;
}

static int
opt_pin(const char *arg, int *out, struct imgpipe_error *err)
{
	int p = pin_policy_parse(arg);

	if (p < 0)
		return error_set(
			err, IMGPIPE_ESPEC,
			"bad value '%s' for --pin (use none, cores or threads)",
			arg);
	*out = p;
	return 0;
}

static int
opt_workload(const char *arg, const char **out, struct imgpipe_error *err)
{
	static const char *const names[] = { "cpu", "io", "mixed", "all" };
	int i = opt_pick("--workload", arg, names, ARRAY_SIZE(names),
			 "cpu, io, mixed or all", err);

	if (i < 0)
		return i;
	*out = names[i];
	return 0;
}

/* The version, and the formats this build reads and writes. */
static void
print_version(void)
{
	static const enum codec_id ids[] = { CODEC_JPEG, CODEC_PNG, CODEC_WEBP,
					     CODEC_HEIC, CODEC_AVIF };
	const struct codec *c;
	size_t i;

	printf("imgpipe %s\nformats:", IMGPIPE_VERSION);
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		c = codec_get(ids[i]);
		if (c->built)
			printf(" %s%s", c->name,
			       c->encode == NULL ? "(read)" : "");
	}
	putchar('\n');
	/* The line the tests' need_urls reads. */
	puts(IMGPIPE_CURL ? "inputs: files urls" : "inputs: files");
}

/* -j's default: the CPUs this process may run on, within the cap. */
static int
default_jobs(void)
{
	long cpus = util_cpus();

	return cpus < 1 ? 1 : cpus > CLI_MAX_JOBS ? CLI_MAX_JOBS : (int)cpus;
}

static void
set_defaults(struct cli_options *o)
{
	static const struct http_opts http_defaults = HTTP_OPTS_DEFAULT;

	memset(o, 0, sizeof(*o));
	o->pipeline = "";
	o->mode = CLI_DEFAULT_MODE;
	o->job.format = OUT_SAME;
	o->job.enc.png_level = 6;
	o->job.enc.effort = -1;
	memset(o->job.background, 0xff, sizeof(o->job.background));
	o->job.auto_orient = 1;
	o->job.shrink_on_load = 1;
	o->job.keep = META_ALL;
	o->job.colour.intent = COLOUR_INTENT_RELATIVE;
	o->job.max_pixels = 100000000;
	o->job.fail_on = FAIL_ON_TRUNCATED;
	o->job.http = http_defaults;
	o->exec.jobs = default_jobs();
	o->pin = PIN_NONE;
	o->exec.switch_interval_ms = 5;
	o->exec.tick_ms = 10;
	o->progress = -1;
}

/* Options that set a number or a mode-specific knob. */
static int
parse_tuning(int c, const char *arg, struct cli_options *o, struct seen *s,
	     struct imgpipe_error *err)
{
	struct exec_config *ec = &o->exec;

	switch (c) {
	case 'j':
		/* The cap depends on the inputs and the mode: check_jobs. */
		s->jobs = arg;
		o->jobs_given = 1;
		return opt_int("--jobs", arg, 1, INT32_MAX, &ec->jobs, err);
	case OPT_SWITCH_INTERVAL:
		s->switch_interval = 1;
		return opt_double("--switch-interval", arg, 0.01, 60000,
				  &ec->switch_interval_ms, err);
	case OPT_YIELD_ROWS:
		s->coop_only = 1;
		return opt_int("--yield-rows", arg, 0, 1000000, &ec->yield_rows,
			       err);
	case OPT_TICK:
		s->coop_only = 1;
		return opt_double("--tick", arg, 0.1, 60000, &ec->tick_ms, err);
	case 'q':
		return opt_int("--quality", arg, 1, 100, &o->job.enc.quality,
			       err);
	case OPT_PNG_LEVEL:
		return opt_int("--png-level", arg, 0, 9, &o->job.enc.png_level,
			       err);
	case OPT_EFFORT:
		return opt_int("--effort", arg, 0, 9, &o->job.enc.effort, err);
	case OPT_BACKGROUND: return opt_background(arg, o->job.background, err);
	case OPT_MAX_PIXELS:
		return opt_max_pixels(arg, &o->job.max_pixels, err);
	case OPT_FAIL_ON: return opt_fail_on(arg, &o->job.fail_on, err);
	case OPT_KEEP: return opt_keep(arg, &o->job.keep, err);
	case OPT_INTENT: return opt_intent(arg, &o->job.colour.intent, err);
	case OPT_SHARD: return opt_shard(arg, &o->shard_k, &o->shard_n, err);
	case 'f': return opt_format(arg, &o->job.format, err);
	}
	return 1;
}

/* The first URL-only or compare-only option given, for check_places. */
static void
seen_place(const char **first, const char *name)
{
	if (*first == NULL)
		*first = name;
}

/* The options of URL inputs, and compare's workloads. */
static int
parse_urls(int c, const char *arg, struct cli_options *o, struct seen *s,
	   struct imgpipe_error *err)
{
	struct http_opts *h = &o->job.http;

	switch (c) {
	case OPT_URLS: o->urls = arg; return 0;
	case OPT_CACERT:
		seen_place(&s->url_only, "--cacert");
		h->cacert = arg;
		return 0;
	case OPT_TIMEOUT:
		seen_place(&s->url_only, "--timeout");
		return opt_timeout(arg, &h->timeout_s, err);
	case OPT_MAX_BODY:
		seen_place(&s->url_only, "--max-body");
		return opt_max_body(arg, &h->max_body, err);
	case OPT_RETRIES:
		seen_place(&s->url_only, "--retries");
		return opt_int("--retries", arg, 0, CLI_MAX_RETRIES,
			       &h->retries, err);
	case OPT_WORKLOAD:
		seen_place(&s->compare_only, "--workload");
		return opt_workload(arg, &o->workload, err);
	case OPT_IO_URLS:
		seen_place(&s->compare_only, "--io-urls");
		o->io_urls = arg;
		return 0;
	case OPT_IO_PIPELINE:
		seen_place(&s->compare_only, "--io-pipeline");
		o->io_pipeline = arg;
		return 0;
	case OPT_ROUNDS:
		seen_place(&s->compare_only, "--rounds");
		return opt_int("--rounds", arg, 1, CLI_MAX_ROUNDS, &o->rounds,
			       err);
	}
	return 1;
}

static int
parse_split(const char *arg, struct cli_options *o, struct seen *s,
	    struct imgpipe_error *err)
{
	if (strcmp(arg, "images") == 0)
		o->exec.split_rows = 0;
	else if (strcmp(arg, "rows") == 0)
		o->exec.split_rows = 1;
	else
		return error_set(
			err, IMGPIPE_ESPEC,
			"bad value '%s' for --split (use images or rows)", arg);
	s->split_rows = o->exec.split_rows;
	return 0;
}

/* Options that set a flag or a string. */
static int
parse_flag(int c, const char *arg, struct cli_options *o, struct seen *s,
	   struct imgpipe_error *err)
{
	switch (c) {
	case 'p': o->pipeline = arg; break;
	case 'm':
		o->mode = arg;
		s->mode = 1;
		break;
	case OPT_SPLIT: return parse_split(arg, o, s, err);
	case OPT_GIL: s->gil = 1; return opt_gil(arg, &o->exec.gil, err);
	case OPT_OFFLOAD:
		o->exec.offload = 1;
		s->coop_only = 1;
		break;
	case OPT_NO_AUTO_ORIENT: o->job.auto_orient = 0; break;
	case OPT_NO_SHRINK: o->job.shrink_on_load = 0; break;
	case OPT_LOSSLESS: o->job.enc.lossless = 1; break;
	case OPT_STRIP_GPS: o->job.strip_gps = 1; break;
	case 'r': o->recursive = 1; break;
	case OPT_SKIP_EXISTING: o->skip_existing = 1; break;
	case OPT_FILES_FROM: o->files_from = arg; break;
	case '0': o->null_sep = 1; break;
	case 'n': o->dry_run = 1; break;
	case OPT_REPORT: o->report = arg; break;
	case OPT_CPUS: return opt_cpus(arg, &o->cpus, err);
	case OPT_PIN: return opt_pin(arg, &o->pin, err);
	case OPT_EXPORT_PROFILE: opt_export(arg, o); break;
	case OPT_IMPORT_PROFILE: o->import_profile = arg; break;
	case OPT_TRACE: o->trace = arg; break;
	case OPT_TIMELINE: o->timeline = 1; break;
	case OPT_PROGRESS: o->progress = 1; break;
	case OPT_NO_PROGRESS: o->progress = 0; break;
	case 'v':
		o->verbose++;
		o->quiet = 0;
		break;
	case OPT_QUIET:
		o->quiet = 1;
		o->verbose = 0;
		break;
	default: return 1;
	}
	return 0;
}

/* A getopt failure as a message naming the option as typed. */
static int
bad_option(int c, char **argv, struct imgpipe_error *err)
{
	const char *typed = argv[optind - 1];
	const char *eq = strchr(typed, '=');

	if (c == ':')
		return error_set(err, IMGPIPE_ESPEC,
				 "option '%s' needs a value", typed);
	if (optopt != 0 && optopt < 256 && strncmp(typed, "--", 2) != 0)
		return error_set(err, IMGPIPE_ESPEC, "unknown option '-%c'",
				 optopt);
	if (optopt != 0 && eq != NULL && strncmp(typed, "--", 2) == 0)
		return error_set(err, IMGPIPE_ESPEC,
				 "option '%.*s' takes no value",
				 (int)(eq - typed), typed);
	return error_set(err, IMGPIPE_ESPEC, "unknown option '%s'", typed);
}

/* The mode exists and is built, and the knobs given fit it. */
static int
check_mode(struct cli_options *o, const struct seen *s,
	   struct imgpipe_error *err)
{
	int known;

	if (s->gil && !s->mode)
		o->mode = "threads";
	if (exec_find(o->mode, &known) == NULL)
		return error_set(
			err, IMGPIPE_ESPEC,
			known ? "mode '%s' is not built yet"
			      : "unknown mode '%s' (use seq, threads, procs, omp or coop)",
			o->mode);
	if (s->gil && strcmp(o->mode, "threads") != 0)
		return error_set(err, IMGPIPE_ESPEC,
				 "--gil needs --mode threads, not '%s'",
				 o->mode);
	if (s->gil && s->split_rows)
		return error_set(err, IMGPIPE_ESPEC,
				 "--gil runs whole images; drop --split rows");
	if (s->switch_interval && !s->gil)
		return error_set(err, IMGPIPE_ESPEC,
				 "--switch-interval needs --gil");
	if (s->coop_only && strcmp(o->mode, "coop") != 0)
		return error_set(
			err, IMGPIPE_ESPEC,
			"--yield-rows, --offload and --tick need --mode coop");
	if (s->split_rows && strcmp(o->mode, "threads") != 0 &&
	    strcmp(o->mode, "omp") != 0)
		return error_set(err, IMGPIPE_ESPEC,
				 "--split rows needs --mode threads or omp");
	o->workers = strcmp(o->mode, "seq") == 0 ? 1 : o->exec.jobs;
	return 0;
}

/*
 * -j's cap, now that the inputs and the mode are known: for URL inputs -j
 * counts transfers, which a thread or a coroutine carries cheaply, while
 * procs forks a process (pipes, page tables) for each.
 */
static int
check_jobs(const struct cli_options *o, const struct seen *s, int compare,
	   struct imgpipe_error *err)
{
	int threads = strcmp(o->mode, "threads") == 0;
	int coop = strcmp(o->mode, "coop") == 0;
	int cap = CLI_MAX_JOBS;

	if (o->urls != NULL && (compare || threads || coop))
		cap = CLI_MAX_URL_JOBS;
	if (s->jobs == NULL || o->exec.jobs <= cap)
		return 0;
	if (o->urls != NULL && cap == CLI_MAX_JOBS)
		return error_set(err, IMGPIPE_ESPEC,
				 "--jobs '%s' is out of range 1..%d for "
				 "--mode %s with --urls (%sthreads and coop "
				 "carry up to %d transfers)",
				 s->jobs, cap, o->mode,
				 strcmp(o->mode, "procs") == 0
					 ? "a process per transfer; "
					 : "",
				 CLI_MAX_URL_JOBS);
	return error_set(err, IMGPIPE_ESPEC,
			 "--jobs '%s' is out of range 1..%d", s->jobs, cap);
}

/* URL-only options need URL inputs; compare's options need compare. */
static int
check_places(const struct cli_options *o, const struct seen *s, int compare,
	     struct imgpipe_error *err)
{
	if (s->compare_only != NULL && !compare)
		return error_set(err, IMGPIPE_ESPEC,
				 "%s is an option of 'imgpipe compare'",
				 s->compare_only);
	if (s->url_only != NULL && o->urls == NULL && o->io_urls == NULL)
		return error_set(err, IMGPIPE_ESPEC, "%s needs --urls",
				 s->url_only);
	if ((o->urls != NULL || o->io_urls != NULL) && !IMGPIPE_CURL)
		return error_set(err, IMGPIPE_ESPEC,
				 "URL inputs are not built (CURL=0)");
	if (o->urls != NULL && o->files_from != NULL)
		return error_set(
			err, IMGPIPE_ESPEC,
			"--urls and --files-from both name the inputs");
	if (o->urls != NULL && o->recursive)
		return error_set(err, IMGPIPE_ESPEC,
				 "-r walks INPUT_DIR; --urls has none");
	if (o->workload == NULL || !compare)
		return 0;
	if ((strcmp(o->workload, "mixed") == 0 ||
	     strcmp(o->workload, "all") == 0) &&
	    o->urls == NULL)
		return error_set(err, IMGPIPE_ESPEC,
				 "--workload %s needs --urls", o->workload);
	if (strcmp(o->workload, "io") == 0 && o->urls == NULL &&
	    o->io_urls == NULL)
		return error_set(err, IMGPIPE_ESPEC,
				 "--workload io needs --io-urls or --urls");
	return 0;
}

/*
 * The operands: INPUT_DIR OUTPUT_DIR, or with --urls OUTPUT_DIR alone;
 * compare always takes both (its cpu workload reads INPUT_DIR).
 */
static int
operands(int argc, char **argv, struct cli_options *o, int compare,
	 struct imgpipe_error *err)
{
	int want = o->urls != NULL && !compare ? 1 : 2;
	int have = argc - optind;

	if (have > want)
		return error_set(err, IMGPIPE_ESPEC,
				 "too many operands, starting at '%s'",
				 argv[optind + want]);
	if (have < want)
		return error_set(err, IMGPIPE_ESPEC,
				 want == 1 ? "need OUTPUT_DIR after --urls FILE"
					   : "need INPUT_DIR and OUTPUT_DIR");
	o->input_dir = want == 2 ? argv[optind] : NULL;
	o->output_dir = argv[optind + want - 1];
	if ((o->input_dir != NULL && o->input_dir[0] == '\0') ||
	    o->output_dir[0] == '\0')
		return error_set(err, IMGPIPE_ESPEC, "empty folder name");
	if (o->urls != NULL && o->urls[0] == '\0')
		return error_set(err, IMGPIPE_ESPEC,
				 "empty file name for --urls");
	return 0;
}

/* Operands and the checks that need every option seen. */
static int
finish(int argc, char **argv, struct cli_options *o, const struct seen *s,
       int compare, struct imgpipe_error *err)
{
	int rc;

	rc = operands(argc, argv, o, compare, err);
	if (rc == 0)
		rc = check_places(o, s, compare, err);
	if (rc != 0)
		return rc;
	if (o->null_sep && o->files_from == NULL)
		return error_set(err, IMGPIPE_ESPEC, "-0 needs --files-from");
	if (o->progress < 0)
		o->progress = !o->quiet && isatty(STDERR_FILENO);
	o->exec.urls = o->urls != NULL;
	rc = check_mode(o, s, err);
	if (rc == 0)
		rc = check_jobs(o, s, compare, err);
	return rc;
}

static int
parse(int argc, char **argv, int compare, struct cli_options *o,
      struct imgpipe_error *err)
{
	struct seen s;
	int c, rc;

	set_defaults(o);
	memset(&s, 0, sizeof(s));
	optind = 0; /* glibc: full re-initialisation, so tests may call again */
	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) !=
	       -1) {
		if (c == '?' || c == ':')
			return bad_option(c, argv, err);
		if (c == 'h') {
			cli_usage(stdout);
			return CLI_DONE;
		}
		if (c == OPT_VERSION) {
			print_version();
			return CLI_DONE;
		}
		rc = parse_flag(c, optarg, o, &s, err);
		if (rc == 1)
			rc = parse_tuning(c, optarg, o, &s, err);
		if (rc == 1)
			rc = parse_urls(c, optarg, o, &s, err);
		if (rc != 0)
			return rc;
	}
	return finish(argc, argv, o, &s, compare, err);
}

int
cli_parse(int argc, char **argv, struct cli_options *o,
	  struct imgpipe_error *err)
{
	return parse(argc, argv, 0, o, err);
}

int
cli_parse_compare(int argc, char **argv, struct cli_options *o,
		  struct imgpipe_error *err)
{
	return parse(argc, argv, 1, o, err);
}

/*
 * --cpus applied: the process and all it starts from now on run on those
 * CPUs, and the default -j (and so the CPU slots, compare's workers)
 * counts them.
 */
static int
apply_cpus(struct cli_options *o, struct imgpipe_error *err)
{
	unsigned char set[TOPO_MAX_CPUS];
	char why[IMGPIPE_ERR_MSG_LEN - 32];

	if (o->cpus == NULL)
		return 0;
	if (cpulist_parse(o->cpus, set, TOPO_MAX_CPUS, why, sizeof(why)) != 0 ||
	    pin_process(set, why, sizeof(why)) != 0)
		return error_set(err, IMGPIPE_ESPEC, "--cpus '%.24s': %s",
				 o->cpus, why);
	if (!o->jobs_given) {
		o->exec.jobs = default_jobs();
		o->workers = strcmp(o->mode, "seq") == 0 ? 1 : o->exec.jobs;
	}
	return 0;
}

int
cli_setup(int argc, char **argv, int compare, struct cli_options *o,
	  struct spec *spec)
{
	struct imgpipe_error err;
	int rc;

	error_clear(&err);
	rc = parse(argc, argv, compare, o, &err);
	if (rc == CLI_RUN)
		rc = apply_cpus(o, &err);
	if (rc == CLI_RUN)
		rc = spec_parse(o->pipeline, spec, &err);
	if (rc == CLI_RUN)
		o->job.spec = spec;
	else if (rc != CLI_DONE)
		cli_usage_error(&err);
	return rc;
}
