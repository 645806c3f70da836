// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * JSON writer: exact compact and pretty output, string escaping and UTF-8
 * repair, misuse that must leave the document valid, marks and rollback,
 * then randomised documents checked by Python's json module (skipped when
 * python3 is missing): it must parse them, print them back byte for byte
 * in both modes, and decode every string as bytes.decode("utf-8",
 * "replace") does.
 *
 * The writer is part of the CLI, not of libedgesteer, so it is built into
 * this test from its source.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "../../user/cli/json_writer.c"

/* A writer into memory; out() returns what it wrote so far. */
struct sink {
	char *buf;
	size_t len;
	FILE *f;
	json_writer_t *jw;
};

static void sink_open(struct sink *s, bool pretty)
{
	memset(s, 0, sizeof(*s));
	s->f = open_memstream(&s->buf, &s->len);
	s->jw = jsonw_new(s->f, pretty);
}

/* Destroy the writer (closing what is open) and return the output. */
static const char *sink_close(struct sink *s)
{
	jsonw_destroy(s->jw);
	s->jw = NULL;
	fclose(s->f);
	return s->buf;
}

static void sink_free(struct sink *s)
{
	free(s->buf);
}

static bool str_eq(const char *got, const char *want, const char *what)
{
	if (got && !strcmp(got, want))
		return true;
	es_test_failures++;
	fprintf(stdout, "  %s:\n    got  '%s'\n    want '%s'\n", what, got ? got : "(null)", want);
	return false;
}

/* {"a":1,"b":[1,-2,true,false,null,"x"],"c":{},"d":[],"e":{"f":[[]]}} */
static void write_sample(json_writer_t *jw)
{
	jsonw_start_object(jw);
	jsonw_uint_field(jw, "a", 1);
	jsonw_name(jw, "b");
	jsonw_start_array(jw);
	jsonw_uint(jw, 1);
	jsonw_int(jw, -2);
	jsonw_bool(jw, true);
	jsonw_bool(jw, false);
	jsonw_null(jw);
	jsonw_string(jw, "x");
	jsonw_end_array(jw);
	jsonw_name(jw, "c");
	jsonw_start_object(jw);
	jsonw_end_object(jw);
	jsonw_name(jw, "d");
	jsonw_start_array(jw);
	jsonw_end_array(jw);
	jsonw_name(jw, "e");
	jsonw_start_object(jw);
	jsonw_name(jw, "f");
	jsonw_start_array(jw);
	jsonw_start_array(jw);
	jsonw_end_array(jw);
	jsonw_end_array(jw);
	jsonw_end_object(jw);
	jsonw_end_object(jw);
}

static void test_compact(void)
{
	struct sink s;

	sink_open(&s, false);
	write_sample(s.jw);
	ASSERT_TRUE(!jsonw_misuse(s.jw), "no misuse");
	str_eq(sink_close(&s),
	       "{\"a\":1,\"b\":[1,-2,true,false,null,\"x\"],\"c\":{},\"d\":[],\"e\":{\"f\":[[]]}}\n",
	       "compact");
	sink_free(&s);
}

static void test_pretty(void)
{
	struct sink s;

	sink_open(&s, true);
	write_sample(s.jw);
	str_eq(sink_close(&s),
	       "{\n"
	       "  \"a\": 1,\n"
	       "  \"b\": [\n"
	       "    1,\n"
	       "    -2,\n"
	       "    true,\n"
	       "    false,\n"
	       "    null,\n"
	       "    \"x\"\n"
	       "  ],\n"
	       "  \"c\": {},\n"
	       "  \"d\": [],\n"
	       "  \"e\": {\n"
	       "    \"f\": [\n"
	       "      []\n"
	       "    ]\n"
	       "  }\n"
	       "}\n", "pretty");
	sink_free(&s);
}

