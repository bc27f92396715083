// SPDX-License-Identifier: Apache-2.0
/*
 * The pool with fault-injection sources: credit lowered by the startup
 * estimate, failure policy, deadline, configuration errors, and a
 * known-answer test of the documented conditioning input.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "condition.h"
#include "fault_sources.h"
#include "pool_int.h"
#include "timingseed/pool.h"
#include "timingseed/tick.h"

static struct ts_pool *pool_of(const struct ts_source *a, const struct ts_source *b)
{
	const struct ts_source *v[2] = {a, b};
	struct ts_pool *p = ts_pool_new_with(v, b ? 2 : 1);

	assert_non_null(p);
	return p;
}

static const struct ts_source_stats *stat_of(struct ts_source_stats *st, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(st[i].name, name) == 0)
			return &st[i];
	fail_msg("no stats for %s", name);
	return NULL;
}

static void test_good_sources_serve(void **state)
{
	struct ts_pool *p = pool_of(&fault_good, &fault_good2);
	struct ts_source_stats st[2];
	struct ts_seed_report rep;
	unsigned char a[48], b[48];

	(void)state;
	assert_int_equal(ts_pool_seed(p, a, sizeof(a), &rep), 0);
	assert_int_equal(rep.bytes, 48);
	assert_true(rep.credited_bits >= 2 * TS_BLOCK_CREDIT);
	/* A cold start tests one source only, the cheapest, and serves from it. */
	assert_int_equal(ts_pool_stats(p, st, 2), 2);
	assert_int_equal((st[0].state == TS_SRC_HEALTHY) + (st[1].state == TS_SRC_HEALTHY), 1);
	assert_int_equal((st[0].state == TS_SRC_UNTESTED) + (st[1].state == TS_SRC_UNTESTED), 1);
	assert_true((strstr(rep.sources, "fault_good=") == NULL) !=
		    (strstr(rep.sources, "fault_good2=") == NULL));
	/* The next tests the other; from then on a request draws on both: its
	 * first block holds a token chunk of the runner-up. */
	assert_int_equal(ts_pool_seed(p, b, sizeof(b), &rep), 0);
	assert_non_null(strstr(rep.sources, "fault_good="));
	assert_non_null(strstr(rep.sources, "fault_good2="));
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(ts_pool_stats(p, st, 2), 2);
	assert_int_equal(st[0].state, TS_SRC_HEALTHY);
	assert_int_equal(st[1].state, TS_SRC_HEALTHY);
	assert_true(st[0].samples > 0 && st[1].samples > 0);
	assert_true(ts_pool_verify_zeroized(p));
	ts_pool_free(p);
}

static void test_startup_lowers_credit(void **state)
{
	/* fault_lowent claims 1 bit; its samples carry log2(3) = 1.58, which
	 * the health tests at H = 1 accept, and the estimate halves. */
	struct ts_pool *p = pool_of(&fault_lowent, NULL);
	struct ts_source_stats st[1];

	(void)state;
	assert_int_equal(ts_pool_startup(p), 1);
	ts_pool_stats(p, st, 1);
	print_message("fault_lowent: default %.2f, credit after startup %.3f\n",
		      st[0].default_credit, st[0].credit);
	assert_true(st[0].default_credit == 1.0);
	assert_true(st[0].credit < 0.8); /* at most half of <= 1.58 bits */
	assert_true(st[0].credit > 0.3);
	ts_pool_free(p);
}

static void test_stuck_source_fails_loudly(void **state)
{
	struct ts_pool *p = pool_of(&fault_stuck, NULL);
	struct ts_seed_report rep;
	unsigned char out[32];

	(void)state;
	memset(out, 0xAA, sizeof(out));
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), -1);
	print_message("error: %s\n", rep.error);
	assert_non_null(strstr(rep.error, "fault_stuck"));
	assert_non_null(strstr(rep.error, "repetition count test"));
	/* Nothing weak handed back: the buffer is wiped. */
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0);
	ts_pool_free(p);
}

