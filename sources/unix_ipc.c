// SPDX-License-Identifier: Apache-2.0
/*
 * unix_ipc: round trips of page-sized messages to a receiver thread over a
 * pool of AF_UNIX socketpairs, the payload passed as a memfd with SCM_RIGHTS.
 *
 * The Linux counterpart of openentropy's sources/ipc/mach_ipc.rs (ported
 * for macOS in mach_ipc.c). Mach's complex message with an out-of-line
 * descriptor hands a region of memory to the receiving task, which finds it
 * mapped into its address space. The nearest Linux path is a memory object
 * passed as a file descriptor: the sender writes ool_size bytes into a
 * memfd and sends the fd over a SOCK_SEQPACKET socketpair with SCM_RIGHTS;
 * the receiver thread gets a fresh fd, maps the memfd, touches each page,
 * unmaps it, closes the fd and sends back a one-byte acknowledgement. With
 * use_complex_messages off, the payload travels inline instead and is
 * copied into and out of the socket buffers, like a simple Mach message.
 * The seed's options keep their names (num_ports is the number of
 * socketpairs used in turn) so one configuration serves both platforms.
 *
 * Why this mechanism. Measured on a 2-vCPU VM (rdtscp, 8 channels, 4096
 * bytes, 200,000 round trips each; "crude H" is -log2 of the largest of
 * the low byte's most-common-value fraction, upper 99% bound, and a lag-1
 * predictor's hit rate): SCM_RIGHTS memfd + map, 20-55k samples/s, MCV
 * 0.009-0.014, crude H 5.9-6.7 bits; vmsplice of the page into a pipe,
 * 51k/s, MCV 0.038, 4.2 bits; SysV msgsnd/msgrcv, 131k/s but a narrow
 * peak, MCV 0.10, 3.0 bits, and its queues outlive a killed process;
 * timing only the send as the seed does (receiver draining asynchronously),
 * 55-160k/s, MCV 0.05-0.07, 3.3-4.3 bits, a bimodal mix in which most
 * samples are an uncontended enqueue. The round trip puts the whole path,
 * both wakeups included, into every sample. (On that VM rdtscp advances in
 * steps of 26 ticks, so the low byte is always even: 7 bits at most.)
 *
 * Physics. Each sample times one round trip. The sender's pwrite() copies
 * the payload into the memfd's shmem page cache; sendmsg() takes a file
 * reference for the fd, allocates an skb from the slab, queues it on the
 * peer under its queue lock and wakes the receiver: try_to_wake_up picks a
 * CPU and, when the receiver sleeps on the other one, sends it an IPI (on
 * a VM a hypervisor exit, or a halted vCPU to be rescheduled by the host).
 * The receiver installs a new fd in the shared fd table, takes the mmap
 * lock to build and tear down a mapping, faults each page in from the page
 * cache and, unmapping, flushes TLBs (with IPIs to CPUs that run this mm);
 * its acknowledgement wakes the sender the same way. The duration varies
 * with where the scheduler puts the two threads and how deeply the idle
 * CPU sleeps, slab and page-cache state shared with every process, cache
 * and TLB misses, interrupts and timer ticks landing in the window, lock
 * contention with other threads of the process, and the hypervisor.
 *
 * What an attacker sees. The channel order is round-robin and the payload
 * is fixed: both are known and worth nothing, and nothing is chosen at
 * random. Several channels are kept, as in the seed, for the kernel-side
 * variety of separate sockets, queues, locks and cache lines (with one
 * channel the crude estimate above fell from 5.9 to 5.2 bits); the
 * assessment runs on this very stream either way. A local process can
 * load the CPUs, the allocator and the scheduler to bias the timings, and
 * a hypervisor sees and can forge both the counter and the wakeups; the
 * health tests catch a collapse, not a careful forger.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "timingseed/source.h"
#include "timingseed/tick.h"

struct unix_ipc_config {
	uint64_t num_ports;
	uint64_t ool_size;
	bool use_complex_messages;
};

static const struct unix_ipc_config defaults = {
	.num_ports = 8,
	.ool_size = 4096,
	.use_complex_messages = true,
};

#define MAX_CHANNELS 64
#define MAX_PAYLOAD  65536
#define MAX_FDS	     4 /* room for fds nobody should send us, to close them */

