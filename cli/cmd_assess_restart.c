// SPDX-License-Identifier: Apache-2.0
/*
 * timingseed assess --restart SOURCE [-r R] [-c C] [-H H_I] [--bits K]
 *                   [--set OPTION=VALUE]... [--json]
 * timingseed assess --restart --file FILE [-r R] [-c C] [-H H_I] [--bits K]
 *                   [--json]
 *
 * The SP 800-90B 3.1.4 restart tests (restart.h): R restarts of the source,
 * each a fresh process of this tool (cli_restart_collect) collecting C
 * samples, default 1000 x 1000 as the standard has it; or a row dataset
 * from a file of 8-bit samples, R = its size / C. The sanity check and the
 * row and column estimates against H_I, then, for a live source, the
 * verdict on its credit.
 *
 * H_I. Live: twice the source's default credit, the min-entropy the
 * credit claims under the project's rule (a default credit is at most half
 * the assessed min-entropy), so the test checks the claim the credit rests
 * on. File: the ts_ea_assess() minimum of the whole file read as one
 * sequence (the 3.1.3 initial estimate of those samples), which is the
 * row dataset's own estimate. -H overrides either.
 *
 * The report is the normal assess report of the samples read as one
 * sequence (the row dataset) with a "restart" object added; the credit's
 * verdict uses min(h_rows, h_columns) / 2, the same rule as assess.
 * Exit status as assess: 0 when the report is made, whatever it says; 1
 * when the collection or the assessment could not run; 2 on bad arguments.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "timingseed/ea.h"
#include "timingseed/options.h"
#include "timingseed/registry.h"
#include "timingseed/restart.h"
#include "timingseed/tick.h"
#include "cli.h"
#include "progress.h"

#define DEFAULT_SIDE 1000
#define MAX_SAMPLES  ((1ULL << 28) - 1) /* ts_ea_assess: the bit string below 2^31 */

/*
 * Progress on stderr when it is a terminal (progress.h), from the first
 * restart on: one line, ended by a newline before any message and at the
 * end.
 */
static void on_row(size_t done, size_t rows, void *arg)
{
	cli_progress(arg, "restart %zu/%zu", done, rows);
}

static void on_estimator(const char *name, void *arg)
{
	cli_progress(arg, "assessing (%s)", name);
}

