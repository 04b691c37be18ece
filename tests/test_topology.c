/*
 * The sysfs topology reader on fake /sys trees built in a temporary folder
 * (two sockets with SMT, a VM without topology files, a list with holes),
 * and the CPU list parser and formatter.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "helpers.h"
#include "topology.h"

struct fixture {
	char root[64];
	struct topology t;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->root, sizeof(f->root), "/tmp/imgpipe-topo-XXXXXX");
	if (mkdtemp(f->root) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (test_remove_tree(f->root) != 0)
		return -1;
	free(f);
	return 0;
}

/* Write text to root/rel, making its folders. */
static void
put(const char *root, const char *rel, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			fail_msg("cannot make %s", path);
		*s = '/';
	}
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void
put_cpu(const char *root, int cpu, int package, int core)
{
	char rel[128], num[16];

	snprintf(num, sizeof(num), "%d\n", package);
	snprintf(rel, sizeof(rel),
		 "sys/devices/system/cpu/cpu%d/topology/physical_package_id",
		 cpu);
	put(root, rel, num);
	snprintf(num, sizeof(num), "%d\n", core);
	snprintf(rel, sizeof(rel),
		 "sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
	put(root, rel, num);
}

static void
check_cpu(const struct topology *t, int i, int cpu, int package, int core,
	  int node)
{
	assert_int_equal(t->cpu[i].cpu, cpu);
	assert_int_equal(t->cpu[i].package, package);
	assert_int_equal(t->cpu[i].core, core);
	assert_int_equal(t->cpu[i].node, node);
}

/*
 * Two sockets of four cores with SMT, numbered as Linux numbers them on
 * Intel: CPUs 0-3 are socket 0's cores, 4-7 socket 1's, and 8-15 their
 * second siblings; one NUMA node per socket.
 */
static void
test_topology_two_sockets_smt(void **state)
{
	struct fixture *f = *state;
	struct topology *t = &f->t;

	put(f->root, "sys/devices/system/cpu/online", "0-15\n");
	for (int c = 0; c < 16; c++)
		put_cpu(f->root, c, (c / 4) % 2, c % 4);
	put(f->root, "sys/devices/system/node/node0/cpulist", "0-3,8-11\n");
	put(f->root, "sys/devices/system/node/node1/cpulist", "4-7,12-15\n");
	/* Not a node: ignored. */
	put(f->root, "sys/devices/system/node/possible", "0-1\n");
	assert_int_equal(topology_read(f->root, t), 0);
	assert_int_equal(t->n, 16);
	check_cpu(t, 0, 0, 0, 0, 0);
	check_cpu(t, 5, 5, 1, 1, 1);
	check_cpu(t, 9, 9, 0, 1, 0);
	check_cpu(t, 15, 15, 1, 3, 1);
	assert_int_equal(t->packages, 2);
	assert_int_equal(t->cores, 8);
	assert_int_equal(t->nodes, 2);
	assert_int_equal(t->smt, 1);
}

/* A VM: the online list only.  Nothing else is guessed. */
static void
test_topology_vm_without_files(void **state)
{
	struct fixture *f = *state;
	struct topology *t = &f->t;

	put(f->root, "sys/devices/system/cpu/online", "0-3\n");
	assert_int_equal(topology_read(f->root, t), 0);
	assert_int_equal(t->n, 4);
	for (int i = 0; i < 4; i++)
		check_cpu(t, i, i, -1, -1, -1);
	assert_int_equal(t->packages, -1);
	assert_int_equal(t->cores, -1);
	assert_int_equal(t->nodes, -1);
	assert_int_equal(t->smt, -1);
}

/*
 * Offline CPUs leave holes; one core's files are missing or malformed, so
 * the core count is unknown while the packages and nodes are known.
 */
static void
test_topology_holes(void **state)
{
	struct fixture *f = *state;
	struct topology *t = &f->t;

	put(f->root, "sys/devices/system/cpu/online", "0,2-3,6\n");
	put_cpu(f->root, 0, 0, 0);
	put_cpu(f->root, 2, 0, 2);
	put_cpu(f->root, 6, 0, 6);
	put(f->root, "sys/devices/system/cpu/cpu3/topology/physical_package_id",
	    "0\n");
	put(f->root, "sys/devices/system/cpu/cpu3/topology/core_id", "x3\n");
	/* CPU 1 is offline: its files are not read. */
	put_cpu(f->root, 1, 5, 5);
	put(f->root, "sys/devices/system/node/node0/cpulist", "0-7\n");
	assert_int_equal(topology_read(f->root, t), 0);
	assert_int_equal(t->n, 4);
	check_cpu(t, 0, 0, 0, 0, 0);
	check_cpu(t, 1, 2, 0, 2, 0);
	check_cpu(t, 2, 3, 0, -1, 0);
	check_cpu(t, 3, 6, 0, 6, 0);
	assert_int_equal(t->packages, 1);
	assert_int_equal(t->cores, -1);
	assert_int_equal(t->nodes, 1);
	assert_int_equal(t->smt, -1);
}

/* No online list at all: an error, and no CPU described. */
static void
test_topology_no_online_list(void **state)
{
	struct fixture *f = *state;

	f->t.n = 7;
	assert_int_equal(topology_read(f->root, &f->t), IMGPIPE_EIO);
	assert_int_equal(f->t.n, 0);
	put(f->root, "sys/devices/system/cpu/online", "zero\n");
	assert_int_equal(topology_read(f->root, &f->t), IMGPIPE_EIO);
}

/* The running kernel's own: at least one CPU, each known field sane. */
static void
test_topology_live(void **state)
{
	struct fixture *f = *state;
	struct topology *t = &f->t;

	if (topology_read("", t) != 0)
		skip();
	assert_true(t->n >= 1);
	for (int i = 1; i < t->n; i++)
		assert_true(t->cpu[i].cpu > t->cpu[i - 1].cpu);
	if (t->cores > 0)
		assert_true(t->cores <= t->n);
}

struct parse_case {
	const char *list;
	int rc;
	const char *canon; /* the formatted set, or the message on failure */
};

static void
check_parse(const struct parse_case *c)
{
	unsigned char set[64];
	char err[128] = "", out[128];

	memset(set, 7, sizeof(set));
	assert_int_equal(cpulist_parse(c->list, set, 64, err, sizeof(err)),
			 c->rc);
	if (c->rc != 0) {
		assert_string_equal(err, c->canon);
		return;
	}
	for (int i = 0; i < 64; i++)
		assert_true(set[i] == 0 || set[i] == 1);
	cpulist_format(set, 64, out, sizeof(out));
	assert_string_equal(out, c->canon);
}

static void
test_cpulist_parse_cases(void **state)
{
	const struct parse_case cases[] = {
		{ "0", 0, "0" },
		{ "0-1\n", 0, "0-1" },
		{ "0-7,16-23", 0, "0-7,16-23" },
		{ "3,1,2", 0, "1-3" },
		{ "0,2,4-5,5,63", 0, "0,2,4-5,63" },
		{ "4-4", 0, "4" },
		{ "", 0, "" },
		{ "\n", 0, "" },
		{ "5-3", -1, "reversed CPU range '5-3'" },
		{ "x", -1, "bad CPU list at 'x'" },
		{ "1,,2", -1, "bad CPU list at ',2'" },
		{ "1-", -1, "bad CPU list at '1-'" },
		{ "-1", -1, "bad CPU list at '-1'" },
		{ " 1", -1, "bad CPU list at ' 1'" },
		{ "1,", -1, "bad CPU list at ''" },
		{ "0-3 ", -1, "bad CPU list at '0-3 '" },
		{ "64", -1, "CPU 64 is not below 64" },
		{ "0-999", -1, "CPU 999 is not below 64" },
		{ "99999999999999999999", -1,
		  "bad CPU list at '99999999999999999999'" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_parse(&cases[i]);
}

/* A message never overruns a short buffer, and NULL is allowed. */
static void
test_cpulist_parse_short_err(void **state)
{
	unsigned char set[8];
	char err[6];

	(void)state;
	assert_int_equal(cpulist_parse("9", set, 8, err, sizeof(err)), -1);
	assert_string_equal(err, "CPU 9");
	assert_int_equal(cpulist_parse("y", set, 8, NULL, 0), -1);
}

/* Every set formats to a list that parses back to the same set. */
static void
test_cpulist_round_trip(void **state)
{
	unsigned char set[TOPO_MAX_CPUS], back[TOPO_MAX_CPUS];
	static char buf[8192];
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < TOPO_MAX_CPUS; i++) {
			seed = seed * 1103515245u + 12345u;
			set[i] = (seed >> 16) % (round % 7 + 2) == 0;
		}
		cpulist_format(set, TOPO_MAX_CPUS, buf, sizeof(buf));
		assert_int_equal(
			cpulist_parse(buf, back, TOPO_MAX_CPUS, NULL, 0), 0);
		assert_memory_equal(set, back, sizeof(set));
	}
}

/* A buffer too small holds whole entries only, never a cut number. */
static void
test_cpulist_format_short(void **state)
{
	unsigned char set[32] = { 0 };
	char buf[8];

	(void)state;
	set[1] = set[10] = set[11] = set[12] = set[20] = 1;
	cpulist_format(set, 32, buf, sizeof(buf));
	assert_string_equal(buf, "1,10-12");
	cpulist_format(set, 32, buf, 6);
	assert_string_equal(buf, "1");
	cpulist_format(set, 32, buf, 1);
	assert_string_equal(buf, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_topology_two_sockets_smt,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_topology_vm_without_files,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_topology_holes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_topology_no_online_list,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_topology_live, setup,
						teardown),
		cmocka_unit_test(test_cpulist_parse_cases),
		cmocka_unit_test(test_cpulist_parse_short_err),
		cmocka_unit_test(test_cpulist_round_trip),
		cmocka_unit_test(test_cpulist_format_short),
	};

	return cmocka_run_group_tests_name("topology", tests, NULL, NULL);
}
