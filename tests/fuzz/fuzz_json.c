/*
 * libFuzzer target: the JSON reader (shard reports for report merge),
 * and the tree written back out and read again.
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_json(data, size);
}
