// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * edgesteer vip: the anycast service addresses that are steered. An
 * address alone steers every packet sent to it; rules (`proto tcp port
 * 443`, at most ES_MAX_VIP_RULES) narrow it to protocols and ports. The
 * library refuses changes that would silently widen or narrow a service:
 * a rule on an address that steers everything, or the whole address over
 * its rules; deleting the address deletes its rules with it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "cli.h"
#include "parse.h"
#include "vips.h"

const char *const vip_usage[] = {
	"add ADDR [proto PROTO [port N]]",
	"del ADDR [proto PROTO [port N]]",
	"show",
	"help",
	"PROTO := { tcp | udp }",
	"port N := 1..65535 (default: every port of PROTO)",
	NULL,
};

static const char *const vip_keys[] = { "proto", "port", NULL };
static const char *const proto_names[] = { "tcp", "udp", NULL };

/* ---- messages and arguments ---------------------------------------------- */

static const char *quote(const char *s, char *buf, size_t len)
{
	return es_quote(s, strlen(s), buf, len);
}


static const char *proto_name(__u8 proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "?";
}

/* One `vip add/del` argument set: an address and maybe a rule. */
struct vip_arg {
	__u8 family;
	struct es_addr addr;
	__u8 proto;		/* 0: the whole address */
	__u16 port;		/* host order, 0: every port */
	char addr_text[ES_ADDR_STRLEN];
	char rule_text[32];	/* "tcp port 443", "tcp any port", "" */
	char canon[ES_ADDR_STRLEN + 16];	/* pending key: ADDR[/PROTO[/PORT]] */
};

static int vip_parse(struct cli_ctx *ctx, int argc, char **argv, struct vip_arg *a)
{
	static const struct es_addr zero;
	char msg[CLI_MSG_MAX], q[ES_QUOTE_BUFLEN];
	const char *addr, *val[2] = { 0 };
	__u32 port = 0;
	int k;

	memset(a, 0, sizeof(*a));
	addr = GET_ARG("ADDR");
	if (!addr)
		return -1;
	if (es_parse_addr(addr, &a->family, &a->addr, msg, sizeof(msg)))
		return cli_err_for(ctx, msg, "vip");
	if (!memcmp(&a->addr, &zero, sizeof(zero)))
		return cli_err(ctx, "invalid address '%s' for vip: unspecified address",
			       quote(addr, q, sizeof(q)));
	while (argc) {
		k = cli_keyword(ctx, *argv, vip_keys, "keyword");
		if (k < 0)
			return -1;
		if (val[k])
			return cli_err(ctx, "keyword '%s' given twice", vip_keys[k]);
		NEXT_ARG();
		val[k] = GET_ARG(k ? "N" : "PROTO");
		if (!val[k])
			return -1;
	}
	if (val[0]) {
		k = cli_keyword(ctx, val[0], proto_names, "proto");
		if (k < 0)
			return -1;
		a->proto = k ? IPPROTO_UDP : IPPROTO_TCP;
	}
	if (val[1]) {
		if (!a->proto)
			return cli_err(ctx, "port needs a protocol: proto tcp|udp port %s",
				       quote(val[1], q, sizeof(q)));
		k = es_parse_u32(val[1], 1, 65535, &port, msg, sizeof(msg));
		if (k == -ERANGE)
			return cli_err(ctx, "port %s out of range 1..65535", quote(val[1], q, sizeof(q)));
		if (k)
			return cli_err_for(ctx, msg, "port");
		a->port = (__u16)port;
	}

	es_format_addr(a->family, &a->addr, a->addr_text, sizeof(a->addr_text));
	if (a->proto && a->port)
		snprintf(a->rule_text, sizeof(a->rule_text), "%s port %u", proto_name(a->proto),
			 a->port);
	else if (a->proto)
		snprintf(a->rule_text, sizeof(a->rule_text), "%s any port", proto_name(a->proto));
	if (a->proto && a->port)
		snprintf(a->canon, sizeof(a->canon), "%s/%s/%u", a->addr_text,
			 proto_name(a->proto), a->port);
	else if (a->proto)
		snprintf(a->canon, sizeof(a->canon), "%s/%s", a->addr_text, proto_name(a->proto));
	else
		snprintf(a->canon, sizeof(a->canon), "%s", a->addr_text);
	return 0;
}

