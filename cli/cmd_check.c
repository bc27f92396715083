// SPDX-License-Identifier: Apache-2.0
/*
 * timingseed check [--config FILE]
 *
 * Does OpenSSL really draw its randomness from TIMING-SEED under this
 * config? OpenSSL never says: when the configured seed cannot be fetched,
 * 3.x silently seeds from its OS source and 4.0 refuses to start its DRBG;
 * and with the FIPS provider loaded, 3.5+ hands RAND_bytes to the FIPS
 * module's own DRBGs, which need not be seeded from the configured seed at
 * all. So this proves it end to end, each way an application asks for
 * random numbers as the first use of randomness in a fresh library context
 * (check_probe.c):
 *
 *  1. read the file as OpenSSL does (check_conf.c), for the explanation;
 *  2. load it into a library context, find the timingseed provider among
 *     the activated ones and fetch the configured seed;
 *  3. make the context's primary DRBG (which instantiates it from its
 *     seed) and reseed it with prediction resistance;
 *  4. RAND_bytes and RAND_priv_bytes, each the first call in a context of
 *     its own; with the FIPS provider active, also a key generation.
 *
 * timingseed's per-source sample counters, read around each step, go up
 * only if that step drew on TIMING-SEED: they decide the verdict, the rest
 * explains it.
 *
 * Without --config the file is the one OpenSSL reads by default
 * (OPENSSL_CONF, else OPENSSLDIR/openssl.cnf). The module is found as an
 * application would find it: OPENSSL_MODULES, or libcrypto's modulesdir,
 * or the section's `module`.
 *
 * Exit status: 0 seeded by timingseed, 1 not (with the reason), 2 the
 * check could not run (bad arguments, no such file).
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "check.h"
#include "cli.h"

#define SEED_NAME     CHECK_SEED_NAME
#define PROVIDER_NAME CHECK_PROVIDER_NAME

static void line(const char *label, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void line(const char *label, const char *fmt, ...)
{
	va_list ap;

	printf("%-15s ", label);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static const char *or_none(const char *s)
{
	return s ? s : "(none)";
}

/*
 * Why timingseed.so could not be loaded, when its provider refused
 * nothing: the path OpenSSL tries, and what the dynamic loader says.
 */
static void why_unloadable(const struct conf_view *v, char *buf, size_t len)
{
	const char *env = getenv("OPENSSL_MODULES"), *dir, *mod = v->ts_module;
	const char *name = v->ts_name ? v->ts_name : CHECK_PROVIDER_NAME;
	char path[PATH_MAX + 64], moddir[PATH_MAX];
	void *h;

	if (env != NULL && *env != '\0') {
		snprintf(moddir, sizeof(moddir), "%s", env);
	} else {
		/* 'MODULESDIR: "/usr/lib/x86_64-linux-gnu/ossl-modules"' */
		const char *q = strchr(OpenSSL_version(OPENSSL_MODULES_DIR), '"');

		snprintf(moddir, sizeof(moddir), "%s",
			 q ? q + 1 : OpenSSL_version(OPENSSL_MODULES_DIR));
		moddir[strcspn(moddir, "\"")] = '\0';
	}
	dir = moddir;
	if (mod != NULL && mod[0] == '/')
		snprintf(path, sizeof(path), "%s", mod);
	else if (mod != NULL)
		snprintf(path, sizeof(path), "%s/%s", dir, mod);
	else
		snprintf(path, sizeof(path), "%s/%s" TS_MODULE_EXT, dir, name);
	if (access(path, F_OK) != 0) {
		snprintf(buf, len,
			 "%s does not exist (%s). Set OPENSSL_MODULES to the directory that "
			 "holds " TS_MODULE_FILE ", or `module = /path/to/" TS_MODULE_FILE
			 "` in [%s].",
			 path,
			 mod && mod[0] == '/' ? "module in the config"
			 : env && *env	      ? "OPENSSL_MODULES"
				       : "libcrypto's modulesdir; OPENSSL_MODULES is not set",
			 v->ts_sect);
		return;
	}
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		snprintf(buf, len, "%s cannot be loaded: %s", path, dlerror());
		return;
	}
	dlclose(h);
	snprintf(buf, len, "%s loads, but OpenSSL could not start it as a provider.", path);
}

