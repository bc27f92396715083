// SPDX-License-Identifier: Apache-2.0
/*
 * SP 800-90B 6.3.5 t-Tuple and 6.3.6 Longest Repeated Substring, both from
 * one suffix array.
 *
 * For every length t the two estimates need Q[t], the count of the most
 * common t-tuple, and S[t], the sum over distinct t-tuples of C(count, 2).
 * The tuples of length t that occur at least twice are exactly the LCP
 * intervals of the suffix array that have lcp >= t > (their parent's lcp),
 * and a tuple's count is its interval's width. A bottom-up walk of the LCP
 * intervals (one stack, linear time) therefore gives S by adding
 * C(width, 2) over each interval's range of t (a difference array), and Q
 * as the widest interval at depth >= t (a suffix maximum). ea_non_iid gets
 * the same two arrays from libdivsufsort and Kaufer's algorithm.
 *
 * The suffix array is built with SA-IS (Nong, Zhang and Chan 2009), the
 * LCP array with Kasai et al. 2001: O(n) time, about 16n bytes for n
 * symbols, plus 24 bytes per repeated length (n of them for periodic data).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "timingseed/ea.h"

#define ZALPHA_L	2.5758293035489008L
#define TUPLE_MIN_COUNT 35 /* t-tuple: only tuples seen this often */

/* --- SA-IS on an int32 text ending in a unique smallest sentinel 0 --- */

#define TGET(i) ((type[(i) >> 3] >> ((i)&7)) & 1)
#define TSET(i, v)                                                                                 \
	(type[(i) >> 3] = (uint8_t)((type[(i) >> 3] & ~(1u << ((i)&7))) | ((v) << ((i)&7))))
#define IS_LMS(i) ((i) > 0 && TGET(i) && !TGET((i)-1))

static void buckets(const int32_t *s, int32_t n, int32_t k, int32_t *bkt, bool end)
{
	int32_t i, sum = 0;

	memset(bkt, 0, (size_t)(k + 1) * sizeof(*bkt));
	for (i = 0; i < n; i++)
		bkt[s[i]]++;
	for (i = 0; i <= k; i++) {
		sum += bkt[i];
		bkt[i] = end ? sum : sum - bkt[i];
	}
}

static void induce(const int32_t *s, int32_t *sa, const uint8_t *type, int32_t n, int32_t k,
		   int32_t *bkt)
{
	int32_t i, j;

	buckets(s, n, k, bkt, false); /* L-type, left to right */
	for (i = 0; i < n; i++) {
		j = sa[i] - 1;
		if (j >= 0 && !TGET(j))
			sa[bkt[s[j]]++] = j;
	}
	buckets(s, n, k, bkt, true); /* S-type, right to left */
	for (i = n - 1; i >= 0; i--) {
		j = sa[i] - 1;
		if (j >= 0 && TGET(j))
			sa[--bkt[s[j]]] = j;
	}
}

