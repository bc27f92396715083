// SPDX-License-Identifier: Apache-2.0
/*
 * timingseed bench: the figures, as a table or as JSON (--json). With
 * --calibration, a third column (TIMING-SEED calibrated) and keys of its
 * own; without, exactly what was printed before the option.
 */
#include <stddef.h>
#include <stdio.h>

#include <openssl/crypto.h>

#include "bench.h"
#include "cli.h"

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static void json_result(enum which k, const struct result *r)
{
	printf("\n  \"%s\": {\"warm_median_ms\": %.6f, \"warm_p90_ms\": %.6f, "
	       "\"warm_p99_ms\": %.6f, \"cold_median_ms\": %.6f, \"cold_min_ms\": %.6f, "
	       "\"cold_max_ms\": %.6f, \"throughput_bytes_per_s\": %.1f, "
	       "\"throughput_bytes\": %llu, \"throughput_request_bytes\": %zu, "
	       "\"note\": ",
	       bench_json_name[k], r->warm_median, r->warm_p90, r->warm_p99, r->cold_median,
	       r->cold_min, r->cold_max, r->throughput, (unsigned long long)r->tp_bytes,
	       r->tp_request);
	cli_json_string(r->note);
	printf("},");
}

static void json_ratios(const char *key, const struct result *a, const struct result *b)
{
	printf("\n  \"%s\": {\"warm_median\": %.3f, \"warm_p90\": %.3f, \"warm_p99\": %.3f, "
	       "\"cold_median\": %.3f, \"throughput\": %.6f},",
	       key, ratio(a->warm_median, b->warm_median), ratio(a->warm_p90, b->warm_p90),
	       ratio(a->warm_p99, b->warm_p99), ratio(a->cold_median, b->cold_median),
	       ratio(a->throughput, b->throughput));
}

/* The keys --calibration adds: the provider's word, then TC's figures. */
static void json_calibration(const struct result res[NWHICH], const struct process_result *proc,
			     const struct calibration *cal, unsigned int settle_ms)
{
	printf("\n  \"calibration\": {\"file\": ");
	cli_json_string(cal->file);
	printf(", \"in_force\": %s, \"warm_settle_ms\": %u, \"status\": ",
	       cal->in_force ? "true" : "false", settle_ms);
	cli_json_string(cal->status);
	printf(", \"note\": ");
	cli_json_string(cal->note);
	printf("},");
	printf("\n  \"served_by\": {\"timingseed\": {\"warm\": ");
	cli_json_string(res[TS].warm_by);
	printf(", \"throughput\": ");
	cli_json_string(res[TS].tp_by);
	printf("}, \"timingseed_calibrated\": {\"warm\": ");
	cli_json_string(cal->in_force ? res[TC].warm_by : "");
	printf(", \"throughput\": ");
	cli_json_string(cal->in_force ? res[TC].tp_by : "");
	printf("}},");
	if (cal->in_force) {
		json_result(TC, &res[TC]);
		json_ratios("ratios_calibrated", &res[TC], &res[SS]);
		json_ratios("calibrated_over_uncalibrated", &res[TC], &res[TS]);
	} else {
		printf("\n  \"%s\": null,", bench_json_name[TC]);
		printf("\n  \"ratios_calibrated\": null,");
		printf("\n  \"calibrated_over_uncalibrated\": null,");
	}
	if (proc->calibrated)
		printf("\n  \"process_calibrated\": {\"timingseed_calibrated_median_ms\": %.3f, "
		       "\"os_median_ms\": %.3f, \"rounds\": %d},\n  \"process_ratio_calibrated\": "
		       "%.3f,",
		       proc->tc_median, proc->os_median, proc->pairs, proc->ratio_cal_median);
	else
		printf("\n  \"process_calibrated\": null,\n  \"process_ratio_calibrated\": null,");
}

void bench_print_json(const struct settings *s, const char *module, const struct source_result *src,
		      size_t nsrc, const struct result res[NWHICH],
		      const struct process_result *proc, const struct calibration *cal)
{
	size_t i;
	int k;

	printf("{\n  \"module\": ");
	cli_json_string(module);
	printf(",\n  \"openssl\": ");
	cli_json_string(OpenSSL_version(OPENSSL_VERSION));
	printf(",\n  \"seed_bytes\": %d, \"warm_requests\": %d, \"cold_runs\": %d,", SEED_BYTES,
	       s->warm_n, s->cold_n);
	for (k = TS; k <= SS; k++)
		json_result((enum which)k, &res[k]);
	json_ratios("ratios", &res[TS], &res[SS]);
	printf("\n  \"process\": {\"command\": \"openssl rand -hex 32\", \"pairs\": %d, "
	       "\"timingseed_median_ms\": %.3f, \"os_median_ms\": %.3f, \"note\": ",
	       proc->pairs, proc->ts_median, proc->os_median);
	cli_json_string(proc->note);
	printf("},\n  \"process_ratio\": %.3f,", proc->ratio_median);
	if (cal->file != NULL)
		json_calibration(res, proc, cal, s->settle_ms);
	printf("\n  \"sources\": [");
	for (i = 0; i < nsrc; i++) {
		printf("%s\n    {\"name\": ", i ? "," : "");
		cli_json_string(src[i].name);
		printf(", \"state\": ");
		cli_json_string(ts_source_state_name(src[i].state));
		printf(", \"samples_per_s\": %.0f, \"credit\": %.4f, \"credited_bits_per_s\": "
		       "%.1f",
		       src[i].samples_per_s, src[i].credit, src[i].samples_per_s * src[i].credit);
		if (cal->file != NULL && src[i].credit_cal >= 0)
			printf(", \"credit_calibrated\": %.4f, \"credited_bits_per_s_calibrated\": "
			       "%.1f",
			       src[i].credit_cal, src[i].samples_per_s * src[i].credit_cal);
		else if (cal->file != NULL)
			printf(", \"credit_calibrated\": null, "
			       "\"credited_bits_per_s_calibrated\": null");
		printf("}");
	}
	printf("\n  ]\n}\n");
}

