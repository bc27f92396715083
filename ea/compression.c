// SPDX-License-Identifier: Apache-2.0
/*
 * SP 800-90B 6.3.4: the Compression estimate, for bit strings. The bits
 * are cut into 6-bit blocks; the first 1000 fill a dictionary, and the
 * mean log2 distance back to each later block's previous occurrence (a
 * Maurer-style universal statistic) is matched, by bisection, to its
 * expected value under the standard's near-uniform family of distributions.
 *
 * The expected value (step 7's G function) is computed as ea_non_iid does:
 * the terms of the double sum are built from one another (UL's method) with
 * Kahan summation, long double terms, and a stop where a term underflows.
 * The log2(i) it needs are tabulated once per call instead of being
 * recomputed by every bisection step; the values are the same.
 */
#include <math.h>
#include <stdlib.h>

#include "timingseed/ea.h"

#define ZALPHA 2.5758293035489008
#define B      6    /* bits per block */
#define D      1000 /* dictionary blocks */
#define NSYM   (1 << B)

struct comp {
	long nb;	       /* blocks */
	const long double *lg; /* lg[i] = log2(i) */
};

static void kahan_add(double *sum, double *comp, double in)
{
	double y = in - *comp, t = *sum + y;

	*comp = (t - *sum) - y;
	*sum = t;
}

static double g(double z, const struct comp *c)
{
	double ai = 0, ai_c = 0, first = 0, first_c = 0, ad1;
	long double bterm = 1.0L - (long double)z, bi = bterm, a;
	long i, v = c->nb - D;
	int truncated = 0;

	for (i = 2; i <= D; i++) {
		kahan_add(&ai, &ai_c, (double)(c->lg[i] * bi));
		bi *= bterm;
	}
	ad1 = ai;
	for (i = D + 1; i <= c->nb - 1; i++) {
		long double scaled;

		a = c->lg[i] * bi;
		kahan_add(&ai, &ai_c, (double)a);
		scaled = (long double)(c->nb - i) * a;
		if ((double)scaled <= 0.0) {
			truncated = 1; /* every later term underflows too */
			break;
		}
		kahan_add(&first, &first_c, (double)scaled);
		bi *= bterm;
	}
	kahan_add(&first, &first_c, (double)(c->nb - D) * ad1);
	if (!truncated)
		kahan_add(&ai, &ai_c, (double)(c->lg[c->nb] * bi));
	return 1.0 / (double)v * z * (z * first + (ai - ad1));
}

/* Expected statistic when one block value has probability p. */
static double expected(double p, const void *arg)
{
	double q = (1.0 - p) / (NSYM - 1.0);

	return g(p, arg) + (NSYM - 1.0) * g(q, arg);
}

static unsigned block_at(const uint8_t *b, long i)
{
	unsigned v = 0;
	int j;

	for (j = 0; j < B; j++)
		v = v << 1 | (b[i * B + j] & 1);
	return v;
}

double ts_ea_compression(const uint8_t *b, size_t n)
{
	long nb = (long)(n / B), last[NSYM] = {0}, i, v;
	double x = 0, x_c = 0, s = 0, s_c = 0, sigma, p;
	long double *lg;
	struct comp c;

	if (nb <= D)
		return -1;
	for (i = 0; i < D; i++)
		last[block_at(b, i)] = i + 1;
	v = nb - D;
	for (i = D; i < nb; i++) {
		unsigned blk = block_at(b, i);
		double l = log2((double)(i + 1 - last[blk]));

		kahan_add(&x, &x_c, l);
		kahan_add(&s, &s_c, l * l);
		last[blk] = i + 1;
	}
	x /= (double)v;
	sigma = s / (v - 1.0) - x * x;
	sigma = 0.5907 * sqrt(sigma > 0 ? sigma : 0);
	x -= ZALPHA * sigma / sqrt((double)v);

	lg = malloc((size_t)(nb + 1) * sizeof(*lg));
	if (lg == NULL)
		return -1;
	for (i = 1; i <= nb; i++)
		lg[i] = log2l((long double)i);
	c.nb = nb;
	c.lg = lg;
	p = -1;
	if (expected(1.0 / NSYM, &c) > x)
		p = ts_ea_search_p(expected, &c, x, 1.0 / NSYM, 1.0, 1.0 / NSYM);
	free(lg);
	if (p > 1.0 / NSYM)
		return p >= 1.0 ? 0.0 : -log2(p) / B;
	return 1.0; /* no p found: the lower bound, full entropy */
}
