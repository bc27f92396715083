// SPDX-License-Identifier: Apache-2.0
/*
 * Allocation failure at every allocation in turn. main() installs a
 * tracking allocator with CRYPTO_set_mem_functions before anything
 * allocates. A full cycle (new library context, load the provider, fetch
 * TIMING-SEED, new context, instantiate, generate, a CTR-DRBG on top (a
 * get_seed), verify zeroization, free, unload) is run once to count its
 * allocations, then once per
 * allocation i with the i-th made to fail. Each time: no crash; a cycle
 * that fails leaves an error on the queue (one of timingseed's when it
 * failed inside a request the provider serves); and every block allocated
 * during the cycle has been freed again (the allocator keeps a list of
 * live blocks; the error queue's buffers, kept for reuse by design,
 * are the only exception).
 *
 * Which allocations are counted (TS_ALLOC_WINDOW):
 *   calls (default) every allocating step of our code: each allocation
 *         timingseed.so makes itself (OPENSSL_malloc and friends), and the
 *         first allocation of each call it makes into OpenSSL (our private
 *         library context, the SHA-256 fetch, each digest context, each
 *         error record...), so that every such call fails once and our
 *         handling of it runs;
 *   deep  every allocation made on behalf of timingseed.so, however deep
 *         inside OpenSSL;
 *   full  every allocation of the cycle, OpenSSL's own included.
 * "On behalf of" means a frame of the call stack is in the module. With
 * deep and full, OpenSSL 3.0 leaks inside OSSL_LIB_CTX_new, EVP_MD_fetch
 * and provider loading when some of its internal allocations fail (the
 * blocks are OpenSSL's: core_namemap.c, property_string.c, lhash.c...):
 * those modes report leaks and fail only on a block our code allocated.
 * TS_ALLOC_VERBOSE=1 prints every cycle, with the module offset of the
 * call that failed (addr2line -f -e timingseed.so OFFSET).
 */
#include <dlfcn.h>
#include <execinfo.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

/* ---- the allocator ------------------------------------------------------ */

/*
 * A live block. file points into whoever called the allocator: for our
 * code that is the module, which may be unloaded by the time the block is
 * looked at, so blocks of ours keep a copy of where they came from.
 */
struct blk {
	struct blk *prev, *next;
	size_t n;
	const char *file; /* OpenSSL's only, else NULL */
	int line;
	unsigned long serial;
	void *caller;  /* who called the allocator, when file says nothing */
	int errq;      /* a buffer of the error queue */
	char ours[48]; /* "pool.c:123" when our code allocated it */
} __attribute__((aligned(16)));

static pthread_mutex_t mlock = PTHREAD_MUTEX_INITIALIZER;
static struct blk live = {.prev = &live, .next = &live};
static unsigned long serial;

enum window { W_CALLS, W_DEEP, W_FULL };

static int armed; /* counting allocations of the window */
static enum window window;
static char tree[512]; /* this source tree: our code allocates from here */
/* Module call site of the last allocation counted, per thread: the first
 * request fetches SHA-256 on a thread of its own (pool/digest.c). */
static __thread uintptr_t last;
static long counted; /* allocations of the window so far */
static long fail_at; /* fail this one (1-based), 0: none */
static int injected; /* the failure was made */
static const char *module = "/timingseed.so";

static uintptr_t site; /* where in the module the failed allocation came from */

/*
 * Is any frame of the call stack in timingseed.so? *where gets the
 * innermost one, as an offset into the module (addr2line -e timingseed.so).
 */
static int on_behalf_of_module(uintptr_t *where)
{
	void *frames[64];
	int n = backtrace(frames, 64), i;

	for (i = 2; i < n; i++) {
		Dl_info di;

		if (dladdr(frames[i], &di) && di.dli_fname != NULL &&
		    strstr(di.dli_fname, module) != NULL) {
			*where = (uintptr_t)frames[i] - (uintptr_t)di.dli_fbase;
			return 1;
		}
	}
	return 0;
}

