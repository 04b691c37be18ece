/*
 * libFuzzer target: a whole task: decode, a fixed pipeline, encode to
 * memory.
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_task(data, size);
}
