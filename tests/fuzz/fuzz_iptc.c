/*
 * libFuzzer target: the IPTC filter (Photoshop image resources from JPEG
 * APP13).
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_iptc(data, size);
}
