/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Text files read line by line: prefix tables, latency measurements.
 *
 * A file may be plain or gzip-compressed (detected by its magic bytes, not
 * its name; several gzip members are one stream), a regular file or a
 * pipe. It is streamed through one buffer. A UTF-8 byte order mark on line
 * 1 is dropped; a line may end in CRLF (the CR is left for the line parser,
 * which treats it as blank). The reader refuses, naming "PATH:LINE":
 * a line longer than the caller's limit and a NUL byte; and "PATH": corrupt
 * or truncated gzip data, or anything after the last gzip member.
 */
#ifndef ES_USER_LINE_FILE_H
#define ES_USER_LINE_FILE_H

#include <stddef.h>
#include <linux/types.h>

/* Longest line limit a caller may ask for. */
#define ES_LINE_FILE_MAX	(64 * 1024)

/*
 * Called for every line: line is NUL-terminated, without its newline.
 * Returns 0 to go on, or -errno with a message in msg (msglen bytes),
 * which the reader prefixes with "PATH:LINE: " (-ENOMEM: "PATH: out of
 * memory", whatever msg says).
 */
typedef int (*es_line_fn)(void *ctx, char *line, size_t len, __u32 lineno, char *msg,
			  size_t msglen);

/*
 * Read path, handing each line to fn; stops at the first error. A bad line
 * in a gzip file may be garbage that a corrupt stream inflated to (the CRC
 * is only checked at the end), so the rest of the stream is read and a
 * broken stream reported instead (-EIO). Returns 0, or -errno with the
 * message in err: -EINVAL (a line), -EIO (gzip), open/read errors, -ENOMEM.
 */
int es_line_file_read(const char *path, size_t max_line, es_line_fn fn, void *ctx, char *err,
		      size_t errlen);

#endif /* ES_USER_LINE_FILE_H */
