// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * CLI argument handling and core: prefix and keyword matching with their
 * messages, global options, batch line reading and splitting, the pending
 * set; then commands run through the real core (cli_run, cli_dispatch,
 * batch) with fake objects standing in for main.c's table: error
 * reporting in plain and JSON mode, the one-value JSON discipline, and
 * batch files validated whole before anything is applied.
 *
 * The CLI is not a library: its sources are built into this test.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "../../user/cli/args.c"
#include "../../user/cli/json_writer.c"
#include "../../user/cli/core.c"
#include "../../user/cli/batch.c"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static bool str_eq(const char *got, const char *want, const char *what)
{
	if (got && !strcmp(got, want))
		return true;
	es_test_failures++;
	fprintf(stdout, "  %s:\n    got  '%s'\n    want '%s'\n", what, got ? got : "(null)", want);
	return false;
}

/* ---- prefix matching ----------------------------------------------------- */

static void test_is_prefix(void)
{
	ASSERT_TRUE(cli_is_prefix("pr", "prefix"), "pr of prefix");
	ASSERT_TRUE(cli_is_prefix("prefix", "prefix"), "whole word");
	ASSERT_TRUE(!cli_is_prefix("prefixes", "prefix"), "longer word");
	ASSERT_TRUE(!cli_is_prefix("", "prefix"), "empty word matches nothing");
	ASSERT_TRUE(!cli_is_prefix("Pop", "pop"), "case matters");
	ASSERT_TRUE(!cli_is_prefix("px", "prefix"), "diverging word");
}

static const char *const objects_names[] = {
	"link", "pop", "vip", "peer", "prefix", "stats", "flow", "batch", "help", "version",
};

static void test_match(void)
{
	static const char *const prefix_cmds[] = {
		"add", "del", "show", "lookup", "load", "dump", "help",
	};
	static const char *const shadow[] = { "showall", "show" };
	const size_t nobj = ARRAY_SIZE(objects_names);
	char cand[128], tiny[12];

	ASSERT_EQ(cli_match("po", objects_names, nobj, cand, sizeof(cand)), 1, "po");
	ASSERT_EQ(cli_match("pe", objects_names, nobj, cand, sizeof(cand)), 3, "pe");
	ASSERT_EQ(cli_match("pr", objects_names, nobj, cand, sizeof(cand)), 4, "pr");
	ASSERT_EQ(cli_match("version", objects_names, nobj, cand, sizeof(cand)), 9, "exact");
	ASSERT_EQ(cli_match("x", objects_names, nobj, cand, sizeof(cand)), -ENOENT, "unknown");
	ASSERT_EQ(cli_match("", objects_names, nobj, cand, sizeof(cand)), -ENOENT, "empty");
	ASSERT_EQ(cli_match("p", objects_names, nobj, cand, sizeof(cand)), -EINVAL, "p");
	str_eq(cand, "pop, peer, prefix", "candidates of p");
	ASSERT_EQ(cli_match("v", objects_names, nobj, cand, sizeof(cand)), -EINVAL, "v");
	str_eq(cand, "vip, version", "candidates of v");

	/* issue 3's own example: "lo" is lookup or load */
	ASSERT_EQ(cli_match("lo", prefix_cmds, ARRAY_SIZE(prefix_cmds), cand, sizeof(cand)),
		  -EINVAL, "lo");
	str_eq(cand, "lookup, load", "candidates of lo");
	ASSERT_EQ(cli_match("loa", prefix_cmds, ARRAY_SIZE(prefix_cmds), cand, sizeof(cand)),
		  4, "loa");
	ASSERT_EQ(cli_match("d", prefix_cmds, ARRAY_SIZE(prefix_cmds), cand, sizeof(cand)),
		  -EINVAL, "d");
	str_eq(cand, "del, dump", "candidates of d");

	/* a name that is a prefix of another is reachable exactly */
	ASSERT_EQ(cli_match("show", shadow, 2, cand, sizeof(cand)), 1, "exact beats prefix");
	ASSERT_EQ(cli_match("sho", shadow, 2, cand, sizeof(cand)), -EINVAL, "sho");

	/* a short buffer keeps whole names and stays terminated */
	ASSERT_EQ(cli_match("p", objects_names, nobj, tiny, sizeof(tiny)), -EINVAL, "tiny");
	str_eq(tiny, "pop, peer", "truncated candidates");
	ASSERT_EQ(cli_match("p", objects_names, nobj, NULL, 0), -EINVAL, "no buffer");
}

/* ---- global options ------------------------------------------------------ */

struct opt_case {
	const char *argv[6];
	int ret;		/* index of the object, or -EINVAL */
	bool json, pretty, help, version;
	const char *pin_path;
	const char *err;
};

