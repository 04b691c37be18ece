/*
 * --pin's CPU order on made-up topologies (two sockets with SMT numbered
 * as on Intel, siblings numbered next to each other as on AMD, a VM that
 * says nothing, a subset of the CPUs), and the binding calls on this
 * machine.
 */
#define _GNU_SOURCE /* sched_getaffinity: to put the mask back */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <string.h>

#include "error.h"
#include "pin.h"
#include "topology.h"

static struct topology topo;
static unsigned char all[TOPO_MAX_CPUS];

/* CPUs 0..n-1 online, CPU c in package pkg[c], core core[c], node node[c]. */
static void
make(int n, const int *pkg, const int *core, const int *node)
{
	memset(&topo, 0, sizeof(topo));
	memset(all, 0, sizeof(all));
	topo.n = n;
	for (int c = 0; c < n; c++) {
		topo.cpu[c].cpu = c;
		topo.cpu[c].package = pkg ? pkg[c] : -1;
		topo.cpu[c].core = core ? core[c] : -1;
		topo.cpu[c].node = node ? node[c] : -1;
		all[c] = 1;
	}
}

static void
check_order(const unsigned char *allowed, enum pin_policy p, int max,
	    const int *want, int nwant)
{
	int map[TOPO_MAX_CPUS];
	int n = pin_order(&topo, allowed, p, map, max);

	assert_int_equal(n, nwant);
	for (int i = 0; i < n; i++)
		if (map[i] != want[i])
			fail_msg("%s: map[%d] = %d, want %d",
				 pin_policy_name(p), i, map[i], want[i]);
}

/* Two sockets of four cores, SMT: 0-3 socket 0, 4-7 socket 1, 8-15 siblings. */
static void
intel_two_sockets(void)
{
	int pkg[16], core[16];

	for (int c = 0; c < 16; c++) {
		pkg[c] = (c / 4) % 2;
		core[c] = c % 4;
	}
	make(16, pkg, core, pkg);
}

static void
test_pin_cores_two_sockets(void **state)
{
	static const int want[] = { 0, 4,  1, 5,  2,  6,  3,  7,
				    8, 12, 9, 13, 10, 14, 11, 15 };

	(void)state;
	intel_two_sockets();
	check_order(all, PIN_CORES, TOPO_MAX_CPUS, want, 16);
	/* -j 3 takes the first three: two sockets, no sibling shared. */
	check_order(all, PIN_CORES, 3, want, 3);
}

static void
test_pin_threads_two_sockets(void **state)
{
	static const int want[] = { 0, 8,  1, 9,  2, 10, 3, 11,
				    4, 12, 5, 13, 6, 14, 7, 15 };

	(void)state;
	intel_two_sockets();
	check_order(all, PIN_THREADS, TOPO_MAX_CPUS, want, 16);
}

/* One package, siblings numbered together: CPUs 2k and 2k+1 are core k. */
static void
test_pin_adjacent_siblings(void **state)
{
	static const int pkg[8] = { 0 }, node[8] = { 0 };
	static const int core[8] = { 0, 0, 1, 1, 2, 2, 3, 3 };
	static const int cores[] = { 0, 2, 4, 6, 1, 3, 5, 7 };
	static const int threads[] = { 0, 1, 2, 3, 4, 5, 6, 7 };

	(void)state;
	make(8, pkg, core, node);
	check_order(all, PIN_CORES, TOPO_MAX_CPUS, cores, 8);
	check_order(all, PIN_THREADS, TOPO_MAX_CPUS, threads, 8);
}

/* Only the allowed CPUs, and a core with one allowed sibling is whole. */
static void
test_pin_subset(void **state)
{
	static const int cores[] = { 0, 9, 8 };
	static const int threads[] = { 0, 8, 9 };
	static const int spread[] = { 1, 5, 13 };
	unsigned char some[TOPO_MAX_CPUS] = { 0 };

	(void)state;
	intel_two_sockets();
	some[0] = some[8] = some[9] = 1;
	check_order(some, PIN_CORES, TOPO_MAX_CPUS, cores, 3);
	check_order(some, PIN_THREADS, TOPO_MAX_CPUS, threads, 3);
	memset(some, 0, sizeof(some));
	some[1] = some[5] = some[13] = 1;
	check_order(some, PIN_CORES, TOPO_MAX_CPUS, spread, 3);
	memset(some, 0, sizeof(some));
	check_order(some, PIN_CORES, TOPO_MAX_CPUS, NULL, 0);
}

