// SPDX-License-Identifier: Apache-2.0
/*
 * proc_info: /proc/self/stat reads and getrusage(), timed.
 *
 * Linux counterpart of openentropy's sources/system/proc_info_timing.rs
 * (ported for macOS in proc_info_timing.c). The seed alternates
 * proc_pidinfo(PROC_PIDTBSDINFO), the BSD process record, with
 * proc_pid_rusage(RUSAGE_INFO_V4), the resource counters. Linux has the
 * same two questions: /proc/self/stat is the process record, getrusage()
 * the counters. A round times one of each, in the seed's order.
 *
 * Physics. A pread() at offset 0 of /proc/self/stat (the fd is opened once
 * per collection) makes seq_file regenerate the text from scratch in
 * do_task_stat(): ptrace_may_access() under task_lock, get_task_mm() and
 * the mm's counters, lock_task_sighand() for the signal state, the group's
 * fault and guest-time counters summed over every thread under the signal
 * struct's stats_lock seqlock (under siglock before 6.8),
 * thread_group_cputime_adjusted(), whose task_sched_runtime()
 * takes the runqueue lock of the CPU the thread runs on to bring its
 * runtime up to date, the prev_cputime lock of cputime_adjust(), then some
 * fifty numbers formatted into a kmalloc'd seq_file buffer and copied out.
 * getrusage(RUSAGE_SELF) goes through the same thread walk, seqlock and
 * runqueue lock, and get_task_mm() for the high-water RSS. Their durations
 * vary with contention on those locks (other threads of this process,
 * anything the scheduler does on this CPU's runqueue, a seqlock writer
 * forcing a retry), the slab allocator's state for the seq_file buffer,
 * cache and TLB misses over the task, signal and mm structures, and
 * interrupts, scheduler ticks and hypervisor exits inside the window.
 * Optionally /proc/self/status adds a third, longer path (credentials,
 * capabilities, seccomp, cpuset and memory-policy masks, context-switch
 * counts) with locks of its own.
 *
 * What an attacker sees. The order of the queries is fixed and known:
 * the alternation gives no entropy, only two (or three) interleaved
 * streams with different means, and credit is assessed with that in mind.
 * A local process can load the same runqueue and slab caches, and any
 * thread of this process contends for the same signal struct; a
 * hypervisor sees and can forge the counter. The health tests catch a
 * collapse, not a careful forger.
 *
 * Left out: the seed drops samples over 5 ms (120,000 ticks of its 24 MHz
 * counter) as suspend/resume artefacts. Here a long sample is a sample
 * like any other (its low byte is what counts, and the health tests see
 * every one), so nothing is dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>

#include "timingseed/source.h"
#include "timingseed/tick.h"

#ifdef __linux__
#include <sys/resource.h>
#include <unistd.h>
#endif

struct proc_info_config {
	bool stat;
	bool status;
	bool rusage;
};

static const struct proc_info_config defaults = {
	.stat = true,
	.status = false,
	.rusage = true,
};

static const struct ts_option options[] = {
	{"stat", TS_OPT_BOOL, offsetof(struct proc_info_config, stat), 0, 1, false,
	 "time pread() of /proc/self/stat (the seed's proc_pidinfo(PROC_PIDTBSDINFO))"},
	{"status", TS_OPT_BOOL, offsetof(struct proc_info_config, status), 0, 1, false,
	 "also time pread() of /proc/self/status (no counterpart in the seed)"},
	{"rusage", TS_OPT_BOOL, offsetof(struct proc_info_config, rusage), 0, 1, false,
	 "time getrusage(RUSAGE_SELF) (the seed's proc_pid_rusage(RUSAGE_INFO_V4)); "
	 "at least one query must stay on"},
	{NULL, 0, 0, 0, 0, false, NULL},
};

#ifdef __linux__

#define WARMUP	 4    /* the seed's warm-up calls */
#define READ_MAX 4096 /* /proc/self/status is 1-2 KiB; a short read is fine */

static bool proc_info_available(const char **why)
{
	if (access("/proc/self/stat", R_OK) != 0) {
		*why = "/proc/self/stat is not readable (is /proc mounted?)";
		return false;
	}
	return true;
}

/* One pread() of a whole procfs file from offset 0, timed. */
static uint64_t time_pread(int fd, char *buf)
{
	uint64_t t0 = ts_ticks();

	if (pread(fd, buf, READ_MAX, 0) < 0)
		buf[0] = 0; /* the timing stands either way */
	return ts_ticks() - t0;
}

static uint64_t time_rusage(void)
{
	struct rusage ru;
	uint64_t t0 = ts_ticks();

	getrusage(RUSAGE_SELF, &ru);
	return ts_ticks() - t0;
}

static void close_fds(int stat_fd, int status_fd)
{
	if (stat_fd >= 0)
		close(stat_fd);
	if (status_fd >= 0)
		close(status_fd);
}

static long proc_info_collect(const void *config, uint64_t *out, size_t n, uint64_t deadline_ns)
{
	const struct proc_info_config *c = config;
	int stat_fd = -1, status_fd = -1, w;
	char buf[READ_MAX];
	size_t i = 0, since_check = 0;

	if (!c->stat && !c->status && !c->rusage)
		return -EINVAL;
	if (c->stat && (stat_fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (c->status && (status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)) < 0) {
		int err = errno;

		close_fds(stat_fd, status_fd);
		return -err;
	}

	/* Warm up: the first reads allocate the seq_file buffer. */
	for (w = 0; w < WARMUP; w++) {
		if (stat_fd >= 0)
			time_pread(stat_fd, buf);
		if (status_fd >= 0)
			time_pread(status_fd, buf);
	}

	while (i < n) {
		if (since_check >= 32) {
			if (ts_now_ns() >= deadline_ns)
				break;
			since_check = 0;
		}
		if (stat_fd >= 0 && i < n)
			out[i++] = time_pread(stat_fd, buf);
		if (status_fd >= 0 && i < n)
			out[i++] = time_pread(status_fd, buf);
		if (c->rusage && i < n)
			out[i++] = time_rusage();
		since_check++;
	}
	close_fds(stat_fd, status_fd);
	return (long)i;
}

#else /* !__linux__ */

static bool proc_info_available(const char **why)
{
	*why = "/proc/self/stat and getrusage(RUSAGE_SELF) as timed here are Linux only; "
	       "not compiled in this build";
	return false;
}

/* Never called here: available() is false. */
#define proc_info_collect ts_collect_unsupported

#endif /* __linux__ */

/* The alternation of queries is the collector's: each query assessed alone. */
static const struct ts_assessment assessments[] = {
	{"stat only", {"rusage=false", NULL}},
	{"rusage only", {"stat=false", NULL}},
	{NULL, {NULL}},
};

const struct ts_source ts_source_proc_info = {
	.name = "proc_info",
	.platform = "linux",
	.description = "pread() of /proc/self/stat alternating with getrusage(RUSAGE_SELF) "
		       "(task, signal-stats and runqueue locks, seq_file buffers)",
	.default_credit = 0.025,
	.config_size = sizeof(struct proc_info_config),
	.config_default = &defaults,
	.options = options,
	.available = proc_info_available,
	.collect = proc_info_collect,
	.cost_ns = 3500, /* ns per sample over a startup test, reference VM */
	.assessments = assessments,
};
