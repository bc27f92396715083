// SPDX-License-Identifier: Apache-2.0
/*
 * SHA-256 conditioning with a fixed, documented input encoding (see
 * condition.h), so that blocks are domain-separated by counter, process and
 * source identity, and a known-answer test can recompute them.
 */
#include <math.h>
#include <string.h>

#include <openssl/crypto.h>

#include "condition.h"

static void be64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static void be32(unsigned char *p, uint32_t v)
{
	int i;

	for (i = 3; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

int ts_cond_begin(EVP_MD_CTX *ctx, const EVP_MD *sha256, uint64_t counter, uint32_t pid)
{
	unsigned char hdr[sizeof(TS_COND_TAG) + 12];

	memcpy(hdr, TS_COND_TAG, sizeof(TS_COND_TAG));
	be64(hdr + sizeof(TS_COND_TAG), counter);
	be32(hdr + sizeof(TS_COND_TAG) + 8, pid);
	return EVP_DigestInit_ex2(ctx, sha256, NULL) && EVP_DigestUpdate(ctx, hdr, sizeof(hdr));
}

int ts_cond_add(EVP_MD_CTX *ctx, const char *name, const uint64_t *s, size_t n)
{
	unsigned char head[2 + 255 + 4], buf[8 * 64];
	size_t len = strlen(name), i, k;
	int ok;

	if (len > 255 || n > UINT32_MAX)
		return 0;
	head[0] = 0x01;
	head[1] = (unsigned char)len;
	memcpy(head + 2, name, len);
	be32(head + 2 + len, (uint32_t)n);
	ok = EVP_DigestUpdate(ctx, head, 2 + len + 4);

	/* Serialise in small batches; the copy holds raw samples, so wipe it. */
	for (i = 0; ok && i < n; i += k) {
		size_t j;

		k = n - i < 64 ? n - i : 64;
		for (j = 0; j < k; j++) {
			uint64_t v = s[i + j];
			int b;

			for (b = 0; b < 8; b++, v >>= 8)
				buf[8 * j + b] = (unsigned char)v;
		}
		ok = EVP_DigestUpdate(ctx, buf, 8 * k);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return ok;
}

int ts_cond_end(EVP_MD_CTX *ctx, unsigned char out[32])
{
	unsigned int len = 0;

	return EVP_DigestFinal_ex(ctx, out, &len) && len == 32;
}

/* log2(2^x + 2^y), without overflow or underflow. */
static double log2_add(double x, double y)
{
	double hi = fmax(x, y), lo = fmin(x, y);

	return hi + log1p(exp2(lo - hi)) / M_LN2;
}

/*
 * The standard's steps, with P_low = (1 - P_high) / (2^n_in - 1) and
 * n = min(n_out, nw):
 *   psi   = 2^(n_in - n) P_low + P_high
 *   U     = 2^(n_in - n) + sqrt(2 n 2^(n_in - n) ln 2)
 *   omega = U P_low
 *   h_out = -log2(max(psi, omega))
 * Both psi and omega carry the factor (1 - P_high) 2^-n 2^n_in / (2^n_in - 1),
 * whose log2 is a below; 2^n_in itself would overflow a double.
 */
double ts_cond_output_entropy(double n_in, unsigned int n_out, unsigned int nw, double h_in)
{
	double n = n_out < nw ? n_out : nw;
	double a, lpsi, lomega;

	if (h_in <= 0 || n_in <= 0)
		return 0;
	a = -n + log1p(-exp2(-h_in)) / M_LN2 - log1p(-exp2(-n_in)) / M_LN2;
	lpsi = log2_add(a, -h_in);
	lomega = a + log1p(sqrt(2 * n * M_LN2) * exp2(-(n_in - n) / 2)) / M_LN2;
	/* Both are probabilities: at most 1 (the standard clamps them). */
	return -fmin(0, fmax(lpsi, lomega));
}
