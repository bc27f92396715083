// SPDX-License-Identifier: Apache-2.0
/*
 * Startup tests and retests (SP 800-90B 4.3), and the failure policy
 * (docs/health.md): which sources are tested before a request, what an
 * intermittent or a permanent health failure does, and the backoff.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "timingseed/ea.h"
#include "timingseed/source.h"
#include "timingseed/tick.h"
#include "pool_int.h"

#define STARTUP_FACTOR 0.5  /* credit at most half the startup estimate */
#define MIN_CREDIT     1e-3 /* below this a source is not worth running */

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
void pool_health_failure(struct slot *sl, enum ts_health_result r, const char *when)
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
void pool_startup_slot(struct ts_pool *p, struct slot *sl, uint64_t deadline)
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
	got = pool_collect(p, sl, TS_STARTUP_SAMPLES, deadline);
	if (got < TS_STARTUP_SAMPLES) {
		if (got >= 0)
			snprintf(sl->why, sizeof(sl->why), "%s: deadline passed", when);
		pool_wipe_buf(p, TS_STARTUP_SAMPLES);
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
		pool_health_failure(sl, r != TS_HEALTH_OK ? r : sl->health.perm, when);
		pool_wipe_buf(p, TS_STARTUP_SAMPLES);
		return;
	}
	for (i = 0; i < TS_STARTUP_SAMPLES; i++)
		p->sym[i] = ts_symbol(p->buf[i]);
	est = ts_ea_startup(p->sym, TS_STARTUP_SAMPLES);
	OPENSSL_cleanse(p->sym, TS_STARTUP_SAMPLES);
	pool_wipe_buf(p, TS_STARTUP_SAMPLES);

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
			pool_startup_slot(p, &p->s[i], deadline);
	return count_healthy(p);
}

/*
 * What a startup test of sl is expected to cost, per sample: what this
 * process measured (a probe or an earlier test), else the source's static
 * hint, else 0 (unknown: to be probed).
 */
static double cost(const struct slot *sl)
{
	return sl->ns_per_sample > 0 ? sl->ns_per_sample : sl->src->cost_ns;
}

/*
 * What testing sl first is expected to cost a request before its first
 * block is hashed: the startup test and the samples of one block at its
 * cap. A source that is a little slower per sample but credits more per
 * sample serves sooner (cpu_jitter against vdso_clock: 1024 + 2134
 * samples against 1024 + 7112).
 */
static double first_block(const struct slot *sl)
{
	return cost(sl) * (TS_STARTUP_SAMPLES + TS_BLOCK_CREDIT / fmax(sl->cap, MIN_CREDIT));
}

/*
 * Startup tests are run before a source's first use, not for every source
 * at once, and only as many as the request needs healthy: want (one on a
 * cold start, two once the process has a healthy source, so later
 * requests carry a runner-up's token). The untested ones that would
 * serve soonest are tested first (first_block(): a startup test of
 * TS_STARTUP_SAMPLES samples and a block's at the cap; unix_ipc's test
 * alone takes ~90 ms here). Cost is the source's static hint (struct ts_source's cost_ns) or what
 * this process measured; a source with neither is probed first with
 * CHUNK_MIN samples (not hashed, not credited). Each source gets at most
 * one startup attempt per request. First, one retest that is due is run
 * whatever the others' health, so a quarantined or lowered source comes
 * back (and its rate is measured anew) while others serve.
 */
void pool_startup_needed(struct ts_pool *p, uint64_t deadline, bool *tried, size_t want)
{
	size_t i, candidates = 0;
	uint64_t now = ts_now_ns();

	pool_after_fork(p);
	for (i = 0; i < p->n; i++)
		if (p->s[i].state != TS_SRC_UNTESTED && !tried[i] &&
		    needs_startup(&p->s[i], now, false)) {
			tried[i] = true;
			pool_startup_slot(p, &p->s[i], deadline);
			break;
		}
	for (i = 0; i < p->n; i++)
		candidates += needs_startup(&p->s[i], now, count_healthy(p) == 0) && !tried[i];
	if (candidates == 0 || count_healthy(p) >= want)
		return;
	if (candidates + count_healthy(p) > want)
		for (i = 0; i < p->n; i++)
			if (needs_startup(&p->s[i], now, count_healthy(p) == 0) && !tried[i] &&
			    cost(&p->s[i]) == 0 &&
			    pool_collect(p, &p->s[i], CHUNK_MIN, deadline) >= 0)
				pool_wipe_buf(p, CHUNK_MIN);
	while (count_healthy(p) < want) {
		struct slot *best = NULL;
		bool urgent = count_healthy(p) == 0;

		for (i = 0; i < p->n; i++) {
			struct slot *sl = &p->s[i];

			if (!needs_startup(sl, now, urgent) || tried[i])
				continue;
			if (best == NULL || first_block(sl) < first_block(best))
				best = sl;
		}
		if (best == NULL)
			return;
		tried[best - p->s] = true;
		pool_startup_slot(p, best, deadline);
	}
}

size_t ts_pool_startup(struct ts_pool *p)
{
	char why[TS_ERR_MAX];
	size_t n;

	pool_lock(p);
	n = pool_ticks_ok(p, why, sizeof(why))
		    ? startup_all(p, ts_now_ns() + (uint64_t)p->deadline_ms * 1000000u)
		    : 0;
	pool_unlock(p);
	return n;
}
