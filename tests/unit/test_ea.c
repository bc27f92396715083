// SPDX-License-Identifier: Apache-2.0
/*
 * SP 800-90B 6.3 estimators on data of known min-entropy, NIST's own
 * self-test numbers for the shared numerics, and the suffix-array t-tuple
 * and LRS counts against a naive count. Every assessment is printed.
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

#include "timingseed/ea.h"

/* xoshiro256**: reproducible test data */
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

	for (i = 0; i < 4; i++) { /* splitmix64 */
		uint64_t z = (s += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		rng[i] = z ^ (z >> 31);
	}
}

static double unit(void)
{
	return (double)(next() >> 11) * 0x1.0p-53;
}

static double est(const struct ts_ea_report *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		if (strcmp(r->est[i].name, name) == 0)
			return r->est[i].h;
	return -1;
}

static void assess(const char *what, const uint8_t *s, size_t n, unsigned bits,
		   struct ts_ea_report *r)
{
	double min = INFINITY;
	size_t i;

	assert_int_equal(ts_ea_assess(s, n, bits, r), 0);
	print_message("%s: n = %zu, %u bits, %u symbols\n", what, n, r->bits, r->alphabet);
	for (i = 0; i < r->count; i++) {
		print_message(" %-22s %.6f\n", r->est[i].name, r->est[i].h);
		assert_true(r->est[i].h >= 0 && r->est[i].h <= r->bits);
		min = fmin(min, r->est[i].h);
	}
	print_message(" H_original %.6f H_bitstring %.6f min %.6f\n", r->h_original, r->h_bitstring,
		      r->min);
	/* the minimum is the smallest entry (or 0 when nothing ran) */
	if (r->count > 0)
		assert_true(r->min == fmin(min, r->bits));
}

/* NIST's self-test results (cpp/selftest/refdata) for the final steps. */
static void test_nist_vectors(void **state)
{
	(void)state;
	/* ringOsc-nist.bin MultiMCW: P_local = 0.8176 decides */
	assert_true(fabs(ts_ea_predictor_h(561973, 999937, 82, 2) - 0.29051922736594488) < 1e-12);
	/* ringOsc-nist.bin Lag, truerand_8bit.bin literal and bit-string MultiMCW */
	assert_true(fabs(ts_ea_predictor_h(839328, 999999, 83, 2) - 0.25106695357142894) < 1e-12);
	assert_true(fabs(ts_ea_predictor_h(3779, 999937, 2, 256) - 7.9885798193670183) < 1e-12);
	assert_true(fabs(ts_ea_predictor_h(3997538, 7999937, 23, 2) - 0.9995628331666655) < 1e-12);
	/* every prediction right: no entropy; none right: the 1/k floor */
	assert_true(ts_ea_predictor_h(1000, 1000, 1000, 2) == 0.0);
	assert_true(fabs(ts_ea_predictor_h(0, 1000000, 0, 256) - 8.0) < 1e-9);
}

static void test_uniform_bytes(void **state)
{
	enum { N = 1000000 };
	uint8_t *s = malloc(N);
	struct ts_ea_report r;
	size_t i;

	(void)state;
	assert_non_null(s);
	seed(1);
	for (i = 0; i < N; i++)
		s[i] = (uint8_t)(next() >> 56);
	assess("uniform bytes", s, N, 8, &r);
	assert_int_equal(r.count, 17); /* 7 on the symbols, 10 on the bit string */
	assert_true(est(&r, "mcv") > 7.8 && est(&r, "mcv") < 7.95);
	for (i = 0; i < r.count; i++)
		assert_true(r.est[i].h > 7.0);
	assert_true(r.min > 7.0 && r.min < 7.9);
	/* NIST's truerand_8bit.bin: bit-string compression 0.904, min 7.23 */
	assert_true(r.h_bitstring > 0.88 && r.h_bitstring < 0.96);
	/* word size inferred */
	assert_int_equal(ts_ea_assess(s, N, 0, &r), 0);
	assert_int_equal(r.bits, 8);
	free(s);
}

