// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Scalar parsers and formatters; the grammar is documented in parse.h.
 *
 * Parsers never allocate: the prefix file reader calls them once or more
 * per line of million-line files, and only the error path formats text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "parse.h"

void es_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* isspace() depends on the locale; the grammar does not. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

static bool has_space(const char *s)
{
	for (; *s; s++)
		if (is_space(*s))
			return true;
	return false;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

const char *es_quote(const char *s, size_t n, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (!len)
		return buf;
	if (!s)
		s = "";
	for (i = 0; i < n && s[i]; i++) {
		unsigned char c = s[i];
		size_t need = (c < 0x20 || c >= 0x7f) ? 4 :
			      (c == '\'' || c == '\\') ? 2 : 1;

		/* keep room for "..." and the NUL in case we must cut */
		if (i == ES_QUOTE_MAX || o + need + 4 > len) {
			if (o + 4 <= len) {
				memcpy(buf + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (need == 4) {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 0xf];
		} else {
			if (need == 2)
				buf[o++] = '\\';
			buf[o++] = c;
		}
	}
	buf[o] = '\0';
	return buf;
}

int es_family_max_len(__u8 family)
{
	switch (family) {
	case ES_AF_INET:
		return 32;
	case ES_AF_INET6:
		return 128;
	default:
		return -1;
	}
}

/*
 * Decimal digits s[0..n): the checks shared by numbers and prefix lengths.
 * The value saturates at 2^32 so that overflow is just "out of range".
 */
enum dec_result {
	DEC_OK,
	DEC_EMPTY,
	DEC_SIGN,
	DEC_HEX,
	DEC_LEADING_ZERO,
	DEC_NOT_NUMBER,		/* no digit at all */
	DEC_TRAILING,		/* digits, then junk at *end */
};

static enum dec_result parse_dec(const char *s, __u64 *val, const char **end)
{
	__u64 v = 0;
	const char *p = s;

	if (!*p)
		return DEC_EMPTY;
	if (*p == '+' || *p == '-')
		return DEC_SIGN;
	if (!is_digit(*p))
		return DEC_NOT_NUMBER;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		return DEC_HEX;
	if (p[0] == '0' && is_digit(p[1]))
		return DEC_LEADING_ZERO;
	for (; is_digit(*p); p++) {
		v = v * 10 + (*p - '0');
		if (v > 0xffffffffull)
			v = 0x100000000ull;
	}
	*val = v;
	*end = p;
	return *p ? DEC_TRAILING : DEC_OK;
}

int es_parse_u32(const char *s, __u32 min, __u32 max, __u32 *out,
		 char *err, size_t errlen)
{
	char q[ES_QUOTE_BUFLEN];
	const char *end = NULL;
	enum dec_result res;
	__u64 v = 0;

	if (!s)
		s = "";
	res = parse_dec(s, &v, &end);
	if (res == DEC_OK && v >= min && v <= max) {
		*out = v;
		return 0;
	}
	es_quote(s, -1, q, sizeof(q));
	switch (res) {
	case DEC_OK:
		es_set_err(err, errlen, "number '%s' out of range %u..%u", q, min,
			max);
		return -ERANGE;
	case DEC_EMPTY:
		es_set_err(err, errlen, "invalid number '': empty");
		break;
	case DEC_SIGN:
		es_set_err(err, errlen, "invalid number '%s': sign not allowed", q);
		break;
	case DEC_HEX:
		es_set_err(err, errlen, "invalid number '%s': decimal only", q);
		break;
	case DEC_LEADING_ZERO:
		es_set_err(err, errlen,
			"invalid number '%s': leading zero (decimal only)", q);
		break;
	case DEC_NOT_NUMBER:
		es_set_err(err, errlen, "invalid number '%s'", q);
		break;
	case DEC_TRAILING:
		es_set_err(err, errlen, "trailing characters in '%s'", q);
		break;
	}
	return -EINVAL;
}

int es_parse_u16(const char *s, __u16 min, __u16 max, __u16 *out,
		 char *err, size_t errlen)
{
	__u32 v;
	int ret;

	ret = es_parse_u32(s, min, max, &v, err, errlen);
	if (!ret)
		*out = v;
	return ret;
}

int es_parse_u8(const char *s, __u8 min, __u8 max, __u8 *out,
		char *err, size_t errlen)
{
	__u32 v;
	int ret;

	ret = es_parse_u32(s, min, max, &v, err, errlen);
	if (!ret)
		*out = v;
	return ret;
}

/*
 * s[0..n) as an address. inet_pton needs a NUL-terminated copy; anything
 * longer than the longest address cannot be one.
 */
static int addr_from_text(const char *s, size_t n, __u8 *family,
			  struct es_addr *addr)
{
	char buf[ES_ADDR_STRLEN];
	struct es_addr a = {};
	bool v6;

	if (!n || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	v6 = memchr(buf, ':', n) != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, v6 ? (void *)a.v6 :
		      (void *)&a.v4) != 1)
		return -EINVAL;
	*family = v6 ? ES_AF_INET6 : ES_AF_INET;
	*addr = a;
	return 0;
}

int es_parse_addr(const char *s, __u8 *family, struct es_addr *addr,
		  char *err, size_t errlen)
{
	char q[ES_QUOTE_BUFLEN];

	if (!s)
		s = "";
	if (!*s) {
		es_set_err(err, errlen, "invalid address '': empty");
		return -EINVAL;
	}
	if (!addr_from_text(s, strlen(s), family, addr))
		return 0;

	es_quote(s, -1, q, sizeof(q));
	if (has_space(s))
		es_set_err(err, errlen, "invalid address '%s': contains whitespace",
			q);
	else if (strchr(s, '/'))
		es_set_err(err, errlen,
			"invalid address '%s': a prefix, not an address", q);
	else
		es_set_err(err, errlen,
			"invalid address '%s': not an IPv4 or IPv6 address", q);
	return -EINVAL;
}

/* Clear the host bits of addr beyond plen. */
static void addr_mask(struct es_addr *addr, unsigned int plen)
{
	unsigned int i;

	for (i = 0; i < 16; i++) {
		if (plen >= 8) {
			plen -= 8;
			continue;
		}
		addr->v6[i] &= (__u8)(0xff00 >> plen);
		plen = 0;
	}
}

int es_parse_cidr(const char *s, __u8 *family, struct es_addr *addr,
		  __u8 *len, char *err, size_t errlen)
{
	char q[ES_QUOTE_BUFLEN], qp[ES_QUOTE_BUFLEN];
	char net[ES_CIDR_STRLEN];
	const char *slash, *end = NULL;
	struct es_addr a, masked;
	__u64 plen = 0;
	__u8 fam;
	int max;

	if (!s)
		s = "";
	if (!*s) {
		es_set_err(err, errlen, "invalid CIDR '': empty");
		return -EINVAL;
	}
	slash = strchr(s, '/');
	if (addr_from_text(s, slash ? (size_t)(slash - s) : strlen(s), &fam,
			   &a)) {
		es_quote(s, -1, q, sizeof(q));
		if (has_space(s)) {
			es_set_err(err, errlen,
				"invalid CIDR '%s': contains whitespace", q);
		} else if (slash == s) {
			es_set_err(err, errlen,
				"invalid CIDR '%s': missing address before '/'",
				q);
		} else if (slash) {
			es_quote(s, slash - s, qp, sizeof(qp));
			es_set_err(err, errlen,
				"invalid CIDR '%s': '%s' is not an IPv4 or IPv6 address",
				q, qp);
		} else {
			es_set_err(err, errlen,
				"invalid CIDR '%s': not an IPv4 or IPv6 address",
				q);
		}
		return -EINVAL;
	}
	max = es_family_max_len(fam);

	if (!slash) {
		plen = max;
		goto out;
	}
	switch (parse_dec(slash + 1, &plen, &end)) {
	case DEC_OK:
		break;
	case DEC_EMPTY:
		es_set_err(err, errlen,
			"invalid CIDR '%s': missing prefix length after '/'",
			es_quote(s, -1, q, sizeof(q)));
		return -EINVAL;
	case DEC_SIGN:
		es_set_err(err, errlen,
			"invalid CIDR '%s': sign not allowed in prefix length",
			es_quote(s, -1, q, sizeof(q)));
		return -EINVAL;
	case DEC_HEX:
		es_set_err(err, errlen,
			"invalid CIDR '%s': prefix length must be decimal",
			es_quote(s, -1, q, sizeof(q)));
		return -EINVAL;
	case DEC_LEADING_ZERO:
		es_set_err(err, errlen,
			"invalid CIDR '%s': leading zero in prefix length",
			es_quote(s, -1, q, sizeof(q)));
		return -EINVAL;
	case DEC_NOT_NUMBER:
		es_quote(s, -1, q, sizeof(q));
		if (has_space(slash + 1))
			es_set_err(err, errlen,
				"invalid CIDR '%s': contains whitespace", q);
		else
			es_set_err(err, errlen,
				"invalid CIDR '%s': prefix length '%s' is not a number",
				q, es_quote(slash + 1, -1, qp, sizeof(qp)));
		return -EINVAL;
	case DEC_TRAILING:
		es_quote(s, -1, q, sizeof(q));
		if (has_space(end))
			es_set_err(err, errlen,
				"invalid CIDR '%s': contains whitespace", q);
		else
			es_set_err(err, errlen,
				"invalid CIDR '%s': trailing characters '%s' after prefix length",
				q, es_quote(end, -1, qp, sizeof(qp)));
		return -EINVAL;
	}
	if (plen > (__u64)max) {
		es_set_err(err, errlen, "prefix length %s out of range 0..%d in '%s'",
			es_quote(slash + 1, -1, qp, sizeof(qp)), max,
			es_quote(s, -1, q, sizeof(q)));
		return -ERANGE;
	}

	masked = a;
	addr_mask(&masked, plen);
	if (memcmp(&masked, &a, sizeof(a))) {
		es_format_cidr(fam, &masked, plen, net, sizeof(net));
		es_set_err(err, errlen,
			"invalid CIDR '%s': host bits set (network is %s)",
			es_quote(s, -1, q, sizeof(q)), net);
		return -EINVAL;
	}
out:
	*family = fam;
	*addr = a;
	*len = plen;
	return 0;
}

int es_parse_mac(const char *s, __u8 mac[6], char *err, size_t errlen)
{
	char q[ES_QUOTE_BUFLEN];
	__u8 m[6];
	int i;

	if (!s)
		s = "";
	if (strlen(s) != 17)
		goto bad;
	for (i = 0; i < 6; i++) {
		const char *p = s + i * 3;
		int hi = hex_value(p[0]), lo = hex_value(p[1]);

		if (hi < 0 || lo < 0 || (i < 5 && p[2] != ':'))
			goto bad;
		m[i] = hi << 4 | lo;
	}
	memcpy(mac, m, sizeof(m));
	return 0;
bad:
	es_set_err(err, errlen,
		"invalid MAC address '%s': expected six hex pairs like aa:bb:cc:dd:ee:ff",
		es_quote(s, -1, q, sizeof(q)));
	return -EINVAL;
}

int es_name_is_reserved(const char *s)
{
	return !strcasecmp(s, "local") || !strcasecmp(s, "drop");
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       is_digit(c) || c == '_' || c == '.' || c == '-';
}

int es_parse_name(const char *s, char name[ES_POP_NAME_LEN],
		  char *err, size_t errlen)
{
	char q[ES_QUOTE_BUFLEN], qc[8];
	size_t n;

	if (!s)
		s = "";
	for (n = 0; s[n]; n++) {
		if (is_name_char(s[n]))
			continue;
		es_set_err(err, errlen,
			"invalid POP name '%s': character '%s' not allowed (only A-Z a-z 0-9 _ . -)",
			es_quote(s, -1, q, sizeof(q)),
			es_quote(s + n, 1, qc, sizeof(qc)));
		return -EINVAL;
	}
	if (!n) {
		es_set_err(err, errlen, "invalid POP name '': empty");
		return -EINVAL;
	}
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) {
		es_set_err(err, errlen,
			"invalid POP name '%s': must start with a letter",
			es_quote(s, -1, q, sizeof(q)));
		return -EINVAL;
	}
	if (n >= ES_POP_NAME_LEN) {
		es_set_err(err, errlen,
			"invalid POP name '%s': longer than %d characters",
			es_quote(s, -1, q, sizeof(q)), ES_POP_NAME_LEN - 1);
		return -EINVAL;
	}
	if ((n == 4 || n == 5) && es_name_is_reserved(s)) {
		es_set_err(err, errlen,
			"invalid POP name '%s': reserved word (a prefix action)",
			es_quote(s, -1, q, sizeof(q)));
		return -EINVAL;
	}
	if (name) {
		memcpy(name, s, n);
		memset(name + n, 0, ES_POP_NAME_LEN - n);
	}
	return 0;
}

/* Decimal v at p, no leading zeros; returns the end. */
static char *put_dec(char *p, unsigned int v)
{
	char tmp[10];
	int n = 0;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/*
 * IPv4 by hand: glibc's inet_ntop goes through sprintf, which dominated
 * writing a million-line prefix file.
 */
static void format_v4(const struct es_addr *addr, char *buf)
{
	const __u8 *b = (const __u8 *)&addr->v4;
	char *p = buf;
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = put_dec(p, b[i]);
	}
	*p = '\0';
}

int es_format_addr(__u8 family, const struct es_addr *addr, char *buf,
		   size_t len)
{
	char tmp[ES_ADDR_STRLEN];
	size_t n;

	switch (family) {
	case ES_AF_INET:
		format_v4(addr, tmp);
		break;
	case ES_AF_INET6:
		if (!inet_ntop(AF_INET6, addr->v6, tmp, sizeof(tmp))) {
			/* cannot happen: tmp is big enough */
			if (len)
				buf[0] = '\0';
			return -EINVAL;
		}
		break;
	default:
		if (len >= 2)
			strcpy(buf, "?");
		else if (len)
			buf[0] = '\0';
		return -EAFNOSUPPORT;
	}
	n = strlen(tmp);
	if (n >= len) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	memcpy(buf, tmp, n + 1);
	return 0;
}

int es_format_cidr(__u8 family, const struct es_addr *addr, __u8 plen,
		   char *buf, size_t len)
{
	char tmp[ES_CIDR_STRLEN], *p;
	size_t n;
	int ret;

	ret = es_format_addr(family, addr, tmp, ES_ADDR_STRLEN);
	if (ret) {
		if (len)
			snprintf(buf, len, "%s", tmp);
		return ret;
	}
	p = tmp + strlen(tmp);
	*p++ = '/';
	p = put_dec(p, plen);
	*p = '\0';
	n = p - tmp;
	if (n >= len) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	memcpy(buf, tmp, n + 1);
	return 0;
}

int es_format_mac(const __u8 mac[6], char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		     mac[2], mac[3], mac[4], mac[5]);
	if (n < 0 || (size_t)n >= len) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}

static bool word_blank(char c)
{
	return c == ' ' || c == '\t';
}

int es_split_words(char *s, char **word, int max)
{
	char *p = strchr(s, '#');
	int n = 0;

	if (p)
		*p = '\0';
	for (p = s; *p;) {
		while (word_blank(*p))
			p++;
		if (!*p)
			break;
		if (n < max)
			word[n] = p;
		n++;
		while (*p && !word_blank(*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}
