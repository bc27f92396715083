// SPDX-License-Identifier: Apache-2.0
/*
 * Collection for the pool: exactly n samples of a source into the pool's
 * buffer within a deadline, its sample rate kept current, and the faults
 * `selftest --induce` lays over real samples.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "timingseed/ea.h"
#include "timingseed/source.h"
#include "timingseed/tick.h"
#include "pool_int.h"

void pool_wipe_buf(struct ts_pool *p, size_t n)
{
	OPENSSL_cleanse(p->buf, n * sizeof(*p->buf));
}

/*
 * An induced fault over real samples (selftest --induce), inside the
 * collection path so every test downstream sees it. Stuck: every sample
 * is the first one. Biased: the first sample's value everywhere but at
 * every m-th sample, a real sample made to differ, m the RCT cutoff at the
 * cap: runs stay just short of the RCT, so the APT is the test that must
 * catch it. Where the APT cannot fail at that credit (cutoff above W),
 * nothing breaks the runs and the RCT catches it.
 */
static void apply_fault(struct slot *sl, uint64_t *b, size_t n)
{
	unsigned int m = ts_rct_cutoff(sl->cap, TS_HEALTH_ALPHA_LOG2);
	size_t i;

	if (ts_apt_cutoff(sl->cap, TS_APT_WINDOW, TS_HEALTH_ALPHA_LOG2) > TS_APT_WINDOW)
		m = UINT32_MAX;
	for (i = 0; i < n; i++) {
		if (!sl->induce_have) {
			sl->induce_value = b[i];
			sl->induce_have = true;
		}
		if (sl->induce == TS_FAULT_STUCK || sl->induce_i++ % m != m - 1)
			b[i] = sl->induce_value;
		else if (ts_symbol(b[i]) == ts_symbol(sl->induce_value))
			b[i] ^= 1;
	}
}

/* Collect exactly n samples into p->buf unless the deadline passes first. */
long pool_collect(struct ts_pool *p, struct slot *sl, size_t n, uint64_t deadline)
{
	uint64_t t0 = ts_now_ns();
	size_t got = 0;

	while (got < n) {
		long r = sl->src->collect(sl->cfg, p->buf + got, n - got, deadline);

		if (r < 0) {
			snprintf(sl->why, sizeof(sl->why), "collection failed: %s",
				 strerror((int)-r));
			return r;
		}
		if (sl->induce != TS_FAULT_NONE)
			apply_fault(sl, p->buf + got, (size_t)r);
		got += (size_t)r;
		if (got < n && ts_now_ns() >= deadline)
			break;
	}
	/*
	 * The rate, kept current (pool_int.h): a fresh one averaged in, a
	 * stale one replaced; small collections only give a first figure.
	 */
	if (got > 0 && (got >= RATE_MIN_SAMPLES || sl->ns_per_sample == 0)) {
		uint64_t now = ts_now_ns();
		double ns = (double)(now - t0) / got;

		sl->ns_per_sample = sl->ns_per_sample == 0 || now - sl->rate_at >= RATE_STALE_NS
					    ? ns
					    : 0.8 * sl->ns_per_sample + 0.2 * ns;
		sl->rate_at = now;
	}
	return (long)got;
}
