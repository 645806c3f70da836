// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Latency steering: the format and the rules are in latency.h.
 *
 * The store is one dense array of entries, one per prefix that has
 * samples, with an open-addressing index of entry numbers. An entry holds
 * everything ranking needs (the configured steering, what this module last
 * wrote, the time of its last change, a sample slot per candidate) in 120
 * bytes: 100,000 prefixes take 16 MiB with the array's doubling slack and
 * the index. Samples for POPs that are not candidates are not stored, so
 * ES_MAX_CANDIDATES slots suffice.
 *
 * Costs for 100,000 prefixes (tests/bpf/test_latency_apply.c prints them):
 * ranking reads each prefix's RIB entry (one lookup syscall each) and
 * decides in memory; writing goes to the RIB in batches and to the
 * decisions and classifier table in memory, as es_prefix_set() would.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "classifier.h"
#include "decisions.h"
#include "latency.h"
#include "line_file.h"
#include "parse.h"
#include "pops.h"

#define MSG_LEN		512

struct lat_sample {
	float srtt;		/* ms */
	__u8 pop;		/* POP id (< ES_MAX_POPS), 0: empty slot */
	__u8 pad[3];
	__u64 at_ns;		/* the last sample */
};

struct lat_entry {
	struct es_prefix_key key;	/* family 0 while being forgotten */
	struct es_steering base;	/* configured steering */
	struct es_steering written;	/* what we wrote; npops 0: the RIB holds base */
	__u8 switched;			/* switched_ns is valid */
	__u64 switched_ns;		/* last change written */
	struct lat_sample s[ES_MAX_CANDIDATES];
};

struct es_latency {
	struct es_latency_config cfg;
	struct lat_entry *v;
	size_t n, cap;
	__u32 *slots;			/* entry index + 1, 0: empty */
	size_t nslots;			/* power of two, at most half full */
	size_t held;
	__u64 changes[ES_LATENCY_NREASONS];
};

/* ---- config ------------------------------------------------------------ */

void es_latency_config_default(struct es_latency_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->weight = 0.25;
	cfg->max_age_ns = 300ull * 1000000000;
	cfg->min_gain_ms = 5;
	cfg->min_gain_pct = 10;
	cfg->hold_down_ns = 60ull * 1000000000;
}

static int config_check(const struct es_latency_config *cfg, char *err, size_t errlen)
{
	if (!(cfg->weight > 0 && cfg->weight <= 1)) {
		es_set_err(err, errlen, "invalid smoothing weight %g: must be above 0 and at most 1",
			cfg->weight);
		return -EINVAL;
	}
	if (!(cfg->min_gain_ms >= 0 && cfg->min_gain_ms <= ES_LATENCY_RTT_MAX_MS)) {
		es_set_err(err, errlen, "invalid minimum gain %g ms: must be 0..%d", cfg->min_gain_ms,
			ES_LATENCY_RTT_MAX_MS);
		return -EINVAL;
	}
	if (!(cfg->min_gain_pct >= 0 && cfg->min_gain_pct <= 100)) {
		es_set_err(err, errlen, "invalid minimum gain %g %%: must be 0..100",
			cfg->min_gain_pct);
		return -EINVAL;
	}
	return 0;
}

int es_latency_new(struct es_latency **out, const struct es_latency_config *cfg, char *err,
		   size_t errlen)
{
	struct es_latency *l;
	int ret;

	ret = config_check(cfg, err, errlen);
	if (ret)
		return ret;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->cfg = *cfg;
	*out = l;
	return 0;
}

void es_latency_free(struct es_latency *l)
{
	if (!l)
		return;
	free(l->v);
	free(l->slots);
	free(l);
}

int es_latency_set_config(struct es_latency *l, const struct es_latency_config *cfg, char *err,
			  size_t errlen)
{
	int ret = config_check(cfg, err, errlen);

	if (!ret)
		l->cfg = *cfg;
	return ret;
}

int es_latency_key(struct es_prefix_key *key, __u8 family, const struct es_addr *addr, __u8 len)
{
	struct es_addr a = *addr;
	int max = es_family_max_len(family);

	if (max < 0 || len > max || es_addr_mask(&a, family, len))
		return -EINVAL;
	memset(key, 0, sizeof(*key));
	key->family = family;
	key->len = len;
	key->addr = a;
	return 0;
}

/* ---- the store --------------------------------------------------------- */

static __u32 key_hash(const struct es_prefix_key *k)
{
	const unsigned char *p = (const void *)k;
	__u64 h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	/* FNV's low bits are weak; the index masks them: mix the high in */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (__u32)h;
}

