// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Loading the program, taking over pinned maps, mapping the classifier
 * tables and swapping them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "state.h"
#include "addr_table.h"
#include "edgesteer.skel.h"

static size_t table_bytes(__u32 nodes)
{
	return (size_t)nodes * sizeof(struct es_node);
}

static void live_table_unmap(struct es_live_table *lt)
{
	if (lt->t.nodes)
		munmap(lt->t.nodes, lt->map_len);
	if (lt->fd >= 0)
		close(lt->fd);
	lt->t.nodes = NULL;
	lt->fd = -1;
}

static int table_map_create(__u32 nodes, int *fd_out, struct es_node **mem_out)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	void *mem;
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "es_classifier", sizeof(__u32),
			    sizeof(struct es_node), nodes, &opts);
	if (fd < 0)
		return -errno;
	mem = mmap(NULL, table_bytes(nodes), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		int err = -errno;

		close(fd);
		return err;
	}
	*fd_out = fd;
	*mem_out = mem;
	return 0;
}

/* Map the table in slot 0 of the outer map; create an empty one if the
 * slot is empty (first load). */
static int live_table_open(struct es_live_table *lt, int outer_fd, __u8 family, __u32 nodes)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	__u32 zero = 0, id;
	struct es_node *mem;
	int fd, err;

	lt->outer_fd = outer_fd;
	lt->fd = -1;
	if (bpf_map_lookup_elem(outer_fd, &zero, &id) == 0) {
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			return -errno;
		err = bpf_obj_get_info_by_fd(fd, &info, &info_len);
		if (err) {
			close(fd);
			return err;
		}
		mem = mmap(NULL, table_bytes(info.max_entries), PROT_READ | PROT_WRITE,
			   MAP_SHARED, fd, 0);
		if (mem == MAP_FAILED) {
			err = -errno;
			close(fd);
			return err;
		}
		lt->fd = fd;
		lt->map_len = table_bytes(info.max_entries);
		lt->t.nodes = mem;
		return es_table_attach(&lt->t, mem, info.max_entries, family);
	}

	err = table_map_create(nodes, &fd, &mem);
	if (err)
		return err;
	lt->fd = fd;
	lt->map_len = table_bytes(nodes);
	err = es_table_init_zeroed(&lt->t, mem, nodes, family);
	if (err)
		return err;
	if (bpf_map_update_elem(outer_fd, &zero, &fd, BPF_ANY))
		return -errno;
	return 0;
}

struct es_live_table *es_state_table(struct es_state *st, __u8 family)
{
	return family == ES_AF_INET ? &st->v4 : &st->v6;
}

/* Mapping both tables costs tens of milliseconds (hundreds of MiB of page
 * tables), which a CLI call that never touches a prefix should not pay:
 * state opened from pins maps them on first use. */
int es_state_map_table(struct es_state *st, __u8 family)
{
	struct es_live_table *lt = es_state_table(st, family);

	if (family != ES_AF_INET && family != ES_AF_INET6)
		return -EINVAL;
	if (lt->t.nodes)
		return 0;
	return live_table_open(lt, lt->outer_fd, family, 0);
}

int es_state_map_tables(struct es_state *st)
{
	int err = es_state_map_table(st, ES_AF_INET);

	return err ? err : es_state_map_table(st, ES_AF_INET6);
}

int es_table_replace(struct es_state *st, __u8 family, const struct es_table_prefix *p, size_t n)
{
	struct es_live_table *lt = es_state_table(st, family);
	struct es_live_table fresh = { .outer_fd = lt->outer_fd, .fd = -1 };
	__u32 nodes, zero = 0;
	struct es_node *mem;
	int fd, err;

	err = es_state_map_table(st, family);
	if (err)
		return err;
	nodes = lt->t.nnodes;
	err = table_map_create(nodes, &fd, &mem);
	if (err)
		return err;
	fresh.fd = fd;
	fresh.map_len = table_bytes(nodes);
	fresh.t.nodes = mem;
	err = es_table_init_zeroed(&fresh.t, mem, nodes, family);
	if (!err)
		err = es_table_build(&fresh.t, p, n);
	if (!err && bpf_map_update_elem(lt->outer_fd, &zero, &fd, BPF_ANY))
		err = -errno;
	if (err) {
		live_table_unmap(&fresh);
		return err;
	}
	/* The old table is freed by the kernel once no program run holds it. */
	live_table_unmap(lt);
	*lt = fresh;
	return 0;
}

/*
 * Inner-map templates: they fix the size and layout of every table that
 * will ever sit in an array-of-maps slot (bpf_map__inner_map() cannot be
 * resized with this libbpf, so they are made here). libbpf does not close
 * a template it was handed, and a classifier template is as big as the
 * table itself (hundreds of MiB): they are closed right after the load.
 */
