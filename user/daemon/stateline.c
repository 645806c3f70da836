// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * State lines of the configuration: the CLI's own command code runs them
 * (the daemon links every CLI object but main.c), through the object table
 * below, which holds only what a configuration may say.
 *
 * A configuration declares state and is applied at every start and
 * reload, so applying it again must change nothing. `prefix add`,
 * `pop self`, `link attach` and `config set` are idempotent in the CLI
 * already; `pop add`, `vip add` and `peer add` refuse what exists, so a
 * line whose object is pinned exactly as the line says is skipped here. A
 * pop pinned with a different definition is an error: the daemon never
 * deletes anything (it could not anyway while prefixes use the pop).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "parse.h"
#include "pops.h"
#include "vips.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* pop.c marks a POP whose source follows `pop self` this way in es_pop.pad */
#define POP_SRC_SELF	0x1

/* The CLI's objects, in main.c's order so that prefixes match alike. */
static const struct object {
	const char *name;
	cli_fn fn;
	const char *const *usage;
	const char *const allowed[3];	/* commands a configuration may use */
} objects[] = {
	{ "link",	do_link,	link_usage,	{ "attach" } },
	{ "pop",	do_pop,		pop_usage,	{ "add", "self" } },
	{ "vip",	do_vip,		vip_usage,	{ "add" } },
	{ "peer",	do_peer,	peer_usage,	{ "add" } },
	{ "prefix",	do_prefix,	prefix_usage,	{ "add", "load" } },
	{ "stats",	do_stats,	stats_usage,	{ 0 } },
	{ "flow",	do_flow,	flow_usage,	{ 0 } },
	{ "config",	do_config,	config_usage,	{ "set" } },
	{ "batch",	do_batch,	batch_usage,	{ 0 } },
	{ "help",	NULL,		NULL,		{ 0 } },
	{ "version",	NULL,		NULL,		{ 0 } },
};

static int object_index(struct cli_ctx *ctx, const char *word)
{
	const char *names[ARRAY_SIZE(objects)];

	for (size_t i = 0; i < ARRAY_SIZE(objects); i++)
		names[i] = objects[i].name;
	return cli_lookup(ctx, word, names, ARRAY_SIZE(objects), NULL);
}

/* The CLI's core and batch code call this to run a line's object. */
int cli_run_object(struct cli_ctx *ctx, int argc, char **argv)
{
	int i = object_index(ctx, argv[0]);

	if (i < 0)
		return -1;
	if (!objects[i].fn)
		return cli_err(ctx, "'%s' is not a configuration line", objects[i].name);
	return objects[i].fn(ctx, argc - 1, argv + 1);
}

/* `OBJECT help` in a configuration: the objects' help commands call this. */
int cli_usage(struct cli_ctx *ctx, const char *object, const char *const *usage)
{
	return cli_err(ctx, "'%s help' is not a configuration line", object);
}

/* The full name of the command word selects, from the usage's forms. */
static const char *command_name(struct cli_ctx *ctx, const struct object *o, const char *word)
{
	const char *names[CLI_MAX_CMDS];
	static char full[CLI_MAX_CMDS][32];
	size_t n = 0;
	int k;

	for (size_t i = 0; o->usage[i] && n < CLI_MAX_CMDS; i++) {
		size_t w = strcspn(o->usage[i], " ");
		bool seen = false;

		if (strstr(o->usage[i], " := ") || w >= sizeof(full[0]))
			continue;
		snprintf(full[n], sizeof(full[n]), "%.*s", (int)w, o->usage[i]);
		for (size_t j = 0; j < n && !seen; j++)
			seen = !strcmp(full[j], full[n]);
		if (!seen) {
			names[n] = full[n];
			n++;
		}
	}
	k = cli_lookup(ctx, word, names, n, o->name);
	return k < 0 ? NULL : names[k];
}

/* ---- lines already in force ---------------------------------------------- */

static int keyword_value(const char *const *keys, const char *word)
{
	size_t n = 0;

	while (keys[n])
		n++;
	return cli_match(word, keys, n, NULL, 0);
}

