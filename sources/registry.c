// SPDX-License-Identifier: Apache-2.0
/*
 * Every source compiled into this build. Sources of other platforms are
 * listed too: their available() says why they cannot run here. The list
 * alone: the tests' fault registry (tests/fault/fault_registry.c) takes this
 * file's place in timingseed_fault.so, over the same engine objects.
 */
#include "timingseed/registry.h"

extern const struct ts_source ts_source_pipe_buffer;
extern const struct ts_source ts_source_kqueue_events;
extern const struct ts_source ts_source_epoll_events;
extern const struct ts_source ts_source_mach_ipc;
extern const struct ts_source ts_source_unix_ipc;
extern const struct ts_source ts_source_proc_info_timing;
extern const struct ts_source ts_source_proc_info;
extern const struct ts_source ts_source_commpage_clock_timing;
extern const struct ts_source ts_source_vdso_clock;
extern const struct ts_source ts_source_cpu_jitter;

/* No induced faults through the product's provider (registry.h). */
const int ts_registry_test_faults = 0;

const struct ts_source *const ts_sources[] = {
	&ts_source_pipe_buffer,
	&ts_source_kqueue_events,
	&ts_source_epoll_events,
	&ts_source_mach_ipc,
	&ts_source_unix_ipc,
	&ts_source_proc_info_timing,
	&ts_source_proc_info,
	&ts_source_commpage_clock_timing,
	&ts_source_vdso_clock,
	&ts_source_cpu_jitter,
	NULL,
};
