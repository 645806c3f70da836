// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Latency steering without BPF: the measurement format (good lines, the
 * exact message of each bad one, files plain and gzip with "file:line",
 * all-or-nothing), the smoothing arithmetic, and ranking with hysteresis
 * over a RIB kept in this file, advanced through time by hand.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "latency.h"
#include "parse.h"
#include "test.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SEC 1000000000ull

/* POP ids of the fake configuration */
enum { A = 1, B = 2, C = 3, D = 4 };

/* ---- a RIB of our own ------------------------------------------------------ */

struct fake_prefix {
	struct es_prefix_key key;
	struct es_steering steer;
	int writes;		/* how often a change was applied to it */
};

static struct fake_prefix g_rib[32];
static int g_nrib;

static struct es_prefix_key key_of(const char *cidr)
{
	struct es_prefix_key k;
	struct es_addr a;
	__u8 fam, len;

	if (es_parse_cidr(cidr, &fam, &a, &len, NULL, 0) || es_latency_key(&k, fam, &a, len)) {
		fprintf(stderr, "test bug: bad CIDR %s\n", cidr);
		abort();
	}
	return k;
}

static struct fake_prefix *rib_find(const struct es_prefix_key *k)
{
	for (int i = 0; i < g_nrib; i++)
		if (!memcmp(&g_rib[i].key, k, sizeof(*k)))
			return &g_rib[i];
	return NULL;
}

/* rib_set("192.0.2.0/24", ES_ACTION_POPS, 2, B, C) */
static void rib_set(const char *cidr, __u8 action, int n, ...)
{
	struct es_prefix_key k = key_of(cidr);
	struct fake_prefix *p = rib_find(&k);
	va_list ap;

	if (!p) {
		p = &g_rib[g_nrib++];
		memset(p, 0, sizeof(*p));
		p->key = k;
	}
	memset(&p->steer, 0, sizeof(p->steer));
	p->steer.action = action;
	p->steer.npops = n;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		p->steer.pops[i] = va_arg(ap, int);
	va_end(ap);
}

static struct es_steering rib_get(const char *cidr)
{
	struct es_prefix_key k = key_of(cidr);
	struct fake_prefix *p = rib_find(&k);
	struct es_steering none = { 0 };

	return p ? p->steer : none;
}

static void rib_reset(void)
{
	g_nrib = 0;
	rib_set("192.0.2.0/26", ES_ACTION_POPS, 2, B, C);
	rib_set("192.0.2.64/26", ES_ACTION_POPS, 3, B, C, D);
	rib_set("192.0.2.128/26", ES_ACTION_LOCAL, 0);
	rib_set("192.0.2.192/26", ES_ACTION_DROP, 0);
	rib_set("2001:db8:1::/48", ES_ACTION_POPS, 2, C, B);
}

static int fake_pop_id(void *ctx, const char *name, __u32 *id)
{
	static const char *names[] = { NULL, "A", "B", "C", "D" };

	for (__u32 i = 1; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(names[i], name)) {
			*id = i;
			return 0;
		}
	}
	return -ENOENT;
}

static int fake_prefix_get(void *ctx, const struct es_prefix_key *key, struct es_steering *steer,
			   __u32 *decision)
{
	struct fake_prefix *p = rib_find(key);

	if (!p)
		return -ENOENT;
	*steer = p->steer;
	return 0;
}

static const struct es_latency_rib g_fake = {
	.pop_id = fake_pop_id, .prefix_get = fake_prefix_get,
};

/* What es_latency_apply does, against our RIB. */
static void fake_apply(struct es_latency *l, const struct es_latency_changes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct fake_prefix *p = rib_find(&c->v[i].key);

		p->steer = c->v[i].to;
		p->writes++;
		es_latency_commit(l, &c->v[i]);
	}
}

static struct es_pop_mask all_up(void)
{
	struct es_pop_mask m = { 0 };

	for (int id = A; id <= D; id++)
		es_pop_mask_set(&m, id, true);
	return m;
}

/* One ranking round applied; returns the number of changes (or -errno). */
static int round_at(struct es_latency *l, const struct es_pop_mask *up, __u64 now,
		    __u8 *reason)
{
	struct es_latency_changes c = { 0 };
	int ret = es_latency_rank(l, &g_fake, up, now, &c);

	if (ret)
		return ret;
	if (reason)
		*reason = c.n ? c.v[0].reason : 0;
	fake_apply(l, &c);
	ret = c.n;
	es_latency_changes_free(&c);
	return ret;
}

static int feed(struct es_latency *l, const char *line, __u64 now)
{
	char err[256];
	int ret = es_latency_feed_line(l, "socket", line, &g_fake, now, NULL, err, sizeof(err));

	if (ret < 0)
		fprintf(stdout, "  feed '%s': %s\n", line, err);
	return ret;
}

static bool steer_is(struct es_steering s, int n, int p0, int p1, int p2)
{
	const int want[3] = { p0, p1, p2 };

	if (s.action != ES_ACTION_POPS || s.npops != n)
		return false;
	for (int i = 0; i < n; i++)
		if (s.pops[i] != want[i])
			return false;
	return true;
}

#define ASSERT_STEER(cidr, n, p0, p1, p2, what) ({				\
	struct es_steering ___s = rib_get(cidr);				\
	bool ___same = steer_is(___s, n, p0, p1, p2);				\
	if (!___same)								\
		fprintf(stdout, "  %s: %s is %u:%u [%u %u %u]\n", (what), cidr,	\
			___s.action, ___s.npops, ___s.pops[0], ___s.pops[1],	\
			___s.pops[2]);						\
	ASSERT_TRUE(___same, what);						\
})

