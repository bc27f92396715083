// SPDX-License-Identifier: Apache-2.0
/*
 * Every source compiled in, through the source interface: samples within
 * the deadline, not all equal, no fd or thread left behind, bad options
 * refused (or clamped where the seed clamps).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#ifdef __linux__
#include <sys/auxv.h>
#endif

#include "timingseed/options.h"
#include "timingseed/registry.h"
#include "timingseed/tick.h"
#include "util.h"

/*
 * Threads the sources made and did not join or detach: pthread_create,
 * pthread_join and pthread_detach are wrapped at link time for this test
 * (tests/CMakeLists.txt), so a thread left behind is counted exactly,
 * even one that has already returned (its /proc/self/task entry gone).
 */
int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);
int __real_pthread_join(pthread_t t, void **ret);
int __real_pthread_detach(pthread_t t);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);
int __wrap_pthread_join(pthread_t t, void **ret);
int __wrap_pthread_detach(pthread_t t);
static long unjoined;

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
	int err = __real_pthread_create(t, a, fn, arg);

	unjoined += err == 0;
	return err;
}

int __wrap_pthread_join(pthread_t t, void **ret)
{
	int err = __real_pthread_join(t, ret);

	unjoined -= err == 0;
	return err;
}

int __wrap_pthread_detach(pthread_t t)
{
	int err = __real_pthread_detach(t);

	unjoined -= err == 0;
	return err;
}

static void test_registry(void **state)
{
	static const char *const names[] = {
		"pipe_buffer", "kqueue_events",	   "epoll_events", "mach_ipc",
		"unix_ipc",    "proc_info_timing", "proc_info",	   "commpage_clock_timing",
		"vdso_clock",  "cpu_jitter"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_non_null(ts_source_find(names[i]));
	assert_null(ts_source_find("no_such_source"));
#ifdef __linux__
	/* The Linux counterparts, the POSIX original and the portable
	 * sources must run here. */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct ts_source *s = ts_source_find(names[i]);
		const char *why = NULL;

		if (strcmp(s->name, "vdso_clock") == 0 && getauxval(AT_SYSINFO_EHDR) == 0)
			continue; /* no vDSO mapped (valgrind): honestly unavailable */
		if (strcmp(s->platform, "linux") == 0 || strcmp(s->platform, "posix") == 0 ||
		    strcmp(s->platform, "any") == 0) {
			assert_true(s->available(&why));
		} else {
			uint64_t out[4] = {0};

			assert_false(s->available(&why));
			assert_non_null(why);
			/* Not built here: collect refuses, and makes no sample. */
			assert_int_equal(
				s->collect(s->config_default, out, 4, ts_now_ns() + 1000000),
				-ENOSYS);
			assert_int_equal(out[0], 0);
		}
	}
#endif
}

static void test_samples_vary(void **state)
{
	enum { N = 2000 };
	uint64_t *buf = calloc(N, sizeof(*buf));
	size_t i, k;

	(void)state;
	for (i = 0; ts_sources[i] != NULL; i++) {
		const struct ts_source *s = ts_sources[i];
		const char *why = NULL;
		void *cfg;
		long got;
		uint64_t t0;

		if (!s->available(&why))
			continue;
		cfg = ts_config_new(s);
		t0 = ts_now_ns();
		got = s->collect(cfg, buf, N, t0 + 5000000000ULL);
		print_message("%s: %ld samples in %.2f ms\n", s->name, got,
			      (ts_now_ns() - t0) / 1e6);
		assert_int_equal(got, N);
		for (k = 1; k < N && buf[k] == buf[0]; k++)
			;
		assert_true(k < N); /* not all equal */
		ts_config_free(cfg);
	}
	free(buf);
}

static void test_deadline(void **state)
{
	enum { N = 1 << 22 };
	uint64_t *buf = malloc(N * sizeof(*buf));
	size_t i;

	(void)state;
	for (i = 0; ts_sources[i] != NULL; i++) {
		const struct ts_source *s = ts_sources[i];
		const char *why = NULL;
		void *cfg;
		uint64_t t0, took;
		long got;

		if (!s->available(&why))
			continue;
		cfg = ts_config_new(s);
		t0 = ts_now_ns();
		got = s->collect(cfg, buf, N, t0 + 20000000u); /* 20 ms for 4M samples */
		took = ts_now_ns() - t0;
		print_message("%s: %ld samples by a 20 ms deadline, returned after %.1f ms\n",
			      s->name, got, took / 1e6);
		assert_true(got > 0);
		/* Generous: a shared, noisy machine; a missed deadline is seconds. */
		assert_true(took < 1000000000u);
		ts_config_free(cfg);
	}
	free(buf);
}