enum { TMPL_V4, TMPL_V6, TMPL_VIPS, TMPL_PEERS, TMPL_COUNT };

static int table_template(__u32 nodes)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "es_table_tmpl", sizeof(__u32),
			    sizeof(struct es_node), nodes, &opts);
	return fd < 0 ? -errno : fd;
}

static int templates_set(struct es_state *st, const struct es_limits *l, int *fds)
{
	struct bpf_map *outer[TMPL_COUNT] = {
		st->skel->maps.classify_v4, st->skel->maps.classify_v6,
		st->skel->maps.vip_table, st->skel->maps.peer_table,
	};

	fds[TMPL_V4] = table_template(ES_FIRST_GROUP + l->v4_groups);
	fds[TMPL_V6] = table_template(ES_FIRST_GROUP + l->v6_groups);
	fds[TMPL_VIPS] = es_addr_table_template(ES_TABLE_VIPS);
	fds[TMPL_PEERS] = es_addr_table_template(ES_TABLE_PEERS);
	for (int i = 0; i < TMPL_COUNT; i++) {
		int err = fds[i] < 0 ? fds[i] : bpf_map__set_inner_map_fd(outer[i], fds[i]);

		if (err)
			return err;
	}
	return 0;
}

static void templates_close(int *fds)
{
	for (int i = 0; i < TMPL_COUNT; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

static int set_default_config(struct es_state *st)
{
	struct es_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(st->config_fd, &zero, &cfg))
		return -errno;
	if (cfg.gue_port)
		return 0;	/* taken over from a running instance */
	cfg.gue_port = htons(ES_GUE_PORT_DEFAULT);
	cfg.icmp_rate = ES_ICMP_RATE_DEFAULT;
	cfg.icmp_burst = ES_ICMP_BURST_DEFAULT;
	if (bpf_map_update_elem(st->config_fd, &zero, &cfg, BPF_ANY))
		return -errno;
	return 0;
}

static int map_fds(struct es_state *st)
{
	struct edgesteer_bpf *s = st->skel;

	st->config_fd = bpf_map__fd(s->maps.config);
	st->pops_fd = bpf_map__fd(s->maps.pops);
	st->decisions_fd = bpf_map__fd(s->maps.decisions);
	st->prefixes_fd = bpf_map__fd(s->maps.prefixes);
	st->vips_fd = bpf_map__fd(s->maps.vips);
	st->peers_fd = bpf_map__fd(s->maps.peers);
	st->flows_fd = bpf_map__fd(s->maps.flows);
	st->egress_fd = bpf_map__fd(s->maps.egress);
	st->stats_fd = bpf_map__fd(s->maps.stats);
	st->pop_stats_fd = bpf_map__fd(s->maps.pop_stats);
	st->decision_stats_fd = bpf_map__fd(s->maps.decision_stats);
	st->vip_table_fd = bpf_map__fd(s->maps.vip_table);
	st->peer_table_fd = bpf_map__fd(s->maps.peer_table);
	st->prog_fd = bpf_program__fd(s->progs.edgesteer);
	st->mss_prog_fd = bpf_program__fd(s->progs.edgesteer_mss);
	return 0;
}

static struct es_state *state_alloc(void)
{
	struct es_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->v4.fd = st->v6.fd = st->v4.outer_fd = st->v6.outer_fd = -1;
	st->mss_prog_fd = -1;
	st->prog_fd = st->config_fd = st->pops_fd = st->decisions_fd = st->prefixes_fd = -1;
	st->vips_fd = st->peers_fd = st->flows_fd = st->egress_fd = st->stats_fd = -1;
	st->pop_stats_fd = st->decision_stats_fd = st->lock_fd = -1;
	st->vip_table_fd = st->peer_table_fd = -1;
	st->ncpus = libbpf_num_possible_cpus();
	return st;
}

int es_state_load(struct es_state **out, const char *pin_path, const struct es_limits *lim)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts);
	struct es_limits l = lim ? *lim : (struct es_limits){ 0 };
	struct es_state *st;
	struct bpf_map *map;
	void *mem;
	int tmpl[TMPL_COUNT] = { -1, -1, -1, -1 };
	int err;

	if (!l.v4_groups)
		l.v4_groups = ES_DEFAULT_V4_GROUPS;
	if (!l.v6_groups)
		l.v6_groups = ES_DEFAULT_V6_GROUPS;
	if (!l.flows)
		l.flows = ES_DEFAULT_FLOWS;
	if (!l.prefixes)
		l.prefixes = ES_DEFAULT_PREFIXES;

	st = state_alloc();
	if (!st)
		return -ENOMEM;
	if (pin_path) {
		if (strlen(pin_path) >= sizeof(st->pin_path)) {
			err = -ENAMETOOLONG;
			goto fail;
		}
		strcpy(st->pin_path, pin_path);
		oopts.pin_root_path = st->pin_path;
	}

	st->skel = edgesteer_bpf__open_opts(&oopts);
	if (!st->skel) {
		err = -errno;
		goto fail;
	}
	bpf_object__for_each_map(map, st->skel->obj) {
		if (!pin_path && bpf_map__pin_path(map))
			bpf_map__set_pin_path(map, NULL);
	}
	err = templates_set(st, &l, tmpl);
	if (err)
		goto fail;
	bpf_map__set_max_entries(st->skel->maps.flows, l.flows);
	bpf_map__set_max_entries(st->skel->maps.prefixes, l.prefixes);

	err = edgesteer_bpf__load(st->skel);
	templates_close(tmpl);
	if (err)
		goto fail;
	map_fds(st);

	mem = mmap(NULL, (size_t)ES_MAX_DECISIONS * sizeof(struct es_decision),
		   PROT_READ | PROT_WRITE, MAP_SHARED, st->decisions_fd, 0);
	if (mem == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	st->decisions = mem;

	err = live_table_open(&st->v4, st->v4.outer_fd = bpf_map__fd(st->skel->maps.classify_v4),
			      ES_AF_INET, ES_FIRST_GROUP + l.v4_groups);
	if (err)
		goto fail;
	err = live_table_open(&st->v6, bpf_map__fd(st->skel->maps.classify_v6),
			      ES_AF_INET6, ES_FIRST_GROUP + l.v6_groups);
	if (err)
		goto fail;
	err = set_default_config(st);
	if (err)
		goto fail;
	/* from the configuration maps, which may predate this program build */
	err = es_addr_table_publish(st, ES_TABLE_VIPS);
	if (!err)
		err = es_addr_table_publish(st, ES_TABLE_PEERS);
	if (err)
		goto fail;
	*out = st;
	return 0;
fail:
	templates_close(tmpl);
	es_state_close(st);
	return err;
}

