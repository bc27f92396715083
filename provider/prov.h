/* SPDX-License-Identifier: Apache-2.0 */
/* Provider-internal declarations: the provider context and errors. */
#ifndef TS_PROVIDER_PROV_H
#define TS_PROVIDER_PROV_H

#include <openssl/core.h>
#include <openssl/core_dispatch.h>

#include "timingseed/pool.h"

/* Reason codes; their strings are in provider.c. */
enum {
	TS_R_SEED_FAILED = 1,
	TS_R_PARENT_NOT_SUPPORTED,
	TS_R_REQUEST_TOO_LARGE,
	TS_R_NOT_INSTANTIATED,
	TS_R_BAD_CONFIG,
	TS_R_STRENGTH_TOO_HIGH,
	TS_R_INTERNAL,
	TS_R_ERROR_STATE,
	TS_R_SELF_TEST_FAILED,
};

struct ts_provctx {
	const OSSL_CORE_HANDLE *handle;
	OSSL_FUNC_core_new_error_fn *new_error;
	OSSL_FUNC_core_set_error_debug_fn *set_error_debug;
	OSSL_FUNC_core_vset_error_fn *vset_error;
	struct ts_pool *pool;
	int trace; /* TIMINGSEED_DEBUG=1 or the section's trace key */
	/* The calibration as load left it (ts_pool_calibration), for the
	 * trace at load and the provider param "calibration". */
	char calibration[768];
	/* Statistics params (stats.c). */
	char **stat_names;
	size_t nstats;
	OSSL_PARAM *gettable_prov;
	OSSL_PARAM *gettable_ctx;
};

int ts_stats_init(struct ts_provctx *pc, const OSSL_PARAM *prov_base, const OSSL_PARAM *ctx_base);
void ts_stats_free(struct ts_provctx *pc);
int ts_stats_get(const struct ts_provctx *pc, OSSL_PARAM params[]);
extern const OSSL_PARAM ts_seed_ctx_gettable_base[];

/* Apply the provider's openssl.cnf section (config.c); 0 after an error. */
int ts_config_apply(struct ts_provctx *pc, OSSL_FUNC_core_get_params_fn *core_get_params);

/* Put an error on OpenSSL's queue, under the provider's name. */
void ts_raise(const struct ts_provctx *pc, const char *file, int line, const char *func, int reason,
	      const char *fmt, ...) __attribute__((format(printf, 6, 7)));
#define TS_RAISE(pc, reason, ...) ts_raise(pc, __FILE__, __LINE__, __func__, reason, __VA_ARGS__)

/* serve.c. The trace: on when TIMINGSEED_DEBUG is "1" (the process's). */
int ts_trace_from_env(void);

/* The section's `trace` key, a boolean that can only turn it on; 0 after an error. */
int ts_trace_config(struct ts_provctx *pc, const char *value);

/* The trace line for one served (or refused) request; detail (or NULL) after the bits asked. */
void ts_trace(const struct ts_provctx *pc, const char *what, const struct ts_seed_report *rep,
	      const char *detail);

/*
 * When every enabled source failed for good: 1, and the sources with
 * their failures ("name: why; ...") in buf. 0 otherwise.
 */
int ts_broken(const struct ts_provctx *pc, char *buf, size_t len);

/*
 * Fill out with len bytes carrying at least bits of min-entropy (SIZE_MAX:
 * full entropy) from the pool, traced as `what` with detail (or NULL);
 * 0 with an error on the queue naming the cause (out is then wiped).
 */
int ts_serve(const struct ts_provctx *pc, const char *what, unsigned char *out, size_t len,
	     size_t bits, const char *detail);

#ifdef OSSL_FUNC_PROVIDER_RANDOM_BYTES
/* OpenSSL 3.5+ random_provider: RAND_bytes from the pool (random_bytes.c). */
OSSL_FUNC_provider_random_bytes_fn ts_random_bytes;
#endif

#define TS_STRENGTH 256 /* TS_MAX_REQUEST is in pool.h, for the CLI too */

extern const OSSL_DISPATCH ts_seed_rand_functions[];

#endif
