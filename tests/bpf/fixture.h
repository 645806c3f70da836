/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Setting up a private (unpinned) edgesteer instance and running packets
 * through the real XDP program with BPF_PROG_TEST_RUN.
 */
#ifndef ES_FIXTURE_H
#define ES_FIXTURE_H

#include <stddef.h>
#include <linux/bpf.h>
#include "edgesteer.h"
#include "state.h"
#include "prefixes.h"

/* A private instance with small tables (v4_groups/v6_groups 0: small
 * defaults suitable for fixtures). NULL on failure (message printed). */
struct es_state *fx_open(__u32 v4_groups, __u32 v6_groups);

/* Parse "192.0.2.1" / "2001:db8::1" into family + address; aborts on error. */
__u8 fx_addr(const char *s, struct es_addr *a);

/* config: this POP's id and tunnel address (NULL: none), GUE port. */
int fx_config(struct es_state *st, __u16 self_pop, const char *self_addr, __u16 gue_port);

/* A tunnel POP with a resolved next hop (ifindex, MACs). */
int fx_pop_tunnel(struct es_state *st, __u16 id, const char *name, const char *endpoint,
		  const char *source, __u8 encap, __u16 mtu, __u32 ifindex,
		  const __u8 smac[6], const __u8 dmac[6]);
int fx_pop_redirect(struct es_state *st, __u16 id, const char *name, __u32 ifindex,
		    const __u8 smac[6], const __u8 dmac[6]);
int fx_pop_state(struct es_state *st, __u16 id, __u8 state);

/* A VIP; proto 0 = every protocol; more calls add rules. */
int fx_vip(struct es_state *st, const char *addr, __u8 proto, __u16 port);
int fx_peer(struct es_state *st, const char *addr);

/* prefix "CIDR" -> pops {ids...} (n ids), or action LOCAL/DROP with n = 0 */
int fx_prefix(struct es_state *st, const char *cidr, __u8 action, const __u16 *pops, int n);

/* Run one frame; out gets the result (caller's buffer of out_cap bytes).
 * Returns the XDP verdict, or -errno. */
int fx_run(struct es_state *st, const void *in, size_t in_len, void *out, size_t out_cap,
	   size_t *out_len);

/* The counter that counts an XDP verdict (ES_CNT_VERDICT_*). */
enum es_counter fx_verdict_counter(int verdict);

/* Counter totals over every CPU. */
__u64 fx_counter(struct es_state *st, enum es_counter c);
__u64 fx_pop_packets(struct es_state *st, __u16 pop);
void fx_counters_reset(struct es_state *st);

#endif /* ES_FIXTURE_H */
