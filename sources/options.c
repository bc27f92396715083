// SPDX-License-Identifier: Apache-2.0
/*
 * Source configuration from text (options.h): one table-driven parser for
 * every source, so openssl.cnf, the CLI and the tests reject bad values
 * the same way, with a message that names the source, the key and the
 * range; and the project's one boolean parser.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "timingseed/calibration.h"
#include "timingseed/options.h"
#include "timingseed/source.h"

void *ts_config_new(const struct ts_source *src)
{
	void *cfg = malloc(src->config_size ? src->config_size : 1);

	if (cfg != NULL && src->config_size)
		memcpy(cfg, src->config_default, src->config_size);
	return cfg;
}

void ts_config_free(void *cfg)
{
	free(cfg);
}

static const struct ts_option *find_option(const struct ts_source *src, const char *key)
{
	const struct ts_option *o;

	for (o = src->options; o != NULL && o->key != NULL; o++)
		if (strcmp(o->key, key) == 0)
			return o;
	return NULL;
}

/* Strict unsigned parse: digits only, no sign, no trailing junk. */
static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v = x;
	return 0;
}

int ts_parse_bool(const char *s, bool *v)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};
	size_t i;

	for (i = 0; s != NULL && i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*v = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*v = false;
			return 0;
		}
	}
	return -1;
}

int ts_config_set(const struct ts_source *src, void *cfg, const char *key, const char *value,
		  char *err, size_t errlen)
{
	const struct ts_option *o = find_option(src, key);
	uint64_t u;
	bool b;

	if (o == NULL) {
		snprintf(err, errlen, "%s: unknown option '%s'", src->name, key);
		return -1;
	}
	if (value == NULL)
		value = "";
	if (o->type == TS_OPT_BOOL) {
		if (ts_parse_bool(value, &b) != 0) {
			snprintf(err, errlen, "%s.%s: '%s' is not a boolean (true/false)",
				 src->name, key, value);
			return -1;
		}
		*(bool *)((char *)cfg + o->offset) = b;
		return 0;
	}
	if (parse_u64(value, &u) != 0) {
		snprintf(err, errlen, "%s.%s: '%s' is not an unsigned integer", src->name, key,
			 value);
		return -1;
	}
	if (u < o->min || u > o->max) {
		if (!o->clamp) {
			snprintf(err, errlen, "%s.%s: %s is out of range %llu..%llu", src->name,
				 key, value, (unsigned long long)o->min,
				 (unsigned long long)o->max);
			return -1;
		}
		u = u < o->min ? o->min : o->max;
	}
	*(uint64_t *)((char *)cfg + o->offset) = u;
	return 0;
}

int ts_config_set_pair(const struct ts_source *src, void *cfg, const char *pair, char *err,
		       size_t errlen)
{
	const char *eq = strchr(pair, '=');
	char key[64];
	size_t len;

	if (eq == NULL) {
		snprintf(err, errlen, "'%s' is not OPTION=VALUE", pair);
		return -1;
	}
	len = (size_t)(eq - pair);
	if (len >= sizeof(key)) {
		snprintf(err, errlen, "%s: unknown option '%.*s'", src->name, (int)len, pair);
		return -1;
	}
	memcpy(key, pair, len);
	key[len] = '\0';
	return ts_config_set(src, cfg, key, eq + 1, err, errlen);
}

int ts_settings_text(const struct ts_source *src, const void *cfg, char *buf, size_t len)
{
	const struct ts_option *o;
	size_t off = 0;
	int n;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	for (o = src->options; o != NULL && o->key != NULL; o++) {
		const char *field = (const char *)cfg + o->offset;

		if (o->type == TS_OPT_BOOL)
			n = snprintf(buf + off, len - off, "%s%s=%s", off ? " " : "", o->key,
				     *(const bool *)field ? "true" : "false");
		else
			n = snprintf(buf + off, len - off, "%s%s=%llu", off ? " " : "", o->key,
				     (unsigned long long)*(const uint64_t *)field);
		if (n < 0 || (size_t)n >= len - off)
			return -1;
		off += (size_t)n;
	}
	if (off == 0) {
		if (len < 2)
			return -1;
		snprintf(buf, len, "-");
		off = 1;
	}
	return (int)off;
}
