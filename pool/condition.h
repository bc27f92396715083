/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Conditioning: SHA-256 (SP 800-90B 3.1.5.1.1, a vetted function) through
 * OpenSSL's EVP. One output block is the hash of exactly this input:
 *
 *   block  = "timingseed-block-v1" 0x00          (20 bytes, domain tag)
 *            u64be counter                       (blocks made by this pool)
 *            u32be pid                           (parent and child differ)
 *            chunk*
 *   chunk  = 0x01 u8 len name[len] u32be n       (source identity)
 *            sample[n]                           (each u64 little-endian)
 *
 * The tests recompute this independently (known-answer test).
 */
#ifndef TS_POOL_CONDITION_H
#define TS_POOL_CONDITION_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define TS_COND_TAG "timingseed-block-v1"

int ts_cond_begin(EVP_MD_CTX *ctx, const EVP_MD *sha256, uint64_t counter, uint32_t pid);
int ts_cond_add(EVP_MD_CTX *ctx, const char *name, const uint64_t *s, size_t n);
int ts_cond_end(EVP_MD_CTX *ctx, unsigned char out[32]);

/*
 * SP 800-90B 3.1.5.1.2 Output_Entropy(n_in, n_out, nw, h_in) of a vetted
 * conditioning function, in bits: n_in input bits carrying h_in bits of
 * min-entropy, n_out output bits, nw its narrowest internal width. For
 * SHA-256 n_out = nw = 256. Computed in log2 space, so n_in may be any
 * size; rounding errors are of the order of 1e-13 bits.
 */
double ts_cond_output_entropy(double n_in, unsigned int n_out, unsigned int nw, double h_in);

#endif
