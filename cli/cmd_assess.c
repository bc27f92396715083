// SPDX-License-Identifier: Apache-2.0
/*
 * timingseed assess [SOURCE...] [-n N] [--file FILE]... [--bits K]
 *                   [--set OPTION=VALUE]... [--json]
 *
 * The SP 800-90B section 6.3 non-IID assessment (ts_ea_assess, as NIST's
 * ea_non_iid computes it) of live samples from the named sources (default:
 * every source available here), N of them each (default 100000, about two
 * seconds for the slowest Linux source; the standard asks for 1000000), or
 * of files of 8-bit samples such as `timingseed sample` writes (the first
 * N samples when -n is given, else all). The symbol is the one the pool
 * credits: the low byte of each duration. --bits fixes the word size, else
 * it is inferred from the data as ea_non_iid infers it. --set fixes a
 * source option (every named source), e.g. a constant write size, to
 * assess with the collector's own variation taken out.
 *
 * For a live source the verdict compares its default credit with the
 * measured minimum: it passes when the credit is at most half of it (the
 * project's rule for defaults). --restart is the restart test
 * (cmd_assess_restart.c). The exit status is 0 whatever the
 * verdicts (they are a report, in the output), 1 when a collection or the
 * assessment could not run, 2 on bad arguments.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timingseed/ea.h"
#include "timingseed/options.h"
#include "timingseed/registry.h"
#include "timingseed/tick.h"
#include "cli.h"
#include "progress.h"

#define DEFAULT_SAMPLES 100000
#define MAX_SAMPLES	((1ULL << 28) - 1) /* the bit string stays below 2^31 */
#define CHUNK		65536

struct job {
	const char *name;
	const struct ts_source *src; /* NULL: a file */
	const char *path;
};

/*
 * One progress line on stderr per job (progress.h), once it takes 1 s, and
 * only when stderr is a terminal: a log or a pipe gets no \r lines.
 */
static void on_estimator(const char *name, void *arg)
{
	cli_progress(arg, "assessing (%s)", name);
}

/* Live samples of one source, as symbols. Returns 0, or 1 with a message. */
static int collect(const struct job *j, void *cfg, uint8_t *sym, size_t n, struct cli_progress *pr)
{
	uint64_t *buf = malloc(CHUNK * sizeof(*buf));
	size_t done = 0, i;

	if (buf == NULL) {
		fprintf(stderr, "timingseed: out of memory\n");
		return 1;
	}
	while (done < n) {
		size_t want = n - done < CHUNK ? n - done : CHUNK;
		long got = j->src->collect(cfg, buf, want, ts_now_ns() + 10000000000ULL);

		if (got <= 0) {
			cli_eprintf("timingseed: %s: collection failed after %zu samples%s%s\n",
				    j->name, done, got < 0 ? ": " : "",
				    got < 0 ? strerror((int)-got) : "");
			free(buf);
			return 1;
		}
		for (i = 0; i < (size_t)got; i++)
			sym[done + i] = ts_symbol(buf[i]);
		done += (size_t)got;
		cli_progress(pr, "collecting %zu/%zu samples (%.0f%%)", done, n,
			     100.0 * (double)done / (double)n);
	}
	free(buf);
	return 0;
}

/* The first max bytes of a file (at most MAX_SAMPLES). */
static uint8_t *read_file(const char *path, uint64_t max, size_t *n)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 0, len = 0, got;
	uint8_t *buf = NULL, *nb;
	int err = 0;

	if (f == NULL)
		return NULL;
	if (max == 0 || max > MAX_SAMPLES)
		max = MAX_SAMPLES;
	do {
		if (len == cap) {
			cap = cap ? 2 * cap : 1 << 20;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				err = ENOMEM;
				break;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len < max - len ? cap - len : max - len, f);
		len += got;
	} while (got > 0 && len < max);
	if (err == 0 && ferror(f))
		err = EIO;
	fclose(f);
	if (err != 0) {
		free(buf);
		errno = err;
		return NULL;
	}
	*n = len;
	return buf;
}

static const char *const order[] = {
	"mcv", "collision", "markov", "compression", "t_tuple",
	"lrs", "multi_mcw", "lag",    "multi_mmc",   "lz78y",
};

static const char *const label[] = {
	"most common value",   "collision",	 "Markov",
	"compression",	       "t-tuple",	 "LRS",
	"MultiMCW prediction", "Lag prediction", "MultiMMC prediction",
	"LZ78Y prediction",
};

