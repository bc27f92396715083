// SPDX-License-Identifier: Apache-2.0
/*
 * Eight threads, each with its own CTR-DRBG over TIMING-SEED, each asking
 * for prediction resistance 1,000 times (every one a get_seed): no failure,
 * no deadlock, no two threads handed the same bytes. Threads 0-3 give their
 * DRBG a TIMING-SEED context of its own; threads 4-7 share one, with
 * locking enabled, as OpenSSL's own DRBG chain does. All of them share the
 * provider's pool. Meant to run under ThreadSanitizer too (scripts/sanitize.sh).
 *
 * TS_THREADS_ITERATIONS overrides the 1,000 (the test prints what it ran).
 * A watchdog fails the test when no thread makes progress for a minute.
 *
 * And through the pool API: requests queued behind other threads' requests
 * still get their whole deadline for their own collection; and every source
 * runs in several threads at once (each thread with pools of its own), as
 * processes with several providers or library contexts do, which the
 * provider test above does not show: its pool serves from its fastest
 * sources only.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "timingseed/pool.h"
#include "timingseed/registry.h"
#include "util.h"

#define THREADS	    8
#define OWN_PARENTS 4 /* threads 0..3; the others share one parent */
#define ITERATIONS  1000
#define STALL_S	    60

struct worker {
	pthread_t th;
	int id;
	EVP_RAND_CTX *seed; /* its own, or the shared one */
	EVP_RAND_CTX *drbg;
	long iterations;
	long failed;
	char first_error[1024];
	unsigned char first[32];
	unsigned char last[32];
	int repeated; /* an output equal to the one before */
	double seconds;
};

static atomic_long progress;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The whole error queue, with each error's text. */
static void errors(char *buf, size_t len)
{
	const char *data;
	unsigned long e;
	size_t off = 0;
	int flags;

	buf[0] = '\0';
	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0 && off < len) {
		char one[160];

		ERR_error_string_n(e, one, sizeof(one));
		off += (size_t)snprintf(buf + off, len - off, "%s%s%s%s", off ? " | " : "", one,
					(flags & ERR_TXT_STRING) ? ": " : "",
					(flags & ERR_TXT_STRING) ? data : "");
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned char out[32];
	double t0 = now_s();
	long i;

	for (i = 0; i < w->iterations; i++) {
		/* Prediction resistance: a reseed from the parent, so a
		 * get_seed, before every output. */
		if (!EVP_RAND_generate(w->drbg, out, sizeof(out), 256, 1, NULL, 0)) {
			if (w->failed++ == 0)
				errors(w->first_error, sizeof(w->first_error));
			ERR_clear_error();
		} else {
			if (i == 0)
				memcpy(w->first, out, sizeof(out));
			else if (memcmp(out, w->last, sizeof(out)) == 0)
				w->repeated++;
			memcpy(w->last, out, sizeof(out));
		}
		atomic_fetch_add(&progress, 1);
	}
	w->seconds = now_s() - t0;
	return NULL;
}

static long iterations(void)
{
	const char *v = getenv("TS_THREADS_ITERATIONS");
	long n = v != NULL ? strtol(v, NULL, 10) : ITERATIONS;

	return n > 0 ? n : ITERATIONS;
}

static EVP_RAND_CTX *new_drbg(EVP_RAND *ctr, EVP_RAND_CTX *parent)
{
	EVP_RAND_CTX *d = ts_new_ctr_drbg(ctr, parent);

	assert_true(EVP_RAND_instantiate(d, 256, 1, NULL, 0, NULL));
	return d;
}

static void test_prediction_resistant_reseeds(void **state)
{
	struct ts_env e;
	EVP_RAND_CTX *shared;
	struct worker w[THREADS];
	long n = iterations(), last = -1, total_failed = 0;
	double t0, stalled_since;
	int i, j, repeats;

	(void)state;
	assert_int_equal(ts_env_load(&e, TS_MODULE_DIR, "timingseed"), 0);

	shared = EVP_RAND_CTX_new(e.seed, NULL);
	assert_non_null(shared);
	assert_true(EVP_RAND_enable_locking(shared));
	assert_true(EVP_RAND_instantiate(shared, 256, 0, NULL, 0, NULL));
	memset(w, 0, sizeof(w));
	for (i = 0; i < THREADS; i++) {
		w[i].id = i;
		w[i].iterations = n;
		if (i < OWN_PARENTS) {
			w[i].seed = ts_env_new_seed(&e);
		} else {
			w[i].seed = shared;
		}
		w[i].drbg = new_drbg(e.ctr, w[i].seed);
	}
	print_message("%d threads x %ld prediction-resistant generates (%d own parents, %d on "
		      "one shared locking parent)\n",
		      THREADS, n, OWN_PARENTS, THREADS - OWN_PARENTS);

	t0 = now_s();
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&w[i].th, NULL, worker_main, &w[i]), 0);
	/* Watchdog: all done, or no progress at all for STALL_S seconds. */
	stalled_since = now_s();
	for (;;) {
		long p = atomic_load(&progress);

		if (p == THREADS * n)
			break;
		if (p != last) {
			last = p;
			stalled_since = now_s();
		} else if (now_s() - stalled_since > STALL_S) {
			fail_msg("no thread made progress for %d s after %ld of %ld "
				 "generates: deadlock?",
				 STALL_S, p, THREADS * n);
		}
		usleep(100000);
	}
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(w[i].th, NULL), 0);
	print_message("%ld seeds in %.1f s: %.2f ms per seed\n", THREADS * n, now_s() - t0,
		      (now_s() - t0) * 1e3 / (THREADS * n));

	for (i = 0, repeats = 0; i < THREADS; i++) {
		if (w[i].failed)
			print_message("thread %d: %ld of %ld failed, first: %s\n", i, w[i].failed,
				      n, w[i].first_error);
		total_failed += w[i].failed;
		repeats += w[i].repeated;
		for (j = 0; j < i; j++)
			assert_memory_not_equal(w[i].first, w[j].first, sizeof(w[i].first));
	}
	assert_int_equal(total_failed, 0);
	assert_int_equal(repeats, 0);

	for (i = 0; i < THREADS; i++) {
		EVP_RAND_CTX_free(w[i].drbg);
		if (i < OWN_PARENTS)
			EVP_RAND_CTX_free(w[i].seed);
	}
	EVP_RAND_CTX_free(shared);
	ts_env_unload(&e);
}

