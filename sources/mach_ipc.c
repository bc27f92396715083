// SPDX-License-Identifier: Apache-2.0
/*
 * mach_ipc: mach_msg() sends of complex messages carrying an out-of-line
 * memory region, round-robin over a pool of Mach ports drained by a
 * receiver thread.
 *
 * Port of openentropy's sources/ipc/mach_ipc.rs. Mach IPC exists on macOS
 * only: elsewhere the source is listed with its options but reports itself
 * unavailable, and unix_ipc.c is its Linux counterpart.
 *
 * Physics. Each sample times one mach_msg() send, as the seed does. The
 * kernel allocates a kmsg from its zone and copies the header in, looks the
 * destination name up in the task's IPC space and takes a send reference,
 * then copies the out-of-line descriptor in with vm_map_copyin: a small
 * region (the default, one page) is copied into a kernel buffer, a larger
 * one is set up copy-on-write by walking the VM map and write-protecting
 * its pages, with TLB maintenance. ipc_mqueue_send then locks the port's
 * queue and appends the message; when the queue is full (five messages by
 * default) the send blocks, for at most 10 ms, until the receiver drains
 * it, and the sample then holds a wakeup and the receiver's scheduling.
 * The receiver polls every port without blocking; each message it takes is
 * copied out, which maps a fresh region into the same VM map, and
 * vm_deallocate removes it, so the two threads contend for the map lock
 * and the zone allocators. The duration varies with zone and VM map state
 * (shared with every thread of the task, and the zones with the system),
 * that lock contention, cache and TLB misses, interrupts, and where the
 * scheduler puts the receiver (P or E core, how often it yields back).
 * mach_absolute_time() ticks at 24 MHz on Apple Silicon, about 42 ns: a
 * send of a microsecond or two is a few dozen ticks, so the low byte holds
 * much less than its eight bits, and the credit must come from an
 * assessment on the machine itself.
 *
 * With use_complex_messages off the seed sends nothing: each sample times
 * allocating and freeing a receive right plus mach_port_type() on a pool
 * port, IPC space table work only. When no port can be made at all, the
 * seed's fallback times the allocate-and-free alone.
 *
 * What an attacker sees. The port order is round-robin, the region size
 * fixed and its contents constant: known, worth nothing. A local process
 * can load the same zones and CPUs to bias the timings, and a hypervisor
 * (macOS guests) sees and can forge the counter; the health tests catch a
 * collapse, not a careful forger.
 *
 * Where this port departs from the seed's code, to do what its comments
 * say. The seed's header bits are 0x80000000 | 17 "COMPLEX | COPY_SEND",
 * but 17 is MACH_MSG_TYPE_MOVE_SEND: the first message to each port moves
 * the name's only send right away, and every later send fails at header
 * copyin with MACH_SEND_INVALID_DEST, so the seed mostly times that error
 * path. Its send option 1 | 0x80 "MACH_SEND_TIMEOUT" is MACH_SEND_MSG |
 * MACH_SEND_NOTIFY; MACH_SEND_TIMEOUT is 0x10. Here: COPY_SEND and
 * MACH_SEND_TIMEOUT with the seed's 10 ms. And a send that fails after
 * copyin (MACH_SEND_TIMED_OUT) is "pseudo-received" back into the
 * sender's buffer, a new copy of the region mapped into our address space
 * and the destination's send right returned; the seed would leak both,
 * here they are given back, so every port ends with the rights it was
 * made with and is freed whole.
 */
#include <errno.h>

#include "timingseed/source.h"
#include "timingseed/tick.h"

struct mach_ipc_config {
	uint64_t num_ports;
	uint64_t ool_size;
	bool use_complex_messages;
};

static const struct mach_ipc_config defaults = {
	.num_ports = 8,
	.ool_size = 4096,
	.use_complex_messages = true,
};

#define MAX_PORTS 64
#define MAX_OOL	  65536

