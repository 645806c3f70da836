// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Prefix table files: the format is documented in prefix_file.h.
 *
 * Sized for a million lines: the file is streamed line by line
 * (line_file.c, plain or gzip), lines are parsed without allocating,
 * entries are kept in one growing array, POP names are interned (a
 * handful of distinct names, used a million times), and duplicate
 * prefixes are found by comparing neighbours while the
 * file is in canonical order (as written here) and with a hash set of
 * entry indexes from the first line out of order.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "line_file.h"
#include "parse.h"
#include "prefix_file.h"

#define WRITE_BUF_SIZE	(64 * 1024)

/* Room for a message from parse.c plus the context we wrap around it. */
#define MSG_LEN		1024

static __u64 mix64(__u64 h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

/*
 * ---------------------------------------------------------------------------
 * Lines
 * ---------------------------------------------------------------------------
 */
static const char target_hint[] = "expected NAME[,NAME...], local or drop";

int es_prefix_target_parse(const char *s, struct es_prefix_line *spec,
			   char *err, size_t errlen)
{
	char q[ES_QUOTE_BUFLEN], qn[ES_QUOTE_BUFLEN], msg[MSG_LEN];
	char name[128];
	const char *p, *comma;
	bool list;
	int i, n = 0;

	if (!s || !*s) {
		es_set_err(err, errlen, "missing target (%s)", target_hint);
		return -EINVAL;
	}
	if (!strcmp(s, "local") || !strcmp(s, "drop")) {
		spec->action = s[0] == 'l' ? ES_ACTION_LOCAL : ES_ACTION_DROP;
		spec->npops = 0;
		return 0;
	}

	list = strchr(s, ',') != NULL;
	for (p = s;; p = comma + 1) {
		size_t len;

		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (!len) {
			es_set_err(err, errlen, "invalid POP list '%s': empty name",
				es_quote(s, -1, q, sizeof(q)));
			return -EINVAL;
		}
		if (n == ES_MAX_CANDIDATES) {
			es_set_err(err, errlen,
				"invalid POP list '%s': more than %d POPs",
				es_quote(s, -1, q, sizeof(q)),
				ES_MAX_CANDIDATES);
			return -EINVAL;
		}
		/*
		 * A valid name is far shorter than name[]; a longer one is
		 * cut, which keeps it invalid and its message true.
		 */
		if (len >= sizeof(name))
			len = sizeof(name) - 1;
		memcpy(name, p, len);
		name[len] = '\0';
		if (es_parse_name(name, spec->pops[n], msg, sizeof(msg))) {
			es_quote(s, -1, q, sizeof(q));
			if (!list && es_name_is_reserved(name))
				es_set_err(err, errlen,
					"invalid target '%s': actions are lowercase 'local' and 'drop'",
					q);
			else if (!list)
				es_set_err(err, errlen, "%s (%s)", msg,
					target_hint);
			else if (es_name_is_reserved(name))
				es_set_err(err, errlen,
					"invalid POP list '%s': '%s' is an action, not a POP name",
					q, es_quote(name, -1, qn, sizeof(qn)));
			else
				es_set_err(err, errlen, "%s in POP list '%s'",
					msg, q);
			return -EINVAL;
		}
		for (i = 0; i < n; i++) {
			if (strcmp(spec->pops[i], spec->pops[n]))
				continue;
			es_set_err(err, errlen,
				"invalid POP list '%s': '%s' listed twice",
				es_quote(s, -1, q, sizeof(q)), spec->pops[n]);
			return -EINVAL;
		}
		n++;
		if (!comma)
			break;
	}
	spec->action = ES_ACTION_POPS;
	spec->npops = n;
	return 0;
}

int es_prefix_line_parse(const char *line, struct es_prefix_line *spec,
			 char *err, size_t errlen)
{
	char buf[ES_PREFIX_LINE_MAX + 1], q[ES_QUOTE_BUFLEN];
	char q2[ES_QUOTE_BUFLEN];
	char *field[3];
	size_t len;
	int nf, ret;

	spec->action = ES_ACTION_NONE;
	spec->npops = 0;

	len = strlen(line);
	if (len && line[len - 1] == '\r')
		len--;
	if (len > ES_PREFIX_LINE_MAX) {
		es_set_err(err, errlen, "line longer than %d bytes",
			ES_PREFIX_LINE_MAX);
		return -EINVAL;
	}
	/* a private copy to cut fields in place without allocating */
	memcpy(buf, line, len);
	buf[len] = '\0';
	nf = es_split_words(buf, field, 3);
	if (!nf)
		return 0;
	if (nf == 1) {
		es_set_err(err, errlen, "missing target after '%s' (%s)",
			es_quote(field[0], -1, q, sizeof(q)), target_hint);
		return -EINVAL;
	}
	if (nf > 2) {
		size_t l1 = strlen(field[1]);
		bool comma = field[1][l1 - 1] == ',' || field[2][0] == ',';

		es_set_err(err, errlen, "unexpected '%s' after '%s'%s",
			es_quote(field[2], -1, q, sizeof(q)),
			es_quote(field[1], -1, q2, sizeof(q2)),
			comma ? " (no spaces around commas in a POP list)" :
				" (one target per line; '#' starts a comment)");
		return -EINVAL;
	}

	ret = es_parse_cidr(field[0], &spec->family, &spec->addr, &spec->len,
			    err, errlen);
	if (ret)
		return -EINVAL;
	return es_prefix_target_parse(field[1], spec, err, errlen);
}

/*
 * ---------------------------------------------------------------------------
 * Lists
 * ---------------------------------------------------------------------------
 */
static __u64 name_hash(const char *name)
{
	__u64 h = 0xcbf29ce484222325ull;	/* FNV-1a */
	int i;

	for (i = 0; i < ES_POP_NAME_LEN && name[i]; i++)
		h = (h ^ (unsigned char)name[i]) * 0x100000001b3ull;
	return mix64(h);
}

/* Slot of name in l->name_slots: its own, or the empty one it would take. */
static size_t name_slot(const struct es_prefix_list *l, const char *name)
{
	size_t mask = l->name_slots_cap - 1;
	size_t i = name_hash(name) & mask;

	while (l->name_slots[i] &&
	       strncmp(l->names[l->name_slots[i] - 1], name, ES_POP_NAME_LEN))
		i = (i + 1) & mask;
	return i;
}

int es_prefix_list_name_idx(const struct es_prefix_list *l, const char *name)
{
	size_t i;

	if (!l->name_slots_cap)
		return -ENOENT;
	i = name_slot(l, name);
	return l->name_slots[i] ? (int)l->name_slots[i] - 1 : -ENOENT;
}

static int names_grow(struct es_prefix_list *l)
{
	size_t cap, i;
	__u32 *slots;

	if (l->nnames == l->names_cap) {
		void *v;

		cap = l->names_cap ? l->names_cap * 2 : 16;
		v = realloc(l->names, cap * sizeof(*l->names));
		if (!v)
			return -ENOMEM;
		l->names = v;
		l->names_cap = cap;
	}
	/* keep the index at most half full so probes stay short */
	if ((l->nnames + 1) * 2 <= l->name_slots_cap)
		return 0;
	cap = l->name_slots_cap ? l->name_slots_cap * 2 : 32;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	free(l->name_slots);
	l->name_slots = slots;
	l->name_slots_cap = cap;
	for (i = 0; i < l->nnames; i++)
		l->name_slots[name_slot(l, l->names[i])] = i + 1;
	return 0;
}

static int name_intern(struct es_prefix_list *l, const char *name,
		       char *err, size_t errlen)
{
	char q[ES_QUOTE_BUFLEN];
	size_t i, n;
	int ret;

	if (l->name_slots_cap) {
		i = name_slot(l, name);
		if (l->name_slots[i])
			return l->name_slots[i] - 1;
	}
	/* new name: the only time it is checked, so lists stay writable */
	n = strnlen(name, ES_POP_NAME_LEN);
	if (n == ES_POP_NAME_LEN) {
		es_set_err(err, errlen, "invalid POP name '%s': not terminated",
			es_quote(name, n, q, sizeof(q)));
		return -EINVAL;
	}
	ret = es_parse_name(name, NULL, err, errlen);
	if (ret)
		return ret;
	if (l->nnames == ES_PREFIX_NAMES_MAX) {
		es_set_err(err, errlen, "more than %d distinct POP names",
			ES_PREFIX_NAMES_MAX);
		return -E2BIG;
	}
	ret = names_grow(l);
	if (ret) {
		es_set_err(err, errlen, "out of memory");
		return ret;
	}
	memset(l->names[l->nnames], 0, ES_POP_NAME_LEN);
	memcpy(l->names[l->nnames], name, n);
	l->name_slots[name_slot(l, name)] = l->nnames + 1;
	return l->nnames++;
}

int es_prefix_list_add(struct es_prefix_list *l,
		       const struct es_prefix_line *spec, __u32 line,
		       char *err, size_t errlen)
{
	struct es_prefix_entry *e;
	int i, max, idx;

	max = es_family_max_len(spec->family);
	if (max < 0 || spec->len > max) {
		es_set_err(err, errlen, "invalid prefix: family %u length %u",
			spec->family, spec->len);
		return -EINVAL;
	}
	if (spec->action == ES_ACTION_POPS ?
	    spec->npops < 1 || spec->npops > ES_MAX_CANDIDATES :
	    (spec->action != ES_ACTION_LOCAL &&
	     spec->action != ES_ACTION_DROP) || spec->npops) {
		es_set_err(err, errlen, "invalid target: action %u with %u POPs",
			spec->action, spec->npops);
		return -EINVAL;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		void *v = realloc(l->v, cap * sizeof(*l->v));

		if (!v) {
			es_set_err(err, errlen, "out of memory");
			return -ENOMEM;
		}
		l->v = v;
		l->cap = cap;
	}
	e = &l->v[l->n];
	memset(e, 0, sizeof(*e));
	e->addr = spec->addr;
	e->family = spec->family;
	e->len = spec->len;
	e->action = spec->action;
	e->npops = spec->npops;
	e->line = line;
	for (i = 0; i < spec->npops; i++) {
		idx = name_intern(l, spec->pops[i], err, errlen);
		if (idx < 0)
			return idx;
		e->pop_name_idx[i] = idx;
	}
	l->n++;
	return 0;
}

void es_prefix_list_free(struct es_prefix_list *l)
{
	if (!l)
		return;
	free(l->v);
	free(l->names);
	free(l->name_slots);
	memset(l, 0, sizeof(*l));
}

static int entry_cmp(const struct es_prefix_entry *a,
		     const struct es_prefix_entry *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;	/* INET (4) first */
	/* network order: byte order is numeric order; IPv4 tails are zero */
	r = memcmp(a->addr.v6, b->addr.v6, sizeof(a->addr.v6));
	if (r)
		return r;
	return (int)a->len - (int)b->len;
}

static int entry_qsort_cmp(const void *a, const void *b)
{
	return entry_cmp(a, b);
}

static int entry_ptr_qsort_cmp(const void *a, const void *b)
{
	const struct es_prefix_entry *const *pa = a, *const *pb = b;
	int r = entry_cmp(*pa, *pb);

	/* equal prefixes (rejected when writing): keep list order */
	if (!r)
		r = *pa < *pb ? -1 : *pa > *pb;
	return r;
}

void es_prefix_list_sort(struct es_prefix_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), entry_qsort_cmp);
}

