// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * edgesteer link: attach the program to interfaces and detach it. Each
 * attachment is a bpf_link pinned under the pin path, so the program stays
 * attached after the command exits, and one set of maps serves every
 * interface. Attaching again in the same mode changes nothing. `egress`
 * attaches the other program of the object instead: the MSS clamp for
 * tunnelled connections, on the tc egress of the interface replies leave by.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "links.h"
#include "parse.h"
#include "upgrade.h"

const char *const link_usage[] = {
	"attach dev IFNAME [mode MODE]",
	"attach dev IFNAME egress",
	"detach dev IFNAME [egress]",
	"show",
	"upgrade",
	"help",
	"MODE := { native | generic }  (default native; generic for drivers without native XDP)",
	NULL,
};

static const char *const mode_names[] = { "native", "generic", NULL };

/* An interface name as the kernel allows it; it also becomes part of a
 * pin file name, so nothing may escape the pin directory. */
static int parse_ifname(struct cli_ctx *ctx, const char *s)
{
	char q[ES_QUOTE_BUFLEN];
	size_t n = strlen(s);

	if (!n || n >= IF_NAMESIZE || !strcmp(s, ".") || !strcmp(s, "..") ||
	    strpbrk(s, "/: \t\n"))
		return cli_err(ctx, "invalid interface name '%s'", es_quote(s, n, q, sizeof(q)));
	return 0;
}

/* `dev IFNAME [mode MODE | egress]`; mode is NULL when the command takes
 * none (detach). */
static int link_parse(struct cli_ctx *ctx, int argc, char **argv, const char **dev, int *mode,
		      bool *egress)
{
	static const char *const attach_keys[] = { "dev", "mode", "egress", NULL };
	static const char *const detach_keys[] = { "dev", "egress", NULL };
	const char *const *keys = mode ? attach_keys : detach_keys;
	const char *val[2] = { 0 };
	int k;

	*egress = false;
	while (argc) {
		k = cli_keyword(ctx, *argv, keys, "keyword");
		if (k < 0)
			return -1;
		if (!strcmp(keys[k], "egress")) {
			if (*egress)
				return cli_err(ctx, "keyword 'egress' given twice");
			*egress = true;
			NEXT_ARG();
			continue;
		}
		if (val[k])
			return cli_err(ctx, "keyword '%s' given twice", keys[k]);
		NEXT_ARG();
		val[k] = GET_ARG(k ? "MODE" : "IFNAME");
		if (!val[k])
			return -1;
	}
	if (!val[0])
		return cli_err(ctx, "missing dev IFNAME");
	if (*egress && val[1])
		return cli_err(ctx, "egress takes no mode: the MSS clamp is a tc program, not XDP");
	if (parse_ifname(ctx, val[0]))
		return -1;
	*dev = val[0];
	if (mode) {
		*mode = ES_XDP_NATIVE;
		if (val[1]) {
			k = cli_keyword(ctx, val[1], mode_names, "mode");
			if (k < 0)
				return -1;
			*mode = k;
		}
	}
	return 0;
}

/*
 * How edgesteer is attached to dev: -1 not at all, else the mode. The
 * pinned state, or in pass 1 of a batch what its earlier lines would
 * leave: pending "link" IFNAME (attached or detached) and "link-generic"
 * IFNAME (ADDED: in generic mode). stale: the pin outlived its interface.
 */
static int link_mode(struct cli_ctx *ctx, struct es_state *st, const char *dev, bool *stale)
{
	struct es_link_info *v;
	int mode = -1, err;
	size_t n;

	*stale = false;
	switch (cli_pending_get(ctx, "link", dev)) {
	case CLI_PENDING_ADDED:
		return cli_pending_get(ctx, "link-generic", dev) == CLI_PENDING_ADDED ?
		       ES_XDP_GENERIC : ES_XDP_NATIVE;
	case CLI_PENDING_DELETED:
		return -1;
	default:
		break;
	}
	err = es_link_list(st, &v, &n);
	if (err) {
		cli_err(ctx, "cannot list links: %s", strerror(-err));
		return -2;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].ifname, dev) || v[i].egress)
			continue;
		/* a stale pin of an older interface of that name: attach
		 * replaces it, detach removes it */
		if (mode < 0 || !v[i].stale) {
			mode = v[i].mode;
			*stale = v[i].stale;
		}
	}
	free(v);
	return mode;
}

/*
 * Whether the MSS clamp is on dev's egress: 1 yes, 0 no, -2 error (after
 * cli_err). Pending "link-egress" IFNAME in pass 1 of a batch.
 */