static struct es_latency *new_store(double weight, __u64 max_age, double ms, double pct,
				    __u64 hold)
{
	struct es_latency_config cfg = { .weight = weight, .max_age_ns = max_age,
					 .min_gain_ms = ms, .min_gain_pct = pct,
					 .hold_down_ns = hold };
	struct es_latency *l = NULL;
	char err[128];

	rib_reset();
	if (!ASSERT_OK(es_latency_new(&l, &cfg, err, sizeof(err)), "es_latency_new"))
		return NULL;
	return l;
}

/* ---- lines ----------------------------------------------------------------- */

static void test_parse_good(void)
{
	static const struct {
		const char *line;
		const char *cidr;
		const char *pop;
		double rtt;
	} cases[] = {
		{ "192.0.2.0/24 B 12", "192.0.2.0/24", "B", 12 },
		{ "192.0.2.0/24\tB\t12.5", "192.0.2.0/24", "B", 12.5 },
		{ "  198.51.100.0/24  C  0.25  # from probe 7", "198.51.100.0/24", "C", 0.25 },
		{ "2001:db8:1::/48 pop-c.1 180.125\r", "2001:db8:1::/48", "pop-c.1", 180.125 },
		{ "203.0.113.9 B 0", "203.0.113.9/32", "B", 0 },
		{ "203.0.113.0/24 B 0.001", "203.0.113.0/24", "B", 0.001 },
		{ "203.0.113.0/24 B 100000", "203.0.113.0/24", "B", 100000 },
		{ "203.0.113.0/24 B 100000.000", "203.0.113.0/24", "B", 100000 },
		{ "203.0.113.0/24 B 7#comment", "203.0.113.0/24", "B", 7 },
	};
	static const char *blank[] = { "", "   ", "# only a comment", "\t# x y z", "\r" };
	struct es_latency_line ln;
	char err[256];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct es_prefix_key k = key_of(cases[i].cidr);

		if (!ASSERT_OK(es_latency_line_parse(cases[i].line, &ln, err, sizeof(err)),
			       cases[i].line)) {
			fprintf(stdout, "  %s\n", err);
			continue;
		}
		ASSERT_TRUE(!ln.blank, cases[i].line);
		ASSERT_MEM_EQ(&ln.key, &k, sizeof(k), cases[i].line);
		ASSERT_TRUE(!strcmp(ln.pop, cases[i].pop), cases[i].line);
		ASSERT_TRUE(ln.rtt_ms == cases[i].rtt, cases[i].line);
	}
	for (size_t i = 0; i < ARRAY_SIZE(blank); i++) {
		ASSERT_OK(es_latency_line_parse(blank[i], &ln, err, sizeof(err)), blank[i]);
		ASSERT_TRUE(ln.blank, blank[i]);
	}
}

static void test_parse_bad(void)
{
	static const struct {
		const char *line;
		int ret;
		const char *msg;
	} cases[] = {
		{ "192.0.2.0/24", -EINVAL, "expected PREFIX POP RTT_MS, got 1 field" },
		{ "192.0.2.0/24 B", -EINVAL, "expected PREFIX POP RTT_MS, got 2 fields" },
		{ "192.0.2.0/24 B 12 13", -EINVAL,
		  "unexpected '13' after the RTT "
		  "(expected PREFIX POP RTT_MS; '#' starts a comment)" },
		{ "192.0.2.1/24 B 12", -EINVAL,
		  "invalid CIDR '192.0.2.1/24': host bits set (network is 192.0.2.0/24)" },
		{ "192.0.2.0/33 B 12", -ERANGE,
		  "prefix length 33 out of range 0..32 in '192.0.2.0/33'" },
		{ "B 192.0.2.0/24 12", -EINVAL, "invalid CIDR 'B': not an IPv4 or IPv6 address" },
		{ "192.0.2.0/24 local 12", -EINVAL,
		  "invalid POP name 'local': reserved word (a prefix action)" },
		{ "192.0.2.0/24 9b 12", -EINVAL,
		  "invalid POP name '9b': must start with a letter" },
		{ "192.0.2.0/24 B -1", -EINVAL, "invalid RTT '-1': sign not allowed" },
		{ "192.0.2.0/24 B +1", -EINVAL, "invalid RTT '+1': sign not allowed" },
		{ "192.0.2.0/24 B 012", -EINVAL, "invalid RTT '012': leading zero" },
		{ "192.0.2.0/24 B 1.2345", -EINVAL, "invalid RTT '1.2345': more than 3 decimals" },
		{ "192.0.2.0/24 B 1.", -EINVAL,
		  "invalid RTT '1.': expected milliseconds as a decimal number like 12 or 12.5" },
		{ "192.0.2.0/24 B .5", -EINVAL,
		  "invalid RTT '.5': expected milliseconds as a decimal number like 12 or 12.5" },
		{ "192.0.2.0/24 B 1e3", -EINVAL,
		  "invalid RTT '1e3': expected milliseconds as a decimal number like 12 or 12.5" },
		{ "192.0.2.0/24 B nan", -EINVAL,
		  "invalid RTT 'nan': expected milliseconds as a decimal number like 12 or 12.5" },
		{ "192.0.2.0/24 B 12ms", -EINVAL,
		  "invalid RTT '12ms': expected milliseconds as a decimal number like 12 or 12.5" },
		{ "192.0.2.0/24 B 100000.001", -ERANGE,
		  "RTT '100000.001' out of range 0..100000 ms" },
		{ "192.0.2.0/24 B 100001", -ERANGE, "RTT '100001' out of range 0..100000 ms" },
		{ "192.0.2.0/24 B 99999999999999999999999", -ERANGE,
		  "RTT '99999999999999999999999' out of range 0..100000 ms" },
	};
	struct es_latency_line ln;
	char err[256], longline[ES_LATENCY_LINE_MAX + 2];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		err[0] = 0;
		ASSERT_EQ(es_latency_line_parse(cases[i].line, &ln, err, sizeof(err)), cases[i].ret,
			  cases[i].line);
		if (!ASSERT_TRUE(!strcmp(err, cases[i].msg), cases[i].line))
			fprintf(stdout, "  got  '%s'\n  want '%s'\n", err, cases[i].msg);
	}
	memset(longline, ' ', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = 0;
	ASSERT_EQ(es_latency_line_parse(longline, &ln, err, sizeof(err)), -EINVAL, "long line");
	ASSERT_TRUE(!strcmp(err, "line longer than 1024 bytes"), err);
}

