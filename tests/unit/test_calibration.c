// SPDX-License-Identifier: Apache-2.0
/*
 * The key "calibration" (pool/calibration.c): a file of this machine
 * raises a credit; one of another machine, or a source at other settings,
 * leaves the default in force and says why; an edited, foreign-owned,
 * writable-by-others, quick or unsupported file is refused. The files
 * are written here in the format calibrate writes (calibration.h), with
 * this machine's binding as the pool reads it, and figures chosen by the
 * test: what is tested is the pool's reading, not a measurement.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "timingseed/calibration.h"
#include "timingseed/options.h"
#include "timingseed/pool.h"
#include "timingseed/registry.h"
#include "timingseed/tick.h"

#define SRC "cpu_jitter" /* syscall-free, available wherever a tick counter is */

static char dir[] = "/tmp/ts_calibration.XXXXXX";
static char path[256];

/* What a file says, before it is written. */
struct spec {
	const char *format;
	unsigned long samples, rows;
	struct ts_binding b;
	char settings[256];
	const char *figures; /* SRC's figures.1 */
	const char *credit;
	const char *extra; /* a line more, or NULL */
	bool tamper;	   /* change the credit after the digest */
};

static void spec_default(struct spec *s)
{
	const struct ts_source *src = ts_source_find(SRC);
	void *cfg = ts_config_new(src);

	memset(s, 0, sizeof(*s));
	s->format = TS_CAL_FORMAT;
	s->samples = TS_CAL_SAMPLES;
	s->rows = TS_CAL_ROWS;
	ts_binding_read(&s->b);
	assert_true(ts_settings_text(src, cfg, s->settings, sizeof(s->settings)) > 0);
	ts_config_free(cfg);
	/* Credit 0.08, above the default 0.06 but not so far above what
	 * cpu_jitter carries that its health tests fire (docs/health.md). */
	s->figures = "0.2000 0.1600 0.2500 0.2000";
	s->credit = "0.0800";
}

static void write_spec(const struct spec *s, mode_t mode)
{
	char text[8192];
	unsigned char md[32];
	unsigned int mdlen, i;
	size_t n = 0, k;
	FILE *f;

	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "# written by test_calibration\nformat = %s\nsamples = %lu\n"
			      "restarts = %lu 1000\n",
			      s->format, s->samples, s->rows);
	for (k = 0; k < TS_BIND_FIELDS; k++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "machine.%s = %s\n",
				      ts_binding_name((enum ts_binding_field)k), s->b.value[k]);
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "source." SRC ".settings = %s\nsource." SRC ".figures.1 = %s\n"
			      "source." SRC ".credit = %s\n%s%s",
			      s->settings, s->figures, s->credit, s->extra ? s->extra : "",
			      s->extra ? "\n" : "");
	assert_int_equal(EVP_Digest(text, n, md, &mdlen, EVP_sha256(), NULL), 1);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "sha256 = ");
	for (i = 0; i < mdlen; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%02x", md[i]);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\n");
	if (s->tamper) {
		char *c = strstr(text, "credit = ");

		assert_non_null(c);
		c[9] = '3'; /* 0.0800 -> 3.0800 */
	}
	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static struct ts_pool *pool_for(void)
{
	struct ts_pool *p = ts_pool_new();
	char err[TS_ERR_MAX];

	assert_non_null(p);
	assert_int_equal(ts_pool_set(p, "confined", "never", err, sizeof(err)), 0);
	return p;
}

static const struct ts_source_stats *stats_of(struct ts_pool *p, struct ts_source_stats *st)
{
	size_t n = ts_pool_stats(p, st, TS_MAX_SOURCES), i;

	for (i = 0; i < n; i++)
		if (strcmp(st[i].name, SRC) == 0)
			return &st[i];
	fail_msg("%s not in the pool", SRC);
	return NULL;
}

/* SRC's cap comes from want, or the test fails saying what the pool says. */
static void expect_from(struct ts_pool *p, const char *want)
{
	struct ts_source_stats st[TS_MAX_SOURCES];
	char buf[768];

	if (strcmp(stats_of(p, st)->cap_from, want) != 0) {
		ts_pool_calibration(p, buf, sizeof(buf));
		fail_msg("cap from %s, not %s; calibration: %s", stats_of(p, st)->cap_from, want,
			 buf);
	}
}

/* Set the calibration; the return code, err holding the message. */
static int set(struct ts_pool *p, char *err, size_t len)
{
	return ts_pool_set(p, "calibration", path, err, len);
}

