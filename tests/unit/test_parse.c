// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Scalar parsers: tables of good inputs with the exact value and of bad
 * inputs with the message they must produce, then format/parse round trips.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "test.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* err must contain want; prints both when not. */
static bool err_has(const char *err, const char *want, const char *input)
{
	if (strstr(err, want))
		return true;
	es_test_failures++;
	fprintf(stdout, "  input '%s': message '%s' lacks '%s'\n", input, err,
		want);
	return false;
}

#define V4(a, b, c, d) { a, b, c, d }

struct addr_case {
	const char *in;
	__u8 family;
	__u8 bytes[16];
	const char *canon;	/* what es_format_addr prints */
};

static const struct addr_case good_addrs[] = {
	{ "192.0.2.1", ES_AF_INET, V4(192, 0, 2, 1), "192.0.2.1" },
	{ "0.0.0.0", ES_AF_INET, V4(0, 0, 0, 0), "0.0.0.0" },
	{ "255.255.255.255", ES_AF_INET, V4(255, 255, 255, 255),
	  "255.255.255.255" },
	{ "10.20.30.40", ES_AF_INET, V4(10, 20, 30, 40), "10.20.30.40" },
	{ "2001:db8::1", ES_AF_INET6,
	  { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, "2001:db8::1" },
	{ "2001:DB8:0:0:0:0:0:A", ES_AF_INET6,
	  { 0x20, 0x01, 0x0d, 0xb8, [15] = 0xa }, "2001:db8::a" },
	{ "::", ES_AF_INET6, { 0 }, "::" },
	{ "::1", ES_AF_INET6, { [15] = 1 }, "::1" },
	/* v4-mapped stays IPv6: a different key from 1.2.3.4 */
	{ "::ffff:1.2.3.4", ES_AF_INET6,
	  { [10] = 0xff, [11] = 0xff, 1, 2, 3, 4 }, "::ffff:1.2.3.4" },
	{ "fe80::1:0:0:2", ES_AF_INET6,
	  { 0xfe, 0x80, [9] = 1, [15] = 2 }, "fe80::1:0:0:2" },
	{ "1:2:3:4:5:6:7:8", ES_AF_INET6,
	  { 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8 },
	  "1:2:3:4:5:6:7:8" },
};

struct bad_case {
	const char *in;
	int ret;
	const char *msg;	/* substring of the message */
};

static const struct bad_case bad_addrs[] = {
	{ "", -EINVAL, "invalid address '': empty" },
	{ "1.2.3", -EINVAL,
	  "invalid address '1.2.3': not an IPv4 or IPv6 address" },
	{ "1.2.3.4.5", -EINVAL, "not an IPv4 or IPv6 address" },
	{ "1.2.3.256", -EINVAL, "not an IPv4 or IPv6 address" },
	{ "01.2.3.4", -EINVAL, "not an IPv4 or IPv6 address" },
	{ " 1.2.3.4", -EINVAL, "invalid address ' 1.2.3.4': contains whitespace" },
	{ "1.2.3.4 ", -EINVAL, "contains whitespace" },
	{ "1.2. 3.4", -EINVAL, "contains whitespace" },
	{ "1.2.3.4\n", -EINVAL, "invalid address '1.2.3.4\\x0a'" },
	{ "2001:db8::1::2", -EINVAL, "not an IPv4 or IPv6 address" },
	{ "gggg::1", -EINVAL, "not an IPv4 or IPv6 address" },
	{ "fe80::1%eth0", -EINVAL, "not an IPv4 or IPv6 address" },
	{ "::ffff:1.2.3", -EINVAL, "not an IPv4 or IPv6 address" },
	{ "10.0.0.0/8", -EINVAL, "a prefix, not an address" },
	{ "localhost", -EINVAL, "not an IPv4 or IPv6 address" },
};

static void test_parse_addr(void)
{
	char err[256], buf[ES_ADDR_STRLEN];
	struct es_addr a, a2;
	__u8 fam, fam2;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good_addrs); i++) {
		const struct addr_case *c = &good_addrs[i];

		memset(&a, 0xaa, sizeof(a));
		if (!ASSERT_OK(es_parse_addr(c->in, &fam, &a, err, sizeof(err)),
			       c->in))
			continue;
		ASSERT_EQ(fam, c->family, c->in);
		ASSERT_MEM_EQ(a.v6, c->bytes, 16, c->in);
		/* round trip: canonical text, and back to the same bytes */
		ASSERT_OK(es_format_addr(fam, &a, buf, sizeof(buf)), c->in);
		ASSERT_TRUE(!strcmp(buf, c->canon), c->canon);
		ASSERT_OK(es_parse_addr(buf, &fam2, &a2, err, sizeof(err)), buf);
		ASSERT_EQ(fam2, fam, buf);
		ASSERT_MEM_EQ(&a2, &a, sizeof(a), buf);
	}
	for (i = 0; i < ARRAY_SIZE(bad_addrs); i++) {
		const struct bad_case *c = &bad_addrs[i];

		err[0] = '\0';
		fam = 99;
		memset(&a, 0xaa, sizeof(a));
		ASSERT_EQ(es_parse_addr(c->in, &fam, &a, err, sizeof(err)),
			  c->ret, c->in);
		err_has(err, c->msg, c->in);
		/* outputs untouched on failure */
		ASSERT_EQ(fam, 99, c->in);
		ASSERT_EQ(a.v6[0], 0xaa, c->in);
	}
	/* no message buffer is fine */
	ASSERT_EQ(es_parse_addr("x", &fam, &a, NULL, 0), -EINVAL, "NULL err");
	ASSERT_EQ(es_parse_addr(NULL, &fam, &a, err, sizeof(err)), -EINVAL,
		  "NULL input");
}

