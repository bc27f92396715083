// SPDX-License-Identifier: Apache-2.0
/*
 * OpenSSL 3.5's random_provider: with `random_provider = timingseed` in
 * the [random] section, RAND_bytes and RAND_priv_bytes skip the DRBG
 * chain and call the provider's random_bytes. Every byte is then full
 * entropy straight from the pool, as get_seed serves it: slow (the pool
 * makes tens of KB/s, see docs/performance.md) but with no DRBG state to
 * attack. Built only against headers that have the function; OpenSSL 3.0
 * never asks for it.
 */
#include <openssl/core_dispatch.h>

#ifdef OSSL_FUNC_PROVIDER_RANDOM_BYTES

#include <stdint.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "prov.h"

int ts_random_bytes(void *provctx, int which, void *buf, size_t n, unsigned int strength)
{
	struct ts_provctx *pc = provctx;
	unsigned char *out = buf;
	const char *what =
		which == OSSL_PROV_RANDOM_PRIVATE ? "random_bytes private" : "random_bytes public";
	size_t done, len;

	if (strength > TS_STRENGTH) {
		TS_RAISE(pc, TS_R_STRENGTH_TOO_HIGH, "%s: asked %u bits, timingseed gives %d", what,
			 strength, TS_STRENGTH);
		return 0;
	}
	/* In requests of the size get_seed allows, each with its own deadline. */
	for (done = 0; done < n; done += len) {
		len = n - done < TS_MAX_REQUEST ? n - done : TS_MAX_REQUEST;
		if (!ts_serve(pc, what, out + done, len, SIZE_MAX, NULL)) {
			OPENSSL_cleanse(out, done);
			return 0;
		}
	}
	return 1;
}

#endif
