// SPDX-License-Identifier: Apache-2.0
/*
 * TIMING-SEED: a seed-source RAND, the shape of OpenSSL's own SEED-SRC
 * (providers/implementations/rands/seed_src.c). DRBGs call get_seed when
 * they need entropy; every byte served is full entropy from the pool.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "timingseed/registry.h"
#include "prov.h"

struct seed_ctx {
	struct ts_provctx *pc;
	int state;
	CRYPTO_RWLOCK *lock;
};

static OSSL_FUNC_rand_newctx_fn seed_newctx;
static OSSL_FUNC_rand_freectx_fn seed_freectx;
static OSSL_FUNC_rand_instantiate_fn seed_instantiate;
static OSSL_FUNC_rand_uninstantiate_fn seed_uninstantiate;
static OSSL_FUNC_rand_generate_fn seed_generate;
static OSSL_FUNC_rand_reseed_fn seed_reseed;
static OSSL_FUNC_rand_get_seed_fn seed_get_seed;
static OSSL_FUNC_rand_clear_seed_fn seed_clear_seed;
static OSSL_FUNC_rand_enable_locking_fn seed_enable_locking;
static OSSL_FUNC_rand_lock_fn seed_lock;
static OSSL_FUNC_rand_unlock_fn seed_unlock;
static OSSL_FUNC_rand_gettable_ctx_params_fn seed_gettable_ctx_params;
static OSSL_FUNC_rand_get_ctx_params_fn seed_get_ctx_params;
static OSSL_FUNC_rand_verify_zeroization_fn seed_verify_zeroization;
static OSSL_FUNC_rand_settable_ctx_params_fn seed_settable_ctx_params;
static OSSL_FUNC_rand_set_ctx_params_fn seed_set_ctx_params;

/*
 * The context's state, as SEED-SRC keeps it, plus what the pool says: a
 * ready context whose every enabled source failed for good is in error
 * (EVP_RAND_STATE_ERROR) for good. Returns 1 when ready to serve, else
 * raises why (what names the call) and returns 0.
 */
static int seed_ready(struct seed_ctx *s, const char *what)
{
	char why[TS_ERR_MAX * 2];

	if (s->state == EVP_RAND_STATE_UNINITIALISED) {
		TS_RAISE(s->pc, TS_R_NOT_INSTANTIATED, "%s before instantiate", what);
		return 0;
	}
	if (ts_broken(s->pc, why, sizeof(why)))
		s->state = EVP_RAND_STATE_ERROR;
	if (s->state == EVP_RAND_STATE_ERROR) {
		TS_RAISE(s->pc, TS_R_ERROR_STATE, "%s: TIMING-SEED is in error state: %s", what,
			 why[0] ? why : "every enabled source failed for good");
		return 0;
	}
	return 1;
}

/* After a failed request: move to the error state if the sources are gone for good. */
static void seed_check_broken(struct seed_ctx *s)
{
	char why[TS_ERR_MAX * 2];

	if (ts_broken(s->pc, why, sizeof(why))) {
		s->state = EVP_RAND_STATE_ERROR;
		TS_RAISE(s->pc, TS_R_ERROR_STATE, "TIMING-SEED enters its error state: %s", why);
	}
}

static void *seed_newctx(void *provctx, void *parent, const OSSL_DISPATCH *parent_dispatch)
{
	struct ts_provctx *pc = provctx;
	struct seed_ctx *s;

	(void)parent_dispatch;
	if (parent != NULL) {
		TS_RAISE(pc, TS_R_PARENT_NOT_SUPPORTED,
			 "TIMING-SEED draws from timing sources, not from a parent RAND");
		return NULL;
	}
	s = OPENSSL_zalloc(sizeof(*s));
	if (s == NULL) {
		TS_RAISE(pc, TS_R_INTERNAL, "cannot allocate a TIMING-SEED context");
		return NULL;
	}
	s->pc = pc;
	s->state = EVP_RAND_STATE_UNINITIALISED;
	return s;
}

static void seed_freectx(void *vctx)
{
	struct seed_ctx *s = vctx;

	if (s == NULL)
		return;
	CRYPTO_THREAD_lock_free(s->lock);
	OPENSSL_free(s);
}

static int seed_instantiate(void *vctx, unsigned int strength, int prediction_resistance,
			    const unsigned char *pstr, size_t pstr_len, const OSSL_PARAM params[])
{
	struct seed_ctx *s = vctx;

	(void)prediction_resistance;
	(void)pstr;
	(void)pstr_len;
	(void)params;
	if (strength > TS_STRENGTH) {
		TS_RAISE(s->pc, TS_R_STRENGTH_TOO_HIGH, "asked %u bits, TIMING-SEED gives %d",
			 strength, TS_STRENGTH);
		return 0;
	}
	s->state = EVP_RAND_STATE_READY;
	return seed_ready(s, "instantiate");
}

static int seed_uninstantiate(void *vctx)
{
	struct seed_ctx *s = vctx;

	s->state = EVP_RAND_STATE_UNINITIALISED;
	return 1;
}