static long entry_find(const struct es_latency *l, const struct es_prefix_key *key)
{
	size_t mask = l->nslots - 1, i;

	if (!l->nslots)
		return -1;
	for (i = key_hash(key) & mask; l->slots[i]; i = (i + 1) & mask) {
		const struct lat_entry *e = &l->v[l->slots[i] - 1];

		if (!memcmp(&e->key, key, sizeof(*key)))
			return l->slots[i] - 1;
	}
	return -1;
}

static void index_put(struct es_latency *l, size_t idx)
{
	size_t mask = l->nslots - 1, i;

	for (i = key_hash(&l->v[idx].key) & mask; l->slots[i]; i = (i + 1) & mask)
		;
	l->slots[i] = idx + 1;
}

static int index_rebuild(struct es_latency *l, size_t nslots)
{
	__u32 *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	free(l->slots);
	l->slots = slots;
	l->nslots = nslots;
	for (size_t i = 0; i < l->n; i++)
		index_put(l, i);
	return 0;
}

static long entry_add(struct es_latency *l, const struct es_prefix_key *key,
		      const struct es_steering *configured)
{
	struct lat_entry *e;
	int ret;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		void *nv = realloc(l->v, cap * sizeof(*l->v));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	if ((l->n + 1) * 2 > l->nslots) {
		ret = index_rebuild(l, l->nslots ? l->nslots * 2 : 2048);
		if (ret)
			return ret;
	}
	e = &l->v[l->n];
	memset(e, 0, sizeof(*e));
	e->key = *key;
	e->base = *configured;
	index_put(l, l->n);
	return l->n++;
}

/* Drop the entries marked with family 0. */
static int entries_compact(struct es_latency *l)
{
	size_t k = 0;

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].key.family)
			l->v[k++] = l->v[i];
	if (k == l->n)
		return 0;
	l->n = k;
	memset(l->slots, 0, l->nslots * sizeof(*l->slots));
	for (size_t i = 0; i < l->n; i++)
		index_put(l, i);
	return 0;
}

static __u64 age_of(__u64 at, __u64 now)
{
	return now > at ? now - at : 0;
}

static bool sample_valid(const struct es_latency *l, const struct lat_sample *s, __u64 now)
{
	return s->pop && (!l->cfg.max_age_ns || age_of(s->at_ns, now) <= l->cfg.max_age_ns);
}

static bool steer_has(const struct es_steering *s, __u32 pop)
{
	for (int i = 0; i < s->npops && i < ES_MAX_CANDIDATES; i++)
		if (s->pops[i] == pop)
			return true;
	return false;
}

static bool steer_eq(const struct es_steering *a, const struct es_steering *b)
{
	if (a->action != b->action)
		return false;
	if (a->action != ES_ACTION_POPS)
		return true;
	if (a->npops != b->npops)
		return false;
	for (int i = 0; i < a->npops && i < ES_MAX_CANDIDATES; i++)
		if (a->pops[i] != b->pops[i])
			return false;
	return true;
}

static struct lat_sample *sample_of(struct lat_entry *e, __u32 pop)
{
	for (int i = 0; i < ES_MAX_CANDIDATES; i++)
		if (e->s[i].pop == pop)
			return &e->s[i];
	return NULL;
}

/*
 * The slot for a new sample of pop: its own, an empty one, one of a POP
 * that is no longer a candidate, else the stalest.
 */
static struct lat_sample *slot_for(struct lat_entry *e, __u32 pop)
{
	struct lat_sample *s = sample_of(e, pop), *oldest = &e->s[0];

	if (s)
		return s;
	for (int i = 0; i < ES_MAX_CANDIDATES; i++)
		if (!e->s[i].pop)
			return &e->s[i];
	for (int i = 0; i < ES_MAX_CANDIDATES; i++) {
		if (!steer_has(&e->base, e->s[i].pop))
			return &e->s[i];
		if (e->s[i].at_ns < oldest->at_ns)
			oldest = &e->s[i];
	}
	return oldest;
}

int es_latency_sample(struct es_latency *l, const struct es_prefix_key *key,
		      const struct es_steering *configured, __u32 pop, double rtt_ms, __u64 now)
{
	struct lat_sample *s;
	struct lat_entry *e;
	long idx;

	if (!pop || pop >= ES_MAX_POPS || !(rtt_ms >= 0 && rtt_ms <= ES_LATENCY_RTT_MAX_MS))
		return -EINVAL;
	idx = entry_find(l, key);
	if (idx < 0) {
		if (!configured || configured->action != ES_ACTION_POPS)
			return -EINVAL;
		idx = entry_add(l, key, configured);
		if (idx < 0)
			return idx;
	}
	e = &l->v[idx];
	s = slot_for(e, pop);
	/* the first sample, or the first after a silence longer than the
	 * max age, sets the value: an old average says nothing any more */
	if (s->pop != pop || !sample_valid(l, s, now))
		s->srtt = rtt_ms;
	else
		s->srtt += l->cfg.weight * (rtt_ms - s->srtt);
	s->pop = pop;
	s->at_ns = now;
	return 0;
}