static const struct opt_case opt_cases[] = {
	{ .argv = { "es", "pop", "show" }, .ret = 1 },
	{ .argv = { "es", "-j", "pop" }, .ret = 2, .json = true },
	{ .argv = { "es", "--json", "pop" }, .ret = 2, .json = true },
	{ .argv = { "es", "-p", "pop" }, .ret = 2, .json = true, .pretty = true },
	{ .argv = { "es", "--pretty" }, .ret = 2, .json = true, .pretty = true },
	{ .argv = { "es", "-jV" }, .ret = 2, .json = true, .version = true },
	{ .argv = { "es", "-h", "pop" }, .ret = 2, .help = true },
	{ .argv = { "es", "--help" }, .ret = 2, .help = true },
	{ .argv = { "es", "--version" }, .ret = 2, .version = true },
	{ .argv = { "es", "--pin-path", "/x", "-j", "vip" }, .ret = 4, .json = true, .pin_path = "/x" },
	{ .argv = { "es", "--pin-path=/y", "vip" }, .ret = 2, .pin_path = "/y" },
	{ .argv = { "es", "--", "-j" }, .ret = 2 },
	{ .argv = { "es", "-", "x" }, .ret = 1 },
	{ .argv = { "es", "pop", "-j" }, .ret = 1 },		/* after the object: not here */
	{ .argv = { "es", "-x" }, .ret = -EINVAL, .err = "unknown option '-x'" },
	{ .argv = { "es", "-jx" }, .ret = -EINVAL, .json = true, .err = "unknown option '-x'" },
	{ .argv = { "es", "--nope" }, .ret = -EINVAL, .err = "unknown option '--nope'" },
	{ .argv = { "es", "--pin-pathx" }, .ret = -EINVAL, .err = "unknown option '--pin-pathx'" },
	{ .argv = { "es", "--pin-path" }, .ret = -EINVAL, .err = "missing DIR after '--pin-path'" },
	{ .argv = { "es", "--pin-path=" }, .ret = -EINVAL, .err = "empty DIR after '--pin-path'" },
	{ .argv = { "es", "--pin-path", "" }, .ret = -EINVAL, .err = "empty DIR after '--pin-path'" },
};

static void test_options(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(opt_cases); i++) {
		const struct opt_case *c = &opt_cases[i];
		struct cli_options o = { 0 };
		char *argv[6], err[128] = "";
		int argc = 0, ret;

		while (argc < 6 && c->argv[argc]) {
			argv[argc] = (char *)c->argv[argc];
			argc++;
		}
		ret = cli_parse_options(argc, argv, &o, err, sizeof(err));
		if (!ASSERT_EQ(ret, c->ret, c->argv[1]))
			continue;
		ASSERT_EQ(o.json, c->json, "json");
		ASSERT_EQ(o.pretty, c->pretty, "pretty");
		ASSERT_EQ(o.help, c->help, "help");
		ASSERT_EQ(o.version, c->version, "version");
		if (c->pin_path)
			str_eq(o.pin_path, c->pin_path, "pin path");
		else
			ASSERT_TRUE(!o.pin_path, "no pin path");
		if (c->err)
			str_eq(err, c->err, "message");
	}
}

static void test_strip_trailing_json(void)
{
	char *a1[] = { "es", "prefix", "lookup", "1.2.3.4", "-j", NULL };
	char *a2[] = { "es", "pop", "show", "--json", "-p", NULL };
	char *a3[] = { "es", "pop", "-j", NULL };
	char *a4[] = { "es", "-j", NULL };
	char *a5[] = { "es", "batch", "file", "-jx", NULL };
	struct cli_options o = { 0 };

	ASSERT_EQ(cli_strip_trailing_json(5, a1, 2, &o), 4, "lookup -j");
	ASSERT_TRUE(o.json && !o.pretty, "json");

	o = (struct cli_options){ 0 };
	ASSERT_EQ(cli_strip_trailing_json(5, a2, 2, &o), 3, "two trailing");
	ASSERT_TRUE(o.json && o.pretty, "pretty");

	/* never the object itself (keep = object index + 1) */
	o = (struct cli_options){ 0 };
	ASSERT_EQ(cli_strip_trailing_json(3, a3, 2, &o), 2, "after the object");
	ASSERT_EQ(cli_strip_trailing_json(2, a4, 2, &o), 2, "the object slot");
	o = (struct cli_options){ 0 };
	ASSERT_EQ(cli_strip_trailing_json(4, a5, 2, &o), 4, "not an option spelling");
	ASSERT_TRUE(!o.json, "untouched");
}

/* ---- batch lines --------------------------------------------------------- */

static FILE *mem_file(const char *data, size_t len)
{
	return fmemopen((void *)data, len, "r");
}