/* s[0..n-1] over 0..k, s[n-1] = 0 and unique. sa gets n entries. */
static int sais(const int32_t *s, int32_t *sa, int32_t n, int32_t k)
{
	int32_t i, j, n1 = 0, name = 0, prev = -1, *bkt, *s1, *sa1;
	uint8_t *type = calloc((size_t)n / 8 + 1, 1);
	int ret = -1;

	bkt = malloc((size_t)(k + 1) * sizeof(*bkt));
	if (type == NULL || bkt == NULL)
		goto out;
	/* S-type (1) or L-type (0); the sentinel is S */
	TSET(n - 1, 1u);
	for (i = n - 2; i >= 0; i--)
		TSET(i, (unsigned)(s[i] < s[i + 1] || (s[i] == s[i + 1] && TGET(i + 1))));

	/* stage 1: sort the LMS substrings */
	buckets(s, n, k, bkt, true);
	for (i = 0; i < n; i++)
		sa[i] = -1;
	for (i = 1; i < n; i++)
		if (IS_LMS(i))
			sa[--bkt[s[i]]] = i;
	induce(s, sa, type, n, k, bkt);

	/* name them: equal LMS substrings get equal names */
	for (i = 0; i < n; i++)
		if (IS_LMS(sa[i]))
			sa[n1++] = sa[i];
	for (i = n1; i < n; i++)
		sa[i] = -1;
	for (i = 0; i < n1; i++) {
		int32_t pos = sa[i], d;
		bool diff = false;

		for (d = 0; d < n; d++) {
			if (prev == -1 || s[pos + d] != s[prev + d] ||
			    TGET(pos + d) != TGET(prev + d)) {
				diff = true;
				break;
			}
			if (d > 0 && (IS_LMS(pos + d) || IS_LMS(prev + d)))
				break;
		}
		if (diff) {
			name++;
			prev = pos;
		}
		sa[n1 + pos / 2] = name - 1;
	}
	for (i = n - 1, j = n - 1; i >= n1; i--)
		if (sa[i] >= 0)
			sa[j--] = sa[i];

	/* stage 2: sort the reduced string, recursively when names repeat */
	sa1 = sa;
	s1 = sa + n - n1;
	if (name < n1) {
		if (sais(s1, sa1, n1, name - 1) != 0)
			goto out;
	} else {
		for (i = 0; i < n1; i++)
			sa1[s1[i]] = i;
	}

	/* stage 3: induce the full order from the sorted LMS suffixes */
	buckets(s, n, k, bkt, true);
	for (i = 1, j = 0; i < n; i++)
		if (IS_LMS(i))
			s1[j++] = i;
	for (i = 0; i < n1; i++)
		sa1[i] = s1[sa1[i]];
	for (i = n1; i < n; i++)
		sa[i] = -1;
	for (i = n1 - 1; i >= 0; i--) {
		j = sa[i];
		sa[i] = -1;
		sa[--bkt[s[j]]] = j;
	}
	induce(s, sa, type, n, k, bkt);
	ret = 0;
out:
	free(type);
	free(bkt);
	return ret;
}

/*
 * Suffix array of s[0..n-1] (symbols < 2^k) into sa[0..n-1], and the LCP
 * array into lcp: lcp[i] = lcp(sa[i-1], sa[i]), lcp[0] = 0.
 */
static int sa_lcp(const uint8_t *s, int32_t n, unsigned k, int32_t *sa, int32_t *lcp)
{
	int32_t *t = malloc(((size_t)n + 1) * sizeof(*t)), *tsa, i, h = 0;
	int ret = -1;

	tsa = malloc(((size_t)n + 1) * sizeof(*tsa));
	if (t == NULL || tsa == NULL)
		goto out;
	for (i = 0; i < n; i++)
		t[i] = (int32_t)(s[i] & ((1u << k) - 1)) + 1;
	t[n] = 0;
	if (sais(t, tsa, n + 1, (int32_t)(1u << k)) != 0)
		goto out;
	memcpy(sa, tsa + 1, (size_t)n * sizeof(*sa)); /* drop the sentinel */

	/* Kasai: rank in t's space, then walk the text in order */
	for (i = 0; i < n; i++)
		t[sa[i]] = i;
	for (i = 0; i < n; i++) {
		int32_t r = t[i], j;

		if (r == 0) {
			h = 0;
			lcp[0] = 0;
			continue;
		}
		j = sa[r - 1];
		while (i + h < n && j + h < n && s[i + h] == s[j + h])
			h++;
		lcp[r] = h;
		if (h > 0)
			h--;
	}
	ret = 0;
out:
	free(t);
	free(tsa);
	return ret;
}

/*
 * max over t in [lo, hi] of x_t^(1/t), where x_t = num[t] / (n - t + 1)
 * (t-tuple) or num[t] / C(n - t + 1, 2) (LRS), computed with powl as
 * ea_non_iid does. Long periodic data makes the range as long as the data,
 * and powl costs about 1 us: a first pass ranks the t by log(x_t) / t in
 * double precision, and powl runs only on the t within 1e-9 of the best,
 * which must hold the true maximum (the ranking's error is about 1e-14).
 */
static double log_root(uint64_t num, int32_t t, size_t n, bool pairs)
{
	double m = (double)(n - (size_t)t + 1);

	return log((double)num / (pairs ? m * (m - 1) / 2 : m)) / t;
}

