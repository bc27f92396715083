// SPDX-License-Identifier: Apache-2.0
/*
 * epoll_events: epoll_wait() over timerfds, socketpairs, an eventfd and
 * inotify watches, with a poker thread stirring them.
 *
 * Linux counterpart of openentropy's sources/ipc/kqueue_events.rs (ported
 * as-is in kqueue_events.c for macOS and the BSDs). Same shape: one event
 * queue watching timers, socket pairs (read end for input, write end for
 * output space) and files, a thread that writes to the sockets and
 * files, and a collector that times each wait on the queue.
 *
 * Physics. Each sample times one epoll_wait(). The write ends of the
 * socket pairs are watched level-triggered for EPOLLOUT, as the seed
 * watches EVFILT_WRITE, so they are always ready and almost every call
 * returns at once: ep_poll() takes the epoll mutex, splices the ready
 * list, and for every ready item calls its file's ->poll (unix_poll,
 * timerfd_poll, eventfd_poll, inotify_poll), which reads that object's
 * state (timerfd and inotify under their own locks), copies the events
 * out and puts level-triggered items back on the list. The duration varies with how many items are
 * ready at that instant (timerfd expiries and the poker's writes land asynchronously), with
 * contention on those locks from the poker thread on another CPU (its writes run ep_poll_callback()
 * on the same ready list), with the timerfd hrtimer interrupts, re-armed by the collector's reads
 * and so mostly on its CPU, landing inside the window, and with cache and TLB state, scheduler
 * ticks and, on a VM, hypervisor exits. When nothing is ready (num_sockets=0) the call sleeps until
 * a timer, the poker or the timeout wakes it, and the sample is a wakeup latency instead. Timers
 * run at tens to hundreds of microseconds, not the seed's 1 to 10 ms, so
 * that a wait never costs a millisecond: the seed's kevent() returns at
 * once for the same reason (EVFILT_WRITE), its 1 ms is a ceiling only.
 * After each wait, outside the timed window, the ready timerfds, socket
 * read ends, eventfd and inotify queue are read, which re-arms the
 * timers and keeps the buffers from filling.
 *
 * What an attacker sees. The timer periods, the poker's period and which
 * fds it writes are fixed by this file and worth nothing; the order in
 * which events become ready is largely predictable from them. What is
 * left is when, to the tick, interrupts, lock hand-offs and wakeups land
 * relative to the collector's window. A local process can load the same
 * CPUs and caches to bias the timings, and a hypervisor sees and can
 * forge the counter itself; the health tests catch a collapse, not a
 * careful forger.
 *
 * Resources. File watchers are memfds (shmem files with no name on any
 * filesystem) watched through /proc/self/fd; without memfd or /proc,
 * files in a fresh mkdtemp() directory under $TMPDIR (else /tmp), unlinked
 * with it as soon as they are watched, so nothing is left on disk whatever
 * happens later. They are best effort, as in the seed: without them the
 * source runs on the rest. Closing an inotify instance that had watches
 * waits for an SRCU grace period (fsnotify frees marks under SRCU): a few
 * ms, 10 to 20 ms on a busy 250 Hz VM, spent after the deadline. The
 * pool collects from a source several times per request, so that wait
 * would dominate seed latency: here, unlike the seed (4), the default is
 * num_file_watchers=0, and the eventfd stands for the event path;
 * set it to bring the inotify path in. Every other resource is required, and a
 * failure to get it (EMFILE, ENOMEM, EAGAIN for the thread) releases
 * everything and returns -errno. Nothing outlives a collection.
 */
#include <errno.h>
#include <stddef.h>

#include "timingseed/source.h"
#include "timingseed/tick.h"

struct epoll_events_config {
	uint64_t num_file_watchers;
	uint64_t num_timers;
	uint64_t num_sockets;
	uint64_t timeout_us;
};

static const struct epoll_events_config defaults = {
	.num_file_watchers = 0, /* the seed's 4 costs an SRCU wait per collection */
	.num_timers = 8,
	.num_sockets = 4,
	.timeout_us = 1000, /* the seed's timeout_ms = 1 */
};

#define MAX_WATCHERS 64
#define MAX_TIMERS   64
#define MAX_SOCKETS  64
#define MAX_TIMEOUT  1000000 /* 1 s */

