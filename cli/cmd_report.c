// SPDX-License-Identifier: Apache-2.0
/*
 * timingseed report [-o DIR] [--quick] [SOURCE...]
 * timingseed report [-o DIR] --file FILE [-c C] [-H H_I]
 *
 * The evidence a reviewer needs before trusting this machine's sources,
 * in DIR/report.json and DIR/report.html (default ./timingseed-report).
 * For each source (every available one by default) and each of its
 * assessments (the option settings that fix the collector's own variation,
 * struct ts_assessment; the defaults when it has none): N raw samples
 * (10^6, 10^5 with --quick) and their SP 800-90B non-IID estimates, the
 * restart test on R restarts of C samples in fresh processes (1000 x 1000,
 * 100 x 1000 with --quick) with H_I the sequential estimate, as NIST's
 * ea_restart takes it, the health tests' cutoffs at the credit in force,
 * and a verdict: the credit holds when it is at most half of the smallest
 * estimate and every restart test passes.
 *
 * --file reads 8-bit samples instead (as `timingseed sample --format u8`
 * writes them): the sequential estimates over the whole file, and the
 * restart test over it read as rows of C samples (C = 1000 unless -c),
 * which is how a report over data of known entropy is checked. H_I is the
 * file's sequential estimate unless -H gives it: a file that is its own
 * row dataset has its restart structure in that estimate already, so a
 * claim to test the rows against must come from outside.
 *
 * Progress, with the time left, on stderr when it is a terminal. Prints
 * the directory on stdout. Exit status 0 when the report was written
 * (whatever its verdicts), 1 when a source or the output failed, 2 on bad
 * arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "timingseed/ea.h"
#include "timingseed/options.h"
#include "timingseed/pool.h"
#include "timingseed/registry.h"
#include "timingseed/restart.h"
#include "timingseed/tick.h"
#include "cli.h"
#include "progress.h"
#include "report.h"

#define FULL_SAMPLES   1000000
#define QUICK_SAMPLES  100000
#define FULL_ROWS      1000
#define QUICK_ROWS     100
#define COLUMNS	       1000
#define RATE_MS	       200
#define MAX_FILE_BYTES (1ULL << 28)
#define CHUNK	       65536

/*
 * Work done and to do, in sample-passes, for the time left; the line itself
 * (on a terminal only, from the start, erased at the end) is progress.c's.
 */
struct progress {
	struct cli_progress line;
	double done, total;
	const char *what;
};

static void show(struct progress *p, const char *what, double done)
{
	double el = (double)(ts_now_ns() - p->line.start) / 1e9;

	p->what = what;
	p->done = done;
	cli_progress(&p->line, "%3.0f%%, about %.0f s left: %.40s", 100 * p->done / p->total,
		     p->done > 0 ? el * (p->total - p->done) / p->done : 0, what);
}

static void show_row(size_t done, size_t rows, void *arg)
{
	struct progress *p = arg;
	double base = p->done;

	(void)rows;
	show(p, p->what, base + (double)done * COLUMNS * 2);
	p->done = base; /* restored: the caller adds the whole phase at its end */
}

int report_pick(int nnames, char **names, const struct ts_source **out, size_t *n)
{
	size_t i;
	int a;

	*n = 0;
	if (nnames == 0) {
		for (i = 0; ts_sources[i] != NULL && *n < TS_MAX_SOURCES; i++) {
			const char *why;

			if (ts_sources[i]->available(&why))
				out[(*n)++] = ts_sources[i];
		}
		return 0;
	}
	for (a = 0; a < nnames && *n < TS_MAX_SOURCES; a++) {
		const struct ts_source *s = ts_source_find(names[a]);
		const char *why = "";

		if (s == NULL) {
			cli_eprintf("timingseed: unknown source '%s' (see timingseed sources)\n",
				    names[a]);
			return 2;
		}
		if (!s->available(&why)) {
			cli_eprintf("timingseed: %s cannot run here: %s\n", s->name, why);
			return 1;
		}
		out[(*n)++] = s;
	}
	return 0;
}

