// SPDX-License-Identifier: Apache-2.0
/*
 * pipe_buffer: write()+read() round trips through a pool of pipes.
 *
 * Port of openentropy's sources/ipc/pipe_buffer.rs. The code is plain
 * POSIX, so the same file serves macOS and Linux.
 *
 * Physics. Each sample times one write() of a few bytes to a few pages into
 * a pipe and the read() that drains it. On Linux that is pipe_write():
 * taking the pipe mutex, allocating a page for the pipe_buffer ring (from
 * the per-CPU page lists, or the zone free lists when those run dry),
 * copy_from_user, waking readers; then pipe_read() copying back out and
 * releasing the page. On macOS the same trip goes through the pipe zone
 * and mbuf-like buffer chains. Its duration varies with the state of the
 * page allocator and slab caches (shared with every process on the CPU),
 * cache and TLB misses, interrupts and scheduler ticks landing inside the
 * window, and, on a VM, the hypervisor's exits. A pool of pipes and a pipe
 * created and destroyed every 8 samples keep allocator state churning.
 *
 * What an attacker sees. The write sizes come from an LCG the collector
 * seeds from the tick counter; the pipe order is round-robin. Both are
 * known or guessable and are worth nothing: credit is measured with the
 * write size fixed (docs/sources.md). A local process can load the same
 * allocator and caches to bias the timings, and a hypervisor sees and can
 * forge the counter itself; the health tests catch a collapse, not a
 * careful forger.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "timingseed/source.h"
#include "timingseed/tick.h"

struct pipe_buffer_config {
	uint64_t num_pipes;
	uint64_t min_write_size;
	uint64_t max_write_size;
	bool non_blocking;
};

static const struct pipe_buffer_config defaults = {
	.num_pipes = 4,
	.min_write_size = 1,
	.max_write_size = 4096,
	.non_blocking = true,
};

#define MAX_PIPES 64
#define MAX_WRITE 65536 /* one default pipe's capacity */

static const struct ts_option options[] = {
	{"num_pipes", TS_OPT_UINT, offsetof(struct pipe_buffer_config, num_pipes), 1, MAX_PIPES,
	 true, "pipes used in turn (clamped to 1..64)"},
	{"min_write_size", TS_OPT_UINT, offsetof(struct pipe_buffer_config, min_write_size), 1,
	 MAX_WRITE, true, "smallest write in bytes (clamped to 1..65536)"},
	{"max_write_size", TS_OPT_UINT, offsetof(struct pipe_buffer_config, max_write_size), 1,
	 MAX_WRITE, false, "largest write in bytes, 1..65536 (raised to min_write_size)"},
	{"non_blocking", TS_OPT_BOOL, offsetof(struct pipe_buffer_config, non_blocking), 0, 1,
	 false, "O_NONBLOCK on the write ends"},
	{NULL, 0, 0, 0, 0, false, NULL},
};

static bool pipe_buffer_available(const char **why)
{
	(void)why;
	return true;
}

static void close_pair(int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

/* The seed's 64-bit LCG (Knuth's MMIX constants). */
static uint64_t lcg_next(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1;
	return *s >> 48;
}

static size_t write_size(uint64_t *lcg, size_t min, size_t max)
{
	if (min == max)
		return min;
	return min + (size_t)(lcg_next(lcg) % (max - min + 1));
}

/* One round trip on fds, timed. Returns the duration. */
static uint64_t round_trip(const int fds[2], const unsigned char *wbuf, unsigned char *rbuf,
			   size_t len)
{
	uint64_t t0 = ts_ticks();
	ssize_t w = write(fds[1], wbuf, len);

	if (w > 0 && read(fds[0], rbuf, (size_t)w) < 0)
		w = -1; /* the timing stands either way */
	return ts_ticks() - t0;
}

/* Fallback when no pipe pool could be made: one fresh pipe per sample. */
static long collect_single_pipe(unsigned char *wbuf, unsigned char *rbuf, uint64_t *out, size_t n,
				uint64_t deadline_ns)
{
	uint64_t lcg = ts_ticks() | 1;
	size_t i;

	for (i = 0; i < n; i++) {
		size_t len = write_size(&lcg, 1, 256);
		uint64_t t0;
		int fds[2];

		if ((i & 63) == 63 && ts_now_ns() >= deadline_ns)
			break;
		t0 = ts_ticks();
		if (pipe(fds) != 0)
			return i ? (long)i : -errno;
		if (write(fds[1], wbuf, len) > 0 && read(fds[0], rbuf, len) < 0)
			len = 0;
		close_pair(fds);
		out[i] = ts_ticks() - t0;
	}
	return (long)i;
}

static long pipe_buffer_collect(const void *config, uint64_t *out, size_t n, uint64_t deadline_ns)
{
	const struct pipe_buffer_config *c = config;
	size_t min = c->min_write_size, max = c->max_write_size < min ? min : c->max_write_size;
	int pool[MAX_PIPES][2];
	size_t np = 0, want = c->num_pipes, i;
	uint64_t lcg = ts_ticks() | 1;
	unsigned char *wbuf, *rbuf;
	long ret;

	wbuf = malloc(max > 256 ? max : 256);
	rbuf = malloc(max > 256 ? max : 256);
	if (wbuf == NULL || rbuf == NULL) {
		free(wbuf);
		free(rbuf);
		return -ENOMEM;
	}
	for (i = 0; i < (max > 256 ? max : 256); i++)
		wbuf[i] = 0xBE;

	for (; np < want && np < MAX_PIPES; np++) {
		if (pipe(pool[np]) != 0)
			break;
		if (c->non_blocking) {
			int fl = fcntl(pool[np][1], F_GETFL);

			if (fl >= 0)
				fcntl(pool[np][1], F_SETFL, fl | O_NONBLOCK);
		}
	}

	if (np == 0) {
		ret = collect_single_pipe(wbuf, rbuf, out, n, deadline_ns);
		goto out;
	}

	for (i = 0; i < n; i++) {
		if ((i & 63) == 63 && ts_now_ns() >= deadline_ns)
			break;
		out[i] = round_trip(pool[i % np], wbuf, rbuf, write_size(&lcg, min, max));

		/* Allocator churn: an extra pipe made and destroyed every 8. */
		if (i % 8 == 0) {
			int extra[2];

			if (pipe(extra) == 0)
				close_pair(extra);
		}
	}
	ret = (long)i;
	while (np > 0)
		close_pair(pool[--np]);
out:
	free(wbuf);
	free(rbuf);
	return ret;
}

/* The write size is the collector's choice: assessed pinned at both ends. */
static const struct ts_assessment assessments[] = {
	{"write size fixed at 1", {"min_write_size=1", "max_write_size=1", NULL}},
	{"write size fixed at 4096", {"min_write_size=4096", "max_write_size=4096", NULL}},
	{NULL, {NULL}},
};

const struct ts_source ts_source_pipe_buffer = {
	.name = "pipe_buffer",
	.platform = "posix",
	.description = "write()+read() round trips through a pool of pipes (page allocator, "
		       "pipe locks, wakeups)",
	.default_credit = 0.15,
	.config_size = sizeof(struct pipe_buffer_config),
	.config_default = &defaults,
	.options = options,
	.available = pipe_buffer_available,
	.collect = pipe_buffer_collect,
	.cost_ns = 2400, /* ns per sample over a startup test, reference VM */
	.assessments = assessments,
};
