// SPDX-License-Identifier: Apache-2.0
/*
 * fork(): parent and child never serve the same seed bytes, the child
 * rebuilds its own per-process state, a fork while another thread is
 * inside get_seed leaves the child able to seed at once (and the fork
 * waits for that one request only), and a fork after the provider was
 * unloaded does not run code of the unloaded module.
 *
 * Children report to the parent through a pipe and never use cmocka (a
 * failed assertion would longjmp into a copy of the test runner): they
 * _exit() with a status, and an alarm() kills a child that hangs, which
 * the parent reports as a failure.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "health.h"
#include "timingseed/pool.h"
#include "timingseed/source.h"
#include "timingseed/tick.h"
#include "util.h"

#define CHILD_ALARM 30 /* s: a child that takes longer is hung */

#if defined(__SANITIZE_THREAD__)
#define TS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TS_TSAN 1
#endif
#endif
#define MAX_SRC 16

/* ---- children --------------------------------------------------------- */

#define CHILD_CHECK(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "child %d: %s:%d: check failed: %s\n", (int)getpid(),      \
				__FILE__, __LINE__, #cond);                                        \
			ERR_print_errors_fp(stderr);                                               \
			_exit(3);                                                                  \
		}                                                                                  \
	} while (0)

struct child {
	pid_t pid;
	int fd; /* the parent's end of the pipe */
};

/* Fork; in the child *wfd is the pipe to write to and the return is 0. */
static pid_t fork_child(struct child *c, int *wfd)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		alarm(CHILD_ALARM);
		close(p[0]);
		*wfd = p[1];
		return 0;
	}
	close(p[1]);
	c->fd = p[0];
	return c->pid;
}

static void child_send(int fd, const void *buf, size_t len)
{
	const unsigned char *b = buf;

	while (len > 0) {
		ssize_t r = write(fd, b, len);

		if (r < 0 && errno == EINTR)
			continue;
		CHILD_CHECK(r > 0);
		b += r;
		len -= (size_t)r;
	}
}

/* Read len bytes of the child's report, then reap it: it must exit 0. */
static void child_reap(struct child *c, void *buf, size_t len)
{
	unsigned char *b = buf;
	size_t got = 0;
	int st;

	while (got < len) {
		ssize_t r = read(c->fd, b + got, len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(c->fd);
	assert_int_equal(waitpid(c->pid, &st, 0), c->pid);
	if (WIFSIGNALED(st))
		fail_msg("child %d killed by signal %d%s", (int)c->pid, WTERMSIG(st),
			 WTERMSIG(st) == SIGALRM ? " (watchdog: the child hung)" : "");
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) != 0)
		fail_msg("child %d exited with status %d", (int)c->pid, WEXITSTATUS(st));
	assert_int_equal(got, len);
}

/* ---- the provider ----------------------------------------------------- */

static EVP_RAND_CTX *new_drbg(struct ts_env *e, EVP_RAND_CTX *parent)
{
	EVP_RAND_CTX *d = ts_new_ctr_drbg(e->ctr, parent);

	assert_true(EVP_RAND_instantiate(d, 256, 0, NULL, 0, NULL));
	return d;
}

/* Every source's state and served samples, from the context's params. */
struct snap {
	size_t n;
	char name[MAX_SRC][64];
	char state[MAX_SRC][16];
	uint64_t samples[MAX_SRC];
	uint64_t total;
	size_t healthy;
};

