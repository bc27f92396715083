// SPDX-License-Identifier: Apache-2.0
/* The report's charts: one <svg> per chart, see report_svg.h. */
#include <math.h>
#include <stdio.h>

#include "report_svg.h"

#define W	 640
#define H	 240
#define LEFT	 64
#define RIGHT	 16
#define TOP	 28
#define BOTTOM	 44
#define PLOT_W	 (W - LEFT - RIGHT)
#define PLOT_H	 (H - TOP - BOTTOM)
#define X_TICKS	 8
#define Y_TICKS	 4
#define BAR_FILL "#3b6ea5"

void html_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static double scale(const struct svg_chart *c, double v)
{
	return c->logy ? log10(v) : v;
}

/* y pixel of value v (already scaled) within [lo, hi]. */
static double ypix(double v, double lo, double hi)
{
	if (v < lo)
		v = lo;
	if (v > hi)
		v = hi;
	return TOP + PLOT_H - (v - lo) / (hi - lo) * PLOT_H;
}

static void range(const struct svg_chart *c, const double *v, size_t n, const struct svg_line *l,
		  size_t nl, double *lo, double *hi)
{
	size_t i;
	bool any = false;

	if (c->ymax > c->ymin) {
		*lo = scale(c, c->ymin);
		*hi = scale(c, c->ymax);
		return;
	}
	*lo = 0;
	*hi = 1;
	for (i = 0; i < n + nl; i++) {
		double x = i < n ? v[i] : l[i - n].y;

		if (c->logy && x <= 0)
			continue;
		x = scale(c, x);
		if (!any || x > *hi)
			*hi = x;
		/* Linear charts keep 0 in range; log ones start at their smallest value. */
		if ((c->logy && (!any || x < *lo)) || (!c->logy && x < *lo))
			*lo = x;
		any = true;
	}
	if (c->logy)
		*lo = floor(*lo);
	if (*hi <= *lo)
		*hi = *lo + 1;
	*hi += (*hi - *lo) * 0.05; /* room above the tallest bar */
}

static void tick_label(FILE *f, const struct svg_chart *c, double v, double x)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", x, TOP + PLOT_H + 14);
	if (c->xlabel_pow2)
		fprintf(f, "2<tspan dy=\"-4\" font-size=\"8\">%g</tspan>", v);
	else
		fprintf(f, "%g", v);
	fputs("</text>", f);
}

static void axes(FILE *f, const struct svg_chart *c, size_t n, double lo, double hi)
{
	double bw = (double)PLOT_W / (double)(n ? n : 1);
	size_t i, step = n > X_TICKS ? (n + X_TICKS - 1) / X_TICKS : 1;
	int t;

	fprintf(f,
		"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
		"stroke=\"#999\"/>",
		LEFT, TOP, PLOT_W, PLOT_H);
	for (t = 0; t <= Y_TICKS; t++) {
		double v = lo + (hi - lo) * t / Y_TICKS, y = ypix(v, lo, hi);

		fprintf(f,
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>"
			"<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>",
			LEFT - 4, y + 3, c->logy ? pow(10, v) : v, LEFT, LEFT + PLOT_W, y, y);
	}
	for (i = 0; i < n && c->names == NULL; i++) {
		double label = c->x0 + (double)i * c->dx, x = LEFT + (i + 0.5) * bw;

		/* Powers of two are labelled at whole octaves only. */
		if (c->xlabel_pow2 ? label == floor(label) : i % step == 0)
			tick_label(f, c, label, x);
	}
	if (c->names != NULL)
		for (i = 0; i < n; i++) {
			double x = LEFT + (i + 0.5) * bw;

			fprintf(f,
				"<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" "
				"transform=\"rotate(-35 %.1f %d)\" font-size=\"8\">",
				x, TOP + PLOT_H + 10, x, TOP + PLOT_H + 10);
			html_text(f, c->names[i]);
			fputs("</text>", f);
		}
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", LEFT + PLOT_W / 2, H - 4);
	html_text(f, c->xlabel);
	fprintf(f,
		"</text><text x=\"12\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 12 "
		"%d)\">",
		TOP + PLOT_H / 2, TOP + PLOT_H / 2);
	html_text(f, c->ylabel);
	fputs("</text>", f);
}

void svg_chart(FILE *f, const struct svg_chart *c, const double *v, size_t n,
	       const struct svg_line *lines, size_t nlines)
{
	double lo, hi, bw = (double)PLOT_W / (double)(n ? n : 1);
	size_t i;

	range(c, v, n, lines, nlines, &lo, &hi);
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 %d %d\" "
		"width=\"%d\" height=\"%d\" role=\"img\" font-family=\"sans-serif\" "
		"font-size=\"10\"><title>",
		W, H, W, H);
	html_text(f, c->title);
	fprintf(f, "</title><text x=\"%d\" y=\"16\" font-weight=\"bold\">", LEFT);
	html_text(f, c->title);
	fputs("</text>", f);
	axes(f, c, n, lo, hi);
	for (i = 0; i < n; i++) {
		double x = LEFT + (double)i * bw, y;

		if (c->logy && v[i] <= 0)
			continue;
		y = ypix(scale(c, v[i]), lo, hi);
		if (c->points) {
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.5\" fill=\"%s\"/>",
				x + bw / 2, y, BAR_FILL);
		} else {
			double base = ypix(c->logy ? lo : (lo < 0 ? 0 : lo), lo, hi);

			fprintf(f,
				"<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
				"fill=\"%s\"/>",
				x, y < base ? y : base, bw > 2 ? bw - 1 : bw, fabs(base - y),
				BAR_FILL);
		}
	}
	for (i = 0; i < nlines; i++) {
		double y;

		if (c->logy && lines[i].y <= 0)
			continue;
		y = ypix(scale(c, lines[i].y), lo, hi);
		fprintf(f,
			"<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			"stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"%s\">",
			LEFT, LEFT + PLOT_W, y, y, lines[i].color, LEFT + PLOT_W - 2, y - 3,
			lines[i].color);
		html_text(f, lines[i].label);
		fputs("</text>", f);
	}
	fputs("</svg>\n", f);
}
