// SPDX-License-Identifier: Apache-2.0
/*
 * Resources: 10,000 seed requests leave the process with the fds, threads
 * and memory it had before; loading and unloading the provider leaves no
 * fd, no thread and no mapping of timingseed.so behind, and repeating the
 * cycle does not grow what OpenSSL's allocator holds. Memory is counted
 * two ways: bytes live through OpenSSL's allocator (CRYPTO_set_mem_functions,
 * set before anything allocates: ours and OpenSSL's own allocations), and
 * glibc's heap in use (everything, plain malloc too). Leaks that are freed
 * at exit cannot show here; valgrind and LeakSanitizer see the others
 * (scripts/sanitize.sh).
 *
 * The provider serves steady-state requests from its fastest sources only,
 * so every source also gets 1,000 requests of its own through the pool
 * API, under the same checks: the sources that open fds and start threads
 * for each collection are the ones that could leak them.
 *
 * TS_LEAKS_SEEDS overrides the 10,000, TS_LEAKS_PER_SOURCE the 1,000 (the
 * test prints what it ran).
 */
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "timingseed/pool.h"
#include "timingseed/registry.h"
#include "util.h"

#define SEEDS	    10000
#define PER_SOURCE  1000
#define CHECK_EVERY 1000
#define CYCLES	    5
/* Heap growth allowed over the seeds: glibc bookkeeping, never a leak per seed. */
#define SEED_SLACK (16 * 1024)

/* ---- OpenSSL's allocator, counted -------------------------------------- */

static atomic_long live; /* bytes */

struct hdr {
	size_t n;
	size_t pad; /* keeps the block 16-byte aligned */
};

static void *count_malloc(size_t n, const char *file, int line)
{
	struct hdr *h = malloc(sizeof(*h) + n);

	(void)file;
	(void)line;
	if (h == NULL)
		return NULL;
	h->n = n;
	atomic_fetch_add(&live, (long)n);
	return h + 1;
}

static void count_free(void *p, const char *file, int line)
{
	struct hdr *h;

	(void)file;
	(void)line;
	if (p == NULL)
		return;
	h = (struct hdr *)p - 1;
	atomic_fetch_sub(&live, (long)h->n);
	free(h);
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
	struct hdr *h;
	size_t old;

	if (p == NULL)
		return count_malloc(n, file, line);
	if (n == 0) {
		count_free(p, file, line);
		return NULL;
	}
	h = (struct hdr *)p - 1;
	old = h->n;
	h = realloc(h, sizeof(*h) + n);
	if (h == NULL)
		return NULL;
	h->n = n;
	atomic_fetch_add(&live, (long)n - (long)old);
	return h + 1;
}

static long fds(void)
{
	return ts_count_dir("/proc/self/fd");
}

/* Bytes glibc's heap has handed out (0 when a sanitizer owns malloc). */
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void load(struct ts_env *e)
{
	assert_int_equal(ts_env_load(e, TS_MODULE_DIR, "timingseed"), 0);
}

static void unload(struct ts_env *e)
{
	assert_true(ts_env_unload(e)); /* both providers unload cleanly */
}

/* Everything an application does: a seed context, a DRBG on it, requests. */
static void use(struct ts_env *e)
{
	EVP_RAND_CTX *s = ts_env_new_seed(e), *d = ts_new_ctr_drbg(e->ctr, s);
	unsigned char out[64];

	assert_true(EVP_RAND_instantiate(d, 256, 0, NULL, 0, NULL));
	assert_true(EVP_RAND_generate(s, out, 32, 256, 0, NULL, 0));
	assert_true(EVP_RAND_generate(d, out, sizeof(out), 256, 1, NULL, 0));
	EVP_RAND_CTX_free(d);
	EVP_RAND_CTX_free(s);
}

/*
 * Load, use, unload: no fd, no thread, no mapping left. The first cycle
 * sets up OpenSSL's own process-wide state; after it, more cycles must
 * not grow what OpenSSL's allocator holds.
 */
static void test_unload_leaves_nothing(void **state)
{
	long f0 = fds(), t0 = ts_threads_baseline(), l1 = 0, l = 0;
	struct ts_env e;
	int i;

	(void)state;
	assert_false(ts_module_mapped());
	for (i = 1; i <= CYCLES; i++) {
		load(&e);
		assert_true(ts_module_mapped());
		use(&e);
		unload(&e);
		/* A new library context reads the system config, which may queue
		 * an error each time; the queue keeps its strings until reused. */
		ERR_clear_error();
		assert_false(ts_module_mapped());
		assert_int_equal(fds(), f0);
		assert_int_equal(ts_threads_settled(t0), t0);
		l = atomic_load(&live);
		if (i == 1)
			l1 = l;
	}
	print_message("%d load/use/unload cycles: %ld fds, %ld threads throughout; OpenSSL "
		      "allocator holds %ld bytes after the first, %ld after the last\n",
		      CYCLES, f0, t0, l1, l);
	assert_int_equal(l, l1);
}

