// SPDX-License-Identifier: Apache-2.0
/*
 * Fork. The prepare handler takes every pool's lock so no pool is forked
 * mid-request (the child would inherit a held lock); the child's handler
 * bumps the generation, which makes each pool redo its startup tests.
 *
 * A mutex is not fair: a thread that requests seeds in a loop takes a
 * pool's lock again and again while the prepare handler waits for it
 * (fork() was seen waiting over a second behind requests of under a
 * millisecond). So while a fork is waiting, requests wait for it first
 * (pool_lock), and a fork waits for at most the request in progress.
 * They wait with nanosleep(), not sched_yield(): a confined process may run
 * this, and nanosleep is on every allow list (OpenSSH's filter has no
 * sched_yield in some versions: timingseed(7), SANDBOXES).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "pool_int.h"

static pthread_mutex_t pools_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ts_pool *pools;
static unsigned long fork_gen;
static atomic_int forking; /* threads in fork() between prepare and parent */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

void pool_lock(struct ts_pool *p)
{
	static const struct timespec wait = {0, 20000}; /* 20 us: a fork takes longer */

	while (atomic_load_explicit(&forking, memory_order_acquire) > 0)
		nanosleep(&wait, NULL);
	pthread_mutex_lock(&p->lock);
}

void pool_unlock(struct ts_pool *p)
{
	pthread_mutex_unlock(&p->lock);
}

static void fork_prepare(void)
{
	struct ts_pool *p;

	atomic_fetch_add_explicit(&forking, 1, memory_order_acq_rel);
	pthread_mutex_lock(&pools_lock);
	for (p = pools; p != NULL; p = p->next)
		pthread_mutex_lock(&p->lock);
}

static void unlock_all(void)
{
	struct ts_pool *p;

	for (p = pools; p != NULL; p = p->next)
		pthread_mutex_unlock(&p->lock);
	pthread_mutex_unlock(&pools_lock);
}

static void fork_parent(void)
{
	unlock_all();
	atomic_fetch_sub_explicit(&forking, 1, memory_order_acq_rel);
}

static void fork_child(void)
{
	fork_gen++;
	unlock_all();
	/* Other threads' forks in progress are the parent's, not ours. */
	atomic_store_explicit(&forking, 0, memory_order_release);
}

static void register_atfork(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

void pool_join(struct ts_pool *p)
{
	p->fork_gen = fork_gen;
	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&pools_lock);
	p->next = pools;
	pools = p;
	pthread_mutex_unlock(&pools_lock);
}

void pool_leave(struct ts_pool *p)
{
	struct ts_pool **pp;

	pthread_mutex_lock(&pools_lock);
	for (pp = &pools; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	pthread_mutex_unlock(&pools_lock);
}

/*
 * In a child, before it uses or reports anything: its startup tests are its
 * own, its blocks and its counts of served samples too (a source failed for
 * good stays failed). Called with p->lock held.
 */
void pool_after_fork(struct ts_pool *p)
{
	size_t i;

	if (p->fork_gen == fork_gen)
		return;
	for (i = 0; i < p->n; i++) {
		if (p->s[i].state != TS_SRC_FAILED)
			pool_slot_reset(p, &p->s[i]);
		p->s[i].samples = 0;
		p->s[i].credited_bits = 0;
	}
	p->counter = 0;
	p->fork_gen = fork_gen;
}
