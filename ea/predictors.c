// SPDX-License-Identifier: Apache-2.0
/*
 * SP 800-90B 6.3.7 MultiMCW and 6.3.8 Lag prediction estimates, as
 * ea_non_iid computes them (its tie rules and scoreboard order included):
 * each runs a few predictors side by side, predicts every symbol with the
 * one that has been right most often so far, and turns the count of right
 * guesses and the longest run of them into a min-entropy bound
 * (ts_ea_predictor_h, bound.c).
 */
#include <stdint.h>
#include <string.h>

#include "timingseed/ea.h"

#define NWIN 4
#define DLAG 128
#define NONE SIZE_MAX

/*
 * Four most-common-in-window predictors (windows 63, 255, 1023, 4095);
 * ties go to the symbol seen last.
 */
double ts_ea_multi_mcw(const uint8_t *s, size_t n, unsigned k)
{
	static const size_t w[NWIN] = {63, 255, 1023, 4095};
	size_t cnt[NWIN][256], pos[NWIN][256], maxc[NWIN] = {0}, i, j;
	uint64_t score[NWIN] = {0}, c = 0, run = 0, maxrun = 0;
	unsigned nsym = 1u << k, winner = 0, y;
	uint8_t freq[NWIN] = {0};

	if (k < 1 || k > 8 || n < w[NWIN - 1] + 1)
		return -1;
	memset(cnt, 0, sizeof(cnt));
	memset(pos, 0, sizeof(pos));
	for (i = 0; i < w[NWIN - 1]; i++) {
		for (j = 0; j < NWIN; j++) {
			if (i >= w[j])
				continue;
			if (maxc[j] <= ++cnt[j][s[i]]) {
				maxc[j] = cnt[j][s[i]];
				freq[j] = s[i];
			}
			pos[j][s[i]] = i;
		}
	}
	for (i = w[0]; i < n; i++) {
		if (freq[winner] == s[i]) {
			c++;
			if (++run > maxrun)
				maxrun = run;
		} else {
			run = 0;
		}
		for (j = 0; j < NWIN; j++)
			if (i >= w[j] && freq[j] == s[i] && ++score[j] >= score[winner])
				winner = (unsigned)j;
		for (j = 0; j < NWIN; j++) {
			uint8_t out;

			if (i < w[j])
				continue;
			out = s[i - w[j]];
			cnt[j][out]--;
			cnt[j][s[i]]++;
			pos[j][s[i]] = i;
			if (out != freq[j] && maxc[j] <= cnt[j][s[i]]) {
				maxc[j] = cnt[j][s[i]];
				freq[j] = s[i];
			} else if (out == freq[j]) {
				size_t maxpos = i - w[j];

				maxc[j]--;
				for (y = 0; y < nsym; y++) {
					if (maxc[j] < cnt[j][y] ||
					    (maxc[j] == cnt[j][y] && maxpos <= pos[j][y])) {
						maxc[j] = cnt[j][y];
						freq[j] = (uint8_t)y;
						maxpos = pos[j][y];
					}
				}
			}
		}
	}
	return ts_ea_predictor_h(c, n - w[0], maxrun, ts_ea_distinct(s, n));
}

/*
 * Lag on a bit string: the lags where the new bit matches are the bits of
 * the last 128 bits (or of their complement), taken nearest first; each
 * set bit is one scoreboard increment, in the same order as above.
 */
static double lag_bits(const uint8_t *s, size_t n)
{
	uint64_t score[DLAG] = {0}, high = 0, c = 0, run = 0, maxrun = 0;
	uint64_t h[2] = {0, 0}; /* bit d of the 128: s[i - 1 - d] */
	unsigned winner = 0, half;
	size_t i;

	h[0] = s[0] & 1;
	for (i = 1; i < n; i++) {
		unsigned y = s[i] & 1;

		if (((h[winner / 64] >> (winner % 64)) & 1) == y) {
			c++;
			if (++run > maxrun)
				maxrun = run;
		} else {
			run = 0;
		}
		for (half = 0; half < 2; half++) {
			uint64_t m = y ? h[half] : ~h[half];
			size_t valid = i > 64 * half ? i - 64 * half : 0; /* lags d < i */

			if (valid < 64)
				m &= ((uint64_t)1 << valid) - 1;
			while (m != 0) {
				unsigned d = 64 * half + (unsigned)__builtin_ctzll(m);

				uint64_t sc;
				int ge;

				m &= m - 1;
				sc = ++score[d];
				ge = sc >= high; /* no branch: it would mispredict */
				winner = ge ? d : winner;
				high = ge ? sc : high;
			}
		}
		h[1] = h[1] << 1 | h[0] >> 63;
		h[0] = h[0] << 1 | y;
	}
	return ts_ea_predictor_h(c, n - 1, maxrun, ts_ea_distinct(s, n));
}

/*
 * 128 lag predictors (the symbol d back, d = 1..128). Each symbol walks
 * only the earlier positions of the same symbol within the last 128, through
 * a ring of back links: the scoreboard gets the same increments in the same
 * order (nearest first) as a loop over every lag would give it.
 */
double ts_ea_lag(const uint8_t *s, size_t n, unsigned k)
{
	size_t last[256], back[DLAG], i, j;
	uint64_t score[DLAG] = {0}, high = 0, c = 0, run = 0, maxrun = 0;
	size_t winner = 0;

	if (k < 1 || k > 8 || n < 3)
		return -1;
	if (k == 1)
		return lag_bits(s, n);
	for (i = 0; i < 256; i++)
		last[i] = NONE;
	back[0] = NONE;
	last[s[0]] = 0;
	for (i = 1; i < n; i++) {
		if (s[i] == s[i - winner - 1]) {
			c++;
			if (++run > maxrun)
				maxrun = run;
		} else {
			run = 0;
		}
		for (j = last[s[i]]; j != NONE && i - j <= DLAG; j = back[j % DLAG]) {
			size_t d = i - j - 1;

			if (++score[d] >= high) {
				winner = d;
				high = score[d];
			}
		}
		back[i % DLAG] = last[s[i]];
		last[s[i]] = i;
	}
	return ts_ea_predictor_h(c, n - 1, maxrun, ts_ea_distinct(s, n));
}
