// SPDX-License-Identifier: Apache-2.0
/*
 * timingseed sources [--json] [--calibration FILE]: every source compiled
 * in, whether it runs here, the cap on its credit (its default, or FILE's
 * calibrated credit when FILE holds here, or why not), the credit in force
 * after this machine's startup test, and the
 * sample rate measured now, and whether it makes system calls (those run
 * only where the provider is told the process never confines itself,
 * confined = never). This process is not confined, so every source is
 * tested here. The JSON also lists the assessments each default credit is
 * held to (source.h), for scripts/measure-credits.sh.
 */
#include <stdio.h>
#include <string.h>

#include "timingseed/options.h"
#include "timingseed/pool.h"
#include "timingseed/registry.h"
#include "cli.h"
#include "progress.h"

/* "assessments": the option settings that fix the collector's own variation. */
static void print_assessments(const struct ts_source *src)
{
	const struct ts_assessment *as = ts_source_assessments(src);
	size_t k, j;

	printf(", \"assessments\": [");
	for (k = 0; as[k].label != NULL; k++) {
		printf("%s{\"label\": ", k ? ", " : "");
		cli_json_string(as[k].label);
		printf(", \"sets\": [");
		for (j = 0; j < sizeof(as[k].sets) / sizeof(as[k].sets[0]) && as[k].sets[j]; j++) {
			printf("%s", j ? ", " : "");
			cli_json_string(as[k].sets[j]);
		}
		printf("]}");
	}
	printf("]");
}

int cmd_sources(int argc, char **argv)
{
	struct ts_source_stats st[TS_MAX_SOURCES];
	struct ts_pool *pool;
	const char *calibration = NULL;
	char err[TS_ERR_MAX], cal[768];
	bool json = false;
	size_t i, n;
	int a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--json") == 0)
			json = true;
		else if (strcmp(argv[a], "--calibration") == 0 && a + 1 < argc)
			calibration = argv[++a];
		else
			return cli_usage_error("sources: unknown argument '%s'", argv[a]);
	}
	pool = cli_pool_unconfined();
	if (pool == NULL)
		return 2;
	if (calibration != NULL &&
	    ts_pool_set(pool, "calibration", calibration, err, sizeof(err)) != 0) {
		cli_eprintf("timingseed: %s\n", err);
		ts_pool_free(pool);
		return 1;
	}
	ts_pool_startup(pool);
	n = ts_pool_stats(pool, st, TS_MAX_SOURCES);

	if (json)
		printf("[");
	else
		printf("%-22s %-10s %-9s %-8s %8s %8s %-10s %8s %12s  %s\n", "source", "platform",
		       "available", "syscalls", "credit", "cap", "cap from", "default", "samples/s",
		       "note");
	for (i = 0; i < n; i++) {
		const struct ts_source *src = ts_source_find(st[i].name);
		const char *why = NULL;
		bool avail = src->available(&why);
		void *cfg = ts_config_new(src);
		double rate = avail && cfg ? cli_sample_rate(src, cfg, 200) : 0;
		const char *note = st[i].last_failure[0] ? st[i].last_failure
							 : ts_source_state_name(st[i].state);

		ts_config_free(cfg);
		if (json) {
			printf("%s\n  {\"name\": ", i ? "," : "");
			cli_json_string(src->name);
			printf(", \"platform\": ");
			cli_json_string(src->platform);
			printf(", \"available\": %s, \"syscall_free\": %s, \"state\": ",
			       avail ? "true" : "false", src->syscall_free ? "true" : "false");
			cli_json_string(ts_source_state_name(st[i].state));
			printf(", \"credit\": %.4f, \"cap\": %.4f, \"cap_from\": \"%s\", "
			       "\"default_credit\": %.4f, \"samples_per_s\": %.0f, \"note\": ",
			       st[i].credit, st[i].default_credit, st[i].cap_from,
			       src->default_credit, rate > 0 ? rate : 0);
			cli_json_string(note);
			print_assessments(src);
			printf("}");
		} else {
			printf("%-22s %-10s %-9s %-8s %8.4f %8.4f %-10s %8.4f %12.0f  %s\n",
			       src->name, src->platform, avail ? "yes" : "no",
			       src->syscall_free ? "no" : "yes", st[i].credit, st[i].default_credit,
			       st[i].cap_from, src->default_credit, rate > 0 ? rate : 0, note);
		}
	}
	if (json) {
		printf("\n]\n");
	} else {
		if (ts_pool_calibration(pool, cal, sizeof(cal)) >= 0)
			printf("calibration: %s\n", cal);
		printf("The provider runs only the sources with syscalls 'no' unless its "
		       "section says\nconfined = never: a process may confine itself at any "
		       "moment (timingseed(7), SANDBOXES).\n");
	}
	ts_pool_free(pool);
	return 0;
}
