/*
 * libheif's one-time set-up, below both halves of the HEIF codec: the
 * reader's records point at the writer, so neither may call the other
 * for it (make check-layers).
 */
#include <libheif/heif.h>
#include <pthread.h>

#include "codec_heif.h"

static pthread_once_t heif_once = PTHREAD_ONCE_INIT;

static void
init_once(void)
{
	heif_init(NULL);
}

void
heif_lib_init(void)
{
	pthread_once(&heif_once, init_once);
}
