/* SPDX-License-Identifier: Apache-2.0 */
/*
 * timingseed check, in three parts: what the file says (check_conf.c),
 * what OpenSSL does with it in fresh library contexts (check_probe.c), and
 * the verdict with its explanation (cmd_check.c).
 */
#ifndef TS_TOOLS_CHECK_H
#define TS_TOOLS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/conf.h>
#include <openssl/types.h>

#include "cli.h"

#define CHECK_SEED_NAME	    "TIMING-SEED"
#define CHECK_PROVIDER_NAME "timingseed"
#define CHECK_MODULE_FILE   TS_MODULE_FILE
#define CHECK_ERRLEN	    1024

/* What the file says, as OpenSSL's config modules would read it. */
struct conf_view {
	char error[CHECK_ERRLEN];    /* the file cannot be parsed */
	const char *init;	     /* openssl_conf */
	const char *random;	     /* init: random = SECTION */
	const char *seed;	     /* [random] seed */
	const char *props;	     /* [random] seed_properties */
	const char *random_provider; /* [random] random_provider (3.5+) */
	const char *provs;	     /* init: providers = SECTION */
	const char *ts_name;	     /* timingseed's entry in [providers] */
	const char *ts_sect;
	const char *ts_module;
	const char *ts_activate;
	bool default_listed; /* [providers] lists default */
	bool fips_listed;    /* [providers] lists fips (by name or fips.so) */
	int nproviders;
	/* Order of the random and providers lines in the init section (-1: absent). */
	int random_pos, provs_pos;
};

/* Reads file into conf and fills v; v->error says why when it cannot. */
void check_read_conf(CONF *conf, const char *file, struct conf_view *v);

/* A value the provider's boolean keys take as true (ts_parse_bool). */
bool check_truthy(const char *v);

/*
 * A fresh library context with the config loaded, as an application that
 * reads it would have it, and the timingseed providers active in it.
 */
struct probe {
	OSSL_LIB_CTX *libctx;
	bool loaded;
	char loaderr[CHECK_ERRLEN]; /* OpenSSL's errors from loading */
	OSSL_PROVIDER *ts[8];
	size_t nts;
};

bool probe_open(struct probe *p, const char *file);
void probe_close(struct probe *p);
/* Samples timingseed has served in p's context so far (every source). */
uint64_t probe_samples(const struct probe *p, double *credited_bits);
bool probe_is_timingseed(const OSSL_PROVIDER *prov);

/*
 * What one way of asking for random numbers drew from timingseed, as the
 * first use of randomness in a fresh context: `first` samples for the
 * first call, `again` for a second one (nonzero only when timingseed serves
 * every call itself, as with random_provider = timingseed).
 */
enum path { PATH_PUBLIC, PATH_PRIVATE, PATH_KEYGEN };
struct path_result {
	bool ran; /* the context could be made and the call attempted */
	bool ok;  /* the call succeeded */
	uint64_t first, again;
	char err[CHECK_ERRLEN];
};
void probe_path(const char *file, enum path path, struct path_result *r);
const char *path_name(enum path path);

/*
 * While the checks run, TIMINGSEED_DEBUG is on and stderr goes to a
 * temporary file: the provider's trace says why it refused to load
 * (OpenSSL's config loader drops that error) and shows each seed it
 * served.
 */
struct capture {
	FILE *tmp;
	int saved;
	char *old_debug;
	char refused[CHECK_ERRLEN];  /* "timingseed: not loaded: <why>" */
	char trace[8][CHECK_ERRLEN]; /* the first other "timingseed: " lines */
	int ntrace, nmore;
};
void capture_start(struct capture *c);
void capture_end(struct capture *c);

#endif
