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
#include <stddef.h>

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

/* A benchmark that cannot measure what it claims stops: "PROG: message"
 * on stderr, exit status 1 (atexit handlers clean up). */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* calloc that never returns NULL (n 0 allowed). */
void *bench_calloc(size_t n, size_t size);

/* Dies with "what: strerror(-err)" when err < 0. */
void bench_check(int err, const char *what);

#endif /* ES_BENCH_REPORT_H */
