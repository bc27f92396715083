// SPDX-License-Identifier: Apache-2.0
/* kqueue_events: not ported yet (issue 3). */
#include "timingseed/source.h"

static bool kqueue_events_available(const char **why)
{
	*why = "not ported yet";
	return false;
}

static long kqueue_events_collect(const void *config, uint64_t *out, size_t n, uint64_t deadline_ns)
{
	(void)config;
	(void)out;
	(void)n;
	(void)deadline_ns;
	return -38; /* ENOSYS */
}

const struct ts_source ts_source_kqueue_events = {
	.name = "kqueue_events",
	.platform = "macos,bsd",
	.description = "not ported yet",
	.default_credit = 0,
	.available = kqueue_events_available,
	.collect = kqueue_events_collect,
};
