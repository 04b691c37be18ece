/*
 * libFuzzer target: the pipeline-spec parser and the resolution of its
 * ops.
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_spec(data, size);
}
