/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tick counter every source measures durations with.
 *
 * A sample is the difference of two readings of the fastest monotonic
 * counter the platform offers: rdtscp (or rdtsc) on x86-64, cntvct_el0 on
 * arm64, mach_absolute_time() on macOS, clock_gettime(CLOCK_MONOTONIC_RAW)
 * otherwise. The unit is the counter's own tick; nothing converts it, since
 * conversion would only round away low-order bits that carry the jitter.
 */
#ifndef TIMINGSEED_TICK_H
#define TIMINGSEED_TICK_H

#include <stdint.h>

/* Current value of the tick counter. */
uint64_t ts_ticks(void);

/* Name of the counter ts_ticks() reads ("rdtscp", "cntvct_el0", ...). */
const char *ts_tick_name(void);

/* Nanoseconds of CLOCK_MONOTONIC, for deadlines (not for samples). */
uint64_t ts_now_ns(void);

#endif
