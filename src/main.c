/*
 * imgpipe: parse the command line and the pipeline, build the task list,
 * run it under the chosen executor and report.  Exit statuses are the README's.
 */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "compare.h"
#include "machine.h"
#include "runner.h"
#include "spec.h"
#include "util.h"

/* Output that never reached stdout (a full disk, say) is a failure too. */
static int
close_stdout(int status)
{
	if (fclose(stdout) != 0) {
		util_warn("cannot write standard output: %s", strerror(errno));
		return status == CLI_EXIT_OK ? CLI_EXIT_FAILED : status;
	}
	return status;
}

/*
 * glibc hands big freed blocks back to the kernel (above a moving mmap
 * threshold, or by trimming the heap top), and gives every thread its own
 * arena; so each image page-faulted its decoder's memory afresh (libjpeg-
 * turbo's coefficient arrays for a 12 MP progressive JPEG are 36 MB), once
 * per thread.  Keep blocks up to 32 MB in the heap, keep freed memory
 * mapped, and share one arena per CPU, so that an image's pages are not
 * faulted afresh and more workers than CPUs do not pay for an arena each.
 * A thread's arena lives in 64 MB heaps, and glibc unmaps an emptied heap
 * unless the previous one has less than M_TOP_PAD free; with the default
 * pad a worker thread mapped and unmapped a heap about once per image, so
 * threads faulted more pages than procs.  The pad only reserves address
 * space: pages are faulted when first written.  The figures are in
 * bench/README.md.
 */
static void
tune_malloc(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_TOP_PAD, 64 << 20);
	mallopt(M_ARENA_MAX, util_cpus());
#endif
}

int
main(int argc, char **argv)
{
	struct cli_options o;
	struct spec spec;
	int rc;

	/*
	 * Before anything is printed: a closed stderr or stdout (a pipe whose
	 * reader quit) must make writes fail with EPIPE, not kill the batch
	 * between a temporary file and its rename; likewise a file over
	 * RLIMIT_FSIZE fails with EFBIG instead of SIGXFSZ.
	 */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	tune_malloc();
	if (argc > 1 && strcmp(argv[1], "compare") == 0)
		return close_stdout(compare_main(argc - 1, argv + 1));
	if (argc > 1 && strcmp(argv[1], "machine") == 0)
		return close_stdout(machine_main(argc - 1, argv + 1));
	rc = cli_setup(argc, argv, 0, &o, &spec);
	if (rc != CLI_RUN)
		return close_stdout(rc == CLI_DONE ? CLI_EXIT_OK
						   : CLI_EXIT_USAGE);
	rc = runner_run(&o, NULL);
	spec_release(&spec);
	return close_stdout(rc);
}
