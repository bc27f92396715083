// SPDX-License-Identifier: Apache-2.0
/*
 * The assessments a source's default credit is held to (source.h): its
 * own list, or one at its defaults when the defaults already fix every
 * choice of the collector. One place for that rule, for the report,
 * `sources --json` and so scripts/measure-credits.sh.
 */
#include <stddef.h>

#include "timingseed/source.h"

static const struct ts_assessment at_defaults[] = {
	{"defaults", {NULL}},
	{NULL, {NULL}},
};

const struct ts_assessment *ts_source_assessments(const struct ts_source *src)
{
	return src->assessments != NULL ? src->assessments : at_defaults;
}