static void test_no_leaks(void **state)
{
	uint64_t buf[64];
	size_t i, r;

	(void)state;
	for (i = 0; ts_sources[i] != NULL; i++) {
		const struct ts_source *s = ts_sources[i];
		const char *why = NULL;
		long fds, tasks, u0;
		void *cfg;

		if (!s->available(&why))
			continue;
		cfg = ts_config_new(s);
		fds = ts_count_dir("/proc/self/fd");
		tasks = ts_threads_baseline();
		u0 = unjoined;
		for (r = 0; r < 1000; r++)
			assert_true(s->collect(cfg, buf, 64, ts_now_ns() + 1000000000u) > 0);
		assert_int_equal(ts_count_dir("/proc/self/fd"), fds);
		if (unjoined != u0)
			fail_msg("%s: %ld threads made and neither joined nor detached", s->name,
				 unjoined - u0);
		assert_int_equal(ts_threads_settled(tasks), tasks);
		ts_config_free(cfg);
	}
}

static void test_bad_options(void **state)
{
	char err[256], big[64];
	size_t i;

	(void)state;
	for (i = 0; ts_sources[i] != NULL; i++) {
		const struct ts_source *s = ts_sources[i];
		const struct ts_option *o;
		void *cfg = ts_config_new(s);

		assert_int_equal(ts_config_set(s, cfg, "no_such_option", "1", err, sizeof(err)),
				 -1);
		assert_non_null(strstr(err, s->name));
		assert_non_null(strstr(err, "no_such_option"));
		for (o = s->options; o != NULL && o->key != NULL; o++) {
			assert_int_equal(ts_config_set(s, cfg, o->key, "", err, sizeof(err)), -1);
			assert_int_equal(ts_config_set(s, cfg, o->key, "x1", err, sizeof(err)), -1);
			assert_int_equal(ts_config_set(s, cfg, o->key, "-1", err, sizeof(err)), -1);
			assert_non_null(strstr(err, o->key));
			if (o->type == TS_OPT_BOOL) {
				assert_int_equal(
					ts_config_set(s, cfg, o->key, "maybe", err, sizeof(err)),
					-1);
				assert_int_equal(
					ts_config_set(s, cfg, o->key, "false", err, sizeof(err)),
					0);
				continue;
			}
			assert_int_equal(ts_config_set(s, cfg, o->key, "99999999999999999999999",
						       err, sizeof(err)),
					 -1);
			snprintf(big, sizeof(big), "%llu", (unsigned long long)o->max + 1);
			if (o->max < UINT64_MAX) {
				int r = ts_config_set(s, cfg, o->key, big, err, sizeof(err));

				if (o->clamp) {
					assert_int_equal(r, 0);
					assert_int_equal(*(uint64_t *)((char *)cfg + o->offset),
							 o->max);
				} else {
					assert_int_equal(r, -1);
					assert_non_null(strstr(err, "range"));
				}
			}
		}
		ts_config_free(cfg);
	}
}

/*
 * Each assessment a credit is held to (struct ts_assessment) applies to
 * its source, and changes the config: a setting the defaults already have
 * would fix nothing.
 */
static void test_assessments(void **state)
{
	char err[256];
	size_t i, k, j, with = 0;

	(void)state;
	for (i = 0; ts_sources[i] != NULL; i++) {
		const struct ts_source *s = ts_sources[i];

		for (k = 0; s->assessments != NULL && s->assessments[k].label != NULL; k++) {
			void *cfg = ts_config_new(s);

			assert_non_null(cfg);
			assert_non_null(s->assessments[k].sets[0]);
			for (j = 0; s->assessments[k].sets[j] != NULL; j++)
				if (ts_config_set_pair(s, cfg, s->assessments[k].sets[j], err,
						       sizeof(err)) != 0)
					fail_msg("%s: %s", s->name, err);
			assert_true(memcmp(cfg, s->config_default, s->config_size) != 0);
			ts_config_free(cfg);
			with++;
		}
	}
	assert_true(with >= 4); /* pipe_buffer's two write sizes, proc_info's two queries */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),    cmocka_unit_test(test_samples_vary),
		cmocka_unit_test(test_deadline),    cmocka_unit_test(test_no_leaks),
		cmocka_unit_test(test_bad_options), cmocka_unit_test(test_assessments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
