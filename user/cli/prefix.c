// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * edgesteer prefix: which client prefixes are steered where.
 *
 *   prefix add CIDR pops NAME[,NAME...] | add CIDR local | add CIDR drop
 *          del CIDR | show [CIDR] | lookup ADDR | load FILE [replace] | dump FILE
 *
 * Tables of a million prefixes are the normal case, so everything that
 * touches all of them reads the RIB in batches, sorts once and streams its
 * output, and `load` applies a big file with one atomic table swap.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "cli.h"
#include "decisions.h"
#include "parse.h"
#include "pops.h"
#include "prefix_file.h"
#include "prefixes.h"
#include "state.h"

const char *const prefix_usage[] = {
	"add CIDR pops NAME[,NAME...]",
	"add CIDR local",
	"add CIDR drop",
	"del CIDR",
	"show [CIDR]",
	"lookup ADDR",
	"load FILE [replace]",
	"dump FILE",
	"help",
	NULL,
};

/*
 * Files up to this many lines are loaded (without `replace`) one prefix at
 * a time: milliseconds, where rebuilding both classifier tables around
 * them would cost a fixed fraction of a second plus the whole RIB. Bigger
 * ones are merged with the table in memory and swapped in at once.
 */
#define LOAD_ONE_BY_ONE_MAX	1024

/* RIB entries per batch syscall. */
#define RIB_BATCH		65536

static const char *const action_names[] = {
	[ES_ACTION_POPS] = "pops",
	[ES_ACTION_LOCAL] = "local",
	[ES_ACTION_DROP] = "drop",
};

static const char *action_name(__u8 action)
{
	return action >= ES_ACTION_POPS && action <= ES_ACTION_DROP ? action_names[action] :
								       "unknown";
}

static const char *const lookup_action_names[] = {
	[ES_LOOKUP_LOCAL] = "local",
	[ES_LOOKUP_REDIRECT] = "redirect",
	[ES_LOOKUP_TUNNEL] = "tunnel",
	[ES_LOOKUP_DROP] = "drop",
};

static const char *const pop_state_names[] = {
	[ES_STATE_UP] = "up",
	[ES_STATE_DRAIN] = "drain",
	[ES_STATE_DOWN] = "down",
};

static const char *family_name(__u8 family)
{
	return family == ES_AF_INET ? "IPv4" : "IPv6";
}

/* ---- POPs by id, for output ---------------------------------------------- */

/* Every POP, read once per command; kind ES_POP_UNUSED: no such id. */
struct pop_table {
	struct es_pop pop[ES_MAX_POPS];
};

static struct pop_table *pop_table_load(struct cli_ctx *ctx, struct es_state *st)
{
	struct pop_table *pt = calloc(1, sizeof(*pt));
	struct es_pop *pops = NULL;
	__u32 *ids = NULL;
	size_t n = 0;
	int err;

	if (!pt) {
		cli_err(ctx, "out of memory");
		return NULL;
	}
	err = es_pop_list(st, &ids, &pops, &n);
	if (err) {
		free(pt);
		cli_err(ctx, "cannot read the POPs: %s", strerror(-err));
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		pt->pop[ids[i]] = pops[i];
	free(ids);
	free(pops);
	return pt;
}

/* The name of POP id, or NULL when there is no such POP. */
static const char *pop_name(const struct pop_table *pt, __u32 id)
{
	if (id >= ES_MAX_POPS || pt->pop[id].kind == ES_POP_UNUSED)
		return NULL;
	return pt->pop[id].name;
}

/* "up", "drain", "down", or "missing" when there is no such POP. */
static const char *pop_state(const struct pop_table *pt, __u32 id)
{
	if (!pop_name(pt, id))
		return "missing";
	return pt->pop[id].state <= ES_STATE_DOWN ? pop_state_names[pt->pop[id].state] :
						    "unknown";
}

/* "B", or "#7" for an id no POP has (never written by `add` or `load`). */
static const char *pop_label(const struct pop_table *pt, __u32 id, char *buf, size_t len)
{
	const char *name = pop_name(pt, id);

	if (name)
		return name;
	snprintf(buf, len, "#%u", id);
	return buf;
}

/* "pops B,C", "local", "drop": a steering as `add` takes it. */
static void steering_text(const struct es_steering *s, const struct pop_table *pt, char *buf,
			  size_t len)
{
	char label[16];
	size_t used;

	snprintf(buf, len, "%s", action_name(s->action));
	if (s->action != ES_ACTION_POPS)
		return;
	for (int i = 0; i < s->npops && i < ES_MAX_CANDIDATES; i++) {
		used = strlen(buf);
		snprintf(buf + used, len - used, "%s%s", i ? "," : " ",
			 pop_label(pt, s->pops[i], label, sizeof(label)));
	}
}

static void steering_of(const struct es_decision *d, struct es_steering *s)
{
	memset(s, 0, sizeof(*s));
	s->action = d->action;
	s->npops = d->action == ES_ACTION_POPS ? d->npops : 0;
	for (int i = 0; i < s->npops && i < ES_MAX_CANDIDATES; i++)
		s->pops[i] = d->pops[i];
}

/* ---- the RIB as a whole --------------------------------------------------- */

struct rib_entry {
	struct es_prefix_key key;
	__u32 decision;
};

/*
 * Every configured prefix with its decision id, read from the RIB map in
 * batches. es_prefixes_list() has no decision ids (show needs them) and
 * reads one key per two syscalls: about 1.9 s for a million prefixes,
 * against 0.3 s in batches. The map's layout is part of the ABI
 * (include/edgesteer.h).
 */
static int rib_read(struct cli_ctx *ctx, struct es_state *st, struct rib_entry **out,
		    size_t *n_out)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct es_prefix_key *keys = NULL, token;
	struct rib_entry *v = NULL;
	struct es_prefix *vals = NULL;
	size_t n = 0, cap = 0;
	bool first = true;
	int ret, err = 0;

