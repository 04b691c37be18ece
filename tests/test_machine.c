/*
 * The machine record on fake /sys and /proc trees built in a temporary
 * folder: a two-socket SMT box with cpufreq, a VM without cpufreq or
 * topology, an empty tree (everything unknown, null in JSON), cgroup v2
 * and v1 CPU limits, the THP bracket, and the throttling rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "machine.h"

struct fixture {
	char root[64];
	struct machine m;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->root, sizeof(f->root), "/tmp/imgpipe-machine-XXXXXX");
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

/* The record as JSON; the caller frees it. */
static char *
json_of(const struct machine *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	machine_write_json(f, m);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static char *
text_of(const struct machine *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	machine_write_text(f, m);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
has(const char *text, const char *want)
{
	if (strstr(text, want) == NULL)
		fail_msg("\"%s\" missing from:\n%s", want, text);
}

static void
put_cpu(const char *root, int cpu, int package, int core, int khz)
{
	char rel[128], num[16];

	snprintf(num, sizeof(num), "%d\n", package);
	snprintf(rel, sizeof(rel),
		 "sys/devices/system/cpu/cpu%d/topology/physical_package_id",
		 cpu);
	test_put_file(root, rel, num);
	snprintf(num, sizeof(num), "%d\n", core);
	snprintf(rel, sizeof(rel),
		 "sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
	test_put_file(root, rel, num);
	snprintf(num, sizeof(num), "%d\n", khz);
	snprintf(rel, sizeof(rel),
		 "sys/devices/system/cpu/cpu%d/cpufreq/scaling_cur_freq", cpu);
	test_put_file(root, rel, num);
}

/*
 * Two sockets of four cores with SMT (CPUs 8-15 the second siblings), a
 * NUMA node per socket, cpufreq with boost, a cgroup v2 limit of 1.5 CPUs
 * under a parent without one.
 */
static void
test_machine_two_sockets(void **state)
{
	struct fixture *f = *state;
	struct machine *m = &f->m;
	char *j, *t;

	test_put_file(f->root, "sys/devices/system/cpu/online", "0-15\n");
	for (int c = 0; c < 16; c++)
		put_cpu(f->root, c, (c / 4) % 2, c % 4,
			c < 8 ? 3000000 : 3200000);
	test_put_file(f->root, "sys/devices/system/node/node0/cpulist",
		      "0-3,8-11\n");
	test_put_file(f->root, "sys/devices/system/node/node1/cpulist",
		      "4-7,12-15\n");
	test_put_file(f->root,
		      "sys/devices/system/cpu/cpu0/cpufreq/"
		      "scaling_driver",
		      "acpi-cpufreq\n");
	test_put_file(f->root,
		      "sys/devices/system/cpu/cpu0/cpufreq/"
		      "scaling_governor",
		      "performance\n");
	test_put_file(f->root, "sys/devices/system/cpu/cpufreq/boost", "1\n");
	/* cpufreq wins over cpuinfo's figure. */
	test_put_file(f->root, "proc/cpuinfo",
		      "processor\t: 0\nmodel name\t: Test CPU @ 3.00GHz\n"
		      "cpu MHz\t\t: 1234.000\n\nprocessor\t: 1\n"
		      "model name\t: Test CPU @ 3.00GHz\n");
	test_put_file(f->root, "proc/sys/kernel/osrelease", "6.1.0-test\n");
	test_put_file(f->root, "proc/sys/kernel/version", "#1 SMP\n");
	test_put_file(f->root, "sys/kernel/mm/transparent_hugepage/enabled",
		      "always madvise [never]\n");
	test_put_file(f->root, "proc/loadavg", "0.50 0.40 0.30 1/100 123\n");
	test_put_file(f->root, "proc/self/cgroup", "0::/user.slice/job\n");
	test_put_file(f->root, "sys/fs/cgroup/user.slice/cpu.max",
		      "max 100000\n");
	test_put_file(f->root, "sys/fs/cgroup/user.slice/job/cpu.max",
		      "150000 100000\n");
	test_put_file(f->root,
		      "sys/fs/cgroup/user.slice/job/cpuset.cpus.effective",
		      "0-3\n");

	machine_read(f->root, m);
	assert_string_equal(m->cpu_model, "Test CPU @ 3.00GHz");
	assert_int_equal(m->topo.n, 16);
	assert_string_equal(m->online, "0-15");
	assert_string_equal(m->cpufreq_driver, "acpi-cpufreq");
	assert_string_equal(m->governor, "performance");
	assert_int_equal(m->boost, 1);
	assert_string_equal(m->kernel, "6.1.0-test #1 SMP");
	assert_string_equal(m->thp, "never");
	assert_near(m->cgroup_cpus, 1.5, 1e-9);
	assert_string_equal(m->cgroup_cpuset, "0-3");
	assert_near(m->load1_before, 0.5, 1e-9);
	assert_int_equal(m->freq.samples, 1);
	assert_near(m->freq.start_mhz, 3100, 1e-6);
	assert_int_equal(m->freq.throttled, 0);

	j = json_of(m);
	has(j, "{\"cpu_model\": \"Test CPU @ 3.00GHz\", \"sockets\": 2, "
	       "\"cores\": 8, \"threads\": 16, \"smt\": true, \"numa\": "
	       "[{\"node\": 0, \"cpus\": \"0-3,8-11\"}, {\"node\": 1, "
	       "\"cpus\": \"4-7,12-15\"}], \"online\": \"0-15\", ");
	has(j, "\"cpufreq_driver\": \"acpi-cpufreq\", \"governor\": "
	       "\"performance\", \"boost\": true, \"freq_mhz\": {\"samples\": "
	       "1, \"start\": 3100, \"min\": 3100, \"end\": 3100, \"mean\": "
	       "3100}, \"throttled\": false, \"kernel\": \"6.1.0-test #1 "
	       "SMP\", \"thp\": \"never\", \"cgroup_cpu_limit\": 1.5, "
	       "\"cgroup_cpuset\": \"0-3\", \"load1_before\": 0.5}");
	free(j);
	t = text_of(m);
	has(t, "sockets: 2\ncores: 8\nthreads: 16\nsmt: yes\n"
	       "numa: node0 0-3,8-11, node1 4-7,12-15\n");
	has(t, "cgroup_cpu_limit: 1.5 CPUs\n");
	free(t);
	/* The frequency alone, as --watch and compare sample it. */
	assert_near(machine_freq_now(f->root), 3100, 1e-6);
}

/* A VM: the online list and cpuinfo only.  Nothing else is guessed. */
static void
test_machine_vm_unknowns(void **state)
{
	struct fixture *f = *state;
	struct machine *m = &f->m;
	char *j, *t;

	test_put_file(f->root, "sys/devices/system/cpu/online", "0-3\n");
	test_put_file(
		f->root, "proc/cpuinfo",
		"model name\t: QEMU Virtual CPU\ncpu MHz\t\t: 2400.000\n"
		"model name\t: QEMU Virtual CPU\ncpu MHz\t\t: 2200.000\n");
	machine_read(f->root, m);
	j = json_of(m);
	has(j, "\"cpu_model\": \"QEMU Virtual CPU\", \"sockets\": null, "
	       "\"cores\": null, \"threads\": 4, \"smt\": null, \"numa\": "
	       "null, \"online\": \"0-3\", ");
	has(j, "\"cpufreq_driver\": null, \"governor\": null, \"boost\": "
	       "null, \"freq_mhz\": {\"samples\": 1, \"start\": 2300, ");
	has(j, "\"throttled\": false, \"kernel\": null, \"thp\": null, "
	       "\"cgroup_cpu_limit\": null, \"cgroup_cpuset\": null, "
	       "\"load1_before\": null}");
	free(j);
	t = text_of(m);
	has(t, "sockets: unknown\ncores: unknown\nthreads: 4\n"
	       "smt: unknown\nnuma: unknown\n");
	has(t, "governor: unknown\nboost: unknown\n");
	has(t, "cgroup_cpu_limit: unknown\ncgroup_cpuset: unknown\n"
	       "load1_before: unknown\n");
	free(t);
}

/* Nothing at all: every field null, no frequency sample. */
static void
test_machine_empty_tree(void **state)
{
	struct fixture *f = *state;
	struct machine *m = &f->m;
	char *j;

	machine_read(f->root, m);
	assert_int_equal(m->freq.samples, 0);
	assert_true(machine_freq_now(f->root) < 0);
	j = json_of(m);
	has(j, "{\"cpu_model\": null, \"sockets\": null, \"cores\": null, "
	       "\"threads\": null, \"smt\": null, \"numa\": null, \"online\": "
	       "null, ");
	has(j, "\"freq_mhz\": {\"samples\": 0, \"start\": null, \"min\": "
	       "null, \"end\": null, \"mean\": null}, \"throttled\": null, ");
	free(j);
}

/* cpu.max "max" is no limit, known as such; a limit above binds too. */
static void
test_machine_cgroup_v2(void **state)
{
	struct fixture *f = *state;
	struct machine *m = &f->m;
	char *t;

	test_put_file(f->root, "proc/self/cgroup", "0::/a/b\n");
	test_put_file(f->root, "sys/fs/cgroup/a/b/cpu.max", "max 100000\n");
	machine_read(f->root, m);
	assert_true(m->cgroup_cpus < 0);
	assert_int_equal(m->cgroup_read, 1);
	t = text_of(m);
	has(t, "cgroup_cpu_limit: none\n");
	free(t);

	test_put_file(f->root, "sys/fs/cgroup/a/cpu.max", "200000 100000\n");
	machine_read(f->root, m);
	assert_near(m->cgroup_cpus, 2, 1e-9);
	test_put_file(f->root, "sys/fs/cgroup/a/b/cpu.max", "50000 100000\n");
	machine_read(f->root, m);
	assert_near(m->cgroup_cpus, 0.5, 1e-9);
	/* Malformed: no period. */
	test_put_file(f->root, "sys/fs/cgroup/a/b/cpu.max", "50000\n");
	test_put_file(f->root, "sys/fs/cgroup/a/cpu.max", "junk\n");
	machine_read(f->root, m);
	assert_true(m->cgroup_cpus < 0);
	assert_int_equal(m->cgroup_read, 0);
}

/* cgroup v1: cpu.cfs_quota_us over cpu.cfs_period_us; -1 is none. */
static void
test_machine_cgroup_v1(void **state)
{
	struct fixture *f = *state;
	struct machine *m = &f->m;

	test_put_file(f->root, "proc/self/cgroup",
		      "4:cpu,cpuacct:/docker/x\n3:cpuset:/docker/x\n0::/\n");
	test_put_file(f->root,
		      "sys/fs/cgroup/cpu,cpuacct/docker/x/cpu.cfs_quota_us",
		      "250000\n");
	test_put_file(f->root,
		      "sys/fs/cgroup/cpu,cpuacct/docker/x/cpu.cfs_period_us",
		      "100000\n");
	test_put_file(f->root,
		      "sys/fs/cgroup/cpuset/docker/x/cpuset.effective_cpus",
		      "2-3\n");
	machine_read(f->root, m);
	assert_near(m->cgroup_cpus, 2.5, 1e-9);
	assert_string_equal(m->cgroup_cpuset, "2-3");
	test_put_file(f->root,
		      "sys/fs/cgroup/cpu,cpuacct/docker/x/cpu.cfs_quota_us",
		      "-1\n");
	machine_read(f->root, m);
	assert_true(m->cgroup_cpus < 0);
	assert_int_equal(m->cgroup_read, 1);
}

/* The bracketed word is the mode; without brackets it is unknown. */
static void
test_machine_thp(void **state)
{
	struct fixture *f = *state;
	struct machine *m = &f->m;
	const char *rel = "sys/kernel/mm/transparent_hugepage/enabled";

	test_put_file(f->root, rel, "[always] madvise never\n");
	machine_read(f->root, m);
	assert_string_equal(m->thp, "always");
	test_put_file(f->root, rel, "always [madvise] never\n");
	machine_read(f->root, m);
	assert_string_equal(m->thp, "madvise");
	test_put_file(f->root, rel, "always madvise never\n");
	machine_read(f->root, m);
	assert_string_equal(m->thp, "");
	test_put_file(f->root, rel, "always [] never\n");
	machine_read(f->root, m);
	assert_string_equal(m->thp, "");
}

/* intel_pstate says no_turbo: boost is its opposite. */
static void
test_machine_boost_and_arm(void **state)
{
	struct fixture *f = *state;
	struct machine *m = &f->m;

	test_put_file(f->root, "sys/devices/system/cpu/intel_pstate/no_turbo",
		      "1\n");
	test_put_file(f->root, "proc/cpuinfo",
		      "processor\t: 0\nBogoMIPS\t: 50.00\n"
		      "CPU implementer\t: 0x41\nCPU part\t: 0xd0c\n");
	machine_read(f->root, m);
	assert_int_equal(m->boost, 0);
	assert_string_equal(m->cpu_model, "CPU implementer 0x41, part 0xd0c");
	/* arm64 has no "cpu MHz": no frequency. */
	assert_int_equal(m->freq.samples, 0);
	test_put_file(f->root, "sys/devices/system/cpu/intel_pstate/no_turbo",
		      "0\n");
	machine_read(f->root, m);
	assert_int_equal(m->boost, 1);
}

/* Throttled: the lowest sample more than 10% below the first. */
static void
test_machine_freq_add(void **state)
{
	struct machine_freq q;

	(void)state;
	memset(&q, 0, sizeof(q));
	machine_freq_add(&q, -1);
	assert_int_equal(q.samples, 0);
	machine_freq_add(&q, 3000);
	machine_freq_add(&q, 2800);
	assert_int_equal(q.throttled, 0);
	machine_freq_add(&q, 2700);
	/* Exactly 10% below is not more than 10%. */
	assert_int_equal(q.throttled, 0);
	machine_freq_add(&q, 2600);
	assert_int_equal(q.throttled, 1);
	machine_freq_add(&q, 3000);
	assert_int_equal(q.samples, 5);
	assert_near(q.start_mhz, 3000, 1e-9);
	assert_near(q.min_mhz, 2600, 1e-9);
	assert_near(q.end_mhz, 3000, 1e-9);
	assert_near(q.mean_mhz, 2820, 1e-9);
	/* Once throttled, a recovery does not clear the flag. */
	assert_int_equal(q.throttled, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_machine_two_sockets, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_machine_vm_unknowns, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_machine_empty_tree, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_machine_cgroup_v2, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_machine_cgroup_v1, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_machine_thp, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_machine_boost_and_arm,
						setup, teardown),
		cmocka_unit_test(test_machine_freq_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
