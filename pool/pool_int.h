/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to pool/: the pool's structs and what its files share.
 *
 *   pool.c    the request path: creation, collection, startup tests,
 *             scheduling, blocks
 *   config.c  the configuration keys: the one owner of ts_pool_set's keys
 *   fork.c    the fork protocol and the list of pools
 *   confine.c which sources and threads a process that may be confined runs
 *   report.c  statistics, request reports, the zeroization check
 *   digest.c  the private library context and its SHA-256, fetched
 *             beside a first request's collection
 *   health.c, condition.c   the health tests and the SHA-256 conditioning
 */
#ifndef TS_POOL_INT_H
#define TS_POOL_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "timingseed/pool.h"
#include "health.h"

#define CHUNK_MAX 4096 /* samples per collect() call: the size of ts_pool.buf */

struct slot {
	const struct ts_source *src;
	void *cfg;
	bool enabled;
	enum ts_source_state state;
	double cap;	 /* in force before the startup estimate: pool_caps() */
	double user_cap; /* credit.SRC, or -1: a cap below the ceiling */
	/* The calibration's credit for this source (-1: none) and the
	 * settings it was measured at (calibration.c). */
	double cal_credit;
	char cal_settings[256];
	double credit; /* in force: min(cap, startup estimate * factor) */
	/*
	 * The source's collection cost, for the scheduler (collect.c):
	 * measured at rate_at (ts_now_ns clock) on a collection of at least
	 * RATE_MIN_SAMPLES; older than RATE_STALE_NS, it is re-measured.
	 */
	double ns_per_sample;
	uint64_t rate_at;
	struct ts_health health;
	uint64_t samples;
	double credited_bits;
	uint64_t intermittent;
	/*
	 * A retest is due at retry_at (ts_now_ns clock) when retest is set:
	 * after an intermittent failure (state quarantined), or a startup
	 * estimate below the cap (healthy at a lowered credit, or unavailable
	 * as too little to credit). backoff_ns doubles at each retest that
	 * does not bring the source back at its cap.
	 */
	bool retest;
	bool health_ready; /* health holds this process's counts */
	uint64_t retry_at;
	uint64_t backoff_ns;
	enum ts_health_result last_test; /* the test of the last failure */
	enum ts_fault induce;		 /* a fault laid over the samples (selftest --induce) */
	bool induce_have;
	uint64_t induce_value, induce_i;
	char why[TS_ERR_MAX]; /* last failure, or why unavailable */
};

struct ts_pool {
	pthread_mutex_t lock;
	struct ts_pool *next; /* in the list of pools (fork.c) */
	OSSL_LIB_CTX *libctx; /* private: SHA-256 only (digest.c) */
	EVP_MD *sha256;	      /* NULL until a request first needs it */
	pthread_t fetcher;
	bool fetching; /* fetcher runs; joined before the request returns */
	uint64_t *buf; /* CHUNK_MAX raw samples; all zero between requests */
	uint8_t *sym;  /* TS_STARTUP_SAMPLES symbols; all zero between requests */
	size_t n;      /* slots in s[]; fixed once the pool is made */
	struct slot s[TS_MAX_SOURCES];
	unsigned int deadline_ms;
	/*
	 * The administrator's word that this process never confines itself
	 * (confined = never): only then does the pool run sources that make
	 * system calls, or a thread (confine.c). Fixed once a request ran.
	 */
	bool unconfined;
	/*
	 * Why the tick counter cannot be read in this process (its TSC turned
	 * off), or NULL: asked at load, and at every request when unconfined
	 * (pool_ticks_ok). While set, no source runs and no clock is read.
	 */
	const char *ticks_off;
	/* calibration = FILE: its path ("" when none), whether its binding
	 * matches this machine, and why not (calibration.c). */
	char cal_path[512];
	bool cal_in_force;
	char cal_why[TS_ERR_MAX];
	uint64_t counter;
	unsigned long fork_gen;
};

/* Samples of a startup chunk's probe and of a request's token chunk. */
#define CHUNK_MIN 32
/*
 * Retests (docs/health.md): the first 100 ms after an intermittent failure
 * or a lowered estimate, then doubling up to 30 s while the source does
 * not come back at its cap. A source not healthy at its cap is so retested
 * at 0.1, 0.3, 0.7 and 1.5 s of use: within two seconds a hiccup is gone.
 */
#define RETEST_FIRST_NS 100000000ull
#define RETEST_MAX_NS	30000000000ull

/*
 * Rates stay current: a rate measured more than RATE_STALE_NS ago is not
 * trusted (the source may have been measured during a passing load), so
 * the scheduler gives that source the next block to measure it anew, and
 * the new measurement replaces it rather than being averaged with it.
 * Collections of fewer than RATE_MIN_SAMPLES (a token, a probe) do not
 * refresh a rate: their setup per call would make a source look slower
 * per sample than it is over a block.
 */