struct cidr_case {
	const char *in;
	__u8 family;
	__u8 len;
	__u8 bytes[16];
	const char *canon;
};

static const struct cidr_case good_cidrs[] = {
	{ "192.0.2.0/24", ES_AF_INET, 24, V4(192, 0, 2, 0), "192.0.2.0/24" },
	{ "10.0.0.0/8", ES_AF_INET, 8, V4(10, 0, 0, 0), "10.0.0.0/8" },
	{ "0.0.0.0/0", ES_AF_INET, 0, V4(0, 0, 0, 0), "0.0.0.0/0" },
	{ "192.0.2.1/32", ES_AF_INET, 32, V4(192, 0, 2, 1), "192.0.2.1/32" },
	{ "192.0.2.1", ES_AF_INET, 32, V4(192, 0, 2, 1), "192.0.2.1/32" },
	{ "192.0.2.128/25", ES_AF_INET, 25, V4(192, 0, 2, 128),
	  "192.0.2.128/25" },
	{ "172.16.0.0/12", ES_AF_INET, 12, V4(172, 16, 0, 0), "172.16.0.0/12" },
	{ "2001:db8::/32", ES_AF_INET6, 32, { 0x20, 0x01, 0x0d, 0xb8 },
	  "2001:db8::/32" },
	{ "2001:0db8:0000::/48", ES_AF_INET6, 48, { 0x20, 0x01, 0x0d, 0xb8 },
	  "2001:db8::/48" },
	{ "::/0", ES_AF_INET6, 0, { 0 }, "::/0" },
	{ "2001:db8::1/128", ES_AF_INET6, 128,
	  { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, "2001:db8::1/128" },
	{ "2001:db8::1", ES_AF_INET6, 128,
	  { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, "2001:db8::1/128" },
	{ "2001:db8:8000::/33", ES_AF_INET6, 33,
	  { 0x20, 0x01, 0x0d, 0xb8, 0x80 }, "2001:db8:8000::/33" },
	{ "::ffff:1.2.3.0/120", ES_AF_INET6, 120,
	  { [10] = 0xff, [11] = 0xff, 1, 2, 3, 0 }, "::ffff:1.2.3.0/120" },
};

static const struct bad_case bad_cidrs[] = {
	{ "192.0.2.1/24", -EINVAL,
	  "invalid CIDR '192.0.2.1/24': host bits set (network is 192.0.2.0/24)" },
	{ "10.1.2.3/8", -EINVAL, "host bits set (network is 10.0.0.0/8)" },
	{ "1.0.0.0/0", -EINVAL, "host bits set (network is 0.0.0.0/0)" },
	{ "192.0.2.129/25", -EINVAL, "(network is 192.0.2.128/25)" },
	{ "2001:db8::1/64", -EINVAL,
	  "invalid CIDR '2001:db8::1/64': host bits set (network is 2001:db8::/64)" },
	{ "2001:db8:ffff::/33", -EINVAL, "(network is 2001:db8:8000::/33)" },
	{ "10.0.0.0/33", -ERANGE,
	  "prefix length 33 out of range 0..32 in '10.0.0.0/33'" },
	{ "::/129", -ERANGE, "prefix length 129 out of range 0..128 in '::/129'" },
	{ "10.0.0.0/4294967296", -ERANGE, "out of range 0..32" },
	{ "10.0.0.0/99999999999999999999", -ERANGE, "out of range 0..32" },
	{ "/", -EINVAL, "invalid CIDR '/': missing address before '/'" },
	{ "/24", -EINVAL, "missing address before '/'" },
	{ "1.2.3.0/", -EINVAL,
	  "invalid CIDR '1.2.3.0/': missing prefix length after '/'" },
	{ "1.2.3.0/24x", -EINVAL,
	  "invalid CIDR '1.2.3.0/24x': trailing characters 'x' after prefix length" },
	{ "1.2.3.0/24/8", -EINVAL, "trailing characters '/8'" },
	{ "1.2.3.0/-1", -EINVAL,
	  "invalid CIDR '1.2.3.0/-1': sign not allowed in prefix length" },
	{ "1.2.3.0/+24", -EINVAL, "sign not allowed in prefix length" },
	{ "1.2.3.0/024", -EINVAL, "leading zero in prefix length" },
	{ "0.0.0.0/00", -EINVAL, "leading zero in prefix length" },
	{ "1.2.3.0/0x18", -EINVAL, "prefix length must be decimal" },
	{ "1.2.3.0/ab", -EINVAL, "prefix length 'ab' is not a number" },
	{ "1.2.3.0 /24", -EINVAL, "contains whitespace" },
	{ "1.2.3.0/ 24", -EINVAL, "contains whitespace" },
	{ "1.2.3.0/24 ", -EINVAL, "contains whitespace" },
	{ " 1.2.3.0/24", -EINVAL, "contains whitespace" },
	{ "1.2.3.0/\t24", -EINVAL, "contains whitespace" },
	{ "", -EINVAL, "invalid CIDR '': empty" },
	{ "1.2.3/24", -EINVAL,
	  "invalid CIDR '1.2.3/24': '1.2.3' is not an IPv4 or IPv6 address" },
	{ "foo", -EINVAL, "invalid CIDR 'foo': not an IPv4 or IPv6 address" },
	{ "1.2.3.4.5/32", -EINVAL, "is not an IPv4 or IPv6 address" },
	{ "2001:db8::/", -EINVAL, "missing prefix length" },
};

static void test_parse_cidr(void)
{
	char err[256], buf[ES_CIDR_STRLEN];
	struct es_addr a, a2;
	__u8 fam, fam2, len, len2;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good_cidrs); i++) {
		const struct cidr_case *c = &good_cidrs[i];

		if (!ASSERT_OK(es_parse_cidr(c->in, &fam, &a, &len, err,
					     sizeof(err)), c->in)) {
			fprintf(stdout, "  message: %s\n", err);
			continue;
		}
		ASSERT_EQ(fam, c->family, c->in);
		ASSERT_EQ(len, c->len, c->in);
		ASSERT_MEM_EQ(a.v6, c->bytes, 16, c->in);
		ASSERT_OK(es_format_cidr(fam, &a, len, buf, sizeof(buf)), c->in);
		ASSERT_TRUE(!strcmp(buf, c->canon), c->canon);
		ASSERT_OK(es_parse_cidr(buf, &fam2, &a2, &len2, err,
					sizeof(err)), buf);
		ASSERT_EQ(fam2, fam, buf);
		ASSERT_EQ(len2, len, buf);
		ASSERT_MEM_EQ(&a2, &a, sizeof(a), buf);
	}
	for (i = 0; i < ARRAY_SIZE(bad_cidrs); i++) {
		const struct bad_case *c = &bad_cidrs[i];

		err[0] = '\0';
		len = 77;
		ASSERT_EQ(es_parse_cidr(c->in, &fam, &a, &len, err, sizeof(err)),
			  c->ret, c->in);
		err_has(err, c->msg, c->in);
		ASSERT_EQ(len, 77, c->in);
	}
}