static const struct ts_option options[] = {
	{"num_ports", TS_OPT_UINT, offsetof(struct mach_ipc_config, num_ports), 1, MAX_PORTS, true,
	 "Mach ports used in turn (clamped to 1..64)"},
	{"ool_size", TS_OPT_UINT, offsetof(struct mach_ipc_config, ool_size), 1, MAX_OOL, true,
	 "bytes of the out-of-line region per message (clamped to 1..65536)"},
	{"use_complex_messages", TS_OPT_BOOL,
	 offsetof(struct mach_ipc_config, use_complex_messages), 0, 1, false,
	 "send complex messages with an OOL region (true) or time port allocate/free (false)"},
	{NULL, 0, 0, 0, 0, false, NULL},
};

#ifdef __APPLE__

#include <mach/mach.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SEND_TIMEOUT_MS 10 /* the seed's MACH_SEND_TIMEOUT */

/* A complex message with one OOL descriptor, as sent. */
struct ool_msg {
	mach_msg_header_t header;
	mach_msg_body_t body;
	mach_msg_ool_descriptor_t ool;
};

/* The same as received, with room for the trailer and the seed's slack. */
struct ool_rcv {
	struct ool_msg msg;
	mach_msg_max_trailer_t trailer;
	char slack[1024];
};

struct receiver {
	const mach_port_t *ports;
	size_t np;
	struct ool_rcv *buf;
	atomic_bool stop;
};

static bool mach_ipc_available(const char **why)
{
	(void)why;
	return true;
}

static int kr_errno(kern_return_t kr)
{
	switch (kr) {
	case KERN_RESOURCE_SHORTAGE:
		return ENOMEM;
	case KERN_NO_SPACE:
		return EMFILE; /* the task's port name space is full */
	default:
		return EIO;
	}
}

static int send_errno(mach_msg_return_t kr)
{
	if ((kr & ~MACH_MSG_MASK) == MACH_SEND_NO_BUFFER ||
	    (kr & (MACH_MSG_VM_KERNEL | MACH_MSG_IPC_KERNEL)) != 0)
		return ENOMEM;
	return EIO;
}

/* A receive right with a send right under the same name. */
static kern_return_t make_port(mach_port_t *port)
{
	mach_port_t task = mach_task_self();
	kern_return_t kr;

	kr = mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, port);
	if (kr != KERN_SUCCESS)
		return kr;
	kr = mach_port_insert_right(task, *port, *port, MACH_MSG_TYPE_MAKE_SEND);
	if (kr != KERN_SUCCESS)
		mach_port_mod_refs(task, *port, MACH_PORT_RIGHT_RECEIVE, -1);
	return kr;
}

/* The send right first: once the receive right goes, it would be a dead name. */
static void free_port(mach_port_t port)
{
	mach_port_t task = mach_task_self();

	mach_port_mod_refs(task, port, MACH_PORT_RIGHT_SEND, -1);
	mach_port_mod_refs(task, port, MACH_PORT_RIGHT_RECEIVE, -1);
}

/* Give back the OOL region a message mapped into our address space. */
static void free_ool(const struct ool_msg *m)
{
	if ((m->header.msgh_bits & MACH_MSGH_BITS_COMPLEX) && m->header.msgh_size >= sizeof(*m) &&
	    m->body.msgh_descriptor_count >= 1 && m->ool.type == MACH_MSG_OOL_DESCRIPTOR &&
	    m->ool.address != NULL && m->ool.size > 0)
		vm_deallocate(mach_task_self(), (vm_address_t)m->ool.address, m->ool.size);
}

/*
 * Take one message off port if there is one, without waiting. The kernel
 * copied its OOL region out into our address space: vm_deallocate it, or
 * the task grows by a region per message. It carries no port right (the
 * receive consumes the destination's, and there is no reply port).
 */