int es_latency_srtt(const struct es_latency *l, const struct es_prefix_key *key, __u32 pop,
		    __u64 now, double *ms)
{
	long idx = entry_find(l, key);
	const struct lat_sample *s;

	if (idx < 0)
		return -ENOENT;
	s = sample_of(&l->v[idx], pop);
	if (!s || !pop || !sample_valid(l, s, now))
		return -ENOENT;
	*ms = s->srtt;
	return 0;
}

/* ---- lines ------------------------------------------------------------- */

static const char line_hint[] = "expected PREFIX POP RTT_MS";

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Milliseconds: digits, optionally '.' and 1..3 digits, exactly. */
static int parse_rtt(const char *s, double *out, char *err, size_t errlen)
{
	char q[ES_QUOTE_BUFLEN];
	__u64 units = 0;	/* microseconds */
	const char *p = s;
	int frac = 0;

	es_quote(s, -1, q, sizeof(q));
	if (*p == '-' || *p == '+') {
		es_set_err(err, errlen, "invalid RTT '%s': sign not allowed", q);
		return -EINVAL;
	}
	if (!is_digit(*p))
		goto bad;
	if (p[0] == '0' && is_digit(p[1])) {
		es_set_err(err, errlen, "invalid RTT '%s': leading zero", q);
		return -EINVAL;
	}
	for (; is_digit(*p); p++) {
		units = units * 10 + (*p - '0');
		if (units > ES_LATENCY_RTT_MAX_MS)
			goto range;
	}
	units *= 1000;
	if (*p == '.') {
		for (p++; is_digit(*p) && frac < 3; p++, frac++)
			units += (*p - '0') * (frac == 0 ? 100 : frac == 1 ? 10 : 1);
		if (!frac)
			goto bad;
		if (is_digit(*p)) {
			es_set_err(err, errlen, "invalid RTT '%s': more than 3 decimals", q);
			return -EINVAL;
		}
	}
	if (*p)
		goto bad;
	if (units > ES_LATENCY_RTT_MAX_MS * 1000ull)
		goto range;
	*out = units / 1000.0;
	return 0;
range:
	es_set_err(err, errlen, "RTT '%s' out of range 0..%d ms", q, ES_LATENCY_RTT_MAX_MS);
	return -ERANGE;
bad:
	es_set_err(err, errlen,
		"invalid RTT '%s': expected milliseconds as a decimal number like 12 or 12.5", q);
	return -EINVAL;
}

int es_latency_line_parse(const char *line, struct es_latency_line *out, char *err,
			  size_t errlen)
{
	char buf[ES_LATENCY_LINE_MAX + 1], msg[MSG_LEN], q[ES_QUOTE_BUFLEN];
	char *field[4];
	struct es_addr addr;
	__u8 family, len;
	size_t n = strlen(line);
	int nf, ret;

	memset(out, 0, sizeof(*out));
	out->blank = true;
	if (n && line[n - 1] == '\r')
		n--;
	if (n > ES_LATENCY_LINE_MAX) {
		es_set_err(err, errlen, "line longer than %d bytes", ES_LATENCY_LINE_MAX);
		return -EINVAL;
	}
	memcpy(buf, line, n);
	buf[n] = '\0';
	nf = es_split_words(buf, field, 4);
	if (!nf)
		return 0;
	if (nf < 3) {
		es_set_err(err, errlen, "%s, got %d field%s", line_hint, nf, nf == 1 ? "" : "s");
		return -EINVAL;
	}
	if (nf > 3) {
		es_set_err(err, errlen, "unexpected '%s' after the RTT (%s; '#' starts a comment)",
			es_quote(field[3], -1, q, sizeof(q)), line_hint);
		return -EINVAL;
	}
	ret = es_parse_cidr(field[0], &family, &addr, &len, msg, sizeof(msg));
	if (!ret)
		ret = es_parse_name(field[1], out->pop, msg, sizeof(msg));
	if (!ret)
		ret = parse_rtt(field[2], &out->rtt_ms, msg, sizeof(msg));
	if (ret) {
		es_set_err(err, errlen, "%s", msg);
		return ret;
	}
	es_latency_key(&out->key, family, &addr, len);
	out->blank = false;
	return 0;
}

