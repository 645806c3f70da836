// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Streaming JSON writer: the contract is in json_writer.h.
 *
 * Output goes through one growing buffer so that a mark can take back
 * what was written after it. Everything before the oldest live mark is
 * written out once the buffer passes FLUSH_AT bytes, and at the end of the
 * top-level value, so without marks the memory used stays small however
 * large the document is.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

#define FLUSH_AT	(64 * 1024)
#define INITIAL_CAP	(4 * 1024)

enum level_type {
	LEVEL_TOP,	/* outside any container: room for one value */
	LEVEL_OBJECT,
	LEVEL_ARRAY,
};

struct level {
	enum level_type type;
	bool named;	/* object: a name was written, its value was not */
	size_t count;	/* members (counted at their name) or elements */
};

struct mark {
	unsigned long long pos;	/* offset in the whole output stream */
	unsigned int depth;
	struct level level;	/* levels[depth] when the mark was set */
	bool lost;		/* output after pos was flushed anyway */
};

struct json_writer {
	FILE *out;
	bool pretty;
	char *buf;
	size_t len, cap;
	unsigned long long flushed;	/* bytes handed to out before buf[0] */
	struct level levels[JSONW_MAX_DEPTH + 1];	/* [0]: LEVEL_TOP */
	unsigned int depth;
	struct mark marks[JSONW_MAX_MARKS];
	unsigned int nmarks;
	size_t hold_max;
	int io_err;		/* first write error, sticky */
	const char *misuse;	/* first misuse */
};

json_writer_t *jsonw_new(FILE *out, bool pretty)
{
	json_writer_t *jw = calloc(1, sizeof(*jw));

	if (!jw)
		return NULL;
	jw->buf = malloc(INITIAL_CAP);
	if (!jw->buf) {
		free(jw);
		return NULL;
	}
	jw->cap = INITIAL_CAP;
	jw->out = out;
	jw->pretty = pretty;
	jw->hold_max = JSONW_HOLD_MAX;
	jw->levels[0].type = LEVEL_TOP;
	return jw;
}

static void set_misuse(json_writer_t *jw, const char *what)
{
	if (!jw->misuse)
		jw->misuse = what;
}

/* ---- output buffer ------------------------------------------------------- */

static void write_out(json_writer_t *jw, const char *p, size_t n)
{
	if (!n)
		return;
	/* After a write error the rest is dropped: the caller learns of it
	 * from jsonw_flush()/jsonw_destroy(), and retrying would interleave. */
	if (!jw->io_err && fwrite(p, 1, n, jw->out) != n)
		jw->io_err = errno ? -errno : -EIO;
	jw->flushed += n;
}

/* Write out everything that no live mark may still take back. */
static void flush_unheld(json_writer_t *jw, bool force)
{
	size_t limit = jw->len;
	unsigned int i;

	for (i = 0; i < jw->nmarks; i++) {
		struct mark *m = &jw->marks[i];
		size_t off;

		if (m->lost)
			continue;
		off = (size_t)(m->pos - jw->flushed);
		if (off < limit)
			limit = off;
	}
	if (force || jw->len - limit > jw->hold_max) {
		/* Too much held (or no memory to hold it): give up the marks
		 * rather than the output. */
		for (i = 0; i < jw->nmarks; i++)
			jw->marks[i].lost = true;
		limit = jw->len;
	}
	write_out(jw, jw->buf, limit);
	memmove(jw->buf, jw->buf + limit, jw->len - limit);
	jw->len -= limit;
}

static void emit(json_writer_t *jw, const char *s, size_t n)
{
	if (jw->len + n > jw->cap) {
		size_t cap = jw->cap;
		char *nbuf;

		while (cap < jw->len + n)
			cap *= 2;
		nbuf = realloc(jw->buf, cap);
		if (!nbuf) {
			/* Keep going unbuffered: marks are lost, output is not. */
			flush_unheld(jw, true);
			write_out(jw, s, n);
			return;
		}
		jw->buf = nbuf;
		jw->cap = cap;
	}
	memcpy(jw->buf + jw->len, s, n);
	jw->len += n;
	if (jw->len >= FLUSH_AT)
		flush_unheld(jw, false);
}

static void emit_str(json_writer_t *jw, const char *s)
{
	emit(jw, s, strlen(s));
}

static void newline_indent(json_writer_t *jw, unsigned int depth)
{
	static const char spaces[] = "                                ";
	size_t n = (size_t)depth * 2;

	emit(jw, "\n", 1);
	while (n) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		emit(jw, spaces, k);
		n -= k;
	}
}

/* ---- strings ------------------------------------------------------------- */

/*
 * Length of the UTF-8 sequence at p (n > 0 bytes available) and whether it
 * is valid. An invalid one is its maximal subpart: the longest prefix of a
 * well-formed sequence, at least one byte, so that a truncated sequence
 * becomes one U+FFFD and the byte that broke it starts afresh. The second
 * byte's range excludes overlong forms (E0, F0), surrogates (ED) and code
 * points past U+10FFFF (F4).
 */
