/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Latency steering: RTT measurements per (client prefix, POP), smoothed,
 * and the ranking of each prefix's candidate POPs they lead to, with
 * hysteresis so that decisions do not flap.
 *
 * Measurements, one per line (files, plain or gzip, or single lines from
 * the daemon's socket):
 *   PREFIX POP RTT_MS
 * - PREFIX as es_parse_cidr() takes it, POP a configured POP's name,
 *   RTT_MS milliseconds as a decimal: digits, optionally '.' and 1..3 more
 *   ("12", "0.25", "180.125"), 0..ES_LATENCY_RTT_MAX_MS; no sign, no
 *   exponent, no leading zero before another digit.
 * - Fields separated by spaces or tabs; '#' starts a comment; blank lines
 *   are ignored; CRLF endings and a UTF-8 BOM on line 1 are tolerated.
 * - The same (PREFIX, POP) may appear several times: successive samples,
 *   in file order.
 *
 * What is an error and what is only counted:
 * - A malformed line or an unknown POP name is an error: the feed and the
 *   POP list disagree, and guessing would steer by someone else's numbers.
 *   A file with any error is rejected whole, nothing of it is applied.
 * - A prefix that is not configured, is `local`/`drop`, or a POP that is
 *   not among the prefix's candidates is counted and ignored. A latency
 *   feed never creates a prefix or adds a candidate: which prefixes are
 *   steered, and where they may go, is the operator's configuration; the
 *   feed only orders what is configured. A measurement system usually
 *   measures more than is configured, and a feed must not stop working
 *   because a prefix was removed from the configuration.
 *
 * Ranking a prefix (only prefixes with stored samples are considered):
 * - Its candidates are the POPs of its steering in the RIB; the configured
 *   order is the one the RIB held before this module first changed it
 *   (learned again whenever someone else writes the prefix).
 * - Order: healthy POPs with a current sample by smoothed RTT (ties in
 *   configured order), then healthy POPs without one in configured order,
 *   then the others in configured order.
 * - The preferred POP (the first) changes only when the best is better
 *   than the current by at least min_gain_ms AND min_gain_pct percent of
 *   the current's RTT, and no sooner than hold_down after the last change
 *   of that prefix. A current POP without a sample is replaced by a
 *   measured one after the hold-down alone. A current POP that is not
 *   healthy is left at once, for the best healthy one.
 * - A prefix whose samples have all expired returns to its configured
 *   steering (after the hold-down), and is then forgotten.
 * - Only the preferred POP triggers a write; the rest of the order written
 *   is the ranking at that moment (the data path falls back along it when
 *   the preferred POP fails before the next ranking).
 * - `local` and `drop` prefixes are never touched.
 *
 * Time is always passed in (`now`, nanoseconds, CLOCK_MONOTONIC for the
 * daemon), so behaviour is a function of the inputs.
 */
#ifndef ES_LATENCY_H
#define ES_LATENCY_H

#include <stdbool.h>
#include <stddef.h>
#include "edgesteer.h"
#include "prefixes.h"

#define ES_LATENCY_LINE_MAX	1024		/* bytes, without the newline */
#define ES_LATENCY_RTT_MAX_MS	100000		/* 100 s: anything above is a bug */

/* es_latency_feed_line(): the line was valid but changed nothing */
#define ES_LATENCY_IGNORED	1

struct es_latency_config {
	double weight;		/* EWMA weight of a new sample, 0 < weight <= 1 */
	__u64 max_age_ns;	/* samples older than this stop counting; 0: never */
	double min_gain_ms;	/* hysteresis, >= 0 */
	double min_gain_pct;	/* hysteresis, 0..100 */
	__u64 hold_down_ns;	/* minimum time between two changes of a prefix */
};

/* weight 0.25, max age 5 min, gain 5 ms and 10 %, hold-down 60 s */
void es_latency_config_default(struct es_latency_config *cfg);

struct es_latency;

/* -EINVAL (message in err) for a config out of range; -ENOMEM. */
int es_latency_new(struct es_latency **out, const struct es_latency_config *cfg, char *err,
		   size_t errlen);
void es_latency_free(struct es_latency *l);

/* Change the config of a running store (samples and state are kept). */
int es_latency_set_config(struct es_latency *l, const struct es_latency_config *cfg, char *err,
			  size_t errlen);

/* Build a key (host bits must be clear, pad zeroed): 0 or -EINVAL. */
int es_latency_key(struct es_prefix_key *key, __u8 family, const struct es_addr *addr, __u8 len);

/*
 * How the store sees the configuration: POP names and each prefix's
 * steering. es_latency_rib_state() reads them from an edgesteer state
 * (es_pop_find, es_prefix_get); tests give their own.
 */
struct es_latency_rib {
	/* 0 and *id, or -ENOENT for an unknown name */
	int (*pop_id)(void *ctx, const char *name, __u32 *id);
	/* 0 and *steer (and *decision, its decision id, 0 if unknown),
	 * -ENOENT when not configured, other -errno: failure */
	int (*prefix_get)(void *ctx, const struct es_prefix_key *key, struct es_steering *steer,
			  __u32 *decision);
	void *ctx;
};

void es_latency_rib_state(struct es_latency_rib *rib, struct es_state *st);

/* One parsed measurement line; pop is the POP name as written. */
struct es_latency_line {
	struct es_prefix_key key;
	char pop[ES_POP_NAME_LEN];
	double rtt_ms;
	bool blank;		/* blank or comment only: nothing else is set */
};

/* Syntax only (no names resolved). -EINVAL with a message without place. */
int es_latency_line_parse(const char *line, struct es_latency_line *out, char *err,
			  size_t errlen);

/* What feeding did; counters add up over calls (zero it yourself). */
struct es_latency_feed_stats {
	__u64 lines;		/* measurement lines read (not blank/comment) */
	__u64 applied;		/* samples stored */
	__u64 unconfigured;	/* prefix not configured: ignored */
	__u64 not_steered;	/* prefix is local or drop: ignored */
	__u64 not_candidate;	/* POP not a candidate of the prefix: ignored */
};

/*
 * Read a measurement file (plain or gzip, by its magic bytes) and store
 * its samples, taken at `now`. All or nothing: errors say "PATH:LINE:
 * message" or "PATH: message" and store nothing. -EINVAL bad line, -EIO
 * corrupt/truncated gzip, -errno from open/read, -ENOMEM, or the error of
 * rib->prefix_get.
 */
int es_latency_load_file(struct es_latency *l, const char *path, const struct es_latency_rib *rib,
			 __u64 now, struct es_latency_feed_stats *stats, char *err, size_t errlen);

/*
 * One line (where names its origin in messages; NULL: "socket"), with or
 * without its newline. 0 stored,
 * ES_LATENCY_IGNORED (err says why, for a log), or -errno with err
 * "WHERE: message". A blank or comment line is ES_LATENCY_IGNORED with an
 * empty err.
 */
int es_latency_feed_line(struct es_latency *l, const char *where, const char *line,
			 const struct es_latency_rib *rib, __u64 now,
			 struct es_latency_feed_stats *stats, char *err, size_t errlen);

/* Store one sample directly (key and POP already resolved). */
int es_latency_sample(struct es_latency *l, const struct es_prefix_key *key,
		      const struct es_steering *configured, __u32 pop, double rtt_ms, __u64 now);

/* Smoothed RTT of (prefix, POP) if it has a sample younger than max age. */
int es_latency_srtt(const struct es_latency *l, const struct es_prefix_key *key, __u32 pop,
		    __u64 now, double *ms);

/* POPs that may take new flows (health is an input to ranking). */
struct es_pop_mask {
	__u64 w[ES_MAX_POPS / 64];
};

static inline void es_pop_mask_set(struct es_pop_mask *m, __u32 id, bool on)
{
	if (id >= ES_MAX_POPS)
		return;
	if (on)
		m->w[id / 64] |= 1ull << (id % 64);
	else
		m->w[id / 64] &= ~(1ull << (id % 64));
}

static inline bool es_pop_mask_has(const struct es_pop_mask *m, __u32 id)
{
	return id < ES_MAX_POPS && (m->w[id / 64] >> (id % 64)) & 1;
}

/* Every configured POP whose state is up (drain and down are not). */
int es_pop_mask_up(struct es_state *st, struct es_pop_mask *m);

enum es_latency_reason {
	ES_LATENCY_FASTER = 1,	/* a better POP, beyond the hysteresis */
	ES_LATENCY_FAILOVER,	/* the preferred POP is not healthy */
	ES_LATENCY_REVERT,	/* no sample left: back to the configured steering */
	ES_LATENCY_NREASONS
};

struct es_latency_change {
	struct es_prefix_key key;
	struct es_steering from;	/* in the RIB when ranked */
	__u32 from_decision;		/* its decision id, 0: unknown */
	struct es_steering to;
	__u8 reason;			/* enum es_latency_reason */
	__u64 now;			/* when it was ranked */
};

/* A growing list; zeroed is empty. */
struct es_latency_changes {
	struct es_latency_change *v;
	size_t n, cap;
};

void es_latency_changes_free(struct es_latency_changes *c);

/*
 * Rank every prefix the store holds samples for and append to *out the
 * ones whose steering should change. Reads the RIB through rib; changes
 * nothing but the store's own bookkeeping (what it learns of the RIB,
 * prefixes it can forget). O(prefixes x candidates), one RIB lookup per
 * prefix held. Each change carries the decision id it was ranked from,
 * for es_latency_apply().
 *
 * The store is not thread-safe: one thread feeds, ranks and applies.
 */
int es_latency_rank(struct es_latency *l, const struct es_latency_rib *rib,
		    const struct es_pop_mask *healthy, __u64 now, struct es_latency_changes *out);

/*
 * The decision for one prefix whose RIB steering is cur, as rank makes
 * it: 1 and *change filled, 0 nothing to do, -ENOENT no samples stored.
 */
int es_latency_decide(struct es_latency *l, const struct es_prefix_key *key,
		      const struct es_steering *cur, const struct es_pop_mask *healthy, __u64 now,
		      struct es_latency_change *change);

/*
 * Write changes to the prefix table and record each one written. The
 * result is what es_prefix_set() would make of each (a changed prefix
 * becomes a transition: open TCP connections stay where they are), but
 * the RIB is written in batches and the decisions and classifier entries
 * in memory, so 100,000 changes cost a few syscalls, not 200,000. The RIB
 * must still hold the decision each change was ranked from (hold
 * es_state_lock() from rank to apply); a change without one goes through
 * es_prefix_set(). Returns 0 or the first failure; *applied (may be NULL)
 * counts the changes written.
 */
int es_latency_apply(struct es_latency *l, struct es_state *st, const struct es_latency_changes *c,
		     size_t *applied);

/* Record that a change was written (es_latency_apply does it). */
void es_latency_commit(struct es_latency *l, const struct es_latency_change *c);

/* The POP this module prefers for a prefix (its written steering's
 * first), or -ENOENT when it holds nothing for the prefix. */
int es_latency_preferred(const struct es_latency *l, const struct es_prefix_key *key,
			 __u32 *pop);

struct es_latency_stats {
	size_t prefixes;	/* prefixes held */
	size_t samples;		/* (prefix, POP) samples held, expired or not */
	size_t moved;		/* prefixes whose steering this module changed */
	size_t bytes;		/* memory held by the store */
	size_t held;		/* last rank: a better POP kept out by hysteresis */
	__u64 changes[ES_LATENCY_NREASONS];	/* committed, by reason */
	__u32 preferred[ES_MAX_POPS];		/* moved prefixes per preferred POP */
};

void es_latency_stats(const struct es_latency *l, struct es_latency_stats *s);

#endif /* ES_LATENCY_H */
