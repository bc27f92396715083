// SPDX-License-Identifier: Apache-2.0
/*
 * timingseed check [--config FILE]
 *
 * Does OpenSSL's primary DRBG really draw its seed from TIMING-SEED under
 * this config? OpenSSL never says: when the configured seed cannot be
 * fetched it silently seeds from its OS source. So this proves it end to
 * end, in a fresh library context:
 *
 *  1. read the file as OpenSSL does (NCONF): openssl_conf -> init section
 *     -> random (seed, seed_properties) and providers (timingseed's
 *     section, activate), for the explanation;
 *  2. load it into the library context (OSSL_LIB_CTX_load_config), keeping
 *     OpenSSL's error queue;
 *  3. find the timingseed provider among the activated ones (by the name
 *     it reports, whatever the config calls it) and fetch the configured
 *     seed with the configured properties;
 *  4. read timingseed's per-source sample counters, make the library
 *     context's primary DRBG (which instantiates it from its seed) and
 *     reseed it with prediction resistance, then read the counters again.
 *     They go up only if the primary's seed came from TIMING-SEED.
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

#include <openssl/conf.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "cli.h"

#define SEED_NAME     "TIMING-SEED"
#define PROVIDER_NAME "timingseed"
#define MODULE_FILE   "timingseed.so"
#define ERRLEN	      1024

/* What the file says, as OpenSSL's config modules would read it. */
struct conf_view {
	char error[ERRLEN];  /* the file cannot be parsed */
	const char *init;    /* openssl_conf */
	const char *random;  /* init: random = SECTION */
	const char *seed;    /* [random] seed */
	const char *props;   /* [random] seed_properties */
	const char *provs;   /* init: providers = SECTION */
	const char *ts_name; /* timingseed's entry in [providers] */
	const char *ts_sect;
	const char *ts_module;
	const char *ts_activate;
	bool default_listed; /* [providers] lists default */
	int nproviders;
};

struct found {
	OSSL_PROVIDER *prov[8];
	size_t n;
};

/* Last value of key in section, compared case-insensitively, or NULL. */
static const char *section_get(CONF *conf, const char *sect, const char *key)
{
	STACK_OF(CONF_VALUE) *vals = sect ? NCONF_get_section(conf, sect) : NULL;
	const char *v = NULL;
	int i;

	for (i = 0; vals != NULL && i < sk_CONF_VALUE_num(vals); i++) {
		const CONF_VALUE *cv = sk_CONF_VALUE_value(vals, i);

		if (strcasecmp(cv->name, key) == 0)
			v = cv->value;
	}
	return v;
}

/* A config module name: "random" or "random.anything". */
static bool module_is(const char *name, const char *module)
{
	size_t n = strlen(module);

	return strncmp(name, module, n) == 0 && (name[n] == '\0' || name[n] == '.');
}

static bool is_timingseed_entry(CONF *conf, const CONF_VALUE *cv)
{
	const char *id = section_get(conf, cv->value, "identity");
	const char *mod = section_get(conf, cv->value, "module");
	const char *base = mod ? strrchr(mod, '/') : NULL;

	base = base ? base + 1 : mod;
	return strcmp(cv->name, PROVIDER_NAME) == 0 || (id && strcmp(id, PROVIDER_NAME) == 0) ||
	       (base && strcmp(base, MODULE_FILE) == 0);
}