static size_t utf8_seq(const unsigned char *p, size_t n, bool *valid)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	*valid = false;
	if (c < 0x80) {
		*valid = true;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 1;	/* continuation byte, C0, C1, F5..FF */
	}
	for (i = 1; i <= need; i++) {
		if (i >= n || p[i] < lo || p[i] > hi)
			return i;
		lo = 0x80;
		hi = 0xbf;
	}
	*valid = true;
	return need + 1;
}

static void emit_quoted(json_writer_t *jw, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	const unsigned char *run = p;	/* bytes copied as they are */
	char esc[8];

	emit(jw, "\"", 1);
	while (p < end) {
		unsigned char c = *p;
		size_t k = 1;
		bool valid;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			p++;
			continue;
		}
		if (c >= 0x80) {
			k = utf8_seq(p, (size_t)(end - p), &valid);
			if (valid) {
				p += k;
				continue;
			}
		}
		emit(jw, (const char *)run, (size_t)(p - run));
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			emit(jw, esc, 2);
			p++;
		} else if (c < 0x80) {
			/* control character or DEL */
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			emit(jw, esc, 6);
			p++;
		} else {
			emit(jw, "\\ufffd", 6);
			p += k;
		}
		run = p;
	}
	emit(jw, (const char *)run, (size_t)(p - run));
	emit(jw, "\"", 1);
}

/* ---- structure ----------------------------------------------------------- */

/* Place the separator and indentation for a new value, or refuse it. */
static bool begin_value(json_writer_t *jw)
{
	struct level *l = &jw->levels[jw->depth];

	switch (l->type) {
	case LEVEL_TOP:
		if (l->count) {
			set_misuse(jw, "second top-level value");
			return false;
		}
		break;
	case LEVEL_ARRAY:
		if (l->count)
			emit(jw, ",", 1);
		if (jw->pretty)
			newline_indent(jw, jw->depth);
		break;
	case LEVEL_OBJECT:
		if (!l->named) {
			set_misuse(jw, "value without a name in an object");
			return false;
		}
		l->named = false;
		return true;	/* counted at its name */
	}
	l->count++;
	return true;
}

/* A value just ended: at the top level the document is complete. */
static void end_value(json_writer_t *jw)
{
	if (jw->depth)
		return;
	emit(jw, "\n", 1);
	flush_unheld(jw, false);
}

static void start_container(json_writer_t *jw, enum level_type type)
{
	if (jw->depth == JSONW_MAX_DEPTH) {
		set_misuse(jw, "nesting too deep");
		return;
	}
	if (!begin_value(jw))
		return;
	emit(jw, type == LEVEL_OBJECT ? "{" : "[", 1);
	jw->depth++;
	jw->levels[jw->depth] = (struct level){ .type = type };
}

/* Close the innermost container, whatever it is. */
static void close_container(json_writer_t *jw)
{
	struct level *l = &jw->levels[jw->depth];

	if (l->named) {
		set_misuse(jw, "name without a value");
		emit(jw, "null", 4);
	}
	if (l->count && jw->pretty)
		newline_indent(jw, jw->depth - 1);
	emit(jw, l->type == LEVEL_OBJECT ? "}" : "]", 1);
	jw->depth--;
	end_value(jw);
}

static void end_container(json_writer_t *jw, enum level_type type)
{
	if (!jw->depth || jw->levels[jw->depth].type != type) {
		set_misuse(jw, type == LEVEL_OBJECT ? "end of an object that is not open" :
				"end of an array that is not open");
		return;
	}
	if (jw->nmarks && jw->depth <= jw->marks[jw->nmarks - 1].depth) {
		set_misuse(jw, "end of a container opened before the mark");
		return;
	}
	close_container(jw);
}

void jsonw_start_object(json_writer_t *jw)
{
	start_container(jw, LEVEL_OBJECT);
}

void jsonw_end_object(json_writer_t *jw)
{
	end_container(jw, LEVEL_OBJECT);
}

void jsonw_start_array(json_writer_t *jw)
{
	start_container(jw, LEVEL_ARRAY);
}

void jsonw_end_array(json_writer_t *jw)
{
	end_container(jw, LEVEL_ARRAY);
}

void jsonw_name(json_writer_t *jw, const char *name)
{
	struct level *l = &jw->levels[jw->depth];

	if (l->type != LEVEL_OBJECT) {
		set_misuse(jw, "name outside an object");
		return;
	}
	if (l->named) {
		set_misuse(jw, "two names in a row");
		return;
	}
	if (l->count)
		emit(jw, ",", 1);
	if (jw->pretty)
		newline_indent(jw, jw->depth);
	emit_quoted(jw, name, strlen(name));
	if (jw->pretty)
		emit(jw, ": ", 2);
	else
		emit(jw, ":", 1);
	l->named = true;
	l->count++;
}

