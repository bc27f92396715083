/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Configuration from text. A source's options (struct ts_option, source.h)
 * are set by one table-driven parser, so openssl.cnf, the CLI and the
 * tests reject bad values the same way; ts_parse_bool is the one boolean
 * parser of the project, for source options and everyone else's switches.
 */
#ifndef TIMINGSEED_OPTIONS_H
#define TIMINGSEED_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

struct ts_source;

/* Allocate a config with the source's defaults; free with ts_config_free. */
void *ts_config_new(const struct ts_source *src);
void ts_config_free(void *cfg);

/*
 * Set one option from text. Returns 0, or -1 with a message naming the
 * source, the key and the accepted range in err.
 */
int ts_config_set(const struct ts_source *src, void *cfg, const char *key, const char *value,
		  char *err, size_t errlen);

/*
 * Set one option from "OPTION=VALUE" text (the CLI's --set). Returns 0,
 * or -1 with a message in err.
 */
int ts_config_set_pair(const struct ts_source *src, void *cfg, const char *pair, char *err,
		       size_t errlen);

/* Parse 1/0, true/false, yes/no, on/off (any case). Returns 0, or -1 (NULL too). */
int ts_parse_bool(const char *s, bool *v);

#endif