/* ---- files ----------------------------------------------------------------- */

static bool write_file(char *path, const char *text, bool gz)
{
	int fd = mkstemp(path);
	gzFile z;
	bool ok;

	if (!ASSERT_TRUE(fd >= 0, "mkstemp"))
		return false;
	if (!gz) {
		ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
		close(fd);
		return ASSERT_TRUE(ok, "write");
	}
	z = gzdopen(fd, "wb");
	if (!ASSERT_TRUE(z != NULL, "gzdopen"))
		return false;
	ok = gzwrite(z, text, strlen(text)) == (int)strlen(text);
	return ASSERT_TRUE(gzclose(z) == Z_OK && ok, "gzwrite");
}

static bool has_srtt(struct es_latency *l, const char *cidr, __u32 pop, __u64 now, double want)
{
	struct es_prefix_key k = key_of(cidr);
	double ms = -1;

	if (es_latency_srtt(l, &k, pop, now, &ms)) {
		fprintf(stdout, "  no smoothed RTT for %s pop %u\n", cidr, pop);
		return false;
	}
	if (ms != want)
		fprintf(stdout, "  %s pop %u: smoothed RTT %g, want %g\n", cidr, pop, ms, want);
	return ms == want;
}

static const char good_text[] =
	"\xef\xbb\xbf# measurements from the probe fleet\r\n"
	"192.0.2.0/26 B 40\r\n"
	"192.0.2.0/26 C 20.5\n"
	"\n"
	"192.0.2.0/26 B 80   # a second sample of the same pair\n"
	"2001:db8:1::/48 C 7\n"
	"198.51.100.0/24 B 10\n"	/* not configured */
	"192.0.2.128/26 B 10\n"		/* local */
	"192.0.2.192/26 B 10\n"		/* drop */
	"192.0.2.0/26 D 5\n"		/* D is no candidate of it */
	"192.0.2.64/26 D 9";		/* last line without newline */

static void check_good_load(bool gz)
{
	struct es_latency_feed_stats fs = { 0 };
	struct es_latency *l = new_store(0.5, 0, 5, 10, 0);
	char path[] = "/tmp/es-latency-test-XXXXXX", err[256] = "";

	if (!l || !write_file(path, good_text, gz))
		goto out;
	if (!ASSERT_OK(es_latency_load_file(l, path, &g_fake, 1 * SEC, &fs, err, sizeof(err)),
		       "load")) {
		fprintf(stdout, "  %s\n", err);
		goto out;
	}
	ASSERT_EQ(fs.lines, 9, "measurement lines");
	ASSERT_EQ(fs.applied, 5, "applied");
	ASSERT_EQ(fs.unconfigured, 1, "unconfigured");
	ASSERT_EQ(fs.not_steered, 2, "local and drop");
	ASSERT_EQ(fs.not_candidate, 1, "not a candidate");
	ASSERT_TRUE(has_srtt(l, "192.0.2.0/26", B, 1 * SEC, 60), "40 then 80, weight 0.5");
	ASSERT_TRUE(has_srtt(l, "192.0.2.0/26", C, 1 * SEC, 20.5), "C");
	ASSERT_TRUE(has_srtt(l, "2001:db8:1::/48", C, 1 * SEC, 7), "IPv6");
	ASSERT_TRUE(has_srtt(l, "192.0.2.64/26", D, 1 * SEC, 9), "last line");
	{
		struct es_prefix_key k = key_of("198.51.100.0/24");
		double ms;

		ASSERT_EQ(es_latency_srtt(l, &k, B, 1 * SEC, &ms), -ENOENT, "no entry created");
	}
out:
	unlink(path);
	es_latency_free(l);
}

static void test_file_plain(void)
{
	check_good_load(false);
}

static void test_file_gzip(void)
{
	check_good_load(true);
}