static const struct ts_option options[] = {
	{"num_ports", TS_OPT_UINT, offsetof(struct unix_ipc_config, num_ports), 1, MAX_CHANNELS,
	 true, "socketpairs used in turn, the seed's Mach ports (clamped to 1..64)"},
	{"ool_size", TS_OPT_UINT, offsetof(struct unix_ipc_config, ool_size), 1, MAX_PAYLOAD, true,
	 "payload bytes per message (clamped to 1..65536)"},
	{"use_complex_messages", TS_OPT_BOOL,
	 offsetof(struct unix_ipc_config, use_complex_messages), 0, 1, false,
	 "pass the payload as a memfd the receiver maps (true) or copy it inline (false)"},
	{NULL, 0, 0, 0, 0, false, NULL},
};

#ifdef __linux__ /* memfd_create, MFD_CLOEXEC, O_TMPFILE */

struct receiver {
	int (*ch)[2]; /* [k][1] is the receiver's end */
	size_t nc;
	size_t size;
	size_t page;
	bool complex;
	unsigned char *buf; /* size bytes, for inline payloads */
};

static bool unix_ipc_available(const char **why)
{
	(void)why;
	return true;
}

static void close_pair(int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

/* A memfd (or an unnamed temp file) holding size bytes. Returns fd or -errno. */
static int payload_fd(size_t size)
{
	static const char *const dirs[] = {"/dev/shm", "/tmp"};
	size_t d;
	int fd;

	fd = memfd_create("timingseed-unix_ipc", MFD_CLOEXEC);
	for (d = 0; fd < 0 && d < sizeof(dirs) / sizeof(dirs[0]); d++)
		fd = open(dirs[d], O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) != 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

/* Map what the sender passed, fault every page in, unmap it. 0 or an errno. */
static int touch_payload(const struct receiver *r, int fd)
{
	volatile const unsigned char *p;
	size_t off;

	p = mmap(NULL, r->size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return errno;
	for (off = 0; off < r->size; off += r->page)
		(void)p[off];
	munmap((void *)p, r->size);
	return 0;
}

/*
 * Receive one message on s and do the receiver's share of the work. Returns
 * -1 at EOF or on error, else the status to acknowledge with: 0, or the
 * errno that kept the payload from being mapped (EMFILE when the passed fd
 * could not be installed), which the sender reports.
 */
static int receive_one(const struct receiver *r, int s)
{
	union {
		char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	unsigned char byte;
	struct iovec iov;
	struct msghdr mh;
	struct cmsghdr *cm;
	int status = r->complex ? EMFILE : 0;
	ssize_t got;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = r->complex ? &byte : r->buf;
	iov.iov_len = r->complex ? 1 : r->size;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	do
		got = recvmsg(s, &mh, MSG_CMSG_CLOEXEC);
	while (got < 0 && errno == EINTR);
	if (got <= 0)
		return -1;

	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t k, nfd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < nfd; k++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + k * sizeof(int), sizeof(fd));
			if (k == 0 && r->complex)
				status = touch_payload(r, fd);
			close(fd);
		}
	}
	return status;
}

/*
 * The receiver: follows the sender's round-robin and acknowledges each
 * message on the channel it came by, with one byte of status. It ends at
 * EOF or on any error, and then shuts its ends down so that a sender
 * waiting for an acknowledgement wakes too.
 */
static void *receiver_main(void *arg)
{
	const struct receiver *r = arg;
	size_t i, k;

	for (i = 0;; i++) {
		int s = r->ch[i % r->nc][1];
		int status = receive_one(r, s);
		unsigned char ack;
		ssize_t w;

		if (status < 0)
			break;
		ack = (unsigned char)(status > 0 && status < 256 ? status : status ? EIO : 0);
		do
			w = send(s, &ack, 1, MSG_NOSIGNAL);
		while (w < 0 && errno == EINTR);
		if (w != 1)
			break;
	}
	for (k = 0; k < r->nc; k++)
		shutdown(r->ch[k][1], SHUT_RDWR);
	return NULL;
}

/* Start the receiver with every signal blocked: they belong to the caller. */
static int start_receiver(pthread_t *th, struct receiver *r)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(th, NULL, receiver_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

/* One timed round trip on s: payload out, status back. 0 or an errno. */
static int round_trip(int s, int memfd, const unsigned char *wbuf, size_t size, uint64_t *dur)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	unsigned char byte = 'm';
	struct iovec iov;
	struct msghdr mh;
	struct cmsghdr *cm;
	uint64_t t0;
	ssize_t w;

	memset(&mh, 0, sizeof(mh));
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (memfd >= 0) {
		iov.iov_base = &byte;
		iov.iov_len = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &memfd, sizeof(int));
	} else {
		iov.iov_base = (void *)wbuf;
		iov.iov_len = size;
	}

	t0 = ts_ticks();
	if (memfd >= 0 && pwrite(memfd, wbuf, size, 0) < 0)
		return errno;
	do
		w = sendmsg(s, &mh, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return errno;
	do
		w = recv(s, &byte, 1, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return errno;
	if (w == 0)
		return EPIPE; /* the receiver gave up */
	*dur = ts_ticks() - t0;
	return byte; /* the receiver's status, 0 when all went well */
}

/*
 * Fallback when no socketpair could be made, as the seed falls back to
 * allocating and freeing a port: one socketpair made and closed per sample.
 */
static long collect_simple(uint64_t *out, size_t n, uint64_t deadline_ns)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t t0;
		int fds[2];

		if ((i & 63) == 63 && ts_now_ns() >= deadline_ns)
			break;
		t0 = ts_ticks();
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
			return i ? (long)i : -errno;
		close_pair(fds);
		out[i] = ts_ticks() - t0;
	}
	return (long)i;
}