static void test_known_mcv(void **state)
{
	enum { N = 200000 };
	uint8_t *s = malloc(N);
	struct ts_ea_report r;
	size_t i;

	(void)state;
	assert_non_null(s);
	seed(2);
	for (i = 0; i < N; i++) /* 0 half the time, else 1..255: min-entropy 1 */
		s[i] = unit() < 0.5 ? 0 : (uint8_t)(1 + next() % 255);
	assess("p(0) = 0.5", s, N, 8, &r);
	assert_true(est(&r, "mcv") > 0.98 && est(&r, "mcv") <= 1.0);
	assert_true(r.min > 0.9 && r.min <= 1.0);
	free(s);
}

static void test_periodic(void **state)
{
	enum { N = 100000, P = 50 };
	uint8_t *s = malloc(N);
	struct ts_ea_report r;
	size_t i;

	(void)state;
	assert_non_null(s);
	seed(3);
	for (i = 0; i < P; i++)
		s[i] = (uint8_t)next();
	for (; i < N; i++)
		s[i] = s[i - P];
	assess("period 50", s, N, 8, &r);
	assert_true(est(&r, "lrs") < 0.01);
	assert_true(est(&r, "lag") < 0.01);
	assert_true(est(&r, "multi_mmc") < 0.01);
	assert_true(r.min < 0.01);
	/* MCV alone sees 49 symbols, about equally likely */
	assert_true(est(&r, "mcv") > 4.0);
	assert_true(ts_ea_startup(s, 1024) < 0.5);
	free(s);
}

static void test_constant(void **state)
{
	uint8_t s[5000];
	struct ts_ea_report r;

	(void)state;
	memset(s, 0x5a, sizeof(s));
	assess("constant", s, sizeof(s), 8, &r);
	assert_int_equal(r.count, 0);
	assert_true(r.min == 0.0);
	assert_true(ts_ea_mcv(s, sizeof(s), 8) == 0.0);
	assert_true(ts_ea_startup(s, 1024) == 0.0);
	memset(s, 0, sizeof(s));
	assert_true(ts_ea_markov(s, sizeof(s)) == 0.0);
	assert_true(ts_ea_collision(s, sizeof(s)) == 0.0);
	assert_true(ts_ea_lag(s, sizeof(s), 1) == 0.0);
}

static void test_binary(void **state)
{
	enum { N = 200000 };
	uint8_t *s = malloc(N);
	struct ts_ea_report r;
	size_t i;

	(void)state;
	assert_non_null(s);
	seed(4);
	for (i = 0; i < N; i++)
		s[i] = next() >> 63;
	assess("fair bits", s, N, 1, &r);
	assert_int_equal(r.count, 10); /* all ten on the bits, no bit string */
	assert_true(r.h_bitstring < 0);
	assert_true(est(&r, "mcv") > 0.98);
	/* compression is the binding one on fair bits (0.84 at n = 1e6) */
	assert_true(r.min > 0.7 && r.min <= 1.0);

	for (i = 0; i < N; i++) /* P(1) = 0.25: min-entropy -log2(0.75) = 0.415 */
		s[i] = unit() < 0.25;
	assess("bits with P(1) = 0.25", s, N, 1, &r);
	assert_true(fabs(est(&r, "mcv") + log2(0.75)) < 0.01);
	/* compression binds, well below the truth, as on NIST's own data */
	assert_true(r.min < 0.42 && r.min > 0.2);

	/* two symbols that are not 0 and 1 are mapped to them, as NIST does */
	for (i = 0; i < N; i++)
		s[i] = s[i] ? 0x90 : 0x11;
	assess("bytes 0x11 and 0x90, P(0x90) = 0.25", s, N, 8, &r);
	assert_true(fabs(est(&r, "mcv") + log2(0.75)) < 0.01);
	assert_true(r.h_bitstring < 0);

	/* a Markov chain that keeps its bit with p = 0.9: 0.152 bits/bit */
	s[0] = 0;
	for (i = 1; i < N; i++)
		s[i] = unit() < 0.9 ? s[i - 1] : !s[i - 1];
	assess("Markov chain, P(same) = 0.9", s, N, 1, &r);
	assert_true(est(&r, "markov") > 0.14 && est(&r, "markov") < 0.18);
	assert_true(r.min < 0.17);
	/* MCV cannot see the dependence */
	assert_true(est(&r, "mcv") > 0.9);
	free(s);
}

