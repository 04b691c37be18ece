/*
 * imgpipe compare: every mode on the same input and pipeline, each in its
 * own process and its own sub-folder of OUTPUT_DIR, then one table and the
 * sentences reading.h derives from its figures and from what other work
 * used of the CPUs meanwhile (cpuload.h).
 */
#ifndef IMGPIPE_COMPARE_H
#define IMGPIPE_COMPARE_H

/* argv[0] is "compare"; the rest are imgpipe's options.  Exit status. */
int compare_main(int argc, char **argv);

#endif
