/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fault-injection sources, compiled into the tests only: a stuck source, a
 * biased one, a good synthetic one, one that fails, one that crawls, one
 * that replays a fixed sequence, and one that turns stuck after a while.
 */
#ifndef TS_TESTS_FAULT_SOURCES_H
#define TS_TESTS_FAULT_SOURCES_H

#include <stddef.h>

#include "timingseed/source.h"

extern const struct ts_source fault_stuck;	 /* always the same sample */
extern const struct ts_source fault_biased;	 /* one symbol with probability 0.9 */
extern const struct ts_source fault_good;	 /* uniform bytes from a xorshift */
extern const struct ts_source fault_good2;	 /* the same, another name */
extern const struct ts_source fault_lowent;	 /* 3 symbols: 1.58 bits, claims 1 */
extern const struct ts_source fault_errno;	 /* collect() fails with EMFILE */
extern const struct ts_source fault_slow;	 /* sleeps 10 ms per sample */
extern const struct ts_source fault_replay;	 /* counter i*7919, deterministic */
extern const struct ts_source fault_turns_stuck; /* good, then stuck after N */

extern const struct ts_source fault_hiccup;   /* good, one run of 20 after N */
extern const struct ts_source fault_lowstart; /* 3 symbols for N samples, then good */

/* fault_hiccup's run of 20 identical samples starts at sample n in all. */
void fault_hiccup_at(size_t n);

/* fault_lowstart gives 1.58-bit samples for its next n samples. */
void fault_lowstart_for(size_t n);

/* fault_turns_stuck goes constant after this many samples in all. */
void fault_turns_stuck_after(size_t n);

/* Restart fault_replay's counter. */
void fault_replay_reset(void);

#endif
