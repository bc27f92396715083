// SPDX-License-Identifier: Apache-2.0
/*
 * OpenSSL helpers shared by bench and check: the error queue as text, the
 * path of a loaded module, the sum of a provider's source statistics.
 */
#ifdef __APPLE__
#include <mach-o/dyld.h>
#else
#include <link.h> /* dl_iterate_phdr: glibc, the BSDs */
#endif
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "cli.h"

size_t cli_ossl_errors(char *buf, size_t len)
{
	const char *data = NULL;
	unsigned long e;
	size_t off = 0;
	int flags = 0;

	if (len > 0)
		buf[0] = '\0';
	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		const char *lib = ERR_lib_error_string(e), *reason = ERR_reason_error_string(e);
		char code[96];
		int n;

		if (reason == NULL && ERR_COMMON_ERROR(e) &&
		    ERR_lib_error_string(ERR_PACK(ERR_GET_REASON(e) & 0xff, 0, 0)) != NULL) {
			/* A common reason "in library N", which 3.0 has no string for. */
			snprintf(code, sizeof(code), "failed in %s",
				 ERR_lib_error_string(ERR_PACK(ERR_GET_REASON(e) & 0xff, 0, 0)));
			reason = code;
		} else if (reason == NULL) {
			snprintf(code, sizeof(code), "reason(%d)", ERR_GET_REASON(e));
			reason = code;
		}
		if (off >= len)
			continue;
		n = snprintf(buf + off, len - off, "%s%s%s%s%s%s%s", off ? "; " : "",
			     lib ? lib : "", lib ? ": " : "", reason,
			     data && (flags & ERR_TXT_STRING) && *data ? " (" : "",
			     data && (flags & ERR_TXT_STRING) ? data : "",
			     data && (flags & ERR_TXT_STRING) && *data ? ")" : "");
		off += n > 0 ? (size_t)n : 0;
	}
	return off < len ? off : len;
}

/* Whether path's last component is name; if so, path goes into buf. */
static bool module_is(const char *path, const char *name, char *buf, size_t len)
{
	const char *base;

	if (path == NULL || path[0] == '\0')
		return false;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (strcmp(base, name) != 0)
		return false;
	snprintf(buf, len, "%s", path);
	return true;
}

#ifdef __APPLE__
/* dyld's list of loaded images, bundles (dlopen()ed modules) included. */
const char *cli_loaded_module(const char *name, char *buf, size_t len)
{
	uint32_t i, n = _dyld_image_count();

	for (i = 0; i < n; i++)
		if (module_is(_dyld_get_image_name(i), name, buf, len))
			return buf;
	return NULL;
}
#else
struct find_module {
	const char *name;
	char *buf;
	size_t len;
	bool found;
};

static int find_module_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct find_module *f = arg;

	(void)size;
	f->found = module_is(info->dlpi_name, f->name, f->buf, f->len);
	return f->found;
}

const char *cli_loaded_module(const char *name, char *buf, size_t len)
{
	struct find_module f = {name, buf, len, false};

	dl_iterate_phdr(find_module_cb, &f);
	return f.found ? buf : NULL;
}
#endif

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

int cli_provider_totals(const OSSL_PROVIDER *prov, uint64_t *samples, double *credited_bits)
{
	const OSSL_PARAM *g = OSSL_PROVIDER_gettable_params(prov);
	OSSL_PARAM *p;
	uint64_t *s;
	double *d;
	size_t n = 0, i, k = 0;
	int ok = 0;

	*samples = 0;
	*credited_bits = 0;
	for (i = 0; g != NULL && g[i].key != NULL; i++)
		n++;
	p = calloc(n + 1, sizeof(*p));
	s = calloc(n + 1, sizeof(*s));
	d = calloc(n + 1, sizeof(*d));
	if (p == NULL || s == NULL || d == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if (ends_with(g[i].key, ".samples"))
			p[k++] = OSSL_PARAM_construct_uint64(g[i].key, &s[i]);
		else if (ends_with(g[i].key, ".credited_bits"))
			p[k++] = OSSL_PARAM_construct_double(g[i].key, &d[i]);
	}
	p[k] = OSSL_PARAM_construct_end();
	if (k == 0 || !OSSL_PROVIDER_get_params(prov, p))
		goto out;
	for (i = 0; i < n; i++) {
		*samples += s[i];
		*credited_bits += d[i];
	}
	ok = 1;
out:
	free(p);
	free(s);
	free(d);
	return ok;
}