static void test_read_line(void)
{
	static const char text[] = "a b\r\n\n  c\nlast";
	char buf[CLI_LINE_BUF], err[128];
	char *big = malloc(CLI_LINE_MAX + 8);
	FILE *f;
	int ret;

	f = mem_file(text, sizeof(text) - 1);
	ASSERT_EQ(cli_read_line(f, buf, err, sizeof(err)), 1, "line 1");
	str_eq(buf, "a b", "CRLF dropped");
	ASSERT_EQ(cli_read_line(f, buf, err, sizeof(err)), 1, "line 2");
	str_eq(buf, "", "empty line");
	ASSERT_EQ(cli_read_line(f, buf, err, sizeof(err)), 1, "line 3");
	str_eq(buf, "  c", "leading blanks kept");
	ASSERT_EQ(cli_read_line(f, buf, err, sizeof(err)), 1, "line 4");
	str_eq(buf, "last", "no final newline");
	ASSERT_EQ(cli_read_line(f, buf, err, sizeof(err)), 0, "end");
	fclose(f);

	f = mem_file("a\0b\n", 4);
	ASSERT_EQ(cli_read_line(f, buf, err, sizeof(err)), -EINVAL, "NUL");
	str_eq(err, "NUL byte at column 2", "NUL message");
	fclose(f);

	/* exactly the limit is fine, with CRLF too; one more is not */
	memset(big, 'x', CLI_LINE_MAX);
	big[CLI_LINE_MAX] = '\n';
	f = mem_file(big, CLI_LINE_MAX + 1);
	ASSERT_EQ(cli_read_line(f, buf, err, sizeof(err)), 1, "4096 bytes");
	ASSERT_EQ(strlen(buf), CLI_LINE_MAX, "whole line");
	fclose(f);

	big[CLI_LINE_MAX] = '\r';
	big[CLI_LINE_MAX + 1] = '\n';
	f = mem_file(big, CLI_LINE_MAX + 2);
	ASSERT_EQ(cli_read_line(f, buf, err, sizeof(err)), 1, "4096 bytes + CRLF");
	fclose(f);

	big[CLI_LINE_MAX] = 'x';
	f = mem_file(big, CLI_LINE_MAX + 2);
	ret = cli_read_line(f, buf, err, sizeof(err));
	ASSERT_EQ(ret, -E2BIG, "4097 bytes");
	str_eq(err, "line longer than 4096 bytes", "overlong message");
	fclose(f);

	big[CLI_LINE_MAX + 1] = 'x';
	f = mem_file(big, CLI_LINE_MAX + 8);
	ASSERT_EQ(cli_read_line(f, buf, err, sizeof(err)), -E2BIG, "far too long");
	fclose(f);

	f = mem_file("", 0);
	ASSERT_EQ(cli_read_line(f, buf, err, sizeof(err)), 0, "empty file");
	fclose(f);
	free(big);
}

struct split_case {
	const char *in;
	int ret;
	const char *want;	/* words joined by '|', or the message */
	int argc;
};

static const struct split_case split_cases[] = {
	{ "pop add a", 0, "pop|add|a", 3 },
	{ "  a\t b  ", 0, "a|b", 2 },
	{ "", 0, "", 0 },
	{ "   \t ", 0, "", 0 },
	{ "# only a comment", 0, "", 0 },
	{ "a # comment 'with quote", 0, "a", 1 },
	{ "a#comment", 0, "a", 1 },
	{ "'a b' \"c d\"", 0, "a b|c d", 2 },
	{ "a'b'c\"d\"", 0, "abcd", 1 },
	{ "'' \"\"", 0, "|", 2 },
	{ "x '' y", 0, "x||y", 3 },
	{ "\"a\\\"b\\\\c\"", 0, "a\"b\\c", 1 },
	{ "'a\\b'", 0, "a\\b", 1 },
	{ "\"a\\nb\"", 0, "anb", 1 },
	{ "a\\ b", 0, "a b", 1 },
	{ "\\#x \"#\" '#'", 0, "#x|#|#", 3 },
	{ "\"a\"#c", 0, "a", 1 },
	{ "'don''t'", 0, "dont", 1 },
	{ "\"it's\" 'say \"hi\"'", 0, "it's|say \"hi\"", 2 },
	{ "a \"bc", -EINVAL, "unterminated double quote at column 3", 0 },
	{ "'x", -EINVAL, "unterminated single quote at column 1", 0 },
	{ "ok 'a' 'b", -EINVAL, "unterminated single quote at column 8", 0 },
	{ "ab\\", -EINVAL, "backslash at end of line (column 3)", 0 },
	{ "\"ab\\", -EINVAL, "unterminated double quote at column 1", 0 },
};

static void test_split_line(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(split_cases); i++) {
		const struct split_case *c = &split_cases[i];
		char line[128], joined[128] = "", err[128] = "";
		char *argv[CLI_LINE_ARGS_MAX + 1];
		int argc = -1, ret, k;

		strcpy(line, c->in);
		ret = cli_split_line(line, argv, CLI_LINE_ARGS_MAX, &argc, err, sizeof(err));
		if (!ASSERT_EQ(ret, c->ret, c->in))
			continue;
		if (ret) {
			str_eq(err, c->want, c->in);
			continue;
		}
		ASSERT_EQ(argc, c->argc, c->in);
		ASSERT_TRUE(argv[argc] == NULL, "argv ends with NULL");
		for (k = 0; k < argc; k++)
			snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
				 k ? "|" : "", argv[k]);
		str_eq(joined, c->want, c->in);
	}
}

static void test_split_limits(void)
{
	char line[CLI_LINE_MAX + 1], err[64];
	char *argv[CLI_LINE_ARGS_MAX + 1];
	int argc, i;

	strcpy(line, "a b c");
	ASSERT_EQ(cli_split_line(line, argv, 2, &argc, err, sizeof(err)), -E2BIG, "max 2");
	str_eq(err, "more than 2 arguments", "message");

	/* the densest line that fits: every other byte a word */
	for (i = 0; i < CLI_LINE_MAX; i++)
		line[i] = i % 2 ? ' ' : 'w';
	line[CLI_LINE_MAX] = 0;
	ASSERT_OK(cli_split_line(line, argv, CLI_LINE_ARGS_MAX, &argc, err, sizeof(err)),
		  "densest line");
	ASSERT_EQ(argc, CLI_LINE_MAX / 2, "words");
}