static void print_row(const char *label, double ts, double ss, const char *fmt)
{
	char a[32], b[32];

	snprintf(a, sizeof(a), fmt, ts);
	snprintf(b, sizeof(b), fmt, ss);
	printf("%-34s %14s %14s %11.3gx\n", label, a, b, ratio(ts, ss));
}

/* With a calibration in force: TIMING-SEED, calibrated, SEED-SRC, two ratios. */
static void print_row3(const char *label, const struct result res[NWHICH], size_t off,
		       const char *fmt)
{
	double v[NWHICH];
	char t[NWHICH][32];
	int k;

	for (k = 0; k < NWHICH; k++) {
		v[k] = *(const double *)((const char *)&res[k] + off);
		snprintf(t[k], sizeof(t[k]), fmt, v[k]);
	}
	printf("%-34s %12s %12s %12s %9.3gx %9.3gx\n", label, t[TS], t[TC], t[SS],
	       ratio(v[TS], v[SS]), ratio(v[TC], v[SS]));
}

static void print_sources(const struct source_result *src, size_t nsrc, bool cal)
{
	double sum = 0, sum_cal = 0;
	size_t i;

	if (cal)
		printf("%-22s %-12s %8s %8s %12s %16s %16s\n", "source", "state", "credit", "cal",
		       "samples/s", "credited bits/s", "calibrated");
	else
		printf("%-22s %-12s %8s %12s %16s\n", "source", "state", "credit", "samples/s",
		       "credited bits/s");
	for (i = 0; i < nsrc; i++) {
		double cc = src[i].credit_cal >= 0 ? src[i].credit_cal : 0;

		if (src[i].samples_per_s <= 0 && src[i].state == TS_SRC_UNAVAILABLE)
			continue;
		if (cal)
			printf("%-22s %-12s %8.4f %8.4f %12.0f %16.1f %16.1f\n", src[i].name,
			       ts_source_state_name(src[i].state), src[i].credit, cc,
			       src[i].samples_per_s, src[i].samples_per_s * src[i].credit,
			       src[i].samples_per_s * cc);
		else
			printf("%-22s %-12s %8.4f %12.0f %16.1f\n", src[i].name,
			       ts_source_state_name(src[i].state), src[i].credit,
			       src[i].samples_per_s, src[i].samples_per_s * src[i].credit);
		sum += src[i].samples_per_s * src[i].credit;
		sum_cal += src[i].samples_per_s * cc;
	}
	if (cal)
		printf("%-22s %-12s %8s %8s %12s %16.1f %16.1f\n\n", "all", "", "", "", "", sum,
		       sum_cal);
	else
		printf("%-22s %-12s %8s %12s %16.1f  (at %d bits per %d-byte block: %.0f "
		       "bytes/s)\n\n",
		       "all", "", "", "", sum, TS_BLOCK_CREDIT, TS_BLOCK_BYTES,
		       sum / TS_BLOCK_CREDIT * TS_BLOCK_BYTES);
}

/* The whole-process row without a calibration: timingseed and the OS seed. */
static void print_process_pairs(const struct process_result *proc)
{
	char label[64];

	snprintf(label, sizeof(label), "openssl rand -hex 32 ms (%d pairs)", proc->pairs);
	printf("\n%-34s %14s %14s %12s\n", "whole process", "timingseed", "OS seed", "ratio");
	printf("%-34s %14.3f %14.3f %11.3gx\n", label, proc->ts_median, proc->os_median,
	       proc->ratio_median);
	printf("  medians; ratio: median of the pairs' ratios, run alternately%s%s\n",
	       proc->note[0] ? "; " : "", proc->note);
}

