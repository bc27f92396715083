// SPDX-License-Identifier: Apache-2.0
/* Helpers shared by the tests (see util.h). */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/err.h>

#include "timingseed/pool.h"
#include "util.h"

int ts_env_load(struct ts_env *e, const char *dir, const char *module)
{
	memset(e, 0, sizeof(*e));
	e->libctx = OSSL_LIB_CTX_new();
	if (e->libctx == NULL || !OSSL_PROVIDER_set_default_search_path(e->libctx, dir))
		goto fail;
	e->ts = OSSL_PROVIDER_load(e->libctx, module);
	e->dflt = OSSL_PROVIDER_load(e->libctx, "default");
	e->seed = EVP_RAND_fetch(e->libctx, "TIMING-SEED", "provider=timingseed");
	e->ctr = EVP_RAND_fetch(e->libctx, "CTR-DRBG", "provider=default");
	if (e->ts != NULL && e->dflt != NULL && e->seed != NULL && e->ctr != NULL)
		return 0;
fail:
	ERR_print_errors_fp(stderr);
	ts_env_unload(e);
	return -1;
}

int ts_env_load_conf(struct ts_env *e, const char *dir, const char *module, const char *conf)
{
	char path[] = "/tmp/ts-test-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	int ok;

	memset(e, 0, sizeof(*e));
	if (f == NULL)
		return -1;
	fprintf(f,
		"openssl_conf = init\n[init]\nproviders = provs\n[provs]\n%s = ts_sect\n"
		"default = dflt_sect\n[dflt_sect]\nactivate = 1\n"
		"[ts_sect]\nmodule = %s/%s.so\nactivate = 1\n%s\n",
		module, dir, module, conf);
	fclose(f);
	e->libctx = OSSL_LIB_CTX_new();
	ok = e->libctx != NULL && OSSL_LIB_CTX_load_config(e->libctx, path);
	unlink(path);
	if (!ok)
		goto fail;
	e->ts = OSSL_PROVIDER_load(e->libctx, module);
	e->dflt = OSSL_PROVIDER_load(e->libctx, "default");
	e->seed = EVP_RAND_fetch(e->libctx, "TIMING-SEED", "provider=timingseed");
	e->ctr = EVP_RAND_fetch(e->libctx, "CTR-DRBG", "provider=default");
	if (e->ts != NULL && e->dflt != NULL && e->seed != NULL && e->ctr != NULL)
		return 0;
fail:
	ERR_print_errors_fp(stderr);
	ts_env_unload(e);
	return -1;
}

int ts_env_unload(struct ts_env *e)
{
	int ok = 1;

	EVP_RAND_free(e->ctr);
	EVP_RAND_free(e->seed);
	if (e->ts != NULL)
		ok &= OSSL_PROVIDER_unload(e->ts);
	if (e->dflt != NULL)
		ok &= OSSL_PROVIDER_unload(e->dflt);
	OSSL_LIB_CTX_free(e->libctx);
	memset(e, 0, sizeof(*e));
	return ok;
}

int ts_env_setup(void **state)
{
	struct ts_env *e = calloc(1, sizeof(*e));

	if (e == NULL || ts_env_load(e, TS_MODULE_DIR, "timingseed") != 0) {
		free(e);
		return -1;
	}
	*state = e;
	return 0;
}

int ts_env_teardown(void **state)
{
	struct ts_env *e = *state;

	ts_env_unload(e);
	free(e);
	return 0;
}

EVP_RAND_CTX *ts_env_new_seed(const struct ts_env *e)
{
	EVP_RAND_CTX *s = EVP_RAND_CTX_new(e->seed, NULL);

	assert_non_null(s);
	assert_true(EVP_RAND_instantiate(s, 256, 0, NULL, 0, NULL));
	return s;
}

EVP_RAND_CTX *ts_new_ctr_drbg(EVP_RAND *ctr, EVP_RAND_CTX *parent)
{
	EVP_RAND_CTX *d = EVP_RAND_CTX_new(ctr, parent);
	OSSL_PARAM p[2];

	assert_non_null(d);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_CIPHER, "AES-256-CTR", 0);
	p[1] = OSSL_PARAM_construct_end();
	assert_true(EVP_RAND_CTX_set_params(d, p));
	return d;
}

int ts_module_mapped(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		found |= strstr(line, "/timingseed.so") != NULL;
	fclose(f);
	return found;
}

long ts_count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	long n = 0;

	if (d == NULL)
		fail_msg("%s: %s: nothing to count", path, strerror(errno)); /* no vacuous pass */
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n; /* /proc/self/fd: includes the fd of d itself */
}

long ts_threads_settled(long want)
{
	long n = ts_count_dir("/proc/self/task");
	int i;

	for (i = 0; i < 1000 && n > want; i++) {
		struct timespec ms = {0, 1000000};

		nanosleep(&ms, NULL);
		n = ts_count_dir("/proc/self/task");
	}
	return n;
}

long ts_threads_baseline(void)
{
	long n = ts_count_dir("/proc/self/task"), m;
	int i;

	for (i = 0; i < 50; i++) {
		struct timespec ms = {0, 2000000};

		nanosleep(&ms, NULL);
		m = ts_count_dir("/proc/self/task");
		if (m < n)
			n = m;
	}
	return n;
}

struct ts_pool *ts_pool_unconfined(const struct ts_source *const *srcs, size_t n)
{
	struct ts_pool *p = ts_pool_new_with(srcs, n);
	char err[TS_ERR_MAX];

	if (p != NULL && ts_pool_set(p, "confined", "never", err, sizeof(err)) != 0) {
		fprintf(stderr, "confined = never: %s\n", err);
		ts_pool_free(p);
		return NULL;
	}
	return p;
}