static long seeds(void)
{
	const char *v = getenv("TS_LEAKS_SEEDS");
	long n = v != NULL ? strtol(v, NULL, 10) : SEEDS;

	return n > 0 ? n : SEEDS;
}

/* 32-byte requests, as a DRBG's get_seed makes them: nothing accumulates. */
static void test_many_seeds_leave_nothing(void **state)
{
	struct ts_env e;
	EVP_RAND_CTX *s;
	unsigned char out[32];
	long n = seeds(), i, f0, t0, l0, l;
	size_t h0, h;
	double start;

	(void)state;
	load(&e);
	s = ts_env_new_seed(&e);
	/* Warm up: startup tests, OpenSSL's lazy initialisation. */
	for (i = 0; i < 10; i++)
		assert_true(EVP_RAND_generate(s, out, sizeof(out), 256, 0, NULL, 0));
	f0 = fds();
	t0 = ts_threads_baseline();
	h0 = heap_in_use();
	l0 = atomic_load(&live);
	start = now_s();
	for (i = 1; i <= n; i++) {
		if (!EVP_RAND_generate(s, out, sizeof(out), 256, 0, NULL, 0)) {
			ERR_print_errors_fp(stderr);
			fail_msg("seed %ld of %ld failed", i, n);
		}
		if (i % CHECK_EVERY == 0 || i == n) {
			long f = fds(), t = ts_threads_settled(t0);

			if (f != f0 || t != t0)
				fail_msg("after %ld seeds: %ld fds (%ld before), %ld threads (%ld "
					 "before)",
					 i, f, f0, t, t0);
		}
	}
	h = heap_in_use();
	l = atomic_load(&live);
	print_message("%ld seeds of 32 bytes in %.1f s (%.2f ms each): %ld fds, %ld threads "
		      "before and after; OpenSSL allocator %ld -> %ld bytes, heap %zu -> %zu "
		      "bytes\n",
		      n, now_s() - start, (now_s() - start) * 1e3 / n, f0, t0, l0, l, h0, h);
	assert_int_equal(fds(), f0);
	assert_int_equal(ts_threads_settled(t0), t0);
	assert_int_equal(l, l0);
	if (h0 != 0) /* 0: a sanitizer owns malloc, LeakSanitizer checks */
		assert_true(h <= h0 + SEED_SLACK);
	EVP_RAND_CTX_free(s);
	unload(&e);
}

static long per_source(void)
{
	const char *v = getenv("TS_LEAKS_PER_SOURCE");
	long n = v != NULL ? strtol(v, NULL, 10) : PER_SOURCE;

	return n > 0 ? n : PER_SOURCE;
}

static void test_each_source_leaves_nothing(void **state)
{
	long n = per_source(), i, f0, t0, l0;
	size_t k, h0, tested = 0;

	(void)state;
	for (k = 0; ts_sources[k] != NULL; k++) {
		const struct ts_source *src = ts_sources[k];
		const char *why = NULL;
		struct ts_seed_report rep;
		unsigned char out[32];
		struct ts_pool *p;
		double start;

		if (!src->available(&why))
			continue;
		p = ts_pool_unconfined(&src, 1);
		assert_non_null(p);
		assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), 0); /* startup */
		f0 = fds();
		t0 = ts_threads_baseline();
		l0 = atomic_load(&live);
		h0 = heap_in_use();
		start = now_s();
		for (i = 1; i <= n; i++) {
			if (ts_pool_seed(p, out, sizeof(out), &rep) != 0)
				fail_msg("%s: seed %ld of %ld failed: %s", src->name, i, n,
					 rep.error);
			if (i % (CHECK_EVERY / 10) == 0 &&
			    (fds() != f0 || ts_threads_settled(t0) != t0))
				fail_msg("%s: after %ld seeds: %ld fds (%ld before), %ld threads "
					 "(%ld before)",
					 src->name, i, fds(), f0, ts_threads_settled(t0), t0);
		}
		print_message("  %-14s %ld seeds in %.1f s: fds %ld, threads %ld, OpenSSL "
			      "allocator %+ld bytes, heap %+ld bytes\n",
			      src->name, n, now_s() - start, fds(), ts_threads_settled(t0),
			      atomic_load(&live) - l0, (long)(heap_in_use() - h0));
		assert_int_equal(fds(), f0);
		assert_int_equal(ts_threads_settled(t0), t0);
		assert_int_equal(atomic_load(&live), l0);
		if (h0 != 0)
			assert_true(heap_in_use() <= h0 + SEED_SLACK);
		ts_pool_free(p);
		tested++;
	}
	assert_true(tested > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unload_leaves_nothing),
		cmocka_unit_test(test_many_seeds_leave_nothing),
		cmocka_unit_test(test_each_source_leaves_nothing),
	};

	/* Before anything allocates through OpenSSL. */
	if (!CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free)) {
		fprintf(stderr, "CRYPTO_set_mem_functions: too late\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
