// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr_table.h"

/* Both kinds share the key layout; only the value after it differs. */
_Static_assert(sizeof(struct es_vip_key) == sizeof(struct es_peer_key), "key layouts");
_Static_assert(sizeof(struct es_vip_slot) == sizeof(struct es_vip_key) + sizeof(struct es_vip),
	       "vip slot packing");
_Static_assert(sizeof(struct es_peer_slot) == sizeof(struct es_peer_key) + sizeof(struct es_peer),
	       "peer slot packing");

struct kind_info {
	const char *name;
	size_t value_size;	/* of the configuration map */
};

static const struct kind_info kinds[] = {
	[ES_TABLE_VIPS] = { "es_vip_table", sizeof(struct es_vip) },
	[ES_TABLE_PEERS] = { "es_peer_table", sizeof(struct es_peer) },
};

static size_t slot_size(enum es_addr_table_kind kind)
{
	return sizeof(struct es_vip_key) + kinds[kind].value_size;
}

static int table_create(enum es_addr_table_kind kind)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, kinds[kind].name, sizeof(__u32), slot_size(kind),
			    ES_ADDR_SLOTS, &opts);
	return fd < 0 ? -errno : fd;
}

int es_addr_table_template(enum es_addr_table_kind kind)
{
	return table_create(kind);
}

/* Place n entries (keys[i], vals[i]) into slots; -ENOSPC if one needs
 * more probes than the data path makes. */
static int place(unsigned char *slots, size_t ssize, const struct es_vip_key *keys,
		 const unsigned char *vals, size_t vsize, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		__u32 idx = es_addr_hash(keys[i].family, &keys[i].addr);
		int probe;

		for (probe = 0; probe < ES_ADDR_PROBES; probe++, idx++) {
			unsigned char *s = slots + (size_t)(idx & (ES_ADDR_SLOTS - 1)) * ssize;

			if (((struct es_vip_key *)s)->family != ES_AF_NONE)
				continue;
			memcpy(s, &keys[i], sizeof(keys[i]));
			memcpy(s + sizeof(keys[i]), vals + i * vsize, vsize);
			break;
		}
		if (probe == ES_ADDR_PROBES)
			return -ENOSPC;
	}
	return 0;
}

int es_addr_table_publish(struct es_state *st, enum es_addr_table_kind kind)
{
	int config_fd = kind == ES_TABLE_VIPS ? st->vips_fd : st->peers_fd;
	int outer_fd = kind == ES_TABLE_VIPS ? st->vip_table_fd : st->peer_table_fd;
	size_t ssize = slot_size(kind), bytes = ssize * ES_ADDR_SLOTS, n = 0;
	void *keys = NULL, *vals = NULL, *mem;
	__u32 zero = 0;
	int fd, err;

	err = es_map_dump(config_fd, sizeof(struct es_vip_key), kinds[kind].value_size, &keys,
			  &vals, &n);
	if (err)
		return err;
	fd = table_create(kind);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		err = -errno;
		goto out;
	}
	/* a fresh array is all zeroes: every slot empty */
	err = place(mem, ssize, keys, vals, kinds[kind].value_size, n);
	munmap(mem, bytes);
	if (!err && bpf_map_update_elem(outer_fd, &zero, &fd, BPF_ANY))
		err = -errno;
out:
	/* the old table goes once no program run holds it */
	if (fd >= 0)
		close(fd);
	free(keys);
	free(vals);
	return err;
}
