// SPDX-License-Identifier: Apache-2.0
/* vdso_clock: not ported yet (issue 3). */
#include "timingseed/source.h"

static bool vdso_clock_available(const char **why)
{
	*why = "not ported yet";
	return false;
}

static long vdso_clock_collect(const void *config, uint64_t *out, size_t n, uint64_t deadline_ns)
{
	(void)config;
	(void)out;
	(void)n;
	(void)deadline_ns;
	return -38; /* ENOSYS */
}

const struct ts_source ts_source_vdso_clock = {
	.name = "vdso_clock",
	.platform = "linux",
	.description = "not ported yet",
	.default_credit = 0,
	.available = vdso_clock_available,
	.collect = vdso_clock_collect,
};
