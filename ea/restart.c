// SPDX-License-Identifier: Apache-2.0
/*
 * SP 800-90B (January 2018) section 3.1.4, the restart tests; restart.h
 * says what is computed.
 *
 * 3.1.4.1: R restarts of C samples make an R x C matrix; the row dataset
 * is the matrix read row by row (each restart's samples in order), the
 * column dataset read column by column (sample j of every restart, then
 * sample j + 1). 3.1.4.3, the sanity check: with alpha = 0.01 / (R + C),
 * a source of min-entropy H_I has no value of probability above
 * p = 2^-H_I, so a value's count in a row is at most Binomial(C, p); the
 * check fails when any row's (column's) most common value count exceeds U,
 * the smallest count a Binomial(C, p) (Binomial(R, p)) exceeds with
 * probability at most alpha (the standard's CRITBINOM(C, p, 1 - alpha)).
 * 3.1.4.2, the validation: the non-IID estimates H_r and H_c of the two
 * datasets must both be at least H_I / 2.
 *
 * Where this differs from NIST's ea_restart (1.1.x): ea_restart runs the
 * estimators on the symbols only; here each dataset gets the whole
 * ts_ea_assess() (the bit string too, as the initial estimate has it), a
 * minimum that is never higher. ea_restart's current sanity cutoff is
 * simulated (a worst-case distribution over the alphabet, alpha =
 * 1 - 0.99^(1/(R + C))); this is the standard's binomial cutoff.
 */
/* macOS's math.h declares lgamma_r only for _REENTRANT (glibc: always). */
#if defined(__APPLE__) && !defined(_REENTRANT)
#define _REENTRANT 1
#endif
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timingseed/ea.h"
#include "timingseed/restart.h"

/* log(exp(a) + exp(b)), with -INFINITY as log 0. */
static double log_add(double a, double b)
{
	double hi = fmax(a, b), lo = fmin(a, b);

	if (hi == -INFINITY)
		return -INFINITY;
	return hi + log1p(exp(lo - hi));
}

/*
 * Log space throughout: at n = 10^6 the pmf's terms are far below the
 * smallest double (p^n) and the binomial coefficients far above the
 * largest. The pmf is computed with lgamma once, at the mode, and walked
 * from there by its ratio pmf(k + 1) / pmf(k) = (n - k) p / ((k + 1) q):
 * up until the terms cannot matter next to alpha, then down, summing the
 * upper tail, until the tail passes alpha. lgamma_r, not lgamma: lgamma
 * writes the global signgam.
 */
uint32_t ts_ea_binomial_cutoff(uint32_t n, double p, double alpha)
{
	double lp_up, lp, tail = -INFINITY, la;
	uint32_t mode, k;
	int sign;

	if (!(p > 0) || !(alpha < 1))
		return 0; /* X = 0 always, or any U will do */
	if (p >= 1)
		return n; /* X = n always: P(X > n - 1) = 1 */
	la = log(alpha);
	lp_up = log(p) - log1p(-p);
	mode = (uint32_t)fmin((double)n, floor(((double)n + 1) * p));
	lp = lgamma_r(n + 1.0, &sign) - lgamma_r(mode + 1.0, &sign) -
	     lgamma_r((double)(n - mode) + 1.0, &sign) + mode * log(p) + (n - mode) * log1p(-p);
	/*
	 * Up from the mode, where the pmf only decreases, to the first k
	 * whose term is below alpha e^-40: the terms beyond it sum to less
	 * than alpha * 1e-17 (they shrink at least geometrically there).
	 */
	for (k = mode; k < n && lp > la - 40; k++)
		lp += log((double)(n - k)) - log((double)k + 1) + lp_up;
	/* Down: tail is log P(X > k - 1) once pmf(k) is added. */
	for (;;) {
		tail = log_add(tail, lp); /* now P(X >= k) = P(X > k - 1) */
		if (tail > la)
			return k; /* P(X > k - 1) > alpha, P(X > k) <= alpha */
		if (k == 0)
			return 0;
		lp += log((double)k) - log((double)(n - k) + 1) - lp_up;
		k--;
	}
}

/* The largest count of one value in s[0..n). */
static uint32_t mcv_count(const uint8_t *s, size_t n)
{
	uint32_t count[256] = {0}, max = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (++count[s[i]] > max)
			max = count[s[i]];
	return max;
}