	keys = calloc(RIB_BATCH, sizeof(*keys));
	vals = calloc(RIB_BATCH, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		__u32 count = RIB_BATCH;

		/* the token is the hash map's bucket cursor (a __u32) */
		ret = bpf_map_lookup_batch(st->prefixes_fd, first ? NULL : &token, &token, keys,
					   vals, &count, &opts);
		if (ret && errno != ENOENT) {
			err = -errno;
			goto out;
		}
		first = false;
		if (n + count > cap) {
			size_t ncap = cap ? cap * 2 : RIB_BATCH;
			void *nv;

			while (ncap < n + count)
				ncap *= 2;
			nv = realloc(v, ncap * sizeof(*v));
			if (!nv) {
				err = -ENOMEM;
				goto out;
			}
			v = nv;
			cap = ncap;
		}
		for (__u32 i = 0; i < count; i++) {
			v[n].key = keys[i];
			v[n].decision = vals[i].decision;
			n++;
		}
		if (ret)	/* ENOENT: that was the last bucket */
			break;
	}
out:
	free(keys);
	free(vals);
	if (err) {
		free(v);
		return cli_err(ctx, "cannot read the prefix table: %s", strerror(-err));
	}
	*out = v;
	*n_out = n;
	return 0;
}

/* Canonical order, as prefix files are written: IPv4 first, then by
 * address (network order compares numerically), then by length. */
static int prefix_cmp(__u8 fa, const struct es_addr *aa, __u8 la, __u8 fb,
		      const struct es_addr *ab, __u8 lb)
{
	if (fa != fb)
		return fa < fb ? -1 : 1;
	/* two 64-bit compares instead of memcmp(): a million-entry sort
	 * spends most of its time here */
	for (int half = 0; half < 2; half++) {
		__u64 x, y;

		memcpy(&x, aa->v6 + 8 * half, sizeof(x));
		memcpy(&y, ab->v6 + 8 * half, sizeof(y));
		if (x != y)
			return be64toh(x) < be64toh(y) ? -1 : 1;
	}
	return (int)la - (int)lb;
}

static int rib_entry_cmp(const void *a, const void *b)
{
	const struct es_prefix_key *x = &((const struct rib_entry *)a)->key;
	const struct es_prefix_key *y = &((const struct rib_entry *)b)->key;

	return prefix_cmp(x->family, &x->addr, x->len, y->family, &y->addr, y->len);
}

static int spec_cmp(const void *a, const void *b)
{
	const struct es_prefix_spec *x = a, *y = b;

	return prefix_cmp(x->family, &x->addr, x->len, y->family, &y->addr, y->len);
}

/* Entries the RIB map holds at most. */
static int rib_capacity(struct cli_ctx *ctx, struct es_state *st, __u32 *max)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(st->prefixes_fd, &info, &len))
		return cli_err(ctx, "cannot read the prefix table's size: %s", strerror(errno));
	*max = info.max_entries;
	return 0;
}

/* ---- errors of the library ------------------------------------------------ */

/* Group levels below the 24-bit root that a prefix of length len needs. */
static unsigned int group_levels(__u8 len)
{
	return len <= ES_ROOT_BITS ? 0 : (len - ES_ROOT_BITS + ES_STRIDE_BITS - 1) / ES_STRIDE_BITS;
}

/*
 * Group nodes a classifier table of family built from v[0..n) takes: one
 * per distinct path node under the root (see user/lib/classifier.c), i.e.
 * per distinct (level k, top 24 + 8 * (k - 1) bits) among prefixes longer
 * than 24 + 8 * (k - 1). v must be in canonical order, where addresses
 * sharing their top bytes are neighbours.
 */
static __u64 groups_needed(const struct es_prefix_spec *v, size_t n, __u8 family)
{
	struct es_addr last[ES_V6_MAX_GROUP_LEVELS + 1];
	bool seen[ES_V6_MAX_GROUP_LEVELS + 1] = { false };
	__u64 groups = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned int levels = group_levels(v[i].len);

		if (v[i].family != family)
			continue;
		for (unsigned int k = 1; k <= levels && k <= ES_V6_MAX_GROUP_LEVELS; k++) {
			size_t bytes = (ES_ROOT_BITS + (k - 1) * ES_STRIDE_BITS) / 8;

			if (seen[k] && !memcmp(last[k].v6, v[i].addr.v6, bytes))
				continue;
			seen[k] = true;
			last[k] = v[i].addr;
			groups++;
		}
	}
	return groups;
}

/* es_decision_get() found no free id (ENOSPC that is not the table's). */
static int decisions_full(struct cli_ctx *ctx, struct es_state *st, const char *where)
{
	return cli_err(ctx, "%sno free decision id (%u of %d in use): too many distinct steerings",
		       where, es_decisions_in_use(st), ES_MAX_DECISIONS - 1);
}

