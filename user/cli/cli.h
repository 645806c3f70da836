/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * edgesteer CLI: what every object file (link.c, pop.c, vip.c, ...) needs.
 *
 *   edgesteer [-j | -p] [--pin-path DIR] [-h] [-V] OBJECT COMMAND [ARGS]
 *
 * One file per object. Each has a command table whose first entry is the
 * default command (run when no command is given) and which always has
 * "help", a usage array (the one place its grammar is written down), and
 * an entry point do_OBJECT() that hands the table to cli_dispatch().
 * Commands and keywords match by unambiguous prefix.
 *
 * A command handler gets the words after its name and returns 0 or -1:
 *   - on failure it calls cli_err() once, with the first and most
 *     specific message; the core prints it after the handler returns,
 *     as "Error: msg" on stderr or {"error": "msg"} on stdout under -j,
 *     prefixed "FILE:LINE: " inside a batch. Under -j whatever the
 *     handler had written is taken back first, so the output stays one
 *     valid JSON value;
 *   - under -j it writes exactly one JSON value to ctx->jw, or nothing, in
 *     which case the core prints null;
 *   - with ctx->dry_run (first pass of a batch) it parses and checks
 *     everything it would check for real, references included, then
 *     returns without changing or printing anything. Names it would add
 *     or delete go to cli_pending_set(), so that later lines of the same
 *     batch see them.
 */
#ifndef ES_CLI_H
#define ES_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "args.h"
#include "json_writer.h"

struct es_state;

/* One per process. */
struct cli_ctx {
	bool json, pretty;		/* -j, -p (pretty implies json) */
	const char *pin_path;		/* --pin-path, $EDGESTEER_PIN_PATH, default */
	bool dry_run;			/* batch pass 1: check everything, change nothing */
	const char *batch_file;		/* inside a batch: for "FILE:LINE: " */
	int batch_line;
	struct es_state *st;		/* opened lazily by cli_state(), closed at exit */
	json_writer_t *jw;		/* NULL unless json */

	/* private to the core (main.c, batch.c) */
	bool st_private;		/* dry_run stand-in for state not pinned yet */
	bool err_reported;		/* a nested cli_run() printed the error */
	struct cli_pending pending;	/* dry_run: what earlier lines would change */
	char err[CLI_MSG_MAX];		/* first cli_err() of the running command */
};

typedef int (*cli_fn)(struct cli_ctx *ctx, int argc, char **argv);

struct cli_cmd {
	const char *name;
	cli_fn fn;
};

/* Longest command table cli_dispatch() takes (without the { 0 } end). */
#define CLI_MAX_CMDS	32

/*
 * Run the command argv[0] names in cmds (ended by { 0 }) with the words
 * after it; cmds[0] when argc is 0. object names the object in messages:
 *   unknown command 'x' for object 'pop'
 *   ambiguous command 'd': del, dump
 */
int cli_dispatch(struct cli_ctx *ctx, const struct cli_cmd *cmds, int argc, char **argv,
		 const char *object);

/* Record the error of the running command (the first one counts); -1. */
int cli_err(struct cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A parser's message about the argument of keyword what, which names the
 * text first in quotes: "invalid address '1.2.3': not an IPv4 or IPv6
 * address" becomes "invalid address '1.2.3' for tunnel: not ...". -1.
 */
int cli_err_for(struct cli_ctx *ctx, const char *msg, const char *what);

/* "Warning: msg" on stderr right away (not in dry_run: pass 2 warns). */
void cli_warn(struct cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- arguments ----------------------------------------------------------- */

/*
 * Index of the choice word selects (choices ends with NULL), else -1 after
 * cli_err(): "unknown encap 'x': expected ipip, gue" or
 * "ambiguous encap 'g': gue, generic". what names the slot: "encap",
 * "state", "keyword".
 */
int cli_keyword(struct cli_ctx *ctx, const char *word, const char *const *choices,
		const char *what);

/*
 * Bpftool-style helpers for the usual `int argc, char **argv` of a command
 * (and `ctx`); argv[-1] is always the word before, the command's own name
 * at the start.
 *
 *   NEXT_ARG()       consume one word
 *   GET_ARG("NAME")  the current word, consumed; NULL after cli_err()
 *                    "missing NAME after 'add'" when there is none
 *   REQ_ARGS(n, "ADDR")  true if n words remain, else false after the same
 *                    error
 *   END_ARGS()       true if no word remains, else false after cli_err()
 *                    "unexpected argument 'x'"
 *
 *	const char *name = GET_ARG("NAME");
 *	if (!name)
 *		return -1;
 */
#define NEXT_ARG()	({ argc--; argv++; })

#define REQ_ARGS(n, what) ({						\
	bool ___ok = argc >= (n);					\
	if (!___ok)							\
		cli_err(ctx, "missing %s after '%s'", (what), argv[-1]); \
	___ok;								\
})

#define GET_ARG(what) ({						\
	char *___arg = NULL;						\
	if (REQ_ARGS(1, what)) {					\
		___arg = *argv;						\
		NEXT_ARG();						\
	}								\
	___arg;								\
})

