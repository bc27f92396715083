// SPDX-License-Identifier: Apache-2.0
/*
 * The confinement matrix (issue 22): a process loads timingseed through
 * openssl.cnf into the default library context, forks, and the child
 * confines itself the ways real programs do, then asks OpenSSL for random
 * bytes; OpenSSL reseeds inside the confinement (after the fork, on
 * prediction-resistant requests, when the primary's reseed time runs
 * out). The child must be served, by TIMING-SEED (its sample counters go
 * up), and never killed.
 *
 * Shape: each cmocka test forks a scenario process that loads the config
 * (a fresh OpenSSL: the test runner itself never initialises libcrypto),
 * optionally draws once, and forks the confined child. The child reports
 * every call, with timingseed's sample count after it, through a pipe made
 * before confining (write() is allowed everywhere); the scenario process
 * adds the child's wait status. Neither uses cmocka (a failed assertion
 * would longjmp into a copy of the runner); alarm() ends a hang.
 *
 * Confinements: OpenSSH's Linux preauth seccomp filter (as it is in 10.x,
 * after docs in shared/notes/sandboxes.md), with kill and with EPERM as the
 * default action; OpenSSH's rlimit sandbox; chroot into an empty directory,
 * rlimits and the filter, in sshd's order; systemd's @system-service set
 * with kill as the default action. Controls: `confined = never` under the
 * kill filter must be killed by SIGSYS (the filter is real and a kill is
 * seen), and OpenSSL's own OS seed (no [random] section) must be served
 * under every confinement.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "confinements.h"

#define SCENARIO_ALARM 30 /* s: a scenario process that takes longer is hung */
#define CHILD_ALARM    20 /* s: the same for the confined child */
#define ROUNDS	       20 /* RAND_bytes and RAND_priv_bytes calls, 64 bytes each */
#define PR_ROUNDS      3  /* prediction-resistant requests on the primary */

/* ---- timingseed's sample counter -------------------------------------- */

#define MAX_PARAMS 64

/* Every <source>.samples parameter of the provider named "timingseed", made ready before confining.
 */
struct counter {
	OSSL_PROVIDER *prov;
	OSSL_PARAM p[MAX_PARAMS + 1];
	uint64_t s[MAX_PARAMS];
	size_t n;
};

static int find_cb(OSSL_PROVIDER *prov, void *arg)
{
	struct counter *c = arg;
	const char *name = NULL;
	OSSL_PARAM p[] = {OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_NAME, (char **)&name, 0),
			  OSSL_PARAM_END};

	if (c->prov == NULL && OSSL_PROVIDER_get_params(prov, p) && name != NULL &&
	    strcmp(name, "timingseed") == 0)
		c->prov = prov;
	return 1;
}

static int counter_init(struct counter *c)
{
	const OSSL_PARAM *g;
	const char *suffix = ".samples";

	memset(c, 0, sizeof(*c));
	OSSL_PROVIDER_do_all(NULL, find_cb, c);
	if (c->prov == NULL)
		return -1;
	for (g = OSSL_PROVIDER_gettable_params(c->prov); g != NULL && g->key != NULL; g++) {
		size_t k = strlen(g->key), l = strlen(suffix);

		if (k > l && strcmp(g->key + k - l, suffix) == 0 && c->n < MAX_PARAMS) {
			c->p[c->n] = OSSL_PARAM_construct_uint64(g->key, &c->s[c->n]);
			c->n++;
		}
	}
	c->p[c->n] = OSSL_PARAM_construct_end();
	return c->n > 0 ? 0 : -1;
}

/* Samples timingseed served in this process, over all sources; UINT64_MAX if unreadable. */
static uint64_t counter_read(struct counter *c)
{
	uint64_t total = 0;
	size_t i;

	memset(c->s, 0, sizeof(c->s));
	if (!OSSL_PROVIDER_get_params(c->prov, c->p))
		return UINT64_MAX;
	for (i = 0; i < c->n; i++)
		total += c->s[i];
	return total;
}

