// SPDX-License-Identifier: Apache-2.0
/*
 * timingseed bench [--json] [--modules DIR] [--throughput-bytes N]
 *                  [--throughput-seconds S] [--calibration FILE]
 *
 * Figures, never pass/fail:
 *
 *  - per source: samples per second (collecting for SOURCE_MS), the credit
 *    in force after this machine's startup test, and credited bits per
 *    second;
 *  - 256-bit seed latency through the real path: timingseed.so loaded as a
 *    provider into a fresh library context, a TIMING-SEED EVP_RAND_CTX and
 *    EVP_RAND_generate(ctx, buf, 32, 256, 0, NULL, 0), as a DRBG reseed
 *    asks. Warm: median, p90 and p99 over WARM_N requests after one untimed
 *    request. Cold: the first request in a new process, startup tests
 *    included: the tool execs itself (`bench --cold-once WHICH`) COLD_N
 *    times; the child loads the provider, then times only that request;
 *  - full-entropy throughput: bytes per second over 1 MiB (or until the
 *    time limit), in requests of up to 4096 bytes;
 *  - OpenSSL's SEED-SRC (default provider) measured the same way in the
 *    same run, with ratios TIMING-SEED / SEED-SRC;
 *  - a whole process (bench_process.c): `openssl rand -hex 32` (openssl
 *    from PATH) seeded by timingseed and by the OS, PROCESS_N alternating
 *    pairs, medians and the median of the pairs' ratios (process_ratio in
 *    JSON). A traced run first checks that timingseed really seeds it.
 *
 * The module is looked for in --modules DIR, else OPENSSL_MODULES, else
 * <dir of the tool>/../modules when it holds timingseed.so, else
 * libcrypto's modulesdir.
 *
 * The request size for throughput starts at 4096 bytes (TIMING-SEED's
 * max_request) and is halved while the warm p99 says a request would not
 * finish within half the pool's per-request deadline, or when one fails;
 * SEED-SRC then uses the same size. Both sizes are reported.
 *
 * --calibration FILE adds a third column, TIMING-SEED calibrated, measured
 * the same way in the same run: the provider takes a calibration only from
 * openssl.cnf, so its library context loads a generated config (a private
 * directory made by mkdtemp, removed at the end) that pins the module and
 * sets `calibration = FILE`; the cold children load the same config, and
 * the whole-process row runs a third `openssl rand` under one. Before any
 * calibrated figure is taken, the provider's "calibration" param must say
 * FILE is in force there; if not, nothing calibrated is measured and the
 * output says so (a note, and "in_force": false in JSON). With
 * --calibration both TIMING-SEED contexts settle for SETTLE_MS of untimed
 * requests before their warm figures (bench_warm() says why), so the two
 * compare at the pool's steady ranking of its sources. Without
 * --calibration the output is exactly what it was before the option.
 *
 * --quick (for tests/system/cli.sh only) makes every phase short; its figures are
 * not worth reading.
 *
 * Figures on stdout; progress on stderr only when it is a terminal, erased
 * before the figures are printed.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __APPLE__
#include <mach-o/dyld.h> /* _NSGetExecutablePath */
#endif

#include <openssl/conf.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "timingseed/options.h"
#include "timingseed/pool.h"
#include "timingseed/registry.h"
#include "timingseed/tick.h"
#include "bench.h"
#include "cli.h"
#include "progress.h"

#define ERRLEN	       1024
#define OERRLEN	       600 /* OpenSSL's part of an error message */
#define MODULE_FILE    TS_MODULE_FILE
#define DEFAULT_TP_MIB 1
#define SETTLE_MS      1200 /* > the pool's RATE_STALE_NS, 1 s (pool_int.h) */

const char *const bench_alg_name[NWHICH] = {"TIMING-SEED", "SEED-SRC", "TIMING-SEED"};
const char *const bench_json_name[NWHICH] = {"timingseed", "seed_src", "timingseed_calibrated"};
const char *const bench_column_name[NWHICH] = {"TIMING-SEED", "SEED-SRC", "calibrated"};
static const char *const alg_props[NWHICH] = {"provider=timingseed", NULL, "provider=timingseed"};
static const char *const prov_name[NWHICH] = {"timingseed", "default", "timingseed"};
static const char *const cold_arg[NWHICH] = {"timingseed", "seedsrc", "calibrated"};