/* An error of es_prefix_set() or es_prefix_del() for prefix cidr; where
 * is "" or the "FILE:LINE: " it came from. */
static int prefix_change_error(struct cli_ctx *ctx, struct es_state *st, int err, __u8 family,
			       __u8 len, const char *cidr, const char *where)
{
	const struct es_table *t = &es_state_table(st, family)->t;
	__u32 max;

	switch (err) {
	case -ENOSPC:
		/* Both the classifier and the decisions say ENOSPC. A table
		 * insert fails only with fewer free groups than the prefix's
		 * levels, and the rebuild that follows leaves the old table. */
		if (es_table_groups_capacity(t) - es_table_groups_used(t) < group_levels(len))
			return cli_err(ctx, "%sclassifier table for %s is full (%u groups): raise its capacity",
				       where, family_name(family), es_table_groups_capacity(t));
		return decisions_full(ctx, st, where);
	case -E2BIG:
		if (rib_capacity(ctx, st, &max))
			return -1;
		return cli_err(ctx, "%sprefix table is full (%u prefixes)", where, max);
	default:
		return cli_err(ctx, "%scannot change prefix %s: %s", where, cidr, strerror(-err));
	}
}

static int steering_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct es_steering));
}

/* Distinct steerings in v[0..n): decisions the table needs at least. */
static size_t steerings_needed(const struct es_prefix_spec *v, size_t n)
{
	struct es_steering *s = calloc(n ? n : 1, sizeof(*s));
	size_t distinct = 0;

	if (!s)
		return 0;
	for (size_t i = 0; i < n; i++)
		s[i] = v[i].steer;	/* struct copies: unused pops[] are zero */
	qsort(s, n, sizeof(*s), steering_cmp);
	for (size_t i = 0; i < n; i++)
		distinct += !i || steering_cmp(&s[i - 1], &s[i]);
	free(s);
	return distinct;
}

/* An error of es_prefixes_replace() building a table from v[0..n). */
static int replace_error(struct cli_ctx *ctx, struct es_state *st, int err,
			 struct es_prefix_spec *v, size_t n)
{
	static const __u8 families[] = { ES_AF_INET, ES_AF_INET6 };
	size_t steerings;

	if (err != -ENOSPC)
		return cli_err(ctx, "cannot replace the prefix table: %s", strerror(-err));
	qsort(v, n, sizeof(*v), spec_cmp);
	for (size_t i = 0; i < sizeof(families); i++) {
		const struct es_table *t = &es_state_table(st, families[i])->t;
		__u64 need = groups_needed(v, n, families[i]);

		if (need > es_table_groups_capacity(t))
			return cli_err(ctx, "classifier table for %s is full (the new table needs %llu groups, it has %u): raise its capacity",
				       family_name(families[i]), (unsigned long long)need,
				       es_table_groups_capacity(t));
	}
	/* Not the tables: the decisions. The old ones stay in use until
	 * the swap, and changed prefixes take transitions on top. */
	steerings = steerings_needed(v, n);
	if (steerings > ES_MAX_DECISIONS - 1)
		return cli_err(ctx, "too many distinct steerings: the new table has %zu, there are %d decision ids",
			       steerings, ES_MAX_DECISIONS - 1);
	return cli_err(ctx, "no free decision id: the new table's %zu distinct steerings (and their transitions) do not fit beside the %u decisions in use (%d ids)",
		       steerings, es_decisions_in_use(st), ES_MAX_DECISIONS - 1);
}

/* ---- arguments ------------------------------------------------------------ */

struct cidr_arg {
	__u8 family, len;
	struct es_addr addr;
	char text[ES_CIDR_STRLEN];	/* canonical: the pending key */
};

static int parse_cidr_arg(struct cli_ctx *ctx, const char *s, struct cidr_arg *c)
{
	char msg[CLI_MSG_MAX];

	if (es_parse_cidr(s, &c->family, &c->addr, &c->len, msg, sizeof(msg)))
		return cli_err(ctx, "%s", msg);
	es_format_cidr(c->family, &c->addr, c->len, c->text, sizeof(c->text));
	return 0;
}

/* A prefix exists: in the state, as changed by earlier lines of a batch. */
static int prefix_exists(struct cli_ctx *ctx, struct es_state *st, const struct cidr_arg *c,
			 struct es_steering *steer, __u32 *decision, bool *exists)
{
	int err = es_prefix_get(st, c->family, &c->addr, c->len, steer, decision);

	if (err && err != -ENOENT)
		return cli_err(ctx, "cannot read prefix %s: %s", c->text, strerror(-err));
	*exists = cli_pending_exists(ctx, "prefix", c->text, !err);
	return 0;
}

/*
 * POP names of `pops A,B` to ids; names added by earlier lines of a batch
 * count (their id is 0 then: dry_run applies nothing).
 */
