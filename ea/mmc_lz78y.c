// SPDX-License-Identifier: Apache-2.0
/*
 * SP 800-90B 6.3.9 MultiMMC and 6.3.10 LZ78Y prediction estimates, as
 * ea_non_iid computes them: same dictionary limits (100000 (x, y) entries
 * per MMC order, 65536 LZ78Y prefixes), same initialisation, same update
 * order, and the same prediction rule (the most frequent follower, ties to
 * the larger symbol).
 *
 * Both predict from the counts of (prefix x, follower y) for prefixes of
 * 1..16 symbols. ea_non_iid keeps them in std::map (direct tables for bit
 * strings); here an order whose (x, y) space has at most 2^20 cells is a
 * direct table (all orders of a bit string, order 1 of bytes), and the
 * others live in two open-addressing hash tables: prefixes, named by where
 * they first occurred in the data, and (prefix, follower) counts. Each
 * prefix keeps its best follower, so a prediction is one lookup.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "timingseed/ea.h"

#define MAXM	    16	       /* longest prefix */
#define DIRECT_BITS 20	       /* direct table when (m + 1) * k <= this */
#define MMC_MAX	    100000     /* (x, y) entries per MultiMMC order */
#define LZ_MAX	    65536      /* LZ78Y dictionary prefixes */
#define MAX_NODES   (1u << 24) /* node ids fit a pair key with the symbol */

struct node {
	uint32_t pos; /* the prefix is s[pos .. pos + m - 1] */
	uint32_t hash;
	uint32_t bestc; /* count of the best follower */
	uint8_t m;
	uint8_t besty;
};

struct pair {
	uint32_t key; /* node << 8 | y, 0 when the slot is empty */
	uint32_t count;
};