static int snapshot(EVP_RAND_CTX *ctx, struct snap *s)
{
	const OSSL_PARAM *g = EVP_RAND_CTX_gettable_params(ctx);
	size_t i;

	memset(s, 0, sizeof(*s));
	for (; g != NULL && g->key != NULL && s->n < MAX_SRC; g++) {
		const char *dot = strrchr(g->key, '.');

		if (dot != NULL && strcmp(dot, ".state") == 0 &&
		    (size_t)(dot - g->key) < sizeof(s->name[0]))
			memcpy(s->name[s->n++], g->key, (size_t)(dot - g->key));
	}
	for (i = 0; i < s->n; i++) {
		char kst[80], ksm[80];
		const char *st = NULL;
		OSSL_PARAM p[3];

		snprintf(kst, sizeof(kst), "%s.state", s->name[i]);
		snprintf(ksm, sizeof(ksm), "%s.samples", s->name[i]);
		p[0] = OSSL_PARAM_construct_utf8_ptr(kst, (char **)&st, 0);
		p[1] = OSSL_PARAM_construct_uint64(ksm, &s->samples[i]);
		p[2] = OSSL_PARAM_construct_end();
		if (!EVP_RAND_CTX_get_params(ctx, p) || st == NULL)
			return 0;
		snprintf(s->state[i], sizeof(s->state[i]), "%s", st);
		s->total += s->samples[i];
		s->healthy += strcmp(st, "healthy") == 0;
	}
	return s->n > 0;
}

static unsigned int reseed_count(EVP_RAND_CTX *drbg)
{
	unsigned int n = 0;
	OSSL_PARAM p[2];

	p[0] = OSSL_PARAM_construct_uint(OSSL_DRBG_PARAM_RESEED_COUNTER, &n);
	p[1] = OSSL_PARAM_construct_end();
	return EVP_RAND_CTX_get_params(drbg, p) ? n : 0;
}

static void all_distinct(unsigned char (*v)[32], size_t n)
{
	static const unsigned char zero[32];
	size_t i, j;

	for (i = 0; i < n; i++) {
		assert_memory_not_equal(v[i], zero, 32);
		for (j = i + 1; j < n; j++)
			if (memcmp(v[i], v[j], 32) == 0)
				fail_msg("outputs %zu and %zu are the same bytes", i, j);
	}
}

/* ---- parent and child serve different bytes --------------------------- */

#define ROUNDS 4

/* EVP_RAND_generate on one TIMING-SEED context, in the parent and in each
 * child forked from it: no two outputs equal. */
static void test_seed_ctx_differs_after_fork(void **state)
{
	struct ts_env *e = *state;
	EVP_RAND_CTX *s = ts_env_new_seed(e);
	unsigned char out[2 * ROUNDS][32];
	struct child c;
	int r, wfd;

	assert_true(EVP_RAND_generate(s, out[0], 32, 256, 0, NULL, 0)); /* started up */
	for (r = 0; r < ROUNDS; r++) {
		if (fork_child(&c, &wfd) == 0) {
			unsigned char b[32];

			CHILD_CHECK(EVP_RAND_generate(s, b, sizeof(b), 256, 0, NULL, 0));
			child_send(wfd, b, sizeof(b));
			_exit(0);
		}
		assert_true(EVP_RAND_generate(s, out[2 * r], 32, 256, 0, NULL, 0));
		child_reap(&c, out[2 * r + 1], 32);
	}
	all_distinct(out, 2 * ROUNDS);
	EVP_RAND_CTX_free(s);
}

/*
 * A CTR-DRBG over TIMING-SEED. OpenSSL sees the new pid and reseeds the
 * child's DRBG on its first generate; the parent asks for prediction
 * resistance, which reseeds it too. Both DRBGs start from the same state
 * and take one reseed, so only the seed bytes our get_seed hands each of
 * them keep their outputs apart.
 */
static void test_drbg_differs_after_fork(void **state)
{
	struct ts_env *e = *state;
	EVP_RAND_CTX *s = ts_env_new_seed(e), *d = new_drbg(e, s);
	unsigned char out[2 * ROUNDS][32], warm[32];
	struct child c;
	int r, wfd;

	assert_true(EVP_RAND_generate(d, warm, sizeof(warm), 256, 0, NULL, 0));
	for (r = 0; r < ROUNDS; r++) {
		unsigned int before = reseed_count(d);

		if (fork_child(&c, &wfd) == 0) {
			struct snap a, b;
			unsigned char o[32];

			CHILD_CHECK(snapshot(s, &a));
			CHILD_CHECK(EVP_RAND_generate(d, o, sizeof(o), 256, 0, NULL, 0));
			CHILD_CHECK(snapshot(s, &b));
			/* OpenSSL reseeded the child's DRBG... */
			CHILD_CHECK(reseed_count(d) == before + 1);
			/* ...from our get_seed, which served it fresh samples. */
			CHILD_CHECK(b.total > a.total);
			child_send(wfd, o, sizeof(o));
			_exit(0);
		}
		assert_true(EVP_RAND_generate(d, out[2 * r], 32, 256, 1, NULL, 0));
		assert_int_equal(reseed_count(d), before + 1);
		child_reap(&c, out[2 * r + 1], 32);
	}
	all_distinct(out, 2 * ROUNDS);
	EVP_RAND_CTX_free(d);
	EVP_RAND_CTX_free(s);
}