static void test_stuck_source_is_permanent(void **state)
{
	struct ts_pool *p = pool_of(&fault_stuck, &fault_good);
	struct ts_source_stats st[2];
	struct ts_seed_report rep;
	unsigned char out[32];
	int i;

	(void)state;
	/* A stuck source reaches the RCT's permanent cutoff (61 at H = 1) in
	 * its startup test: failed for good at once; the good one serves. */
	for (i = 0; i < 3; i++)
		assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), 0);
	assert_non_null(strstr(rep.sources, "health failures fault_stuck=1 (failed)"));
	assert_int_equal(strncmp(rep.sources, "fault_good=", 11), 0);
	ts_pool_stats(p, st, 2);
	assert_int_equal(stat_of(st, 2, "fault_stuck")->state, TS_SRC_FAILED);
	assert_int_equal(stat_of(st, 2, "fault_stuck")->intermittent, 1);
	assert_int_equal(stat_of(st, 2, "fault_stuck")->permanent, 1);
	assert_int_equal(stat_of(st, 2, "fault_stuck")->samples, 0);
	print_message("%s\n", stat_of(st, 2, "fault_stuck")->last_failure);
	assert_non_null(strstr(stat_of(st, 2, "fault_stuck")->last_failure, "permanent cutoff 61"));
	assert_false(ts_pool_broken(p)); /* fault_good still serves */
	ts_pool_free(p);

	p = pool_of(&fault_stuck, NULL);
	assert_false(ts_pool_broken(p));
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), -1);
	assert_true(ts_pool_broken(p));
	ts_pool_free(p);
}

static void test_intermittent_failure_recovers(void **state)
{
	struct ts_pool *p = pool_of(&fault_hiccup, NULL);
	struct ts_source_stats st[1];
	struct ts_seed_report rep;
	unsigned char out[32];

	(void)state;
	/* One run of 20 (RCT cutoffs at H = 2: 16, permanent 31) in the first
	 * block: that request fails, the source is quarantined, not failed. */
	fault_hiccup_at(1024 + 50);
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), -1);
	print_message("first request: %s\n", rep.error);
	assert_non_null(strstr(rep.error, "repetition count test (continuous test): intermittent"));
	ts_pool_stats(p, st, 1);
	assert_int_equal(st[0].state, TS_SRC_QUARANTINED);
	assert_false(ts_pool_broken(p));
	/* No other source can serve: the next request retests it at once. */
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), 0);
	ts_pool_stats(p, st, 1);
	assert_int_equal(st[0].state, TS_SRC_HEALTHY);
	assert_true(st[0].credit == st[0].default_credit);
	assert_int_equal(st[0].intermittent, 1);
	assert_int_equal(st[0].permanent, 0);
	fault_hiccup_at(SIZE_MAX);
	ts_pool_free(p);
}

static void test_quarantine_backoff(void **state)
{
	struct ts_pool *p = pool_of(&fault_hiccup, &fault_good);
	struct ts_source_stats st[2];
	struct ts_seed_report rep;
	unsigned char out[32];
	struct timespec ts = {0, 150000000};

	(void)state;
	/* The hiccup in fault_hiccup's startup test (after the 32 samples of
	 * the probe a source without a cost hint gets): quarantined, retest
	 * in 100 ms. */
	fault_hiccup_at(32);
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), 0);
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), 0);
	ts_pool_stats(p, st, 2);
	assert_int_equal(stat_of(st, 2, "fault_hiccup")->state, TS_SRC_QUARANTINED);
	print_message("%s\n", stat_of(st, 2, "fault_hiccup")->last_failure);
	assert_non_null(strstr(stat_of(st, 2, "fault_hiccup")->last_failure, "retest in 100 ms"));
	/* While fault_good serves, the retest waits for its backoff; then it is back. */
	nanosleep(&ts, NULL);
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), 0);
	ts_pool_stats(p, st, 2);
	assert_int_equal(stat_of(st, 2, "fault_hiccup")->state, TS_SRC_HEALTHY);
	assert_true(stat_of(st, 2, "fault_hiccup")->credit == 2.0);
	fault_hiccup_at(SIZE_MAX);
	ts_pool_free(p);
}

