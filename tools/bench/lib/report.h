/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Benchmark results: every figure is reported next to the baseline it is
 * compared with, measured in the same run. A baseline is itself a result,
 * named; a result names its baseline and gets value / baseline as ratio.
 *
 * Results print as a table on stdout as they come, and, when the
 * environment names a file in ES_BENCH_JSON, are appended to it one JSON
 * object per line: {"name","value","unit","baseline","ratio"}. run.sh
 * gathers the lines of every benchmark into {"results": [...]}.
 */
#ifndef ES_BENCH_REPORT_H
#define ES_BENCH_REPORT_H

#include <stdbool.h>

/* The options every benchmark takes: --quick (smaller counts). */
struct bench_opts {
	bool quick;
};

void bench_parse_args(int argc, char **argv, struct bench_opts *o, const char *usage);

/* A heading for the rows that follow. */
void bench_section(const char *title);

/* A result. baseline: the name of an earlier result to compare with, or
 * NULL for a baseline (or a figure that has none). */
void bench_result(const char *name, double value, const char *unit, const char *baseline);

/* Value of an earlier result (NaN if unknown). */
double bench_value(const char *name);

/* A free-text note under the current section (counts, conditions). */
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Monotonic clock in ns. */
unsigned long long bench_now_ns(void);

#endif /* ES_BENCH_REPORT_H */