static void test_file_bad(void)
{
#define TEXT(s) s, sizeof(s) - 1
	static const struct {
		const char *text;
		size_t len;
		int line;
		int ret;
		const char *msg;
		const char *plain_msg;	/* for the plain file, NULL: msg */
	} cases[] = {
		{ TEXT("192.0.2.0/26 B 10\n192.0.2.0/26 C 10\n# c\n192.0.2.0/26 X 10\n"), 4,
		  -EINVAL, "unknown POP 'X'", NULL },
		{ TEXT("192.0.2.0/26 B 10\n192.0.2.0/26 C ten\n"), 2, -EINVAL,
		  "invalid RTT 'ten': expected milliseconds as a decimal number like 12 or 12.5",
		  NULL },
		{ TEXT("192.0.2.0/26 B 10\n\n\n192.0.2.0/26\n"), 4, -EINVAL,
		  "expected PREFIX POP RTT_MS, got 1 field", NULL },
		{ TEXT("192.0.2.0/26 B 10\n192.0.2.0/26 B 1\0 0\n"), 2, -EINVAL,
		  "NUL byte in line", "NUL byte in line (a binary file?)" },
		{ TEXT("192.0.2.0/26 B 10\r\n192.0.2.0/26 B 10 # ok\n192.0.2.0/26 B 10 9\n"), 3,
		  -EINVAL,
		  "unexpected '9' after the RTT "
		  "(expected PREFIX POP RTT_MS; '#' starts a comment)", NULL },
	};
#undef TEXT
	char err[512], want[512];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		for (int gz = 0; gz < 2; gz++) {
			struct es_latency *l = new_store(0.5, 0, 5, 10, 0);
			char path[] = "/tmp/es-latency-test-XXXXXX";
			struct es_prefix_key k = key_of("192.0.2.0/26");
			double ms;
			size_t len = cases[i].len;

			if (!l)
				return;
			if (gz) {
				int fd = mkstemp(path);
				gzFile z = gzdopen(fd, "wb");

				gzwrite(z, cases[i].text, len);
				gzclose(z);
			} else {
				int fd = mkstemp(path);

				ASSERT_EQ(write(fd, cases[i].text, len), len, "write");
				close(fd);
			}
			snprintf(want, sizeof(want), "%s:%d: %s", path, cases[i].line,
				 !gz && cases[i].plain_msg ? cases[i].plain_msg : cases[i].msg);
			ASSERT_EQ(es_latency_load_file(l, path, &g_fake, SEC, NULL, err,
						       sizeof(err)), cases[i].ret, want);
			if (!ASSERT_TRUE(!strcmp(err, want), want))
				fprintf(stdout, "  got  '%s'\n  want '%s'\n", err, want);
			/* the good lines before the bad one were not applied */
			ASSERT_EQ(es_latency_srtt(l, &k, B, SEC, &ms), -ENOENT, "nothing applied");
			unlink(path);
			es_latency_free(l);
		}
	}
}

static void test_file_gzip_broken(void)
{
	static const char text[] = "192.0.2.0/26 B 10\n192.0.2.0/26 C 20\n";
	char path[] = "/tmp/es-latency-test-XXXXXX", err[512], want[512];
	unsigned char gzbuf[256];
	struct es_latency *l = new_store(0.5, 0, 5, 10, 0);
	z_stream zs = { 0 };
	size_t n;
	int fd;

	if (!l)
		return;
	deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	zs.next_in = (unsigned char *)text;
	zs.avail_in = sizeof(text) - 1;
	zs.next_out = gzbuf;
	zs.avail_out = sizeof(gzbuf);
	ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END, "deflate");
	n = sizeof(gzbuf) - zs.avail_out;
	deflateEnd(&zs);

	struct {
		size_t len;
		const char *extra;
		int flip;	/* byte to corrupt, -1 none */
		const char *msg;
	} cases[] = {
		{ n - 5, "", -1, "truncated gzip data" },
		{ n, "192.0.2.0/26 D 1\n", -1, "unexpected data after the end of the gzip stream" },
		{ n, "", 12, "corrupt gzip data" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned char buf[512];

		memcpy(buf, gzbuf, cases[i].len);
		memcpy(buf + cases[i].len, cases[i].extra, strlen(cases[i].extra));
		if (cases[i].flip >= 0)
			buf[cases[i].flip] ^= 0xff;
		strcpy(path, "/tmp/es-latency-test-XXXXXX");
		fd = mkstemp(path);
		ASSERT_TRUE(write(fd, buf, cases[i].len + strlen(cases[i].extra)) > 0, "write");
		close(fd);
		snprintf(want, sizeof(want), "%s: %s", path, cases[i].msg);
		ASSERT_EQ(es_latency_load_file(l, path, &g_fake, SEC, NULL, err, sizeof(err)), -EIO,
			  cases[i].msg);
		if (!ASSERT_TRUE(!strncmp(err, want, strlen(want)), cases[i].msg))
			fprintf(stdout, "  got  '%s'\n  want '%s...'\n", err, want);
		unlink(path);
	}
	/* two members are one file */
	{
		unsigned char buf[512];

		memcpy(buf, gzbuf, n);
		memcpy(buf + n, gzbuf, n);
		strcpy(path, "/tmp/es-latency-test-XXXXXX");
		fd = mkstemp(path);
		ASSERT_EQ(write(fd, buf, 2 * n), 2 * n, "write");
		close(fd);
		ASSERT_OK(es_latency_load_file(l, path, &g_fake, SEC, NULL, err, sizeof(err)),
			  "two members");
		ASSERT_TRUE(has_srtt(l, "192.0.2.0/26", B, SEC, 10), "two members");
		unlink(path);
	}
	ASSERT_EQ(es_latency_load_file(l, "/nonexistent/x", &g_fake, SEC, NULL, err, sizeof(err)),
		  -ENOENT, "missing file");
	ASSERT_TRUE(!strcmp(err, "/nonexistent/x: cannot open: No such file or directory"), err);
	es_latency_free(l);
}

