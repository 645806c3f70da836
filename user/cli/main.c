// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * edgesteer: global options, the object table, help and version. The
 * machinery every command runs through is in core.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edgesteer.h"
#include "state.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char options_spec[] =
	"OPTIONS := { -j|--json | -p|--pretty | --pin-path DIR | -h|--help | -V|--version }";

/* Top-level objects; those without usage are commands of their own. */
static const struct cli_object {
	const char *name;
	cli_fn fn;
	const char *const *usage;
} objects[] = {
	{ "link",	do_link,	link_usage },
	{ "pop",	do_pop,		pop_usage },
	{ "vip",	do_vip,		vip_usage },
	{ "peer",	do_peer,	peer_usage },
	{ "prefix",	do_prefix,	prefix_usage },
	{ "stats",	do_stats,	stats_usage },
	{ "flow",	do_flow,	flow_usage },
	{ "config",	do_config,	config_usage },
	{ "batch",	do_batch,	batch_usage },
	{ "help",	do_help,	NULL },
	{ "version",	do_version,	NULL },
};

static const char *const top_usage[] = {
	"edgesteer [OPTIONS] OBJECT COMMAND [ARGS]",
	"edgesteer [OPTIONS] OBJECT help",
	"edgesteer [OPTIONS] help [OBJECT]",
	"edgesteer [OPTIONS] version",
};

static int object_index(struct cli_ctx *ctx, const char *word)
{
	const char *names[ARRAY_SIZE(objects)];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(objects); i++)
		names[i] = objects[i].name;
	return cli_lookup(ctx, word, names, ARRAY_SIZE(objects), NULL);
}

int cli_run_object(struct cli_ctx *ctx, int argc, char **argv)
{
	int i = object_index(ctx, argv[0]);

	if (i < 0)
		return -1;
	return objects[i].fn(ctx, argc - 1, argv + 1);
}

/* ---- help and version ---------------------------------------------------- */

static bool is_definition(const char *line)
{
	return strstr(line, " := ") != NULL;
}

/* "{ add | del | show | help }": the distinct first words of the forms. */
static void summary(const char *const *usage, char *buf, size_t len)
{
	size_t used = 0, i, j;

	used += (size_t)snprintf(buf, len, "{");
	for (i = 0; usage[i] && !is_definition(usage[i]); i++) {
		size_t w = strcspn(usage[i], " ");
		bool seen = false;
		int k;

		for (j = 0; j < i && !seen; j++)
			seen = strcspn(usage[j], " ") == w && !strncmp(usage[j], usage[i], w);
		if (seen)
			continue;
		k = snprintf(buf + used, len - used, "%s %.*s", i ? " |" : "", (int)w, usage[i]);
		if (k < 0 || (size_t)k >= len - used)
			return;
		used += (size_t)k;
	}
	snprintf(buf + used, len - used, " }");
}

/* One object's usage lines, as printed and as listed under -j. */
static void usage_json(json_writer_t *jw, const char *object, const char *const *usage)
{
	jsonw_start_array(jw);
	for (size_t i = 0; usage[i]; i++) {
		if (is_definition(usage[i]))
			jsonw_string(jw, usage[i]);
		else
			jsonw_stringf(jw, "edgesteer [OPTIONS] %s %s", object, usage[i]);
	}
	jsonw_string(jw, options_spec);
	jsonw_end_array(jw);
}

int cli_usage(struct cli_ctx *ctx, const char *object, const char *const *usage)
{
	bool first_def = true;
	size_t i;

	if (ctx->dry_run)
		return 0;
	if (ctx->jw) {
		jsonw_start_object(ctx->jw);
		jsonw_name(ctx->jw, "usage");
		usage_json(ctx->jw, object, usage);
		jsonw_end_object(ctx->jw);
		return 0;
	}
	for (i = 0; usage[i]; i++) {
		if (is_definition(usage[i])) {
			printf("%s       %s\n", first_def ? "\n" : "", usage[i]);
			first_def = false;
		} else {
			printf("%s edgesteer [OPTIONS] %s %s\n", i ? "      " : "Usage:",
			       object, usage[i]);
		}
	}
	printf("%s       %s\n", first_def ? "\n" : "", options_spec);
	return 0;
}

