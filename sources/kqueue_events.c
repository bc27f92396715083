// SPDX-License-Identifier: Apache-2.0
/*
 * kqueue_events: kevent() waits on a kqueue of timers, socket pairs and
 * vnode watches, with a poker thread stirring them.
 *
 * Port of openentropy's sources/ipc/kqueue_events.rs, for macOS and the
 * BSDs. Linux has no kqueue; epoll_events.c works the same kind of kernel
 * path there.
 *
 * Physics. One kqueue holds num_timers EVFILT_TIMER knotes (periods of 1
 * to 10 ms), an EVFILT_READ and an EVFILT_WRITE knote per socket pair and
 * an EVFILT_VNODE knote (NOTE_WRITE | NOTE_ATTRIB) per temp file. A
 * thread writes a byte to every socket and rewrites every file each
 * 500 us. Each sample times one kevent() that only collects events. The
 * write ends are always writable, so with sockets the call returns at
 * once: the kernel takes the kqueue lock, walks the queue of active
 * knotes, runs each one's filter (the socket buffer checks, under the
 * socket lock; the timer and vnode state, which the callout and VFS
 * paths set asynchronously), copies the events out and requeues the
 * level-triggered ones. The duration varies with how many knotes are
 * active at that instant (timer expiries, affected by timer coalescing
 * and interrupt handling, and the poker's writes, which take the same
 * socket and knote locks from another CPU), with contention on those
 * locks, with interrupts landing in the window, cache and TLB state and,
 * on a VM, hypervisor exits. Without sockets a call sleeps until a timer,
 * a file event or timeout_ms, and the sample is a wakeup latency.
 *
 * What an attacker sees. The timer periods, the poker's period and the
 * fds it writes are fixed here and worth nothing; the order in which
 * knotes become active is largely predictable from them. What is left is
 * when, to the tick, interrupts, lock hand-offs and wakeups land relative
 * to the collector's window. A local process can load the same CPUs and
 * caches to bias the timings, and a hypervisor sees and can forge the
 * counter itself; the health tests catch a collapse, not a careful
 * forger.
 *
 * Differences from the seed. Temp files live in a fresh mkdtemp()
 * directory under $TMPDIR (else /tmp), not at names built from the pid,
 * and are removed with it on every path. The socket read ends are
 * non-blocking: the seed drains every read end after each kevent() with a
 * blocking read(), which stalls until the poker's next write once a
 * socket is empty. The seed's own 4 s limit is the caller's deadline
 * here, and a failed registration or thread start is an error (-errno)
 * instead of being ignored; file watchers stay best effort, as in the
 * seed. Raw durations are returned; the seed's byte extraction is
 * ts_extract_timing_entropy().
 */
#include <errno.h>
#include <stddef.h>

#include "timingseed/source.h"
#include "timingseed/tick.h"

struct kqueue_events_config {
	uint64_t num_file_watchers;
	uint64_t num_timers;
	uint64_t num_sockets;
	uint64_t timeout_ms;
};

static const struct kqueue_events_config defaults = {
	.num_file_watchers = 4,
	.num_timers = 8,
	.num_sockets = 4,
	.timeout_ms = 1,
};

#define MAX_WATCHERS 64
#define MAX_TIMERS   64
#define MAX_SOCKETS  64
#define MAX_TIMEOUT  1000 /* ms; the seed's timespec breaks at 1000 */

static const struct ts_option options[] = {
	{"num_file_watchers", TS_OPT_UINT, offsetof(struct kqueue_events_config, num_file_watchers),
	 0, MAX_WATCHERS, false, "temp files watched with EVFILT_VNODE, 0..64"},
	{"num_timers", TS_OPT_UINT, offsetof(struct kqueue_events_config, num_timers), 0,
	 MAX_TIMERS, false, "EVFILT_TIMER timers with periods of 1..10 ms, 0..64"},
	{"num_sockets", TS_OPT_UINT, offsetof(struct kqueue_events_config, num_sockets), 0,
	 MAX_SOCKETS, false, "AF_UNIX socket pairs (EVFILT_READ and EVFILT_WRITE), 0..64"},
	{"timeout_ms", TS_OPT_UINT, offsetof(struct kqueue_events_config, timeout_ms), 1,
	 MAX_TIMEOUT, false, "longest kevent() wait in milliseconds, 1..1000"},
	{NULL, 0, 0, 0, 0, false, NULL},
};

#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__) ||   \
	defined(__DragonFly__)

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/event.h>
#include <sys/socket.h>
#include <sys/time.h>

