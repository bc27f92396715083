// SPDX-License-Identifier: Apache-2.0
/*
 * The pool's request path: continuous health tests, credit, and
 * scheduling of sources into SHA-256 blocks. The startup tests it asks
 * for first are in startup.c, collection in collect.c, the on-demand test
 * in selftest.c.
 *
 * A request is served block by block. A block whose bytes must all be
 * full entropy hashes at least TS_BLOCK_CREDIT credited bits; once the
 * request's asked entropy is covered, the rest need only what
 * block_need() says (docs/security.md), and every block hashes at least
 * one chunk of fresh samples. Before each block the healthy sources are
 * ranked by the credited bits per second they delivered so far, and the
 * block is filled from the best one alone: collection is sequential, so
 * one fast source fills a block soonest. A rate older than a second is
 * measured anew (rank()). A request's first served block
 * also holds a token chunk (CHUNK_MIN samples) of the runner-up, so a
 * request draws on two sources when two are healthy (from a process's
 * second request on: a cold start tests one, startup.c); later blocks do not
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
#include <openssl/provider.h>

#include "timingseed/ea.h"
#include "timingseed/options.h"
#include "timingseed/registry.h"
#include "timingseed/tick.h"
#include "condition.h"
#include "pool_int.h"

void pool_slot_reset(const struct ts_pool *p, struct slot *sl)
{
	const char *why = NULL;

	sl->why[0] = '\0';
	sl->credit = 0;
	sl->ns_per_sample = 0;
	sl->rate_at = 0;
	sl->retest = false;
	sl->health_ready = false;
	sl->retry_at = 0;
	sl->backoff_ns = RETEST_FIRST_NS;
	sl->induce_have = false;
	sl->induce_i = 0;
	if (p->ticks_off != NULL) {
		sl->state = TS_SRC_UNAVAILABLE;
		snprintf(sl->why, sizeof(sl->why), "%s", p->ticks_off);
	} else if (!pool_may_run(p, sl)) {
		sl->state = TS_SRC_UNAVAILABLE;
		snprintf(sl->why, sizeof(sl->why),
			 "makes system calls, not run while the process may be confined "
			 "(confined = maybe; timingseed(7), SANDBOXES)");
	} else if (!sl->src->available(&why)) {
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
	/* Asked once here, at load, where a system call is still safe. */
	{
		const char *why = NULL;

		p->ticks_off = ts_ticks_usable(&why) ? NULL : why;
	}
	/*
	 * The private library context, its default provider activated now
	 * (OSSL_PROVIDER_available activates a context's fallback providers):
	 * only SHA-256's fetch waits for the first request (digest.c). On
	 * 3.0, activating it inside a request instead left an entry of the
	 * error-string table behind whenever a later request failed.
	 */
	p->libctx = OSSL_LIB_CTX_new();
	if (p->libctx != NULL)
		(void)OSSL_PROVIDER_available(p->libctx, "default");
	p->buf = OPENSSL_zalloc(CHUNK_MAX * sizeof(*p->buf));
	p->sym = OPENSSL_zalloc(TS_STARTUP_SAMPLES);
	if (p->libctx == NULL || p->buf == NULL || p->sym == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		struct slot *sl = &p->s[p->n++];

		sl->src = srcs[i];
		sl->cfg = ts_config_new(srcs[i]);
		if (sl->cfg == NULL)
			goto fail;
		sl->enabled = true;
		sl->cap = srcs[i]->default_credit;
		sl->user_cap = -1;
		sl->cal_credit = -1;
		pool_slot_reset(p, sl);
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
	pool_digest_free(p);
	pthread_mutex_destroy(&p->lock);
	OPENSSL_free(p);
}

enum block_result { BLOCK_OK, BLOCK_RETRY, BLOCK_DEADLINE, BLOCK_ERROR };

struct pending {
	uint64_t samples[TS_MAX_SOURCES];
	double bits[TS_MAX_SOURCES];
	uint64_t total_samples;
};

/* Credited bits per nanosecond a source delivered so far. */
static double rate(const struct slot *sl)
{
	return sl->credit / (sl->ns_per_sample > 0 ? sl->ns_per_sample : 1.0);
}

