// SPDX-License-Identifier: Apache-2.0
/*
 * commpage_clock_timing: gettimeofday() through the macOS COMMPAGE, timed.
 *
 * Port of openentropy's sources/timing/commpage_clock_timing.rs. macOS
 * only; the Linux counterpart is vdso_clock.c. On other systems the
 * descriptor exists, available() says why it cannot run, and collect()
 * returns -ENOSYS.
 *
 * Physics. XNU maps a read-only COMMPAGE into every process. Among its
 * data is the time-of-day record that libsystem's gettimeofday() uses to
 * answer without a syscall: a base time, the mach_absolute_time() value it
 * was taken at, a scale, and a generation count. The kernel zeroes the
 * generation, rewrites the record and publishes a new generation whenever
 * the calendar clock is set or slewed (timed updates, NTP adjustments);
 * the reader loads the generation, reads the counter, computes, and starts
 * over when the generation changed under it, a seqlock, or takes the real
 * gettimeofday syscall when it reads zero (update in progress, fast path
 * off). So one call costs a counter read (on Apple silicon an isb-ordered
 * cntvct_el0, on Intel an rdtsc), a few loads from a page whose cache line
 * the updating CPU dirties, arithmetic, and sometimes a retry or a
 * syscall; interrupts and preemption land in the window now and then. The seed reports a bimodal
 * distribution on an M4 (about 5 and about 45 ticks of the 24 MHz
 * counter) and puts the slow mode down to retries; whatever its cause,
 * credit here comes from an assessment of this stream, not from that
 * account.
 *
 * What an attacker sees. Nothing is chosen by the collector: one call per
 * sample, always the same. Whether a read races an update depends on the
 * phase between the kernel's updates and our loop, which a local process
 * can influence through interrupt load; the 24 MHz counter is coarse next
 * to a call of a few hundred ns, so much of the low byte is quantization,
 * and a hypervisor sees the counter. The health tests catch a collapse,
 * not a careful forger.
 *
 * As in the seed: eight warm-up calls, and a sample over 5 ms is dropped
 * as a suspend/resume artefact (the seed's 120,000 ticks of the 24 MHz
 * counter, converted with mach_timebase_info() so Intel Macs get 5 ms
 * too). The seed has no options.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "timingseed/source.h"
#include "timingseed/tick.h"

#ifdef __APPLE__
#include <mach/mach_time.h>
#include <sys/time.h>
#endif

/* The seed has no options. */
static const struct ts_option options[] = {
	{NULL, 0, 0, 0, 0, false, NULL},
};

#ifdef __APPLE__

#define WARMUP	 8	 /* the seed's warm-up calls */
#define CAP_NS	 5000000 /* the seed's 5 ms cap */
#define SEED_CAP 120000	 /* the same, in 24 MHz ticks, as the seed writes it */

static bool commpage_clock_timing_available(const char **why)
{
	(void)why;
	return true;
}

/* 5 ms in mach_absolute_time() ticks. */
static uint64_t cap_ticks(void)
{
	mach_timebase_info_data_t tb;

	if (mach_timebase_info(&tb) != KERN_SUCCESS || tb.numer == 0 || tb.denom == 0)
		return SEED_CAP;
	return (uint64_t)CAP_NS * tb.denom / tb.numer;
}

static long commpage_clock_timing_collect(const void *config, uint64_t *out, size_t n,
					  uint64_t deadline_ns)
{
	uint64_t cap = cap_ticks();
	size_t i = 0, iter = 0;
	struct timeval tv;
	int w;

	(void)config;
	for (w = 0; w < WARMUP; w++)
		gettimeofday(&tv, NULL);

	while (i < n) {
		uint64_t t0, d;

		if ((++iter & 63) == 0 && ts_now_ns() >= deadline_ns)
			break;
		t0 = ts_ticks();
		gettimeofday(&tv, NULL);
		d = ts_ticks() - t0;
		if (d < cap)
			out[i++] = d;
	}
	return (long)i;
}

#else /* !__APPLE__ */

static bool commpage_clock_timing_available(const char **why)
{
	*why = "the COMMPAGE clock is macOS only; not compiled in this build";
	return false;
}

/* Never called here: available() is false. */
#define commpage_clock_timing_collect ts_collect_unsupported

#endif /* __APPLE__ */

const struct ts_source ts_source_commpage_clock_timing = {
	.name = "commpage_clock_timing",
	.platform = "macos",
	.description = "gettimeofday() through the COMMPAGE's generation-counted time record "
		       "(counter read, seqlock retries)",
	.default_credit = 0.05,
	.config_size = 0,
	.config_default = NULL,
	.options = options,
	.available = commpage_clock_timing_available,
	.collect = commpage_clock_timing_collect,
	.syscall_free = true,
};
