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

static void test_all_sources_failing(void **state)
{
	struct ts_env e;
	EVP_RAND_CTX *seed, *drbg;
	unsigned char out[32];
	char errs[2048];

	(void)state;
	assert_int_equal(ts_env_load(&e, TS_FAULT_MODULE_DIR, "timingseed_fault"), 0);
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

	EVP_RAND_CTX_free(drbg);
	EVP_RAND_CTX_free(seed);
	assert_true(ts_env_unload(&e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_sources_failing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
