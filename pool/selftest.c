// SPDX-License-Identifier: Apache-2.0
/*
 * The on-demand test (SP 800-90B 4.3), a pool broken for good, and the
 * faults `timingseed selftest --induce` lays over a source.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "timingseed/ea.h"
#include "timingseed/source.h"
#include "timingseed/tick.h"
#include "pool_int.h"

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
	pool_startup_slot(p, sl, ts_now_ns() + (uint64_t)p->deadline_ms * 1000000u);
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
	char why[TS_ERR_MAX];
	size_t i, k = 0;

	pool_lock(p);
	/* Nothing can be tested without a counter: each source says why. */
	if (!pool_ticks_ok(p, why, sizeof(why))) {
		pool_unlock(p);
		return 0;
	}
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
