/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SP 800-90B section 4.4 continuous health tests on 8-bit symbols: the
 * Repetition Count Test and the Adaptive Proportion Test, cutoffs computed
 * from the credited min-entropy H (bits per sample) and a false-alarm
 * probability alpha.
 */
#ifndef TS_POOL_HEALTH_H
#define TS_POOL_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#define TS_HEALTH_ALPHA_LOG2 30	  /* intermittent: alpha = 2^-30, as jitterentropy */
#define TS_HEALTH_PERM_LOG2  60	  /* permanent: alpha = 2^-60, as jitterentropy */
#define TS_APT_WINDOW	     512  /* SP 800-90B 4.4.2: W for non-binary symbols */
#define TS_STARTUP_SAMPLES   1024 /* SP 800-90B 4.3 (item 12): startup testing */

enum ts_health_result {
	TS_HEALTH_OK = 0,
	TS_HEALTH_RCT = 1,
	TS_HEALTH_APT = 2,
};

/*
 * Two cutoffs per test, as jitterentropy has: a count at the intermittent
 * cutoff (alpha 2^-30) fails the chunk; one at the permanent cutoff (alpha
 * 2^-60) says the source is broken. The counts are not reset by a failure:
 * a stuck source's run goes on growing through its retests until it
 * reaches the permanent cutoff, while a chance run ends with the next
 * differing symbol.
 */
struct ts_health {
	unsigned int rct_cutoff;
	unsigned int apt_cutoff;
	unsigned int rct_cutoff_perm;
	unsigned int apt_cutoff_perm;
	enum ts_health_result perm; /* OK, or the test that reached its permanent cutoff */
	unsigned int rct_count;	    /* run length since the last (re)test began */
	unsigned int rct_run;	    /* the whole run, retests or not: for rct_cutoff_perm */
	unsigned int apt_count;
	unsigned int apt_seen; /* symbols of the current window seen */
	int rct_last;	       /* -1 before the first sample */
	uint8_t apt_ref;
};

/* RCT cutoff: C = 1 + ceil(log2(1/alpha) / H). */
unsigned int ts_rct_cutoff(double h, unsigned int alpha_log2);

/*
 * APT cutoff, exact: the count B includes the window's reference sample,
 * so B = 1 + X with X ~ Binomial(W - 1, 2^-H) over the other W - 1
 * samples. C = 1 + c for the smallest c with P(X >= c) <= alpha (in R:
 * C = 2 + qbinom(1 - alpha, W - 1, 2^-H), as jitterentropy-library
 * computes its tables). W + 1 when even a whole window of one symbol is
 * not that unlikely (H below about 0.06 at alpha 2^-30): the APT can then
 * never fail and the RCT is the guard.
 */
unsigned int ts_apt_cutoff(double h, unsigned int window, unsigned int alpha_log2);

/* Start both tests afresh for a source credited h bits per sample. */
void ts_health_init(struct ts_health *t, double h);

/* New cutoffs for credit h; the counts in progress go on. */
void ts_health_set_h(struct ts_health *t, double h);

/*
 * Before a retest: the intermittent counts start again (a new APT window,
 * the run counted for the intermittent RCT from the next sample), so a
 * chance run that a failure stopped does not fail the retest; the whole
 * run, for the permanent RCT, goes on.
 */
void ts_health_retest(struct ts_health *t);

/*
 * Run the tests over n samples (their ts_symbol()), all of them. Returns
 * TS_HEALTH_OK or the first test that reached its intermittent cutoff; *at
 * (if not NULL) gets the index of that sample. t->perm is set (and stays
 * set) once a count reaches a permanent cutoff.
 */
enum ts_health_result ts_health_feed(struct ts_health *t, const uint64_t *s, size_t n, size_t *at);

const char *ts_health_name(enum ts_health_result r);

#endif