/* Naive t-tuple and LRS: count every length's tuples by sorting. */
static const uint8_t *sort_s;
static size_t sort_t;

static int cmp_tuple(const void *a, const void *b)
{
	return memcmp(sort_s + *(const size_t *)a, sort_s + *(const size_t *)b, sort_t);
}

static void naive_tuple_lrs(const uint8_t *s, size_t n, double *tt, double *lrs)
{
	const long double z = 2.5758293035489008L;
	size_t *pos = malloc(n * sizeof(*pos)), t, i, u = 0, v = 0;
	uint64_t *q = calloc(n + 1, sizeof(*q)), *sum = calloc(n + 1, sizeof(*sum));
	long double pmax, pu;

	assert_non_null(pos);
	assert_non_null(q);
	assert_non_null(sum);
	for (t = 1; t < n; t++) {
		size_t m = n - t + 1, run = 1;

		for (i = 0; i < m; i++)
			pos[i] = i;
		sort_s = s;
		sort_t = t;
		qsort(pos, m, sizeof(*pos), cmp_tuple);
		for (i = 1; i <= m; i++) {
			if (i < m && cmp_tuple(&pos[i - 1], &pos[i]) == 0) {
				run++;
				continue;
			}
			if (run > q[t])
				q[t] = run;
			sum[t] += run * (run - 1) / 2;
			run = 1;
		}
		if (q[t] < 2)
			break;
		v = t;
	}
	for (u = 1; u <= v && q[u] >= 35; u++)
		;
	*tt = *lrs = -1;
	pmax = -1;
	for (t = 1; t < u; t++)
		pmax = fmaxl(pmax, powl((long double)q[t] / (n - t + 1), 1.0L / t));
	if (pmax > 0) {
		pu = fminl(1, pmax + z * sqrtl(pmax * (1 - pmax) / (n - 1)));
		*tt = pu >= 1 ? 0 : (double)-log2l(pu);
	}
	if (v >= u) {
		pmax = 0;
		for (t = u; t <= v; t++) {
			long double m = (long double)(n - t);

			pmax = fmaxl(pmax, powl(sum[t] / (m * (m + 1) / 2), 1.0L / t));
		}
		pu = fminl(1, pmax + z * sqrtl(pmax * (1 - pmax) / (n - 1)));
		*lrs = pu >= 1 ? 0 : (double)-log2l(pu);
	}
	free(pos);
	free(q);
	free(sum);
}

static void check_tuple(const char *what, const uint8_t *s, size_t n, unsigned k)
{
	double tt, lrs, ntt, nlrs;

	assert_int_equal(ts_ea_tuple_lrs(s, n, k, &tt, &lrs), 0);
	naive_tuple_lrs(s, n, &ntt, &nlrs);
	print_message("%s: t-tuple %.12f (naive %.12f), LRS %.12f (naive %.12f)\n", what, tt, ntt,
		      lrs, nlrs);
	assert_true(fabs(tt - ntt) < 1e-9);
	assert_true(fabs(lrs - nlrs) < 1e-9);
}

static void test_tuple_against_naive(void **state)
{
	enum { N = 4000 };
	uint8_t s[N];
	size_t i;

	(void)state;
	seed(5);
	for (i = 0; i < N; i++)
		s[i] = next() >> 62;
	check_tuple("2-bit uniform", s, N, 2);
	for (i = 0; i < N; i++)
		s[i] = unit() < 0.8 ? 0 : 1;
	check_tuple("biased bits", s, N, 1);
	s[0] = 7;
	for (i = 1; i < N; i++) /* sticky 8-bit walk */
		s[i] = unit() < 0.6 ? s[i - 1] : (uint8_t)(s[i - 1] + (next() >> 62));
	check_tuple("sticky bytes", s, N, 8);
	for (i = 0; i < 600; i++) /* period 7, then noise at the end */
		s[i] = i < 590 ? (uint8_t)(i % 7) : (uint8_t)(next() >> 61);
	check_tuple("period 7", s, 600, 3);
	for (i = 0; i < 300; i++)
		s[i] = 1;
	s[150] = 0;
	check_tuple("ones with a zero", s, 300, 1);
}