/* Called with mlock held: 1 when this allocation is to fail. */
static int should_fail(const char *file)
{
	uintptr_t where = 0;
	int ours, direct;

	if (!armed)
		return 0;
	ours = on_behalf_of_module(&where);
	direct = file != NULL && strncmp(file, tree, strlen(tree)) == 0;
	if (window == W_CALLS) {
		/* A new step: our own allocation, or a call from another
		 * place in the module than the allocation before. */
		int step = ours && (direct || where != last);

		last = ours && !direct ? where : 0;
		if (!step)
			return 0;
	} else if (window == W_DEEP && !ours) {
		return 0;
	}
	if (++counted != fail_at)
		return 0;
	injected = 1;
	site = where;
	return 1;
}

static void insert_blk(struct blk *b)
{
	b->next = live.next;
	b->prev = &live;
	live.next->prev = b;
	live.next = b;
}

static void unlink_blk(struct blk *b)
{
	b->prev->next = b->next;
	b->next->prev = b->prev;
}

/* "CRYPTO_strdup+0x1c": names a caller when OpenSSL passed no file. */
static const char *symbol(void *addr)
{
	static char buf[128];
	Dl_info di;

	if (dladdr(addr, &di) == 0 || di.dli_sname == NULL)
		return "?";
	snprintf(buf, sizeof(buf), "%s+%#lx", di.dli_sname,
		 (unsigned long)((uintptr_t)addr - (uintptr_t)di.dli_saddr));
	return buf;
}

/*
 * The error queue keeps its records' buffers for reuse: the text (3.0
 * names crypto/err/ as the allocating file), and since 3.2 copies of each
 * record's file and function names, allocated with no file given
 * (err_set_debug, inlined into ERR_ functions). Neither is a leak.
 */
static int error_queue_buffer(const char *file)
{
	void *frames[4];
	int n, i;

	if (file != NULL)
		return strstr(file, "crypto/err/") != NULL;
	n = backtrace(frames, 4);
	for (i = 1; i < n; i++)
		if (strncmp(symbol(frames[i]), "ERR_", 4) == 0)
			return 1;
	return 0;
}

static void *t_malloc(size_t n, const char *file, int line)
{
	struct blk *b = NULL;

	pthread_mutex_lock(&mlock);
	if (!should_fail(file)) {
		b = malloc(sizeof(*b) + n);
		if (b != NULL) {
			b->n = n;
			b->file = file;
			b->line = line;
			b->ours[0] = '\0';
			if (file != NULL && strncmp(file, tree, strlen(tree)) == 0) {
				snprintf(b->ours, sizeof(b->ours), "%s:%d", file + strlen(tree),
					 line);
				b->file = NULL;
			}
			b->serial = ++serial;
			b->caller = __builtin_return_address(0);
			b->errq = error_queue_buffer(file);
			insert_blk(b);
		}
	}
	pthread_mutex_unlock(&mlock);
	return b != NULL ? b + 1 : NULL;
}

static void t_free(void *p, const char *file, int line)
{
	struct blk *b;

	(void)file;
	(void)line;
	if (p == NULL)
		return;
	b = (struct blk *)p - 1;
	pthread_mutex_lock(&mlock);
	unlink_blk(b);
	pthread_mutex_unlock(&mlock);
	free(b);
}

static void *t_realloc(void *p, size_t n, const char *file, int line)
{
	struct blk *b, *nb = NULL;

	if (p == NULL)
		return t_malloc(n, file, line);
	if (n == 0) {
		t_free(p, file, line);
		return NULL;
	}
	b = (struct blk *)p - 1;
	/* A block keeps its serial and site: a realloc is not a new block. */
	pthread_mutex_lock(&mlock);
	if (!should_fail(file)) {
		unlink_blk(b);
		nb = realloc(b, sizeof(*b) + n);
		if (nb != NULL)
			nb->n = n;
		insert_blk(nb != NULL ? nb : b); /* on failure b is unchanged */
	}
	pthread_mutex_unlock(&mlock);
	return nb != NULL ? nb + 1 : NULL;
}

/*
 * Blocks allocated after `since` still live: print them, count them, and
 * count in *ours those our code allocated itself.
 */