static void test_low_estimate_is_not_for_life(void **state)
{
	struct ts_pool *p = pool_of(&fault_lowstart, NULL);
	struct ts_source_stats st[1];
	struct ts_seed_report rep;
	unsigned char out[32];
	struct timespec ts = {0, 150000000};

	(void)state;
	/* A poor startup test lowers the credit, for a while only. */
	fault_lowstart_for(1024);
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), 0);
	ts_pool_stats(p, st, 1);
	print_message("after startup: credit %.4f (%s)\n", st[0].credit, st[0].last_failure);
	assert_true(st[0].credit < 1.0);
	nanosleep(&ts, NULL);
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), 0);
	ts_pool_stats(p, st, 1);
	print_message("after the retest: credit %.4f\n", st[0].credit);
	assert_true(st[0].credit == st[0].default_credit);
	ts_pool_free(p);
}

static void test_induced_faults(void **state)
{
	const enum ts_fault faults[] = {TS_FAULT_STUCK, TS_FAULT_BIASED};
	const char *const caught[] = {"repetition count test", "adaptive proportion test"};
	struct ts_selftest_result r[1];
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct ts_pool *p = pool_of(&fault_good, NULL);
		struct ts_source_stats st[1];
		struct ts_seed_report rep;
		unsigned char out[32];

		/* The on-demand test passes on the real samples... */
		assert_int_equal(ts_pool_selftest(p, NULL, 0, r, 1), 1);
		assert_int_equal(r[0].pass, 1);
		assert_int_equal(r[0].samples, 1024);
		ts_pool_free(p);
		/* ...and with a fault laid over them from the start (as
		 * `timingseed selftest --induce`), nothing is served. */
		p = pool_of(&fault_good, NULL);
		assert_int_equal(ts_pool_induce(p, "fault_good", faults[i]), 0);
		assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), -1);
		print_message("%s\n", rep.error);
		assert_non_null(strstr(rep.error, caught[i]));
		ts_pool_stats(p, st, 1);
		assert_int_equal(st[0].samples, 0);
		assert_int_equal(ts_pool_selftest(p, NULL, 0, r, 1), 1);
		assert_int_equal(r[0].pass, 0);
		assert_string_equal(r[0].test, caught[i]);
		ts_pool_free(p);
	}
}

static void test_turns_stuck_at_run_time(void **state)
{
	struct ts_pool *p = pool_of(&fault_turns_stuck, NULL);
	struct ts_source_stats st[1];
	struct ts_seed_report rep;
	unsigned char out[64];

	(void)state;
	fault_turns_stuck_after(1024 + 100); /* past startup, inside the first block */
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), -1);
	assert_non_null(strstr(rep.error, "continuous test"));
	ts_pool_stats(p, st, 1);
	/* The block it went stuck in was thrown away: nothing credited. */
	assert_int_equal(st[0].samples, 0);
	assert_int_equal(st[0].intermittent, 1);
	fault_turns_stuck_after(SIZE_MAX);
	ts_pool_free(p);
}

static void test_failing_collect_leaves_others(void **state)
{
	struct ts_pool *p = pool_of(&fault_errno, &fault_good);
	struct ts_seed_report rep;
	unsigned char out[32];

	(void)state;
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), 0);
	assert_int_equal(strncmp(rep.sources, "fault_good=", 11), 0);
	assert_null(strstr(rep.sources, "fault_errno"));
	ts_pool_free(p);

	p = pool_of(&fault_errno, NULL);
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), -1);
	assert_non_null(strstr(rep.error, "Too many open files"));
	ts_pool_free(p);
}

/*
 * The scheduler ranks on rates that stay current. fault_good's rate is set
 * as a passing load could have left it (10^6 times slower than it is);
 * the test moves the measurement's time, not the clock, and asserts on
 * which source served, not on how long anything took.
 */
