// SPDX-License-Identifier: Apache-2.0
/*
 * SP 800-90B 6.3.3: the Markov estimate, for bit strings. The most likely
 * 128-bit sequence of a first-order chain fitted to the data is one of six
 * (all zeros, all ones, alternating either way, one bit then the other
 * repeated); its probability bounds the min-entropy per bit.
 */
#include <math.h>

#include "timingseed/ea.h"

double ts_ea_markov(const uint8_t *b, size_t n)
{
	size_t i, c0 = 0, c1, c00 = 0, c10 = 0;
	double p0, p1, p00 = 0, p01 = 0, p10 = 0, p11 = 0, h = 128.0;

	if (n < 2)
		return -1;
	for (i = 0; i < n - 1; i++) {
		if (b[i] == 0) {
			c0++;
			if (b[i + 1] == 0)
				c00++;
		} else if (b[i + 1] == 0) {
			c10++;
		}
	}
	c1 = n - 1 - c0; /* ones among b[0..n-2] */
	if (c0 > 0) {
		p00 = (double)c00 / (double)c0;
		p01 = 1.0 - p00;
	}
	if (c1 > 0) {
		p10 = (double)c10 / (double)c1;
		p11 = 1.0 - p10;
	}
	if (b[n - 1] == 0)
		c0++;
	p0 = (double)c0 / (double)n;
	p1 = 1.0 - p0;

	/* -log2 of each candidate's probability; P_xy > 0 implies P_x > 0 */
	if (p00 > 0)
		h = fmin(h, -log2(p0) - 127.0 * log2(p00));
	if (p01 > 0 && p10 > 0) {
		h = fmin(h, -log2(p0) - 64.0 * log2(p01) - 63.0 * log2(p10));
		h = fmin(h, -log2(p1) - 64.0 * log2(p10) - 63.0 * log2(p01));
	}
	if (p01 > 0 && p11 > 0)
		h = fmin(h, -log2(p0) - log2(p01) - 126.0 * log2(p11));
	if (p10 > 0 && p00 > 0)
		h = fmin(h, -log2(p1) - log2(p10) - 126.0 * log2(p00));
	if (p11 > 0)
		h = fmin(h, -log2(p1) - 127.0 * log2(p11));
	return fmin(h / 128.0, 1.0) + 0.0; /* + 0.0: never -0 */
}
