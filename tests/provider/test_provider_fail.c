// SPDX-License-Identifier: Apache-2.0
/*
 * When every source fails, get_seed fails, a DRBG on top fails to
 * instantiate, and OpenSSL's error queue names timingseed and the reason.
 * A permanent failure of every source puts the context in
 * EVP_RAND_STATE_ERROR and the provider's status to 0; an intermittent one
 * fails the request only. get_seed and generate check the context's state.
 * Uses timingseed_fault.so: the real provider code over failing sources,
 * chosen by its configuration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "util.h"

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

static int provider_status(const struct ts_env *e)
{
	int st = -1;
	OSSL_PARAM p[2] = {OSSL_PARAM_int(OSSL_PROV_PARAM_STATUS, &st), OSSL_PARAM_END};

	assert_true(OSSL_PROVIDER_get_params(e->ts, p));
	return st;
}

static void test_all_sources_failing(void **state)
{
	struct ts_env e;
	EVP_RAND_CTX *seed, *drbg;
	unsigned char out[32];
	char errs[2048];

	(void)state;
	assert_int_equal(ts_env_load_conf(&e, TS_FAULT_MODULE_DIR, "timingseed_fault",
					  "sources = fault_stuck, fault_errno"),
			 0);
	seed = ts_env_new_seed(&e);
	ERR_clear_error();
	assert_false(EVP_RAND_generate(seed, out, sizeof(out), 256, 0, NULL, 0));
	drain_errors(errs, sizeof(errs));
	print_message("generate: %s", errs);
	assert_non_null(strstr(errs, "timingseed"));
	assert_non_null(strstr(errs, "fault_stuck"));
	assert_non_null(strstr(errs, "repetition count test"));
	assert_non_null(strstr(errs, "Too many open files"));

	drbg = ts_new_ctr_drbg(e.ctr, seed);
	assert_false(EVP_RAND_instantiate(drbg, 256, 0, NULL, 0, NULL));
	assert_int_not_equal(EVP_RAND_get_state(drbg), EVP_RAND_STATE_READY);
	drain_errors(errs, sizeof(errs));
	print_message("DRBG instantiate: %s", errs);
	assert_non_null(strstr(errs, "timingseed"));
	assert_non_null(strstr(errs, "seed request failed"));
	assert_non_null(strstr(errs, "get_seed"));
	assert_false(EVP_RAND_generate(drbg, out, sizeof(out), 256, 0, NULL, 0));
	ERR_clear_error();
	/* fault_errno may come back (EMFILE passes): not the error state. */
	assert_int_equal(EVP_RAND_get_state(seed), EVP_RAND_STATE_READY);
	assert_int_equal(provider_status(&e), 1);

	EVP_RAND_CTX_free(drbg);
	EVP_RAND_CTX_free(seed);
	assert_true(ts_env_unload(&e));
}

static void test_permanent_failure_is_error_state(void **state)
{
	struct ts_env e;
	EVP_RAND_CTX *seed, *seed2, *drbg;
	unsigned char out[32];
	char errs[4096];

	(void)state;
	assert_int_equal(ts_env_load_conf(&e, TS_FAULT_MODULE_DIR, "timingseed_fault",
					  "sources = fault_stuck"),
			 0);
	seed = ts_env_new_seed(&e);
	assert_int_equal(provider_status(&e), 1);
	ERR_clear_error();
	assert_false(EVP_RAND_generate(seed, out, sizeof(out), 256, 0, NULL, 0));
	drain_errors(errs, sizeof(errs));
	print_message("generate: %s", errs);
	assert_non_null(strstr(errs, "every source failed for good"));
	assert_non_null(strstr(errs, "fault_stuck failed repetition count test"));
	assert_non_null(strstr(errs, "permanent cutoff"));
	assert_int_equal(EVP_RAND_get_state(seed), EVP_RAND_STATE_ERROR);
	assert_int_equal(provider_status(&e), 0);

	/* In error for good: generate, a DRBG's get_seed, a new context. */
	assert_false(EVP_RAND_generate(seed, out, sizeof(out), 256, 0, NULL, 0));
	drain_errors(errs, sizeof(errs));
	assert_non_null(strstr(errs, "error state"));
	assert_non_null(strstr(errs, "fault_stuck"));
	drbg = ts_new_ctr_drbg(e.ctr, seed);
	assert_false(EVP_RAND_instantiate(drbg, 256, 0, NULL, 0, NULL));
	ERR_clear_error();
	seed2 = EVP_RAND_CTX_new(e.seed, NULL);
	assert_non_null(seed2);
	assert_false(EVP_RAND_instantiate(seed2, 256, 0, NULL, 0, NULL));
	drain_errors(errs, sizeof(errs));
	print_message("new context: %s", errs);
	assert_non_null(strstr(errs, "instantiate: TIMING-SEED is in error state"));
	assert_int_equal(EVP_RAND_get_state(seed2), EVP_RAND_STATE_ERROR);

	/* The on-demand test says so too. */
	assert_false(OSSL_PROVIDER_self_test(e.ts));
	drain_errors(errs, sizeof(errs));
	print_message("self-test: %s", errs);
	assert_non_null(strstr(errs, "self-test failed"));
	assert_non_null(strstr(errs, "fault_stuck: repetition count test failed"));

	EVP_RAND_CTX_free(seed2);
	EVP_RAND_CTX_free(drbg);
	EVP_RAND_CTX_free(seed);
	assert_true(ts_env_unload(&e));
}