static long double root_max(const uint64_t *num, int32_t lo, int32_t hi, size_t n, bool pairs)
{
	long double pmax = -1;
	double best = -INFINITY;
	int32_t t;

	for (t = lo; t <= hi; t++)
		best = fmax(best, log_root(num[t], t, n, pairs));
	for (t = lo; t <= hi; t++) {
		long double m = (long double)(n - (size_t)t + 1), p;

		if (log_root(num[t], t, n, pairs) < best - 1e-9)
			continue;
		p = powl((long double)num[t] / (pairs ? m * (m - 1.0L) / 2.0L : m), 1.0L / t);
		if (p > pmax)
			pmax = p;
	}
	return pmax;
}

struct frame {
	int32_t lcp;
	int32_t lb;
};

int ts_ea_tuple_lrs(const uint8_t *s, size_t n, unsigned k, double *t_tuple, double *lrs)
{
	int32_t *sa = NULL, *lcp = NULL, v = 0, u, t, top, i;
	uint64_t *sum = NULL, *best = NULL;
	struct frame *st = NULL;
	long double pmax, pu;
	int ret = -1;

	*t_tuple = *lrs = -1;
	if (k < 1 || k > 8 || n >= INT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (n < 2)
		return 0;
	sa = malloc(n * sizeof(*sa));
	lcp = malloc(n * sizeof(*lcp));
	if (sa == NULL || lcp == NULL || sa_lcp(s, (int32_t)n, k, sa, lcp) != 0)
		goto nomem;
	free(sa);
	sa = NULL;
	for (i = 1; i < (int32_t)n; i++)
		if (lcp[i] > v)
			v = lcp[i];
	if (v == 0) {
		ret = 0; /* no symbol repeats */
		goto out;
	}

	/*
	 * Walk the LCP intervals bottom-up. Each popped interval of depth l,
	 * width w and parent depth p is the group of one repeated t-tuple for
	 * every t in (p, l].
	 */
	sum = calloc((size_t)v + 2, sizeof(*sum));
	best = calloc((size_t)v + 2, sizeof(*best));
	st = malloc(((size_t)v + 2) * sizeof(*st));
	if (sum == NULL || best == NULL || st == NULL)
		goto nomem;
	top = 0;
	st[0].lcp = 0;
	st[0].lb = 0;
	for (i = 1; i <= (int32_t)n; i++) {
		int32_t cur = i < (int32_t)n ? lcp[i] : 0, lb = i - 1;

		while (cur < st[top].lcp) {
			struct frame f = st[top--];
			uint64_t w = (uint64_t)(i - f.lb);
			int32_t parent = cur > st[top].lcp ? cur : st[top].lcp;

			sum[parent + 1] += w * (w - 1) / 2;
			sum[f.lcp + 1] -= w * (w - 1) / 2; /* modulo 2^64: fine */
			if (w > best[f.lcp])
				best[f.lcp] = w;
			lb = f.lb;
		}
		if (cur > st[top].lcp) {
			st[++top].lcp = cur;
			st[top].lb = lb;
		}
	}
	for (t = 1; t <= v; t++)
		sum[t] += sum[t - 1];
	for (t = v - 1; t >= 1; t--)
		if (best[t + 1] > best[t])
			best[t] = best[t + 1];
	/* now sum[t] = S[t] and best[t] = Q[t], for 1 <= t <= v */

	/* t-Tuple: the t with Q[t] >= 35 are 1 .. u - 1 */
	for (u = 1; u <= v && best[u] >= TUPLE_MIN_COUNT; u++)
		;
	pmax = u > 1 ? root_max(best, 1, u - 1, n, false) : -1;
	if (pmax > 0) {
		pu = pmax + ZALPHA_L * sqrtl(pmax * (1.0L - pmax) / (long double)(n - 1));
		*t_tuple = pu >= 1.0L ? 0.0 : (double)-log2l(pu);
	}

	/* LRS: lengths u .. v, the pair-collision probability per length */
	if (v >= u) {
		pmax = fmaxl(0, root_max(sum, u, v, n, true));
		pu = pmax + ZALPHA_L * sqrtl(pmax * (1.0L - pmax) / (long double)(n - 1));
		*lrs = pu >= 1.0L ? 0.0 : (double)-log2l(pu);
	}
	ret = 0;
	goto out;
nomem:
	errno = ENOMEM;
out:
	free(sa);
	free(lcp);
	free(sum);
	free(best);
	free(st);
	return ret;
}
