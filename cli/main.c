// SPDX-License-Identifier: Apache-2.0
/* timingseed: the command-line tool. Dispatch and shared helpers. */
#include <errno.h>
#include <unistd.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "timingseed/options.h"
#include "timingseed/pool.h"
#include "timingseed/source.h"
#include "timingseed/tick.h"
#include "cli.h"
#include "progress.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
};

static const struct command commands[] = {
	{"sources", cmd_sources, "sources [--json] [--calibration FILE]"},
	{"sample", cmd_sample,
	 "sample SOURCE -n N -o FILE [--format u8|u64|openentropy] [--set OPTION=VALUE]..."},
	{"assess", cmd_assess,
	 "assess [SOURCE...] [-n N] [--file FILE]... [--bits K] [--set OPTION=VALUE]... [--json] | "
	 "assess --restart SOURCE|--file FILE [-r R] [-c C] [-H H_I] [--bits K] "
	 "[--set OPTION=VALUE]... [--json]"},
	{"seed", cmd_seed, "seed [-n BYTES] [--hex]"},
	{"bench", cmd_bench,
	 "bench [--json] [--modules DIR] [--throughput-bytes N] [--throughput-seconds S] "
	 "[--calibration FILE]"},
	{"check", cmd_check, "check [--config FILE]"},
	{"report", cmd_report,
	 "report [-o DIR] [--quick] [SOURCE...] | report --file FILE [-c C] [-H H_I]"},
	{"calibrate", cmd_calibrate, "calibrate [-o FILE] [--force] [SOURCE...]"},
	{"selftest", cmd_selftest,
	 "selftest [SOURCE...] | selftest --induce stuck|biased SOURCE | "
	 "selftest --file FILE --credit H [--json]"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: timingseed COMMAND [ARGS]\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  timingseed %s\n", commands[i].usage);
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	cli_eprintf("timingseed: ");
	va_start(ap, fmt);
	cli_veprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

int cli_parse_count(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9') {
		cli_usage_error("%s: '%s' is not a positive integer", opt, s ? s : "");
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > max) {
		cli_usage_error("%s: '%s' is not an integer in 1..%llu", opt, s,
				(unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_apply_sets(const struct ts_source *src, void *cfg, int argc, char **argv)
{
	char err[256];
	int a;

	for (a = 1; a + 1 < argc; a++) {
		if (strcmp(argv[a], "--set") != 0)
			continue;
		if (ts_config_set_pair(src, cfg, argv[++a], err, sizeof(err)) != 0)
			return cli_usage_error("--set: %s", err);
	}
	return 0;
}

void cli_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

struct ts_pool *cli_pool_unconfined(void)
{
	struct ts_pool *p = ts_pool_new();
	char err[TS_ERR_MAX];

	if (p == NULL) {
		cli_eprintf("timingseed: cannot create the pool\n");
		return NULL;
	}
	if (ts_pool_set(p, "confined", "never", err, sizeof(err)) != 0) {
		cli_eprintf("timingseed: %s\n", err);
		ts_pool_free(p);
		return NULL;
	}
	return p;
}

double cli_sample_rate(const struct ts_source *src, const void *cfg, unsigned int ms)
{
	enum { N = 4096 };
	uint64_t *buf = calloc(N, sizeof(*buf));
	uint64_t t0 = ts_now_ns(), end = t0 + (uint64_t)ms * 1000000u, total = 0;
	double rate;

	if (buf == NULL)
		return -1;
	while (ts_now_ns() < end) {
		long got = src->collect(cfg, buf, N, end);

		if (got <= 0)
			break;
		total += (uint64_t)got;
	}
	rate = total > 0 ? total / ((ts_now_ns() - t0) / 1e9) : -1;
	OPENSSL_cleanse(buf, N * sizeof(*buf)); /* raw samples */
	free(buf);
	return rate;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	cli_usage_error("unknown command '%s'", argv[1]);
	usage(stderr);
	return 2;
}

int cli_pipe_cloexec(int fd[2])
{
#ifdef __linux__
	return pipe2(fd, O_CLOEXEC);
#else
	/* No pipe2 on macOS; the tool is single-threaded, so no exec can race in between. */
	if (pipe(fd) != 0)
		return -1;
	if (fcntl(fd[0], F_SETFD, FD_CLOEXEC) != 0 || fcntl(fd[1], F_SETFD, FD_CLOEXEC) != 0) {
		int err = errno;

		close(fd[0]);
		close(fd[1]);
		errno = err;
		return -1;
	}
	return 0;
#endif
}