static void receive_one(mach_port_t port, struct ool_rcv *buf)
{
	mach_msg_return_t kr;

	memset(&buf->msg, 0, sizeof(buf->msg));
	buf->msg.header.msgh_local_port = port;
	buf->msg.header.msgh_size = sizeof(*buf);
	kr = mach_msg(&buf->msg.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(*buf), port, 0,
		      MACH_PORT_NULL);
	if (kr == MACH_MSG_SUCCESS)
		free_ool(&buf->msg);
}

/* The receiver: a non-blocking pass over every port, then yield, until told. */
static void *receiver_main(void *arg)
{
	struct receiver *r = arg;
	size_t k;

	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		for (k = 0; k < r->np; k++)
			receive_one(r->ports[k], r->buf);
		sched_yield();
	}
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

/* One timed send of a complex message with region as its OOL descriptor. */
static uint64_t send_ool(mach_port_t port, void *region, size_t size, size_t i,
			 mach_msg_return_t *ret)
{
	struct ool_msg msg;
	mach_msg_return_t kr;
	uint64_t t0, t1;

	memset(&msg, 0, sizeof(msg));
	msg.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
	msg.header.msgh_size = sizeof(msg);
	msg.header.msgh_remote_port = port;
	msg.header.msgh_local_port = MACH_PORT_NULL;
	msg.header.msgh_id = (mach_msg_id_t)(i & 0x7fffffff);
	msg.body.msgh_descriptor_count = 1;
	msg.ool.address = region;
	msg.ool.size = (mach_msg_size_t)size;
	msg.ool.deallocate = FALSE;
	msg.ool.copy = MACH_MSG_VIRTUAL_COPY;
	msg.ool.type = MACH_MSG_OOL_DESCRIPTOR;

	t0 = ts_ticks();
	kr = mach_msg(&msg.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof(msg), 0,
		      MACH_PORT_NULL, SEND_TIMEOUT_MS, MACH_PORT_NULL);
	t1 = ts_ticks();

	/*
	 * Timed out (or interrupted) after copyin: the message came back
	 * pseudo-received, with a new copy of the region mapped at
	 * msg.ool.address and the destination's send right, one more user
	 * reference on our port name, in msgh_remote_port. A message still
	 * pointing at our own region was never copied in: nothing to undo.
	 */
	switch (kr & ~MACH_MSG_MASK) {
	case MACH_SEND_TIMED_OUT:
	case MACH_SEND_INTERRUPTED:
		if (msg.ool.address == region)
			break;
		free_ool(&msg);
		if (MACH_MSGH_BITS_REMOTE(msg.header.msgh_bits) == MACH_MSG_TYPE_PORT_SEND &&
		    MACH_PORT_VALID(msg.header.msgh_remote_port))
			mach_port_deallocate(mach_task_self(), msg.header.msgh_remote_port);
		break;
	default:
		break;
	}
	*ret = kr;
	return t1 - t0;
}

static long collect_complex(const mach_port_t *ports, size_t np, size_t size, uint64_t *out,
			    size_t n, uint64_t deadline_ns)
{
	mach_msg_return_t kr = MACH_MSG_SUCCESS;
	struct receiver r;
	unsigned char *region;
	pthread_t th;
	size_t i = 0;
	int err;

	region = malloc(size);
	r.buf = malloc(sizeof(*r.buf));
	if (region == NULL || r.buf == NULL) {
		err = ENOMEM;
		goto out;
	}
	memset(region, 0xBE, size);
	r.ports = ports;
	r.np = np;
	atomic_init(&r.stop, false);
	err = start_receiver(&th, &r);
	if (err != 0)
		goto out;

	for (i = 0; i < n; i++) {
		/* A timed-out send took 10 ms: look at the clock at once. */
		if (((i & 15) == 15 || kr != MACH_MSG_SUCCESS) && ts_now_ns() >= deadline_ns)
			break;
		out[i] = send_ool(ports[i % np], region, size, i, &kr);
		/* A full queue is part of the physics; any other failure is not. */
		if (kr != MACH_MSG_SUCCESS && (kr & ~MACH_MSG_MASK) != MACH_SEND_TIMED_OUT) {
			if (i == 0)
				err = send_errno(kr);
			break;
		}
	}

	atomic_store_explicit(&r.stop, true, memory_order_relaxed);
	pthread_join(th, NULL);
out:
	free(region);
	free(r.buf);
	return err != 0 ? -err : (long)i;
}