void es_state_close(struct es_state *st)
{
	if (!st)
		return;
	live_table_unmap(&st->v4);
	live_table_unmap(&st->v6);
	if (st->decisions)
		munmap(st->decisions, (size_t)ES_MAX_DECISIONS * sizeof(struct es_decision));
	if (st->skel) {
		edgesteer_bpf__destroy(st->skel);
	} else {
		/* opened from pins: the fds are ours */
		int *fds[] = { &st->prog_fd, &st->config_fd, &st->pops_fd, &st->decisions_fd,
			       &st->prefixes_fd, &st->vips_fd, &st->peers_fd, &st->flows_fd,
			       &st->egress_fd, &st->stats_fd, &st->pop_stats_fd,
			       &st->decision_stats_fd, &st->v4.outer_fd, &st->v6.outer_fd,
			       &st->vip_table_fd, &st->peer_table_fd, &st->mss_prog_fd };

		for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
			if (*fds[i] >= 0)
				close(*fds[i]);
	}
	if (st->lock_fd >= 0)
		close(st->lock_fd);	/* releases the flock */
	free(st->decision_index);
	free(st);
}

/* ---- pinned state -------------------------------------------------------- */

#define PROG_PIN_NAME	"prog"
#define MSS_PROG_PIN_NAME	"prog_mss"

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static bool on_bpffs(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC;
}

/* The pin directory exists and lives on a bpffs. Only /sys/fs/bpf gets a
 * bpffs mounted for it: anywhere else, mounting is the caller's choice. */
static int pin_dir_prepare(const char *pin_path)
{
	int err;

	if (!strncmp(pin_path, "/sys/fs/bpf/", 12) && !on_bpffs("/sys/fs/bpf")) {
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
			return -errno;
	}
	err = mkdir_p(pin_path);
	if (err)
		return err;
	if (!on_bpffs(pin_path))
		return -EMEDIUMTYPE;
	return 0;
}

