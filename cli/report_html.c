// SPDX-License-Identifier: Apache-2.0
/*
 * report.html: one self-contained page (no script, no external file, no
 * network), the summary first, then the machine, then each source with
 * its figures and charts. It reads the same struct report as report.json.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "report.h"
#include "report_svg.h"

#define CREDIT_COLOR "#c0392b"
#define HALF_COLOR   "#7d3c98"
#define CUTOFF_COLOR "#c0392b"

static const char style[] =
	"body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em;color:#222}"
	"table{border-collapse:collapse;margin:.5em 0}"
	"td,th{border:1px solid #bbb;padding:.2em .5em;text-align:left;vertical-align:top}"
	"th{background:#eef}td.num{text-align:right;font-variant-numeric:tabular-nums}"
	".holds{color:#1e7b34;font-weight:bold}.fails{color:#b00;font-weight:bold}"
	"svg.chart{max-width:100%;height:auto;display:block;margin:.5em 0}"
	"section{page-break-inside:avoid}"
	"@media print{body{max-width:none}section.source{page-break-before:always}}";

static void fig(FILE *f, double v, const char *fmt)
{
	if (v < 0 || !isfinite(v))
		fputs("<td class=\"num\">n/a</td>", f);
	else {
		fputs("<td class=\"num\">", f);
		fprintf(f, fmt, v);
		fputs("</td>", f);
	}
}

static const char *verdict(const struct report_source *s)
{
	if (s->from_file)
		return "no credit (a file)";
	return s->holds ? "credit holds" : "credit too high";
}

static void summary(FILE *f, const struct report *r)
{
	size_t i;

	fputs("<h2 id=\"summary\">Summary</h2><table><tr><th>source</th><th>verdict</th>"
	      "<th>credit in force<br>(bits/sample)</th><th>default credit</th>"
	      "<th>smallest estimate</th><th>calibrated credit<br>(half of it)</th>"
	      "<th>credited bits/s</th></tr>\n",
	      f);
	for (i = 0; i < r->nsources; i++) {
		const struct report_source *s = &r->sources[i];

		fputs("<tr><td><a href=\"#src-", f);
		html_text(f, s->name);
		fputs("\">", f);
		html_text(f, s->name);
		fprintf(f, "</a></td><td class=\"%s\">%s</td>", s->holds ? "holds" : "fails",
			verdict(s));
		if (s->from_file)
			fputs("<td class=\"num\">-</td><td class=\"num\">-</td>", f);
		else {
			fig(f, s->credit, "%.4f");
			fig(f, s->default_credit, "%.4f");
		}
		fig(f, s->smallest, "%.4f");
		fig(f, s->supported, "%.4f");
		if (s->from_file)
			fputs("<td class=\"num\">-</td>", f);
		else
			fig(f, s->rate * s->credit, "%.0f");
		fputs("</tr>\n", f);
	}
	fputs("</table>\n<p>A credit holds when it is at most half of the smallest SP 800-90B "
	      "estimate of its source (sequential and restart, with the collector's own "
	      "variation fixed). The calibrated credit, beside the default, is that half: what "
	      "<code>timingseed calibrate</code> writes for this machine, and what the "
	      "provider uses with <code>calibration = FILE</code>.</p>\n",
	      f);
}

static void row(FILE *f, const char *k, const char *v)
{
	fputs("<tr><th>", f);
	html_text(f, k);
	fputs("</th><td>", f);
	html_text(f, v);
	fputs("</td></tr>\n", f);
}

static void machine(FILE *f, const struct report *r)
{
	const struct report_machine *m = &r->machine;
	char step[96], run[160];

	snprintf(step, sizeof(step), "%s: back-to-back reads %llu ticks apart at least, step %llu",
		 m->counter, (unsigned long long)m->counter_step,
		 (unsigned long long)m->counter_gcd);
	snprintf(run, sizeof(run), "%s%zu samples per assessment, restarts %zu x %zu, %.0f s",
		 r->quick ? "quick (reduced): " : "", r->samples, r->restart_rows,
		 r->restart_columns, r->seconds);
	fputs("<h2 id=\"machine\">Machine</h2><table>\n", f);
	row(f, "CPU", m->cpu_model);
	row(f, "CPU flags that matter", m->cpu_flags[0] ? m->cpu_flags : "none of them");
	row(f, "tick counter", step);
	row(f, "clocksource", m->clocksource);
	row(f, "kernel", m->kernel);
	row(f, "hypervisor (cpuid)", m->hypervisor);
	row(f, "DMI", m->dmi_product);
	row(f, "OpenSSL", m->openssl);
	row(f, "timingseed", m->version);
	row(f, "date", m->date);
	row(f, "run", run);
	fputs("</table>\n", f);
}

static void health(FILE *f, const struct report_source *s)
{
	fprintf(f,
		"<table><tr><th>health test</th><th>intermittent cutoff (alpha "
		"2<sup>-%u</sup>)</th>"
		"<th>permanent cutoff (alpha 2<sup>-%u</sup>)</th></tr>"
		"<tr><td>repetition count</td><td class=\"num\">%u</td><td "
		"class=\"num\">%u</td></tr>"
		"<tr><td>adaptive proportion (window %u)</td><td class=\"num\">%u</td>"
		"<td class=\"num\">%u</td></tr></table>\n",
		s->alpha_log2, s->perm_log2, s->rct_cutoff, s->rct_cutoff_perm, s->apt_window,
		s->apt_cutoff, s->apt_cutoff_perm);
}

static void estimates_table(FILE *f, const struct ts_ea_report *e)
{
	size_t i;

	fputs("<table><tr><th>estimator (SP 800-90B 6.3)</th><th>bits/sample</th></tr>\n", f);
	for (i = 0; i < e->count; i++) {
		fputs("<tr><td>", f);
		html_text(f, e->est[i].name);
		fputs("</td>", f);
		fig(f, e->est[i].h, "%.4f");
		fputs("</tr>\n", f);
	}
	fputs("<tr><th>minimum</th>", f);
	fig(f, e->min, "%.4f");
	fputs("</tr></table>\n", f);
}

static void restart_charts(FILE *f, const struct report_source *s,
			   const struct report_assessment *a, const char *name)
{
	const struct ts_ea_restart *rs = &a->restart;
	double *v = malloc((rs->rows > rs->columns ? rs->rows : rs->columns) * sizeof(*v));
	char title[160], cut[64];
	struct svg_line line = {0, cut, CUTOFF_COLOR};
	struct svg_chart c = {.title = title,
			      .xlabel = "row (restart)",
			      .ylabel = "MCV count",
			      .points = true,
			      .x0 = 0,
			      .dx = 1};
	size_t i;

	(void)s;
	if (v == NULL)
		return;
	fprintf(f,
		"<p>Restart test (SP 800-90B 3.1.4), %zu restarts of %zu samples in fresh "
		"processes: sanity check <b>%s</b> (largest row count %u, cutoff %u; largest "
		"column count %u, cutoff %u, at H<sub>I</sub> = %.4f, alpha %.1e); row estimate "
		"%.4f, column estimate %.4f: %s. The restarts pass the sanity check up to "
		"H<sub>I</sub> = %.4f.</p>\n",
		rs->rows, rs->columns, rs->sanity ? "pass" : "fail", rs->max_row, rs->cutoff_rows,
		rs->max_column, rs->cutoff_columns, rs->h_initial, rs->alpha, rs->h_rows,
		rs->h_columns, rs->pass ? "passes" : "fails", a->h_sanity);
	for (i = 0; i < rs->rows; i++)
		v[i] = a->row_mcv[i];
	snprintf(title, sizeof(title), "%s: most common value count per restart row", name);
	snprintf(cut, sizeof(cut), "cutoff %u", rs->cutoff_rows);
	line.y = rs->cutoff_rows;
	svg_chart(f, &c, v, rs->rows, &line, 1);
	for (i = 0; i < rs->columns; i++)
		v[i] = a->column_mcv[i];
	snprintf(title, sizeof(title), "%s: most common value count per column", name);
	snprintf(cut, sizeof(cut), "cutoff %u", rs->cutoff_columns);
	line.y = rs->cutoff_columns;
	c.xlabel = "column (sample index)";
	svg_chart(f, &c, v, rs->columns, &line, 1);
	free(v);
}

static void assessment_charts(FILE *f, const struct report_source *s,
			      const struct report_assessment *a)
{
	const struct report_plots *p = &a->plots;
	double v[REPORT_LOG_BINS > 256 ? REPORT_LOG_BINS : 256];
	const char *names[TS_EA_MAX_EST];
	char title[160], name[96], credit_label[64], half_label[64];
	struct svg_line lines[2];
	size_t i, first = REPORT_LOG_BINS, last = 0;
	double band;

	snprintf(name, sizeof(name), "%s (%s)", s->name, a->label);

	for (i = 0; i < 256; i++)
		v[i] = (double)p->symbols[i];
	snprintf(title, sizeof(title), "%s: distribution of the 8-bit symbol", name);
	svg_chart(f,
		  &(struct svg_chart){.title = title,
				      .xlabel = "symbol (low byte of the duration)",
				      .ylabel = "count",
				      .x0 = 0,
				      .dx = 1},
		  v, 256, NULL, 0);

	for (i = 0; i < REPORT_LOG_BINS; i++)
		if (p->log_bins[i] != 0) {
			if (first == REPORT_LOG_BINS)
				first = i;
			last = i;
		}
	if (first < REPORT_LOG_BINS) {
		for (i = first; i <= last; i++)
			v[i - first] = (double)p->log_bins[i];
		snprintf(title, sizeof(title), "%s: raw durations (log scales)", name);
		svg_chart(f,
			  &(struct svg_chart){.title = title,
					      .xlabel = "duration in ticks",
					      .ylabel = "count",
					      .logy = true,
					      .x0 = (double)first / 4,
					      .dx = 0.25,
					      .xlabel_pow2 = 1},
			  v, last - first + 1, NULL, 0);
	}

	for (i = 1; i <= REPORT_LAGS; i++)
		v[i - 1] = p->acf[i];
	band = a->samples ? 1.96 / sqrt((double)a->samples) : 0;
	lines[0] = (struct svg_line){band, "+1.96/sqrt(n)", "#888"};
	lines[1] = (struct svg_line){-band, "-1.96/sqrt(n)", "#888"};
	snprintf(title, sizeof(title), "%s: autocorrelation of the symbols", name);
	svg_chart(f,
		  &(struct svg_chart){.title = title,
				      .xlabel = "lag",
				      .ylabel = "autocorrelation",
				      .x0 = 1,
				      .dx = 1},
		  v, REPORT_LAGS, lines, 2);

	for (i = 0; i < a->ea.count; i++) {
		v[i] = a->ea.est[i].h < 0 ? 0 : a->ea.est[i].h;
		names[i] = a->ea.est[i].name;
	}
	snprintf(title, sizeof(title), "%s: SP 800-90B estimates against the credit", name);
	snprintf(credit_label, sizeof(credit_label), "credit %.4f", s->credit);
	snprintf(half_label, sizeof(half_label), "2 x credit %.4f", 2 * s->credit);
	lines[0] = (struct svg_line){s->credit, credit_label, CREDIT_COLOR};
	lines[1] = (struct svg_line){2 * s->credit, half_label, HALF_COLOR};
	svg_chart(f,
		  &(struct svg_chart){.title = title,
				      .xlabel = "",
				      .ylabel = "bits/sample",
				      .names = names,
				      .logy = true},
		  v, a->ea.count, lines, s->credit > 0 ? 2 : 0);

	if (a->restart_run)
		restart_charts(f, s, a, name);
}

static void source(FILE *f, const struct report *r, const struct report_source *s)
{
	size_t i, j;

	(void)r;
	fputs("<section class=\"source\"><h2 id=\"src-", f);
	html_text(f, s->name);
	fputs("\">", f);
	html_text(f, s->name);
	fprintf(f, ": <span class=\"%s\">%s</span></h2>\n", s->holds ? "holds" : "fails",
		verdict(s));
	if (s->from_file)
		fprintf(f, "<p>Samples read from a file; the health cutoffs below are at the "
			   "credit the file supports.</p>\n");
	else
		fprintf(f,
			"<p>Default credit %.4f bits/sample, in force %.4f; %.0f samples/s with "
			"the default settings, %.0f credited bits/s.</p>\n",
			s->default_credit, s->credit, s->rate, s->rate * s->credit);
	health(f, s);
	for (i = 0; i < s->nassess; i++) {
		const struct report_assessment *a = &s->assess[i];

		fputs("<h3>", f);
		html_text(f, a->label);
		for (j = 0; a->sets[j] != NULL; j++) {
			fputs(j ? ", " : ": ", f);
			html_text(f, a->sets[j]);
		}
		fprintf(f,
			"</h3>\n<p>%zu samples in %.2f s; word size %u bits, %u distinct "
			"symbols.</p>\n",
			a->samples, a->seconds, a->ea.bits, a->ea.alphabet);
		estimates_table(f, &a->ea);
		assessment_charts(f, s, a);
	}
	fputs("</section>\n", f);
}

int report_write_html(const struct report *r, FILE *f)
{
	size_t i;

	fprintf(f,
		"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width\">"
		"<title>timingseed report</title><style>%s</style></head><body>\n"
		"<h1>timingseed report</h1>\n",
		style);
	fputs("<p>", f);
	html_text(f, r->machine.date);
	fputs(", ", f);
	html_text(f, r->machine.kernel);
	fputs(", timingseed ", f);
	html_text(f, r->machine.version);
	fputs(r->quick ? ". A quick run: fewer samples and restarts than SP 800-90B asks for.</p>\n"
		       : ".</p>\n",
	      f);
	summary(f, r);
	machine(f, r);
	for (i = 0; i < r->nsources; i++)
		source(f, r, &r->sources[i]);
	fputs("</body></html>\n", f);
	if (fflush(f) != 0 || ferror(f)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}
