// SPDX-License-Identifier: Apache-2.0
/*
 * timingseed selftest --file FILE --credit H [--json]
 *
 * The pool's own health tests (pool/health.c: SP 800-90B 4.4 RCT and APT,
 * each with its intermittent cutoff at alpha 2^-30 and its permanent one at
 * 2^-60, cutoffs from the credit H) over a file of 8-bit samples such as
 * `timingseed sample --format u8` writes, streamed in chunks (a soak of
 * 10^9 samples is a 1 GB file), counting every alarm: a soak's false
 * alarms, to set against what alpha predicts. Expected counts are the
 * upper bounds for a source of min-entropy H: alpha per sample for the
 * RCT, alpha per 512-sample window for the APT (docs/health.md).
 *
 * The samples go through in the pool's chunks (CHUNK_MAX), as take()
 * feeds them: a chunk in which a test reaches its intermittent cutoff is
 * one alarm (the pool throws that chunk away), and the tests go on as the
 * pool's retest starts them (ts_health_retest: the intermittent counts
 * afresh, the RCT's whole run kept); a permanent cutoff reached is one
 * permanent alarm, and the tests start from scratch (ts_health_init), as
 * for a new source. Each test runs in a state of its own (the other's
 * cutoffs out of reach), so that each is counted against its own alpha
 * even in a chunk where both fire. Exit status 0 whatever the counts (a
 * report), 1 when the file cannot be read, 2 on bad arguments.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool_int.h"
#include "cli.h"

#define READ_CHUNK (1u << 20) /* bytes read at once: a 10^9-sample file is never in memory */

struct counts {
	uint64_t samples;
	uint64_t rct, apt;	     /* intermittent alarms */
	uint64_t rct_perm, apt_perm; /* permanent alarms */
};

/* The two tests, one state each: rct never fails its APT, apt its RCT. */
struct soak {
	double h;
	struct ts_health rct, apt;
};

static void soak_init_rct(struct soak *s)
{
	ts_health_init(&s->rct, s->h);
	s->rct.apt_cutoff = s->rct.apt_cutoff_perm = UINT32_MAX;
}

static void soak_init_apt(struct soak *s)
{
	ts_health_init(&s->apt, s->h);
	s->apt.rct_cutoff = s->apt.rct_cutoff_perm = UINT32_MAX;
}

/* One pool chunk through one test's state; counts its alarms. */
static void chunk(struct soak *s, struct ts_health *t, const uint64_t *v, size_t n,
		  uint64_t *intermittent, uint64_t *permanent)
{
	if (ts_health_feed(t, v, n, NULL) != TS_HEALTH_OK) {
		++*intermittent;
		ts_health_retest(t);
	}
	if (t->perm != TS_HEALTH_OK) {
		++*permanent;
		if (t == &s->rct)
			soak_init_rct(s);
		else
			soak_init_apt(s);
	}
}

static void feed(struct soak *s, const uint8_t *b, size_t n, struct counts *c)
{
	uint64_t v[CHUNK_MAX];
	size_t i, k;

	for (i = 0; i < n; i += k) {
		k = n - i < CHUNK_MAX ? n - i : CHUNK_MAX;
		for (size_t j = 0; j < k; j++)
			v[j] = b[i + j];
		chunk(s, &s->rct, v, k, &c->rct, &c->rct_perm);
		chunk(s, &s->apt, v, k, &c->apt, &c->apt_perm);
	}
	c->samples += n;
}

static void print_text(const char *path, double h, const struct soak *s, const struct counts *c)
{
	double windows = (double)c->samples / TS_APT_WINDOW;
	double a = exp2(-(double)TS_HEALTH_ALPHA_LOG2), ap = exp2(-(double)TS_HEALTH_PERM_LOG2);
	bool apt_can = s->apt.apt_cutoff <= TS_APT_WINDOW,
	     aptp_can = s->apt.apt_cutoff_perm <= TS_APT_WINDOW;

	printf("%s: %llu samples through the health tests at credit %.4f bits/sample\n", path,
	       (unsigned long long)c->samples, h);
	printf("  %-18s %8s %7s %12s %16s\n", "test", "cutoff", "alpha", "alarms",
	       "expected (max)");
	printf("  %-18s %8u %7s %12llu %16.3g\n", "RCT intermittent", s->rct.rct_cutoff, "2^-30",
	       (unsigned long long)c->rct, c->samples * a);
	printf("  %-18s %8u %7s %12llu %16.3g\n", "RCT permanent", s->rct.rct_cutoff_perm, "2^-60",
	       (unsigned long long)c->rct_perm, c->samples * ap);
	printf("  %-18s %8u %7s %12llu %16.3g%s\n", "APT intermittent", s->apt.apt_cutoff, "2^-30",
	       (unsigned long long)c->apt, apt_can ? windows * a : 0.0,
	       apt_can ? "" : " (cannot fail)");
	printf("  %-18s %8u %7s %12llu %16.3g%s\n", "APT permanent", s->apt.apt_cutoff_perm,
	       "2^-60", (unsigned long long)c->apt_perm, aptp_can ? windows * ap : 0.0,
	       aptp_can ? "" : " (cannot fail)");
}