/*
 * `pop add NAME id ID ...` against the pinned POP of that name: 1 when
 * identical (the state is a matter of probes and operators, not compared),
 * 0 when the line must run (no such POP, or words the CLI will refuse),
 * -1 after cli_err() when the POP is pinned with another definition.
 */
static int pop_in_force(struct cli_ctx *ctx, struct es_state *st, int argc, char **argv)
{
	/* pop.c's keywords, in its order, so that abbreviations agree */
	static const char *const keys[] = {
		"id", "tunnel", "redirect", "encap", "src", "mtu", "state", "dev", "dmac", NULL,
	};
	static const char *const encaps[] = { "ipip", "gue", NULL };
	const char *val[ARRAY_SIZE(keys)] = { 0 };
	struct es_pop p, want = { 0 };
	struct es_addr a;
	__u32 id, want_id;
	__u8 fam;
	int k;

	if (argc < 1 || es_pop_find(st, argv[0], &id, &p))
		return 0;
	for (int i = 1; i < argc; i++) {
		k = keyword_value(keys, argv[i]);
		if (k < 0)
			return 0;
		if (k == 2) {		/* redirect takes no value */
			val[k] = "";
			continue;
		}
		if (i + 1 >= argc)
			return 0;
		val[k] = argv[++i];
	}
	if (!val[0] || es_parse_u32(val[0], 1, ES_MAX_POPS - 1, &want_id, NULL, 0))
		return 0;
	if (val[1]) {
		want.kind = ES_POP_TUNNEL;
		if (es_parse_addr(val[1], &want.family, &want.endpoint, NULL, 0))
			return 0;
		if (val[3] && (k = keyword_value(encaps, val[3])) >= 0)
			want.encap = (__u8)k;
		else if (val[3])
			return 0;
		if (val[4]) {
			if (es_parse_addr(val[4], &fam, &want.source, NULL, 0))
				return 0;
		} else {
			want.pad = POP_SRC_SELF;
		}
		if (val[5] && es_parse_u16(val[5], 0, 65535, &want.mtu, NULL, 0))
			return 0;
	} else if (val[2] && val[7]) {
		want.kind = ES_POP_REDIRECT;
		want.ifindex = strlen(val[7]) < IF_NAMESIZE ? if_nametoindex(val[7]) : 0;
		if (!want.ifindex)
			return 0;
		if (val[8] && es_parse_mac(val[8], want.dmac, NULL, 0))
			return 0;
	} else {
		return 0;
	}

	if (id == want_id && p.kind == want.kind &&
	    (want.kind == ES_POP_TUNNEL ?
	     p.family == want.family && !memcmp(&p.endpoint, &want.endpoint, sizeof(a)) &&
	     p.encap == want.encap && p.mtu == want.mtu &&
	     (p.pad & POP_SRC_SELF) == want.pad &&
	     (want.pad || !memcmp(&p.source, &want.source, sizeof(a))) :
	     p.ifindex == want.ifindex && !memcmp(p.dmac, want.dmac, 6)))
		return 1;
	return cli_err(ctx, "pop '%s' is pinned with another definition (id %u): the daemon does not redefine a pop; change it with the edgesteer CLI (pop del, pop add)",
		       p.name, id);
}

