// SPDX-License-Identifier: Apache-2.0
/*
 * Secrets: raw samples never stay in the pool between requests.
 *
 * Through OpenSSL: EVP_RAND_verify_zeroization on a TIMING-SEED context is
 * true before and after requests of every size, after a DRBG's get_seed,
 * and after requests that fail (timingseed_fault.so, whose sources all
 * fail). Through the pool API: true after served requests, health-test
 * failures, collection errors and a deadline, and after a source that
 * fails part way through a collection it had already written samples for
 * (the pool must wipe all it handed the source, not only what it kept):
 * ts_pool_verify_zeroized is what would see samples left behind.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "fault_sources.h"
#include "health.h"
#include "timingseed/pool.h"
#include "util.h"

/* ---- through OpenSSL --------------------------------------------------- */

/* Load module from dir (with default) into e; a cmocka failure otherwise. */
static void load(struct ts_env *e, const char *dir, const char *module)
{
	assert_int_equal(ts_env_load(e, dir, module), 0);
}

static void test_evp_zeroized_after_requests(void **state)
{
	static const size_t sizes[] = {1, 16, 32, 33, 48, 100};
	struct ts_env e;
	EVP_RAND_CTX *s, *d;
	unsigned char out[128];
	size_t i;

	(void)state;
	load(&e, TS_MODULE_DIR, "timingseed");
	s = ts_env_new_seed(&e);
	assert_true(EVP_RAND_verify_zeroization(s)); /* before any request */
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_true(EVP_RAND_generate(s, out, sizes[i], 256, 0, NULL, 0));
		assert_true(EVP_RAND_verify_zeroization(s));
	}

	/* A DRBG's seeds come through get_seed. */
	d = ts_new_ctr_drbg(e.ctr, s);
	assert_true(EVP_RAND_instantiate(d, 256, 0, NULL, 0, NULL));
	assert_true(EVP_RAND_generate(d, out, 64, 256, 1, NULL, 0));
	assert_true(EVP_RAND_verify_zeroization(s));

	/* A refused request (too strong) leaves nothing either. */
	assert_false(EVP_RAND_generate(s, out, 32, 512, 0, NULL, 0));
	ERR_clear_error();
	assert_true(EVP_RAND_verify_zeroization(s));

	EVP_RAND_CTX_free(d);
	EVP_RAND_CTX_free(s);
	assert_true(ts_env_unload(&e));
}

/* timingseed_fault.so, configured to its stuck source and the one whose collect() fails. */
static void test_evp_zeroized_after_failures(void **state)
{
	struct ts_env e;
	EVP_RAND_CTX *s;
	unsigned char out[64];
	int i;

	(void)state;
	assert_int_equal(ts_env_load_conf(&e, TS_FAULT_MODULE_DIR, "timingseed_fault",
					  "sources = fault_stuck, fault_errno"),
			 0);
	s = ts_env_new_seed(&e);
	for (i = 0; i < 4; i++) {
		assert_false(EVP_RAND_generate(s, out, sizeof(out), 256, 0, NULL, 0));
		assert_int_not_equal(ERR_peek_error(), 0);
		ERR_clear_error();
		assert_true(EVP_RAND_verify_zeroization(s));
	}
	EVP_RAND_CTX_free(s);
	assert_true(ts_env_unload(&e));
}

/* ---- through the pool API ---------------------------------------------- */

static struct ts_pool *pool_of(const struct ts_source *a, const struct ts_source *b)
{
	const struct ts_source *v[2] = {a, b};
	struct ts_pool *p = ts_pool_new_with(v, b ? 2 : 1);

	assert_non_null(p);
	return p;
}

static void test_pool_zeroized_on_every_path(void **state)
{
	struct ts_seed_report rep;
	unsigned char out[64];
	struct ts_pool *p;
	char err[64];

	(void)state;
	/* Served. */
	p = pool_of(&fault_good, &fault_good2);
	assert_true(ts_pool_verify_zeroized(p));
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), 0);
	assert_true(ts_pool_verify_zeroized(p));
	ts_pool_free(p);

	/* A source failing its startup test, beside a good one. */
	p = pool_of(&fault_stuck, &fault_good);
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), 0);
	assert_true(ts_pool_verify_zeroized(p));
	ts_pool_free(p);

	/* A source going stuck inside a block: the block is thrown away. */
	p = pool_of(&fault_turns_stuck, NULL);
	fault_turns_stuck_after(TS_STARTUP_SAMPLES + 100);
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), -1);
	assert_true(ts_pool_verify_zeroized(p));
	fault_turns_stuck_after(SIZE_MAX);
	ts_pool_free(p);

	/* A collection that cannot run. */
	p = pool_of(&fault_errno, NULL);
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), -1);
	assert_true(ts_pool_verify_zeroized(p));
	ts_pool_free(p);

	/* The deadline passing in the startup test. */
	p = pool_of(&fault_slow, NULL);
	assert_int_equal(ts_pool_set(p, "deadline_ms", "50", err, sizeof(err)), 0);
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), -1);
	assert_true(ts_pool_verify_zeroized(p));
	ts_pool_free(p);
}

/*
 * A source that passes its startup test, then, asked for a block's worth,
 * hands back half of it, and on the pool's next call for the rest writes
 * samples and fails (an fd limit reached part way, say). Its credit is low,
 * so it is asked for a full chunk.
 */
static uint64_t flaky_seen;
static unsigned int flaky_calls;

static bool flaky_available(const char **why)
{
	(void)why;
	return true;
}

static long flaky_collect(const void *cfg, uint64_t *out, size_t n, uint64_t deadline)
{
	static uint64_t x = 0x2545F4914F6CDD1DULL;
	size_t i;

	(void)cfg;
	(void)deadline;
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		out[i] = x;
	}
	if (flaky_seen < TS_STARTUP_SAMPLES) {
		flaky_seen += n;
		return (long)n;
	}
	if (flaky_calls++ % 2 == 0 && n > 1)
		return (long)(n / 2); /* a short collection... */
	return -EIO;		      /* ...then a failure, after writing */
}

static const struct ts_source flaky_source = {
	.name = "flaky",
	.platform = "test",
	.description = "fails part way through a collection",
	.default_credit = 0.05,
	.available = flaky_available,
	.collect = flaky_collect,
	.syscall_free = true,
};

static void test_pool_zeroized_after_partial_failure(void **state)
{
	struct ts_pool *p = pool_of(&flaky_source, NULL);
	struct ts_seed_report rep;
	unsigned char out[32];

	(void)state;
	flaky_seen = 0;
	flaky_calls = 0;
	assert_int_equal(ts_pool_startup(p), 1);
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), -1);
	print_message("after %u collect() calls: %s\n", flaky_calls, rep.error);
	assert_non_null(strstr(rep.error, "collection failed"));
	assert_true(flaky_calls >= 2);
	assert_true(ts_pool_verify_zeroized(p));
	ts_pool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evp_zeroized_after_requests),
		cmocka_unit_test(test_evp_zeroized_after_failures),
		cmocka_unit_test(test_pool_zeroized_on_every_path),
		cmocka_unit_test(test_pool_zeroized_after_partial_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