/* Every length of both families: exactly the network bits survive. */
static void test_cidr_every_length(void)
{
	char in[ES_CIDR_STRLEN + 32], err[256];
	struct es_addr a;
	__u8 fam, len;
	int l;

	for (l = 0; l <= 32; l++) {
		__u32 host = l == 32 ? 0 : 0xffffffffu >> l;
		__u32 net = 0xffffffffu & ~host;

		snprintf(in, sizeof(in), "%u.%u.%u.%u/%d", net >> 24,
			 (net >> 16) & 255, (net >> 8) & 255, net & 255, l);
		ASSERT_OK(es_parse_cidr(in, &fam, &a, &len, err, sizeof(err)),
			  in);
		ASSERT_EQ(len, l, in);
		if (l < 32) {
			/* one host bit more must fail */
			__u32 bad = net | (1u << (31 - l));

			snprintf(in, sizeof(in), "%u.%u.%u.%u/%d", bad >> 24,
				 (bad >> 16) & 255, (bad >> 8) & 255, bad & 255,
				 l);
			ASSERT_EQ(es_parse_cidr(in, &fam, &a, &len, err,
						sizeof(err)), -EINVAL, in);
		}
	}
	for (l = 0; l <= 128; l++) {
		struct es_addr want = {};
		char buf[ES_CIDR_STRLEN];
		int i;

		for (i = 0; i < l; i++)
			want.v6[i / 8] |= 0x80 >> (i % 8);
		ASSERT_OK(es_format_cidr(ES_AF_INET6, &want, l, buf,
					 sizeof(buf)), "format");
		ASSERT_OK(es_parse_cidr(buf, &fam, &a, &len, err, sizeof(err)),
			  buf);
		ASSERT_EQ(len, l, buf);
		ASSERT_MEM_EQ(&a, &want, sizeof(a), buf);
		if (l < 128) {
			want.v6[l / 8] |= 0x80 >> (l % 8);
			es_format_addr(ES_AF_INET6, &want, buf, sizeof(buf));
			snprintf(in, sizeof(in), "%s/%d", buf, l);
			ASSERT_EQ(es_parse_cidr(in, &fam, &a, &len, err,
						sizeof(err)), -EINVAL, in);
			ASSERT_TRUE(strstr(err, "host bits set"), in);
		}
	}
}