/*
 * ---------------------------------------------------------------------------
 * Reading
 * ---------------------------------------------------------------------------
 */

/*
 * Hash set of prefixes. A slot holds the entry's index + 1 (low half) and
 * the low 32 bits of its hash (high half): probes compare hashes without
 * touching the entry, and a rehash needs no entry at all. That matters at
 * a million entries, where every touch of a random entry is a cache miss.
 */
struct prefix_set {
	__u64 *slots;
	size_t cap;		/* power of two, at most 2^32 */
	size_t n;
};

static __u32 prefix_hash(const struct es_prefix_entry *e)
{
	__u64 h = (__u64)e->family << 8 | e->len;
	int i;

	for (i = 0; i < 4; i++)
		h = mix64(h ^ e->addr.v6w[i]) + i;
	return h;
}

static bool same_prefix(const struct es_prefix_entry *a,
			const struct es_prefix_entry *b)
{
	return a->family == b->family && a->len == b->len &&
	       !memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

static int prefix_set_grow(struct prefix_set *s)
{
	size_t cap = s->cap ? s->cap * 2 : 4096, i, k, mask = cap - 1;
	__u64 *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < s->cap; i++) {
		if (!s->slots[i])
			continue;
		k = (s->slots[i] >> 32) & mask;
		while (slots[k])
			k = (k + 1) & mask;
		slots[k] = s->slots[i];
	}
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
	return 0;
}

