// SPDX-License-Identifier: Apache-2.0
/*
 * Every source compiled into this build. Sources of other platforms are
 * listed too: their available() says why they cannot run here.
 */
#include "timingseed/source.h"

extern const struct ts_source ts_source_pipe_buffer;

const struct ts_source *const ts_sources[] = {
	&ts_source_pipe_buffer,
	NULL,
};
