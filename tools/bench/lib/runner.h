/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Timing XDP programs with BPF_PROG_TEST_RUN.
 *
 * One packet per run (repeat = 1): every run starts from a fresh copy of
 * its input, which paths that rewrite the packet need (with repeat > 1
 * the kernel re-runs the buffer the previous run rewrote). The time is
 * the kernel's own measurement of the run, so the syscall is not in it;
 * what is in it (disabling bottom halves, reading the clock) is the same
 * for the baseline, which is why every figure is taken against one.
 *
 * A measurement and its baseline are interleaved in rounds, so that
 * whatever else the machine does hits both alike; the figure is the mean
 * of all runs with the slowest 1% left out (interrupts, migrations).
 */
#ifndef ES_BENCH_RUNNER_H
#define ES_BENCH_RUNNER_H

#include <stddef.h>

/* A set of input frames, run in turn (frame i % n for run i). */
struct bench_frames {
	size_t n;
	size_t stride;		/* bytes between frames in data */
	const unsigned int *len;	/* length of each frame */
	const unsigned char *data;
};

struct bench_timing {
	double ns;		/* trimmed mean ns per packet */
	unsigned int verdict;	/* XDP verdict of the last run */
	size_t verdict_mismatches;	/* runs whose verdict differed from the first */
};

/* Time `runs` single-packet runs of each program over the frames,
 * interleaved in rounds. Exits with a message if a run fails. */
void bench_time_pair(int prog_fd, int base_fd, const struct bench_frames *f, long runs,
		     struct bench_timing *prog, struct bench_timing *base);

/* Time one program alone the same way. */
void bench_time(int prog_fd, const struct bench_frames *f, long runs, struct bench_timing *t);

/* Time a program that leaves the packet alone with repeat = N over one
 * frame: the per-run overhead is paid once per N packets. */
double bench_time_repeat(int prog_fd, const void *frame, unsigned int len, unsigned int repeat,
			 int rounds);

#endif /* ES_BENCH_RUNNER_H */
