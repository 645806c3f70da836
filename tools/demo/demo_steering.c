// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A look at steering decisions without any network: loads a private
 * edgesteer instance as POP A of a three-POP fleet, sends packets from
 * clients in several prefixes through the real XDP program
 * (BPF_PROG_TEST_RUN), and prints where each went and why. Then POP B
 * fails and the same clients are sent again.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "decisions.h"
#include "fixture.h"
#include "pkt.h"

static const __u8 mac_client[6] = { 0x02, 0, 0, 0, 0xc0, 0x01 };
static const __u8 mac_edge[6] = { 0x02, 0, 0, 0, 0xa0, 0x01 };
static const __u8 mac_router[6] = { 0x02, 0, 0, 0, 0xbb, 0x01 };

static const char *pop_names[] = { "-", "A", "B", "C" };
static const char *pop_endpoints[] = { "", "198.51.100.1", "198.51.100.2", "198.51.100.3" };

struct client {
	const char *prefix;
	const char *addr;
	const char *vip;
};

static const struct client clients[] = {
	{ "192.0.2.0/26", "192.0.2.10", "203.0.113.10" },
	{ "192.0.2.64/26", "192.0.2.70", "203.0.113.10" },
	{ "192.0.2.128/25", "192.0.2.200", "203.0.113.10" },
	{ "2001:db8:1::/48", "2001:db8:1::10", "2001:db8:ffff::10" },
	{ "2001:db8:2::/48", "2001:db8:2::10", "2001:db8:ffff::10" },
	{ "198.18.0.0/15", "198.18.0.1", "203.0.113.10" },
};

static const char *state_name(__u8 s)
{
	return s == ES_STATE_UP ? "up" : s == ES_STATE_DRAIN ? "drain" : "down";
}

/* "B(up) C(up)" for the candidates of the prefix holding addr */
static void describe_decision(struct es_state *st, const char *prefix, char *buf, size_t len)
{
	char cidr[64], *slash;
	struct es_steering s;
	struct es_addr a;
	__u8 family;
	size_t off = 0;

	snprintf(cidr, sizeof(cidr), "%s", prefix);
	slash = strchr(cidr, '/');
	*slash = 0;
	family = fx_addr(cidr, &a);
	if (es_prefix_get(st, family, &a, atoi(slash + 1), &s, NULL)) {
		snprintf(buf, len, "no prefix");
		return;
	}
	if (s.action != ES_ACTION_POPS) {
		snprintf(buf, len, "%s", s.action == ES_ACTION_LOCAL ? "local" : "drop");
		return;
	}
	for (int i = 0; i < s.npops; i++) {
		struct es_pop p;
		__u32 id = s.pops[i];

		bpf_map_lookup_elem(st->pops_fd, &id, &p);
		off += snprintf(buf + off, len - off, "%s%s(%s)", i ? " " : "", pop_names[id],
				state_name(p.state));
	}
}

static void send_clients(struct es_state *st, const char *title)
{
	printf("\n%s\n", title);
	printf("  %-18s %-16s %-9s %-8s %s\n", "client prefix", "client", "served by", "how",
	       "decision: candidates (state)");
	for (size_t i = 0; i < sizeof(clients) / sizeof(clients[0]); i++) {
		const struct client *c = &clients[i];
		struct pkt *p = malloc(sizeof(*p));
		unsigned char out[2048];
		char why[128], outer[64] = "";
		const char *served = "A", *how = "local";
		size_t out_len;
		int verdict;

		pkt_init(p);
		pkt_eth(p, mac_edge, mac_client);
		if (strchr(c->addr, ':'))
			pkt_ipv6(p, c->addr, c->vip, IPPROTO_TCP);
		else
			pkt_ipv4(p, c->addr, c->vip, IPPROTO_TCP, NULL, 0);
		pkt_tcp(p, 40000 + i, 443, PKT_TCP_SYN);
		pkt_finish(p);
		verdict = fx_run(st, p->data, p->len, out, sizeof(out), &out_len);
		if (verdict == XDP_REDIRECT || verdict == XDP_TX) {
			/* the outer IPv4 destination names the POP */
			inet_ntop(AF_INET, out + 14 + 16, outer, sizeof(outer));
			for (int id = 1; id <= 3; id++)
				if (!strcmp(outer, pop_endpoints[id]))
					served = pop_names[id];
			how = out[14 + 9] == IPPROTO_UDP ? "GUE" : "IPIP";
		} else if (verdict == XDP_DROP) {
			served = "-";
			how = "dropped";
		}
		describe_decision(st, c->prefix, why, sizeof(why));
		printf("  %-18s %-16s %-9s %-8s %s\n", c->prefix, c->addr, served, how, why);
		free(p);
	}
}

int main(void)
{
	struct es_state *st = fx_open(0, 0);
	__u16 bc[] = { 2, 3 }, cb[] = { 3, 2 }, b[] = { 2 }, ba[] = { 2, 1 };

	if (!st)
		return 1;
	/* POP A is this box; B and C are reachable over the backbone */
	fx_config(st, 1, "198.51.100.1", ES_GUE_PORT_DEFAULT);
	fx_pop_tunnel(st, 1, "A", pop_endpoints[1], pop_endpoints[1], ES_ENCAP_IPIP, 1500, 2,
		      mac_edge, mac_router);
	fx_pop_tunnel(st, 2, "B", pop_endpoints[2], pop_endpoints[1], ES_ENCAP_IPIP, 1500, 2,
		      mac_edge, mac_router);
	fx_pop_tunnel(st, 3, "C", pop_endpoints[3], pop_endpoints[1], ES_ENCAP_GUE, 1500, 2,
		      mac_edge, mac_router);
	fx_vip(st, "203.0.113.10", IPPROTO_TCP, 443);
	fx_vip(st, "2001:db8:ffff::10", IPPROTO_TCP, 443);
	fx_prefix(st, "192.0.2.0/26", ES_ACTION_POPS, bc, 2);
	fx_prefix(st, "192.0.2.64/26", ES_ACTION_POPS, cb, 2);
	fx_prefix(st, "192.0.2.128/25", ES_ACTION_LOCAL, NULL, 0);
	fx_prefix(st, "2001:db8:1::/48", ES_ACTION_POPS, b, 1);
	fx_prefix(st, "2001:db8:2::/48", ES_ACTION_POPS, ba, 2);
	fx_prefix(st, "198.18.0.0/15", ES_ACTION_DROP, NULL, 0);

	printf("edgesteer on POP A: clients land here (BGP), the prefix decides who serves them\n");
	send_clients(st, "All POPs up:");
	fx_pop_state(st, 2, ES_STATE_DOWN);
	send_clients(st, "POP B fails (state down): its clients move to the next candidate at once:");
	es_state_close(st);
	return 0;
}
