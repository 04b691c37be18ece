/*
 * The CPUs of this machine as the kernel describes them in sysfs: which
 * package (socket), core and NUMA node each online CPU belongs to.  What
 * sysfs does not say (a VM, a container) is -1, never guessed.
 *
 * Read once; pin.c orders CPUs from it, machine.c describes the machine.
 */
#ifndef IMGPIPE_TOPOLOGY_H
#define IMGPIPE_TOPOLOGY_H

#include <stddef.h>

/* At most this many CPUs are described (Linux's default CPU_SETSIZE). */
#define TOPO_MAX_CPUS 1024

struct topo_cpu {
	int cpu;     /* the kernel's CPU number */
	int package; /* physical_package_id; -1 unknown */
	int core;    /* core_id within the package; -1 unknown */
	int node;    /* NUMA node; -1 unknown */
};

struct topology {
	int n; /* online CPUs described, by cpu number */
	struct topo_cpu cpu[TOPO_MAX_CPUS];
	int packages, cores, nodes; /* distinct counts; -1 unknown */
	int smt; /* 1 some core has 2+ CPUs, 0 none, -1 unknown */
};

/*
 * Read the topology under sysroot ("" for the running kernel's /sys; a
 * test passes a folder laid out like /sys).  0, or IMGPIPE_EIO when not
 * even the list of online CPUs can be read (t->n = 0 then).
 */
int topology_read(const char *sysroot, struct topology *t);

/*
 * CPU lists in the kernel's syntax, "0-7,16-23": parse into set[], one
 * flag per CPU number below max (0 or 1); 0 on success, -1 (a message of
 * at most n bytes in err) on a malformed list or a CPU number >= max.
 */
int cpulist_parse(const char *list, unsigned char *set, int max, char *err,
		  size_t n);

/* The flags of set[0..max) as the shortest list ("0-3,8"; "" for none). */
void cpulist_format(const unsigned char *set, int max, char *buf, size_t n);

#endif