/*
 * Naive lag prediction, as ea_non_iid scores it: each of the 128 lags that
 * matches, nearest first, gains a point, and one whose score reaches the
 * best so far becomes the predictor. A bit string (k = 1) compares bit 0.
 */
static double naive_lag(const uint8_t *s, size_t n, unsigned k)
{
	uint64_t score[128] = {0}, high = 0, c = 0, run = 0, maxrun = 0;
	uint8_t mask = k == 1 ? 1 : 0xff;
	size_t winner = 0, i, d;

	for (i = 1; i < n; i++) {
		uint8_t y = s[i] & mask;

		if ((s[i - winner - 1] & mask) == y) {
			c++;
			if (++run > maxrun)
				maxrun = run;
		} else {
			run = 0;
		}
		for (d = 0; d < 128 && d < i; d++)
			if ((s[i - d - 1] & mask) == y && ++score[d] >= high) {
				winner = d;
				high = score[d];
			}
	}
	return ts_ea_predictor_h(c, n - 1, maxrun, ts_ea_distinct(s, n));
}

/* Symbols of one kind of test data: what = 0..8, n of them. */
static void lag_data(unsigned what, uint8_t *s, size_t n)
{
	size_t i, period = 1 + next() % 140;

	for (i = 0; i < n; i++) {
		switch (what) {
		case 0: /* uniform bytes: few matches */
			s[i] = (uint8_t)next();
			break;
		case 1: /* mostly one symbol, as vdso_clock's are */
			s[i] = unit() < 0.93 ? 3 : (uint8_t)(next() >> 61);
			break;
		case 2: /* fair bits */
			s[i] = next() >> 63;
			break;
		case 3: /* biased bits */
			s[i] = unit() < 0.85;
			break;
		case 4: /* a sticky walk over a few symbols */
			s[i] = i > 0 && unit() < 0.7 ? s[i - 1] : (uint8_t)(next() >> 62);
			break;
		case 5: /* a period around the 128 lags, with noise */
			s[i] = i >= period && unit() < 0.97 ? s[i - period]
							    : (uint8_t)(next() >> 60);
			break;
		case 6: /* one symbol throughout, then a change */
			s[i] = i < n / 2 ? 0x5a : 0xa5;
			break;
		case 7: /* no repeat within 128 but copies from far lags: ties there */
			s[i] = i >= 128 && unit() < 0.2 ? s[i - 64 - next() % 65]
							: (uint8_t)(i * 7 + 1);
			break;
		default: /* 16 symbols (what 8) */
			s[i] = (uint8_t)(next() >> 60);
			break;
		}
	}
}

/*
 * ts_ea_lag (bit-sliced scores, lags found a word at a time) against the
 * naive count: the same estimate exactly, on k-bit symbols and on bit
 * strings, for lengths around the 128 lags and the 64-bit words.
 */