/*
 * Healthy sources, best credited rate first (insertion sort: n <= 16);
 * then the one whose rate is stale, the oldest if several, moved to the
 * front to be measured anew by the block (pool_int.h). A source measured
 * slow under a passing load so gets a block again within a second or so
 * of use, instead of tokens for life; each stale source costs one block a
 * second at most, as the block refreshes its rate.
 */
static void rank(struct slot **h, size_t nh)
{
	uint64_t now = ts_now_ns();
	size_t i, j, stale = nh;

	for (i = 1; i < nh; i++)
		for (j = i; j > 0 && rate(h[j]) > rate(h[j - 1]); j--) {
			struct slot *t = h[j];

			h[j] = h[j - 1];
			h[j - 1] = t;
		}
	for (i = 0; i < nh; i++)
		if (now - h[i]->rate_at >= RATE_STALE_NS &&
		    (stale == nh || h[i]->rate_at < h[stale]->rate_at))
			stale = i;
	for (; stale > 0 && stale < nh; stale--) {
		struct slot *t = h[stale];

		h[stale] = h[stale - 1];
		h[stale - 1] = t;
	}
}

/* Samples of sl that carry need credited bits, within chunk limits. */
static size_t plan(const struct slot *sl, double need)
{
	double want = need > 0 ? ceil(need / sl->credit) : 0;

	if (want < CHUNK_MIN)
		return CHUNK_MIN;
	return want > CHUNK_MAX ? CHUNK_MAX : (size_t)want;
}

/*
 * A block's hash begins with its first chunk that passed its tests (md has
 * no digest until then): on a process's first request SHA-256 is still
 * being fetched while the first samples are collected (digest.c).
 */
static int begin_once(struct ts_pool *p, EVP_MD_CTX *md)
{
	const EVP_MD *sha256;

	if (EVP_MD_CTX_get0_md(md) != NULL)
		return 1;
	sha256 = pool_digest(p);
	return sha256 != NULL && ts_cond_begin(md, sha256, p->counter++, (uint32_t)getpid());
}

/*
 * Collect n samples of sl, test them, hash them into md (begun first when
 * it has not been). Returns BLOCK_OK, BLOCK_RETRY (the source failed: the
 * block must go) or BLOCK_ERROR; *got gets the count.
 */
static enum block_result take(struct ts_pool *p, struct slot *sl, size_t n, EVP_MD_CTX *md,
			      uint64_t deadline, long *got)
{
	enum ts_health_result r;
	enum block_result ret = BLOCK_OK;

	*got = pool_collect(p, sl, n, deadline);
	if (*got < 0) {
		sl->state = TS_SRC_UNTESTED; /* retried next request */
		ret = BLOCK_RETRY;
	} else if ((r = ts_health_feed(&sl->health, p->buf, (size_t)*got, NULL)) != TS_HEALTH_OK ||
		   sl->health.perm != TS_HEALTH_OK) {
		pool_health_failure(sl, r != TS_HEALTH_OK ? r : sl->health.perm, "continuous test");
		ret = BLOCK_RETRY;
	} else if (!begin_once(p, md) || !ts_cond_add(md, sl->src->name, p->buf, (size_t)*got)) {
		ret = BLOCK_ERROR;
	}
	/* The source may have written all n, even when it returned fewer. */
	pool_wipe_buf(p, n);
	return ret;
}

#define BLOCK_BITS   (8 * TS_BLOCK_BYTES)
#define SAMPLE_BITS  64	  /* each sample is hashed as 8 bytes (condition.h) */
#define ROUND_MARGIN 1e-3 /* bits of slack for the rounding of block_need */

/*
 * What the served bytes of a block carry: all 8 * bytes bits when it
 * hashed TS_BLOCK_CREDIT (n_out + 64) credited bits, else its SHA-256
 * Output_Entropy less the bits not served (dropping 256 - 8 * bytes
 * output bits lowers min-entropy by at most that many bits).
 */
