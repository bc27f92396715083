// SPDX-License-Identifier: Apache-2.0
/*
 * vdso_clock: clock reads through the vDSO's seqlock-protected data page.
 *
 * Linux counterpart of openentropy's sources/timing/commpage_clock_timing.rs
 * (ported for macOS in commpage_clock_timing.c). Linux has no COMMPAGE; its
 * equivalent is the vDSO, a small library the kernel maps into every
 * process together with a read-only data page (struct vdso_data, renamed
 * vdso_time_data in recent kernels) that the timekeeping core rewrites on
 * every tick. The default read is gettimeofday(), as in the seed; on Linux
 * it is the CLOCK_REALTIME path plus a division, and the "clock" option
 * picks another vDSO clock (no rotation: every hres clock runs the same
 * code on the same page, so rotating would add nothing but known
 * variation).
 *
 * Physics. gettimeofday() and clock_gettime() on a vDSO-capable clocksource
 * never enter the kernel: do_hres() reads the data page's sequence count,
 * reads the hardware counter (rdtsc behind an lfence on x86, cntvct_el0 on
 * arm64), scales it with the page's mult/shift and base, and checks that the
 * count did not move; an odd count (update_vsyscall() in the middle of its
 * write, from the tick interrupt on some CPU) or a changed one makes the
 * reader spin and retry, as on the COMMPAGE. So the duration of a read is:
 * the counter read itself (its latency varies with the core's pipeline and
 * the ordering fence), an L1/L2 hit or miss on the shared data page (every
 * tick the timekeeping CPU dirties that cache line, and the next reader
 * pays the coherence miss), TLB state, the rare seqlock retry, and any
 * interrupt or hypervisor exit that lands inside the window.
 *
 * Granularity. One read is 20-40 ns. The tick counter is often far
 * coarser than its nominal rate: on AMD Zen the TSC advances in steps of
 * (P0 frequency / 100 MHz), 26 ticks on the 2.6 GHz reference VM, so one
 * read spans three or four steps, and the low byte of a one-read sample
 * is a single value in 80-99% of samples, with a strong lag-1 pattern. A
 * sample therefore times a fixed batch of reads ("batch"). What counts is
 * credited bits per second, not per sample: assessed on the reference VM
 * (scripts/measure-credits.sh), batch=2 gives 0.117-0.133 bits/sample at
 * 11 M samples/s, batch=32 0.32 bits at 1.3 M/s, batch=1 0.086 at 14 M/s,
 * so the default is 2: four times the credited rate of 32. With batch=32
 * (about 0.7 us) the low byte is one value in about 69% of
 * samples and the next counter step in 31%, stable from run to run
 * (batches of 8 or 16 swung between 60% and 85%): a Bernoulli-like choice
 * of whether the window straddles one more step, decided by the phase of
 * the batch against the counter, which the jitter of the previous
 * samples randomizes. Worth at most about half a bit, and only if that
 * phase is not predictable. (The seed's 31%/69% "bimodal" split on an M4
 * may well be the same effect.) A longer batch spreads over more steps
 * slowly and costs rate in proportion; batch=1 is the seed's one read per
 * sample.
 *
 * What an attacker sees. The clock and the batch are fixed, so the
 * collector adds no variation of its own. The seqlock retry, the one event
 * the seed names, is rare on Linux (a retry needs a tick to land in a read
 * of a few tens of ns; the low byte is carried by the microarchitectural
 * jitter instead). A local process sharing the core can bias that jitter
 * (SMT siblings, cache pressure), and a hypervisor sees and may scale or
 * forge the counter itself; the health tests catch a collapse, not a
 * careful forger. Quantization of the counter can look random while being
 * a deterministic phase drift, so credit must come from a non-IID
 * assessment of this very stream, never from a histogram.
 *
 * Availability. The vDSO must be mapped (getauxval(AT_SYSINFO_EHDR) != 0)
 * and the clock read must really stay in user space: when the clocksource
 * has no vDSO read mode (hpet, acpi_pm, kvm-clock without the stable bit,
 * some xen setups) the vDSO falls back to the clock_gettime syscall and
 * this would be a different source. Names in sysfs do not settle that
 * (kvm-clock may go either way), so available() measures it: the fastest
 * of 16 vDSO reads must take less than half the fastest of 16 explicit
 * syscall(SYS_clock_gettime) calls, the two alternated (about 100 against
 * 650 ticks on the reference VM), after 4 of each to fault in pages and
 * warm caches. The margin is wide: a fallback read costs a syscall, so it
 * cannot pass, and 16 tries are enough for one fast read each (the probe
 * runs in every process that loads the provider: 64 tries cost 70 us
 * here, 16 cost 20-30).
 * Under valgrind no vDSO is mapped, and available() says so.
 *
 * As in the seed: eight warm-up reads. Left out: its cap dropping samples
 * over 5 ms; a long sample is a sample like any other here (its low byte
 * is what counts, and the health tests see every one).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "timingseed/source.h"
#include "timingseed/tick.h"

#ifdef __linux__
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>
#endif

struct vdso_clock_config {
	uint64_t clock;
	uint64_t batch;
};

/* The clocks a sample may read; index 0 is the seed's gettimeofday(). */
enum vdso_clock_kind {
	VC_GETTIMEOFDAY,
	VC_REALTIME,
	VC_MONOTONIC,
	VC_BOOTTIME,
	VC_TAI,
	VC_MONOTONIC_RAW,
	VC_REALTIME_COARSE,
	VC_MONOTONIC_COARSE,
	VC_NKINDS,
};

