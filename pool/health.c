// SPDX-License-Identifier: Apache-2.0
/*
 * SP 800-90B 4.4 health tests.
 *
 * Repetition Count Test (4.4.1). A run of C identical symbols has
 * probability at most 2^(-H (C-1)) for a source of min-entropy H, so
 * C = 1 + ceil(-log2(alpha) / H) bounds false alarms by alpha.
 *
 * Adaptive Proportion Test (4.4.2). Take the first symbol of a window of
 * W = 512 symbols (W = 1024 only for binary sources) and count how often
 * it appears in the window, itself included. For a source of min-entropy
 * H no symbol has probability above p = 2^-H; the reference is there by
 * construction, so the count is 1 + Binomial(W - 1, p) (SP 800-90B
 * comment 10b, as jitterentropy-library computes it), and a count of
 * C = 1 + CRITBINOM(W - 1, p, 1 - alpha) + 1 fails the test.
 *
 * Each test has a second cutoff at alpha 2^-60 that marks the source
 * broken (docs/health.md has the policy and its figures).
 */
/* macOS's math.h declares lgamma_r only for _REENTRANT (glibc: always). */
#if defined(__APPLE__) && !defined(_REENTRANT)
#define _REENTRANT 1
#endif
#include <math.h>

#include "health.h"
#include "timingseed/pool.h"
#include "timingseed/source.h"

unsigned int ts_rct_cutoff(double h, unsigned int alpha_log2)
{
	double c;

	if (h <= 0)
		return UINT32_MAX;
	c = 1.0 + ceil((double)alpha_log2 / h);
	return c > UINT32_MAX ? UINT32_MAX : (unsigned int)c;
}

/*
 * log of the Binomial(n, p) probability mass at k. lgamma_r, not lgamma:
 * lgamma writes the global signgam, a data race when two pools set up
 * health tests in two threads at once.
 */
static double log_pmf(unsigned int n, unsigned int k, double p)
{
	int sign;
	double lc =
		lgamma_r(n + 1.0, &sign) - lgamma_r(k + 1.0, &sign) - lgamma_r(n - k + 1.0, &sign);

	if (p >= 1.0)
		return k == n ? 0.0 : -INFINITY;
	return lc + k * log(p) + (n - k) * log1p(-p);
}

unsigned int ts_apt_cutoff(double h, unsigned int window, unsigned int alpha_log2)
{
	double p = exp2(-h), alpha = exp2(-(double)alpha_log2), tail = 0.0;
	unsigned int c;

	if (h <= 0 || window < 2)
		return window + 1;
	/* X ~ Binomial(W - 1, p): sum its upper tail from the top until it
	 * would pass alpha; c + 1 is then the smallest count with
	 * P(X >= c + 1) <= alpha, and the cutoff 1 + (c + 1) counts the
	 * reference too. */
	for (c = window - 1; c >= 1; c--) {
		double next = tail + exp(log_pmf(window - 1, c, p));

		if (next > alpha)
			return c + 2;
		tail = next;
	}
	return 2;
}

void ts_health_set_h(struct ts_health *t, double h)
{
	t->rct_cutoff = ts_rct_cutoff(h, TS_HEALTH_ALPHA_LOG2);
	t->apt_cutoff = ts_apt_cutoff(h, TS_APT_WINDOW, TS_HEALTH_ALPHA_LOG2);
	t->rct_cutoff_perm = ts_rct_cutoff(h, TS_HEALTH_PERM_LOG2);
	t->apt_cutoff_perm = ts_apt_cutoff(h, TS_APT_WINDOW, TS_HEALTH_PERM_LOG2);
}

void ts_health_init(struct ts_health *t, double h)
{
	ts_health_set_h(t, h);
	t->perm = TS_HEALTH_OK;
	t->rct_run = 0;
	t->rct_count = 0;
	t->rct_last = -1;
	t->apt_count = 0;
	t->apt_seen = 0;
	t->apt_ref = 0;
}

void ts_health_retest(struct ts_health *t)
{
	t->rct_count = 0;
	t->apt_seen = 0;
}

static void fail(enum ts_health_result *first, size_t *at, enum ts_health_result r, size_t i)
{
	if (*first != TS_HEALTH_OK)
		return;
	*first = r;
	if (at)
		*at = i;
}

enum ts_health_result ts_health_feed(struct ts_health *t, const uint64_t *s, size_t n, size_t *at)
{
	enum ts_health_result first = TS_HEALTH_OK;
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t x = ts_symbol(s[i]);

		if ((int)x == t->rct_last) {
			if (t->rct_count < UINT32_MAX)
				t->rct_count++;
			if (t->rct_run < UINT32_MAX)
				t->rct_run++;
			if (t->rct_count >= t->rct_cutoff)
				fail(&first, at, TS_HEALTH_RCT, i);
			if (t->rct_run >= t->rct_cutoff_perm && t->perm == TS_HEALTH_OK)
				t->perm = TS_HEALTH_RCT;
		} else {
			t->rct_last = x;
			t->rct_count = 1;
			t->rct_run = 1;
		}

		if (t->apt_seen == 0) {
			t->apt_ref = x;
			t->apt_count = 1;
		} else if (x == t->apt_ref) {
			t->apt_count++;
			if (t->apt_count >= t->apt_cutoff)
				fail(&first, at, TS_HEALTH_APT, i);
			if (t->apt_count >= t->apt_cutoff_perm && t->perm == TS_HEALTH_OK)
				t->perm = TS_HEALTH_APT;
		}
		if (++t->apt_seen == TS_APT_WINDOW)
			t->apt_seen = 0;
	}
	return first;
}

const char *ts_health_name(enum ts_health_result r)
{
	switch (r) {
	case TS_HEALTH_RCT:
		return "repetition count test";
	case TS_HEALTH_APT:
		return "adaptive proportion test";
	default:
		return "no failure";
	}
}

/* From ts_health_set_h, so the figures shown are the cutoffs in force. */
void ts_health_cutoffs(double h, struct ts_health_cutoffs *c)
{
	struct ts_health t;

	ts_health_set_h(&t, h);
	c->rct = t.rct_cutoff;
	c->apt = t.apt_cutoff;
	c->rct_perm = t.rct_cutoff_perm;
	c->apt_perm = t.apt_cutoff_perm;
	c->apt_window = TS_APT_WINDOW;
	c->alpha_log2 = TS_HEALTH_ALPHA_LOG2;
	c->perm_log2 = TS_HEALTH_PERM_LOG2;
}
