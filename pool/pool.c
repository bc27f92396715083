// SPDX-License-Identifier: Apache-2.0
/*
 * The pool's request path: startup tests, continuous health tests, credit,
 * and scheduling of sources into SHA-256 blocks.
 *
 * A request is served block by block, each block hashing at least
 * TS_BLOCK_CREDIT credited bits. Before each block the healthy sources are
 * ranked by the credited bits per second they delivered so far, and the
 * block is filled from the best one alone: collection is sequential, so
 * one fast source fills a block soonest. A request's first served block
 * also holds a token chunk (CHUNK_MIN samples) of the runner-up, so a
 * request draws on two sources when two are healthy; later blocks do not
 * (a block thrown away leaves the token due for the next). Every
 * chunk passes the source's RCT and APT before it is hashed; a failure
 * throws the whole block away, so no served block ever holds samples of a
 * failing source.
 *
 * Sources are run on the calling thread, one after the other. Each
 * collection takes and gives back its own fds and threads (source.h), so
 * nothing of a source outlives a request and there is nothing to rebuild
 * after fork() but the startup tests, which a child redoes (fork.c).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "timingseed/ea.h"
#include "timingseed/options.h"
#include "timingseed/registry.h"
#include "timingseed/tick.h"
#include "condition.h"
#include "pool_int.h"

#define CHUNK_MIN      32
#define STARTUP_FACTOR 0.5  /* credit at most half the startup estimate */
#define MIN_CREDIT     1e-3 /* below this a source is not worth running */
/*
 * Retests (docs/health.md): the first 100 ms after an intermittent failure
 * or a lowered estimate, then doubling up to 30 s while the source does
 * not come back at its cap. A source not healthy at its cap is so retested
 * at 0.1, 0.3, 0.7 and 1.5 s of use: within two seconds a hiccup is gone.
 */
#define RETEST_FIRST_NS 100000000ull
#define RETEST_MAX_NS	30000000000ull

void pool_slot_reset(struct slot *sl)
{
	const char *why = NULL;

	sl->why[0] = '\0';
	sl->credit = 0;
	sl->ns_per_sample = 0;
	sl->retest = false;
	sl->health_ready = false;
	sl->retry_at = 0;
	sl->backoff_ns = RETEST_FIRST_NS;
	sl->induce_have = false;
	sl->induce_i = 0;
	if (!sl->src->available(&why)) {
		sl->state = TS_SRC_UNAVAILABLE;
		snprintf(sl->why, sizeof(sl->why), "%s", why ? why : "not available");
	} else {
		sl->state = TS_SRC_UNTESTED;
	}
}

struct ts_pool *ts_pool_new_with(const struct ts_source *const *srcs, size_t n)
{
	struct ts_pool *p;
	size_t i;

	if (n > TS_MAX_SOURCES)
		return NULL;
	p = OPENSSL_zalloc(sizeof(*p));
	if (p == NULL)
		return NULL;
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		OPENSSL_free(p);
		return NULL;
	}
	p->deadline_ms = TS_DEFAULT_DEADLINE;
	/* A private library context: SHA-256 must not come from a provider an
	 * application configured, nor recurse into the DRBG we are seeding. */
	p->libctx = OSSL_LIB_CTX_new();
	if (p->libctx != NULL)
		p->sha256 = EVP_MD_fetch(p->libctx, "SHA2-256", NULL);
	p->buf = OPENSSL_zalloc(CHUNK_MAX * sizeof(*p->buf));
	p->sym = OPENSSL_zalloc(TS_STARTUP_SAMPLES);
	if (p->sha256 == NULL || p->buf == NULL || p->sym == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		struct slot *sl = &p->s[p->n++];

		sl->src = srcs[i];
		sl->cfg = ts_config_new(srcs[i]);
		if (sl->cfg == NULL)
			goto fail;
		sl->enabled = true;
		sl->cap = srcs[i]->default_credit;
		pool_slot_reset(sl);
	}
	pool_join(p);
	return p;
fail:
	p->next = NULL;
	ts_pool_free(p);
	return NULL;
}

struct ts_pool *ts_pool_new(void)
{
	size_t n;

	for (n = 0; ts_sources[n] != NULL; n++)
		;
	return ts_pool_new_with(ts_sources, n);
}