/*
 * Add entries[idx]. Returns 0, the index + 1 of an earlier entry with the
 * same prefix, or -ENOMEM.
 */
static long prefix_set_add(struct prefix_set *s,
			   const struct es_prefix_entry *v, size_t idx)
{
	__u32 h = prefix_hash(&v[idx]);
	size_t i, mask;
	__u64 slot;

	/* at most half full keeps linear probes short */
	if ((s->n + 1) * 2 > s->cap && prefix_set_grow(s))
		return -ENOMEM;
	mask = s->cap - 1;
	for (i = h & mask; (slot = s->slots[i]); i = (i + 1) & mask) {
		if ((__u32)(slot >> 32) == h &&
		    same_prefix(&v[(__u32)slot - 1], &v[idx]))
			return (__u32)slot;
	}
	s->slots[i] = (__u64)h << 32 | (idx + 1);
	s->n++;
	return 0;
}

struct reader {
	struct es_prefix_list list;
	struct prefix_set set;	/* used once the file is found unsorted */
	bool unsorted;
};

/*
 * Index + 1 of an earlier entry with the prefix of the last one, 0 if none,
 * or -ENOMEM. Files we write are sorted, and while the entries come in
 * strictly ascending order a duplicate can only be the previous entry: no
 * hashing (a cache miss per line) until the order first breaks.
 */
