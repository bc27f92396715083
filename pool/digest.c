// SPDX-License-Identifier: Apache-2.0
/*
 * The pool's SHA-256, from a library context of its own (made with the
 * pool): the conditioner must not come from a provider an application
 * configured, nor recurse into the DRBG being seeded.
 *
 * Fetching SHA-256 into a new context costs 0.4-0.8 ms on OpenSSL 3.0
 * (the context's name map and digest store are built): a large part of
 * what timingseed adds to the start of a process such as `openssl rand`
 * (docs/performance.md). Nothing is hashed before a request's first
 * samples are collected and tested, so where the process may run on more
 * than one CPU the first request fetches on a second thread while its
 * calling thread startup-tests and collects, and waits for the digest
 * only when the first chunk is to be hashed. The thread is kept off the
 * calling thread's CPU: left to the scheduler it started on that CPU and
 * waited behind the collection (joins of 0.55 ms after a 0.43 ms fetch).
 *
 * The thread is joined before the request returns, served or not, so it
 * never outlives the request (a fork waits for the request in progress,
 * fork.c). With one CPU, or when the thread cannot be made, the fetch runs
 * in line; a fetch that failed on the thread is tried again in line, so an
 * allocation failure there costs a retry, not the request.
 */
#include <pthread.h>
#include <unistd.h>

#ifdef __linux__
#include <sched.h>
#endif

#include <openssl/evp.h>

#include "pool_int.h"

static void fetch(struct ts_pool *p)
{
	if (p->sha256 == NULL)
		p->sha256 = EVP_MD_fetch(p->libctx, "SHA2-256", NULL);
}

static void *fetch_thread(void *arg)
{
	fetch(arg);
	return NULL;
}

#ifdef __linux__
/* A thread for fn on the CPUs this one may use, but the one it is on. */
static bool spawn_beside(pthread_t *t, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int cpu = sched_getcpu();
	bool ok;

	if (sched_getaffinity(0, sizeof(set), &set) != 0 || CPU_COUNT(&set) < 2)
		return false;
	if (pthread_attr_init(&attr) != 0)
		return false;
	if (cpu >= 0 && CPU_ISSET(cpu, &set)) {
		CPU_CLR(cpu, &set);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	ok = pthread_create(t, &attr, fn, arg) == 0;
	pthread_attr_destroy(&attr);
	return ok;
}
#else
static bool spawn_beside(pthread_t *t, void *(*fn)(void *), void *arg)
{
	return sysconf(_SC_NPROCESSORS_ONLN) > 1 && pthread_create(t, NULL, fn, arg) == 0;
}
#endif

void pool_digest_start(struct ts_pool *p)
{
	/* No thread where the process may be confined: clone3 may be fatal. */
	if (p->sha256 == NULL && !p->fetching && pool_may_spawn(p))
		p->fetching = spawn_beside(&p->fetcher, fetch_thread, p);
}

void pool_digest_settle(struct ts_pool *p)
{
	if (!p->fetching)
		return;
	pthread_join(p->fetcher, NULL);
	p->fetching = false;
}

const EVP_MD *pool_digest(struct ts_pool *p)
{
	pool_digest_settle(p);
	fetch(p);
	return p->sha256;
}

void pool_digest_free(struct ts_pool *p)
{
	pool_digest_settle(p);
	EVP_MD_free(p->sha256);
	OSSL_LIB_CTX_free(p->libctx);
	p->sha256 = NULL;
	p->libctx = NULL;
}
