// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's own configuration directives (see config.h for the
 * grammar). Errors go through cli_err() so that they carry "FILE:LINE: "
 * exactly like the state lines' errors.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "parse.h"
#include "pops.h"

static const char *const directives[] = {
	"probe", "self-check", "latency", "policy", "metrics", NULL,
};

bool esd_is_directive(const char *word)
{
	for (size_t i = 0; directives[i]; i++)
		if (!strcmp(word, directives[i]))
			return true;
	return false;
}

static int parse_uint(struct cli_ctx *ctx, const char *word, unsigned int min, unsigned int max,
		      const char *what, unsigned int *out)
{
	char msg[CLI_MSG_MAX];
	__u32 v;

	if (es_parse_u32(word, min, max, &v, msg, sizeof(msg)))
		return cli_err_for(ctx, msg, what);
	*out = v;
	return 0;
}

/* [interval MS] [timeout MS] [rise N] [fall N], in any order */
static int parse_timing(struct cli_ctx *ctx, int argc, char **argv, struct esd_timing *t)
{
	static const char *const keys[] = { "interval", "timeout", "rise", "fall", NULL };
	bool seen[4] = { 0 }, timeout_given = false;
	unsigned int *slot[] = { &t->interval_ms, &t->timeout_ms, &t->rise, &t->fall };
	const char *val;
	int k;

	while (argc) {
		k = cli_keyword(ctx, *argv, keys, "keyword");
		if (k < 0)
			return -1;
		if (seen[k])
			return cli_err(ctx, "keyword '%s' given twice", keys[k]);
		seen[k] = true;
		NEXT_ARG();
		val = GET_ARG(k < 2 ? "MS" : "N");
		if (!val)
			return -1;
		if (k < 2 ? parse_uint(ctx, val, ESD_MIN_INTERVAL_MS, ESD_MAX_INTERVAL_MS,
				       keys[k], slot[k]) :
			    parse_uint(ctx, val, 1, ESD_MAX_COUNT, keys[k], slot[k]))
			return -1;
		if (k == 1)
			timeout_given = true;
	}
	if (!timeout_given)
		t->timeout_ms = t->interval_ms;
	if (t->timeout_ms > t->interval_ms)
		return cli_err(ctx, "timeout %u ms is longer than the interval %u ms: a probe must end before the next one starts",
			       t->timeout_ms, t->interval_ms);
	return 0;
}

static void timing_default(struct esd_timing *t, unsigned int interval, unsigned int rise,
			   unsigned int fall)
{
	t->interval_ms = interval;
	t->timeout_ms = interval;
	t->rise = rise;
	t->fall = fall;
}

/* The POP exists in the state or an earlier line adds it. */
static int check_pop(struct cli_ctx *ctx, const char *name)
{
	char msg[CLI_MSG_MAX], q[ES_QUOTE_BUFLEN];
	struct es_state *st;
	__u32 id;

	if (es_parse_name(name, NULL, msg, sizeof(msg)))
		return cli_err(ctx, "%s", msg);
	st = cli_state(ctx, true);
	if (!st)
		return -1;
	if (!cli_pending_exists(ctx, "pop", name, es_pop_find(st, name, &id, NULL) == 0))
		return cli_err(ctx, "unknown pop '%s'", es_quote(name, strlen(name), q, sizeof(q)));
	return 0;
}

/* http://HOST[:PORT][/PATH], HOST an IPv4 address or [IPv6]: no names, no
 * TLS (a probe must not depend on DNS, and the POP is ours). */