/* ---- the report: fixed-size records through a pipe -------------------- */

enum step {
	STEP_SETUP,    /* setting up failed (err): no confined calls ran */
	STEP_BEFORE,   /* the scenario process's RAND_bytes before forking */
	STEP_CONFINED, /* the child is confined; samples: the count just before */
	STEP_PUBLIC,   /* RAND_bytes */
	STEP_PRIVATE,  /* RAND_priv_bytes */
	STEP_PR,       /* prediction-resistant generate on the primary */
	STEP_DONE,     /* the child got to its end */
	STEP_WAIT,     /* the scenario process: the child's wait status (result) */
};

static const char *const step_names[] = {"setup",
					 "RAND_bytes before fork",
					 "confined",
					 "RAND_bytes",
					 "RAND_priv_bytes",
					 "PR generate",
					 "done",
					 "wait"};

/* One record: well under PIPE_BUF, so each write() is atomic. */
struct rec {
	int32_t step, index;
	int32_t result; /* calls: 1 served; 0 failed, nothing returned; -1 failed but bytes left */
	int32_t pad;
	uint64_t samples; /* timingseed's count after the step */
	char err[200];
};

static void send_rec(int fd, int step, int index, int result, uint64_t samples, const char *err)
{
	struct rec r;
	ssize_t w;

	memset(&r, 0, sizeof(r));
	r.step = step;
	r.index = index;
	r.result = result;
	r.samples = samples;
	if (err != NULL)
		snprintf(r.err, sizeof(r.err), "%s", err);
	do
		w = write(fd, &r, sizeof(r));
	while (w < 0 && errno == EINTR);
}

/* OpenSSL's errors, oldest first, into buf (in memory only: no system call). */
static void ossl_errors(char *buf, size_t len)
{
	unsigned long e;
	size_t used = 0;

	buf[0] = '\0';
	while ((e = ERR_get_error()) != 0 && used + 2 < len) {
		if (used > 0)
			buf[used++] = ';';
		ERR_error_string_n(e, buf + used, len - used);
		used += strlen(buf + used);
	}
}

#define FILL 0xa5

/*
 * The result of a call that wrote into buf (filled with FILL first): a
 * failed call must leave nothing in it (FILL, or zeros), a served one
 * must have written it.
 */
static int call_result(int ok, const unsigned char *buf, size_t len)
{
	size_t i, fill = 0, zero = 0;

	for (i = 0; i < len; i++) {
		fill += buf[i] == FILL;
		zero += buf[i] == 0;
	}
	if (ok)
		return fill == len ? -1 : 1;
	return fill == len || zero == len ? 0 : -1;
}

static void send_call(int fd, struct counter *c, int step, int index, int ok,
		      const unsigned char *buf, size_t len)
{
	char err[200] = "";
	int r = call_result(ok, buf, len);

	if (!ok)
		ossl_errors(err, sizeof(err));
	else if (r < 0)
		snprintf(err, sizeof(err), "reported success but wrote nothing");
	if (!ok && r < 0)
		snprintf(err + strlen(err), sizeof(err) - strlen(err), " (and left bytes)");
	ERR_clear_error();
	send_rec(fd, step, index, r, counter_read(c), err);
}

/* ---- the scenarios ---------------------------------------------------- */

enum expect {
	SERVED_BY_TS, /* every call served, TIMING-SEED's count went up */
	SERVED_BY_OS, /* every call served, TIMING-SEED not asked */
	KILLED_SIGSYS,
};

struct scenario {
	const char *name;
	int seed_ts;	  /* [random] seed = TIMING-SEED */
	const char *keys; /* more lines of timingseed's provider section */
	int before;	  /* RAND_bytes in the scenario process before forking */
	enum confine how;
	int by_time; /* f: the primary reseeds by time inside the filter */
	enum expect expect;
};