/* n raw samples of src under cfg. 0, or 1 after saying why. */
static int collect(const struct ts_source *src, const void *cfg, uint64_t *raw, size_t n)
{
	size_t done = 0;

	while (done < n) {
		size_t want = n - done < CHUNK ? n - done : CHUNK;
		long got = src->collect(cfg, raw + done, want, ts_now_ns() + 1000000000ULL);

		if (got < 0) {
			cli_eprintf("timingseed: %s: collection failed: %s\n", src->name,
				    strerror((int)-got));
			return 1;
		}
		done += (size_t)got;
	}
	return 0;
}

/*
 * The largest H in (0, r->h_initial] at which r's counts pass the sanity
 * check; 0 when none does. The cutoffs only grow as H falls, so bisection
 * finds it (to 1e-4 bits).
 */
static double h_sanity(const struct ts_ea_restart *r)
{
	double lo = 0, hi = r->h_initial;
	int i;

	if (r->sanity)
		return r->h_initial;
	for (i = 0; i < 40 && hi - lo > 1e-4; i++) {
		double h = (lo + hi) / 2, p = exp2(-h);

		if (r->max_row <= ts_ea_binomial_cutoff((uint32_t)r->columns, p, r->alpha) &&
		    r->max_column <= ts_ea_binomial_cutoff((uint32_t)r->rows, p, r->alpha))
			lo = h;
		else
			hi = h;
	}
	return lo;
}

static int assess_restart(struct report_assessment *a, const char *name, const uint8_t *m,
			  size_t rows, size_t columns, double h_given)
{
	double h = h_given > 0 ? h_given : a->ea.min > 0 ? a->ea.min : 1.0 / 256;

	a->row_mcv = calloc(rows, sizeof(*a->row_mcv));
	a->column_mcv = calloc(columns, sizeof(*a->column_mcv));
	if (a->row_mcv == NULL || a->column_mcv == NULL) {
		cli_eprintf("timingseed: out of memory\n");
		return 1;
	}
	/* H_I: the sequential estimate, as ea_restart is given it. */
	if (ts_ea_restart(m, rows, columns, 0, h, &a->restart, a->row_mcv, a->column_mcv, NULL,
			  NULL) != 0) {
		cli_eprintf("timingseed: %s: restart test could not run: %s\n", name,
			    strerror(errno));
		return 1;
	}
	a->restart_run = true;
	a->h_sanity = h_sanity(&a->restart);
	return 0;
}

/* One assessment of a live source: collect, estimate, restart. */
static int assess_live(struct report *r, const struct ts_source *src, struct report_assessment *a,
		       struct progress *pr)
{
	void *cfg = ts_config_new(src);
	uint64_t *raw = malloc(r->samples * sizeof(*raw));
	uint8_t *sym = malloc(r->samples > r->restart_rows * r->restart_columns
				      ? r->samples
				      : r->restart_rows * r->restart_columns);
	char err[256], what[96];
	size_t i, nsets = 0;
	uint64_t t0;
	int rc = 1;

