// SPDX-License-Identifier: Apache-2.0
/*
 * What the pool tells: per-source statistics, the report of a request
 * (sources used, health failures, why nothing could serve), and the check
 * that nothing of a request is left in the pool's buffers.
 */
#include <stdio.h>

#include "timingseed/source.h"
#include "pool_int.h"

const char *ts_source_state_name(enum ts_source_state s)
{
	static const char *const names[] = {"untested", "healthy", "quarantined", "failed",
					    "unavailable"};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* No lock: the slots and their sources are fixed once the pool is made. */
const char *ts_pool_source_name(const struct ts_pool *p, size_t i)
{
	return i < p->n ? p->s[i].src->name : NULL;
}

/* "name=SAMPLESxCREDIT" per source used, "; failures name=N[ (failed)]". */
void pool_describe_use(const struct ts_pool *p, const uint64_t *used, struct ts_seed_report *rep)
{
	size_t i, off = 0, len = sizeof(rep->sources);
	bool any = false;

	for (i = 0; i < p->n && off < len; i++)
		if (used[i] > 0)
			off += (size_t)snprintf(rep->sources + off, len - off, "%s%s=%llux%.3f",
						off ? "," : "", p->s[i].src->name,
						(unsigned long long)used[i], p->s[i].credit);
	for (i = 0; i < p->n && off < len; i++) {
		if (p->s[i].intermittent == 0)
			continue;
		off += (size_t)snprintf(rep->sources + off, len - off, "%s%s=%llu%s",
					any ? "," : "; health failures ", p->s[i].src->name,
					(unsigned long long)p->s[i].intermittent,
					p->s[i].state == TS_SRC_FAILED ? " (failed)" : "");
		any = true;
	}
}

/* Why no source can serve: each enabled source's reason, joined. */
void pool_explain(const struct ts_pool *p, struct ts_seed_report *rep, const char *what)
{
	size_t i, off;

	off = (size_t)snprintf(rep->error, sizeof(rep->error), "%s", what);
	for (i = 0; i < p->n && off < sizeof(rep->error); i++) {
		const struct slot *sl = &p->s[i];

		if (!sl->enabled || sl->state == TS_SRC_HEALTHY)
			continue;
		off += (size_t)snprintf(rep->error + off, sizeof(rep->error) - off, "; %s: %s",
					sl->src->name,
					sl->why[0] ? sl->why : ts_source_state_name(sl->state));
	}
}

size_t ts_pool_stats(struct ts_pool *p, struct ts_source_stats *out, size_t max)
{
	char why[TS_ERR_MAX];
	size_t i, k = 0;

	pool_lock(p);
	/* Before a child's slots are remade: a source's available() may read
	 * the clock (vdso_clock's does). */
	pool_ticks_ok(p, why, sizeof(why));
	pool_after_fork(p); /* a child reports its own state, not its parent's */
	for (i = 0; i < p->n && k < max; i++) {
		struct slot *sl = &p->s[i];
		struct ts_source_stats *st = &out[k++];

		st->name = sl->src->name;
		st->state = sl->enabled ? sl->state : TS_SRC_UNAVAILABLE;
		st->credit = sl->state == TS_SRC_HEALTHY ? sl->credit : 0;
		st->default_credit = sl->cap;
		st->cap_from = pool_cap_from(p, sl);
		st->samples = sl->samples;
		st->credited_bits = sl->credited_bits;
		st->intermittent = sl->intermittent;
		st->permanent = sl->state == TS_SRC_FAILED;
		snprintf(st->last_failure, sizeof(st->last_failure), "%s",
			 sl->enabled ? sl->why : "not in 'sources'");
	}
	pool_unlock(p);
	return k;
}

int ts_pool_verify_zeroized(struct ts_pool *p)
{
	size_t i;
	uint64_t acc = 0;

	pool_lock(p);
	for (i = 0; i < CHUNK_MAX; i++)
		acc |= p->buf[i];
	for (i = 0; i < TS_STARTUP_SAMPLES; i++)
		acc |= p->sym[i];
	pool_unlock(p);
	return acc == 0;
}
