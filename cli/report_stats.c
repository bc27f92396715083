// SPDX-License-Identifier: Apache-2.0
/*
 * The figures a report plots, reduced from one sample stream: the 8-bit
 * symbol's distribution (what the credit refers to), the raw durations'
 * distribution on quarter-octave bins (where the counter's steps and the
 * kernel path's modes show), and the symbols' autocorrelation (what makes
 * the non-IID estimators, not MCV alone, the right ones).
 */
#include <math.h>
#include <string.h>

#include "report.h"

/* Autocorrelation of the symbols at lags 0..REPORT_LAGS (Pearson, biased). */
static void acf(struct report_plots *p, const uint8_t *sym, const uint64_t *raw, size_t n)
{
	double mean = 0, var = 0;
	size_t i, lag;

#define SYM(i) ((double)(sym ? sym[i] : (uint8_t)raw[i]))
	memset(p->acf, 0, sizeof(p->acf));
	if (n < 2)
		return;
	for (i = 0; i < n; i++)
		mean += SYM(i);
	mean /= (double)n;
	for (i = 0; i < n; i++)
		var += (SYM(i) - mean) * (SYM(i) - mean);
	if (var == 0) /* one symbol only: the correlation is undefined, shown as 0 */
		return;
	for (lag = 0; lag <= REPORT_LAGS && lag < n; lag++) {
		double s = 0;

		for (i = 0; i + lag < n; i++)
			s += (SYM(i) - mean) * (SYM(i + lag) - mean);
		p->acf[lag] = s / var;
	}
#undef SYM
}

void report_plots(struct report_plots *p, const uint64_t *raw, size_t n)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < n; i++) {
		uint64_t d = raw[i];
		int b;

		p->symbols[(uint8_t)d]++;
		if (d == 0) {
			p->zero_durations++;
			continue;
		}
		b = (int)floor(4.0 * log2((double)d));
		if (b >= REPORT_LOG_BINS)
			b = REPORT_LOG_BINS - 1; /* the last bin holds everything longer */
		p->log_bins[b]++;
	}
	acf(p, NULL, raw, n);
}

void report_plots_symbols(struct report_plots *p, const uint8_t *sym, size_t n)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < n; i++)
		p->symbols[sym[i]]++;
	acf(p, sym, NULL, n);
}
