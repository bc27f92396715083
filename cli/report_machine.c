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
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "timingseed/tick.h"
#include "report.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#ifdef __APPLE__
#include <sys/sysctl.h>
#endif

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

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
}

/* "field : value" from /proc/cpuinfo's first processor. */
static bool cpuinfo(const char *field, char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[4096];
	size_t fl = strlen(field);
	bool found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *v;

		if (strncmp(line, field, fl) != 0 ||
		    (line[fl] != ' ' && line[fl] != '\t' && line[fl] != ':'))
			continue;
		v = strchr(line, ':');
		if (v == NULL)
			continue;
		v += 1 + strspn(v + 1, " \t");
		v[strcspn(v, "\n")] = '\0';
		copy(buf, len, v);
		found = true;
	}
	fclose(f);
	return found;
}

static void cpu(struct report_machine *m)
{
	/* The flags that decide what a TSC read means. */
	static const char *const wanted[] = {"constant_tsc",   "nonstop_tsc",  "rdtscp",
					     "tsc_known_freq", "tsc_reliable", "hypervisor"};
	char flags[4096];
	size_t i, used = 0;

	copy(m->cpu_model, sizeof(m->cpu_model), UNKNOWN);
	if (!cpuinfo("model name", m->cpu_model, sizeof(m->cpu_model)))
		cpuinfo("CPU part", m->cpu_model, sizeof(m->cpu_model)); /* arm64 */
#ifdef __APPLE__
	{
		size_t n = sizeof(m->cpu_model);

		if (sysctlbyname("machdep.cpu.brand_string", m->cpu_model, &n, NULL, 0) != 0)
			copy(m->cpu_model, sizeof(m->cpu_model), UNKNOWN);
	}
#endif
	m->cpu_flags[0] = '\0';
	if (!cpuinfo("flags", flags, sizeof(flags)) && !cpuinfo("Features", flags, sizeof(flags)))
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

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * Back-to-back reads: their smallest non-zero difference is what one
 * read costs in ticks, and the gcd of the differences the counter's step
 * (a TSC scaled by a hypervisor, or a 24 MHz arm64 counter, steps by more
 * than one).
 */
static void counter(struct report_machine *m)
{
	enum { READS = 4096 };
	uint64_t prev = ts_ticks(), step = 0, g = 0;
	int i;

	copy(m->counter, sizeof(m->counter), ts_tick_name());
	for (i = 0; i < READS; i++) {
		uint64_t now = ts_ticks(), d = now - prev;

		prev = now;
		if (d == 0)
			continue;
		if (step == 0 || d < step)
			step = d;
		g = gcd(g, d);
	}
	m->counter_step = step;
	m->counter_gcd = g;
}

/* cpuid leaf 0x40000000's vendor signature, when the hypervisor bit is set. */
static void hypervisor(struct report_machine *m)
{
	copy(m->hypervisor, sizeof(m->hypervisor), UNKNOWN);
#if defined(__x86_64__) || defined(__i386__)
	{
		unsigned int a, b, c, d;
		char sig[13];

		if (!__get_cpuid(1, &a, &b, &c, &d))
			return;
		if (!(c & (1u << 31))) {
			copy(m->hypervisor, sizeof(m->hypervisor), "none");
			return;
		}
		__cpuid(0x40000000, a, b, c, d);
		memcpy(sig, &b, 4);
		memcpy(sig + 4, &c, 4);
		memcpy(sig + 8, &d, 4);
		sig[12] = '\0';
		snprintf(m->hypervisor, sizeof(m->hypervisor), "%s", sig[0] ? sig : "present");
	}
#endif
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
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;

	memset(m, 0, sizeof(*m));
	cpu(m);
	counter(m);
	hypervisor(m);
	dmi(m);
	if (!read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		       m->clocksource, sizeof(m->clocksource)))
		copy(m->clocksource, sizeof(m->clocksource), UNKNOWN);
	if (uname(&u) == 0)
		snprintf(m->kernel, sizeof(m->kernel), "%s %s %s", u.sysname, u.release, u.machine);
	else
		copy(m->kernel, sizeof(m->kernel), UNKNOWN);
	copy(m->openssl, sizeof(m->openssl), OpenSSL_version(OPENSSL_VERSION));
	copy(m->version, sizeof(m->version), TS_VERSION);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(m->date, sizeof(m->date), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		copy(m->date, sizeof(m->date), UNKNOWN);
}
