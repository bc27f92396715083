/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sources of this build. sources/registry.c lists every source
 * compiled in, those of other platforms too (their available() says why
 * they cannot run here); the tests' fault registry lists its fault
 * sources instead, under the same name.
 */
#ifndef TIMINGSEED_REGISTRY_H
#define TIMINGSEED_REGISTRY_H

#include "timingseed/source.h"

/* Every source compiled into this build, NULL-terminated. */
extern const struct ts_source *const ts_sources[];

/*
 * 1 only in the tests' fault registry: the provider then accepts the
 * "timingseed-induce" context parameter, which lays a fault over a
 * source's real samples (provider/seed_rand.c). 0 in the product.
 */
extern const int ts_registry_test_faults;

/* Look a source up by name in ts_sources[]; NULL if there is none. */
const struct ts_source *ts_source_find(const char *name);

#endif
