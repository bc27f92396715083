// SPDX-License-Identifier: Apache-2.0
/* commpage_clock_timing: not ported yet (issue 3). */
#include "timingseed/source.h"

static bool commpage_clock_timing_available(const char **why)
{
	*why = "not ported yet";
	return false;
}

static long commpage_clock_timing_collect(const void *config, uint64_t *out, size_t n,
					  uint64_t deadline_ns)
{
	(void)config;
	(void)out;
	(void)n;
	(void)deadline_ns;
	return -38; /* ENOSYS */
}

const struct ts_source ts_source_commpage_clock_timing = {
	.name = "commpage_clock_timing",
	.platform = "macos",
	.description = "not ported yet",
	.default_credit = 0,
	.available = commpage_clock_timing_available,
	.collect = commpage_clock_timing_collect,
};