static int resolve_pops(struct cli_ctx *ctx, struct es_state *st, const char *list,
			const struct es_prefix_line *spec, struct es_steering *steer)
{
	char q[ES_QUOTE_BUFLEN];

	memset(steer, 0, sizeof(*steer));
	steer->action = ES_ACTION_POPS;
	steer->npops = spec->npops;
	for (int i = 0; i < spec->npops; i++) {
		__u32 id = 0;
		int err = es_pop_find(st, spec->pops[i], &id, NULL);

		if (err && err != -ENOENT)
			return cli_err(ctx, "cannot read the POPs: %s", strerror(-err));
		if (!cli_pending_exists(ctx, "pop", spec->pops[i], !err)) {
			if (spec->npops == 1)
				return cli_err(ctx, "unknown pop '%s'", spec->pops[i]);
			return cli_err(ctx, "unknown pop '%s' in '%s'", spec->pops[i],
				       es_quote(list, -1, q, sizeof(q)));
		}
		steer->pops[i] = err ? 0 : id;
	}
	return 0;
}

/* The POP list after `pops`: names as es_prefix_target_parse() takes them,
 * but never the actions. */
static int parse_pop_list(struct cli_ctx *ctx, const char *list, struct es_prefix_line *spec)
{
	char msg[CLI_MSG_MAX], q[ES_QUOTE_BUFLEN];

	if (!strchr(list, ',')) {
		/* one name: the name's own message, not the file format's */
		if (es_parse_name(list, spec->pops[0], msg, sizeof(msg)))
			return cli_err(ctx, "%s", msg);
		spec->action = ES_ACTION_POPS;
		spec->npops = 1;
		return 0;
	}
	if (es_prefix_target_parse(list, spec, msg, sizeof(msg)))
		return cli_err(ctx, "%s", msg);
	if (spec->action != ES_ACTION_POPS)	/* cannot happen with a comma */
		return cli_err(ctx, "invalid POP list '%s'", es_quote(list, -1, q, sizeof(q)));
	return 0;
}

/* ---- add / del ------------------------------------------------------------ */

static int prefix_add(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const actions[] = { "pops", "local", "drop", NULL };
	static const __u8 action_of[] = { ES_ACTION_POPS, ES_ACTION_LOCAL, ES_ACTION_DROP };
	struct es_prefix_line spec = { 0 };
	struct es_steering steer = { 0 };
	const char *word, *list = NULL;
	struct cidr_arg c;
	struct es_state *st;
	int which, err;

	word = GET_ARG("CIDR");
	if (!word || parse_cidr_arg(ctx, word, &c))
		return -1;
	word = GET_ARG("pops NAME[,NAME...], local or drop");
	if (!word)
		return -1;
	which = cli_keyword(ctx, word, actions, "action");
	if (which < 0)
		return -1;
	if (action_of[which] == ES_ACTION_POPS) {
		list = GET_ARG("NAME[,NAME...]");
		if (!list || parse_pop_list(ctx, list, &spec))
			return -1;
	}
	if (!END_ARGS())
		return -1;

	st = cli_state(ctx, true);
	if (!st)
		return -1;
	if (list) {
		if (resolve_pops(ctx, st, list, &spec, &steer))
			return -1;
	} else {
		steer.action = action_of[which];
	}
	if (ctx->dry_run)
		return cli_pending_set(ctx, "prefix", c.text, CLI_PENDING_ADDED);

	err = es_prefix_set(st, c.family, &c.addr, c.len, &steer);
	if (err)
		return prefix_change_error(ctx, st, err, c.family, c.len, c.text, "");
	return 0;
}

static int prefix_del(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *word;
	struct cidr_arg c;
	struct es_state *st;
	bool exists;
	int err;

	word = GET_ARG("CIDR");
	if (!word || parse_cidr_arg(ctx, word, &c) || !END_ARGS())
		return -1;
	/* open what is there, then lock: deleting never creates the state */
	st = cli_state(ctx, false);
	if (!st || !cli_state(ctx, true))
		return -1;
	if (prefix_exists(ctx, st, &c, NULL, NULL, &exists))
		return -1;
	if (!exists)
		return cli_err(ctx, "no prefix %s", c.text);
	if (ctx->dry_run)
		return cli_pending_set(ctx, "prefix", c.text, CLI_PENDING_DELETED);

	err = es_prefix_del(st, c.family, &c.addr, c.len);
	if (err == -ENOENT)
		return cli_err(ctx, "no prefix %s", c.text);
	if (err)
		return prefix_change_error(ctx, st, err, c.family, c.len, c.text, "");
	return 0;
}

/* ---- show ----------------------------------------------------------------- */

static void print_prefix_json(json_writer_t *jw, const char *cidr, const struct es_decision *d,
			      __u32 decision, const struct pop_table *pt)
{
	struct es_steering s = { 0 };

	if (d)
		steering_of(d, &s);
	jsonw_start_object(jw);
	jsonw_string_field(jw, "prefix", cidr);
	jsonw_string_field(jw, "action", action_name(s.action));
	jsonw_name(jw, "pops");
	jsonw_start_array(jw);
	for (int i = 0; i < s.npops; i++) {
		const char *name = pop_name(pt, s.pops[i]);

		if (name)
			jsonw_string(jw, name);
		else
			jsonw_null(jw);
	}
	jsonw_end_array(jw);
	jsonw_uint_field(jw, "decision", decision);
	jsonw_bool_field(jw, "transition", d && (d->flags & ES_DECISION_TRANSITION));
	jsonw_end_object(jw);
}

