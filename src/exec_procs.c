/*
 * procs: -j worker processes forked before any thread exists, fed one task
 * index at a time through a pipe each, answering with one fixed-size
 * struct task_result through another.  A worker that dies costs only the
 * task it held: that task fails with "worker crashed (SIGx)", its
 * temporary file is removed, and a new worker takes the slot.  At most
 * one worker per CPU holds a task at once (the others wait idle, as
 * slots.h explains for threads), so -j above the core count costs nothing.
 * With URL inputs every worker holds a task (one transfer each), and the
 * CPU work is bounded by tokens instead: a process-shared semaphore that a
 * worker takes once its body has arrived and gives back after the write.
 *
 *   slot:  EMPTY --fork--> IDLE   (a failed fork: stays EMPTY, the others
 *                                  serve; none at all: a setup error)
 *          IDLE --send index--> BUSY --result--> IDLE
 *          BUSY --EOF/death--> (task failed, tmp removed) --fork--> IDLE
 *          IDLE --no tasks left / cancelled: close cmd--> EXITED (reaped)
 *   task:  PENDING --feed--> SENT --result / death--> DONE
 *          PENDING --no worker left at the end--> DONE (failed)
 *   token (URL inputs): FREE --worker's sem_wait--> HELD --sem_post--> FREE
 *          HELD --its worker died--> FREE (the parent posts it on reaping)
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS (POSIX only from 2024) */
#include "executor.h"

#include <errno.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cancel.h"
#include "error.h"
#include "fileio.h"
#include "pipeline.h"
#include "slots.h"
#include "util.h"

struct slot {
	pid_t pid; /* 0: no process */
	int cmd;   /* parent writes task indices */
	int res;   /* parent reads results */
	long task; /* index in flight, -1 when idle */
};

/*
 * URL inputs: the CPU tokens, in memory mapped shared before the first
 * fork.  held[k] says that worker k holds one, so that the parent can give
 * back the token of a worker that died computing (a crash in a decoder, a
 * kill); it is set just after sem_wait returns and cleared just before
 * sem_post, so only a kill between those two steps and the store could
 * still lose one.
 */
struct tokens {
	sem_t sem;
	atomic_int held[]; /* one per worker slot */
};

struct farm {
	struct exec_batch *b;
	int busy, cap; /* slots holding a task; the most at once */
	struct slot *slots;
	int nslots;
	struct tokens *tok; /* URL inputs, else NULL */
	size_t tok_len;	    /* its mapping's length */
};

/* A child's view of the tokens. */
struct child_tokens {
	struct tokens *tok;
	pid_t parent;
};

/* How often a worker waiting for a token looks at the flag and its parent. */
#define TOKEN_POLL_NS (200 * 1000 * 1000L)

/*
 * A child's wait for a token, given up on cancellation (a SIGTERM the
 * parent relayed, a SIGINT to the group) or when the parent is gone: a
 * worker blocked here reads no pipe, so no EOF would ever end it.  In
 * slices, as a signal between the check and the wait would be missed.
 */
static struct worker *
token_take(void *ctx, struct worker *w)
{
	struct child_tokens *ct = ctx;
	struct timespec until;

	for (;;) {
		if (cancel_requested() || getppid() != ct->parent)
			return NULL;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += TOKEN_POLL_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (sem_timedwait(&ct->tok->sem, &until) == 0)
			break;
		if (errno != EINTR && errno != ETIMEDOUT)
			return NULL;
	}
	atomic_store(&ct->tok->held[w->id], 1);
	return w;
}

static void
token_give(void *ctx, struct worker *c)
{
	struct child_tokens *ct = ctx;

	atomic_store(&ct->tok->held[c->id], 0);
	sem_post(&ct->tok->sem);
}

/* The child: serial kernels, no allocation freed, leaves with _exit(). */
static void
child_main(struct farm *f, int id, int cmd, int res)
{
	struct child_tokens ct = { f->tok, getppid() };
	struct exec_gate gate = { token_take, token_give, &ct };
	const struct task *t;
	struct task_result r;
	struct worker w;
	long idx;

	/* Before anything is allocated: its pages come from its CPU's node. */
	exec_pin(f->b->ec, id);
	exec_worker_init(&w, id, f->b->ec->t0);
	while (fileio_read_full(cmd, &idx, sizeof(idx)) == 0) {
		if (idx < 0 || (size_t)idx >= f->b->n)
			break;
		t = &f->b->tasks[idx];
		if (f->tok != NULL)
			exec_run_gated(f->b->job, t, &w, &gate, &r);
		else
			pipeline_run(f->b->job, t, &w, &r);
		if (fileio_write_full(res, &r, sizeof(r)) != 0)
			break;
	}
	_exit(0);
}

/*
 * URL inputs: the tokens, one per CPU slot, before any fork.  0 or the
 * errno of the mapping or of sem_init.
 */
