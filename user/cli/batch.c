// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * edgesteer batch file FILE: one command per line, in the grammar of the
 * command line without "edgesteer" and without options (-j, -p and
 * --pin-path given to the batch command apply to every line).
 *
 * A batch is validated whole before anything is applied: the file is read
 * and split first (so a syntax error anywhere stops it), then every line
 * runs with ctx->dry_run (each command checks its arguments and references
 * and changes nothing; cli_pending_set() lets later lines see what earlier
 * ones would add or delete), and only when all of them pass does every line
 * run for real. A failure there (the kernel refusing an update) stops the
 * batch; what ran before it stays applied and a warning says so.
 *
 * Under -j the output is one array with an element per line (null for a
 * line that prints nothing); a failure in the second pass is its last
 * element, {"error": "FILE:LINE: ..."}, and one in the first pass is the
 * whole output.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "state.h"

const char *const batch_usage[] = {
	"file FILE",
	"help",
	"FILE := { PATH | - }",
	NULL,
};

struct batch_line {
	int lineno;
	int argc;
	size_t first;		/* index of its first word in words[] */
};

/* Every word of the file, NUL-terminated, one after the other in text. */
struct batch {
	char *text;
	size_t text_len, text_cap;
	size_t *words;		/* offsets into text */
	size_t nwords, words_cap;
	struct batch_line *lines;
	size_t nlines, lines_cap;
};

static int grow(void *pp, size_t *cap, size_t need, size_t size)
{
	void **p = pp;
	size_t ncap = *cap ? *cap : 64;
	void *n;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*p, ncap * size);
	if (!n)
		return -ENOMEM;
	*p = n;
	*cap = ncap;
	return 0;
}

static void batch_free(struct batch *b)
{
	free(b->text);
	free(b->words);
	free(b->lines);
}

static int batch_add_line(struct batch *b, int lineno, char **argv, int argc)
{
	struct batch_line *l;
	int i;

	if (grow(&b->lines, &b->lines_cap, b->nlines + 1, sizeof(*b->lines)) ||
	    grow(&b->words, &b->words_cap, b->nwords + (size_t)argc, sizeof(*b->words)))
		return -ENOMEM;
	l = &b->lines[b->nlines++];
	l->lineno = lineno;
	l->argc = argc;
	l->first = b->nwords;
	for (i = 0; i < argc; i++) {
		size_t len = strlen(argv[i]) + 1;

		if (grow(&b->text, &b->text_cap, b->text_len + len, 1))
			return -ENOMEM;
		memcpy(b->text + b->text_len, argv[i], len);
		b->words[b->nwords++] = b->text_len;
		b->text_len += len;
	}
	return 0;
}

/* Read and split the whole file: syntax errors stop the batch here. */
static int batch_read(struct cli_ctx *ctx, FILE *f, struct batch *b)
{
	char line[CLI_LINE_BUF], msg[CLI_MSG_MAX];
	char *argv[CLI_LINE_ARGS_MAX + 1];
	int lineno, argc, ret;

	for (lineno = 1;; lineno++) {
		ctx->batch_line = lineno;
		ret = cli_read_line(f, line, msg, sizeof(msg));
		if (!ret)
			break;
		if (ret < 0 ||
		    cli_split_line(line, argv, CLI_LINE_ARGS_MAX, &argc, msg, sizeof(msg)))
			return cli_err(ctx, "%s", msg);
		if (!argc)
			continue;
		/* Options belong to the batch command; in a line they would
		 * read as if they applied to it alone. */
		if (argv[0][0] == '-' || cli_is_json_option(argv[argc - 1]))
			return cli_err(ctx, "option '%s' not allowed in a batch file: give it before 'batch'",
				       argv[0][0] == '-' ? argv[0] : argv[argc - 1]);
		if (batch_add_line(b, lineno, argv, argc))
			return cli_err(ctx, "out of memory");
	}
	ctx->batch_line = 0;
	return 0;
}

