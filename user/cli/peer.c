// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * edgesteer peer: sources allowed to send this box tunnel traffic beyond
 * the POPs' own endpoints (which are allowed for as long as their POP
 * exists, without a command). `peer show` lists both, saying which is
 * which.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "parse.h"
#include "pops.h"

const char *const peer_usage[] = {
	"add ADDR",
	"del ADDR",
	"show",
	"help",
	"ADDR := an IPv4 or IPv6 tunnel source (POP endpoints are peers without it)",
	NULL,
};


struct peer_arg {
	__u8 family;
	struct es_addr addr;
	char text[ES_ADDR_STRLEN];	/* canonical: the pending key */
};

static int peer_parse(struct cli_ctx *ctx, int argc, char **argv, struct peer_arg *a)
{
	static const struct es_addr zero;
	char msg[CLI_MSG_MAX], q[ES_QUOTE_BUFLEN];
	const char *word;

	word = GET_ARG("ADDR");
	if (!word || !END_ARGS())
		return -1;
	if (es_parse_addr(word, &a->family, &a->addr, msg, sizeof(msg)))
		return cli_err_for(ctx, msg, "peer");
	if (!memcmp(&a->addr, &zero, sizeof(zero)))
		return cli_err(ctx, "invalid address '%s' for peer: unspecified address",
			       es_quote(word, strlen(word), q, sizeof(q)));
	es_format_addr(a->family, &a->addr, a->text, sizeof(a->text));
	return 0;
}

/* The flags the pinned state has for the address (0: not a peer). */
static int peer_flags(struct cli_ctx *ctx, struct es_state *st, const struct peer_arg *a,
		      __u32 *flags)
{
	struct es_peer_key *keys;
	struct es_peer *vals;
	size_t n;
	int err;

	*flags = 0;
	err = es_peer_list(st, &keys, &vals, &n);
	if (err)
		return cli_err(ctx, "cannot list peers: %s", strerror(-err));
	for (size_t i = 0; i < n; i++)
		if (keys[i].family == a->family && !memcmp(&keys[i].addr, &a->addr, sizeof(a->addr)))
			*flags = vals[i].flags;
	free(keys);
	free(vals);
	return 0;
}

/* A tunnel POP with this endpoint, for messages; "" when none. */
static void endpoint_pop(struct es_state *st, const struct peer_arg *a, char *name, size_t len)
{
	struct es_pop *pops;
	__u32 *ids;
	size_t n;

	name[0] = 0;
	if (es_pop_list(st, &ids, &pops, &n))
		return;
	for (size_t i = 0; i < n && !name[0]; i++)
		if (pops[i].kind == ES_POP_TUNNEL && pops[i].family == a->family &&
		    !memcmp(&pops[i].endpoint, &a->addr, sizeof(a->addr)))
			snprintf(name, len, "%s", pops[i].name);
	free(ids);
	free(pops);
}

static int peer_add(struct cli_ctx *ctx, int argc, char **argv)
{
	struct es_state *st;
	struct peer_arg a;
	__u32 flags;
	int err;

	if (peer_parse(ctx, argc, argv, &a))
		return -1;
	st = cli_state(ctx, true);
	if (!st || peer_flags(ctx, st, &a, &flags))
		return -1;
	if (cli_pending_exists(ctx, "peer", a.text, flags & ES_PEER_EXPLICIT))
		return cli_err(ctx, "peer %s exists", a.text);
	if (ctx->dry_run)
		return cli_pending_set(ctx, "peer", a.text, CLI_PENDING_ADDED);
	err = es_peer_add(st, a.family, &a.addr);
	if (err == -EEXIST)
		return cli_err(ctx, "peer %s exists", a.text);
	if (err)
		return cli_err(ctx, "cannot add peer %s: %s", a.text, strerror(-err));
	return 0;
}

static int peer_del(struct cli_ctx *ctx, int argc, char **argv)
{
	char pop[ES_POP_NAME_LEN];
	struct es_state *st;
	struct peer_arg a;
	__u32 flags;
	int err;

	if (peer_parse(ctx, argc, argv, &a))
		return -1;
	st = cli_state(ctx, true);
	if (!st || peer_flags(ctx, st, &a, &flags))
		return -1;
	if (!cli_pending_exists(ctx, "peer", a.text, flags & ES_PEER_EXPLICIT)) {
		endpoint_pop(st, &a, pop, sizeof(pop));
		if (pop[0])
			return cli_err(ctx, "%s is not an explicit peer: it is the endpoint of pop '%s', allowed while the pop exists",
				       a.text, pop);
		return cli_err(ctx, "no peer %s", a.text);
	}
	if (ctx->dry_run)
		return cli_pending_set(ctx, "peer", a.text, CLI_PENDING_DELETED);
	err = es_peer_del(st, a.family, &a.addr);
	if (err == -ENOENT)
		return cli_err(ctx, "no peer %s", a.text);
	if (err)
		return cli_err(ctx, "cannot delete peer %s: %s", a.text, strerror(-err));
	return 0;
}