static int
tokens_init(struct farm *f)
{
	int e;

	f->tok_len =
		sizeof(*f->tok) + (size_t)f->nslots * sizeof(f->tok->held[0]);
	f->tok = mmap(NULL, f->tok_len, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (f->tok == MAP_FAILED) {
		f->tok = NULL;
		return errno;
	}
	for (int k = 0; k < f->nslots; k++)
		atomic_init(&f->tok->held[k], 0);
	if (sem_init(&f->tok->sem, 1,
		     (unsigned)slots_for(f->b->ec->jobs, f->b->ec->cpus)) !=
	    0) {
		e = errno;
		munmap(f->tok, f->tok_len);
		f->tok = NULL;
		return e;
	}
	return 0;
}

/* After every worker is reaped. */
static void
tokens_destroy(struct farm *f)
{
	if (f->tok == NULL)
		return;
	sem_destroy(&f->tok->sem);
	munmap(f->tok, f->tok_len);
	f->tok = NULL;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * Start slot k's worker: 0, or the errno of the pipe or fork that failed.
 * The pipes have no FD_CLOEXEC: nothing here execs, and a child closes
 * every pipe but its own two itself.
 */
static int
spawn(struct farm *f, int k)
{
	int cmd[2], res[2], i, e;
	pid_t pid;

	if (pipe(cmd) != 0)
		return errno;
	if (pipe(res) != 0) {
		e = errno;
		close(cmd[0]);
		close(cmd[1]);
		return e;
	}
	fflush(NULL);
	pid = fork();
	e = errno;
	if (pid == 0) {
		/* Close the other workers' pipes, or their EOFs never come. */
		for (i = 0; i < f->nslots; i++) {
			close_fd(&f->slots[i].cmd);
			close_fd(&f->slots[i].res);
		}
		close(cmd[1]);
		close(res[0]);
		child_main(f, k, cmd[0], res[1]);
	}
	close(cmd[0]);
	close(res[1]);
	if (pid < 0) {
		close(cmd[1]);
		close(res[0]);
		return e;
	}
	f->slots[k].pid = pid;
	f->slots[k].cmd = cmd[1];
	f->slots[k].res = res[0];
	f->slots[k].task = -1;
	return 0;
}

/* Give slot k the next task, or tell it to leave. */
static void
feed(struct farm *f, int k)
{
	struct slot *s = &f->slots[k];
	size_t i;
	long idx;

	if (f->busy >= f->cap && exec_pending(f->b))
		return; /* idle until a busy one is done */
	if (!exec_take(f->b, &i)) {
		/* this slot and every idle one: nothing more will come */
		for (int j = 0; j < f->nslots; j++)
			if (j == k || f->slots[j].task < 0)
				close_fd(&f->slots[j].cmd);
		return;
	}
	idx = (long)i;
	s->task = idx;
	f->busy++;
	if (fileio_write_full(s->cmd, &idx, sizeof(idx)) != 0)
		close_fd(&s->cmd); /* it died: the EOF on res says so */
}

/* The name the README's messages use: "SEGV" for SIGSEGV. */
static const char *
sigabbrev(int sig, char *buf, size_t n)
{
	static const struct {
		int sig;
		const char *name;
	} names[] = {
		{ SIGSEGV, "SEGV" }, { SIGKILL, "KILL" }, { SIGBUS, "BUS" },
		{ SIGABRT, "ABRT" }, { SIGFPE, "FPE" },	  { SIGILL, "ILL" },
		{ SIGTERM, "TERM" }, { SIGINT, "INT" },	  { SIGPIPE, "PIPE" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].sig == sig)
			return names[i].name;
	util_fmt(buf, n, "%d", sig);
	return buf;
}

static pid_t
reap(pid_t pid, int *status)
{
	pid_t r;

	do
		r = waitpid(pid, status, 0);
	while (r < 0 && errno == EINTR);
	return r;
}

static void
on_death(struct farm *f, int k)
{
	struct slot *s = &f->slots[k];
	struct task_result *r;
	char tmp[4096], num[16];
	int status = 0, sig;

	close_fd(&s->res);
	close_fd(&s->cmd);
	reap(s->pid, &status);
	/* A token the dead worker held would be lost to the batch. */
	if (f->tok != NULL && atomic_exchange(&f->tok->held[k], 0))
		sem_post(&f->tok->sem);
	if (s->task >= 0) {
		r = &f->b->results[s->task];
		task_result_init(r);
		r->worker = k;
		r->status = IMGPIPE_ECHILD;
		sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		if (sig != 0)
			util_fmt(r->error, sizeof(r->error),
				 "worker crashed (SIG%s)",
				 sigabbrev(sig, num, sizeof(num)));
		else
			util_fmt(r->error, sizeof(r->error),
				 "worker exited with status %d",
				 WEXITSTATUS(status));
		if (fileio_tmp_path(f->b->tasks[s->task].out_path, s->pid, tmp,
				    sizeof(tmp)) == 0)
			unlink(tmp);
		exec_done(f->b, (size_t)s->task);
		f->busy--;
	}
	s->pid = 0;
	s->task = -1;
	if (exec_pending(f->b) && spawn(f, k) == 0)
		feed(f, k);
}

static void
on_result(struct farm *f, int k)
{
	struct slot *s = &f->slots[k];
	struct task_result r;

	if (fileio_read_full(s->res, &r, sizeof(r)) != 0) {
		on_death(f, k);
		return;
	}
	if (s->task >= 0) {
		f->b->results[s->task] = r;
		exec_done(f->b, (size_t)s->task);
		f->busy--;
	}
	s->task = -1;
	feed(f, k);
}

/* Wait for results or deaths; returns when every slot has gone. */
static void
serve(struct farm *f, struct pollfd *pfd)
{
	int k, live, relayed = 0;

	for (;;) {
		if (cancel_requested() && !relayed) {
			/* A signal sent to us alone: pass it on to workers. */
			for (k = 0; k < f->nslots; k++)
				if (f->slots[k].pid > 0)
					kill(f->slots[k].pid, SIGTERM);
			relayed = 1;
		}
		for (k = 0, live = 0; k < f->nslots; k++) {
			pfd[k].fd = f->slots[k].res;
			pfd[k].events = POLLIN;
			pfd[k].revents = 0;
			live += f->slots[k].res >= 0;
		}
		if (live == 0)
			return;
		if (poll(pfd, (nfds_t)f->nslots, -1) < 0)
			continue; /* EINTR: look at the flag again */
		for (k = 0; k < f->nslots; k++)
			if (pfd[k].revents & (POLLIN | POLLHUP | POLLERR))
				on_result(f, k);
		/* a slot lost for good leaves its share to an idle one */
		for (k = 0; k < f->nslots && f->busy < f->cap; k++)
			if (f->slots[k].pid > 0 && f->slots[k].task < 0 &&
			    f->slots[k].cmd >= 0)
				feed(f, k);
	}
}

static int
procs_at_once(const struct exec_config *ec)
{
	return slots_for(ec->jobs, ec->cpus);
}

/* Task i cannot run: every worker died and none could be started again. */
static void
fail_unrun(struct exec_batch *b, size_t i)
{
	struct task_result *r = &b->results[i];

	r->status = IMGPIPE_ECHILD;
	util_fmt(r->error, sizeof(r->error), "no worker process left");
	exec_done(b, i);
}

/*
 * Start the workers, then serve them.  When some cannot be started the
 * batch goes on with those that were, and err holds the warning (code 0);
 * with none, nothing runs.
 */
static int
procs_run(struct exec_batch *b, struct loop_stats *loop,
	  struct imgpipe_error *err)
{
	struct farm f = { .b = b };
	struct pollfd *pfd;
	int k, status, e = 0, rc = 0;
	size_t i;

	(void)loop;
	/* URL inputs: every worker a transfer; the tokens bound the CPU. */
	f.cap = b->ec->urls ? b->ec->jobs : slots_for(b->ec->jobs, b->ec->cpus);
	f.nslots = b->ec->jobs;
	if (b->ec->urls && (e = tokens_init(&f)) != 0)
		return error_set_errno(err, IMGPIPE_ECHILD, e,
				       "cannot create the CPU tokens");
	f.slots = xcalloc((size_t)f.nslots, sizeof(*f.slots));
	pfd = xcalloc((size_t)f.nslots, sizeof(*pfd));
	for (k = 0; k < f.nslots; k++)
		f.slots[k].cmd = f.slots[k].res = -1;
	/* A worker that died writing must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	for (k = 0; k < f.nslots && (e = spawn(&f, k)) == 0; k++)
		;
	if (k == 0)
		rc = error_set_errno(err, IMGPIPE_ECHILD, e,
				     "cannot start worker process");
	else if (k < f.nslots)
		error_warn(err,
			   "cannot start worker process %d of %d: %s; "
			   "the batch goes on with %d",
			   k + 1, f.nslots, strerror(e), k);
	for (k = 0; k < f.nslots; k++)
		if (f.slots[k].pid > 0)
			feed(&f, k);
	serve(&f, pfd);
	while (rc == 0 && exec_take(b, &i))
		fail_unrun(b, i);
	for (k = 0; k < f.nslots; k++)
		if (f.slots[k].pid > 0)
			reap(f.slots[k].pid, &status);
	tokens_destroy(&f);
	free(pfd);
	free(f.slots);
	return rc;
}

const struct executor exec_procs = {
	.name = "procs",
	.at_once = procs_at_once,
	.run = procs_run,
};
