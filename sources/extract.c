// SPDX-License-Identifier: Apache-2.0
/*
 * openentropy's two byte extractors (extract.h), for the
 * openentropy-compatible view of a sample stream. They shape bytes; they
 * add no entropy, and nothing here is credited.
 */
#include "timingseed/extract.h"

/*
 * d[i] = t[i+1] - t[i] (wrapping), x[i] = d[i] ^ d[i+1], each x[i] folded
 * to one byte by XOR of its eight bytes.
 */
size_t ts_extract_timing_entropy(const uint64_t *t, size_t nt, uint8_t *out, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i + 2 < nt && k < n; i++) {
		uint64_t x = (t[i + 1] - t[i]) ^ (t[i + 2] - t[i + 1]);
		uint8_t b = 0;
		int j;

		for (j = 0; j < 8; j++)
			b ^= (uint8_t)(x >> (8 * j));
		out[k++] = b;
	}
	return k;
}

/*
 * Same differences; for each non-overlapping pair (d[2k], d[2k+1]) drop
 * equal pairs, else emit 1 if d[2k] < d[2k+1]. Bits packed MSB first; a
 * trailing partial byte is not emitted.
 */
size_t ts_extract_timing_entropy_debiased(const uint64_t *t, size_t nt, uint8_t *out, size_t n)
{
	size_t i, k = 0;
	unsigned int nbits = 0;
	uint8_t acc = 0;

	for (i = 0; i + 2 < nt && k < n; i += 2) {
		uint64_t d0 = t[i + 1] - t[i], d1 = t[i + 2] - t[i + 1];

		if (d0 == d1)
			continue;
		acc = (uint8_t)(acc << 1) | (d0 < d1);
		if (++nbits == 8) {
			out[k++] = acc;
			acc = 0;
			nbits = 0;
		}
	}
	return k;
}