/* ---- pending set --------------------------------------------------------- */

static void test_pending(void)
{
	struct cli_pending p = { 0 };
	char key[32];
	bool ok = true;
	int i;

	ASSERT_EQ(cli_pending_lookup(&p, "pop", "a"), CLI_PENDING_NONE, "empty set");
	ASSERT_OK(cli_pending_put(&p, "pop", "a", CLI_PENDING_ADDED), "put");
	ASSERT_EQ(cli_pending_lookup(&p, "pop", "a"), CLI_PENDING_ADDED, "added");
	ASSERT_EQ(cli_pending_lookup(&p, "pop-id", "a"), CLI_PENDING_NONE, "other kind");
	ASSERT_OK(cli_pending_put(&p, "pop", "a", CLI_PENDING_DELETED), "overwrite");
	ASSERT_EQ(cli_pending_lookup(&p, "pop", "a"), CLI_PENDING_DELETED, "last wins");
	ASSERT_EQ(p.n, 1, "one entry");

	/* the kind/key boundary is part of the key */
	ASSERT_OK(cli_pending_put(&p, "ab", "c", CLI_PENDING_ADDED), "ab/c");
	ASSERT_EQ(cli_pending_lookup(&p, "a", "bc"), CLI_PENDING_NONE, "a/bc differs");

	/* growth keeps everything */
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "10.%d.%d.0/24", i / 256, i % 256);
		ok &= ASSERT_OK(cli_pending_put(&p, "prefix", key,
						i % 2 ? CLI_PENDING_ADDED : CLI_PENDING_DELETED),
				"put many");
	}
	for (i = 0; i < 5000 && ok; i++) {
		snprintf(key, sizeof(key), "10.%d.%d.0/24", i / 256, i % 256);
		ok = ASSERT_EQ(cli_pending_lookup(&p, "prefix", key),
			       i % 2 ? CLI_PENDING_ADDED : CLI_PENDING_DELETED, "lookup many");
	}
	ASSERT_EQ(cli_pending_lookup(&p, "pop", "a"), CLI_PENDING_DELETED, "survives growth");
	ASSERT_EQ(p.n, 5002, "count");
	cli_pending_free(&p);
	ASSERT_EQ(cli_pending_lookup(&p, "pop", "a"), CLI_PENDING_NONE, "freed");
}

/* ---- the core, with fake objects ----------------------------------------- */

/*
 * A fake data plane: POP names and prefixes, and a log of what was applied
 * for real, so a test can tell that a failed batch changed nothing.
 */
static struct {
	char pops[16][16];
	int npops;
	char log[1024];
	char mutate_seen[64];
} fake;

static void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
}

static int fake_pop_idx(const char *name)
{
	for (int i = 0; i < fake.npops; i++)
		if (!strcmp(fake.pops[i], name))
			return i;
	return -1;
}

static void fake_log(const char *fmt, const char *arg)
{
	size_t n = strlen(fake.log);

	snprintf(fake.log + n, sizeof(fake.log) - n, fmt, arg);
}

static int pop_show(struct cli_ctx *ctx, int argc, char **argv)
{
	if (!END_ARGS())
		return -1;
	if (ctx->dry_run || !ctx->jw)
		return 0;
	jsonw_start_array(ctx->jw);
	for (int i = 0; i < fake.npops; i++)
		jsonw_string(ctx->jw, fake.pops[i]);
	jsonw_end_array(ctx->jw);
	return 0;
}

static int pop_add(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *name = GET_ARG("NAME");

	if (!name || !END_ARGS())
		return -1;
	if (cli_pending_exists(ctx, "pop", name, fake_pop_idx(name) >= 0))
		return cli_err(ctx, "pop '%s' exists", name);
	if (ctx->dry_run)
		return cli_pending_set(ctx, "pop", name, CLI_PENDING_ADDED);
	strcpy(fake.pops[fake.npops++], name);
	fake_log("add %s;", name);
	return 0;
}

static int pop_del(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *name = GET_ARG("NAME");
	int i;

	if (!name || !END_ARGS())
		return -1;
	i = fake_pop_idx(name);
	if (!cli_pending_exists(ctx, "pop", name, i >= 0))
		return cli_err(ctx, "unknown pop '%s'", name);
	if (ctx->dry_run)
		return cli_pending_set(ctx, "pop", name, CLI_PENDING_DELETED);
	memmove(fake.pops[i], fake.pops[i + 1], sizeof(fake.pops[0]) * (size_t)(fake.npops - i - 1));
	fake.npops--;
	fake_log("del %s;", name);
	return 0;
}

static int pop_dump(struct cli_ctx *ctx, int argc, char **argv)
{
	return 0;
}

static int pop_help(struct cli_ctx *ctx, int argc, char **argv)
{
	return 0;
}

