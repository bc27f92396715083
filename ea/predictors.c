// SPDX-License-Identifier: Apache-2.0
/*
 * SP 800-90B 6.3.7 MultiMCW and 6.3.8 Lag prediction estimates, as
 * ea_non_iid computes them (its tie rules and scoreboard order included):
 * each runs a few predictors side by side, predicts every symbol with the
 * one that has been right most often so far, and turns the count of right
 * guesses and the longest run of them into a min-entropy bound
 * (ts_ea_predictor_h, bound.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "timingseed/ea.h"

#define NWIN 4

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
 * The lag scoreboard, bit-sliced. Lane L of 128 stands for lag 128 - L
 * (the symbol s[i - 128 + L] when s[i] is predicted), so a step's lanes
 * are the window before s[i] in memory order. Bit b of every lane's score
 * is one 128-bit plane (lane L in bit L % 64 of word L / 64): a step adds
 * its whole match mask to the 128 scores in a few word operations, where
 * a loop over the scores makes one increment per matching lag. Data of
 * few symbols matches at almost every lag (vdso_clock's startup test).
 *
 * ea_non_iid visits the matching lags nearest first, and each whose new
 * score reaches the best so far (high; the winner always holds it) becomes
 * the winner. With every score at most high, the scores a step reaches are
 * at most high + 1, so the step ends with: the farthest matching lag at
 * high + 1 if there is one (high grows), else the farthest matching lag at
 * high, else the winner as it was. The farthest lag is the lowest lane.
 * That is what update() computes.
 */
struct board {
	uint64_t plane[64][2];
	unsigned nplanes; /* every score is below 2^nplanes */
	uint64_t high;
	unsigned winner; /* the winner's lane */
};

static unsigned lowest(uint64_t e0, uint64_t e1)
{
	return e0 != 0 ? (unsigned)__builtin_ctzll(e0) : 64u + (unsigned)__builtin_ctzll(e1);
}

/* Bit p of v as a mask: all ones when set. */
static uint64_t bit_mask(uint64_t v, unsigned p)
{
	return (uint64_t)0 - (v >> p & 1);
}

/*
 * One step: add 1 to the score of every lane in m, then the winner. The
 * lanes of m at high + 1 and at high are found in one pass over the
 * planes (a lane is at v when every plane holds v's bit there).
 */
static void update(struct board *b, const uint64_t m[2])
{
	uint64_t c0 = m[0], c1 = m[1], up = b->high + 1, at = b->high;
	uint64_t u0 = m[0], u1 = m[1], a0 = m[0], a1 = m[1];
	unsigned p;

	if ((c0 | c1) == 0)
		return;
	for (p = 0; p < b->nplanes; p++) {
		uint64_t t0 = b->plane[p][0] & c0, t1 = b->plane[p][1] & c1;

		b->plane[p][0] ^= c0;
		b->plane[p][1] ^= c1;
		c0 = t0;
		c1 = t1;
	}
	if ((c0 | c1) != 0 && b->nplanes < 64) { /* a score reached 2^nplanes */
		b->plane[b->nplanes][0] = c0;
		b->plane[b->nplanes][1] = c1;
		b->nplanes++;
	}
	if (b->nplanes < 64 && up >> b->nplanes != 0)
		u0 = u1 = 0;
	for (p = 0; p < b->nplanes; p++) {
		uint64_t x0 = b->plane[p][0], x1 = b->plane[p][1];
		uint64_t fu = ~bit_mask(up, p), fa = ~bit_mask(at, p);

		u0 &= x0 ^ fu;
		u1 &= x1 ^ fu;
		a0 &= x0 ^ fa;
		a1 &= x1 ^ fa;
	}
	if ((u0 | u1) != 0) {
		b->high = up;
		b->winner = lowest(u0, u1);
	} else if ((a0 | a1) != 0) {
		b->winner = lowest(a0, a1);
	}
}

/*
 * m: bit L is w[L] == y, for the 128 bytes at w: 16 bytes a compare with
 * SSE2 (every x86-64 has it), else 8 at a time in a word.
 */