/* A VM: every CPU is a core of its own, in number order, either policy. */
static void
test_pin_unknown_topology(void **state)
{
	static const int want[] = { 0, 1, 2, 3 };

	(void)state;
	make(4, NULL, NULL, NULL);
	check_order(all, PIN_CORES, TOPO_MAX_CPUS, want, 4);
	check_order(all, PIN_THREADS, TOPO_MAX_CPUS, want, 4);
	/* No topology read at all: the allowed CPUs themselves. */
	topo.n = 0;
	check_order(all, PIN_CORES, TOPO_MAX_CPUS, want, 4);
}

/* Some cores known (0 and 1 siblings), CPU 2's unknown: a core alone. */
static void
test_pin_partly_known(void **state)
{
	static const int pkg[4] = { 0, 0, 0, 0 }, node[4] = { 0, 0, 0, 0 };
	static const int core[4] = { 0, 0, -1, 1 };
	static const int cores[] = { 0, 2, 3, 1 };
	static const int threads[] = { 0, 1, 2, 3 };

	(void)state;
	make(4, pkg, core, node);
	check_order(all, PIN_CORES, TOPO_MAX_CPUS, cores, 4);
	check_order(all, PIN_THREADS, TOPO_MAX_CPUS, threads, 4);
}

/* Same core id in two packages: two cores, not one. */
static void
test_pin_core_ids_per_package(void **state)
{
	static const int pkg[4] = { 0, 1, 0, 1 }, core[4] = { 0, 0, 1, 1 };
	static const int cores[] = { 0, 1, 2, 3 };

	(void)state;
	make(4, pkg, core, NULL);
	check_order(all, PIN_CORES, TOPO_MAX_CPUS, cores, 4);
	check_order(all, PIN_THREADS, TOPO_MAX_CPUS, cores, 4);
}

static void
test_pin_none_and_names(void **state)
{
	int map[4];

	(void)state;
	make(4, NULL, NULL, NULL);
	assert_int_equal(pin_order(&topo, all, PIN_NONE, map, 4), 0);
	assert_int_equal(pin_policy_parse("none"), PIN_NONE);
	assert_int_equal(pin_policy_parse("cores"), PIN_CORES);
	assert_int_equal(pin_policy_parse("threads"), PIN_THREADS);
	assert_int_equal(pin_policy_parse("sideways"), -1);
	assert_int_equal(pin_policy_parse(""), -1);
	assert_int_equal(pin_policy_parse("Cores"), -1);
	assert_string_equal(pin_policy_name(PIN_CORES), "cores");
	assert_string_equal(pin_policy_name(PIN_THREADS), "threads");
	assert_string_equal(pin_policy_name(PIN_NONE), "none");
}

/*
 * On this machine: the thread goes where it is pinned, a CPU outside the
 * mask is refused by name, and the mask is put back for what follows.
 */
static void
test_pin_live(void **state)
{
	unsigned char now[TOPO_MAX_CPUS], one[TOPO_MAX_CPUS] = { 0 };
	char err[256];
	int first = -1, last = -1;
	cpu_set_t saved;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(saved), &saved), 0);
	assert_true(pin_allowed(now) >= 1);
	for (int c = 0; c < TOPO_MAX_CPUS; c++)
		if (now[c]) {
			first = first < 0 ? c : first;
			last = c;
		}
	assert_int_equal(pin_self(last), 0);
	assert_int_equal(pin_cpu_now(), last);
	assert_int_equal(pin_allowed(one), 1);
	assert_int_equal(one[last], 1);
	assert_int_equal(pin_self(-1), -EINVAL);
	assert_int_equal(pin_self(1 << 20), -EINVAL);
	/* The mask is now {last}: first (if another) is refused by name. */
	memset(one, 0, sizeof(one));
	if (first != last) {
		one[first] = 1;
		assert_int_equal(pin_process(one, err, sizeof(err)),
				 IMGPIPE_ESPEC);
		assert_non_null(strstr(err, "is not online or not permitted"));
		one[first] = 0;
	}
	assert_int_equal(pin_process(one, err, sizeof(err)), IMGPIPE_ESPEC);
	one[last] = 1;
	assert_int_equal(pin_process(one, err, sizeof(err)), 0);
	assert_int_equal(pin_cpu_now(), last);
	assert_int_equal(sched_setaffinity(0, sizeof(saved), &saved), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_cores_two_sockets),
		cmocka_unit_test(test_pin_threads_two_sockets),
		cmocka_unit_test(test_pin_adjacent_siblings),
		cmocka_unit_test(test_pin_subset),
		cmocka_unit_test(test_pin_unknown_topology),
		cmocka_unit_test(test_pin_partly_known),
		cmocka_unit_test(test_pin_core_ids_per_package),
		cmocka_unit_test(test_pin_none_and_names),
		cmocka_unit_test(test_pin_live),
	};

	return cmocka_run_group_tests_name("pin", tests, NULL, NULL);
}
