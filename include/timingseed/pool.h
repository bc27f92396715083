/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The entropy pool: turns raw samples of several sources into full-entropy
 * seed bytes.
 *
 * Every 32-byte output block is SHA-256 over raw samples. A block that
 * must be full entropy carries at least 320 credited bits (n_out + 64, SP
 * 800-90B 3.1.5.1.2); a request that asks for fewer bits than it has
 * bytes gets, per block, the credit whose Output_Entropy covers what is
 * left of the request (docs/security.md). Credit is per source in bits
 * per raw sample. The pool is thread-safe (one internal
 * lock) and fork-aware (a child redoes the startup tests and never repeats
 * the parent's state).
 */
#ifndef TIMINGSEED_POOL_H
#define TIMINGSEED_POOL_H

#include <stddef.h>
#include <stdint.h>

#define TS_BLOCK_BYTES	    32
#define TS_BLOCK_CREDIT	    320 /* credited bits hashed into each block */
#define TS_MAX_SOURCES	    16
#define TS_ERR_MAX	    256
#define TS_DEFAULT_DEADLINE 2000 /* ms per request */
/*
 * The largest request served at once: the provider's max_request, which
 * get_seed refuses beyond and random_bytes splits into (128 blocks). The
 * pool itself takes any length within its deadline.
 */
#define TS_MAX_REQUEST 4096

struct ts_pool;
struct ts_source;

/* Per-block accounting is kept for the first TS_REPORT_BLOCKS blocks. */
#define TS_REPORT_BLOCKS (TS_MAX_REQUEST / TS_BLOCK_BYTES)

/* One served block: what went in, what its served bytes carry. */
struct ts_block_report {
	double credited_bits; /* credited bits hashed into it */
	double entropy_bits;  /* min-entropy of its bytes served (docs/security.md) */
	unsigned int bytes;   /* of it served: 32, or fewer for the last */
	unsigned int full;    /* 1 when made full entropy (>= TS_BLOCK_CREDIT in) */
};

/* What one request did, for the trace and for error messages. */
struct ts_seed_report {
	size_t bytes;
	size_t asked_bits;    /* min-entropy the request asked for */
	double entropy_bits;  /* min-entropy of the bytes served: >= asked_bits */
	double credited_bits; /* hashed into the blocks that were served */
	size_t blocks;	      /* served */
	struct ts_block_report block[TS_REPORT_BLOCKS];
	uint64_t elapsed_ns;
	/* Sources used, "name=SAMPLESxCREDIT,...", then any health failures. */
	char sources[512];
	char error[TS_ERR_MAX]; /* set when the request failed */
};

enum ts_source_state {
	TS_SRC_UNTESTED, /* startup test not run yet in this process */
	TS_SRC_HEALTHY,
	TS_SRC_QUARANTINED, /* intermittent health-test failure: retested with backoff */
	TS_SRC_FAILED,	    /* a permanent cutoff reached: broken for this process */
	TS_SRC_UNAVAILABLE, /* available() false, or could not run */
};

/* A fault the pool lays over a source's real samples (selftest --induce). */
enum ts_fault {
	TS_FAULT_NONE,
	TS_FAULT_STUCK,	 /* every sample the same */
	TS_FAULT_BIASED, /* one value far above the credited probability */
};

struct ts_source_stats {
	const char *name;
	enum ts_source_state state;
	double credit;	       /* bits per sample in force now */
	double default_credit; /* the cap: in force before the startup estimate */
	const char *cap_from;  /* "default", "calibrated" or "configured" (credit.SRC) */
	uint64_t samples;      /* hashed into served blocks */
	double credited_bits;  /* in served blocks */
	uint64_t intermittent; /* health-test failures */
	uint64_t permanent;    /* 1 once the source is failed for good */
	char last_failure[TS_ERR_MAX];
};

/* A pool over every source that is available here, with default settings. */
struct ts_pool *ts_pool_new(void);

/*
 * A pool over the given sources only (the tests inject fault sources this
 * way). n at most TS_MAX_SOURCES.
 */
struct ts_pool *ts_pool_new_with(const struct ts_source *const *srcs, size_t n);

void ts_pool_free(struct ts_pool *pool);

/*
 * Configure the pool from text, as openssl.cnf and the CLI give it:
 *   confined     "maybe" (default): the process may confine itself at any
 *                moment (seccomp, chroot, rlimits), so only sources that
 *                make no system call run, and no thread; "never": every
 *                source runs (timingseed(7), SANDBOXES)
 *   sources      comma-separated source names to use
 *   deadline_ms  per request, 1..60000
 *   calibration  a file of `timingseed calibrate` (calibration.h): its
 *                credits replace the defaults while its binding matches
 *                this machine; a file that does not hold is refused
 *   credit.SRC   bits per sample for SRC, 0..8 (a cap: the startup
 *                estimate can still lower it)
 *   SRC.OPTION   an option of source SRC (see `timingseed sources`)
 * Returns 0, or -1 with a message naming the key in err. A failed call
 * changes nothing.
 */
int ts_pool_set(struct ts_pool *pool, const char *key, const char *value, char *err, size_t errlen);

/*
 * Key i of every key ts_pool_set understands for this pool, in the order a
 * configuration is best applied: "confined", "sources", "deadline_ms", each
 * source's "SRC.OPTION", "calibration", then each source's "credit.SRC". The key is
 * *a, or *a "." *b when *b is not NULL (strings that live as long as the
 * pool). Returns 0, or -1 when i is past the last key.
 */
int ts_pool_key(const struct ts_pool *pool, size_t i, const char **a, const char **b);

/*
 * The calibration: 1 in force (buf names the file and the credits it
 * sets), 0 configured but not in force (buf says why: another machine,
 * or settings other than those measured), -1 none configured.
 */
int ts_pool_calibration(struct ts_pool *pool, char *buf, size_t len);

/* Name of the pool's source i, in the order of ts_pool_stats; NULL past the last. */
const char *ts_pool_source_name(const struct ts_pool *pool, size_t i);

/*
 * Fill out with len full-entropy bytes. Returns 0, or -1 with rep->error
 * set; out is then wiped. rep may not be NULL.
 */
int ts_pool_seed(struct ts_pool *pool, unsigned char *out, size_t len, struct ts_seed_report *rep);

/*
 * Fill out with len bytes that together carry at least bits of
 * min-entropy (bits at most 8 * len; more is served as 8 * len), as
 * get_seed's entropy argument asks. Blocks are made full entropy while
 * what is left of the request fills them; the rest carry what their
 * credited input gives them by SP 800-90B 3.1.5.1.2. As ts_pool_seed
 * otherwise.
 */
int ts_pool_seed_bits(struct ts_pool *pool, unsigned char *out, size_t len, size_t bits,
		      struct ts_seed_report *rep);

/*
 * Run the startup tests of every enabled source not yet tested in this
 * process (a seed request does this by itself). Returns the number of
 * healthy sources.
 */
size_t ts_pool_startup(struct ts_pool *pool);

/*
 * 1 when the pool can never serve again in this process: at least one
 * enabled source failed for good (a permanent cutoff) and every other
 * enabled source failed too or cannot run here. 0 otherwise.
 */
int ts_pool_broken(struct ts_pool *pool);

/* What an on-demand test found for one source. */
struct ts_selftest_result {
	const char *name;
	const char *test; /* "startup", or the health test that failed */
	size_t samples;	  /* samples tested */
	int pass;	  /* 1 passed, 0 failed, -1 not run (unavailable, not enabled) */
	char detail[TS_ERR_MAX];
};

/*
 * On-demand test (SP 800-90B 4.3): rerun the startup test of every
 * enabled source that can run here (or of the sources named, when names
 * is not NULL), as at first use, with the same consequences: a failing
 * source is quarantined or failed. Writes one result per source tested
 * into out (at most max); returns the number written, or -1 when a name
 * is unknown.
 */
int ts_pool_selftest(struct ts_pool *pool, const char *const *names, size_t nnames,
		     struct ts_selftest_result *out, size_t max);

/*
 * Lay fault f over the real samples of the source named, inside the
 * pool's collection path, for every later collection (TS_FAULT_NONE
 * takes it off). 0, or -1 for an unknown name.
 */
int ts_pool_induce(struct ts_pool *pool, const char *name, enum ts_fault f);

/* Per-source statistics, in the pool's order; returns the number written. */
size_t ts_pool_stats(struct ts_pool *pool, struct ts_source_stats *out, size_t max);

const char *ts_source_state_name(enum ts_source_state s);

/*
 * 1 when every buffer the pool keeps between requests (raw samples,
 * symbols) is all zero, as it must be outside a request.
 */
int ts_pool_verify_zeroized(struct ts_pool *pool);

/* The health tests' parameters at a credit of h bits per sample (health.h). */
struct ts_health_cutoffs {
	unsigned int rct, apt;		 /* intermittent cutoffs */
	unsigned int rct_perm, apt_perm; /* permanent cutoffs */
	unsigned int apt_window;
	unsigned int alpha_log2, perm_log2; /* alpha = 2^-alpha_log2, 2^-perm_log2 */
};
void ts_health_cutoffs(double h, struct ts_health_cutoffs *c);

#endif