static void test_scalars_top_level(void)
{
	struct sink s;

	sink_open(&s, true);
	jsonw_null(s.jw);
	str_eq(sink_close(&s), "null\n", "null alone");
	sink_free(&s);

	sink_open(&s, false);
	jsonw_start_array(s.jw);
	jsonw_uint(s.jw, UINT64_MAX);
	jsonw_int(s.jw, INT64_MIN);
	jsonw_int(s.jw, 0);
	jsonw_stringf(s.jw, "%s/%d", "192.0.2.0", 24);
	jsonw_end_array(s.jw);
	str_eq(sink_close(&s),
	       "[18446744073709551615,-9223372036854775808,0,\"192.0.2.0/24\"]\n", "extremes");
	sink_free(&s);
}

struct esc_case {
	const char *in;
	size_t len;		/* 0: strlen(in) */
	const char *want;	/* the JSON string, quotes included */
};

#define E(in, want) { in, sizeof(in) - 1, want }

static const struct esc_case esc_cases[] = {
	E("plain text 123", "\"plain text 123\""),
	E("", "\"\""),
	E("q\"b\\s/", "\"q\\\"b\\\\s/\""),
	E("\n\t\r\b\f", "\"\\u000a\\u0009\\u000d\\u0008\\u000c\""),
	E("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\""),
	E("a\0b", "\"a\\u0000b\""),
	/* valid UTF-8 stays as it is: 2, 3 and 4 byte forms, U+2028 */
	E("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xe2\x80\xa8",
	  "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xe2\x80\xa8\""),
	E("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""),	/* U+10FFFF */
	/* invalid: one U+FFFD per maximal subpart */
	E("\xff", "\"\\ufffd\""),
	E("a\x80z", "\"a\\ufffdz\""),			/* lone continuation */
	E("\xc3", "\"\\ufffd\""),			/* truncated at the end */
	E("\xc3z", "\"\\ufffdz\""),			/* broken by ASCII */
	E("\xc0\xaf", "\"\\ufffd\\ufffd\""),		/* overlong '/' */
	E("\xe0\x80\x80", "\"\\ufffd\\ufffd\\ufffd\""),	/* overlong, E0 needs A0.. */
	E("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""),	/* surrogate U+D800 */
	E("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""), /* > U+10FFFF */
	E("\xf0\x9f\x98z", "\"\\ufffdz\""),		/* 3 of 4 bytes: one */
	E("\xe2\x82\"", "\"\\ufffd\\\"\""),		/* broken by a quote */
	E("\xf5\x80", "\"\\ufffd\\ufffd\""),
};

static void test_escaping(void)
{
	for (size_t i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++) {
		const struct esc_case *c = &esc_cases[i];
		char want[128], what[64];
		struct sink s;

		sink_open(&s, false);
		jsonw_string_len(s.jw, c->in, c->len);
		snprintf(want, sizeof(want), "%s\n", c->want);
		snprintf(what, sizeof(what), "escape case %zu", i);
		str_eq(sink_close(&s), want, what);
		sink_free(&s);
	}
}

static void test_names_escaped(void)
{
	struct sink s;

	sink_open(&s, true);
	jsonw_start_object(s.jw);
	jsonw_string_field(s.jw, "we\"ird\n\xff", "v");
	jsonw_end_object(s.jw);
	str_eq(sink_close(&s), "{\n  \"we\\\"ird\\u000a\\ufffd\": \"v\"\n}\n", "escaped name");
	sink_free(&s);
}

static void test_long_strings(void)
{
	size_t n = 200000, i;
	char *big = malloc(n + 1), *want = malloc(n + 4);
	struct sink s;

	for (i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	big[n] = 0;
	/* longer than stringf's stack buffer and than one flush */
	sink_open(&s, false);
	jsonw_stringf(s.jw, "%s", big);
	snprintf(want, n + 4, "\"%s\"\n", big);
	str_eq(sink_close(&s), want, "200000-byte string");
	sink_free(&s);
	free(big);
	free(want);
}

/* A large document without marks is flushed as it goes: check all of it. */
static void test_large_document(void)
{
	struct sink s;
	char *p;
	size_t i, n = 100000;
	bool ok = true;

	sink_open(&s, false);
	jsonw_start_array(s.jw);
	for (i = 0; i < n; i++)
		jsonw_uint(s.jw, i);
	/* more than FLUSH_AT went out before the end */
	fflush(s.f);
	ASSERT_TRUE(s.len > 64 * 1024, "flushed while writing");
	jsonw_end_array(s.jw);
	p = (char *)sink_close(&s);
	ASSERT_EQ(p[0], '[', "starts with [");
	p++;
	for (i = 0; i < n && ok; i++) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);

		ok = ASSERT_EQ(v, i, "element") &&
		     ASSERT_EQ(*end, i + 1 < n ? ',' : ']', "separator");
		p = end + 1;
	}
	ASSERT_TRUE(ok && !strcmp(p, "\n"), "ends with ]\\n");
	sink_free(&s);
}

/* ---- misuse: refused, recorded, output still valid ------------------------ */

static void test_misuse(void)
{
	struct sink s;

	/* value without a name in an object */
	sink_open(&s, false);
	jsonw_start_object(s.jw);
	jsonw_uint(s.jw, 1);
	ASSERT_TRUE(jsonw_misuse(s.jw) != NULL, "value without name recorded");
	jsonw_uint_field(s.jw, "a", 2);
	jsonw_end_object(s.jw);
	str_eq(sink_close(&s), "{\"a\":2}\n", "value without name dropped");
	sink_free(&s);

	/* name in an array, name twice, wrong end */
	sink_open(&s, false);
	jsonw_start_array(s.jw);
	jsonw_name(s.jw, "x");
	jsonw_end_object(s.jw);
	jsonw_start_object(s.jw);
	jsonw_name(s.jw, "a");
	jsonw_name(s.jw, "b");
	jsonw_uint(s.jw, 1);
	jsonw_end_array(s.jw);
	jsonw_end_object(s.jw);
	jsonw_end_array(s.jw);
	ASSERT_TRUE(jsonw_misuse(s.jw) != NULL, "misuse recorded");
	str_eq(sink_close(&s), "[{\"a\":1}]\n", "refused calls leave no trace");
	sink_free(&s);

	/* a name never given its value gets null */
	sink_open(&s, true);
	jsonw_start_object(s.jw);
	jsonw_name(s.jw, "dangling");
	jsonw_end_object(s.jw);
	str_eq(jsonw_misuse(s.jw), "name without a value", "dangling name recorded");
	str_eq(sink_close(&s), "{\n  \"dangling\": null\n}\n", "dangling name is null");
	sink_free(&s);

	/* a second top-level value, an end with nothing open */
	sink_open(&s, false);
	jsonw_uint(s.jw, 1);
	jsonw_uint(s.jw, 2);
	jsonw_end_array(s.jw);
	str_eq(jsonw_misuse(s.jw), "second top-level value", "second value recorded");
	str_eq(sink_close(&s), "1\n", "one top-level value");
	sink_free(&s);

	/* too deep: refused at the limit, the rest still balanced */
	sink_open(&s, false);
	for (int i = 0; i < JSONW_MAX_DEPTH + 3; i++)
		jsonw_start_array(s.jw);
	ASSERT_EQ(jsonw_depth(s.jw), JSONW_MAX_DEPTH, "depth capped");
	str_eq(jsonw_misuse(s.jw), "nesting too deep", "too deep recorded");
	{
		char want[2 * JSONW_MAX_DEPTH + 2];

		memset(want, '[', JSONW_MAX_DEPTH);
		memset(want + JSONW_MAX_DEPTH, ']', JSONW_MAX_DEPTH);
		strcpy(want + 2 * JSONW_MAX_DEPTH, "\n");
		str_eq(sink_close(&s), want, "destroy closes everything");
	}
	sink_free(&s);

	/* destroy completes a document left open */
	sink_open(&s, true);
	jsonw_start_object(s.jw);
	jsonw_name(s.jw, "list");
	jsonw_start_array(s.jw);
	jsonw_string(s.jw, "a");
	str_eq(sink_close(&s), "{\n  \"list\": [\n    \"a\"\n  ]\n}\n", "closed at destroy");
	sink_free(&s);
}

/* ---- marks ---------------------------------------------------------------- */

static void test_marks(void)
{
	struct sink s;

	/* the CLI's pattern: command output taken back, error in its place */
	sink_open(&s, false);
	ASSERT_OK(jsonw_mark(s.jw), "mark");
	jsonw_start_object(s.jw);
	jsonw_name(s.jw, "partial");
	jsonw_start_array(s.jw);
	jsonw_uint(s.jw, 1);
	ASSERT_OK(jsonw_rollback(s.jw), "rollback");
	ASSERT_EQ(jsonw_depth(s.jw), 0, "depth restored");
	ASSERT_EQ(jsonw_values_since_mark(s.jw), 0, "nothing at the top");
	jsonw_start_object(s.jw);
	jsonw_string_field(s.jw, "error", "boom");
	jsonw_end_object(s.jw);
	ASSERT_TRUE(!jsonw_misuse(s.jw), "no misuse");
	str_eq(sink_close(&s), "{\"error\":\"boom\"}\n", "rolled back");
	sink_free(&s);

	/* a batch: array of per-command values, one taken back */
	sink_open(&s, true);
	jsonw_mark(s.jw);
	jsonw_start_array(s.jw);
	jsonw_mark(s.jw);
	jsonw_uint(s.jw, 1);
	ASSERT_EQ(jsonw_values_since_mark(s.jw), 1, "one value");
	jsonw_commit(s.jw);
	jsonw_mark(s.jw);
	ASSERT_EQ(jsonw_values_since_mark(s.jw), 0, "none yet");
	jsonw_start_object(s.jw);
	jsonw_uint_field(s.jw, "gone", 2);
	/* the batch's array belongs to the outer mark: not closable here */
	jsonw_end_object(s.jw);
	jsonw_end_array(s.jw);
	str_eq(jsonw_misuse(s.jw), "end of a container opened before the mark",
	       "floor recorded");
	ASSERT_OK(jsonw_rollback(s.jw), "inner rollback");
	jsonw_mark(s.jw);
	jsonw_null(s.jw);
	jsonw_commit(s.jw);
	jsonw_end_array(s.jw);
	jsonw_commit(s.jw);
	str_eq(sink_close(&s), "[\n  1,\n  null\n]\n", "batch array");
	sink_free(&s);

	/* no mark right after a name */
	sink_open(&s, false);
	jsonw_start_object(s.jw);
	jsonw_name(s.jw, "k");
	ASSERT_EQ(jsonw_mark(s.jw), -EINVAL, "mark after a name");
	jsonw_uint(s.jw, 1);
	jsonw_end_object(s.jw);
	str_eq(sink_close(&s), "{\"k\":1}\n", "unchanged");
	sink_free(&s);

	/* nested marks are bounded */
	sink_open(&s, false);
	for (int i = 0; i < JSONW_MAX_MARKS; i++)
		ASSERT_OK(jsonw_mark(s.jw), "mark");
	ASSERT_EQ(jsonw_mark(s.jw), -ENOSPC, "one mark too many");
	sink_close(&s);
	sink_free(&s);

	/* held output is not written before the commit */
	sink_open(&s, false);
	jsonw_mark(s.jw);
	jsonw_start_array(s.jw);
	for (int i = 0; i < 20000; i++)
		jsonw_uint(s.jw, 12345);
	fflush(s.f);
	ASSERT_EQ(s.len, 0, "nothing out while held");
	ASSERT_OK(jsonw_rollback(s.jw), "rollback of 120 KB");
	jsonw_null(s.jw);
	str_eq(sink_close(&s), "null\n", "held output dropped");
	sink_free(&s);
}

/* Past the hold limit output goes out anyway; a rollback then completes it. */
static void test_hold_limit(void)
{
	struct sink s;
	const char *out;

	sink_open(&s, false);
	jsonw_set_hold_max(s.jw, 100);
	jsonw_start_array(s.jw);	/* a batch */
	jsonw_mark(s.jw);
	jsonw_start_object(s.jw);
	jsonw_name(s.jw, "rows");
	jsonw_start_array(s.jw);
	/* FLUSH_AT must be reached before the limit is looked at */
	for (int i = 0; i < 50000; i++)
		jsonw_uint(s.jw, 7);
	ASSERT_EQ(jsonw_rollback(s.jw), -EALREADY, "too late to take back");
	ASSERT_EQ(jsonw_depth(s.jw), 1, "back at the batch level");
	jsonw_start_object(s.jw);
	jsonw_string_field(s.jw, "error", "late");
	jsonw_end_object(s.jw);
	jsonw_end_array(s.jw);
	ASSERT_TRUE(!jsonw_misuse(s.jw), "no misuse");
	out = sink_close(&s);
	ASSERT_TRUE(!strncmp(out, "[{\"rows\":[7,7,", 14), "partial value kept");
	{
		static const char tail[] = "7]},{\"error\":\"late\"}]\n";
		size_t n = strlen(out), t = sizeof(tail) - 1;

		ASSERT_TRUE(n > t && !strcmp(out + n - t, tail), "completed, then the error");
	}
	sink_free(&s);
}

static void test_write_error(void)
{
	FILE *f = fopen("/dev/full", "w");
	json_writer_t *jw;

	if (!f) {
		es_test_skip("no /dev/full");
		return;
	}
	jw = jsonw_new(f, false);
	jsonw_string(jw, "x");
	ASSERT_EQ(jsonw_destroy(jw), -ENOSPC, "write error reported");
	fclose(f);
}

/* ---- randomised, checked by Python --------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* Text Python prints back the same way: printable ASCII and valid UTF-8,
 * no control characters, no DEL. */
static void safe_text(char *buf, size_t max)
{
	static const char *const pieces[] = {
		"a", "Z", "0", " ", "\"", "\\", "/", "{", "]", ":", ",",
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xe2\x80\xa8",
	};
	size_t len = 0, n = rnd(12);

	buf[0] = 0;
	while (n--) {
		const char *p = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];

		if (len + strlen(p) >= max)
			break;
		strcpy(buf + len, p);
		len += strlen(p);
	}
}

static void random_value(json_writer_t *jw, int depth)
{
	char text[64];
	uint32_t kind = depth >= 5 ? rnd(5) : rnd(7);

	switch (kind) {
	case 0:
		safe_text(text, sizeof(text));
		jsonw_string(jw, text);
		break;
	case 1:
		jsonw_uint(jw, ((uint64_t)rnd(1u << 31) << 33) ^ rnd(1000));
		break;
	case 2:
		jsonw_int(jw, -(int64_t)rnd(1u << 30) * 1000003);
		break;
	case 3:
		jsonw_bool(jw, rnd(2));
		break;
	case 4:
		jsonw_null(jw);
		break;
	case 5: {
		uint32_t n = rnd(5);

		jsonw_start_array(jw);
		while (n--)
			random_value(jw, depth + 1);
		jsonw_end_array(jw);
		break;
	}
	default: {
		uint32_t n = rnd(5), i;

		jsonw_start_object(jw);
		for (i = 0; i < n; i++) {
			/* distinct names: Python keeps one of duplicates */
			safe_text(text, sizeof(text) - 8);
			snprintf(text + strlen(text), 8, "#%u", i);
			jsonw_name(jw, text);
			random_value(jw, depth + 1);
		}
		jsonw_end_object(jw);
	}
	}
}

static const char py_check[] =
	"import json, sys\n"
	"d = sys.argv[1]\n"
	"bad = 0\n"
	"for i in range(int(sys.argv[2])):\n"
	"    for mode in ('compact', 'pretty'):\n"
	"        raw = open('%s/%s.%d' % (d, mode, i), 'rb').read()\n"
	"        v = json.loads(raw.decode('utf-8'))\n"
	"        if mode == 'pretty':\n"
	"            back = json.dumps(v, indent=2, ensure_ascii=False)\n"
	"        else:\n"
	"            back = json.dumps(v, separators=(',', ':'), ensure_ascii=False)\n"
	"        if (back + '\\n').encode('utf-8') != raw:\n"
	"            print('  doc %d (%s) printed back differently' % (i, mode)); bad += 1\n"
	"strings = json.loads(open(d + '/strings.json', 'rb').read().decode('utf-8'))\n"
	"raws = [bytes.fromhex(l.strip()) for l in open(d + '/strings.hex')]\n"
	"if len(strings) != len(raws):\n"
	"    print('  string count differs'); bad += 1\n"
	"for i, (s, r) in enumerate(zip(strings, raws)):\n"
	"    want = r.decode('utf-8', 'replace')\n"
	"    if s != want:\n"
	"        print('  string %d: %r decodes to %r, want %r' % (i, r, s, want)); bad += 1\n"
	"sys.exit(1 if bad else 0)\n";

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
}