struct rng {
	OSSL_LIB_CTX *libctx;
	OSSL_PROVIDER *prov;
	EVP_RAND *rand;
	EVP_RAND_CTX *ctx;
};

/* ---- progress on stderr: a terminal's, once the run takes a second ---- */

static struct cli_progress progress;

void bench_progress(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vprogress(&progress, fmt, ap);
	va_end(ap);
}

/* ---- statistics -------------------------------------------------------- */

int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* v sorted; nearest-rank percentile q in (0, 1]. */
static double percentile(const double *v, size_t n, double q)
{
	size_t r = (size_t)ceil(q * (double)n);

	return v[r > 0 ? r - 1 : 0];
}

double bench_median(const double *v, size_t n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the real path: provider, EVP_RAND_CTX ------------------------------ */

static void rng_free(struct rng *r)
{
	EVP_RAND_CTX_free(r->ctx);
	EVP_RAND_free(r->rand);
	OSSL_PROVIDER_unload(r->prov);
	OSSL_LIB_CTX_free(r->libctx);
	memset(r, 0, sizeof(*r));
}

/*
 * A fresh library context with only the provider of `w`, an instantiated
 * ctx. conf (TC only): a config to load into the context first, which
 * activates timingseed with its calibration; the load below then finds
 * that provider rather than making another.
 */
static int rng_open(enum which w, const char *modules, const char *conf, struct rng *r, char *err,
		    size_t errlen)
{
	char oerr[OERRLEN];
	const char *step;

	memset(r, 0, sizeof(*r));
	ERR_clear_error();
	step = "cannot create a library context";
	r->libctx = OSSL_LIB_CTX_new();
	if (r->libctx == NULL)
		goto fail;
	step = "cannot set the module search path";
	if (modules != NULL && !OSSL_PROVIDER_set_default_search_path(r->libctx, modules))
		goto fail;
	step = "cannot load the generated config";
	if (conf != NULL && !OSSL_LIB_CTX_load_config(r->libctx, conf))
		goto fail;
	step = "cannot load the provider";
	r->prov = OSSL_PROVIDER_load(r->libctx, prov_name[w]);
	if (r->prov == NULL)
		goto fail;
	step = "cannot fetch the RAND";
	r->rand = EVP_RAND_fetch(r->libctx, bench_alg_name[w], alg_props[w]);
	if (r->rand == NULL)
		goto fail;
	step = "cannot create the RAND context";
	r->ctx = EVP_RAND_CTX_new(r->rand, NULL);
	if (r->ctx == NULL)
		goto fail;
	step = "cannot instantiate";
	if (!EVP_RAND_instantiate(r->ctx, 256, 0, NULL, 0, NULL))
		goto fail;
	return 0;
fail:
	cli_ossl_errors(oerr, sizeof(oerr));
	snprintf(err, errlen, "%s%s %s (provider %s, modules %.300s): %s", bench_alg_name[w],
		 w == TC ? " calibrated" : "", step, prov_name[w],
		 modules ? modules : "libcrypto's modulesdir",
		 oerr[0] ? oerr : "no detail from OpenSSL");
	rng_free(r);
	return -1;
}

/* One request of len bytes; its duration in ms, or -1 with err set. */
static double timed_generate(struct rng *r, enum which w, unsigned char *buf, size_t len, char *err,
			     size_t errlen)
{
	uint64_t t0 = ts_now_ns(), t1;
	int ok = EVP_RAND_generate(r->ctx, buf, len, 256, 0, NULL, 0);

	t1 = ts_now_ns();
	OPENSSL_cleanse(buf, len);
	if (!ok) {
		char oerr[OERRLEN];

		cli_ossl_errors(oerr, sizeof(oerr));
		snprintf(err, errlen, "%s: request of %zu bytes failed: %s", bench_alg_name[w], len,
			 oerr[0] ? oerr : "no detail from OpenSSL");
		return -1;
	}
	return (double)(t1 - t0) / 1e6;
}

/* ---- which source served: the provider's "<source>.credited_bits" ------ */

struct served {
	size_t n;
	char name[TS_MAX_SOURCES][64];
	double bits[TS_MAX_SOURCES];
};

/* Every "<source>.credited_bits" prov offers, into sv; 0 when none. */
static int served_read(OSSL_PROVIDER *prov, struct served *sv)
{
	const OSSL_PARAM *g = OSSL_PROVIDER_gettable_params(prov);
	OSSL_PARAM p[TS_MAX_SOURCES + 1];
	size_t i, k = 0;

	memset(sv, 0, sizeof(*sv));
	for (i = 0; g != NULL && g[i].key != NULL && k < TS_MAX_SOURCES; i++) {
		const char *dot = strrchr(g[i].key, '.');

		if (dot == NULL || strcmp(dot, ".credited_bits") != 0 ||
		    (size_t)(dot - g[i].key) >= sizeof(sv->name[k]))
			continue;
		memcpy(sv->name[k], g[i].key, (size_t)(dot - g[i].key));
		sv->name[k][dot - g[i].key] = '\0';
		p[k] = OSSL_PARAM_construct_double(g[i].key, &sv->bits[k]);
		k++;
	}
	p[k] = OSSL_PARAM_construct_end();
	sv->n = k;
	return k > 0 && OSSL_PROVIDER_get_params(prov, p) ? 1 : 0;
}

/* "NAME SHARE ..." of the bits credited between a and b, shares > 0 only. */
static void served_text(const struct served *a, const struct served *b, char *buf, size_t len)
{
	double total = 0;
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < b->n && i < a->n; i++)
		total += b->bits[i] - a->bits[i];
	for (i = 0; i < b->n && i < a->n && total > 0 && off < len; i++) {
		double share = (b->bits[i] - a->bits[i]) / total;
		int w;

		if (share <= 0)
			continue;
		w = snprintf(buf + off, len - off, "%s%s %.3f", off ? " " : "", b->name[i], share);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

/*
 * Warm figures: n timed requests after one untimed (it runs the startup
 * tests). settle_ms > 0: then untimed requests for that long first. The
 * pool ranks its sources by the rate it measured, and re-measures a rate
 * only once it is a second old; a source first measured slow (its startup
 * collection paying for first-touched memory, as cpu_jitter's does in a
 * fresh process) serves only tokens until then. So the warm figure of a
 * context's first second depends on what ran before it in the process;
 * settled for more than a second, every source's rate has been measured
 * on a block, and two contexts compare at their steady ranking.
 */
static int bench_warm(struct rng *r, enum which w, int n, unsigned int settle_ms,
		      struct result *res, char *err, size_t errlen)
{
	struct served before, after;
	unsigned char buf[SEED_BYTES];
	double *v = calloc((size_t)n, sizeof(*v));
	uint64_t t0;
	int i, ret = -1;

	if (v == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* The first request runs the startup tests: not warm. */
	if (timed_generate(r, w, buf, sizeof(buf), err, errlen) < 0)
		goto out;
	for (t0 = ts_now_ns(); settle_ms > 0 && ts_now_ns() - t0 < settle_ms * 1000000ull;) {
		bench_progress("%s%s settling, %u ms", bench_alg_name[w],
			       w == TC ? " calibrated" : "", settle_ms);
		if (timed_generate(r, w, buf, sizeof(buf), err, errlen) < 0)
			goto out;
	}
	served_read(r->prov, &before);
	for (i = 0; i < n; i++) {
		bench_progress("%s warm latency, request %d/%d", bench_alg_name[w], i + 1, n);
		v[i] = timed_generate(r, w, buf, sizeof(buf), err, errlen);
		if (v[i] < 0)
			goto out;
	}
	if (w != SS && served_read(r->prov, &after))
		served_text(&before, &after, res->warm_by, sizeof(res->warm_by));
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	res->warm_median = bench_median(v, (size_t)n);
	res->warm_p90 = percentile(v, (size_t)n, 0.90);
	res->warm_p99 = percentile(v, (size_t)n, 0.99);
	ret = 0;
out:
	free(v);
	return ret;
}

/*
 * Bytes per second over s->tp_bytes, or until the time limit, in requests
 * of *request bytes. A failed request halves the size (at least 32) and
 * starts over; *request is the size the figure was measured with.
 */
static int bench_throughput(struct rng *r, enum which w, const struct settings *s, size_t *request,
			    struct result *res, char *err, size_t errlen)
{
	unsigned char *buf = malloc(TS_MAX_REQUEST);
	uint64_t done = 0, t0 = ts_now_ns(), limit;
	double elapsed = 0;
	struct served before, after;

	if (buf == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	limit = s->tp_seconds > 0 ? (uint64_t)(s->tp_seconds * 1e9) : UINT64_MAX;
	served_read(r->prov, &before);
	while (done < s->tp_bytes && ts_now_ns() - t0 < limit) {
		size_t len =
			s->tp_bytes - done < *request ? (size_t)(s->tp_bytes - done) : *request;
		double ms;

		bench_progress("%s throughput, %llu/%llu bytes", bench_alg_name[w],
			       (unsigned long long)done, (unsigned long long)s->tp_bytes);
		ms = timed_generate(r, w, buf, len, err, errlen);
		if (ms < 0) {
			if (*request <= SEED_BYTES || done > 0 || w == SS) {
				free(buf);
				return -1;
			}
			/* Too large for the deadline here: smaller requests. */
			*request /= 2;
			snprintf(res->note, sizeof(res->note),
				 "a request of %zu bytes failed; measured in %zu-byte requests",
				 *request * 2, *request);
			t0 = ts_now_ns();
			continue;
		}
		done += len;
		elapsed += ms / 1e3;
	}
	free(buf);
	if (w != SS && served_read(r->prov, &after))
		served_text(&before, &after, res->tp_by, sizeof(res->tp_by));
	res->tp_bytes = done;
	res->tp_request = *request;
	res->throughput = elapsed > 0 ? (double)done / elapsed : 0;
	return 0;
}

/* ---- cold: the first request in a new process -------------------------- */

/* ---- the calibration in force, as the provider itself says ------------- */

/*
 * Ask prov for its "calibration" param; cal->in_force when it says
 * "FILE in force:" for cal->file.
 */
static void calibration_check(OSSL_PROVIDER *prov, struct calibration *cal)
{
	const char *status = NULL;
	OSSL_PARAM p[] = {OSSL_PARAM_utf8_ptr("calibration", (char **)&status, 0), OSSL_PARAM_END};
	size_t flen = strlen(cal->file);

	if (!OSSL_PROVIDER_get_params(prov, p) || status == NULL)
		status = "(not reported by this module)";
	snprintf(cal->status, sizeof(cal->status), "%s", status);
	cal->in_force = strncmp(status, cal->file, flen) == 0 &&
			strncmp(status + flen, " in force:", 10) == 0;
	if (!cal->in_force)
		snprintf(cal->note, sizeof(cal->note),
			 "CALIBRATION NOT IN FORCE, nothing calibrated measured: the provider "
			 "says: %.400s",
			 status);
	else if (strstr(status, "settings differ") != NULL)
		snprintf(cal->note, sizeof(cal->note),
			 "in force, but some sources keep their default credit (settings differ "
			 "from those calibrated)");
}

/*
 * The generated config of the calibrated context, in dir: timingseed alone,
 * its module pinned, `calibration = FILE`. 0, or -1 with err set.
 */
static int calibrated_config(const char *dir, const char *module, const char *calibration,
			     char path[PATH_MAX], char *err, size_t errlen)
{
	char text[2 * PATH_MAX + 256];
	const char *head = "openssl_conf = openssl_init\n[openssl_init]\nproviders = "
			   "provider_sect\n[provider_sect]\ntimingseed = timingseed_sect\n";
	size_t n = strlen(head);
	FILE *f;
	int ok;

	memcpy(text, head, n + 1);
	if (bench_provider_section(module, calibration, text + n, sizeof(text) - n) < 0) {
		snprintf(err, errlen, "the module's and the calibration's paths are too long");
		return -1;
	}
	snprintf(path, PATH_MAX, "%s/openssl.cnf", dir);
	f = fopen(path, "w");
	ok = f != NULL && fputs(text, f) >= 0;
	if (f != NULL && fclose(f) != 0)
		ok = 0;
	if (!ok)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	return ok ? 0 : -1;
}

/*
 * A path written into openssl.cnf as it is: OpenSSL's config syntax gives
 * '#', '$', quotes and backslashes a meaning there.
 */
static bool conf_safe(const char *path)
{
	return strpbrk(path, "#$\"'\\\n\r") == NULL;
}

/*
 * The hidden child: load the provider, time exactly the first request.
 * Calibrated (conf set): the calibration must be in force here too, as
 * the parent saw it; it is asked after the timed request.
 */
static int cold_once(const char *what, const char *modules, const char *conf,
		     const char *calibration)
{
	unsigned char buf[SEED_BYTES];
	char err[ERRLEN];
	struct rng r;
	enum which w;
	double ms;

	if (strcmp(what, cold_arg[TS]) == 0)
		w = TS;
	else if (strcmp(what, cold_arg[SS]) == 0)
		w = SS;
	else if (strcmp(what, cold_arg[TC]) == 0 && conf != NULL && calibration != NULL)
		w = TC;
	else
		return cli_usage_error("bench: --cold-once: '%s' is not timingseed, seedsrc, or "
				       "calibrated with --cold-config and --calibration",
				       what);
	if (rng_open(w, modules, w == TC ? conf : NULL, &r, err, sizeof(err)) != 0)
		return cli_usage_error("bench: %s", err);
	ms = timed_generate(&r, w, buf, sizeof(buf), err, sizeof(err));
	if (ms >= 0 && w == TC) {
		struct calibration cal = {.file = calibration};

		calibration_check(r.prov, &cal);
		if (!cal.in_force) {
			rng_free(&r);
			return cli_usage_error("bench: cold run: %s", cal.note);
		}
	}
	rng_free(&r);
	if (ms < 0)
		return cli_usage_error("bench: %s", err);
	printf("%.6f\n", ms);
	return 0;
}

/* The tool's own executable, for the cold runs: 0, or -1 with errno. */
static int self_path(char buf[PATH_MAX])
{
#ifdef __APPLE__
	char raw[PATH_MAX];
	uint32_t size = sizeof(raw);

	if (_NSGetExecutablePath(raw, &size) != 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return realpath(raw, buf) != NULL ? 0 : -1;
#else
	ssize_t n = readlink("/proc/self/exe", buf, PATH_MAX - 1);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
#endif
}

/*
 * Run `self bench --cold-once WHICH [--modules DIR]` (calibrated: and
 * `--cold-config CONF --calibration FILE`); the ms it printed, or -1.
 */
static double cold_run(const char *self, enum which w, const char *modules, const char *conf,
		       const char *calibration, char *err, size_t errlen)
{
	char *args[11] = {"timingseed", "bench", "--cold-once", (char *)cold_arg[w]};
	size_t na = 4;
	char out[64];
	size_t got = 0;
	int fd[2], status;
	ssize_t r;
	pid_t pid;
	char *end;
	double ms;

	if (w == TC) {
		args[na++] = "--cold-config";
		args[na++] = (char *)conf;
		args[na++] = "--calibration";
		args[na++] = (char *)calibration;
	}
	if (modules != NULL) {
		args[na++] = "--modules";
		args[na++] = (char *)modules;
	}
	args[na] = NULL;
	if (cli_pipe_cloexec(fd) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		if (dup2(fd[1], STDOUT_FILENO) < 0)
			_exit(127);
		execv(self, args);
		_exit(127);
	}
	close(fd[1]);
	while (got < sizeof(out) - 1 && ((r = read(fd[0], out + got, sizeof(out) - 1 - got)) > 0 ||
					 (r < 0 && errno == EINTR)))
		got += r > 0 ? (size_t)r : 0;
	close(fd[0]);
	out[got] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			return -1;
		}
	errno = 0;
	ms = strtod(out, &end);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || end == out || errno != 0 || ms < 0) {
		snprintf(err, errlen,
			 "cold run of %s%s (%.300s bench --cold-once %s) failed, %s %d",
			 bench_alg_name[w], w == TC ? " calibrated" : "", self, cold_arg[w],
			 WIFEXITED(status) ? "exit status" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -1;
	}
	return ms;
}

/* The first nw of TS, SS, TC; conf and calibration for TC. */
static int bench_cold(const char *self, const char *modules, const char *conf,
		      const char *calibration, int nw, int n, struct result res[NWHICH], char *err,
		      size_t errlen)
{
	double *v[NWHICH] = {NULL};
	int i, k, ret = -1;

	for (k = 0; k < nw; k++) {
		v[k] = calloc((size_t)n, sizeof(double));
		if (v[k] == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	/* Interleaved, so all see the same background load. */
	for (i = 0; i < n; i++)
		for (k = 0; k < nw; k++) {
			bench_progress("cold latency, process %d/%d (%s)", i + 1, n,
				       bench_column_name[k]);
			v[k][i] = cold_run(self, (enum which)k, modules, conf, calibration, err,
					   errlen);
			if (v[k][i] < 0)
				goto out;
		}
	for (k = 0; k < nw; k++) {
		qsort(v[k], (size_t)n, sizeof(double), bench_cmp_double);
		res[k].cold_median = bench_median(v[k], (size_t)n);
		res[k].cold_min = v[k][0];
		res[k].cold_max = v[k][n - 1];
		res[k].cold_ok = n;
	}
	ret = 0;
out:
	for (k = 0; k < NWHICH; k++)
		free(v[k]);
	return ret;
}

/* ---- per source -------------------------------------------------------- */

/*
 * Each source's credit in force after the startup test of a pool with the
 * calibration, into out[i].credit_cal (-1: none, or not read).
 */
static void calibrated_credits(const char *calibration, struct source_result *out, size_t n)
{
	struct ts_source_stats st[TS_MAX_SOURCES];
	struct ts_pool *pool = ts_pool_new();
	char err[ERRLEN];
	size_t m = 0, i, j;

	for (i = 0; i < n; i++)
		out[i].credit_cal = -1;
	if (pool == NULL || ts_pool_set(pool, "calibration", calibration, err, sizeof(err)) != 0)
		goto out;
	bench_progress("startup tests, calibrated");
	ts_pool_startup(pool);
	m = ts_pool_stats(pool, st, TS_MAX_SOURCES);
	for (i = 0; i < n; i++)
		for (j = 0; j < m; j++)
			if (strcmp(out[i].name, st[j].name) == 0)
				out[i].credit_cal = st[j].credit;
out:
	ts_pool_free(pool);
}

static size_t bench_sources(unsigned int ms, const char *calibration, struct source_result *out,
			    size_t max)
{
	struct ts_source_stats st[TS_MAX_SOURCES];
	struct ts_pool *pool = ts_pool_new();
	size_t n = 0, i;

	if (pool == NULL)
		goto out;
	bench_progress("startup tests");
	ts_pool_startup(pool);
	n = ts_pool_stats(pool, st, TS_MAX_SOURCES < max ? TS_MAX_SOURCES : max);
	for (i = 0; i < n; i++) {
		out[i].name = st[i].name;
		out[i].state = st[i].state;
		out[i].credit = st[i].credit;
		out[i].credit_cal = -1;
		out[i].samples_per_s = 0;
	}
	if (calibration != NULL)
		calibrated_credits(calibration, out, n);
	for (i = 0; i < n; i++) {
		const struct ts_source *src = ts_source_find(st[i].name);
		const char *why = NULL;
		void *cfg;

		if (src == NULL || !src->available(&why))
			continue;
		cfg = ts_config_new(src);
		if (cfg == NULL)
			continue;
		bench_progress("collecting from %s", src->name);
		out[i].samples_per_s = cli_sample_rate(src, cfg, ms);
		if (out[i].samples_per_s < 0)
			out[i].samples_per_s = 0;
		ts_config_free(cfg);
	}
out:
	ts_pool_free(pool);
	return n;
}

/* ---- main -------------------------------------------------------------- */

/* Where the tool lives: <dir>/../modules when it holds the module. */
static const char *modules_next_to_tool(const char *self, char buf[PATH_MAX], size_t len)
{
	char dir[PATH_MAX], path[PATH_MAX + 64];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", self);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return NULL;
	*slash = '\0';
	snprintf(path, sizeof(path), "%s/../modules/" MODULE_FILE, dir);
	if (access(path, R_OK) != 0)
		return NULL;
	snprintf(path, sizeof(path), "%s/../modules", dir);
	if (realpath(path, buf) == NULL || strlen(buf) >= len)
		return NULL;
	return buf;
}

/* The largest power of two <= 4096 whose request the warm p99 says fits. */
static size_t request_size(double warm_p99_ms)
{
	double budget = TS_DEFAULT_DEADLINE / 2.0;
	size_t r = TS_MAX_REQUEST;

	while (r > SEED_BYTES && warm_p99_ms * ((double)r / SEED_BYTES) > budget)
		r /= 2;
	return r;
}

/*
 * With --calibration: the generated config in a private directory, the
 * calibrated context, the provider's word that the calibration is in
 * force there, and its warm figures. 0 when measured or when not in force
 * (cal->note says so); -1 with err set when it cannot be tried.
 */
static int open_calibrated(const struct settings *s, const char *module, char dir[PATH_MAX],
			   char conf[PATH_MAX], struct rng *r, struct result *res,
			   struct calibration *cal, char *err, size_t errlen)
{
	if (!conf_safe(module) || !conf_safe(s->calibration)) {
		snprintf(err, errlen,
			 "the module's path (%.300s) or the calibration's (%.300s) has a "
			 "character openssl.cnf would read as syntax",
			 module, s->calibration);
		return -1;
	}
	snprintf(dir, PATH_MAX, "/tmp/timingseed-bench-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		snprintf(err, errlen, "cannot make a temporary directory: %s", strerror(errno));
		dir[0] = '\0';
		return -1;
	}
	if (calibrated_config(dir, module, s->calibration, conf, err, errlen) != 0 ||
	    rng_open(TC, s->modules, conf, r, err, errlen) != 0)
		return -1;
	calibration_check(r->prov, cal);
	if (!cal->in_force) {
		rng_free(r);
		return 0;
	}
	return bench_warm(r, TC, s->warm_n, s->settle_ms, res, err, errlen);
}

static void remove_calibrated(const char *dir, const char *conf)
{
	if (conf[0] != '\0')
		unlink(conf);
	if (dir[0] != '\0')
		rmdir(dir);
}

int cmd_bench(int argc, char **argv)
{
	struct settings s = {.tp_bytes = DEFAULT_TP_MIB << 20,
			     .tp_seconds = 10,
			     .warm_n = 200,
			     .cold_n = 21,
			     .process_n = 31,
			     .source_ms = 200};
	struct source_result src[TS_MAX_SOURCES];
	struct result res[NWHICH];
	struct process_result proc;
	struct calibration cal = {0};
	struct rng r[NWHICH] = {{0}};
	const char *cold = NULL, *cold_conf = NULL, *env;
	char self[PATH_MAX], mod_buf[PATH_MAX], module[PATH_MAX + 32], err[ERRLEN];
	char cal_path[PATH_MAX], cal_dir[PATH_MAX] = "", cal_conf[PATH_MAX] = "";
	size_t nsrc, req, req_cal;
	int a, k, nw = 2, ret = 1;

	for (a = 1; a < argc; a++) {
		const char *arg = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;
		uint64_t v;

		if (strcmp(arg, "--json") == 0) {
			s.json = true;
		} else if (strcmp(arg, "--quick") == 0) {
			s.quick = true;
		} else if (strcmp(arg, "--modules") == 0 && val) {
			s.modules = val;
			a++;
		} else if (strcmp(arg, "--calibration") == 0 && val) {
			s.calibration = val;
			a++;
		} else if (strcmp(arg, "--cold-once") == 0 && val) {
			cold = val;
			a++;
		} else if (strcmp(arg, "--cold-config") == 0 && val) {
			cold_conf = val;
			a++;
		} else if (strcmp(arg, "--throughput-bytes") == 0) {
			if (cli_parse_count(arg, val, 1ULL << 40, &v) != 0)
				return 2;
			s.tp_bytes = v;
			a++;
		} else if (strcmp(arg, "--throughput-seconds") == 0) {
			if (val != NULL && strcmp(val, "0") == 0)
				v = 0;
			else if (cli_parse_count(arg, val, 86400, &v) != 0)
				return 2;
			s.tp_seconds = (double)v;
			a++;
		} else {
			return cli_usage_error(
				"bench: unknown argument '%s' (usage: timingseed bench [--json] "
				"[--modules DIR] [--throughput-bytes N] [--throughput-seconds S] "
				"[--calibration FILE])",
				arg);
		}
	}
	env = getenv("OPENSSL_MODULES");
	if (s.modules == NULL && env != NULL && *env != '\0')
		s.modules = env;
	if (cold != NULL)
		return cold_once(cold, s.modules, cold_conf, s.calibration);

	if (s.calibration != NULL) {
		/* The provider reads it where the config is loaded: name it absolutely. */
		if (realpath(s.calibration, cal_path) == NULL)
			return cli_usage_error("bench: --calibration %s: %s", s.calibration,
					       strerror(errno));
		s.calibration = cal_path;
		cal.file = cal_path;
		s.settle_ms = SETTLE_MS;
	}
	if (self_path(self) != 0)
		return cli_usage_error("bench: cannot find the tool itself: %s", strerror(errno));
	if (s.modules == NULL)
		s.modules = modules_next_to_tool(self, mod_buf, sizeof(mod_buf));
	if (s.quick) {
		s.warm_n = 10;
		s.cold_n = 3;
		s.process_n = 3;
		s.source_ms = 20;
		s.tp_bytes = 4096;
		s.tp_seconds = 1;
	}
	memset(res, 0, sizeof(res));
	cli_progress_init(&progress, "bench", 1000, 200);

	nsrc = bench_sources(s.source_ms, s.calibration, src, TS_MAX_SOURCES);
	for (k = 0; k < 2; k++) {
		if (rng_open((enum which)k, s.modules, NULL, &r[k], err, sizeof(err)) != 0 ||
		    bench_warm(&r[k], (enum which)k, s.warm_n, k == TS ? s.settle_ms : 0, &res[k],
			       err, sizeof(err)) != 0)
			goto fail;
	}
	if (s.modules != NULL)
		snprintf(module, sizeof(module), "%s/%s", s.modules, MODULE_FILE);
	if (!cli_loaded_module(MODULE_FILE, module, sizeof(module)) && s.modules == NULL)
		snprintf(module, sizeof(module), "%s", MODULE_FILE);
	if (s.calibration != NULL) {
		if (open_calibrated(&s, module, cal_dir, cal_conf, &r[TC], &res[TC], &cal, err,
				    sizeof(err)) != 0)
			goto fail;
		if (cal.in_force)
			nw = 3;
		else
			fprintf(stderr, "timingseed: bench: %s\n", cal.note);
	}
	if (bench_cold(self, s.modules, cal_conf, s.calibration, nw, s.cold_n, res, err,
		       sizeof(err)) != 0)
		goto fail;
	req = request_size(res[TS].warm_p99);
	if (req < TS_MAX_REQUEST)
		snprintf(res[TS].note, sizeof(res[TS].note),
			 "4096-byte requests would not meet the %d ms deadline at the warm p99; "
			 "measured in %zu-byte requests",
			 TS_DEFAULT_DEADLINE, req);
	req_cal = request_size(res[TC].warm_p99);
	if (nw == 3 && req_cal < TS_MAX_REQUEST)
		snprintf(res[TC].note, sizeof(res[TC].note),
			 "4096-byte requests would not meet the %d ms deadline at the warm p99; "
			 "measured in %zu-byte requests",
			 TS_DEFAULT_DEADLINE, req_cal);
	for (k = 0; k < nw; k++)
		if (bench_throughput(&r[k], (enum which)k, &s, k == TC ? &req_cal : &req, &res[k],
				     err, sizeof(err)) != 0)
			goto fail;
	bench_process(module, nw == 3 ? s.calibration : NULL, s.process_n, &proc);
	cli_progress_clear(&progress);
	if (s.json)
		bench_print_json(&s, module, src, nsrc, res, &proc, &cal);
	else
		bench_print_table(&s, module, src, nsrc, res, &proc, &cal);
	ret = 0;
	goto out;
fail:
	cli_progress_clear(&progress);
	cli_usage_error("bench: %s", err);
out:
	for (k = 0; k < NWHICH; k++)
		rng_free(&r[k]);
	remove_calibrated(cal_dir, cal_conf);
	return ret;
}
