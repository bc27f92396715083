// SPDX-License-Identifier: Apache-2.0
/*
 * Confinement: what the pool runs in a process that may have confined
 * itself (a seccomp allow list, a chroot, rlimits) after it loaded the
 * provider. timingseed(7), SANDBOXES, has the decision for users; in short:
 *
 * The pool cannot learn that it is confined. A process confines itself
 * whenever it likes, with no call into OpenSSL: OpenSSH's preauth child
 * after a fork, a server after its set-up, with or without a fork. Every
 * way to ask is a system call that some filter kills: prctl(PR_GET_SECCOMP)
 * under OpenSSH's filter, open() of /proc/self/status under a filter that
 * kills open, and a chroot has no /proc to open. A probe would so be the
 * very call that kills the host process, made to find out whether it may.
 *
 * So the pool assumes, unless told otherwise, that any request may run
 * confined (confined = maybe, the default): it runs only sources that make
 * no system call a sandbox may forbid (struct ts_source's syscall_free:
 * user-space timing, memory from the allocator, clock_gettime), never asks
 * the others' available() (proc_info's is an access()), and makes no
 * thread (clone3, sched_getaffinity). What is left of its own calls is
 * what libc and OpenSSL need anyway: the allocator's brk/mmap/munmap,
 * futex on private mutexes, getpid and clock_gettime, each on OpenSSH's
 * allow list and in systemd's @system-service. The sources that time
 * kernel operations serve a process whose administrator says it never
 * confines itself (confined = never in the provider's section).
 */
#include <stdio.h>
#include <string.h>

#include "timingseed/source.h"
#include "timingseed/tick.h"
#include "pool_int.h"

bool pool_may_run(const struct ts_pool *p, const struct slot *sl)
{
	return p->unconfined || sl->src->syscall_free;
}

bool pool_may_spawn(const struct ts_pool *p)
{
	return p->unconfined;
}

int pool_set_confined(struct ts_pool *p, const char *value, char *err, size_t errlen)
{
	bool unconfined, any = false;
	size_t i;

	if (strcmp(value, "maybe") == 0) {
		unconfined = false;
	} else if (strcmp(value, "never") == 0) {
		unconfined = true;
	} else {
		snprintf(err, errlen, "confined: '%s' is neither 'maybe' nor 'never'", value);
		return -1;
	}
	for (i = 0; i < p->n; i++)
		any |= p->s[i].enabled && (unconfined || p->s[i].src->syscall_free);
	if (!any) {
		snprintf(err, errlen,
			 "confined = %s: every source in 'sources' makes system calls, which a "
			 "process that may be confined cannot run; add a source that makes none "
			 "(`timingseed sources`), or set confined = never if this process never "
			 "confines itself",
			 value);
		return -1;
	}
	if (unconfined == p->unconfined)
		return 0;
	p->unconfined = unconfined;
	for (i = 0; i < p->n; i++)
		if (p->s[i].state != TS_SRC_FAILED)
			pool_slot_reset(p, &p->s[i]);
	return 0;
}

bool pool_ticks_ok(struct ts_pool *p, char *err, size_t errlen)
{
	const char *was = p->ticks_off, *why = NULL;
	size_t i;

	if (p->unconfined)
		p->ticks_off = ts_ticks_usable(&why) ? NULL : why;
	if (p->ticks_off != was)
		for (i = 0; i < p->n; i++)
			if (p->s[i].state != TS_SRC_FAILED)
				pool_slot_reset(p, &p->s[i]);
	if (p->ticks_off == NULL)
		return true;
	snprintf(err, errlen, "no source can run: %s", p->ticks_off);
	return false;
}
