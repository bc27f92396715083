// SPDX-License-Identifier: Apache-2.0
/*
 * timingseed calibrate [-o FILE] [--force] [SOURCE...]
 *
 * Measures on this machine the credit each source supports, and writes it
 * to FILE (default ./timingseed-calibration.conf), bound to this machine
 * and software (include/timingseed/calibration.h), for the provider's key
 * `calibration = FILE`. What it runs is `timingseed report`'s: per source
 * (every available one, or those named) and per assessment (the settings
 * that fix the collector's own variation), 10^6 samples through every SP
 * 800-90B 6.3 estimator, and the restart test on 1000 fresh processes of
 * 1000 samples with its sanity check. A source's credit is half the
 * smallest of those figures, as the defaults are made.
 *
 * It refuses to start while the machine is loaded: a 1-minute load
 * average above LOAD_PER_CPU per online CPU. Load adds jitter that the
 * machine's quiet hours lack, and a credit measured under it would be too
 * high then. --force calibrates anyway (and says so in the file).
 *
 * On a terminal: how long it will take, then progress. On stdout: a table
 * of default and calibrated credits, then the line to add to openssl.cnf.
 * Exit status 0 written, 1 not (loaded, a source failed, the file), 2 bad
 * arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "timingseed/calibration.h"
#include "timingseed/options.h"
#include "timingseed/pool.h"
#include "timingseed/registry.h"
#include "timingseed/tick.h"
#include "calibration_write.h"
#include "cli.h"
#include "progress.h"
#include "report.h"

#define DEFAULT_FILE "timingseed-calibration.conf"
#define LOAD_PER_CPU 0.5
/* For the estimate of the time it takes, measured on the reference VM:
 * the estimators over 10^6 samples, and one restart process. */
#define EST_S	3.0
#define PROC_S	0.006
#define RATE_MS 100

/* 0 quiet, 1 loaded (after saying so), -1 unknown (no load average). */
static int loaded(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double load;

	if (getloadavg(&load, 1) != 1)
		return -1;
	if (ncpu < 1)
		ncpu = 1;
	if (load <= LOAD_PER_CPU * (double)ncpu)
		return 0;
	cli_eprintf("timingseed: calibrate: the machine is loaded: load average %.2f over the "
		    "last minute, above %.2f (%.1f per CPU, %ld CPUs). Load adds jitter a "
		    "quiet machine lacks, so credits measured now would be too high when it is "
		    "quiet. Wait for it to settle, or --force.\n",
		    load, LOAD_PER_CPU * (double)ncpu, LOAD_PER_CPU, ncpu);
	return 1;
}

/* Seconds the run will take, roughly: collection, estimates, processes. */
static double estimate(const struct ts_source **srcs, size_t n)
{
	double s = 0;
	size_t i, k;

	for (i = 0; i < n; i++) {
		void *cfg = ts_config_new(srcs[i]);
		double rate = cfg ? cli_sample_rate(srcs[i], cfg, RATE_MS) : -1;

		ts_config_free(cfg);
		for (k = 0; ts_source_assessments(srcs[i])[k].label != NULL; k++)
			s += 3 * EST_S + TS_CAL_ROWS * PROC_S +
			     (rate > 0 ? 2.0 * TS_CAL_SAMPLES / rate : 0);
	}
	return s;
}

