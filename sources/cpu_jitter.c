// SPDX-License-Identifier: Apache-2.0
/*
 * cpu_jitter: the time a fixed batch of memory accesses takes.
 *
 * The noise jitterentropy and Go's FIPS entropy source use, with no system
 * call at all: a sample is the ts_ticks() difference around "accesses"
 * (default 32) byte read-modify-writes walking a buffer of "memory" bytes
 * (default 64 KiB) from offset 0 with a fixed odd stride of 4159 bytes
 * (a page and a cache line past a page: every access lands on another
 * page and another line offset; odd, so the walk visits every byte before
 * it repeats). The walk goes on from sample to sample within a collection.
 *
 * Physics. What varies is how long the core takes to retire those
 * accesses: whether each line is still in L1, or in L2 or L3 after the
 * application, an interrupt handler or the other hyperthread evicted it;
 * L1 dTLB misses and page walks (16 pages at 64 KiB, 512 at 2 MiB);
 * coherence traffic on the shared L3 from the other cores; store-buffer,
 * memory-disambiguation and out-of-order overlap of 32 independent
 * accesses, which depend on the pipeline state the previous samples
 * left; DRAM bank conflicts and refresh only for lines that have left
 * every cache (rare at 64 KiB: the buffer lives in L2); frequency and
 * power state; and now and then an interrupt or a hypervisor exit inside
 * the window, a long sample.
 *
 * Granularity. On AMD Zen the TSC advances in steps of (P0 frequency /
 * 100 MHz), 26 ticks on the 2.6 GHz reference VM, so every duration is a
 * multiple of 26 and a 32-access batch (about 75 ticks, 30 ns) spans
 * three or four steps: much of the low byte is which step the window
 * ends in, the phase of the batch against the counter, which the jitter
 * of the accesses before randomizes. That mechanism is vdso_clock's too;
 * the jitter behind it comes from the memory path here, from the vDSO
 * data page there, so the two are not independent in the strict sense
 * (same counter, same core, same hypervisor), and each is credited from
 * its own assessment only. Where the counter is coarser (24 MHz
 * mach_absolute_time on Apple silicon, cntvct_el0 on many arm64 boards)
 * a batch is often 0 or 1 tick: the startup test lowers the credit there,
 * and more "accesses" buy it back; assess before relying on it.
 *
 * What an attacker sees. The walk is fixed: the same addresses in the
 * same order in every collection and every process, so the collector
 * adds no variation of its own. Addresses or batch lengths from an LCG,
 * as in some jitter collectors, are known to an attacker and would only
 * inflate the estimate (DESIGN.md: pipe_buffer's LCG-chosen write sizes
 * scored 2.3 bits against 0.17 with the size fixed). A process sharing
 * the core or its caches can prime or evict the lines and bias the
 * durations (Prime+Probe), and a hypervisor sees and may scale or forge
 * the counter; the health tests catch a collapse, not a careful forger.
 *
 * Memory and cost. A collection callocs its buffer, writes one byte of
 * each 4 KiB page (one write fault per fresh page here, instead of a
 * zero-page read fault and a copy-on-write fault inside the first
 * samples, which made fresh processes' samples predictable: the restart
 * test's h_rows was 0.13 with them, 0.38 without), times 8 warm-up
 * samples it drops, and frees the buffer before it returns. A fresh
 * page costs about 11 us to fault in on the reference VM (nested
 * paging): a 2 MiB buffer costs 6-7 ms per collection until the
 * allocator keeps its pages (twice with glibc: mmap'd and unmapped first,
 * then from the heap), 64 KiB is 16 pages, 0.3 ms once, then 0.5 us, and
 * is below the mmap threshold of glibc and musl, so served from the heap
 * every time. Measured on the reference VM (ns per sample, setup included,
 * with pool-sized collections; min-entropy of 10^5..10^6 samples; taken
 * before the page touch, so the cold figures had their faults inside the
 * samples instead):
 *
 *   memory/accesses  chunk 32  1024  4096  first (cold) 1024  bits/sample
 *   64 KiB / 8                   39                    0.47 ms  0.12
 *   64 KiB / 32           84     51    50              0.31 ms  0.20-0.34
 *   256 KiB / 32         155     63    58              1.26 ms  0.32-0.37
 *   512 KiB / 64         290    107   102              2.5 ms   0.35-0.49
 *   1 MiB / 128          588    222   210              4.9 ms   0.97-1.34
 *   2 MiB / 128                 245                    7.2 ms   1.00
 *
 * Warm, credited bits per second are within 30% of each other from
 * 64 KiB/32 to 1 MiB/128 at chunks of 1024 and 4096; at chunks of 32 and
 * in a fresh process (the startup test) the setup decides, and 64 KiB/32
 * is best by 1.5x to 3x. Hence the defaults. The cap, 2 MiB: a library
 * inside other people's processes must not commit much of their memory
 * nor flush their caches on every request (2 MiB is one L2 or a slice of
 * L3 on current cores); beyond it the walk reaches DRAM (a prototype
 * scored 2.43 bits at 16 MiB) but each collection would cost thousands of
 * page faults in a fresh process and evict the host's working set.
 *
 * No system call: calloc() (brk or mmap, which every sandbox admits), the
 * counter, and clock_gettime() for the deadline; no thread, fd or signal.
 * available() only checks that the counter advances.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "timingseed/source.h"
#include "timingseed/tick.h"

struct cpu_jitter_config {
	uint64_t memory;
	uint64_t accesses;
};

static const struct cpu_jitter_config defaults = {
	.memory = 64u << 10,
	.accesses = 32,
};

/* Bytes between two accesses: odd, so the walk visits every byte of the
 * buffer before it repeats; a page and a cache line more than a page, so
 * each access lands on another page and another line offset. */