#define POKE_PERIOD_NS 500000 /* the seed's poker sleeps 500 us */
#define MAX_CHANGES    (MAX_TIMERS + 2 * MAX_SOCKETS + MAX_WATCHERS)

struct kq_state {
	int kq;
	size_t nsocks;
	size_t nfiles;
	size_t ntried; /* temp file names tried: all removed in teardown */
	size_t nchanges;
	bool have_dir;
	int socks[MAX_SOCKETS][2];
	int files[MAX_WATCHERS];
	char dir[PATH_MAX];
	atomic_bool stop;
	bool poker_running;
	pthread_t poker;
	struct kevent changes[MAX_CHANGES];
	struct kevent events[MAX_CHANGES > 16 ? MAX_CHANGES : 16];
};

static bool kqueue_events_available(const char **why)
{
	(void)why;
	return true;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Path of temp file k; false if it does not fit. */
static bool file_path(const struct kq_state *st, size_t k, char *path, size_t len)
{
	return (size_t)snprintf(path, len, "%s/w%u", st->dir, (unsigned int)k) < len;
}

static void teardown(struct kq_state *st)
{
	char path[PATH_MAX];
	size_t i;

	if (st->poker_running) {
		atomic_store_explicit(&st->stop, true, memory_order_release);
		pthread_join(st->poker, NULL);
		st->poker_running = false;
	}
	for (i = 0; i < st->nsocks; i++) {
		close_fd(&st->socks[i][0]);
		close_fd(&st->socks[i][1]);
	}
	for (i = 0; i < st->nfiles; i++)
		close_fd(&st->files[i]);
	for (i = 0; i < st->ntried; i++)
		if (file_path(st, i, path, sizeof(path)))
			unlink(path);
	if (st->have_dir)
		rmdir(st->dir);
	close_fd(&st->kq);
}

static int set_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
		return -errno;
	return 0;
}

static void add_change(struct kq_state *st, uintptr_t ident, short filter, unsigned short flags,
		       unsigned int fflags, intptr_t data)
{
	struct kevent *kev = &st->changes[st->nchanges++];

	EV_SET(kev, ident, filter, flags, fflags, data, 0);
}

/*
 * Best effort, as in the seed: n files holding "entropy", each watched for
 * NOTE_WRITE | NOTE_ATTRIB through an fd of its own, registered apart from
 * the timers and sockets so that a filesystem without vnode events only
 * costs the watchers. teardown() removes the files and their directory.
 */
static void setup_files(struct kq_state *st, size_t n)
{
	const char *base = issetugid() ? NULL : getenv("TMPDIR");
	char path[PATH_MAX];
	size_t first = st->nchanges;

	if (n == 0)
		return;
	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	if ((size_t)snprintf(st->dir, sizeof(st->dir), "%s/timingseed-XXXXXX", base) >=
	    sizeof(st->dir))
		return;
	if (mkdtemp(st->dir) == NULL)
		return;
	st->have_dir = true;
	while (st->nfiles < n && file_path(st, st->nfiles, path, sizeof(path))) {
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

		st->ntried = st->nfiles + 1; /* even a failed open may leave a file */
		if (fd < 0)
			break;
		if (write(fd, "entropy", 7) != 7) {
			close(fd);
			break;
		}
		st->files[st->nfiles++] = fd;
		add_change(st, (uintptr_t)fd, EVFILT_VNODE, EV_ADD | EV_ENABLE | EV_CLEAR,
			   NOTE_WRITE | NOTE_ATTRIB, 0);
	}
	if (st->nchanges > first &&
	    kevent(st->kq, st->changes + first, (int)(st->nchanges - first), NULL, 0, NULL) < 0)
		st->nchanges = first; /* unwatched; the poker's rewrites are harmless */
}

static int setup(struct kq_state *st, const struct kqueue_events_config *c)
{
	static const unsigned char hello = 0xAA;
	size_t i;
	int ret;

	st->kq = kqueue();
	if (st->kq < 0)
		return -errno;
	if (fcntl(st->kq, F_SETFD, FD_CLOEXEC) != 0)
		return -errno;

	/* Timers with periods of 1 to 10 ms; data is in milliseconds. */
	for (i = 0; i < c->num_timers; i++)
		add_change(st, i, EVFILT_TIMER, EV_ADD | EV_ENABLE, 0, (intptr_t)(1 + i % 10));

	for (i = 0; i < c->num_sockets; i++) {
		int *sv = st->socks[st->nsocks];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
			return -errno;
		st->nsocks++;
		ret = set_flags(sv[0]);
		if (ret == 0)
			ret = set_flags(sv[1]);
		if (ret != 0)
			return ret;
		add_change(st, (uintptr_t)sv[0], EVFILT_READ, EV_ADD | EV_ENABLE, 0, 0);
		if (write(sv[1], &hello, 1) != 1)
			return -errno;
		add_change(st, (uintptr_t)sv[1], EVFILT_WRITE, EV_ADD | EV_ENABLE, 0, 0);
	}
	if (st->nchanges > 0 && kevent(st->kq, st->changes, (int)st->nchanges, NULL, 0, NULL) < 0)
		return -errno;

	setup_files(st, c->num_file_watchers);
	return 0;
}

