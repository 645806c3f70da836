// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Prometheus text exposition format writer. See prom.h.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

void esd_prom_init(struct esd_prom *p)
{
	memset(p, 0, sizeof(*p));
}

void esd_prom_free(struct esd_prom *p)
{
	free(p->buf);
	esd_prom_init(p);
}

static bool reserve(struct esd_prom *p, size_t more)
{
	size_t cap = p->cap ? p->cap : 4096;
	char *b;

	if (p->oom)
		return false;
	while (cap - p->len <= more)
		cap *= 2;
	if (cap == p->cap)
		return true;
	b = realloc(p->buf, cap);
	if (!b) {
		p->oom = true;
		return false;
	}
	p->buf = b;
	p->cap = cap;
	return true;
}

static void put(struct esd_prom *p, const char *s, size_t n)
{
	if (!reserve(p, n))
		return;
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = 0;
}

static void puts_(struct esd_prom *p, const char *s)
{
	put(p, s, strlen(s));
}

/* Backslash and newline in both; the double quote only in label values. */
static void escaped(struct esd_prom *p, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			puts_(p, "\\\\");
		else if (*s == '\n')
			puts_(p, "\\n");
		else if (*s == '"' && quote)
			puts_(p, "\\\"");
		else
			put(p, s, 1);
	}
}

void esd_prom_label_value(struct esd_prom *p, const char *s)
{
	escaped(p, s, true);
}

void esd_prom_help_text(struct esd_prom *p, const char *s)
{
	escaped(p, s, false);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metrics; labels without ':' and not "__" reserved. */
bool esd_prom_valid_name(const char *s, bool label)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return false;
	if (label && !strncmp(s, "__", 2))
		return false;
	for (; *s; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || (c == ':' && !label)))
			return false;
	}
	return true;
}

void esd_prom_family(struct esd_prom *p, const char *name, const char *type,
		     const char *help)
{
	p->family[0] = 0;
	if (!esd_prom_valid_name(name, false) || strlen(name) >= sizeof(p->family))
		return;		/* a programming error: its samples are dropped too */
	snprintf(p->family, sizeof(p->family), "%s", name);
	puts_(p, "# HELP ");
	puts_(p, name);
	puts_(p, " ");
	esd_prom_help_text(p, help);
	puts_(p, "\n# TYPE ");
	puts_(p, name);
	puts_(p, " ");
	puts_(p, type);
	puts_(p, "\n");
}

/* name{l1="v1",...} value: the labels checked before anything is written. */
static void sample(struct esd_prom *p, const char *value, va_list ap)
{
	const char *names[16], *values[16];
	size_t n = 0;
	const char *l;

	if (!p->family[0])
		return;
	while ((l = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);

		if (n == 16 || !v || !esd_prom_valid_name(l, true))
			return;
		names[n] = l;
		values[n++] = v;
	}
	puts_(p, p->family);
	for (size_t i = 0; i < n; i++) {
		puts_(p, i ? "," : "{");
		puts_(p, names[i]);
		puts_(p, "=\"");
		esd_prom_label_value(p, values[i]);
		puts_(p, "\"");
	}
	puts_(p, n ? "} " : " ");
	puts_(p, value);
	puts_(p, "\n");
}

void esd_prom_u64(struct esd_prom *p, uint64_t v, ...)
{
	char num[24];
	va_list ap;

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	va_start(ap, v);
	sample(p, num, ap);
	va_end(ap);
}

void esd_prom_double(struct esd_prom *p, double v, ...)
{
	char num[40];
	va_list ap;

	if (isnan(v))
		snprintf(num, sizeof(num), "NaN");
	else if (isinf(v))
		snprintf(num, sizeof(num), "%sInf", v < 0 ? "-" : "+");
	else if (snprintf(num, sizeof(num), "%.15g", v), strtod(num, NULL) != v)
		snprintf(num, sizeof(num), "%.17g", v);	/* 15 digits when they are exact */
	va_start(ap, v);
	sample(p, num, ap);
	va_end(ap);
}
