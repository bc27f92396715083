// SPDX-License-Identifier: Apache-2.0
/* unix_ipc: not ported yet (issue 3). */
#include "timingseed/source.h"

static bool unix_ipc_available(const char **why)
{
	*why = "not ported yet";
	return false;
}

static long unix_ipc_collect(const void *config, uint64_t *out, size_t n, uint64_t deadline_ns)
{
	(void)config;
	(void)out;
	(void)n;
	(void)deadline_ns;
	return -38; /* ENOSYS */
}

const struct ts_source ts_source_unix_ipc = {
	.name = "unix_ipc",
	.platform = "linux",
	.description = "not ported yet",
	.default_credit = 0,
	.available = unix_ipc_available,
	.collect = unix_ipc_collect,
};
