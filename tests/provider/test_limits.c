// SPDX-License-Identifier: Apache-2.0
/*
 * Resource limits: with RLIMIT_NOFILE at 10, and with no fd free at all,
 * seeding either still works from the sources that need few or no fds, or
 * fails with a clear error (on OpenSSL's error queue through the provider,
 * in the report through the pool); it never crashes, and no fd or thread
 * is left behind. A dedicated binary: the limit is put back after each
 * test, whatever happens.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "timingseed/pool.h"
#include "timingseed/registry.h"
#include "util.h"

static struct rlimit saved;

static int save_limit(void **state)
{
	(void)state;
	return getrlimit(RLIMIT_NOFILE, &saved);
}

static int restore_limit(void **state)
{
	(void)state;
	return setrlimit(RLIMIT_NOFILE, &saved);
}

static void set_limit(rlim_t n)
{
	struct rlimit r = saved;

	r.rlim_cur = n;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &r), 0);
}

/* The lowest fd number not open: a limit of this leaves no fd free. */
static int lowest_free_fd(void)
{
	int fd = 0;

	while (fcntl(fd, F_GETFD) != -1)
		fd++;
	return fd;
}

/* The last error on the queue, as text; 0 if there is none. */
static int last_error(char *buf, size_t len)
{
	const char *data = NULL, *lib;
	unsigned long e;
	int flags = 0;

	buf[0] = '\0';
	e = ERR_peek_last_error_all(NULL, NULL, NULL, &data, &flags);
	if (e == 0)
		return 0;
	lib = ERR_lib_error_string(e);
	snprintf(buf, len, "%s: %s", lib ? lib : "?",
		 (flags & ERR_TXT_STRING) && data ? data : "(no text)");
	return 1;
}

static void print_states(EVP_RAND_CTX *s)
{
	const OSSL_PARAM *g = EVP_RAND_CTX_gettable_params(s);

	for (; g != NULL && g->key != NULL; g++) {
		const char *dot = strrchr(g->key, '.'), *st = NULL;
		OSSL_PARAM p[2];

		if (dot == NULL || strcmp(dot, ".state") != 0)
			continue;
		p[0] = OSSL_PARAM_construct_utf8_ptr(g->key, (char **)&st, 0);
		p[1] = OSSL_PARAM_construct_end();
		if (EVP_RAND_CTX_get_params(s, p) && st != NULL && strcmp(st, "unavailable") != 0)
			print_message("    %s %s\n", g->key, st);
	}
}

/*
 * Seeds through the provider under a limit of `limit` fds: each request is
 * served, or fails with a timingseed error on the queue that says why.
 */
static void seed_under_limit(EVP_RAND_CTX *s, rlim_t limit, const char *what)
{
	unsigned char out[32];
	char err[512];
	long f0 = ts_count_dir("/proc/self/fd"), t0 = ts_threads_baseline();
	int i, ok = 0;

	set_limit(limit);
	for (i = 0; i < 6; i++) {
		ERR_clear_error();
		if (EVP_RAND_generate(s, out, sizeof(out), 256, 0, NULL, 0)) {
			ok++;
			continue;
		}
		assert_true(last_error(err, sizeof(err)));
		print_message("  %s: request %d refused: %s\n", what, i, err);
		assert_non_null(strstr(err, "timingseed"));
		assert_non_null(strstr(err, "generate of 32 bytes: "));
	}
	ERR_clear_error();
	set_limit(saved.rlim_cur);
	print_message("  %s (RLIMIT_NOFILE %llu): %d of 6 requests served; sources:\n", what,
		      (unsigned long long)limit, ok);
	print_states(s);
	assert_int_equal(ts_count_dir("/proc/self/fd"), f0);
	assert_int_equal(ts_threads_settled(t0), t0);
}

static void test_provider_under_fd_limits(void **state)
{
	OSSL_LIB_CTX *libctx;
	OSSL_PROVIDER *ts;
	EVP_RAND *r;
	EVP_RAND_CTX *s;
	long f0 = ts_count_dir("/proc/self/fd");

	(void)state;
	/* 10 from the start: loading the module needs an fd too. */
	assert_true(f0 < 9);
	set_limit(10);
	libctx = OSSL_LIB_CTX_new();
	assert_non_null(libctx);
	assert_true(OSSL_PROVIDER_set_default_search_path(libctx, TS_MODULE_DIR));
	ts = OSSL_PROVIDER_load(libctx, "timingseed");
	assert_non_null(ts);
	r = EVP_RAND_fetch(libctx, "TIMING-SEED", NULL);
	assert_non_null(r);
	s = EVP_RAND_CTX_new(r, NULL);
	assert_non_null(s);
	assert_true(EVP_RAND_instantiate(s, 256, 0, NULL, 0, NULL));

	seed_under_limit(s, 10, "10 fds");
	seed_under_limit(s, (rlim_t)lowest_free_fd(), "no fd free");

	EVP_RAND_CTX_free(s);
	EVP_RAND_free(r);
	OSSL_PROVIDER_unload(ts);
	OSSL_LIB_CTX_free(libctx);
	set_limit(saved.rlim_cur);
	assert_int_equal(ts_count_dir("/proc/self/fd"), f0);
}

/*
 * Each source alone, with no fd free: served, or refused with a message
 * naming the source and the cause. pipe_buffer cannot work without a pipe,
 * so that one must be refused, saying so.
 */
static void test_each_source_without_fds(void **state)
{
	size_t i, served = 0, refused = 0;
	int pipe_refused = 0;

	(void)state;
	for (i = 0; ts_sources[i] != NULL; i++) {
		const struct ts_source *src = ts_sources[i];
		const char *why = NULL;
		struct ts_seed_report rep;
		unsigned char out[32], zero[32] = {0};
		struct ts_pool *p;
		long f0, t0;
		int rc;

		if (!src->available(&why))
			continue;
		p = ts_pool_unconfined(&src, 1);
		assert_non_null(p);
		f0 = ts_count_dir("/proc/self/fd");
		t0 = ts_threads_baseline();
		set_limit((rlim_t)lowest_free_fd());
		rc = ts_pool_seed(p, out, sizeof(out), &rep);
		set_limit(saved.rlim_cur);
		if (rc == 0) {
			served++;
			print_message("  %-14s served without fds\n", src->name);
		} else {
			refused++;
			print_message("  %-14s refused: %s\n", src->name, rep.error);
			assert_int_equal(rc, -1);
			assert_non_null(strstr(rep.error, src->name));
			assert_memory_equal(out, zero, sizeof(out));
			if (strcmp(src->name, "pipe_buffer") == 0) {
				assert_non_null(strstr(rep.error, strerror(EMFILE)));
				pipe_refused = 1;
			}
		}
		assert_true(ts_pool_verify_zeroized(p));
		assert_int_equal(ts_count_dir("/proc/self/fd"), f0);
		assert_int_equal(ts_threads_settled(t0), t0);
		ts_pool_free(p);
	}
	print_message("%zu sources served with no fd free, %zu refused\n", served, refused);
	assert_true(pipe_refused);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_provider_under_fd_limits, save_limit,
						restore_limit),
		cmocka_unit_test_setup_teardown(test_each_source_without_fds, save_limit,
						restore_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
