// SPDX-License-Identifier: Apache-2.0
/*
 * The registry of the test-only provider module timingseed_fault.so: the
 * real provider code over sources that all fail, to see the failure path
 * through OpenSSL.
 */
#include "fault_sources.h"

const struct ts_source *const ts_sources[] = {
	&fault_stuck,
	&fault_errno,
	NULL,
};
