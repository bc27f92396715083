/* SPDX-License-Identifier: Apache-2.0 */
/*
 * calibration_write.c: a report's live assessments as a calibration file
 * (include/timingseed/calibration.h), for `timingseed calibrate`.
 */
#ifndef TS_CLI_CALIBRATION_WRITE_H
#define TS_CLI_CALIBRATION_WRITE_H

#include <stdbool.h>
#include <stdio.h>

#include "timingseed/calibration.h"
#include "report.h"

/* h rounded down to 4 decimals, as the file writes figures and credits. */
double calibration_down4(double h);

/*
 * The credit s supports: half the smallest of every assessment's figures
 * as the file writes them, rounded down; 0 when a restart test did not run.
 */
double calibration_credit(const struct report_source *s);

/*
 * The whole file for r on the machine b, on f (forced: made with --force
 * on a loaded machine, which it says). 0, or -1 with errno.
 */
int calibration_write(const struct report *r, const struct ts_binding *b, bool forced, FILE *f);

#endif
