// SPDX-License-Identifier: Apache-2.0
/*
 * When every source fails, get_seed fails, a DRBG on top fails to
 * instantiate, and OpenSSL's error queue names timingseed and the reason.
 * A permanent failure of every source puts the context in
 * EVP_RAND_STATE_ERROR and the provider's status to 0; an intermittent one
 * fails the request only. get_seed and generate check the context's state.
 * Uses timingseed_fault.so: the real provider code over failing sources,
 * chosen by its configuration, and over two real sources (vdso_clock,
 * pipe_buffer) with faults laid over their real samples through the
 * context parameter "timingseed-induce" (that module only).
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

#include "timingseed/registry.h"
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

/* Lay fault ("stuck:SOURCE", "biased:SOURCE", "none:SOURCE") through EVP_RAND. */
static int induce(EVP_RAND_CTX *seed, const char *fault)
{
	OSSL_PARAM p[2] = {OSSL_PARAM_construct_utf8_string("timingseed-induce", (char *)fault, 0),
			   OSSL_PARAM_END};

	return EVP_RAND_CTX_set_params(seed, p);
}

#define UNTOUCHED 0xa5

/*
 * A generate that must fail and serve no byte: every byte of the caller's
 * buffer left at expect, 0 after a failed pool request (wiped), UNTOUCHED
 * when refused before any (the error state).
 */
static void generate_fails(EVP_RAND_CTX *seed, int expect, char *errs, size_t len)
{
	unsigned char out[64];
	size_t i;

	memset(out, UNTOUCHED, sizeof(out));
	ERR_clear_error();
	assert_false(EVP_RAND_generate(seed, out, sizeof(out), 256, 0, NULL, 0));
	for (i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], expect);
	drain_errors(errs, len);
	print_message("generate: %s", errs);
	assert_non_null(strstr(errs, "timingseed"));
}

/* A DRBG over seed cannot instantiate: get_seed served nothing. */
static void get_seed_fails(const struct ts_env *e, EVP_RAND_CTX *seed, char *errs, size_t len)
{
	EVP_RAND_CTX *drbg = ts_new_ctr_drbg(e->ctr, seed);

	ERR_clear_error();
	assert_false(EVP_RAND_instantiate(drbg, 256, 0, NULL, 0, NULL));
	assert_int_not_equal(EVP_RAND_get_state(drbg), EVP_RAND_STATE_READY);
	drain_errors(errs, len);
	print_message("DRBG instantiate: %s", errs);
	assert_non_null(strstr(errs, "get_seed"));
	EVP_RAND_CTX_free(drbg);
}

/*
 * The induced-fault tests lay faults over real sources; where one cannot
 * run (valgrind maps no vDSO, so vdso_clock's available() is false and a
 * config naming it is refused) the test is skipped, saying why.
 */
static void need_source(const char *name)
{
	const struct ts_source *s = ts_source_find(name);
	const char *why = "not in this build";

	if (s == NULL || !s->available(&why)) {
		print_message("skipped: %s cannot run here: %s\n", name, why);
		skip();
	}
}

/*
 * Stuck over vdso_clock's real samples: its 1024 startup samples reach the
 * RCT's intermittent cutoff (668 at 0.045) but not the permanent one
 * (1335): the request fails, the context stays ready. With the fault taken
 * off, the retest passes and vdso_clock serves again.
 */
static void test_induced_stuck_recovers(void **state)
{
	struct ts_env e;
	EVP_RAND_CTX *seed, *drbg;
	unsigned char out[32];
	char errs[4096];
	int a, served = 0;

	(void)state;
	need_source("vdso_clock");
	assert_int_equal(ts_env_load_conf(&e, TS_FAULT_MODULE_DIR, "timingseed_fault",
					  "sources = vdso_clock"),
			 0);
	seed = ts_env_new_seed(&e);
	assert_true(induce(seed, "stuck:vdso_clock"));
	get_seed_fails(&e, seed, errs, sizeof(errs));
	assert_non_null(strstr(errs, "vdso_clock failed repetition count test"));
	assert_non_null(strstr(errs, "intermittent"));
	assert_null(strstr(errs, "error state"));
	assert_int_equal(EVP_RAND_get_state(seed), EVP_RAND_STATE_READY);
	assert_int_equal(provider_status(&e), 1);

	assert_true(induce(seed, "none:vdso_clock"));
	/*
	 * The first request retests it. A retest is one try per request, and
	 * on a loaded machine a startup estimate can come out low (then
	 * retested): a few requests, and it must be back.
	 */
	for (a = 0; a < 5 && !served; a++) {
		served = EVP_RAND_generate(seed, out, sizeof(out), 256, 0, NULL, 0);
		ERR_clear_error();
	}
	assert_true(served);
	assert_int_equal(EVP_RAND_get_state(seed), EVP_RAND_STATE_READY);
	drbg = ts_new_ctr_drbg(e.ctr, seed);
	assert_true(EVP_RAND_instantiate(drbg, 256, 0, NULL, 0, NULL));
	assert_true(EVP_RAND_generate(drbg, out, sizeof(out), 256, 0, NULL, 0));
	EVP_RAND_CTX_free(drbg);
	EVP_RAND_CTX_free(seed);
	assert_true(ts_env_unload(&e));
}

