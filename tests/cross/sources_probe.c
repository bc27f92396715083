// SPDX-License-Identifier: Apache-2.0
/*
 * sources_probe: the `sources` and `sample` paths of the tool with no
 * OpenSSL, for builds where there is no libcrypto to link (scripts/macos.sh
 * cross-builds it for macOS, where it proves that the files of sources/ link against
 * the platform's libSystem; it is not run there).
 *
 *   sources_probe              every source of ts_sources[], whether it runs
 *                              here (or why not), its default credit
 *   sources_probe SOURCE [N]   collect N (default 16) samples from SOURCE
 *                              with its default config, print them
 */
#include <stdio.h>
#include <stdlib.h>

#include "timingseed/registry.h"
#include "timingseed/source.h"
#include "timingseed/tick.h"

#define MAX_SAMPLES 4096

static int list(void)
{
	size_t i;

	printf("counter %s\n", ts_tick_name());
	for (i = 0; ts_sources[i] != NULL; i++) {
		const struct ts_source *s = ts_sources[i];
		const char *why = "";
		bool ok = s->available(&why);

		printf("%-22s %-10s credit %.3f  %s\n", s->name, s->platform, s->default_credit,
		       ok ? "available" : why);
	}
	return 0;
}

static int sample(const char *name, const char *count)
{
	static uint64_t out[MAX_SAMPLES];
	const struct ts_source *s = ts_source_find(name);
	const char *why = "";
	unsigned long n = 16;
	long got, i;

	if (s == NULL) {
		fprintf(stderr, "sources_probe: no source '%s'\n", name);
		return 2;
	}
	if (count != NULL) {
		char *end;

		n = strtoul(count, &end, 10);
		if (*end != '\0' || n == 0 || n > MAX_SAMPLES) {
			fprintf(stderr, "sources_probe: N must be 1..%d\n", MAX_SAMPLES);
			return 2;
		}
	}
	if (!s->available(&why)) {
		fprintf(stderr, "sources_probe: %s is not available: %s\n", name, why);
		return 1;
	}
	got = s->collect(s->config_default, out, n, ts_now_ns() + 1000000000ULL);
	if (got < 0) {
		fprintf(stderr, "sources_probe: %s failed: error %ld\n", name, -got);
		return 1;
	}
	for (i = 0; i < got; i++)
		printf("%llu\n", (unsigned long long)out[i]);
	return got > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 1)
		return list();
	if (argc == 2 || argc == 3)
		return sample(argv[1], argc == 3 ? argv[2] : NULL);
	fprintf(stderr, "usage: sources_probe [SOURCE [N]]\n");
	return 2;
}