static const struct ts_option options[] = {
	{"num_file_watchers", TS_OPT_UINT, offsetof(struct epoll_events_config, num_file_watchers),
	 0, MAX_WATCHERS, false, "files (memfds) watched with inotify, 0..64"},
	{"num_timers", TS_OPT_UINT, offsetof(struct epoll_events_config, num_timers), 0, MAX_TIMERS,
	 false, "timerfds with periods of 50..500 us, 0..64"},
	{"num_sockets", TS_OPT_UINT, offsetof(struct epoll_events_config, num_sockets), 0,
	 MAX_SOCKETS, false, "AF_UNIX socket pairs (EPOLLIN and EPOLLOUT), 0..64"},
	{"timeout_us", TS_OPT_UINT, offsetof(struct epoll_events_config, timeout_us), 1,
	 MAX_TIMEOUT, false,
	 "longest epoll_wait() in microseconds (the seed's timeout_ms), 1..1000000"},
	{NULL, 0, 0, 0, 0, false, NULL},
};

#ifdef __linux__

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
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>

#define TIMER_BASE_NS  50000  /* timer i runs every (1 + i % 10) * 50 us */
#define POKE_PERIOD_NS 100000 /* the seed's poker sleeps 500 us against 1 ms */
#define MAX_ITEMS      (MAX_TIMERS + 2 * MAX_SOCKETS + 2)

/* What an epoll item is, in the high byte of its data; index below. */
enum { ITEM_TIMER = 1, ITEM_SOCK_IN, ITEM_SOCK_OUT, ITEM_EVENTFD, ITEM_INOTIFY };

struct ep_state {
	int epfd;
	int evfd;
	int inofd;
	size_t nitems;
	size_t ntimers;
	size_t nsocks;
	size_t nfiles;
	int timers[MAX_TIMERS];
	int socks[MAX_SOCKETS][2];
	int files[MAX_WATCHERS];
	atomic_bool stop;
	bool poker_running;
	pthread_t poker;
};

static bool epoll_events_available(const char **why)
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

static void teardown(struct ep_state *st)
{
	size_t i;

	if (st->poker_running) {
		atomic_store_explicit(&st->stop, true, memory_order_release);
		pthread_join(st->poker, NULL);
		st->poker_running = false;
	}
	for (i = 0; i < st->ntimers; i++)
		close_fd(&st->timers[i]);
	for (i = 0; i < st->nsocks; i++) {
		close_fd(&st->socks[i][0]);
		close_fd(&st->socks[i][1]);
	}
	for (i = 0; i < st->nfiles; i++)
		close_fd(&st->files[i]);
	close_fd(&st->inofd);
	close_fd(&st->evfd);
	close_fd(&st->epfd);
}

