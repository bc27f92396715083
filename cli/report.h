/* SPDX-License-Identifier: Apache-2.0 */
/*
 * timingseed report: what it measures (struct report), and the files that
 * fill and write it. cmd_report.c collects and assesses; report_machine.c
 * reads the machine; report_stats.c reduces samples to the figures the
 * plots show; report_json.c and report_html.c write report.json and
 * report.html from the same struct, so the two never disagree.
 */
#ifndef TS_CLI_REPORT_H
#define TS_CLI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "timingseed/ea.h"
#include "timingseed/restart.h"

#define REPORT_LAGS	  64 /* autocorrelation lags plotted */
#define REPORT_LOG_BINS	  96 /* raw durations: quarter-octave bins up to 2^24 ticks */
#define REPORT_MAX_SETS	  4
#define REPORT_MAX_ASSESS 8

struct report_machine {
	char cpu_model[128];
	char cpu_flags[160];   /* the flags that matter to a tick counter, present ones */
	char counter[32];      /* ts_tick_name() */
	uint64_t counter_step; /* smallest non-zero difference of back-to-back reads */
	uint64_t counter_gcd;  /* gcd of 4096 such differences: the counter's granularity */
	char clocksource[64];
	char kernel[200];
	char hypervisor[64];   /* from cpuid leaf 0x40000000, or "none" */
	char dmi_product[128]; /* sys_vendor product_name, when readable */
	char openssl[64];
	char version[32];
	char date[32]; /* UTC, ISO 8601 */
};

/* The figures the plots and the JSON carry, from one sample stream. */
struct report_plots {
	uint64_t symbols[256];		    /* count of each 8-bit symbol */
	uint64_t log_bins[REPORT_LOG_BINS]; /* raw durations: bin floor(4 log2(d)) */
	uint64_t zero_durations;	    /* d == 0, not in a log bin */
	double acf[REPORT_LAGS + 1];	    /* autocorrelation of the symbols, acf[0] = 1 */
};

/* One assessment of a source: its fixed settings, estimates, restarts. */
struct report_assessment {
	const char *label; /* "defaults", or the source's ts_assessment label */
	const char *sets[REPORT_MAX_SETS + 1];
	size_t samples;
	double seconds; /* collection */
	struct ts_ea_report ea;
	struct report_plots plots;
	bool restart_run;
	struct ts_ea_restart restart;
	/*
	 * The largest H_I <= restart.h_initial at which the sanity check
	 * passes: what the restarts themselves support when the sequential
	 * estimate fails it (SP 800-90B then rejects that estimate).
	 */
	double h_sanity;
	uint32_t *row_mcv, *column_mcv; /* restart.rows / restart.columns entries */
};

struct report_source {
	const char *name;
	bool from_file;
	double default_credit; /* 0 for a file */
	double credit;	       /* in force in a pool with this config, after startup */
	double rate;	       /* samples per second with the default config */
	unsigned rct_cutoff, apt_cutoff, rct_cutoff_perm, apt_cutoff_perm;
	unsigned apt_window;
	unsigned alpha_log2, perm_log2;
	size_t nassess;
	struct report_assessment assess[REPORT_MAX_ASSESS];
	double smallest;  /* min over the assessments of the sequential and restart minima */
	bool holds;	  /* credit <= smallest / 2 */
	double supported; /* smallest / 2: the credit this machine supports */
};

struct report {
	struct report_machine machine;
	bool quick;
	size_t samples, restart_rows, restart_columns;
	double seconds; /* the whole run */
	size_t nsources;
	struct report_source *sources;
};

void report_machine(struct report_machine *m);

/*
 * cmd_report.c, for report and calibrate. report_pick: every available
 * source, or those named (0; 1 or 2 after naming the one that cannot run
 * or is unknown). report_live: every assessment of srcs[0..r->nsources)
 * into r->sources (allocated, r->samples and the restart size set), with
 * progress labelled label on a terminal; 0, or 1 after saying why.
 * report_free frees what report_live allocated.
 */
struct ts_source;
int report_pick(int nnames, char **names, const struct ts_source **out, size_t *n);
int report_live(struct report *r, const struct ts_source **srcs, const char *label);
void report_free(struct report *r);

/* Fill p from n raw durations (symbols are their low bytes). */
void report_plots(struct report_plots *p, const uint64_t *raw, size_t n);
/* As report_plots, from 8-bit symbols only (a file): no durations. */
void report_plots_symbols(struct report_plots *p, const uint8_t *sym, size_t n);

/* Write the report; 0, or -1 with errno from the stream. */
int report_write_json(const struct report *r, FILE *f);
int report_write_html(const struct report *r, FILE *f);

/* A JSON string, quoted and escaped, on f. */
void report_json_string(FILE *f, const char *s);

#endif