/* ---- feeding ----------------------------------------------------------- */

/* Names seen in one feed, resolved once: a feed uses a handful of POPs. */
#define NAME_CACHE	32

struct name_cache {
	char name[NAME_CACHE][ES_POP_NAME_LEN];
	__u32 id[NAME_CACHE];
	int n;
};

static int name_resolve(struct name_cache *c, const struct es_latency_rib *rib, const char *name,
			__u32 *id)
{
	int ret;

	for (int i = 0; i < c->n; i++) {
		if (!strcmp(c->name[i], name)) {
			*id = c->id[i];
			return *id ? 0 : -ENOENT;
		}
	}
	ret = rib->pop_id(rib->ctx, name, id);
	if (ret && ret != -ENOENT)
		return ret;
	if (ret)
		*id = 0;
	if (c->n < NAME_CACHE) {
		snprintf(c->name[c->n], ES_POP_NAME_LEN, "%s", name);
		c->id[c->n++] = *id;
	}
	return ret;
}

/* A sample checked against the RIB, waiting for the rest of its file. */
struct pending {
	struct es_prefix_key key;
	struct es_steering steer;
	__u8 pop;
	double rtt_ms;
};

enum { FEED_STORE, FEED_BLANK, FEED_IGNORE };

/* What one feed (a file, a line) has looked up so far. */
struct feed_ctx {
	struct es_latency *l;
	const struct es_latency_rib *rib;
	struct name_cache nc;
	bool have_last;			/* last_* hold the previous line's prefix */
	struct es_prefix_key last_key;
	struct es_steering last_steer;
	int last_ret;
};

/*
 * The steering of a measured prefix. A prefix the store holds is checked
 * against what the store knows of it (ranking notices anything written
 * since), and a file lists a prefix's POPs on neighbouring lines: a
 * 300,000-line file of 100,000 known prefixes asks the RIB nothing.
 */
static int feed_steering(struct feed_ctx *f, const struct es_prefix_key *key,
			 struct es_steering *steer)
{
	long idx;

	if (f->have_last && !memcmp(&f->last_key, key, sizeof(*key))) {
		*steer = f->last_steer;
		return f->last_ret;
	}
	idx = entry_find(f->l, key);
	if (idx >= 0) {
		const struct lat_entry *e = &f->l->v[idx];

		f->last_steer = e->written.npops ? e->written : e->base;
		f->last_ret = 0;
	} else {
		f->last_ret = f->rib->prefix_get(f->rib->ctx, key, &f->last_steer, NULL);
	}
	f->last_key = *key;
	f->have_last = true;
	*steer = f->last_steer;
	return f->last_ret;
}

/*
 * Parse and check one line against the configuration. FEED_STORE fills
 * *p; FEED_IGNORE counts why and explains in msg; errors return -errno
 * with msg set (no place).
 */
static int feed_check(struct feed_ctx *f, const char *line, struct pending *p,
		      struct es_latency_feed_stats *stats, char *msg, size_t msglen)
{
	char cidr[ES_CIDR_STRLEN], q[ES_QUOTE_BUFLEN];
	struct es_latency_line ln;
	__u32 id;
	int ret;

	ret = es_latency_line_parse(line, &ln, msg, msglen);
	if (ret)
		return ret;
	if (ln.blank)
		return FEED_BLANK;
	stats->lines++;
	ret = name_resolve(&f->nc, f->rib, ln.pop, &id);
	if (ret == -ENOENT) {
		es_set_err(msg, msglen, "unknown POP '%s'", es_quote(ln.pop, -1, q, sizeof(q)));
		return -EINVAL;
	}
	if (ret) {
		es_set_err(msg, msglen, "cannot look up POP '%s': %s", ln.pop, strerror(-ret));
		return ret;
	}
	ret = feed_steering(f, &ln.key, &p->steer);
	if (!ret && p->steer.action == ES_ACTION_POPS && steer_has(&p->steer, id)) {
		p->key = ln.key;
		p->pop = id;
		p->rtt_ms = ln.rtt_ms;
		return FEED_STORE;
	}
	es_format_cidr(ln.key.family, &ln.key.addr, ln.key.len, cidr, sizeof(cidr));
	if (ret == -ENOENT) {
		stats->unconfigured++;
		es_set_err(msg, msglen, "prefix %s is not configured: ignored", cidr);
		return FEED_IGNORE;
	}
	if (ret) {
		es_set_err(msg, msglen, "cannot look up prefix %s: %s", cidr, strerror(-ret));
		return ret;
	}
	if (p->steer.action != ES_ACTION_POPS) {
		stats->not_steered++;
		es_set_err(msg, msglen, "prefix %s is %s: ignored", cidr,
			p->steer.action == ES_ACTION_DROP ? "drop" : "local");
		return FEED_IGNORE;
	}
	stats->not_candidate++;
	es_set_err(msg, msglen, "POP %s is not a candidate of prefix %s: ignored", ln.pop, cidr);
	return FEED_IGNORE;
}

