// SPDX-License-Identifier: Apache-2.0
/*
 * The whole SP 800-90B 6.3 assessment of a sample stream, as ea_non_iid's
 * initial entropy estimate (section 3.1.3) makes it; ea.h says how.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "timingseed/ea.h"

enum est {
	MCV,
	COLLISION,
	MARKOV,
	COMPRESSION,
	T_TUPLE,
	LRS,
	MULTI_MCW,
	LAG,
	MULTI_MMC,
	LZ78Y,
	NEST
};

static const char *const lit_name[NEST] = {
	"mcv", "collision", "markov", "compression", "t_tuple",
	"lrs", "multi_mcw", "lag",    "multi_mmc",   "lz78y",
};

static const char *const bit_name[NEST] = {
	"bitstring.mcv",	 "bitstring.collision", "bitstring.markov",
	"bitstring.compression", "bitstring.t_tuple",	"bitstring.lrs",
	"bitstring.multi_mcw",	 "bitstring.lag",	"bitstring.multi_mmc",
	"bitstring.lz78y",
};

struct set {
	const uint8_t *s;
	size_t n;
	unsigned k;   /* bits per symbol of s */
	bool binary;  /* all ten estimators, or the six non-binary ones */
	double scale; /* report entries in bits per sample */
	const char *const *name;
	double h;   /* minimum so far, bits per symbol of s */
	double lrs; /* computed with the t-tuple estimate */
};

/* Run estimator e on one set; -1 when out of memory, else 0. */
static int run(struct ts_ea_report *r, struct set *st, enum est e,
	       void (*progress)(const char *name, void *arg), void *arg)
{
	double h = -1;

	if (!st->binary && (e == COLLISION || e == MARKOV || e == COMPRESSION))
		return 0;
	if (progress != NULL)
		progress(st->name[e], arg);
	errno = 0;
	switch (e) {
	case MCV:
		h = ts_ea_mcv(st->s, st->n, st->k);
		break;
	case COLLISION:
		h = ts_ea_collision(st->s, st->n);
		break;
	case MARKOV:
		h = ts_ea_markov(st->s, st->n);
		break;
	case COMPRESSION:
		h = ts_ea_compression(st->s, st->n);
		break;
	case T_TUPLE:
		if (ts_ea_tuple_lrs(st->s, st->n, st->k, &h, &st->lrs) != 0)
			return -1;
		break;
	case LRS:
		h = st->lrs;
		break;
	case MULTI_MCW:
		h = ts_ea_multi_mcw(st->s, st->n, st->k);
		break;
	case LAG:
		h = ts_ea_lag(st->s, st->n, st->k);
		break;
	case MULTI_MMC:
		h = ts_ea_multi_mmc(st->s, st->n, st->k);
		break;
	case LZ78Y:
		h = ts_ea_lz78y(st->s, st->n, st->k);
		break;
	case NEST:
		break;
	}
	if (h < 0)
		return errno == ENOMEM ? -1 : 0; /* cannot run on this input */
	st->h = fmin(st->h, h);
	if (r->count < TS_EA_MAX_EST) {
		r->est[r->count].name = st->name[e];
		r->est[r->count].h = h * st->scale;
		r->count++;
	}
	return 0;
}

int ts_ea_assess_progress(const uint8_t *sym, size_t n, unsigned bits, struct ts_ea_report *r,
			  void (*progress)(const char *name, void *arg), void *arg)
{
	struct set lit = {0}, bit = {0};
	unsigned width = 0, alph = 0, map[256], v;
	uint8_t *tsym = NULL, *b = NULL, or = 0;
	bool seen[256] = {false};
	size_t i;
	int e, ret = -1;

	memset(r, 0, sizeof(*r));
	r->h_bitstring = -1;
	r->samples = n;
	if (bits > 8 || n < 2 || n > (size_t)INT32_MAX / 8) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++) {
		or |= sym[i];
		seen[sym[i]] = true;
	}
	while (width < 8 && (or >> width) != 0)
		width++;
	if (bits == 0)
		bits = width ? width : 1;
	if (width > bits) {
		errno = EINVAL;
		return -1;
	}
	for (v = 0; v < 256; v++)
		if (seen[v])
			map[v] = alph++;
	r->bits = bits;
	r->alphabet = alph;
	if (alph <= 1)
		return 0; /* one symbol: no entropy, nothing to run */

	lit.n = n;
	lit.scale = 1;
	lit.name = lit_name;
	if (alph == 2) {
		/* binary data: the symbols as 0 and 1, every estimator, no bit string */
		tsym = malloc(n);
		if (tsym == NULL)
			goto nomem;
		for (i = 0; i < n; i++)
			tsym[i] = (uint8_t)map[sym[i]];
		lit.s = tsym;
		lit.k = 1;
		lit.binary = true;
		lit.h = 1;
	} else {
		b = malloc(n * bits);
		if (b == NULL)
			goto nomem;
		for (i = 0; i < n; i++)
			for (v = 0; v < bits; v++)
				b[i * bits + v] = (sym[i] >> (bits - 1 - v)) & 1;
		bit.s = b;
		bit.n = n * bits;
		bit.k = 1;
		bit.binary = true;
		bit.scale = bits;
		bit.name = bit_name;
		bit.h = 1;
		lit.s = sym;
		lit.k = bits;
		lit.h = bits;
	}
	for (e = 0; e < NEST; e++) {
		if (run(r, &lit, e, progress, arg) != 0)
			goto nomem;
		if (b != NULL && run(r, &bit, e, progress, arg) != 0)
			goto nomem;
	}
	r->h_original = lit.h;
	r->min = fmin(bits, lit.h);
	if (b != NULL) {
		r->h_bitstring = bit.h;
		r->min = fmin(r->min, bits * bit.h);
	}
	ret = 0;
	goto out;
nomem:
	memset(r, 0, sizeof(*r));
	errno = ENOMEM;
out:
	free(tsym);
	free(b);
	return ret;
}

int ts_ea_assess(const uint8_t *sym, size_t n, unsigned bits, struct ts_ea_report *r)
{
	return ts_ea_assess_progress(sym, n, bits, r, NULL, NULL);
}
