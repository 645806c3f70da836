/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Scalar parsers and formatters shared by the CLI, batch files and prefix
 * table files: addresses, CIDRs, MAC addresses, decimal numbers, POP names.
 *
 * Every parser returns 0 or a negative errno (-EINVAL for malformed input,
 * -ERANGE for a well-formed number out of range) and, on failure, writes a
 * message to err (errlen bytes, may be NULL/0) in bpftool style: lowercase,
 * no trailing period, quoting the offending text, e.g.
 *   invalid CIDR '192.0.2.1/24': host bits set (network is 192.0.2.0/24)
 * Outputs are only written on success.
 *
 * The grammar is strict on purpose: one spelling per value, so a file that
 * loads here means the same thing to every other tool that reads it.
 *   - No surrounding or embedded whitespace anywhere: callers split fields.
 *   - Numbers are decimal only, without sign, without leading zeros ("0"
 *     itself is fine). A leading zero is refused because other readers
 *     (iproute2's "/010", strtoul base 0) take it as octal.
 *   - Addresses are what inet_pton(3) accepts; IPv4-mapped IPv6 addresses
 *     (::ffff:1.2.3.4) stay IPv6: they are different keys in the tables.
 */
#ifndef ES_USER_PARSE_H
#define ES_USER_PARSE_H

#include <stddef.h>
#include <linux/types.h>
#include "edgesteer.h"

/* Buffer sizes for the formatters, including the NUL. */
#define ES_ADDR_STRLEN	46	/* INET6_ADDRSTRLEN */
#define ES_CIDR_STRLEN	(ES_ADDR_STRLEN + 4)	/* "/128" */
#define ES_MAC_STRLEN	18	/* "aa:bb:cc:dd:ee:ff" */

/* Offending text is quoted in messages up to this many bytes, then "...". */
#define ES_QUOTE_MAX	64
/* Enough for any quoted text: every byte may become "\xNN", plus "...". */
#define ES_QUOTE_BUFLEN	(ES_QUOTE_MAX * 4 + 4)

/*
 * IPv4 ("192.0.2.1") or IPv6 ("2001:db8::1"). *family is ES_AF_INET or
 * ES_AF_INET6; *addr is in network order, IPv4 in addr->v4, the rest zero.
 */
int es_parse_addr(const char *s, __u8 *family, struct es_addr *addr,
		  char *err, size_t errlen);

/*
 * "ADDR/LEN", or a bare ADDR meaning the host route (/32, /128). Host bits
 * set are an error naming the network (a typo in the length must not
 * silently widen or narrow the prefix).
 */
int es_parse_cidr(const char *s, __u8 *family, struct es_addr *addr,
		  __u8 *len, char *err, size_t errlen);

/* Exactly "aa:bb:cc:dd:ee:ff": six two-digit hex pairs, either case. */
int es_parse_mac(const char *s, __u8 mac[6], char *err, size_t errlen);

/*
 * Decimal number in min..max. Range errors return -ERANGE with
 * "number '70000' out of range 0..65535".
 */
int es_parse_u32(const char *s, __u32 min, __u32 max, __u32 *out,
		 char *err, size_t errlen);
int es_parse_u16(const char *s, __u16 min, __u16 max, __u16 *out,
		 char *err, size_t errlen);
int es_parse_u8(const char *s, __u8 min, __u8 max, __u8 *out,
		char *err, size_t errlen);

/*
 * POP name: 1..ES_POP_NAME_LEN-1 characters of [A-Za-z0-9_.-] starting with
 * a letter. The prefix actions "local" and "drop" are reserved in any case
 * ("Local" would read as the action to a human but not to the parser).
 * On success the name is copied to name (which may be NULL to only check).
 */
int es_parse_name(const char *s, char name[ES_POP_NAME_LEN],
		  char *err, size_t errlen);

/* True when s is "local" or "drop" in any case. */
int es_name_is_reserved(const char *s);

/*
 * Formatters: 0 on success, -EAFNOSUPPORT for a family other than
 * ES_AF_INET/ES_AF_INET6 (buf gets "?"), -ENOSPC when len is too small
 * (buf gets "" when len > 0). Size buf with ES_*_STRLEN. IPv6 is printed in
 * inet_ntop's compressed lowercase form, so parse -> format -> parse is
 * stable.
 */
int es_format_addr(__u8 family, const struct es_addr *addr, char *buf,
		   size_t len);
int es_format_cidr(__u8 family, const struct es_addr *addr, __u8 plen,
		   char *buf, size_t len);
int es_format_mac(const __u8 mac[6], char *buf, size_t len);

/* printf into err (errlen bytes); nothing when err is NULL or errlen 0:
 * how every parser and reader here hands back its message. */
void es_set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Cut a line of a table file into its words, in place: everything from
 * '#' is a comment, words are separated by spaces and tabs. At most max
 * word pointers are stored; the return value counts every word, so a
 * caller sees that there were too many.
 */
int es_split_words(char *s, char **word, int max);

/*
 * Render at most n bytes of s (stopping early at a NUL) for an error
 * message: printable ASCII as is, other bytes as \xNN, '\'' as \', cut
 * after ES_QUOTE_MAX input bytes with "...". Returns buf. Messages from
 * this library already use it; exported for callers composing their own.
 */
const char *es_quote(const char *s, size_t n, char *buf, size_t len);

/* Prefix length limit of a family: 32, 128, or -1 for anything else. */
int es_family_max_len(__u8 family);

#endif /* ES_USER_PARSE_H */