struct prefixed {
	const char *prefix;
	void (*progress)(const char *name, void *arg);
	void *arg;
};

static void on_estimator(const char *name, void *arg)
{
	const struct prefixed *p = arg;
	char full[64];

	snprintf(full, sizeof(full), "%s%s", p->prefix, name);
	p->progress(full, p->arg);
}

static int assess(const uint8_t *s, size_t n, unsigned bits, const char *prefix,
		  void (*progress)(const char *name, void *arg), void *arg, double *h)
{
	struct prefixed pre = {prefix, progress, arg};
	struct ts_ea_report rep;

	if (ts_ea_assess_progress(s, n, bits, &rep, progress ? on_estimator : NULL, &pre) != 0)
		return -1;
	*h = rep.min;
	return 0;
}

int ts_ea_restart(const uint8_t *m, size_t rows, size_t columns, unsigned bits, double h_initial,
		  struct ts_ea_restart *r, uint32_t *row_mcv, uint32_t *column_mcv,
		  void (*progress)(const char *name, void *arg), void *arg)
{
	return ts_ea_restart_rows_known(m, rows, columns, bits, h_initial, NULL, r, row_mcv,
					column_mcv, progress, arg);
}

int ts_ea_restart_rows_known(const uint8_t *m, size_t rows, size_t columns, unsigned bits,
			     double h_initial, const struct ts_ea_report *rows_done,
			     struct ts_ea_restart *r, uint32_t *row_mcv, uint32_t *column_mcv,
			     void (*progress)(const char *name, void *arg), void *arg)
{
	double p;
	uint8_t *t, or = 0;
	size_t i, j, n;
	unsigned width = 0;
	bool known;

	memset(r, 0, sizeof(*r));
	/* ts_ea_assess() takes n * bits below 2^31: rows and columns then fit in 32 bits. */
	if (rows < 2 || columns < 2 || rows > (size_t)INT32_MAX / 8 / columns || bits > 8 ||
	    !(h_initial > 0 && h_initial <= 8)) {
		errno = EINVAL;
		return -1;
	}
	n = rows * columns;
	for (i = 0; i < n; i++)
		or |= m[i];
	while (width < 8 && (or >> width) != 0)
		width++;
	if (bits == 0)
		bits = width ? width : 1; /* once for both datasets, as ts_ea_assess infers it */
	if (width > bits || h_initial > bits) {
		errno = EINVAL;
		return -1;
	}
	t = malloc(n);
	if (t == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < rows; i++)
		for (j = 0; j < columns; j++)
			t[j * rows + i] = m[i * columns + j];

	r->rows = rows;
	r->columns = columns;
	r->bits = bits;
	r->h_initial = h_initial;
	r->alpha = 0.01 / (double)(rows + columns);
	p = exp2(-h_initial);
	r->cutoff_rows = ts_ea_binomial_cutoff((uint32_t)columns, p, r->alpha);
	r->cutoff_columns = ts_ea_binomial_cutoff((uint32_t)rows, p, r->alpha);
	for (i = 0; i < rows; i++) {
		uint32_t c = mcv_count(m + i * columns, columns);

		if (row_mcv != NULL)
			row_mcv[i] = c;
		if (c > r->max_row)
			r->max_row = c;
	}
	for (j = 0; j < columns; j++) {
		uint32_t c = mcv_count(t + j * rows, rows);

		if (column_mcv != NULL)
			column_mcv[j] = c;
		if (c > r->max_column)
			r->max_column = c;
	}
	r->sanity = r->max_row <= r->cutoff_rows && r->max_column <= r->cutoff_columns;

	/* The row dataset is m itself: an assessment of it at these bits stands. */
	known = rows_done != NULL && rows_done->bits == bits && rows_done->samples == n;
	if (known)
		r->h_rows = rows_done->min;
	if ((!known && assess(m, n, bits, "rows.", progress, arg, &r->h_rows) != 0) ||
	    assess(t, n, bits, "columns.", progress, arg, &r->h_columns) != 0) {
		int err = errno;

		free(t);
		memset(r, 0, sizeof(*r));
		errno = err;
		return -1;
	}
	free(t);
	r->pass = r->sanity && fmin(r->h_rows, r->h_columns) >= h_initial / 2;
	return 0;
}