static void refused(const struct spec *s, mode_t mode, const char *why)
{
	struct ts_pool *p = pool_for();
	struct ts_source_stats st[TS_MAX_SOURCES];
	char err[TS_ERR_MAX] = "", buf[768];

	if (s != NULL)
		write_spec(s, mode);
	if (set(p, err, sizeof(err)) == 0)
		fail_msg("accepted a file that should be refused for '%s'", why);
	if (strstr(err, why) == NULL)
		fail_msg("refused, but not for '%s': %s", why, err);
	/* Nothing changed: the default stays, no calibration configured. */
	assert_true(stats_of(p, st)->default_credit == ts_source_find(SRC)->default_credit);
	assert_int_equal(ts_pool_calibration(p, buf, sizeof(buf)), -1);
	ts_pool_free(p);
}

static void test_binding_read(void **state)
{
	struct ts_binding b, again;
	struct utsname u;
	int i;
	char cs[128] = "";
	FILE *f;
	size_t k;

	(void)state;
	ts_binding_read(&b);
	for (k = 0; k < TS_BIND_FIELDS; k++) {
		print_message("machine.%s = %s\n", ts_binding_name((enum ts_binding_field)k),
			      b.value[k]);
		assert_true(b.value[k][0] != '\0');
		assert_null(strchr(b.value[k], '\n'));
		/* The file's format trims nothing: no value may end in a space. */
		assert_true(b.value[k][strlen(b.value[k]) - 1] != ' ');
	}
	assert_string_equal(b.value[TS_BIND_COUNTER], ts_tick_name());
	assert_true(strtoull(b.value[TS_BIND_COUNTER_STEP], NULL, 10) >= 1);
	assert_string_equal(b.value[TS_BIND_VERSION], TS_VERSION);
	assert_int_equal(uname(&u), 0);
	assert_non_null(strstr(b.value[TS_BIND_KERNEL], u.release));
	f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	if (f != NULL) {
		assert_non_null(fgets(cs, sizeof(cs), f));
		fclose(f);
		cs[strcspn(cs, "\n")] = '\0';
		assert_string_equal(b.value[TS_BIND_CLOCKSOURCE], cs);
	}
	/* Read again and again, the same: a binding that flickers would drop a
	 * good file now and then. */
	for (i = 0; i < 300; i++) {
		ts_binding_read(&again);
		for (k = 0; k < TS_BIND_FIELDS; k++)
			if (strcmp(b.value[k], again.value[k]) != 0)
				fail_msg("read %d: machine.%s '%s', first '%s'", i,
					 ts_binding_name((enum ts_binding_field)k), again.value[k],
					 b.value[k]);
	}
}