static void print_prefix_text(const char *cidr, const struct es_decision *d,
			      const struct pop_table *pt)
{
	char text[128];
	struct es_steering s = { 0 };

	if (d)
		steering_of(d, &s);
	steering_text(&s, pt, text, sizeof(text));
	printf("%s  %s%s\n", cidr, text,
	       d && (d->flags & ES_DECISION_TRANSITION) ? "  (transition)" : "");
}

static void print_prefix(struct cli_ctx *ctx, struct es_state *st, const struct es_prefix_key *k,
			 __u32 decision, const struct pop_table *pt)
{
	const struct es_decision *d = es_decision_at(st, decision);
	char cidr[ES_CIDR_STRLEN];

	es_format_cidr(k->family, &k->addr, k->len, cidr, sizeof(cidr));
	if (ctx->jw)
		print_prefix_json(ctx->jw, cidr, d, decision, pt);
	else
		print_prefix_text(cidr, d, pt);
}

static int show_one(struct cli_ctx *ctx, struct es_state *st, const char *word)
{
	struct es_prefix_key key = { 0 };
	struct pop_table *pt;
	struct cidr_arg c;
	__u32 decision = 0;
	bool exists;

	if (parse_cidr_arg(ctx, word, &c) || prefix_exists(ctx, st, &c, NULL, &decision, &exists))
		return -1;
	if (!exists)
		return cli_err(ctx, "no prefix %s", c.text);
	if (ctx->dry_run)
		return 0;
	pt = pop_table_load(ctx, st);
	if (!pt)
		return -1;
	key.family = c.family;
	key.len = c.len;
	key.addr = c.addr;
	print_prefix(ctx, st, &key, decision, pt);
	free(pt);
	return 0;
}

static int prefix_show(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *word = NULL;
	struct rib_entry *v = NULL;
	struct pop_table *pt;
	struct es_state *st;
	size_t n = 0;

	if (argc) {
		word = *argv;
		NEXT_ARG();
	}
	if (!END_ARGS())
		return -1;
	st = cli_state(ctx, false);
	if (!st)
		return -1;
	if (word)
		return show_one(ctx, st, word);
	if (ctx->dry_run)
		return 0;

	pt = pop_table_load(ctx, st);
	if (!pt || rib_read(ctx, st, &v, &n)) {
		free(pt);
		return -1;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), rib_entry_cmp);
	if (ctx->jw)
		jsonw_start_array(ctx->jw);
	for (size_t i = 0; i < n; i++)
		print_prefix(ctx, st, &v[i].key, v[i].decision, pt);
	if (ctx->jw)
		jsonw_end_array(ctx->jw);
	free(v);
	free(pt);
	return 0;
}

/* ---- lookup --------------------------------------------------------------- */

static void print_lookup_json(json_writer_t *jw, const char *addr, const char *prefix,
			      const struct es_lookup *res, const struct pop_table *pt)
{
	const char *name;

	jsonw_start_object(jw);
	jsonw_string_field(jw, "address", addr);
	if (prefix)
		jsonw_string_field(jw, "prefix", prefix);
	else
		jsonw_null_field(jw, "prefix");
	if (res->decision)
		jsonw_uint_field(jw, "decision", res->decision);
	else
		jsonw_null_field(jw, "decision");
	jsonw_bool_field(jw, "transition", res->transition);
	jsonw_string_field(jw, "action", lookup_action_names[res->action]);
	jsonw_name(jw, "pops");
	jsonw_start_array(jw);
	for (int i = 0; i < res->steer.npops; i++) {
		name = pop_name(pt, res->steer.pops[i]);
		if (name)
			jsonw_string(jw, name);
		else
			jsonw_null(jw);
	}
	jsonw_end_array(jw);
	jsonw_name(jw, "states");
	jsonw_start_array(jw);
	for (int i = 0; i < res->steer.npops; i++)
		jsonw_string(jw, pop_state(pt, res->steer.pops[i]));
	jsonw_end_array(jw);
	name = res->pop ? pop_name(pt, res->pop) : NULL;
	if (name)
		jsonw_string_field(jw, "pop", name);
	else
		jsonw_null_field(jw, "pop");
	jsonw_end_object(jw);
}

/* 192.0.2.7: 192.0.2.0/24 -> pops B(down),C(up): tunnel to C */
static void print_lookup_text(const char *addr, const char *prefix, const struct es_lookup *res,
			      const struct pop_table *pt, __u32 self)
{
	char label[16];

	printf("%s: %s -> ", addr, prefix ? prefix : "no prefix");
	if (!res->decision) {
		printf("local\n");
		return;
	}
	if (res->steer.action != ES_ACTION_POPS) {
		printf("%s%s\n", action_name(res->steer.action),
		       res->transition ? " (transition)" : "");
		return;
	}
	printf("pops ");
	for (int i = 0; i < res->steer.npops; i++) {
		__u32 id = res->steer.pops[i];

		printf("%s%s(%s)", i ? "," : "", pop_label(pt, id, label, sizeof(label)),
		       pop_state(pt, id));
	}
	printf(": ");
	if (!res->pop)
		printf("local (no candidate up)");
	else if (res->pop == self)
		printf("local (%s is this box)", pop_label(pt, res->pop, label, sizeof(label)));
	else
		printf("%s to %s", lookup_action_names[res->action],
		       pop_label(pt, res->pop, label, sizeof(label)));
	printf("%s\n", res->transition ? " (transition: open connections may stay where they are)" :
					 "");
}

