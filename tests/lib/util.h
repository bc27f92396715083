/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the tests: an application's view of the provider. */
#ifndef TS_TESTS_UTIL_H
#define TS_TESTS_UTIL_H

#include <openssl/evp.h>
#include <openssl/provider.h>

/* A private library context with timingseed and default loaded. */
struct ts_env {
	OSSL_LIB_CTX *libctx;
	OSSL_PROVIDER *ts, *dflt;
	EVP_RAND *seed; /* TIMING-SEED */
	EVP_RAND *ctr;	/* CTR-DRBG from default */
};

/* Load the module `module` from dir, and default. 0, or -1 (errors printed). */
int ts_env_load(struct ts_env *e, const char *dir, const char *module);

/*
 * The same, with the module configured by an openssl.cnf whose provider
 * section holds the lines conf (newline-separated "key = value"), loaded
 * into the private library context.
 */
int ts_env_load_conf(struct ts_env *e, const char *dir, const char *module, const char *conf);

/* Free all of it; 1 when both providers unloaded cleanly. */
int ts_env_unload(struct ts_env *e);

/* cmocka group set-up and tear-down: *state is a loaded struct ts_env
 * over the build tree's timingseed.so. */
int ts_env_setup(void **state);
int ts_env_teardown(void **state);

/* A new, instantiated TIMING-SEED context (a cmocka failure otherwise). */
EVP_RAND_CTX *ts_env_new_seed(const struct ts_env *e);

/* A CTR-DRBG (AES-256-CTR) over parent, not yet instantiated. */
EVP_RAND_CTX *ts_new_ctr_drbg(EVP_RAND *ctr, EVP_RAND_CTX *parent);

/* 1 when timingseed.so is mapped into this process (/proc/self/maps). */
int ts_module_mapped(void);

/*
 * A pool over srcs (n of them) with confined = never, so that sources that
 * make system calls run too (the tests' processes never confine
 * themselves); NULL when it cannot be made.
 */
struct ts_source;
struct ts_pool *ts_pool_unconfined(const struct ts_source *const *srcs, size_t n);

/* Entries of a /proc directory ("." and ".." not counted); a cmocka failure if unreadable. */
long ts_count_dir(const char *path);

/*
 * Threads of this process. A joined thread's /proc/self/task entry can
 * outlive pthread_join() by a moment (the join wakes on the tid clear in
 * exit_mm, before the task is released), so a count right after a join
 * may hold one that is already gone. ts_threads_settled gives the count
 * up to a second to fall to want (a leaked thread stays);
 * ts_threads_baseline is the fewest counted over 100 ms, so a thread just
 * joined is not taken for one that stays.
 */
long ts_threads_settled(long want);
long ts_threads_baseline(void);

#endif