#define STRIDE	   4159u
#define MIN_MEMORY (16u << 10)
#define MAX_MEMORY (2u << 20)
#define MAX_ACCESS 1024
#define PAGE_TOUCH 4096u /* the smallest page size: one write per page */
#define WARMUP	   8	 /* samples timed and dropped: caches and TLB settle */

static const struct ts_option options[] = {
	{"memory", TS_OPT_UINT, offsetof(struct cpu_jitter_config, memory), MIN_MEMORY, MAX_MEMORY,
	 false, "bytes of the buffer walked, 16384..2097152"},
	{"accesses", TS_OPT_UINT, offsetof(struct cpu_jitter_config, accesses), 1, MAX_ACCESS,
	 false, "read-modify-writes timed together as one sample, 1..1024"},
	{NULL, 0, 0, 0, 0, false, NULL},
};

/*
 * The counter must move: a stuck or absent one (some emulators) would
 * give the health tests nothing but one value. No allocation, no call
 * but ts_ticks(). Up to 2^20 reads: far more than any counter needs to
 * advance once.
 */
static bool cpu_jitter_available(const char **why)
{
	uint64_t t0 = ts_ticks();
	uint32_t i;

	for (i = 0; i < (1u << 20); i++)
		if (ts_ticks() != t0)
			return true;
	*why = "the tick counter does not advance";
	return false;
}

static long cpu_jitter_collect(const void *config, uint64_t *out, size_t n, uint64_t deadline_ns)
{
	const struct cpu_jitter_config *c = config;
	size_t mem = c->memory >= MIN_MEMORY && c->memory <= MAX_MEMORY ? (size_t)c->memory
									: (size_t)defaults.memory;
	uint64_t acc = c->accesses >= 1 && c->accesses <= MAX_ACCESS ? c->accesses : 1, a;
	volatile uint8_t *buf;
	size_t idx = 0, i;

	/* Zeroed: defined contents, for free on pages fresh from the kernel. */
	buf = calloc(mem, 1);
	if (buf == NULL)
		return -ENOMEM;
	/* One write fault per fresh page now, not a read fault and a
	 * copy-on-write fault inside the first samples. */
	for (i = 0; i < mem; i += PAGE_TOUCH)
		buf[i] = 0;

	for (i = 0; i < n + WARMUP; i++) {
		uint64_t t0;

		if ((i & 63) == 63 && ts_now_ns() >= deadline_ns)
			break;
		t0 = ts_ticks();
		for (a = 0; a < acc; a++) {
			buf[idx] = (uint8_t)(buf[idx] + 1);
			idx += STRIDE;
			if (idx >= mem)
				idx -= mem;
		}
		if (i >= WARMUP)
			out[i - WARMUP] = ts_ticks() - t0;
	}
	free((void *)buf);
	return i > WARMUP ? (long)(i - WARMUP) : 0;
}

const struct ts_source ts_source_cpu_jitter = {
	.name = "cpu_jitter",
	.platform = "any",
	.description = "a fixed walk of read-modify-writes over a buffer (cache and TLB misses, "
		       "DRAM, coherence traffic, pipeline state)",
	.default_credit = 0.06, /* half of 0.1684 is 0.0842: docs/sources.md */
	.config_size = sizeof(struct cpu_jitter_config),
	.config_default = &defaults,
	.options = options,
	.available = cpu_jitter_available,
	.collect = cpu_jitter_collect,
	.cost_ns = 300, /* ns per sample over a startup test, fresh process, reference VM */
	.syscall_free = true,
};
