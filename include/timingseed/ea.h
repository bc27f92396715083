/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SP 800-90B (January 2018) section 6.3 non-IID min-entropy estimators,
 * computed as NIST's ea_non_iid computes them. A library of its own: the
 * pool runs ts_ea_startup() in its startup test, the CLI the whole
 * assessment; nothing here knows of either. docs/estimators.md has what
 * was measured against known entropy and where the computation differs
 * from ea_non_iid.
 *
 * Units. Every estimator returns min-entropy in bits per symbol of its
 * input: 0..k for k-bit symbols, 0..1 for a bit string. An estimator that
 * cannot run on its input (too few samples for its windows or blocks, no
 * tuple seen 35 times, LRS shorter than the t-tuple range) returns a
 * negative value and is left out of the minimum, as ea_non_iid does; so
 * does one that runs out of memory, with errno ENOMEM. Symbols are bytes
 * below 2^k; bit strings hold one bit per byte (0 or 1), as ea_non_iid's
 * internal bit string does. All functions are reentrant.
 */
#ifndef TIMINGSEED_EA_H
#define TIMINGSEED_EA_H

#include <stddef.h>
#include <stdint.h>

#define TS_EA_MAX_EST 32

/* 6.3.1 Most Common Value, k-bit symbols (k <= 8). */
double ts_ea_mcv(const uint8_t *s, size_t n, unsigned k);

/* 6.3.2 Collision, 6.3.3 Markov, 6.3.4 Compression: bit strings only. */
double ts_ea_collision(const uint8_t *b, size_t n);
double ts_ea_markov(const uint8_t *b, size_t n);
double ts_ea_compression(const uint8_t *b, size_t n);

/*
 * 6.3.5 t-Tuple and 6.3.6 LRS from one suffix array: either result may be
 * negative (cannot run). Returns 0, or -1 with errno ENOMEM, or EINVAL
 * (k > 8, n >= 2^31).
 */
int ts_ea_tuple_lrs(const uint8_t *s, size_t n, unsigned k, double *t_tuple, double *lrs);

/* 6.3.7 to 6.3.10, the predictors: k-bit symbols, or bit strings (k = 1). */
double ts_ea_multi_mcw(const uint8_t *s, size_t n, unsigned k);
double ts_ea_lag(const uint8_t *s, size_t n, unsigned k);
double ts_ea_multi_mmc(const uint8_t *s, size_t n, unsigned k);
double ts_ea_lz78y(const uint8_t *s, size_t n, unsigned k);

struct ts_ea_report {
	size_t count; /* entries in est[], in the order of the standard */
	struct {
		const char *name; /* "mcv", ..., "bitstring.mcv", ... */
		double h;	  /* bits per sample */
	} est[TS_EA_MAX_EST];
	double min;	    /* min(bits, h_original, bits * h_bitstring) */
	double h_original;  /* bits per sample; 0 when one symbol only */
	double h_bitstring; /* bits per bit, or -1 when no bit string ran */
	unsigned bits;	    /* word size used */
	unsigned alphabet;  /* distinct symbols seen */
	size_t samples;
};

/*
 * The whole section 6.3 assessment, as `ea_non_iid -i -a FILE [bits]`
 * makes it: estimators on the symbols and on their bit string, minimum
 * min(bits, h_original, bits * h_bitstring) (docs/estimators.md says which
 * run when). bits = 0 infers the word size as ea_non_iid does. Returns 0,
 * or -1 with errno EINVAL (bits > 8, a symbol wider than bits, n < 2) or
 * ENOMEM. progress, when not NULL, is called with each estimator's report
 * name before it runs.
 */
int ts_ea_assess(const uint8_t *sym, size_t n, unsigned bits, struct ts_ea_report *r);
int ts_ea_assess_progress(const uint8_t *sym, size_t n, unsigned bits, struct ts_ea_report *r,
			  void (*progress)(const char *name, void *arg), void *arg);

/*
 * A quick estimate for a startup test on few 8-bit symbols (1024 take
 * about 0.1 ms), in bits per sample: the minimum of MCV, Lag, t-tuple and
 * LRS on the symbols and of 8 x (MCV, collision, Markov) on their bit
 * string (docs/estimators.md says why these). 0 when out of memory.
 */
double ts_ea_startup(const uint8_t *sym, size_t n);

/*
 * Building blocks shared by the estimator files (ea/), exposed for
 * the tests; callers want the functions above.
 *
 * ts_ea_predictor_h: the predictors' last steps (6.3.7 step 5 ff.): C
 * correct of N predictions, longest run of correct ones r, alphabet size k:
 * -log2(max(P_global', P_local, 1/k)); k is ts_ea_distinct() of the input.
 *
 * ts_ea_search_p: NIST's guarded bisection for the p in [lo, hi] where the
 * decreasing function f reaches target; returns fail when the target lies
 * outside f's range as the search finds it (as ea_non_iid does).
 */
unsigned ts_ea_distinct(const uint8_t *s, size_t n);
double ts_ea_predictor_h(uint64_t c, uint64_t n, uint64_t r, unsigned k);
double ts_ea_search_p(double (*f)(double p, const void *arg), const void *arg, double target,
		      double lo, double hi, double fail);

#endif
