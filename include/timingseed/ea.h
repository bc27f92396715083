/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SP 800-90B section 6.3 non-IID min-entropy estimators.
 * (Placeholder with the startup estimate only; the full set follows.)
 */
#ifndef TIMINGSEED_EA_H
#define TIMINGSEED_EA_H

#include <stddef.h>
#include <stdint.h>

/*
 * The estimate the pool runs on a source's startup samples (8-bit
 * symbols): the minimum of the cheap estimators. Bits per symbol.
 */
double ts_ea_startup(const uint8_t *sym, size_t n);

#endif