/* What an application gets when the configured seed cannot be fetched. */
static const char *unfetched_consequence(void)
{
	if (OpenSSL_version_num() >= 0x40000000L)
		return "OpenSSL 4.0 and later refuse to start the DRBG then: an "
		       "application's RAND_bytes fails (\"unable to fetch drbg\").";
	return "OpenSSL 3.x does not report this: its primary DRBG seeds from the OS "
	       "source (SEED-SRC) instead.";
}

static int verdict_no(const char *why, const char *hint, const char *consequence)
{
	printf("\nNO: %s\n", why);
	if (hint != NULL && *hint)
		printf("    %s\n", hint);
	if (consequence != NULL)
		printf("    %s\n", consequence);
	return 1;
}

/* What the explanation draws on. */
struct facts {
	const struct conf_view *v;
	const char *seed, *props;
	EVP_RAND *seed_rand; /* what the seed name fetches, or NULL */
	const char *seed_prov;
	bool seed_is_ts;
	bool fips_default; /* the default properties hold fips=yes */
	size_t nts;	   /* timingseed providers active */
	const struct capture *cap;
	const char *loaderr, *fetcherr;
};

/* "provider=timingseed" with ",-fips" when the default properties need it. */
static void props_advice(const struct facts *f, char *hint, size_t len)
{
	const char *want =
		f->fips_default ? "provider=" PROVIDER_NAME ",-fips" : "provider=" PROVIDER_NAME;

	if (f->props != NULL && strcmp(f->props, want) == 0)
		snprintf(hint, len,
			 "seed_properties already says %s: the fetch error above is the "
			 "cause.",
			 want);
	else if (f->fips_default)
		snprintf(hint, len,
			 "The default properties hold fips=yes, which joins every fetch "
			 "without a fips clause of its own, and TIMING-SEED is no FIPS "
			 "algorithm: use seed_properties = %s.",
			 want);
	else
		snprintf(hint, len, "Use seed_properties = %s.", want);
}

/*
 * Why the seed the file configures is not TIMING-SEED from an active
 * timingseed provider; false when it is.
 */
