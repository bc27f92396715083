// SPDX-License-Identifier: Apache-2.0
/*
 * Numerics the estimators share: NIST's guarded bisection (compression
 * estimate step 7, the predictors' P_local) and the predictors' final
 * steps (SP 800-90B 6.3.7 steps 5 to 9, and the same in 6.3.8 to 6.3.10).
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "timingseed/ea.h"

#define ZALPHA	2.5758293035489008
#define ITERMAX 1076 /* enough bisections to walk every double in [0, 1] */

static int in_open(double x, double a, double b)
{
	return a > b ? x > b && x < a : x > a && x < b;
}

static int in_closed(double x, double a, double b)
{
	return a > b ? x >= b && x <= a : x >= a && x <= b;
}

/*
 * "Equal" for the bisection's stopping rule: relatively within one
 * DBL_EPSILON, or at most 4 ULPs apart, or (where relative closeness means
 * nothing, near 0 or across infinities) absolutely within DBL_MIN. This is
 * ea_non_iid's relEpsilonEqual(A, B, DBL_MIN, DBL_EPSILON, 4).
 */
static int close_enough(double a, double b)
{
	double diff, absa = fabs(a), absb = fabs(b);
	uint64_t ia, ib;

	if (isnan(a) || isnan(b))
		return 0;
	if (a == b)
		return 1;
	if (isinf(a) || isinf(b))
		return 0;
	if (absa > absb) {
		double t = a;

		a = b;
		b = t;
		t = absa;
		absa = absb;
		absb = t;
	}
	diff = fabs(b - a);
	if (absa < DBL_MIN || diff < DBL_MIN || isinf(diff) || absb * DBL_EPSILON < DBL_MIN)
		return diff <= DBL_MIN;
	if (diff <= absb * DBL_EPSILON)
		return 1;
	if (signbit(a) != signbit(b))
		return 0;
	memcpy(&ia, &absa, sizeof(ia));
	memcpy(&ib, &absb, sizeof(ib));
	return ib - ia <= 4;
}

double ts_ea_search_p(double (*f)(double p, const void *arg), const void *arg, double target,
		      double lo, double hi, double fail)
{
	double lbound = lo, hbound = hi, lvalue = INFINITY, hvalue = -INFINITY;
	double p = (lbound + hbound) / 2.0, pval = f(p, arg), lastp;
	int j;

	for (j = 0; j < ITERMAX; j++) {
		if (close_enough(pval, target))
			break;
		if (target < pval) { /* f decreases: the root lies above p */
			lbound = p;
			lvalue = pval;
		} else {
			hbound = p;
			hvalue = pval;
		}
		if (lbound >= hbound) {
			p = fmin(fmax(lbound, hbound), hi);
			break;
		}
		if (!in_closed(lbound, lo, hi) || !in_closed(hbound, lo, hi) ||
		    !in_closed(target, lvalue, hvalue)) {
			p = fail;
			break;
		}
		lastp = p;
		p = (lbound + hbound) / 2.0;
		if (!in_open(p, lbound, hbound) || lastp == p) {
			p = hbound;
			break;
		}
		pval = f(p, arg);
		if (!in_closed(pval, lvalue, hvalue)) { /* not monotonic here */
			p = hbound;
			break;
		}
	}
	return p;
}

struct run_arg {
	long double r; /* longest run + 1 */
	long double n; /* predictions */
};

/*
 * log of the probability that N predictions, each right with probability
 * p, have no run of r right ones (6.3.7 step 7, with x the root of
 * 1 - x + q p^r x^(r+1) found by fixed-point iteration).
 */
static double log_no_run(double pd, const void *arg)
{
	const struct run_arg *a = arg;
	long double p = pd, q = 1.0L - p, x = 1.0L, xlast = 0.0L;
	long double qpr = q * powl(p, a->r); /* ea_non_iid's first product, hoisted */
	int i;

	for (i = 0; i <= 65 && x - xlast > LDBL_EPSILON * x; i++) {
		xlast = x;
		x = 1.0L + qpr * powl(x, a->r + 1.0L);
	}
	return (double)(logl(1.0L - p * x) - logl((a->r + 1.0L - a->r * x) * q) -
			(a->n + 1.0L) * logl(x));
}

/* Distinct symbols of s: the alphabet size k the predictors' bound uses. */
unsigned ts_ea_distinct(const uint8_t *s, size_t n)
{
	uint8_t seen[256] = {0};
	unsigned d = 0;
	size_t i;

	for (i = 0; i < n && d < 256; i++)
		if (!seen[s[i]]) {
			seen[s[i]] = 1;
			d++;
		}
	return d;
}

double ts_ea_predictor_h(uint64_t c, uint64_t n, uint64_t r, unsigned k)
{
	struct run_arg arg = {(long double)r + 1.0L, (long double)n};
	double pmax = 1.0 / k, pg, pgp;

	if (n < 2 || k < 1)
		return -1;
	pg = (double)c / (double)n;
	if (pg > 0)
		pgp = fmin(1.0, pg + ZALPHA * sqrt(pg * (1.0 - pg) / ((double)n - 1.0)));
	else
		pgp = 1.0 - pow(0.01, 1.0 / (double)n);
	pmax = fmax(pmax, pgp);
	if (pmax < 1.0 && log_no_run(pmax, &arg) > log(0.99))
		pmax = fmax(pmax, ts_ea_search_p(log_no_run, &arg, log(0.99), pmax, 1.0, 1.0));
	return pmax >= 1.0 ? 0.0 : -log2(pmax);
}