static int set_reseed_time(EVP_RAND_CTX *drbg, time_t seconds)
{
	OSSL_PARAM p[2];

	p[0] = OSSL_PARAM_construct_time_t(OSSL_DRBG_PARAM_RESEED_TIME_INTERVAL, &seconds);
	p[1] = OSSL_PARAM_construct_end();
	return drbg != NULL && EVP_RAND_CTX_set_params(drbg, p);
}

static void setup_failed(int fd, const char *what)
{
	char err[120];
	char msg[200];

	ossl_errors(err, sizeof(err));
	snprintf(msg, sizeof(msg), "%s%s%s", what, err[0] ? ": " : "", err);
	send_rec(fd, STEP_SETUP, 0, -1, 0, msg);
}

/* The confined child: never returns. */
static void child_main(const struct scenario *s, const char *empty, struct counter *c, int fd)
{
	unsigned char buf[64];
	uint64_t before;
	int i;

	alarm(CHILD_ALARM);
	if (s->by_time) {
		/*
		 * The fork's reseed happens here, unconfined; then every DRBG
		 * reseeds after 1 s (the public and private ones draw on the
		 * primary only when they reseed themselves), so the request
		 * after the sleep below reseeds the primary from its seed
		 * source, for time's sake, inside the filter.
		 */
		if (RAND_bytes(buf, sizeof(buf)) != 1 || RAND_priv_bytes(buf, sizeof(buf)) != 1 ||
		    !set_reseed_time(RAND_get0_primary(NULL), 1) ||
		    !set_reseed_time(RAND_get0_public(NULL), 1) ||
		    !set_reseed_time(RAND_get0_private(NULL), 1)) {
			setup_failed(fd, "child: seeding and setting the reseed time");
			_exit(4);
		}
	}
	before = counter_read(c);
	if (confine(s->how, empty) != 0) {
		send_rec(fd, STEP_SETUP, 0, -1, 0, "child: confining failed (see stderr)");
		_exit(4);
	}
	send_rec(fd, STEP_CONFINED, 0, 1, before, NULL);
	if (s->by_time) {
		struct timespec t = {1, 200000000L};

		while (nanosleep(&t, &t) != 0 && errno == EINTR)
			;
	}
	for (i = 0; i < ROUNDS; i++) {
		memset(buf, FILL, sizeof(buf));
		send_call(fd, c, STEP_PUBLIC, i, RAND_bytes(buf, sizeof(buf)) == 1, buf,
			  sizeof(buf));
		memset(buf, FILL, sizeof(buf));
		send_call(fd, c, STEP_PRIVATE, i, RAND_priv_bytes(buf, sizeof(buf)) == 1, buf,
			  sizeof(buf));
	}
	for (i = 0; i < PR_ROUNDS; i++) {
		memset(buf, FILL, sizeof(buf));
		send_call(fd, c, STEP_PR, i,
			  EVP_RAND_generate(RAND_get0_primary(NULL), buf, 32, 256, 1, NULL, 0) == 1,
			  buf, 32);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	send_rec(fd, STEP_DONE, 0, 1, counter_read(c), NULL);
	_exit(0);
}

/* The scenario process: loads the config, forks the child, reports its end. Never returns. */
static void scenario_main(const struct scenario *s, const char *conf, const char *empty, int fd)
{
	OPENSSL_INIT_SETTINGS *set = OPENSSL_INIT_new();
	struct counter c;
	unsigned char buf[64];
	pid_t pid;
	int st;

	alarm(SCENARIO_ALARM);
	/*
	 * OPENSSL_CONF too: timingseed refuses unknown keys by reading the
	 * file OpenSSL reads by default, which is then this one.
	 */
	if (setenv("OPENSSL_CONF", conf, 1) != 0 || set == NULL ||
	    !OPENSSL_INIT_set_config_filename(set, conf) ||
	    !OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, set)) {
		setup_failed(fd, "loading the config");
		_exit(4);
	}
	OPENSSL_INIT_free(set);
	if (counter_init(&c) != 0) {
		setup_failed(fd, "timingseed is not loaded or has no sample counters");
		_exit(4);
	}
	if (s->before) {
		int ok = RAND_bytes(buf, sizeof(buf)) == 1;

		if (!ok) {
			setup_failed(fd, "RAND_bytes before forking");
			_exit(4);
		}
		send_rec(fd, STEP_BEFORE, 0, 1, counter_read(&c), NULL);
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		setup_failed(fd, "fork");
		_exit(4);
	}
	if (pid == 0)
		child_main(s, empty, &c, fd);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			setup_failed(fd, "waitpid");
			_exit(4);
		}
	send_rec(fd, STEP_WAIT, 0, st, 0, NULL);
	close(fd);
	_exit(0);
}