/* use_complex_messages off: a receive right made and freed, a pool port queried. */
static long collect_port_ops(const mach_port_t *ports, size_t np, uint64_t *out, size_t n,
			     uint64_t deadline_ns)
{
	mach_port_t task = mach_task_self();
	size_t i;

	for (i = 0; i < n; i++) {
		mach_port_type_t type;
		mach_port_t port;
		kern_return_t kr;
		uint64_t t0;

		if ((i & 63) == 63 && ts_now_ns() >= deadline_ns)
			break;
		t0 = ts_ticks();
		kr = mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &port);
		if (kr == KERN_SUCCESS)
			mach_port_mod_refs(task, port, MACH_PORT_RIGHT_RECEIVE, -1);
		mach_port_type(task, ports[i % np], &type);
		out[i] = ts_ticks() - t0;
		if (kr != KERN_SUCCESS && i == 0)
			return -kr_errno(kr);
	}
	return (long)i;
}

/* The seed's fallback when no port could be made: allocate and free only. */
static long collect_simple(uint64_t *out, size_t n, uint64_t deadline_ns)
{
	mach_port_t task = mach_task_self();
	size_t i;

	for (i = 0; i < n; i++) {
		mach_port_t port;
		kern_return_t kr;
		uint64_t t0;

		if ((i & 63) == 63 && ts_now_ns() >= deadline_ns)
			break;
		t0 = ts_ticks();
		kr = mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &port);
		if (kr == KERN_SUCCESS)
			mach_port_mod_refs(task, port, MACH_PORT_RIGHT_RECEIVE, -1);
		out[i] = ts_ticks() - t0;
		if (kr != KERN_SUCCESS)
			return i ? (long)i : -kr_errno(kr);
	}
	return (long)i;
}

static long mach_ipc_collect(const void *config, uint64_t *out, size_t n, uint64_t deadline_ns)
{
	const struct mach_ipc_config *c = config;
	size_t want = c->num_ports < 1 ? 1 : c->num_ports;
	size_t size = c->ool_size < 1 ? 1 : c->ool_size > MAX_OOL ? MAX_OOL : c->ool_size;
	mach_port_t ports[MAX_PORTS];
	size_t np = 0;
	long ret;

	for (; np < want && np < MAX_PORTS; np++)
		if (make_port(&ports[np]) != KERN_SUCCESS)
			break;
	if (np == 0)
		return collect_simple(out, n, deadline_ns);

	if (c->use_complex_messages)
		ret = collect_complex(ports, np, size, out, n, deadline_ns);
	else
		ret = collect_port_ops(ports, np, out, n, deadline_ns);

	/* The receiver is joined: nothing uses the names any more. */
	while (np > 0)
		free_port(ports[--np]);
	return ret;
}

#else /* !__APPLE__ */

static bool mach_ipc_available(const char **why)
{
	*why = "Mach IPC is macOS only; not compiled in this build";
	return false;
}

/* Never called here: available() is false. */
#define mach_ipc_collect ts_collect_unsupported

#endif /* __APPLE__ */

const struct ts_source ts_source_mach_ipc = {
	.name = "mach_ipc",
	.platform = "macos",
	.description = "mach_msg() sends of complex messages with an out-of-line region, "
		       "round-robin over Mach ports (kmsg zones, vm_map_copyin, port queues, "
		       "receiver thread)",
	.default_credit = 0.05,
	.config_size = sizeof(struct mach_ipc_config),
	.config_default = &defaults,
	.options = options,
	.available = mach_ipc_available,
	.collect = mach_ipc_collect,
};