static bool why_not_fetched(const struct facts *f, char *why, size_t wlen, char *hint, size_t hlen)
{
	const struct conf_view *v = f->v;

	hint[0] = '\0';
	if (v->init == NULL) {
		snprintf(why, wlen,
			 "the file has no openssl_conf line, so OpenSSL applies "
			 "none of it; the seed is the default SEED-SRC.");
		snprintf(hint, hlen, "Start from openssl.cnf.example.");
	} else if (v->random == NULL || v->seed == NULL) {
		snprintf(why, wlen,
			 "%s%s%s names no seed, so the primary DRBG uses the "
			 "default SEED-SRC (the OS source).",
			 v->random ? "[" : "the config has no random section: [",
			 v->random ? v->random : v->init, v->random ? "] has no `seed` and" : "]");
		snprintf(hint, hlen,
			 "Add `random = random_sect` to [%s] and a [random_sect] with "
			 "seed = " SEED_NAME " and seed_properties = provider=" PROVIDER_NAME ".",
			 v->init);
	} else if (v->random_provider != NULL && OpenSSL_version_num() < 0x30500000L) {
		snprintf(why, wlen,
			 "[%s] has random_provider, which %s does not know: it drops the "
			 "whole random section, seed included.",
			 v->random, OpenSSL_version(OPENSSL_VERSION));
		snprintf(hint, hlen, "Remove random_provider from [%s] (it needs 3.5 or later).",
			 v->random);
	} else if (f->seed_rand != NULL && f->seed_is_ts) {
		return false;
	} else if (f->seed_rand != NULL) {
		snprintf(why, wlen, "seed = %s is %s from provider '%s', not timingseed.", f->seed,
			 EVP_RAND_get0_name(f->seed_rand), f->seed_prov);
		snprintf(hint, hlen, "Use seed = " SEED_NAME ".");
	} else if (strcasecmp(f->seed, SEED_NAME) != 0) {
		snprintf(why, wlen,
			 "seed = %s: no RAND of that name in the activated providers "
			 "(misspelt? timingseed registers " SEED_NAME ").",
			 f->seed);
		snprintf(hint, hlen,
			 "Use seed = " SEED_NAME " and seed_properties = provider=" PROVIDER_NAME
			 ".");
	} else if (f->nts == 0 && v->ts_name == NULL) {
		snprintf(why, wlen,
			 "the config names %s as the seed but does not activate the "
			 "timingseed provider (%s).",
			 f->seed, v->provs ? "not in [providers]" : "no providers section");
		snprintf(hint, hlen,
			 "It is used only if the application loads the provider itself "
			 "before its first random number (openssl ... -provider "
			 "timingseed); loaded later, or not at all, the seed is not "
			 "fetched. Add timingseed = timingseed_sect with activate = 1.");
	} else if (f->nts == 0 && !check_truthy(v->ts_activate)) {
		snprintf(why, wlen,
			 "[%s] lists timingseed but [%s] has %s: the provider is never "
			 "activated.",
			 v->provs, v->ts_sect,
			 v->ts_activate ? "activate set to false" : "no `activate = 1`");
		snprintf(hint, hlen,
			 "Add activate = 1 to [%s] (or the application must load it "
			 "before its first random number).",
			 v->ts_sect);
	} else if (f->nts == 0 && f->cap->refused[0]) {
		snprintf(why, wlen, TS_MODULE_FILE " loaded but refused to start: %s",
			 f->cap->refused);
		snprintf(hint, hlen, "Fix that key in [%s].", v->ts_sect);
	} else if (f->nts == 0 && v->random_provider != NULL &&
		   strcmp(v->random_provider, v->ts_name) == 0 && v->provs_pos >= 0 &&
		   v->provs_pos < v->random_pos) {
		/* rand_lib.c: random_conf_init unloads the provider it finds. */
		snprintf(why, wlen,
			 "random_provider = %s is read after [%s] has activated the "
			 "providers, and OpenSSL then deactivates the provider that key "
			 "names (openssl/openssl issue 31699): timingseed is not active.",
			 v->random_provider, v->provs);
		snprintf(hint, hlen, "Put `random = %s` before `providers = %s` in [%s].",
			 v->random, v->provs, v->init);
	} else if (f->nts == 0) {
		why_unloadable(v, hint, hlen);
		snprintf(why, wlen,
			 "the timingseed provider could not be activated: " TS_MODULE_FILE " "
			 "cannot be loaded%s%s.",
			 f->loaderr[0] ? ": " : "", f->loaderr);
	} else {
		snprintf(why, wlen,
			 "seed_properties '%s' matches no " SEED_NAME " implementation: %s",
			 or_none(f->props),
			 f->fetcherr[0] ? f->fetcherr : "no detail from OpenSSL");
		props_advice(f, hint, hlen);
	}
	return true;
}

/*
 * RAND_bytes or RAND_priv_bytes does not draw on timingseed although the
 * primary DRBG does: with the FIPS provider, OpenSSL 3.5+ sends them to the
 * FIPS module's own DRBGs unless random_provider says otherwise.
 */
static void why_paths(const struct facts *f, bool fips_active, const char *which, char *why,
		      size_t wlen, char *hint, size_t hlen)
{
	const struct conf_view *v = f->v;

	hint[0] = '\0';
	if (fips_active && v->random_provider == NULL) {
		snprintf(why, wlen,
			 "%s draw from TIMING-SEED: with the fips provider loaded, "
			 "OpenSSL hands RAND_bytes and RAND_priv_bytes to the FIPS module's "
			 "own DRBGs (random_provider defaults to fips), whose first seed "
			 "comes from the OS.",
			 which);
		snprintf(hint, hlen,
			 "Add `random_provider = none` to [%s] (no provider has that name, "
			 "so they use the DRBGs seeded from TIMING-SEED), with `random = %s` "
			 "before `providers = ...` in [%s]: see openssl-fips.cnf.example.",
			 v->random, v->random, v->init);
	} else if (fips_active && v->provs_pos >= 0 && v->provs_pos < v->random_pos) {
		snprintf(why, wlen,
			 "%s draw from TIMING-SEED: [%s] sets random_provider = %s "
			 "only after the fips provider has taken RAND_bytes over.",
			 which, v->random, v->random_provider);
		snprintf(hint, hlen, "Put `random = %s` before `providers = %s` in [%s].",
			 v->random, v->provs, v->init);
	} else {
		snprintf(why, wlen,
			 "%s draw from TIMING-SEED, although the primary DRBG "
			 "does%s%s.",
			 which, v->random_provider ? ": random_provider = " : "",
			 v->random_provider ? v->random_provider : "");
	}
}

