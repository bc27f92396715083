// SPDX-License-Identifier: Apache-2.0
/*
 * The key "calibration = FILE": credits measured on this machine by
 * `timingseed calibrate` (calibration.h has the format), in force in
 * place of the default credits only while the file's binding matches this
 * machine and software, and for each source only while its settings are
 * those measured. Otherwise the defaults stay, and the pool says why
 * (ts_pool_calibration).
 *
 * The file can raise a credit above its default, so it is trusted only as
 * far as its owner is: a file not owned by root or this process's user, or
 * writable by group or others, is refused, as is one whose digest or
 * figures do not hold (a credit above half its smallest figure, an
 * assessment missing, fewer samples than SP 800-90B asks). Refused means
 * the key fails, so the provider does not load: a calibration the
 * administrator asked for is never dropped in silence.
 *
 * The file is read once, where the key is set (provider load): a process
 * that confines itself later has no file to open.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "timingseed/calibration.h"
#include "timingseed/options.h"
#include "timingseed/source.h"
#include "pool_int.h"

#define MAX_ASSESS 8
#define MAX_CREDIT 8.0

/* What the file says of one source, while it is being read. */
struct cal_entry {
	bool has_credit, has_settings;
	double credit, smallest;
	unsigned int figures; /* bit k: figures.(k+1) seen */
	char settings[sizeof(((struct slot *)0)->cal_settings)];
};

struct reader {
	struct ts_pool *p;
	const char *path;
	char *err;
	size_t errlen;
	bool format, samples, restarts;
	bool machine[TS_BIND_FIELDS];
	struct ts_binding file;
	struct cal_entry e[TS_MAX_SOURCES];
};