	if (cfg == NULL || raw == NULL || sym == NULL) {
		cli_eprintf("timingseed: out of memory\n");
		goto out;
	}
	for (; a->sets[nsets] != NULL; nsets++)
		if (ts_config_set_pair(src, cfg, a->sets[nsets], err, sizeof(err)) != 0) {
			cli_eprintf("timingseed: %s: %s\n", src->name, err);
			goto out;
		}
	snprintf(what, sizeof(what), "%s (%s): collecting", src->name, a->label);
	show(pr, what, pr->done);
	t0 = ts_now_ns();
	if (collect(src, cfg, raw, r->samples) != 0)
		goto out;
	a->seconds = (double)(ts_now_ns() - t0) / 1e9;
	a->samples = r->samples;
	report_plots(&a->plots, raw, r->samples);
	for (i = 0; i < r->samples; i++)
		sym[i] = ts_symbol(raw[i]);
	snprintf(what, sizeof(what), "%s (%s): estimating", src->name, a->label);
	show(pr, what, pr->done + (double)r->samples);
	if (ts_ea_assess(sym, r->samples, 8, &a->ea) != 0) {
		cli_eprintf("timingseed: %s: assessment failed: %s\n", src->name, strerror(errno));
		goto out;
	}
	snprintf(what, sizeof(what), "%s (%s): restarts", src->name, a->label);
	show(pr, what, pr->done + 4.0 * (double)r->samples);
	if (cli_restart_collect(src->name, (char *const *)a->sets, nsets, r->restart_rows,
				r->restart_columns, sym, show_row, pr) != 0)
		goto out;
	rc = assess_restart(a, src->name, sym, r->restart_rows, r->restart_columns, 0);
	pr->done += 7.0 * (double)(r->restart_rows * r->restart_columns);
out:
	ts_config_free(cfg);
	free(raw);
	free(sym);
	return rc;
}

/*
 * Credit in force for each picked source: a pool's, after the startup
 * test of every source (the on-demand test: a pool may startup-test only
 * the sources a request needs). A source that fails it is credited 0.
 */
static void credits(struct report *r)
{
	struct ts_pool *pool = cli_pool_unconfined();
	struct ts_selftest_result res[TS_MAX_SOURCES];
	struct ts_source_stats st[TS_MAX_SOURCES];
	size_t i, j, n;

	if (pool == NULL)
		return;
	ts_pool_selftest(pool, NULL, 0, res, TS_MAX_SOURCES);
	n = ts_pool_stats(pool, st, TS_MAX_SOURCES);
	for (i = 0; i < r->nsources; i++)
		for (j = 0; j < n; j++)
			if (strcmp(st[j].name, r->sources[i].name) == 0)
				r->sources[i].credit =
					st[j].state == TS_SRC_HEALTHY ? st[j].credit : 0;
	ts_pool_free(pool);
}

/*
 * The verdict and the health cutoffs at the credit that applies. The
 * smallest estimate is over every assessment's sequential estimate, its
 * restart row and column estimates, and the H its restarts pass the
 * sanity check at (h_sanity): a credit must hold against all of them.
 */
static void conclude(struct report_source *s)
{
	struct ts_health_cutoffs c;
	size_t i;

	s->smallest = -1;
	for (i = 0; i < s->nassess; i++) {
		const struct report_assessment *a = &s->assess[i];
		double h[4] = {a->ea.min, -1, -1, -1};
		int k;

		if (a->restart_run) {
			h[1] = a->restart.h_rows;
			h[2] = a->restart.h_columns;
			h[3] = a->h_sanity;
		}
		for (k = 0; k < 4; k++)
			if (h[k] >= 0 && (s->smallest < 0 || h[k] < s->smallest))
				s->smallest = h[k];
	}
	s->supported = s->smallest >= 0 ? s->smallest / 2 : 0;
	s->holds = !s->from_file && s->smallest > 0 && s->credit <= s->supported;
	ts_health_cutoffs(s->from_file ? s->supported : s->credit, &c);
	s->rct_cutoff = c.rct;
	s->apt_cutoff = c.apt;
	s->rct_cutoff_perm = c.rct_perm;
	s->apt_cutoff_perm = c.apt_perm;
	s->apt_window = c.apt_window;
	s->alpha_log2 = c.alpha_log2;
	s->perm_log2 = c.perm_log2;
}

