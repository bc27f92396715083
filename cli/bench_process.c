// SPDX-License-Identifier: Apache-2.0
/*
 * timingseed bench: the whole-process row. `openssl rand -hex 32` (openssl
 * from PATH) seeded by timingseed and by the OS, in alternating pairs:
 * medians and the median of the pairs' ratios (process_ratio in JSON),
 * after a traced run that checks timingseed really seeds it. With
 * --calibration, rounds of three, the third calibrated (after a traced run
 * that checks the calibration is in force there).
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

/*
 * Whether a traced run under conf shows timingseed serving its seed and,
 * when in_force is not NULL, the trace line at load that says "FILE in
 * force" (copied, at most len bytes, to in_force whatever it says).
 */
static bool seeded_by_timingseed(const char *conf, const char *dir, const char *calibration,
				 char *in_force, size_t len)
{
	char path[PATH_MAX], line[1024], want[PATH_MAX + 64];
	bool seen = false, cal_seen = false;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/trace", dir);
	if (calibration != NULL)
		snprintf(want, sizeof(want), "timingseed: calibration: %s in force:", calibration);
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
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		seen |= strncmp(line, "timingseed: get_seed ", 21) == 0;
		if (calibration != NULL && strncmp(line, "timingseed: calibration: ", 25) == 0) {
			line[strcspn(line, "\n")] = '\0';
			size_t l = strlen(line + 25);

			l = l < len ? l : len - 1;
			memcpy(in_force, line + 25, l);
			in_force[l] = '\0';
			cal_seen |= strncmp(line, want, strlen(want)) == 0;
		}
	}
	if (f != NULL)
		fclose(f);
	unlink(path);
	return seen && (calibration == NULL || cal_seen);
}

int bench_provider_section(const char *module, const char *calibration, char *buf, size_t len)
{
	int n;

	if (calibration != NULL)
		n = snprintf(buf, len,
			     "[timingseed_sect]\nmodule = %s\nactivate = 1\ncalibration = %s\n",
			     module, calibration);
	else
		n = snprintf(buf, len, "[timingseed_sect]\nmodule = %s\nactivate = 1\n", module);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* The whole-process config: loads the module, names TIMING-SEED the seed. */
static int ts_config(const char *path, const char *module, const char *calibration)
{
	char text[2 * PATH_MAX + 512];
	int n = snprintf(text, sizeof(text),
			 "openssl_conf = openssl_init\n[openssl_init]\nrandom = random_sect\n"
			 "providers = provider_sect\n[random_sect]\nseed = TIMING-SEED\n"
			 "seed_properties = provider=timingseed\n[provider_sect]\n"
			 "default = default_sect\ntimingseed = timingseed_sect\n[default_sect]\n"
			 "activate = 1\n");

	if (bench_provider_section(module, calibration, text + n, sizeof(text) - (size_t)n) < 0)
		return -1;
	return write_file(path, text);
}

/* A round's runs, in the order i selects, so each runs first as often. */
enum { P_TS, P_OS, P_TC };

/*
 * n pairs of `openssl rand -hex 32`, seeded by timingseed (a config that
 * loads module and names TIMING-SEED the primary's seed, as
 * openssl.cnf.example does) and by the OS (an empty config), alternating
 * which runs first so both see the same background; with a calibration in
 * force, rounds of three (timingseed, OS, calibrated) rotated the same way.
 * A failed round is reported, not retried.
 */
void bench_process(const char *module, const char *calibration, int n, struct process_result *pr)
{
	char dir[] = "/tmp/timingseed-bench-XXXXXX", conf[3][PATH_MAX], status[512] = "";
	double *v = calloc(5 * (size_t)(n > 0 ? n : 1), sizeof(double));
	int i, j, runs = 2;

	memset(pr, 0, sizeof(*pr));
	if (v == NULL || mkdtemp(dir) == NULL) {
		snprintf(pr->note, sizeof(pr->note), "cannot make a temporary directory");
		free(v);
		return;
	}
	snprintf(conf[P_TS], sizeof(conf[P_TS]), "%s/timingseed.cnf", dir);
	snprintf(conf[P_OS], sizeof(conf[P_OS]), "%s/os.cnf", dir);
	snprintf(conf[P_TC], sizeof(conf[P_TC]), "%s/calibrated.cnf", dir);
	if (ts_config(conf[P_TS], module, NULL) != 0 || write_file(conf[P_OS], "") != 0 ||
	    (calibration != NULL && ts_config(conf[P_TC], module, calibration) != 0)) {
		snprintf(pr->note, sizeof(pr->note), "cannot write the configs in %s", dir);
		goto out;
	}
	if (!seeded_by_timingseed(conf[P_TS], dir, NULL, NULL, 0)) {
		snprintf(pr->note, sizeof(pr->note),
			 "no timingseed trace line from openssl rand under a config loading "
			 "%.60s (openssl not on PATH, or the seed not fetched)",
			 module);
		goto out;
	}
	if (calibration != NULL) {
		if (seeded_by_timingseed(conf[P_TC], dir, calibration, status, sizeof(status)))
			runs = 3;
		else
			snprintf(pr->note, sizeof(pr->note),
				 "CALIBRATED RUN NOT MEASURED: openssl rand under the config "
				 "naming the calibration did not trace it in force (%.120s)",
				 status[0] ? status : "no calibration trace line");
	}
	for (i = 0; i < n; i++) {
		double t[3];

		bench_progress("openssl rand, %s %d/%d", runs == 3 ? "round" : "pair", i + 1, n);
		for (j = 0; j < runs; j++) {
			int which = (i + j) % runs;

			t[which] = run_openssl(conf[which], false, -1);
		}
		if (t[P_TS] < 0 || t[P_OS] <= 0 || (runs == 3 && t[P_TC] < 0)) {
			snprintf(pr->note, sizeof(pr->note), "openssl rand -hex 32 failed in %s %d",
				 runs == 3 ? "round" : "pair", i + 1);
			break;
		}
		v[i] = t[P_TS];
		v[n + i] = t[P_OS];
		v[2 * n + i] = t[P_TS] / t[P_OS];
		if (runs == 3) {
			v[3 * n + i] = t[P_TC];
			v[4 * n + i] = t[P_TC] / t[P_OS];
		}
	}
	if (i == n && n > 0) {
		for (j = 0; j < (runs == 3 ? 5 : 3); j++)
			qsort(v + (size_t)j * (size_t)n, (size_t)n, sizeof(double),
			      bench_cmp_double);
		pr->pairs = n;
		pr->ts_median = bench_median(v, (size_t)n);
		pr->os_median = bench_median(v + n, (size_t)n);
		pr->ratio_median = bench_median(v + 2 * n, (size_t)n);
		if (runs == 3) {
			pr->calibrated = true;
			pr->tc_median = bench_median(v + 3 * n, (size_t)n);
			pr->ratio_cal_median = bench_median(v + 4 * n, (size_t)n);
		}
	}
out:
	for (j = 0; j < 3; j++)
		unlink(conf[j]);
	rmdir(dir);
	free(v);
}