/*
 * The seed's background thread: a byte to every socket and a rewrite of
 * every file (open, truncate, write, close), then a 500 us sleep.
 */
static void *poker_main(void *arg)
{
	struct kq_state *st = arg;
	const struct timespec period = {.tv_sec = 0, .tv_nsec = POKE_PERIOD_NS};
	const unsigned char poke = 0xBB;
	char path[PATH_MAX];
	size_t i;

	while (!atomic_load_explicit(&st->stop, memory_order_acquire)) {
		ssize_t r = 0;

		/* Failures (a full buffer the collector drains next) are fine. */
		for (i = 0; i < st->nsocks; i++)
			r |= write(st->socks[i][1], &poke, 1);
		for (i = 0; i < st->nfiles; i++) {
			int fd;

			if (!file_path(st, i, path, sizeof(path)))
				continue;
			fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				continue;
			r |= write(fd, "poke", 4);
			close(fd);
		}
		(void)r;
		nanosleep(&period, NULL);
	}
	return NULL;
}

static int start_poker(struct kq_state *st)
{
	sigset_t all, old;
	int err;

	/* No signal of the application's may land on our thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&st->poker, NULL, poker_main, st);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0)
		return -err;
	st->poker_running = true;
	return 0;
}

static long kqueue_events_collect(const void *config, uint64_t *out, size_t n, uint64_t deadline_ns)
{
	const struct kqueue_events_config *c = config;
	uint64_t timeout_ns = c->timeout_ms * 1000000;
	unsigned char drain[64];
	struct kq_state *st;
	int nev;
	size_t i, k;
	long ret;

	if (c->num_timers > MAX_TIMERS || c->num_sockets > MAX_SOCKETS ||
	    c->num_file_watchers > MAX_WATCHERS || c->timeout_ms == 0 ||
	    c->timeout_ms > MAX_TIMEOUT)
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	st->kq = -1;
	atomic_init(&st->stop, false);

	ret = setup(st, c);
	if (ret == 0)
		ret = start_poker(st);
	if (ret != 0)
		goto out;

	nev = (int)(st->nchanges > 16 ? st->nchanges : 16);
	for (i = 0; i < n; i++) {
		uint64_t now = ts_now_ns(), t0;
		struct timespec ts;
		int got;

		if (now >= deadline_ns)
			break;
		if (deadline_ns - now < timeout_ns)
			timeout_ns = deadline_ns - now;
		ts.tv_sec = (time_t)(timeout_ns / 1000000000u);
		ts.tv_nsec = (long)(timeout_ns % 1000000000u);
		t0 = ts_ticks();
		got = kevent(st->kq, NULL, 0, st->events, nev, &ts);
		out[i] = ts_ticks() - t0; /* EINTR too: the timing stands */

		/* Untimed, as in the seed: drain every read end. */
		for (k = 0; got > 0 && k < st->nsocks; k++)
			if (read(st->socks[k][0], drain, sizeof(drain)) < 0)
				continue; /* EAGAIN: nothing came */
	}
	ret = (long)i;
out:
	teardown(st);
	free(st);
	return ret;
}

#else /* no kqueue */

static bool kqueue_events_available(const char **why)
{
	*why = "kqueue is macOS/BSD only; not compiled in this build";
	return false;
}

/* Never called here: available() is false. */
#define kqueue_events_collect ts_collect_unsupported

#endif

const struct ts_source ts_source_kqueue_events = {
	.name = "kqueue_events",
	.platform = "macos,bsd",
	.description = "kevent() over EVFILT_TIMER timers, socketpairs and EVFILT_VNODE file "
		       "watchers, with a poker thread (knote locks, wakeups, timer coalescing)",
	.default_credit = 0.05,
	.config_size = sizeof(struct kqueue_events_config),
	.config_default = &defaults,
	.options = options,
	.available = kqueue_events_available,
	.collect = kqueue_events_collect,
};