/* The estimate named name in r, per sample, or -1 when it did not run. */
static double find(const struct ts_ea_report *r, const char *prefix, const char *name)
{
	char full[64];
	size_t i;

	snprintf(full, sizeof(full), "%s%s", prefix, name);
	for (i = 0; i < r->count; i++)
		if (strcmp(r->est[i].name, full) == 0)
			return r->est[i].h;
	return -1;
}

static void print_text(const struct job *j, const struct ts_ea_report *r, bool bitstring)
{
	size_t i;

	printf("%s: %zu samples, %u-bit symbols, %u distinct\n", j->name, r->samples, r->bits,
	       r->alphabet);
	if (r->alphabet <= 1) {
		printf("  one symbol only: no entropy\n");
	} else {
		if (bitstring)
			printf("  %-22s %12s %12s %14s\n", "estimator", "symbols", "bit string",
			       "(per sample)");
		else
			printf("  %-22s %12s\n", "estimator", "symbols");
		for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
			double h = find(r, "", order[i]), b = find(r, "bitstring.", order[i]);

			printf("  %-22s ", label[i]);
			if (h >= 0)
				printf("%12.6f", h);
			else
				printf("%12s", "-");
			if (bitstring && b >= 0)
				printf(" %12.6f %14.6f", b / r->bits, b);
			else if (bitstring)
				printf(" %12s %14s", "-", "-");
			putchar('\n');
		}
		printf("  H_original %.6f", r->h_original);
		if (bitstring)
			printf(", H_bitstring %.6f (x%u = %.6f)", r->h_bitstring, r->bits,
			       r->h_bitstring * r->bits);
		putchar('\n');
	}
	printf("  min-entropy %.6f bits/sample\n", r->min);
	if (j->src != NULL)
		printf("  credit %.4f bits/sample: %s (must be at most half the min-entropy, "
		       "%.4f)\n",
		       j->src->default_credit,
		       j->src->default_credit <= r->min / 2 ? "pass" : "FAIL", r->min / 2);
}

void cli_assess_json_head(const char *name, bool source, const struct ts_ea_report *r)
{
	size_t i;

	printf("{\"name\": ");
	cli_json_string(name);
	printf(", \"kind\": \"%s\", \"samples\": %zu, \"bits\": %u, \"alphabet\": %u, "
	       "\"min_entropy\": %.6f, \"h_original\": %.6f, \"h_bitstring\": ",
	       source ? "source" : "file", r->samples, r->bits, r->alphabet, r->min, r->h_original);
	if (r->h_bitstring >= 0)
		printf("%.6f", r->h_bitstring);
	else
		printf("null");
	printf(", \"estimators\": {");
	for (i = 0; i < r->count; i++)
		printf("%s\"%s\": %.6f", i ? ", " : "", r->est[i].name, r->est[i].h);
	printf("}");
}

static void print_json(const struct job *j, const struct ts_ea_report *r, bool first)
{
	printf("%s\n  ", first ? "" : ",");
	cli_assess_json_head(j->name, j->src != NULL, r);
	if (j->src != NULL)
		printf(", \"credit\": %.4f, \"verdict\": \"%s\"", j->src->default_credit,
		       j->src->default_credit <= r->min / 2 ? "pass" : "fail");
	printf("}");
}

/* Collect or read, assess, print. Returns an exit status. */
static int run(const struct job *j, uint64_t n, bool n_given, unsigned bits, bool json,
	       size_t *printed, int argc, char **argv)
{
	struct cli_progress pr;
	struct ts_ea_report r;
	uint8_t *sym = NULL;
	void *cfg = NULL;
	size_t len = 0;
	int ret;

	cli_progress_init(&pr, j->name, 1000, 0);
	if (j->src != NULL) {
		cfg = ts_config_new(j->src);
		sym = malloc((size_t)n);
		if (cfg == NULL || sym == NULL) {
			fprintf(stderr, "timingseed: out of memory\n");
			ret = 1;
			goto out;
		}
		ret = cli_apply_sets(j->src, cfg, argc, argv);
		if (ret == 0)
			ret = collect(j, cfg, sym, (size_t)n, &pr);
		if (ret != 0)
			goto out;
		len = (size_t)n;
	} else {
		sym = read_file(j->path, n_given ? n : 0, &len);
		if (sym == NULL) {
			ret = cli_usage_error("cannot read '%s': %s", j->path, strerror(errno));
			goto out;
		}
		if (len < 2) {
			ret = cli_usage_error("'%s' holds %zu samples: too few to assess", j->path,
					      len);
			goto out;
		}
	}
	if (ts_ea_assess_progress(sym, len, bits, &r, on_estimator, &pr) != 0) {
		if (errno == EINVAL) {
			ret = cli_usage_error("%s: samples do not fit in %u bits", j->name, bits);
		} else {
			cli_eprintf("timingseed: %s: assessment failed: %s\n", j->name,
				    strerror(errno));
			ret = 1;
		}
		goto out;
	}
	/* A line shown ends with the time taken; every_ms 0 lets it through. */
	if (pr.shown)
		cli_progress(&pr, "done in %.1f s", (ts_now_ns() - pr.start) / 1e9);
	cli_progress_end(&pr);
	if (json)
		print_json(j, &r, *printed == 0);
	else
		print_text(j, &r, r.h_bitstring >= 0);
	++*printed;
	fflush(stdout);
	ret = 0;
out:
	free(sym);
	ts_config_free(cfg);
	return ret;
}