static void test_lag_against_naive(void **state)
{
	static const size_t len[] = {3,	  4,   5,   63,	 64,   65,   66,   127,
				     128, 129, 130, 200, 1024, 5000, 20000};
	uint8_t *s = malloc(20000);
	size_t i, cases = 0;
	unsigned what, round;

	(void)state;
	assert_non_null(s);
	/*
	 * Distinct symbols but for three far repeats: lags 30, 70 and 100 tie,
	 * and only the farthest predicts s[121] (a wrong tie rule among the
	 * far lags gives 4.83 bits, not 5.17).
	 */
	for (i = 0; i < 130; i++)
		s[i] = (uint8_t)(i + 1);
	s[20] = s[50] = s[120] = 200;
	s[121] = 22;
	assert_true(ts_ea_lag(s, 130, 8) == naive_lag(s, 130, 8));
	seed(9);
	for (round = 0; round < 6; round++)
		for (what = 0; what < 9; what++)
			for (i = 0; i < sizeof(len) / sizeof(len[0]); i++) {
				size_t n = len[i];

				lag_data(what, s, n);
				if (ts_ea_lag(s, n, 8) != naive_lag(s, n, 8) ||
				    ts_ea_lag(s, n, 1) != naive_lag(s, n, 1))
					fail_msg("lag differs: data %u, n = %zu: %.17g / %.17g (8 "
						 "bits), %.17g / %.17g (bit string)",
						 what, n, ts_ea_lag(s, n, 8), naive_lag(s, n, 8),
						 ts_ea_lag(s, n, 1), naive_lag(s, n, 1));
				cases++;
			}
	print_message("lag: %zu inputs, the same as the naive count\n", cases);
	free(s);
}

static void test_startup(void **state)
{
	uint8_t s[1024];
	size_t i;
	double h;

	(void)state;
	seed(6);
	for (i = 0; i < sizeof(s); i++)
		s[i] = (uint8_t)next();
	h = ts_ea_startup(s, sizeof(s));
	print_message("startup: uniform %.4f", h);
	assert_true(h > 4.5 && h < 8.0); /* 1024 samples bound MCV near 5.8 */
	for (i = 0; i < sizeof(s); i++)	 /* coarse timer: 4 values, 2 bits */
		s[i] = (uint8_t)((next() >> 62) << 6);
	h = ts_ea_startup(s, sizeof(s));
	print_message(", 4 values %.4f", h);
	/* the bit string's six constant bits make collision bind, at 1 bit */
	assert_true(h > 0.5 && h <= 2.0);
	for (i = 0; i < sizeof(s); i++) /* a counter: period 256, LRS sees it */
		s[i] = (uint8_t)(i * 3);
	h = ts_ea_startup(s, sizeof(s));
	print_message(", counter %.4f\n", h);
	assert_true(h < 1.0);
	assert_true(ts_ea_startup(s, 1) == 0.0);
}

static void test_short_inputs(void **state)
{
	uint8_t s[4000], b[6006];
	struct ts_ea_report r;
	size_t i;

	(void)state;
	seed(7);
	for (i = 0; i < sizeof(s); i++)
		s[i] = (uint8_t)next();
	for (i = 0; i < sizeof(b); i++)
		b[i] = next() >> 63;
	/* MultiMCW needs 4096 symbols, compression 1001 blocks of 6 bits */
	assert_true(ts_ea_multi_mcw(s, sizeof(s), 8) < 0);
	assert_true(ts_ea_compression(b, 6005) < 0);
	assert_true(ts_ea_compression(b, 6006) >= 0);
	assess("4000 bytes", s, sizeof(s), 8, &r);
	assert_true(est(&r, "multi_mcw") < 0); /* left out */
	assert_true(est(&r, "bitstring.multi_mcw") >= 0);
	assert_true(est(&r, "bitstring.compression") >= 0);
}

static void test_errors(void **state)
{
	uint8_t s[16] = {0x80, 1, 2, 3};
	struct ts_ea_report r;

	(void)state;
	errno = 0;
	assert_int_equal(ts_ea_assess(s, sizeof(s), 9, &r), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ts_ea_assess(s, sizeof(s), 4, &r), -1); /* 0x80 needs 8 bits */
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ts_ea_assess(s, 1, 8, &r), -1);
	assert_int_equal(ts_ea_assess(s, sizeof(s), 8, &r), 0);
	assert_true(ts_ea_mcv(s, 1, 8) < 0);
	assert_true(ts_ea_markov(s, 1) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nist_vectors),
		cmocka_unit_test(test_uniform_bytes),
		cmocka_unit_test(test_known_mcv),
		cmocka_unit_test(test_periodic),
		cmocka_unit_test(test_constant),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_tuple_against_naive),
		cmocka_unit_test(test_lag_against_naive),
		cmocka_unit_test(test_startup),
		cmocka_unit_test(test_short_inputs),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
