/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tool's progress line, one copy for every long command. The rule is
 * progress on stderr only when it is a terminal, figures on stdout: a log,
 * a pipe or a test's file gets no \r lines, however long the run. On a
 * terminal, one line "timingseed: LABEL: TEXT", rewritten in place with \r,
 * once the run has taken delay_ms and at most once per every_ms.
 *
 * Messages go through cli_eprintf() (cli_usage_error does), which ends
 * whatever line is shown before writing, so no message is glued to one.
 * At its end a command ends its line: cli_progress_end() keeps the last
 * text and goes to a new line, cli_progress_clear() erases it. Both do
 * nothing when no line is shown, and a later cli_progress() starts anew.
 */
#ifndef TS_CLI_PROGRESS_H
#define TS_CLI_PROGRESS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLI_PROGRESS_MAX 160 /* bytes of a line's text, the rest cut */

struct cli_progress {
	const char *label;
	uint64_t start, last; /* ts_now_ns() */
	uint64_t delay_ns, every_ns;
	size_t width; /* of the line on the terminal, to cover when rewritten */
	bool tty;     /* stderr is a terminal, at init */
	bool shown;   /* a line is on stderr, not yet ended: a caller may read it */
};

/* isatty(STDERR_FILENO) is asked here, once; the run's clock starts here. */
void cli_progress_init(struct cli_progress *p, const char *label, unsigned delay_ms,
		       unsigned every_ms);
void cli_progress(struct cli_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cli_vprogress(struct cli_progress *p, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void cli_progress_end(struct cli_progress *p);
void cli_progress_clear(struct cli_progress *p);
void cli_eprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_veprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