/* `vip add ADDR [proto PROTO [port N]]`: that VIP, or that rule, exists. */
static bool vip_in_force(struct es_state *st, int argc, char **argv)
{
	static const char *const protos[] = { "tcp", "udp", NULL };
	static const char *const keys[] = { "proto", "port", NULL };
	struct es_vip_key *keys_v = NULL;
	struct es_vip *vals = NULL;
	struct es_addr addr;
	__u8 family, proto = 0;
	__u16 port = 0;
	bool found = false;
	size_t n = 0;
	int k;

	if (argc < 1 || es_parse_addr(argv[0], &family, &addr, NULL, 0))
		return false;
	if (argc >= 3) {
		if (keyword_value(keys, argv[1]) != 0 || (k = keyword_value(protos, argv[2])) < 0)
			return false;
		proto = k ? IPPROTO_UDP : IPPROTO_TCP;
	}
	if (argc == 5) {
		if (keyword_value(keys, argv[3]) != 1 ||
		    es_parse_u16(argv[4], 1, 65535, &port, NULL, 0))
			return false;
	} else if (argc != 1 && argc != 3) {
		return false;
	}
	if (es_vip_list(st, &keys_v, &vals, &n))
		return false;
	for (size_t i = 0; i < n && !found; i++) {
		if (keys_v[i].family != family || memcmp(&keys_v[i].addr, &addr, sizeof(addr)))
			continue;
		if (!proto) {
			found = !vals[i].nrules;
			break;
		}
		for (int r = 0; r < vals[i].nrules && r < ES_MAX_VIP_RULES; r++)
			if (vals[i].rules[r].proto == proto &&
			    vals[i].rules[r].port == htons(port))
				found = true;
	}
	free(keys_v);
	free(vals);
	return found;
}

/* `peer add ADDR`: an explicit peer already. */
static bool peer_in_force(struct es_state *st, int argc, char **argv)
{
	struct es_peer_key *keys = NULL;
	struct es_peer *vals = NULL;
	struct es_addr addr;
	bool found = false;
	__u8 family;
	size_t n = 0;

	if (argc != 1 || es_parse_addr(argv[0], &family, &addr, NULL, 0))
		return false;
	if (es_peer_list(st, &keys, &vals, &n))
		return false;
	for (size_t i = 0; i < n; i++)
		if (keys[i].family == family && !memcmp(&keys[i].addr, &addr, sizeof(addr)) &&
		    (vals[i].flags & ES_PEER_EXPLICIT))
			found = true;
	free(keys);
	free(vals);
	return found;
}

int esd_state_line(struct cli_ctx *ctx, int argc, char **argv, bool *skip)
{
	const struct object *o;
	const char *cmd;
	struct es_state *st;
	bool allowed = false;
	int i, r;

	*skip = false;
	{
		const char *names[ARRAY_SIZE(objects)];
		char q[ES_QUOTE_BUFLEN];

		for (size_t j = 0; j < ARRAY_SIZE(objects); j++)
			names[j] = objects[j].name;
		if (cli_match(argv[0], names, ARRAY_SIZE(objects), NULL, 0) == -ENOENT)
			return cli_err(ctx, "unknown directive or object '%s': expected probe, self-check, latency, policy, metrics, or pop, vip, peer, prefix, link, config lines",
				       es_quote(argv[0], strlen(argv[0]), q, sizeof(q)));
	}
	i = object_index(ctx, argv[0]);
	if (i < 0)
		return -1;
	o = &objects[i];
	if (!o->usage)
		return cli_err(ctx, "'%s' is not a configuration line", o->name);
	if (argc < 2)
		return cli_err(ctx, "missing command after '%s'", o->name);
	cmd = command_name(ctx, o, argv[1]);
	if (!cmd)
		return -1;
	for (size_t j = 0; j < ARRAY_SIZE(o->allowed) && o->allowed[j]; j++)
		allowed |= !strcmp(cmd, o->allowed[j]);
	if (!allowed)
		return cli_err(ctx, "'%s %s' is not a configuration line: a configuration declares state (pop add|self, vip add, peer add, prefix add|load, link attach, config set); change running state with the edgesteer CLI",
			       o->name, cmd);
	if (strcmp(cmd, "add"))
		return 0;

	st = cli_state(ctx, true);
	if (!st)
		return -1;
	if (ctx->st_private)
		return 0;	/* nothing pinned: nothing in force */
	if (!strcmp(o->name, "pop")) {
		r = pop_in_force(ctx, st, argc - 2, argv + 2);
		if (r < 0)
			return -1;
		*skip = r;
	} else if (!strcmp(o->name, "vip")) {
		*skip = vip_in_force(st, argc - 2, argv + 2);
	} else if (!strcmp(o->name, "peer")) {
		*skip = peer_in_force(st, argc - 2, argv + 2);
	}
	return 0;
}
