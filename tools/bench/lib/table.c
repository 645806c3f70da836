// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "table.h"

__u64 bench_rand(__u64 *s)
{
	__u64 x = *s ? *s : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Share in 1/1000 of each IPv4 length; the rest are /24. Roughly the
 * shape of a full table, plus 4% more-specifics below /24. */
static int v4_len(__u64 *rs)
{
	static const struct { int len, permille; } mix[] = {
		{ 23, 90 }, { 22, 120 }, { 21, 50 }, { 20, 40 }, { 19, 25 }, { 18, 12 },
		{ 17, 6 }, { 16, 12 }, { 15, 2 }, { 14, 1 }, { 13, 1 }, { 12, 1 },
		{ 25, 8 }, { 26, 8 }, { 27, 6 }, { 28, 5 }, { 29, 4 }, { 30, 3 },
		{ 31, 2 }, { 32, 4 },
	};
	int r = bench_rand(rs) % 1000;

	for (size_t i = 0; i < sizeof(mix) / sizeof(mix[0]); i++) {
		if (r < mix[i].permille)
			return mix[i].len;
		r -= mix[i].permille;
	}
	return 24;
}

static int v6_len(__u64 *rs)
{
	static const struct { int len, permille; } mix[] = {
		{ 29, 30 }, { 32, 100 }, { 36, 40 }, { 40, 70 }, { 44, 80 }, { 46, 30 },
		{ 47, 20 }, { 33, 10 }, { 34, 10 }, { 35, 10 }, { 38, 10 }, { 42, 10 },
		{ 56, 15 }, { 64, 15 },
	};
	int r = bench_rand(rs) % 1000;

	for (size_t i = 0; i < sizeof(mix) / sizeof(mix[0]); i++) {
		if (r < mix[i].permille)
			return mix[i].len;
		r -= mix[i].permille;
	}
	return 48;
}

static void mask(struct es_addr *a, int bits, int len)
{
	for (int i = 0; i < bits / 8; i++) {
		int keep = len - i * 8;
		__u8 m = keep >= 8 ? 0xff : keep <= 0 ? 0 : (__u8)(0xff << (8 - keep));

		if (bits == 32)
			((__u8 *)&a->v4)[i] &= m;
		else
			a->v6[i] &= m;
	}
}

/* Open-addressing set of prefixes, to keep them distinct. */
struct seen {
	size_t cap;
	struct es_prefix_spec **slot;
};

static __u64 prefix_hash(const struct es_prefix_spec *p)
{
	__u64 h = 1469598103934665603ull ^ p->len;
	const __u8 *b = (const __u8 *)&p->addr;

	for (size_t i = 0; i < sizeof(p->addr); i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static bool seen_add(struct seen *s, struct es_prefix_spec *p)
{
	size_t i = prefix_hash(p) & (s->cap - 1);

	while (s->slot[i]) {
		if (s->slot[i]->len == p->len && !memcmp(&s->slot[i]->addr, &p->addr, sizeof(p->addr)))
			return false;
		i = (i + 1) & (s->cap - 1);
	}
	s->slot[i] = p;
	return true;
}

int bench_table_make(struct bench_table *t, __u8 family, size_t n, __u64 seed,
		     const struct es_steering *steer)
{
	int bits = family == ES_AF_INET ? 32 : 128;
	size_t nalloc = n / 64 + 16;
	struct es_addr *alloc = NULL;
	struct seen s = { 0 };
	__u64 rs = seed;

	memset(t, 0, sizeof(*t));
	t->family = family;
	t->v = calloc(n ? n : 1, sizeof(*t->v));
	for (s.cap = 1024; s.cap < 2 * n; s.cap <<= 1)
		;
	s.slot = calloc(s.cap, sizeof(*s.slot));
	if (family == ES_AF_INET6)
		alloc = calloc(nalloc, sizeof(*alloc));
	if (!t->v || !s.slot || (family == ES_AF_INET6 && !alloc))
		goto nomem;

	/* IPv6 registry allocations: /29 or /32 blocks in 2000::/3 */
	for (size_t i = 0; alloc && i < nalloc; i++) {
		for (int b = 0; b < 16; b++)
			alloc[i].v6[b] = bench_rand(&rs);
		alloc[i].v6[0] = 0x20 | (alloc[i].v6[0] & 0x1f);
		mask(&alloc[i], 128, bench_rand(&rs) % 4 ? 32 : 29);
	}

	while (t->n < n) {
		struct es_prefix_spec *p = &t->v[t->n];

		memset(p, 0, sizeof(*p));
		p->family = family;
		if (family == ES_AF_INET) {
			/* unicast space: 1.0.0.0 - 223.255.255.255 */
			__u32 a = 0x01000000u + bench_rand(&rs) % (0xe0000000u - 0x01000000u);

			p->len = v4_len(&rs);
			p->addr.v4 = htonl(a);
		} else {
			p->addr = alloc[bench_rand(&rs) % nalloc];
			for (int b = 4; b < 16; b++)
				p->addr.v6[b] = bench_rand(&rs);
			p->len = v6_len(&rs);
		}
		if (n == 1)
			p->len = family == ES_AF_INET ? 24 : 48;
		mask(&p->addr, bits, p->len);
		p->steer = *steer;
		if (seen_add(&s, p))
			t->n++;
	}
	free(s.slot);
	free(alloc);
	return 0;
nomem:
	free(s.slot);
	free(alloc);
	bench_table_free(t);
	return -ENOMEM;
}

void bench_table_free(struct bench_table *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

/* A random address inside prefix p. */
static void inside(const struct es_prefix_spec *p, struct es_addr *a, __u64 *rs)
{
	*a = p->addr;
	if (p->family == ES_AF_INET) {
		__u32 host = p->len ? (__u32)((1ull << (32 - p->len)) - 1) : 0xffffffffu;

		a->v4 = htonl(ntohl(a->v4) | ((__u32)bench_rand(rs) & host));
		return;
	}
	for (int b = p->len / 8; b < 16; b++) {
		__u8 r = bench_rand(rs);

		if (b == p->len / 8 && p->len % 8)
			r &= 0xff >> (p->len % 8);
		a->v6[b] |= r;
	}
}

/* log2 of the addresses a prefix holds, capped so that weights fit: for
 * IPv6 the spread between /29 and /64 is what matters. */
static int weight_bits(const struct es_prefix_spec *p)
{
	int host = (p->family == ES_AF_INET ? 32 : 128) - p->len;

	if (p->family == ES_AF_INET6)
		host = host > 99 ? 36 : host - 64 < 0 ? 0 : host - 64;
	return host;
}

void bench_table_sample_space(const struct bench_table *t, struct es_addr *out, size_t n,
			      __u64 seed)
{
	double *cum = malloc(t->n * sizeof(*cum));
	double total = 0;
	__u64 rs = seed;

	if (!cum) {
		bench_table_sample_prefixes(t, out, n, seed);
		return;
	}
	for (size_t i = 0; i < t->n; i++) {
		total += (double)(1ull << weight_bits(&t->v[i]));
		cum[i] = total;
	}
	for (size_t k = 0; k < n; k++) {
		double x = (double)(bench_rand(&rs) >> 11) / (double)(1ull << 53) * total;
		size_t lo = 0, hi = t->n - 1;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (cum[mid] <= x)
				lo = mid + 1;
			else
				hi = mid;
		}
		inside(&t->v[lo], &out[k], &rs);
	}
	free(cum);
}

void bench_table_sample_prefixes(const struct bench_table *t, struct es_addr *out, size_t n,
				 __u64 seed)
{
	__u64 rs = seed;

	for (size_t k = 0; k < n; k++)
		inside(&t->v[bench_rand(&rs) % t->n], &out[k], &rs);
}

int bench_table_write(const struct bench_table *t, const char *path, bool gz,
		      const char *target)
{
	char addr[INET6_ADDRSTRLEN], line[128];
	FILE *f = NULL;
	gzFile z = NULL;
	int err = 0;

	if (gz)
		z = gzopen(path, "wb6");
	else
		f = fopen(path, "w");
	if (!z && !f)
		return -errno;
	for (size_t i = 0; i < t->n && !err; i++) {
		const struct es_prefix_spec *p = &t->v[i];
		int len;

		inet_ntop(p->family == ES_AF_INET ? AF_INET : AF_INET6, &p->addr, addr, sizeof(addr));
		len = snprintf(line, sizeof(line), "%s/%u %s\n", addr, p->len, target);
		if (z ? gzwrite(z, line, len) != len : fwrite(line, 1, len, f) != (size_t)len)
			err = -EIO;
	}
	if (z ? gzclose(z) != Z_OK : fclose(f) != 0)
		err = err ? err : -EIO;
	return err;
}
