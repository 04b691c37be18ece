/*
 * libFuzzer target: the HEIC and AVIF reader (one codec body serves both):
 * probe, then decode with --max-pixels, --fail-on and a cancelling hook
 * picked by the last byte.  libheif itself is Debian's, not instrumented.
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_decode(&codec_heic, data, size);
}
