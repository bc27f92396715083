// SPDX-License-Identifier: Apache-2.0
/*
 * timingseed selftest [SOURCE...]: the on-demand test (SP 800-90B 4.3),
 * the startup test of every enabled source (or of those named) run again
 * through the pool, a line per source; exit 0 only if all pass.
 *
 * timingseed selftest --induce stuck|biased SOURCE: the source's real
 * samples through a fault laid over them inside the pool's collection
 * path, then a seed request: the health tests must catch it before any
 * block is served. Prints the test that caught it; exit 1 when caught (the
 * fault is a failure), 3 when it was not (the tests missed it).
 *
 * timingseed selftest --file FILE --credit H: the health tests over a
 * file, every alarm counted (selftest_file.c).
 */
#include <stdio.h>
#include <string.h>

#include "timingseed/pool.h"
#include "cli.h"

static int induce(const char *fault, const char *name)
{
	enum ts_fault f = strcmp(fault, "stuck") == 0	 ? TS_FAULT_STUCK
			  : strcmp(fault, "biased") == 0 ? TS_FAULT_BIASED
							 : TS_FAULT_NONE;
	struct ts_source_stats st[TS_MAX_SOURCES];
	struct ts_seed_report rep;
	struct ts_pool *pool;
	unsigned char out[TS_BLOCK_BYTES];
	char err[256];
	size_t n = 0, i;
	int a, served = 0, ret = 3;

	if (f == TS_FAULT_NONE)
		return cli_usage_error("selftest: --induce takes stuck or biased, not '%s'", fault);
	pool = cli_pool_unconfined();
	if (pool == NULL)
		return 2;
	if (ts_pool_set(pool, "sources", name, err, sizeof(err)) != 0 ||
	    ts_pool_induce(pool, name, f) != 0) {
		ts_pool_free(pool);
		return cli_usage_error("selftest: %s", err);
	}
	/*
	 * Requests until a health test has failed: where the RCT cutoff at
	 * the credit is above the 1024 startup samples (proc_info), the
	 * startup estimate refuses the first ones and the RCT's run, going
	 * on through the retests, fails a later one.
	 */
	for (a = 0; a < 8; a++) {
		served = ts_pool_seed(pool, out, sizeof(out), &rep) == 0;
		n = ts_pool_stats(pool, st, TS_MAX_SOURCES);
		for (i = 0; i < n && strcmp(st[i].name, name) != 0; i++)
			;
		if (served || i == n || st[i].intermittent > 0)
			break;
		printf("%s: request %d refused: %s\n", name, a + 1, rep.error);
	}
	for (i = 0; i < n; i++) {
		if (strcmp(st[i].name, name) != 0)
			continue;
		if (!served && st[i].samples == 0 && st[i].intermittent > 0) {
			printf("%s: induced %s fault over its real samples: caught before any "
			       "block "
			       "was served: %s\n",
			       name, fault, st[i].last_failure);
			ret = 1;
		} else {
			printf("%s: induced %s fault NOT caught: %s, %llu samples served (%s)\n",
			       name, fault, served ? "a seed was served" : rep.error,
			       (unsigned long long)st[i].samples, st[i].last_failure);
		}
	}
	ts_pool_free(pool);
	return ret;
}

int cmd_selftest(int argc, char **argv)
{
	struct ts_selftest_result r[TS_MAX_SOURCES];
	const char *names[TS_MAX_SOURCES];
	size_t nnames = 0;
	struct ts_pool *pool;
	int a, n, i, failed = 0;

	for (a = 1; a < argc; a++)
		if (strcmp(argv[a], "--file") == 0)
			return cli_selftest_file(argc, argv);
	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--induce") == 0) {
			if (a + 3 != argc || nnames > 0)
				return cli_usage_error("usage: timingseed selftest --induce "
						       "stuck|biased SOURCE");
			return induce(argv[a + 1], argv[a + 2]);
		}
		if (argv[a][0] == '-')
			return cli_usage_error("selftest: unknown option '%s'", argv[a]);
		if (nnames == TS_MAX_SOURCES)
			return cli_usage_error("selftest: too many sources");
		names[nnames++] = argv[a];
	}
	pool = cli_pool_unconfined();
	if (pool == NULL)
		return 2;
	n = ts_pool_selftest(pool, nnames ? names : NULL, nnames, r, TS_MAX_SOURCES);
	if (n < 0) {
		ts_pool_free(pool);
		return cli_usage_error("selftest: unknown source among those named");
	}
	printf("%-22s %-26s %7s  %s\n", "source", "test", "samples", "result");
	for (i = 0; i < n; i++) {
		printf("%-22s %-26s %7zu  %s: %s\n", r[i].name, r[i].test, r[i].samples,
		       r[i].pass == 1	? "pass"
		       : r[i].pass == 0 ? "FAIL"
					: "not run",
		       r[i].detail);
		failed += r[i].pass != 1;
	}
	ts_pool_free(pool);
	if (n == 0)
		return cli_usage_error("selftest: no source to test");
	return failed ? 1 : 0;
}
