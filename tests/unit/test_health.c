// SPDX-License-Identifier: Apache-2.0
/* SP 800-90B 4.4 health tests: cutoffs and behaviour on synthetic streams. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "health.h"

/*
 * P(X >= c) for X ~ Binomial(n, p), by the pmf recurrence (not lgamma as
 * the code under test): from k = n down when p >= 1/2, from k = 0 up
 * otherwise, so the starting term never underflows.
 */
static double upper_tail(unsigned int n, double p, unsigned int c)
{
	double pmf, tail = 0;
	unsigned int k;

	if (p >= 0.5) {
		pmf = pow(p, n);
		for (k = n; k >= c && k > 0; k--) {
			tail += pmf;
			pmf *= (double)k / (n - k + 1) * (1 - p) / p;
		}
		return c == 0 ? 1.0 : tail;
	}
	pmf = pow(1 - p, n);
	for (k = 0; k <= n; k++) {
		if (k >= c)
			tail += pmf;
		pmf *= (double)(n - k) / (k + 1) * p / (1 - p);
	}
	return tail;
}

static void test_rct_cutoff(void **state)
{
	(void)state;
	/* C = 1 + ceil(-log2(alpha) / H) */
	assert_int_equal(ts_rct_cutoff(1.0, 20), 21); /* SP 800-90B 4.4.1 example */
	assert_int_equal(ts_rct_cutoff(1.0, 30), 31);
	assert_int_equal(ts_rct_cutoff(0.5, 30), 61);
	assert_int_equal(ts_rct_cutoff(0.08, 30), 376);
	assert_int_equal(ts_rct_cutoff(8.0, 30), 5);
}

static void test_apt_cutoff(void **state)
{
	const double hs[] = {0.1, 0.5, 1.0, 2.0, 4.0, 7.5};
	/* jitterentropy-library's jent_apt_cutoff_lookup and
	 * jent_apt_cutoff_permanent_lookup (W = 512, H = 1/osr, osr 1..8):
	 * C = 2 + qbinom(1 - alpha, 511, 2^-H) at alpha 2^-30 and 2^-60. */
	const unsigned int jent[8] = {325, 422, 459, 477, 488, 494, 499, 502};
	const unsigned int jent_perm[8] = {355, 447, 479, 494, 502, 507, 510, 512};
	unsigned int osr;
	size_t i;

	(void)state;
	for (osr = 1; osr <= 8; osr++) {
		assert_int_equal(ts_apt_cutoff(1.0 / osr, 512, 30), jent[osr - 1]);
		assert_int_equal(ts_apt_cutoff(1.0 / osr, 512, 60), jent_perm[osr - 1]);
	}
	/* Too little entropy for any window to be surprising: cannot fail. */
	assert_int_equal(ts_apt_cutoff(0.045, 512, 30), 513);
	for (i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
		unsigned int a;

		for (a = 30; a <= 60; a += 30) {
			unsigned int c = ts_apt_cutoff(hs[i], 512, a);
			double p = exp2(-hs[i]), alpha = exp2(-(double)a);

			print_message("H=%.2f alpha 2^-%u: APT cutoff %u, RCT cutoff %u\n", hs[i],
				      a, c, ts_rct_cutoff(hs[i], a));
			/* The count is 1 (the reference) + Binomial(511, p). */
			if (c <= 512)
				assert_true(upper_tail(511, p, c - 1) <= alpha * 1.0001);
			assert_true(upper_tail(511, p, c - 2) > alpha);
		}
	}
}

static void test_permanent_cutoffs(void **state)
{
	struct ts_health t;
	uint64_t s[1024];
	size_t i, at = 0;

	(void)state;
	for (i = 0; i < 1024; i++)
		s[i] = 0x1234;
	ts_health_init(&t, 0.045); /* vdso_clock: RCT 668, permanent 1335 */
	assert_int_equal(t.rct_cutoff, 668);
	assert_int_equal(t.rct_cutoff_perm, 1335);
	assert_int_equal(ts_health_feed(&t, s, 1024, &at), TS_HEALTH_RCT);
	assert_int_equal(at, 667);
	assert_int_equal(t.perm, TS_HEALTH_OK); /* intermittent only, so far */
	/* A retest of the same stuck source: its run goes on to the permanent cutoff. */
	ts_health_retest(&t);
	assert_int_equal(ts_health_feed(&t, s, 1024, &at), TS_HEALTH_RCT);
	assert_int_equal(t.perm, TS_HEALTH_RCT);

	/* A chance run stopped by a failure does not fail the retest. */
	ts_health_init(&t, 1.0); /* RCT 31, permanent 61 */
	for (i = 0; i < 40; i++)
		s[i] = 7;
	for (; i < 1024; i++)
		s[i] = i * 37 % 256;
	assert_int_equal(ts_health_feed(&t, s, 40, &at), TS_HEALTH_RCT);
	assert_int_equal(at, 30);
	ts_health_retest(&t);
	assert_int_equal(ts_health_feed(&t, s + 40, 1024 - 40, NULL), TS_HEALTH_OK);
	assert_int_equal(t.perm, TS_HEALTH_OK);
}

static void test_stuck_fails_rct_at_cutoff(void **state)
{
	struct ts_health t;
	uint64_t s[1000];
	size_t i, at = 0;

	(void)state;
	for (i = 0; i < 1000; i++)
		s[i] = 0x1234;
	ts_health_init(&t, 0.5);
	assert_int_equal(ts_health_feed(&t, s, 1000, &at), TS_HEALTH_RCT);
	/* The C-th identical symbol fails: index C - 1. */
	assert_int_equal(at, t.rct_cutoff - 1);
}

static uint64_t xs = 0x9E3779B97F4A7C15ULL;

static uint64_t xorshift(void)
{
	xs ^= xs << 13;
	xs ^= xs >> 7;
	xs ^= xs << 17;
	return xs;
}

static void test_biased_fails_apt(void **state)
{
	struct ts_health t;
	uint64_t s[4 * 512];
	size_t i, at = 0;

	(void)state;
	/* Symbol 0x42 with probability ~0.9, claimed H = 2 (p <= 0.25). Runs
	 * are broken up so the RCT does not fire first. */
	for (i = 0; i < 4 * 512; i++)
		s[i] = (i % 8 == 7 || xorshift() % 10 == 0) ? (xorshift() | 1) & 0xff : 0x42;
	ts_health_init(&t, 2.0);
	assert_int_equal(ts_health_feed(&t, s, 4 * 512, &at), TS_HEALTH_APT);
	print_message("APT failed at sample %zu (cutoff %u)\n", at, t.apt_cutoff);
	assert_true(at < 4 * 512);
}

static void test_good_source_no_false_alarm(void **state)
{
	enum { N = 1000000 };
	uint64_t *s = malloc(N * sizeof(*s));
	const double hs[] = {1.0, 4.0, 7.0};
	size_t i, j;

	(void)state;
	for (j = 0; j < sizeof(hs) / sizeof(hs[0]); j++) {
		struct ts_health t;

		for (i = 0; i < N; i++)
			s[i] = xorshift() >> 7;
		ts_health_init(&t, hs[j]);
		assert_int_equal(ts_health_feed(&t, s, N, NULL), TS_HEALTH_OK);
	}
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rct_cutoff),
		cmocka_unit_test(test_apt_cutoff),
		cmocka_unit_test(test_permanent_cutoffs),
		cmocka_unit_test(test_stuck_fails_rct_at_cutoff),
		cmocka_unit_test(test_biased_fails_apt),
		cmocka_unit_test(test_good_source_no_false_alarm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