static int fail(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* err = "calibration: PATH: " and the message; returns -1. */
static int fail(struct reader *r, const char *fmt, ...)
{
	char what[TS_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(r->err, r->errlen, "calibration: %s: %s", r->path, what);
	return -1;
}

/* Owner and mode, on the open file: 0, or -1 with err set. */
static int check_owner(struct reader *r, int fd, size_t *size)
{
	struct stat st;
	char mode[16];

	if (fstat(fd, &st) != 0)
		return fail(r, "cannot stat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(r, "not a regular file");
	snprintf(mode, sizeof(mode), "%04o", (unsigned)(st.st_mode & 07777));
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return fail(r,
			    "owned by uid %u, neither root nor this process's user: only "
			    "they may raise a credit",
			    (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return fail(r,
			    "writable by group or others (mode %s): anyone who can write it could "
			    "raise a credit; chmod go-w it",
			    mode);
	if (st.st_size <= 0 || st.st_size > TS_CAL_MAX_BYTES)
		return fail(r, "empty or larger than 64 KiB");
	*size = (size_t)st.st_size;
	return 0;
}

/* The whole file, NUL-terminated, into *text: 0, or -1 with err set. */
static int slurp(struct reader *r, char **text, size_t *len)
{
	/* O_NONBLOCK: a FIFO named by mistake must not hang the load. */
	int fd = open(r->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	size_t size = 0, got = 0;
	char *buf = NULL;

	if (fd < 0)
		return fail(r, "cannot open: %s", strerror(errno));
	if (check_owner(r, fd, &size) != 0)
		goto fail;
	buf = OPENSSL_malloc(size + 1);
	if (buf == NULL) {
		fail(r, "out of memory");
		goto fail;
	}
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fail(r, "cannot read: %s", n < 0 ? strerror(errno) : "shorter than stat");
			goto fail;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[size] = '\0';
	if (strlen(buf) != size) {
		OPENSSL_free(buf);
		return fail(r, "holds a NUL byte: not a calibration");
	}
	*text = buf;
	*len = size;
	return 0;
fail:
	close(fd);
	OPENSSL_free(buf);
	return -1;
}

/* The digest line: the text before it must hash to its value. */
static int check_digest(struct reader *r, const char *text)
{
	const char *line = strstr(text, "\nsha256 = ");
	unsigned char md[32];
	char hex[65], given[65];
	const EVP_MD *sha;
	unsigned int i, mdlen = 0;
	size_t n;

	if (line == NULL)
		return fail(r, "no 'sha256 = ' line: not written by timingseed calibrate");
	n = (size_t)(line - text) + 1;
	if (sscanf(line + 10, "%64[0-9a-f]", given) != 1 || strlen(given) != 64 ||
	    line[10 + 64] != '\n' || line[10 + 64 + 1] != '\0')
		return fail(r, "the sha256 line is not 64 hex digits ending the file");
	sha = pool_digest(r->p);
	if (sha == NULL || !EVP_Digest(text, n, md, &mdlen, sha, NULL) || mdlen != sizeof(md))
		return fail(r, "SHA-256 cannot be computed here");
	for (i = 0; i < sizeof(md); i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (strcmp(hex, given) != 0)
		return fail(r, "its content does not match its sha256 line: edited since "
			       "`timingseed calibrate` wrote it");
	return 0;
}

static size_t slot_index(struct ts_pool *p, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strlen(p->s[i].src->name) == len && strncmp(p->s[i].src->name, name, len) == 0)
			return i;
	return p->n;
}

static int parse_h(const char *v, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno != 0 || end == v || !isfinite(d) || d < 0 || d > MAX_CREDIT)
		return -1;
	*out = d;
	return (int)(end - v);
}

/* source.NAME.credit | .settings | .figures.K */
static int source_line(struct reader *r, const char *key, const char *v)
{
	const char *name = key + 7, *dot = strchr(name, '.');
	struct cal_entry *e;
	size_t i;

	if (dot == NULL)
		return fail(r, "unknown key '%s'", key);
	i = slot_index(r->p, name, (size_t)(dot - name));
	if (i == r->p->n)
		return fail(r, "'%s' names a source this build does not have", key);
	e = &r->e[i];
	if (strcmp(dot, ".credit") == 0) {
		int n = parse_h(v, &e->credit);

		if (e->has_credit || n < 0 || v[n] != '\0')
			return fail(r, "'%s': '%s' is not one credit in 0..8", key, v);
		e->has_credit = true;
	} else if (strcmp(dot, ".settings") == 0) {
		if (e->has_settings || strlen(v) >= sizeof(e->settings))
			return fail(r, "'%s' repeated or too long", key);
		snprintf(e->settings, sizeof(e->settings), "%s", v);
		e->has_settings = true;
	} else if (strncmp(dot, ".figures.", 9) == 0) {
		char *end;
		unsigned long k = strtoul(dot + 9, &end, 10);
		const char *s = v;
		int f, n;

		if (*end != '\0' || k < 1 || k > MAX_ASSESS || (e->figures & (1u << (k - 1))))
			return fail(r, "'%s': not an assessment number, or repeated", key);
		for (f = 0; f < 4; f++) {
			double h;

			while (*s == ' ')
				s++;
			if ((n = parse_h(s, &h)) < 0)
				return fail(r, "'%s': '%s' is not four figures in 0..8", key, v);
			if (e->figures == 0 && f == 0)
				e->smallest = h;
			e->smallest = fmin(e->smallest, h);
			s += n;
		}
		if (*s != '\0')
			return fail(r, "'%s': '%s' is not four figures in 0..8", key, v);
		e->figures |= 1u << (k - 1);
	} else {
		return fail(r, "unknown key '%s'", key);
	}
	return 0;
}

/* A count written as digits only; 0 for anything else. */
static unsigned long long count(const char *v)
{
	char *end;
	unsigned long long n;

	if (*v < '0' || *v > '9')
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	return errno == 0 && *end == '\0' ? n : 0;
}

static int line(struct reader *r, char *s)
{
	char *eq = strstr(s, " = "), *v;
	size_t f;

	if (*s == '#' || *s == '\0')
		return 0;
	if (eq == NULL)
		return fail(r, "'%.100s' is not 'key = value'", s);
	*eq = '\0';
	v = eq + 3;
	if (strcmp(s, "format") == 0) {
		if (r->format || strcmp(v, TS_CAL_FORMAT) != 0)
			return fail(r, "format '%s' is not '" TS_CAL_FORMAT "'", v);
		r->format = true;
	} else if (strcmp(s, "samples") == 0) {
		if (r->samples || count(v) < TS_CAL_SAMPLES)
			return fail(r,
				    "samples = %s: an SP 800-90B assessment takes at least 10^6 "
				    "(a --quick calibration is not one)",
				    v);
		r->samples = true;
	} else if (strcmp(s, "restarts") == 0) {
		const char *sp = strchr(v, ' ');
		char rows[24] = "";

		if (sp != NULL && (size_t)(sp - v) < sizeof(rows))
			memcpy(rows, v, (size_t)(sp - v));
		if (r->restarts || sp == NULL || count(rows) < TS_CAL_ROWS ||
		    count(sp + 1) < TS_CAL_COLUMNS)
			return fail(r, "restarts = %s: SP 800-90B's restart test is 1000 x 1000",
				    v);
		r->restarts = true;
	} else if (strncmp(s, "machine.", 8) == 0) {
		for (f = 0; f < TS_BIND_FIELDS; f++)
			if (strcmp(s + 8, ts_binding_name((enum ts_binding_field)f)) == 0)
				break;
		if (f == TS_BIND_FIELDS || r->machine[f] || strlen(v) >= sizeof(r->file.value[0]))
			return fail(r, "unknown or repeated key '%s'", s);
		snprintf(r->file.value[f], sizeof(r->file.value[0]), "%s", v);
		r->machine[f] = true;
	} else if (strncmp(s, "source.", 7) == 0) {
		return source_line(r, s, v);
	} else if (strcmp(s, "sha256") != 0) {
		return fail(r, "unknown key '%s'", s);
	}
	return 0;
}

/* Every source's entry complete and its credit held to its figures. */
static int check_sources(struct reader *r)
{
	size_t i, k, any = 0;

	for (i = 0; i < r->p->n; i++) {
		const struct cal_entry *e = &r->e[i];
		const struct ts_assessment *as = ts_source_assessments(r->p->s[i].src);
		const char *name = r->p->s[i].src->name;

		if (!e->has_credit && !e->has_settings && e->figures == 0)
			continue;
		for (k = 0; as[k].label != NULL; k++)
			;
		if (!e->has_credit || !e->has_settings || e->figures != (1u << k) - 1)
			return fail(r, "%s: credit, settings or an assessment's figures missing",
				    name);
		/* Written rounded down to 4 decimals from the figures as written. */
		if (e->credit > e->smallest / 2 + 1e-9)
			return fail(r,
				    "%s: its credit %.4f is above half its smallest figure, %.4f: "
				    "the figures do not support it",
				    name, e->credit, e->smallest / 2);
		any++;
	}
	if (any == 0)
		return fail(r, "no source calibrated");
	return 0;
}

static int read_file(struct reader *r)
{
	char *text = NULL, *s, *nl;
	size_t len, f;
	int rc = -1;

	if (slurp(r, &text, &len) != 0)
		return -1;
	if (check_digest(r, text) != 0)
		goto out;
	for (s = text; *s != '\0'; s = nl + 1) {
		nl = strchr(s, '\n');
		if (nl == NULL)
			break; /* the digest check saw the file end in a newline */
		*nl = '\0';
		if (line(r, s) != 0)
			goto out;
	}
	if (!r->format || !r->samples || !r->restarts)
		goto missing;
	for (f = 0; f < TS_BIND_FIELDS; f++)
		if (!r->machine[f])
			goto missing;
	rc = check_sources(r);
	goto out;
missing:
	fail(r, "format, samples, restarts or a machine.* line missing");
out:
	OPENSSL_free(text);
	return rc;
}

/* The first field of the file's binding that differs from this machine's. */
static bool bound_here(struct ts_pool *p, const struct ts_binding *file)
{
	struct ts_binding here;
	size_t f;

	if (p->ticks_off != NULL) { /* the binding's counter step would fault */
		snprintf(p->cal_why, sizeof(p->cal_why), "%s", p->ticks_off);
		return false;
	}
	ts_binding_read(&here);
	for (f = 0; f < TS_BIND_FIELDS; f++)
		if (strcmp(file->value[f], here.value[f]) != 0) {
			snprintf(p->cal_why, sizeof(p->cal_why),
				 "made on another machine or software: %s is '%.60s' there, "
				 "'%.60s' here",
				 ts_binding_name((enum ts_binding_field)f), file->value[f],
				 here.value[f]);
			return false;
		}
	return true;
}

int pool_set_calibration(struct ts_pool *p, const char *path, char *err, size_t errlen)
{
	struct reader *r;
	size_t i;

	if (path[0] == '\0') {
		snprintf(err, errlen, "calibration: no file named");
		return -1;
	}
	if (strlen(path) >= sizeof(p->cal_path)) {
		snprintf(err, errlen, "calibration: path too long");
		return -1;
	}
	r = OPENSSL_zalloc(sizeof(*r));
	if (r == NULL) {
		snprintf(err, errlen, "calibration: out of memory");
		return -1;
	}
	r->p = p;
	r->path = path;
	r->err = err;
	r->errlen = errlen;
	if (read_file(r) != 0) {
		OPENSSL_free(r);
		return -1;
	}
	snprintf(p->cal_path, sizeof(p->cal_path), "%s", path);
	p->cal_in_force = bound_here(p, &r->file);
	for (i = 0; i < p->n; i++) {
		struct slot *sl = &p->s[i];

		sl->cal_credit = r->e[i].has_credit ? r->e[i].credit : -1;
		snprintf(sl->cal_settings, sizeof(sl->cal_settings), "%s", r->e[i].settings);
	}
	OPENSSL_free(r);
	pool_caps(p);
	return 0;
}

/* The calibrated credit of sl applies: bound, and at its settings. */
bool pool_calibrated(const struct ts_pool *p, const struct slot *sl)
{
	char now[sizeof(sl->cal_settings)];

	return p->cal_in_force && sl->cal_credit >= 0 &&
	       ts_settings_text(sl->src, sl->cfg, now, sizeof(now)) >= 0 &&
	       strcmp(now, sl->cal_settings) == 0;
}

double pool_ceiling(const struct ts_pool *p, const struct slot *sl)
{
	return pool_calibrated(p, sl) ? sl->cal_credit : sl->src->default_credit;
}

void pool_caps(struct ts_pool *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		struct slot *sl = &p->s[i];
		double ceiling = pool_ceiling(p, sl);
		double cap = sl->user_cap >= 0 ? fmin(sl->user_cap, ceiling) : ceiling;

		if (cap == sl->cap)
			continue;
		sl->cap = cap;
		if (sl->state != TS_SRC_UNAVAILABLE && sl->state != TS_SRC_FAILED) {
			sl->state = TS_SRC_UNTESTED; /* re-estimate under the new cap */
			sl->retest = false;
		}
	}
}

const char *pool_cap_from(const struct ts_pool *p, const struct slot *sl)
{
	if (sl->user_cap >= 0 && sl->user_cap < pool_ceiling(p, sl))
		return "configured";
	return pool_calibrated(p, sl) ? "calibrated" : "default";
}

int ts_pool_calibration(struct ts_pool *p, char *buf, size_t len)
{
	size_t i, off;
	int rc;

	pool_lock(p);
	if (p->cal_path[0] == '\0') {
		snprintf(buf, len, "none configured");
		rc = -1;
	} else if (!p->cal_in_force) {
		snprintf(buf, len, "%s not used, default credits in force: %s", p->cal_path,
			 p->cal_why);
		rc = 0;
	} else {
		off = (size_t)snprintf(buf, len, "%s in force:", p->cal_path);
		for (i = 0; i < p->n && off < len; i++) {
			const struct slot *sl = &p->s[i];

			if (sl->cal_credit < 0)
				continue;
			if (pool_calibrated(p, sl))
				off += (size_t)snprintf(buf + off, len - off, " %s %.4f",
							sl->src->name, sl->cal_credit);
			else
				off += (size_t)snprintf(buf + off, len - off,
							" %s default %.4f (settings differ from "
							"those calibrated)",
							sl->src->name, sl->src->default_credit);
		}
		rc = 1;
	}
	pool_unlock(p);
	return rc;
}
