// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * In-place upgrade of the pinned programs (upgrade.h). The order is what
 * makes it safe: everything that can fail for a reason of ours (a map this
 * build cannot share, the load, pinning the new programs under temporary
 * names) happens before the first link moves; links move one by one with
 * bpf_link_update, each atomically for its hook, and are moved back if one
 * refuses; the final renames only replace names.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "upgrade.h"
#include "edgesteer.skel.h"

#define PROG_PIN	"prog"
#define MSS_PROG_PIN	"prog_mss"
#define TMP_SUFFIX	"_upgrade"	/* bpffs refuses dots; never "link_": not a link */

static int detail(struct es_upgrade_result *res, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int detail(struct es_upgrade_result *res, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
	return err;
}

static int pin_name(const struct es_state *st, const char *name, const char *suffix, char *buf)
{
	if (snprintf(buf, PATH_MAX, "%s/%s%s", st->pin_path, name, suffix) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* Capacities chosen when the state was created (es_limits): this build
 * takes the pinned ones. */
static bool sized_at_creation(const struct bpf_map *m)
{
	return !strcmp(bpf_map__name(m), "flows") || !strcmp(bpf_map__name(m), "prefixes");
}

static int map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, len);
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

/* The flags the map was asked for: the kernel makes device maps read-only
 * for programs whatever was asked. */
static __u32 pinned_flags(const struct bpf_map_info *in)
{
	if (in->type == BPF_MAP_TYPE_DEVMAP || in->type == BPF_MAP_TYPE_DEVMAP_HASH)
		return in->map_flags & ~BPF_F_RDONLY_PROG;
	return in->map_flags;
}

/* What differs between a pinned map and this build's definition, or NULL. */
static const char *map_mismatch(const struct bpf_map *m, const struct bpf_map_info *in,
				char *buf, size_t len)
{
	if (in->type != bpf_map__type(m))
		snprintf(buf, len, "type %u pinned, %u in this build", in->type,
			 bpf_map__type(m));
	else if (in->key_size != bpf_map__key_size(m))
		snprintf(buf, len, "key size %u pinned, %u in this build", in->key_size,
			 bpf_map__key_size(m));
	else if (in->value_size != bpf_map__value_size(m))
		snprintf(buf, len, "value size %u pinned, %u in this build", in->value_size,
			 bpf_map__value_size(m));
	else if (pinned_flags(in) != bpf_map__map_flags(m))
		snprintf(buf, len, "flags 0x%x pinned, 0x%x in this build", pinned_flags(in),
			 bpf_map__map_flags(m));
	else if (!sized_at_creation(m) && in->max_entries != bpf_map__max_entries(m))
		snprintf(buf, len, "%u entries pinned, %u in this build", in->max_entries,
			 bpf_map__max_entries(m));
	else
		return NULL;
	return buf;
}

/*
 * Every map of this build against its pin: the same kind, key, value,
 * flags and size, or the upgrade stops before anything is loaded (libbpf
 * would refuse the load too, but only after pinning the maps it creates,
 * and without saying which map). The pinned maps are handed to the object
 * as they are: libbpf 1.1's own check by pin path refuses any pinned
 * device map (the kernel adds a flag to it), so it is not asked.
 */
static int maps_adopt(struct edgesteer_bpf *skel, struct es_upgrade_result *res)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, skel->obj) {
		const char *path = bpf_map__pin_path(m), *why;
		struct bpf_map_info info;
		char buf[96];
		int fd, err;

		if (!path)
			continue;	/* not shared between builds (e.g. ICMP buckets) */
		fd = bpf_obj_get(path);
		if (fd < 0 && errno == ENOENT) {
			res->new_maps++;	/* created and pinned by the load */
			continue;
		}
		if (fd < 0)
			return detail(res, -errno, "cannot open pinned map '%s': %s",
				      bpf_map__name(m), strerror(errno));
		err = map_info(fd, &info);
		if (err) {
			close(fd);
			return detail(res, err, "cannot read pinned map '%s': %s",
				      bpf_map__name(m), strerror(-err));
		}
		why = map_mismatch(m, &info, buf, sizeof(buf));
		if (why) {
			close(fd);
			return detail(res, -EPROTO,
				      "pinned map '%s' is incompatible with this build: %s",
				      bpf_map__name(m), why);
		}
		err = bpf_map__reuse_fd(m, fd);		/* takes a duplicate */
		close(fd);
		if (!err)
			err = bpf_map__set_pin_path(m, NULL);
		if (err)
			return detail(res, err, "cannot reuse pinned map '%s': %s",
				      bpf_map__name(m), strerror(-err));
	}
	return 0;
}

