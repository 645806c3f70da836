// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * edgesteer stats: the data path's counters, summed over CPUs.
 *
 *   stats show | reset
 *
 * Every packet counts once by verdict and once by reason (enum es_counter
 * in include/edgesteer.h); events count on top of those, packets only.
 * POPs and decisions have counters of their own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "decisions.h"
#include "pops.h"
#include "stats.h"
#include "state.h"

const char *const stats_usage[] = {
	"show",
	"reset",
	"help",
	NULL,
};

/* Text columns: a name, then right-aligned counts. */
#define NAME_W		24
#define COUNT_W		20

/* "pass" for verdict_pass: the section already says it is a verdict. */
static const char *verdict_name(int c)
{
	static const char prefix[] = "verdict_";
	const char *name = es_counter_name(c);

	return strncmp(name, prefix, strlen(prefix)) ? name : name + strlen(prefix);
}

/* Everything `stats show` prints, read before anything is printed. */
struct stats {
	struct es_counter_value cnt[ES_CNT_MAX];
	struct es_counter_value pop_cnt[ES_MAX_POPS];
	struct es_pop pop[ES_MAX_POPS];		/* kind ES_POP_UNUSED: no such POP */
	__u32 *decisions;			/* ids in use, ascending */
	__u64 *decision_packets;
	size_t ndecisions;
};

static int stats_read(struct cli_ctx *ctx, struct es_state *st, struct stats *s)
{
	struct es_pop *pops = NULL;
	__u32 *ids = NULL;
	size_t n = 0;
	int err;

	err = es_stats_read(st, s->cnt);
	if (!err)
		err = es_pop_stats_read(st, s->pop_cnt);
	if (err)
		return cli_err(ctx, "cannot read the counters: %s", strerror(-err));
	err = es_pop_list(st, &ids, &pops, &n);
	if (err)
		return cli_err(ctx, "cannot read the POPs: %s", strerror(-err));
	for (size_t i = 0; i < n; i++)
		s->pop[ids[i]] = pops[i];
	free(ids);
	free(pops);

	n = es_decisions_in_use(st);
	s->decisions = calloc(n ? n : 1, sizeof(*s->decisions));
	s->decision_packets = calloc(n ? n : 1, sizeof(*s->decision_packets));
	if (!s->decisions || !s->decision_packets)
		return cli_err(ctx, "out of memory");
	for (__u32 id = 1; id < ES_MAX_DECISIONS && s->ndecisions < n; id++) {
		const struct es_decision *d = es_decision_at(st, id);

		if (!d || !d->refs)
			continue;
		err = es_decision_stats_read(st, id, &s->decision_packets[s->ndecisions]);
		if (err)
			return cli_err(ctx, "cannot read the counters of decision %u: %s", id,
				       strerror(-err));
		s->decisions[s->ndecisions++] = id;
	}
	return 0;
}

static void stats_free(struct stats *s)
{
	free(s->decisions);
	free(s->decision_packets);
	free(s);
}

/* A POP is listed when it exists or when it has counts (deleted since). */
static bool pop_listed(const struct stats *s, __u32 id)
{
	return s->pop[id].kind != ES_POP_UNUSED || s->pop_cnt[id].packets ||
	       s->pop_cnt[id].bytes;
}

/* "pops B,C", "local", "drop", as `prefix add` takes it. */
static void steering_text(const struct stats *s, const struct es_decision *d, char *buf,
			  size_t len)
{
	size_t used;

	switch (d->action) {
	case ES_ACTION_LOCAL:
		snprintf(buf, len, "local");
		return;
	case ES_ACTION_DROP:
		snprintf(buf, len, "drop");
		return;
	case ES_ACTION_POPS:
		break;
	default:
		snprintf(buf, len, "unknown");
		return;
	}
	snprintf(buf, len, "pops");
	for (int i = 0; i < d->npops && i < ES_MAX_CANDIDATES; i++) {
		__u16 id = d->pops[i];

		used = strlen(buf);
		if (id < ES_MAX_POPS && s->pop[id].kind != ES_POP_UNUSED)
			snprintf(buf + used, len - used, "%s%s", i ? "," : " ", s->pop[id].name);
		else
			snprintf(buf + used, len - used, "%s#%u", i ? "," : " ", id);
	}
}

/* ---- show ----------------------------------------------------------------- */

static void counter_json(json_writer_t *jw, const char *name, const struct es_counter_value *v)
{
	jsonw_name(jw, name);
	jsonw_start_object(jw);
	jsonw_uint_field(jw, "packets", v->packets);
	jsonw_uint_field(jw, "bytes", v->bytes);
	jsonw_end_object(jw);
}

