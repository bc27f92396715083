// SPDX-License-Identifier: Apache-2.0
/*
 * The tool's progress line (progress.h): the terminal check, the delay,
 * the rate and the \r rewrite in one place, so that no command writes
 * progress into a log or a pipe, as bench and seed once did.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "timingseed/tick.h"
#include "progress.h"

/* The line on stderr now, if any: cli_eprintf ends it (the tool is one thread). */
static struct cli_progress *shown_line;

void cli_progress_init(struct cli_progress *p, const char *label, unsigned delay_ms,
		       unsigned every_ms)
{
	memset(p, 0, sizeof(*p));
	p->label = label;
	p->delay_ns = (uint64_t)delay_ms * 1000000;
	p->every_ns = (uint64_t)every_ms * 1000000;
	p->tty = isatty(STDERR_FILENO) == 1;
	p->start = p->last = ts_now_ns();
}

void cli_vprogress(struct cli_progress *p, const char *fmt, va_list ap)
{
	char text[CLI_PROGRESS_MAX], line[CLI_PROGRESS_MAX + 64];
	uint64_t now;
	size_t len;

	if (!p->tty)
		return;
	now = ts_now_ns();
	if (now - p->start < p->delay_ns || (p->shown && now - p->last < p->every_ns))
		return;
	p->last = now;
	vsnprintf(text, sizeof(text), fmt, ap);
	snprintf(line, sizeof(line), "timingseed: %s: %s", p->label, text);
	len = strlen(line);
	/* Spaces over what is left of a longer line before. */
	fprintf(stderr, "\r%s%*s", line, p->width > len ? (int)(p->width - len) : 0, "");
	if (len > p->width)
		p->width = len;
	p->shown = true;
	shown_line = p;
}

void cli_progress(struct cli_progress *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vprogress(p, fmt, ap);
	va_end(ap);
}

void cli_progress_end(struct cli_progress *p)
{
	if (p->shown)
		fputc('\n', stderr);
	p->shown = false;
	p->width = 0;
	if (shown_line == p)
		shown_line = NULL;
}

void cli_progress_clear(struct cli_progress *p)
{
	if (p->shown)
		fprintf(stderr, "\r%*s\r", (int)p->width, "");
	p->shown = false;
	p->width = 0;
	if (shown_line == p)
		shown_line = NULL;
}

void cli_veprintf(const char *fmt, va_list ap)
{
	if (shown_line != NULL)
		cli_progress_end(shown_line);
	vfprintf(stderr, fmt, ap);
}

void cli_eprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_veprintf(fmt, ap);
	va_end(ap);
}
