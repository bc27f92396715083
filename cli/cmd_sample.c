// SPDX-License-Identifier: Apache-2.0
/*
 * timingseed sample SOURCE -n N -o FILE [--format u8|u64|openentropy]
 *                   [--set OPTION=VALUE]...
 *
 * Raw samples for outside assessment. u8 (default) writes the symbol the
 * health tests and the credit refer to, one byte per sample, as NIST's
 * ea_non_iid reads it; u64 the whole durations, little-endian; openentropy
 * the bytes openentropy's extract_timing_entropy would make (for
 * comparison only). --set fixes a source option, e.g. a constant write
 * size, to assess without collector-chosen variation.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "timingseed/extract.h"
#include "timingseed/options.h"
#include "timingseed/registry.h"
#include "timingseed/tick.h"
#include "cli.h"
#include "progress.h"

#define CHUNK	    65536
#define MAX_SAMPLES (1ULL << 32)

enum format { FMT_U8, FMT_U64, FMT_OPENENTROPY };

static int write_all(FILE *f, const void *p, size_t n)
{
	return fwrite(p, 1, n, f) == n ? 0 : -1;
}

static int emit(FILE *f, enum format fmt, const uint64_t *s, size_t n, uint8_t *tmp)
{
	size_t i;

	switch (fmt) {
	case FMT_U8:
		for (i = 0; i < n; i++)
			tmp[i] = ts_symbol(s[i]);
		return write_all(f, tmp, n);
	case FMT_U64:
		for (i = 0; i < n; i++) {
			int b;

			for (b = 0; b < 8; b++)
				tmp[b] = (uint8_t)(s[i] >> (8 * b));
			if (write_all(f, tmp, 8) != 0)
				return -1;
		}
		return 0;
	case FMT_OPENENTROPY:
		n = ts_extract_timing_entropy(s, n, tmp, n);
		return write_all(f, tmp, n);
	}
	return -1;
}

int cmd_sample(int argc, char **argv)
{
	const char *name = NULL, *path = NULL, *why = NULL;
	const struct ts_source *src;
	enum format fmt = FMT_U8;
	uint64_t n = 0, done = 0, carry[2];
	struct cli_progress pr;
	uint64_t *buf = NULL;
	uint8_t *tmp = NULL;
	void *cfg = NULL;
	size_t ncarry = 0;
	FILE *f = NULL;
	int a, ret = 1;

	for (a = 1; a < argc; a++) {
		const char *arg = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;

		if (strcmp(arg, "-n") == 0 && val) {
			if (cli_parse_count("-n", val, MAX_SAMPLES, &n) != 0)
				return 2;
			a++;
		} else if (strcmp(arg, "-o") == 0 && val) {
			path = val;
			a++;
		} else if (strcmp(arg, "--format") == 0 && val) {
			if (strcmp(val, "u8") == 0)
				fmt = FMT_U8;
			else if (strcmp(val, "u64") == 0)
				fmt = FMT_U64;
			else if (strcmp(val, "openentropy") == 0)
				fmt = FMT_OPENENTROPY;
			else
				return cli_usage_error(
					"--format: '%s' is not u8, u64 or openentropy", val);
			a++;
		} else if (strcmp(arg, "--set") == 0 && val) {
			a++; /* applied once the source is known */
		} else if (arg[0] != '-' && name == NULL) {
			name = arg;
		} else {
			return cli_usage_error("sample: unexpected argument '%s'", arg);
		}
	}
	if (name == NULL || n == 0 || path == NULL)
		return cli_usage_error("usage: timingseed sample SOURCE -n N -o FILE "
				       "[--format u8|u64|openentropy] [--set OPTION=VALUE]");
	src = ts_source_find(name);
	if (src == NULL)
		return cli_usage_error("unknown source '%s' (see `timingseed sources`)", name);
	if (!src->available(&why))
		return cli_usage_error("%s is not available here: %s", name, why ? why : "?");
	cfg = ts_config_new(src);
	if (cfg == NULL)
		return cli_usage_error("out of memory");
	ret = cli_apply_sets(src, cfg, argc, argv);
	if (ret != 0)
		goto out;

	buf = malloc((CHUNK + 2) * sizeof(*buf));
	tmp = malloc(CHUNK + 8);
	f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
	if (buf == NULL || tmp == NULL || f == NULL) {
		ret = cli_usage_error("cannot open '%s' or allocate buffers", path);
		goto out;
	}
	cli_progress_init(&pr, "sample", 1000, 1000);
	/* Samples going to the same terminal: a \r line would write over them. */
	if (f == stdout && isatty(STDOUT_FILENO) == 1)
		pr.tty = false;
	while (done < n) {
		size_t want = n - done < CHUNK ? (size_t)(n - done) : CHUNK, have;
		long got;

		/* openentropy bytes need two samples of look-ahead, carried over. */
		memcpy(buf, carry, ncarry * sizeof(*buf));
		got = src->collect(cfg, buf + ncarry,
				   want + (fmt == FMT_OPENENTROPY ? 2 - ncarry : 0),
				   ts_now_ns() + 10000000000ULL);
		if (got <= 0) {
			ret = cli_usage_error("%s: collection failed after %llu samples", name,
					      (unsigned long long)done);
			goto out;
		}
		have = (size_t)got + ncarry;
		if (fmt == FMT_OPENENTROPY) {
			size_t bytes = have > 2 ? have - 2 : 0;

			if (bytes > want)
				bytes = want;
			if (emit(f, fmt, buf, bytes + 2, tmp) != 0)
				goto werr;
			memcpy(carry, buf + bytes, 2 * sizeof(*buf));
			ncarry = have - bytes >= 2 ? 2 : have - bytes;
			done += bytes;
		} else {
			if (emit(f, fmt, buf, (size_t)got, tmp) != 0)
				goto werr;
			done += (uint64_t)got;
		}
		cli_progress(&pr, "%s %llu/%llu samples (%.0f%%)", name, (unsigned long long)done,
			     (unsigned long long)n, 100.0 * done / n);
	}
	cli_progress_end(&pr);
	ret = 0;
	goto out;
werr:
	ret = cli_usage_error("writing '%s' failed", path);
out:
	if (f != NULL && f != stdout && fclose(f) != 0 && ret == 0)
		ret = cli_usage_error("writing '%s' failed", path);
	/* "-o -": a full pipe or disk shows here, not lost at exit. */
	if (f == stdout && fflush(stdout) != 0 && ret == 0)
		ret = cli_usage_error("writing '%s' failed", path);
	free(buf);
	free(tmp);
	ts_config_free(cfg);
	return ret;
}
