// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE	/* program_invocation_short_name */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report.h"

#define MAX_RESULTS 1024

struct result {
	char name[96];
	double value;
};

static struct result results[MAX_RESULTS];
static int nresults;

void bench_parse_args(int argc, char **argv, struct bench_opts *o, const char *usage)
{
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			o->quick = true;
		} else {
			fprintf(stderr, "%s: unknown argument '%s'\nusage: %s\n", argv[0], argv[i],
				usage);
			exit(2);
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
}

void bench_section(const char *title)
{
	printf("\n%s\n", title);
	printf("  %-46s %14s %-6s %14s %8s\n", "name", "value", "unit", "baseline", "ratio");
}

double bench_value(const char *name)
{
	for (int i = nresults - 1; i >= 0; i--)
		if (!strcmp(results[i].name, name))
			return results[i].value;
	return NAN;
}

static void json_line(const char *name, double value, const char *unit, const char *baseline,
		      double ratio)
{
	const char *path = getenv("ES_BENCH_JSON");
	FILE *f;

	if (!path || !*path)
		return;
	f = fopen(path, "a");
	if (!f) {
		perror(path);
		exit(1);
	}
	fprintf(f, "{\"name\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", ", name, value, unit);
	if (baseline)
		fprintf(f, "\"baseline\": \"%s\", \"ratio\": %.4g}\n", baseline, ratio);
	else
		fprintf(f, "\"baseline\": null, \"ratio\": null}\n");
	fclose(f);
}

void bench_result(const char *name, double value, const char *unit, const char *baseline)
{
	double base = baseline ? bench_value(baseline) : NAN;
	double ratio = base > 0 ? value / base : NAN;

	if (baseline && isnan(base)) {
		fprintf(stderr, "bench: %s names baseline %s, which was not measured\n", name,
			baseline);
		exit(1);
	}
	if (nresults < MAX_RESULTS) {
		snprintf(results[nresults].name, sizeof(results[nresults].name), "%s", name);
		results[nresults++].value = value;
	}
	if (baseline)
		printf("  %-46s %14.4g %-6s %14.4g %7.2fx\n", name, value, unit, base, ratio);
	else
		printf("  %-46s %14.4g %-6s %14s %8s\n", name, value, unit, "(baseline)", "");
	json_line(name, value, unit, baseline, ratio);
}

void bench_note(const char *fmt, ...)
{
	va_list ap;

	printf("  # ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

unsigned long long bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void bench_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

void *bench_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		bench_die("out of memory");
	return p;
}

void bench_check(int err, const char *what)
{
	if (err < 0)
		bench_die("%s: %s", what, strerror(-err));
}
