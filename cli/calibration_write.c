// SPDX-License-Identifier: Apache-2.0
/*
 * The calibration file (format in include/timingseed/calibration.h), from
 * a report's live assessments: written for a person to review, then
 * digested, so the pool (pool/calibration.c) can tell an edited file.
 *
 * Figures are written rounded down to 4 decimals, and each credit is half
 * the smallest figure as written, rounded down again: the pool checks the
 * credit against the figures it reads, and a credit computed from
 * unrounded figures could exceed half of a rounded one.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "timingseed/calibration.h"
#include "timingseed/options.h"
#include "timingseed/registry.h"
#include "calibration_write.h"
#include "progress.h"

struct text {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		{
			size_t cap = (t->cap + (size_t)n + 1) * 2;
			char *nb = realloc(t->buf, cap);

			if (nb == NULL) {
				t->oom = true;
				return;
			}
			t->buf = nb;
			t->cap = cap;
		}
	}
}

double calibration_down4(double h)
{
	return h > 0 ? floor(h * 1e4 + 1e-9) / 1e4 : 0;
}

double calibration_credit(const struct report_source *s)
{
	double smallest = -1;
	size_t k;

	for (k = 0; k < s->nassess; k++) {
		const struct report_assessment *a = &s->assess[k];
		double h[4] = {a->ea.min, a->restart.h_rows, a->restart.h_columns, a->h_sanity};
		int i;

		if (!a->restart_run)
			return 0;
		for (i = 0; i < 4; i++) {
			double v = calibration_down4(h[i] < 0 ? 0 : h[i]);

			if (smallest < 0 || v < smallest)
				smallest = v;
		}
	}
	return smallest > 0 ? calibration_down4(smallest / 2) : 0;
}

/* The estimator that gave the sequential minimum, for the reviewer. */
static const char *lowest(const struct ts_ea_report *e)
{
	const char *name = "?";
	double best = -1;
	size_t i;

	for (i = 0; i < e->count; i++)
		if (e->est[i].h >= 0 && (best < 0 || e->est[i].h < best)) {
			best = e->est[i].h;
			name = e->est[i].name;
		}
	return name;
}

static void source(struct text *t, const struct report_source *s)
{
	const struct ts_source *src = ts_source_find(s->name);
	void *cfg = src ? ts_config_new(src) : NULL;
	char settings[256];
	size_t k;

	if (cfg == NULL || ts_settings_text(src, cfg, settings, sizeof(settings)) < 0) {
		t->oom = true;
		ts_config_free(cfg);
		return;
	}
	ts_config_free(cfg);
	add(t, "\n# %s: default credit %.4f; %.0f samples/s here\n", s->name, s->default_credit,
	    s->rate);
	add(t, "source.%s.settings = %s\n", s->name, settings);
	for (k = 0; k < s->nassess; k++) {
		const struct report_assessment *a = &s->assess[k];
		size_t j;

		add(t, "# assessment %zu, %s", k + 1, a->label);
		for (j = 0; a->sets[j] != NULL; j++)
			add(t, "%s%s", j ? " " : " (", a->sets[j]);
		add(t, "%s: sequential (%s), restart rows, columns, sanity H; restart test %s\n",
		    a->sets[0] ? ")" : "", lowest(&a->ea), a->restart.pass ? "passed" : "FAILED");
		add(t, "source.%s.figures.%zu = %.4f %.4f %.4f %.4f\n", s->name, k + 1,
		    calibration_down4(a->ea.min), calibration_down4(a->restart.h_rows),
		    calibration_down4(a->restart.h_columns), calibration_down4(a->h_sanity));
	}
	add(t, "source.%s.credit = %.4f\n", s->name, calibration_credit(s));
}

int calibration_write(const struct report *r, const struct ts_binding *b, bool forced, FILE *f)
{
	struct text t = {0};
	unsigned char md[32];
	unsigned int mdlen = 0, i;
	size_t k;
	int rc = -1;

	add(&t,
	    "# timingseed calibration: credits measured on this machine by `timingseed "
	    "calibrate` on %s\n",
	    r->machine.date);
	add(&t,
	    "# (%s). Review before use: each credit is at most half of the smallest\n"
	    "# figure of its source, and holds only on the machine described below\n"
	    "# (timingseed(7), CALIBRATION). Any edit invalidates the sha256 line.\n",
	    r->machine.openssl);
	if (forced)
		add(&t, "# Made with --force on a loaded machine: the credits may be too high.\n");
	add(&t, "format = %s\n", TS_CAL_FORMAT);
	add(&t, "samples = %zu\n", r->samples);
	add(&t, "restarts = %zu %zu\n", r->restart_rows, r->restart_columns);
	add(&t, "\n# what the credits hold on\n");
	for (k = 0; k < TS_BIND_FIELDS; k++)
		add(&t, "machine.%s = %s\n", ts_binding_name((enum ts_binding_field)k),
		    b->value[k]);
	for (k = 0; k < r->nsources; k++)
		source(&t, &r->sources[k]);
	add(&t, "\n");
	if (t.oom) {
		errno = ENOMEM;
		goto out;
	}
	if (!EVP_Digest(t.buf, t.len, md, &mdlen, EVP_sha256(), NULL) || mdlen != sizeof(md)) {
		errno = EINVAL;
		goto out;
	}
	add(&t, "sha256 = ");
	for (i = 0; i < mdlen; i++)
		add(&t, "%02x", md[i]);
	add(&t, "\n");
	if (t.oom) {
		errno = ENOMEM;
		goto out;
	}
	rc = fwrite(t.buf, 1, t.len, f) == t.len ? 0 : -1;
out:
	free(t.buf);
	return rc;
}
