// SPDX-License-Identifier: Apache-2.0
/*
 * The rows of a restart test (SP 800-90B 3.1.4.1: each row from a restart
 * of the noise source): each row is a fresh process of this tool running
 * `timingseed sample SOURCE -n C --format u8 -o - [--set OPTION=VALUE]...`,
 * so the source starts from nothing, as in a new process that loads the
 * provider. Its stdout comes through a pipe, its stderr through another
 * (kept, and shown only when the row fails; it would also carry sample's
 * progress line). cli.h has the contract.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __APPLE__
#include <limits.h>
#include <mach-o/dyld.h>
#endif

#include "cli.h"
#include "progress.h"

extern char **environ;

#define ERR_KEEP 512 /* of a failed row's stderr, shown */

/* This tool's executable, to run again. NULL with a message when unknown. */
static const char *self_path(char *buf, size_t len)
{
#if defined(__linux__)
	/* The kernel's link to the running image: right even if PATH or cwd changed. */
	(void)buf;
	(void)len;
	return "/proc/self/exe";
#elif defined(__APPLE__)
	uint32_t size = (uint32_t)len;
	char raw[PATH_MAX];

	if (_NSGetExecutablePath(raw, &size) == 0 && realpath(raw, buf) != NULL)
		return buf;
	cli_eprintf("timingseed: cannot find this tool's own path\n");
	return NULL;
#else
	(void)buf;
	(void)len;
	cli_eprintf("timingseed: restart collection needs this tool's path: not known on this "
		    "system\n");
	return NULL;
#endif
}

/* Wait for pid, through EINTR. */
static int reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/*
 * Read the child's stdout into row (want bytes) and its stderr into err,
 * until both are at EOF. Returns the bytes of stdout read, or -1 with
 * errno (a read or poll error); more than want is reported as want + 1.
 */
static long drain(int out, int errfd, uint8_t *row, size_t want, char *err, size_t *errlen)
{
	struct pollfd p[2] = {{out, POLLIN, 0}, {errfd, POLLIN, 0}};
	size_t got = 0;
	bool extra = false;

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		int i;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (i = 0; i < 2; i++) {
			char sink[4096];
			ssize_t n;

			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			if (i == 0 && got < want)
				n = read(p[i].fd, row + got, want - got);
			else if (i == 1 && *errlen < ERR_KEEP)
				n = read(p[i].fd, err + *errlen, ERR_KEEP - *errlen);
			else
				n = read(p[i].fd, sink, sizeof(sink));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -1;
			if (n == 0) {
				p[i].fd = -1; /* EOF; poll ignores negative fds */
				continue;
			}
			if (i == 0 && got < want)
				got += (size_t)n;
			else if (i == 0)
				extra = true;
			else if (*errlen < ERR_KEEP)
				*errlen += (size_t)n;
		}
	}
	return extra ? (long)want + 1 : (long)got;
}

/* One row: a fresh `timingseed sample`. 0, or 1 after printing why. */
static int one_row(const char *exe, char **args, const char *source, size_t row, size_t rows,
		   uint8_t *out, size_t columns)
{
	posix_spawn_file_actions_t fa;
	int po[2] = {-1, -1}, pe[2] = {-1, -1}, status = 0, ret = 1, err;
	char msg[ERR_KEEP + 1];
	size_t msglen = 0;
	pid_t pid;
	long got;

	if (cli_pipe_cloexec(po) != 0 || cli_pipe_cloexec(pe) != 0) {
		cli_eprintf("timingseed: %s: restart %zu of %zu: pipe: %s\n", source, row + 1, rows,
			    strerror(errno));
		goto close;
	}
	/* dup2 onto 1 and 2 clears close-on-exec there; every other end closes at exec. */
	if (posix_spawn_file_actions_init(&fa) != 0) {
		cli_eprintf("timingseed: out of memory\n");
		goto close;
	}
	err = posix_spawn_file_actions_adddup2(&fa, po[1], STDOUT_FILENO);
	if (err == 0)
		err = posix_spawn_file_actions_adddup2(&fa, pe[1], STDERR_FILENO);
	if (err == 0)
		err = posix_spawn(&pid, exe, &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err != 0) {
		cli_eprintf("timingseed: %s: restart %zu of %zu: cannot run %s: %s\n", source,
			    row + 1, rows, exe, strerror(err));
		goto close;
	}
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	got = drain(po[0], pe[0], out, columns, msg, &msglen);
	err = errno;
	/* Closed before the wait: a child still writing gets EPIPE, not a hang. */
	close(po[0]);
	close(pe[0]);
	po[0] = pe[0] = -1;
	if (reap(pid, &status) != 0) {
		cli_eprintf("timingseed: %s: restart %zu of %zu: waitpid: %s\n", source, row + 1,
			    rows, strerror(errno));
		return 1;
	}
	msg[msglen] = '\0';
	if (got < 0) {
		cli_eprintf("timingseed: %s: restart %zu of %zu: reading its samples: %s\n", source,
			    row + 1, rows, strerror(err));
	} else if (WIFSIGNALED(status)) {
		cli_eprintf("timingseed: %s: restart %zu of %zu: killed by signal %d\n%s", source,
			    row + 1, rows, WTERMSIG(status), msg);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		cli_eprintf("timingseed: %s: restart %zu of %zu: `timingseed sample` failed "
			    "(exit status %d):\n%s",
			    source, row + 1, rows, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			    msg);
	} else if ((size_t)got != columns) {
		cli_eprintf("timingseed: %s: restart %zu of %zu: %s%ld samples, expected %zu\n",
			    source, row + 1, rows, (size_t)got > columns ? "more than " : "",
			    (size_t)got > columns ? (long)columns : got, columns);
	} else {
		ret = 0;
	}
	return ret;
close:
	if (po[0] >= 0)
		close(po[0]);
	if (po[1] >= 0)
		close(po[1]);
	if (pe[0] >= 0)
		close(pe[0]);
	if (pe[1] >= 0)
		close(pe[1]);
	return 1;
}

int cli_restart_collect(const char *source, char *const *sets, size_t nsets, size_t rows,
			size_t columns, uint8_t *m,
			void (*progress)(size_t done, size_t rows, void *arg), void *arg)
{
	char path[4096], count[32];
	const char *exe = self_path(path, sizeof(path));
	char **args;
	size_t i, a = 0;
	int ret = 0;

	if (exe == NULL)
		return 1;
	args = calloc(10 + 2 * nsets, sizeof(*args));
	if (args == NULL) {
		cli_eprintf("timingseed: out of memory\n");
		return 1;
	}
	snprintf(count, sizeof(count), "%zu", columns);
	/* posix_spawn takes char *const[]; none of these is written to. */
	args[a++] = (char *)"timingseed";
	args[a++] = (char *)"sample";
	args[a++] = (char *)source;
	args[a++] = (char *)"-n";
	args[a++] = count;
	args[a++] = (char *)"--format";
	args[a++] = (char *)"u8";
	args[a++] = (char *)"-o";
	args[a++] = (char *)"-";
	for (i = 0; i < nsets; i++) {
		args[a++] = (char *)"--set";
		args[a++] = sets[i];
	}
	args[a] = NULL;
	for (i = 0; i < rows && ret == 0; i++) {
		ret = one_row(exe, args, source, i, rows, m + i * columns, columns);
		if (ret == 0 && progress != NULL)
			progress(i + 1, rows, arg);
	}
	free(args);
	return ret;
}
