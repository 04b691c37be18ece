/*
 * libFuzzer target: the PNG loader: probe, then decode with --max-pixels
 * and a cancelling hook picked by the last byte.
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_decode(&codec_png, data, size);
}