#ifdef __SSE2__
static void matches(const uint8_t *w, uint8_t y, uint64_t m[2])
{
	const __m128i ys = _mm_set1_epi8((char)y);
	unsigned q;

	for (q = 0; q < 2; q++, w += 64) {
		uint64_t b0 = (uint16_t)_mm_movemask_epi8(
			_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)w), ys));
		uint64_t b1 = (uint16_t)_mm_movemask_epi8(
			_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(w + 16)), ys));
		uint64_t b2 = (uint16_t)_mm_movemask_epi8(
			_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(w + 32)), ys));
		uint64_t b3 = (uint16_t)_mm_movemask_epi8(
			_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(w + 48)), ys));

		m[q] = b0 | b1 << 16 | b2 << 32 | b3 << 48;
	}
}
#else
/* Bit j of the result: byte j of x (in memory order) is zero; exact, as no carry crosses a byte. */
static unsigned zero_bytes(uint64_t x)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7fULL;
	uint64_t z;

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	z = ~(((x & lo7) + lo7) | x | lo7) >> 7; /* bit 8j: byte j is 0 */
	return (unsigned)((z * 0x0102040810204080ULL) >> 56);
}

static void matches(const uint8_t *w, uint8_t y, uint64_t m[2])
{
	const uint64_t ys = 0x0101010101010101ULL * y;
	uint64_t lo = 0, hi = 0, x;
	unsigned q;

	for (q = 0; q < 8; q++) {
		memcpy(&x, w + 8 * q, sizeof(x));
		lo |= (uint64_t)zero_bytes(x ^ ys) << (8 * q);
		memcpy(&x, w + 64 + 8 * q, sizeof(x));
		hi |= (uint64_t)zero_bytes(x ^ ys) << (8 * q);
	}
	m[0] = lo;
	m[1] = hi;
}
#endif

/* Only lags that reach back to s[0]: lanes L >= 128 - i. */
static void valid(uint64_t m[2], size_t i)
{
	if (i <= 64) {
		m[0] = 0;
		m[1] &= ~(uint64_t)0 << (64 - i);
	} else if (i < 128) {
		m[0] &= ~(uint64_t)0 << (128 - i);
	}
}

/*
 * 128 lag predictors (the symbol d back, d = 1..128), ea_non_iid's
 * 6.3.8. On a bit string the window is the last 128 bits, kept in two
 * words, and the matching lanes are those bits or their complement; on
 * k-bit symbols the window is compared in memory (the first 128 steps
 * read a zero-padded copy, the padding masked off).
 */
double ts_ea_lag(const uint8_t *s, size_t n, unsigned k)
{
	uint64_t c = 0, run = 0, maxrun = 0, m[2], h[2] = {0, 0};
	uint8_t head[256] = {0};
	struct board b;
	size_t i;

	if (k < 1 || k > 8 || n < 3)
		return -1;
	memset(&b, 0, sizeof(b));
	b.winner = 127;
	memcpy(head + 128, s, n < 128 ? n : 128);
	h[1] = (uint64_t)(s[0] & 1) << 63; /* lane L: bit of s[i - 128 + L] */
	for (i = 1; i < n; i++) {
		uint8_t y = k == 1 ? s[i] & 1 : s[i];
		bool hit = k == 1 ? ((h[b.winner / 64] >> (b.winner % 64)) & 1) == y
				  : s[i + b.winner - 128] == y;

		if (hit) {
			c++;
			if (++run > maxrun)
				maxrun = run;
		} else {
			run = 0;
		}
		if (k == 1) {
			m[0] = y ? h[0] : ~h[0];
			m[1] = y ? h[1] : ~h[1];
			h[0] = h[0] >> 1 | h[1] << 63;
			h[1] = h[1] >> 1 | (uint64_t)y << 63;
		} else {
			matches(i < 128 ? head + i : s + i - 128, y, m);
		}
		valid(m, i);
		update(&b, m);
	}
	return ts_ea_predictor_h(c, n - 1, maxrun, ts_ea_distinct(s, n));
}