/* This build's object, opened with every pinned map adopted; loaded
 * unless check_only. */
static int object_open(struct es_state *st, bool check_only, struct edgesteer_bpf **out,
		       struct es_upgrade_result *res)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .pin_root_path = st->pin_path);
	struct edgesteer_bpf *skel;
	int err;

	skel = edgesteer_bpf__open_opts(&oopts);
	if (!skel)
		return detail(res, -errno, "cannot open the embedded BPF object: %s",
			      strerror(errno));
	err = maps_adopt(skel, res);
	if (!err && !check_only) {
		err = edgesteer_bpf__load(skel);
		if (err)
			detail(res, err, "cannot load this build's programs on the pinned maps: %s",
			       strerror(-err));
	}
	if (err || check_only) {
		edgesteer_bpf__destroy(skel);
		return err;
	}
	*out = skel;
	return 0;
}

int es_upgrade_check(struct es_state *st, struct es_upgrade_result *res)
{
	memset(res, 0, sizeof(*res));
	if (!st->pin_path[0])
		return detail(res, -EINVAL, "a private instance has nothing pinned to upgrade");
	return object_open(st, true, NULL, res);
}

static int prog_info(int fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, len);
	if (fd < 0)
		return 0;	/* no such program: id 0, empty tag */
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

/* One pinned link on the move: its descriptor and the program it ran. */
struct moved_link {
	int fd;
	__u32 old_prog_id;
};

static int link_target(const char *name, int xdp_fd, int mss_fd)
{
	if (!strncmp(name, "link_native_", 12) || !strncmp(name, "link_generic_", 13))
		return xdp_fd;
	if (!strncmp(name, "link_egress_", 12))
		return mss_fd;
	return -1;
}

/* Put every moved link back on the program it ran; best effort, the
 * update that failed left its own link where it was. */
static void links_restore(struct moved_link *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int fd = bpf_prog_get_fd_by_id(v[i].old_prog_id);

		if (fd >= 0) {
			bpf_link_update(v[i].fd, fd, NULL);
			close(fd);
		}
	}
}

static int links_move(struct es_state *st, int xdp_fd, int mss_fd, struct es_upgrade_result *res)
{
	struct moved_link *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int err = 0;
	DIR *dir;

	dir = opendir(st->pin_path);
	if (!dir)
		return detail(res, -errno, "cannot list '%s': %s", st->pin_path, strerror(errno));
	while (!err && (de = readdir(dir))) {
		int target = link_target(de->d_name, xdp_fd, mss_fd);
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		char path[PATH_MAX];
		int fd;

		if (target < 0 || pin_name(st, de->d_name, "", path))
			continue;
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;	/* removed meanwhile */
		/* a link whose interface is gone runs nothing: leave it */
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.xdp.ifindex) {
			close(fd);
			continue;
		}
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			void *nv = realloc(v, ncap * sizeof(*v));

			if (!nv) {
				close(fd);
				err = detail(res, -ENOMEM, "out of memory");
				break;
			}
			v = nv;
			cap = ncap;
		}
		if (bpf_link_update(fd, target, NULL)) {
			err = detail(res, -errno, "cannot move link %u (%s) to the new program: %s",
				     info.id, de->d_name, strerror(errno));
			close(fd);
			break;
		}
		v[n++] = (struct moved_link){ .fd = fd, .old_prog_id = info.prog_id };
	}
	closedir(dir);
	if (err)
		links_restore(v, n);
	else
		res->nlinks = n;
	for (size_t i = 0; i < n; i++)
		close(v[i].fd);
	free(v);
	return err;
}

/* The new programs pinned under temporary names, so that a failure before
 * the links move leaves the real pins alone. */
static int pins_stage(struct es_state *st, int xdp_fd, int mss_fd, struct es_upgrade_result *res)
{
	const struct {
		const char *name;
		int fd;
	} p[] = { { PROG_PIN, xdp_fd }, { MSS_PROG_PIN, mss_fd } };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		int err = pin_name(st, p[i].name, TMP_SUFFIX, path);

		if (err)
			return detail(res, err, "pin path too long");
		unlink(path);	/* left by an upgrade that died here */
		if (bpf_obj_pin(p[i].fd, path))
			return detail(res, -errno, "cannot pin the new program at '%s': %s", path,
				      strerror(errno));
	}
	return 0;
}

static void pins_unstage(struct es_state *st)
{
	char path[PATH_MAX];

	if (!pin_name(st, PROG_PIN, TMP_SUFFIX, path))
		unlink(path);
	if (!pin_name(st, MSS_PROG_PIN, TMP_SUFFIX, path))
		unlink(path);
}

