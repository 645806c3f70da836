/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The CLI's argument handling that needs no CLI state, kept apart so that
 * unit tests can exercise it alone: prefix matching of commands and
 * keywords, global options, reading and splitting batch file lines, and
 * the set of names a batch would add or delete (see cli_pending_set() in
 * cli.h).
 *
 * Functions that can fail return 0 (or a count/index) or a negative errno,
 * and write a message for the user to err in bpftool style: lowercase,
 * no trailing period, quoting what the user typed.
 */
#ifndef ES_CLI_ARGS_H
#define ES_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Longest batch line in bytes, without its newline. */
#define CLI_LINE_MAX		4096
/* Words in a line of CLI_LINE_MAX bytes: one byte and one separator each. */
#define CLI_LINE_ARGS_MAX	(CLI_LINE_MAX / 2 + 1)
/* Room for any message of this file or of cli_err(). */
#define CLI_MSG_MAX		1024

/* ---- prefix matching ----------------------------------------------------- */

/* word is a non-empty prefix of full ("pr" of "prefix", "prefix" too). */
bool cli_is_prefix(const char *word, const char *full);

/*
 * Index of the one name in names[0..n) that word selects: a name equal to
 * word wins outright (so a command may be a prefix of another), else the
 * only name word is a prefix of. -ENOENT when none matches; -EINVAL when
 * several do, with their names in table order written to cand as
 * "pop, peer, prefix" (cand may be NULL).
 */
int cli_match(const char *word, const char *const *names, size_t n,
	      char *cand, size_t candlen);

/* ---- global options ------------------------------------------------------ */

struct cli_options {
	bool json;		/* -j, --json; also set by -p */
	bool pretty;		/* -p, --pretty */
	bool help;		/* -h, --help */
	bool version;		/* -V, --version */
	const char *pin_path;	/* --pin-path DIR, --pin-path=DIR; NULL if absent */
};

/*
 * Parse the options in argv[1..argc) up to the first word that is not one
 * ("--" ends them explicitly; "-" alone is a word). Short options combine
 * ("-jV"). Returns the index of the first word after the options, or
 * -EINVAL for an unknown option or a missing or empty DIR.
 */
int cli_parse_options(int argc, char **argv, struct cli_options *o,
		      char *err, size_t errlen);

/*
 * Users append -j to a command line they already typed ("prefix lookup
 * ADDR -j"): take -j, -p, --json and --pretty off the end of argv[0..argc),
 * never touching argv[0..keep), and return the new argc.
 */
int cli_strip_trailing_json(int argc, char **argv, int keep, struct cli_options *o);

/* True for the four spellings cli_strip_trailing_json() takes. */
bool cli_is_json_option(const char *word);

/* ---- batch lines --------------------------------------------------------- */

/* Buffer for cli_read_line(): the line, a CRLF's '\r', the NUL. */
#define CLI_LINE_BUF		(CLI_LINE_MAX + 2)

/*
 * Read one line of f into buf (CLI_LINE_BUF bytes): the newline and a
 * '\r' before it are dropped, a last line without a newline counts.
 * Returns 1 for a line, 0 at end of file, -E2BIG for a line longer than
 * CLI_LINE_MAX, -EINVAL for a NUL byte (the line could not be handled as a
 * string), -EIO (or -errno) when reading fails.
 */
int cli_read_line(FILE *f, char *buf, char *err, size_t errlen);

/*
 * Split line into words in place, like a shell without expansions:
 *   - words are separated by spaces and tabs;
 *   - '#' outside quotes starts a comment that runs to the end of the line;
 *   - '...' takes everything up to the next ' literally;
 *   - "..." does the same, except that a backslash takes the next
 *     character literally (\" and \\);
 *   - outside quotes a backslash takes the next character literally;
 *   - quoted and unquoted parts next to each other form one word, and ""
 *     alone is an empty word.
 * Stores at most max word pointers (into line) in argv, followed by NULL
 * (so argv needs max + 1 slots), and their number in *argc. Errors, naming
 * the 1-based byte column: -EINVAL for an unterminated quote (the column of
 * the opening quote) or a backslash ending the line, -E2BIG beyond max.
 */
int cli_split_line(char *line, char **argv, int max, int *argc,
		   char *err, size_t errlen);

/* ---- names a batch would add or delete ----------------------------------- */

enum cli_pending_state {
	CLI_PENDING_NONE = 0,	/* not touched by the batch so far */
	CLI_PENDING_ADDED,
	CLI_PENDING_DELETED,
};

struct cli_pending_entry;

/* A set of (kind, key) -> state; a zeroed struct is empty. */
struct cli_pending {
	struct cli_pending_entry *slots;
	size_t cap, n;
};

/* Record a state (the last one wins). 0 or -ENOMEM. */
int cli_pending_put(struct cli_pending *p, const char *kind, const char *key,
		    enum cli_pending_state state);
enum cli_pending_state cli_pending_lookup(const struct cli_pending *p,
					  const char *kind, const char *key);
/* Free everything and leave an empty set. */
void cli_pending_free(struct cli_pending *p);

#endif /* ES_CLI_ARGS_H */