static void test_feed_line(void)
{
	struct es_latency_feed_stats fs = { 0 };
	struct es_latency *l = new_store(0.5, 0, 5, 10, 0);
	char err[256];

	if (!l)
		return;
	ASSERT_EQ(es_latency_feed_line(l, "socket", "192.0.2.0/26 X 1", &g_fake, SEC, &fs, err,
				       sizeof(err)), -EINVAL, "unknown POP");
	ASSERT_TRUE(!strcmp(err, "socket: unknown POP 'X'"), err);
	ASSERT_EQ(es_latency_feed_line(l, "socket", "192.0.2.0/26 B", &g_fake, SEC, &fs, err,
				       sizeof(err)), -EINVAL, "two fields");
	ASSERT_TRUE(!strcmp(err, "socket: expected PREFIX POP RTT_MS, got 2 fields"), err);
	ASSERT_EQ(es_latency_feed_line(l, "socket", "192.0.2.0/26 B 1\n192.0.2.0/26 C 1", &g_fake,
				       SEC, &fs, err, sizeof(err)), -EINVAL, "two lines");
	ASSERT_TRUE(!strcmp(err, "socket: one measurement per line"), err);
	ASSERT_EQ(es_latency_feed_line(l, "socket", "198.51.100.0/24 B 1", &g_fake, SEC, &fs, err,
				       sizeof(err)), ES_LATENCY_IGNORED, "unconfigured");
	ASSERT_TRUE(!strcmp(err, "socket: prefix 198.51.100.0/24 is not configured: ignored"),
		    err);
	ASSERT_EQ(es_latency_feed_line(l, "socket", "192.0.2.128/26 B 1", &g_fake, SEC, &fs, err,
				       sizeof(err)), ES_LATENCY_IGNORED, "local");
	ASSERT_TRUE(!strcmp(err, "socket: prefix 192.0.2.128/26 is local: ignored"), err);
	ASSERT_EQ(es_latency_feed_line(l, "socket", "192.0.2.0/26 D 1", &g_fake, SEC, &fs, err,
				       sizeof(err)), ES_LATENCY_IGNORED, "not a candidate");
	ASSERT_TRUE(!strcmp(err, "socket: POP D is not a candidate of prefix 192.0.2.0/26: "
			    "ignored"), err);
	ASSERT_EQ(es_latency_feed_line(l, "socket", "# nothing", &g_fake, SEC, &fs, err,
				       sizeof(err)), ES_LATENCY_IGNORED, "comment");
	ASSERT_OK(es_latency_feed_line(l, "socket", "192.0.2.0/26 B 30\n", &g_fake, SEC, &fs, err,
				       sizeof(err)), "good line with its newline");
	ASSERT_TRUE(has_srtt(l, "192.0.2.0/26", B, SEC, 30), "stored");
	ASSERT_EQ(fs.lines, 5, "well-formed measurement lines");
	ASSERT_EQ(fs.applied, 1, "applied");
	ASSERT_EQ(fs.unconfigured + fs.not_steered + fs.not_candidate, 3, "ignored");
	es_latency_free(l);
}

static void test_config(void)
{
	static const struct {
		double w, ms, pct;
		const char *msg;
	} bad[] = {
		{ 0, 5, 10, "invalid smoothing weight 0: must be above 0 and at most 1" },
		{ 1.5, 5, 10, "invalid smoothing weight 1.5: must be above 0 and at most 1" },
		{ 0.5, -1, 10, "invalid minimum gain -1 ms: must be 0..100000" },
		{ 0.5, 5, 101, "invalid minimum gain 101 %: must be 0..100" },
	};
	struct es_latency_config cfg;
	struct es_latency *l = NULL;
	char err[256];

	es_latency_config_default(&cfg);
	ASSERT_OK(es_latency_new(&l, &cfg, err, sizeof(err)), "defaults");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct es_latency_config c = cfg;

		c.weight = bad[i].w;
		c.min_gain_ms = bad[i].ms;
		c.min_gain_pct = bad[i].pct;
		ASSERT_EQ(es_latency_set_config(l, &c, err, sizeof(err)), -EINVAL, bad[i].msg);
		ASSERT_TRUE(!strcmp(err, bad[i].msg), err);
	}
	es_latency_free(l);
}

/* ---- smoothing ------------------------------------------------------------- */

static void test_smoothing(void)
{
	struct es_latency *l = new_store(0.25, 10 * SEC, 5, 10, 0);
	const char *p = "192.0.2.0/26";

	if (!l)
		return;
	feed(l, "192.0.2.0/26 B 10", 1 * SEC);
	ASSERT_TRUE(has_srtt(l, p, B, 1 * SEC, 10), "the first sample sets it");
	feed(l, "192.0.2.0/26 B 20", 2 * SEC);
	ASSERT_TRUE(has_srtt(l, p, B, 2 * SEC, 12.5), "10 + 0.25 * (20 - 10)");
	feed(l, "192.0.2.0/26 B 20", 3 * SEC);
	ASSERT_TRUE(has_srtt(l, p, B, 3 * SEC, 14.375), "12.5 + 0.25 * 7.5");
	feed(l, "192.0.2.0/26 B 2", 4 * SEC);
	ASSERT_TRUE(has_srtt(l, p, B, 4 * SEC, 11.28125), "14.375 - 0.25 * 12.375");
	/* exactly max age old still counts, a nanosecond more does not */
	ASSERT_TRUE(has_srtt(l, p, B, 14 * SEC, 11.28125), "at max age");
	{
		struct es_prefix_key k = key_of(p);
		double ms;

		ASSERT_EQ(es_latency_srtt(l, &k, B, 14 * SEC + 1, &ms), -ENOENT, "expired");
	}
	/* after the silence a sample starts afresh */
	feed(l, "192.0.2.0/26 B 40", 20 * SEC);
	ASSERT_TRUE(has_srtt(l, p, B, 20 * SEC, 40), "restart after max age");
	/* pairs are independent */
	feed(l, "192.0.2.0/26 C 100", 20 * SEC);
	feed(l, "192.0.2.64/26 B 1", 20 * SEC);
	ASSERT_TRUE(has_srtt(l, p, B, 20 * SEC, 40), "B unchanged");
	ASSERT_TRUE(has_srtt(l, p, C, 20 * SEC, 100), "C");
	ASSERT_TRUE(has_srtt(l, "192.0.2.64/26", B, 20 * SEC, 1), "other prefix");
	/* weight 1: no smoothing */
	{
		struct es_latency_config cfg = { .weight = 1, .min_gain_pct = 10 };

		ASSERT_OK(es_latency_set_config(l, &cfg, NULL, 0), "weight 1");
		feed(l, "192.0.2.0/26 B 7", 21 * SEC);
		ASSERT_TRUE(has_srtt(l, p, B, 1000 * SEC, 7), "weight 1, never expires");
	}
	es_latency_free(l);
}

