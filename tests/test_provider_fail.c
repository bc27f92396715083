// SPDX-License-Identifier: Apache-2.0
/*
 * When every source fails, get_seed fails, a DRBG on top fails to
 * instantiate, and OpenSSL's error queue names timingseed and the reason.
 * Uses timingseed_fault.so: the real provider code over failing sources.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

/* All queued errors as text, then the queue is cleared. */
static void drain_errors(char *buf, size_t len)
{
	unsigned long e;
	size_t off = 0;
	const char *data;
	int flags;

	buf[0] = '\0';
	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0 && off < len) {
		char one[256];

		ERR_error_string_n(e, one, sizeof(one));
		off += (size_t)snprintf(buf + off, len - off, "%s:%s\n", one,
					(flags & ERR_TXT_STRING) ? data : "");
	}
}

static void test_all_sources_failing(void **state)
{
	OSSL_LIB_CTX *libctx = OSSL_LIB_CTX_new();
	OSSL_PROVIDER *ts, *dflt;
	EVP_RAND *seed_alg, *ctr;
	EVP_RAND_CTX *seed, *drbg;
	unsigned char out[32];
	char errs[2048];
	OSSL_PARAM p[2];

	(void)state;
	assert_true(OSSL_PROVIDER_set_default_search_path(libctx, TS_FAULT_MODULE_DIR));
	ts = OSSL_PROVIDER_load(libctx, "timingseed_fault");
	dflt = OSSL_PROVIDER_load(libctx, "default");
	assert_non_null(ts);
	assert_non_null(dflt);
	seed_alg = EVP_RAND_fetch(libctx, "TIMING-SEED", "provider=timingseed");
	ctr = EVP_RAND_fetch(libctx, "CTR-DRBG", "provider=default");
	assert_non_null(seed_alg);
	assert_non_null(ctr);

	seed = EVP_RAND_CTX_new(seed_alg, NULL);
	assert_true(EVP_RAND_instantiate(seed, 256, 0, NULL, 0, NULL));
	ERR_clear_error();
	assert_false(EVP_RAND_generate(seed, out, sizeof(out), 256, 0, NULL, 0));
	drain_errors(errs, sizeof(errs));
	print_message("generate: %s", errs);
	assert_non_null(strstr(errs, "timingseed"));
	assert_non_null(strstr(errs, "fault_stuck"));
	assert_non_null(strstr(errs, "repetition count test"));
	assert_non_null(strstr(errs, "Too many open files"));

	drbg = EVP_RAND_CTX_new(ctr, seed);
	assert_non_null(drbg);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_CIPHER, "AES-256-CTR", 0);
	p[1] = OSSL_PARAM_construct_end();
	assert_true(EVP_RAND_CTX_set_params(drbg, p));
	assert_false(EVP_RAND_instantiate(drbg, 256, 0, NULL, 0, NULL));
	assert_int_not_equal(EVP_RAND_get_state(drbg), EVP_RAND_STATE_READY);
	drain_errors(errs, sizeof(errs));
	print_message("DRBG instantiate: %s", errs);
	assert_non_null(strstr(errs, "timingseed"));
	assert_non_null(strstr(errs, "seed request failed"));
	assert_non_null(strstr(errs, "get_seed"));
	assert_false(EVP_RAND_generate(drbg, out, sizeof(out), 256, 0, NULL, 0));
	ERR_clear_error();

	EVP_RAND_CTX_free(drbg);
	EVP_RAND_CTX_free(seed);
	EVP_RAND_free(ctr);
	EVP_RAND_free(seed_alg);
	OSSL_PROVIDER_unload(ts);
	OSSL_PROVIDER_unload(dflt);
	OSSL_LIB_CTX_free(libctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_sources_failing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
