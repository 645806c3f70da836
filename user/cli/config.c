// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * edgesteer config: the run-time knobs of the data path that belong to no
 * object, in the `config` map the program reads on every packet (a change
 * takes effect on the next one):
 *   - icmp-rate, icmp-burst: the token bucket that limits the ICMP errors
 *     the edge sends about packets too big for their tunnel. One bucket
 *     per CPU (no shared cache line), so the edge as a whole may send up
 *     to rate x CPUs per second. Rate 0 sends none.
 *   - mss-clamp: whether a receiving POP lowers the MSS of the SYN-ACKs
 *     it sends for connections that came through a tunnel.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "parse.h"
#include "pops.h"

#define CONFIG_RATE_MAX		10000000	/* far above any sane rate: a typo guard */
#define CONFIG_BURST_MAX	10000000

const char *const config_usage[] = {
	"show",
	"set [icmp-rate N] [icmp-burst N] [mss-clamp on|off]",
	"help",
	"icmp-rate N := ICMP errors sent per second and per CPU, 0..10000000 (0: none; default 1000)",
	"icmp-burst N := ICMP errors a CPU may send at once, 1..10000000 (default 50)",
	"mss-clamp := lower the MSS of SYN-ACKs of tunnelled connections to fit (default on)",
	NULL,
};

enum config_key { K_RATE, K_BURST, K_MSS, K_NKEYS };

static const char *const config_keys[] = { "icmp-rate", "icmp-burst", "mss-clamp", NULL };
static const char *const on_off[] = { "on", "off", NULL };

static int parse_num(struct cli_ctx *ctx, const char *s, __u32 min, __u32 max, const char *what,
		     __u32 *out)
{
	char msg[CLI_MSG_MAX], q[ES_QUOTE_BUFLEN];
	int err = es_parse_u32(s, min, max, out, msg, sizeof(msg));

	if (err == -ERANGE)
		return cli_err(ctx, "%s '%s' out of range %u..%u", what,
			       es_quote(s, strlen(s), q, sizeof(q)), min, max);
	return err ? cli_err_for(ctx, msg, what) : 0;
}

static void config_print(struct cli_ctx *ctx, const struct es_config *cfg)
{
	bool clamp = !(cfg->flags & ES_CONFIG_NO_MSS_CLAMP);

	if (ctx->jw) {
		jsonw_start_object(ctx->jw);
		jsonw_uint_field(ctx->jw, "icmp_rate", cfg->icmp_rate);
		jsonw_uint_field(ctx->jw, "icmp_burst", cfg->icmp_burst);
		jsonw_bool_field(ctx->jw, "mss_clamp", clamp);
		jsonw_end_object(ctx->jw);
		return;
	}
	printf("icmp-rate %u\n", cfg->icmp_rate);
	printf("icmp-burst %u\n", cfg->icmp_burst);
	printf("mss-clamp %s\n", clamp ? "on" : "off");
}

static int config_show(struct cli_ctx *ctx, int argc, char **argv)
{
	struct es_config cfg;
	struct es_state *st;
	int err;

	if (!END_ARGS())
		return -1;
	st = cli_state(ctx, false);
	if (!st)
		return -1;
	if (ctx->dry_run)
		return 0;
	err = es_config_get(st, &cfg);
	if (err)
		return cli_err(ctx, "cannot read the configuration: %s", strerror(-err));
	config_print(ctx, &cfg);
	return 0;
}

static int config_set(struct cli_ctx *ctx, int argc, char **argv)
{
	bool seen[K_NKEYS] = { false };
	__u32 rate = 0, burst = 0;
	struct es_config cfg;
	struct es_state *st;
	int k, clamp = 0, err;

	if (!argc)
		return cli_err(ctx, "missing icmp-rate, icmp-burst or mss-clamp after 'set'");
	while (argc) {
		const char *val;

		k = cli_keyword(ctx, *argv, config_keys, "keyword");
		if (k < 0)
			return -1;
		NEXT_ARG();
		if (seen[k])
			return cli_err(ctx, "%s given twice", config_keys[k]);
		seen[k] = true;
		val = GET_ARG(k == K_MSS ? "on|off" : "N");
		if (!val)
			return -1;
		switch (k) {
		case K_RATE:
			if (parse_num(ctx, val, 0, CONFIG_RATE_MAX, "icmp-rate", &rate))
				return -1;
			break;
		case K_BURST:
			if (parse_num(ctx, val, 1, CONFIG_BURST_MAX, "icmp-burst", &burst))
				return -1;
			break;
		default:
			clamp = cli_keyword(ctx, val, on_off, "mss-clamp");
			if (clamp < 0)
				return -1;
			break;
		}
	}

	st = cli_state(ctx, true);
	if (!st)
		return -1;
	if (ctx->dry_run)
		return 0;
	err = es_config_get(st, &cfg);
	if (err)
		return cli_err(ctx, "cannot read the configuration: %s", strerror(-err));
	if (seen[K_RATE])
		cfg.icmp_rate = rate;
	if (seen[K_BURST])
		cfg.icmp_burst = burst;
	if (seen[K_MSS]) {
		if (clamp == 0)
			cfg.flags &= (__u8)~ES_CONFIG_NO_MSS_CLAMP;
		else
			cfg.flags |= ES_CONFIG_NO_MSS_CLAMP;
	}
	err = es_config_set(st, &cfg);
	if (err)
		return cli_err(ctx, "cannot write the configuration: %s", strerror(-err));
	return 0;
}

static int config_help(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_usage(ctx, "config", config_usage);
}

static const struct cli_cmd config_cmds[] = {
	{ "show",	config_show },
	{ "set",	config_set },
	{ "help",	config_help },
	{ 0 }
};

int do_config(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, config_cmds, argc, argv, "config");
}