static void print_top_usage(FILE *f)
{
	char sum[CLI_MSG_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(top_usage); i++)
		fprintf(f, "%s %s\n", i ? "      " : "Usage:", top_usage[i]);
	fprintf(f, "\nObjects:\n");
	for (i = 0; i < ARRAY_SIZE(objects); i++) {
		if (!objects[i].usage)
			continue;
		summary(objects[i].usage, sum, sizeof(sum));
		fprintf(f, "       %-8s %s\n", objects[i].name, sum);
	}
	fprintf(f, "\n       %s\n", options_spec);
	fprintf(f, "\nObjects, commands and keywords may be shortened to any unambiguous prefix.\n"
		   "The pin path is --pin-path DIR, else $%s, else %s.\n",
		ES_PIN_PATH_ENV, ES_DEFAULT_PIN_PATH);
}

int do_help(struct cli_ctx *ctx, int argc, char **argv)
{
	size_t i;

	if (argc > 1)
		return cli_err(ctx, "unexpected argument '%s'", argv[1]);
	if (argc == 1) {
		int obj = object_index(ctx, argv[0]);

		if (obj < 0)
			return -1;
		if (objects[obj].usage)
			return cli_usage(ctx, objects[obj].name, objects[obj].usage);
		/* "help help", "help version": the top-level usage covers them */
	}
	if (ctx->dry_run)
		return 0;
	if (!ctx->jw) {
		print_top_usage(stdout);
		return 0;
	}
	jsonw_start_object(ctx->jw);
	jsonw_name(ctx->jw, "usage");
	jsonw_start_array(ctx->jw);
	for (i = 0; i < ARRAY_SIZE(top_usage); i++)
		jsonw_string(ctx->jw, top_usage[i]);
	jsonw_string(ctx->jw, options_spec);
	jsonw_end_array(ctx->jw);
	jsonw_name(ctx->jw, "objects");
	jsonw_start_object(ctx->jw);
	for (i = 0; i < ARRAY_SIZE(objects); i++) {
		if (!objects[i].usage)
			continue;
		jsonw_name(ctx->jw, objects[i].name);
		usage_json(ctx->jw, objects[i].name, objects[i].usage);
	}
	jsonw_end_object(ctx->jw);
	jsonw_end_object(ctx->jw);
	return 0;
}

int do_version(struct cli_ctx *ctx, int argc, char **argv)
{
	if (!END_ARGS())
		return -1;
	if (ctx->dry_run)
		return 0;
	if (ctx->jw) {
		jsonw_start_object(ctx->jw);
		jsonw_string_field(ctx->jw, "version", ES_VERSION);
		jsonw_end_object(ctx->jw);
	} else {
		printf("edgesteer %s\n", ES_VERSION);
	}
	return 0;
}

/* ---- main ---------------------------------------------------------------- */

int main(int argc, char **argv)
{
	struct cli_options opts = { 0 };
	struct cli_ctx ctx = { 0 };
	const char *env;
	int first, rc, err;

	first = cli_parse_options(argc, argv, &opts, ctx.err, sizeof(ctx.err));
	if (first >= 0)
		/* argv[first], the object, is never an option to strip */
		argc = cli_strip_trailing_json(argc, argv, first + 1, &opts);

	ctx.json = opts.json;
	ctx.pretty = opts.pretty;
	env = getenv(ES_PIN_PATH_ENV);
	ctx.pin_path = opts.pin_path ? opts.pin_path :
		       env && *env ? env : ES_DEFAULT_PIN_PATH;
	if (ctx.json) {
		ctx.jw = jsonw_new(stdout, ctx.pretty);
		if (!ctx.jw) {
			fprintf(stderr, "Error: out of memory\n");
			return EXIT_FAILURE;
		}
	}

	if (first < 0) {
		cli_report_error(&ctx, false);
		rc = -1;
	} else if (opts.help) {
		rc = cli_run(&ctx, do_help, argc - first, argv + first, false);
	} else if (opts.version) {
		rc = cli_run(&ctx, do_version, 0, argv + first, false);
	} else if (first == argc) {
		/* no object: usage, but as a failure (a script forgot it) */
		if (ctx.jw) {
			cli_err(&ctx, "missing OBJECT (see 'edgesteer help')");
			cli_report_error(&ctx, false);
		} else {
			print_top_usage(stderr);
		}
		rc = -1;
	} else {
		rc = cli_run(&ctx, cli_run_object, argc - first, argv + first, false);
	}

	es_state_close(ctx.st);
	cli_pending_free(&ctx.pending);
	err = jsonw_destroy(ctx.jw);
	if (!err && (fflush(stdout) || ferror(stdout)))
		err = -(errno ? errno : EIO);
	if (err) {
		fprintf(stderr, "Error: cannot write output: %s\n", strerror(-err));
		rc = -1;
	}
	return rc ? EXIT_FAILURE : EXIT_SUCCESS;
}
