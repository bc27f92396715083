// SPDX-License-Identifier: Apache-2.0
/*
 * The provider: entry point, algorithm query, provider parameters, error
 * strings. Everything OpenSSL-facing about the RAND itself is in
 * seed_rand.c (and random_bytes.c), serving and the trace in serve.c,
 * statistics in stats.c, configuration in config.c; the entropy is made
 * in pool/.
 */
#include <stdarg.h>
#include <stdio.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/params.h>

#include "prov.h"

#ifndef TS_VERSION
#define TS_VERSION "0.0.0"
#endif

void ts_raise(const struct ts_provctx *pc, const char *file, int line, const char *func, int reason,
	      const char *fmt, ...)
{
	va_list ap;

	if (pc == NULL || pc->new_error == NULL)
		return;
	pc->new_error(pc->handle);
	pc->set_error_debug(pc->handle, file, line, func);
	va_start(ap, fmt);
	pc->vset_error(pc->handle, (uint32_t)reason, fmt, ap);
	va_end(ap);
}

static const OSSL_ITEM reason_strings[] = {
	{TS_R_SEED_FAILED, "seed request failed"},
	{TS_R_PARENT_NOT_SUPPORTED, "TIMING-SEED is a seed source and takes no parent"},
	{TS_R_REQUEST_TOO_LARGE, "request too large"},
	{TS_R_NOT_INSTANTIATED, "not instantiated"},
	{TS_R_BAD_CONFIG, "bad configuration"},
	{TS_R_STRENGTH_TOO_HIGH, "requested strength too high"},
	{TS_R_INTERNAL, "internal error"},
	{TS_R_ERROR_STATE, "every source failed for good"},
	{TS_R_SELF_TEST_FAILED, "self-test failed"},
	{0, NULL},
};

static const OSSL_ITEM *ts_get_reason_strings(void *provctx)
{
	(void)provctx;
	return reason_strings;
}

static const OSSL_ALGORITHM rands[] = {
	{"TIMING-SEED", "provider=timingseed", ts_seed_rand_functions,
	 "Seed source from kernel timing jitter, SP 800-90B health-tested"},
	{NULL, NULL, NULL, NULL},
};

static const OSSL_ALGORITHM *ts_query(void *provctx, int operation_id, int *no_cache)
{
	(void)provctx;
	*no_cache = 0;
	return operation_id == OSSL_OP_RAND ? rands : NULL;
}

static const OSSL_PARAM prov_gettable_base[] = {
	OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_NAME, NULL, 0),
	OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_VERSION, NULL, 0),
	OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_BUILDINFO, NULL, 0),
	OSSL_PARAM_int(OSSL_PROV_PARAM_STATUS, NULL),
	/* Whether a calibration is in force, and why not (timingseed check). */
	OSSL_PARAM_utf8_ptr("calibration", NULL, 0),
	OSSL_PARAM_END,
};

static const OSSL_PARAM *ts_gettable_params(void *provctx)
{
	return ((struct ts_provctx *)provctx)->gettable_prov;
}

static int ts_get_params(void *provctx, OSSL_PARAM params[])
{
	OSSL_PARAM *p;

	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_NAME);
	if (p != NULL && !OSSL_PARAM_set_utf8_ptr(p, "timingseed"))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_VERSION);
	if (p != NULL && !OSSL_PARAM_set_utf8_ptr(p, TS_VERSION))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_BUILDINFO);
	if (p != NULL && !OSSL_PARAM_set_utf8_ptr(p, "timingseed " TS_VERSION
						     ", built against " OPENSSL_VERSION_TEXT))
		return 0;
	p = OSSL_PARAM_locate(params, "calibration");
	if (p != NULL && !OSSL_PARAM_set_utf8_ptr(p, ((struct ts_provctx *)provctx)->calibration))
		return 0;
	/* 0 once every enabled source failed for good: nothing can ever be served. */
	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_STATUS);
	if (p != NULL &&
	    !OSSL_PARAM_set_int(p, !ts_pool_broken(((struct ts_provctx *)provctx)->pool)))
		return 0;
	return ts_stats_get(provctx, params);
}

/*
 * The on-demand test (OSSL_PROVIDER_self_test, SP 800-90B 4.3): the
 * startup test of every enabled source run again. 1 when every source
 * tested passed; else 0 with an error naming each that failed.
 */