static void test_parse_mac(void)
{
	static const struct {
		const char *in;
		__u8 mac[6];
	} good[] = {
		{ "aa:bb:cc:dd:ee:ff", { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff } },
		{ "AA:BB:CC:DD:EE:FF", { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff } },
		{ "00:11:22:33:44:55", { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 } },
		{ "aA:0f:F0:9a:Bc:dE", { 0xaa, 0x0f, 0xf0, 0x9a, 0xbc, 0xde } },
	};
	static const char *const bad[] = {
		"", "aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:00", "aa-bb-cc-dd-ee-ff",
		"aabb.ccdd.eeff", "a:b:c:d:e:f", "gg:bb:cc:dd:ee:ff",
		" aa:bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee:ff ", "aa:bb:cc:dd:ee:f",
		"aa:bb:cc:dd:ee:fff", "aa:bb:cc:dd:ee:f:", "aa::bb:cc:dd:ee:f",
		"aabbccddeeff", "+a:bb:cc:dd:ee:ff",
	};
	char err[256], buf[ES_MAC_STRLEN];
	__u8 mac[6], mac2[6];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		if (!ASSERT_OK(es_parse_mac(good[i].in, mac, err, sizeof(err)),
			       good[i].in))
			continue;
		ASSERT_MEM_EQ(mac, good[i].mac, 6, good[i].in);
		ASSERT_OK(es_format_mac(mac, buf, sizeof(buf)), good[i].in);
		ASSERT_OK(es_parse_mac(buf, mac2, err, sizeof(err)), buf);
		ASSERT_MEM_EQ(mac2, mac, 6, buf);
	}
	ASSERT_OK(es_format_mac(good[0].mac, buf, sizeof(buf)), "format");
	ASSERT_TRUE(!strcmp(buf, "aa:bb:cc:dd:ee:ff"), "lowercase");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		char want[128];

		memset(mac, 0x11, sizeof(mac));
		err[0] = '\0';
		ASSERT_EQ(es_parse_mac(bad[i], mac, err, sizeof(err)), -EINVAL,
			  bad[i]);
		snprintf(want, sizeof(want), "invalid MAC address '%s'", bad[i]);
		err_has(err, want, bad[i]);
		err_has(err, "aa:bb:cc:dd:ee:ff", bad[i]);
		ASSERT_EQ(mac[0], 0x11, bad[i]);
	}
}

