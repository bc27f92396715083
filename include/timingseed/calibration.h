/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A calibration: credits measured on one machine by `timingseed calibrate`,
 * in a text file a person can review, which the pool uses in place of the
 * default credits (key "calibration") only on the machine and software it
 * measured.
 *
 * The file is "key = value" lines and "#" comments:
 *
 *   format = timingseed-calibration 1
 *   samples = 1000000            per sequential assessment
 *   restarts = 1000 1000         rows and columns of each restart test
 *   machine.FIELD = VALUE        the binding, ts_binding_read()'s fields
 *   source.NAME.settings = ...   every option of NAME as measured
 *   source.NAME.figures.K = SEQ ROWS COLUMNS SANITY
 *                                assessment K (struct ts_assessment, from 1):
 *                                the sequential estimate, the restart test's
 *                                row and column estimates and the H its
 *                                sanity check passes at
 *   source.NAME.credit = C       at most half the smallest figure of NAME
 *   sha256 = HEX                 of every byte before this line
 *
 * The digest catches an edit that did not recompute it; what keeps a
 * credit from being raised by someone else is that the pool reads only a
 * file owned by root or by the process's user and writable by no one
 * else (timingseed(7), CALIBRATION).
 */
#ifndef TIMINGSEED_CALIBRATION_H
#define TIMINGSEED_CALIBRATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TS_CAL_FORMAT	 "timingseed-calibration 1"
#define TS_CAL_SAMPLES	 1000000 /* SP 800-90B 3.1.1: at least 10^6 samples */
#define TS_CAL_ROWS	 1000	 /* SP 800-90B 3.1.4: 1000 restarts */
#define TS_CAL_COLUMNS	 1000	 /* of 1000 samples each */
#define TS_CAL_MAX_BYTES 65536

/* What a calibration holds on, in the order the file lists them. */
enum ts_binding_field {
	TS_BIND_CPU,	      /* model name */
	TS_BIND_MICROCODE,    /* revision, or "unknown" where not shown */
	TS_BIND_HYPERVISOR,   /* cpuid 0x40000000 signature, "none", "unknown" */
	TS_BIND_CLOCKSOURCE,  /* the kernel's current clocksource */
	TS_BIND_KERNEL,	      /* sysname release machine */
	TS_BIND_COUNTER,      /* ts_tick_name() */
	TS_BIND_COUNTER_STEP, /* gcd of back-to-back differences of the counter */
	TS_BIND_VERSION,      /* timingseed's */
	TS_BIND_FIELDS
};

struct ts_binding {
	char value[TS_BIND_FIELDS][256];
};

/* "cpu", "microcode", ...: the field's name after "machine." in the file. */
const char *ts_binding_name(enum ts_binding_field f);

/*
 * Read this machine's binding. Every field is read, never assumed: what
 * the machine does not show is "unknown". Reads /proc and /sys files on
 * Linux: call it where a process may still open files (load, the CLI).
 */
void ts_binding_read(struct ts_binding *b);

/*
 * "field : value" of /proc/cpuinfo's first processor into buf (also for
 * the report's CPU flags); false where the field or the file is absent.
 */
bool ts_cpuinfo(const char *field, char *buf, size_t len);

/*
 * A source's settings as the file binds them: "OPTION=VALUE" for every
 * option in its table, space-separated ("-" for none). Returns the
 * length, or -1 when len is too small.
 */
struct ts_source;
int ts_settings_text(const struct ts_source *src, const void *cfg, char *buf, size_t len);

#endif
