/*
 * libFuzzer target: the WebP loader (probe, then decode with a shrink
 * factor, --max-pixels, --fail-on and a cancelling hook, picked by the last
 * byte), then an encode and decode round trip of what decoded.
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_webp(data, size);
}