static void test_parse_numbers(void)
{
	static const struct {
		const char *in;
		__u32 min, max;
		int ret;
		__u32 val;
		const char *msg;
	} cases[] = {
		{ "0", 0, 0xffffffff, 0, 0, NULL },
		{ "1", 0, 0xffffffff, 0, 1, NULL },
		{ "65535", 0, 65535, 0, 65535, NULL },
		{ "4294967295", 0, 0xffffffff, 0, 0xffffffff, NULL },
		{ "4294967296", 0, 0xffffffff, -ERANGE, 0,
		  "number '4294967296' out of range 0..4294967295" },
		{ "18446744073709551617", 0, 0xffffffff, -ERANGE, 0,
		  "out of range 0..4294967295" },
		{ "70000", 0, 65535, -ERANGE, 0,
		  "number '70000' out of range 0..65535" },
		{ "0", 1, 255, -ERANGE, 0, "number '0' out of range 1..255" },
		{ "-1", 0, 0xffffffff, -EINVAL, 0,
		  "invalid number '-1': sign not allowed" },
		{ "+1", 0, 0xffffffff, -EINVAL, 0,
		  "invalid number '+1': sign not allowed" },
		{ "-0", 0, 0xffffffff, -EINVAL, 0, "sign not allowed" },
		{ "", 0, 0xffffffff, -EINVAL, 0, "invalid number '': empty" },
		{ "12ab", 0, 0xffffffff, -EINVAL, 0,
		  "trailing characters in '12ab'" },
		{ "1 ", 0, 0xffffffff, -EINVAL, 0, "trailing characters in '1 '" },
		{ "1.5", 0, 0xffffffff, -EINVAL, 0, "trailing characters in '1.5'" },
		{ "0x10", 0, 0xffffffff, -EINVAL, 0,
		  "invalid number '0x10': decimal only" },
		{ "010", 0, 0xffffffff, -EINVAL, 0,
		  "invalid number '010': leading zero" },
		{ "abc", 0, 0xffffffff, -EINVAL, 0, "invalid number 'abc'" },
		{ " 1", 0, 0xffffffff, -EINVAL, 0, "invalid number ' 1'" },
	};
	char err[256];
	size_t i;
	__u32 v;
	__u16 v16;
	__u8 v8;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		v = 12345;
		err[0] = '\0';
		ASSERT_EQ(es_parse_u32(cases[i].in, cases[i].min, cases[i].max,
				       &v, err, sizeof(err)), cases[i].ret,
			  cases[i].in);
		if (cases[i].ret) {
			err_has(err, cases[i].msg, cases[i].in);
			ASSERT_EQ(v, 12345, cases[i].in);
		} else {
			ASSERT_EQ(v, cases[i].val, cases[i].in);
		}
	}
	ASSERT_OK(es_parse_u16("65535", 0, 65535, &v16, err, sizeof(err)), "u16");
	ASSERT_EQ(v16, 65535, "u16 value");
	ASSERT_EQ(es_parse_u16("65536", 0, 65535, &v16, err, sizeof(err)),
		  -ERANGE, "u16 overflow");
	err_has(err, "number '65536' out of range 0..65535", "65536");
	ASSERT_OK(es_parse_u8("255", 0, 255, &v8, err, sizeof(err)), "u8");
	ASSERT_EQ(v8, 255, "u8 value");
	ASSERT_EQ(es_parse_u8("256", 0, 255, &v8, err, sizeof(err)), -ERANGE,
		  "u8 overflow");
	err_has(err, "out of range 0..255", "256");
	ASSERT_EQ(es_parse_u8("0", 1, 255, &v8, err, sizeof(err)), -ERANGE,
		  "u8 min");
	ASSERT_EQ(es_parse_u32(NULL, 0, 1, &v, err, sizeof(err)), -EINVAL,
		  "NULL");
}

