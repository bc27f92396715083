// SPDX-License-Identifier: Apache-2.0
/*
 * Configuration from the provider's section of openssl.cnf, read at
 * provider init:
 *
 *   [timingseed_sect]
 *   activate = 1
 *   sources = pipe_buffer, epoll_events      # which sources to use
 *   deadline_ms = 2000                        # per request
 *   credit.pipe_buffer = 0.05                 # bits per sample, a cap
 *   pipe_buffer.num_pipes = 8                 # any option of any source
 *   trace = 1                                 # as TIMINGSEED_DEBUG=1
 *
 * Known keys come through the core's get_params. The core cannot list the
 * keys it holds, so to refuse unknown ones we also read our section of the
 * config file OpenSSL reads by default (OPENSSL_CONF or the built-in
 * path). A config loaded from another file by the application gets its
 * values checked but its unknown keys are not seen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/conf.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>

#include "prov.h"

/* Keys OpenSSL's provider config module handles itself. */
static const char *const core_keys[] = {"module", "activate", "identity", "soft_load"};

struct keys {
	char **name;
	size_t n;
};

static int add_key(struct keys *k, const char *a, const char *b)
{
	size_t len = strlen(a) + (b ? strlen(b) + 1 : 0) + 1;
	char *s = OPENSSL_malloc(len);

	if (s == NULL)
		return 0;
	snprintf(s, len, "%s%s%s", a, b ? "." : "", b ? b : "");
	k->name[k->n++] = s;
	return 1;
}

/* Every key this build understands: the pool's, and the provider's trace. */
static int known_keys(const struct ts_provctx *pc, struct keys *k)
{
	const char *a, *b;
	size_t n = 0, i;

	while (ts_pool_key(pc->pool, n, &a, &b) == 0)
		n++;
	k->n = 0;
	k->name = OPENSSL_zalloc((n + 1) * sizeof(char *));
	if (k->name == NULL)
		return 0;
	for (i = 0; ts_pool_key(pc->pool, i, &a, &b) == 0; i++)
		if (!add_key(k, a, b))
			return 0;
	return add_key(k, "trace", NULL);
}

static void free_keys(struct keys *k)
{
	size_t i;

	for (i = 0; k->name != NULL && i < k->n; i++)
		OPENSSL_free(k->name[i]);
	OPENSSL_free(k->name);
}

static int is_known(const struct keys *k, const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(core_keys) / sizeof(core_keys[0]); i++)
		if (strcmp(key, core_keys[i]) == 0)
			return 1;
	for (i = 0; i < k->n; i++)
		if (strcmp(key, k->name[i]) == 0)
			return 1;
	return 0;
}

/*
 * Find our section in the default config file and refuse any key in it we
 * do not know. Returns 1 when fine or when the file or section cannot be
 * found (nothing to check), 0 after raising an error.
 */
static int check_unknown(struct ts_provctx *pc, const struct keys *k, const char *prov_name)
{
	char *file = CONF_get1_default_config_file();
	CONF *conf = NCONF_new(NULL);
	const char *init, *provs, *sect;
	STACK_OF(CONF_VALUE) * vals;
	int i, ok = 1;

	/* Unreadable or absent: nothing to check; leave no error behind. */
	ERR_set_mark();
	if (file == NULL || conf == NULL || NCONF_load(conf, file, NULL) <= 0) {
		ERR_pop_to_mark();
		goto out;
	}
	ERR_pop_to_mark();
	init = NCONF_get_string(conf, NULL, "openssl_conf");
	provs = init ? NCONF_get_string(conf, init, "providers") : NULL;
	sect = provs ? NCONF_get_string(conf, provs, prov_name) : NULL;
	vals = sect ? NCONF_get_section(conf, sect) : NULL;
	for (i = 0; vals != NULL && i < sk_CONF_VALUE_num(vals); i++) {
		const CONF_VALUE *v = sk_CONF_VALUE_value(vals, i);

		if (!is_known(k, v->name)) {
			TS_RAISE(pc, TS_R_BAD_CONFIG, "%s [%s]: unknown key '%s'", file, sect,
				 v->name);
			ok = 0;
			break;
		}
	}
out:
	NCONF_free(conf);
	OPENSSL_free(file);
	return ok;
}

int ts_config_apply(struct ts_provctx *pc, OSSL_FUNC_core_get_params_fn *core_get_params)
{
	struct keys k = {NULL, 0};
	OSSL_PARAM *p = NULL;
	char **val = NULL;
	char *prov_name = NULL, err[TS_ERR_MAX];
	size_t i;
	int ok = 0;

	if (known_keys(pc, &k)) {
		p = OPENSSL_zalloc((k.n + 2) * sizeof(*p));
		val = OPENSSL_zalloc((k.n + 1) * sizeof(*val));
	}
	if (p == NULL || val == NULL) {
		TS_RAISE(pc, TS_R_INTERNAL, "cannot allocate the table of configuration keys");
		goto out;
	}
	for (i = 0; i < k.n; i++)
		p[i] = OSSL_PARAM_construct_utf8_ptr(k.name[i], &val[i], 0);
	p[k.n] = OSSL_PARAM_construct_utf8_ptr(OSSL_PROV_PARAM_CORE_PROV_NAME, &prov_name, 0);
	p[k.n + 1] = OSSL_PARAM_construct_end();
	if (!core_get_params(pc->handle, p)) {
		TS_RAISE(pc, TS_R_BAD_CONFIG, "cannot read the provider configuration");
		goto out;
	}
	for (i = 0; i < k.n; i++) {
		if (val[i] == NULL)
			continue;
		if (strcmp(k.name[i], "trace") == 0) {
			if (!ts_trace_config(pc, val[i]))
				goto out;
		} else if (ts_pool_set(pc->pool, k.name[i], val[i], err, sizeof(err)) != 0) {
			TS_RAISE(pc, TS_R_BAD_CONFIG, "%s", err);
			goto out;
		}
	}
	ok = prov_name == NULL || check_unknown(pc, &k, prov_name);
out:
	OPENSSL_free(p);
	OPENSSL_free(val);
	free_keys(&k);
	return ok;
}