/*
 * The child does not inherit the parent's startup tests or counts: right
 * after fork() its sources are untested with nothing served, its first
 * request runs their startup tests again; the parent is unaffected.
 */
static void test_child_rebuilds_state(void **state)
{
	struct ts_env *e = *state;
	EVP_RAND_CTX *s = ts_env_new_seed(e);
	struct snap before, after;
	unsigned char out[32];
	struct child c;
	size_t i;
	int wfd;

	assert_true(EVP_RAND_generate(s, out, sizeof(out), 256, 0, NULL, 0));
	assert_true(snapshot(s, &before));
	assert_true(before.healthy > 0);
	assert_true(before.total > 0);
	if (fork_child(&c, &wfd) == 0) {
		struct snap a, b;
		unsigned char o[32];

		CHILD_CHECK(snapshot(s, &a));
		CHILD_CHECK(a.n == before.n);
		for (i = 0; i < a.n; i++) {
			if (strcmp(before.state[i], "healthy") == 0)
				CHILD_CHECK(strcmp(a.state[i], "untested") == 0);
			CHILD_CHECK(a.samples[i] == 0);
		}
		CHILD_CHECK(EVP_RAND_generate(s, o, sizeof(o), 256, 0, NULL, 0));
		CHILD_CHECK(snapshot(s, &b));
		CHILD_CHECK(b.healthy > 0);
		CHILD_CHECK(b.total > 0);
		child_send(wfd, &b.healthy, sizeof(b.healthy));
		_exit(0);
	}
	child_reap(&c, &i, sizeof(i));
	print_message("parent: %zu healthy sources, %llu samples served; child after one "
		      "request: %zu healthy\n",
		      before.healthy, (unsigned long long)before.total, i);
	assert_true(snapshot(s, &after));
	for (i = 0; i < after.n; i++) {
		assert_string_equal(after.state[i], before.state[i]);
		assert_int_equal(after.samples[i], before.samples[i]);
	}
	EVP_RAND_CTX_free(s);
}

/* ---- the pool with a deterministic source ------------------------------ */

/*
 * A source whose samples are a pure function of a counter in process
 * memory: after fork() parent and child would produce the very same
 * samples. It records how many samples it produced.
 */
static uint64_t det_i;

static bool det_available(const char **why)
{
	(void)why;
	return true;
}

static long det_collect(const void *cfg, uint64_t *out, size_t n, uint64_t deadline)
{
	size_t i;

	(void)cfg;
	(void)deadline;
	for (i = 0; i < n; i++) {
		uint64_t z = (det_i++ + 1) * 0x9E3779B97F4A7C15ULL; /* splitmix64 */

		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
		out[i] = z ^ (z >> 31);
	}
	return (long)n;
}

static const struct ts_source det_source = {
	.name = "det",
	.platform = "test",
	.description = "deterministic counter",
	.default_credit = 2.0,
	.available = det_available,
	.collect = det_collect,
	.syscall_free = true,
};

/*
 * The pool has run its startup test and served nothing (block counter 0)
 * when the process forks. The child rewinds the source so that, after it
 * redoes its startup test, parent and child hash the very same samples
 * under the same block counter. Their bytes must still differ: the block
 * input names the process. The equal sample counts at the end show the
 * child ran its own startup test (1024 samples more than the parent) and
 * both hashed the same samples.
 */