static int seed_generate(void *vctx, unsigned char *out, size_t outlen, unsigned int strength,
			 int prediction_resistance, const unsigned char *adin, size_t adin_len)
{
	struct seed_ctx *s = vctx;

	(void)prediction_resistance;
	(void)adin;
	(void)adin_len;
	if (!seed_ready(s, "generate"))
		return 0;
	if (strength > TS_STRENGTH) {
		TS_RAISE(s->pc, TS_R_STRENGTH_TOO_HIGH, "asked %u bits, TIMING-SEED gives %d",
			 strength, TS_STRENGTH);
		return 0;
	}
	if (!ts_serve(s->pc, "generate", out, outlen, SIZE_MAX, NULL)) {
		seed_check_broken(s);
		return 0;
	}
	return 1;
}

static int seed_reseed(void *vctx, int prediction_resistance, const unsigned char *ent,
		       size_t ent_len, const unsigned char *adin, size_t adin_len)
{
	struct seed_ctx *s = vctx;

	/* Nothing to reseed: every request is fresh from the sources. */
	(void)prediction_resistance;
	(void)ent;
	(void)ent_len;
	(void)adin;
	(void)adin_len;
	return seed_ready(s, "reseed");
}

/*
 * As SEED-SRC does: ceil(entropy / 8) bytes, at least min_len, at most
 * max_len. The bytes together carry at least entropy bits (the DRBG asks
 * for no more): full-entropy blocks while the bits last, the rest with
 * what their credited input gives (ts_pool_seed_bits). entropy <= 0 is
 * served as full entropy.
 */
static size_t seed_get_seed(void *vctx, unsigned char **pout, int entropy, size_t min_len,
			    size_t max_len, int prediction_resistance, const unsigned char *adin,
			    size_t adin_len)
{
	struct seed_ctx *s = vctx;
	size_t len = entropy > 0 ? ((size_t)entropy + 7) / 8 : 0;
	char detail[64];
	unsigned char *p;

	(void)prediction_resistance;
	(void)adin;
	(void)adin_len;
	*pout = NULL;
	if (!seed_ready(s, "get_seed"))
		return 0;
	if (len < min_len)
		len = min_len;
	if (len == 0 || len > max_len || len > TS_MAX_REQUEST) {
		TS_RAISE(s->pc, TS_R_REQUEST_TOO_LARGE,
			 "get_seed: %d bits in %zu..%zu bytes cannot be served (at most %d)",
			 entropy, min_len, max_len, TS_MAX_REQUEST);
		return 0;
	}
	p = OPENSSL_secure_malloc(len);
	if (p == NULL) {
		TS_RAISE(s->pc, TS_R_INTERNAL,
			 "get_seed: secure heap allocation of %zu bytes failed", len);
		return 0;
	}
	snprintf(detail, sizeof(detail), ", min_len %zu, max_len %zu", min_len, max_len);
	if (!ts_serve(s->pc, "get_seed", p, len, entropy > 0 ? (size_t)entropy : SIZE_MAX,
		      detail)) {
		OPENSSL_secure_clear_free(p, len);
		seed_check_broken(s);
		return 0;
	}
	*pout = p;
	return len;
}

static void seed_clear_seed(void *vctx, unsigned char *out, size_t outlen)
{
	(void)vctx;
	OPENSSL_secure_clear_free(out, outlen);
}

static int seed_enable_locking(void *vctx)
{
	struct seed_ctx *s = vctx;

	if (s->lock == NULL) {
		s->lock = CRYPTO_THREAD_lock_new();
		if (s->lock == NULL) {
			TS_RAISE(s->pc, TS_R_INTERNAL, "cannot create lock");
			return 0;
		}
	}
	return 1;
}

static int seed_lock(void *vctx)
{
	struct seed_ctx *s = vctx;

	return s->lock == NULL || CRYPTO_THREAD_write_lock(s->lock);
}

static void seed_unlock(void *vctx)
{
	struct seed_ctx *s = vctx;

	if (s->lock != NULL)
		CRYPTO_THREAD_unlock(s->lock);
}

const OSSL_PARAM ts_seed_ctx_gettable_base[] = {
	OSSL_PARAM_int(OSSL_RAND_PARAM_STATE, NULL),
	OSSL_PARAM_uint(OSSL_RAND_PARAM_STRENGTH, NULL),
	OSSL_PARAM_size_t(OSSL_RAND_PARAM_MAX_REQUEST, NULL),
	OSSL_PARAM_END,
};

/* The base parameters and every source's statistics (stats.c). */
static const OSSL_PARAM *seed_gettable_ctx_params(void *vctx, void *provctx)
{
	(void)vctx;
	return ((struct ts_provctx *)provctx)->gettable_ctx;
}

static int seed_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
	struct seed_ctx *s = vctx;
	OSSL_PARAM *p;

	p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STATE);
	if (p != NULL && s->state == EVP_RAND_STATE_READY && ts_pool_broken(s->pc->pool))
		s->state = EVP_RAND_STATE_ERROR;
	if (p != NULL && !OSSL_PARAM_set_int(p, s->state))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STRENGTH);
	if (p != NULL && !OSSL_PARAM_set_uint(p, TS_STRENGTH))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_MAX_REQUEST);
	if (p != NULL && !OSSL_PARAM_set_size_t(p, TS_MAX_REQUEST))
		return 0;
	return ts_stats_get(s->pc, params);
}