static void test_python_roundtrip(void)
{
	char dir[] = "/tmp/es-jsonw-XXXXXX", path[256], cmd[512];
	int ndocs = 300, i, rc;
	struct sink s;
	FILE *hex;

	if (system("python3 -c 'import json' >/dev/null 2>&1")) {
		es_test_skip("python3 not available");
		return;
	}
	if (!ASSERT_TRUE(mkdtemp(dir) != NULL, "mkdtemp"))
		return;

	for (i = 0; i < ndocs; i++) {
		uint64_t seed = rng;

		/* the same document in both modes */
		for (int pretty = 0; pretty < 2; pretty++) {
			rng = seed;
			sink_open(&s, pretty);
			random_value(s.jw, 0);
			ASSERT_TRUE(!jsonw_misuse(s.jw), "random doc: no misuse");
			sink_close(&s);
			snprintf(path, sizeof(path), "%s/%s.%d", dir,
				 pretty ? "pretty" : "compact", i);
			write_file(path, s.buf, s.len);
			sink_free(&s);
		}
	}

	/* random bytes of every kind, as strings */
	snprintf(path, sizeof(path), "%s/strings.hex", dir);
	hex = fopen(path, "w");
	sink_open(&s, false);
	jsonw_start_array(s.jw);
	for (i = 0; i < 3000; i++) {
		unsigned char b[24];
		size_t n = rnd(sizeof(b) + 1), k;

		for (k = 0; k < n; k++) {
			/* bias toward lead and continuation bytes */
			switch (rnd(4)) {
			case 0: b[k] = (unsigned char)rnd(0x80); break;
			case 1: b[k] = (unsigned char)(0x80 + rnd(0x40)); break;
			case 2: b[k] = (unsigned char)(0xc0 + rnd(0x40)); break;
			default: b[k] = (unsigned char)rnd(256); break;
			}
			fprintf(hex, "%02x", b[k]);
		}
		fputc('\n', hex);
		jsonw_string_len(s.jw, (const char *)b, n);
	}
	jsonw_end_array(s.jw);
	fclose(hex);
	sink_close(&s);
	snprintf(path, sizeof(path), "%s/strings.json", dir);
	write_file(path, s.buf, s.len);
	sink_free(&s);

	snprintf(path, sizeof(path), "%s/check.py", dir);
	write_file(path, py_check, sizeof(py_check) - 1);
	snprintf(cmd, sizeof(cmd), "python3 %s/check.py %s %d", dir, dir, ndocs);
	rc = system(cmd);
	ASSERT_EQ(rc, 0, "python3 parses, prints back and decodes the same");

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stdout, "  could not remove %s\n", dir);
}

int main(void)
{
	RUN_TEST(test_compact);
	RUN_TEST(test_pretty);
	RUN_TEST(test_scalars_top_level);
	RUN_TEST(test_escaping);
	RUN_TEST(test_names_escaped);
	RUN_TEST(test_long_strings);
	RUN_TEST(test_large_document);
	RUN_TEST(test_misuse);
	RUN_TEST(test_marks);
	RUN_TEST(test_hold_limit);
	RUN_TEST(test_write_error);
	RUN_TEST(test_python_roundtrip);
	return es_test_exit();
}
