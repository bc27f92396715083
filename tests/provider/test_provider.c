// SPDX-License-Identifier: Apache-2.0
/*
 * TIMING-SEED through the public EVP_RAND API, as an application would use
 * it: loaded into its own library context from the build tree, parent of
 * the default provider's three DRBGs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <cmocka.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "timingseed/registry.h"
#include "util.h"

typedef int (*stats_get_fn)(void *, OSSL_PARAM *);

static void test_provider_params(void **state)
{
	struct ts_env *e = *state;
	const char *name = NULL, *version = NULL;
	int status = 0;
	OSSL_PARAM p[] = {
		OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_NAME, (char **)&name, 0),
		OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_VERSION, (char **)&version, 0),
		OSSL_PARAM_int(OSSL_PROV_PARAM_STATUS, &status),
		OSSL_PARAM_END,
	};

	assert_true(OSSL_PROVIDER_get_params(e->ts, p));
	assert_string_equal(name, "timingseed");
	assert_non_null(version);
	assert_int_equal(status, 1);
	assert_string_equal(EVP_RAND_get0_name(e->seed), "TIMING-SEED");
}

static void test_seed_ctx_params(void **state)
{
	struct ts_env *e = *state;
	EVP_RAND_CTX *s = EVP_RAND_CTX_new(e->seed, NULL);
	unsigned char a[48], b[48];

	assert_non_null(s);
	assert_int_equal(EVP_RAND_get_state(s), EVP_RAND_STATE_UNINITIALISED);
	assert_true(EVP_RAND_instantiate(s, 256, 0, NULL, 0, NULL));
	assert_int_equal(EVP_RAND_get_state(s), EVP_RAND_STATE_READY);
	assert_true(EVP_RAND_get_strength(s) >= 256);
	assert_true(EVP_RAND_generate(s, a, sizeof(a), 256, 0, NULL, 0));
	assert_true(EVP_RAND_generate(s, b, sizeof(b), 256, 0, NULL, 0));
	assert_memory_not_equal(a, b, sizeof(a));
	assert_true(EVP_RAND_reseed(s, 0, NULL, 0, NULL, 0));
	assert_true(EVP_RAND_verify_zeroization(s));
	assert_true(EVP_RAND_uninstantiate(s));
	assert_int_equal(EVP_RAND_get_state(s), EVP_RAND_STATE_UNINITIALISED);
	EVP_RAND_CTX_free(s);
}

static void drbg_on_top(struct ts_env *e, const char *alg, const char *key, const char *val,
			const char *key2, const char *val2)
{
	EVP_RAND *r = EVP_RAND_fetch(e->libctx, alg, "provider=default");
	EVP_RAND_CTX *seed = ts_env_new_seed(e), *drbg;
	unsigned char out1[64], out2[64];
	OSSL_PARAM p[3];

	assert_non_null(r);
	drbg = EVP_RAND_CTX_new(r, seed);
	assert_non_null(drbg);
	p[0] = OSSL_PARAM_construct_utf8_string(key, (char *)val, 0);
	p[1] = key2 ? OSSL_PARAM_construct_utf8_string(key2, (char *)val2, 0)
		    : OSSL_PARAM_construct_end();
	p[2] = OSSL_PARAM_construct_end();
	assert_true(EVP_RAND_CTX_set_params(drbg, p));
	assert_true(EVP_RAND_instantiate(drbg, 256, 0, (const unsigned char *)"ts", 2, NULL));
	assert_int_equal(EVP_RAND_get_state(drbg), EVP_RAND_STATE_READY);
	assert_int_equal(EVP_RAND_get_strength(drbg), 256);
	assert_true(EVP_RAND_generate(drbg, out1, sizeof(out1), 256, 0, NULL, 0));
	assert_true(EVP_RAND_reseed(drbg, 1, NULL, 0, NULL, 0));
	assert_true(EVP_RAND_generate(drbg, out2, sizeof(out2), 256, 1, NULL, 0));
	assert_memory_not_equal(out1, out2, sizeof(out1));
	EVP_RAND_CTX_free(drbg);
	EVP_RAND_CTX_free(seed);
	EVP_RAND_free(r);
}

static void test_ctr_drbg(void **state)
{
	drbg_on_top(*state, "CTR-DRBG", OSSL_DRBG_PARAM_CIPHER, "AES-256-CTR", NULL, NULL);
}

static void test_hash_drbg(void **state)
{
	drbg_on_top(*state, "HASH-DRBG", OSSL_DRBG_PARAM_DIGEST, "SHA256", NULL, NULL);
}

static void test_hmac_drbg(void **state)
{
	drbg_on_top(*state, "HMAC-DRBG", OSSL_DRBG_PARAM_MAC, "HMAC", OSSL_DRBG_PARAM_DIGEST,
		    "SHA256");
}

static void test_parent_refused(void **state)
{
	struct ts_env *e = *state;
	EVP_RAND_CTX *parent = ts_env_new_seed(e), *child;
	char buf[256];
	unsigned long err;

	ERR_clear_error();
	child = EVP_RAND_CTX_new(e->seed, parent);
	assert_null(child);
	err = ERR_peek_error();
	assert_int_not_equal(err, 0);
	ERR_error_string_n(err, buf, sizeof(buf));
	assert_non_null(strstr(buf, "timingseed"));
	assert_non_null(strstr(buf, "parent"));
	ERR_clear_error();
	EVP_RAND_CTX_free(parent);
}

/* Sum <source>.samples and <source>.credited_bits over every source. */
static void totals(stats_get_fn get, void *obj, uint64_t *samples, double *bits, int *healthy)
{
	size_t i;

	*samples = 0;
	*bits = 0;
	*healthy = 0;
	for (i = 0; ts_sources[i] != NULL; i++) {
		char k1[64], k2[64], k3[64];
		uint64_t n = 0;
		double b = 0;
		const char *st = NULL;
		OSSL_PARAM p[4];

		snprintf(k1, sizeof(k1), "%s.samples", ts_sources[i]->name);
		snprintf(k2, sizeof(k2), "%s.credited_bits", ts_sources[i]->name);
		snprintf(k3, sizeof(k3), "%s.state", ts_sources[i]->name);
		p[0] = OSSL_PARAM_construct_uint64(k1, &n);
		p[1] = OSSL_PARAM_construct_double(k2, &b);
		p[2] = OSSL_PARAM_construct_utf8_ptr(k3, (char **)&st, 0);
		p[3] = OSSL_PARAM_construct_end();
		assert_true(get(obj, p));
		assert_non_null(st);
		*samples += n;
		*bits += b;
		*healthy += strcmp(st, "healthy") == 0;
	}
}