static const struct cli_cmd pop_cmds[] = {
	{ "show", pop_show },
	{ "add", pop_add },
	{ "del", pop_del },
	{ "dump", pop_dump },
	{ "help", pop_help },
	{ 0 }
};

static int fake_do_pop(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, pop_cmds, argc, argv, "pop");
}

/* prefix add CIDR pops NAME: the reference must exist, in state or batch */
static int fake_do_prefix(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const kw[] = { "pops", NULL };
	const char *cidr, *pop;

	cidr = GET_ARG("CIDR");
	if (!cidr)
		return -1;
	if (!REQ_ARGS(1, "pops NAME") || cli_keyword(ctx, *argv, kw, "keyword") < 0)
		return -1;
	NEXT_ARG();
	pop = GET_ARG("NAME");
	if (!pop || !END_ARGS())
		return -1;
	if (!cli_pending_exists(ctx, "pop", pop, fake_pop_idx(pop) >= 0))
		return cli_err(ctx, "unknown pop '%s'", pop);
	if (ctx->dry_run)
		return 0;
	fake_log("prefix %s;", cidr);
	return 0;
}

/* Misbehaving and special commands, one per case the core must handle. */
static int fake_do_test(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const encaps[] = { "ipip", "gue", "generic", NULL };
	static const char *const modes[] = {
		"nothing", "value", "fail-late", "partial", "err-but-ok", "two", "misuse",
		"keyword", "mutate", "noisy", "silent-fail", NULL,
	};
	const char *mode = GET_ARG("MODE");
	int k;

	if (!mode)
		return -1;
	switch (cli_keyword(ctx, mode, modes, "mode")) {
	case 0:		/* prints nothing */
		return 0;
	case 1:
		if (!ctx->dry_run && ctx->jw)
			jsonw_uint(ctx->jw, 42);
		return 0;
	case 2:		/* passes validation, fails when applied */
		if (ctx->dry_run)
			return 0;
		return cli_err(ctx, "kernel says no");
	case 3:		/* output started, then failure */
		if (ctx->jw) {
			jsonw_start_object(ctx->jw);
			jsonw_name(ctx->jw, "rows");
			jsonw_start_array(ctx->jw);
			jsonw_uint(ctx->jw, 1);
		}
		return cli_err(ctx, "failed midway");
	case 4:
		cli_err(ctx, "reported but returned 0");
		return 0;
	case 5:
		if (ctx->jw && !ctx->dry_run) {
			jsonw_uint(ctx->jw, 1);
			jsonw_uint(ctx->jw, 2);
		}
		return 0;
	case 6:
		if (ctx->jw) {
			jsonw_start_object(ctx->jw);
			jsonw_uint(ctx->jw, 1);
			jsonw_end_object(ctx->jw);
		}
		return 0;
	case 7:
		k = cli_keyword(ctx, GET_ARG("ENCAP") ?: "", encaps, "encap");
		if (k < 0)
			return -1;
		if (ctx->jw)
			jsonw_string(ctx->jw, encaps[k]);
		return 0;
	case 8:		/* writes into its argument, as strtok would */
		if (!argc)
			return cli_err(ctx, "mutate needs a word");
		if (!ctx->dry_run)
			snprintf(fake.mutate_seen, sizeof(fake.mutate_seen), "%s", argv[0]);
		argv[0][0] = '#';
		return 0;
	case 9:		/* ignores dry_run: the core must hide pass 1 output */
		if (ctx->jw)
			jsonw_string(ctx->jw, "noise");
		cli_warn(ctx, "noisy warning");
		return 0;
	case 10:
		return -1;
	default:
		return -1;
	}
}

static const struct cli_cmd fake_objects[] = {
	{ "pop", fake_do_pop },
	{ "peer", pop_dump },
	{ "prefix", fake_do_prefix },
	{ "test", fake_do_test },
	{ "batch", do_batch },
	{ 0 }
};

/* What main.c provides to the core, here with the fake objects. */
int cli_run_object(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *names[ARRAY_SIZE(fake_objects)];
	size_t n;
	int i;

	for (n = 0; fake_objects[n].name; n++)
		names[n] = fake_objects[n].name;
	i = cli_lookup(ctx, argv[0], names, n, NULL);
	if (i < 0)
		return -1;
	return fake_objects[i].fn(ctx, argc - 1, argv + 1);
}

int cli_usage(struct cli_ctx *ctx, const char *object, const char *const *usage)
{
	return 0;
}

/* One run of a command line, as main() does it, with its outputs. */
struct run {
	int rc;
	char json[2048];	/* stdout under -j */
	char err[2048];		/* stderr */
};

