/* SPDX-License-Identifier: Apache-2.0 */
/*
 * openentropy's byte extractors, for the openentropy-compatible byte view
 * of a sample stream (`timingseed sample --format openentropy`). They
 * shape bytes and add no entropy: credit never depends on them. Both
 * return the number of bytes written.
 */
#ifndef TIMINGSEED_EXTRACT_H
#define TIMINGSEED_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

size_t ts_extract_timing_entropy(const uint64_t *t, size_t nt, uint8_t *out, size_t n);
size_t ts_extract_timing_entropy_debiased(const uint64_t *t, size_t nt, uint8_t *out, size_t n);

#endif
