// SPDX-License-Identifier: Apache-2.0
/*
 * timingseed check: what a config file says, read with NCONF as OpenSSL's
 * config modules read it (openssl_conf -> init section -> random and
 * providers), for the explanation of the verdict. The verdict itself comes
 * from what OpenSSL does with the file (check_probe.c).
 */
#include <string.h>
#include <strings.h>

#include <openssl/err.h>

#include "timingseed/options.h"
#include "check.h"
#include "cli.h"

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

/* The entry's name, its identity, or its module's file name is name. */
static bool entry_is(CONF *conf, const CONF_VALUE *cv, const char *name, const char *file)
{
	const char *id = section_get(conf, cv->value, "identity");
	const char *mod = section_get(conf, cv->value, "module");
	const char *base = mod ? strrchr(mod, '/') : NULL;

	base = base ? base + 1 : mod;
	return strcmp(cv->name, name) == 0 || (id && strcmp(id, name) == 0) ||
	       (base && strcmp(base, file) == 0);
}

bool check_truthy(const char *v)
{
	bool on = false;

	return ts_parse_bool(v, &on) == 0 && on;
}

void check_read_conf(CONF *conf, const char *file, struct conf_view *v)
{
	STACK_OF(CONF_VALUE) * vals;
	long eline = -1;
	int i;

	memset(v, 0, sizeof(*v));
	v->random_pos = v->provs_pos = -1;
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
			v->random_pos = i;
		} else if (module_is(cv->name, "providers")) {
			v->provs = cv->value;
			v->provs_pos = i;
		}
	}
	v->seed = section_get(conf, v->random, "seed");
	v->props = section_get(conf, v->random, "seed_properties");
	v->random_provider = section_get(conf, v->random, "random_provider");
	vals = v->provs ? NCONF_get_section(conf, v->provs) : NULL;
	for (i = 0; vals != NULL && i < sk_CONF_VALUE_num(vals); i++) {
		const CONF_VALUE *cv = sk_CONF_VALUE_value(vals, i);

		v->nproviders++;
		if (strcmp(cv->name, "default") == 0)
			v->default_listed = true;
		if (entry_is(conf, cv, "fips", "fips.so"))
			v->fips_listed = true;
		if (v->ts_name == NULL &&
		    entry_is(conf, cv, CHECK_PROVIDER_NAME, CHECK_MODULE_FILE)) {
			v->ts_name = cv->name;
			v->ts_sect = cv->value;
			v->ts_module = section_get(conf, cv->value, "module");
			v->ts_activate = section_get(conf, cv->value, "activate");
		}
	}
	/* NCONF_get_string leaves "no value" errors behind. */
	ERR_pop_to_mark();
}
