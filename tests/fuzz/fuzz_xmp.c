/*
 * libFuzzer target: the XMP patch (a packet as JPEG APP1 or PNG iTXt carries
 * it).
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_xmp(data, size);
}
