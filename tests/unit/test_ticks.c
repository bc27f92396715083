// SPDX-License-Identifier: Apache-2.0
/*
 * No fault from the tick counter (issue 24): the counter is the one the
 * CPU has (rdtsc where there is no rdtscp), and a thread whose TSC is
 * turned off (prctl PR_SET_TSC, PR_TSC_SIGSEGV) is told, through the
 * pool's error and the provider's error queue, that no source can run;
 * it is never served weak bytes and never gets a signal. Each case runs in
 * a child, which must exit normally: a SIGSEGV (where the CPU honours the
 * TSC switch; this machine's hypervisor does not) fails the test as
 * surely as a served request does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "timingseed/pool.h"
#include "timingseed/tick.h"
#include "util.h"

#if defined(__linux__) && defined(__x86_64__)
#include <sys/prctl.h>
#define HAVE_TSC_SWITCH 1
#endif

/* The counter named is the one cpuid offers: rdtscp only where it is listed. */
static void test_counter_choice(void **state)
{
	char line[8192];
	bool rdtscp = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	(void)state;
#if !defined(__x86_64__)
	skip();
#endif
	if (f == NULL)
		skip();
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "flags", 5) == 0) {
			rdtscp = strstr(line, " rdtscp") != NULL;
			break;
		}
	fclose(f);
	print_message("cpuinfo %s rdtscp; counter %s\n", rdtscp ? "lists" : "does not list",
		      ts_tick_name());
	assert_string_equal(ts_tick_name(), rdtscp ? "rdtscp" : "rdtsc");
	/* And it runs: two readings, the second not before the first. */
	{
		uint64_t a = ts_ticks(), b = ts_ticks();

		assert_true(b >= a);
	}
}

#ifdef HAVE_TSC_SWITCH
/* Run fn in a child; it must exit 0, not die of a signal. */
static void in_child(void (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("the child died of signal %d", WTERMSIG(status));
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("the child exited %d (its message is above)", WEXITSTATUS(status));
}

/* In a child: a check that fails exits 1 after saying why. */
#define CHILD_CHECK(cond, ...)                                                                     \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "child: " __VA_ARGS__);                                    \
			fputc('\n', stderr);                                                       \
			_exit(1);                                                                  \
		}                                                                                  \
	} while (0)

static void tsc_off(void)
{
	CHILD_CHECK(prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0) == 0, "prctl PR_SET_TSC failed");
}

/* A refused request says why, and serves nothing. */
static void refused(struct ts_pool *p)
{
	struct ts_seed_report rep;
	unsigned char out[32];
	size_t i;

	memset(out, 0xa5, sizeof(out));
	CHILD_CHECK(ts_pool_seed(p, out, sizeof(out), &rep) == -1, "served with the TSC off");
	CHILD_CHECK(strstr(rep.error, "PR_SET_TSC") != NULL, "error without the cause: %s",
		    rep.error);
	for (i = 0; i < sizeof(out); i++)
		CHILD_CHECK(out[i] == 0, "the refused buffer was not wiped");
}

/* Off before load (confined = maybe, the default): nothing runs, each says why. */
static void child_off_before_load(void)
{
	struct ts_source_stats st[TS_MAX_SOURCES];
	struct ts_selftest_result res[TS_MAX_SOURCES];
	struct ts_pool *p;
	size_t i, n;

	tsc_off();
	p = ts_pool_new();
	CHILD_CHECK(p != NULL, "no pool");
	refused(p);
	CHILD_CHECK(ts_pool_startup(p) == 0, "a startup test ran");
	CHILD_CHECK(ts_pool_selftest(p, NULL, 0, res, TS_MAX_SOURCES) == 0, "a selftest ran");
	n = ts_pool_stats(p, st, TS_MAX_SOURCES);
	for (i = 0; i < n; i++)
		CHILD_CHECK(st[i].state == TS_SRC_UNAVAILABLE &&
				    strstr(st[i].last_failure, "PR_SET_TSC") != NULL,
			    "%s: %s, %s", st[i].name, ts_source_state_name(st[i].state),
			    st[i].last_failure);
	ts_pool_free(p);
}

static void test_off_before_load(void **state)
{
	(void)state;
	in_child(child_off_before_load);
}

/* confined = never: asked at every request, so off and on again both count. */
static void child_off_unconfined(void)
{
	struct ts_pool *p = ts_pool_new();
	struct ts_seed_report rep;
	unsigned char out[32];
	char err[TS_ERR_MAX];

	CHILD_CHECK(p != NULL && ts_pool_set(p, "confined", "never", err, sizeof(err)) == 0,
		    "no pool");
	CHILD_CHECK(ts_pool_seed(p, out, sizeof(out), &rep) == 0, "first request: %s", rep.error);
	tsc_off();
	refused(p);
	CHILD_CHECK(prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0) == 0, "PR_TSC_ENABLE failed");
	CHILD_CHECK(ts_pool_seed(p, out, sizeof(out), &rep) == 0, "after PR_TSC_ENABLE: %s",
		    rep.error);
	ts_pool_free(p);
}

static void test_off_unconfined(void **state)
{
	(void)state;
	in_child(child_off_unconfined);
}

/* Through the provider: the error queue names the cause. */
static void child_provider(void)
{
	struct ts_env e;
	EVP_RAND_CTX *ctx;
	unsigned char out[32];
	char buf[512] = "";
	const char *data;
	unsigned long err;
	int flags;

	tsc_off();
	CHILD_CHECK(ts_env_load(&e, TS_MODULE_DIR, "timingseed") == 0, "cannot load the module");
	ctx = EVP_RAND_CTX_new(e.seed, NULL);
	CHILD_CHECK(ctx != NULL, "no TIMING-SEED context");
	CHILD_CHECK(!EVP_RAND_instantiate(ctx, 256, 0, NULL, 0, NULL) ||
			    !EVP_RAND_generate(ctx, out, sizeof(out), 256, 0, NULL, 0),
		    "TIMING-SEED served with the TSC off");
	while ((err = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0)
		if (data != NULL && (flags & ERR_TXT_STRING) && strstr(data, "PR_SET_TSC"))
			snprintf(buf, sizeof(buf), "%s", data);
	CHILD_CHECK(buf[0] != '\0', "no error in the queue names the TSC");
	fprintf(stderr, "child: %s\n", buf);
	EVP_RAND_CTX_free(ctx);
	ts_env_unload(&e);
}

static void test_provider(void **state)
{
	(void)state;
	in_child(child_provider);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_choice),
#ifdef HAVE_TSC_SWITCH
		cmocka_unit_test(test_off_before_load),
		cmocka_unit_test(test_off_unconfined),
		cmocka_unit_test(test_provider),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