static void test_stale_rate_is_remeasured(void **state)
{
	struct ts_pool *p = pool_of(&fault_good, &fault_good2);
	struct slot *a = &p->s[0], *b = &p->s[1];
	struct ts_seed_report rep;
	unsigned char out[32];
	uint64_t sa, sb, before;

	(void)state;
	assert_int_equal(ts_pool_startup(p), 2);
	assert_true(a->ns_per_sample > 0 && a->rate_at > 0);

	/* Fresh, it is believed: fault_good2 serves, fault_good gives a token. */
	a->ns_per_sample = 1e9;
	a->rate_at = b->rate_at = ts_now_ns();
	sa = a->samples;
	sb = b->samples;
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), 0);
	assert_int_equal(a->samples - sa, CHUNK_MIN);
	assert_true(b->samples - sb > CHUNK_MIN);
	/* A token is too small to measure a rate by. */
	assert_true(a->ns_per_sample == 1e9);

	/* A second on, it is stale: the next block measures fault_good anew. */
	before = ts_now_ns();
	a->rate_at = before - RATE_STALE_NS;
	b->rate_at = before;
	sa = a->samples;
	sb = b->samples;
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), 0);
	assert_true(a->samples - sa > CHUNK_MIN);
	assert_int_equal(b->samples - sb, CHUNK_MIN);
	assert_true(a->rate_at >= before);
	/*
	 * Replaced, not averaged (an average would keep 0.8 of 1e9): the
	 * block met the 2 s deadline, so its own figure is under 2e9 ns over
	 * its samples.
	 */
	assert_true(a->ns_per_sample < 2e9 / (double)(a->samples - sa));

	/* Both fresh again: no block goes to re-measuring, one source serves. */
	a->rate_at = b->rate_at = ts_now_ns();
	sa = a->samples;
	sb = b->samples;
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), 0);
	assert_int_equal((a->samples - sa == CHUNK_MIN) + (b->samples - sb == CHUNK_MIN), 1);
	ts_pool_free(p);
}

static void test_deadline(void **state)
{
	struct ts_pool *p = pool_of(&fault_slow, NULL);
	struct ts_seed_report rep;
	unsigned char out[32];
	char err[256];

	(void)state;
	assert_int_equal(ts_pool_set(p, "deadline_ms", "100", err, sizeof(err)), 0);
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), -1);
	print_message("after %.1f ms: %s\n", rep.elapsed_ns / 1e6, rep.error);
	assert_non_null(strstr(rep.error, "deadline"));
	/* Ends near its deadline, not after the 10 s the source would take. */
	assert_true(rep.elapsed_ns < 2000000000ULL);
	ts_pool_free(p);
}

