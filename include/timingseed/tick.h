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

/*
 * Whether the calling thread may read the counter, and the clock through
 * the vDSO, without a fault: 0, with *why, when it may not. On x86-64
 * Linux a thread can turn its TSC off (prctl PR_SET_TSC, PR_TSC_SIGSEGV,
 * as record-and-replay debuggers do); rdtsc, rdtscp and the vDSO's TSC
 * clock then raise SIGSEGV. Finding that out takes a system call
 * (prctl PR_GET_TSC), which some sandboxes kill: call it only where the
 * process may make one (the pool asks at load, and at every request
 * only under confined = never). 1 everywhere else.
 */
int ts_ticks_usable(const char **why);

/* Nanoseconds of CLOCK_MONOTONIC, for deadlines (not for samples). */
uint64_t ts_now_ns(void);

#endif
