// SPDX-License-Identifier: Apache-2.0
/*
 * The machine a report was made on: what a reviewer needs to judge whether
 * its figures carry over to another host. The tick counter matters most
 * (its granularity bounds what a duration's low byte can hold: a TSC that
 * steps by 26 leaves most of the 256 symbols unused), then the clocksource
 * (vdso_clock reads it), then whether a hypervisor sits between the
 * counter and the samples (it can trap or scale rdtsc).
 *
 * Everything is read, not assumed: a fact the machine does not show (no
 * DMI under a container, no cpuid on arm64) is "unknown".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "timingseed/calibration.h"
#include "timingseed/tick.h"
#include "report.h"

#define UNKNOWN "unknown"

/* The first line of a file, without its newline; false when unreadable. */
static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (f == NULL)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok && buf[0] != '\0';
}

/* src into dst, cut to fit: the report's fields are narrower than a binding's. */
static void copy(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void cpu_flags(struct report_machine *m)
{
	/* The flags that decide what a TSC read means. */
	static const char *const wanted[] = {"constant_tsc",   "nonstop_tsc",  "rdtscp",
					     "tsc_known_freq", "tsc_reliable", "hypervisor"};
	char flags[4096];
	size_t i, used = 0;

	m->cpu_flags[0] = '\0';
	if (!ts_cpuinfo("flags", flags, sizeof(flags)) &&
	    !ts_cpuinfo("Features", flags, sizeof(flags)))
		return;
	for (i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		size_t wl = strlen(wanted[i]);
		const char *p = flags;

		while ((p = strstr(p, wanted[i])) != NULL) {
			bool start = p == flags || p[-1] == ' ';
			bool end = p[wl] == ' ' || p[wl] == '\0';

			if (start && end) {
				used += (size_t)snprintf(m->cpu_flags + used,
							 sizeof(m->cpu_flags) - used, "%s%s",
							 used ? " " : "", wanted[i]);
				break;
			}
			p += wl;
		}
		if (used >= sizeof(m->cpu_flags))
			break;
	}
}

/*
 * Back-to-back reads: their smallest non-zero difference is what one read
 * costs in ticks. The counter's step (the gcd of such differences) is the
 * binding's (pool/machine.c).
 */
static void counter_step(struct report_machine *m)
{
	enum { READS = 4096 };
	uint64_t prev = ts_ticks(), step = 0;
	int i;

	for (i = 0; i < READS; i++) {
		uint64_t now = ts_ticks(), d = now - prev;

		prev = now;
		if (d != 0 && (step == 0 || d < step))
			step = d;
	}
	m->counter_step = step;
}

static void dmi(struct report_machine *m)
{
	char vendor[64], product[64];
	bool v = read_line("/sys/class/dmi/id/sys_vendor", vendor, sizeof(vendor));
	bool p = read_line("/sys/class/dmi/id/product_name", product, sizeof(product));

	if (v || p)
		snprintf(m->dmi_product, sizeof(m->dmi_product), "%s%s%s", v ? vendor : "",
			 v && p ? " " : "", p ? product : "");
	else
		copy(m->dmi_product, sizeof(m->dmi_product), UNKNOWN);
}

void report_machine(struct report_machine *m)
{
	struct ts_binding b;
	time_t now = time(NULL);
	struct tm tm;

	memset(m, 0, sizeof(*m));
	/* What a calibration is bound to, read as the pool reads it. */
	ts_binding_read(&b);
	copy(m->cpu_model, sizeof(m->cpu_model), b.value[TS_BIND_CPU]);
	copy(m->counter, sizeof(m->counter), b.value[TS_BIND_COUNTER]);
	m->counter_gcd = strtoull(b.value[TS_BIND_COUNTER_STEP], NULL, 10);
	copy(m->hypervisor, sizeof(m->hypervisor), b.value[TS_BIND_HYPERVISOR]);
	copy(m->clocksource, sizeof(m->clocksource), b.value[TS_BIND_CLOCKSOURCE]);
	copy(m->kernel, sizeof(m->kernel), b.value[TS_BIND_KERNEL]);
	cpu_flags(m);
	counter_step(m);
	dmi(m);
	copy(m->openssl, sizeof(m->openssl), OpenSSL_version(OPENSSL_VERSION));
	copy(m->version, sizeof(m->version), TS_VERSION);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(m->date, sizeof(m->date), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		copy(m->date, sizeof(m->date), UNKNOWN);
}