/* ---- the deadline under contention -------------------------------------- */

#define PACE_MS	   150 /* one collection: one request's block */
#define DEADLINE   "400"
#define CONTENDERS 4

static bool paced_available(const char **why)
{
	(void)why;
	return true;
}

/* Every collect() call takes PACE_MS, whatever it is asked for. */
static long paced_collect(const void *cfg, uint64_t *out, size_t n, uint64_t deadline)
{
	static uint64_t x = 88172645463325252ULL;
	struct timespec ts = {0, PACE_MS * 1000000L};
	size_t i;

	(void)cfg;
	(void)deadline;
	nanosleep(&ts, NULL);
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		out[i] = x;
	}
	return (long)n;
}

static const struct ts_source paced_source = {
	.name = "paced",
	.platform = "test",
	.description = "150 ms per collection",
	.default_credit = 2.0,
	.available = paced_available,
	.collect = paced_collect,
	.syscall_free = true, /* nanosleep: on every allow list */
};

struct contender {
	pthread_t th;
	struct ts_pool *pool;
	int rc[2];
	char error[TS_ERR_MAX];
};

static void *contender_main(void *arg)
{
	struct contender *c = arg;
	struct ts_seed_report rep;
	unsigned char out[32];
	int i;

	for (i = 0; i < 2; i++) {
		c->rc[i] = ts_pool_seed(c->pool, out, sizeof(out), &rep);
		if (c->rc[i] != 0)
			snprintf(c->error, sizeof(c->error), "%s", rep.error);
	}
	return NULL;
}

/*
 * Four threads, two requests each, on one pool whose every request takes
 * 150 ms of its 400 ms deadline: most of them wait longer than 400 ms for
 * the pool, and every one must still be served.
 */
static void test_deadline_not_eaten_by_waiting(void **state)
{
	const struct ts_source *v[1] = {&paced_source};
	struct ts_pool *p = ts_pool_new_with(v, 1);
	struct contender c[CONTENDERS];
	char err[128];
	double t0;
	int i;

	(void)state;
	assert_non_null(p);
	assert_int_equal(ts_pool_startup(p), 1);
	assert_int_equal(ts_pool_set(p, "deadline_ms", DEADLINE, err, sizeof(err)), 0);
	memset(c, 0, sizeof(c));
	t0 = now_s();
	for (i = 0; i < CONTENDERS; i++) {
		c[i].pool = p;
		assert_int_equal(pthread_create(&c[i].th, NULL, contender_main, &c[i]), 0);
	}
	for (i = 0; i < CONTENDERS; i++)
		assert_int_equal(pthread_join(c[i].th, NULL), 0);
	print_message("%d requests of %d ms each in %.2f s, deadline %s ms each\n", 2 * CONTENDERS,
		      PACE_MS, now_s() - t0, DEADLINE);
	for (i = 0; i < CONTENDERS; i++) {
		if (c[i].rc[0] != 0 || c[i].rc[1] != 0)
			fail_msg("thread %d: %s", i, c[i].error);
	}
	ts_pool_free(p);
}

/* ---- every source in several threads at once ------------------------------ */

#define POOL_THREADS 4
#define POOL_SEEDS   20

struct pooler {
	pthread_t th;
	int failed;
	char error[TS_ERR_MAX + 32];
};

static void *pooler_main(void *arg)
{
	struct pooler *w = arg;
	size_t k;
	int i;

	for (k = 0; ts_sources[k] != NULL; k++) {
		const struct ts_source *src = ts_sources[k];
		const char *why = NULL;
		struct ts_seed_report rep;
		unsigned char out[32];
		struct ts_pool *p;

		if (!src->available(&why))
			continue;
		p = ts_pool_unconfined(&src, 1);
		if (p == NULL) {
			w->failed++;
			continue;
		}
		for (i = 0; i < POOL_SEEDS; i++)
			if (ts_pool_seed(p, out, sizeof(out), &rep) != 0 && w->failed++ == 0)
				snprintf(w->error, sizeof(w->error), "%s: %s", src->name,
					 rep.error);
		ts_pool_free(p);
	}
	return NULL;
}

static void test_sources_in_threads(void **state)
{
	struct pooler w[POOL_THREADS];
	double t0 = now_s();
	int i;

	(void)state;
	memset(w, 0, sizeof(w));
	for (i = 0; i < POOL_THREADS; i++)
		assert_int_equal(pthread_create(&w[i].th, NULL, pooler_main, &w[i]), 0);
	for (i = 0; i < POOL_THREADS; i++)
		assert_int_equal(pthread_join(w[i].th, NULL), 0);
	print_message("%d threads, each %d seeds from every source on pools of its own: %.1f s\n",
		      POOL_THREADS, POOL_SEEDS, now_s() - t0);
	for (i = 0; i < POOL_THREADS; i++)
		if (w[i].failed)
			fail_msg("thread %d: %d failed, first: %s", i, w[i].failed, w[i].error);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deadline_not_eaten_by_waiting),
		cmocka_unit_test(test_sources_in_threads),
		cmocka_unit_test(test_prediction_resistant_reseeds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
