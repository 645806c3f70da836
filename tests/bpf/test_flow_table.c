// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The flow table from userspace: a flush empties a large table and counts
 * what it removed (bucket batches, not a key walk restarted per delete,
 * which took minutes at this size).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fixture.h"
#include "stats.h"
#include "test.h"

static long count_entries(int fd)
{
	struct es_flow_key k, next;
	long n = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

static void test_flush_large_table(void)
{
	struct es_limits lim = { .v4_groups = 16, .v6_groups = 16, .flows = 1 << 18,
				 .prefixes = 1024 };
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	enum { N = 200000 };
	struct es_flow_key *keys = calloc(N, sizeof(*keys));
	struct es_flow *vals = calloc(N, sizeof(*vals));
	struct es_state *st = NULL;
	__u32 count = N;
	long before;

	libbpf_set_print(NULL);
	if (!ASSERT_TRUE(keys && vals, "memory") || !ASSERT_OK(es_state_load(&st, NULL, &lim), "load"))
		goto out;
	for (__u32 i = 0; i < N; i++) {
		keys[i].family = ES_AF_INET;
		keys[i].proto = IPPROTO_TCP;
		keys[i].sport = htons(1024 + i % 60000);
		keys[i].dport = htons(443);
		keys[i].saddr.v4 = htonl(0xc0000000 | i);
		keys[i].daddr.v4 = htonl(0xcb00710a);
		vals[i].pop = 2;
	}
	if (!ASSERT_OK(bpf_map_update_batch(st->flows_fd, keys, vals, &count, &opts), "fill"))
		goto out;
	before = count_entries(st->flows_fd);
	/* an LRU may have evicted a few while filling; most must be there */
	ASSERT_TRUE(before > N * 9 / 10, "table filled");
	ASSERT_EQ(es_flows_flush(st), before, "flushed");
	ASSERT_EQ(count_entries(st->flows_fd), 0, "left after flush");
	ASSERT_EQ(es_flows_flush(st), 0, "second flush");
out:
	es_state_close(st);
	free(keys);
	free(vals);
}

int main(void)
{
	RUN_TEST(test_flush_large_table);
	return es_test_exit();
}