static void read_conf(CONF *conf, const char *file, struct conf_view *v)
{
	STACK_OF(CONF_VALUE) * vals;
	long eline = -1;
	int i;

	memset(v, 0, sizeof(*v));
	ERR_set_mark();
	if (NCONF_load(conf, file, &eline) <= 0) {
		char oerr[600];

		cli_ossl_errors(oerr, sizeof(oerr));
		snprintf(v->error, sizeof(v->error), "OpenSSL cannot parse it (line %ld): %s",
			 eline, oerr);
		return;
	}
	v->init = NCONF_get_string(conf, NULL, "openssl_conf");
	vals = v->init ? NCONF_get_section(conf, v->init) : NULL;
	for (i = 0; vals != NULL && i < sk_CONF_VALUE_num(vals); i++) {
		const CONF_VALUE *cv = sk_CONF_VALUE_value(vals, i);

		if (module_is(cv->name, "random")) {
			v->random = cv->value;
		} else if (module_is(cv->name, "providers")) {
			v->provs = cv->value;
		}
	}
	v->seed = section_get(conf, v->random, "seed");
	v->props = section_get(conf, v->random, "seed_properties");
	vals = v->provs ? NCONF_get_section(conf, v->provs) : NULL;
	for (i = 0; vals != NULL && i < sk_CONF_VALUE_num(vals); i++) {
		const CONF_VALUE *cv = sk_CONF_VALUE_value(vals, i);

		v->nproviders++;
		if (strcmp(cv->name, "default") == 0)
			v->default_listed = true;
		if (v->ts_name == NULL && is_timingseed_entry(conf, cv)) {
			v->ts_name = cv->name;
			v->ts_sect = cv->value;
			v->ts_module = section_get(conf, cv->value, "module");
			v->ts_activate = section_get(conf, cv->value, "activate");
		}
	}
	/* NCONF_get_string leaves "no value" errors behind. */
	ERR_pop_to_mark();
}

static const char *prov_reported_name(const OSSL_PROVIDER *prov)
{
	const char *name = NULL;
	OSSL_PARAM p[] = {OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_NAME, (char **)&name, 0),
			  OSSL_PARAM_END};

	if (!OSSL_PROVIDER_get_params(prov, p))
		return NULL;
	return name;
}

static bool is_timingseed(const OSSL_PROVIDER *prov)
{
	const char *name = prov_reported_name(prov);

	return name != NULL && strcmp(name, PROVIDER_NAME) == 0;
}

static int find_cb(OSSL_PROVIDER *prov, void *arg)
{
	struct found *f = arg;

	if (is_timingseed(prov) && f->n < sizeof(f->prov) / sizeof(f->prov[0]))
		f->prov[f->n++] = prov;
	return 1;
}

static void totals(const struct found *f, uint64_t *samples, double *bits)
{
	uint64_t s;
	double b;
	size_t i;

	*samples = 0;
	*bits = 0;
	for (i = 0; i < f->n; i++)
		if (cli_provider_totals(f->prov[i], &s, &b)) {
			*samples += s;
			*bits += b;
		}
}

