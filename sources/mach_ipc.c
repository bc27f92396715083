// SPDX-License-Identifier: Apache-2.0
/* mach_ipc: not ported yet (issue 3). */
#include "timingseed/source.h"

static bool mach_ipc_available(const char **why)
{
	*why = "not ported yet";
	return false;
}

static long mach_ipc_collect(const void *config, uint64_t *out, size_t n, uint64_t deadline_ns)
{
	(void)config;
	(void)out;
	(void)n;
	(void)deadline_ns;
	return -38; /* ENOSYS */
}

const struct ts_source ts_source_mach_ipc = {
	.name = "mach_ipc",
	.platform = "macos",
	.description = "not ported yet",
	.default_credit = 0,
	.available = mach_ipc_available,
	.collect = mach_ipc_collect,
};