void ts_pool_free(struct ts_pool *p)
{
	size_t i;

	if (p == NULL)
		return;
	pool_leave(p);
	for (i = 0; i < p->n; i++)
		ts_config_free(p->s[i].cfg);
	OPENSSL_clear_free(p->buf, CHUNK_MAX * sizeof(*p->buf));
	OPENSSL_clear_free(p->sym, TS_STARTUP_SAMPLES);
	EVP_MD_free(p->sha256);
	OSSL_LIB_CTX_free(p->libctx);
	pthread_mutex_destroy(&p->lock);
	OPENSSL_free(p);
}

/* ---- collection ------------------------------------------------------- */

static void wipe_buf(struct ts_pool *p, size_t n)
{
	OPENSSL_cleanse(p->buf, n * sizeof(*p->buf));
}

/*
 * An induced fault over real samples (selftest --induce), inside the
 * collection path so every test downstream sees it. Stuck: every sample
 * is the first one. Biased: the first sample's value everywhere but at
 * every m-th sample, a real sample made to differ, m the RCT cutoff at the
 * cap: runs stay just short of the RCT, so the APT is the test that must
 * catch it. Where the APT cannot fail at that credit (cutoff above W),
 * nothing breaks the runs and the RCT catches it.
 */
static void apply_fault(struct slot *sl, uint64_t *b, size_t n)
{
	unsigned int m = ts_rct_cutoff(sl->cap, TS_HEALTH_ALPHA_LOG2);
	size_t i;

	if (ts_apt_cutoff(sl->cap, TS_APT_WINDOW, TS_HEALTH_ALPHA_LOG2) > TS_APT_WINDOW)
		m = UINT32_MAX;
	for (i = 0; i < n; i++) {
		if (!sl->induce_have) {
			sl->induce_value = b[i];
			sl->induce_have = true;
		}
		if (sl->induce == TS_FAULT_STUCK || sl->induce_i++ % m != m - 1)
			b[i] = sl->induce_value;
		else if (ts_symbol(b[i]) == ts_symbol(sl->induce_value))
			b[i] ^= 1;
	}
}

/* Collect exactly n samples into p->buf unless the deadline passes first. */
static long collect(struct ts_pool *p, struct slot *sl, size_t n, uint64_t deadline)
{
	uint64_t t0 = ts_now_ns();
	size_t got = 0;

	while (got < n) {
		long r = sl->src->collect(sl->cfg, p->buf + got, n - got, deadline);

		if (r < 0) {
			snprintf(sl->why, sizeof(sl->why), "collection failed: %s",
				 strerror((int)-r));
			return r;
		}
		if (sl->induce != TS_FAULT_NONE)
			apply_fault(sl, p->buf + got, (size_t)r);
		got += (size_t)r;
		if (got < n && ts_now_ns() >= deadline)
			break;
	}
	if (got > 0) {
		double ns = (double)(ts_now_ns() - t0) / got;

		sl->ns_per_sample =
			sl->ns_per_sample == 0 ? ns : 0.8 * sl->ns_per_sample + 0.2 * ns;
	}
	return (long)got;
}

/* A retest due after the current backoff, which then doubles. */
static void schedule_retest(struct slot *sl)
{
	sl->retest = true;
	sl->retry_at = ts_now_ns() + sl->backoff_ns;
	sl->backoff_ns = sl->backoff_ns * 2 > RETEST_MAX_NS ? RETEST_MAX_NS : sl->backoff_ns * 2;
}

/*
 * The failure policy (docs/health.md). A count at an intermittent cutoff
 * (alpha 2^-30) quarantines the source: retested with backoff, back when
 * a retest passes. Only a count at a permanent cutoff (alpha 2^-60) says
 * the source is broken: failed for good in this process.
 */
static void health_failure(struct slot *sl, enum ts_health_result r, const char *when)
{
	sl->intermittent++;
	if (sl->health.perm != TS_HEALTH_OK) {
		sl->state = TS_SRC_FAILED;
		sl->retest = false;
		sl->last_test = sl->health.perm;
		snprintf(sl->why, sizeof(sl->why),
			 "%s failed %s (%s) at its permanent cutoff %u: broken, failed for good",
			 sl->src->name, ts_health_name(sl->health.perm), when,
			 sl->health.perm == TS_HEALTH_RCT ? sl->health.rct_cutoff_perm
							  : sl->health.apt_cutoff_perm);
		return;
	}
	sl->state = TS_SRC_QUARANTINED;
	sl->last_test = r;
	snprintf(sl->why, sizeof(sl->why), "%s failed %s (%s): intermittent, retest in %llu ms",
		 sl->src->name, ts_health_name(r), when,
		 (unsigned long long)(sl->backoff_ns / 1000000u));
	schedule_retest(sl);
}