static void run_line(struct run *r, bool json, bool pretty, const char *line)
{
	char buf[CLI_LINE_BUF], *argv[CLI_LINE_ARGS_MAX + 2];
	struct cli_ctx ctx = { .json = json, .pretty = pretty, .pin_path = "/nonexistent" };
	char *out = NULL, tmpl[] = "/tmp/es-cli-stderr-XXXXXX";
	size_t outlen = 0;
	FILE *f = NULL;
	int argc, fd, saved;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	/* argv[-1] must exist, as main()'s program name does */
	argv[0] = "edgesteer";
	strcpy(buf, line);
	if (cli_split_line(buf, argv + 1, CLI_LINE_ARGS_MAX, &argc, NULL, 0)) {
		r->rc = -99;
		return;
	}
	if (json) {
		f = open_memstream(&out, &outlen);
		ctx.jw = jsonw_new(f, pretty);
	}
	fd = mkstemp(tmpl);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);

	r->rc = cli_run(&ctx, cli_run_object, argc, argv + 1, false);

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, r->err, sizeof(r->err) - 1);
	r->err[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(tmpl);
	if (json) {
		jsonw_destroy(ctx.jw);
		fclose(f);
		snprintf(r->json, sizeof(r->json), "%s", out);
		free(out);
	}
	ASSERT_EQ(ctx.pending.n, 0, "pending set empty after the command");
	ASSERT_TRUE(!ctx.batch_file && !ctx.dry_run, "batch state reset");
	cli_pending_free(&ctx.pending);
}

struct core_case {
	const char *line;
	int rc;
	const char *json;	/* stdout under -j */
	const char *err;	/* stderr in plain mode */
	bool json_only;		/* a JSON fault: fine in plain mode */
};

static const struct core_case core_cases[] = {
	{ "pop sh", 0, "[]\n", "", false },
	{ "pop", 0, "[]\n", "", false },	/* default command */
	{ "test nothing", 0, "null\n", "", false },
	{ "test value", 0, "42\n", "", false },
	{ "te val", 0, "42\n", "", false },
	{ "p", -1, "{\"error\":\"ambiguous command 'p': pop, peer, prefix\"}\n",
	  "Error: ambiguous command 'p': pop, peer, prefix\n", false },
	{ "foo", -1, "{\"error\":\"unknown object 'foo'\"}\n", "Error: unknown object 'foo'\n", false },
	{ "'\x1b[31m'", -1, "{\"error\":\"unknown object '\\\\x1b[31m'\"}\n",
	  "Error: unknown object '\\x1b[31m'\n", false },
	{ "pop x", -1, "{\"error\":\"unknown command 'x' for object 'pop'\"}\n",
	  "Error: unknown command 'x' for object 'pop'\n", false },
	{ "pop d", -1, "{\"error\":\"ambiguous command 'd': del, dump\"}\n",
	  "Error: ambiguous command 'd': del, dump\n", false },
	{ "pop add", -1, "{\"error\":\"missing NAME after 'add'\"}\n",
	  "Error: missing NAME after 'add'\n", false },
	{ "pop a x y", -1, "{\"error\":\"unexpected argument 'y'\"}\n",
	  "Error: unexpected argument 'y'\n", false },
	{ "pop del nope", -1, "{\"error\":\"unknown pop 'nope'\"}\n",
	  "Error: unknown pop 'nope'\n", false },
	{ "prefix 10.0.0.0/8", -1, "{\"error\":\"missing pops NAME after '10.0.0.0/8'\"}\n",
	  "Error: missing pops NAME after '10.0.0.0/8'\n", false },
	{ "prefix 10.0.0.0/8 p x", -1, "{\"error\":\"unknown pop 'x'\"}\n",
	  "Error: unknown pop 'x'\n", false },
	{ "prefix 10.0.0.0/8 q x", -1,
	  "{\"error\":\"unknown keyword 'q': expected pops\"}\n",
	  "Error: unknown keyword 'q': expected pops\n", false },
	{ "test keyword g", -1, "{\"error\":\"ambiguous encap 'g': gue, generic\"}\n",
	  "Error: ambiguous encap 'g': gue, generic\n", false },
	{ "test keyword x", -1,
	  "{\"error\":\"unknown encap 'x': expected ipip, gue or generic\"}\n",
	  "Error: unknown encap 'x': expected ipip, gue or generic\n", false },
	{ "test keyword gu", 0, "\"gue\"\n", "", false },
	/* the first message counts: cli_keyword("") after it adds nothing */
	{ "test keyword", -1, "{\"error\":\"missing ENCAP after 'keyword'\"}\n",
	  "Error: missing ENCAP after 'keyword'\n", false },
	{ "test keyword ''", -1, "{\"error\":\"unknown encap '': expected ipip, gue or generic\"}\n",
	  "Error: unknown encap '': expected ipip, gue or generic\n", false },
	/* partial output is replaced by the error */
	{ "test partial", -1, "{\"error\":\"failed midway\"}\n", "Error: failed midway\n", false },
	{ "test err-but-ok", -1, "{\"error\":\"reported but returned 0\"}\n",
	  "Error: reported but returned 0\n", false },
	{ "test silent-fail", -1,
	  "{\"error\":\"internal error: command failed without a message\"}\n",
	  "Error: internal error: command failed without a message\n", false },
	/* at the top level the writer itself refuses the second value */
	{ "test two", -1,
	  "{\"error\":\"internal error: invalid JSON output (second top-level value)\"}\n", "",
	  .json_only = true },
	{ "test misuse", -1,
	  "{\"error\":\"internal error: invalid JSON output (value without a name in an object)\"}\n",
	  "", .json_only = true },
};

