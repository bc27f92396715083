// SPDX-License-Identifier: Apache-2.0
/*
 * The machine a calibration is bound to (calibration.h): what decides how
 * much a duration's low byte can carry. The tick counter and its step
 * bound the symbols a sample can take; the CPU model and microcode set
 * the timing of the work measured; a hypervisor can trap or scale the
 * counter; the clocksource is what vdso_clock reads; the kernel release
 * is the code the syscall sources time. Change any of them and the
 * figures are another machine's.
 *
 * Everything is read, not assumed: a fact the machine does not show (no
 * microcode line in a VM's /proc/cpuinfo, no cpuid on arm64) is
 * "unknown", which then has to be "unknown" on the machine that uses the
 * file too.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "timingseed/calibration.h"
#include "timingseed/tick.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#ifdef __APPLE__
#include <sys/sysctl.h>
#endif

#define UNKNOWN "unknown"

static const char *const names[TS_BIND_FIELDS] = {
	"cpu",	  "microcode", "hypervisor",   "clocksource",
	"kernel", "counter",   "counter_step", "timingseed",
};

const char *ts_binding_name(enum ts_binding_field f)
{
	return (unsigned)f < TS_BIND_FIELDS ? names[f] : "?";
}

bool ts_cpuinfo(const char *field, char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[4096]; /* a flags line is long */
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
		if (*v == '\0')
			continue;
		snprintf(buf, len, "%s", v);
		found = true;
	}
	fclose(f);
	return found;
}

static void cpu(struct ts_binding *b)
{
	char *m = b->value[TS_BIND_CPU];
	const size_t len = sizeof(b->value[0]);

#ifdef __APPLE__
	size_t n = len;

	if (sysctlbyname("machdep.cpu.brand_string", m, &n, NULL, 0) == 0 && m[0] != '\0')
		return;
#endif
	if (ts_cpuinfo("model name", m, len))
		return;
	/* arm64 names a core by implementer and part, and its revision. */
	{
		char impl[16], part[16], var[16], rev[16];

		if (ts_cpuinfo("CPU implementer", impl, sizeof(impl)) &&
		    ts_cpuinfo("CPU part", part, sizeof(part))) {
			if (!ts_cpuinfo("CPU variant", var, sizeof(var)))
				snprintf(var, sizeof(var), UNKNOWN);
			if (!ts_cpuinfo("CPU revision", rev, sizeof(rev)))
				snprintf(rev, sizeof(rev), UNKNOWN);
			snprintf(m, len, "implementer %s part %s variant %s revision %s", impl,
				 part, var, rev);
			return;
		}
	}
	snprintf(m, len, UNKNOWN);
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
 * The counter's step: the gcd of back-to-back differences. A TSC scaled
 * by a hypervisor, or a 24 MHz arm64 counter read by a faster CPU, steps
 * by more than one tick, and so leaves low-byte values unused. One
 * difference taken across a preemption or a move to another vCPU (whose
 * TSC offset need not be a multiple of the step) drags a gcd down, so the
 * step is the most common gcd of BATCHES short runs, not the gcd of one
 * long run: a binding that flickered would drop a good calibration.
 */
static void counter(struct ts_binding *b)
{
	enum { BATCHES = 16, READS = 256 };
	uint64_t g[BATCHES], best = 0;
	int i, j, k, most = 0;

	snprintf(b->value[TS_BIND_COUNTER], sizeof(b->value[0]), "%s", ts_tick_name());
	for (k = 0; k < BATCHES; k++) {
		uint64_t prev = ts_ticks();

		g[k] = 0;
		for (i = 0; i < READS; i++) {
			uint64_t now = ts_ticks();

			g[k] = gcd(g[k], now - prev);
			prev = now;
		}
	}
	for (i = 0; i < BATCHES; i++) {
		int n = 0;

		for (j = 0; j < BATCHES; j++)
			n += g[j] == g[i];
		if (n > most || (n == most && g[i] < best)) {
			most = n;
			best = g[i];
		}
	}
	snprintf(b->value[TS_BIND_COUNTER_STEP], sizeof(b->value[0]), "%llu",
		 (unsigned long long)best);
}

static void hypervisor(struct ts_binding *b)
{
	char *h = b->value[TS_BIND_HYPERVISOR];

	snprintf(h, sizeof(b->value[0]), UNKNOWN);
#if defined(__x86_64__) || defined(__i386__)
	{
		unsigned int a, bx, c, d;
		char sig[13];

		if (!__get_cpuid(1, &a, &bx, &c, &d))
			return;
		if (!(c & (1u << 31))) {
			snprintf(h, sizeof(b->value[0]), "none");
			return;
		}
		__cpuid(0x40000000, a, bx, c, d);
		memcpy(sig, &bx, 4);
		memcpy(sig + 4, &c, 4);
		memcpy(sig + 8, &d, 4);
		sig[12] = '\0';
		/* Padded with spaces ("bhyve bhyve "): trimmed, as a file keeps it. */
		for (a = 12; a > 0 && (sig[a - 1] == ' ' || sig[a - 1] == '\0'); a--)
			sig[a - 1] = '\0';
		snprintf(h, sizeof(b->value[0]), "%s", sig[0] ? sig : "present");
	}
#endif
}

static void first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok = f != NULL && fgets(buf, (int)len, f) != NULL;

	if (f != NULL)
		fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	if (!ok || buf[0] == '\0')
		snprintf(buf, len, UNKNOWN);
}

void ts_binding_read(struct ts_binding *b)
{
	struct utsname u;

	memset(b, 0, sizeof(*b));
	cpu(b);
	if (!ts_cpuinfo("microcode", b->value[TS_BIND_MICROCODE], sizeof(b->value[0])))
		snprintf(b->value[TS_BIND_MICROCODE], sizeof(b->value[0]), UNKNOWN);
	hypervisor(b);
	first_line("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		   b->value[TS_BIND_CLOCKSOURCE], sizeof(b->value[0]));
	if (uname(&u) == 0)
		snprintf(b->value[TS_BIND_KERNEL], sizeof(b->value[0]), "%s %s %s", u.sysname,
			 u.release, u.machine);
	else
		snprintf(b->value[TS_BIND_KERNEL], sizeof(b->value[0]), UNKNOWN);
	counter(b);
	snprintf(b->value[TS_BIND_VERSION], sizeof(b->value[0]), "%s", TS_VERSION);
}
