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

/*
 * TS: timingseed with its default credits; SS: OpenSSL's SEED-SRC; TC:
 * timingseed with the calibration of --calibration FILE, loaded through a
 * generated openssl.cnf (measured only with --calibration).
 */
enum which { TS, SS, TC, NWHICH };

/*
 * "TIMING-SEED", "SEED-SRC", "TIMING-SEED"; "timingseed", "seed_src",
 * "timingseed_calibrated" in JSON; "TIMING-SEED", "SEED-SRC", "calibrated"
 * as a table's column.
 */
extern const char *const bench_alg_name[NWHICH];
extern const char *const bench_json_name[NWHICH];
extern const char *const bench_column_name[NWHICH];

/*
 * --calibration FILE: the file (absolute), the provider's own answer to
 * the "calibration" param in the calibrated context ("FILE in force: ...",
 * "FILE not used, ...: why", "none configured"), and whether that says it
 * is in force. Not in force: TC is not measured, and note says so.
 */
struct calibration {
	const char *file; /* NULL: no --calibration */
	char status[1024];
	bool in_force;
	char note[512];
};

struct settings {
	bool json, quick;
	const char *modules;	 /* NULL: OpenSSL's own search */
	const char *calibration; /* --calibration FILE, made absolute; NULL: none */
	uint64_t tp_bytes;
	double tp_seconds; /* 0: no limit */
	int warm_n, cold_n, process_n;
	unsigned int source_ms;
	unsigned int settle_ms; /* untimed requests before the warm ones, ms */
};

struct result {
	double warm_median, warm_p90, warm_p99; /* ms */
	double cold_median, cold_min, cold_max;
	int cold_ok;
	double throughput; /* bytes/s */
	uint64_t tp_bytes;
	size_t tp_request;
	char note[256];
	/*
	 * timingseed's, with --calibration: each source's share of the bits
	 * credited in the timed warm requests and in the throughput phase
	 * ("vdso_clock 0.03 cpu_jitter 0.97"), from the provider's statistics:
	 * which source the pool ranked first decides the warm figure.
	 */
	char warm_by[256], tp_by[256];
};

/*
 * A whole process: `openssl rand -hex 32` seeded by timingseed (a config
 * that loads the module and names TIMING-SEED the seed) and by the OS (an
 * empty config), run in alternating pairs; with a calibration, in rounds of
 * three, the third under the same config plus `calibration = FILE`.
 */
struct process_result {
	int pairs;		     /* rounds; 0: not measured, see note */
	double ts_median, os_median; /* ms, wall, fork to exit */
	double ratio_median;	     /* median of the rounds' ratios */
	bool calibrated;	     /* the calibrated run measured too */
	double tc_median, ratio_cal_median;
	char note[256];
};

struct source_result {
	const char *name;
	enum ts_source_state state;
	double samples_per_s, credit;
	double credit_cal; /* in force after the startup test, with the calibration */
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
 * pr->note say why when not measured. With calibration (an absolute path,
 * or NULL), rounds of three: the third under the timingseed config plus
 * `calibration = FILE`, measured only when a traced run shows the
 * calibration in force (pr->calibrated; else pr->note says why).
 */
void bench_process(const char *module, const char *calibration, int n, struct process_result *pr);

/*
 * The [timingseed_sect] of a generated openssl.cnf: module pinned, the
 * calibration named, activated. Into buf; -1 when it does not fit.
 */
int bench_provider_section(const char *module, const char *calibration, char *buf, size_t len);

void bench_print_json(const struct settings *s, const char *module, const struct source_result *src,
		      size_t nsrc, const struct result res[NWHICH],
		      const struct process_result *proc, const struct calibration *cal);
void bench_print_table(const struct settings *s, const char *module,
		       const struct source_result *src, size_t nsrc,
		       const struct result res[NWHICH], const struct process_result *proc,
		       const struct calibration *cal);

#endif
