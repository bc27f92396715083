// SPDX-License-Identifier: Apache-2.0
/*
 * timingseed check: what OpenSSL does with a config file. Each probe is a
 * fresh library context with the file loaded, as an application starting
 * with it would have it, and timingseed's per-source sample counters read
 * around one way of asking for random numbers. The counters go up only
 * when that request drew on TIMING-SEED, whatever OpenSSL prints.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "check.h"
#include "cli.h"

bool probe_is_timingseed(const OSSL_PROVIDER *prov)
{
	const char *name = NULL;
	OSSL_PARAM p[] = {OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_NAME, (char **)&name, 0),
			  OSSL_PARAM_END};

	return OSSL_PROVIDER_get_params(prov, p) && name != NULL &&
	       strcmp(name, CHECK_PROVIDER_NAME) == 0;
}

/* By the name it reports, whatever the config calls it. */
static int find_cb(OSSL_PROVIDER *prov, void *arg)
{
	struct probe *p = arg;

	if (probe_is_timingseed(prov) && p->nts < sizeof(p->ts) / sizeof(p->ts[0]))
		p->ts[p->nts++] = prov;
	return 1;
}

bool probe_open(struct probe *p, const char *file)
{
	memset(p, 0, sizeof(*p));
	p->libctx = OSSL_LIB_CTX_new();
	if (p->libctx == NULL)
		return false;
	ERR_clear_error();
	p->loaded = OSSL_LIB_CTX_load_config(p->libctx, file) > 0;
	cli_ossl_errors(p->loaderr, sizeof(p->loaderr));
	OSSL_PROVIDER_do_all(p->libctx, find_cb, p);
	return true;
}

void probe_close(struct probe *p)
{
	OSSL_LIB_CTX_free(p->libctx);
	p->libctx = NULL;
	p->nts = 0;
}

uint64_t probe_samples(const struct probe *p, double *credited_bits)
{
	uint64_t total = 0, s;
	double bits = 0, b;
	size_t i;

	for (i = 0; i < p->nts; i++)
		if (cli_provider_totals(p->ts[i], &s, &b)) {
			total += s;
			bits += b;
		}
	if (credited_bits != NULL)
		*credited_bits = bits;
	return total;
}

const char *path_name(enum path path)
{
	switch (path) {
	case PATH_PUBLIC:
		return "RAND_bytes";
	case PATH_PRIVATE:
		return "RAND_priv_bytes";
	case PATH_KEYGEN:
		return "key generation";
	}
	return "?";
}

/* One request by path in p's context; false (with OpenSSL's errors) if it failed. */
static bool request(struct probe *p, enum path path, char *err, size_t len)
{
	unsigned char buf[32];
	EVP_PKEY *key = NULL;
	bool ok = false;

	ERR_clear_error();
	switch (path) {
	case PATH_PUBLIC:
		ok = RAND_bytes_ex(p->libctx, buf, sizeof(buf), 0) > 0;
		break;
	case PATH_PRIVATE:
		ok = RAND_priv_bytes_ex(p->libctx, buf, sizeof(buf), 0) > 0;
		break;
	case PATH_KEYGEN:
		/* Inside the FIPS provider, a key takes its own DRBGs' output. */
		key = EVP_PKEY_Q_keygen(p->libctx, NULL, "EC", "P-256");
		ok = key != NULL;
		EVP_PKEY_free(key);
		break;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	if (!ok)
		cli_ossl_errors(err, len);
	return ok;
}

void probe_path(const char *file, enum path path, struct path_result *r)
{
	struct probe p;
	uint64_t s0, s1;

	memset(r, 0, sizeof(*r));
	if (!probe_open(&p, file)) {
		snprintf(r->err, sizeof(r->err), "cannot create a library context");
		return;
	}
	r->ran = true;
	s0 = probe_samples(&p, NULL);
	r->ok = request(&p, path, r->err, sizeof(r->err));
	s1 = probe_samples(&p, NULL);
	r->first = s1 - s0;
	if (r->ok && request(&p, path, r->err, sizeof(r->err)))
		r->again = probe_samples(&p, NULL) - s1;
	probe_close(&p);
}

void capture_start(struct capture *c)
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

void capture_end(struct capture *c)
{
	static const char refused[] = "timingseed: not loaded: ";
	char buf[CHECK_ERRLEN];

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
		else if (strncmp(buf, "timingseed: ", 12) != 0)
			fprintf(stderr, "%s\n", buf); /* not ours: pass it on */
		else if (c->ntrace < 8)
			snprintf(c->trace[c->ntrace++], sizeof(c->trace[0]), "%s", buf);
		else
			c->nmore++;
	}
	fclose(c->tmp);
	c->tmp = NULL;
}
