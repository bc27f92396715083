// SPDX-License-Identifier: Apache-2.0
/*
 * timingseed seed [-n BYTES] [--hex]
 *
 * Conditioned full-entropy bytes straight from the pool, for output tests
 * (rngtest, dieharder -g 200, ent). Raw bytes on stdout by default, hex
 * with --hex. A large -n is served in requests of at most REQUEST bytes,
 * each one as a DRBG's get_seed would be: when a request fails, nothing of
 * it is written and the pool's reason goes to stderr with exit status 1.
 * Bytes already written before the failure were full entropy.
 *
 * Each request is TS_MAX_REQUEST bytes (4096), TIMING-SEED's max_request:
 * 128 blocks, which the pool serves in about 0.1 s on the 2-core reference
 * VM (`timingseed bench`), well within its per-request deadline (2000 ms
 * by default).
 *
 * Progress on stderr when it is a terminal and the run takes more than a
 * second (progress.h); stdout carries the bytes only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "timingseed/pool.h"
#include "cli.h"
#include "progress.h"

#define REQUEST	  TS_MAX_REQUEST
#define MAX_BYTES (1ULL << 40)

static int write_hex(const unsigned char *p, size_t n, char *tmp)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		tmp[2 * i] = digits[p[i] >> 4];
		tmp[2 * i + 1] = digits[p[i] & 0xf];
	}
	return fwrite(tmp, 1, 2 * n, stdout) == 2 * n ? 0 : -1;
}

int cmd_seed(int argc, char **argv)
{
	static unsigned char buf[REQUEST];
	static char hex[2 * REQUEST];
	struct ts_seed_report rep;
	struct cli_progress pr;
	struct ts_pool *pool;
	uint64_t n = 32, done = 0;
	bool use_hex = false;
	int a, ret = 1;

	for (a = 1; a < argc; a++) {
		const char *arg = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;

		if (strcmp(arg, "-n") == 0) {
			if (cli_parse_count("-n", val, MAX_BYTES, &n) != 0)
				return 2;
			a++;
		} else if (strcmp(arg, "--hex") == 0) {
			use_hex = true;
		} else {
			return cli_usage_error("seed: unknown argument '%s' "
					       "(usage: timingseed seed [-n BYTES] [--hex])",
					       arg);
		}
	}
	/* Unbuffered: no copy of the output lingers in stdio's buffer. */
	setvbuf(stdout, NULL, _IONBF, 0);
	pool = ts_pool_new();
	if (pool == NULL)
		return cli_usage_error("seed: cannot create the pool");

	cli_progress_init(&pr, "seed", 1000, 1000);
	/* Bytes going to the same terminal: a \r line would write over them. */
	if (isatty(STDOUT_FILENO) == 1)
		pr.tty = false;
	while (done < n) {
		size_t want = n - done < REQUEST ? (size_t)(n - done) : REQUEST;
		int w;

		if (ts_pool_seed(pool, buf, want, &rep) != 0) {
			/* The pool has wiped buf: nothing weak is written. */
			cli_usage_error("seed: request of %zu bytes failed after %llu of %llu "
					"bytes: %s",
					want, (unsigned long long)done, (unsigned long long)n,
					rep.error);
			goto out;
		}
		w = use_hex ? write_hex(buf, want, hex)
			    : (fwrite(buf, 1, want, stdout) == want ? 0 : -1);
		OPENSSL_cleanse(buf, want);
		if (use_hex)
			OPENSSL_cleanse(hex, 2 * want);
		if (w != 0) {
			cli_usage_error("seed: writing to stdout failed: %s", strerror(errno));
			goto out;
		}
		done += want;
		cli_progress(&pr, "%llu/%llu bytes (%.0f%%)", (unsigned long long)done,
			     (unsigned long long)n, 100.0 * done / n);
	}
	cli_progress_end(&pr);
	if (use_hex)
		putchar('\n');
	if (fflush(stdout) != 0) {
		cli_usage_error("seed: writing to stdout failed: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	ts_pool_free(pool);
	return ret;
}