static void test_parse_name(void)
{
	static const char *const good[] = {
		"fra", "FRA-1", "a", "pop_1.eu-west", "abcdefghijklmno",
		"localhost", "dropbox", "a.b", "Z9", "locals", "drops",
	};
	static const struct bad_case bad[] = {
		{ "", -EINVAL, "invalid POP name '': empty" },
		{ "abcdefghijklmnop", -EINVAL,
		  "invalid POP name 'abcdefghijklmnop': longer than 15 characters" },
		{ "fra!", -EINVAL,
		  "invalid POP name 'fra!': character '!' not allowed" },
		{ "fr a", -EINVAL, "character ' ' not allowed" },
		{ "fra,ams", -EINVAL, "character ',' not allowed" },
		{ "fra/1", -EINVAL, "character '/' not allowed" },
		{ "fra\t", -EINVAL, "character '\\x09' not allowed" },
		{ "caf\xc3\xa9", -EINVAL, "character '\\xc3' not allowed" },
		{ "1fra", -EINVAL,
		  "invalid POP name '1fra': must start with a letter" },
		{ "9", -EINVAL, "must start with a letter" },
		{ "_fra", -EINVAL, "must start with a letter" },
		{ ".fra", -EINVAL, "must start with a letter" },
		{ "-fra", -EINVAL, "must start with a letter" },
		{ "local", -EINVAL, "invalid POP name 'local': reserved word" },
		{ "drop", -EINVAL, "invalid POP name 'drop': reserved word" },
		{ "LOCAL", -EINVAL, "reserved word" },
		{ "Drop", -EINVAL, "reserved word" },
	};
	char err[256], name[ES_POP_NAME_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		memset(name, 'x', sizeof(name));
		ASSERT_OK(es_parse_name(good[i], name, err, sizeof(err)),
			  good[i]);
		ASSERT_TRUE(!strcmp(name, good[i]), good[i]);
		/* zero padded: names are compared and stored as 16 bytes */
		ASSERT_EQ(name[ES_POP_NAME_LEN - 1], 0, good[i]);
		ASSERT_OK(es_parse_name(good[i], NULL, NULL, 0), good[i]);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		memset(name, 'x', sizeof(name));
		ASSERT_EQ(es_parse_name(bad[i].in, name, err, sizeof(err)),
			  bad[i].ret, bad[i].in);
		err_has(err, bad[i].msg, bad[i].in);
		ASSERT_EQ(name[0], 'x', bad[i].in);
	}
	ASSERT_TRUE(es_name_is_reserved("local"), "local");
	ASSERT_TRUE(es_name_is_reserved("DROP"), "DROP");
	ASSERT_TRUE(!es_name_is_reserved("fra"), "fra");
}