/*
 * Startup test (SP 800-90B 4.3): TS_STARTUP_SAMPLES samples through the
 * RCT and APT at the configured credit, then an online estimate that can
 * only lower the credit. Startup samples are never hashed. The same test
 * retests a source after an intermittent failure or a lowered estimate,
 * and is the on-demand test; the health counts of a retest go on from
 * before (ts_health_retest), so a stuck source reaches its permanent
 * cutoff. The credit is the latest estimate's: one low estimate on 1024
 * samples is not kept for life.
 */
static void startup(struct ts_pool *p, struct slot *sl, uint64_t deadline)
{
	enum ts_health_result r;
	const char *when = sl->state == TS_SRC_UNTESTED ? "startup test" : "retest";
	long got;
	size_t i;
	double est;

	if (sl->cap < MIN_CREDIT) {
		sl->state = TS_SRC_UNAVAILABLE;
		sl->retest = false;
		snprintf(sl->why, sizeof(sl->why), "credit configured to 0");
		return;
	}
	got = collect(p, sl, TS_STARTUP_SAMPLES, deadline);
	if (got < TS_STARTUP_SAMPLES) {
		if (got >= 0)
			snprintf(sl->why, sizeof(sl->why), "%s: deadline passed", when);
		wipe_buf(p, TS_STARTUP_SAMPLES);
		if (sl->state != TS_SRC_UNTESTED)
			schedule_retest(sl);
		return; /* untested ones: tried again next request */
	}
	if (!sl->health_ready) {
		ts_health_init(&sl->health, sl->cap);
		sl->health_ready = true;
	} else {
		ts_health_set_h(&sl->health, sl->cap);
		ts_health_retest(&sl->health);
	}
	r = ts_health_feed(&sl->health, p->buf, TS_STARTUP_SAMPLES, NULL);
	if (r != TS_HEALTH_OK || sl->health.perm != TS_HEALTH_OK) {
		health_failure(sl, r != TS_HEALTH_OK ? r : sl->health.perm, when);
		wipe_buf(p, TS_STARTUP_SAMPLES);
		return;
	}
	for (i = 0; i < TS_STARTUP_SAMPLES; i++)
		p->sym[i] = ts_symbol(p->buf[i]);
	est = ts_ea_startup(p->sym, TS_STARTUP_SAMPLES);
	OPENSSL_cleanse(p->sym, TS_STARTUP_SAMPLES);
	wipe_buf(p, TS_STARTUP_SAMPLES);

	sl->credit = fmin(sl->cap, est * STARTUP_FACTOR);
	sl->last_test = TS_HEALTH_OK;
	if (sl->credit < MIN_CREDIT) {
		sl->credit = 0;
		sl->state = TS_SRC_UNAVAILABLE;
		snprintf(sl->why, sizeof(sl->why),
			 "startup estimate %.4f bits/sample: too little to credit, retest in %llu "
			 "ms",
			 est, (unsigned long long)(sl->backoff_ns / 1000000u));
		schedule_retest(sl);
		return;
	}
	ts_health_set_h(&sl->health, sl->credit);
	sl->state = TS_SRC_HEALTHY;
	if (sl->credit < sl->cap) {
		snprintf(sl->why, sizeof(sl->why),
			 "startup estimate %.4f bits/sample: credit lowered to %.4f, retest in "
			 "%llu ms",
			 est, sl->credit, (unsigned long long)(sl->backoff_ns / 1000000u));
		schedule_retest(sl);
	} else {
		sl->retest = false;
		sl->backoff_ns = RETEST_FIRST_NS;
		sl->why[0] = '\0';
	}
}

enum block_result { BLOCK_OK, BLOCK_RETRY, BLOCK_DEADLINE, BLOCK_ERROR };

struct pending {
	uint64_t samples[TS_MAX_SOURCES];
	double bits[TS_MAX_SOURCES];
};

/* Credited bits per nanosecond a source delivered so far. */
static double rate(const struct slot *sl)
{
	return sl->credit / (sl->ns_per_sample > 0 ? sl->ns_per_sample : 1.0);
}

/* Healthy sources, best credited rate first (insertion sort: n <= 16). */
static void rank(struct slot **h, size_t nh)
{
	size_t i, j;

	for (i = 1; i < nh; i++)
		for (j = i; j > 0 && rate(h[j]) > rate(h[j - 1]); j--) {
			struct slot *t = h[j];

			h[j] = h[j - 1];
			h[j - 1] = t;
		}
}