static int ctx_get(void *o, OSSL_PARAM *p)
{
	return EVP_RAND_CTX_get_params(o, p);
}

static int prov_get(void *o, OSSL_PARAM *p)
{
	return OSSL_PROVIDER_get_params(o, p);
}

static void test_stats_params(void **state)
{
	struct ts_env *e = *state;
	EVP_RAND_CTX *s = ts_env_new_seed(e);
	unsigned char out[32];
	uint64_t samples, samples2;
	double bits, bits2;
	int healthy;

	assert_true(EVP_RAND_generate(s, out, sizeof(out), 256, 0, NULL, 0));
	assert_non_null(
		OSSL_PARAM_locate_const(EVP_RAND_CTX_gettable_params(s), "pipe_buffer.samples"));
	totals(ctx_get, s, &samples, &bits, &healthy);
	print_message("%llu samples, %.1f credited bits, %d healthy sources\n",
		      (unsigned long long)samples, bits, healthy);
	assert_true(samples > 0);
	assert_true(bits >= 320 - 1e-6); /* one whole block, up to rounding */
	/* The two that make no system call (confined = maybe); valgrind maps
	 * no vDSO, and leaves cpu_jitter alone. */
	assert_true(healthy >= (getauxval(AT_SYSINFO_EHDR) != 0 ? 2 : 1));

	/* The same numbers from the provider, and they grow. */
	assert_true(EVP_RAND_generate(s, out, sizeof(out), 256, 0, NULL, 0));
	totals(prov_get, e->ts, &samples2, &bits2, &healthy);
	assert_true(samples2 > samples);
	assert_true(bits2 >= bits + 320 - 1e-6); /* sums of doubles: rounding */
	EVP_RAND_CTX_free(s);
}

static void test_strength_too_high(void **state)
{
	struct ts_env *e = *state;
	EVP_RAND_CTX *s = EVP_RAND_CTX_new(e->seed, NULL);

	assert_false(EVP_RAND_instantiate(s, 512, 0, NULL, 0, NULL));
	assert_int_not_equal(ERR_peek_error(), 0);
	ERR_clear_error();
	EVP_RAND_CTX_free(s);
}

/*
 * OpenSSL 3.5+: with timingseed as the random provider, RAND_bytes is
 * served by its random_bytes, every byte credited, across request-sized
 * chunks; too high a strength is refused with our error.
 */
static void test_random_provider(void **state)
{
#ifdef OSSL_FUNC_PROVIDER_RANDOM_BYTES
	struct ts_env *e = *state;
	unsigned char buf[5000], zero[sizeof(buf)] = {0};
	uint64_t samples, samples2;
	double bits, bits2;
	int healthy;
	char reason[256];

	assert_true(RAND_set1_random_provider(e->libctx, e->ts));
	totals(prov_get, e->ts, &samples, &bits, &healthy);
	assert_int_equal(RAND_bytes_ex(e->libctx, buf, sizeof(buf), 0), 1);
	assert_memory_not_equal(buf, zero, sizeof(buf));
	totals(prov_get, e->ts, &samples2, &bits2, &healthy);
	print_message("RAND_bytes_ex %zu bytes: %.1f credited bits\n", sizeof(buf), bits2 - bits);
	/* 320 credited bits per 32-byte block, two requests of at most 4096. */
	assert_true(bits2 - bits >= (sizeof(buf) + 31) / 32 * 320 - 1e-6);
	assert_int_equal(RAND_priv_bytes_ex(e->libctx, buf, 32, 256), 1);

	assert_int_not_equal(RAND_bytes_ex(e->libctx, buf, 32, 512), 1);
	ERR_error_string_n(ERR_peek_error(), reason, sizeof(reason));
	print_message("strength 512: %s\n", reason);
	assert_non_null(strstr(reason, "requested strength too high"));
	ERR_clear_error();
	assert_true(RAND_set1_random_provider(e->libctx, NULL));
#else
	(void)state;
	print_message("built against OpenSSL " OPENSSL_VERSION_STR
		      ": no random_provider before 3.5\n");
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_provider_params),	  cmocka_unit_test(test_seed_ctx_params),
		cmocka_unit_test(test_ctr_drbg),	  cmocka_unit_test(test_hash_drbg),
		cmocka_unit_test(test_hmac_drbg),	  cmocka_unit_test(test_parent_refused),
		cmocka_unit_test(test_strength_too_high), cmocka_unit_test(test_stats_params),
		cmocka_unit_test(test_random_provider),
	};

	return cmocka_run_group_tests(tests, ts_env_setup, ts_env_teardown);
}