static void test_in_force(void **state)
{
	struct ts_pool *p = pool_for();
	struct ts_source_stats st[TS_MAX_SOURCES];
	const struct ts_source_stats *s;
	struct ts_seed_report rep;
	unsigned char out[32];
	char err[TS_ERR_MAX], buf[768], want[64];
	struct spec sp;

	(void)state;
	spec_default(&sp);
	write_spec(&sp, 0644);
	if (set(p, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(ts_pool_calibration(p, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, SRC " 0.0800"));
	s = stats_of(p, st);
	assert_true(s->default_credit == 0.08);
	expect_from(p, "calibrated");
	/* Above the default (0.06), up to the calibration: accepted; above it, not. */
	assert_int_equal(ts_pool_set(p, "credit." SRC, "0.07", err, sizeof(err)), 0);
	expect_from(p, "configured");
	assert_int_equal(ts_pool_set(p, "credit." SRC, "0.09", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "calibrated credit 0.08"));
	/* A pool of that source alone serves at the credit in force, never above
	 * the cap: the startup estimate can only lower it. */
	assert_int_equal(ts_pool_set(p, "sources", SRC, err, sizeof(err)), 0);
	assert_int_equal(ts_pool_set(p, "credit." SRC, "0.08", err, sizeof(err)), 0);
	if (ts_pool_seed(p, out, sizeof(out), &rep) != 0)
		fail_msg("%s", rep.error);
	s = stats_of(p, st);
	print_message("served: %s; credit in force %.4f\n", rep.sources, s->credit);
	assert_true(s->credit > 0 && s->credit <= 0.08);
	snprintf(want, sizeof(want), SRC "=");
	assert_non_null(strstr(rep.sources, want));
	ts_pool_free(p);
}

static void test_other_machine(void **state)
{
	static const enum ts_binding_field fields[] = {TS_BIND_CPU, TS_BIND_KERNEL,
						       TS_BIND_CLOCKSOURCE, TS_BIND_COUNTER_STEP,
						       TS_BIND_VERSION};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		struct ts_pool *p = pool_for();
		struct ts_source_stats st[TS_MAX_SOURCES];
		char err[TS_ERR_MAX], buf[768];
		struct spec sp;

		spec_default(&sp);
		snprintf(sp.b.value[fields[i]], sizeof(sp.b.value[0]), "elsewhere");
		write_spec(&sp, 0644);
		/* Not an error: the file is sound, only not this machine's. */
		if (set(p, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		assert_int_equal(ts_pool_calibration(p, buf, sizeof(buf)), 0);
		print_message("%s\n", buf);
		assert_non_null(strstr(buf, ts_binding_name(fields[i])));
		assert_non_null(strstr(buf, "default credits in force"));
		assert_true(stats_of(p, st)->default_credit == ts_source_find(SRC)->default_credit);
		expect_from(p, "default");
		ts_pool_free(p);
	}
}

static void test_other_settings(void **state)
{
	struct ts_pool *p = pool_for();
	struct ts_source_stats st[TS_MAX_SOURCES];
	char err[TS_ERR_MAX], buf[768];
	struct spec sp;

	(void)state;
	spec_default(&sp);
	write_spec(&sp, 0644);
	assert_int_equal(set(p, err, sizeof(err)), 0);
	expect_from(p, "calibrated");
	/* The settings measured are the defaults; others are another source. */
	assert_int_equal(ts_pool_set(p, SRC ".accesses", "64", err, sizeof(err)), 0);
	expect_from(p, "default");
	assert_true(stats_of(p, st)->default_credit == ts_source_find(SRC)->default_credit);
	assert_int_equal(ts_pool_calibration(p, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "settings differ"));
	/* Back at the settings measured: calibrated again. */
	assert_int_equal(ts_pool_set(p, SRC ".accesses", "32", err, sizeof(err)), 0);
	expect_from(p, "calibrated");
	ts_pool_free(p);
}

static void test_refused(void **state)
{
	struct spec sp;

	(void)state;
	spec_default(&sp);
	refused(&sp, 0664, "writable by group or others");
	refused(&sp, 0646, "writable by group or others");
	sp.tamper = true;
	refused(&sp, 0644, "does not match its sha256");
	spec_default(&sp);
	sp.credit = "0.0801"; /* figures' smallest is 0.16: at most 0.08 */
	refused(&sp, 0644, "above half its smallest figure");
	spec_default(&sp);
	sp.samples = 100000;
	refused(&sp, 0644, "at least 10^6");
	spec_default(&sp);
	sp.extra = "samples = -1"; /* a second samples line, and no count */
	refused(&sp, 0644, "samples = -1");
	spec_default(&sp);
	sp.rows = 100;
	refused(&sp, 0644, "1000 x 1000");
	spec_default(&sp);
	sp.format = "timingseed-calibration 2";
	refused(&sp, 0644, "format");
	spec_default(&sp);
	sp.extra = "source.no_such_source.credit = 1";
	refused(&sp, 0644, "does not have");
	spec_default(&sp);
	sp.extra = "trust = yes";
	refused(&sp, 0644, "unknown key 'trust'");
	spec_default(&sp);
	sp.figures = "0.2000 0.1600 0.2500";
	refused(&sp, 0644, "not four figures");
	snprintf(path, sizeof(path), "%s/absent.conf", dir);
	refused(NULL, 0, "absent.conf: cannot open");
	/* A FIFO: refused at once, never waited on for a writer. */
	snprintf(path, sizeof(path), "%s/fifo.conf", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	refused(NULL, 0, "not a regular file");
	unlink(path);
	snprintf(path, sizeof(path), "%s/cal.conf", dir);
}

/* Owned by someone else: only root can make such a file to test with. */
static void test_foreign_owner(void **state)
{
	struct spec sp;

	(void)state;
	if (geteuid() != 0)
		skip();
	spec_default(&sp);
	write_spec(&sp, 0644);
	assert_int_equal(chown(path, 4242, 4242), 0);
	{
		struct ts_pool *p = pool_for();
		char err[TS_ERR_MAX] = "";

		assert_int_equal(set(p, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "owned by uid 4242"));
		ts_pool_free(p);
	}
	unlink(path);
}

static int setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/cal.conf", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_binding_read),  cmocka_unit_test(test_in_force),
		cmocka_unit_test(test_other_machine), cmocka_unit_test(test_other_settings),
		cmocka_unit_test(test_refused),	      cmocka_unit_test(test_foreign_owner),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