static void show_json(json_writer_t *jw, struct es_state *st, const struct stats *s)
{
	char text[128];
	int c;

	jsonw_start_object(jw);
	jsonw_name(jw, "verdicts");
	jsonw_start_object(jw);
	for (c = 0; c < ES_CNT_VERDICTS; c++)
		counter_json(jw, verdict_name(c), &s->cnt[c]);
	jsonw_end_object(jw);

	jsonw_name(jw, "reasons");
	jsonw_start_object(jw);
	for (c = ES_CNT_VERDICTS; c < ES_CNT_REASONS_END; c++)
		counter_json(jw, es_counter_name(c), &s->cnt[c]);
	jsonw_end_object(jw);

	/* events carry no bytes */
	jsonw_name(jw, "events");
	jsonw_start_object(jw);
	for (c = ES_CNT_REASONS_END; c < ES_CNT_MAX; c++)
		jsonw_uint_field(jw, es_counter_name(c), s->cnt[c].packets);
	jsonw_end_object(jw);

	jsonw_name(jw, "pops");
	jsonw_start_array(jw);
	for (__u32 id = 0; id < ES_MAX_POPS; id++) {
		if (!pop_listed(s, id))
			continue;
		jsonw_start_object(jw);
		if (s->pop[id].kind != ES_POP_UNUSED)
			jsonw_string_field(jw, "name", s->pop[id].name);
		else
			jsonw_null_field(jw, "name");
		jsonw_uint_field(jw, "id", id);
		jsonw_uint_field(jw, "packets", s->pop_cnt[id].packets);
		jsonw_uint_field(jw, "bytes", s->pop_cnt[id].bytes);
		jsonw_end_object(jw);
	}
	jsonw_end_array(jw);

	jsonw_name(jw, "decisions");
	jsonw_start_array(jw);
	for (size_t i = 0; i < s->ndecisions; i++) {
		const struct es_decision *d = es_decision_at(st, s->decisions[i]);

		steering_text(s, d, text, sizeof(text));
		jsonw_start_object(jw);
		jsonw_uint_field(jw, "id", s->decisions[i]);
		jsonw_string_field(jw, "steering", text);
		jsonw_bool_field(jw, "transition", d->flags & ES_DECISION_TRANSITION);
		jsonw_uint_field(jw, "packets", s->decision_packets[i]);
		jsonw_end_object(jw);
	}
	jsonw_end_array(jw);
	jsonw_end_object(jw);
}

static void counter_text(const char *name, const struct es_counter_value *v)
{
	printf("  %-*s%*llu%*llu\n", NAME_W - 2, name, COUNT_W, (unsigned long long)v->packets,
	       COUNT_W, (unsigned long long)v->bytes);
}

static void heading(const char *title, bool bytes)
{
	printf("%-*s%*s", NAME_W, title, COUNT_W, "packets");
	if (bytes)
		printf("%*s", COUNT_W, "bytes");
	printf("\n");
}

static void show_text(struct es_state *st, const struct stats *s)
{
	char label[NAME_W + ES_POP_NAME_LEN], text[128];
	int c;

	heading("verdict", true);
	for (c = 0; c < ES_CNT_VERDICTS; c++)
		counter_text(verdict_name(c), &s->cnt[c]);

	printf("\n");
	heading("reason", true);
	for (c = ES_CNT_VERDICTS; c < ES_CNT_REASONS_END; c++)
		counter_text(es_counter_name(c), &s->cnt[c]);

	printf("\n");
	heading("event", false);
	for (c = ES_CNT_REASONS_END; c < ES_CNT_MAX; c++)
		printf("  %-*s%*llu\n", NAME_W - 2, es_counter_name(c), COUNT_W,
		       (unsigned long long)s->cnt[c].packets);

	printf("\n");
	heading("pop", true);
	for (__u32 id = 0; id < ES_MAX_POPS; id++) {
		if (!pop_listed(s, id))
			continue;
		if (s->pop[id].kind != ES_POP_UNUSED)
			snprintf(label, sizeof(label), "%s (id %u)", s->pop[id].name, id);
		else
			snprintf(label, sizeof(label), "#%u (deleted)", id);
		counter_text(label, &s->pop_cnt[id]);
	}

	printf("\n%-*s%*s  %s\n", NAME_W, "decision", COUNT_W, "packets", "steering");
	for (size_t i = 0; i < s->ndecisions; i++) {
		const struct es_decision *d = es_decision_at(st, s->decisions[i]);

		steering_text(s, d, text, sizeof(text));
		printf("  %-*u%*llu  %s%s\n", NAME_W - 2, s->decisions[i], COUNT_W,
		       (unsigned long long)s->decision_packets[i], text,
		       d->flags & ES_DECISION_TRANSITION ? " (transition)" : "");
	}
}

static int stats_show(struct cli_ctx *ctx, int argc, char **argv)
{
	struct es_state *st;
	struct stats *s;

	if (!END_ARGS())
		return -1;
	st = cli_state(ctx, false);
	if (!st)
		return -1;
	if (ctx->dry_run)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return cli_err(ctx, "out of memory");
	if (stats_read(ctx, st, s)) {
		stats_free(s);
		return -1;
	}
	if (ctx->jw)
		show_json(ctx->jw, st, s);
	else
		show_text(st, s);
	stats_free(s);
	return 0;
}

/* ---- reset ---------------------------------------------------------------- */

static int stats_reset(struct cli_ctx *ctx, int argc, char **argv)
{
	struct es_state *st;
	int err;

	if (!END_ARGS())
		return -1;
	/* open what is there, then lock: resetting never creates the state */
	st = cli_state(ctx, false);
	if (!st || !cli_state(ctx, true))
		return -1;
	if (ctx->dry_run)
		return 0;
	err = es_stats_reset(st);
	if (err)
		return cli_err(ctx, "cannot reset the counters: %s", strerror(-err));
	return 0;
}

/* ---- the object ----------------------------------------------------------- */

static int stats_help(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_usage(ctx, "stats", stats_usage);
}

static const struct cli_cmd stats_cmds[] = {
	{ "show",	stats_show },
	{ "reset",	stats_reset },
	{ "help",	stats_help },
	{ 0 }
};

int do_stats(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, stats_cmds, argc, argv, "stats");
}
