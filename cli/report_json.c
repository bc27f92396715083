// SPDX-License-Identifier: Apache-2.0
/*
 * report.json: every figure the page shows, for scripts. The fields are
 * documented in timingseed(1) and checked against tests/system/report.schema.json.
 * Estimates that could not run are null, never a made-up number.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "report.h"

void report_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* A figure, or null when the estimator could not run (negative). */
static void num(FILE *f, double v)
{
	if (v < 0 || !isfinite(v))
		fputs("null", f);
	else
		fprintf(f, "%.6f", v);
}

static void u64_array(FILE *f, const uint64_t *v, size_t n)
{
	size_t i;

	fputc('[', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)v[i]);
	fputc(']', f);
}

static void u32_array(FILE *f, const uint32_t *v, size_t n)
{
	size_t i;

	fputc('[', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%u", i ? "," : "", v[i]);
	fputc(']', f);
}

static void machine(FILE *f, const struct report_machine *m)
{
	fputs("  \"machine\": {\"cpu_model\": ", f);
	report_json_string(f, m->cpu_model);
	fputs(", \"cpu_flags\": ", f);
	report_json_string(f, m->cpu_flags);
	fputs(", \"counter\": ", f);
	report_json_string(f, m->counter);
	fprintf(f, ", \"counter_read_ticks\": %llu, \"counter_step\": %llu",
		(unsigned long long)m->counter_step, (unsigned long long)m->counter_gcd);
	fputs(", \"clocksource\": ", f);
	report_json_string(f, m->clocksource);
	fputs(", \"kernel\": ", f);
	report_json_string(f, m->kernel);
	fputs(", \"hypervisor\": ", f);
	report_json_string(f, m->hypervisor);
	fputs(", \"dmi\": ", f);
	report_json_string(f, m->dmi_product);
	fputs(", \"openssl\": ", f);
	report_json_string(f, m->openssl);
	fputs(", \"timingseed\": ", f);
	report_json_string(f, m->version);
	fputs(", \"date\": ", f);
	report_json_string(f, m->date);
	fputs("},\n", f);
}

static void restart(FILE *f, const struct report_assessment *a)
{
	const struct ts_ea_restart *r = &a->restart;

	if (!a->restart_run) {
		fputs("null", f);
		return;
	}
	fprintf(f,
		"{\"rows\": %zu, \"columns\": %zu, \"h_initial\": %.6f, \"alpha\": %.3e, "
		"\"cutoff_rows\": %u, \"cutoff_columns\": %u, \"max_row\": %u, "
		"\"max_column\": %u, \"sanity\": \"%s\", \"h_rows\": ",
		r->rows, r->columns, r->h_initial, r->alpha, r->cutoff_rows, r->cutoff_columns,
		r->max_row, r->max_column, r->sanity ? "pass" : "fail");
	num(f, r->h_rows);
	fputs(", \"h_columns\": ", f);
	num(f, r->h_columns);
	fprintf(f, ", \"pass\": %s, \"h_sanity\": %.6f,\n          \"row_mcv\": ",
		r->pass ? "true" : "false", a->h_sanity);
	u32_array(f, a->row_mcv, r->rows);
	fputs(",\n          \"column_mcv\": ", f);
	u32_array(f, a->column_mcv, r->columns);
	fputc('}', f);
}

static void assessment(FILE *f, const struct report_assessment *a, bool last)
{
	const struct ts_ea_report *e = &a->ea;
	size_t i;

	fputs("      {\"label\": ", f);
	report_json_string(f, a->label);
	fputs(", \"sets\": [", f);
	for (i = 0; a->sets[i] != NULL; i++) {
		fputs(i ? ", " : "", f);
		report_json_string(f, a->sets[i]);
	}
	fprintf(f, "], \"samples\": %zu, \"seconds\": %.3f, \"bits\": %u, \"alphabet\": %u",
		a->samples, a->seconds, e->bits, e->alphabet);
	fputs(", \"min_entropy\": ", f);
	num(f, e->min);
	fputs(", \"h_original\": ", f);
	num(f, e->h_original);
	fputs(", \"h_bitstring\": ", f);
	num(f, e->h_bitstring);
	fputs(",\n        \"estimators\": {", f);
	for (i = 0; i < e->count; i++) {
		fprintf(f, "%s\"%s\": ", i ? ", " : "", e->est[i].name);
		num(f, e->est[i].h);
	}
	fputs("},\n        \"restart\": ", f);
	restart(f, a);
	fputs(",\n        \"plots\": {\"symbols\": ", f);
	u64_array(f, a->plots.symbols, 256);
	fputs(",\n          \"duration_quarter_octaves\": ", f);
	u64_array(f, a->plots.log_bins, REPORT_LOG_BINS);
	fprintf(f, ", \"zero_durations\": %llu,\n          \"acf\": [",
		(unsigned long long)a->plots.zero_durations);
	for (i = 0; i <= REPORT_LAGS; i++)
		fprintf(f, "%s%.5f", i ? "," : "", a->plots.acf[i]);
	fprintf(f, "]}}%s\n", last ? "" : ",");
}

static void source(FILE *f, const struct report_source *s, bool last)
{
	size_t i;

	fputs("    {\"name\": ", f);
	report_json_string(f, s->name);
	fprintf(f, ", \"kind\": \"%s\", ", s->from_file ? "file" : "source");
	if (s->from_file)
		fputs("\"default_credit\": null, \"credit\": null, \"rate\": null, "
		      "\"credited_bits_per_second\": null",
		      f);
	else
		fprintf(f,
			"\"default_credit\": %.4f, \"credit\": %.4f, \"rate\": %.0f, "
			"\"credited_bits_per_second\": %.0f",
			s->default_credit, s->credit, s->rate, s->rate * s->credit);
	fprintf(f,
		",\n      \"health\": {\"rct_cutoff\": %u, \"apt_cutoff\": %u, \"apt_window\": %u, "
		"\"rct_cutoff_permanent\": %u, \"apt_cutoff_permanent\": %u, "
		"\"alpha_log2\": %u, \"alpha_permanent_log2\": %u},\n",
		s->rct_cutoff, s->apt_cutoff, s->apt_window, s->rct_cutoff_perm, s->apt_cutoff_perm,
		s->alpha_log2, s->perm_log2);
	fputs("      \"smallest_estimate\": ", f);
	num(f, s->smallest);
	fputs(", \"supported_credit\": ", f);
	num(f, s->supported);
	fprintf(f, ", \"verdict\": \"%s\",\n      \"assessments\": [\n",
		s->from_file ? "no credit"
		: s->holds   ? "credit holds"
			     : "credit too high");
	for (i = 0; i < s->nassess; i++)
		assessment(f, &s->assess[i], i + 1 == s->nassess);
	fprintf(f, "    ]}%s\n", last ? "" : ",");
}

int report_write_json(const struct report *r, FILE *f)
{
	size_t i;

	fputs("{\n  \"report\": \"timingseed\", \"format\": 1,\n", f);
	machine(f, &r->machine);
	fprintf(f,
		"  \"quick\": %s, \"samples\": %zu, \"restart_rows\": %zu, "
		"\"restart_columns\": %zu, \"seconds\": %.1f,\n  \"sources\": [\n",
		r->quick ? "true" : "false", r->samples, r->restart_rows, r->restart_columns,
		r->seconds);
	for (i = 0; i < r->nsources; i++)
		source(f, &r->sources[i], i + 1 == r->nsources);
	fputs("  ]\n}\n", f);
	if (fflush(f) != 0 || ferror(f)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}
