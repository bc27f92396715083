// SPDX-License-Identifier: Apache-2.0
/*
 * proc_info_timing: proc_pidinfo() and proc_pid_rusage() calls, timed.
 *
 * Port of openentropy's sources/system/proc_info_timing.rs. macOS only
 * (libproc); the Linux counterpart is proc_info.c. On other systems the
 * descriptor exists, available() says why it cannot run, and collect()
 * returns -ENOSYS.
 *
 * Physics. A round times two calls on our own pid, in the seed's order,
 * each a proc_info() syscall into XNU's bsd/kern/proc_info.c:
 * proc_pidinfo(PROC_PIDTBSDINFO) looks the pid up in the pid hash under
 * the global proc list lock, takes a reference on the proc, and copies
 * out the BSD process record (flags, credentials, parent, process group
 * and session, which take their own locks); proc_pid_rusage(RUSAGE_INFO_V4)
 * does the same lookup, then sums the task's resource counters: CPU times
 * over every thread, ledger entries (memory footprint, energy, disk I/O)
 * and, for V4, the instruction and cycle counts the kernel keeps per
 * thread and per CPU from the performance counters. Their durations vary
 * with contention on the proc list lock and the proc's own lock (every
 * fork, exec, exit and wait in the system takes the list lock), the
 * scheduler preempting or migrating us inside the call, cache and TLB
 * misses over the proc, task and thread structures, and interrupts inside
 * the window. The seed measured means of about 480 and 730 ticks of the
 * 24 MHz counter on an M4, with a long tail.
 *
 * What an attacker sees. The alternation of the two calls is fixed and
 * known: it gives no entropy, only two interleaved streams with different
 * means, and credit is assessed with that in mind. Any local process
 * modulates the lock contention by forking and exiting (the seed calls it
 * a covert channel, which cuts both ways: it can bias the timings too),
 * and a hypervisor sees the counter. The health tests catch a collapse,
 * not a careful forger.
 *
 * As in the seed: four warm-up proc_pidinfo() calls, and a sample over
 * 5 ms is dropped as a suspend/resume artefact. The seed writes that cap
 * as 120,000 ticks, which is 5 ms of Apple silicon's 24 MHz counter; here
 * it is converted with mach_timebase_info(), which gives the same 120,000
 * there and 5 ms on Intel Macs (where a tick is a nanosecond) too. The
 * seed has no options.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "timingseed/source.h"
#include "timingseed/tick.h"

#ifdef __APPLE__
#include <libproc.h>
#include <mach/mach_time.h>
#include <sys/proc_info.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

/* The seed has no options. */
static const struct ts_option options[] = {
	{NULL, 0, 0, 0, 0, false, NULL},
};

#ifdef __APPLE__

#define WARMUP	 4	 /* the seed's warm-up calls */
#define CAP_NS	 5000000 /* the seed's 5 ms cap */
#define SEED_CAP 120000	 /* the same, in 24 MHz ticks, as the seed writes it */

static bool proc_info_timing_available(const char **why)
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

static long proc_info_timing_collect(const void *config, uint64_t *out, size_t n,
				     uint64_t deadline_ns)
{
	struct proc_bsdinfo bsd;
	struct rusage_info_v4 ru;
	uint64_t cap = cap_ticks();
	pid_t pid = getpid();
	size_t i = 0, rounds = 0;
	int w;

	(void)config;
	for (w = 0; w < WARMUP; w++)
		proc_pidinfo(pid, PROC_PIDTBSDINFO, 0, &bsd, (int)sizeof(bsd));

	while (i < n) {
		uint64_t t0, t_pid, t_ru;

		if ((++rounds & 31) == 0 && ts_now_ns() >= deadline_ns)
			break;

		/* proc_pidinfo: pid lookup, proc lock, BSD record. */
		t0 = ts_ticks();
		proc_pidinfo(pid, PROC_PIDTBSDINFO, 0, &bsd, (int)sizeof(bsd));
		t_pid = ts_ticks() - t0;

		/* proc_pid_rusage V4: thread sums, ledgers, counters. */
		t0 = ts_ticks();
		proc_pid_rusage(pid, RUSAGE_INFO_V4, (rusage_info_t *)&ru);
		t_ru = ts_ticks() - t0;

		if (t_pid < cap)
			out[i++] = t_pid;
		if (t_ru < cap && i < n)
			out[i++] = t_ru;
	}
	return (long)i;
}

#else /* !__APPLE__ */

static bool proc_info_timing_available(const char **why)
{
	*why = "proc_pidinfo is macOS only; not compiled in this build";
	return false;
}

/* Never called here: available() is false. */
#define proc_info_timing_collect ts_collect_unsupported

#endif /* __APPLE__ */

const struct ts_source ts_source_proc_info_timing = {
	.name = "proc_info_timing",
	.platform = "macos",
	.description = "proc_pidinfo(PROC_PIDTBSDINFO) alternating with "
		       "proc_pid_rusage(RUSAGE_INFO_V4) (proc list and proc locks, task counters)",
	.default_credit = 0.05,
	.config_size = 0,
	.config_default = NULL,
	.options = options,
	.available = proc_info_timing_available,
	.collect = proc_info_timing_collect,
};
