/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SP 800-90B (January 2018) section 3.1.4, the restart tests, as NIST's
 * ea_restart computes them: a matrix of R restarts (rows) of C samples
 * each (columns), the sanity check on it, and the non-IID estimates of its
 * row dataset (rows one after another) and its column dataset (columns
 * one after another). A library piece beside ea.h: `timingseed assess
 * --restart` and `timingseed report` both use it; how the rows are
 * collected is theirs.
 */
#ifndef TIMINGSEED_RESTART_H
#define TIMINGSEED_RESTART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "timingseed/ea.h"

struct ts_ea_restart {
	size_t rows, columns;
	unsigned bits;	  /* word size the estimates used */
	double h_initial; /* H_I the check was made against, bits per sample */
	double alpha;	  /* 0.01 / (rows + columns), as 3.1.4.3 sets it */
	/*
	 * Sanity check (3.1.4.3): the most common value's count in each row
	 * and each column against U, the smallest count that a binomial
	 * (C or R trials, p = 2^-H_I) exceeds with probability at most alpha.
	 */
	uint32_t cutoff_rows;	 /* U for a row (C trials) */
	uint32_t cutoff_columns; /* U for a column (R trials) */
	uint32_t max_row;	 /* largest MCV count over the rows */
	uint32_t max_column;	 /* and over the columns */
	bool sanity;		 /* max_row <= cutoff_rows && max_column <= cutoff_columns */
	/* 3.1.4.2: ts_ea_assess() minimum of each dataset, bits per sample. */
	double h_rows, h_columns;
	/* sanity && min(h_rows, h_columns) >= h_initial / 2 */
	bool pass;
};

/*
 * The restart tests on m, rows x columns 8-bit samples in row order (row
 * i is restart i). bits as ts_ea_assess() takes it (0: inferred). The
 * estimates run whether or not the sanity check passes, so a report can
 * show both. row_mcv and column_mcv, when not NULL, receive each row's and
 * each column's most-common-value count (rows and columns entries).
 * progress as ts_ea_assess_progress() calls it, prefixed "rows." or
 * "columns.". Returns 0, or -1 with errno EINVAL (rows or columns < 2,
 * rows x columns x bits of 2^31 or more, bits > 8, a symbol wider than
 * bits, h_initial outside (0, 8] or above bits, as ea_restart refuses it)
 * or ENOMEM.
 */
int ts_ea_restart(const uint8_t *m, size_t rows, size_t columns, unsigned bits, double h_initial,
		  struct ts_ea_restart *r, uint32_t *row_mcv, uint32_t *column_mcv,
		  void (*progress)(const char *name, void *arg), void *arg);

/*
 * ts_ea_restart with the row dataset already assessed: rows_done, when it
 * is ts_ea_assess() of m itself at the bits the test uses (its bits and
 * samples say so), stands for the row estimate instead of a second run.
 */
int ts_ea_restart_rows_known(const uint8_t *m, size_t rows, size_t columns, unsigned bits,
			     double h_initial, const struct ts_ea_report *rows_done,
			     struct ts_ea_restart *r, uint32_t *row_mcv, uint32_t *column_mcv,
			     void (*progress)(const char *name, void *arg), void *arg);

/*
 * The binomial critical value of the sanity check: the smallest U with
 * P(X > U) <= alpha for X ~ Binomial(n, p). Exposed for the tests.
 */
uint32_t ts_ea_binomial_cutoff(uint32_t n, double p, double alpha);

#endif
