/* Placeholder until the webp codec lands: the registry's stand-ins serve. */
#include "codec.h"
