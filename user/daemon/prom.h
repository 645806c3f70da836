/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The Prometheus text exposition format (version 0.0.4), written into a
 * growing buffer: one block per metric family (HELP, TYPE, then its
 * samples, contiguous as the format requires), label values and help
 * text escaped. Kept apart from the listener so that it can be tested
 * without a daemon.
 */
#ifndef ESD_PROM_H
#define ESD_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ESD_PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct esd_prom {
	char *buf;
	size_t len, cap;
	bool oom;		/* an allocation failed: the text is incomplete */
	char family[128];	/* the family being written */
};

void esd_prom_init(struct esd_prom *p);
void esd_prom_free(struct esd_prom *p);

/*
 * Start a family: its HELP and TYPE lines ("counter", "gauge",
 * "untyped"). Its samples follow; the next family ends it.
 */
void esd_prom_family(struct esd_prom *p, const char *name, const char *type,
		     const char *help);

/*
 * One sample of the current family: labels are name, value pairs ended
 * by NULL (values are escaped here; names must be valid label names).
 * Counters are written as integers so that no digit is lost past 2^53.
 */
void esd_prom_u64(struct esd_prom *p, uint64_t v, ...) __attribute__((sentinel));
void esd_prom_double(struct esd_prom *p, double v, ...) __attribute__((sentinel));

/* Escaping as the format defines it, into p (exposed for the tests). */
void esd_prom_label_value(struct esd_prom *p, const char *s);
void esd_prom_help_text(struct esd_prom *p, const char *s);

/* A metric or label name the format accepts. */
bool esd_prom_valid_name(const char *s, bool label);

#endif /* ESD_PROM_H */
