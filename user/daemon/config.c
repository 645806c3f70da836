// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Loading the configuration file: the two passes of `edgesteer batch`,
 * with the daemon's directives interleaved.
 *
 * Pass 1 runs every line with the CLI's dry run (each command checks its
 * arguments and references, cli_pending_set() lets later lines see what
 * earlier ones would add) and parses every directive into a fresh
 * struct esd_config. Only when the whole file passes does pass 2 run the
 * state lines for real. Both passes hold the state's write lock, taken
 * once for the load and released when it ends (the CLI must not wait on
 * the daemon longer than one load).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "state.h"

struct cfg_line {
	int lineno;
	bool directive;
	bool skip;		/* state line already in force */
	char *text;		/* the line as read, split afresh for each pass */
};

struct cfg_file {
	struct cfg_line *lines;
	size_t n, cap;
};

static void file_free(struct cfg_file *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->lines[i].text);
	free(f->lines);
}

/* Split a copy of l's text into words; argv points into buf. */
static int line_words(struct cli_ctx *ctx, const struct cfg_line *l, char *buf, char **argv,
		      int *argc)
{
	char msg[CLI_MSG_MAX];

	strcpy(buf, l->text);
	if (cli_split_line(buf, argv, CLI_LINE_ARGS_MAX, argc, msg, sizeof(msg)))
		return cli_err(ctx, "%s", msg);
	return 0;
}

/* Read the file whole: a line too long or unreadable stops the load here. */
static int file_read(struct cli_ctx *ctx, const char *path, struct cfg_file *cf)
{
	char line[CLI_LINE_BUF], words[CLI_LINE_BUF], msg[CLI_MSG_MAX];
	char *argv[CLI_LINE_ARGS_MAX + 1];
	int lineno, argc, ret = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return cli_err(ctx, "cannot open: %s", strerror(errno));
	for (lineno = 1;; lineno++) {
		struct cfg_line *l;

		ctx->batch_line = lineno;
		ret = cli_read_line(f, line, msg, sizeof(msg));
		if (!ret)
			break;
		if (ret < 0) {
			ret = cli_err(ctx, "%s", msg);
			break;
		}
		strcpy(words, line);
		if (cli_split_line(words, argv, CLI_LINE_ARGS_MAX, &argc, msg, sizeof(msg))) {
			ret = cli_err(ctx, "%s", msg);
			break;
		}
		if (!argc)
			continue;
		if (argv[0][0] == '-') {
			ret = cli_err(ctx, "option '%s' not allowed in a configuration file",
				      argv[0]);
			break;
		}
		if (cf->n == cf->cap) {
			size_t ncap = cf->cap ? cf->cap * 2 : 64;
			struct cfg_line *nl = realloc(cf->lines, ncap * sizeof(*nl));

			if (!nl) {
				ret = cli_err(ctx, "out of memory");
				break;
			}
			cf->lines = nl;
			cf->cap = ncap;
		}
		l = &cf->lines[cf->n];
		l->lineno = lineno;
		l->directive = esd_is_directive(argv[0]);
		l->skip = false;
		l->text = strdup(line);
		if (!l->text) {
			ret = cli_err(ctx, "out of memory");
			break;
		}
		cf->n++;
	}
	fclose(f);
	ctx->batch_line = 0;
	return ret < 0 ? -1 : 0;
}

/* Pass 1: everything checked, nothing changed. */
static int pass_check(struct cli_ctx *ctx, struct cfg_file *cf, struct esd_config *cfg)
{
	char buf[CLI_LINE_BUF];
	char *argv[CLI_LINE_ARGS_MAX + 1];
	int argc, rc = 0;

	ctx->dry_run = true;
	for (size_t i = 0; i < cf->n && !rc; i++) {
		struct cfg_line *l = &cf->lines[i];

		ctx->batch_line = l->lineno;
		ctx->err[0] = 0;
		if (line_words(ctx, l, buf, argv, &argc))
			rc = -1;
		else if (l->directive)
			rc = esd_directive(ctx, cfg, argc, argv);
		else if (esd_state_line(ctx, argc, argv, &l->skip))
			rc = -1;
		else if (!l->skip)
			rc = cli_run_object(ctx, argc, argv);
		if (ctx->err[0])
			rc = -1;	/* a message and success would hide it */
	}
	cli_dry_run_end(ctx);
	return rc;
}

/* Pass 2: the state lines for real. */
static int pass_apply(struct cli_ctx *ctx, const struct cfg_file *cf)
{
	char buf[CLI_LINE_BUF];
	char *argv[CLI_LINE_ARGS_MAX + 1];
	size_t applied = 0;
	int argc;

	for (size_t i = 0; i < cf->n; i++) {
		const struct cfg_line *l = &cf->lines[i];
		size_t len;

		if (l->directive || l->skip)
			continue;
		ctx->batch_line = l->lineno;
		ctx->err[0] = 0;
		if (line_words(ctx, l, buf, argv, &argc) || cli_run_object(ctx, argc, argv) ||
		    ctx->err[0]) {
			len = strlen(ctx->err);
			if (applied && len < sizeof(ctx->err))
				snprintf(ctx->err + len, sizeof(ctx->err) - len,
					 " (the %zu line%s before it %s applied)", applied,
					 applied > 1 ? "s" : "", applied > 1 ? "were" : "was");
			return -1;
		}
		applied++;
	}
	return 0;
}

int esd_config_load(const char *path, const char *pin_path, bool check_only,
		    struct esd_config *cfg, char *err, size_t errlen)
{
	struct cli_ctx ctx = { 0 };
	struct cfg_file cf = { 0 };
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	/* what `policy` leaves out: the latency store's defaults */
	cfg->min_gain_ms = 5;
	cfg->min_gain_pct = 10;
	cfg->hold_down_s = 60;
	ctx.pin_path = pin_path;
	ctx.batch_file = path;

	rc = file_read(&ctx, path, &cf);
	if (!rc)
		rc = pass_check(&ctx, &cf, cfg);
	if (!rc && !check_only)
		rc = pass_apply(&ctx, &cf);
	if (rc) {
		snprintf(err, errlen, "%s", ctx.err[0] ? ctx.err : "failed without a message");
		esd_config_free(cfg);
	}
	/* releases the write lock taken by the first command */
	es_state_close(ctx.st);
	cli_pending_free(&ctx.pending);
	file_free(&cf);
	return rc ? -1 : 0;
}

void esd_config_free(struct esd_config *cfg)
{
	free(cfg->probes);
	cfg->probes = NULL;
	cfg->nprobes = 0;
}
