// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * CLI argument handling without CLI state: the contract is in args.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "parse.h"

/* ---- prefix matching ----------------------------------------------------- */

bool cli_is_prefix(const char *word, const char *full)
{
	size_t n = strlen(word);

	/* An empty word ("" from quotes) must not select the first entry. */
	return n && !strncmp(word, full, n);
}

int cli_match(const char *word, const char *const *names, size_t n,
	      char *cand, size_t candlen)
{
	size_t i, used = 0, matches = 0;
	int found = -ENOENT;

	for (i = 0; i < n; i++)
		if (!strcmp(word, names[i]))
			return (int)i;
	for (i = 0; i < n; i++) {
		if (!cli_is_prefix(word, names[i]))
			continue;
		if (!matches++)
			found = (int)i;
	}
	if (matches <= 1)
		return found;

	if (cand && candlen) {
		cand[0] = 0;
		for (i = 0; i < n; i++) {
			int k;

			if (!cli_is_prefix(word, names[i]))
				continue;
			k = snprintf(cand + used, candlen - used, "%s%s",
				     used ? ", " : "", names[i]);
			if (k < 0 || (size_t)k >= candlen - used) {
				/* no half names: the first ones, whole */
				cand[used] = 0;
				break;
			}
			used += (size_t)k;
		}
	}
	return -EINVAL;
}

/* ---- global options ------------------------------------------------------ */

bool cli_is_json_option(const char *word)
{
	return !strcmp(word, "-j") || !strcmp(word, "--json") ||
	       !strcmp(word, "-p") || !strcmp(word, "--pretty");
}

static void set_json(struct cli_options *o, const char *word)
{
	o->json = true;
	if (!strcmp(word, "-p") || !strcmp(word, "--pretty"))
		o->pretty = true;
}

int cli_parse_options(int argc, char **argv, struct cli_options *o,
		      char *err, size_t errlen)
{
	static const char pin_opt[] = "--pin-path";
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || !a[1])
			break;
		if (!strcmp(a, "--"))
			return i + 1;
		if (a[1] != '-') {
			for (const char *c = a + 1; *c; c++) {
				switch (*c) {
				case 'j':
					o->json = true;
					break;
				case 'p':
					o->json = o->pretty = true;
					break;
				case 'h':
					o->help = true;
					break;
				case 'V':
					o->version = true;
					break;
				default:
					es_set_err(err, errlen, "unknown option '-%c'", *c);
					return -EINVAL;
				}
			}
		} else if (cli_is_json_option(a)) {
			set_json(o, a);
		} else if (!strcmp(a, "--help")) {
			o->help = true;
		} else if (!strcmp(a, "--version")) {
			o->version = true;
		} else if (!strncmp(a, pin_opt, sizeof(pin_opt) - 1) &&
			   (a[sizeof(pin_opt) - 1] == '=' || !a[sizeof(pin_opt) - 1])) {
			const char *dir;

			if (a[sizeof(pin_opt) - 1] == '=') {
				dir = a + sizeof(pin_opt);
			} else if (i + 1 < argc) {
				dir = argv[++i];
			} else {
				es_set_err(err, errlen, "missing DIR after '%s'", pin_opt);
				return -EINVAL;
			}
			if (!*dir) {
				es_set_err(err, errlen, "empty DIR after '%s'", pin_opt);
				return -EINVAL;
			}
			o->pin_path = dir;
		} else {
			es_set_err(err, errlen, "unknown option '%s'", a);
			return -EINVAL;
		}
	}
	return i;
}

int cli_strip_trailing_json(int argc, char **argv, int keep, struct cli_options *o)
{
	while (argc > keep && cli_is_json_option(argv[argc - 1])) {
		set_json(o, argv[argc - 1]);
		argc--;
	}
	return argc;
}

/* ---- batch lines --------------------------------------------------------- */