/* ---- scalars ------------------------------------------------------------- */

static void scalar(json_writer_t *jw, const char *text)
{
	if (!begin_value(jw))
		return;
	emit_str(jw, text);
	end_value(jw);
}

void jsonw_string_len(json_writer_t *jw, const char *s, size_t n)
{
	if (!begin_value(jw))
		return;
	emit_quoted(jw, s, n);
	end_value(jw);
}

void jsonw_string(json_writer_t *jw, const char *s)
{
	jsonw_string_len(jw, s, strlen(s));
}

void jsonw_stringf(json_writer_t *jw, const char *fmt, ...)
{
	char small[256], *s = small;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		set_misuse(jw, "bad format");
		n = 0;
		small[0] = 0;
	} else if ((size_t)n >= sizeof(small)) {
		s = malloc((size_t)n + 1);
		if (!s) {
			/* a truncated string is still a string */
			s = small;
			n = sizeof(small) - 1;
		} else {
			va_start(ap, fmt);
			vsnprintf(s, (size_t)n + 1, fmt, ap);
			va_end(ap);
		}
	}
	jsonw_string_len(jw, s, (size_t)n);
	if (s != small)
		free(s);
}

void jsonw_uint(json_writer_t *jw, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	scalar(jw, num);
}

void jsonw_int(json_writer_t *jw, int64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", (long long)v);
	scalar(jw, num);
}

void jsonw_bool(json_writer_t *jw, bool v)
{
	scalar(jw, v ? "true" : "false");
}

void jsonw_null(json_writer_t *jw)
{
	scalar(jw, "null");
}

void jsonw_string_field(json_writer_t *jw, const char *name, const char *s)
{
	jsonw_name(jw, name);
	jsonw_string(jw, s);
}

void jsonw_uint_field(json_writer_t *jw, const char *name, uint64_t v)
{
	jsonw_name(jw, name);
	jsonw_uint(jw, v);
}

void jsonw_int_field(json_writer_t *jw, const char *name, int64_t v)
{
	jsonw_name(jw, name);
	jsonw_int(jw, v);
}

void jsonw_bool_field(json_writer_t *jw, const char *name, bool v)
{
	jsonw_name(jw, name);
	jsonw_bool(jw, v);
}

void jsonw_null_field(json_writer_t *jw, const char *name)
{
	jsonw_name(jw, name);
	jsonw_null(jw);
}

/* ---- marks --------------------------------------------------------------- */

unsigned int jsonw_depth(const json_writer_t *jw)
{
	return jw->depth;
}

int jsonw_mark(json_writer_t *jw)
{
	struct level *l = &jw->levels[jw->depth];

	if (jw->nmarks == JSONW_MAX_MARKS)
		return -ENOSPC;
	if (l->type == LEVEL_OBJECT && l->named)
		return -EINVAL;
	jw->marks[jw->nmarks++] = (struct mark){
		.pos = jw->flushed + jw->len,
		.depth = jw->depth,
		.level = *l,
	};
	return 0;
}

void jsonw_commit(json_writer_t *jw)
{
	if (!jw->nmarks) {
		set_misuse(jw, "commit without a mark");
		return;
	}
	jw->nmarks--;
	if (!jw->depth)
		flush_unheld(jw, false);
}

int jsonw_rollback(json_writer_t *jw)
{
	struct mark m;

	if (!jw->nmarks) {
		set_misuse(jw, "rollback without a mark");
		return -EINVAL;
	}
	m = jw->marks[--jw->nmarks];
	if (m.lost) {
		/* Cannot take it back: finish it instead. */
		while (jw->depth > m.depth)
			close_container(jw);
		return -EALREADY;
	}
	jw->len = (size_t)(m.pos - jw->flushed);
	jw->depth = m.depth;
	jw->levels[jw->depth] = m.level;
	return 0;
}

size_t jsonw_values_since_mark(const json_writer_t *jw)
{
	const struct mark *m;

	if (!jw->nmarks)
		return jw->levels[0].count;
	m = &jw->marks[jw->nmarks - 1];
	return jw->levels[m->depth].count - m->level.count;
}

void jsonw_set_hold_max(json_writer_t *jw, size_t bytes)
{
	jw->hold_max = bytes;
}

const char *jsonw_misuse(const json_writer_t *jw)
{
	return jw->misuse;
}

/* ---- lifetime ------------------------------------------------------------ */

int jsonw_flush(json_writer_t *jw)
{
	flush_unheld(jw, false);
	if (!jw->io_err && fflush(jw->out))
		jw->io_err = errno ? -errno : -EIO;
	return jw->io_err;
}

int jsonw_destroy(json_writer_t *jw)
{
	int err;

	if (!jw)
		return 0;
	/* Marks cannot outlive the writer: whatever they held is kept. */
	jw->nmarks = 0;
	while (jw->depth)
		close_container(jw);
	err = jsonw_flush(jw);
	free(jw->buf);
	free(jw);
	return err;
}
