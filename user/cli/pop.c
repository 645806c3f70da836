// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * edgesteer pop: the POPs traffic can be steered to, and which one of them
 * this box is (`pop self`).
 *
 * The same POP list is meant to be deployed unchanged to every POP of a
 * fleet, with only `pop self` differing. A tunnel POP's outer source
 * address is what breaks that: it is this box's own address, so it differs
 * per box. Hence `src` is optional. Without it the POP takes its source
 * from this box: the tunnel address (endpoint) of the self POP, which must
 * have the POP's family. That source is filled in when it is known, so the
 * data path always reads a real address:
 *   - `pop add` after `pop self` fills it in right away (and refuses a
 *     family the self POP does not have: the box has no such address);
 *   - `pop self NAME` fills in every POP that takes its source from this
 *     box, again on every change of self, and refuses when one of them has
 *     a family NAME has no tunnel address of.
 * Until the first `pop self` such a POP has no source (shown as "-"); the
 * box is then not part of a fleet yet (no decapsulation either).
 *
 * Which POPs take their source from this box is kept in es_pop.pad
 * (POP_SRC_SELF below), a field the data path never reads.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "cli.h"
#include "decisions.h"
#include "parse.h"
#include "pops.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* es_pop.pad, control plane only: the source is this box's tunnel address
 * (no `src` was given), refilled by every `pop self`. */
#define POP_SRC_SELF	0x1

/* Smallest outer packet a tunnel may be limited to: the minimum every IPv4
 * host must accept (RFC 791), the IPv6 minimum link MTU (RFC 8200). */
#define POP_MTU_MIN_V4	576
#define POP_MTU_MIN_V6	1280

const char *const pop_usage[] = {
	"add NAME id ID tunnel ADDR [encap ENCAP] [src ADDR] [mtu N] [state STATE]",
	"add NAME id ID redirect dev IFNAME [dmac MAC] [state STATE]",
	"self NAME",
	"set NAME state STATE",
	"del NAME",
	"show [NAME]",
	"help",
	"ID := 1..255",
	"ENCAP := { ipip | gue }  (default ipip)",
	"STATE := { up | drain | down }  (default up)",
	"src ADDR := outer source address (default: this box's tunnel address, from 'pop self')",
	"mtu N := largest outer packet: 576..65535, IPv6 1280..65535 (default: the egress interface's)",
	"dmac MAC := next hop MAC address (default: the frame's own)",
	NULL,
};

static const char *const state_names[] = { "up", "drain", "down", NULL };
static const char *const encap_names[] = { "ipip", "gue", NULL };

/* ---- messages and arguments ---------------------------------------------- */

static const char *quote(const char *s, char *buf, size_t len)
{
	return es_quote(s, strlen(s), buf, len);
}


static int parse_num(struct cli_ctx *ctx, const char *s, __u32 min, __u32 max, const char *what,
		     __u32 *out)
{
	char msg[CLI_MSG_MAX], q[ES_QUOTE_BUFLEN];
	int err = es_parse_u32(s, min, max, out, msg, sizeof(msg));

	if (err == -ERANGE)
		return cli_err(ctx, "%s %s out of range %u..%u", what, quote(s, q, sizeof(q)),
			       min, max);
	return err ? cli_err_for(ctx, msg, what) : 0;
}

/* An address that can be put in a packet header: not the unspecified one. */
static int parse_addr(struct cli_ctx *ctx, const char *s, const char *what, __u8 *family,
		      struct es_addr *addr)
{
	static const struct es_addr zero;
	char msg[CLI_MSG_MAX], q[ES_QUOTE_BUFLEN];

	if (es_parse_addr(s, family, addr, msg, sizeof(msg)))
		return cli_err_for(ctx, msg, what);
	if (!memcmp(addr, &zero, sizeof(zero)))
		return cli_err(ctx, "invalid address '%s' for %s: unspecified address",
			       quote(s, q, sizeof(q)), what);
	return 0;
}

static const char *family_name(__u8 family)
{
	return family == ES_AF_INET6 ? "IPv6" : "IPv4";
}

/* The interface's MAC address; only Ethernet interfaces can take frames
 * rewritten for them. */
