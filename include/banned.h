/*
 * Functions that are easy to misuse; using one is a compile error.
 * Use snprintf/util_fmt, memcpy with a checked length, strtol/strtod.
 * Every source file of src/ includes this, directly or through util.h.
 */
#ifndef IMGPIPE_BANNED_H
#define IMGPIPE_BANNED_H

/*
 * The system headers that declare the banned functions come first, so the
 * macros below do not break their declarations, and this header may be
 * included anywhere in a file's list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef gets
#define gets(x) BANNED(gets)

#endif