static int prefix_lookup(struct cli_ctx *ctx, int argc, char **argv)
{
	char msg[CLI_MSG_MAX], addr_text[ES_ADDR_STRLEN], prefix[ES_CIDR_STRLEN];
	struct es_config cfg = { 0 };
	struct pop_table *pt;
	struct es_lookup res;
	struct es_state *st;
	struct es_addr addr;
	const char *word;
	__u8 family;
	int err;

	word = GET_ARG("ADDR");
	if (!word || !END_ARGS())
		return -1;
	if (es_parse_addr(word, &family, &addr, msg, sizeof(msg)))
		return cli_err(ctx, "%s", msg);
	st = cli_state(ctx, false);
	if (!st)
		return -1;
	if (ctx->dry_run)
		return 0;

	err = es_prefix_lookup(st, family, &addr, &res);
	if (!err)
		err = es_config_get(st, &cfg);
	if (err)
		return cli_err(ctx, "cannot look up %s: %s", word, strerror(-err));
	pt = pop_table_load(ctx, st);
	if (!pt)
		return -1;
	es_format_addr(family, &addr, addr_text, sizeof(addr_text));
	if (res.len >= 0)
		es_format_cidr(family, &res.prefix, (__u8)res.len, prefix, sizeof(prefix));
	if (ctx->jw)
		print_lookup_json(ctx->jw, addr_text, res.len >= 0 ? prefix : NULL, &res, pt);
	else
		print_lookup_text(addr_text, res.len >= 0 ? prefix : NULL, &res, pt, cfg.self_pop);
	free(pt);
	return 0;
}

/* ---- load ----------------------------------------------------------------- */

/* Hash set of a list's prefixes: which RIB entries a file overrides. */
struct prefix_index {
	__u32 *slot;		/* entry index + 1, 0: empty */
	size_t mask;
};