int cmd_assess(int argc, char **argv)
{
	struct job *jobs;
	uint64_t n = DEFAULT_SAMPLES, bits = 0;
	bool json = false, n_given = false, any_set = false, named = false;
	size_t njobs = 0, printed = 0, i;
	int a, ret = 0;

	for (a = 1; a < argc; a++)
		if (strcmp(argv[a], "--restart") == 0)
			return cli_assess_restart(argc, argv);
	for (i = 0; ts_sources[i] != NULL; i++)
		;
	jobs = calloc((size_t)argc + i, sizeof(*jobs));
	if (jobs == NULL)
		return cli_usage_error("out of memory");
	for (a = 1; a < argc; a++) {
		const char *arg = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;
		const char *why = NULL;

		if (strcmp(arg, "-n") == 0 && val) {
			if (cli_parse_count("-n", val, MAX_SAMPLES, &n) != 0)
				goto usage;
			n_given = true;
			a++;
		} else if (strcmp(arg, "--file") == 0 && val) {
			jobs[njobs].name = val;
			jobs[njobs++].path = val;
			a++;
		} else if (strcmp(arg, "--bits") == 0 && val) {
			if (cli_parse_count("--bits", val, 8, &bits) != 0)
				goto usage;
			a++;
		} else if (strcmp(arg, "--set") == 0 && val) {
			any_set = true;
			a++; /* applied once the source's config exists */
		} else if (strcmp(arg, "--json") == 0) {
			json = true;
		} else if (arg[0] != '-') {
			const struct ts_source *src = ts_source_find(arg);

			if (src == NULL) {
				cli_usage_error("unknown source '%s' (see `timingseed sources`)",
						arg);
				goto usage;
			}
			if (!src->available(&why)) {
				cli_usage_error("%s is not available here: %s", arg,
						why ? why : "?");
				goto usage;
			}
			jobs[njobs].name = src->name;
			jobs[njobs++].src = src;
			named = true;
		} else {
			cli_usage_error("assess: unexpected argument '%s'", arg);
			goto usage;
		}
	}
	if (any_set && !named) {
		cli_usage_error("--set needs a SOURCE to apply to");
		goto usage;
	}
	if (njobs == 0) {
		for (i = 0; ts_sources[i] != NULL; i++) {
			const char *why = NULL;

			if (!ts_sources[i]->available(&why))
				continue;
			jobs[njobs].name = ts_sources[i]->name;
			jobs[njobs++].src = ts_sources[i];
		}
		if (njobs == 0) {
			free(jobs);
			return cli_usage_error("no source is available here");
		}
	}

	if (json)
		printf("[");
	for (i = 0; i < njobs; i++) {
		int r;

		if (!json && printed > 0)
			putchar('\n');
		r = run(&jobs[i], n, n_given, (unsigned)bits, json, &printed, argc, argv);
		if (r == 2) {
			ret = 2;
			break;
		}
		if (r != 0)
			ret = 1;
	}
	if (json)
		printf("\n]\n");
	free(jobs);
	return ret;
usage:
	free(jobs);
	fprintf(stderr,
		"usage: timingseed assess [SOURCE...] [-n N] [--file FILE]... [--bits K] "
		"[--set OPTION=VALUE]... [--json]\n"
		"       timingseed assess --restart SOURCE|--file FILE [-r R] [-c C] [-H H_I] ...\n"
		"  -n N   samples per source (default %d), or the first N of each file\n",
		DEFAULT_SAMPLES);
	return 2;
}