static double served_entropy(double credited, uint64_t samples, size_t bytes)
{
	double h;

	if (credited >= TS_BLOCK_CREDIT)
		return 8.0 * (double)bytes;
	h = ts_cond_output_entropy((double)samples * SAMPLE_BITS, BLOCK_BITS, BLOCK_BITS,
				   credited) -
	    (BLOCK_BITS - 8.0 * (double)bytes);
	return h > 0 ? fmin(h, 8.0 * (double)bytes) : 0;
}

/*
 * Credited bits a block serving bytes must hash so that its bytes carry
 * left more bits of the request: TS_BLOCK_CREDIT when they must all be
 * full entropy, 0 when nothing is left, else the least h_in whose
 * Output_Entropy covers left plus the bits not served (bisection: it is
 * increasing in h_in, and taken at the fewest samples a block hashes,
 * where it is lowest).
 */
static double block_need(size_t bytes, double left)
{
	double target = left + (BLOCK_BITS - 8.0 * (double)bytes) + ROUND_MARGIN;
	double lo = 0, hi = TS_BLOCK_CREDIT;
	int i;

	if (left >= 8.0 * (double)bytes || target >= BLOCK_BITS)
		return TS_BLOCK_CREDIT;
	if (left <= 0)
		return 0;
	for (i = 0; i < 64; i++) {
		double mid = (lo + hi) / 2;

		if (ts_cond_output_entropy(CHUNK_MIN * SAMPLE_BITS, BLOCK_BITS, BLOCK_BITS, mid) >=
		    target)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/*
 * One block, hashing at least need credited bits and at least one chunk.
 * Sequential collection is fastest when the block's credit comes from the
 * source with the best credited rate, h[0]. A request must still draw on
 * two sources when two are healthy: *token_due asks for a small chunk of
 * the runner-up, h[1], in the request's first block.
 */
static enum block_result build_block(struct ts_pool *p, struct slot *const *h, size_t nh,
				     double need, unsigned char out[TS_BLOCK_BYTES],
				     struct pending *pend, uint64_t deadline, bool *token_due)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	enum block_result ret = BLOCK_ERROR;
	double credit = 0;
	bool token = *token_due && nh >= 2, first = true;

	memset(pend, 0, sizeof(*pend));
	if (md == NULL)
		goto out;
	while (first || credit < need || token) {
		struct slot *sl = token ? h[1] : h[0];
		size_t k = (size_t)(sl - p->s);
		long got;

		ret = take(p, sl, token ? CHUNK_MIN : plan(sl, need - credit), md, deadline, &got);
		if (ret != BLOCK_OK)
			goto out;
		token = first = false;
		pend->samples[k] += (uint64_t)got;
		pend->bits[k] += got * sl->credit;
		pend->total_samples += (uint64_t)got;
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

/* The accounting of one served block, into the request's report. */
static void account(struct ts_seed_report *rep, double credit, uint64_t samples, size_t part)
{
	double h = served_entropy(credit, samples, part);

	if (rep->blocks < TS_REPORT_BLOCKS) {
		struct ts_block_report *b = &rep->block[rep->blocks];

		b->credited_bits = credit;
		b->entropy_bits = h;
		b->bytes = (unsigned int)part;
		b->full = credit >= TS_BLOCK_CREDIT;
	}
	rep->blocks++;
	rep->credited_bits += credit;
	rep->entropy_bits += h;
}

static int seed_locked(struct ts_pool *p, unsigned char *out, size_t len, double bits,
		       struct ts_seed_report *rep, uint64_t start)
{
	uint64_t deadline = start + (uint64_t)p->deadline_ms * 1000000u;
	unsigned char block[TS_BLOCK_BYTES];
	uint64_t used[TS_MAX_SOURCES] = {0};
	bool token_due = true, tried[TS_MAX_SOURCES] = {false};
	struct pending pend;
	size_t off = 0, i;
	double need, credit;
	size_t want = 1;
	int ret = -1;

	/*
	 * A cold start tests one source, the cheapest: the token of a second
	 * one is not worth a second startup test to a process that may make
	 * one request. Once one is healthy, a request tests a second, so
	 * later requests draw on two (docs/performance.md).
	 */
	pool_after_fork(p);
	pool_digest_start(p); /* beside the startup tests and the first chunk */
	for (i = 0; i < p->n; i++)
		if (p->s[i].enabled && p->s[i].state == TS_SRC_HEALTHY)
			want = 2;
	while (off < len) {
		struct slot *h[TS_MAX_SOURCES];
		size_t nh = 0, part;
		enum block_result r;

		pool_startup_needed(p, deadline, tried, want); /* again after a source failed */
		for (i = 0; i < p->n; i++)
			if (p->s[i].enabled && p->s[i].state == TS_SRC_HEALTHY)
				h[nh++] = &p->s[i];
		if (nh == 0) {
			pool_explain(p, rep, "no healthy source can serve the request");
			goto out;
		}
		rank(h, nh);
		part = len - off < TS_BLOCK_BYTES ? len - off : TS_BLOCK_BYTES;
		need = block_need(part, bits - rep->entropy_bits);
		r = build_block(p, h, nh, need, block, &pend, deadline, &token_due);
		if (r == BLOCK_RETRY)
			continue;
		if (r == BLOCK_DEADLINE) {
			snprintf(rep->error, sizeof(rep->error),
				 "deadline of %u ms passed after %zu of %zu bytes", p->deadline_ms,
				 off, len);
			goto out;
		}
		if (r != BLOCK_OK) {
			snprintf(rep->error, sizeof(rep->error), "%s",
				 p->sha256 == NULL ? "cannot fetch SHA-256 into the pool's own "
						     "library context"
						   : "SHA-256 conditioning failed");
			goto out;
		}
		memcpy(out + off, block, part);
		off += part;
		credit = 0;
		for (i = 0; i < p->n; i++) {
			if (pend.samples[i] == 0)
				continue;
			p->s[i].samples += pend.samples[i];
			p->s[i].credited_bits += pend.bits[i];
			credit += pend.bits[i];
			used[i] += pend.samples[i];
		}
		account(rep, credit, pend.total_samples, part);
	}
	/* Cannot happen (block_need covers it): checked all the same. */
	if (rep->entropy_bits < bits) {
		snprintf(rep->error, sizeof(rep->error),
			 "%.3f bits of entropy made for %.0f asked: internal error",
			 rep->entropy_bits, bits);
		goto out;
	}
	pool_describe_use(p, used, rep);
	ret = 0;
out:
	pool_digest_settle(p); /* its thread ends with the request */
	/* The last block stays on the stack otherwise, served or not. */
	OPENSSL_cleanse(block, sizeof(block));
	return ret;
}

int ts_pool_seed(struct ts_pool *p, unsigned char *out, size_t len, struct ts_seed_report *rep)
{
	return ts_pool_seed_bits(p, out, len, SIZE_MAX, rep);
}

int ts_pool_seed_bits(struct ts_pool *p, unsigned char *out, size_t len, size_t bits,
		      struct ts_seed_report *rep)
{
	uint64_t start;
	int ret;

	memset(rep, 0, sizeof(*rep));
	rep->asked_bits = bits / 8 >= len ? 8 * len : bits;
	/* No clock is read before this: it may be the one that would fault. */
	pool_lock(p);
	if (!pool_ticks_ok(p, rep->error, sizeof(rep->error))) {
		pool_unlock(p);
		OPENSSL_cleanse(out, len);
		return -1;
	}
	pool_unlock(p);
	start = ts_now_ns();
	pool_lock(p);
	/* The deadline bounds this request's own collection: time spent
	 * waiting for other threads' requests must not use it up. */
	ret = seed_locked(p, out, len, (double)rep->asked_bits, rep, ts_now_ns());
	pool_unlock(p);
	rep->elapsed_ns = ts_now_ns() - start;
	if (ret == 0) {
		rep->bytes = len;
	} else {
		OPENSSL_cleanse(out, len);
		rep->credited_bits = 0;
		rep->entropy_bits = 0;
		rep->blocks = 0;
	}
	return ret;
}
