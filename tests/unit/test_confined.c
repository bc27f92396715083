// SPDX-License-Identifier: Apache-2.0
/*
 * confined = maybe (the default): the pool never asks a source that makes
 * system calls anything, neither its available() nor its collect(), in
 * the process that made the pool or in a forked child, and makes no
 * thread; requests are served by the sources that make none. confined =
 * never runs both kinds. The sandboxes themselves are in
 * tests/confine/test_confine.c; this is the rule, counted at the source.
 *
 * pthread_create is wrapped at link time (tests/CMakeLists.txt) to count
 * the threads the pool makes. Forked children never use cmocka: they
 * _exit() with a status the parent checks.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "fault_sources.h"
#include "timingseed/pool.h"
#include "timingseed/source.h"

int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);
static atomic_long threads_made;

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
	atomic_fetch_add(&threads_made, 1);
	return __real_pthread_create(t, a, fn, arg);
}

/* A source that stands for one making system calls: it counts each call. */
static atomic_long asked, collected;

static bool calls_available(const char **why)
{
	(void)why;
	atomic_fetch_add(&asked, 1);
	return true;
}

static long calls_collect(const void *cfg, uint64_t *out, size_t n, uint64_t deadline)
{
	(void)cfg;
	(void)deadline;
	atomic_fetch_add(&collected, 1);
	for (size_t i = 0; i < n; i++)
		out[i] = i * 0x9e3779b97f4a7c15ull >> 13; /* never served: unused */
	return (long)n;
}

static const struct ts_source calls_source = {
	.name = "calls",
	.platform = "test",
	.description = "stands for a source that makes system calls",
	.default_credit = 2.0,
	.available = calls_available,
	.collect = calls_collect,
	/* .syscall_free unset: false, as a source that does not say */
};

static struct ts_pool *pool_of_both(void)
{
	const struct ts_source *v[2] = {&calls_source, &fault_good};
	struct ts_pool *p;

	atomic_store(&asked, 0);
	atomic_store(&collected, 0);
	atomic_store(&threads_made, 0);
	p = ts_pool_new_with(v, 2);
	assert_non_null(p);
	return p;
}

/* Requests enough to start-test a second source and draw its token. */
static int serve_some(struct ts_pool *p)
{
	struct ts_seed_report rep;
	unsigned char out[64];
	int i;

	for (i = 0; i < 4; i++)
		if (ts_pool_seed(p, out, sizeof(out), &rep) != 0)
			return -1;
	return 0;
}

static void test_maybe_never_touches_syscall_sources(void **state)
{
	struct ts_pool *p = pool_of_both();
	struct ts_source_stats st[2];
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(serve_some(p), 0);
	assert_int_equal(atomic_load(&asked), 0);
	assert_int_equal(atomic_load(&collected), 0);
	assert_int_equal(atomic_load(&threads_made), 0);
	assert_int_equal(ts_pool_stats(p, st, 2), 2);
	assert_int_equal(st[0].state, TS_SRC_UNAVAILABLE);
	assert_non_null(strstr(st[0].last_failure, "confined = maybe"));
	assert_int_equal(st[1].state, TS_SRC_HEALTHY);

	/* A forked child redoes its startup tests: with the same rule. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(30);
		if (serve_some(p) != 0)
			_exit(1);
		_exit(atomic_load(&asked) != 0 || atomic_load(&collected) != 0 ||
				      atomic_load(&threads_made) != 0
			      ? 2
			      : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	ts_pool_free(p);
}

static void test_never_runs_both(void **state)
{
	struct ts_pool *p = pool_of_both();
	char err[TS_ERR_MAX];
	cpu_set_t set;

	(void)state;
	assert_int_equal(ts_pool_set(p, "confined", "never", err, sizeof(err)), 0);
	assert_true(atomic_load(&asked) > 0);
	assert_int_equal(serve_some(p), 0);
	assert_true(atomic_load(&collected) > 0);
	/* The first request's SHA-256 fetch thread, where a CPU is spare. */
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) >= 2)
		assert_true(atomic_load(&threads_made) >= 1);
	/* And back: the sources that make calls are off again, not asked. */
	atomic_store(&asked, 0);
	atomic_store(&collected, 0);
	assert_int_equal(ts_pool_set(p, "confined", "maybe", err, sizeof(err)), 0);
	assert_int_equal(serve_some(p), 0);
	assert_int_equal(atomic_load(&asked), 0);
	assert_int_equal(atomic_load(&collected), 0);
	ts_pool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maybe_never_touches_syscall_sources),
		cmocka_unit_test(test_never_runs_both),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