static void test_pool_same_samples_differ(void **state)
{
	const struct ts_source *v[1] = {&det_source};
	struct ts_pool *p;
	struct ts_seed_report rep;
	struct {
		unsigned char out[32];
		uint64_t det_i;
	} parent, child;
	struct child c;
	int wfd;

	(void)state;
	det_i = 0;
	p = ts_pool_new_with(v, 1);
	assert_non_null(p);
	assert_int_equal(ts_pool_startup(p), 1);
	assert_int_equal(det_i, TS_STARTUP_SAMPLES);
	if (fork_child(&c, &wfd) == 0) {
		det_i = 0;
		CHILD_CHECK(ts_pool_seed(p, child.out, sizeof(child.out), &rep) == 0);
		child.det_i = det_i;
		child_send(wfd, &child, sizeof(child));
		_exit(0);
	}
	assert_int_equal(ts_pool_seed(p, parent.out, sizeof(parent.out), &rep), 0);
	parent.det_i = det_i;
	child_reap(&c, &child, sizeof(child));
	print_message("samples used: parent to %llu, child to %llu (from 0, with startup)\n",
		      (unsigned long long)parent.det_i, (unsigned long long)child.det_i);
	assert_int_equal(child.det_i, parent.det_i);
	assert_memory_not_equal(child.out, parent.out, sizeof(parent.out));
	ts_pool_free(p);
}

/* ---- fork while another thread is inside get_seed --------------------- */

struct busy {
	EVP_RAND_CTX *drbg;
	atomic_int stop, inside;
	atomic_long done, failed;
	uint64_t slowest; /* ns, read after the join */
};

/* Loops prediction-resistant generates: each one is a get_seed. */
static void *busy_main(void *arg)
{
	struct busy *b = arg;
	unsigned char out[32];

	while (!atomic_load(&b->stop)) {
		int ok;

		uint64_t t0 = ts_now_ns();

		atomic_store(&b->inside, 1);
		ok = EVP_RAND_generate(b->drbg, out, sizeof(out), 256, 1, NULL, 0);
		atomic_store(&b->inside, 0);
		t0 = ts_now_ns() - t0;
		b->slowest = t0 > b->slowest ? t0 : b->slowest;
		if (ok)
			atomic_fetch_add(&b->done, 1);
		else
			atomic_fetch_add(&b->failed, 1);
	}
	return NULL;
}

#define FORKS	      12
#define FORK_SLACK_NS 100000000ULL /* what fork() itself may take, loaded */

