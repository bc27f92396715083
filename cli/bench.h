/* SPDX-License-Identifier: Apache-2.0 */
/*
 * timingseed bench: what the measuring (cmd_bench.c, and bench_process.c for
 * the whole-process row) hands the printing (bench_print.c).
 */
#ifndef TS_CLI_BENCH_H
#define TS_CLI_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "timingseed/pool.h"

#define SEED_BYTES 32 /* a 256-bit seed, as a DRBG reseed asks */

enum which { TS, SS, NWHICH };

/* "TIMING-SEED", "SEED-SRC"; "timingseed", "seed_src" in JSON. */
extern const char *const bench_alg_name[NWHICH];
extern const char *const bench_json_name[NWHICH];

struct settings {
	bool json, quick;
	const char *modules; /* NULL: OpenSSL's own search */
	uint64_t tp_bytes;
	double tp_seconds; /* 0: no limit */
	int warm_n, cold_n, process_n;
	unsigned int source_ms;
};

struct result {
	double warm_median, warm_p90, warm_p99; /* ms */
	double cold_median, cold_min, cold_max;
	int cold_ok;
	double throughput; /* bytes/s */
	uint64_t tp_bytes;
	size_t tp_request;
	char note[256];
};

/*
 * A whole process: `openssl rand -hex 32` seeded by timingseed (a config
 * that loads the module and names TIMING-SEED the seed) and by the OS (an
 * empty config), run in alternating pairs.
 */
struct process_result {
	int pairs;		     /* 0: not measured, see note */
	double ts_median, os_median; /* ms, wall, fork to exit */
	double ratio_median;	     /* median of the pairs' ratios */
	char note[256];
};

struct source_result {
	const char *name;
	enum ts_source_state state;
	double samples_per_s, credit;
};

/*
 * cmd_bench.c: progress on stderr when it is a terminal, once the run is
 * longer than a second, at most every 200 ms (progress.h); qsort's
 * comparison of doubles, and the median of n > 0 sorted values.
 */
void bench_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int bench_cmp_double(const void *a, const void *b);
double bench_median(const double *v, size_t n);

/*
 * bench_process.c: n pairs of `openssl rand -hex 32` under a config that
 * loads module (timingseed) and an empty one (the OS); pr->pairs 0 and
 * pr->note say why when not measured.
 */
void bench_process(const char *module, int n, struct process_result *pr);

void bench_print_json(const struct settings *s, const char *module, const struct source_result *src,
		      size_t nsrc, const struct result res[NWHICH],
		      const struct process_result *proc);
void bench_print_table(const struct settings *s, const char *module,
		       const struct source_result *src, size_t nsrc,
		       const struct result res[NWHICH], const struct process_result *proc);

#endif