int es_latency_feed_line(struct es_latency *l, const char *where, const char *line,
			 const struct es_latency_rib *rib, __u64 now,
			 struct es_latency_feed_stats *stats, char *err, size_t errlen)
{
	struct es_latency_feed_stats dummy = { 0 };
	struct feed_ctx f = { .l = l, .rib = rib };
	char msg[MSG_LEN] = "", buf[ES_LATENCY_LINE_MAX + 2];
	struct pending p;
	size_t n;
	int ret;

	if (!stats)
		stats = &dummy;
	if (!where)
		where = "socket";
	/* a socket reader may hand the line over with its newline */
	n = strlen(line);
	if (n && line[n - 1] == '\n')
		n--;
	if (memchr(line, '\n', n)) {
		es_set_err(err, errlen, "%s: one measurement per line", where);
		return -EINVAL;
	}
	if (n > ES_LATENCY_LINE_MAX + 1) {
		es_set_err(err, errlen, "%s: line longer than %d bytes", where, ES_LATENCY_LINE_MAX);
		return -EINVAL;
	}
	memcpy(buf, line, n);
	buf[n] = '\0';
	line = buf;
	ret = feed_check(&f, line, &p, stats, msg, sizeof(msg));
	if (ret < 0) {
		es_set_err(err, errlen, "%s: %s", where, msg);
		return ret;
	}
	if (ret == FEED_BLANK) {
		es_set_err(err, errlen, "%s", "");
		return ES_LATENCY_IGNORED;
	}
	if (ret == FEED_IGNORE) {
		es_set_err(err, errlen, "%s: %s", where, msg);
		return ES_LATENCY_IGNORED;
	}
	ret = es_latency_sample(l, &p.key, &p.steer, p.pop, p.rtt_ms, now);
	if (ret) {
		es_set_err(err, errlen, "%s: %s", where, strerror(-ret));
		return ret;
	}
	stats->applied++;
	es_set_err(err, errlen, "%s", "");
	return 0;
}

/* ---- files ------------------------------------------------------------- */

static int pending_push(struct pending **v, size_t *n, size_t *cap, const struct pending *p)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 1024;
		void *nv = realloc(*v, ncap * sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = *p;
	return 0;
}

/* A file being checked: every sample it would store, none stored yet. */
struct file_check {
	struct feed_ctx f;
	struct es_latency_feed_stats *stats;
	struct pending *v;
	size_t n, cap;
};

/* es_line_fn: check one line and keep its sample for later. */
static int check_line(void *ctx, char *line, size_t len, __u32 lineno, char *msg, size_t msglen)
{
	struct file_check *c = ctx;
	struct pending p;
	int ret;

	(void)len;
	(void)lineno;
	ret = feed_check(&c->f, line, &p, c->stats, msg, msglen);
	if (ret < 0)
		return ret;
	if (ret == FEED_STORE && pending_push(&c->v, &c->n, &c->cap, &p))
		return -ENOMEM;
	return 0;
}

int es_latency_load_file(struct es_latency *l, const char *path, const struct es_latency_rib *rib,
			 __u64 now, struct es_latency_feed_stats *stats, char *err, size_t errlen)
{
	struct es_latency_feed_stats st = { 0 };
	struct file_check c = { .f = { .l = l, .rib = rib }, .stats = &st };
	int ret;

	/* the whole file is checked before anything is stored */
	ret = es_line_file_read(path, ES_LATENCY_LINE_MAX, check_line, &c, err, errlen);
	if (ret)
		goto out;
	for (size_t i = 0; i < c.n; i++) {
		ret = es_latency_sample(l, &c.v[i].key, &c.v[i].steer, c.v[i].pop, c.v[i].rtt_ms,
					now);
		if (ret) {
			es_set_err(err, errlen, "%s: %s", path, strerror(-ret));
			goto out;
		}
	}
	st.applied = c.n;
	if (stats) {
		stats->lines += st.lines;
		stats->applied += st.applied;
		stats->unconfigured += st.unconfigured;
		stats->not_steered += st.not_steered;
		stats->not_candidate += st.not_candidate;
	}
out:
	free(c.v);
	return ret;
}

/* ---- the RIB of an edgesteer state --------------------------------------- */

static int state_pop_id(void *ctx, const char *name, __u32 *id)
{
	return es_pop_find(ctx, name, id, NULL);
}