/* ---- ranking and hysteresis ------------------------------------------------ */

/* B 50 against C oscillating 46/54: never 5 ms and 10 % better. */
static void test_oscillation_below_gain(void)
{
	struct es_latency *l = new_store(1, 0, 5, 10, 1 * SEC);
	struct es_pop_mask up = all_up();
	const char *p = "192.0.2.0/26";
	char line[64];
	int moved = 0;

	if (!l)
		return;
	feed(l, "192.0.2.0/26 B 50", 0);
	for (int i = 0; i < 100; i++) {
		__u64 now = (__u64)i * 10 * SEC;	/* always past the hold-down */

		snprintf(line, sizeof(line), "192.0.2.0/26 C %d", i % 2 ? 46 : 54);
		feed(l, line, now);
		feed(l, "192.0.2.0/26 B 50", now);
		moved += round_at(l, &up, now, NULL);
	}
	ASSERT_EQ(moved, 0, "changes written");
	ASSERT_STEER(p, 2, B, C, 0, "still the configured order");
	{
		struct es_latency_stats s;

		es_latency_stats(l, &s);
		ASSERT_EQ(s.held, 1, "last round: C better, but not by enough");
		ASSERT_EQ(s.moved, 0, "nothing moved");
	}
	es_latency_free(l);
}

static void test_gain_thresholds(void)
{
	struct es_latency *l = new_store(1, 0, 5, 10, 0);
	struct es_pop_mask up = all_up();
	const char *p = "192.0.2.0/26";
	__u8 reason;

	if (!l)
		return;
	/* 6 ms of 100 is 6 %: the percentage holds it */
	feed(l, "192.0.2.0/26 B 100", SEC);
	feed(l, "192.0.2.0/26 C 94", SEC);
	ASSERT_EQ(round_at(l, &up, SEC, NULL), 0, "6 ms, 6 %");
	/* 4 ms of 20 is 20 %: the milliseconds hold it */
	feed(l, "192.0.2.0/26 B 20", SEC);
	feed(l, "192.0.2.0/26 C 16", SEC);
	ASSERT_EQ(round_at(l, &up, SEC, NULL), 0, "4 ms, 20 %");
	/* exactly 5 ms and 10 % (50 -> 45) is enough */
	feed(l, "192.0.2.0/26 B 50", SEC);
	feed(l, "192.0.2.0/26 C 45", SEC);
	ASSERT_EQ(round_at(l, &up, SEC, &reason), 1, "5 ms, 10 %");
	ASSERT_EQ(reason, ES_LATENCY_FASTER, "reason");
	ASSERT_STEER(p, 2, C, B, 0, "C first");
	/* equal RTTs never move anything, even with no threshold at all */
	{
		struct es_latency_config cfg = { .weight = 1 };

		es_latency_set_config(l, &cfg, NULL, 0);
		feed(l, "192.0.2.0/26 B 45", 2 * SEC);
		ASSERT_EQ(round_at(l, &up, 2 * SEC, NULL), 0, "tie");
		ASSERT_STEER(p, 2, C, B, 0, "tie keeps C");
	}
	es_latency_free(l);
}

static void test_big_gain_after_hold_down(void)
{
	struct es_latency *l = new_store(1, 0, 5, 10, 60 * SEC);
	struct es_pop_mask up = all_up();
	const char *p = "192.0.2.0/26";
	__u32 pref = 0;
	__u8 reason;

	if (!l)
		return;
	feed(l, "192.0.2.0/26 B 50", 100 * SEC);
	feed(l, "192.0.2.0/26 C 20", 100 * SEC);
	/* never changed before: no hold-down to wait for */
	ASSERT_EQ(round_at(l, &up, 100 * SEC, &reason), 1, "C much better");
	ASSERT_EQ(reason, ES_LATENCY_FASTER, "reason");
	ASSERT_STEER(p, 2, C, B, 0, "moved to C");
	{
		struct es_prefix_key k = key_of(p);

		ASSERT_OK(es_latency_preferred(l, &k, &pref), "preferred");
		ASSERT_EQ(pref, C, "preferred is C");
	}
	/* B becomes far better right away: held until 60 s have passed */
	feed(l, "192.0.2.0/26 C 200", 101 * SEC);
	ASSERT_EQ(round_at(l, &up, 101 * SEC, NULL), 0, "within hold-down");
	ASSERT_EQ(round_at(l, &up, 160 * SEC - 1, NULL), 0, "a nanosecond before");
	ASSERT_STEER(p, 2, C, B, 0, "still C");
	ASSERT_EQ(round_at(l, &up, 160 * SEC, NULL), 1, "hold-down over");
	ASSERT_STEER(p, 2, B, C, 0, "back to B: the configured order again");
	{
		struct es_latency_stats s;

		es_latency_stats(l, &s);
		ASSERT_EQ(s.changes[ES_LATENCY_FASTER], 2, "two changes");
		ASSERT_EQ(s.moved, 0, "B, C is the configured steering: not moved");
		ASSERT_EQ(s.preferred[B], 1, "preferred B");
	}
	ASSERT_EQ(g_rib[0].writes, 2, "written twice");
	es_latency_free(l);
}

