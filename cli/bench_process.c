// SPDX-License-Identifier: Apache-2.0
/*
 * timingseed bench: the whole-process row. `openssl rand -hex 32` (openssl
 * from PATH) seeded by timingseed and by the OS, in alternating pairs:
 * medians and the median of the pairs' ratios (process_ratio in JSON),
 * after a traced run that checks timingseed really seeds it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "timingseed/tick.h"
#include "bench.h"

/*
 * Run `openssl rand -hex 32` with OPENSSL_CONF=conf, output to /dev/null,
 * stderr to err_fd (or /dev/null); TIMINGSEED_DEBUG=1 when debug. Its wall
 * time in ms, fork to exit, or -1.
 */
static double run_openssl(const char *conf, bool debug, int err_fd)
{
	char *args[] = {"openssl", "rand", "-hex", "32", NULL};
	uint64_t t0;
	int status;
	pid_t pid;

	fflush(NULL);
	t0 = ts_now_ns();
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null < 0 || dup2(null, STDOUT_FILENO) < 0 ||
		    dup2(err_fd >= 0 ? err_fd : null, STDERR_FILENO) < 0 ||
		    setenv("OPENSSL_CONF", conf, 1) != 0)
			_exit(127);
		if (debug)
			setenv("TIMINGSEED_DEBUG", "1", 1);
		else
			unsetenv("TIMINGSEED_DEBUG");
		execvp(args[0], args);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return (double)(ts_now_ns() - t0) / 1e6;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ok = f != NULL && fputs(text, f) >= 0;

	if (f != NULL && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

/* Whether a traced run under conf shows timingseed serving its seed. */
static bool seeded_by_timingseed(const char *conf, const char *dir)
{
	char path[PATH_MAX], line[512];
	bool seen = false;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/trace", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	if (run_openssl(conf, true, fd) < 0) {
		close(fd);
		unlink(path);
		return false;
	}
	close(fd);
	f = fopen(path, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		seen |= strncmp(line, "timingseed: get_seed ", 21) == 0;
	if (f != NULL)
		fclose(f);
	unlink(path);
	return seen;
}

/*
 * n pairs of `openssl rand -hex 32`, seeded by timingseed (a config that
 * loads module and names TIMING-SEED the primary's seed, as
 * openssl.cnf.example does) and by the OS (an empty config), alternating
 * which runs first so both see the same background. A failed pair is
 * reported, not retried.
 */
void bench_process(const char *module, int n, struct process_result *pr)
{
	char dir[] = "/tmp/timingseed-bench-XXXXXX", ts_conf[PATH_MAX], os_conf[PATH_MAX];
	char text[PATH_MAX + 512];
	double *v = calloc(3 * (size_t)(n > 0 ? n : 1), sizeof(double));
	int i;

	memset(pr, 0, sizeof(*pr));
	if (v == NULL || mkdtemp(dir) == NULL) {
		snprintf(pr->note, sizeof(pr->note), "cannot make a temporary directory");
		free(v);
		return;
	}
	snprintf(ts_conf, sizeof(ts_conf), "%s/timingseed.cnf", dir);
	snprintf(os_conf, sizeof(os_conf), "%s/os.cnf", dir);
	snprintf(text, sizeof(text),
		 "openssl_conf = openssl_init\n[openssl_init]\nrandom = random_sect\n"
		 "providers = provider_sect\n[random_sect]\nseed = TIMING-SEED\n"
		 "seed_properties = provider=timingseed\n[provider_sect]\n"
		 "default = default_sect\ntimingseed = timingseed_sect\n[default_sect]\n"
		 "activate = 1\n[timingseed_sect]\nmodule = %s\nactivate = 1\n",
		 module);
	if (write_file(ts_conf, text) != 0 || write_file(os_conf, "") != 0) {
		snprintf(pr->note, sizeof(pr->note), "cannot write the configs in %s", dir);
	} else if (!seeded_by_timingseed(ts_conf, dir)) {
		snprintf(pr->note, sizeof(pr->note),
			 "no timingseed trace line from openssl rand under a config loading "
			 "%.60s (openssl not on PATH, or the seed not fetched)",
			 module);
	} else {
		for (i = 0; i < n; i++) {
			bool ts_first = i % 2 == 0;

			bench_progress("openssl rand, pair %d/%d", i + 1, n);
			v[i] = run_openssl(ts_first ? ts_conf : os_conf, false, -1);
			v[n + i] = run_openssl(ts_first ? os_conf : ts_conf, false, -1);
			if (!ts_first) {
				double t = v[i];

				v[i] = v[n + i];
				v[n + i] = t;
			}
			if (v[i] < 0 || v[n + i] <= 0) {
				snprintf(pr->note, sizeof(pr->note),
					 "openssl rand -hex 32 failed in pair %d", i + 1);
				break;
			}
			v[2 * n + i] = v[i] / v[n + i];
		}
		if (i == n && n > 0) {
			pr->pairs = n;
			qsort(v, (size_t)n, sizeof(double), bench_cmp_double);
			qsort(v + n, (size_t)n, sizeof(double), bench_cmp_double);
			qsort(v + 2 * n, (size_t)n, sizeof(double), bench_cmp_double);
			pr->ts_median = bench_median(v, (size_t)n);
			pr->os_median = bench_median(v + n, (size_t)n);
			pr->ratio_median = bench_median(v + 2 * n, (size_t)n);
		}
	}
	unlink(ts_conf);
	unlink(os_conf);
	rmdir(dir);
	free(v);
}
