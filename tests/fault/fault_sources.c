// SPDX-License-Identifier: Apache-2.0
/* Fault-injection sources for the tests. None of this is in the product. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "fault_sources.h"
#include "timingseed/tick.h"

static bool always(const char **why)
{
	(void)why;
	return true;
}

static _Thread_local uint64_t xs = 88172645463325252ULL;

static uint64_t xorshift(void)
{
	xs ^= xs << 13;
	xs ^= xs >> 7;
	xs ^= xs << 17;
	return xs;
}

static long stuck_collect(const void *c, uint64_t *out, size_t n, uint64_t d)
{
	(void)c;
	(void)d;
	for (size_t i = 0; i < n; i++)
		out[i] = 1000;
	return (long)n;
}

static long biased_collect(const void *c, uint64_t *out, size_t n, uint64_t d)
{
	(void)c;
	(void)d;
	for (size_t i = 0; i < n; i++) {
		uint64_t r = xorshift();
		/* Symbol 0x42 with probability 0.9, else uniform. */
		out[i] = (r >> 32) % 10 != 0 ? 0x1042 : (r & 0xffff);
	}
	return (long)n;
}

static long good_collect(const void *c, uint64_t *out, size_t n, uint64_t d)
{
	(void)c;
	(void)d;
	for (size_t i = 0; i < n; i++)
		out[i] = xorshift();
	return (long)n;
}

static long lowent_collect(const void *c, uint64_t *out, size_t n, uint64_t d)
{
	(void)c;
	(void)d;
	for (size_t i = 0; i < n; i++)
		out[i] = (xorshift() >> 11) % 3;
	return (long)n;
}

static long errno_collect(const void *c, uint64_t *out, size_t n, uint64_t d)
{
	(void)c;
	(void)out;
	(void)n;
	(void)d;
	return -EMFILE;
}

static long slow_collect(const void *c, uint64_t *out, size_t n, uint64_t d)
{
	struct timespec ts = {0, 10000000};
	size_t i;

	(void)c;
	for (i = 0; i < n && ts_now_ns() < d; i++) {
		nanosleep(&ts, NULL);
		out[i] = xorshift();
	}
	return (long)i;
}

static uint64_t replay_i;

void fault_replay_reset(void)
{
	replay_i = 0;
}

static long replay_collect(const void *c, uint64_t *out, size_t n, uint64_t d)
{
	(void)c;
	(void)d;
	for (size_t i = 0; i < n; i++, replay_i++)
		out[i] = replay_i * 7919u + (replay_i >> 3);
	return (long)n;
}

static atomic_size_t stuck_after = SIZE_MAX, stuck_seen;

void fault_turns_stuck_after(size_t n)
{
	stuck_after = n;
	stuck_seen = 0;
}

static long turns_stuck_collect(const void *c, uint64_t *out, size_t n, uint64_t d)
{
	(void)c;
	(void)d;
	for (size_t i = 0; i < n; i++)
		out[i] = stuck_seen++ >= stuck_after ? 77 : xorshift();
	return (long)n;
}

static atomic_size_t hiccup_at = SIZE_MAX, hiccup_seen, lowstart_n, lowstart_seen;

void fault_hiccup_at(size_t n)
{
	hiccup_at = n;
	hiccup_seen = 0;
}

/* Good, but one run of 20 identical samples from sample hiccup_at on:
 * past the RCT's intermittent cutoff at H = 2 (16), short of its
 * permanent one (31). */
static long hiccup_collect(const void *c, uint64_t *out, size_t n, uint64_t d)
{
	static atomic_int env_read;
	const char *env;

	(void)c;
	(void)d;
	if (!atomic_exchange(&env_read, 1) && (env = getenv("TS_FAULT_HICCUP_AT")) != NULL)
		fault_hiccup_at(strtoull(env, NULL, 10));
	for (size_t i = 0; i < n; i++) {
		size_t k = hiccup_seen++;

		out[i] = k >= hiccup_at && k - hiccup_at < 20 ? 77 : xorshift();
	}
	return (long)n;
}

void fault_lowstart_for(size_t n)
{
	lowstart_n = n;
	lowstart_seen = 0;
}

/* Three symbols for the first lowstart_n samples, then uniform bytes. */
static long lowstart_collect(const void *c, uint64_t *out, size_t n, uint64_t d)
{
	(void)c;
	(void)d;
	for (size_t i = 0; i < n; i++)
		out[i] = lowstart_seen++ < lowstart_n ? (xorshift() >> 11) % 3 : xorshift();
	return (long)n;
}

#define FAULT(sym, nm, credit, fn)                                                                 \
	const struct ts_source sym = {.name = nm,                                                  \
				      .platform = "test",                                          \
				      .description = "test fault source",                          \
				      .default_credit = credit,                                    \
				      .available = always,                                         \
				      .collect = fn,                                               \
				      .syscall_free = true}

FAULT(fault_stuck, "fault_stuck", 1.0, stuck_collect);
FAULT(fault_biased, "fault_biased", 2.0, biased_collect);
FAULT(fault_good, "fault_good", 2.0, good_collect);
FAULT(fault_good2, "fault_good2", 2.0, good_collect);
FAULT(fault_lowent, "fault_lowent", 1.0, lowent_collect);
FAULT(fault_errno, "fault_errno", 1.0, errno_collect);
FAULT(fault_slow, "fault_slow", 1.0, slow_collect);
FAULT(fault_replay, "fault_replay", 4.0, replay_collect);
FAULT(fault_turns_stuck, "fault_turns_stuck", 2.0, turns_stuck_collect);
FAULT(fault_hiccup, "fault_hiccup", 2.0, hiccup_collect);
FAULT(fault_lowstart, "fault_lowstart", 2.0, lowstart_collect);