/* Samples of sl that carry need credited bits, within chunk limits. */
static size_t plan(const struct slot *sl, double need)
{
	double want = ceil(need / sl->credit);

	if (want < CHUNK_MIN)
		return CHUNK_MIN;
	return want > CHUNK_MAX ? CHUNK_MAX : (size_t)want;
}

/*
 * Collect n samples of sl, test them, hash them into md. Returns
 * BLOCK_OK, BLOCK_RETRY (the source failed: the block must go) or
 * BLOCK_ERROR; *got gets the count.
 */
static enum block_result take(struct ts_pool *p, struct slot *sl, size_t n, EVP_MD_CTX *md,
			      uint64_t deadline, long *got)
{
	enum ts_health_result r;
	enum block_result ret = BLOCK_OK;

	*got = collect(p, sl, n, deadline);
	if (*got < 0) {
		sl->state = TS_SRC_UNTESTED; /* retried next request */
		ret = BLOCK_RETRY;
	} else if ((r = ts_health_feed(&sl->health, p->buf, (size_t)*got, NULL)) != TS_HEALTH_OK ||
		   sl->health.perm != TS_HEALTH_OK) {
		health_failure(sl, r != TS_HEALTH_OK ? r : sl->health.perm, "continuous test");
		ret = BLOCK_RETRY;
	} else if (!ts_cond_add(md, sl->src->name, p->buf, (size_t)*got)) {
		ret = BLOCK_ERROR;
	}
	/* The source may have written all n, even when it returned fewer. */
	wipe_buf(p, n);
	return ret;
}

/*
 * One block. Sequential collection is fastest when the block's credit
 * comes from the source with the best credited rate, h[0]. A request must
 * still draw on two sources when two are healthy: *token_due asks for a
 * small chunk of the runner-up, h[1], in the request's first block.
 */
static enum block_result build_block(struct ts_pool *p, struct slot *const *h, size_t nh,
				     unsigned char out[TS_BLOCK_BYTES], struct pending *pend,
				     uint64_t deadline, bool *token_due)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	enum block_result ret = BLOCK_ERROR;
	double credit = 0;
	bool token = *token_due && nh >= 2;

	memset(pend, 0, sizeof(*pend));
	if (md == NULL || !ts_cond_begin(md, p->sha256, p->counter++, (uint32_t)getpid()))
		goto out;
	while (credit < TS_BLOCK_CREDIT || token) {
		struct slot *sl = token ? h[1] : h[0];
		size_t k = (size_t)(sl - p->s);
		long got;

		ret = take(p, sl, token ? CHUNK_MIN : plan(sl, TS_BLOCK_CREDIT - credit), md,
			   deadline, &got);
		if (ret != BLOCK_OK)
			goto out;
		token = false;
		pend->samples[k] += (uint64_t)got;
		pend->bits[k] += got * sl->credit;
		credit += got * sl->credit;
		if (ts_now_ns() >= deadline) {
			ret = BLOCK_DEADLINE;
			goto out;
		}
	}
	ret = ts_cond_end(md, out) ? BLOCK_OK : BLOCK_ERROR;
	if (ret == BLOCK_OK)
		*token_due = false;
out:
	EVP_MD_CTX_free(md); /* frees and cleanses the hash state */
	return ret;
}

/*
 * Whether sl is to be tested before it serves: never tested in this
 * process, or a retest is due; urgent (no source healthy) does not wait
 * for the backoff, so an intermittent failure fails one request only.
 */
static bool needs_startup(const struct slot *sl, uint64_t now, bool urgent)
{
	return sl->enabled &&
	       (sl->state == TS_SRC_UNTESTED || (sl->retest && (urgent || now >= sl->retry_at)));
}

static size_t count_healthy(const struct ts_pool *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		n += p->s[i].enabled && p->s[i].state == TS_SRC_HEALTHY;
	return n;
}

/* Startup tests for every source that needs one; the number healthy. */
static size_t startup_all(struct ts_pool *p, uint64_t deadline)
{
	size_t i;

	pool_after_fork(p);
	for (i = 0; i < p->n; i++)
		if (needs_startup(&p->s[i], ts_now_ns(), false))
			startup(p, &p->s[i], deadline);
	return count_healthy(p);
}