/* ---- the VIP an address has now ------------------------------------------ */

/*
 * What one address steers, as the pinned state says or, in pass 1 of a
 * batch, as its earlier lines would leave it. Those lines are recorded as
 * pending entries of their own kinds, keyed by the address and an epoch:
 * deleting a whole address starts a new epoch (ADDR#1, ADDR#2, ...) in
 * which the pinned rules and the rules earlier lines added are gone.
 *   "vip-epoch" "ADDR#E"        epoch E has begun
 *   "vip-rule"  "E ADDR[/P[/N]]" the whole address or a rule, in epoch E
 *   "vip-count" "E ADDR N"      the address has N rules in epoch E
 * "vip" with the canonical ADDR[/PROTO[/PORT]] records what each line
 * adds or deletes, for anyone else who asks.
 */
struct vip_now {
	struct es_vip pinned;	/* nrules 0 and !exists: none */
	bool pinned_exists;
	unsigned int epoch;
};

static int vip_now(struct cli_ctx *ctx, struct es_state *st, const struct vip_arg *a,
		   struct vip_now *v)
{
	struct es_vip_key key = { .family = a->family, .addr = a->addr };
	char k[ES_ADDR_STRLEN + 16];

	memset(v, 0, sizeof(*v));
	/* vips.h has no single lookup */
	if (!bpf_map_lookup_elem(st->vips_fd, &key, &v->pinned))
		v->pinned_exists = true;
	else if (errno != ENOENT)
		return cli_err(ctx, "cannot read vip %s: %s", a->addr_text, strerror(errno));
	else
		memset(&v->pinned, 0, sizeof(v->pinned));
	for (;;) {
		snprintf(k, sizeof(k), "%s#%u", a->addr_text, v->epoch + 1);
		if (cli_pending_get(ctx, "vip-epoch", k) != CLI_PENDING_ADDED)
			break;
		v->epoch++;
	}
	return 0;
}

static void rule_key(const struct vip_now *v, const struct vip_arg *a, __u8 proto, __u16 port,
		     char *buf, size_t len)
{
	if (proto && port)
		snprintf(buf, len, "%u %s/%s/%u", v->epoch, a->addr_text, proto_name(proto), port);
	else if (proto)
		snprintf(buf, len, "%u %s/%s", v->epoch, a->addr_text, proto_name(proto));
	else
		snprintf(buf, len, "%u %s", v->epoch, a->addr_text);
}

/* The whole address (proto 0) or a rule is configured. */
static bool vip_has(struct cli_ctx *ctx, const struct vip_now *v, const struct vip_arg *a,
		    __u8 proto, __u16 port)
{
	char k[ES_ADDR_STRLEN + 32];
	enum cli_pending_state p;

	rule_key(v, a, proto, port, k, sizeof(k));
	p = cli_pending_get(ctx, "vip-rule", k);
	if (p != CLI_PENDING_NONE)
		return p == CLI_PENDING_ADDED;
	if (v->epoch || !v->pinned_exists)
		return false;
	if (!proto)
		return !v->pinned.nrules;
	for (int i = 0; i < v->pinned.nrules && i < ES_MAX_VIP_RULES; i++)
		if (v->pinned.rules[i].proto == proto && ntohs(v->pinned.rules[i].port) == port)
			return true;
	return false;
}

static unsigned int vip_nrules(struct cli_ctx *ctx, const struct vip_now *v,
			       const struct vip_arg *a)
{
	char k[ES_ADDR_STRLEN + 32];

	for (unsigned int n = 0; n <= ES_MAX_VIP_RULES; n++) {
		snprintf(k, sizeof(k), "%u %s %u", v->epoch, a->addr_text, n);
		if (cli_pending_get(ctx, "vip-count", k) == CLI_PENDING_ADDED)
			return n;
	}
	return v->epoch ? 0 : v->pinned.nrules;
}

/* Pass 1: record what the line would do. */
static int vip_pending_rule(struct cli_ctx *ctx, const struct vip_now *v, const struct vip_arg *a,
			    enum cli_pending_state state, unsigned int nrules_before)
{
	char k[ES_ADDR_STRLEN + 32];
	unsigned int n = nrules_before;

