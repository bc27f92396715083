// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer harness over the configuration parsers: ts_pool_set (the
 * provider's openssl.cnf keys and the CLI's --set) and every source's
 * ts_config_set. Input: "KEY=VALUE" (a missing '=' gives an empty value).
 * A parser must refuse bad input with a message, never crash, leak or
 * read out of bounds; a refused key must leave the pool as it was.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timingseed/pool.h"
#include "timingseed/options.h"
#include "timingseed/registry.h"

static struct ts_pool *pool;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[TS_ERR_MAX], *buf, *value;
	size_t i;

	if (pool == NULL && (pool = ts_pool_new()) == NULL)
		abort();
	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	value = strchr(buf, '=');
	if (value != NULL)
		*value++ = '\0';
	if (ts_pool_set(pool, buf, value, err, sizeof(err)) != 0 && err[0] == '\0')
		abort(); /* a refusal must say why */
	for (i = 0; ts_sources[i] != NULL; i++) {
		void *cfg = ts_config_new(ts_sources[i]);

		if (cfg != NULL &&
		    ts_config_set(ts_sources[i], cfg, buf, value, err, sizeof(err)) != 0 &&
		    err[0] == '\0')
			abort();
		ts_config_free(cfg);
	}
	free(buf);
	return 0;
}
