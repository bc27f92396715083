// SPDX-License-Identifier: Apache-2.0
/* Placeholder: Most Common Value (SP 800-90B 6.3.1) only. */
#include <math.h>

#include "timingseed/ea.h"

double ts_ea_startup(const uint8_t *sym, size_t n)
{
	size_t count[256] = {0}, i, max = 0;
	double p, pu;

	if (n < 2)
		return 0;
	for (i = 0; i < n; i++)
		if (++count[sym[i]] > max)
			max = count[sym[i]];
	p = (double)max / n;
	pu = p + 2.576 * sqrt(p * (1 - p) / (n - 1));
	return pu >= 1 ? 0 : -log2(pu);
}