/* ---- the test runner's side ------------------------------------------- */

#define MAX_RECS (2 * ROUNDS + PR_ROUNDS + 8)

struct outcome {
	struct rec r[MAX_RECS];
	size_t n;
	int scenario_status; /* the scenario process's own wait status */
};

static const struct rec *find(const struct outcome *o, int step)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (o->r[i].step == step)
			return &o->r[i];
	return NULL;
}

static void write_conf(const char *path, const struct scenario *s)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "openssl_conf = init\n\n[init]\n");
	/* random before providers: see openssl.cnf.example. */
	if (s->seed_ts)
		fprintf(f, "random = random_sect\n");
	fprintf(f, "providers = provider_sect\n\n");
	if (s->seed_ts)
		fprintf(f, "[random_sect]\nseed = TIMING-SEED\nseed_properties = "
			   "provider=timingseed\n\n");
	fprintf(f,
		"[provider_sect]\ndefault = default_sect\ntimingseed = timingseed_sect\n\n"
		"[default_sect]\nactivate = 1\n\n"
		"[timingseed_sect]\nmodule = %s/timingseed.so\nactivate = 1\n%s",
		TS_MODULE_DIR, s->keys != NULL ? s->keys : "");
	assert_int_equal(fclose(f), 0);
}

/* Run s in a scenario process of its own; o gets every record. */
static void run(const struct scenario *s, struct outcome *o)
{
	char dir[] = "/tmp/ts-confine-XXXXXX", conf[64], empty[64];
	pid_t pid;
	int p[2];

	memset(o, 0, sizeof(*o));
	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/openssl.cnf", dir);
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	/* The chroot: empty, and enterable by nobody. */
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(mkdir(empty, 0755), 0);
	write_conf(conf, s);

	assert_int_equal(pipe(p), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		scenario_main(s, conf, empty, p[1]);
	}
	close(p[1]);
	for (;;) {
		struct rec r;
		size_t got = 0;

		while (got < sizeof(r)) {
			ssize_t n = read(p[0], (char *)&r + got, sizeof(r) - got);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (got < sizeof(r))
			break;
		if (o->n < MAX_RECS)
			o->r[o->n++] = r;
	}
	close(p[0]);
	while (waitpid(pid, &o->scenario_status, 0) < 0)
		assert_int_equal(errno, EINTR);
	unlink(conf);
	rmdir(empty);
	rmdir(dir);
}

static void describe_status(int st, char *buf, size_t len)
{
	if (WIFSIGNALED(st))
		snprintf(buf, len, "KILLED by signal %d (%s)%s", WTERMSIG(st),
			 WTERMSIG(st) == SIGSYS ? "SIGSYS" : strsignal(WTERMSIG(st)),
			 WTERMSIG(st) == SIGALRM ? ": the watchdog, it hung" : "");
	else if (WIFEXITED(st))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
	else
		snprintf(buf, len, "wait status %#x", (unsigned int)st);
}

static void check(const struct scenario *s)
{
	struct outcome o;
	const struct rec *setup, *wait, *conf, *done, *prev = NULL;
	char what[160];
	size_t i, calls = 0;
	uint64_t last = 0;

	if (s->how == CONF_CHROOT && geteuid() != 0) {
		print_message("%s: skipped: chroot needs root\n", s->name);
		skip();
	}
	run(s, &o);
	setup = find(&o, STEP_SETUP);
	wait = find(&o, STEP_WAIT);
	conf = find(&o, STEP_CONFINED);
	done = find(&o, STEP_DONE);
	for (i = 0; i < o.n; i++) {
		calls += o.r[i].step >= STEP_PUBLIC && o.r[i].step <= STEP_PR;
		if (o.r[i].step >= STEP_CONFINED && o.r[i].step <= STEP_DONE)
			last = o.r[i].samples;
	}

	if (!WIFEXITED(o.scenario_status) || WEXITSTATUS(o.scenario_status) != 0 || wait == NULL) {
		describe_status(o.scenario_status, what, sizeof(what));
		fail_msg("%s: the scenario process %s: %s", s->name, what,
			 setup != NULL ? setup->err : "no report");
	}
	describe_status(wait->result, what, sizeof(what));
	print_message("%s [%s]: child %s after %zu of %d calls; timingseed samples %llu -> %llu\n",
		      s->name, confine_name(s->how), what, calls, 2 * ROUNDS + PR_ROUNDS,
		      conf != NULL ? (unsigned long long)conf->samples : 0ULL,
		      (unsigned long long)last);
	if (setup != NULL)
		fail_msg("%s: %s", s->name, setup->err);

	if (s->expect == KILLED_SIGSYS) {
		if (!WIFSIGNALED(wait->result) || WTERMSIG(wait->result) != SIGSYS)
			fail_msg("%s: the child must be killed by SIGSYS (the control shows the "
				 "filter is real and a kill is seen); it %s",
				 s->name, what);
		return;
	}
	if (WIFSIGNALED(wait->result))
		fail_msg("%s: the child was %s inside the confinement, after %zu calls", s->name,
			 what, calls);
	if (!WIFEXITED(wait->result) || WEXITSTATUS(wait->result) != 0 || conf == NULL ||
	    done == NULL)
		fail_msg("%s: the child %s before its end", s->name, what);
	if (conf->samples == UINT64_MAX || done->samples == UINT64_MAX)
		fail_msg("%s: timingseed's counters could not be read", s->name);

	for (i = 0; i < o.n; i++) {
		const struct rec *r = &o.r[i];

		if (r->step < STEP_PUBLIC || r->step > STEP_PR) {
			if (r->step == STEP_CONFINED)
				prev = r;
			continue;
		}
		if (r->result < 0)
			fail_msg("%s: %s #%d: %s", s->name, step_names[r->step], r->index, r->err);
		if (r->result == 0)
			fail_msg("%s: %s #%d failed inside the confinement: %s", s->name,
				 step_names[r->step], r->index, r->err);
		if (s->expect == SERVED_BY_TS && prev != NULL) {
			/* Each prediction-resistant request goes to the seed source. */
			if (r->step == STEP_PR && r->samples <= prev->samples)
				fail_msg("%s: PR generate #%d served without TIMING-SEED "
					 "(samples %llu -> %llu)",
					 s->name, r->index, (unsigned long long)prev->samples,
					 (unsigned long long)r->samples);
			/* f: the first request after the sleep reseeds the primary. */
			if (s->by_time && prev->step == STEP_CONFINED &&
			    r->samples <= prev->samples)
				fail_msg("%s: the reseed by time was not served by TIMING-SEED "
					 "(samples %llu -> %llu)",
					 s->name, (unsigned long long)prev->samples,
					 (unsigned long long)r->samples);
		}
		prev = r;
	}
	if (s->expect == SERVED_BY_TS && done->samples <= conf->samples)
		fail_msg("%s: served, but not by TIMING-SEED (its samples stayed at %llu): "
			 "OpenSSL's fallback seed?",
			 s->name, (unsigned long long)conf->samples);
	if (s->expect == SERVED_BY_OS && done->samples != conf->samples)
		fail_msg("%s: no [random] section, yet TIMING-SEED served (samples %llu -> %llu)",
			 s->name, (unsigned long long)conf->samples,
			 (unsigned long long)done->samples);
}

static void test_scenario(void **state)
{
	check(*state);
}

/*
 * The guard off: confined = never with only sources that make system calls
 * (under never the pool may still pick syscall-free ones by their rate, so
 * they are left out), which the child's first reseed runs inside the
 * filter: proc_info's access() when the slots are reset after the fork.
 */
#define NEVER "confined = never\nsources = pipe_buffer, proc_info\n"

/* Scenario letters as in issue 22. */
static const struct scenario scenarios[] = {
	{"a: preauth filter, reseeded before fork", 1, NULL, 1, CONF_SSH_KILL, 0, SERVED_BY_TS},
	{"a: preauth filter, no reseed before fork", 1, NULL, 0, CONF_SSH_KILL, 0, SERVED_BY_TS},
	{"b: rlimit sandbox, reseeded before fork", 1, NULL, 1, CONF_RLIMIT, 0, SERVED_BY_TS},
	{"b: rlimit sandbox, no reseed before fork", 1, NULL, 0, CONF_RLIMIT, 0, SERVED_BY_TS},
	{"c: chroot+rlimits+filter, reseeded before fork", 1, NULL, 1, CONF_CHROOT, 0,
	 SERVED_BY_TS},
	{"c: chroot+rlimits+filter, no reseed before fork", 1, NULL, 0, CONF_CHROOT, 0,
	 SERVED_BY_TS},
	{"d: allow list with EPERM, reseeded before fork", 1, NULL, 1, CONF_SSH_EPERM, 0,
	 SERVED_BY_TS},
	{"d: allow list with EPERM, no reseed before fork", 1, NULL, 0, CONF_SSH_EPERM, 0,
	 SERVED_BY_TS},
	{"e: @system-service, reseeded before fork", 1, NULL, 1, CONF_SYSTEMD, 0, SERVED_BY_TS},
	{"e: @system-service, no reseed before fork", 1, NULL, 0, CONF_SYSTEMD, 0, SERVED_BY_TS},
	{"f: preauth filter, primary reseeds by time", 1, NULL, 1, CONF_SSH_KILL, 1, SERVED_BY_TS},
	{"negative control: confined = never, preauth filter", 1, NEVER, 1, CONF_SSH_KILL, 0,
	 KILLED_SIGSYS},
	{"OS seed: preauth filter", 0, NULL, 0, CONF_SSH_KILL, 0, SERVED_BY_OS},
	{"OS seed: rlimit sandbox", 0, NULL, 0, CONF_RLIMIT, 0, SERVED_BY_OS},
	{"OS seed: chroot+rlimits+filter", 0, NULL, 0, CONF_CHROOT, 0, SERVED_BY_OS},
	{"OS seed: allow list with EPERM", 0, NULL, 0, CONF_SSH_EPERM, 0, SERVED_BY_OS},
	{"OS seed: @system-service", 0, NULL, 0, CONF_SYSTEMD, 0, SERVED_BY_OS},
	{"OS seed: preauth filter, reseed by time", 0, NULL, 1, CONF_SSH_KILL, 1, SERVED_BY_OS},
};

#define N_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

int main(void)
{
	struct CMUnitTest tests[N_SCENARIOS];
	size_t i;

	for (i = 0; i < N_SCENARIOS; i++)
		tests[i] = (struct CMUnitTest){scenarios[i].name, test_scenario, NULL, NULL,
					       (void *)&scenarios[i]};
	return cmocka_run_group_tests_name("confine", tests, NULL, NULL);
}
