// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * edgesteer flow: the flow table, where TCP connections of a prefix in
 * transition (or whose POP drains) stay pinned to the POP they started on.
 *
 *   flow show | flush
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "cli.h"
#include "parse.h"
#include "pops.h"
#include "stats.h"
#include "state.h"

const char *const flow_usage[] = {
	"show",
	"flush",
	"help",
	NULL,
};

struct flow_entry {
	struct es_flow_key key;
	struct es_flow val;
};

struct flow_list {
	struct flow_entry *v;
	size_t n, cap;
};

static int flow_collect(const struct es_flow_key *key, const struct es_flow *val, void *arg)
{
	struct flow_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		void *v = realloc(l->v, cap * sizeof(*l->v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].key = *key;
	l->v[l->n].val = *val;
	l->n++;
	return 0;
}

/* By family, source (address, port), destination, protocol: a client's
 * connections end up next to each other. */
static int flow_cmp(const void *a, const void *b)
{
	const struct es_flow_key *x = &((const struct flow_entry *)a)->key;
	const struct es_flow_key *y = &((const struct flow_entry *)b)->key;
	int r;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	r = memcmp(&x->saddr, &y->saddr, sizeof(x->saddr));
	if (r)
		return r;
	if (x->sport != y->sport)
		return ntohs(x->sport) < ntohs(y->sport) ? -1 : 1;
	r = memcmp(&x->daddr, &y->daddr, sizeof(x->daddr));
	if (r)
		return r;
	if (x->dport != y->dport)
		return ntohs(x->dport) < ntohs(y->dport) ? -1 : 1;
	return (int)x->proto - (int)y->proto;
}

/* bpf_ktime_get_ns() is CLOCK_MONOTONIC. */
static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static const char *proto_name(__u8 proto, char *buf, size_t len)
{
	if (proto == IPPROTO_TCP)
		return "tcp";
	if (proto == IPPROTO_UDP)
		return "udp";
	snprintf(buf, len, "%u", proto);
	return buf;
}

/* "192.0.2.7:40000", "[2001:db8::7]:40000" */
static void endpoint_text(__u8 family, const struct es_addr *addr, __be16 port, char *buf,
			  size_t len)
{
	char a[ES_ADDR_STRLEN];

	es_format_addr(family, addr, a, sizeof(a));
	snprintf(buf, len, family == ES_AF_INET6 ? "[%s]:%u" : "%s:%u", a, ntohs(port));
}

static void print_flow_json(json_writer_t *jw, const struct flow_entry *f,
			    const struct es_pop *pops, __u64 idle_ns)
{
	const struct es_flow_key *k = &f->key;
	char a[ES_ADDR_STRLEN], p[4];
	__u16 pop = f->val.pop;
	bool here = pop == ES_POP_HERE;

	jsonw_start_object(jw);
	jsonw_string_field(jw, "proto", proto_name(k->proto, p, sizeof(p)));
	es_format_addr(k->family, &k->saddr, a, sizeof(a));
	jsonw_string_field(jw, "src", a);
	jsonw_uint_field(jw, "sport", ntohs(k->sport));
	es_format_addr(k->family, &k->daddr, a, sizeof(a));
	jsonw_string_field(jw, "dst", a);
	jsonw_uint_field(jw, "dport", ntohs(k->dport));
	if (!here && pop < ES_MAX_POPS && pops[pop].kind != ES_POP_UNUSED)
		jsonw_string_field(jw, "pop", pops[pop].name);
	else
		jsonw_null_field(jw, "pop");
	if (here)
		jsonw_null_field(jw, "pop_id");
	else
		jsonw_uint_field(jw, "pop_id", pop);
	jsonw_bool_field(jw, "here", here);
	jsonw_uint_field(jw, "decision", f->val.decision);
	jsonw_uint_field(jw, "idle_ms", idle_ns / 1000000);
	jsonw_end_object(jw);
}

/* tcp 192.0.2.7:40000 -> 203.0.113.10:443  pop B  idle 3s */
static void print_flow_text(const struct flow_entry *f, const struct es_pop *pops, __u64 idle_ns)
{
	char src[ES_ADDR_STRLEN + 8], dst[ES_ADDR_STRLEN + 8], where[ES_POP_NAME_LEN + 16], p[4];
	const struct es_flow_key *k = &f->key;
	__u16 pop = f->val.pop;

	endpoint_text(k->family, &k->saddr, k->sport, src, sizeof(src));
	endpoint_text(k->family, &k->daddr, k->dport, dst, sizeof(dst));
	if (pop == ES_POP_HERE)
		snprintf(where, sizeof(where), "served here");
	else if (pop < ES_MAX_POPS && pops[pop].kind != ES_POP_UNUSED)
		snprintf(where, sizeof(where), "pop %s", pops[pop].name);
	else
		snprintf(where, sizeof(where), "pop #%u", pop);
	printf("%s %s -> %s  %s  idle %llus\n", proto_name(k->proto, p, sizeof(p)), src, dst, where,
	       (unsigned long long)(idle_ns / 1000000000));
}

/* ---- show ----------------------------------------------------------------- */

static int flow_show(struct cli_ctx *ctx, int argc, char **argv)
{
	struct flow_list l = { 0 };
	struct es_pop *by_id = NULL, *list = NULL;
	struct es_state *st;
	__u32 *ids = NULL;
	size_t n = 0;
	__u64 now;
	int err, ret = -1;

	if (!END_ARGS())
		return -1;
	st = cli_state(ctx, false);
	if (!st)
		return -1;
	if (ctx->dry_run)
		return 0;

	err = es_pop_list(st, &ids, &list, &n);
	if (err)
		return cli_err(ctx, "cannot read the POPs: %s", strerror(-err));
	by_id = calloc(ES_MAX_POPS, sizeof(*by_id));
	if (!by_id) {
		cli_err(ctx, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		by_id[ids[i]] = list[i];

	err = es_flows_walk(st, flow_collect, &l);
	if (err) {
		cli_err(ctx, "cannot read the flow table: %s", strerror(-err));
		goto out;
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), flow_cmp);
	/* after the walk: no entry was refreshed later than this */
	now = mono_ns();
	if (ctx->jw)
		jsonw_start_array(ctx->jw);
	for (size_t i = 0; i < l.n; i++) {
		__u64 last = l.v[i].val.last_ns;
		__u64 idle = now > last ? now - last : 0;

		if (ctx->jw)
			print_flow_json(ctx->jw, &l.v[i], by_id, idle);
		else
			print_flow_text(&l.v[i], by_id, idle);
	}
	if (ctx->jw)
		jsonw_end_array(ctx->jw);
	ret = 0;
out:
	free(l.v);
	free(by_id);
	free(ids);
	free(list);
	return ret;
}

/* ---- flush ---------------------------------------------------------------- */

static int flow_flush(struct cli_ctx *ctx, int argc, char **argv)
{
	struct es_state *st;
	long n;

	if (!END_ARGS())
		return -1;
	/* open what is there, then lock: flushing never creates the state */
	st = cli_state(ctx, false);
	if (!st || !cli_state(ctx, true))
		return -1;
	if (ctx->dry_run)
		return 0;
	n = es_flows_flush(st);
	if (n < 0)
		return cli_err(ctx, "cannot flush the flow table: %s", strerror((int)-n));
	if (ctx->jw) {
		jsonw_start_object(ctx->jw);
		jsonw_uint_field(ctx->jw, "flushed", (__u64)n);
		jsonw_end_object(ctx->jw);
	} else {
		printf("flushed %ld flow%s\n", n, n == 1 ? "" : "s");
	}
	return 0;
}

/* ---- the object ----------------------------------------------------------- */

static int flow_help(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_usage(ctx, "flow", flow_usage);
}

static const struct cli_cmd flow_cmds[] = {
	{ "show",	flow_show },
	{ "flush",	flow_flush },
	{ "help",	flow_help },
	{ 0 }
};

int do_flow(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, flow_cmds, argc, argv, "flow");
}