#define RATE_STALE_NS	 1000000000ull
#define RATE_MIN_SAMPLES 128

/*
 * pool.c: a slot as a fresh process finds it (untested, or unavailable),
 * its available() asked only when the pool may run it (confine.c).
 */
void pool_slot_reset(const struct ts_pool *p, struct slot *sl);

/*
 * confine.c. pool_may_run: whether the pool may run sl's source in a
 * process that may confine itself at any moment; pool_set_confined parses
 * the key "confined" ("maybe" or "never"); pool_may_spawn: whether a
 * request may make a thread (pool_digest_start).
 */
bool pool_may_run(const struct ts_pool *p, const struct slot *sl);
int pool_set_confined(struct ts_pool *p, const char *value, char *err, size_t errlen);
bool pool_may_spawn(const struct ts_pool *p);

/*
 * confine.c, with p->lock held, before a request, a startup or a selftest
 * reads any clock: false, with the reason in err, when the calling
 * thread's tick counter would fault (tick.h). Asked anew only where a
 * system call is safe (unconfined); otherwise what load found stands.
 */
bool pool_ticks_ok(struct ts_pool *p, char *err, size_t errlen);

/*
 * calibration.c. pool_set_calibration reads the key "calibration";
 * pool_calibrated says whether the calibration's credit applies to sl
 * (bound here, and sl at the settings it measured); pool_ceiling is the
 * highest credit sl may have: its calibrated credit
 * when that applies, else its default; pool_caps sets every slot's cap
 * from its ceiling and credit.SRC (after any key changes), and
 * pool_cap_from says which of the three set it.
 */
int pool_set_calibration(struct ts_pool *p, const char *path, char *err, size_t errlen);
bool pool_calibrated(const struct ts_pool *p, const struct slot *sl);
double pool_ceiling(const struct ts_pool *p, const struct slot *sl);
void pool_caps(struct ts_pool *p);
const char *pool_cap_from(const struct ts_pool *p, const struct slot *sl);

/*
 * collect.c: exactly n samples of sl into p->buf unless the deadline
 * passes first (the count got, or -errno with sl->why set), an induced
 * fault laid over them; pool_wipe_buf zeroes the first n of p->buf.
 */
long pool_collect(struct ts_pool *p, struct slot *sl, size_t n, uint64_t deadline);
void pool_wipe_buf(struct ts_pool *p, size_t n);

/*
 * startup.c: pool_startup_slot runs sl's startup test or retest;
 * pool_health_failure applies the failure policy to a failed test;
 * pool_startup_needed runs the tests a request needs first, until want
 * sources are healthy or none is left to try (at most one attempt per
 * source per request, marked in tried[]).
 */
void pool_startup_slot(struct ts_pool *p, struct slot *sl, uint64_t deadline);
void pool_health_failure(struct slot *sl, enum ts_health_result r, const char *when);
void pool_startup_needed(struct ts_pool *p, uint64_t deadline, bool *tried, size_t want);

/*
 * digest.c, with p->lock held: pool_digest_start begins fetching SHA-256
 * on a second thread when there is a CPU to spare; pool_digest gives it
 * (waiting for that thread, else fetching in line; NULL when it cannot be
 * fetched); pool_digest_settle waits for the thread, before a request
 * returns; pool_digest_free frees the digest and its library context.
 */
void pool_digest_start(struct ts_pool *p);
const EVP_MD *pool_digest(struct ts_pool *p);
void pool_digest_settle(struct ts_pool *p);
void pool_digest_free(struct ts_pool *p);

/*
 * fork.c. pool_lock waits for a fork in progress, then takes p->lock;
 * pool_unlock gives it back. pool_join puts a new pool on the list the
 * fork handlers lock (registering them once), pool_leave takes it off.
 * pool_after_fork, with p->lock held, makes a child's pool its own before
 * it serves or reports anything.
 */
void pool_lock(struct ts_pool *p);
void pool_unlock(struct ts_pool *p);
void pool_join(struct ts_pool *p);
void pool_leave(struct ts_pool *p);
void pool_after_fork(struct ts_pool *p);

/*
 * report.c, for a request's report: pool_describe_use writes the sources
 * used (used[i] samples of slot i) and any health failures into
 * rep->sources; pool_explain writes why no source can serve into
 * rep->error, after what.
 */
void pool_describe_use(const struct ts_pool *p, const uint64_t *used, struct ts_seed_report *rep);
void pool_explain(const struct ts_pool *p, struct ts_seed_report *rep, const char *what);

#endif