static long find_duplicate(struct reader *r)
{
	const struct es_prefix_entry *v = r->list.v;
	size_t i, idx = r->list.n - 1;
	int cmp;

	if (!r->unsorted) {
		if (!idx)
			return 0;
		cmp = entry_cmp(&v[idx - 1], &v[idx]);
		if (cmp < 0)
			return 0;
		if (!cmp)
			return idx;
		r->unsorted = true;
		/* all distinct, being strictly ascending */
		for (i = 0; i < idx; i++)
			if (prefix_set_add(&r->set, v, i) < 0)
				return -ENOMEM;
	}
	return prefix_set_add(&r->set, v, idx);
}

/* es_line_fn: one line of the file, parsed, added, checked for a duplicate. */
static int read_line(void *ctx, char *line, size_t len, __u32 lineno, char *msg, size_t msglen)
{
	char cidr[ES_CIDR_STRLEN];
	struct reader *r = ctx;
	struct es_prefix_line spec;
	struct es_prefix_entry *e;
	long first;
	int ret;

	(void)len;
	ret = es_prefix_line_parse(line, &spec, msg, msglen);
	if (ret || spec.action == ES_ACTION_NONE)
		return ret;
	ret = es_prefix_list_add(&r->list, &spec, lineno, msg, msglen);
	if (ret)
		return ret;
	first = find_duplicate(r);
	if (first < 0)
		return first;
	if (first) {
		e = &r->list.v[first - 1];
		es_format_cidr(e->family, &e->addr, e->len, cidr, sizeof(cidr));
		es_set_err(msg, msglen, "duplicate prefix %s (first on line %u)", cidr, e->line);
		return -EINVAL;
	}
	return 0;
}

int es_prefix_file_read(const char *path, struct es_prefix_list *out,
			char *err, size_t errlen)
{
	struct reader r = { 0 };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = es_line_file_read(path, ES_PREFIX_LINE_MAX, read_line, &r, err, errlen);
	free(r.set.slots);
	if (ret) {
		es_prefix_list_free(&r.list);
		return ret;
	}
	*out = r.list;
	return 0;
}

/*
 * ---------------------------------------------------------------------------
 * Writing
 * ---------------------------------------------------------------------------
 */
struct writer {
	const char *path;
	int fd;
	gzFile gz;		/* NULL: plain */
	char *buf;
	size_t n;
	char *err;
	size_t errlen;
};

static int writer_flush(struct writer *w)
{
	size_t off = 0;
	ssize_t n;
	int zerr;

	if (w->gz) {
		if (w->n && gzwrite(w->gz, w->buf, w->n) != (int)w->n) {
			const char *msg = gzerror(w->gz, &zerr);

			if (zerr == Z_ERRNO) {
				es_set_err(w->err, w->errlen, "%s: write failed: %s",
					w->path, strerror(errno));
				return errno ? -errno : -EIO;
			}
			es_set_err(w->err, w->errlen, "%s: gzip failed: %s",
				w->path, msg);
			return -EIO;
		}
		w->n = 0;
		return 0;
	}
	while (off < w->n) {
		n = write(w->fd, w->buf + off, w->n - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			es_set_err(w->err, w->errlen, "%s: write failed: %s",
				w->path, strerror(errno));
			return -errno;
		}
		off += n;
	}
	w->n = 0;
	return 0;
}