static void test_format_errors(void)
{
	struct es_addr a = { .v4 = htonl(0xc0000201) };
	__u8 mac[6] = { 1, 2, 3, 4, 5, 6 };
	char buf[ES_CIDR_STRLEN];

	ASSERT_EQ(es_format_addr(0, &a, buf, sizeof(buf)), -EAFNOSUPPORT,
		  "family 0");
	ASSERT_TRUE(!strcmp(buf, "?"), "family 0 text");
	ASSERT_EQ(es_format_cidr(5, &a, 8, buf, sizeof(buf)), -EAFNOSUPPORT,
		  "family 5");
	/* "192.0.2.1" needs 10 bytes, "192.0.2.1/32" 13 */
	ASSERT_OK(es_format_addr(ES_AF_INET, &a, buf, 10), "exact fit");
	ASSERT_TRUE(!strcmp(buf, "192.0.2.1"), "exact fit text");
	ASSERT_EQ(es_format_addr(ES_AF_INET, &a, buf, 9), -ENOSPC, "short");
	ASSERT_EQ(buf[0], 0, "short text");
	ASSERT_OK(es_format_cidr(ES_AF_INET, &a, 32, buf, 13), "cidr fit");
	ASSERT_TRUE(!strcmp(buf, "192.0.2.1/32"), "cidr fit text");
	ASSERT_EQ(es_format_cidr(ES_AF_INET, &a, 32, buf, 12), -ENOSPC,
		  "cidr short");
	ASSERT_EQ(es_format_mac(mac, buf, ES_MAC_STRLEN - 1), -ENOSPC,
		  "mac short");
	ASSERT_OK(es_format_mac(mac, buf, ES_MAC_STRLEN), "mac fit");
	ASSERT_TRUE(!strcmp(buf, "01:02:03:04:05:06"), "mac text");

	/* the longest address and CIDR fit the advertised sizes */
	memset(&a, 0xff, sizeof(a));
	ASSERT_OK(es_format_cidr(ES_AF_INET6, &a, 128, buf, ES_CIDR_STRLEN),
		  "longest v6");
	ASSERT_TRUE(!strcmp(buf,
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"), "longest text");
}

static void test_quote(void)
{
	char long_in[300], buf[ES_QUOTE_BUFLEN], small[8], err[128];
	struct es_addr a;
	__u8 fam;

	memset(long_in, 'a', sizeof(long_in) - 1);
	long_in[sizeof(long_in) - 1] = '\0';
	es_quote(long_in, -1, buf, sizeof(buf));
	ASSERT_EQ(strlen(buf), ES_QUOTE_MAX + 3, "cut length");
	ASSERT_TRUE(!strcmp(buf + ES_QUOTE_MAX, "..."), "ellipsis");

	es_quote("a'b\\c\x01\xff", -1, buf, sizeof(buf));
	ASSERT_TRUE(!strcmp(buf, "a\\'b\\\\c\\x01\\xff"), buf);

	/* n stops early, NUL stops early */
	es_quote("abcdef", 3, buf, sizeof(buf));
	ASSERT_TRUE(!strcmp(buf, "abc"), "n");

	/* never overflows a small buffer */
	es_quote(long_in, -1, small, sizeof(small));
	ASSERT_TRUE(strlen(small) < sizeof(small), "small");
	ASSERT_TRUE(!strcmp(small, "aaaa..."), small);
	es_quote("\x01\x02\x03", -1, small, sizeof(small));
	ASSERT_TRUE(!strcmp(small, "\\x01..."), small);

	/* messages about huge inputs stay bounded and say so */
	ASSERT_EQ(es_parse_addr(long_in, &fam, &a, err, sizeof(err)), -EINVAL,
		  "long addr");
	ASSERT_TRUE(strstr(err, "...'") != NULL, err);
	ASSERT_TRUE(strlen(err) < sizeof(err) - 1, "not cut by snprintf");
}

int main(void)
{
	RUN_TEST(test_parse_addr);
	RUN_TEST(test_parse_cidr);
	RUN_TEST(test_cidr_every_length);
	RUN_TEST(test_parse_mac);
	RUN_TEST(test_parse_numbers);
	RUN_TEST(test_parse_name);
	RUN_TEST(test_format_errors);
	RUN_TEST(test_quote);
	return es_test_exit();
}
