// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The core every command runs through: matching words to commands and
 * keywords, recording and reporting errors, the JSON discipline (one valid
 * value per command, null when it printed nothing, {"error": ...} in place
 * of a failed command's output) and the lazily opened state.
 *
 * Kept apart from main.c (options, object table, help) so that unit tests
 * can run commands through it with objects of their own.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "parse.h"
#include "state.h"

/* ---- errors -------------------------------------------------------------- */

int cli_err(struct cli_ctx *ctx, const char *fmt, ...)
{
	size_t n = 0;
	va_list ap;

	/* The first message is the most specific one: a caller that adds its
	 * own after a helper failed must not hide the helper's. */
	if (ctx->err[0])
		return -1;
	if (ctx->batch_file)
		n = (size_t)snprintf(ctx->err, sizeof(ctx->err),
				     ctx->batch_line ? "%s:%d: " : "%s: ",
				     ctx->batch_file, ctx->batch_line);
	if (n >= sizeof(ctx->err))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(ctx->err + n, sizeof(ctx->err) - n, fmt, ap);
	va_end(ap);
	return -1;
}

void cli_warn(struct cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->dry_run)
		return;
	fputs("Warning: ", stderr);
	if (ctx->batch_file)
		fprintf(stderr, ctx->batch_line ? "%s:%d: " : "%s: ",
			ctx->batch_file, ctx->batch_line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_report_error(struct cli_ctx *ctx, bool to_stderr)
{
	const char *msg = ctx->err[0] ? ctx->err :
			  "internal error: command failed without a message";

	if (ctx->jw && !to_stderr) {
		jsonw_start_object(ctx->jw);
		jsonw_string_field(ctx->jw, "error", msg);
		jsonw_end_object(ctx->jw);
	} else {
		fprintf(stderr, "Error: %s\n", msg);
	}
	ctx->err_reported = true;
}

int cli_run(struct cli_ctx *ctx, cli_fn fn, int argc, char **argv, bool discard)
{
	json_writer_t *jw = ctx->jw;
	bool to_stderr = false;
	int rc;

	ctx->err[0] = 0;
	ctx->err_reported = false;
	if (jw && jsonw_mark(jw)) {
		cli_err(ctx, "internal error: commands nested too deep");
		cli_report_error(ctx, true);
		return -1;
	}

	rc = fn(ctx, argc, argv) ? -1 : 0;

	if (ctx->err_reported) {
		/* a batch line failed and was reported in place */
		if (jw)
			jsonw_commit(jw);
		return -1;
	}
	if (ctx->err[0])
		rc = -1;	/* cli_err() and then success would hide it */
	if (!rc && jw) {
		if (jsonw_misuse(jw))
			rc = cli_err(ctx, "internal error: invalid JSON output (%s)",
				     jsonw_misuse(jw));
		else if (jsonw_values_since_mark(jw) > 1)
			rc = cli_err(ctx, "internal error: more than one JSON value");
	}

	if (!rc) {
		if (!jw)
			return 0;
		if (discard) {
			jsonw_rollback(jw);
		} else {
			if (!jsonw_values_since_mark(jw))
				jsonw_null(jw);
			jsonw_commit(jw);
		}
		return 0;
	}

	/* Take back the partial output. When it was too large to hold and
	 * went out already, it has been completed instead; at the top level
	 * there is then no room for a second value and stderr must do. */
	if (jw && jsonw_rollback(jw) == -EALREADY && !jsonw_depth(jw))
		to_stderr = true;
	cli_report_error(ctx, to_stderr);
	return -1;
}

/* ---- matching ------------------------------------------------------------ */

/* A word the user typed, made safe to print in a message. */
static const char *quote(const char *word, char *buf, size_t len)
{
	return es_quote(word, strlen(word), buf, len);
}

int cli_lookup(struct cli_ctx *ctx, const char *word, const char *const *names, size_t n,
	       const char *object)
{
	char cand[CLI_MSG_MAX], q[ES_QUOTE_BUFLEN];
	int ret;

	ret = cli_match(word, names, n, cand, sizeof(cand));
	if (ret >= 0)
		return ret;
	quote(word, q, sizeof(q));
	if (ret == -EINVAL)
		return cli_err(ctx, "ambiguous command '%s': %s", q, cand);
	if (object)
		return cli_err(ctx, "unknown command '%s' for object '%s'", q, object);
	return cli_err(ctx, "unknown object '%s'", q);
}

int cli_dispatch(struct cli_ctx *ctx, const struct cli_cmd *cmds, int argc, char **argv,
		 const char *object)
{
	const char *names[CLI_MAX_CMDS];
	size_t n;
	int ret;

	for (n = 0; cmds[n].name; n++) {
		if (n == CLI_MAX_CMDS)
			return cli_err(ctx, "internal error: object '%s' has too many commands",
				       object);
		names[n] = cmds[n].name;
	}
	if (!argc)
		return cmds[0].fn(ctx, 0, argv);
	ret = cli_lookup(ctx, argv[0], names, n, object);
	if (ret < 0)
		return -1;
	return cmds[ret].fn(ctx, argc - 1, argv + 1);
}

int cli_keyword(struct cli_ctx *ctx, const char *word, const char *const *choices,
		const char *what)
{
	char list[CLI_MSG_MAX], q[ES_QUOTE_BUFLEN];
	size_t n, i, used = 0;
	int ret;

	for (n = 0; choices[n]; n++)
		;
	ret = cli_match(word, choices, n, list, sizeof(list));
	if (ret >= 0)
		return ret;
	quote(word, q, sizeof(q));
	if (ret == -EINVAL)
		return cli_err(ctx, "ambiguous %s '%s': %s", what, q, list);

	/* "a", "a or b", "a, b or c" */
	list[0] = 0;
	for (i = 0; i < n; i++) {
		const char *sep = !i ? "" : i == n - 1 ? " or " : ", ";
		int k = snprintf(list + used, sizeof(list) - used, "%s%s", sep, choices[i]);

		if (k < 0 || (size_t)k >= sizeof(list) - used) {
			list[used] = 0;
			break;
		}
		used += (size_t)k;
	}
	return cli_err(ctx, "unknown %s '%s': expected %s", what, q, list);
}

/* ---- state --------------------------------------------------------------- */

struct es_state *cli_state(struct cli_ctx *ctx, bool create)
{
	int err;

	if (!ctx->st) {
		/* dry_run must not pin anything: ask for what is there only */
		unsigned int flags = create && !ctx->dry_run ? ES_OPEN_CREATE : 0;

		err = es_state_open(&ctx->st, ctx->pin_path, flags, NULL);
		if (err == -ENOENT && create && ctx->dry_run) {
			/* Nothing pinned yet: validate against an empty
			 * instance that lives only in this process. */
			err = es_state_load(&ctx->st, NULL, NULL);
			if (!err)
				ctx->st_private = true;
		}
		if (err == -ENOENT) {
			cli_err(ctx, "no edgesteer state under '%s'", ctx->pin_path);
			return NULL;
		}
		if (err) {
			ctx->st = NULL;
			cli_err(ctx, "cannot open state under '%s': %s", ctx->pin_path,
				strerror(-err));
			return NULL;
		}
	}
	if (create && !ctx->st_private) {
		err = es_state_lock(ctx->st);
		if (err) {
			cli_err(ctx, "cannot lock '%s': %s", ctx->pin_path, strerror(-err));
			return NULL;
		}
	}
	return ctx->st;
}

void cli_dry_run_end(struct cli_ctx *ctx)
{
	ctx->dry_run = false;
	cli_pending_free(&ctx->pending);
	if (ctx->st_private) {
		es_state_close(ctx->st);
		ctx->st = NULL;
		ctx->st_private = false;
	}
}

int cli_err_for(struct cli_ctx *ctx, const char *msg, const char *what)
{
	const char *open = strchr(msg, '\''), *p;

	for (p = open ? open + 1 : NULL; p && *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '\'')
			return cli_err(ctx, "%.*s for %s%s", (int)(p + 1 - msg), msg, what, p + 1);
	}
	return cli_err(ctx, "%s (%s)", msg, what);
}