/*
 * Startup tests are run before a source's first use, not for every source
 * at once: a request needs two healthy sources (one to carry the credit,
 * one for the token), so only the cheapest untested ones are tested: a
 * startup test is TS_STARTUP_SAMPLES samples, so the fastest sampler
 * passes it soonest (unix_ipc's alone takes ~50 ms here). Speed is found by
 * a probe of CHUNK_MIN samples (not hashed, not credited). Each source
 * gets at most one startup attempt per request. First, one retest that is
 * due is run whatever the others' health, so a quarantined or lowered
 * source comes back (and its rate is measured anew) while others serve.
 */
static void startup_needed(struct ts_pool *p, uint64_t deadline, bool *tried)
{
	size_t i, candidates = 0;
	uint64_t now = ts_now_ns();

	pool_after_fork(p);
	for (i = 0; i < p->n; i++)
		if (p->s[i].state != TS_SRC_UNTESTED && !tried[i] &&
		    needs_startup(&p->s[i], now, false)) {
			tried[i] = true;
			startup(p, &p->s[i], deadline);
			break;
		}
	for (i = 0; i < p->n; i++)
		candidates += needs_startup(&p->s[i], now, count_healthy(p) == 0) && !tried[i];
	if (candidates == 0 || count_healthy(p) >= 2)
		return;
	if (candidates + count_healthy(p) > 2)
		for (i = 0; i < p->n; i++)
			if (needs_startup(&p->s[i], now, count_healthy(p) == 0) && !tried[i] &&
			    p->s[i].ns_per_sample == 0 &&
			    collect(p, &p->s[i], CHUNK_MIN, deadline) >= 0)
				wipe_buf(p, CHUNK_MIN);
	while (count_healthy(p) < 2) {
		struct slot *best = NULL;
		bool urgent = count_healthy(p) == 0;

		for (i = 0; i < p->n; i++) {
			struct slot *sl = &p->s[i];

			if (!needs_startup(sl, now, urgent) || tried[i])
				continue;
			if (best == NULL || sl->ns_per_sample < best->ns_per_sample)
				best = sl;
		}
		if (best == NULL)
			return;
		tried[best - p->s] = true;
		startup(p, best, deadline);
	}
}

size_t ts_pool_startup(struct ts_pool *p)
{
	size_t n;

	pool_lock(p);
	n = startup_all(p, ts_now_ns() + (uint64_t)p->deadline_ms * 1000000u);
	pool_unlock(p);
	return n;
}

static int seed_locked(struct ts_pool *p, unsigned char *out, size_t len,
		       struct ts_seed_report *rep, uint64_t start)
{
	uint64_t deadline = start + (uint64_t)p->deadline_ms * 1000000u;
	unsigned char block[TS_BLOCK_BYTES];
	uint64_t used[TS_MAX_SOURCES] = {0};
	bool token_due = true, tried[TS_MAX_SOURCES] = {false};
	struct pending pend;
	size_t off = 0, i;
	int ret = -1;

	while (off < len) {
		struct slot *h[TS_MAX_SOURCES];
		size_t nh = 0, part;
		enum block_result r;

		startup_needed(p, deadline, tried); /* again after a source failed */
		for (i = 0; i < p->n; i++)
			if (p->s[i].enabled && p->s[i].state == TS_SRC_HEALTHY)
				h[nh++] = &p->s[i];
		if (nh == 0) {
			pool_explain(p, rep, "no healthy source can serve the request");
			goto out;
		}
		rank(h, nh);
		r = build_block(p, h, nh, block, &pend, deadline, &token_due);
		if (r == BLOCK_RETRY)
			continue;
		if (r == BLOCK_DEADLINE) {
			snprintf(rep->error, sizeof(rep->error),
				 "deadline of %u ms passed after %zu of %zu bytes", p->deadline_ms,
				 off, len);
			goto out;
		}
		if (r != BLOCK_OK) {
			snprintf(rep->error, sizeof(rep->error), "SHA-256 conditioning failed");
			goto out;
		}
		part = len - off < TS_BLOCK_BYTES ? len - off : TS_BLOCK_BYTES;
		memcpy(out + off, block, part);
		off += part;
		for (i = 0; i < p->n; i++) {
			if (pend.samples[i] == 0)
				continue;
			p->s[i].samples += pend.samples[i];
			p->s[i].credited_bits += pend.bits[i];
			rep->credited_bits += pend.bits[i];
			used[i] += pend.samples[i];
		}
	}
	pool_describe_use(p, used, rep);
	ret = 0;
out:
	/* The last block stays on the stack otherwise, served or not. */
	OPENSSL_cleanse(block, sizeof(block));
	return ret;
}