static long leaks_since(unsigned long since, long fail, long *ours)
{
	struct blk *b;
	long n = 0;

	*ours = 0;
	pthread_mutex_lock(&mlock);
	for (b = live.next; b != &live; b = b->next) {
		if (b->serial <= since || b->errq)
			continue;
		if (b->ours[0] != '\0')
			(*ours)++;
		if (n++ >= 5)
			continue;
		if (b->ours[0] != '\0')
			print_message("  failing allocation %ld: leaked %zu bytes from %s (ours)\n",
				      fail, b->n, b->ours);
		else if (b->file != NULL)
			print_message("  failing allocation %ld: leaked %zu bytes from %s:%d\n",
				      fail, b->n, b->file, b->line);
		else
			print_message("  failing allocation %ld: leaked %zu bytes from %s\n", fail,
				      b->n, symbol(b->caller));
	}
	pthread_mutex_unlock(&mlock);
	return n;
}

/* ---- the cycle ---------------------------------------------------------- */

/* Empties the queue: whether it held errors, and one of timingseed's. */
static int queued_errors(int *ours)
{
	unsigned long e;
	int any = 0;

	*ours = 0;
	while ((e = ERR_get_error()) != 0) {
		char buf[256];

		any = 1;
		ERR_error_string_n(e, buf, sizeof(buf));
		*ours |= strstr(buf, ":timingseed:") != NULL;
	}
	return any;
}

/* Steps where the provider serves a request. */
static int in_request(const char *step)
{
	return strcmp(step, "EVP_RAND_generate") == 0 || strcmp(step, "CTR-DRBG") == 0;
}

/*
 * Returns 1 when every step worked; *step names the one that did not.
 * *err and *ours_err: errors were queued, one of them timingseed's (read
 * before the unload, which takes the provider's error strings away).
 */
static int cycle(const char **step, int *err, int *ours_err)
{
	OSSL_LIB_CTX *libctx = NULL;
	OSSL_PROVIDER *ts = NULL, *dflt = NULL;
	EVP_RAND *r = NULL, *ctr = NULL;
	EVP_RAND_CTX *s = NULL, *d = NULL;
	unsigned char out[32];
	OSSL_PARAM p[2];
	int ok = 0, after;

	*step = "OSSL_LIB_CTX_new";
	if ((libctx = OSSL_LIB_CTX_new()) == NULL)
		goto done;
	*step = "OSSL_PROVIDER_set_default_search_path";
	if (!OSSL_PROVIDER_set_default_search_path(libctx, TS_MODULE_DIR))
		goto done;
	*step = "OSSL_PROVIDER_load";
	if ((ts = OSSL_PROVIDER_load(libctx, "timingseed")) == NULL ||
	    (dflt = OSSL_PROVIDER_load(libctx, "default")) == NULL)
		goto done;
	*step = "EVP_RAND_fetch";
	if ((r = EVP_RAND_fetch(libctx, "TIMING-SEED", "provider=timingseed")) == NULL ||
	    (ctr = EVP_RAND_fetch(libctx, "CTR-DRBG", "provider=default")) == NULL)
		goto done;
	*step = "EVP_RAND_CTX_new";
	if ((s = EVP_RAND_CTX_new(r, NULL)) == NULL)
		goto done;
	*step = "EVP_RAND_instantiate";
	if (!EVP_RAND_instantiate(s, 256, 0, NULL, 0, NULL))
		goto done;
	*step = "EVP_RAND_generate";
	if (!EVP_RAND_generate(s, out, sizeof(out), 256, 0, NULL, 0))
		goto done;
	/* A DRBG on top: its instantiation is a get_seed. */
	*step = "CTR-DRBG";
	p[0] = OSSL_PARAM_construct_utf8_string("cipher", "AES-256-CTR", 0);
	p[1] = OSSL_PARAM_construct_end();
	if ((d = EVP_RAND_CTX_new(ctr, s)) == NULL || !EVP_RAND_CTX_set_params(d, p) ||
	    !EVP_RAND_instantiate(d, 256, 0, NULL, 0, NULL))
		goto done;
	*step = "EVP_RAND_verify_zeroization";
	if (!EVP_RAND_verify_zeroization(s))
		goto done;
	*step = "OSSL_PROVIDER_unload";
	ok = 1;
done:
	*err = queued_errors(ours_err);
	EVP_RAND_CTX_free(d);
	EVP_RAND_CTX_free(s);
	EVP_RAND_free(ctr);
	EVP_RAND_free(r);
	if (ts != NULL && !OSSL_PROVIDER_unload(ts))
		ok = 0;
	if (dflt != NULL && !OSSL_PROVIDER_unload(dflt))
		ok = 0;
	OSSL_LIB_CTX_free(libctx);
	*err |= queued_errors(&after);
	return ok;
}