static void test_intermittent_failure_fails_request_only(void **state)
{
	struct ts_env e;
	EVP_RAND_CTX *seed;
	unsigned char out[32];
	char errs[4096];

	(void)state;
	/* One run of 20 in the first block after the startup test. */
	setenv("TS_FAULT_HICCUP_AT", "1074", 1);
	assert_int_equal(ts_env_load_conf(&e, TS_FAULT_MODULE_DIR, "timingseed_fault",
					  "sources = fault_hiccup"),
			 0);
	seed = ts_env_new_seed(&e);
	ERR_clear_error();
	assert_false(EVP_RAND_generate(seed, out, sizeof(out), 256, 0, NULL, 0));
	drain_errors(errs, sizeof(errs));
	print_message("generate: %s", errs);
	assert_non_null(strstr(errs, "fault_hiccup failed repetition count test"));
	assert_non_null(strstr(errs, "intermittent"));
	assert_null(strstr(errs, "error state"));
	assert_int_equal(EVP_RAND_get_state(seed), EVP_RAND_STATE_READY);
	assert_int_equal(provider_status(&e), 1);
	/* The next request retests the source, and it serves again. */
	assert_true(EVP_RAND_generate(seed, out, sizeof(out), 256, 0, NULL, 0));
	assert_int_equal(EVP_RAND_get_state(seed), EVP_RAND_STATE_READY);
	/* The on-demand test reruns its startup test, and it passes. */
	assert_true(OSSL_PROVIDER_self_test(e.ts));
	unsetenv("TS_FAULT_HICCUP_AT");
	EVP_RAND_CTX_free(seed);
	assert_true(ts_env_unload(&e));
}

static void test_state_checks(void **state)
{
	struct ts_env e;
	EVP_RAND_CTX *seed, *drbg;
	unsigned char out[32];
	char errs[4096];

	(void)state;
	assert_int_equal(ts_env_load(&e, TS_MODULE_DIR, "timingseed"), 0);
	seed = EVP_RAND_CTX_new(e.seed, NULL);
	assert_non_null(seed);
	/* Before instantiate: generate and a DRBG's get_seed both refused. */
	assert_false(EVP_RAND_generate(seed, out, sizeof(out), 256, 0, NULL, 0));
	drain_errors(errs, sizeof(errs));
	assert_non_null(strstr(errs, "generate before instantiate"));
	drbg = ts_new_ctr_drbg(e.ctr, seed);
	assert_false(EVP_RAND_instantiate(drbg, 256, 0, NULL, 0, NULL));
	drain_errors(errs, sizeof(errs));
	print_message("DRBG over an uninstantiated seed: %s", errs);
	assert_non_null(strstr(errs, "get_seed before instantiate"));
	EVP_RAND_CTX_free(drbg);

	assert_true(EVP_RAND_instantiate(seed, 256, 0, NULL, 0, NULL));
	assert_true(EVP_RAND_generate(seed, out, sizeof(out), 256, 0, NULL, 0));
	drbg = ts_new_ctr_drbg(e.ctr, seed);
	assert_true(EVP_RAND_instantiate(drbg, 256, 0, NULL, 0, NULL));
	/* After uninstantiate: refused again. */
	assert_true(EVP_RAND_uninstantiate(seed));
	assert_false(EVP_RAND_generate(seed, out, sizeof(out), 256, 0, NULL, 0));
	drain_errors(errs, sizeof(errs));
	assert_non_null(strstr(errs, "generate before instantiate"));
	assert_false(EVP_RAND_reseed(drbg, 1, NULL, 0, NULL, 0));
	drain_errors(errs, sizeof(errs));
	print_message("DRBG reseed over an uninstantiated seed: %s", errs);
	assert_non_null(strstr(errs, "get_seed before instantiate"));
	EVP_RAND_CTX_free(drbg);
	EVP_RAND_CTX_free(seed);
	assert_true(ts_env_unload(&e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_sources_failing),
		cmocka_unit_test(test_permanent_failure_is_error_state),
		cmocka_unit_test(test_intermittent_failure_fails_request_only),
		cmocka_unit_test(test_state_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