static int watch(struct ep_state *st, int fd, uint32_t events, uint32_t kind, size_t idx)
{
	struct epoll_event ev = {.events = events, .data.u32 = kind << 24 | (uint32_t)idx};

	if (epoll_ctl(st->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
		return -errno;
	st->nitems++;
	return 0;
}

/*
 * Fill a new file, watch it for IN_MODIFY | IN_ATTRIB (the seed's
 * NOTE_WRITE | NOTE_ATTRIB) and keep it; else close it.
 */
static int add_file(struct ep_state *st, int fd, const char *path)
{
	if (write(fd, "entropy", 7) != 7 ||
	    inotify_add_watch(st->inofd, path, IN_MODIFY | IN_ATTRIB) < 0) {
		close(fd);
		return -1;
	}
	st->files[st->nfiles++] = fd;
	return 0;
}

/* memfds, named for inotify through /proc: no name on any filesystem. */
static void add_memfds(struct ep_state *st, size_t n)
{
#ifdef MFD_CLOEXEC
	char path[32];

	while (st->nfiles < n) {
		int fd = memfd_create("timingseed", MFD_CLOEXEC);

		if (fd < 0)
			return;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (add_file(st, fd, path) != 0)
			return;
	}
#else
	(void)st;
	(void)n;
#endif
}

/*
 * Without memfds or /proc: files in a fresh private directory, unlinked
 * with it as soon as they are watched. Closing them costs more (the
 * filesystem frees the inodes then), so this is the fallback.
 */
static void add_temp_files(struct ep_state *st, size_t n)
{
	const char *base = secure_getenv("TMPDIR");
	char dir[PATH_MAX], path[PATH_MAX + 16];
	unsigned int k;

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	if ((size_t)snprintf(dir, sizeof(dir), "%s/timingseed-XXXXXX", base) >= sizeof(dir))
		return;
	if (mkdtemp(dir) == NULL)
		return;
	for (k = 0; st->nfiles < n; k++) {
		int fd;

		snprintf(path, sizeof(path), "%s/w%u", dir, k);
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 || add_file(st, fd, path) != 0) {
			unlink(path); /* even a failed open may leave a file */
			break;
		}
		unlink(path);
	}
	rmdir(dir);
}

/*
 * Best effort, as in the seed: n files, each with its own watch on one
 * inotify instance, the instance on the epoll set. Any failure leaves the
 * collection without file watchers, never with a file left behind.
 */
static void setup_files(struct ep_state *st, size_t n)
{
	if (n == 0)
		return;
	st->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (st->inofd < 0)
		return;
	add_memfds(st, n);
	if (st->nfiles == 0)
		add_temp_files(st, n);
	if (st->nfiles == n && watch(st, st->inofd, EPOLLIN, ITEM_INOTIFY, 0) == 0)
		return;
	while (st->nfiles > 0)
		close_fd(&st->files[--st->nfiles]);
	close_fd(&st->inofd);
}

static int setup(struct ep_state *st, const struct epoll_events_config *c)
{
	static const unsigned char hello = 0xAA;
	size_t i;
	int ret;

	st->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (st->epfd < 0)
		return -errno;

	for (i = 0; i < c->num_timers; i++) {
		uint64_t ns = TIMER_BASE_NS * (1 + i % 10);
		struct itimerspec its = {
			.it_interval = {.tv_sec = 0, .tv_nsec = (long)ns},
			.it_value = {.tv_sec = 0, .tv_nsec = (long)ns},
		};
		int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

		if (fd < 0)
			return -errno;
		st->timers[st->ntimers++] = fd;
		if (timerfd_settime(fd, 0, &its, NULL) != 0)
			return -errno;
		ret = watch(st, fd, EPOLLIN, ITEM_TIMER, i);
		if (ret != 0)
			return ret;
	}

	for (i = 0; i < c->num_sockets; i++) {
		int *sv = st->socks[st->nsocks];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
			return -errno;
		st->nsocks++;
		ret = watch(st, sv[0], EPOLLIN, ITEM_SOCK_IN, i);
		if (ret != 0)
			return ret;
		if (write(sv[1], &hello, 1) != 1)
			return -errno;
		ret = watch(st, sv[1], EPOLLOUT, ITEM_SOCK_OUT, i);
		if (ret != 0)
			return ret;
	}

	st->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (st->evfd < 0)
		return -errno;
	ret = watch(st, st->evfd, EPOLLIN, ITEM_EVENTFD, 0);
	if (ret != 0)
		return ret;

	setup_files(st, c->num_file_watchers);
	return 0;
}

/*
 * The seed's background thread: a byte to every socket, a write and a
 * timestamp update on every file (IN_MODIFY, IN_ATTRIB) and, here, a
 * count on the eventfd; then 100 us of sleep.
 */
static void *poker_main(void *arg)
{
	struct ep_state *st = arg;
	const struct timespec period = {.tv_sec = 0, .tv_nsec = POKE_PERIOD_NS};
	const unsigned char poke = 0xBB;
	const uint64_t one = 1;
	size_t i;

	/* Sleep for the period asked, not 50 us more (the default slack). */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	while (!atomic_load_explicit(&st->stop, memory_order_acquire)) {
		ssize_t r = 0;

		/* Failures (a full buffer the collector drains next) are fine. */
		for (i = 0; i < st->nsocks; i++)
			r |= write(st->socks[i][1], &poke, 1);
		r |= write(st->evfd, &one, sizeof(one));
		for (i = 0; i < st->nfiles; i++) {
			r |= pwrite(st->files[i], "poke", 4, 0);
			r |= futimens(st->files[i], NULL);
		}
		(void)r;
		nanosleep(&period, NULL);
	}
	return NULL;
}

static int start_poker(struct ep_state *st)
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

/* The kernel's struct __kernel_timespec: 64-bit on every ABI. */
struct kts {
	int64_t tv_sec;
	int64_t tv_nsec;
};

static atomic_int no_pwait2;

/*
 * epoll_wait() with a timeout in nanoseconds: epoll_pwait2 (Linux 5.11)
 * when the kernel and any seccomp filter allow it, else epoll_wait() with
 * the timeout rounded up to a millisecond.
 */
static int wait_events(int epfd, struct epoll_event *evs, int maxev, uint64_t timeout_ns)
{
#ifdef SYS_epoll_pwait2
	if (!atomic_load_explicit(&no_pwait2, memory_order_relaxed)) {
		struct kts ts = {.tv_sec = (int64_t)(timeout_ns / 1000000000u),
				 .tv_nsec = (int64_t)(timeout_ns % 1000000000u)};
		long r = syscall(SYS_epoll_pwait2, epfd, evs, maxev, &ts, NULL, (size_t)0);

		if (r >= 0 || (errno != ENOSYS && errno != EPERM))
			return (int)r;
		atomic_store_explicit(&no_pwait2, 1, memory_order_relaxed);
	}
#endif
	return epoll_wait(epfd, evs, maxev, (int)((timeout_ns + 999999) / 1000000));
}

/*
 * Untimed: read what was reported, which re-arms the timerfds and keeps
 * the socket buffers and the inotify queue from filling.
 */
static void drain(struct ep_state *st, const struct epoll_event *evs, int n)
{
	unsigned char buf[4096] __attribute__((aligned(8)));
	int k;

	for (k = 0; k < n; k++) {
		uint32_t kind = evs[k].data.u32 >> 24, idx = evs[k].data.u32 & 0xffffff;
		ssize_t r = 0;

		switch (kind) {
		case ITEM_TIMER:
			r = read(st->timers[idx], buf, 8);
			break;
		case ITEM_SOCK_IN:
			r = read(st->socks[idx][0], buf, 64);
			break;
		case ITEM_EVENTFD:
			r = read(st->evfd, buf, 8);
			break;
		case ITEM_INOTIFY:
			r = read(st->inofd, buf, sizeof(buf));
			break;
		default:
			break;
		}
		(void)r; /* EAGAIN after a race with the poker is fine */
	}
}

static long epoll_events_collect(const void *config, uint64_t *out, size_t n, uint64_t deadline_ns)
{
	const struct epoll_events_config *c = config;
	uint64_t timeout_ns = c->timeout_us * 1000;
	struct epoll_event evs[MAX_ITEMS];
	struct ep_state *st;
	size_t i;
	long ret;

	if (c->num_timers > MAX_TIMERS || c->num_sockets > MAX_SOCKETS ||
	    c->num_file_watchers > MAX_WATCHERS || c->timeout_us == 0 ||
	    c->timeout_us > MAX_TIMEOUT)
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	st->epfd = st->evfd = st->inofd = -1;
	atomic_init(&st->stop, false);

	ret = setup(st, c);
	if (ret == 0)
		ret = start_poker(st);
	if (ret != 0)
		goto out;

	for (i = 0; i < n; i++) {
		uint64_t now = ts_now_ns(), t0;
		int got;

		if (now >= deadline_ns)
			break;
		if (deadline_ns - now < timeout_ns)
			timeout_ns = deadline_ns - now;
		t0 = ts_ticks();
		got = wait_events(st->epfd, evs, (int)st->nitems, timeout_ns);
		out[i] = ts_ticks() - t0; /* EINTR too: the timing stands */
		if (got > 0)
			drain(st, evs, got);
	}
	ret = (long)i;
out:
	teardown(st);
	free(st);
	return ret;
}

#else /* !__linux__ */

static bool epoll_events_available(const char **why)
{
	*why = "epoll is Linux only; not compiled in this build";
	return false;
}

/* Never called here: available() is false. */
#define epoll_events_collect ts_collect_unsupported

#endif

const struct ts_source ts_source_epoll_events = {
	.name = "epoll_events",
	.platform = "linux",
	.description = "epoll_wait() over timerfds, socketpairs, an eventfd and inotify "
		       "watches, with a poker thread (ready-list locks, wakeups, timer IRQs)",
	.default_credit = 0.15,
	.config_size = sizeof(struct epoll_events_config),
	.config_default = &defaults,
	.options = options,
	.available = epoll_events_available,
	.collect = epoll_events_collect,
	.cost_ns = 16600, /* ns per sample over a startup test, reference VM */
};