static int run_sources(struct report *r, const struct ts_source **srcs, struct progress *pr)
{
	size_t i, k;

	for (i = 0; i < r->nsources; i++) {
		struct report_source *s = &r->sources[i];
		const struct ts_source *src = srcs[i];
		const struct ts_assessment *as = ts_source_assessments(src);
		void *cfg = ts_config_new(src);

		s->name = src->name;
		s->default_credit = src->default_credit;
		s->rate = cfg ? cli_sample_rate(src, cfg, RATE_MS) : -1;
		ts_config_free(cfg);
		for (k = 0; as[k].label != NULL && k < REPORT_MAX_ASSESS; k++) {
			size_t j;

			s->assess[k].label = as[k].label;
			for (j = 0; j < REPORT_MAX_SETS && as[k].sets[j]; j++)
				s->assess[k].sets[j] = as[k].sets[j];
		}
		s->nassess = k;
		for (k = 0; k < s->nassess; k++)
			if (assess_live(r, src, &s->assess[k], pr) != 0)
				return 1;
	}
	credits(r);
	for (i = 0; i < r->nsources; i++)
		conclude(&r->sources[i]);
	return 0;
}

int report_live(struct report *r, const struct ts_source **srcs, const char *label)
{
	struct progress pr = {0};
	size_t i, k;
	int rc;

	cli_progress_init(&pr.line, label, 0, 0);
	for (i = 0; i < r->nsources; i++)
		for (k = 0; ts_source_assessments(srcs[i])[k].label != NULL; k++)
			pr.total += 4.0 * (double)r->samples +
				    7.0 * (double)(r->restart_rows * r->restart_columns);
	rc = run_sources(r, srcs, &pr);
	r->seconds = (double)(ts_now_ns() - pr.line.start) / 1e9;
	cli_progress_clear(&pr.line);
	return rc;
}

