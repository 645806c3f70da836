// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * TEMPORARY: entry points and usage of the objects whose files have not
 * landed yet, so that the binary links and `help` shows the whole grammar
 * (from issue 3) meanwhile. When OBJECT.c lands with do_OBJECT() and
 * OBJECT_usage[], delete that object's block here; delete the file with
 * the last one.
 */
#include "cli.h"

/* `OBJECT help` works already; anything else says what is missing. */
static int unavailable(struct cli_ctx *ctx, const char *object, const char *const *usage,
		       int argc, char **argv)
{
	if (argc && cli_is_prefix(argv[0], "help"))
		return cli_usage(ctx, object, usage);
	return cli_err(ctx, "object '%s' is not available in this build", object);
}

/* ---- link ---------------------------------------------------------------- */
const char *const link_usage[] = {
	"attach dev IFNAME [mode MODE]",
	"detach dev IFNAME",
	"show",
	"help",
	"MODE := { native | generic }",
	NULL,
};

int do_link(struct cli_ctx *ctx, int argc, char **argv)
{
	return unavailable(ctx, "link", link_usage, argc, argv);
}

/* ---- pop ----------------------------------------------------------------- */
const char *const pop_usage[] = {
	"add NAME id ID tunnel ADDR [encap ENCAP] [src ADDR] [mtu N] [state STATE]",
	"add NAME id ID redirect dev IFNAME [dmac MAC] [state STATE]",
	"self NAME",
	"set NAME state STATE",
	"del NAME",
	"show [NAME]",
	"help",
	"ENCAP := { ipip | gue }",
	"STATE := { up | drain | down }",
	NULL,
};

int do_pop(struct cli_ctx *ctx, int argc, char **argv)
{
	return unavailable(ctx, "pop", pop_usage, argc, argv);
}

/* ---- vip ----------------------------------------------------------------- */
const char *const vip_usage[] = {
	"add ADDR [proto PROTO [port N]]",
	"del ADDR [proto PROTO [port N]]",
	"show",
	"help",
	"PROTO := { tcp | udp }",
	NULL,
};

int do_vip(struct cli_ctx *ctx, int argc, char **argv)
{
	return unavailable(ctx, "vip", vip_usage, argc, argv);
}

/* ---- peer ---------------------------------------------------------------- */
const char *const peer_usage[] = {
	"add ADDR",
	"del ADDR",
	"show",
	"help",
	NULL,
};

int do_peer(struct cli_ctx *ctx, int argc, char **argv)
{
	return unavailable(ctx, "peer", peer_usage, argc, argv);
}

/* ---- prefix -------------------------------------------------------------- */
const char *const prefix_usage[] = {
	"add CIDR pops NAME[,NAME...]",
	"add CIDR local",
	"add CIDR drop",
	"del CIDR",
	"show [CIDR]",
	"lookup ADDR",
	"load FILE [replace]",
	"dump FILE",
	"help",
	NULL,
};

int do_prefix(struct cli_ctx *ctx, int argc, char **argv)
{
	return unavailable(ctx, "prefix", prefix_usage, argc, argv);
}

/* ---- stats --------------------------------------------------------------- */
const char *const stats_usage[] = {
	"show",
	"reset",
	"help",
	NULL,
};

int do_stats(struct cli_ctx *ctx, int argc, char **argv)
{
	return unavailable(ctx, "stats", stats_usage, argc, argv);
}

/* ---- flow ---------------------------------------------------------------- */
const char *const flow_usage[] = {
	"show",
	"flush",
	"help",
	NULL,
};

int do_flow(struct cli_ctx *ctx, int argc, char **argv)
{
	return unavailable(ctx, "flow", flow_usage, argc, argv);
}