static int parse_url(struct cli_ctx *ctx, const char *url, struct esd_probe_spec *p)
{
	char host[64], msg[CLI_MSG_MAX], q[ES_QUOTE_BUFLEN];
	const char *s = url, *end, *hp;
	unsigned int port = 80;
	size_t hl;

	es_quote(url, strlen(url), q, sizeof(q));
	if (strncmp(s, "http://", 7))
		return cli_err(ctx, "invalid URL '%s': expected http://ADDR[:PORT][/PATH]", q);
	s += 7;
	if (*s == '[') {
		end = strchr(s, ']');
		if (!end)
			return cli_err(ctx, "invalid URL '%s': missing ']'", q);
		hp = s + 1;
		hl = (size_t)(end - hp);
		end++;
	} else {
		end = s + strcspn(s, ":/");
		hp = s;
		hl = (size_t)(end - s);
	}
	if (!hl || hl >= sizeof(host))
		return cli_err(ctx, "invalid URL '%s': bad host", q);
	memcpy(host, hp, hl);
	host[hl] = 0;
	if (es_parse_addr(host, &p->host_family, &p->host, msg, sizeof(msg)))
		return cli_err(ctx, "invalid URL '%s': the host must be an IP address", q);
	if (*end == ':') {
		char num[8];
		size_t nl = strcspn(end + 1, "/");

		if (!nl || nl >= sizeof(num))
			return cli_err(ctx, "invalid URL '%s': bad port", q);
		memcpy(num, end + 1, nl);
		num[nl] = 0;
		if (parse_uint(ctx, num, 1, 65535, "port", &port))
			return -1;
		end += 1 + nl;
	}
	if (*end && *end != '/')
		return cli_err(ctx, "invalid URL '%s': bad host", q);
	/* the authority as written: the Host header */
	if ((size_t)(end - s) >= sizeof(p->host_text))
		return cli_err(ctx, "invalid URL '%s': host too long", q);
	snprintf(p->host_text, sizeof(p->host_text), "%.*s", (int)(end - s), s);
	for (const char *c = end; *c; c++)
		if (*c <= ' ' || *c == 0x7f)
			return cli_err(ctx, "invalid URL '%s': spaces or control characters in the path", q);
	snprintf(p->path, sizeof(p->path), "%s", *end ? end : "/");
	p->port = (unsigned short)port;
	p->has_host = true;
	return 0;
}

static int do_probe(struct cli_ctx *ctx, struct esd_config *cfg, int argc, char **argv)
{
	static const char *const kinds[] = { "icmp", "tcp", "http", NULL };
	struct esd_probe_spec p = { 0 }, *np;
	unsigned int port = 0;
	const char *name, *arg;
	int k;

	name = GET_ARG("POP");
	if (!name || check_pop(ctx, name))
		return -1;
	snprintf(p.pop, sizeof(p.pop), "%s", name);
	for (size_t i = 0; i < cfg->nprobes; i++)
		if (!strcmp(cfg->probes[i].pop, name))
			return cli_err(ctx, "pop '%s' has a probe already (line %d)", name,
				       cfg->probes[i].lineno);
	arg = GET_ARG("KIND");
	if (!arg)
		return -1;
	k = cli_keyword(ctx, arg, kinds, "probe");
	if (k < 0)
		return -1;
	p.kind = (enum esd_probe_kind)k;
	if (p.kind == ESD_PROBE_TCP) {
		arg = GET_ARG("PORT");
		if (!arg || parse_uint(ctx, arg, 1, 65535, "tcp", &port))
			return -1;
		p.port = (unsigned short)port;
	} else if (p.kind == ESD_PROBE_HTTP) {
		arg = GET_ARG("URL");
		if (!arg || parse_url(ctx, arg, &p))
			return -1;
	}
	timing_default(&p.t, ESD_DEF_INTERVAL_MS, ESD_DEF_RISE, ESD_DEF_FALL);
	if (parse_timing(ctx, argc, argv, &p.t))
		return -1;
	p.lineno = ctx->batch_line;

	np = realloc(cfg->probes, (cfg->nprobes + 1) * sizeof(*np));
	if (!np)
		return cli_err(ctx, "out of memory");
	cfg->probes = np;
	cfg->probes[cfg->nprobes++] = p;
	return 0;
}

static int do_self_check(struct cli_ctx *ctx, struct esd_config *cfg, int argc, char **argv)
{
	static const char *const kinds[] = { "command", "drain-file", NULL };
	struct esd_self_spec *s = &cfg->self;
	const char *arg;
	int k;

	if (s->kind != ESD_SELF_NONE)
		return cli_err(ctx, "self-check given twice (line %d)", s->lineno);
	arg = GET_ARG("KIND");
	if (!arg || (k = cli_keyword(ctx, arg, kinds, "self-check")) < 0)
		return -1;
	arg = GET_ARG(k ? "PATH" : "CMD");
	if (!arg)
		return -1;
	if (!*arg || strlen(arg) >= sizeof(s->arg))
		return cli_err(ctx, "%s must be 1..%zu bytes", k ? "PATH" : "CMD",
			       sizeof(s->arg) - 1);
	snprintf(s->arg, sizeof(s->arg), "%s", arg);
	/* a drain file is the operator's switch: it acts on the first look */
	if (k)
		timing_default(&s->t, 1000, 1, 1);
	else
		timing_default(&s->t, ESD_DEF_INTERVAL_MS, ESD_DEF_RISE, ESD_DEF_FALL);
	if (parse_timing(ctx, argc, argv, &s->t))
		return -1;
	s->kind = k ? ESD_SELF_DRAIN_FILE : ESD_SELF_COMMAND;
	s->lineno = ctx->batch_line;
	return 0;
}

