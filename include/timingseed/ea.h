/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SP 800-90B (January 2018) section 6.3 non-IID min-entropy estimators,
 * computed as NIST's reference tool (SP800-90B_EntropyAssessment,
 * ea_non_iid, initial entropy estimate, all bits) computes them.
 *
 * Units. Every estimator returns min-entropy in bits per symbol of its
 * input: 0..k for k-bit symbols, 0..1 for a bit string. An estimator that
 * cannot run on its input (too few samples for its windows or blocks, no
 * tuple seen 35 times, LRS shorter than the t-tuple range) returns a
 * negative value and is left out of the minimum, as ea_non_iid does; so
 * does one that runs out of memory, with errno ENOMEM. Symbols are bytes
 * below 2^k; bit strings hold one bit per byte (0 or 1), as ea_non_iid's
 * internal bit string does. All functions are reentrant.
 *
 * What ts_ea_assess() does, as `ea_non_iid -i -a FILE [bits]` does:
 *  - the word size is `bits`, or, when 0, the position of the highest bit
 *    set in any symbol (ea_non_iid's inference); a symbol that does not fit
 *    in `bits` is an error, and so is n * bits >= 2^31;
 *  - fewer than two distinct symbols: nothing runs, the minimum is 0;
 *  - exactly two distinct symbols: they are mapped to 0 and 1 (order kept)
 *    and all ten estimators run on that binary sequence; no bit string;
 *  - more: the seven estimators that take any alphabet (MCV, t-tuple, LRS,
 *    MultiMCW, Lag, MultiMMC, LZ78Y; the predictors' 1/k floor uses the
 *    number of distinct symbols) run on the symbols, giving H_original;
 *    the symbols are then written out as a bit string, `bits` bits each,
 *    most significant first, and all ten run on it, giving H_bitstring;
 *  - the estimate is min(bits, H_original, bits * H_bitstring) (90B 3.1.3).
 * The report lists each estimate in bits per sample: bit-string estimates
 * appear multiplied by `bits`, under "bitstring.<name>", so the minimum is
 * the smallest entry.
 *
 * Measured against known entropy (tests/test_ea.c, xoshiro256** data):
 *  - uniform bytes, n = 1e6: MCV 7.881, t-tuple 7.881, LRS 7.942, the
 *    predictors 7.908 to 7.947; bit string 0.892 (compression, binding:
 *    x8 = 7.137) to 0.9995; minimum 7.137. NIST's truerand_8bit.bin (the
 *    same kind of data, n = 1e6) gives MCV 7.865, compression 0.904 and
 *    7.234 in NIST's self-test results. On /dev/urandom a pair of bytes seen
 *    35 times can let t-tuple bind at 7.35: that is the standard's rule.
 *  - one byte value with p = 0.5, the rest uniform, n = 2e5: MCV 0.990
 *    (true 1; 0.992 is the bound's own margin), minimum 0.965 (t-tuple).
 *  - a 50-byte block repeated, n = 1e5: t-tuple and LRS 0, Lag and MultiMMC
 *    0.00007, LZ78Y 0.028 (MCV alone: 4.59); minimum 0.
 *  - constant data: 0.
 *  - bits, n = 2e5: fair: MCV 0.989, minimum 0.818 (collision; true 1);
 *    P(1) = 0.25: MCV and the predictors 0.408 (true 0.415), minimum 0.245
 *    (compression); a chain that keeps its bit with p = 0.9: Markov 0.158,
 *    Lag, MultiMMC and LZ78Y 0.150 (true rate 0.152), minimum 0.077
 *    (collision). The standard's estimators err low, never high, here.
 * Checked against NIST's numbers: the predictors' last steps and the
 * compression bisection reproduce NIST's self-test results (ringOsc,
 * truerand, data.pi) to the last digit; the predictors, t-tuple and LRS
 * were checked equal to straight transcriptions of ea_non_iid's loops and
 * to naive tuple counts on 2-, 4- and 8-bit and binary data.
 *
 * Where the computation differs from ea_non_iid (same results otherwise;
 * the comments in pool/ea/ say more):
 *  - t-tuple and LRS: counts come from a suffix array built with SA-IS and
 *    an LCP array, read through a bottom-up walk of the LCP intervals, not
 *    from libdivsufsort and Kaufer's algorithm; the counts are the same.
 *    powl runs only where it can give the maximum (periodic data has
 *    millions of lengths to try); the maximum is the same;
 *  - MultiMMC and LZ78Y keep their dictionaries in direct tables or hash
 *    tables instead of std::map, and Lag on bit strings reads its matches
 *    off a 128-bit history word: same predictions, same counts. In the
 *    first 16 symbols, where ea_non_iid's own binary and non-binary
 *    MultiMMC disagree (a count set to 1 or incremented), both of ours
 *    follow the non-binary code;
 *  - collision and compression clamp a rounding-negative variance to 0
 *    instead of taking its square root (NaN in ea_non_iid).
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
 * The whole section 6.3 assessment (see above). bits = 0 infers the word
 * size. Returns 0, or -1 with errno EINVAL (bits > 8, a symbol wider than
 * bits, n < 2) or ENOMEM. progress, when not NULL, is called with each
 * estimator's report name before it runs.
 */
int ts_ea_assess(const uint8_t *sym, size_t n, unsigned bits, struct ts_ea_report *r);
int ts_ea_assess_progress(const uint8_t *sym, size_t n, unsigned bits, struct ts_ea_report *r,
			  void (*progress)(const char *name, void *arg), void *arg);

/*
 * The estimate the pool runs on a source's startup samples (8-bit
 * symbols, TS_STARTUP_SAMPLES of them), in bits per sample: the minimum of
 * MCV, Lag, t-tuple and LRS on the symbols and of 8 x (MCV, collision,
 * Markov) on their bit string; about 0.1 ms for 1024 samples. Lag, LRS and
 * Markov see dependence that MCV cannot: repeats within 128 samples, any
 * long repeated stretch (a counter, a cycle), bit-to-bit correlation. The
 * others cannot run on so few samples (compression > 6000 bits, MultiMCW
 * > 4095 symbols) or cost about 1 ms each per start (MultiMMC, LZ78Y).
 */
double ts_ea_startup(const uint8_t *sym, size_t n);

/*
 * Building blocks shared by the estimator files (pool/ea/), exposed for
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