static void test_down_pop_left_at_once(void)
{
	struct es_latency *l = new_store(1, 0, 5, 10, 60 * SEC);
	struct es_pop_mask up = all_up();
	const char *p = "192.0.2.64/26";
	__u8 reason;

	if (!l)
		return;
	feed(l, "192.0.2.64/26 B 50", SEC);
	feed(l, "192.0.2.64/26 C 30", SEC);
	feed(l, "192.0.2.64/26 D 10", SEC);
	ASSERT_EQ(round_at(l, &up, SEC, NULL), 1, "to D");
	ASSERT_STEER(p, 3, D, C, B, "ranked by RTT");
	/* D goes down one second later, deep in the hold-down */
	es_pop_mask_set(&up, D, false);
	ASSERT_EQ(round_at(l, &up, 2 * SEC, &reason), 1, "D down: left at once");
	ASSERT_EQ(reason, ES_LATENCY_FAILOVER, "reason");
	ASSERT_STEER(p, 3, C, B, D, "best healthy first, the down POP last");
	/* D back and far better: that is a latency change, hold-down applies */
	es_pop_mask_set(&up, D, true);
	ASSERT_EQ(round_at(l, &up, 3 * SEC, NULL), 0, "D up again: hold-down");
	ASSERT_EQ(round_at(l, &up, 62 * SEC, NULL), 1, "after hold-down: D");
	ASSERT_STEER(p, 3, D, C, B, "D again");
	/* everything down: nowhere to go, nothing written */
	memset(&up, 0, sizeof(up));
	ASSERT_EQ(round_at(l, &up, 63 * SEC, NULL), 0, "all down");
	ASSERT_STEER(p, 3, D, C, B, "unchanged");
	es_latency_free(l);
}

static void test_order_of_unmeasured(void)
{
	struct es_latency *l = new_store(1, 0, 5, 10, 0);
	struct es_pop_mask up = all_up();
	const char *p = "192.0.2.64/26";

	if (!l)
		return;
	/* only D measured: measured first, the rest in configured order */
	feed(l, "192.0.2.64/26 D 10", SEC);
	ASSERT_EQ(round_at(l, &up, SEC, NULL), 1, "D measured");
	ASSERT_STEER(p, 3, D, B, C, "D, then B C as configured");
	/* D down, nothing else measured: back to the healthy configured ones */
	es_pop_mask_set(&up, D, false);
	ASSERT_EQ(round_at(l, &up, 2 * SEC, NULL), 1, "D down");
	ASSERT_STEER(p, 3, B, C, D, "configured order, down last");
	es_latency_free(l);
}

static void test_no_measurement_keeps_configured(void)
{
	struct es_latency *l = new_store(1, 10 * SEC, 5, 10, 5 * SEC);
	struct es_pop_mask up = all_up();
	struct es_latency_stats s;
	__u8 reason;

	if (!l)
		return;
	/* nothing measured: nothing ranked, nothing written */
	ASSERT_EQ(round_at(l, &up, SEC, NULL), 0, "empty store");
	es_pop_mask_set(&up, B, false);
	ASSERT_EQ(round_at(l, &up, SEC, NULL), 0, "even with B down");
	es_pop_mask_set(&up, B, true);
	for (int i = 0; i < g_nrib; i++)
		ASSERT_EQ(g_rib[i].writes, 0, "no writes");

	/* measurements move it; once they expire it returns to its
	 * configured steering and is forgotten */
	feed(l, "2001:db8:1::/48 B 10", SEC);
	feed(l, "2001:db8:1::/48 C 90", SEC);
	ASSERT_EQ(round_at(l, &up, SEC, NULL), 1, "to B");
	ASSERT_STEER("2001:db8:1::/48", 2, B, C, 0, "B first");
	es_latency_stats(l, &s);
	ASSERT_EQ(s.prefixes, 1, "held");
	ASSERT_EQ(s.moved, 1, "moved");
	ASSERT_EQ(round_at(l, &up, 11 * SEC, NULL), 0, "at max age: still counts");
	ASSERT_EQ(round_at(l, &up, 12 * SEC, &reason), 1, "expired: back");
	ASSERT_EQ(reason, ES_LATENCY_REVERT, "reason");
	ASSERT_STEER("2001:db8:1::/48", 2, C, B, 0, "configured order");
	ASSERT_EQ(round_at(l, &up, 13 * SEC, NULL), 0, "hold-down of the revert");
	es_latency_stats(l, &s);
	ASSERT_EQ(s.prefixes, 1, "kept during the hold-down");
	ASSERT_EQ(round_at(l, &up, 17 * SEC, NULL), 0, "nothing to do");
	es_latency_stats(l, &s);
	ASSERT_EQ(s.prefixes, 0, "forgotten");
	ASSERT_EQ(s.changes[ES_LATENCY_REVERT], 1, "one revert");
	es_latency_free(l);
}