static int ts_self_test(void *provctx)
{
	struct ts_provctx *pc = provctx;
	struct ts_selftest_result r[TS_MAX_SOURCES];
	int n = ts_pool_selftest(pc->pool, NULL, 0, r, TS_MAX_SOURCES), i, ok = n > 0;

	for (i = 0; i < n; i++)
		if (r[i].pass == 0) {
			TS_RAISE(pc, TS_R_SELF_TEST_FAILED, "%s: %s failed: %s", r[i].name,
				 r[i].test, r[i].detail);
			ok = 0;
		}
	if (n <= 0)
		TS_RAISE(pc, TS_R_SELF_TEST_FAILED, "no source to test");
	return ok;
}

static void ts_teardown(void *provctx)
{
	struct ts_provctx *pc = provctx;

	ts_pool_free(pc->pool);
	ts_stats_free(pc);
	OPENSSL_free(pc);
}

static const OSSL_DISPATCH provider_functions[] = {
	{OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))ts_teardown},
	{OSSL_FUNC_PROVIDER_GETTABLE_PARAMS, (void (*)(void))ts_gettable_params},
	{OSSL_FUNC_PROVIDER_GET_PARAMS, (void (*)(void))ts_get_params},
	{OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))ts_query},
	{OSSL_FUNC_PROVIDER_GET_REASON_STRINGS, (void (*)(void))ts_get_reason_strings},
	{OSSL_FUNC_PROVIDER_SELF_TEST, (void (*)(void))ts_self_test},
#ifdef OSSL_FUNC_PROVIDER_RANDOM_BYTES
	{OSSL_FUNC_PROVIDER_RANDOM_BYTES, (void (*)(void))ts_random_bytes},
#endif
	{0, NULL},
};

__attribute__((visibility("default"))) int OSSL_provider_init(const OSSL_CORE_HANDLE *handle,
							      const OSSL_DISPATCH *in,
							      const OSSL_DISPATCH **out,
							      void **provctx)
{
	struct ts_provctx core = {.handle = handle}, *pc;
	OSSL_FUNC_core_get_params_fn *core_get_params = NULL;

	for (; in->function_id != 0; in++) {
		switch (in->function_id) {
		case OSSL_FUNC_CORE_NEW_ERROR:
			core.new_error = OSSL_FUNC_core_new_error(in);
			break;
		case OSSL_FUNC_CORE_SET_ERROR_DEBUG:
			core.set_error_debug = OSSL_FUNC_core_set_error_debug(in);
			break;
		case OSSL_FUNC_CORE_VSET_ERROR:
			core.vset_error = OSSL_FUNC_core_vset_error(in);
			break;
		case OSSL_FUNC_CORE_GET_PARAMS:
			core_get_params = OSSL_FUNC_core_get_params(in);
			break;
		default:
			break;
		}
	}
	if (core.new_error == NULL || core.set_error_debug == NULL || core.vset_error == NULL ||
	    core_get_params == NULL)
		return 0; /* no way to say why: a core we cannot work with */
	pc = OPENSSL_zalloc(sizeof(*pc));
	if (pc == NULL) {
		TS_RAISE(&core, TS_R_INTERNAL, "cannot allocate the provider context");
		return 0;
	}
	*pc = core;
	pc->trace = ts_trace_from_env();
	pc->pool = ts_pool_new();
	if (pc->pool == NULL || !ts_stats_init(pc, prov_gettable_base, ts_seed_ctx_gettable_base)) {
		TS_RAISE(pc, TS_R_INTERNAL, "%s",
			 pc->pool == NULL ? "cannot create the entropy pool"
					  : "cannot allocate the statistics tables");
		goto fail;
	}
	if (!ts_config_apply(pc, core_get_params)) {
		/* OpenSSL's config loader drops init errors; the trace keeps them. */
		const char *why = NULL;
		int flags = 0;

		ERR_peek_last_error_all(NULL, NULL, NULL, &why, &flags);
		if (pc->trace)
			fprintf(stderr, "timingseed: not loaded: %s\n",
				why != NULL && (flags & ERR_TXT_STRING) ? why
									: "bad configuration");
		goto fail;
	}
	/* Fixed from here: the keys that decide it are read only at load. */
	if (ts_pool_calibration(pc->pool, pc->calibration, sizeof(pc->calibration)) >= 0 &&
	    pc->trace)
		fprintf(stderr, "timingseed: calibration: %s\n", pc->calibration);
	*out = provider_functions;
	*provctx = pc;
	return 1;
fail:
	ts_teardown(pc);
	return 0;
}
