// SPDX-License-Identifier: Apache-2.0
/*
 * The pool's configuration keys, in one place: ts_pool_set parses them and
 * ts_pool_key lists them, from the same sources, so whoever reads a
 * configuration (the provider's openssl.cnf section, the CLI) needs no
 * list of its own. A source's options are parsed by options.h.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timingseed/options.h"
#include "timingseed/source.h"
#include "pool_int.h"

#define MAX_CREDIT	8.0 /* 8-bit symbols */
#define MAX_DEADLINE_MS 60000

static struct slot *find_slot(struct ts_pool *p, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strlen(p->s[i].src->name) == len && strncmp(p->s[i].src->name, name, len) == 0)
			return &p->s[i];
	return NULL;
}

static int set_sources(struct ts_pool *p, const char *value, char *err, size_t errlen)
{
	bool want[TS_MAX_SOURCES] = {false}, runnable = false;
	const char *s = value, *e;
	size_t i, count = 0;

	for (; *s != '\0'; s = *e ? e + 1 : e) {
		struct slot *sl;
		const char *why = NULL;

		while (*s == ' ')
			s++;
		for (e = s; *e != '\0' && *e != ','; e++)
			;
		i = (size_t)(e - s);
		while (i > 0 && s[i - 1] == ' ')
			i--;
		sl = find_slot(p, s, i);
		if (sl == NULL) {
			snprintf(err, errlen, "sources: unknown source '%.*s'", (int)i, s);
			return -1;
		}
		/* Asked only of a source the pool may run (confine.c). */
		if (p->ticks_off == NULL && pool_may_run(p, sl) && !sl->src->available(&why)) {
			snprintf(err, errlen, "sources: %s is not available here: %s",
				 sl->src->name, why ? why : "?");
			return -1;
		}
		want[sl - p->s] = true;
		runnable |= pool_may_run(p, sl);
		count++;
	}
	if (count == 0) {
		snprintf(err, errlen, "sources: no source named");
		return -1;
	}
	if (!runnable) {
		snprintf(err, errlen,
			 "sources: every source named makes system calls, which the pool does not "
			 "run while the process may be confined (confined = maybe); name one that "
			 "makes none too (`timingseed sources`), or set confined = never first if "
			 "this process never confines itself");
		return -1;
	}
	for (i = 0; i < p->n; i++)
		p->s[i].enabled = want[i];
	return 0;
}

static int parse_double(const char *v, double lo, double hi, double *out)
{
	char *end;
	double d;

	if (v == NULL || *v == '\0')
		return -1;
	errno = 0;
	d = strtod(v, &end);
	if (errno != 0 || *end != '\0' || !isfinite(d) || d < lo || d > hi)
		return -1;
	*out = d;
	return 0;
}

static int pool_set(struct ts_pool *p, const char *key, const char *value, char *err, size_t errlen)
{
	const char *dot = strchr(key, '.');
	struct slot *sl;
	double d;

	if (value == NULL)
		value = "";
	if (strcmp(key, "confined") == 0)
		return pool_set_confined(p, value, err, errlen);
	if (strcmp(key, "sources") == 0)
		return set_sources(p, value, err, errlen);
	if (strcmp(key, "calibration") == 0)
		return pool_set_calibration(p, value, err, errlen);
	if (strcmp(key, "deadline_ms") == 0) {
		if (parse_double(value, 1, MAX_DEADLINE_MS, &d) != 0 || d != floor(d)) {
			snprintf(err, errlen, "deadline_ms: '%s' is not an integer in 1..%d", value,
				 MAX_DEADLINE_MS);
			return -1;
		}
		p->deadline_ms = (unsigned int)d;
		return 0;
	}
	if (dot == NULL) {
		snprintf(err, errlen, "unknown key '%s'", key);
		return -1;
	}
	if (strncmp(key, "credit.", 7) == 0) {
		sl = find_slot(p, dot + 1, strlen(dot + 1));
		if (sl == NULL) {
			snprintf(err, errlen, "%s: unknown source '%s'", key, dot + 1);
			return -1;
		}
		if (parse_double(value, 0, MAX_CREDIT, &d) != 0) {
			snprintf(err, errlen, "%s: '%s' is not a number of bits in 0..8", key,
				 value);
			return -1;
		}
		/* The startup estimate on 1024 samples can only lower a credit: it
		 * cannot bound min-entropy from above. A credit above the ceiling
		 * (the default, or this machine's calibration) is refused, with
		 * how to measure one. */
		if (d > pool_ceiling(p, sl)) {
			snprintf(err, errlen,
				 "%s: %s is above %s's %s credit %g, which only an SP 800-90B "
				 "assessment of this machine can raise: run `timingseed calibrate "
				 "%s` and set calibration = FILE (timingseed(7), CALIBRATION)",
				 key, value, sl->src->name,
				 pool_calibrated(p, sl) ? "calibrated" : "default",
				 pool_ceiling(p, sl), sl->src->name);
			return -1;
		}
		sl->user_cap = d;
		return 0;
	}
	sl = find_slot(p, key, (size_t)(dot - key));
	if (sl == NULL) {
		snprintf(err, errlen, "unknown key '%s' (no source '%.*s')", key, (int)(dot - key),
			 key);
		return -1;
	}
	return ts_config_set(sl->src, sl->cfg, dot + 1, value, err, errlen);
}

int ts_pool_set(struct ts_pool *p, const char *key, const char *value, char *err, size_t errlen)
{
	int ret;

	if (key == NULL) {
		snprintf(err, errlen, "missing key");
		return -1;
	}
	pool_lock(p);
	ret = pool_set(p, key, value, err, errlen);
	if (ret == 0)
		pool_caps(p); /* a credit, a calibration or a source's settings changed */
	pool_unlock(p);
	return ret;
}

/*
 * No lock: the slots and their sources are fixed once the pool is made.
 * The order is the one to apply them in: confined decides which sources
 * 'sources' may name; the calibration comes after every source's options,
 * since it applies to a source only at the settings it measured; the
 * credits come last, as a credit is checked against the calibration's.
 */
int ts_pool_key(const struct ts_pool *p, size_t i, const char **a, const char **b)
{
	static const char *const fixed[] = {"confined", "sources", "deadline_ms"};
	static const char *const after_options[] = {"calibration"};
	const size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	const size_t nafter = sizeof(after_options) / sizeof(after_options[0]);
	const struct ts_option *o;
	size_t k;

	*b = NULL;
	if (i < nfixed) {
		*a = fixed[i];
		return 0;
	}
	i -= nfixed;
	for (k = 0; k < p->n; k++)
		for (o = p->s[k].src->options; o != NULL && o->key != NULL; o++)
			if (i-- == 0) {
				*a = p->s[k].src->name;
				*b = o->key;
				return 0;
			}
	if (i < nafter) {
		*a = after_options[i];
		return 0;
	}
	i -= nafter;
	if (i < p->n) {
		*a = "credit";
		*b = p->s[i].src->name;
		return 0;
	}
	return -1;
}
