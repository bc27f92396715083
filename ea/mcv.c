// SPDX-License-Identifier: Apache-2.0
/* SP 800-90B 6.3.1: the Most Common Value estimate. */
#include <math.h>

#include "timingseed/ea.h"

#define ZALPHA 2.5758293035489008 /* the 99.5% point of the standard normal */

double ts_ea_mcv(const uint8_t *s, size_t n, unsigned k)
{
	size_t count[256] = {0}, mode = 0, i;
	unsigned mask = (1u << k) - 1;
	double p, pu;

	if (n < 2 || k < 1 || k > 8)
		return -1;
	for (i = 0; i < n; i++) {
		size_t c = ++count[s[i] & mask];

		if (c > mode)
			mode = c;
	}
	p = (double)mode / (double)n;
	pu = p + ZALPHA * sqrt(p * (1.0 - p) / ((double)n - 1.0));
	return pu >= 1.0 ? 0.0 : -log2(pu);
}
