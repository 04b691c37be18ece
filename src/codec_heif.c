/* Placeholder until the heif codec lands: the registry's stand-ins serve. */
#include "codec.h"
