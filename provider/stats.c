// SPDX-License-Identifier: Apache-2.0
/*
 * Per-source statistics as OSSL_PARAMs, gettable from the provider and from
 * any TIMING-SEED context:
 *
 *   <source>.state          utf8   untested|healthy|quarantined|failed|unavailable
 *   <source>.credit         real   bits per sample in force
 *   <source>.samples        uint64 raw samples in served blocks
 *   <source>.credited_bits  real   credited bits in served blocks
 *   <source>.failures       uint64 health-test failures (intermittent)
 *   <source>.failed         int    1 once failed for good
 *
 * The names depend on the pool's sources, so the gettable tables are
 * built once at provider init.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/params.h>

#include "prov.h"

enum field { F_STATE, F_CREDIT, F_SAMPLES, F_BITS, F_FAILURES, F_FAILED, NFIELDS };

static const char *const field_names[NFIELDS] = {
	"state", "credit", "samples", "credited_bits", "failures", "failed",
};

static OSSL_PARAM describe(char *key, enum field f)
{
	switch (f) {
	case F_STATE:
		return OSSL_PARAM_construct_utf8_ptr(key, NULL, 0);
	case F_CREDIT:
	case F_BITS:
		return OSSL_PARAM_construct_double(key, NULL);
	case F_SAMPLES:
	case F_FAILURES:
		return OSSL_PARAM_construct_uint64(key, NULL);
	default:
		return OSSL_PARAM_construct_int(key, NULL);
	}
}

static size_t count(const OSSL_PARAM *p)
{
	size_t n = 0;

	while (p[n].key != NULL)
		n++;
	return n;
}

/* base followed by every statistic; names live in pc->stat_names. */
static OSSL_PARAM *table(const struct ts_provctx *pc, const OSSL_PARAM *base)
{
	size_t nb = count(base), i;
	OSSL_PARAM *t = OPENSSL_zalloc((nb + pc->nstats + 1) * sizeof(*t));

	if (t == NULL)
		return NULL;
	memcpy(t, base, nb * sizeof(*t));
	for (i = 0; i < pc->nstats; i++)
		t[nb + i] = describe(pc->stat_names[i], (enum field)(i % NFIELDS));
	t[nb + pc->nstats] = OSSL_PARAM_construct_end();
	return t;
}

int ts_stats_init(struct ts_provctx *pc, const OSSL_PARAM *prov_base, const OSSL_PARAM *ctx_base)
{
	size_t n, i;

	for (n = 0; ts_pool_source_name(pc->pool, n) != NULL; n++)
		;
	pc->nstats = n * NFIELDS;
	pc->stat_names = OPENSSL_zalloc((pc->nstats ? pc->nstats : 1) * sizeof(char *));
	if (pc->stat_names == NULL)
		return 0;
	for (i = 0; i < pc->nstats; i++) {
		const char *src = ts_pool_source_name(pc->pool, i / NFIELDS);
		size_t len = strlen(src) + strlen(field_names[i % NFIELDS]) + 2;

		pc->stat_names[i] = OPENSSL_malloc(len);
		if (pc->stat_names[i] == NULL)
			return 0;
		snprintf(pc->stat_names[i], len, "%s.%s", src, field_names[i % NFIELDS]);
	}
	pc->gettable_prov = table(pc, prov_base);
	pc->gettable_ctx = table(pc, ctx_base);
	return pc->gettable_prov != NULL && pc->gettable_ctx != NULL;
}

void ts_stats_free(struct ts_provctx *pc)
{
	size_t i;

	for (i = 0; pc->stat_names != NULL && i < pc->nstats; i++)
		OPENSSL_free(pc->stat_names[i]);
	OPENSSL_free(pc->stat_names);
	OPENSSL_free(pc->gettable_prov);
	OPENSSL_free(pc->gettable_ctx);
}

static int set_one(OSSL_PARAM *p, const struct ts_source_stats *st, enum field f)
{
	switch (f) {
	case F_STATE:
		return OSSL_PARAM_set_utf8_ptr(p, ts_source_state_name(st->state));
	case F_CREDIT:
		return OSSL_PARAM_set_double(p, st->credit);
	case F_SAMPLES:
		return OSSL_PARAM_set_uint64(p, st->samples);
	case F_BITS:
		return OSSL_PARAM_set_double(p, st->credited_bits);
	case F_FAILURES:
		return OSSL_PARAM_set_uint64(p, st->intermittent);
	default:
		return OSSL_PARAM_set_int(p, (int)st->permanent);
	}
}

int ts_stats_get(const struct ts_provctx *pc, OSSL_PARAM params[])
{
	struct ts_source_stats st[TS_MAX_SOURCES];
	size_t n = 0, i;
	OSSL_PARAM *p;

	for (p = params; p != NULL && p->key != NULL; p++) {
		for (i = 0; i < pc->nstats; i++)
			if (strcmp(p->key, pc->stat_names[i]) == 0)
				break;
		if (i == pc->nstats)
			continue;
		if (n == 0)
			n = ts_pool_stats(pc->pool, st, TS_MAX_SOURCES);
		/* ts_pool_stats keeps the order of ts_pool_source_name. */
		if (i / NFIELDS < n && !set_one(p, &st[i / NFIELDS], (enum field)(i % NFIELDS)))
			return 0;
	}
	return 1;
}
