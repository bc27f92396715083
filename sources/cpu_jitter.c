// SPDX-License-Identifier: Apache-2.0
/*
 * cpu_jitter: the time a fixed walk of memory accesses takes.
 *
 * Not one of the openentropy seeds: the noise jitterentropy and Go's
 * FIPS 140-3 entropy source use, added so that a process that confined
 * itself after it loaded the provider (a seccomp filter, a chroot) still
 * has two independent sources that make no system call: this one and
 * vdso_clock (pool/confine.c). It runs wherever ts_ticks() does.
 *
 * Physics. A sample is the duration, in ticks, of "accesses" read-modify-
 * write operations on a buffer of "memory" bytes, each one 4159 bytes
 * (an odd stride, so a new cache line and most often a new page) past the
 * last, wrapping around. The buffer (1 MiB by default) is larger than the
 * L2 cache of current server cores and shares the L3 with every other
 * core, so each access may hit L2 or L3, or miss to DRAM: which one
 * depends on what other cores, the kernel and the hypervisor evicted
 * since the walk last passed, on the L3's replacement state, on DRAM bank
 * conflicts and refresh, on TLB misses and page walks (a 1 MiB walk
 * touches 256 pages, more than an L1 TLB holds), on the prefetchers'
 * guesses and on interrupts that land inside the window. Each collection
 * takes a buffer from the allocator and gives it back (source.h): the
 * first one in a process is fresh memory whose first pass faults the pages
 * in (part of the samples, not system calls; about 3 ms on the reference
 * VM), later ones mostly reuse the allocator's heap.
 *
 * Granularity. A sample is 60-90 ticks of the reference VM's TSC, which
 * advances in steps of 26 ticks there (vdso_clock.c): the low byte carries
 * the step count and its phase. Credit comes from a non-IID assessment
 * of this very stream (docs/sources.md), never from a histogram.
 *
 * What an attacker sees. The stride, the buffer size and the number of
 * accesses are fixed, so the collector adds no variation of its own: the
 * addresses are the same in every run (only the buffer's base differs).
 * A process on the same machine can bias the timing by filling the shared
 * L3 or the memory bus, and a hypervisor sees and may scale or forge the
 * counter; the health tests catch a collapse, not a careful forger.
 *
 * Availability: everywhere, with the tick counter of tick.c. The sample's
 * only calls are the allocator's (brk or mmap, munmap), which every
 * sandbox allows.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "timingseed/source.h"
#include "timingseed/tick.h"

struct cpu_jitter_config {
	uint64_t memory;
	uint64_t accesses;
};

static const struct cpu_jitter_config defaults = {
	.memory = 1u << 20, /* past L2, into L3: see above and docs/sources.md */
	.accesses = 16,	    /* as fast as 8 (the accesses overlap), more entropy */
};

#define STRIDE	   4159u      /* odd: a new cache line, usually a new page */
#define MIN_MEMORY (4u << 10) /* one page: at least the stride */
#define MAX_MEMORY (4u << 20) /* memory taken from the host process for a moment */

static const struct ts_option options[] = {
	{"memory", TS_OPT_UINT, offsetof(struct cpu_jitter_config, memory), MIN_MEMORY, MAX_MEMORY,
	 false, "bytes of the buffer walked, 4096..4194304"},
	{"accesses", TS_OPT_UINT, offsetof(struct cpu_jitter_config, accesses), 1, 1024, false,
	 "memory accesses timed together as one sample, 1..1024"},
	{NULL, 0, 0, 0, 0, false, NULL},
};

static bool cpu_jitter_available(const char **why)
{
	(void)why;
	return true;
}

static long cpu_jitter_collect(const void *config, uint64_t *out, size_t n, uint64_t deadline_ns)
{
	const struct cpu_jitter_config *c = config;
	size_t size = (size_t)c->memory, idx = 0, i;
	uint64_t k;
	/* calloc: fresh pages from mmap for a large buffer, faulted in by the walk. */
	volatile unsigned char *m = calloc(1, size);

	if (m == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		uint64_t t0;

		if ((i & 63) == 63 && ts_now_ns() >= deadline_ns)
			break;
		t0 = ts_ticks();
		for (k = 0; k < c->accesses; k++) {
			idx += STRIDE;
			if (idx >= size)
				idx -= size;
			m[idx]++;
		}
		out[i] = ts_ticks() - t0;
	}
	free((void *)m);
	return (long)i;
}

const struct ts_source ts_source_cpu_jitter = {
	.name = "cpu_jitter",
	.platform = "any",
	.description = "a fixed walk of memory accesses over a buffer past the L2 cache "
		       "(cache, TLB and DRAM timing, page faults)",
	/* Half of the smallest of three assessments, 0.3711 (docs/sources.md), less. */
	.default_credit = 0.15,
	.config_size = sizeof(struct cpu_jitter_config),
	.config_default = &defaults,
	.options = options,
	.available = cpu_jitter_available,
	.collect = cpu_jitter_collect,
	/*
	 * ns per sample over a process's first startup test, reference VM:
	 * the fresh buffer's 256 first-touch faults cost about 3 ms there (a
	 * software hypervisor makes faults dear); later collections reuse the
	 * allocator's memory, 30-35 ns per sample.
	 */
	.cost_ns = 2900,
	.syscall_free = true,
};