static int state_prefix_get(void *ctx, const struct es_prefix_key *key, struct es_steering *steer,
			    __u32 *decision)
{
	return es_prefix_get(ctx, key->family, &key->addr, key->len, steer, decision);
}

void es_latency_rib_state(struct es_latency_rib *rib, struct es_state *st)
{
	rib->pop_id = state_pop_id;
	rib->prefix_get = state_prefix_get;
	rib->ctx = st;
}

int es_pop_mask_up(struct es_state *st, struct es_pop_mask *m)
{
	memset(m, 0, sizeof(*m));
	for (__u32 id = 1; id < ES_MAX_POPS; id++) {
		struct es_pop p;

		if (!es_pop_get(st, id, &p) && p.kind != ES_POP_UNUSED && p.state == ES_STATE_UP)
			es_pop_mask_set(m, id, true);
	}
	return 0;
}

/* ---- ranking ----------------------------------------------------------- */

static bool any_valid(const struct es_latency *l, const struct lat_entry *e, __u64 now)
{
	for (int i = 0; i < ES_MAX_CANDIDATES; i++)
		if (sample_valid(l, &e->s[i], now) && steer_has(&e->base, e->s[i].pop))
			return true;
	return false;
}

static bool hold_down_over(const struct es_latency *l, const struct lat_entry *e, __u64 now)
{
	return !e->switched || (now >= e->switched_ns &&
				now - e->switched_ns >= l->cfg.hold_down_ns);
}

/*
 * What the RIB holds should be what we last wrote (or the configured
 * steering if we wrote nothing). Anything else was written by someone
 * else, the operator or a configuration reload: it is the configured
 * steering from now on.
 */
static void learn(struct lat_entry *e, const struct es_steering *cur)
{
	const struct es_steering *expect = e->written.npops ? &e->written : &e->base;

	if (steer_eq(cur, expect))
		return;
	e->base = *cur;
	memset(&e->written, 0, sizeof(e->written));
}

/* Sort classes: measured and healthy, healthy, not healthy. */
enum { RANK_MEASURED, RANK_HEALTHY, RANK_DOWN };

/* Candidates by class, then RTT; stable, so ties keep the configured order. */
static void rank_order(int n, const int *cls, const double *rtt, int *order)
{
	for (int i = 0; i < n; i++) {
		int j;

		for (j = i; j > 0; j--) {
			int o = order[j - 1];

			if (cls[o] < cls[i] ||
			    (cls[o] == cls[i] && (cls[i] != RANK_MEASURED || rtt[o] <= rtt[i])))
				break;
			order[j] = o;
		}
		order[j] = i;
	}
}

static int decide_entry(struct es_latency *l, struct lat_entry *e, const struct es_steering *cur,
			const struct es_pop_mask *healthy, __u64 now,
			struct es_latency_change *ch)
{
	const struct es_steering *base = &e->base;
	double rtt[ES_MAX_CANDIDATES], rc = -1;
	int cls[ES_MAX_CANDIDATES], order[ES_MAX_CANDIDATES];
	int n = base->npops, best;
	__u32 curpop = cur->pops[0];
	bool cur_up = es_pop_mask_has(healthy, curpop);
	struct es_steering to;
	__u8 reason;

	if (cur->action != ES_ACTION_POPS || n < 1 || n > ES_MAX_CANDIDATES)
		return 0;
	if (!any_valid(l, e, now)) {
		if (steer_eq(cur, base))
			return 0;
		if (cur_up && !hold_down_over(l, e, now)) {
			l->held++;
			return 0;
		}
		to = *base;
		reason = ES_LATENCY_REVERT;
		goto change;
	}
	for (int i = 0; i < n; i++) {
		struct lat_sample *s = sample_of(e, base->pops[i]);

		rtt[i] = s && sample_valid(l, s, now) ? s->srtt : -1;
		cls[i] = !es_pop_mask_has(healthy, base->pops[i]) ? RANK_DOWN :
			 rtt[i] < 0 ? RANK_HEALTHY : RANK_MEASURED;
		if (base->pops[i] == curpop)
			rc = rtt[i];
	}
	rank_order(n, cls, rtt, order);
	best = order[0];
	if (cls[best] == RANK_DOWN)
		return 0;	/* nowhere better to go: the data path serves here */
	if (base->pops[best] == curpop)
		return 0;
	if (!cur_up) {
		reason = ES_LATENCY_FAILOVER;
	} else {
		if (cls[best] != RANK_MEASURED)
			return 0;	/* no number says the current is worse */
		if (rc >= 0) {
			double gain = rc - rtt[best];

			if (!(gain > 0 && gain >= l->cfg.min_gain_ms &&
			      gain * 100 >= l->cfg.min_gain_pct * rc)) {
				l->held++;
				return 0;
			}
		}
		if (!hold_down_over(l, e, now)) {
			l->held++;
			return 0;
		}
		reason = ES_LATENCY_FASTER;
	}
	memset(&to, 0, sizeof(to));
	to.action = ES_ACTION_POPS;
	to.npops = n;
	for (int i = 0; i < n; i++)
		to.pops[i] = base->pops[order[i]];
change:
	memset(ch, 0, sizeof(*ch));
	ch->key = e->key;
	ch->from = *cur;
	ch->to = to;
	ch->reason = reason;
	ch->now = now;
	return 1;
}

