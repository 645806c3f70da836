/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Streaming JSON writer for the CLI's -j/-p output.
 *
 * Valid by construction: the writer tracks the nesting itself and places
 * every comma, colon, indentation and closing bracket, so callers cannot
 * produce a trailing comma or an unbalanced bracket. A call that would
 * break the document (a value inside an object without a name, a name in
 * an array, closing the wrong container, a second top-level value, nesting
 * deeper than JSONW_MAX_DEPTH) is ignored and recorded: jsonw_misuse()
 * then says what went wrong, and the output stays valid. A name left
 * without its value when its object is closed gets `null`.
 *
 * Strings are emitted as valid UTF-8: '"' and '\\' are escaped, control
 * characters (U+0000..U+001F) and DEL as \u00XX, valid UTF-8 sequences are
 * copied as they are, and each invalid sequence (maximal subpart, as
 * Unicode and Python's "replace" error handler define it) becomes \ufffd.
 *
 * Compact mode has no whitespace at all. Pretty mode indents by two spaces,
 * puts ": " after names and writes empty containers as {} and [], which is
 * byte for byte what Python's json.dumps(v, indent=2) prints. Either way a
 * newline follows the top-level value.
 *
 * Marks let the CLI discard a command's partial output when it fails, so
 * that it can print {"error": ...} in its place: jsonw_mark() remembers the
 * current point, jsonw_rollback() drops everything written after it,
 * jsonw_commit() keeps it. Output after a mark stays in memory (it is
 * flushed up to the oldest mark only), up to a limit; past the limit it is
 * flushed anyway and a later rollback can only close what is still open.
 * While a mark is active, containers opened before it cannot be closed.
 */
#ifndef ES_JSON_WRITER_H
#define ES_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH		64
#define JSONW_MAX_MARKS		8
/* Default bytes held after the oldest mark before they are flushed anyway. */
#define JSONW_HOLD_MAX		(64u << 20)

typedef struct json_writer json_writer_t;

/* A writer to out (not closed by the writer). NULL when out of memory. */
json_writer_t *jsonw_new(FILE *out, bool pretty);

/*
 * Close every open container (the output is then a complete document if
 * a value was started), flush, free. Returns 0, or -errno of the first
 * write error seen during the writer's life. Accepts NULL.
 */
int jsonw_destroy(json_writer_t *jw);

/* Write out everything not held by a mark; 0 or -errno (sticky). */
int jsonw_flush(json_writer_t *jw);

void jsonw_start_object(json_writer_t *jw);
void jsonw_end_object(json_writer_t *jw);
void jsonw_start_array(json_writer_t *jw);
void jsonw_end_array(json_writer_t *jw);

/* The name of the next member; only inside an object. */
void jsonw_name(json_writer_t *jw, const char *name);

void jsonw_string(json_writer_t *jw, const char *s);
/* n bytes of s, which may contain NUL bytes (written as \u0000). */
void jsonw_string_len(json_writer_t *jw, const char *s, size_t n);
void jsonw_stringf(json_writer_t *jw, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void jsonw_uint(json_writer_t *jw, uint64_t v);
void jsonw_int(json_writer_t *jw, int64_t v);
void jsonw_bool(json_writer_t *jw, bool v);
void jsonw_null(json_writer_t *jw);

/* Object members in one call: jsonw_name() then the value. */
void jsonw_string_field(json_writer_t *jw, const char *name, const char *s);
void jsonw_uint_field(json_writer_t *jw, const char *name, uint64_t v);
void jsonw_int_field(json_writer_t *jw, const char *name, int64_t v);
void jsonw_bool_field(json_writer_t *jw, const char *name, bool v);
void jsonw_null_field(json_writer_t *jw, const char *name);

/* Depth of open containers: 0 at the top level. */
unsigned int jsonw_depth(const json_writer_t *jw);

/*
 * Remember this point. Fails (-ENOSPC) beyond JSONW_MAX_MARKS nested marks,
 * or (-EINVAL) right after a name, where a rollback could not restore a
 * sensible state.
 */
int jsonw_mark(json_writer_t *jw);

/* Keep what was written since the innermost mark, and forget the mark. */
void jsonw_commit(json_writer_t *jw);

/*
 * Drop what was written since the innermost mark and forget the mark.
 * Returns 0, or -EALREADY when part of it was already flushed (held output
 * exceeded the limit): then the containers opened since the mark are
 * closed instead, so the document stays valid but keeps the partial value.
 */
int jsonw_rollback(json_writer_t *jw);

/* Values written at the innermost mark's level since the mark (or at the
 * top level when there is no mark). */
size_t jsonw_values_since_mark(const json_writer_t *jw);

/* Bytes held after the oldest mark before they are flushed anyway. */
void jsonw_set_hold_max(json_writer_t *jw, size_t bytes);

/* The first misuse, e.g. "value without a name in an object", or NULL. */
const char *jsonw_misuse(const json_writer_t *jw);

#endif /* ES_JSON_WRITER_H */