static int egress_attached(struct cli_ctx *ctx, struct es_state *st, const char *dev,
			   bool *stale)
{
	struct es_link_info *v;
	int found = 0, err;
	size_t n;

	*stale = false;
	switch (cli_pending_get(ctx, "link-egress", dev)) {
	case CLI_PENDING_ADDED:
		return 1;
	case CLI_PENDING_DELETED:
		return 0;
	default:
		break;
	}
	err = es_link_list(st, &v, &n);
	if (err) {
		cli_err(ctx, "cannot list links: %s", strerror(-err));
		return -2;
	}
	for (size_t i = 0; i < n && !found; i++) {
		if (v[i].egress && !strcmp(v[i].ifname, dev)) {
			found = 1;
			*stale = v[i].stale;
		}
	}
	free(v);
	return found;
}

static int egress_attach(struct cli_ctx *ctx, struct es_state *st, const char *dev)
{
	bool stale;
	int now, err;

	now = egress_attached(ctx, st, dev, &stale);
	if (now == -2)
		return -1;
	if (now && !stale)
		return 0;	/* attached already: nothing to do */
	if (st->mss_prog_fd < 0)
		return cli_err(ctx, "the pinned state predates the MSS clamp: nothing to attach");
	if (ctx->dry_run)
		return cli_pending_set(ctx, "link-egress", dev, CLI_PENDING_ADDED);
	err = es_link_attach_egress(st, dev);
	switch (err) {
	case 0:
		return 0;
	case -ENODEV:
		return cli_err(ctx, "no interface '%s'", dev);
	default:
		return cli_err(ctx, "cannot attach the MSS clamp to the egress of '%s': %s", dev,
			       strerror(-err));
	}
}

static int egress_detach(struct cli_ctx *ctx, struct es_state *st, const char *dev)
{
	bool stale;
	int now, err;

	now = egress_attached(ctx, st, dev, &stale);
	if (now == -2)
		return -1;
	if (!now)
		return cli_err(ctx, "the MSS clamp is not attached to the egress of '%s'", dev);
	if (ctx->dry_run)
		return cli_pending_set(ctx, "link-egress", dev, CLI_PENDING_DELETED);
	err = es_link_detach_egress(st, dev);
	if (err == -ENOENT)
		return cli_err(ctx, "the MSS clamp is not attached to the egress of '%s'", dev);
	if (err)
		return cli_err(ctx, "cannot detach the MSS clamp from '%s': %s", dev,
			       strerror(-err));
	return 0;
}

static int link_attach(struct cli_ctx *ctx, int argc, char **argv)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct es_state *st;
	const char *dev;
	int mode, now, err;
	__u32 ifindex;
	bool stale, egress;

	if (link_parse(ctx, argc, argv, &dev, &mode, &egress))
		return -1;
	ifindex = if_nametoindex(dev);
	if (!ifindex)
		return cli_err(ctx, "no interface '%s'", dev);
	st = cli_state(ctx, true);
	if (!st)
		return -1;
	if (egress)
		return egress_attach(ctx, st, dev);
	now = link_mode(ctx, st, dev, &stale);
	if (now == -2)
		return -1;
	if (now >= 0 && !stale && now != mode)
		return cli_err(ctx, "edgesteer is attached to '%s' in %s mode: detach it first to use %s mode",
			       dev, mode_names[now], mode_names[mode]);
	if (now >= 0 && !stale)
		return 0;	/* attached already: nothing to do */

	if (ctx->dry_run) {
		/* what the kernel will refuse, as far as it can be seen now */
		if (!bpf_xdp_query((int)ifindex, 0, &q) && (q.drv_prog_id || q.skb_prog_id ||
							    q.hw_prog_id))
			return cli_err(ctx, "another XDP program is attached to '%s'", dev);
		if (cli_pending_set(ctx, "link", dev, CLI_PENDING_ADDED))
			return -1;
		return cli_pending_set(ctx, "link-generic", dev,
				       mode == ES_XDP_GENERIC ? CLI_PENDING_ADDED :
				       CLI_PENDING_DELETED);
	}
	err = es_link_attach(st, dev, mode);
	switch (err) {
	case 0:
		return 0;
	case -ENODEV:
		return cli_err(ctx, "no interface '%s'", dev);
	case -EOPNOTSUPP:
		return cli_err(ctx, "driver of '%s' cannot run XDP in native mode (use mode generic)",
			       dev);
	case -EEXIST:
		return cli_err(ctx, "another XDP program is attached to '%s'", dev);
	default:
		return cli_err(ctx, "cannot attach to '%s' in %s mode: %s", dev, mode_names[mode],
			       strerror(-err));
	}
}