static void test_fork_while_seeding(void **state)
{
	struct ts_env *e = *state;
	EVP_RAND_CTX *s1, *s2, *mine;
	struct busy b = {0};
	uint64_t worst_fork = 0, worst_child = 0;
	int i, inside = 0;
	pthread_t th;

#ifdef TS_TSAN
	/* TSan cannot follow a child of a multi-threaded process that starts
	 * threads (die_after_fork; "dup thread with used id"), and a seed's
	 * sources start threads. The other fork tests run under it. */
	print_message("skipped under ThreadSanitizer: threads in a child of a threaded parent\n");
	skip();
#endif
	s1 = ts_env_new_seed(e);
	s2 = ts_env_new_seed(e);
	mine = new_drbg(e, s2);
	b.drbg = new_drbg(e, s1);
	/* A hung fork() or reap fails the whole test binary, not CI. */
	alarm(FORKS * CHILD_ALARM);
	assert_int_equal(pthread_create(&th, NULL, busy_main, &b), 0);
	while (atomic_load(&b.done) == 0 && atomic_load(&b.failed) == 0)
		usleep(1000);
	for (i = 0; i < FORKS; i++) {
		uint64_t t0, took;
		struct child c;
		int wfd;

		usleep(1000 * (i % 5));
		inside += atomic_load(&b.inside);
		t0 = ts_now_ns();
		if (fork_child(&c, &wfd) == 0) {
			unsigned char o[32];
			uint64_t c0 = ts_now_ns();

			/* The child's own DRBG over the same pool: a reseed,
			 * so a get_seed in the child. */
			CHILD_CHECK(EVP_RAND_generate(mine, o, sizeof(o), 256, 1, NULL, 0));
			c0 = ts_now_ns() - c0;
			child_send(wfd, &c0, sizeof(c0));
			_exit(0);
		}
		took = ts_now_ns() - t0;
		worst_fork = took > worst_fork ? took : worst_fork;
		child_reap(&c, &took, sizeof(took));
		worst_child = took > worst_child ? took : worst_child;
	}
	atomic_store(&b.stop, 1);
	assert_int_equal(pthread_join(th, NULL), 0);
	alarm(0);
	print_message("%d forks (%d with the other thread inside generate), %ld seeds by it "
		      "(slowest %.1f ms); slowest fork() %.1f ms, slowest child seed %.1f ms\n",
		      FORKS, inside, atomic_load(&b.done), b.slowest / 1e6, worst_fork / 1e6,
		      worst_child / 1e6);
	assert_int_equal(atomic_load(&b.failed), 0);
	assert_true(inside > 0);
	/* Promptly: a child seed costs what any seed costs, far below this. */
	assert_true(worst_child < 10000000000ULL);
	/* fork() waits for the request in progress, not for a run of them
	 * (the pool's lock is not fair to the prepare handler by itself). */
	assert_true(worst_fork < 2 * b.slowest + FORK_SLACK_NS);
	EVP_RAND_CTX_free(b.drbg);
	EVP_RAND_CTX_free(mine);
	EVP_RAND_CTX_free(s2);
	EVP_RAND_CTX_free(s1);
}

/* ---- fork after unload ------------------------------------------------- */

/*
 * The pool registers fork handlers. Once the provider is unloaded and its
 * module unmapped, fork() must not call into it (it would crash here, in
 * the parent's prepare handler, or in the child). Runs before anything
 * else loads the module, so the unload really unmaps it.
 */
static void test_fork_after_unload(void **state)
{
	OSSL_LIB_CTX *libctx = OSSL_LIB_CTX_new();
	OSSL_PROVIDER *ts;
	EVP_RAND *r;
	EVP_RAND_CTX *s;
	unsigned char out[32];
	struct child c;
	int wfd, ok = 0;

	(void)state;
	assert_non_null(libctx);
	assert_true(OSSL_PROVIDER_set_default_search_path(libctx, TS_MODULE_DIR));
	ts = OSSL_PROVIDER_load(libctx, "timingseed");
	assert_non_null(ts);
	r = EVP_RAND_fetch(libctx, "TIMING-SEED", NULL);
	assert_non_null(r);
	s = EVP_RAND_CTX_new(r, NULL);
	assert_non_null(s);
	assert_true(EVP_RAND_instantiate(s, 256, 0, NULL, 0, NULL));
	assert_true(EVP_RAND_generate(s, out, sizeof(out), 256, 0, NULL, 0));
	assert_true(ts_module_mapped());
	EVP_RAND_CTX_free(s);
	EVP_RAND_free(r);
	assert_true(OSSL_PROVIDER_unload(ts));
	OSSL_LIB_CTX_free(libctx);
	assert_false(ts_module_mapped());

	if (fork_child(&c, &wfd) == 0) {
		ok = 1;
		child_send(wfd, &ok, sizeof(ok));
		_exit(0);
	}
	child_reap(&c, &ok, sizeof(ok));
	assert_int_equal(ok, 1);
}

int main(void)
{
	const struct CMUnitTest first[] = {
		cmocka_unit_test(test_fork_after_unload),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_ctx_differs_after_fork),
		cmocka_unit_test(test_drbg_differs_after_fork),
		cmocka_unit_test(test_child_rebuilds_state),
		cmocka_unit_test(test_pool_same_samples_differ),
		cmocka_unit_test(test_fork_while_seeding),
	};
	int failed;

	failed = cmocka_run_group_tests_name("unload", first, NULL, NULL);
	failed += cmocka_run_group_tests_name("fork", tests, ts_env_setup, ts_env_teardown);
	return failed;
}
