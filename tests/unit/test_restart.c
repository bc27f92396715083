// SPDX-License-Identifier: Apache-2.0
/*
 * SP 800-90B 3.1.4 restart tests (ea/restart.c): the binomial cutoff
 * against values computed independently, and matrices of known entropy.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "timingseed/restart.h"

/* xoshiro256** seeded by splitmix64: reproducible test data */
static uint64_t rng[4];

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t next(void)
{
	uint64_t r = rotl(rng[1] * 5, 7) * 9, t = rng[1] << 17;

	rng[2] ^= rng[0];
	rng[3] ^= rng[1];
	rng[1] ^= rng[2];
	rng[0] ^= rng[3];
	rng[2] ^= t;
	rng[3] = rotl(rng[3], 45);
	return r;
}

static void seed(uint64_t s)
{
	int i;

	for (i = 0; i < 4; i++) {
		uint64_t z = (s += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		rng[i] = z ^ (z >> 31);
	}
}

/*
 * The cutoffs, from a different computation: P(X > U) summed term by term
 * at 60 digits with mpmath (loggamma pmf, from mean + 40 sd down), the
 * n = 1000 ones also by bisection on mpmath's regularized incomplete beta.
 * P(X > U) <= alpha < P(X > U - 1) in each, as the comments give them.
 */
static void test_binomial_cutoff(void **state)
{
	static const struct {
		uint32_t n;
		double p, alpha;
		uint32_t u;
	} v[] = {
		{1000, 0x1p-8, 0.01 / 2000, 15},	      /* 3.41e-6 <= 5e-6 < 1.44e-5 */
		{1000, 0.5, 0.01 / 2000, 570},		      /* 3.99e-6 < 5.35e-6 */
		{1000, 0x1p-4, 0.01 / 2000, 99},	      /* 3.55e-6 < 5.99e-6 */
		{1000, 0.7071067811865476, 0.01 / 2000, 769}, /* p = 2^-0.5 */
		{1000, 0.7791645796604999, 0.01 / 2000, 835}, /* p = 2^-0.36 */
		{20, 0x1p-8, 0.01 / 1020, 3},		      /* 1.07e-6 < 6.46e-5 */
		{1000000, 0x1p-8, 0.01 / 1000002, 4261},      /* 9.84e-9 < 1.08e-8 */
		{1000000, 0.5, 0.01 / 1000002, 502806},	      /* 9.94e-9 < 1.006e-8 */
		{1000000, 0.9395227492140118, 0.01 / 1000002, 940856}, /* p = 2^-0.09 */
		{1000, 0x1p-8, 0.9, 2},				       /* 0.748 < 0.902 */
		{10, 0.5, 0.5, 5},				       /* 0.377 < 0.623 */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint32_t u = ts_ea_binomial_cutoff(v[i].n, v[i].p, v[i].alpha);

		print_message("n = %u, p = %.6g, alpha = %.6g: U = %u (expected %u)\n", v[i].n,
			      v[i].p, v[i].alpha, u, v[i].u);
		assert_int_equal(u, v[i].u);
	}
	/* the degenerate ends: X = 0 always; X = n always */
	assert_int_equal(ts_ea_binomial_cutoff(1000, 0, 1e-6), 0);
	assert_int_equal(ts_ea_binomial_cutoff(1000, 1, 1e-6), 1000);
}

static void report(const char *what, const struct ts_ea_restart *r)
{
	print_message("%s: %zu x %zu, H_I %.3f, alpha %.3g: max row %u (U %u), max column %u "
		      "(U %u), sanity %s, h_rows %.4f, h_columns %.4f, %s\n",
		      what, r->rows, r->columns, r->h_initial, r->alpha, r->max_row, r->cutoff_rows,
		      r->max_column, r->cutoff_columns, r->sanity ? "pass" : "fail", r->h_rows,
		      r->h_columns, r->pass ? "pass" : "fail");
}

#define R 300
#define C 300

/*
 * Uniform bytes: 8 bits of min-entropy, checked at H_I = 7. The sanity
 * cutoff bounds one value's count; at H_I = 8 every one of the 256 values
 * is at p = 2^-H_I and the largest of 256 counts passes U with up to 256
 * times alpha (docs/estimators.md), so perfect bytes fail it often there. The estimates err low,
 * not high, and on 90000 samples by more than on 10^6: the bit string's compression estimate gives
 * about 6.7; in this seed's row dataset Lag binds at 5.77 (its longest run of correct predictions
 * is 3, at p = 1/256 a chance of about 0.5% per dataset: the standard's local bound).
 */
static void test_uniform(void **state)
{
	uint8_t *m = malloc(R * C);
	uint32_t *rmcv = malloc(R * sizeof(*rmcv)), *cmcv = malloc(C * sizeof(*cmcv));
	struct ts_ea_restart r;
	size_t i;

	(void)state;
	assert_non_null(m);
	assert_non_null(rmcv);
	assert_non_null(cmcv);
	seed(1);
	for (i = 0; i < R * C; i++)
		m[i] = (uint8_t)next();
	assert_int_equal(ts_ea_restart(m, R, C, 8, 7.0, &r, rmcv, cmcv, NULL, NULL), 0);
	report("uniform", &r);
	assert_int_equal(r.rows, R);
	assert_int_equal(r.columns, C);
	assert_int_equal(r.bits, 8);
	assert_true(fabs(r.alpha - 0.01 / (R + C)) < 1e-15);
	assert_int_equal(r.cutoff_rows, ts_ea_binomial_cutoff(C, 0x1p-7, 0.01 / (R + C)));
	assert_true(r.sanity);
	assert_true(r.h_rows > 5.5 && r.h_rows <= 8);
	assert_true(r.h_columns > 5.5 && r.h_columns <= 8);
	assert_true(r.pass);
	for (i = 0; i < R; i++)
		assert_true(rmcv[i] >= 2 && rmcv[i] <= r.max_row);
	for (i = 0; i < C; i++)
		assert_true(cmcv[i] >= 2 && cmcv[i] <= r.max_column);
	free(m);
	free(rmcv);
	free(cmcv);
}

/*
 * Every restart gives the same sequence: each row looks random, but every
 * column is one value: the column sanity check must fail (count R), and
 * the column dataset (runs of R equal values) has next to no entropy.
 */
static void test_same_rows(void **state)
{
	uint8_t *m = malloc(R * C);
	struct ts_ea_restart r;
	size_t i;

	(void)state;
	assert_non_null(m);
	seed(2);
	for (i = 0; i < C; i++)
		m[i] = (uint8_t)next();
	for (i = 1; i < R; i++)
		memcpy(m + i * C, m, C);
	assert_int_equal(ts_ea_restart(m, R, C, 8, 7.0, &r, NULL, NULL, NULL, NULL), 0);
	report("same rows", &r);
	assert_true(r.max_row <= r.cutoff_rows);
	assert_int_equal(r.max_column, R);
	assert_true(r.max_column > r.cutoff_columns);
	assert_false(r.sanity);
	assert_true(r.h_columns < 1);
	assert_false(r.pass);
	free(m);
}

/*
 * One value with probability 1/2, the others uniform: min-entropy 1. At
 * H_I = 1 both checks pass with estimates near 1; claimed at H_I = 4
 * (p = 1/16) the half-probability value breaks the sanity check and the
 * estimates fall short of H_I / 2.
 */
static void test_biased(void **state)
{
	uint8_t *m = malloc(R * C);
	struct ts_ea_restart r;
	size_t i;

	(void)state;
	assert_non_null(m);
	seed(3);
	for (i = 0; i < R * C; i++) {
		uint64_t x = next();

		m[i] = (x >> 63) ? 0 : (uint8_t)(1 + (x & 0xffffffff) % 255);
	}
	assert_int_equal(ts_ea_restart(m, R, C, 8, 1.0, &r, NULL, NULL, NULL, NULL), 0);
	report("biased, H_I 1", &r);
	assert_true(r.sanity);
	assert_true(r.h_rows > 0.85 && r.h_rows < 1.05);
	assert_true(r.h_columns > 0.85 && r.h_columns < 1.05);
	assert_true(r.pass);

	assert_int_equal(ts_ea_restart(m, R, C, 8, 4.0, &r, NULL, NULL, NULL, NULL), 0);
	report("biased, H_I 4", &r);
	assert_false(r.sanity);
	assert_true(r.max_row > r.cutoff_rows && r.max_column > r.cutoff_columns);
	assert_false(r.pass);
	free(m);
}

/* A small matrix counted by hand: row and column MCV counts, rows x columns kept apart. */
static void test_counts(void **state)
{
	/* 3 rows of 4: row counts 2, 4, 2; column counts 2, 1, 2, 2 */
	static const uint8_t m[12] = {1, 1, 2, 3, 5, 5, 5, 5, 1, 2, 5, 5};
	uint32_t rmcv[3], cmcv[4];
	struct ts_ea_restart r;

	(void)state;
	assert_int_equal(ts_ea_restart(m, 3, 4, 0, 1.0, &r, rmcv, cmcv, NULL, NULL), 0);
	assert_int_equal(r.bits, 3);
	assert_int_equal(rmcv[0], 2);
	assert_int_equal(rmcv[1], 4);
	assert_int_equal(rmcv[2], 2);
	assert_int_equal(cmcv[0], 2);
	assert_int_equal(cmcv[1], 1);
	assert_int_equal(cmcv[2], 2);
	assert_int_equal(cmcv[3], 2);
	assert_int_equal(r.max_row, 4);
	assert_int_equal(r.max_column, 2);
	assert_int_equal(r.cutoff_rows, ts_ea_binomial_cutoff(4, 0.5, 0.01 / 7));
	assert_int_equal(r.cutoff_columns, ts_ea_binomial_cutoff(3, 0.5, 0.01 / 7));
}

static int progress_calls;

static void on_progress(const char *name, void *arg)
{
	(void)arg;
	assert_true(strncmp(name, "rows.", 5) == 0 || strncmp(name, "columns.", 8) == 0);
	progress_calls++;
}

static void test_progress(void **state)
{
	uint8_t m[64 * 64];
	struct ts_ea_restart r;
	size_t i;

	(void)state;
	seed(4);
	for (i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)next();
	assert_int_equal(ts_ea_restart(m, 64, 64, 8, 8, &r, NULL, NULL, on_progress, NULL), 0);
	assert_true(progress_calls >= 2);
}

static void test_einval(void **state)
{
	uint8_t m[16] = {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 16};
	struct ts_ea_restart r;

	(void)state;
	errno = 0;
	assert_int_equal(ts_ea_restart(m, 1, 16, 0, 1, &r, NULL, NULL, NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(ts_ea_restart(m, 16, 1, 0, 1, &r, NULL, NULL, NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(ts_ea_restart(m, 4, 4, 0, 0, &r, NULL, NULL, NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(ts_ea_restart(m, 4, 4, 0, 8.5, &r, NULL, NULL, NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(ts_ea_restart(m, 4, 4, 0, NAN, &r, NULL, NULL, NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(ts_ea_restart(m, 4, 4, 9, 1, &r, NULL, NULL, NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
	/* 16 does not fit in 4 bits */
	errno = 0;
	assert_int_equal(ts_ea_restart(m, 4, 4, 4, 1, &r, NULL, NULL, NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
	/* H_I above the word size (5 bits inferred) */
	errno = 0;
	assert_int_equal(ts_ea_restart(m, 4, 4, 0, 6, &r, NULL, NULL, NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
	/* and the same matrix within its limits runs */
	assert_int_equal(ts_ea_restart(m, 4, 4, 0, 5, &r, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(r.bits, 5);
}

/*
 * A row assessment already made stands for the row estimate only when it is
 * of m at the test's bits: a made-up one with the right bits and count is
 * taken as it is, one at other bits is ignored and the rows are assessed.
 */
static void test_rows_known(void **state)
{
	uint8_t *m = malloc(R * C);
	struct ts_ea_restart a, b;
	struct ts_ea_report rep;
	size_t i;

	(void)state;
	assert_non_null(m);
	seed(5);
	for (i = 0; i < R * C; i++)
		m[i] = (uint8_t)(next() & 0x0f);
	assert_int_equal(ts_ea_assess(m, R * C, 4, &rep), 0);
	assert_int_equal(ts_ea_restart(m, R, C, 4, 3.0, &a, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(
		ts_ea_restart_rows_known(m, R, C, 4, 3.0, &rep, &b, NULL, NULL, NULL, NULL), 0);
	assert_true(a.h_rows == rep.min);
	assert_true(b.h_rows == a.h_rows && b.h_columns == a.h_columns && b.pass == a.pass);

	rep.min = 0.5; /* taken as given */
	assert_int_equal(
		ts_ea_restart_rows_known(m, R, C, 4, 3.0, &rep, &b, NULL, NULL, NULL, NULL), 0);
	assert_true(b.h_rows == 0.5);
	assert_false(b.pass);
	rep.bits = 8; /* another word size: not the test's dataset */
	assert_int_equal(
		ts_ea_restart_rows_known(m, R, C, 4, 3.0, &rep, &b, NULL, NULL, NULL, NULL), 0);
	assert_true(b.h_rows == a.h_rows);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_binomial_cutoff), cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_same_rows),	cmocka_unit_test(test_biased),
		cmocka_unit_test(test_counts),		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_einval),		cmocka_unit_test(test_rows_known),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