static int link_detach(struct cli_ctx *ctx, int argc, char **argv)
{
	struct es_state *st;
	const char *dev;
	int now, err;
	bool stale, egress;

	if (link_parse(ctx, argc, argv, &dev, NULL, &egress))
		return -1;
	st = cli_state(ctx, true);
	if (!st)
		return -1;
	if (egress)
		return egress_detach(ctx, st, dev);
	now = link_mode(ctx, st, dev, &stale);
	if (now == -2)
		return -1;
	if (now < 0)
		return cli_err(ctx, "edgesteer is not attached to '%s'", dev);
	if (ctx->dry_run)
		return cli_pending_set(ctx, "link", dev, CLI_PENDING_DELETED);
	err = es_link_detach(st, dev);
	if (err == -ENOENT)
		return cli_err(ctx, "edgesteer is not attached to '%s'", dev);
	if (err)
		return cli_err(ctx, "cannot detach from '%s': %s", dev, strerror(-err));
	return 0;
}

static int link_cmp(const void *a, const void *b)
{
	const struct es_link_info *x = a, *y = b;
	int c = strcmp(x->ifname, y->ifname);

	return c ? c : (int)x->egress - (int)y->egress;
}

static int link_show(struct cli_ctx *ctx, int argc, char **argv)
{
	json_writer_t *jw = ctx->jw;
	struct es_link_info *v;
	struct es_state *st;
	size_t n;
	int err;

	if (!END_ARGS())
		return -1;
	st = cli_state(ctx, false);
	if (!st)
		return -1;
	if (ctx->dry_run)
		return 0;
	err = es_link_list(st, &v, &n);
	if (err)
		return cli_err(ctx, "cannot list links: %s", strerror(-err));
	if (n)
		qsort(v, n, sizeof(*v), link_cmp);
	if (jw)
		jsonw_start_array(jw);
	for (size_t i = 0; i < n; i++) {
		const char *mode = v[i].egress ? "egress" :
				   v[i].mode == ES_XDP_GENERIC ? "generic" : "native";

		if (!jw) {
			printf("%s  ifindex %u  mode %s  link %u  prog %u%s\n", v[i].ifname,
			       v[i].ifindex, mode, v[i].link_id, v[i].prog_id,
			       v[i].stale ? "  stale (interface gone: detach it)" : "");
			continue;
		}
		jsonw_start_object(jw);
		jsonw_string_field(jw, "dev", v[i].ifname);
		jsonw_uint_field(jw, "ifindex", v[i].ifindex);
		jsonw_string_field(jw, "mode", mode);
		jsonw_uint_field(jw, "link_id", v[i].link_id);
		jsonw_uint_field(jw, "prog_id", v[i].prog_id);
		jsonw_bool_field(jw, "stale", v[i].stale);
		jsonw_end_object(jw);
	}
	if (jw)
		jsonw_end_array(jw);
	free(v);
	return 0;
}

/*
 * Replace the pinned programs with this build's, keeping every map and
 * moving every link in place (upgrade.h): no packet finds the hook empty.
 * In a batch's first pass, only whether the pinned maps fit this build.
 */
static int link_upgrade(struct cli_ctx *ctx, int argc, char **argv)
{
	struct es_upgrade_result r;
	struct es_state *st;
	int err;

	if (!END_ARGS())
		return -1;
	st = cli_state(ctx, false);
	if (!st)
		return -1;
	err = ctx->dry_run ? es_upgrade_check(st, &r) : es_upgrade(st, 0, &r);
	if (err)
		return cli_err(ctx, "upgrade failed, nothing changed: %s", r.detail);
	if (ctx->dry_run)
		return 0;
	if (ctx->jw) {
		jsonw_start_object(ctx->jw);
		jsonw_bool_field(ctx->jw, "changed", r.changed);
		jsonw_uint_field(ctx->jw, "old_prog_id", r.old_prog_id);
		jsonw_uint_field(ctx->jw, "new_prog_id", r.new_prog_id);
		jsonw_uint_field(ctx->jw, "old_mss_prog_id", r.old_mss_prog_id);
		jsonw_uint_field(ctx->jw, "new_mss_prog_id", r.new_mss_prog_id);
		jsonw_uint_field(ctx->jw, "links", r.nlinks);
		jsonw_uint_field(ctx->jw, "new_maps", r.new_maps);
		jsonw_end_object(ctx->jw);
	} else if (r.replaced) {
		printf("prog %u -> %u, mss prog %u -> %u, %zu link%s moved%s%s\n", r.old_prog_id,
		       r.new_prog_id, r.old_mss_prog_id, r.new_mss_prog_id, r.nlinks,
		       r.nlinks == 1 ? "" : "s", r.changed ? "" : " (same program build)",
		       r.new_maps ? ", new maps pinned" : "");
	}
	return 0;
}

static int link_help(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_usage(ctx, "link", link_usage);
}

static const struct cli_cmd link_cmds[] = {
	{ "show",	link_show },
	{ "attach",	link_attach },
	{ "detach",	link_detach },
	{ "upgrade",	link_upgrade },
	{ "help",	link_help },
	{ 0 }
};

int do_link(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, link_cmds, argc, argv, "link");
}