/* A whole file of 8-bit samples, of at most max bytes. NULL with a message (exit 2 or 1). */
static uint8_t *read_all(const char *path, uint64_t max, size_t *n, int *status)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *buf;

	*status = 2;
	if (f == NULL || fstat(fileno(f), &st) != 0) {
		cli_usage_error("cannot read '%s': %s", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		cli_usage_error("'%s': %s", path,
				S_ISREG(st.st_mode) ? "more than 2^28 - 1 samples"
						    : "not a regular file");
		fclose(f);
		return NULL;
	}
	*n = (size_t)st.st_size;
	buf = malloc(*n ? *n : 1);
	if (buf == NULL || fread(buf, 1, *n, f) != *n) {
		fprintf(stderr, "timingseed: reading '%s' failed\n", path);
		*status = 1;
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	return buf;
}

static void print_text(const char *name, const struct ts_source *src, const char *h_why,
		       const struct ts_ea_restart *r)
{
	double h = fmin(r->h_rows, r->h_columns);

	printf("%s: restart test (SP 800-90B 3.1.4), %zu restarts x %zu samples, %u-bit "
	       "symbols\n",
	       name, r->rows, r->columns, r->bits);
	printf("  H_I %.6f bits/sample (%s), alpha %.3g\n", r->h_initial, h_why, r->alpha);
	printf("  sanity check: %s (largest row count %u, cutoff %u; largest column count %u, "
	       "cutoff %u)\n",
	       r->sanity ? "pass" : "FAIL", r->max_row, r->cutoff_rows, r->max_column,
	       r->cutoff_columns);
	printf("  h_rows %.6f, h_columns %.6f bits/sample\n", r->h_rows, r->h_columns);
	printf("  validation: %s (min(h_rows, h_columns) %.6f, must be at least H_I / 2, %.6f)\n",
	       h >= r->h_initial / 2 ? "pass" : "FAIL", h, r->h_initial / 2);
	printf("  restart test: %s\n", r->pass ? "pass" : "FAIL");
	if (src != NULL)
		printf("  credit %.4f bits/sample: %s (must be at most half of min(h_rows, "
		       "h_columns), %.4f)\n",
		       src->default_credit, src->default_credit <= h / 2 ? "pass" : "FAIL", h / 2);
}

static void print_json(const char *name, const struct ts_source *src,
		       const struct ts_ea_report *rep, const struct ts_ea_restart *r)
{
	double h = fmin(r->h_rows, r->h_columns);

	printf("[\n  ");
	cli_assess_json_head(name, src != NULL, rep);
	if (src != NULL)
		printf(", \"credit\": %.4f, \"verdict\": \"%s\"", src->default_credit,
		       src->default_credit <= h / 2 ? "pass" : "fail");
	printf(", \"restart\": {\"rows\": %zu, \"columns\": %zu, \"h_initial\": %.6f, "
	       "\"alpha\": %.6g, \"cutoff_rows\": %u, \"cutoff_columns\": %u, \"max_row\": %u, "
	       "\"max_column\": %u, \"sanity\": \"%s\", \"h_rows\": %.6f, \"h_columns\": %.6f, "
	       "\"pass\": %s}}\n]\n",
	       r->rows, r->columns, r->h_initial, r->alpha, r->cutoff_rows, r->cutoff_columns,
	       r->max_row, r->max_column, r->sanity ? "pass" : "fail", r->h_rows, r->h_columns,
	       r->pass ? "true" : "false");
}

static int usage(void)
{
	fprintf(stderr,
		"usage: timingseed assess --restart SOURCE [-r R] [-c C] [-H H_I] "
		"[--bits K] [--set OPTION=VALUE]... [--json]\n"
		"       timingseed assess --restart --file FILE [-r R] [-c C] [-H H_I] "
		"[--bits K] [--json]\n"
		"  R restarts (rows) of C samples (columns), default %d x %d; "
		"for a file R is its size / C\n",
		DEFAULT_SIDE, DEFAULT_SIDE);
	return 2;
}

int cli_assess_restart(int argc, char **argv)
{
	const char *name = NULL, *path = NULL, *why = NULL;
	const struct ts_source *src = NULL;
	uint64_t rows = DEFAULT_SIDE, columns = DEFAULT_SIDE, bits = 0;
	bool json = false, rows_given = false;
	double h_initial = 0;
	char **sets = NULL, h_why[96];
	size_t nsets = 0, n = 0;
	struct cli_progress pr;
	struct ts_ea_report rep;
	struct ts_ea_restart r;
	uint8_t *m = NULL;
	void *cfg = NULL;
	int a, ret = 2;

	sets = calloc((size_t)argc, sizeof(*sets));
	if (sets == NULL)
		return cli_usage_error("out of memory");
	for (a = 1; a < argc; a++) {
		const char *arg = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;

		if (strcmp(arg, "--restart") == 0) {
			continue;
		} else if (strcmp(arg, "-r") == 0 && val) {
			if (cli_parse_count("-r", val, MAX_SAMPLES, &rows) != 0)
				goto usage;
			rows_given = true;
			a++;
		} else if (strcmp(arg, "-c") == 0 && val) {
			if (cli_parse_count("-c", val, MAX_SAMPLES, &columns) != 0)
				goto usage;
			a++;
		} else if (strcmp(arg, "-H") == 0 && val) {
			char *end;

			errno = 0;
			h_initial = strtod(val, &end);
			if (errno != 0 || end == val || *end != '\0' ||
			    !(h_initial > 0 && h_initial <= 8)) {
				cli_usage_error("-H: '%s' is not a min-entropy in (0, 8]", val);
				goto usage;
			}
			a++;
		} else if (strcmp(arg, "--bits") == 0 && val) {
			if (cli_parse_count("--bits", val, 8, &bits) != 0)
				goto usage;
			a++;
		} else if (strcmp(arg, "--set") == 0 && val) {
			sets[nsets++] = argv[++a];
		} else if (strcmp(arg, "--file") == 0 && val && path == NULL) {
			path = val;
			a++;
		} else if (strcmp(arg, "--json") == 0) {
			json = true;
		} else if (arg[0] != '-' && name == NULL) {
			name = arg;
		} else {
			cli_usage_error("assess --restart: unexpected argument '%s'", arg);
			goto usage;
		}
	}
	if ((name == NULL) == (path == NULL)) {
		cli_usage_error("assess --restart takes one SOURCE or one --file");
		goto usage;
	}
	if (path != NULL && nsets > 0) {
		cli_usage_error("--set needs a SOURCE to apply to");
		goto usage;
	}
	if (columns < 2 || (path == NULL && rows < 2)) {
		cli_usage_error("a restart matrix needs at least 2 rows and 2 columns");
		goto usage;
	}

	if (path != NULL) {
		m = read_all(path, MAX_SAMPLES, &n, &ret);
		if (m == NULL)
			goto out;
		ret = 2;
		if (n % columns != 0 || n / columns < 2) {
			cli_usage_error("'%s': %zu samples are not 2 or more rows of %llu", path, n,
					(unsigned long long)columns);
			goto out;
		}
		if (rows_given && rows != n / columns) {
			cli_usage_error("'%s': -r %llu, but %zu samples make %zu rows of %llu",
					path, (unsigned long long)rows, n, (size_t)(n / columns),
					(unsigned long long)columns);
			goto out;
		}
		rows = n / columns;
		name = path;
		cli_progress_init(&pr, name, 0, 0);
	} else {
		src = ts_source_find(name);
		if (src == NULL) {
			cli_usage_error("unknown source '%s' (see `timingseed sources`)", name);
			goto usage;
		}
		if (!src->available(&why)) {
			cli_usage_error("%s is not available here: %s", name, why ? why : "?");
			goto usage;
		}
		name = src->name;
		if (rows * columns > MAX_SAMPLES) {
			cli_usage_error("-r x -c: at most 2^28 - 1 samples");
			goto usage;
		}
		/* Each --set checked here, once, not in the first of R children. */
		cfg = ts_config_new(src);
		if (cfg == NULL) {
			ret = cli_usage_error("out of memory");
			goto out;
		}
		ret = cli_apply_sets(src, cfg, argc, argv);
		if (ret != 0)
			goto out;
		n = (size_t)(rows * columns);
		m = malloc(n);
		if (m == NULL) {
			fprintf(stderr, "timingseed: out of memory\n");
			ret = 1;
			goto out;
		}
		cli_progress_init(&pr, name, 0, 0);
		if (cli_restart_collect(name, sets, nsets, (size_t)rows, (size_t)columns, m, on_row,
					&pr) != 0) {
			ret = 1; /* restart.c said why, ending the line */
			goto out;
		}
	}

	/* The samples as one sequence: the report's usual fields, and a file's H_I. */
	if (ts_ea_assess_progress(m, n, (unsigned)bits, &rep, on_estimator, &pr) != 0) {
		if (errno == EINVAL) {
			ret = cli_usage_error("%s: samples do not fit in %llu bits", name,
					      (unsigned long long)bits);
		} else {
			cli_eprintf("timingseed: %s: assessment failed: %s\n", name,
				    strerror(errno));
			ret = 1;
		}
		goto out;
	}
	if (h_initial > 0) {
		snprintf(h_why, sizeof(h_why), "given with -H");
	} else if (src != NULL) {
		h_initial = 2 * src->default_credit;
		snprintf(h_why, sizeof(h_why), "twice the credit %.4f", src->default_credit);
	} else {
		h_initial = rep.min;
		snprintf(h_why, sizeof(h_why), "the assessment of the whole file");
		if (!(h_initial > 0)) {
			cli_eprintf(
				"timingseed: %s: the whole file assesses at 0 bits/sample: no H_I "
				"to "
				"test against (give -H)\n",
				name);
			ret = 1;
			goto out;
		}
	}
	/* The row dataset is m, assessed just above: not again. */
	if (ts_ea_restart_rows_known(m, (size_t)rows, (size_t)columns, (unsigned)bits, h_initial,
				     &rep, &r, NULL, NULL, on_estimator, &pr) != 0) {
		if (errno == EINVAL) {
			ret = cli_usage_error("%s: H_I %.6f is above the %u-bit word size", name,
					      h_initial, rep.bits);
		} else {
			cli_eprintf("timingseed: %s: restart test failed: %s\n", name,
				    strerror(errno));
			ret = 1;
		}
		goto out;
	}
	cli_progress_end(&pr);
	if (json)
		print_json(name, src, &rep, &r);
	else
		print_text(name, src, h_why, &r);
	ret = fflush(stdout) == 0 ? 0 : 1;
	goto out;
usage:
	free(sets);
	return usage();
out:
	free(sets);
	free(m);
	ts_config_free(cfg);
	return ret;
}
