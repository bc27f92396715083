// SPDX-License-Identifier: Apache-2.0
/*
 * The tick counter: the fastest monotonic counter of the platform.
 *
 * x86-64: rdtscp when the CPU has it (it waits for earlier instructions to
 * retire, so the syscall being timed is really over), else rdtsc. arm64:
 * cntvct_el0. macOS: mach_absolute_time(). Elsewhere the raw monotonic clock.
 */
#include <stdatomic.h>
#include <time.h>
#if defined(__linux__) && defined(__x86_64__)
#include <sys/prctl.h>
#endif

#include "timingseed/tick.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define TS_VALGRIND_H 1
#endif
#endif

/* Relaxed atomics: every thread computes the same answer, but a plain int
 * written by one thread while another reads it is a data race. */
static atomic_int have_rdtscp = -1;

static int rdtscp_supported(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(0x80000001, &a, &b, &c, &d))
		return 0;
#ifdef TS_VALGRIND_H
	/* valgrind 3.19's CPUID claims rdtscp on hosts without it, where it
	 * then raises SIGILL: rdtsc there (a no-op natively). */
	if (RUNNING_ON_VALGRIND)
		return 0;
#endif
	return (d >> 27) & 1;
}

static int use_rdtscp(void)
{
	int v = atomic_load_explicit(&have_rdtscp, memory_order_relaxed);

	if (__builtin_expect(v < 0, 0)) {
		v = rdtscp_supported();
		atomic_store_explicit(&have_rdtscp, v, memory_order_relaxed);
	}
	return v;
}

uint64_t ts_ticks(void)
{
	unsigned int aux;

	if (use_rdtscp())
		return __rdtscp(&aux);
	return __rdtsc();
}

const char *ts_tick_name(void)
{
	return use_rdtscp() ? "rdtscp" : "rdtsc";
}

#elif defined(__aarch64__) && !defined(__APPLE__)

uint64_t ts_ticks(void)
{
	uint64_t v;

	__asm__ __volatile__("isb; mrs %0, cntvct_el0" : "=r"(v)::"memory");
	return v;
}

const char *ts_tick_name(void)
{
	return "cntvct_el0";
}

#elif defined(__APPLE__)
#include <mach/mach_time.h>

uint64_t ts_ticks(void)
{
	return mach_absolute_time();
}

const char *ts_tick_name(void)
{
	return "mach_absolute_time";
}

#else

uint64_t ts_ticks(void)
{
	struct timespec ts;

#ifdef CLOCK_MONOTONIC_RAW
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
#else
	clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *ts_tick_name(void)
{
	return "clock_monotonic_raw";
}

#endif

#if defined(__linux__) && defined(__x86_64__)
int ts_ticks_usable(const char **why)
{
	int mode = 0;

	if (prctl(PR_GET_TSC, &mode, 0, 0, 0) == 0 && mode == PR_TSC_SIGSEGV) {
		*why = "this thread's TSC is turned off (prctl PR_SET_TSC, PR_TSC_SIGSEGV): "
		       "rdtsc, and the vDSO clock over it, would raise SIGSEGV, and every source "
		       "times with it";
		return 0;
	}
	return 1;
}
#else
int ts_ticks_usable(const char **why)
{
	(void)why;
	return 1;
}
#endif

uint64_t ts_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
