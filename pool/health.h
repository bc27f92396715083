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

#define TS_HEALTH_ALPHA_LOG2 30	  /* alpha = 2^-30, as jitterentropy */
#define TS_APT_WINDOW	     512  /* SP 800-90B 4.4.2: W for non-binary symbols */
#define TS_STARTUP_SAMPLES   1024 /* SP 800-90B 4.3 (item 12): startup testing */

enum ts_health_result {
	TS_HEALTH_OK = 0,
	TS_HEALTH_RCT = 1,
	TS_HEALTH_APT = 2,
};

struct ts_health {
	unsigned int rct_cutoff;
	unsigned int apt_cutoff;
	unsigned int rct_count;
	unsigned int apt_count;
	unsigned int apt_seen; /* symbols of the current window seen */
	int rct_last;	       /* -1 before the first sample */
	uint8_t apt_ref;
};

/* RCT cutoff: C = 1 + ceil(log2(1/alpha) / H). */
unsigned int ts_rct_cutoff(double h, unsigned int alpha_log2);

/*
 * APT cutoff: C = 1 + CRITBINOM(W, 2^-H, 1 - alpha), the smallest c with
 * P(X >= c) <= alpha for X ~ Binomial(W, 2^-H). May exceed W when H is so
 * small that no count in a window is surprising; the test can then never
 * fail and the RCT is the only guard.
 */
unsigned int ts_apt_cutoff(double h, unsigned int window, unsigned int alpha_log2);

/* Start both tests afresh for a source credited h bits per sample. */
void ts_health_init(struct ts_health *t, double h);

/*
 * Run the tests over n samples (their ts_symbol()). Returns TS_HEALTH_OK
 * or the first test that failed; *at (if not NULL) gets the index of the
 * failing sample.
 */
enum ts_health_result ts_health_feed(struct ts_health *t, const uint64_t *s, size_t n, size_t *at);

const char *ts_health_name(enum ts_health_result r);

#endif
