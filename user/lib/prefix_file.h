/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Prefix table files: which POPs serve which client prefixes.
 *
 * One entry per line:
 *   CIDR NAME[,NAME...]	steer to the first usable POP, in this order
 *   CIDR local		serve here
 *   CIDR drop		drop
 * - CIDR as es_parse_cidr() takes it (host bits clear; a bare address is a
 *   host route); NAME as es_parse_name() takes it; 1..ES_MAX_CANDIDATES
 *   names, comma-separated without spaces, none twice.
 * - Fields are separated by spaces or tabs; '#' starts a comment anywhere
 *   (it cannot occur in a CIDR or a name); blank lines are ignored; CRLF
 *   line endings and a UTF-8 byte order mark on line 1 are tolerated.
 * - A prefix (address and length) appears at most once per file.
 * - Files may be gzip-compressed; readers detect it by the magic bytes,
 *   not the file name.
 *
 * Readers validate the whole file before returning anything, so a caller
 * applies all of it or none of it.
 */
#ifndef ES_USER_PREFIX_FILE_H
#define ES_USER_PREFIX_FILE_H

#include <stddef.h>
#include <linux/types.h>
#include "edgesteer.h"

/* Longest line a reader accepts, comments included (without the newline). */
#define ES_PREFIX_LINE_MAX	4096
/* Distinct POP names one list can hold: pop_name_idx is a __u16. */
#define ES_PREFIX_NAMES_MAX	65535

/* One parsed line, names as text: what es_prefix_line_parse() fills. */
struct es_prefix_line {
	struct es_addr addr;	/* network order, host bits clear */
	__u8 family;		/* ES_AF_INET / ES_AF_INET6 */
	__u8 len;
	__u8 action;		/* ES_ACTION_*; ES_ACTION_NONE: blank line */
	__u8 npops;		/* ES_ACTION_POPS: 1..ES_MAX_CANDIDATES */
	char pops[ES_MAX_CANDIDATES][ES_POP_NAME_LEN];
};

/* One entry of a list; POP names are interned in the list's name table. */
struct es_prefix_entry {
	struct es_addr addr;	/* network order, host bits clear */
	__u8 family;		/* ES_AF_INET / ES_AF_INET6 */
	__u8 len;
	__u8 action;		/* ES_ACTION_POPS / _LOCAL / _DROP */
	__u8 npops;		/* ES_ACTION_POPS: 1..ES_MAX_CANDIDATES */
	__u16 pop_name_idx[ES_MAX_CANDIDATES];	/* into names[], in order */
	__u32 line;		/* line in the file read, 0: not from a file */
};

/*
 * A zeroed struct is an empty list. names[] holds each distinct POP name
 * once, in order of first use, so a caller resolves nnames names to POP
 * ids once and then maps every entry through an array.
 */
struct es_prefix_list {
	struct es_prefix_entry *v;
	size_t n, cap;
	char (*names)[ES_POP_NAME_LEN];
	size_t nnames, names_cap;
	/* private: open-addressing index of names[], slots hold idx + 1 */
	__u32 *name_slots;
	size_t name_slots_cap;
};

/*
 * Parse the target field: "NAME[,NAME...]", "local" or "drop". Also what
 * the CLI's `prefix add CIDR TARGET` uses. Fills action/npops/pops only.
 */
int es_prefix_target_parse(const char *s, struct es_prefix_line *spec,
			   char *err, size_t errlen);

/*
 * Parse one line (NUL-terminated, without its newline; a trailing '\r' is
 * ignored). A blank or comment-only line returns 0 with
 * spec->action == ES_ACTION_NONE. Errors are -EINVAL without "file:line".
 */
int es_prefix_line_parse(const char *line, struct es_prefix_line *spec,
			 char *err, size_t errlen);

/*
 * Append spec (which must be a valid entry, as es_prefix_line_parse
 * returns it) with its names interned; line is recorded in the entry. Does
 * not look for duplicates. 0, -ENOMEM, or -E2BIG past ES_PREFIX_NAMES_MAX
 * distinct names.
 */
int es_prefix_list_add(struct es_prefix_list *l,
		       const struct es_prefix_line *spec, __u32 line,
		       char *err, size_t errlen);

/* Index of name in l->names, or -ENOENT. */
int es_prefix_list_name_idx(const struct es_prefix_list *l, const char *name);

/* Free everything and leave an empty list. Accepts NULL. */
void es_prefix_list_free(struct es_prefix_list *l);

/*
 * Read path (plain or gzip; a regular file or a pipe) entirely. *out is
 * overwritten, never read: it holds the list on success and is empty on
 * failure. Errors name the place, "PATH:LINE: message" or "PATH: message":
 *   -EINVAL  a bad line, a duplicate prefix (naming both lines), a line
 *            longer than ES_PREFIX_LINE_MAX, a NUL byte
 *   -E2BIG   more than ES_PREFIX_NAMES_MAX distinct POP names
 *   -EIO     gzip data that is corrupt, truncated, or followed by anything
 *            but another gzip member (reported in preference to a bad
 *            line: corrupt data may inflate to garbage before the CRC)
 *   -errno   open or read failures; -ENOMEM
 * An empty file (or an empty gzip stream) is an empty list.
 */
int es_prefix_file_read(const char *path, struct es_prefix_list *out,
			char *err, size_t errlen);

/*
 * Sort canonically: IPv4 before IPv6, then by address, then by length.
 * Every line's bytes depend only on the entry, so two lists holding the
 * same entries write identical files.
 */
void es_prefix_list_sort(struct es_prefix_list *l);

/*
 * Write l to path in canonical order (l itself is not reordered), one
 * "CIDR TARGET\n" per entry, no comments; gzip-compressed when path ends in
 * ".gz". Atomic: a temporary file in the same directory is written,
 * fsync'ed and renamed over path (a symlink at path is replaced, not
 * followed). A new file gets mode 0644, an existing one keeps its mode.
 * 0, -EINVAL for an entry that cannot be written, or -errno.
 */
int es_prefix_file_write(const char *path, const struct es_prefix_list *l,
			 char *err, size_t errlen);

#endif /* ES_USER_PREFIX_FILE_H */