static void show_path(enum path path, const struct path_result *r)
{
	if (!r->ran)
		line(path_name(path), "not tried: %s", r->err);
	else if (!r->ok)
		line(path_name(path), "failed: %s", r->err[0] ? r->err : "no detail from OpenSSL");
	else if (r->again > 0)
		line(path_name(path),
		     "drew %llu samples from timingseed, and %llu more on the next call "
		     "(served by timingseed itself)",
		     (unsigned long long)r->first, (unsigned long long)r->again);
	else
		line(path_name(path),
		     "as the first use in a fresh context: drew %llu samples "
		     "from timingseed",
		     (unsigned long long)r->first);
}

int cmd_check(int argc, char **argv)
{
	const char *file = NULL, *from = "--config";
	char *deffile = NULL, fetcherr[CHECK_ERRLEN], primerr[CHECK_ERRLEN];
	char why[2 * CHECK_ERRLEN + 256], hint[PATH_MAX + 512], path[PATH_MAX];
	struct path_result pub, priv, keygen;
	EVP_RAND_CTX *primary = NULL;
	const OSSL_PROVIDER *seed_prov = NULL;
	struct conf_view v;
	struct probe p = {0};
	struct facts f = {0};
	struct capture cap;
	uint64_t s0 = 0, s1 = 0, s2 = 0;
	double b0 = 0, b1 = 0, b2 = 0;
	bool reseeded = false, fips_active, primary_ok, paths_ok;
	CONF *conf = NULL;
	int a, ret = 2;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--config") == 0 && a + 1 < argc)
			file = argv[++a];
		else
			return cli_usage_error("check: unknown argument '%s' "
					       "(usage: timingseed check [--config FILE])",
					       argv[a]);
	}
	if (file == NULL) {
		deffile = CONF_get1_default_config_file();
		file = deffile;
		from = getenv("OPENSSL_CONF") ? "OPENSSL_CONF" : "OpenSSL's default config";
		if (file == NULL)
			return cli_usage_error("check: no config file: give --config FILE");
	}
	if (access(file, R_OK) != 0) {
		ret = cli_usage_error("check: cannot read config '%s' (%s): %s", file, from,
				      strerror(errno));
		goto out;
	}
	/*
	 * The provider reads its own section of the default config file for
	 * unknown keys (provider/config.c): make that the file checked, as
	 * for an application run with OPENSSL_CONF=FILE.
	 */
	if (strcmp(from, "--config") == 0 && setenv("OPENSSL_CONF", file, 1) != 0) {
		ret = cli_usage_error("check: setenv: %s", strerror(errno));
		goto out;
	}
	ret = 1;
	line("config", "%s (%s)", file, from);
	line("OpenSSL", "%s", OpenSSL_version(OPENSSL_VERSION));

	/* 1. What the file says. */
	conf = NCONF_new(NULL);
	if (conf == NULL) {
		ret = cli_usage_error("check: out of memory");
		goto out;
	}
	check_read_conf(conf, file, &v);
	if (v.error[0]) {
		ret = verdict_no(v.error, "Fix the syntax error.", NULL);
		goto out;
	}
	line("openssl_conf", "%s", v.init ? v.init : "(absent: OpenSSL applies no settings)");
	if (v.random != NULL)
		line("random", "[%s] seed = %s, seed_properties = %s%s%s", v.random,
		     or_none(v.seed), or_none(v.props),
		     v.random_provider ? ", random_provider = " : "",
		     v.random_provider ? v.random_provider : "");
	else
		line("random", "(no random section)");
	if (v.provs != NULL)
		line("providers", "[%s] %d listed; timingseed: %s%s%s%s%s", v.provs, v.nproviders,
		     v.ts_name ? v.ts_name : "not listed", v.ts_sect ? " -> [" : "",
		     v.ts_sect ? v.ts_sect : "", v.ts_sect ? "], activate = " : "",
		     v.ts_sect ? or_none(v.ts_activate) : "");
	else
		line("providers", "(no providers section: OpenSSL activates only default)");

	/* 2. Load it, as an application would. */
	capture_start(&cap);
	if (!probe_open(&p, file)) {
		capture_end(&cap);
		ret = cli_usage_error("check: cannot create a library context");
		goto out;
	}
	if (p.loaded)
		line("loading", "ok (OpenSSL does not report a provider that fails to activate)");
	else
		line("loading", "failed: %s", p.loaderr[0] ? p.loaderr : "no detail from OpenSSL");
	fips_active = OSSL_PROVIDER_available(p.libctx, "fips");
	f.fips_default = EVP_default_properties_is_fips_enabled(p.libctx);
	if (fips_active || f.fips_default)
		line("fips", "provider %s; default properties %s",
		     fips_active ? "active" : "not active",
		     f.fips_default ? "fips=yes" : "without fips=yes");
	if (p.nts > 0) {
		const char *ver = NULL, *cal = NULL;
		OSSL_PARAM vp[] = {OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_VERSION, (char **)&ver, 0),
				   OSSL_PARAM_utf8_ptr("calibration", (char **)&cal, 0),
				   OSSL_PARAM_END};

		OSSL_PROVIDER_get_params(p.ts[0], vp);
		line("timingseed", "activated as '%s', version %s, module %s",
		     OSSL_PROVIDER_get0_name(p.ts[0]), or_none(ver),
		     or_none(cli_loaded_module(CHECK_MODULE_FILE, path, sizeof(path))));
		/* A module older than the key has no such param. */
		line("calibration", "%s", cal ? cal : "(not reported by this module)");
	} else {
		line("timingseed", "not activated in the library context");
	}
	f.v = &v;
	f.seed = v.seed ? v.seed : "SEED-SRC";
	f.props = v.props;
	f.nts = p.nts;
	f.cap = &cap;
	f.loaderr = p.loaderr;
	f.fetcherr = fetcherr;
	ERR_clear_error();
	f.seed_rand = EVP_RAND_fetch(p.libctx, f.seed, f.props);
	cli_ossl_errors(fetcherr, sizeof(fetcherr));
	if (f.seed_rand != NULL) {
		seed_prov = EVP_RAND_get0_provider(f.seed_rand);
		f.seed_prov = OSSL_PROVIDER_get0_name(seed_prov);
		f.seed_is_ts = probe_is_timingseed(seed_prov);
		line("seed fetch", "%s (%s) -> %s from provider '%s'%s", f.seed, or_none(f.props),
		     EVP_RAND_get0_name(f.seed_rand), f.seed_prov,
		     f.seed_is_ts ? " (timingseed)" : "");
	} else {
		line("seed fetch", "%s (%s) -> nothing: %s", f.seed, or_none(f.props),
		     fetcherr[0] ? fetcherr : "no detail from OpenSSL");
	}

	/* 3. Does the primary DRBG's seeding move the counters? */
	s0 = probe_samples(&p, &b0);
	ERR_clear_error();
	primary = RAND_get0_primary(p.libctx);
	if (primary != NULL) {
		EVP_RAND *drbg = EVP_RAND_CTX_get0_rand(primary);

		s1 = probe_samples(&p, &b1);
		line("primary DRBG",
		     "%s from provider '%s'; instantiation drew %llu samples "
		     "from timingseed",
		     EVP_RAND_get0_name(drbg),
		     OSSL_PROVIDER_get0_name(EVP_RAND_get0_provider(drbg)),
		     (unsigned long long)(s1 - s0));
		reseeded = EVP_RAND_reseed(primary, 1, NULL, 0, NULL, 0) > 0;
		cli_ossl_errors(primerr, sizeof(primerr));
		s2 = probe_samples(&p, &b2);
		if (reseeded)
			line("reseed",
			     "with prediction resistance: timingseed served %llu samples, "
			     "%.1f credited bits",
			     (unsigned long long)(s2 - s1), b2 - b1);
		else
			line("reseed", "failed: %s",
			     primerr[0] ? primerr : "no detail from OpenSSL");
	} else {
		cli_ossl_errors(primerr, sizeof(primerr));
		line("primary DRBG", "cannot be created: %s",
		     primerr[0] ? primerr : "no detail from OpenSSL");
	}

	/* 4. The calls applications make, each first in a context of its own. */
	probe_path(file, PATH_PUBLIC, &pub);
	probe_path(file, PATH_PRIVATE, &priv);
	if (fips_active)
		probe_path(file, PATH_KEYGEN, &keygen);
	capture_end(&cap);
	show_path(PATH_PUBLIC, &pub);
	show_path(PATH_PRIVATE, &priv);
	if (fips_active)
		show_path(PATH_KEYGEN, &keygen);
	for (a = 0; a < cap.ntrace; a++)
		line(a ? "" : "trace", "%s", cap.trace[a]);
	if (cap.nmore > 0)
		line("", "(%d more trace lines)", cap.nmore);
	if (cap.refused[0])
		line("trace", "timingseed refused to load: %s", cap.refused);

	/* Verdict: the counters decide; the rest explains. */
	primary_ok = primary != NULL && reseeded && s1 > s0 && s2 > s1;
	paths_ok = pub.ok && pub.first > 0 && priv.ok && priv.first > 0;
	if (primary_ok && paths_ok) {
		printf("\nYES: OpenSSL's primary DRBG, RAND_bytes and RAND_priv_bytes draw their "
		       "seed from\n     TIMING-SEED under this config (%llu samples, %.1f "
		       "credited bits served to the\n     primary here).\n",
		       (unsigned long long)(s2 - s0), b2 - b0);
		if (fips_active && (!keygen.ok || keygen.first == 0))
			printf("     But: the FIPS module's own DRBGs (key generation, signing "
			       "inside fips.so)\n     take their first seed from the OS when "
			       "the process's first random number\n     is made inside "
			       "fips.so; OpenSSL offers no setting for that. They reseed from\n"
			       "     TIMING-SEED once the application has called RAND_bytes "
			       "(see timingseed(7)).\n");
		ret = 0;
		goto out;
	}
	if (primary == NULL) {
		if (why_not_fetched(&f, why, sizeof(why), hint, sizeof(hint))) {
			ret = verdict_no(why, hint, unfetched_consequence());
			goto out;
		}
		snprintf(why, sizeof(why), "the primary DRBG cannot be created: %s",
			 primerr[0] ? primerr : "no detail from OpenSSL");
		if (v.provs != NULL && !v.default_listed && !v.fips_listed)
			snprintf(hint, sizeof(hint),
				 "[%s] does not list default, which provides the DRBG "
				 "(CTR-DRBG): add default = default_sect with activate = 1.",
				 v.provs);
		else
			snprintf(hint, sizeof(hint),
				 "TIMING-SEED is the seed but failed to serve it: applications "
				 "get no random numbers at all.");
		ret = verdict_no(why, hint, NULL);
	} else if (f.seed_is_ts && !reseeded) {
		snprintf(why, sizeof(why), "TIMING-SEED is the seed but the reseed failed: %s",
			 primerr[0] ? primerr : "no detail from OpenSSL");
		ret = verdict_no(why, NULL, NULL);
	} else if (!primary_ok) {
		if (why_not_fetched(&f, why, sizeof(why), hint, sizeof(hint))) {
			ret = verdict_no(why, hint, unfetched_consequence());
			goto out;
		}
		snprintf(why, sizeof(why),
			 "%s fetches from timingseed, yet seeding the primary DRBG did not "
			 "draw from it%s%s.",
			 f.seed, p.loaded ? "" : "; loading the config failed: ",
			 p.loaded ? "" : p.loaderr);
		ret = verdict_no(why, NULL, NULL);
	} else {
		const char *which = !(pub.ok && pub.first > 0) && !(priv.ok && priv.first > 0)
					    ? "RAND_bytes and RAND_priv_bytes do not"
				    : !(pub.ok && pub.first > 0) ? "RAND_bytes does not"
								 : "RAND_priv_bytes does not";

		why_paths(&f, fips_active, which, why, sizeof(why), hint, sizeof(hint));
		ret = verdict_no(why, hint, NULL);
	}
out:
	EVP_RAND_free(f.seed_rand);
	probe_close(&p);
	NCONF_free(conf);
	OPENSSL_free(deffile);
	return ret;
}