static void test_config_errors(void **state)
{
	struct ts_pool *p = ts_pool_new();
	char err[256];

	(void)state;
	assert_non_null(p);
	assert_int_equal(ts_pool_set(p, "bogus", "1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bogus"));
	assert_int_equal(ts_pool_set(p, "sources", "pipe_buffer,nonesuch", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nonesuch"));
	assert_int_equal(ts_pool_set(p, "sources", "", err, sizeof(err)), -1);
	assert_int_equal(ts_pool_set(p, "deadline_ms", "0", err, sizeof(err)), -1);
	assert_int_equal(ts_pool_set(p, "deadline_ms", "-5", err, sizeof(err)), -1);
	assert_int_equal(ts_pool_set(p, "deadline_ms", "1e99", err, sizeof(err)), -1);
	assert_int_equal(ts_pool_set(p, "deadline_ms", "2.5", err, sizeof(err)), -1);
	assert_int_equal(ts_pool_set(p, "credit.pipe_buffer", "9", err, sizeof(err)), -1);
	assert_int_equal(ts_pool_set(p, "credit.pipe_buffer", "nan", err, sizeof(err)), -1);
	/* Only lowered: above the default is refused, saying how to assess. */
	assert_int_equal(ts_pool_set(p, "credit.pipe_buffer", "8", err, sizeof(err)), -1);
	print_message("%s\n", err);
	assert_non_null(strstr(err, "above pipe_buffer's default credit"));
	assert_non_null(strstr(err, "timingseed calibrate pipe_buffer"));
	assert_int_equal(ts_pool_set(p, "credit.nonesuch", "1", err, sizeof(err)), -1);
	assert_int_equal(ts_pool_set(p, "pipe_buffer.num_pipes", "x", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "num_pipes"));
	assert_int_equal(ts_pool_set(p, "nonesuch.opt", "1", err, sizeof(err)), -1);
	assert_int_equal(ts_pool_set(p, "pipe_buffer.num_pipes", "8", err, sizeof(err)), 0);
	assert_int_equal(ts_pool_set(p, "credit.pipe_buffer", "0.01", err, sizeof(err)), 0);
	/*
	 * confined = maybe (the default) runs no source that makes system
	 * calls: a 'sources' of such sources alone is refused, naming the
	 * key that would allow it, and so is going back to maybe with it.
	 */
	assert_int_equal(ts_pool_set(p, "confined", "sometimes", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "confined"));
	assert_int_equal(ts_pool_set(p, "sources", " pipe_buffer ", err, sizeof(err)), -1);
	print_message("%s\n", err);
	assert_non_null(strstr(err, "confined = never"));
	assert_int_equal(ts_pool_set(p, "sources", "pipe_buffer,cpu_jitter", err, sizeof(err)), 0);
	assert_int_equal(ts_pool_set(p, "confined", "never", err, sizeof(err)), 0);
	assert_int_equal(ts_pool_set(p, "sources", " pipe_buffer ", err, sizeof(err)), 0);
	assert_int_equal(ts_pool_set(p, "confined", "maybe", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "every source in 'sources' makes system calls"));
	assert_int_equal(ts_pool_set(p, "deadline_ms", "1500", err, sizeof(err)), 0);
	ts_pool_free(p);
}

/* ---- known answer ---------------------------------------------------- */

static void be(unsigned char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

/* The replay source's sample i, as fault_sources.c defines it. */
static uint64_t replay(uint64_t i)
{
	return i * 7919u + (i >> 3);
}

/* SHA-256 of the block input exactly as pool/condition.h documents it. */
static void expected_block(uint64_t counter, uint64_t first, size_t n, unsigned char out[32])
{
	static const char tag[] = "timingseed-block-v1";
	unsigned char hdr[sizeof(tag) + 12], chunk[2 + 12 + 4], s[8];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int len;

	memcpy(hdr, tag, sizeof(tag)); /* with its NUL */
	be(hdr + sizeof(tag), counter, 8);
	be(hdr + sizeof(tag) + 8, (uint64_t)getpid(), 4);
	chunk[0] = 0x01;
	chunk[1] = 12;
	memcpy(chunk + 2, "fault_replay", 12);
	be(chunk + 14, n, 4);
	assert_true(EVP_DigestInit_ex(md, EVP_sha256(), NULL));
	EVP_DigestUpdate(md, hdr, sizeof(hdr));
	EVP_DigestUpdate(md, chunk, sizeof(chunk));
	for (size_t i = 0; i < n; i++) {
		uint64_t v = replay(first + i);

		for (int b = 0; b < 8; b++)
			s[b] = (unsigned char)(v >> (8 * b));
		EVP_DigestUpdate(md, s, 8);
	}
	assert_true(EVP_DigestFinal_ex(md, out, &len));
	EVP_MD_CTX_free(md);
}

static void test_known_answer(void **state)
{
	struct ts_pool *p;
	struct ts_source_stats st[1];
	struct ts_seed_report rep;
	unsigned char out[40], want[64];
	size_t per_block;

	(void)state;
	fault_replay_reset();
	p = pool_of(&fault_replay, NULL);
	assert_int_equal(ts_pool_startup(p), 1); /* consumes samples 0..1023 */
	ts_pool_stats(p, st, 1);
	/* One source: each block is one chunk of ceil(320 / credit) samples. */
	per_block = (size_t)ceil(TS_BLOCK_CREDIT / st[0].credit);
	if (per_block < 32)
		per_block = 32;
	print_message("credit %.4f bits/sample: %zu samples per block\n", st[0].credit, per_block);
	assert_int_equal(ts_pool_seed(p, out, sizeof(out), &rep), 0);
	expected_block(0, 1024, per_block, want);
	expected_block(1, 1024 + per_block, per_block, want + 32);
	/* 40 bytes: one whole block and the next one truncated. */
	assert_memory_equal(out, want, sizeof(out));
	ts_pool_free(p);
}

/* ---- per-request accounting ------------------------------------------ */

/*
 * Reference values of SP 800-90B 3.1.5.1.2 Output_Entropy for SHA-256
 * (n_out = nw = 256), computed with 400-digit decimal arithmetic from the
 * standard's steps: (h_in, n_in) -> h_out.
 */
static void test_output_entropy(void **state)
{
	static const struct {
		double h_in, n_in, h_out;
	} ref[] = {
		{320, 2048, 256.0},
		{300, 2048, 256.0},
		{256, 2048, 255.0},
		{256, 300, 255.0},
		{255, 4096, 254.415037499279},
		{250, 258, 249.9776321869715},
		{256, 256, 251.689764568727}, /* omega, not psi, is the larger */
		{100, 2048, 100.0},
		{1.44, 2048, 1.44},
		{64, 64, 64.0},
	};
	double prev = 0;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ref) / sizeof(ref[0]); i++) {
		double h = ts_cond_output_entropy(ref[i].n_in, 256, 256, ref[i].h_in);

		print_message("h_in %g, n_in %g: %.12f (want %.12f)\n", ref[i].h_in, ref[i].n_in, h,
			      ref[i].h_out);
		assert_true(fabs(h - ref[i].h_out) < 1e-9);
	}
	assert_true(ts_cond_output_entropy(2048, 256, 256, 0) == 0);
	/* Never more than went in, nor than n_out; increasing in h_in. */
	for (i = 1; i <= 400; i++) {
		double h = ts_cond_output_entropy(2048, 256, 256, (double)i);

		assert_true(h <= (double)i + 1e-9 && h <= 256.0 && h >= prev);
		prev = h;
	}
}

/* Checks one request's report against the rules; returns its credited bits. */
static double check_accounting(const struct ts_seed_report *rep, size_t len, size_t bits)
{
	double credit = 0, entropy = 0;
	size_t i;

	assert_int_equal(rep->bytes, len);
	assert_int_equal(rep->blocks, (len + TS_BLOCK_BYTES - 1) / TS_BLOCK_BYTES);
	assert_int_equal(rep->asked_bits, bits < 8 * len ? bits : 8 * len);
	/* A request for N bits never gets fewer. */
	assert_true(rep->entropy_bits >= (double)rep->asked_bits);
	for (i = 0; i < rep->blocks; i++) {
		const struct ts_block_report *b = &rep->block[i];
		double most;

		assert_int_equal(b->bytes,
				 i + 1 < rep->blocks ? TS_BLOCK_BYTES : len - i * TS_BLOCK_BYTES);
		assert_true(b->credited_bits > 0); /* every block hashes fresh samples */
		assert_true(b->entropy_bits <= 8.0 * b->bytes);
		if (b->full) {
			/* Full entropy only with n_out + 64 credited bits in. */
			assert_true(b->credited_bits >= TS_BLOCK_CREDIT);
			assert_true(b->entropy_bits == 8.0 * b->bytes);
		} else {
			/* Output_Entropy of what went in, less the bits not served
			 * (n_in is at least 32 samples of 64 bits: the bound's lowest). */
			assert_true(b->credited_bits < TS_BLOCK_CREDIT);
			most = ts_cond_output_entropy(1e6, 256, 256, b->credited_bits) -
			       (256.0 - 8.0 * b->bytes);
			assert_true(b->entropy_bits <= (most > 0 ? most : 0) + 1e-9);
		}
		credit += b->credited_bits;
		entropy += b->entropy_bits;
	}
	assert_true(fabs(credit - rep->credited_bits) < 1e-6);
	assert_true(fabs(entropy - rep->entropy_bits) < 1e-6);
	return credit;
}

static void test_request_accounting(void **state)
{
	struct ts_pool *p = pool_of(&fault_good, &fault_good2);
	struct ts_seed_report rep;
	unsigned char out[100];
	static const size_t asks[] = {1, 64, 128, 200, 255, 256, 257, 300, 383, 384};
	size_t i, len;
	double credit;

	(void)state;
	/* Full entropy (generate, random_bytes): n_out + 64 in every block. */
	assert_int_equal(ts_pool_seed(p, out, 48, &rep), 0);
	credit = check_accounting(&rep, 48, 384);
	assert_true(rep.block[0].full && rep.block[1].full);
	assert_true(credit >= 2 * TS_BLOCK_CREDIT);
	assert_true(rep.entropy_bits == 384);

	/* OpenSSL 3.0's instantiation: 48 bytes for 256 bits. The first
	 * block is full entropy, the second need carry nothing but fresh
	 * samples: about half the credited input. */
	assert_int_equal(ts_pool_seed_bits(p, out, 48, 256, &rep), 0);
	credit = check_accounting(&rep, 48, 256);
	print_message("48 bytes for 256 bits: %.1f credited bits in, %.1f bits of entropy out\n",
		      credit, rep.entropy_bits);
	assert_true(rep.block[0].full && !rep.block[1].full);
	assert_true(credit < 1.5 * TS_BLOCK_CREDIT);

	/* 3.5 and later (384 bits in 48 bytes): the last 16 bytes must be
	 * full entropy too, which takes n_out + 64 (the unserved half of the
	 * output is no help). */
	assert_int_equal(ts_pool_seed_bits(p, out, 48, 384, &rep), 0);
	check_accounting(&rep, 48, 384);
	assert_true(rep.block[0].full && rep.block[1].full);

	/* A 128-bit DRBG's 32-byte seed: one block, with about 128 bits in. */
	assert_int_equal(ts_pool_seed_bits(p, out, 32, 128, &rep), 0);
	credit = check_accounting(&rep, 32, 128);
	assert_false(rep.block[0].full);
	assert_true(credit >= 128 && credit < 160);

	/* Any ask, any length: never fewer bits than asked. */
	for (len = 1; len <= sizeof(out); len += 33)
		for (i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
			assert_int_equal(ts_pool_seed_bits(p, out, len, asks[i], &rep), 0);
			check_accounting(&rep, len, asks[i]);
		}
	/* 16 bytes of a block: 128 bits of entropy reported, not the 320 in. */
	assert_int_equal(ts_pool_seed(p, out, 16, &rep), 0);
	check_accounting(&rep, 16, 128);
	assert_true(rep.entropy_bits == 128 && rep.credited_bits >= TS_BLOCK_CREDIT);
	assert_true(ts_pool_verify_zeroized(p));
	ts_pool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_sources_serve),
		cmocka_unit_test(test_startup_lowers_credit),
		cmocka_unit_test(test_stuck_source_fails_loudly),
		cmocka_unit_test(test_stuck_source_is_permanent),
		cmocka_unit_test(test_intermittent_failure_recovers),
		cmocka_unit_test(test_quarantine_backoff),
		cmocka_unit_test(test_low_estimate_is_not_for_life),
		cmocka_unit_test(test_induced_faults),
		cmocka_unit_test(test_turns_stuck_at_run_time),
		cmocka_unit_test(test_failing_collect_leaves_others),
		cmocka_unit_test(test_stale_rate_is_remeasured),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_output_entropy),
		cmocka_unit_test(test_request_accounting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
