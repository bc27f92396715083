// SPDX-License-Identifier: Apache-2.0
/*
 * Lookup by name in ts_sources[] (registry.h), apart from the list itself
 * so that every registry a build links (sources/registry.c, the tests'
 * fault registry) shares it.
 */
#include <string.h>

#include "timingseed/registry.h"

const struct ts_source *ts_source_find(const char *name)
{
	size_t i;

	for (i = 0; ts_sources[i] != NULL; i++)
		if (strcmp(ts_sources[i]->name, name) == 0)
			return ts_sources[i];
	return NULL;
}
