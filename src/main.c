/*
 * imgpipe: parse the command line and the pipeline, build the task list,
 * run it under the chosen executor and report.  Exit statuses are SPEC.md's.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "compare.h"
#include "error.h"
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

int
main(int argc, char **argv)
{
	struct cli_options o;
	struct imgpipe_error err;
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
	if (argc > 1 && strcmp(argv[1], "compare") == 0)
		return close_stdout(compare_main(argc - 1, argv + 1));
	error_clear(&err);
	rc = cli_parse(argc, argv, &o, &err);
	if (rc == CLI_DONE)
		return close_stdout(CLI_EXIT_OK);
	if (rc == CLI_RUN)
		rc = spec_parse(o.pipeline, &spec, &err);
	if (rc != 0) {
		cli_usage_error(&err);
		return CLI_EXIT_USAGE;
	}
	o.job.spec = &spec;
	rc = runner_run(&o, NULL);
	spec_release(&spec);
	return close_stdout(rc);
}
