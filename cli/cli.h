/* SPDX-License-Identifier: Apache-2.0 */
/* The timingseed tool: one file per subcommand, this header between them. */
#ifndef TS_TOOLS_CLI_H
#define TS_TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "timingseed/source.h"

/*
 * The provider module's file. OpenSSL loads a provider named NAME from
 * NAME plus its DSO_EXTENSION in the modules directory: ".so" on Linux and
 * the BSDs, ".dylib" on macOS (Configurations/platform/Unix.pm, from the
 * darwin targets' shared_extension).
 */
#ifdef __APPLE__
#define TS_MODULE_EXT ".dylib"
#else
#define TS_MODULE_EXT ".so"
#endif
#define TS_MODULE_FILE "timingseed" TS_MODULE_EXT

int cmd_sources(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_assess(int argc, char **argv);
int cmd_seed(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);

/* assess --restart (cmd_assess_restart.c), argv as cmd_assess() has it. */
int cli_assess_restart(int argc, char **argv);

/* selftest --file (selftest_file.c), argv as cmd_selftest() has it. */
int cli_selftest_file(int argc, char **argv);

/*
 * An assess JSON object's fields common to every kind, from its opening
 * brace to the estimators, unclosed, on stdout.
 */
struct ts_ea_report;
void cli_assess_json_head(const char *name, bool source, const struct ts_ea_report *r);

/* Strict parse of a count in 1..max; prints an error and returns -1. */
int cli_parse_count(const char *opt, const char *s, uint64_t max, uint64_t *out);

/* Print "timingseed: <msg>" on stderr; returns the exit status 2. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print s as a JSON string, quoted and escaped, on stdout. */
void cli_json_string(const char *s);

/*
 * Apply every "--set OPTION=VALUE" in argv to cfg, a config of src. 0, or
 * the exit status 2 after printing why.
 */
int cli_apply_sets(const struct ts_source *src, void *cfg, int argc, char **argv);

/*
 * A pool over every source with confined = never: this tool's own process
 * never confines itself, so its sources, selftest and report test every
 * source that runs here, not only those a confined process may run.
 * NULL (after printing why) when it cannot be made.
 */
struct ts_pool *cli_pool_unconfined(void);

/* Samples per second of a source, collecting for ms milliseconds; -1 if none. */
double cli_sample_rate(const struct ts_source *src, const void *cfg, unsigned int ms);

/*
 * The rows of a restart test (restart.h): rows restarts of the source
 * named source, each a fresh process of this tool collecting columns
 * samples with the options sets[0..nsets) ("OPTION=VALUE") applied, into
 * m (rows x columns 8-bit symbols, row i from restart i). progress, when
 * not NULL, is called after each row. 0, or 1 after printing why.
 */
int cli_restart_collect(const char *source, char *const *sets, size_t nsets, size_t rows,
			size_t columns, uint8_t *m,
			void (*progress)(size_t done, size_t rows, void *arg), void *arg);

/* A pipe whose ends are closed in every exec'd child (bench, restart rows). */
int cli_pipe_cloexec(int fd[2]);

/* OpenSSL helpers (ossl_util.c), for bench and check. */
struct ossl_provider_st;

/* Empty OpenSSL's error queue into buf, "lib: reason (data); ..."; its length. */
size_t cli_ossl_errors(char *buf, size_t len);

/* Path of the loaded shared object whose file name is name, or NULL. */
const char *cli_loaded_module(const char *name, char *buf, size_t len);

/*
 * Sum of every "<source>.samples" and "<source>.credited_bits" statistic a
 * provider offers (timingseed's, see provider/stats.c). 0 when it has none.
 */
int cli_provider_totals(const struct ossl_provider_st *prov, uint64_t *samples,
			double *credited_bits);

#endif
