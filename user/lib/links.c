// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include "links.h"

static const char *const mode_names[] = { "native", "generic" };

/* BPF_TCX_EGRESS: kernel 6.6, newer than this libbpf's uapi headers */
#define ES_TCX_EGRESS		47
#define EGRESS_PIN		"egress"

/* The pin name carries the mode: link info does not report it. */
static int link_pin_path(const struct es_state *st, const char *ifname, enum es_xdp_mode mode,
			 char *buf, size_t len)
{
	if (!st->pin_path[0])
		return -EINVAL;		/* a private instance cannot pin */
	if (snprintf(buf, len, "%s/link_%s_%s", st->pin_path, mode_names[mode], ifname) >=
	    (int)len)
		return -ENAMETOOLONG;
	return 0;
}

static int egress_pin_path(const struct es_state *st, const char *ifname, char *buf, size_t len)
{
	if (!st->pin_path[0])
		return -EINVAL;
	if (snprintf(buf, len, "%s/link_" EGRESS_PIN "_%s", st->pin_path, ifname) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/* The ifindex a pinned link is attached to, 0 when its interface is gone.
 * An XDP and a tcx link report it at the same place of the info union. */
static int link_ifindex(int fd, __u32 *ifindex, __u32 *link_id, __u32 *prog_id)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*ifindex = info.xdp.ifindex;
	if (link_id)
		*link_id = info.id;
	if (prog_id)
		*prog_id = info.prog_id;
	return 0;
}

/* 1: attached there and alive; 0: not pinned (a stale pin is removed). */
static int pinned_alive(const char *path, __u32 ifindex)
{
	__u32 have = 0;
	int fd, err;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = link_ifindex(fd, &have, NULL, NULL);
	close(fd);
	if (err)
		return err;
	if (have == ifindex)
		return 1;
	unlink(path);	/* the interface went away (or was renumbered) */
	return 0;
}

int es_link_attach(struct es_state *st, const char *ifname, enum es_xdp_mode mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	char path[PATH_MAX], other[PATH_MAX];
	__u32 ifindex = if_nametoindex(ifname);
	int fd, err;

	if (!ifindex)
		return -ENODEV;
	err = link_pin_path(st, ifname, mode, path, sizeof(path));
	if (!err)
		err = link_pin_path(st, ifname, !mode, other, sizeof(other));
	if (err)
		return err;
	err = pinned_alive(other, ifindex);
	if (err)
		return err < 0 ? err : -EEXIST;
	err = pinned_alive(path, ifindex);
	if (err)
		return err < 0 ? err : 0;	/* already attached: idempotent */

	opts.flags = mode == ES_XDP_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	fd = bpf_link_create(st->prog_fd, ifindex, BPF_XDP, &opts);
	if (fd < 0) {
		err = -errno;
		/* another program attached (by netlink or another link) */
		if (err == -EBUSY)
			err = -EEXIST;
		return err;
	}
	if (bpf_obj_pin(fd, path)) {
		err = -errno;
		close(fd);	/* detaches: nothing stays half-done */
		return err;
	}
	close(fd);
	return 0;
}

/* Detach the link pinned at path and remove the pin; -ENOENT: none. */
static int pinned_detach(const char *path)
{
	int fd = bpf_obj_get(path), err;

	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	/* detach first: other processes may hold the link open */
	err = bpf_link_detach(fd) ? -errno : 0;
	close(fd);
	if (err && err != -ENOLINK)
		return err;
	unlink(path);
	return 0;
}

int es_link_detach(struct es_state *st, const char *ifname)
{
	char path[PATH_MAX];
	int err;

	for (int mode = ES_XDP_NATIVE; mode <= ES_XDP_GENERIC; mode++) {
		err = link_pin_path(st, ifname, mode, path, sizeof(path));
		if (err)
			return err;
		err = pinned_detach(path);
		if (err != -ENOENT)
			return err;
	}
	return -ENOENT;
}

int es_link_attach_egress(struct es_state *st, const char *ifname)
{
	__u32 ifindex = if_nametoindex(ifname);
	char path[PATH_MAX];
	int fd, err;

	if (!ifindex)
		return -ENODEV;
	if (st->mss_prog_fd < 0)
		return -ENOPROTOOPT;
	err = egress_pin_path(st, ifname, path, sizeof(path));
	if (err)
		return err;
	err = pinned_alive(path, ifindex);
	if (err)
		return err < 0 ? err : 0;	/* already attached: idempotent */

	/* appended after whatever else runs there; it never ends the chain */
	fd = bpf_link_create(st->mss_prog_fd, ifindex, ES_TCX_EGRESS, NULL);
	if (fd < 0)
		return -errno;
	if (bpf_obj_pin(fd, path)) {
		err = -errno;
		close(fd);	/* detaches: nothing stays half-done */
		return err;
	}
	close(fd);
	return 0;
}

int es_link_detach_egress(struct es_state *st, const char *ifname)
{
	char path[PATH_MAX];
	int err = egress_pin_path(st, ifname, path, sizeof(path));

	return err ? err : pinned_detach(path);
}

int es_link_list(struct es_state *st, struct es_link_info **out, size_t *n_out)
{
	struct es_link_info *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir;

	*out = NULL;
	*n_out = 0;
	if (!st->pin_path[0])
		return 0;
	dir = opendir(st->pin_path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char path[PATH_MAX];
		struct es_link_info li = { 0 };
		const char *rest;
		int fd;

		if (strncmp(de->d_name, "link_", 5))
			continue;
		rest = de->d_name + 5;
		if (!strncmp(rest, "native_", 7)) {
			li.mode = ES_XDP_NATIVE;
			rest += 7;
		} else if (!strncmp(rest, "generic_", 8)) {
			li.mode = ES_XDP_GENERIC;
			rest += 8;
		} else if (!strncmp(rest, EGRESS_PIN "_", sizeof(EGRESS_PIN))) {
			li.egress = true;
			rest += sizeof(EGRESS_PIN);
		} else {
			continue;
		}
		snprintf(li.ifname, sizeof(li.ifname), "%s", rest);
		if (snprintf(path, sizeof(path), "%s/%s", st->pin_path, de->d_name) >=
		    (int)sizeof(path))
			continue;
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (link_ifindex(fd, &li.ifindex, &li.link_id, &li.prog_id) || !li.ifindex)
			li.stale = true;
		close(fd);
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			void *nv = realloc(v, ncap * sizeof(*v));

			if (!nv) {
				free(v);
				closedir(dir);
				return -ENOMEM;
			}
			v = nv;
			cap = ncap;
		}
		v[n++] = li;
	}
	closedir(dir);
	*out = v;
	*n_out = n;
	return 0;
}
