/*
 * libFuzzer target: the CPU list parser (--cpus, sysfs lists) and its
 * round trip through the formatter.
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_cpulist(data, size);
}