int cli_read_line(FILE *f, char *buf, char *err, size_t errlen)
{
	size_t len = 0;
	bool any = false, too_long = false;
	int c;

	errno = 0;
	while ((c = getc_unlocked(f)) != EOF) {
		any = true;
		if (c == '\n')
			break;
		if (!c) {
			es_set_err(err, errlen, "NUL byte at column %zu", len + 1);
			return -EINVAL;
		}
		/* one byte beyond the limit: room for a CRLF's '\r' */
		if (len == CLI_LINE_MAX + 1) {
			too_long = true;
			break;
		}
		buf[len++] = (char)c;
	}
	if (ferror(f)) {
		int e = errno ? errno : EIO;

		es_set_err(err, errlen, "read error: %s", strerror(e));
		return -e;
	}
	if (!any)
		return 0;
	/* CRLF files: the '\r' belongs to the line ending, not the last word */
	if (!too_long && len && buf[len - 1] == '\r')
		len--;
	if (too_long || len > CLI_LINE_MAX) {
		es_set_err(err, errlen, "line longer than %d bytes", CLI_LINE_MAX);
		return -E2BIG;
	}
	buf[len] = 0;
	return 1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int cli_split_line(char *line, char **argv, int max, int *argc,
		   char *err, size_t errlen)
{
	/* Words shrink as quotes and backslashes go, so each is written
	 * back over the text it came from: w never passes r. */
	char *r = line, *w = line;
	int n = 0;

	for (;;) {
		char end;

		while (is_blank(*r))
			r++;
		if (!*r || *r == '#')
			break;
		if (n == max) {
			es_set_err(err, errlen, "more than %d arguments", max);
			return -E2BIG;
		}
		argv[n++] = w;

		while (*r && !is_blank(*r) && *r != '#') {
			char q = *r;

			if (q == '\'' || q == '"') {
				size_t col = (size_t)(r - line) + 1;

				r++;
				while (*r && *r != q) {
					if (q == '"' && *r == '\\' && r[1])
						r++;
					*w++ = *r++;
				}
				if (!*r) {
					es_set_err(err, errlen,
						"unterminated %s quote at column %zu",
						q == '"' ? "double" : "single", col);
					return -EINVAL;
				}
				r++;
			} else if (q == '\\') {
				if (!r[1]) {
					es_set_err(err, errlen,
						"backslash at end of line (column %zu)",
						(size_t)(r - line) + 1);
					return -EINVAL;
				}
				r++;
				*w++ = *r++;
			} else {
				*w++ = *r++;
			}
		}
		/* w may sit on the separator r is looking at: keep it first */
		end = *r;
		*w++ = 0;
		if (!end || end == '#')
			break;
		r++;
	}
	argv[n] = NULL;
	*argc = n;
	return 0;
}

/* ---- names a batch would add or delete ----------------------------------- */

struct cli_pending_entry {
	char *key;		/* kind, NUL, key, NUL; NULL: free slot */
	enum cli_pending_state state;
};

/* FNV-1a over kind, a NUL, key: the NUL keeps ("ab","c") from ("a","bc"). */
static uint64_t pending_hash(const char *kind, const char *key)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const unsigned char *s;

	for (s = (const unsigned char *)kind; *s; s++)
		h = (h ^ *s) * 0x100000001b3ull;
	h *= 0x100000001b3ull;
	for (s = (const unsigned char *)key; *s; s++)
		h = (h ^ *s) * 0x100000001b3ull;
	return h;
}

static bool pending_same(const char *stored, const char *kind, const char *key)
{
	/* strcmp, not memcmp: stored may be shorter than kind */
	return !strcmp(stored, kind) && !strcmp(stored + strlen(stored) + 1, key);
}

/* The slot holding (kind, key), or the free slot where it would go. */
static struct cli_pending_entry *pending_slot(struct cli_pending_entry *slots, size_t cap,
					      const char *kind, const char *key)
{
	size_t i = (size_t)pending_hash(kind, key) & (cap - 1);

	while (slots[i].key && !pending_same(slots[i].key, kind, key))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int pending_grow(struct cli_pending *p)
{
	size_t cap = p->cap ? p->cap * 2 : 64, i;
	struct cli_pending_entry *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < p->cap; i++) {
		const char *k = p->slots[i].key;

		if (k)
			*pending_slot(slots, cap, k, k + strlen(k) + 1) = p->slots[i];
	}
	free(p->slots);
	p->slots = slots;
	p->cap = cap;
	return 0;
}

int cli_pending_put(struct cli_pending *p, const char *kind, const char *key,
		    enum cli_pending_state state)
{
	struct cli_pending_entry *e;
	size_t klen, len;

	/* load factor at most 1/2: probes stay short, a free slot exists */
	if ((p->n + 1) * 2 > p->cap && pending_grow(p))
		return -ENOMEM;
	e = pending_slot(p->slots, p->cap, kind, key);
	if (!e->key) {
		klen = strlen(kind);
		len = strlen(key);
		e->key = malloc(klen + len + 2);
		if (!e->key)
			return -ENOMEM;
		memcpy(e->key, kind, klen + 1);
		memcpy(e->key + klen + 1, key, len + 1);
		p->n++;
	}
	e->state = state;
	return 0;
}

enum cli_pending_state cli_pending_lookup(const struct cli_pending *p,
					  const char *kind, const char *key)
{
	const struct cli_pending_entry *e;

	if (!p->cap)
		return CLI_PENDING_NONE;
	e = pending_slot(p->slots, p->cap, kind, key);
	return e->key ? e->state : CLI_PENDING_NONE;
}

void cli_pending_free(struct cli_pending *p)
{
	size_t i;

	for (i = 0; i < p->cap; i++)
		free(p->slots[i].key);
	free(p->slots);
	p->slots = NULL;
	p->cap = p->n = 0;
}