static int do_latency(struct cli_ctx *ctx, struct esd_config *cfg, int argc, char **argv)
{
	static const char *const kinds[] = { "file", "socket", NULL };
	const char *arg, *path;
	int k;

	arg = GET_ARG("file|socket");
	if (!arg || (k = cli_keyword(ctx, arg, kinds, "latency source")) < 0)
		return -1;
	path = GET_ARG("PATH");
	if (!path || !END_ARGS())
		return -1;
	if (!*path || strlen(path) >= PATH_MAX)
		return cli_err(ctx, "PATH must be 1..%d bytes", PATH_MAX - 1);
	if (k == 1) {
		if (cfg->latency_socket[0])
			return cli_err(ctx, "latency socket given twice");
		if (strlen(path) >= 108)	/* sun_path */
			return cli_err(ctx, "socket path longer than 107 bytes");
		snprintf(cfg->latency_socket, sizeof(cfg->latency_socket), "%s", path);
		return 0;
	}
	if (cfg->nlatency_files == ESD_MAX_LATENCY_FILES)
		return cli_err(ctx, "more than %d latency files", ESD_MAX_LATENCY_FILES);
	snprintf(cfg->latency_files[cfg->nlatency_files++], PATH_MAX, "%s", path);
	return 0;
}

static int do_policy(struct cli_ctx *ctx, struct esd_config *cfg, int argc, char **argv)
{
	static const char *const keys[] = { "min-gain-ms", "min-gain-pct", "hold-down", NULL };
	static const unsigned int max[] = { 60000, 100, 86400 };
	unsigned int *slot[] = { &cfg->min_gain_ms, &cfg->min_gain_pct, &cfg->hold_down_s };
	bool seen[3] = { 0 };
	const char *val;
	int k;

	if (!argc)
		return cli_err(ctx, "missing min-gain-ms N, min-gain-pct P or hold-down S after 'policy'");
	while (argc) {
		k = cli_keyword(ctx, *argv, keys, "keyword");
		if (k < 0)
			return -1;
		if (seen[k])
			return cli_err(ctx, "keyword '%s' given twice", keys[k]);
		seen[k] = true;
		NEXT_ARG();
		val = GET_ARG("N");
		if (!val || parse_uint(ctx, val, 0, max[k], keys[k], slot[k]))
			return -1;
	}
	return 0;
}

/* ADDR:PORT, [ADDR6]:PORT */
static int do_metrics(struct cli_ctx *ctx, struct esd_config *cfg, int argc, char **argv)
{
	static const char *const keys[] = { "listen", NULL };
	char host[64], msg[CLI_MSG_MAX], q[ES_QUOTE_BUFLEN];
	const char *arg, *colon, *hp;
	unsigned int port = 0;
	size_t hl;

	arg = GET_ARG("listen");
	if (!arg || cli_keyword(ctx, arg, keys, "keyword") < 0)
		return -1;
	arg = GET_ARG("ADDR:PORT");
	if (!arg || !END_ARGS())
		return -1;
	es_quote(arg, strlen(arg), q, sizeof(q));
	colon = strrchr(arg, ':');
	if (!colon)
		return cli_err(ctx, "invalid listen address '%s': expected ADDR:PORT or [ADDR]:PORT", q);
	hp = arg;
	hl = (size_t)(colon - arg);
	if (*arg == '[') {
		if (hl < 2 || colon[-1] != ']')
			return cli_err(ctx, "invalid listen address '%s': expected [ADDR]:PORT", q);
		hp++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return cli_err(ctx, "invalid listen address '%s'", q);
	memcpy(host, hp, hl);
	host[hl] = 0;
	if (es_parse_addr(host, &cfg->metrics_family, &cfg->metrics_addr, msg, sizeof(msg)))
		return cli_err_for(ctx, msg, "metrics listen");
	if (parse_uint(ctx, colon + 1, 1, 65535, "metrics listen port", &port))
		return -1;
	cfg->metrics_port = (unsigned short)port;
	cfg->metrics = true;
	return 0;
}

int esd_directive(struct cli_ctx *ctx, struct esd_config *cfg, int argc, char **argv)
{
	const char *word = argv[0];

	NEXT_ARG();
	if (!strcmp(word, "probe"))
		return do_probe(ctx, cfg, argc, argv);
	if (!strcmp(word, "self-check"))
		return do_self_check(ctx, cfg, argc, argv);
	if (!strcmp(word, "latency"))
		return do_latency(ctx, cfg, argc, argv);
	if (!strcmp(word, "policy"))
		return do_policy(ctx, cfg, argc, argv);
	return do_metrics(ctx, cfg, argc, argv);
}