/*
 * Biased over pipe_buffer's real samples (runs broken every 201st sample,
 * short of the RCT): the APT catches it, at its permanent cutoff (509 of
 * 512 at 0.15) within the startup test. The only source failed for good:
 * the context is in error, and taking the fault off does not bring it back.
 */
static void test_induced_biased_is_error_state(void **state)
{
	struct ts_env e;
	EVP_RAND_CTX *seed;
	char errs[4096];

	(void)state;
	need_source("pipe_buffer");
	assert_int_equal(ts_env_load_conf(&e, TS_FAULT_MODULE_DIR, "timingseed_fault",
					  "confined = never\nsources = pipe_buffer"),
			 0);
	seed = ts_env_new_seed(&e);
	assert_true(induce(seed, "biased:pipe_buffer"));
	generate_fails(seed, 0, errs, sizeof(errs));
	assert_non_null(strstr(errs, "pipe_buffer failed adaptive proportion test"));
	assert_non_null(strstr(errs, "permanent cutoff"));
	assert_int_equal(EVP_RAND_get_state(seed), EVP_RAND_STATE_ERROR);
	assert_int_equal(provider_status(&e), 0);
	assert_true(induce(seed, "none:pipe_buffer"));
	generate_fails(seed, UNTOUCHED, errs, sizeof(errs));
	assert_non_null(strstr(errs, "error state"));
	assert_non_null(strstr(errs, "pipe_buffer"));
	get_seed_fails(&e, seed, errs, sizeof(errs));
	assert_non_null(strstr(errs, "error state"));
	EVP_RAND_CTX_free(seed);
	assert_true(ts_env_unload(&e));
}

/*
 * Stuck over both real sources, kept on: vdso_clock fails intermittently
 * first, pipe_buffer for good (a run of 1024 past its 401); vdso_clock's
 * run, kept through its retest, reaches its permanent cutoff on the next
 * request. Then every enabled source has failed for good: error state,
 * the error naming both and the test.
 */
static void test_induced_permanent_everywhere(void **state)
{
	struct ts_env e;
	EVP_RAND_CTX *seed;
	char errs[4096];
	int a;

	(void)state;
	need_source("vdso_clock");
	need_source("pipe_buffer");
	assert_int_equal(ts_env_load_conf(&e, TS_FAULT_MODULE_DIR, "timingseed_fault",
					  "confined = never\nsources = vdso_clock, pipe_buffer"),
			 0);
	seed = ts_env_new_seed(&e);
	assert_true(induce(seed, "stuck:vdso_clock"));
	assert_true(induce(seed, "stuck:pipe_buffer"));
	generate_fails(seed, 0, errs, sizeof(errs));
	assert_non_null(strstr(errs, "repetition count test"));
	/* At most one startup test or retest per source per request. */
	for (a = 0; a < 4 && EVP_RAND_get_state(seed) != EVP_RAND_STATE_ERROR; a++)
		get_seed_fails(&e, seed, errs, sizeof(errs));
	assert_int_equal(EVP_RAND_get_state(seed), EVP_RAND_STATE_ERROR);
	assert_int_equal(provider_status(&e), 0);
	generate_fails(seed, UNTOUCHED, errs, sizeof(errs));
	assert_non_null(strstr(errs, "error state"));
	assert_non_null(strstr(errs, "vdso_clock: vdso_clock failed repetition count test"));
	assert_non_null(strstr(errs, "pipe_buffer: pipe_buffer failed repetition count test"));
	EVP_RAND_CTX_free(seed);
	assert_true(ts_env_unload(&e));
}

/* The product's provider refuses the fault knob, and says so. */
static void test_induce_refused_by_product(void **state)
{
	struct ts_env e;
	EVP_RAND_CTX *seed;
	const OSSL_PARAM *settable;
	unsigned char out[32];
	char errs[4096];

	(void)state;
	assert_int_equal(ts_env_load(&e, TS_MODULE_DIR, "timingseed"), 0);
	seed = ts_env_new_seed(&e);
	settable = EVP_RAND_CTX_settable_params(seed);
	assert_true(settable == NULL ||
		    OSSL_PARAM_locate_const(settable, "timingseed-induce") == NULL);
	ERR_clear_error();
	assert_false(induce(seed, "stuck:vdso_clock"));
	drain_errors(errs, sizeof(errs));
	print_message("product: %s", errs);
	assert_non_null(strstr(errs, "for the tests' provider only"));
	assert_true(EVP_RAND_generate(seed, out, sizeof(out), 256, 0, NULL, 0));
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
		cmocka_unit_test(test_induced_stuck_recovers),
		cmocka_unit_test(test_induced_biased_is_error_state),
		cmocka_unit_test(test_induced_permanent_everywhere),
		cmocka_unit_test(test_induce_refused_by_product),
		cmocka_unit_test(test_state_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
