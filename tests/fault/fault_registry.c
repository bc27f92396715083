// SPDX-License-Identifier: Apache-2.0
/*
 * The registry of the test-only provider module timingseed_fault.so: the
 * real provider code over sources that fail, to see the failure path
 * through OpenSSL. fault_hiccup is good but for one run of 20 identical
 * samples at sample TS_FAULT_HICCUP_AT (environment), an intermittent
 * failure; the tests choose the sources by the module's configuration.
 * Two real sources too, vdso_clock and pipe_buffer, for the faults the
 * tests lay over their real samples through EVP_RAND ("timingseed-induce",
 * which only this registry enables).
 */
#include "fault_sources.h"
#include "timingseed/registry.h"

extern const struct ts_source ts_source_vdso_clock;
extern const struct ts_source ts_source_pipe_buffer;

const int ts_registry_test_faults = 1;

const struct ts_source *const ts_sources[] = {
	&fault_stuck,	       &fault_errno,	       &fault_hiccup,
	&ts_source_vdso_clock, &ts_source_pipe_buffer, NULL,
};