static void test_core(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(core_cases); i++) {
		const struct core_case *c = &core_cases[i];
		struct run r;

		fake_reset();
		run_line(&r, true, false, c->line);
		ASSERT_EQ(r.rc, c->rc, c->line);
		str_eq(r.json, c->json, c->line);
		str_eq(r.err, "", "nothing on stderr under -j");

		run_line(&r, false, false, c->line);
		ASSERT_EQ(r.rc, c->json_only ? 0 : c->rc, c->line);
		str_eq(r.err, c->err, c->line);
	}
}

static void test_core_pretty(void)
{
	struct run r;

	run_line(&r, true, true, "test partial");
	str_eq(r.json, "{\n  \"error\": \"failed midway\"\n}\n", "pretty error");
}

static void test_cli_err(void)
{
	struct cli_ctx ctx = { 0 };

	ASSERT_EQ(cli_err(&ctx, "first %d", 1), -1, "returns -1");
	cli_err(&ctx, "second");
	str_eq(ctx.err, "first 1", "first message kept");

	memset(&ctx, 0, sizeof(ctx));
	ctx.batch_file = "f.batch";
	ctx.batch_line = 12;
	cli_err(&ctx, "bad");
	str_eq(ctx.err, "f.batch:12: bad", "file:line prefix");

	memset(&ctx, 0, sizeof(ctx));
	ctx.batch_file = "f.batch";
	cli_err(&ctx, "cannot read");
	str_eq(ctx.err, "f.batch: cannot read", "file prefix without a line");
}

/* ---- batch ---------------------------------------------------------------- */

static char batch_path[64];

static void write_batch(const char *text)
{
	int fd;

	strcpy(batch_path, "/tmp/es-cli-batch-XXXXXX");
	fd = mkstemp(batch_path);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		fprintf(stdout, "  short write\n");
	close(fd);
}

/* Run `batch file PATH` in both modes, from the same fake state each time. */
static void run_batch(struct run *plain, struct run *json, const char *text, int npops,
		      const char *const *pops)
{
	char line[128];

	write_batch(text);
	snprintf(line, sizeof(line), "batch file %s", batch_path);
	fake_reset();
	for (int i = 0; i < npops; i++)
		strcpy(fake.pops[fake.npops++], pops[i]);
	run_line(json, true, false, line);
	if (plain) {
		fake_reset();
		for (int i = 0; i < npops; i++)
			strcpy(fake.pops[fake.npops++], pops[i]);
		run_line(plain, false, false, line);
	}
	unlink(batch_path);
}