int es_latency_decide(struct es_latency *l, const struct es_prefix_key *key,
		      const struct es_steering *cur, const struct es_pop_mask *healthy, __u64 now,
		      struct es_latency_change *change)
{
	long idx = entry_find(l, key);

	if (idx < 0)
		return -ENOENT;
	learn(&l->v[idx], cur);
	return decide_entry(l, &l->v[idx], cur, healthy, now, change);
}

static int changes_push(struct es_latency_changes *c, const struct es_latency_change *ch)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		void *nv = realloc(c->v, cap * sizeof(*c->v));

		if (!nv)
			return -ENOMEM;
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n++] = *ch;
	return 0;
}

void es_latency_changes_free(struct es_latency_changes *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* Nothing left to remember: no sample counts, the RIB holds the
 * configured steering, and the hold-down of the last change is over. */
static bool forgettable(const struct es_latency *l, const struct lat_entry *e, __u64 now)
{
	return !e->written.npops && !any_valid(l, e, now) && hold_down_over(l, e, now);
}

int es_latency_rank(struct es_latency *l, const struct es_latency_rib *rib,
		    const struct es_pop_mask *healthy, __u64 now, struct es_latency_changes *out)
{
	struct es_latency_change ch;
	bool forget = false;
	int ret = 0;

	l->held = 0;
	for (size_t i = 0; i < l->n; i++) {
		struct lat_entry *e = &l->v[i];
		struct es_steering cur;
		__u32 decision = 0;

		ret = rib->prefix_get(rib->ctx, &e->key, &cur, &decision);
		if (ret == -ENOENT) {
			/* the prefix was removed: so are its measurements */
			e->key.family = 0;
			forget = true;
			ret = 0;
			continue;
		}
		if (ret)
			break;
		learn(e, &cur);
		if (decide_entry(l, e, &cur, healthy, now, &ch)) {
			ch.from_decision = decision;
			ret = changes_push(out, &ch);
			if (ret)
				break;
		} else if (forgettable(l, e, now)) {
			e->key.family = 0;
			forget = true;
		}
	}
	/* entries marked above go even when the walk stopped early */
	if (forget)
		entries_compact(l);
	return ret;
}

void es_latency_commit(struct es_latency *l, const struct es_latency_change *c)
{
	long idx = entry_find(l, &c->key);
	struct lat_entry *e;

	if (c->reason < ES_LATENCY_NREASONS)
		l->changes[c->reason]++;
	if (idx < 0)
		return;
	e = &l->v[idx];
	if (steer_eq(&c->to, &e->base))
		memset(&e->written, 0, sizeof(e->written));
	else
		e->written = c->to;
	e->switched = 1;
	e->switched_ns = c->now;
}

/* ---- writing ----------------------------------------------------------- */

#define RIB_BATCH	65536

/* Changes on their way to the RIB: key, new decision, the one it replaces. */
struct batch {
	struct es_prefix_key *keys;
	struct es_prefix *vals;
	__u32 *old;
	size_t *change;		/* index into the change list */
	bool *in_rib;
	size_t n;
};

static void batch_free(struct batch *b)
{
	free(b->keys);
	free(b->vals);
	free(b->old);
	free(b->change);
	free(b->in_rib);
}

/* RIB entries in batches; what a failed batch left unwritten, one by one. */
static int batch_store(struct es_state *st, struct batch *b)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int ret = 0;

	for (size_t off = 0; off < b->n; off += RIB_BATCH) {
		__u32 count = b->n - off < RIB_BATCH ? b->n - off : RIB_BATCH;
		bool failed;

		failed = bpf_map_update_batch(st->prefixes_fd, &b->keys[off], &b->vals[off], &count,
					      &opts) != 0;
		for (size_t i = off; i < off + count && i < b->n; i++)
			b->in_rib[i] = true;
		if (!failed)
			continue;
		count = b->n - off < RIB_BATCH ? b->n - off : RIB_BATCH;
		for (size_t i = off; i < off + count; i++) {
			if (b->in_rib[i])
				continue;
			if (bpf_map_update_elem(st->prefixes_fd, &b->keys[i], &b->vals[i], BPF_ANY))
				ret = ret ? ret : -errno;
			else
				b->in_rib[i] = true;
		}
	}
	return ret;
}