static int interface_mac(struct cli_ctx *ctx, const char *ifname, __u8 mac[6])
{
	struct ifreq ifr = { 0 };
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cli_err(ctx, "cannot read the MAC address of '%s': %s", ifname,
			       strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = cli_err(ctx, "cannot read the MAC address of '%s': %s", ifname,
			      strerror(errno));
	else if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		err = cli_err(ctx, "interface '%s' is not an Ethernet interface", ifname);
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

/* ---- the POP table a command works on ------------------------------------ */

/* Every POP by id (kind ES_POP_UNUSED: a free id) and this box's POP. */
struct pop_table {
	struct es_pop pop[ES_MAX_POPS];
	bool pinned[ES_MAX_POPS];	/* the pinned POP, not one a batch line added */
	__u32 self;			/* 0: none */
};

static int table_read(struct cli_ctx *ctx, struct es_state *st, struct pop_table *t)
{
	struct es_config cfg;
	int err;

	memset(t, 0, sizeof(*t));
	for (__u32 id = 1; id < ES_MAX_POPS; id++) {
		err = es_pop_get(st, id, &t->pop[id]);
		if (err == -ENOENT) {
			memset(&t->pop[id], 0, sizeof(t->pop[id]));
			continue;
		}
		if (err)
			return cli_err(ctx, "cannot read pop id %u: %s", id, strerror(-err));
		t->pinned[id] = true;
	}
	err = es_config_get(st, &cfg);
	if (err)
		return cli_err(ctx, "cannot read the configuration: %s", strerror(-err));
	t->self = cfg.self_pop < ES_MAX_POPS ? cfg.self_pop : 0;
	return 0;
}

/*
 * Pass 1 of a batch changes nothing, yet later lines must see the POPs
 * earlier ones add, delete or make self, with their families and sources
 * (`pop self` checks them). The names and ids go to cli_pending_set() for
 * the other objects; the whole table a batch would build is kept here. It
 * belongs to the pending set holding its token: a new set (the next
 * batch) no longer has it and starts again from the pinned state, which
 * cannot change under pass 1 (the state lock is held until exit).
 */
static struct {
	unsigned long token;		/* 0: none */
	struct pop_table t;
} batch_table;

static int token_key(unsigned long token, char *buf, size_t len)
{
	return snprintf(buf, len, "%lu", token);
}

/* The table in force for this command: the pinned one, or in pass 1 of a
 * batch the one its earlier lines would leave. NULL after cli_err(). */
static struct pop_table *table_get(struct cli_ctx *ctx, struct es_state *st,
				   struct pop_table *buf)
{
	static unsigned long last_token;
	char key[32];

	if (!ctx->dry_run)
		return table_read(ctx, st, buf) ? NULL : buf;
	token_key(batch_table.token, key, sizeof(key));
	if (batch_table.token && cli_pending_get(ctx, "pop-table", key) == CLI_PENDING_ADDED)
		return &batch_table.t;
	batch_table.token = 0;
	if (table_read(ctx, st, &batch_table.t))
		return NULL;
	token_key(++last_token, key, sizeof(key));
	if (cli_pending_set(ctx, "pop-table", key, CLI_PENDING_ADDED))
		return NULL;
	batch_table.token = last_token;
	return &batch_table.t;
}

static bool pop_used(const struct es_pop *p)
{
	return p->kind != ES_POP_UNUSED;
}

static __u32 table_find(const struct pop_table *t, const char *name)
{
	for (__u32 id = 1; id < ES_MAX_POPS; id++)
		if (pop_used(&t->pop[id]) && !strncmp(t->pop[id].name, name, ES_POP_NAME_LEN))
			return id;
	return 0;
}

/* The POP named by the user, or 0 after "unknown pop 'X'". */
static __u32 table_lookup(struct cli_ctx *ctx, const struct pop_table *t, const char *name)
{
	char q[ES_QUOTE_BUFLEN];
	__u32 id = table_find(t, name);

	if (!id)
		cli_err(ctx, "unknown pop '%s'", quote(name, q, sizeof(q)));
	return id;
}

static int pending_pop(struct cli_ctx *ctx, __u32 id, const char *name,
		       enum cli_pending_state state)
{
	char key[16];

	snprintf(key, sizeof(key), "%u", id);
	if (cli_pending_set(ctx, "pop", name, state))
		return -1;
	return cli_pending_set(ctx, "pop-id", key, state);
}

/*
 * Can this box, as POP self, lend its tunnel address to a POP of family
 * that takes its source from it? 0, or -1 after cli_err() naming pop and
 * how to give it a source of its own: in `pop add` (adding) right there,
 * later only by adding it again.
 */
static int self_can_source(struct cli_ctx *ctx, const struct pop_table *t, __u32 self,
			   const char *pop, __u8 family, bool adding)
{
	const struct es_pop *s = &t->pop[self];
	const char *fix = adding ? "give it src ADDR" : "del it and add it again with src ADDR";

	if (s->kind == ES_POP_TUNNEL && s->family == family)
		return 0;
	if (s->kind == ES_POP_TUNNEL)
		return cli_err(ctx, "pop '%s' has no src and this box (pop '%s') has no %s tunnel address: %s",
			       pop, s->name, family_name(family), fix);
	return cli_err(ctx, "pop '%s' has no src and this box (pop '%s') is a redirect pop without a tunnel address: %s",
		       pop, s->name, fix);
}

/* A POP's outer source, changed in place: only the source differs from
 * what the data path has (pops.h has no call for it). */
static int pop_write_source(struct cli_ctx *ctx, struct es_state *st, __u32 id,
			    const struct es_addr *source)
{
	struct es_pop p;
	int err;

	err = es_pop_get(st, id, &p);
	if (!err) {
		p.source = *source;
		err = bpf_map_update_elem(st->pops_fd, &id, &p, BPF_EXIST) ? -errno : 0;
	}
	if (err)
		return cli_err(ctx, "cannot set the source of pop id %u: %s", id, strerror(-err));
	return 0;
}

/* ---- add ----------------------------------------------------------------- */

enum add_key { K_ID, K_TUNNEL, K_REDIRECT, K_ENCAP, K_SRC, K_MTU, K_STATE, K_DEV, K_DMAC };

static const char *const add_keys[] = {
	"id", "tunnel", "redirect", "encap", "src", "mtu", "state", "dev", "dmac", NULL,
};

/* What follows each keyword, for "missing ADDR after 'tunnel'"; NULL:
 * the keyword stands alone. */
static const char *const add_values[] = {
	"ID", "ADDR", NULL, "ENCAP", "ADDR", "N", "STATE", "IFNAME", "MAC",
};

/* A keyword of the other kind of POP: "encap is for tunnel pops". */
static int check_kind_keys(struct cli_ctx *ctx, const bool *seen, const enum add_key *keys,
			   size_t n, const char *kind, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (seen[keys[i]])
			return cli_err(ctx, "%s is for %s pops only (pop '%s')", add_keys[keys[i]],
				       kind, name);
	return 0;
}

static int add_tunnel(struct cli_ctx *ctx, struct es_pop *p, const bool *seen,
		      char *const *val)
{
	static const enum add_key redirect_only[] = { K_DEV, K_DMAC };
	__u32 mtu = 0, min;
	__u8 family;
	int k;

	if (check_kind_keys(ctx, seen, redirect_only, ARRAY_SIZE(redirect_only), "redirect",
			    p->name))
		return -1;
	if (parse_addr(ctx, val[K_TUNNEL], "tunnel", &p->family, &p->endpoint))
		return -1;
	p->kind = ES_POP_TUNNEL;
	p->encap = ES_ENCAP_IPIP;
	if (seen[K_ENCAP]) {
		k = cli_keyword(ctx, val[K_ENCAP], encap_names, "encap");
		if (k < 0)
			return -1;
		p->encap = k == 1 ? ES_ENCAP_GUE : ES_ENCAP_IPIP;
	}
	if (seen[K_SRC]) {
		if (parse_addr(ctx, val[K_SRC], "src", &family, &p->source))
			return -1;
		if (family != p->family) {
			char q1[ES_QUOTE_BUFLEN], q2[ES_QUOTE_BUFLEN];

			return cli_err(ctx, "src '%s' is %s but tunnel '%s' is %s",
				       quote(val[K_SRC], q1, sizeof(q1)), family_name(family),
				       quote(val[K_TUNNEL], q2, sizeof(q2)), family_name(p->family));
		}
	} else {
		p->pad |= POP_SRC_SELF;
	}
	if (seen[K_MTU]) {
		min = p->family == ES_AF_INET6 ? POP_MTU_MIN_V6 : POP_MTU_MIN_V4;
		if (parse_num(ctx, val[K_MTU], min, 65535, "mtu", &mtu))
			return -1;
		p->mtu = (__u16)mtu;
	}
	return 0;
}

static int add_redirect(struct cli_ctx *ctx, struct es_pop *p, const bool *seen,
			char *const *val)
{
	static const enum add_key tunnel_only[] = { K_ENCAP, K_SRC, K_MTU };
	char msg[CLI_MSG_MAX], q[ES_QUOTE_BUFLEN];
	const char *dev = val[K_DEV];

	if (check_kind_keys(ctx, seen, tunnel_only, ARRAY_SIZE(tunnel_only), "tunnel", p->name))
		return -1;
	if (!seen[K_DEV])
		return cli_err(ctx, "missing dev IFNAME for redirect pop '%s'", p->name);
	p->kind = ES_POP_REDIRECT;
	p->ifindex = strlen(dev) < IF_NAMESIZE && !strchr(dev, '/') ? if_nametoindex(dev) : 0;
	if (!p->ifindex)
		return cli_err(ctx, "no interface '%s'", quote(dev, q, sizeof(q)));
	if (interface_mac(ctx, dev, p->smac))
		return -1;
	if (seen[K_DMAC] && es_parse_mac(val[K_DMAC], p->dmac, msg, sizeof(msg)))
		return cli_err_for(ctx, msg, "dmac");
	return 0;
}

static int pop_add(struct cli_ctx *ctx, int argc, char **argv)
{
	char *val[ARRAY_SIZE(add_values)] = { 0 };
	bool seen[ARRAY_SIZE(add_values)] = { 0 };
	char msg[CLI_MSG_MAX], q[ES_QUOTE_BUFLEN];
	struct pop_table buf, *t;
	struct es_pop p = { 0 };
	struct es_state *st;
	__u32 id, other;
	const char *name;
	int k, err;

	name = GET_ARG("NAME");
	if (!name)
		return -1;
	if (es_parse_name(name, p.name, msg, sizeof(msg)))
		return cli_err(ctx, "%s", msg);
	while (argc) {
		k = cli_keyword(ctx, *argv, add_keys, "keyword");
		if (k < 0)
			return -1;
		if (seen[k])
			return cli_err(ctx, "keyword '%s' given twice", add_keys[k]);
		seen[k] = true;
		NEXT_ARG();
		if (add_values[k] && !(val[k] = GET_ARG(add_values[k])))
			return -1;
	}

	if (!seen[K_ID])
		return cli_err(ctx, "missing id ID for pop '%s'", p.name);
	if (parse_num(ctx, val[K_ID], 1, ES_MAX_POPS - 1, "id", &id))
		return -1;
	if (seen[K_TUNNEL] && seen[K_REDIRECT])
		return cli_err(ctx, "pop '%s' cannot be both tunnel and redirect", p.name);
	if (seen[K_TUNNEL])
		err = add_tunnel(ctx, &p, seen, val);
	else if (seen[K_REDIRECT])
		err = add_redirect(ctx, &p, seen, val);
	else
		err = cli_err(ctx, "missing tunnel ADDR or redirect dev IFNAME for pop '%s'",
			      p.name);
	if (err)
		return -1;
	p.state = ES_STATE_UP;
	if (seen[K_STATE]) {
		k = cli_keyword(ctx, val[K_STATE], state_names, "state");
		if (k < 0)
			return -1;
		p.state = (__u8)k;
	}

	st = cli_state(ctx, true);
	if (!st || !(t = table_get(ctx, st, &buf)))
		return -1;
	other = table_find(t, p.name);
	if (other)
		return cli_err(ctx, "pop name '%s' is taken (id %u)", p.name, other);
	if (pop_used(&t->pop[id]))
		return cli_err(ctx, "pop id %u is taken by '%s'", id, t->pop[id].name);
	if ((p.pad & POP_SRC_SELF) && t->self) {
		if (self_can_source(ctx, t, t->self, p.name, p.family, true))
			return -1;
		p.source = t->pop[t->self].endpoint;
	}

	if (ctx->dry_run) {
		t->pop[id] = p;
		t->pinned[id] = false;
		return pending_pop(ctx, id, p.name, CLI_PENDING_ADDED);
	}
	err = es_pop_add(st, id, &p, &other);
	if (err == -EEXIST)
		return cli_err(ctx, "pop '%s' id %u conflicts with pop id %u", p.name, id, other);
	if (err)
		return cli_err(ctx, "cannot add pop '%s': %s", quote(name, q, sizeof(q)),
			       strerror(-err));
	return 0;
}

/* ---- self, set, del ------------------------------------------------------ */

static int pop_self(struct cli_ctx *ctx, int argc, char **argv)
{
	struct pop_table buf, *t;
	struct es_state *st;
	const char *name;
	__u32 id;
	int err;

	name = GET_ARG("NAME");
	if (!name || !END_ARGS())
		return -1;
	st = cli_state(ctx, true);
	if (!st || !(t = table_get(ctx, st, &buf)) || !(id = table_lookup(ctx, t, name)))
		return -1;
	for (__u32 i = 1; i < ES_MAX_POPS; i++) {
		const struct es_pop *p = &t->pop[i];

		if (p->kind == ES_POP_TUNNEL && (p->pad & POP_SRC_SELF) &&
		    self_can_source(ctx, t, id, p->name, p->family, false))
			return -1;
	}

	/* sources first: decapsulation starts with es_self_set() */
	for (__u32 i = 1; i < ES_MAX_POPS; i++) {
		struct es_pop *p = &t->pop[i];

		if (p->kind != ES_POP_TUNNEL || !(p->pad & POP_SRC_SELF) ||
		    !memcmp(&p->source, &t->pop[id].endpoint, sizeof(p->source)))
			continue;
		if (ctx->dry_run)
			p->source = t->pop[id].endpoint;
		else if (pop_write_source(ctx, st, i, &t->pop[id].endpoint))
			return -1;
	}
	if (ctx->dry_run) {
		t->self = id;
		return 0;
	}
	err = es_self_set(st, id);
	if (err)
		return cli_err(ctx, "cannot make pop '%s' self: %s", t->pop[id].name,
			       strerror(-err));
	return 0;
}

static int pop_set(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const set_keys[] = { "state", NULL };
	char q[ES_QUOTE_BUFLEN];
	struct pop_table buf, *t;
	const char *name, *state = NULL;
	struct es_state *st;
	__u32 id;
	int k, err;

	name = GET_ARG("NAME");
	if (!name)
		return -1;
	if (!argc)
		return cli_err(ctx, "nothing to set for pop '%s': expected state STATE",
			       quote(name, q, sizeof(q)));
	while (argc) {
		if (cli_keyword(ctx, *argv, set_keys, "keyword") < 0)
			return -1;
		if (state)
			return cli_err(ctx, "keyword 'state' given twice");
		NEXT_ARG();
		state = GET_ARG("STATE");
		if (!state)
			return -1;
	}
	k = cli_keyword(ctx, state, state_names, "state");
	if (k < 0)
		return -1;

	st = cli_state(ctx, true);
	if (!st || !(t = table_get(ctx, st, &buf)) || !(id = table_lookup(ctx, t, name)))
		return -1;
	if (ctx->dry_run) {
		t->pop[id].state = (__u8)k;
		return 0;
	}
	err = es_pop_set_state(st, id, (__u8)k);
	if (err)
		return cli_err(ctx, "cannot set the state of pop '%s': %s", t->pop[id].name,
			       strerror(-err));
	return 0;
}

static bool names_pop(const struct es_decision *d, __u32 id)
{
	for (int i = 0; i < d->npops && i < ES_MAX_CANDIDATES; i++)
		if (d->pops[i] == id)
			return true;
	return false;
}

/*
 * Prefixes steering to the pinned POP id (one of them in *example). In
 * pass 1 of a batch, prefixes an earlier line deletes or replaces
 * (pending kind "prefix", key the CIDR) are left out: pass 2 finds out
 * what they name by then.
 */
static size_t pop_users(struct cli_ctx *ctx, struct es_state *st, __u32 id,
			struct es_prefix_key *example)
{
	struct es_prefix_key key, next;
	char cidr[ES_CIDR_STRLEN];
	struct es_prefix val;
	void *prev = NULL;
	size_t n;

	n = es_pop_users(st, id, example);
	if (!n || !ctx->dry_run)
		return n;
	n = 0;
	while (bpf_map_get_next_key(st->prefixes_fd, prev, &next) == 0) {
		const struct es_decision *d;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(st->prefixes_fd, &key, &val))
			continue;
		d = es_decision_at(st, val.decision);
		if (!d || !names_pop(d, id))
			continue;
		es_format_cidr(key.family, &key.addr, key.len, cidr, sizeof(cidr));
		if (cli_pending_get(ctx, "prefix", cidr) != CLI_PENDING_NONE)
			continue;
		if (!n++)
			*example = key;
	}
	return n;
}

static int pop_del(struct cli_ctx *ctx, int argc, char **argv)
{
	char cidr[ES_CIDR_STRLEN], name[ES_POP_NAME_LEN];
	struct es_prefix_key example;
	struct pop_table buf, *t;
	struct es_state *st;
	const char *word;
	size_t users = 0;
	__u32 id;
	int err;

	word = GET_ARG("NAME");
	if (!word || !END_ARGS())
		return -1;
	st = cli_state(ctx, true);
	if (!st || !(t = table_get(ctx, st, &buf)) || !(id = table_lookup(ctx, t, word)))
		return -1;
	memcpy(name, t->pop[id].name, sizeof(name));
	if (t->self == id)
		return cli_err(ctx, "pop '%s' is this box (pop self): make another pop self first",
			       name);
	/* "pop-used": a prefix that an earlier line of the batch points at it */
	if (cli_pending_get(ctx, "pop-used", name) == CLI_PENDING_ADDED)
		return cli_err(ctx, "pop '%s' is used by a prefix added earlier in this batch: change it first",
			       name);
	if (t->pinned[id])
		users = pop_users(ctx, st, id, &example);
	if (users) {
		es_format_cidr(example.family, &example.addr, example.len, cidr, sizeof(cidr));
		if (users == 1)
			return cli_err(ctx, "pop '%s' is used by 1 prefix (%s): change it first",
				       name, cidr);
		return cli_err(ctx, "pop '%s' is used by %zu prefixes (e.g. %s): change them first",
			       name, users, cidr);
	}

	if (ctx->dry_run) {
		memset(&t->pop[id], 0, sizeof(t->pop[id]));
		t->pinned[id] = false;
		return pending_pop(ctx, id, name, CLI_PENDING_DELETED);
	}
	err = es_pop_del(st, id);
	if (err == -EBUSY)
		return cli_err(ctx, "pop '%s' is in use", name);
	if (err)
		return cli_err(ctx, "cannot delete pop '%s': %s", name, strerror(-err));
	return 0;
}

/* ---- show ---------------------------------------------------------------- */

static const char *state_name(__u8 state)
{
	return state <= ES_STATE_DOWN ? state_names[state] : "?";
}

struct pop_text {
	char endpoint[ES_ADDR_STRLEN], source[ES_ADDR_STRLEN];
	char smac[ES_MAC_STRLEN], dmac[ES_MAC_STRLEN];
	char dev[IF_NAMESIZE];
	bool has_source, has_dmac, has_dev;
};

static void pop_text(const struct es_pop *p, struct pop_text *x)
{
	static const __u8 no_mac[6];
	static const struct es_addr zero;

	memset(x, 0, sizeof(*x));
	if (p->kind == ES_POP_TUNNEL) {
		es_format_addr(p->family, &p->endpoint, x->endpoint, sizeof(x->endpoint));
		x->has_source = memcmp(&p->source, &zero, sizeof(zero)) != 0;
		es_format_addr(p->family, &p->source, x->source, sizeof(x->source));
	}
	x->has_dev = p->ifindex && if_indextoname(p->ifindex, x->dev);
	es_format_mac(p->smac, x->smac, sizeof(x->smac));
	x->has_dmac = memcmp(p->dmac, no_mac, sizeof(no_mac)) != 0;
	es_format_mac(p->dmac, x->dmac, sizeof(x->dmac));
}

static void pop_print_plain(__u32 id, const struct es_pop *p, bool self)
{
	struct pop_text x;

	pop_text(p, &x);
	printf("%u: %s  ", id, p->name);
	if (p->kind == ES_POP_TUNNEL) {
		printf("tunnel %s  encap %s  src %s%s  mtu ", x.endpoint,
		       p->encap == ES_ENCAP_GUE ? "gue" : "ipip",
		       x.has_source ? x.source : "-",
		       p->pad & POP_SRC_SELF ? " (from self)" : "");
		if (p->mtu)
			printf("%u", p->mtu);
		else
			printf("-");
		if (p->ifindex)
			printf("  via %s", x.has_dev ? x.dev : "?");
	} else {
		printf("redirect dev %s  ifindex %u  dmac %s", x.has_dev ? x.dev : "?",
		       p->ifindex, x.has_dmac ? x.dmac : "-");
	}
	printf("  state %s%s\n", state_name(p->state), self ? "  self" : "");
}

static void json_string_or_null(json_writer_t *jw, const char *name, bool has, const char *s)
{
	if (has)
		jsonw_string_field(jw, name, s);
	else
		jsonw_null_field(jw, name);
}

static void pop_print_json(json_writer_t *jw, __u32 id, const struct es_pop *p, bool self)
{
	struct pop_text x;

	pop_text(p, &x);
	jsonw_start_object(jw);
	jsonw_string_field(jw, "name", p->name);
	jsonw_uint_field(jw, "id", id);
	jsonw_string_field(jw, "kind", p->kind == ES_POP_TUNNEL ? "tunnel" : "redirect");
	jsonw_string_field(jw, "state", state_name(p->state));
	jsonw_bool_field(jw, "self", self);
	if (p->kind == ES_POP_TUNNEL) {
		jsonw_string_field(jw, "endpoint", x.endpoint);
		json_string_or_null(jw, "src", x.has_source, x.source);
		jsonw_bool_field(jw, "src_from_self", p->pad & POP_SRC_SELF);
		jsonw_string_field(jw, "encap", p->encap == ES_ENCAP_GUE ? "gue" : "ipip");
		if (p->mtu)
			jsonw_uint_field(jw, "mtu", p->mtu);
		else
			jsonw_null_field(jw, "mtu");
		/* resolved by the daemon; null: the data path asks the FIB */
		jsonw_name(jw, "nexthop");
		if (p->ifindex) {
			jsonw_start_object(jw);
			json_string_or_null(jw, "dev", x.has_dev, x.dev);
			jsonw_uint_field(jw, "ifindex", p->ifindex);
			jsonw_string_field(jw, "smac", x.smac);
			jsonw_string_field(jw, "dmac", x.dmac);
			jsonw_end_object(jw);
		} else {
			jsonw_null(jw);
		}
	} else {
		json_string_or_null(jw, "dev", x.has_dev, x.dev);
		jsonw_uint_field(jw, "ifindex", p->ifindex);
		jsonw_string_field(jw, "smac", x.smac);
		json_string_or_null(jw, "dmac", x.has_dmac, x.dmac);
	}
	jsonw_end_object(jw);
}

static void pop_print(struct cli_ctx *ctx, const struct pop_table *t, __u32 id)
{
	if (ctx->jw)
		pop_print_json(ctx->jw, id, &t->pop[id], t->self == id);
	else
		pop_print_plain(id, &t->pop[id], t->self == id);
}

static int pop_show(struct cli_ctx *ctx, int argc, char **argv)
{
	struct pop_table buf, *t;
	const char *name = NULL;
	struct es_state *st;
	__u32 id = 0;

	if (argc)
		name = GET_ARG("NAME");
	if (!END_ARGS())
		return -1;
	st = cli_state(ctx, false);
	if (!st || !(t = table_get(ctx, st, &buf)))
		return -1;
	if (name && !(id = table_lookup(ctx, t, name)))
		return -1;
	if (ctx->dry_run)
		return 0;
	if (id) {
		pop_print(ctx, t, id);
		return 0;
	}
	if (ctx->jw)
		jsonw_start_array(ctx->jw);
	for (id = 1; id < ES_MAX_POPS; id++)
		if (pop_used(&t->pop[id]))
			pop_print(ctx, t, id);
	if (ctx->jw)
		jsonw_end_array(ctx->jw);
	return 0;
}

static int pop_help(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_usage(ctx, "pop", pop_usage);
}

static const struct cli_cmd pop_cmds[] = {
	{ "show",	pop_show },
	{ "add",	pop_add },
	{ "self",	pop_self },
	{ "set",	pop_set },
	{ "del",	pop_del },
	{ "help",	pop_help },
	{ 0 }
};

int do_pop(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, pop_cmds, argc, argv, "pop");
}