/* "PATH:" in a message, replaced by "F:" for comparison. */
static const char *norm(const char *s)
{
	static char buf[2048];
	size_t n = strlen(batch_path);
	char *o = buf;

	while (*s && o < buf + sizeof(buf) - 2) {
		if (!strncmp(s, batch_path, n)) {
			*o++ = 'F';
			s += n;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
	return buf;
}

static void test_batch_applies_in_order(void)
{
	struct run p, j;

	run_batch(&p, &j,
		  "# a POP and a prefix using it, in one batch\n"
		  "pop add a\n"
		  "\n"
		  "prefix 10.0.0.0/8 pops a   # needs line 2\n"
		  "test value\n"
		  "pop show\n", 0, NULL);
	ASSERT_EQ(j.rc, 0, "json rc");
	str_eq(j.json, "[null,null,42,[\"a\"]]\n", "one element per line");
	ASSERT_EQ(p.rc, 0, "plain rc");
	str_eq(p.err, "", "no message");
	str_eq(fake.log, "add a;prefix 10.0.0.0/8;", "applied");
}

static void test_batch_validates_whole(void)
{
	static const char *const existing[] = { "old" };
	struct run p, j;

	/* line 4 refers to a POP line 3 deletes: nothing may be applied */
	run_batch(&p, &j,
		  "pop add b\n"
		  "prefix 10.0.0.0/8 pops old\n"
		  "pop del old\n"
		  "prefix 10.1.0.0/16 pops old\n"
		  "pop add c\n", 1, existing);
	ASSERT_EQ(j.rc, -1, "json rc");
	str_eq(norm(j.json), "{\"error\":\"F:4: unknown pop 'old'\"}\n", "json error");
	ASSERT_EQ(p.rc, -1, "plain rc");
	str_eq(norm(p.err), "Error: F:4: unknown pop 'old'\n", "plain error");
	str_eq(fake.log, "", "nothing applied");
	ASSERT_EQ(fake.npops, 1, "state unchanged");

	/* a duplicate within the batch */
	run_batch(NULL, &j, "pop add x\npop add x\n", 0, NULL);
	str_eq(norm(j.json), "{\"error\":\"F:2: pop 'x' exists\"}\n", "duplicate in batch");
	str_eq(fake.log, "", "nothing applied");

	/* a syntax error on the last line stops it before pass 1 */
	run_batch(&p, &j, "pop add y\npop add 'z\n", 0, NULL);
	str_eq(norm(j.json), "{\"error\":\"F:2: unterminated single quote at column 9\"}\n",
	       "syntax error");
	str_eq(norm(p.err), "Error: F:2: unterminated single quote at column 9\n", "plain");
	str_eq(fake.log, "", "nothing applied");
}

static void test_batch_apply_failure(void)
{
	struct run p, j;

	run_batch(&p, &j, "pop add c\ntest value\ntest fail-late\npop add d\n", 0, NULL);
	ASSERT_EQ(j.rc, -1, "json rc");
	str_eq(norm(j.json), "[null,42,{\"error\":\"F:3: kernel says no\"}]\n",
	       "applied lines, then the error");
	str_eq(norm(j.err), "Warning: F:3: the 2 commands before this line were applied\n",
	       "json warning");
	ASSERT_EQ(p.rc, -1, "plain rc");
	str_eq(norm(p.err), "Error: F:3: kernel says no\n"
	       "Warning: F:3: the 2 commands before this line were applied\n", "plain");
	str_eq(fake.log, "add c;", "up to the failure");

	/* two values from one line would misalign the array */
	run_batch(NULL, &j, "test value\ntest two\n", 0, NULL);
	str_eq(norm(j.json), "[42,{\"error\":\"F:2: internal error: more than one JSON value\"}]\n",
	       "two values in a batch line");

	run_batch(NULL, &j, "test partial\n", 0, NULL);
	str_eq(norm(j.json), "{\"error\":\"F:1: failed midway\"}\n", "failed in pass 1");
}

static void test_batch_rules(void)
{
	struct run p, j;

	run_batch(&p, &j, "test nothing\nbatch file x\n", 0, NULL);
	str_eq(norm(p.err), "Error: F:2: 'batch' cannot be used in a batch file\n", "nested");
	str_eq(norm(j.json), "{\"error\":\"F:2: 'batch' cannot be used in a batch file\"}\n",
	       "nested json");

	run_batch(&p, &j, "pop show -j\n", 0, NULL);
	str_eq(norm(p.err),
	       "Error: F:1: option '-j' not allowed in a batch file: give it before 'batch'\n",
	       "trailing option");
	run_batch(&p, &j, "--pretty pop show\n", 0, NULL);
	str_eq(norm(p.err),
	       "Error: F:1: option '--pretty' not allowed in a batch file: give it before 'batch'\n",
	       "leading option");

	run_batch(&p, &j, "", 0, NULL);
	ASSERT_EQ(j.rc, 0, "empty batch");
	str_eq(j.json, "[]\n", "empty array");

	run_batch(&p, &j, "# nothing\n\n   \n", 0, NULL);
	str_eq(j.json, "[]\n", "comments only");

	/* pass 2 gets the words pass 1 got, not what pass 1 wrote into them */
	run_batch(NULL, &j, "test mutate word\n", 0, NULL);
	str_eq(fake.mutate_seen, "word", "argument intact for pass 2");

	/* a command printing in pass 1 is not seen twice; no warning twice */
	run_batch(&p, &j, "test noisy\n", 0, NULL);
	str_eq(j.json, "[\"noise\"]\n", "pass 1 output dropped");
	str_eq(norm(p.err), "Warning: F:1: noisy warning\n", "warned once");

	run_line(&j, false, false, "batch file /nonexistent/x");
	str_eq(j.err, "Error: cannot open '/nonexistent/x': No such file or directory\n",
	       "missing file");
	run_line(&j, false, false, "batch");
	str_eq(j.err, "Error: missing FILE after 'batch'\n", "no file");
	run_line(&j, false, false, "batch file a b");
	str_eq(j.err, "Error: unexpected argument 'b'\n", "extra argument");
}

static void test_batch_long_line(void)
{
	static const char line1[] = "test nothing\n", cmd[] = "test mutate ";
	const size_t start = sizeof(line1) - 1, end = start + CLI_LINE_MAX;
	char *text = malloc(end + 8);
	struct run p, j;

	/* line 2 is exactly CLI_LINE_MAX bytes, then one more */
	strcpy(text, line1);
	strcpy(text + start, cmd);
	memset(text + start + sizeof(cmd) - 1, 'x', CLI_LINE_MAX - (sizeof(cmd) - 1));
	strcpy(text + end, "\n");
	run_batch(&p, &j, text, 0, NULL);
	ASSERT_EQ(j.rc, 0, "4096-byte line");
	{
		char want[sizeof(fake.mutate_seen)];

		memset(want, 'x', sizeof(want) - 1);
		want[sizeof(want) - 1] = 0;
		str_eq(fake.mutate_seen, want, "its word (as much as the fake keeps)");
	}

	strcpy(text + end, "x\n");
	run_batch(&p, &j, text, 0, NULL);
	str_eq(norm(p.err), "Error: F:2: line longer than 4096 bytes\n", "4097-byte line");
	free(text);
}

int main(void)
{
	RUN_TEST(test_is_prefix);
	RUN_TEST(test_match);
	RUN_TEST(test_options);
	RUN_TEST(test_strip_trailing_json);
	RUN_TEST(test_read_line);
	RUN_TEST(test_split_line);
	RUN_TEST(test_split_limits);
	RUN_TEST(test_pending);
	RUN_TEST(test_cli_err);
	RUN_TEST(test_core);
	RUN_TEST(test_core_pretty);
	RUN_TEST(test_batch_applies_in_order);
	RUN_TEST(test_batch_validates_whole);
	RUN_TEST(test_batch_apply_failure);
	RUN_TEST(test_batch_rules);
	RUN_TEST(test_batch_long_line);
	return es_test_exit();
}