/* Host bits clear: what the reader demands, so what we may write. */
static bool host_bits_clear(const struct es_prefix_entry *e)
{
	unsigned int i, plen = e->len;

	for (i = 0; i < 16; i++, plen = plen > 8 ? plen - 8 : 0)
		if (e->addr.v6[i] & (plen >= 8 ? 0 : 0xff >> plen))
			return false;
	return true;
}

/*
 * Refuse what the reader would refuse, so every written file reads back
 * (l must be in canonical order for the duplicate check).
 */
static int entry_check(const struct es_prefix_list *l,
		       const struct es_prefix_entry *e,
		       const struct es_prefix_entry *prev, char *why,
		       size_t whylen)
{
	int i, j, max = es_family_max_len(e->family);

	if (max < 0) {
		snprintf(why, whylen, "unknown address family %u", e->family);
		return -EINVAL;
	}
	if (e->len > max || !host_bits_clear(e)) {
		snprintf(why, whylen, "not a valid prefix");
		return -EINVAL;
	}
	if (prev && same_prefix(prev, e)) {
		snprintf(why, whylen, "listed twice");
		return -EINVAL;
	}
	switch (e->action) {
	case ES_ACTION_LOCAL:
	case ES_ACTION_DROP:
		return 0;
	case ES_ACTION_POPS:
		break;
	default:
		snprintf(why, whylen, "unknown action %u", e->action);
		return -EINVAL;
	}
	if (e->npops < 1 || e->npops > ES_MAX_CANDIDATES) {
		snprintf(why, whylen, "%u POPs (1..%d allowed)", e->npops,
			 ES_MAX_CANDIDATES);
		return -EINVAL;
	}
	for (i = 0; i < e->npops; i++) {
		if (e->pop_name_idx[i] >= l->nnames) {
			snprintf(why, whylen, "POP name index %u out of range",
				 e->pop_name_idx[i]);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (e->pop_name_idx[i] != e->pop_name_idx[j] &&
			    strncmp(l->names[e->pop_name_idx[i]],
				    l->names[e->pop_name_idx[j]],
				    ES_POP_NAME_LEN))
				continue;
			snprintf(why, whylen, "POP listed twice");
			return -EINVAL;
		}
	}
	return 0;
}

