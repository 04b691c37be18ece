/*
 * libFuzzer target: EXIF Orientation parsing (JPEG APP1 and PNG eXIf
 * payloads).
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_exif(data, size);
}
