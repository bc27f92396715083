// SPDX-License-Identifier: Apache-2.0
/* timingseed bench: the figures, as a table or as JSON (--json). */
#include <stdio.h>

#include <openssl/crypto.h>

#include "bench.h"
#include "cli.h"

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

void bench_print_json(const struct settings *s, const char *module, const struct source_result *src,
		      size_t nsrc, const struct result res[NWHICH],
		      const struct process_result *proc)
{
	size_t i;
	int k;

	printf("{\n  \"module\": ");
	cli_json_string(module);
	printf(",\n  \"openssl\": ");
	cli_json_string(OpenSSL_version(OPENSSL_VERSION));
	printf(",\n  \"seed_bytes\": %d, \"warm_requests\": %d, \"cold_runs\": %d,", SEED_BYTES,
	       s->warm_n, s->cold_n);
	for (k = 0; k < NWHICH; k++) {
		const struct result *r = &res[k];

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
	printf("\n  \"ratios\": {\"warm_median\": %.3f, \"warm_p90\": %.3f, \"warm_p99\": %.3f, "
	       "\"cold_median\": %.3f, \"throughput\": %.6f},",
	       ratio(res[TS].warm_median, res[SS].warm_median),
	       ratio(res[TS].warm_p90, res[SS].warm_p90), ratio(res[TS].warm_p99, res[SS].warm_p99),
	       ratio(res[TS].cold_median, res[SS].cold_median),
	       ratio(res[TS].throughput, res[SS].throughput));
	printf("\n  \"process\": {\"command\": \"openssl rand -hex 32\", \"pairs\": %d, "
	       "\"timingseed_median_ms\": %.3f, \"os_median_ms\": %.3f, \"note\": ",
	       proc->pairs, proc->ts_median, proc->os_median);
	cli_json_string(proc->note);
	printf("},\n  \"process_ratio\": %.3f,", proc->ratio_median);
	printf("\n  \"sources\": [");
	for (i = 0; i < nsrc; i++) {
		printf("%s\n    {\"name\": ", i ? "," : "");
		cli_json_string(src[i].name);
		printf(", \"state\": ");
		cli_json_string(ts_source_state_name(src[i].state));
		printf(", \"samples_per_s\": %.0f, \"credit\": %.4f, \"credited_bits_per_s\": "
		       "%.1f}",
		       src[i].samples_per_s, src[i].credit, src[i].samples_per_s * src[i].credit);
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

void bench_print_table(const struct settings *s, const char *module,
		       const struct source_result *src, size_t nsrc,
		       const struct result res[NWHICH], const struct process_result *proc)
{
	double sum = 0;
	char label[64];
	size_t i;
	int k;

	printf("timingseed bench: %s, %s\n\n", module, OpenSSL_version(OPENSSL_VERSION));
	printf("%-22s %-12s %8s %12s %16s\n", "source", "state", "credit", "samples/s",
	       "credited bits/s");
	for (i = 0; i < nsrc; i++) {
		if (src[i].samples_per_s <= 0 && src[i].state == TS_SRC_UNAVAILABLE)
			continue;
		printf("%-22s %-12s %8.4f %12.0f %16.1f\n", src[i].name,
		       ts_source_state_name(src[i].state), src[i].credit, src[i].samples_per_s,
		       src[i].samples_per_s * src[i].credit);
		sum += src[i].samples_per_s * src[i].credit;
	}
	printf("%-22s %-12s %8s %12s %16.1f  (at %d bits per %d-byte block: %.0f bytes/s)\n\n",
	       "all", "", "", "", sum, TS_BLOCK_CREDIT, TS_BLOCK_BYTES,
	       sum / TS_BLOCK_CREDIT * TS_BLOCK_BYTES);

	printf("%-34s %14s %14s %12s\n", "256-bit seed (32-byte request)", bench_alg_name[TS],
	       bench_alg_name[SS], "ratio");
	snprintf(label, sizeof(label), "warm median ms (%d requests)", s->warm_n);
	print_row(label, res[TS].warm_median, res[SS].warm_median, "%.4f");
	print_row("warm p90 ms", res[TS].warm_p90, res[SS].warm_p90, "%.4f");
	print_row("warm p99 ms", res[TS].warm_p99, res[SS].warm_p99, "%.4f");
	snprintf(label, sizeof(label), "cold median ms (%d processes)", s->cold_n);
	print_row(label, res[TS].cold_median, res[SS].cold_median, "%.4f");
	print_row("throughput bytes/s", res[TS].throughput, res[SS].throughput, "%.0f");
	for (k = 0; k < NWHICH; k++)
		printf("  %s throughput: %llu bytes in %zu-byte requests%s%s\n", bench_alg_name[k],
		       (unsigned long long)res[k].tp_bytes, res[k].tp_request,
		       res[k].note[0] ? "; " : "", res[k].note);
	printf("  ratio: TIMING-SEED / SEED-SRC. Cold: the first request in a new process, "
	       "after the provider is loaded.\n");
	if (proc->pairs > 0) {
		snprintf(label, sizeof(label), "openssl rand -hex 32 ms (%d pairs)", proc->pairs);
		printf("\n%-34s %14s %14s %12s\n", "whole process", "timingseed", "OS seed",
		       "ratio");
		printf("%-34s %14.3f %14.3f %11.3gx\n", label, proc->ts_median, proc->os_median,
		       proc->ratio_median);
		printf("  medians; ratio: median of the pairs' ratios, run alternately%s%s\n",
		       proc->note[0] ? "; " : "", proc->note);
	} else {
		printf("\nwhole process: not measured: %s\n", proc->note);
	}
}