/* rename(2) on bpffs replaces the old pin in one step: a CLI opening the
 * state meanwhile finds the old program or the new, never none. "prog"
 * last: es_state_open() takes its presence to mean the state is whole. */
static int pins_commit(struct es_state *st, struct es_upgrade_result *res)
{
	const char *names[] = { MSS_PROG_PIN, PROG_PIN };
	char from[PATH_MAX], to[PATH_MAX];

	for (size_t i = 0; i < 2; i++) {
		if (pin_name(st, names[i], TMP_SUFFIX, from) || pin_name(st, names[i], "", to))
			return detail(res, -ENAMETOOLONG, "pin path too long");
		if (rename(from, to))
			return detail(res, -errno, "cannot rename '%s' to '%s': %s", from, to,
				      strerror(errno));
	}
	return 0;
}

/* st keeps working on the new programs (a daemon attaching later). */
static void state_adopt(struct es_state *st, int xdp_fd, int mss_fd)
{
	int xdp = dup(xdp_fd), mss = dup(mss_fd);

	if (xdp < 0 || mss < 0) {
		if (xdp >= 0)
			close(xdp);
		if (mss >= 0)
			close(mss);
		return;		/* the old descriptors still name live programs */
	}
	close(st->prog_fd);
	if (st->mss_prog_fd >= 0)
		close(st->mss_prog_fd);
	st->prog_fd = xdp;
	st->mss_prog_fd = mss;
}

static bool same_tags(const struct bpf_prog_info *a, const struct bpf_prog_info *b)
{
	return !memcmp(a->tag, b->tag, sizeof(a->tag));
}

/* The upgrade proper, under the state's lock. */
static int upgrade_locked(struct es_state *st, unsigned int flags, struct es_upgrade_result *res)
{
	struct bpf_prog_info old_xdp, old_mss, new_xdp, new_mss;
	struct edgesteer_bpf *skel;
	int err, xdp_fd, mss_fd;

	err = object_open(st, false, &skel, res);
	if (err)
		return err;
	xdp_fd = bpf_program__fd(skel->progs.edgesteer);
	mss_fd = bpf_program__fd(skel->progs.edgesteer_mss);
	err = prog_info(st->prog_fd, &old_xdp);
	if (!err)
		err = prog_info(st->mss_prog_fd, &old_mss);
	if (!err)
		err = prog_info(xdp_fd, &new_xdp);
	if (!err)
		err = prog_info(mss_fd, &new_mss);
	if (err) {
		edgesteer_bpf__destroy(skel);
		return detail(res, err, "cannot read program info: %s", strerror(-err));
	}
	res->old_prog_id = old_xdp.id;
	res->old_mss_prog_id = old_mss.id;
	res->changed = !same_tags(&old_xdp, &new_xdp) || !same_tags(&old_mss, &new_mss);
	if ((flags & ES_UPGRADE_IF_CHANGED) && !res->changed) {
		edgesteer_bpf__destroy(skel);	/* the programs go with it: unused */
		return 0;
	}
	res->new_prog_id = new_xdp.id;
	res->new_mss_prog_id = new_mss.id;

	err = pins_stage(st, xdp_fd, mss_fd, res);
	if (!err)
		err = links_move(st, xdp_fd, mss_fd, res);
	if (err)
		pins_unstage(st);
	/* links moved: from here on the new programs run, pinned or not */
	if (!err)
		err = pins_commit(st, res);
	if (!err) {
		res->replaced = true;
		state_adopt(st, xdp_fd, mss_fd);
	}
	edgesteer_bpf__destroy(skel);	/* the links and pins hold the programs */
	return err;
}

int es_upgrade(struct es_state *st, unsigned int flags, struct es_upgrade_result *res)
{
	int lock_fd = -1, err;

	memset(res, 0, sizeof(*res));
	if (!st->pin_path[0])
		return detail(res, -EINVAL, "a private instance has nothing pinned to upgrade");
	if (st->skel)
		return 0;	/* loaded by this process: it already runs this build */
	if (st->lock_fd < 0) {
		/* our own lock, released at the end: a daemon must not keep
		 * the CLI out once the upgrade is done */
		lock_fd = open(st->pin_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (lock_fd < 0 || flock(lock_fd, LOCK_EX)) {
			err = detail(res, -errno, "cannot lock '%s': %s", st->pin_path,
				     strerror(errno));
			if (lock_fd >= 0)
				close(lock_fd);
			return err;
		}
	}
	err = upgrade_locked(st, flags, res);
	if (lock_fd >= 0)
		close(lock_fd);
	return err;
}