static long unix_ipc_collect(const void *config, uint64_t *out, size_t n, uint64_t deadline_ns)
{
	const struct unix_ipc_config *c = config;
	size_t size = c->ool_size < 1 ? 1 : c->ool_size > MAX_PAYLOAD ? MAX_PAYLOAD : c->ool_size;
	size_t want = c->num_ports < 1 ? 1 : c->num_ports;
	int ch[MAX_CHANNELS][2];
	struct receiver r;
	unsigned char *wbuf, *rbuf;
	int memfd = -1, err = 0;
	size_t nc = 0, i;
	long page = sysconf(_SC_PAGESIZE);
	pthread_t th;
	long ret;

	wbuf = malloc(size);
	rbuf = malloc(size);
	if (wbuf == NULL || rbuf == NULL) {
		ret = -ENOMEM;
		goto out_free;
	}
	memset(wbuf, 0xBE, size);

	if (c->use_complex_messages) {
		memfd = payload_fd(size);
		if (memfd < 0) {
			ret = memfd;
			goto out_free;
		}
	}

	for (; nc < want && nc < MAX_CHANNELS; nc++)
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ch[nc]) != 0)
			break;
	/* Out of fds: give one pair back, room for the fd the receiver gets. */
	if (nc < want && nc > 1)
		close_pair(ch[--nc]);
	if (nc == 0) {
		ret = collect_simple(out, n, deadline_ns);
		goto out_close;
	}

	r = (struct receiver){
		.ch = ch,
		.nc = nc,
		.size = size,
		.page = page > 0 ? (size_t)page : 4096,
		.complex = c->use_complex_messages,
		.buf = rbuf,
	};
	err = start_receiver(&th, &r);
	if (err != 0) {
		ret = -err;
		goto out_close;
	}

	for (i = 0; i < n; i++) {
		if ((i & 15) == 15 && ts_now_ns() >= deadline_ns)
			break;
		err = round_trip(ch[i % nc][0], memfd, wbuf, size, &out[i]);
		if (err != 0)
			break;
	}
	ret = err != 0 && i == 0 ? -err : (long)i;

	/* Wake the receiver wherever it waits, then wait for it. */
	for (i = 0; i < nc; i++)
		shutdown(ch[i][0], SHUT_RDWR);
	pthread_join(th, NULL);
out_close:
	while (nc > 0)
		close_pair(ch[--nc]);
	if (memfd >= 0)
		close(memfd);
out_free:
	free(wbuf);
	free(rbuf);
	return ret;
}

#else /* !__linux__ */

static bool unix_ipc_available(const char **why)
{
	*why = "memfd passing is Linux only; not compiled in this build";
	return false;
}

/* Never called here: available() is false. */
#define unix_ipc_collect ts_collect_unsupported

#endif /* __linux__ */

const struct ts_source ts_source_unix_ipc = {
	.name = "unix_ipc",
	.platform = "linux",
	.description = "round trips of page-sized memfd (SCM_RIGHTS) messages to a receiver "
		       "thread that maps them (fd passing, mmap, page faults, TLB flushes, "
		       "wakeups)",
	.default_credit = 1.5,
	.config_size = sizeof(struct unix_ipc_config),
	.config_default = &defaults,
	.options = options,
	.available = unix_ipc_available,
	.collect = unix_ipc_collect,
	.cost_ns = 85600, /* ns per sample over a startup test, reference VM */
};