static void line(const char *label, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void line(const char *label, const char *fmt, ...)
{
	va_list ap;

	printf("%-14s ", label);
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
 * While the config loads and the primary DRBG is seeded, TIMINGSEED_DEBUG
 * is on and stderr goes to a temporary file: the provider's trace says why
 * it refused to load (OpenSSL's config loader drops that error) and shows
 * each seed it served.
 */
struct capture {
	FILE *tmp;
	int saved;
	char *old_debug;
	char refused[ERRLEN];  /* "timingseed: not loaded: <why>" */
	char trace[8][ERRLEN]; /* other "timingseed: " lines */
	int ntrace;
};

static void capture_start(struct capture *c)
{
	const char *old = getenv("TIMINGSEED_DEBUG");

	memset(c, 0, sizeof(*c));
	c->saved = -1;
	c->old_debug = old ? strdup(old) : NULL;
	setenv("TIMINGSEED_DEBUG", "1", 1);
	fflush(stderr);
	c->tmp = tmpfile();
	if (c->tmp == NULL)
		return;
	c->saved = dup(STDERR_FILENO);
	if (c->saved < 0 || dup2(fileno(c->tmp), STDERR_FILENO) < 0) {
		if (c->saved >= 0)
			close(c->saved);
		c->saved = -1;
		fclose(c->tmp);
		c->tmp = NULL;
	}
}

static void capture_end(struct capture *c)
{
	static const char refused[] = "timingseed: not loaded: ";
	char buf[ERRLEN];

	if (c->old_debug != NULL)
		setenv("TIMINGSEED_DEBUG", c->old_debug, 1);
	else
		unsetenv("TIMINGSEED_DEBUG");
	free(c->old_debug);
	c->old_debug = NULL;
	if (c->tmp == NULL)
		return;
	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	rewind(c->tmp);
	while (fgets(buf, sizeof(buf), c->tmp) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		if (strncmp(buf, refused, sizeof(refused) - 1) == 0)
			snprintf(c->refused, sizeof(c->refused), "%s", buf + sizeof(refused) - 1);
		else if (strncmp(buf, "timingseed: ", 12) == 0 && c->ntrace < 8)
			snprintf(c->trace[c->ntrace++], sizeof(c->trace[0]), "%s", buf);
		else if (strncmp(buf, "timingseed: ", 12) != 0)
			fprintf(stderr, "%s\n", buf); /* not ours: pass it on */
	}
	fclose(c->tmp);
	c->tmp = NULL;
}

static bool truthy(const char *v)
{
	return v != NULL && (strcmp(v, "1") == 0 || strcasecmp(v, "yes") == 0 ||
			     strcasecmp(v, "true") == 0 || strcasecmp(v, "on") == 0);
}

/*
 * Why timingseed.so could not be loaded, when its provider refused
 * nothing: the path OpenSSL tries, and what the dynamic loader says.
 */
static void why_unloadable(const struct conf_view *v, char *buf, size_t len)
{
	const char *env = getenv("OPENSSL_MODULES"), *dir, *mod = v->ts_module;
	const char *name = v->ts_name ? v->ts_name : PROVIDER_NAME;
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
		snprintf(path, sizeof(path), "%s/%s.so", dir, name);
	if (access(path, F_OK) != 0) {
		snprintf(buf, len,
			 "%s does not exist (%s). Set OPENSSL_MODULES to the directory that "
			 "holds timingseed.so, or `module = /path/to/timingseed.so` in [%s].",
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

static int verdict_no(const char *why, const char *hint)
{
	printf("\nNO: %s\n", why);
	if (hint != NULL && *hint)
		printf("    %s\n", hint);
	printf("    OpenSSL does not report this: its primary DRBG seeds from the OS source "
	       "(SEED-SRC) instead.\n");
	return 1;
}

int cmd_check(int argc, char **argv)
{
	const char *file = NULL, *from = "--config", *seed, *props;
	char *deffile = NULL, loaderr[ERRLEN], fetcherr[ERRLEN], primerr[ERRLEN];
	char why[2 * ERRLEN + 256], hint[PATH_MAX + 512], path[PATH_MAX];
	OSSL_LIB_CTX *libctx = NULL;
	EVP_RAND *seed_rand = NULL;
	EVP_RAND_CTX *primary = NULL;
	const OSSL_PROVIDER *seed_prov = NULL;
	struct conf_view v;
	struct found f = {{NULL}, 0};
	struct capture cap;
	uint64_t s0 = 0, s1 = 0, s2 = 0;
	double b0 = 0, b1 = 0, b2 = 0;
	bool loaded, seed_is_ts = false, reseeded = false;
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

	/* 1. What the file says. */
	conf = NCONF_new(NULL);
	if (conf == NULL) {
		ret = cli_usage_error("check: out of memory");
		goto out;
	}
	read_conf(conf, file, &v);
	if (v.error[0]) {
		ret = verdict_no(v.error, "Fix the syntax error.");
		goto out;
	}
	line("openssl_conf", "%s", v.init ? v.init : "(absent: OpenSSL applies no settings)");
	if (v.random != NULL)
		line("random", "[%s] seed = %s, seed_properties = %s", v.random, or_none(v.seed),
		     or_none(v.props));
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
	libctx = OSSL_LIB_CTX_new();
	if (libctx == NULL) {
		ret = cli_usage_error("check: cannot create a library context");
		goto out;
	}
	ERR_clear_error();
	capture_start(&cap);
	loaded = OSSL_LIB_CTX_load_config(libctx, file) > 0;
	cli_ossl_errors(loaderr, sizeof(loaderr));
	if (loaded)
		line("loading", "ok (OpenSSL does not report a provider that fails to activate)");
	else
		line("loading", "failed: %s", loaderr[0] ? loaderr : "no detail from OpenSSL");

	/* 3. Is timingseed activated, and what does the seed name fetch? */
	OSSL_PROVIDER_do_all(libctx, find_cb, &f);
	if (f.n > 0) {
		const char *ver = NULL;
		OSSL_PARAM p[] = {OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_VERSION, (char **)&ver, 0),
				  OSSL_PARAM_END};

		OSSL_PROVIDER_get_params(f.prov[0], p);
		line("timingseed", "activated as '%s', version %s, module %s",
		     OSSL_PROVIDER_get0_name(f.prov[0]), or_none(ver),
		     or_none(cli_loaded_module(MODULE_FILE, path, sizeof(path))));
	} else {
		line("timingseed", "not activated in the library context");
	}
	seed = v.seed ? v.seed : "SEED-SRC";
	props = v.props;
	ERR_clear_error();
	seed_rand = EVP_RAND_fetch(libctx, seed, props);
	cli_ossl_errors(fetcherr, sizeof(fetcherr));
	if (seed_rand != NULL) {
		seed_prov = EVP_RAND_get0_provider(seed_rand);
		seed_is_ts = is_timingseed(seed_prov);
		line("seed fetch", "%s (%s) -> %s from provider '%s'%s", seed, or_none(props),
		     EVP_RAND_get0_name(seed_rand), OSSL_PROVIDER_get0_name(seed_prov),
		     seed_is_ts ? " (timingseed)" : "");
	} else {
		line("seed fetch", "%s (%s) -> nothing: %s", seed, or_none(props),
		     fetcherr[0] ? fetcherr : "no detail from OpenSSL");
	}

	/* 4. End to end: does the primary DRBG's seeding move the counters? */
	totals(&f, &s0, &b0);
	ERR_clear_error();
	primary = RAND_get0_primary(libctx);
	if (primary != NULL) {
		EVP_RAND *drbg = EVP_RAND_CTX_get0_rand(primary);

		totals(&f, &s1, &b1);
		line("primary DRBG",
		     "%s from provider '%s'; instantiation drew %llu samples "
		     "from timingseed",
		     EVP_RAND_get0_name(drbg),
		     OSSL_PROVIDER_get0_name(EVP_RAND_get0_provider(drbg)),
		     (unsigned long long)(s1 - s0));
		reseeded = EVP_RAND_reseed(primary, 1, NULL, 0, NULL, 0) > 0;
		cli_ossl_errors(primerr, sizeof(primerr));
		totals(&f, &s2, &b2);
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
	capture_end(&cap);
	for (a = 0; a < cap.ntrace; a++)
		line(a ? "" : "trace", "%s", cap.trace[a]);
	if (cap.refused[0])
		line("trace", "timingseed refused to load: %s", cap.refused);

	/* Verdict: the counters decide; the rest explains. */
	if (primary != NULL && reseeded && s1 > s0 && s2 > s1) {
		printf("\nYES: OpenSSL's primary DRBG draws its seed from TIMING-SEED under this "
		       "config\n     (%llu samples, %.1f credited bits served to it here).\n",
		       (unsigned long long)(s2 - s0), b2 - b0);
		ret = 0;
		goto out;
	}
	hint[0] = '\0';
	if (primary == NULL) {
		snprintf(why, sizeof(why), "the primary DRBG cannot be created: %s",
			 primerr[0] ? primerr : "no detail from OpenSSL");
		if (v.provs != NULL && !v.default_listed)
			snprintf(hint, sizeof(hint),
				 "[%s] does not list default, which provides the DRBG "
				 "(CTR-DRBG): add default = default_sect with activate = 1.",
				 v.provs);
		else if (seed_is_ts)
			snprintf(hint, sizeof(hint),
				 "TIMING-SEED is the seed but failed to serve it: applications "
				 "get no random numbers at all.");
	} else if (seed_is_ts && !reseeded) {
		snprintf(why, sizeof(why), "TIMING-SEED is the seed but the reseed failed: %s",
			 primerr[0] ? primerr : "no detail from OpenSSL");
	} else if (v.init == NULL) {
		snprintf(why, sizeof(why),
			 "the file has no openssl_conf line, so OpenSSL applies "
			 "none of it; the seed is the default SEED-SRC.");
		snprintf(hint, sizeof(hint), "Start from openssl.cnf.example.");
	} else if (v.random == NULL || v.seed == NULL) {
		snprintf(why, sizeof(why),
			 "%s%s%s names no seed, so the primary DRBG uses the "
			 "default SEED-SRC (the OS source).",
			 v.random ? "[" : "the config has no random section: [",
			 v.random ? v.random : v.init, v.random ? "] has no `seed` and" : "]");
		snprintf(hint, sizeof(hint),
			 "Add `random = random_sect` to [%s] and a [random_sect] with "
			 "seed = " SEED_NAME " and seed_properties = provider=" PROVIDER_NAME ".",
			 v.init);
	} else if (seed_rand != NULL && !seed_is_ts) {
		snprintf(why, sizeof(why), "seed = %s is %s from provider '%s', not timingseed.",
			 seed, EVP_RAND_get0_name(seed_rand), OSSL_PROVIDER_get0_name(seed_prov));
		snprintf(hint, sizeof(hint), "Use seed = " SEED_NAME ".");
	} else if (strcasecmp(seed, SEED_NAME) != 0) {
		snprintf(why, sizeof(why),
			 "seed = %s: no RAND of that name in the activated providers "
			 "(misspelt? timingseed registers " SEED_NAME ").",
			 seed);
		snprintf(hint, sizeof(hint),
			 "Use seed = " SEED_NAME " and seed_properties = provider=" PROVIDER_NAME
			 ".");
	} else if (f.n == 0) {
		if (v.ts_name == NULL) {
			snprintf(why, sizeof(why),
				 "the config names %s as the seed but does not activate the "
				 "timingseed provider (%s).",
				 seed, v.provs ? "not in [providers]" : "no providers section");
			snprintf(hint, sizeof(hint),
				 "It is used only if the application loads the provider itself "
				 "before its first random number (openssl ... -provider "
				 "timingseed); loaded later, or not at all, the seed falls back. "
				 "Add timingseed = timingseed_sect with activate = 1.");
		} else if (!truthy(v.ts_activate)) {
			snprintf(why, sizeof(why),
				 "[%s] lists timingseed but [%s] has %s: the provider is never "
				 "activated.",
				 v.provs, v.ts_sect,
				 v.ts_activate ? "activate set to false" : "no `activate = 1`");
			snprintf(hint, sizeof(hint),
				 "Add activate = 1 to [%s] (or the application must load it "
				 "before its first random number).",
				 v.ts_sect);
		} else if (cap.refused[0]) {
			snprintf(why, sizeof(why), "timingseed.so loaded but refused to start: %s",
				 cap.refused);
			snprintf(hint, sizeof(hint), "Fix that key in [%s].", v.ts_sect);
		} else {
			why_unloadable(&v, hint, sizeof(hint));
			snprintf(why, sizeof(why),
				 "the timingseed provider could not be activated: timingseed.so "
				 "cannot be loaded%s%s.",
				 loaderr[0] ? ": " : "", loaderr);
		}
	} else if (seed_rand == NULL) {
		snprintf(why, sizeof(why),
			 "seed_properties '%s' matches no " SEED_NAME " implementation: %s",
			 or_none(props), fetcherr[0] ? fetcherr : "no detail from OpenSSL");
		snprintf(hint, sizeof(hint), "Use seed_properties = provider=" PROVIDER_NAME ".");
	} else {
		snprintf(why, sizeof(why),
			 "%s fetches from timingseed, yet seeding the primary DRBG did not "
			 "draw from it%s%s.",
			 seed,
			 loaded ? "" : "; loading the config failed: ", loaded ? "" : loaderr);
	}
	ret = verdict_no(why, hint);
out:
	EVP_RAND_free(seed_rand);
	OSSL_LIB_CTX_free(libctx);
	NCONF_free(conf);
	OPENSSL_free(deffile);
	return ret;
}