struct dict {
	const uint8_t *s;
	unsigned k;
	/* direct orders: counts by (x << k | y), best follower by x */
	uint32_t *cnt[MAXM + 1];
	uint32_t *bestc[MAXM + 1];
	uint8_t *besty[MAXM + 1];
	/* hashed orders */
	struct node *node; /* node[0] is unused: 0 marks an empty slot */
	uint32_t nnode, node_cap;
	uint32_t *slot;
	size_t slot_mask;
	struct pair *pair;
	size_t pair_mask, npair;
	/* the prefixes that end just before position at */
	size_t at;
	uint32_t pv[MAXM + 1];
	uint64_t h[MAXM + 1];
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static bool direct(const struct dict *d, unsigned m)
{
	return (m + 1) * d->k <= DIRECT_BITS;
}

static void dict_free(struct dict *d)
{
	unsigned m;

	for (m = 1; m <= MAXM; m++) {
		free(d->cnt[m]);
		free(d->bestc[m]);
		free(d->besty[m]);
	}
	free(d->node);
	free(d->slot);
	free(d->pair);
}

static int dict_init(struct dict *d, const uint8_t *s, unsigned k)
{
	unsigned m;

	memset(d, 0, sizeof(*d));
	d->s = s;
	d->k = k;
	for (m = 1; m <= MAXM && direct(d, m); m++) {
		d->cnt[m] = calloc((size_t)1 << ((m + 1) * k), sizeof(uint32_t));
		d->bestc[m] = calloc((size_t)1 << (m * k), sizeof(uint32_t));
		d->besty[m] = calloc((size_t)1 << (m * k), 1);
		if (!d->cnt[m] || !d->bestc[m] || !d->besty[m])
			goto nomem;
	}
	if (m <= MAXM) {
		d->node_cap = 1024;
		d->node = malloc(d->node_cap * sizeof(*d->node));
		d->slot_mask = (1u << 12) - 1;
		d->slot = calloc(d->slot_mask + 1, sizeof(*d->slot));
		d->pair_mask = (1u << 12) - 1;
		d->pair = calloc(d->pair_mask + 1, sizeof(*d->pair));
		if (!d->node || !d->slot || !d->pair)
			goto nomem;
		d->nnode = 1;
	}
	return 0;
nomem:
	dict_free(d);
	errno = ENOMEM;
	return -1;
}

/* Make the prefixes s[i - m .. i - 1], m = 1..min(16, i), current. */
static void dict_at(struct dict *d, size_t i)
{
	unsigned m;

	d->at = i;
	d->pv[0] = 0;
	d->h[0] = 0xcbf29ce484222325ULL;
	for (m = 1; m <= MAXM && m <= i; m++) {
		if (direct(d, m))
			d->pv[m] = d->pv[m - 1] | (uint32_t)d->s[i - m] << (d->k * (m - 1));
		d->h[m] = (d->h[m - 1] ^ d->s[i - m]) * 0x100000001b3ULL;
	}
}

static uint32_t prefix_hash(const struct dict *d, unsigned m)
{
	return (uint32_t)mix(d->h[m] ^ m);
}

/* Node id of the current prefix of length m, or 0; *where: its slot. */
static uint32_t node_find(const struct dict *d, unsigned m, uint32_t hash, size_t *where)
{
	size_t i = hash & d->slot_mask;
	const uint8_t *x = d->s + d->at - m;

	for (; d->slot[i] != 0; i = (i + 1) & d->slot_mask) {
		const struct node *nd = &d->node[d->slot[i]];

		if (nd->hash == hash && nd->m == m && memcmp(d->s + nd->pos, x, m) == 0)
			return d->slot[i];
	}
	*where = i;
	return 0;
}

/*
 * The current prefix of length m: its id and best follower. Returns false
 * when it has never been seen (has no follower counted).
 */
static bool dict_find(const struct dict *d, unsigned m, uint32_t *id, uint8_t *y, uint32_t *c)
{
	size_t where;

	if (direct(d, m)) {
		*id = d->pv[m];
		*c = d->bestc[m][*id];
		*y = d->besty[m][*id];
		return *c != 0;
	}
	*id = node_find(d, m, prefix_hash(d, m), &where);
	if (*id == 0)
		return false;
	*c = d->node[*id].bestc;
	*y = d->node[*id].besty;
	return true;
}

static int grow_pairs(struct dict *d)
{
	size_t mask = d->pair_mask * 2 + 1, i, j;
	struct pair *p = calloc(mask + 1, sizeof(*p));

	if (p == NULL)
		return -1;
	for (i = 0; i <= d->pair_mask; i++) {
		if (d->pair[i].key == 0)
			continue;
		for (j = mix(d->pair[i].key) & mask; p[j].key != 0; j = (j + 1) & mask)
			;
		p[j] = d->pair[i];
	}
	free(d->pair);
	d->pair = p;
	d->pair_mask = mask;
	return 0;
}

static void set_best(uint32_t *bestc, uint8_t *besty, uint32_t c, uint8_t y)
{
	if (c > *bestc || (c == *bestc && y > *besty)) {
		*bestc = c;
		*besty = y;
	}
}

/*
 * Count follower y after prefix id of length m. A new (x, y) entry is made
 * only when make_new. Returns 1 when an entry was made, 0 when not, -1 when
 * out of memory.
 */
static int dict_count(struct dict *d, unsigned m, uint32_t id, uint8_t y, bool make_new)
{
	uint32_t key = id << 8 | y;
	struct node *nd;
	size_t i;
	int made = 0;

	if (direct(d, m)) {
		uint32_t *c = &d->cnt[m][(size_t)id << d->k | y];

		if (*c == 0 && !make_new)
			return 0;
		made = *c == 0;
		++*c;
		set_best(&d->bestc[m][id], &d->besty[m][id], *c, y);
		return made;
	}
	for (i = mix(key) & d->pair_mask; d->pair[i].key != 0 && d->pair[i].key != key;
	     i = (i + 1) & d->pair_mask)
		;
	if (d->pair[i].key == 0) {
		if (!make_new)
			return 0;
		if ((d->npair + 1) * 2 > d->pair_mask + 1) {
			if (grow_pairs(d) != 0)
				return -1;
			for (i = mix(key) & d->pair_mask; d->pair[i].key != 0;
			     i = (i + 1) & d->pair_mask)
				;
		}
		d->pair[i].key = key;
		d->npair++;
		made = 1;
	}
	d->pair[i].count++;
	nd = &d->node[id];
	set_best(&nd->bestc, &nd->besty, d->pair[i].count, y);
	return made;
}

static int grow_slots(struct dict *d)
{
	size_t mask = d->slot_mask * 2 + 1, i, j;
	uint32_t *sl = calloc(mask + 1, sizeof(*sl));

	if (sl == NULL)
		return -1;
	for (i = 1; i < d->nnode; i++) {
		for (j = d->node[i].hash & mask; sl[j] != 0; j = (j + 1) & mask)
			;
		sl[j] = (uint32_t)i;
	}
	free(d->slot);
	d->slot = sl;
	d->slot_mask = mask;
	return 0;
}

/* Count y after the current prefix of length m, making both if need be. */
static int dict_add(struct dict *d, unsigned m, uint8_t y)
{
	uint32_t id, hash;
	size_t where;

	if (direct(d, m))
		return dict_count(d, m, d->pv[m], y, true) < 0 ? -1 : 0;
	hash = prefix_hash(d, m);
	id = node_find(d, m, hash, &where);
	if (id == 0) {
		if (d->nnode >= MAX_NODES)
			return -1;
		if (d->nnode == d->node_cap) {
			struct node *nn = realloc(d->node, 2 * d->node_cap * sizeof(*nn));

			if (nn == NULL)
				return -1;
			d->node = nn;
			d->node_cap *= 2;
		}
		id = d->nnode++;
		d->node[id] = (struct node){(uint32_t)(d->at - m), hash, 0, (uint8_t)m, 0};
		if ((size_t)d->nnode * 2 > d->slot_mask + 1) {
			if (grow_slots(d) != 0)
				return -1;
		} else {
			d->slot[where] = id;
		}
	}
	return dict_count(d, m, id, y, true) < 0 ? -1 : 0;
}

static double nomem(struct dict *d)
{
	dict_free(d);
	errno = ENOMEM;
	return -1;
}

/*
 * Bit strings (k = 1) get the same two predictors on plain count tables,
 * as ea_non_iid has them: order m's table holds 2^(m + 1) counts, by
 * (x << 1 | y), with x's first bit the most significant; the prediction is
 * the larger count, 1 on a tie. Same results as the general code above.
 */
static uint32_t *bit_tables(uint32_t *tab[MAXM + 1])
{
	uint32_t *all = calloc((size_t)1 << (MAXM + 2), sizeof(*all));
	unsigned m;

	for (m = 1; all != NULL && m <= MAXM; m++)
		tab[m] = all + ((size_t)1 << (m + 1)) - 4;
	return all;
}

static double mmc_bits(const uint8_t *s, size_t n)
{
	uint64_t score[MAXM] = {0}, entries[MAXM] = {0}, c = 0, run = 0, maxrun = 0;
	uint32_t *tab[MAXM + 1], *all = bit_tables(tab), hist = 0;
	unsigned winner = 0, d;
	size_t i;

	if (all == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (d = 0; d < MAXM && d < n - 2; d++) {
		hist = hist << 1 | (s[d] & 1); /* s[0..d], s[0] first */
		tab[d + 1][hist << 1 | (s[d + 1] & 1)]++;
		entries[d] = 1;
	}
	hist = (uint32_t)(s[1] & 1) << 1 | (s[0] & 1); /* bit j: s[i - 1 - j] */
	for (i = 2; i < n; i++) {
		unsigned cur_winner = winner, y = s[i] & 1;
		bool found = false;

		for (d = 0; d < MAXM && d <= i - 2; d++) {
			uint32_t *cell = tab[d + 1] + ((hist & ((2u << d) - 1)) << 1);

			if (d == 0 || found)
				found = cell[0] != 0 || cell[1] != 0;
			if (!found) {
				if (entries[d] < MMC_MAX) {
					cell[y]++;
					entries[d]++;
				}
				continue;
			}
			if ((cell[0] > cell[1] ? 0u : 1u) == y) {
				if (++score[d] >= score[winner])
					winner = d;
				if (d == cur_winner) {
					c++;
					if (++run > maxrun)
						maxrun = run;
				}
			} else if (d == cur_winner) {
				run = 0;
			}
			if (cell[y] != 0) {
				cell[y]++;
			} else if (entries[d] < MMC_MAX) {
				cell[y] = 1;
				entries[d]++;
			}
		}
		hist = (hist << 1 | y) & ((1u << MAXM) - 1);
	}
	free(all);
	return ts_ea_predictor_h(c, n - 2, maxrun, ts_ea_distinct(s, n));
}

static double lz78y_bits(const uint8_t *s, size_t n)
{
	uint64_t c = 0, run = 0, maxrun = 0, size = 0;
	uint32_t *tab[MAXM + 1], *all = bit_tables(tab), hist = 0;
	unsigned j;
	size_t i;

	if (all == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (j = 0; j < MAXM; j++)
		hist |= (uint32_t)(s[MAXM - 1 - j] & 1) << j; /* bit j: s[15 - j] */
	for (j = 1; j <= MAXM; j++) {
		tab[j][(hist & ((1u << j) - 1)) << 1 | (s[MAXM] & 1)]++;
		size++;
	}
	hist = (hist << 1 | (s[MAXM] & 1)) & ((1u << MAXM) - 1);
	for (i = MAXM + 1; i < n; i++) {
		unsigned y = s[i] & 1, pred = 0;
		uint32_t maxc = 0;
		bool have = false;

		for (j = MAXM; j > 0; j--) {
			uint32_t *cell = tab[j] + ((hist & ((1u << j) - 1)) << 1);
			uint32_t best = cell[0] > cell[1] ? cell[0] : cell[1];

			if (best != 0) {
				if (best > maxc) {
					maxc = best;
					pred = cell[0] > cell[1] ? 0 : 1;
					have = true;
				}
				cell[y]++;
			} else if (size < LZ_MAX) {
				cell[y] = 1;
				size++;
			}
		}
		if (have && pred == y) {
			c++;
			if (++run > maxrun)
				maxrun = run;
		} else {
			run = 0;
		}
		hist = (hist << 1 | y) & ((1u << MAXM) - 1);
	}
	free(all);
	return ts_ea_predictor_h(c, n - MAXM - 1, maxrun, ts_ea_distinct(s, n));
}

/*
 * 16 Markov models of order 1..16 (prefixes of d + 1 symbols, d = 0..15):
 * the predictor that has been right most often so far predicts.
 */
double ts_ea_multi_mmc(const uint8_t *s, size_t n, unsigned k)
{
	uint64_t score[MAXM] = {0}, entries[MAXM] = {0}, c = 0, run = 0, maxrun = 0;
	unsigned winner = 0, dd;
	struct dict d;
	size_t i;

	if (k < 1 || k > 8 || n < 3 || n >= UINT32_MAX)
		return -1;
	if (k == 1)
		return mmc_bits(s, n);
	if (dict_init(&d, s, k) != 0)
		return -1;
	/* entries (s[0..d]), s[d + 1]; the main loop then revisits some */
	for (dd = 0; dd < MAXM && dd < n - 2; dd++) {
		dict_at(&d, dd + 1);
		if (dict_add(&d, dd + 1, s[dd + 1]) != 0)
			return nomem(&d);
		entries[dd] = 1;
	}
	for (i = 2; i < n; i++) {
		unsigned cur_winner = winner;
		bool found = false;
		uint32_t id = 0, pc;
		uint8_t py = 0;

		dict_at(&d, i);
		for (dd = 0; dd < MAXM && dd <= i - 2; dd++) {
			int made;

			if (dd == 0 || found)
				found = dict_find(&d, dd + 1, &id, &py, &pc);
			if (!found) {
				/* a longer prefix is new too: no lookup, no prediction */
				if (entries[dd] < MMC_MAX) {
					if (dict_add(&d, dd + 1, s[i]) != 0)
						return nomem(&d);
					entries[dd]++;
				}
				continue;
			}
			if (py == s[i]) {
				if (++score[dd] >= score[winner])
					winner = dd;
				if (dd == cur_winner) {
					c++;
					if (++run > maxrun)
						maxrun = run;
				}
			} else if (dd == cur_winner) {
				run = 0;
			}
			made = dict_count(&d, dd + 1, id, s[i], entries[dd] < MMC_MAX);
			if (made < 0)
				return nomem(&d);
			entries[dd] += (uint64_t)made;
		}
	}
	dict_free(&d);
	return ts_ea_predictor_h(c, n - 2, maxrun, ts_ea_distinct(s, n));
}

/*
 * LZ78Y: a dictionary of up to 65536 prefixes of 1..16 symbols; among the
 * current prefixes found in it, the best follower with the highest count
 * predicts (the longer prefix on a tie).
 */
double ts_ea_lz78y(const uint8_t *s, size_t n, unsigned k)
{
	uint64_t c = 0, run = 0, maxrun = 0, size = 0;
	struct dict d;
	unsigned j;
	size_t i;

	if (k < 1 || k > 8 || n < MAXM + 2 || n >= UINT32_MAX)
		return -1;
	if (k == 1)
		return lz78y_bits(s, n);
	if (dict_init(&d, s, k) != 0)
		return -1;
	/* (s[15]), s[16]; (s[14], s[15]), s[16]; ...; (s[0] .. s[15]), s[16] */
	dict_at(&d, MAXM);
	for (j = 1; j <= MAXM; j++) {
		if (dict_add(&d, j, s[MAXM]) != 0)
			return nomem(&d);
		size++;
	}
	for (i = MAXM + 1; i < n; i++) {
		uint32_t maxc = 0, id, pc;
		bool have = false;
		uint8_t pred = 0, py;

		dict_at(&d, i);
		for (j = MAXM; j > 0; j--) {
			if (dict_find(&d, j, &id, &py, &pc)) {
				if (pc > maxc) {
					maxc = pc;
					pred = py;
					have = true;
				}
				if (dict_count(&d, j, id, s[i], true) < 0)
					return nomem(&d);
			} else if (size < LZ_MAX) {
				if (dict_add(&d, j, s[i]) != 0)
					return nomem(&d);
				size++;
			}
		}
		if (have && pred == s[i]) {
			c++;
			if (++run > maxrun)
				maxrun = run;
		} else {
			run = 0;
		}
	}
	dict_free(&d);
	return ts_ea_predictor_h(c, n - MAXM - 1, maxrun, ts_ea_distinct(s, n));
}