static void print_json(const char *path, double h, const struct soak *s, const struct counts *c)
{
	double windows = (double)c->samples / TS_APT_WINDOW;
	double a = exp2(-(double)TS_HEALTH_ALPHA_LOG2), ap = exp2(-(double)TS_HEALTH_PERM_LOG2);

	printf("{\"file\": ");
	cli_json_string(path);
	printf(", \"samples\": %llu, \"credit\": %.6f, \"window\": %d, ",
	       (unsigned long long)c->samples, h, TS_APT_WINDOW);
	printf("\"rct\": {\"cutoff\": %u, \"cutoff_permanent\": %u, \"intermittent\": %llu, "
	       "\"permanent\": %llu, \"expected_intermittent\": %.6g, "
	       "\"expected_permanent\": %.6g}, ",
	       s->rct.rct_cutoff, s->rct.rct_cutoff_perm, (unsigned long long)c->rct,
	       (unsigned long long)c->rct_perm, c->samples * a, c->samples * ap);
	printf("\"apt\": {\"cutoff\": %u, \"cutoff_permanent\": %u, \"intermittent\": %llu, "
	       "\"permanent\": %llu, \"expected_intermittent\": %.6g, "
	       "\"expected_permanent\": %.6g}}\n",
	       s->apt.apt_cutoff, s->apt.apt_cutoff_perm, (unsigned long long)c->apt,
	       (unsigned long long)c->apt_perm,
	       s->apt.apt_cutoff <= TS_APT_WINDOW ? windows * a : 0.0,
	       s->apt.apt_cutoff_perm <= TS_APT_WINDOW ? windows * ap : 0.0);
}

int cli_selftest_file(int argc, char **argv)
{
	const char *path = NULL;
	double h = -1;
	bool json = false;
	struct soak s;
	struct counts c = {0};
	uint8_t *buf;
	FILE *f;
	size_t got;
	int a, ret = 0;

	for (a = 1; a < argc; a++) {
		const char *val = a + 1 < argc ? argv[a + 1] : NULL;

		if (strcmp(argv[a], "--file") == 0 && val && path == NULL) {
			path = argv[++a];
		} else if (strcmp(argv[a], "--credit") == 0 && val) {
			char *end;

			errno = 0;
			h = strtod(val, &end);
			if (errno != 0 || end == val || *end != '\0' || !(h > 0 && h <= 8))
				return cli_usage_error("--credit: '%s' is not a credit in (0, 8]",
						       val);
			a++;
		} else if (strcmp(argv[a], "--json") == 0) {
			json = true;
		} else {
			return cli_usage_error("selftest --file: unexpected argument '%s'",
					       argv[a]);
		}
	}
	if (path == NULL || h < 0)
		return cli_usage_error(
			"usage: timingseed selftest --file FILE --credit H [--json]");
	f = fopen(path, "rb");
	if (f == NULL)
		return cli_usage_error("cannot read '%s': %s", path, strerror(errno));
	buf = malloc(READ_CHUNK);
	if (buf == NULL) {
		fclose(f);
		fprintf(stderr, "timingseed: out of memory\n");
		return 1;
	}
	s.h = h;
	soak_init_rct(&s);
	soak_init_apt(&s);
	while ((got = fread(buf, 1, READ_CHUNK, f)) > 0)
		feed(&s, buf, got, &c);
	if (ferror(f)) {
		fprintf(stderr, "timingseed: reading '%s' failed after %llu samples\n", path,
			(unsigned long long)c.samples);
		ret = 1;
	}
	fclose(f);
	free(buf);
	if (ret != 0)
		return ret;
	if (json)
		print_json(path, h, &s, &c);
	else
		print_text(path, h, &s, &c);
	return fflush(stdout) == 0 ? 0 : 1;
}