	rule_key(v, a, a->proto, a->port, k, sizeof(k));
	if (cli_pending_set(ctx, "vip-rule", k, state))
		return -1;
	if (a->proto) {
		snprintf(k, sizeof(k), "%u %s %u", v->epoch, a->addr_text, n);
		if (cli_pending_set(ctx, "vip-count", k, CLI_PENDING_DELETED))
			return -1;
		n = state == CLI_PENDING_ADDED ? n + 1 : n - 1;
		snprintf(k, sizeof(k), "%u %s %u", v->epoch, a->addr_text, n);
		if (cli_pending_set(ctx, "vip-count", k, CLI_PENDING_ADDED))
			return -1;
	}
	return cli_pending_set(ctx, "vip", a->canon, state);
}

/* ---- add, del ------------------------------------------------------------ */

static int vip_add(struct cli_ctx *ctx, int argc, char **argv)
{
	struct es_state *st;
	struct vip_arg a;
	struct vip_now v;
	unsigned int n;
	int err;

	if (vip_parse(ctx, argc, argv, &a))
		return -1;
	st = cli_state(ctx, true);
	if (!st || vip_now(ctx, st, &a, &v))
		return -1;
	n = vip_nrules(ctx, &v, &a);
	if (vip_has(ctx, &v, &a, 0, 0)) {
		if (!a.proto)
			return cli_err(ctx, "vip %s exists", a.addr_text);
		return cli_err(ctx, "vip %s steers every protocol and port already: del it first to steer only %s",
			       a.addr_text, a.rule_text);
	}
	if (!a.proto && n)
		return cli_err(ctx, "vip %s has %u rule%s: del it first to steer every protocol and port",
			       a.addr_text, n, n > 1 ? "s" : "");
	if (a.proto && vip_has(ctx, &v, &a, a.proto, a.port))
		return cli_err(ctx, "vip %s %s exists", a.addr_text, a.rule_text);
	if (a.proto && a.port && vip_has(ctx, &v, &a, a.proto, 0))
		return cli_err(ctx, "vip %s %s is covered by its rule %s any port", a.addr_text,
			       a.rule_text, proto_name(a.proto));
	if (a.proto && n >= ES_MAX_VIP_RULES)
		return cli_err(ctx, "vip %s has the maximum of %d rules", a.addr_text,
			       ES_MAX_VIP_RULES);

	if (ctx->dry_run)
		return vip_pending_rule(ctx, &v, &a, CLI_PENDING_ADDED, n);
	err = es_vip_add(st, a.family, &a.addr, a.proto, a.port);
	if (err == -EEXIST)
		return cli_err(ctx, "vip %s%s%s exists", a.addr_text, a.proto ? " " : "",
			       a.rule_text);
	if (err == -ENOSPC)
		return cli_err(ctx, "vip %s has the maximum of %d rules", a.addr_text,
			       ES_MAX_VIP_RULES);
	if (err)
		return cli_err(ctx, "cannot add vip %s: %s", a.canon, strerror(-err));
	return 0;
}

static int vip_del(struct cli_ctx *ctx, int argc, char **argv)
{
	char k[ES_ADDR_STRLEN + 16];
	struct es_state *st;
	struct vip_arg a;
	struct vip_now v;
	unsigned int n;
	bool whole;
	int err;

	if (vip_parse(ctx, argc, argv, &a))
		return -1;
	st = cli_state(ctx, true);
	if (!st || vip_now(ctx, st, &a, &v))
		return -1;
	n = vip_nrules(ctx, &v, &a);
	whole = vip_has(ctx, &v, &a, 0, 0);
	if (!whole && !n)
		return cli_err(ctx, "no vip %s", a.addr_text);
	if (a.proto && whole)
		return cli_err(ctx, "vip %s has no rules (it steers every protocol and port): del %s to remove it",
			       a.addr_text, a.addr_text);
	if (a.proto && !vip_has(ctx, &v, &a, a.proto, a.port))
		return cli_err(ctx, "vip %s has no rule %s", a.addr_text, a.rule_text);

	if (ctx->dry_run) {
		if (a.proto)
			return vip_pending_rule(ctx, &v, &a, CLI_PENDING_DELETED, n);
		/* the address and all its rules: a new, empty epoch */
		snprintf(k, sizeof(k), "%s#%u", a.addr_text, v.epoch + 1);
		if (cli_pending_set(ctx, "vip-epoch", k, CLI_PENDING_ADDED))
			return -1;
		return cli_pending_set(ctx, "vip", a.canon, CLI_PENDING_DELETED);
	}
	err = es_vip_del(st, a.family, &a.addr, a.proto, a.port);
	if (err == -ENOENT)
		return cli_err(ctx, "no vip %s%s%s", a.addr_text, a.proto ? " " : "", a.rule_text);
	if (err)
		return cli_err(ctx, "cannot delete vip %s: %s", a.canon, strerror(-err));
	return 0;
}

