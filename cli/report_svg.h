/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inline SVG charts for report.html, written by hand: a page that must
 * open offline, without script, on any browser, needs nothing more than
 * bars, points and reference lines. Each chart is one <svg> element with a
 * <title>, so it reads in a screen reader and prints as drawn.
 */
#ifndef TS_CLI_REPORT_SVG_H
#define TS_CLI_REPORT_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A horizontal reference line across a chart (a cutoff, the credit). */
struct svg_line {
	double y;
	const char *label;
	const char *color;
};

struct svg_chart {
	const char *title;
	const char *xlabel, *ylabel;
	bool logy;	      /* log10 scale on y; values <= 0 are not drawn */
	bool points;	      /* dots, not bars */
	double ymin, ymax;    /* ymax <= ymin: from the data and the lines */
	const char **names;   /* bar names, drawn under each bar (few bars), or NULL */
	double x0, dx;	      /* tick label of bar i: x0 + i dx, when names is NULL */
	unsigned xlabel_pow2; /* nonzero: tick labels are 2^(label) */
};

/* n values as bars (or points), with nlines reference lines. */
void svg_chart(FILE *f, const struct svg_chart *c, const double *v, size_t n,
	       const struct svg_line *lines, size_t nlines);

/* s escaped for HTML text and attributes. */
void html_text(FILE *f, const char *s);

#endif