static int write_entry(struct writer *w, const struct es_prefix_list *l,
		       const struct es_prefix_entry *e)
{
	char *p;
	int i, ret;

	/* the longest line is far below the buffer: flush ahead of it */
	if (WRITE_BUF_SIZE - w->n < 256) {
		ret = writer_flush(w);
		if (ret)
			return ret;
	}
	p = w->buf + w->n;
	es_format_cidr(e->family, &e->addr, e->len, p, ES_CIDR_STRLEN);
	p += strlen(p);
	*p++ = ' ';
	if (e->action == ES_ACTION_LOCAL) {
		memcpy(p, "local", 5);
		p += 5;
	} else if (e->action == ES_ACTION_DROP) {
		memcpy(p, "drop", 4);
		p += 4;
	} else {
		for (i = 0; i < e->npops; i++) {
			const char *name = l->names[e->pop_name_idx[i]];
			size_t n = strnlen(name, ES_POP_NAME_LEN);

			if (i)
				*p++ = ',';
			memcpy(p, name, n);
			p += n;
		}
	}
	*p++ = '\n';
	w->n = p - w->buf;
	return 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Make the rename durable; some filesystems cannot, which is no error. */
static void sync_dir(const char *tmp_path)
{
	char *dir = strdup(tmp_path), *slash;
	int fd;

	if (!dir)
		return;
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

static int check_names(const struct es_prefix_list *l, char *err,
		       size_t errlen, const char *path)
{
	char msg[MSG_LEN], q[ES_QUOTE_BUFLEN];
	size_t i;

	for (i = 0; i < l->nnames; i++) {
		if (!memchr(l->names[i], '\0', ES_POP_NAME_LEN)) {
			es_set_err(err, errlen,
				"%s: POP name '%s' not terminated", path,
				es_quote(l->names[i], ES_POP_NAME_LEN, q,
					 sizeof(q)));
			return -EINVAL;
		}
		if (es_parse_name(l->names[i], NULL, msg, sizeof(msg))) {
			es_set_err(err, errlen, "%s: %s", path, msg);
			return -EINVAL;
		}
	}
	return 0;
}

int es_prefix_file_write(const char *path, const struct es_prefix_list *l,
			 char *err, size_t errlen)
{
	struct writer w = { .path = path, .fd = -1, .err = err,
			    .errlen = errlen };
	const struct es_prefix_entry **order = NULL;
	char *tmp = NULL, why[128], cidr[ES_CIDR_STRLEN];
	const char *slash, *base;
	struct stat st;
	size_t i, dirlen;
	int ret, zerr;

	ret = check_names(l, err, errlen, path);
	if (ret)
		return ret;
	/* sort pointers, not entries: the caller's list stays as it is */
	order = malloc((l->n ? l->n : 1) * sizeof(*order));
	w.buf = malloc(WRITE_BUF_SIZE);
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	tmp = malloc(dirlen + strlen(base) + sizeof("." ".XXXXXX"));
	if (!order || !w.buf || !tmp) {
		es_set_err(err, errlen, "%s: out of memory", path);
		ret = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < l->n; i++)
		order[i] = &l->v[i];
	qsort(order, l->n, sizeof(*order), entry_ptr_qsort_cmp);
	for (i = 0; i < l->n; i++) {
		ret = entry_check(l, order[i], i ? order[i - 1] : NULL, why,
				  sizeof(why));
		if (ret) {
			es_format_cidr(order[i]->family, &order[i]->addr,
				       order[i]->len, cidr, sizeof(cidr));
			es_set_err(err, errlen, "%s: cannot write entry %s: %s",
				path, cidr, why);
			goto out_free;
		}
	}

	/* hidden, beside the target: rename() only replaces atomically
	 * within one filesystem
	 */
	sprintf(tmp, "%.*s.%s.XXXXXX", (int)dirlen, path, base);
	w.fd = mkstemp(tmp);
	if (w.fd < 0) {
		ret = -errno;
		es_set_err(err, errlen, "%s: cannot create temporary file: %s",
			path, strerror(errno));
		goto out_free;
	}
	if (fchmod(w.fd, !stat(path, &st) && S_ISREG(st.st_mode) ?
			 st.st_mode & 07777 : 0644)) {
		ret = -errno;
		es_set_err(err, errlen, "%s: chmod failed: %s", tmp,
			strerror(errno));
		goto out_unlink;
	}
	if (has_suffix(path, ".gz")) {
		/* zlib closes what it is given; keep w.fd for fsync */
		int gzfd = dup(w.fd);

		w.gz = gzfd >= 0 ? gzdopen(gzfd, "wb") : NULL;
		if (!w.gz) {
			if (gzfd >= 0)
				close(gzfd);
			es_set_err(err, errlen, "%s: cannot start gzip stream",
				path);
			ret = -ENOMEM;
			goto out_unlink;
		}
	}

	for (i = 0; i < l->n; i++) {
		ret = write_entry(&w, l, order[i]);
		if (ret)
			goto out_unlink;
	}
	ret = writer_flush(&w);
	if (ret)
		goto out_unlink;
	if (w.gz) {
		zerr = gzclose_w(w.gz);
		w.gz = NULL;
		if (zerr != Z_OK) {
			ret = zerr == Z_ERRNO && errno ? -errno : -EIO;
			es_set_err(err, errlen, "%s: gzip failed: %s", path,
				zerr == Z_ERRNO ? strerror(errno) :
						  "cannot finish stream");
			goto out_unlink;
		}
	}
	if (fsync(w.fd)) {
		ret = -errno;
		es_set_err(err, errlen, "%s: fsync failed: %s", tmp,
			strerror(errno));
		goto out_unlink;
	}
	ret = close(w.fd);
	w.fd = -1;
	if (ret) {
		ret = -errno;
		es_set_err(err, errlen, "%s: close failed: %s", tmp,
			strerror(errno));
		goto out_unlink;
	}
	if (rename(tmp, path)) {
		ret = -errno;
		es_set_err(err, errlen, "%s: rename from %s failed: %s", path, tmp,
			strerror(errno));
		goto out_unlink;
	}
	sync_dir(tmp);
	ret = 0;
	goto out_free;

out_unlink:
	if (w.gz)
		gzclose_w(w.gz);
	if (w.fd >= 0)
		close(w.fd);
	unlink(tmp);
out_free:
	free(tmp);
	free(w.buf);
	free(order);
	return ret;
}