static const struct vdso_clock_config defaults = {
	.clock = VC_GETTIMEOFDAY, .batch = 2, /* best credited bits per second, see above */
};

#define MAX_BATCH 1024
#define WARMUP	  8 /* the seed's warm-up reads */

static const struct ts_option options[] = {
	{"clock", TS_OPT_UINT, offsetof(struct vdso_clock_config, clock), 0, VC_NKINDS - 1, false,
	 "clock read, 0..7: 0 gettimeofday (the seed's), 1 REALTIME, 2 MONOTONIC, 3 BOOTTIME, "
	 "4 TAI, 5 MONOTONIC_RAW, 6 REALTIME_COARSE, 7 MONOTONIC_COARSE"},
	{"batch", TS_OPT_UINT, offsetof(struct vdso_clock_config, batch), 1, MAX_BATCH, false,
	 "reads timed together as one sample, 1..1024 (1 is the seed's single read)"},
	{NULL, 0, 0, 0, 0, false, NULL},
};

#ifdef __linux__

static const clockid_t clock_ids[VC_NKINDS] = {
	[VC_GETTIMEOFDAY] = CLOCK_REALTIME,
	[VC_REALTIME] = CLOCK_REALTIME,
	[VC_MONOTONIC] = CLOCK_MONOTONIC,
	[VC_BOOTTIME] = CLOCK_BOOTTIME,
	[VC_TAI] = CLOCK_TAI,
	[VC_MONOTONIC_RAW] = CLOCK_MONOTONIC_RAW,
	[VC_REALTIME_COARSE] = CLOCK_REALTIME_COARSE,
	[VC_MONOTONIC_COARSE] = CLOCK_MONOTONIC_COARSE,
};

/* Fastest of a few tries: robust against preemption and interrupts. */
#define PROBE_TRIES 16
#define WARM_TRIES  4

/* Ticks of one CLOCK_MONOTONIC read, through the vDSO or the syscall. */
static uint64_t one_read(bool via_syscall)
{
	struct timespec ts;
	uint64_t t0 = ts_ticks();

	if (via_syscall)
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	else
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_ticks() - t0;
}

/*
 * The fastest of tries reads each way, the two alternated so that a
 * passing load or frequency change weighs on both alike.
 */
static void fastest_reads(int tries, uint64_t *vdso, uint64_t *sys)
{
	int i;

	*vdso = *sys = UINT64_MAX;
	for (i = 0; i < tries; i++) {
		uint64_t v = one_read(false), k = one_read(true);

		*vdso = v < *vdso ? v : *vdso;
		*sys = k < *sys ? k : *sys;
	}
}

static bool vdso_clock_available(const char **why)
{
	uint64_t vdso, sys;

	if (getauxval(AT_SYSINFO_EHDR) == 0) {
		*why = "no vDSO mapped in this process (AT_SYSINFO_EHDR is 0)";
		return false;
	}
	/* Warm both paths first: the first calls fault in pages and caches. */
	fastest_reads(WARM_TRIES, &vdso, &sys);
	fastest_reads(PROBE_TRIES, &vdso, &sys);
	if (2 * vdso >= sys) {
		*why = "clock_gettime() falls back to a syscall: the clocksource has no vDSO "
		       "read mode (see /sys/devices/system/clocksource/clocksource0/"
		       "current_clocksource)";
		return false;
	}
	return true;
}

/* One read of the configured clock; its result is not used. */
static inline void read_clock(enum vdso_clock_kind kind)
{
	struct timespec ts;
	struct timeval tv;

	if (kind == VC_GETTIMEOFDAY)
		gettimeofday(&tv, NULL);
	else
		clock_gettime(clock_ids[kind], &ts);
}

static long vdso_clock_collect(const void *config, uint64_t *out, size_t n, uint64_t deadline_ns)
{
	const struct vdso_clock_config *c = config;
	enum vdso_clock_kind kind =
		c->clock < VC_NKINDS ? (enum vdso_clock_kind)c->clock : VC_GETTIMEOFDAY;
	uint64_t batch = c->batch ? c->batch : 1, b;
	size_t i;

	for (i = 0; i < WARMUP; i++)
		read_clock(kind);

	for (i = 0; i < n; i++) {
		uint64_t t0;

		if ((i & 63) == 63 && ts_now_ns() >= deadline_ns)
			break;
		t0 = ts_ticks();
		for (b = 0; b < batch; b++)
			read_clock(kind);
		out[i] = ts_ticks() - t0;
	}
	return (long)i;
}

#else /* !__linux__ */

static bool vdso_clock_available(const char **why)
{
	*why = "the vDSO clock is Linux only; not compiled in this build";
	return false;
}

/* Never called here: available() is false. */
#define vdso_clock_collect ts_collect_unsupported

#endif /* __linux__ */

const struct ts_source ts_source_vdso_clock = {
	.name = "vdso_clock",
	.platform = "linux",
	.description = "batches of gettimeofday()/clock_gettime() through the vDSO's "
		       "seqlock-protected data page (counter read, coherence misses, retries)",
	.default_credit = 0.045,
	.config_size = sizeof(struct vdso_clock_config),
	.config_default = &defaults,
	.options = options,
	.available = vdso_clock_available,
	.collect = vdso_clock_collect,
	.cost_ns = 120, /* ns per sample over a startup test, reference VM */
	.syscall_free = true,
};