static __u64 prefix_hash(__u8 family, __u8 len, const struct es_addr *a)
{
	__u64 h = (__u64)family << 8 | len;

	for (int i = 0; i < 4; i++) {
		h ^= a->v6w[i];
		h *= 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	return h;
}

static int prefix_index_build(struct prefix_index *ix, const struct es_prefix_list *l)
{
	size_t cap = 16;

	while (cap < 2 * l->n)
		cap *= 2;
	ix->slot = calloc(cap, sizeof(*ix->slot));
	if (!ix->slot)
		return -ENOMEM;
	ix->mask = cap - 1;
	for (size_t i = 0; i < l->n; i++) {
		const struct es_prefix_entry *e = &l->v[i];
		size_t h = prefix_hash(e->family, e->len, &e->addr) & ix->mask;

		while (ix->slot[h])
			h = (h + 1) & ix->mask;
		ix->slot[h] = (__u32)i + 1;	/* the reader keeps prefixes unique */
	}
	return 0;
}

static bool prefix_index_has(const struct prefix_index *ix, const struct es_prefix_list *l,
			     const struct es_prefix_key *k)
{
	size_t h = prefix_hash(k->family, k->len, &k->addr) & ix->mask;

	for (; ix->slot[h]; h = (h + 1) & ix->mask) {
		const struct es_prefix_entry *e = &l->v[ix->slot[h] - 1];

		if (e->family == k->family && e->len == k->len &&
		    !memcmp(&e->addr, &k->addr, sizeof(e->addr)))
			return true;
	}
	return false;
}

struct load {
	const char *path;
	bool replace;
	struct es_prefix_list file;
	__u32 *pop_ids;			/* file.names[i] -> POP id */
	struct es_prefix_spec *v;	/* what the table becomes */
	size_t n;
};

static void file_spec(const struct load *ld, const struct es_prefix_entry *e,
		      struct es_prefix_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->family = e->family;
	s->len = e->len;
	s->addr = e->addr;
	s->steer.action = e->action;
	s->steer.npops = e->npops;
	for (int k = 0; k < e->npops; k++)
		s->steer.pops[k] = (__u16)ld->pop_ids[e->pop_name_idx[k]];
}

/* Every POP name of the file to its id, before anything is applied. */
static int load_resolve(struct cli_ctx *ctx, struct es_state *st, struct load *ld)
{
	bool *unknown;
	bool any = false;
	int err;

	ld->pop_ids = calloc(ld->file.nnames ? ld->file.nnames : 1, sizeof(*ld->pop_ids));
	unknown = calloc(ld->file.nnames ? ld->file.nnames : 1, sizeof(*unknown));
	if (!ld->pop_ids || !unknown) {
		free(unknown);
		return cli_err(ctx, "out of memory");
	}
	for (size_t i = 0; i < ld->file.nnames; i++) {
		err = es_pop_find(st, ld->file.names[i], &ld->pop_ids[i], NULL);
		if (err && err != -ENOENT) {
			free(unknown);
			return cli_err(ctx, "cannot read the POPs: %s", strerror(-err));
		}
		unknown[i] = !cli_pending_exists(ctx, "pop", ld->file.names[i], !err);
		any |= unknown[i];
	}
	/* name the first line that uses an unknown POP */
	for (size_t i = 0; any && i < ld->file.n; i++) {
		const struct es_prefix_entry *e = &ld->file.v[i];

		for (int k = 0; k < e->npops; k++) {
			if (!unknown[e->pop_name_idx[k]])
				continue;
			err = cli_err(ctx, "%s:%u: unknown pop '%s'", ld->path, e->line,
				      ld->file.names[e->pop_name_idx[k]]);
			free(unknown);
			return err;
		}
	}
	free(unknown);
	return 0;
}

/*
 * The complete table the load makes: the file alone with `replace`, else
 * the RIB with the file laid over it. Transitions in progress are kept by
 * es_prefixes_replace() for prefixes whose steering does not change.
 */
static int load_merge(struct cli_ctx *ctx, struct es_state *st, struct load *ld,
		      const struct rib_entry *cur, size_t ncur)
{
	struct prefix_index ix = { 0 };
	char cidr[ES_CIDR_STRLEN];
	size_t n = 0;

	ld->v = calloc(ncur + ld->file.n + 1, sizeof(*ld->v));
	if (!ld->v || (ncur && prefix_index_build(&ix, &ld->file)))
		return cli_err(ctx, "out of memory");
	for (size_t i = 0; i < ncur; i++) {
		const struct es_decision *d = es_decision_at(st, cur[i].decision);

		if (prefix_index_has(&ix, &ld->file, &cur[i].key))
			continue;
		if (!d) {
			free(ix.slot);
			es_format_cidr(cur[i].key.family, &cur[i].key.addr, cur[i].key.len, cidr,
				       sizeof(cidr));
			return cli_err(ctx, "prefix %s points at unused decision %u",
				       cidr, cur[i].decision);
		}
		ld->v[n].family = cur[i].key.family;
		ld->v[n].len = cur[i].key.len;
		ld->v[n].addr = cur[i].key.addr;
		steering_of(d, &ld->v[n].steer);
		n++;
	}
	free(ix.slot);
	for (size_t i = 0; i < ld->file.n; i++)
		file_spec(ld, &ld->file.v[i], &ld->v[n++]);
	ld->n = n;
	return 0;
}

/* Small files without `replace`: one prefix at a time, in file order. */
static int load_one_by_one(struct cli_ctx *ctx, struct es_state *st, struct load *ld)
{
	char cidr[ES_CIDR_STRLEN], where[CLI_MSG_MAX];

	for (size_t i = 0; i < ld->file.n; i++) {
		const struct es_prefix_entry *e = &ld->file.v[i];
		struct es_prefix_spec s;
		int err;

		file_spec(ld, e, &s);
		err = es_prefix_set(st, s.family, &s.addr, s.len, &s.steer);
		if (!err)
			continue;
		es_format_cidr(s.family, &s.addr, s.len, cidr, sizeof(cidr));
		snprintf(where, sizeof(where), "%s:%u: ", ld->path, e->line);
		prefix_change_error(ctx, st, err, s.family, s.len, cidr, where);
		/* only the kernel or memory running out gets here */
		if (i)
			cli_warn(ctx, "%s: the %zu prefix%s before line %u %s applied", ld->path,
				 i, i > 1 ? "es" : "", e->line, i > 1 ? "were" : "was");
		return -1;
	}
	return 0;
}

/* dry_run: what later lines of a batch see. */
static int load_pending(struct cli_ctx *ctx, const struct load *ld, const struct rib_entry *cur,
			size_t ncur)
{
	struct prefix_index ix = { 0 };
	char cidr[ES_CIDR_STRLEN];

	for (size_t i = 0; i < ld->file.n; i++) {
		const struct es_prefix_entry *e = &ld->file.v[i];

		es_format_cidr(e->family, &e->addr, e->len, cidr, sizeof(cidr));
		if (cli_pending_set(ctx, "prefix", cidr, CLI_PENDING_ADDED))
			return -1;
	}
	if (!ld->replace || !ncur)
		return 0;
	/* Prefixes earlier lines added and the file lacks cannot be found
	 * here (the pending set is not enumerable); pass 2 would catch a
	 * later line relying on one. */
	if (prefix_index_build(&ix, &ld->file))
		return cli_err(ctx, "out of memory");
	for (size_t i = 0; i < ncur; i++) {
		if (prefix_index_has(&ix, &ld->file, &cur[i].key))
			continue;
		es_format_cidr(cur[i].key.family, &cur[i].key.addr, cur[i].key.len, cidr,
			       sizeof(cidr));
		if (cli_pending_set(ctx, "prefix", cidr, CLI_PENDING_DELETED)) {
			free(ix.slot);
			return -1;
		}
	}
	free(ix.slot);
	return 0;
}

static int load_apply(struct cli_ctx *ctx, struct es_state *st, struct load *ld)
{
	struct rib_entry *cur = NULL;
	size_t ncur = 0;
	__u32 max;
	int err = -1;

	if (ctx->dry_run) {
		/* only `replace` deletes what the file lacks */
		if (ld->replace && rib_read(ctx, st, &cur, &ncur))
			return -1;
		err = load_pending(ctx, ld, cur, ncur);
		goto out;
	}
	if (!ld->replace && ld->file.n <= LOAD_ONE_BY_ONE_MAX)
		return load_one_by_one(ctx, st, ld);
	if (!ld->replace && rib_read(ctx, st, &cur, &ncur))
		return -1;
	if (load_merge(ctx, st, ld, ld->replace ? NULL : cur, ld->replace ? 0 : ncur) ||
	    rib_capacity(ctx, st, &max))
		goto out;
	if (ld->n > max) {
		err = cli_err(ctx, "too many prefixes: the table would hold %zu, it holds at most %u",
			      ld->n, max);
		goto out;
	}
	err = es_prefixes_replace(st, ld->v, ld->n);
	if (err)
		err = replace_error(ctx, st, err, ld->v, ld->n);
out:
	free(cur);
	return err;
}

static int prefix_load(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const keywords[] = { "replace", NULL };
	char msg[CLI_MSG_MAX];
	struct load ld = { 0 };
	struct es_state *st;
	int ret = -1;

	ld.path = GET_ARG("FILE");
	if (!ld.path)
		return -1;
	if (argc) {
		if (cli_keyword(ctx, *argv, keywords, "keyword") < 0)
			return -1;
		ld.replace = true;
		NEXT_ARG();
	}
	if (!END_ARGS())
		return -1;

	/* the whole file is checked before anything else */
	if (es_prefix_file_read(ld.path, &ld.file, msg, sizeof(msg)))
		return cli_err(ctx, "%s", msg);
	st = cli_state(ctx, true);
	if (!st || load_resolve(ctx, st, &ld) || load_apply(ctx, st, &ld))
		goto out;
	ret = 0;
	if (ctx->dry_run)
		goto out;
	if (ctx->jw) {
		jsonw_start_object(ctx->jw);
		jsonw_uint_field(ctx->jw, "loaded", ld.file.n);
		jsonw_bool_field(ctx->jw, "replace", ld.replace);
		jsonw_end_object(ctx->jw);
	} else {
		printf("loaded %zu prefix%s%s\n", ld.file.n, ld.file.n == 1 ? "" : "es",
		       ld.replace ? " (replace)" : "");
	}
out:
	es_prefix_list_free(&ld.file);
	free(ld.pop_ids);
	free(ld.v);
	return ret;
}

/* ---- dump ----------------------------------------------------------------- */

/* The RIB as a prefix file list; transitions as their plain steering. */
static int dump_list(struct cli_ctx *ctx, struct es_state *st, const struct rib_entry *v,
		     size_t n, const struct pop_table *pt, struct es_prefix_list *l)
{
	char msg[CLI_MSG_MAX], cidr[ES_CIDR_STRLEN];

	for (size_t i = 0; i < n; i++) {
		const struct es_decision *d = es_decision_at(st, v[i].decision);
		struct es_prefix_line line = { 0 };
		const char *name;

		es_format_cidr(v[i].key.family, &v[i].key.addr, v[i].key.len, cidr, sizeof(cidr));
		if (!d)
			return cli_err(ctx, "prefix %s points at unused decision %u", cidr,
				       v[i].decision);
		line.family = v[i].key.family;
		line.len = v[i].key.len;
		line.addr = v[i].key.addr;
		line.action = d->action;
		line.npops = d->action == ES_ACTION_POPS ? d->npops : 0;
		for (int k = 0; k < line.npops && k < ES_MAX_CANDIDATES; k++) {
			name = pop_name(pt, d->pops[k]);
			if (!name)
				return cli_err(ctx, "prefix %s names POP id %u, which does not exist",
					       cidr, d->pops[k]);
			memcpy(line.pops[k], name, ES_POP_NAME_LEN);
		}
		if (es_prefix_list_add(l, &line, 0, msg, sizeof(msg)))
			return cli_err(ctx, "prefix %s: %s", cidr, msg);
	}
	return 0;
}

static int prefix_dump(struct cli_ctx *ctx, int argc, char **argv)
{
	struct es_prefix_list l = { 0 };
	char msg[CLI_MSG_MAX];
	struct rib_entry *v = NULL;
	struct pop_table *pt = NULL;
	struct es_state *st;
	const char *path;
	size_t n = 0;
	int ret = -1;

	path = GET_ARG("FILE");
	if (!path || !END_ARGS())
		return -1;
	st = cli_state(ctx, false);
	if (!st)
		return -1;
	if (ctx->dry_run)
		return 0;

	pt = pop_table_load(ctx, st);
	if (!pt || rib_read(ctx, st, &v, &n) || dump_list(ctx, st, v, n, pt, &l))
		goto out;
	if (es_prefix_file_write(path, &l, msg, sizeof(msg))) {
		cli_err(ctx, "%s", msg);
		goto out;
	}
	ret = 0;
	if (ctx->jw) {
		jsonw_start_object(ctx->jw);
		jsonw_uint_field(ctx->jw, "dumped", l.n);
		jsonw_string_field(ctx->jw, "file", path);
		jsonw_end_object(ctx->jw);
	} else {
		printf("dumped %zu prefix%s to %s\n", l.n, l.n == 1 ? "" : "es", path);
	}
out:
	es_prefix_list_free(&l);
	free(v);
	free(pt);
	return ret;
}

/* ---- the object ----------------------------------------------------------- */

static int prefix_help(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_usage(ctx, "prefix", prefix_usage);
}

static const struct cli_cmd prefix_cmds[] = {
	{ "show",	prefix_show },
	{ "add",	prefix_add },
	{ "del",	prefix_del },
	{ "lookup",	prefix_lookup },
	{ "load",	prefix_load },
	{ "dump",	prefix_dump },
	{ "help",	prefix_help },
	{ 0 }
};

int do_prefix(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, prefix_cmds, argc, argv, "prefix");
}
