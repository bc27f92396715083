// SPDX-License-Identifier: Apache-2.0
/*
 * SP 800-90B 6.3.2: the Collision estimate, for bit strings.
 *
 * With two symbols a collision comes after two or three bits, and the
 * expected mean collision time of the standard's one-parameter family
 * reduces to 2 + 2p(1 - p) (ea_non_iid's closed form, after Uyen Dinh):
 * the bisection of step 7 becomes the larger root of a quadratic.
 */
#include <math.h>

#include "timingseed/ea.h"

#define ZALPHA 2.5758293035489008

double ts_ea_collision(const uint8_t *b, size_t n)
{
	size_t i = 0, v = 0;
	double sum_sq = 0, x, var, sigma, p;

	while (n >= 2 && i < n - 1) {
		unsigned t;

		if (b[i] == b[i + 1])
			t = 2; /* 00 or 11 */
		else if (i < n - 2)
			t = 3; /* 01x or 10x */
		else
			break;
		v++;
		sum_sq += t * t;
		i += t;
	}
	if (v < 2)
		return -1;
	/* i is now the sum of the collision times */
	x = (double)i / (double)v;
	var = (sum_sq - (double)i * x) / (double)(v - 1);
	sigma = sqrt(var > 0 ? var : 0);
	x -= ZALPHA * sigma / sqrt((double)v);
	if (x < 2.0)
		x = 2.0; /* the smallest meaningful mean */
	if (x >= 2.5)
		return 1.0; /* no root: p = 1/2 */
	p = 0.5 + sqrt(1.25 - 0.5 * x);
	return p >= 1.0 ? 0.0 : -log2(p);
}
