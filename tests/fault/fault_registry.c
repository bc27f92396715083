// SPDX-License-Identifier: Apache-2.0
/*
 * The registry of the test-only provider module timingseed_fault.so: the
 * real provider code over sources that fail, to see the failure path
 * through OpenSSL. fault_hiccup is good but for one run of 20 identical
 * samples at sample TS_FAULT_HICCUP_AT (environment), an intermittent
 * failure; the tests choose the sources by the module's configuration.
 */
#include "fault_sources.h"

const struct ts_source *const ts_sources[] = {
	&fault_stuck,
	&fault_errno,
	&fault_hiccup,
	NULL,
};