/* FILE through a temporary file beside it, renamed into place, mode 0644. */
static int write_file(const char *path, const struct report *r, const struct ts_binding *b,
		      bool forced)
{
	char tmp[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, n;
	FILE *f;

	n = slash ? snprintf(tmp, sizeof(tmp), "%.*s/.calibration.XXXXXX", (int)(slash - path),
			     path)
		  : snprintf(tmp, sizeof(tmp), ".calibration.XXXXXX");
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		cli_eprintf("timingseed: %s: path too long\n", path);
		return 1;
	}
	fd = mkstemp(tmp);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		cli_eprintf("timingseed: cannot write %s: %s\n", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return 1;
	}
	if (fchmod(fd, 0644) != 0 || calibration_write(r, b, forced, f) != 0) {
		cli_eprintf("timingseed: cannot write %s: %s\n", path, strerror(errno));
		fclose(f);
		unlink(tmp);
		return 1;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		cli_eprintf("timingseed: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return 1;
	}
	return 0;
}

static void print(const struct report *r, const char *path, bool forced)
{
	char abs[PATH_MAX];
	size_t i;

	printf("%-22s %8s %11s %9s  %s\n", "source", "default", "calibrated", "smallest",
	       "restart tests");
	for (i = 0; i < r->nsources; i++) {
		const struct report_source *s = &r->sources[i];
		size_t k, passed = 0;

		for (k = 0; k < s->nassess; k++)
			passed += s->assess[k].restart_run && s->assess[k].restart.pass;
		printf("%-22s %8.4f %11.4f %9.4f  %zu of %zu passed\n", s->name, s->default_credit,
		       calibration_credit(s), s->smallest, passed, s->nassess);
	}
	if (forced)
		printf("(calibrated with --force on a loaded machine: these credits may be too "
		       "high)\n");
	printf("\nadd to timingseed's section of openssl.cnf:\ncalibration = %s\n",
	       realpath(path, abs) ? abs : path);
}

int cmd_calibrate(int argc, char **argv)
{
	const struct ts_source *srcs[TS_MAX_SOURCES];
	const char *path = DEFAULT_FILE;
	struct report r = {0};
	struct ts_binding b;
	struct cli_progress tty;
	char *names[TS_MAX_SOURCES];
	bool force = false;
	int a, nnames = 0, rc;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "-o") == 0 && a + 1 < argc) {
			path = argv[++a];
		} else if (strcmp(argv[a], "--force") == 0) {
			force = true;
		} else if (argv[a][0] == '-') {
			return cli_usage_error("calibrate: unknown or incomplete option '%s'",
					       argv[a]);
		} else if (nnames < TS_MAX_SOURCES) {
			names[nnames++] = argv[a];
		} else {
			return cli_usage_error("calibrate: too many sources");
		}
	}
	if ((rc = report_pick(nnames, names, srcs, &r.nsources)) != 0)
		return rc;
	if (r.nsources == 0) {
		cli_eprintf("timingseed: no source can run here (see timingseed sources)\n");
		return 1;
	}
	if (!force) {
		int l = loaded();

		if (l == 1)
			return 1;
		if (l < 0)
			cli_eprintf("timingseed: calibrate: no load average here; calibrate only "
				    "on a quiet machine\n");
	}
	cli_progress_init(&tty, "calibrate", 0, 0);
	if (tty.tty) {
		double s = estimate(srcs, r.nsources);

		cli_eprintf("timingseed: calibrating %zu source%s: about %.0f %s\n", r.nsources,
			    r.nsources == 1 ? "" : "s", s < 120 ? s : s / 60,
			    s < 120 ? "seconds" : "minutes");
	}
	r.samples = TS_CAL_SAMPLES;
	r.restart_rows = TS_CAL_ROWS;
	r.restart_columns = TS_CAL_COLUMNS;
	r.sources = calloc(r.nsources, sizeof(*r.sources));
	if (r.sources == NULL) {
		cli_eprintf("timingseed: out of memory\n");
		return 1;
	}
	report_machine(&r.machine);
	/* Read before the run, as the pool reads it at load: no run of ours
	 * in the middle of the counter's step measurement. */
	ts_binding_read(&b);
	rc = report_live(&r, srcs, "calibrate");
	if (rc == 0)
		rc = write_file(path, &r, &b, force);
	if (rc == 0) {
		print(&r, path, force);
		cli_eprintf("timingseed: calibrated in %.0f s: %s\n", r.seconds, path);
	}
	report_free(&r);
	return rc;
}