/*
 * "timingseed-induce" = "stuck:SOURCE", "biased:SOURCE" or "none:SOURCE":
 * the fault `timingseed selftest --induce` lays over a source's real
 * samples (ts_pool_induce), for the whole provider, so that a test can
 * drive an induced failure and its recovery through EVP_RAND. Accepted
 * only by the tests' timingseed_fault.so (ts_registry_test_faults): in
 * the product, anyone holding a context could otherwise break the entropy
 * source at run time, and a biased fault is hashed, with full credit, for
 * up to a window before the APT fires (docs/health.md). The product
 * refuses it with an error rather than ignore it, so no test can believe
 * it induced a fault that was never laid.
 */
#define TS_PARAM_INDUCE "timingseed-induce"

static const OSSL_PARAM induce_settable[] = {
	OSSL_PARAM_utf8_string(TS_PARAM_INDUCE, NULL, 0),
	OSSL_PARAM_END,
};

static const OSSL_PARAM *seed_settable_ctx_params(void *vctx, void *provctx)
{
	(void)vctx;
	(void)provctx;
	return ts_registry_test_faults ? induce_settable : induce_settable + 1;
}

static int seed_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
	struct seed_ctx *s = vctx;
	const OSSL_PARAM *p = OSSL_PARAM_locate_const(params, TS_PARAM_INDUCE);
	const char *v = NULL, *name;
	enum ts_fault f;

	if (p == NULL)
		return 1;
	if (!ts_registry_test_faults) {
		TS_RAISE(s->pc, TS_R_BAD_CONFIG,
			 TS_PARAM_INDUCE ": induced faults are for the tests' provider only");
		return 0;
	}
	if (!OSSL_PARAM_get_utf8_string_ptr(p, &v) || (name = strchr(v, ':')) == NULL) {
		TS_RAISE(s->pc, TS_R_BAD_CONFIG, TS_PARAM_INDUCE ": FAULT:SOURCE expected");
		return 0;
	}
	if (strncmp(v, "stuck:", 6) == 0)
		f = TS_FAULT_STUCK;
	else if (strncmp(v, "biased:", 7) == 0)
		f = TS_FAULT_BIASED;
	else if (strncmp(v, "none:", 5) == 0)
		f = TS_FAULT_NONE;
	else {
		TS_RAISE(s->pc, TS_R_BAD_CONFIG, TS_PARAM_INDUCE ": '%s': stuck, biased or none",
			 v);
		return 0;
	}
	if (ts_pool_induce(s->pc->pool, name + 1, f) != 0) {
		TS_RAISE(s->pc, TS_R_BAD_CONFIG, TS_PARAM_INDUCE ": no source '%s'", name + 1);
		return 0;
	}
	return 1;
}

static int seed_verify_zeroization(void *vctx)
{
	struct seed_ctx *s = vctx;

	return ts_pool_verify_zeroized(s->pc->pool);
}

const OSSL_DISPATCH ts_seed_rand_functions[] = {
	{OSSL_FUNC_RAND_NEWCTX, (void (*)(void))seed_newctx},
	{OSSL_FUNC_RAND_FREECTX, (void (*)(void))seed_freectx},
	{OSSL_FUNC_RAND_INSTANTIATE, (void (*)(void))seed_instantiate},
	{OSSL_FUNC_RAND_UNINSTANTIATE, (void (*)(void))seed_uninstantiate},
	{OSSL_FUNC_RAND_GENERATE, (void (*)(void))seed_generate},
	{OSSL_FUNC_RAND_RESEED, (void (*)(void))seed_reseed},
	{OSSL_FUNC_RAND_GET_SEED, (void (*)(void))seed_get_seed},
	{OSSL_FUNC_RAND_CLEAR_SEED, (void (*)(void))seed_clear_seed},
	{OSSL_FUNC_RAND_ENABLE_LOCKING, (void (*)(void))seed_enable_locking},
	{OSSL_FUNC_RAND_LOCK, (void (*)(void))seed_lock},
	{OSSL_FUNC_RAND_UNLOCK, (void (*)(void))seed_unlock},
	{OSSL_FUNC_RAND_GETTABLE_CTX_PARAMS, (void (*)(void))seed_gettable_ctx_params},
	{OSSL_FUNC_RAND_GET_CTX_PARAMS, (void (*)(void))seed_get_ctx_params},
	{OSSL_FUNC_RAND_VERIFY_ZEROIZATION, (void (*)(void))seed_verify_zeroization},
	{OSSL_FUNC_RAND_SETTABLE_CTX_PARAMS, (void (*)(void))seed_settable_ctx_params},
	{OSSL_FUNC_RAND_SET_CTX_PARAMS, (void (*)(void))seed_set_ctx_params},
	{0, NULL},
};
