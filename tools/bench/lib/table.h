/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Synthetic routing tables shaped like real ones, and client addresses
 * drawn from them, reproducible from a seed.
 *
 * IPv4: mostly /24 with the spread of shorter prefixes a full table has
 * and 4% longer than /24 (the more-specifics an edge's own measurements
 * add). IPv6: clustered under registry allocations (/29, /32), mostly /48
 * and /32../47, a few longer.
 */
#ifndef ES_BENCH_TABLE_H
#define ES_BENCH_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include "prefixes.h"

struct bench_table {
	__u8 family;
	size_t n;
	struct es_prefix_spec *v;	/* distinct prefixes, every one steered by steer */
};

/* xorshift64*: fast, reproducible */
__u64 bench_rand(__u64 *state);

/* n distinct prefixes of family, all with the given steering. 0 or -errno. */
int bench_table_make(struct bench_table *t, __u8 family, size_t n, __u64 seed,
		     const struct es_steering *steer);
void bench_table_free(struct bench_table *t);

/* n client addresses uniformly random over the space the table covers
 * (each prefix weighted by the addresses it holds). */
void bench_table_sample_space(const struct bench_table *t, struct es_addr *out, size_t n,
			      __u64 seed);

/* n client addresses, each from a prefix chosen uniformly (every prefix
 * equally likely, whatever its size): this reaches the long prefixes the
 * space-uniform draw almost never hits. */
void bench_table_sample_prefixes(const struct bench_table *t, struct es_addr *out, size_t n,
				 __u64 seed);

/* Write the table as a prefix file ("CIDR TARGET" lines), gzip when gz.
 * target: the text after the CIDR, e.g. "B,C" or "local". */
int bench_table_write(const struct bench_table *t, const char *path, bool gz,
		      const char *target);

#endif /* ES_BENCH_TABLE_H */
