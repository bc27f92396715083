// SPDX-License-Identifier: Apache-2.0
/* epoll_events: not ported yet (issue 3). */
#include "timingseed/source.h"

static bool epoll_events_available(const char **why)
{
	*why = "not ported yet";
	return false;
}

static long epoll_events_collect(const void *config, uint64_t *out, size_t n, uint64_t deadline_ns)
{
	(void)config;
	(void)out;
	(void)n;
	(void)deadline_ns;
	return -38; /* ENOSYS */
}

const struct ts_source ts_source_epoll_events = {
	.name = "epoll_events",
	.platform = "linux",
	.description = "not ported yet",
	.default_credit = 0,
	.available = epoll_events_available,
	.collect = epoll_events_collect,
};