/* ---- show ---------------------------------------------------------------- */

struct vip_row {
	struct es_vip_key key;
	struct es_vip val;
};

static int row_cmp(const void *a, const void *b)
{
	const struct vip_row *x = a, *y = b;

	if (x->key.family != y->key.family)
		return x->key.family < y->key.family ? -1 : 1;
	return memcmp(&x->key.addr, &y->key.addr, sizeof(x->key.addr));
}

static void vip_print(struct cli_ctx *ctx, const struct vip_row *r)
{
	json_writer_t *jw = ctx->jw;
	char addr[ES_ADDR_STRLEN];
	int n = r->val.nrules < ES_MAX_VIP_RULES ? r->val.nrules : ES_MAX_VIP_RULES;

	es_format_addr(r->key.family, &r->key.addr, addr, sizeof(addr));
	if (!jw) {
		/* one line per rule, as `vip add` takes it */
		if (!n)
			printf("%s\n", addr);
		for (int i = 0; i < n; i++) {
			printf("%s proto %s", addr, proto_name(r->val.rules[i].proto));
			if (r->val.rules[i].port)
				printf(" port %u", ntohs(r->val.rules[i].port));
			printf("\n");
		}
		return;
	}
	jsonw_start_object(jw);
	jsonw_string_field(jw, "address", addr);
	jsonw_name(jw, "rules");
	jsonw_start_array(jw);
	for (int i = 0; i < n; i++) {
		jsonw_start_object(jw);
		jsonw_string_field(jw, "proto", proto_name(r->val.rules[i].proto));
		if (r->val.rules[i].port)
			jsonw_uint_field(jw, "port", ntohs(r->val.rules[i].port));
		else
			jsonw_null_field(jw, "port");
		jsonw_end_object(jw);
	}
	jsonw_end_array(jw);
	jsonw_end_object(jw);
}

static int vip_show(struct cli_ctx *ctx, int argc, char **argv)
{
	struct es_vip_key *keys = NULL;
	struct es_vip *vals = NULL;
	struct vip_row *rows;
	struct es_state *st;
	size_t n = 0, i;
	int err;

	if (!END_ARGS())
		return -1;
	st = cli_state(ctx, false);
	if (!st)
		return -1;
	if (ctx->dry_run)
		return 0;
	err = es_vip_list(st, &keys, &vals, &n);
	if (err)
		return cli_err(ctx, "cannot list vips: %s", strerror(-err));
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		free(keys);
		free(vals);
		return cli_err(ctx, "out of memory");
	}
	for (i = 0; i < n; i++) {
		rows[i].key = keys[i];
		rows[i].val = vals[i];
	}
	free(keys);
	free(vals);
	qsort(rows, n, sizeof(*rows), row_cmp);
	if (ctx->jw)
		jsonw_start_array(ctx->jw);
	for (i = 0; i < n; i++)
		vip_print(ctx, &rows[i]);
	if (ctx->jw)
		jsonw_end_array(ctx->jw);
	free(rows);
	return 0;
}

static int vip_help(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_usage(ctx, "vip", vip_usage);
}

static const struct cli_cmd vip_cmds[] = {
	{ "show",	vip_show },
	{ "add",	vip_add },
	{ "del",	vip_del },
	{ "help",	vip_help },
	{ 0 }
};

int do_vip(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, vip_cmds, argc, argv, "vip");
}