static void print_table3(const struct settings *s, const struct result res[NWHICH],
			 const struct process_result *proc)
{
	char label[64];
	int k;

	printf("%-34s %12s %12s %12s %10s %10s\n", "256-bit seed (32-byte request)",
	       bench_column_name[TS], bench_column_name[TC], bench_column_name[SS], "ratio",
	       "ratio cal");
	snprintf(label, sizeof(label), "warm median ms (%d requests)", s->warm_n);
	print_row3(label, res, offsetof(struct result, warm_median), "%.4f");
	print_row3("warm p90 ms", res, offsetof(struct result, warm_p90), "%.4f");
	print_row3("warm p99 ms", res, offsetof(struct result, warm_p99), "%.4f");
	snprintf(label, sizeof(label), "cold median ms (%d processes)", s->cold_n);
	print_row3(label, res, offsetof(struct result, cold_median), "%.4f");
	print_row3("throughput bytes/s", res, offsetof(struct result, throughput), "%.0f");
	for (k = 0; k < NWHICH; k++)
		printf("  %s%s throughput: %llu bytes in %zu-byte requests%s%s\n",
		       bench_alg_name[k], k == TC ? " calibrated" : "",
		       (unsigned long long)res[k].tp_bytes, res[k].tp_request,
		       res[k].note[0] ? "; " : "", res[k].note);
	printf("  ratio: TIMING-SEED / SEED-SRC; ratio cal: calibrated / SEED-SRC. Cold: the "
	       "first request in a new process, after the provider is loaded.\n");
	printf("  warm: both TIMING-SEED columns after %u ms of untimed requests, so each pool "
	       "ranks its sources on rates measured on blocks\n",
	       s->settle_ms);
	printf("  shares of credited bits, warm: TIMING-SEED %s; calibrated %s\n",
	       res[TS].warm_by[0] ? res[TS].warm_by : "-",
	       res[TC].warm_by[0] ? res[TC].warm_by : "-");
	printf("  shares of credited bits, throughput: TIMING-SEED %s; calibrated %s\n",
	       res[TS].tp_by[0] ? res[TS].tp_by : "-", res[TC].tp_by[0] ? res[TC].tp_by : "-");
	if (proc->pairs > 0 && proc->calibrated) {
		snprintf(label, sizeof(label), "openssl rand -hex 32 ms (%d rounds)", proc->pairs);
		printf("\n%-34s %12s %12s %12s %10s %10s\n", "whole process", "timingseed",
		       "calibrated", "OS seed", "ratio", "ratio cal");
		printf("%-34s %12.3f %12.3f %12.3f %9.3gx %9.3gx\n", label, proc->ts_median,
		       proc->tc_median, proc->os_median, proc->ratio_median,
		       proc->ratio_cal_median);
		printf("  medians; ratios: medians of the rounds' ratios, run in rotating "
		       "order%s%s\n",
		       proc->note[0] ? "; " : "", proc->note);
	} else if (proc->pairs > 0) {
		print_process_pairs(proc);
	} else {
		printf("\nwhole process: not measured: %s\n", proc->note);
	}
}

void bench_print_table(const struct settings *s, const char *module,
		       const struct source_result *src, size_t nsrc,
		       const struct result res[NWHICH], const struct process_result *proc,
		       const struct calibration *cal)
{
	char label[64];
	int k;

	printf("timingseed bench: %s, %s\n\n", module, OpenSSL_version(OPENSSL_VERSION));
	if (cal->file != NULL) {
		printf("calibration: %s\n", cal->status);
		if (cal->note[0])
			printf("NOTE: %s\n", cal->note);
		printf("\n");
	}
	print_sources(src, nsrc, cal->file != NULL);
	if (cal->in_force) {
		print_table3(s, res, proc);
		return;
	}

	printf("%-34s %14s %14s %12s\n", "256-bit seed (32-byte request)", bench_alg_name[TS],
	       bench_alg_name[SS], "ratio");
	snprintf(label, sizeof(label), "warm median ms (%d requests)", s->warm_n);
	print_row(label, res[TS].warm_median, res[SS].warm_median, "%.4f");
	print_row("warm p90 ms", res[TS].warm_p90, res[SS].warm_p90, "%.4f");
	print_row("warm p99 ms", res[TS].warm_p99, res[SS].warm_p99, "%.4f");
	snprintf(label, sizeof(label), "cold median ms (%d processes)", s->cold_n);
	print_row(label, res[TS].cold_median, res[SS].cold_median, "%.4f");
	print_row("throughput bytes/s", res[TS].throughput, res[SS].throughput, "%.0f");
	for (k = TS; k <= SS; k++)
		printf("  %s throughput: %llu bytes in %zu-byte requests%s%s\n", bench_alg_name[k],
		       (unsigned long long)res[k].tp_bytes, res[k].tp_request,
		       res[k].note[0] ? "; " : "", res[k].note);
	printf("  ratio: TIMING-SEED / SEED-SRC. Cold: the first request in a new process, "
	       "after the provider is loaded.\n");
	if (proc->pairs > 0) {
		print_process_pairs(proc);
	} else {
		printf("\nwhole process: not measured: %s\n", proc->note);
	}
}