static void test_local_drop_untouched(void)
{
	struct es_latency *l = new_store(1, 0, 5, 10, 0);
	struct es_pop_mask up = all_up();
	struct es_steering s;

	if (!l)
		return;
	ASSERT_EQ(feed(l, "192.0.2.128/26 B 1", SEC), ES_LATENCY_IGNORED, "local");
	ASSERT_EQ(feed(l, "192.0.2.192/26 B 1", SEC), ES_LATENCY_IGNORED, "drop");
	/* a steered prefix with samples that the operator turns local */
	feed(l, "192.0.2.0/26 B 80", SEC);
	feed(l, "192.0.2.0/26 C 10", SEC);
	rib_set("192.0.2.0/26", ES_ACTION_LOCAL, 0);
	ASSERT_EQ(round_at(l, &up, SEC, NULL), 0, "local now");
	es_pop_mask_set(&up, B, false);
	ASSERT_EQ(round_at(l, &up, 2 * SEC, NULL), 0, "local with B down");
	s = rib_get("192.0.2.0/26");
	ASSERT_EQ(s.action, ES_ACTION_LOCAL, "still local");
	ASSERT_EQ(rib_get("192.0.2.128/26").action, ES_ACTION_LOCAL, "local");
	ASSERT_EQ(rib_get("192.0.2.192/26").action, ES_ACTION_DROP, "drop");
	for (int i = 0; i < g_nrib; i++)
		ASSERT_EQ(g_rib[i].writes, 0, "no writes");
	es_latency_free(l);
}

/* Someone else rewrites a prefix: that is its configured steering now. */
static void test_external_change_learned(void)
{
	struct es_latency *l = new_store(1, 10 * SEC, 5, 10, 0);
	struct es_pop_mask up = all_up();
	const char *p = "192.0.2.64/26";

	if (!l)
		return;
	feed(l, "192.0.2.64/26 D 10", SEC);
	ASSERT_EQ(round_at(l, &up, SEC, NULL), 1, "to D");
	ASSERT_STEER(p, 3, D, B, C, "D first");
	rib_set(p, ES_ACTION_POPS, 3, C, D, B);		/* the operator */
	ASSERT_EQ(round_at(l, &up, 2 * SEC, NULL), 1, "D best again");
	ASSERT_STEER(p, 3, D, C, B, "unmeasured in the operator's order");
	/* when the samples expire, the operator's order comes back */
	ASSERT_EQ(round_at(l, &up, 20 * SEC, NULL), 1, "revert");
	ASSERT_STEER(p, 3, C, D, B, "the operator's order");
	/* a prefix removed from the configuration is forgotten */
	feed(l, "192.0.2.0/26 B 10", 21 * SEC);
	g_rib[0].key.family = 0;	/* 192.0.2.0/26 gone */
	ASSERT_EQ(round_at(l, &up, 21 * SEC, NULL), 0, "gone");
	{
		struct es_latency_stats s;

		es_latency_stats(l, &s);
		ASSERT_EQ(s.prefixes, 0, "forgotten");
	}
	es_latency_free(l);
}

/* 100,000 prefixes x 4 POPs: the memory the store holds. */
static void test_memory(void)
{
	struct es_latency_config cfg;
	struct es_steering st = { .action = ES_ACTION_POPS, .npops = 4, .pops = { A, B, C, D } };
	struct es_latency *l = NULL;
	struct es_latency_stats s;
	const size_t n = 100000;

	es_latency_config_default(&cfg);
	if (!ASSERT_OK(es_latency_new(&l, &cfg, NULL, 0), "new"))
		return;
	for (size_t i = 0; i < n; i++) {
		struct es_prefix_key k = { .family = ES_AF_INET6, .len = 56 };

		k.addr.v6[0] = 0x20;
		k.addr.v6[1] = 0x01;
		k.addr.v6[2] = 0x0d;
		k.addr.v6[3] = 0xb8;
		k.addr.v6[4] = i >> 16;
		k.addr.v6[5] = i >> 8;
		k.addr.v6[6] = i;
		for (__u32 pop = A; pop <= D; pop++)
			if (es_latency_sample(l, &k, &st, pop, 10 + pop, SEC))
				break;
	}
	es_latency_stats(l, &s);
	ASSERT_EQ(s.prefixes, n, "prefixes");
	ASSERT_EQ(s.samples, 4 * n, "samples");
	fprintf(stdout, "  store: %zu bytes for %zu prefixes x 4 POPs (%.1f bytes each)\n",
		s.bytes, n, (double)s.bytes / n);
	/* the array doubles: at most twice the entries, plus the index */
	ASSERT_TRUE(s.bytes <= 2 * n * 128 + 4 * 262144 + 4096, "about 120 bytes a prefix");
	es_latency_free(l);
}

int main(void)
{
	RUN_TEST(test_parse_good);
	RUN_TEST(test_parse_bad);
	RUN_TEST(test_file_plain);
	RUN_TEST(test_file_gzip);
	RUN_TEST(test_file_bad);
	RUN_TEST(test_file_gzip_broken);
	RUN_TEST(test_feed_line);
	RUN_TEST(test_config);
	RUN_TEST(test_smoothing);
	RUN_TEST(test_oscillation_below_gain);
	RUN_TEST(test_gain_thresholds);
	RUN_TEST(test_big_gain_after_hold_down);
	RUN_TEST(test_down_pop_left_at_once);
	RUN_TEST(test_order_of_unmeasured);
	RUN_TEST(test_no_measurement_keeps_configured);
	RUN_TEST(test_local_drop_untouched);
	RUN_TEST(test_external_change_learned);
	RUN_TEST(test_memory);
	return es_test_exit();
}