static int apply_one(struct es_latency *l, struct es_state *st, const struct es_latency_change *ch)
{
	int ret = es_prefix_set(st, ch->key.family, &ch->key.addr, ch->key.len, &ch->to);

	if (!ret)
		es_latency_commit(l, ch);
	return ret;
}

int es_latency_apply(struct es_latency *l, struct es_state *st, const struct es_latency_changes *c,
		     size_t *applied)
{
	struct batch b = { 0 };
	size_t done = 0, n = c->n ? c->n : 1;
	int ret = 0, err;

	b.keys = malloc(n * sizeof(*b.keys));
	b.vals = malloc(n * sizeof(*b.vals));
	b.old = malloc(n * sizeof(*b.old));
	b.change = malloc(n * sizeof(*b.change));
	b.in_rib = calloc(n, sizeof(*b.in_rib));
	if (!b.keys || !b.vals || !b.old || !b.change || !b.in_rib) {
		ret = -ENOMEM;
		goto out;
	}
	ret = es_state_map_tables(st);
	if (ret)
		goto out;
	/* decisions first: each exists before anything points at it */
	for (size_t i = 0; i < c->n; i++) {
		const struct es_latency_change *ch = &c->v[i];
		struct es_decision want;
		__u32 id;

		if (!ch->from_decision) {
			ret = apply_one(l, st, ch);
			if (ret)
				break;
			done++;
			continue;
		}
		es_prefix_decision_for(st, ch->from_decision, &ch->to, &want);
		ret = es_decision_get(st, &want, &id);
		if (ret)
			break;
		b.keys[b.n] = ch->key;
		b.vals[b.n].decision = id;
		b.old[b.n] = ch->from_decision;
		b.change[b.n] = i;
		b.n++;
	}
	/* then the RIB, which a table rebuild is made from, then the table */
	err = batch_store(st, &b);
	ret = ret ? ret : err;
	for (size_t i = 0; i < b.n; i++) {
		const struct es_latency_change *ch = &c->v[b.change[i]];
		struct es_prefix old = { .decision = b.old[i] };

		if (!b.in_rib[i]) {
			es_decision_put(st, b.vals[i].decision);
			continue;
		}
		err = es_table_insert(&es_state_table(st, ch->key.family)->t, &ch->key.addr,
				      ch->key.len, b.vals[i].decision);
		if (err == -ENOSPC) {
			/* the table needs compacting: es_prefix_set() rebuilds it
			 * from the RIB, which already holds this change */
			err = es_prefix_set(st, ch->key.family, &ch->key.addr, ch->key.len,
					    &ch->to);
		}
		if (err) {
			/* the table never saw it: the RIB goes back too */
			bpf_map_update_elem(st->prefixes_fd, &ch->key, &old, BPF_ANY);
			es_decision_put(st, b.vals[i].decision);
			ret = ret ? ret : err;
			continue;
		}
		es_decision_put(st, b.old[i]);
		es_latency_commit(l, ch);
		done++;
	}
out:
	batch_free(&b);
	if (applied)
		*applied = done;
	return ret;
}

/* ---- what it holds ------------------------------------------------------- */

int es_latency_preferred(const struct es_latency *l, const struct es_prefix_key *key,
			 __u32 *pop)
{
	long idx = entry_find(l, key);
	const struct lat_entry *e;

	if (idx < 0)
		return -ENOENT;
	e = &l->v[idx];
	*pop = e->written.npops ? e->written.pops[0] : e->base.pops[0];
	return 0;
}

void es_latency_stats(const struct es_latency *l, struct es_latency_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->prefixes = l->n;
	s->bytes = sizeof(*l) + l->cap * sizeof(*l->v) + l->nslots * sizeof(*l->slots);
	s->held = l->held;
	memcpy(s->changes, l->changes, sizeof(s->changes));
	for (size_t i = 0; i < l->n; i++) {
		const struct lat_entry *e = &l->v[i];
		__u32 pop;

		for (int k = 0; k < ES_MAX_CANDIDATES; k++)
			s->samples += e->s[k].pop != 0;
		s->moved += e->written.npops != 0;
		pop = e->written.npops ? e->written.pops[0] : e->base.pops[0];
		if (e->base.action == ES_ACTION_POPS && pop < ES_MAX_POPS)
			s->preferred[pop]++;
	}
}