#define END_ARGS() ({							\
	bool ___end = argc == 0;					\
	if (!___end)							\
		cli_err(ctx, "unexpected argument '%s'", *argv);	\
	___end;								\
})

/* ---- state --------------------------------------------------------------- */

/*
 * The state under ctx->pin_path, opened on first use and kept until exit;
 * NULL after cli_err(). create says the caller is going to change state:
 * it is then loaded and pinned when nothing is pinned yet, and writers are
 * serialised (an exclusive lock held until exit, so a batch validates and
 * applies under one lock). Without create, nothing pinned is an error.
 *
 * In dry_run nothing is loaded or pinned: when nothing is pinned yet, the
 * caller gets an empty private instance to check against, replaced by the
 * real one for the second pass.
 */
struct es_state *cli_state(struct cli_ctx *ctx, bool create);

/* The end of a dry run (pass 1 of a batch or a configuration): forget the
 * pending records and drop the private stand-in state, so that pass 2
 * opens (or creates) the real one. */
void cli_dry_run_end(struct cli_ctx *ctx);

/* ---- batch validation ---------------------------------------------------- */

/*
 * Pass 1 of a batch changes nothing, so without help a line could not use
 * what an earlier line adds ("pop add A ..." then "prefix add ... pops A").
 * A command records what it would add or delete, by kind ("pop", "pop-id",
 * "vip", ...) and key (the canonical text: a name, a CIDR as printed), and
 * asks before trusting the state. Outside dry_run, set does nothing and
 * get returns CLI_PENDING_NONE, so commands call them unconditionally.
 */
int cli_pending_set(struct cli_ctx *ctx, const char *kind, const char *key,
		    enum cli_pending_state state);	/* 0, or -1 after cli_err() */
enum cli_pending_state cli_pending_get(const struct cli_ctx *ctx, const char *kind,
				       const char *key);
/* in_state (what the state says) overridden by what earlier lines did. */
bool cli_pending_exists(const struct cli_ctx *ctx, const char *kind, const char *key,
			bool in_state);

/* ---- usage --------------------------------------------------------------- */

/*
 * An object's usage array: NULL-terminated; each entry is one form of a
 * command, written after "edgesteer [OPTIONS] OBJECT " ("add NAME id ID
 * ..."), or a definition of a placeholder, recognised by " := " ("STATE :=
 * { up | drain | down }"). Forms come first, then definitions.
 * cli_usage() prints it bpftool-style (JSON: {"usage": [lines]}); the
 * top-level help summarises each object by the first words of its forms.
 */
int cli_usage(struct cli_ctx *ctx, const char *object, const char *const *usage);

extern const char *const link_usage[];
extern const char *const pop_usage[];
extern const char *const vip_usage[];
extern const char *const peer_usage[];
extern const char *const prefix_usage[];
extern const char *const stats_usage[];
extern const char *const flow_usage[];
extern const char *const config_usage[];
extern const char *const batch_usage[];

/* ---- objects ------------------------------------------------------------- */

int do_link(struct cli_ctx *ctx, int argc, char **argv);
int do_pop(struct cli_ctx *ctx, int argc, char **argv);
int do_vip(struct cli_ctx *ctx, int argc, char **argv);
int do_peer(struct cli_ctx *ctx, int argc, char **argv);
int do_prefix(struct cli_ctx *ctx, int argc, char **argv);
int do_stats(struct cli_ctx *ctx, int argc, char **argv);
int do_flow(struct cli_ctx *ctx, int argc, char **argv);
int do_config(struct cli_ctx *ctx, int argc, char **argv);
int do_batch(struct cli_ctx *ctx, int argc, char **argv);
int do_help(struct cli_ctx *ctx, int argc, char **argv);
int do_version(struct cli_ctx *ctx, int argc, char **argv);

/* ---- core (core.c), for main.c and batch.c ------------------------------- */

/*
 * Index of the name word selects in names[0..n), else -1 after cli_err():
 * "unknown command 'x' for object 'OBJECT'" (or "unknown object 'x'"
 * when object is NULL), "ambiguous command 'p': pop, peer, prefix".
 */
int cli_lookup(struct cli_ctx *ctx, const char *word, const char *const *names, size_t n,
	       const char *object);

/* Print the recorded error now, outside cli_run() (bad global options). */
void cli_report_error(struct cli_ctx *ctx, bool to_stderr);

/* main.c: argv[0] names the object, the rest goes to its do_OBJECT(). */
int cli_run_object(struct cli_ctx *ctx, int argc, char **argv);

/*
 * Run one command and report its outcome: under -j its output becomes one
 * value (null if it wrote none) or {"error": ...}; in plain mode a failure
 * prints "Error: ...". discard drops the output even on success (pass 1).
 * Returns 0 or -1.
 */
int cli_run(struct cli_ctx *ctx, cli_fn fn, int argc, char **argv, bool discard);

#endif /* ES_CLI_H */