/*
 * Run line l. Its words are copied first: a command may write into its
 * arguments (splitting "A,B" in place), and pass 2 must see what pass 1 saw.
 */
static int batch_run_line(struct cli_ctx *ctx, const struct batch *b,
			  const struct batch_line *l, bool discard)
{
	char words[CLI_LINE_BUF];
	char *argv[CLI_LINE_ARGS_MAX + 1];
	size_t start = b->words[l->first];
	size_t end = l->first + (size_t)l->argc < b->nwords ?
		     b->words[l->first + (size_t)l->argc] : b->text_len;
	int i;

	/* a line's words are at most its bytes plus a NUL */
	memcpy(words, b->text + start, end - start);
	for (i = 0; i < l->argc; i++)
		argv[i] = words + (b->words[l->first + (size_t)i] - start);
	argv[l->argc] = NULL;
	ctx->batch_line = l->lineno;
	return cli_run(ctx, cli_run_object, l->argc, argv, discard);
}

static int batch_file(struct cli_ctx *ctx, int argc, char **argv)
{
	struct batch b = { 0 };
	const char *path;
	size_t i;
	FILE *f;
	int ret;

	path = GET_ARG("FILE");
	if (!path || !END_ARGS())
		return -1;
	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f)
		return cli_err(ctx, "cannot open '%s': %s", path, strerror(errno));

	ctx->batch_file = path;
	ret = batch_read(ctx, f, &b);
	if (f != stdin)
		fclose(f);
	if (ret)
		goto out;

	/* Pass 1: everything checked, nothing changed or printed. */
	ctx->dry_run = true;
	for (i = 0; i < b.nlines && !ret; i++)
		ret = batch_run_line(ctx, &b, &b.lines[i], true);
	cli_dry_run_end(ctx);
	if (ret)
		goto out;

	/* Pass 2: for real. */
	if (ctx->jw)
		jsonw_start_array(ctx->jw);
	for (i = 0; i < b.nlines && !ret; i++)
		ret = batch_run_line(ctx, &b, &b.lines[i], false);
	if (ctx->jw)
		jsonw_end_array(ctx->jw);
	if (ret && i > 1)
		cli_warn(ctx, "the %zu command%s before this line %s applied", i - 1,
			 i > 2 ? "s" : "", i > 2 ? "were" : "was");
out:
	ctx->batch_file = NULL;
	ctx->batch_line = 0;
	batch_free(&b);
	return ret;
}

static int batch_help(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_usage(ctx, "batch", batch_usage);
}

static const struct cli_cmd batch_cmds[] = {
	{ "file",	batch_file },
	{ "help",	batch_help },
	{ 0 }
};

int do_batch(struct cli_ctx *ctx, int argc, char **argv)
{
	if (ctx->batch_file)
		return cli_err(ctx, "'batch' cannot be used in a batch file");
	return cli_dispatch(ctx, batch_cmds, argc, argv, "batch");
}

/* ---- what earlier lines of a batch would change -------------------------- */

int cli_pending_set(struct cli_ctx *ctx, const char *kind, const char *key,
		    enum cli_pending_state state)
{
	if (!ctx->dry_run)
		return 0;
	if (cli_pending_put(&ctx->pending, kind, key, state))
		return cli_err(ctx, "out of memory");
	return 0;
}

enum cli_pending_state cli_pending_get(const struct cli_ctx *ctx, const char *kind,
				       const char *key)
{
	if (!ctx->dry_run)
		return CLI_PENDING_NONE;
	return cli_pending_lookup(&ctx->pending, kind, key);
}

bool cli_pending_exists(const struct cli_ctx *ctx, const char *kind, const char *key,
			bool in_state)
{
	switch (cli_pending_get(ctx, kind, key)) {
	case CLI_PENDING_ADDED:
		return true;
	case CLI_PENDING_DELETED:
		return false;
	default:
		return in_state;
	}
}
