// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "runner.h"

#define ROUNDS 10

static int cmp_u32(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

static double trimmed_mean(unsigned int *v, long n)
{
	long keep = n - n / 100;
	double sum = 0;

	qsort(v, n, sizeof(*v), cmp_u32);
	for (long i = 0; i < keep; i++)
		sum += v[i];
	return keep ? sum / keep : 0;
}

/* runs [from, to) of one program; durations into dur[] */
static void run_span(int fd, const struct bench_frames *f, long from, long to,
		     unsigned int *dur, struct bench_timing *t, bool *first)
{
	static unsigned char out[16384];

	for (long i = from; i < to; i++) {
		size_t k = (size_t)i % f->n;
		LIBBPF_OPTS(bpf_test_run_opts, opts,
			.data_in = f->data + k * f->stride,
			.data_size_in = f->len[k],
			.data_out = out,
			.data_size_out = sizeof(out),
			.repeat = 1,
		);

		if (bpf_prog_test_run_opts(fd, &opts)) {
			fprintf(stderr, "bench: BPF_PROG_TEST_RUN: %s\n", strerror(errno));
			exit(1);
		}
		dur[i] = opts.duration;
		if (*first) {
			t->verdict = opts.retval;
			*first = false;
		} else if (opts.retval != t->verdict) {
			t->verdict_mismatches++;
		}
	}
}

void bench_time_pair(int prog_fd, int base_fd, const struct bench_frames *f, long runs,
		     struct bench_timing *prog, struct bench_timing *base)
{
	unsigned int *dp = calloc(runs, sizeof(*dp)), *db = calloc(runs, sizeof(*db));
	bool first_p = true, first_b = true;

	if (!dp || !db) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	memset(prog, 0, sizeof(*prog));
	memset(base, 0, sizeof(*base));
	for (int r = 0; r < ROUNDS; r++) {
		long from = runs * r / ROUNDS, to = runs * (r + 1) / ROUNDS;

		run_span(base_fd, f, from, to, db, base, &first_b);
		run_span(prog_fd, f, from, to, dp, prog, &first_p);
	}
	prog->ns = trimmed_mean(dp, runs);
	base->ns = trimmed_mean(db, runs);
	free(dp);
	free(db);
}

void bench_time(int prog_fd, const struct bench_frames *f, long runs, struct bench_timing *t)
{
	unsigned int *d = calloc(runs, sizeof(*d));
	bool first = true;

	if (!d) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	memset(t, 0, sizeof(*t));
	run_span(prog_fd, f, 0, runs, d, t, &first);
	t->ns = trimmed_mean(d, runs);
	free(d);
}

double bench_time_repeat(int prog_fd, const void *frame, unsigned int len, unsigned int repeat,
			 int rounds)
{
	unsigned char out[16384];
	double best = 0;

	/* the fastest round: the one the rest of the machine disturbed least */
	for (int r = 0; r < rounds; r++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts,
			.data_in = frame,
			.data_size_in = len,
			.data_out = out,
			.data_size_out = sizeof(out),
			.repeat = repeat,
		);

		if (bpf_prog_test_run_opts(prog_fd, &opts)) {
			fprintf(stderr, "bench: BPF_PROG_TEST_RUN: %s\n", strerror(errno));
			exit(1);
		}
		if (!r || opts.duration < best)
			best = opts.duration;
	}
	return best;
}