static void test_every_allocation_fails_once(void **state)
{
	static const char *const names[] = {"calls", "deep", "full"};
	const char *w = getenv("TS_ALLOC_WINDOW"), *step;
	long n, i, failed = 0, silent = 0, leaky = 0, ours_leaky = 0, tolerated = 0, ours;
	int err, ours_err;
	unsigned long since;

	(void)state;
	window = W_CALLS;
	if (w != NULL && strcmp(w, "deep") == 0)
		window = W_DEEP;
	else if (w != NULL && strcmp(w, "full") == 0)
		window = W_FULL;

	/* OpenSSL's process-wide state is made by a first, unarmed cycle. */
	assert_true(cycle(&step, &err, &ours_err));
	ERR_clear_error();
	since = serial;
	assert_true(cycle(&step, &err, &ours_err));
	ERR_clear_error();
	assert_int_equal(leaks_since(since, 0, &ours), 0);

	/* How many allocations of the window a cycle makes. */
	armed = 1;
	counted = 0;
	last = 0;
	fail_at = 0;
	assert_true(cycle(&step, &err, &ours_err));
	armed = 0;
	n = counted;
	ERR_clear_error();
	print_message("window '%s': %ld allocations per cycle\n", names[window], n);
	assert_true(n > 0);

	for (i = 1; i <= n; i++) {
		int ok;

		since = serial;
		counted = 0;
		last = 0;
		injected = 0;
		fail_at = i;
		armed = 1;
		ok = cycle(&step, &err, &ours_err);
		armed = 0;
		if (!injected) /* this cycle made fewer allocations */
			continue;
		if (ok) {
			tolerated++;
		} else {
			failed++;
			/* Inside a request our code answers, not only OpenSSL. */
			if (!err || (in_request(step) && !ours_err)) {
				silent++;
				print_message("  failing allocation %ld: %s failed with %s\n", i,
					      step,
					      err ? "no timingseed error" : "no error queued");
			}
		}
		last = 0;
		if (leaks_since(since, i, &ours) != 0) {
			leaky++;
			ours_leaky += ours != 0;
			print_message("  failing allocation %ld (in %s, from timingseed.so+%#lx) "
				      "leaked\n",
				      i, step, (unsigned long)site);
		}
		if (getenv("TS_ALLOC_VERBOSE") != NULL)
			print_message("  %ld: %s, %s, from timingseed.so+%#lx\n", i,
				      ok ? "served" : step, err ? "error queued" : "no error",
				      (unsigned long)site);
	}
	print_message("%ld cycles: %ld failed (%ld of them silently), %ld succeeded despite the "
		      "failure; %ld leaked (%ld a block of ours)\n",
		      n, failed, silent, tolerated, leaky, ours_leaky);
	assert_int_equal(silent, 0);
	assert_int_equal(ours_leaky, 0);
	if (window == W_CALLS)
		assert_int_equal(leaky, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_allocation_fails_once),
	};
	const char *t = strstr(__FILE__, "tests/provider/test_alloc.c");
	void *warm[1];

	/* Our code's allocations name files of this tree. */
	snprintf(tree, sizeof(tree), "%.*s", t ? (int)(t - __FILE__) : 0, __FILE__);
	if (tree[0] == '\0') {
		fprintf(stderr, "cannot tell the source tree from %s\n", __FILE__);
		return 1;
	}
	/* backtrace() loads its unwinder on first use: not during a count. */
	backtrace(warm, 1);
	/* Before anything allocates through OpenSSL. */
	if (!CRYPTO_set_mem_functions(t_malloc, t_realloc, t_free)) {
		fprintf(stderr, "CRYPTO_set_mem_functions: too late\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