/* ---- show ---------------------------------------------------------------- */

struct peer_row {
	struct es_peer_key key;
	__u32 flags;
};

static int row_cmp(const void *a, const void *b)
{
	const struct peer_row *x = a, *y = b;

	if (x->key.family != y->key.family)
		return x->key.family < y->key.family ? -1 : 1;
	return memcmp(&x->key.addr, &y->key.addr, sizeof(x->key.addr));
}

static const char *source_name(__u32 flags)
{
	switch (flags & (ES_PEER_POP | ES_PEER_EXPLICIT)) {
	case ES_PEER_POP:
		return "pop";
	case ES_PEER_EXPLICIT:
		return "explicit";
	case ES_PEER_POP | ES_PEER_EXPLICIT:
		return "pop,explicit";
	default:
		return "?";
	}
}

/* The names of the tunnel POPs whose endpoint the peer is. */
static void peer_print(struct cli_ctx *ctx, const struct peer_row *r, const struct es_pop *pops,
		       size_t npops)
{
	json_writer_t *jw = ctx->jw;
	char addr[ES_ADDR_STRLEN];
	const char *sep = " (";

	es_format_addr(r->key.family, &r->key.addr, addr, sizeof(addr));
	if (jw) {
		jsonw_start_object(jw);
		jsonw_string_field(jw, "address", addr);
		jsonw_string_field(jw, "source", source_name(r->flags));
		jsonw_name(jw, "pops");
		jsonw_start_array(jw);
	} else {
		printf("%s  %s", addr, source_name(r->flags));
	}
	for (size_t i = 0; i < npops; i++) {
		if (pops[i].kind != ES_POP_TUNNEL || pops[i].family != r->key.family ||
		    memcmp(&pops[i].endpoint, &r->key.addr, sizeof(r->key.addr)))
			continue;
		if (jw) {
			jsonw_string(jw, pops[i].name);
		} else {
			printf("%s%s", sep, pops[i].name);
			sep = ", ";
		}
	}
	if (jw) {
		jsonw_end_array(jw);
		jsonw_end_object(jw);
	} else {
		printf("%s\n", sep[0] == ',' ? ")" : "");
	}
}

static int peer_show(struct cli_ctx *ctx, int argc, char **argv)
{
	struct es_peer_key *keys = NULL;
	struct es_peer *vals = NULL;
	struct es_pop *pops = NULL;
	struct peer_row *rows = NULL;
	struct es_state *st;
	size_t n = 0, npops = 0, i;
	__u32 *ids = NULL;
	int err;

	if (!END_ARGS())
		return -1;
	st = cli_state(ctx, false);
	if (!st)
		return -1;
	if (ctx->dry_run)
		return 0;
	err = es_peer_list(st, &keys, &vals, &n);
	if (!err)
		err = es_pop_list(st, &ids, &pops, &npops);
	if (!err) {
		rows = calloc(n ? n : 1, sizeof(*rows));
		if (!rows)
			err = -ENOMEM;
	}
	if (err) {
		cli_err(ctx, "cannot list peers: %s", strerror(-err));
		goto out;
	}
	for (i = 0; i < n; i++) {
		rows[i].key = keys[i];
		rows[i].flags = vals[i].flags;
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	if (ctx->jw)
		jsonw_start_array(ctx->jw);
	for (i = 0; i < n; i++)
		peer_print(ctx, &rows[i], pops, npops);
	if (ctx->jw)
		jsonw_end_array(ctx->jw);
out:
	free(keys);
	free(vals);
	free(ids);
	free(pops);
	free(rows);
	return err ? -1 : 0;
}

static int peer_help(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_usage(ctx, "peer", peer_usage);
}

static const struct cli_cmd peer_cmds[] = {
	{ "show",	peer_show },
	{ "add",	peer_add },
	{ "del",	peer_del },
	{ "help",	peer_help },
	{ 0 }
};

int do_peer(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, peer_cmds, argc, argv, "peer");
}
