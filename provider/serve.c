// SPDX-License-Identifier: Apache-2.0
/*
 * Serving: every byte the provider hands out (get_seed, generate,
 * random_bytes) comes through ts_serve, one pool request each, with its
 * trace line and, on failure, an error naming the cause. The trace is on
 * with TIMINGSEED_DEBUG=1 or `trace = 1` in the provider's section.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef __linux__
#include <unistd.h> /* issetugid */
#endif

#include "timingseed/options.h"
#include "prov.h"

/* getenv, but nothing for a set-user-ID or set-group-ID program. */
static const char *env_secure(const char *name)
{
#ifdef __linux__
	return secure_getenv(name);
#else
	return issetugid() ? NULL : getenv(name); /* macOS, the BSDs: no secure_getenv */
#endif
}

int ts_trace_from_env(void)
{
	const char *v = env_secure("TIMINGSEED_DEBUG");

	return v != NULL && strcmp(v, "1") == 0;
}

int ts_trace_config(struct ts_provctx *pc, const char *value)
{
	bool on;

	if (ts_parse_bool(value, &on) != 0) {
		TS_RAISE(pc, TS_R_BAD_CONFIG, "trace: '%s' is not a boolean", value);
		return 0;
	}
	pc->trace |= on;
	return 1;
}

/*
 * The entropy is that of the bytes served (never more than 8 per byte);
 * the credited bits are what was hashed into their blocks, more (n_out +
 * 64 per full block, and the bytes of a last block not served).
 */
void ts_trace(const struct ts_provctx *pc, const char *what, const struct ts_seed_report *rep,
	      const char *detail)
{
	if (!pc->trace)
		return;
	if (rep->error[0] != '\0')
		fprintf(stderr, "timingseed: %s failed after %.3f ms: %s\n", what,
			rep->elapsed_ns / 1e6, rep->error);
	else
		fprintf(stderr,
			"timingseed: %s %zu bytes, %.1f bits of entropy (%zu asked%s), %.1f "
			"credited bits in %zu blocks, sources %s, %.3f ms\n",
			what, rep->bytes, rep->entropy_bits, rep->asked_bits,
			detail != NULL ? detail : "", rep->credited_bits, rep->blocks, rep->sources,
			rep->elapsed_ns / 1e6);
}

int ts_serve(const struct ts_provctx *pc, const char *what, unsigned char *out, size_t len,
	     size_t bits, const char *detail)
{
	struct ts_seed_report rep;
	int ok = ts_pool_seed_bits(pc->pool, out, len, bits, &rep) == 0;

	ts_trace(pc, what, &rep, detail);
	if (!ok)
		TS_RAISE(pc, TS_R_SEED_FAILED, "%s of %zu bytes: %s", what, len, rep.error);
	return ok;
}

int ts_broken(const struct ts_provctx *pc, char *buf, size_t len)
{
	struct ts_source_stats st[TS_MAX_SOURCES];
	size_t n, i, off = 0;

	if (len > 0)
		buf[0] = '\0';
	if (!ts_pool_broken(pc->pool))
		return 0;
	n = ts_pool_stats(pc->pool, st, TS_MAX_SOURCES);
	for (i = 0; i < n && off < len; i++)
		if (st[i].permanent)
			off += (size_t)snprintf(buf + off, len - off, "%s%s: %s", off ? "; " : "",
						st[i].name, st[i].last_failure);
	return 1;
}