int ts_pool_seed(struct ts_pool *p, unsigned char *out, size_t len, struct ts_seed_report *rep)
{
	uint64_t start = ts_now_ns();
	int ret;

	memset(rep, 0, sizeof(*rep));
	pool_lock(p);
	/* The deadline bounds this request's own collection: time spent
	 * waiting for other threads' requests must not use it up. */
	ret = seed_locked(p, out, len, rep, ts_now_ns());
	pool_unlock(p);
	rep->elapsed_ns = ts_now_ns() - start;
	if (ret == 0) {
		rep->bytes = len;
	} else {
		OPENSSL_cleanse(out, len);
		rep->credited_bits = 0;
	}
	return ret;
}

/* Whether sl can never serve again in this process, failed or not. */
static bool for_good(const struct slot *sl)
{
	return sl->state == TS_SRC_FAILED || (sl->state == TS_SRC_UNAVAILABLE && !sl->retest);
}

int ts_pool_broken(struct ts_pool *p)
{
	size_t i, failed = 0;
	int ret = 1;

	pool_lock(p);
	pool_after_fork(p);
	for (i = 0; i < p->n; i++) {
		const struct slot *sl = &p->s[i];

		if (!sl->enabled)
			continue;
		failed += sl->state == TS_SRC_FAILED;
		if (!for_good(sl))
			ret = 0;
	}
	pool_unlock(p);
	return ret && failed > 0;
}

static struct slot *slot_named(struct ts_pool *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->s[i].src->name, name) == 0)
			return &p->s[i];
	return NULL;
}

static void selftest_one(struct ts_pool *p, struct slot *sl, struct ts_selftest_result *r)
{
	const char *why = NULL;

	memset(r, 0, sizeof(*r));
	r->name = sl->src->name;
	r->test = "startup";
	r->pass = -1;
	if (!sl->src->available(&why)) {
		snprintf(r->detail, sizeof(r->detail), "%s", why ? why : "not available");
		return;
	}
	if (!sl->enabled) {
		snprintf(r->detail, sizeof(r->detail), "not in 'sources'");
		return;
	}
	if (sl->state == TS_SRC_FAILED) {
		r->pass = 0;
		r->test = ts_health_name(sl->last_test);
		snprintf(r->detail, sizeof(r->detail), "not rerun: %.200s", sl->why);
		return;
	}
	startup(p, sl, ts_now_ns() + (uint64_t)p->deadline_ms * 1000000u);
	r->samples = TS_STARTUP_SAMPLES;
	r->pass = sl->state == TS_SRC_HEALTHY;
	if (sl->state == TS_SRC_QUARANTINED || sl->state == TS_SRC_FAILED)
		r->test = ts_health_name(sl->last_test);
	else if (sl->state != TS_SRC_HEALTHY)
		r->test = "startup estimate";
	if (r->pass)
		snprintf(r->detail, sizeof(r->detail), "credit %.4f of %.4f%s%.200s", sl->credit,
			 sl->cap, sl->why[0] ? "; " : "", sl->why);
	else
		snprintf(r->detail, sizeof(r->detail), "%s",
			 sl->why[0] ? sl->why : ts_source_state_name(sl->state));
}

int ts_pool_selftest(struct ts_pool *p, const char *const *names, size_t nnames,
		     struct ts_selftest_result *out, size_t max)
{
	size_t i, k = 0;

	pool_lock(p);
	pool_after_fork(p);
	for (i = 0; i < nnames; i++)
		if (slot_named(p, names[i]) == NULL) {
			pool_unlock(p);
			return -1;
		}
	if (names == NULL || nnames == 0) {
		for (i = 0; i < p->n && k < max; i++)
			if (p->s[i].enabled && p->s[i].src->available(&(const char *){NULL}))
				selftest_one(p, &p->s[i], &out[k++]);
	} else {
		for (i = 0; i < nnames && k < max; i++)
			selftest_one(p, slot_named(p, names[i]), &out[k++]);
	}
	pool_unlock(p);
	return (int)k;
}

int ts_pool_induce(struct ts_pool *p, const char *name, enum ts_fault f)
{
	struct slot *sl;

	pool_lock(p);
	sl = slot_named(p, name);
	if (sl != NULL) {
		sl->induce = f;
		sl->induce_have = false;
		sl->induce_i = 0;
	}
	pool_unlock(p);
	return sl == NULL ? -1 : 0;
}
