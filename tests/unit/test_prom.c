// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Prometheus text writer (user/daemon/prom.c): exact output of a family
 * block (HELP, TYPE, samples), escaping of label values and help text,
 * counters as exact integers past 2^53, float and special values, names
 * the format refuses (their family and samples are left out rather than
 * written invalid), and a large document that grows the buffer.
 *
 * The writer is part of the daemon, not of libedgesteer, so it is built
 * into this test from its source.
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "../../user/daemon/prom.c"

static bool text_is(struct esd_prom *p, const char *want, const char *what)
{
	bool ok = ASSERT_TRUE(p->buf && !strcmp(p->buf, want), what);

	if (!ok)
		printf("  got:\n%s  want:\n%s", p->buf ? p->buf : "(nothing)\n", want);
	return ok;
}

static void test_family_block(void)
{
	struct esd_prom p;

	esd_prom_init(&p);
	esd_prom_family(&p, "edgesteer_pop_packets_total", "counter", "Packets steered");
	esd_prom_u64(&p, 7, "pop", "B", "id", "2", NULL);
	esd_prom_u64(&p, 0, "pop", "C", "id", "3", NULL);
	esd_prom_family(&p, "edgesteer_decisions_in_use", "gauge", "Decisions");
	esd_prom_u64(&p, 12, NULL);
	text_is(&p,
		"# HELP edgesteer_pop_packets_total Packets steered\n"
		"# TYPE edgesteer_pop_packets_total counter\n"
		"edgesteer_pop_packets_total{pop=\"B\",id=\"2\"} 7\n"
		"edgesteer_pop_packets_total{pop=\"C\",id=\"3\"} 0\n"
		"# HELP edgesteer_decisions_in_use Decisions\n"
		"# TYPE edgesteer_decisions_in_use gauge\n"
		"edgesteer_decisions_in_use 12\n", "two family blocks");
	ASSERT_TRUE(!p.oom, "no allocation failure");
	esd_prom_free(&p);
}

static void test_escaping(void)
{
	struct esd_prom p;

	esd_prom_init(&p);
	esd_prom_family(&p, "m", "gauge", "a \\ back\nslash \"quoted\"");
	esd_prom_u64(&p, 1, "l", "x\\y\"z\nw", "e", "", NULL);
	/* HELP escapes backslash and newline only; label values the quote too */
	text_is(&p,
		"# HELP m a \\\\ back\\nslash \"quoted\"\n"
		"# TYPE m gauge\n"
		"m{l=\"x\\\\y\\\"z\\nw\",e=\"\"} 1\n", "escaped help and label values");
	esd_prom_free(&p);
}

static void test_values(void)
{
	struct esd_prom p;

	esd_prom_init(&p);
	esd_prom_family(&p, "v", "gauge", "h");
	esd_prom_u64(&p, UINT64_MAX, NULL);
	esd_prom_u64(&p, (1ull << 53) + 1, NULL);
	esd_prom_double(&p, 0.000123, NULL);
	esd_prom_double(&p, 0.1 + 0.2, NULL);
	esd_prom_double(&p, INFINITY, NULL);
	esd_prom_double(&p, -INFINITY, NULL);
	esd_prom_double(&p, NAN, NULL);
	esd_prom_double(&p, 1700000000.25, NULL);
	text_is(&p,
		"# HELP v h\n# TYPE v gauge\n"
		"v 18446744073709551615\n"
		"v 9007199254740993\n"
		"v 0.000123\n"
		"v 0.30000000000000004\n"
		"v +Inf\n"
		"v -Inf\n"
		"v NaN\n"
		"v 1700000000.25\n", "integers exact, floats shortest exact");
	esd_prom_free(&p);
}

static void test_invalid_names_left_out(void)
{
	struct esd_prom p;

	esd_prom_init(&p);
	esd_prom_family(&p, "9starts_with_digit", "gauge", "h");
	esd_prom_u64(&p, 1, NULL);
	esd_prom_family(&p, "has-dash", "gauge", "h");
	esd_prom_u64(&p, 1, NULL);
	esd_prom_family(&p, "ok:name_1", "gauge", "h");
	esd_prom_u64(&p, 1, "bad-label", "x", NULL);
	esd_prom_u64(&p, 2, "__reserved", "x", NULL);
	esd_prom_u64(&p, 3, "has:colon", "x", NULL);
	esd_prom_u64(&p, 4, "good", "x", NULL);
	text_is(&p, "# HELP ok:name_1 h\n# TYPE ok:name_1 gauge\nok:name_1{good=\"x\"} 4\n",
		"only valid names written");
	ASSERT_TRUE(esd_prom_valid_name("a_B:c9", false), "metric name");
	ASSERT_TRUE(!esd_prom_valid_name("a_B:c9", true), "no colon in a label name");
	ASSERT_TRUE(!esd_prom_valid_name("", false), "empty name");
	esd_prom_free(&p);
}

/* Thousands of samples: the buffer grows and every line is kept. */
static void test_large(void)
{
	struct esd_prom p;
	char v[16];
	size_t lines = 0;

	esd_prom_init(&p);
	esd_prom_family(&p, "big", "counter", "h");
	for (int i = 0; i < 20000; i++) {
		snprintf(v, sizeof(v), "%d", i);
		esd_prom_u64(&p, (uint64_t)i, "i", v, NULL);
	}
	for (size_t i = 0; i < p.len; i++)
		lines += p.buf[i] == '\n';
	ASSERT_EQ(lines, 20002, "lines");
	ASSERT_EQ(strlen(p.buf), p.len, "length");
	ASSERT_TRUE(strstr(p.buf, "big{i=\"19999\"} 19999\n") != NULL, "last sample");
	esd_prom_free(&p);
}

int main(void)
{
	RUN_TEST(test_family_block);
	RUN_TEST(test_escaping);
	RUN_TEST(test_values);
	RUN_TEST(test_invalid_names_left_out);
	RUN_TEST(test_large);
	return es_test_exit();
}
