// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's POP state writes and their ownership record (popstate.h).
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "pops.h"
#include "popstate.h"

/* What the daemon last wrote to a POP id; the name guards against a POP
 * deleted and another added under the same id since. */
struct owner_rec {
	__u8 state_plus1;	/* 0: never written */
	__u8 pad[3];
	char name[ES_POP_NAME_LEN];
};

static int owner_fd = -1;

int esd_owner_open(struct es_state *st)
{
	char path[PATH_MAX];
	int fd;

	if (!st->pin_path[0])
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", st->pin_path, ESD_OWNER_PIN);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "esd_owner", sizeof(__u32),
				    sizeof(struct owner_rec), ES_MAX_POPS, NULL);
		if (fd < 0)
			return -errno;
		if (bpf_obj_pin(fd, path)) {
			int err = -errno;

			close(fd);
			return err;
		}
	}
	owner_fd = fd;
	return 0;
}

void esd_owner_close(void)
{
	if (owner_fd >= 0)
		close(owner_fd);
	owner_fd = -1;
}

static void owner_get(__u32 id, struct owner_rec *r)
{
	if (owner_fd < 0 || bpf_map_lookup_elem(owner_fd, &id, r))
		memset(r, 0, sizeof(*r));
}

static void owner_put(__u32 id, const char *name, __u8 state)
{
	struct owner_rec r = { .state_plus1 = (__u8)(state + 1) };

	snprintf(r.name, sizeof(r.name), "%s", name);
	if (owner_fd >= 0)
		bpf_map_update_elem(owner_fd, &id, &r, BPF_ANY);
}

static bool owner_wrote(const struct owner_rec *r, const struct es_pop *p)
{
	return r->state_plus1 == p->state + 1 && !strncmp(r->name, p->name, ES_POP_NAME_LEN);
}

int esd_lock(const struct es_state *st)
{
	int fd = open(st->pin_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

void esd_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* releases the flock */
}

/* The POP by cached id, or found by name again. */
static int pop_lookup(struct es_state *st, const char *name, __u32 *id, struct es_pop *p)
{
	if (*id && !es_pop_get(st, *id, p) && p->kind != ES_POP_UNUSED &&
	    !strncmp(p->name, name, ES_POP_NAME_LEN))
		return 0;
	*id = 0;
	return es_pop_find(st, name, id, p);
}

int esd_pop_follow(struct es_state *st, const char *name, __u32 *id, __u8 want, __u8 *cur)
{
	struct owner_rec r;
	struct es_pop p;
	int err, lock, ret;

	err = pop_lookup(st, name, id, &p);
	if (err)
		return err;
	*cur = p.state;
	owner_get(*id, &r);
	if (p.state != ES_STATE_UP && !owner_wrote(&r, &p))
		return ESD_FOLLOW_HELD;
	if (p.state == want) {
		if (!owner_wrote(&r, &p))
			owner_put(*id, p.name, want);
		return ESD_FOLLOW_SAME;
	}

	lock = esd_lock(st);
	if (lock < 0)
		return lock;
	/* again under the lock: an operator may have written in between */
	err = pop_lookup(st, name, id, &p);
	if (!err && p.state != ES_STATE_UP && !owner_wrote(&r, &p)) {
		*cur = p.state;
		ret = ESD_FOLLOW_HELD;
	} else if (!err) {
		err = es_pop_set_state(st, *id, want);
		if (!err)
			owner_put(*id, p.name, want);
		ret = ESD_FOLLOW_SET;
	}
	esd_unlock(lock);
	return err ? err : ret;
}

const char *esd_state_name(__u8 state)
{
	switch (state) {
	case ES_STATE_UP:
		return "up";
	case ES_STATE_DRAIN:
		return "drain";
	case ES_STATE_DOWN:
		return "down";
	default:
		return "?";
	}
}
