/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The noise-source interface.
 *
 * A source produces raw samples: durations, in ticks (see tick.h), of one
 * kernel operation each. It knows nothing of health tests, credit or
 * hashing; the pool does all of that. The symbol the health tests and the
 * credit refer to is the low byte of a sample (ts_symbol()), as NIST's
 * ea_non_iid reads 8-bit samples.
 *
 * A source's options are a table of struct ts_option; options.h turns text
 * into a config by that table. The list of sources is in registry.h.
 *
 * A collection takes every resource it needs (fds, threads, temp files)
 * and gives all of it back before it returns, as the openentropy seeds do.
 * Nothing lives between collections, so a fork() between two requests has
 * nothing to share or leak, and unloading the provider has nothing to join.
 */
#ifndef TIMINGSEED_SOURCE_H
#define TIMINGSEED_SOURCE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ts_opt_type {
	TS_OPT_UINT, /* uint64_t field */
	TS_OPT_BOOL, /* bool field */
};

/* One configuration option of a source, as the seed documents it. */
struct ts_option {
	const char *key;
	enum ts_opt_type type;
	size_t offset; /* of the field in the source's config struct */
	uint64_t min;
	uint64_t max;
	bool clamp; /* out of range: clamp as the seed does, else reject */
	const char *help;
};

/*
 * One assessment a default credit is held to: option settings that fix
 * variation the collector itself chooses (a write size an LCG picks, the
 * alternation of two queries). Such variation is known to an attacker and
 * worth nothing, so the credit is assessed without it. sets are
 * "OPTION=VALUE", NULL-terminated.
 */
struct ts_assessment {
	const char *label;
	const char *sets[4];
};

struct ts_source {
	const char *name;
	/*
	 * Where the original runs ("posix", "macos", "macos,bsd", "linux"),
	 * or "any": every platform with a ts_ticks() counter.
	 */
	const char *platform;
	const char *description;
	/*
	 * Default credit in bits of min-entropy per raw sample: at most half
	 * of what an SP 800-90B non-IID assessment measured on the reference
	 * machine (docs/sources.md has the figures and commands).
	 */
	double default_credit;
	size_t config_size;
	const void *config_default;
	const struct ts_option *options; /* terminated by a NULL key */
	/* True when usable in this build on this machine, else *why says why. */
	bool (*available)(const char **why);
	/*
	 * Collect up to n samples into out, stopping at deadline_ns
	 * (ts_now_ns() clock). Returns the number collected, or -errno when
	 * the source could not run at all (EMFILE, ENOMEM, ...).
	 */
	long (*collect)(const void *config, uint64_t *out, size_t n, uint64_t deadline_ns);
	/*
	 * A static cost hint: ns per sample over a startup test's 1024
	 * samples (setup included) on the reference machine, or 0 when
	 * unknown. The pool startup-tests the cheapest sources first
	 * without probing them; unknown ones are probed.
	 */
	double cost_ns;
	/*
	 * The assessments the default credit is held to (docs/sources.md),
	 * ended by a NULL label; NULL when the defaults fix everything the
	 * collector chooses.
	 */
	const struct ts_assessment *assessments;
	/*
	 * True when neither available() nor collect() makes a system call
	 * that a sandbox may forbid: only user-space work, memory the
	 * allocator maps, and clock_gettime (the vDSO's own fallback, which
	 * every seccomp allow list admits). Such a source can serve a process
	 * that confined itself after it loaded the provider (a seccomp filter,
	 * a chroot, rlimits); the pool runs no other kind unless told the
	 * process is never confined (timingseed(7), SANDBOXES). False, the safe
	 * reading, when a source does not say.
	 */
	bool syscall_free;
};

/*
 * The assessments src's default credit is held to, ended by a NULL label:
 * its own, or one labelled "defaults" with no settings when it has none.
 */
const struct ts_assessment *ts_source_assessments(const struct ts_source *src);

/* The symbol health tests and credit refer to. */
static inline uint8_t ts_symbol(uint64_t sample)
{
	return (uint8_t)sample;
}

/*
 * The collect() of a source built for another platform: -ENOSYS. Such a
 * source's available() is false and says why, so nothing calls it.
 */
static inline long ts_collect_unsupported(const void *config, uint64_t *out, size_t n,
					  uint64_t deadline_ns)
{
	(void)config;
	(void)out;
	(void)n;
	(void)deadline_ns;
	return -ENOSYS;
}

#endif