static int run_file(struct report *r, const char *path, double h_given, struct progress *pr)
{
	struct report_source *s = &r->sources[0];
	struct report_assessment *a = &s->assess[0];
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (f == NULL) {
		cli_eprintf("timingseed: %s: %s\n", path, strerror(errno));
		return 1;
	}
	do {
		uint8_t *nb;

		if (n == cap) {
			cap = cap ? cap * 2 : CHUNK;
			if (cap > MAX_FILE_BYTES || (nb = realloc(buf, cap)) == NULL) {
				cli_eprintf("timingseed: %s: too large or out of memory\n", path);
				fclose(f);
				free(buf);
				return 1;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	if (ferror(f) || n / r->restart_columns < 2) {
		cli_eprintf("timingseed: %s: %s\n", path,
			    ferror(f) ? strerror(errno) : "fewer than two rows of samples");
		fclose(f);
		free(buf);
		return 1;
	}
	fclose(f);
	s->name = path;
	s->from_file = true;
	s->nassess = 1;
	a->label = "file";
	a->samples = n;
	r->samples = n;
	r->restart_rows = n / r->restart_columns;
	report_plots_symbols(&a->plots, buf, n);
	show(pr, "file: estimating", 0);
	if (ts_ea_assess(buf, n, 0, &a->ea) != 0 ||
	    assess_restart(a, path, buf, r->restart_rows, r->restart_columns, h_given) != 0) {
		if (!a->restart_run)
			cli_eprintf("timingseed: %s: assessment failed: %s\n", path,
				    strerror(errno));
		free(buf);
		return 1;
	}
	free(buf);
	conclude(s);
	return 0;
}

/* DIR/NAME written by fn, through a temporary file renamed into place. */
static int write_out(const char *dir, const char *name, const struct report *r,
		     int (*fn)(const struct report *, FILE *))
{
	char path[4096], tmp[4096];
	int fd;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name);
	fd = mkstemp(tmp);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		cli_eprintf("timingseed: cannot write %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (fchmod(fd, 0644) != 0 || fn(r, f) != 0 || fclose(f) != 0) {
		cli_eprintf("timingseed: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return 1;
	}
	if (rename(tmp, path) != 0) {
		cli_eprintf("timingseed: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return 1;
	}
	return 0;
}

void report_free(struct report *r)
{
	size_t i, k;

	for (i = 0; r->sources != NULL && i < r->nsources; i++)
		for (k = 0; k < r->sources[i].nassess; k++) {
			free(r->sources[i].assess[k].row_mcv);
			free(r->sources[i].assess[k].column_mcv);
		}
	free(r->sources);
}

int cmd_report(int argc, char **argv)
{
	const struct ts_source *srcs[TS_MAX_SOURCES];
	const char *dir = "timingseed-report", *file = NULL;
	struct report r = {0};
	struct progress pr = {0};
	uint64_t columns = COLUMNS;
	double h_given = 0;
	char *names[TS_MAX_SOURCES];
	int a, nnames = 0, rc;
	bool c_given = false;

	for (a = 1; a < argc; a++) {
		const char *arg = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;

		if (strcmp(arg, "-o") == 0 && val) {
			dir = val;
			a++;
		} else if (strcmp(arg, "--quick") == 0) {
			r.quick = true;
		} else if (strcmp(arg, "--file") == 0 && val) {
			file = val;
			a++;
		} else if (strcmp(arg, "-c") == 0 && val) {
			if (cli_parse_count("-c", val, 1u << 20, &columns) != 0)
				return 2;
			c_given = true;
			a++;
		} else if (strcmp(arg, "-H") == 0 && val) {
			char *end;

			errno = 0;
			h_given = strtod(val, &end);
			if (errno != 0 || end == val || *end != '\0' ||
			    !(h_given > 0 && h_given <= 8))
				return cli_usage_error(
					"report: -H: '%s' is not a min-entropy in (0, 8]", val);
			a++;
		} else if (arg[0] == '-') {
			return cli_usage_error("report: unknown or incomplete option '%s'", arg);
		} else if (nnames < TS_MAX_SOURCES) {
			names[nnames++] = argv[a];
		} else {
			return cli_usage_error("report: too many sources");
		}
	}
	if (file != NULL && nnames > 0)
		return cli_usage_error("report: --file and SOURCE names exclude each other");
	if (h_given > 0 && file == NULL)
		return cli_usage_error("report: -H applies to --file (a source's H_I is its own "
				       "sequential estimate)");
	if (c_given && file == NULL)
		return cli_usage_error("report: -c applies to --file (live restarts are %u x %u)",
				       r.quick ? QUICK_ROWS : FULL_ROWS, COLUMNS);
	r.samples = r.quick ? QUICK_SAMPLES : FULL_SAMPLES;
	r.restart_rows = r.quick ? QUICK_ROWS : FULL_ROWS;
	r.restart_columns = (size_t)columns;
	if (file == NULL && (rc = report_pick(nnames, names, srcs, &r.nsources)) != 0)
		return rc;
	if (file != NULL)
		r.nsources = 1;
	if (r.nsources == 0) {
		cli_eprintf("timingseed: no source can run here (see timingseed sources)\n");
		return 1;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		cli_eprintf("timingseed: cannot make %s: %s\n", dir, strerror(errno));
		return 1;
	}
	r.sources = calloc(r.nsources, sizeof(*r.sources));
	if (r.sources == NULL) {
		cli_eprintf("timingseed: out of memory\n");
		return 1;
	}
	report_machine(&r.machine);
	if (file == NULL) {
		rc = report_live(&r, srcs, "report");
	} else {
		cli_progress_init(&pr.line, "report", 0, 0);
		pr.total = 1;
		rc = run_file(&r, file, h_given, &pr);
		r.seconds = (double)(ts_now_ns() - pr.line.start) / 1e9;
		cli_progress_clear(&pr.line);
	}
	if (rc == 0)
		rc = write_out(dir, "report.json", &r, report_write_json);
	if (rc == 0)
		rc = write_out(dir, "report.html", &r, report_write_html);
	if (rc == 0) {
		printf("%s\n", dir);
		cli_eprintf("timingseed: report written in %.0f s: %s/report.html\n", r.seconds,
			    dir);
	}
	report_free(&r);
	return rc;
}