static int pin_get(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

static int open_pinned(struct es_state *st)
{
	struct {
		int *fd;
		const char *name;
	} pins[] = {
		{ &st->prog_fd, PROG_PIN_NAME },
		{ &st->config_fd, "config" },
		{ &st->pops_fd, "pops" },
		{ &st->decisions_fd, "decisions" },
		{ &st->prefixes_fd, "prefixes" },
		{ &st->vips_fd, "vips" },
		{ &st->peers_fd, "peers" },
		{ &st->flows_fd, "flows" },
		{ &st->egress_fd, "egress" },
		{ &st->stats_fd, "stats" },
		{ &st->pop_stats_fd, "pop_stats" },
		{ &st->decision_stats_fd, "decision_stats" },
		{ &st->v4.outer_fd, "classify_v4" },
		{ &st->v6.outer_fd, "classify_v6" },
		{ &st->vip_table_fd, "vip_table" },
		{ &st->peer_table_fd, "peer_table" },
	};
	void *mem;
	int err;

	for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		*pins[i].fd = pin_get(st->pin_path, pins[i].name);
		if (*pins[i].fd < 0) {
			err = *pins[i].fd;
			*pins[i].fd = -1;
			return err;
		}
	}
	/* the tc MSS clamp came later: state pinned before it still opens */
	st->mss_prog_fd = pin_get(st->pin_path, MSS_PROG_PIN_NAME);
	if (st->mss_prog_fd == -ENOENT)
		st->mss_prog_fd = -1;
	else if (st->mss_prog_fd < 0)
		return st->mss_prog_fd;
	mem = mmap(NULL, (size_t)ES_MAX_DECISIONS * sizeof(struct es_decision),
		   PROT_READ | PROT_WRITE, MAP_SHARED, st->decisions_fd, 0);
	if (mem == MAP_FAILED)
		return -errno;
	st->decisions = mem;
	/* the classifier tables are mapped on first use: es_state_map_tables() */
	return 0;
}

int es_state_open(struct es_state **out, const char *pin_path, unsigned int flags,
		  const struct es_limits *lim)
{
	struct es_state *st;
	char path[PATH_MAX];
	int err, fd;

	if (!pin_path || !*pin_path)
		return -EINVAL;
	if (strlen(pin_path) >= sizeof(st->pin_path))
		return -ENAMETOOLONG;
	err = pin_dir_prepare(pin_path);
	if (err)
		return err;

	fd = pin_get(pin_path, PROG_PIN_NAME);
	if (fd < 0 && fd != -ENOENT)
		return fd;
	if (fd >= 0) {
		close(fd);
		st = state_alloc();
		if (!st)
			return -ENOMEM;
		strcpy(st->pin_path, pin_path);
		err = open_pinned(st);
		if (err) {
			es_state_close(st);
			return err;
		}
		*out = st;
		return 0;
	}
	if (!(flags & ES_OPEN_CREATE))
		return -ENOENT;

	err = es_state_load(&st, pin_path, lim);
	if (err)
		return err;
	/* a leftover of an attempt that never pinned "prog" is garbage */
	snprintf(path, sizeof(path), "%s/%s", pin_path, MSS_PROG_PIN_NAME);
	unlink(path);
	err = bpf_program__pin(st->skel->progs.edgesteer_mss, path);
	snprintf(path, sizeof(path), "%s/%s", pin_path, PROG_PIN_NAME);
	/* pinned last: its presence means the whole state is there */
	if (!err)
		err = bpf_program__pin(st->skel->progs.edgesteer, path);
	if (err) {
		es_state_close(st);
		return err;
	}
	*out = st;
	return 0;
}

int es_state_lock(struct es_state *st)
{
	if (st->lock_fd >= 0)
		return 0;
	if (!st->pin_path[0])
		return 0;	/* private instance: nobody to share with */
	st->lock_fd = open(st->pin_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->lock_fd < 0)
		return -errno;
	if (flock(st->lock_fd, LOCK_EX))
		return -errno;
	return 0;
}

int es_map_dump(int fd, size_t key_size, size_t value_size, void **keys_out, void **vals_out,
		size_t *n_out)
{
	char *keys = NULL, *vals = NULL, *cur = malloc(2 * key_size), *next;
	size_t n = 0, cap = 0;
	void *prev = NULL;

	if (!cur)
		return -ENOMEM;
	next = cur + key_size;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(cur, next, key_size);
		prev = cur;
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			char *nk = realloc(keys, ncap * key_size);
			char *nv = nk ? realloc(vals, ncap * value_size) : NULL;

			if (!nk || !nv) {
				free(nk ? nk : keys);
				free(vals);
				free(cur);
				return -ENOMEM;
			}
			keys = nk;
			vals = nv;
			cap = ncap;
		}
		if (bpf_map_lookup_elem(fd, cur, vals + n * value_size))
			continue;	/* deleted meanwhile */
		memcpy(keys + n * key_size, cur, key_size);
		n++;
	}
	free(cur);
	*keys_out = keys;
	*vals_out = vals;
	*n_out = n;
	return 0;
}
