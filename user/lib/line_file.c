// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Text files line by line: see line_file.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "line_file.h"
#include "parse.h"

/* Read chunk; more than the longest line, so a whole line always fits. */
#define LINE_BUF_SIZE	(ES_LINE_FILE_MAX + 192 * 1024)
#define MSG_LEN		1024

/*
 * The bytes of the file, inflated when it starts with the gzip magic.
 *
 * inflate() directly rather than gzread(): gzread() quietly ends at data
 * after a gzip member that is not another member (`echo LINE >> x.gz`
 * would lose LINE without a word), and it reports truncation only through
 * gzerror(). Here every way a stream can end is decided explicitly.
 */
struct source {
	int fd;
	bool gzip;		/* the file starts with 1f 8b */
	bool eof;		/* read() returned 0 */
	bool member_end;	/* inflate finished a member; more may follow */
	bool zinit;
	z_stream zs;
	unsigned char *in;	/* compressed input, or plain bytes peeked */
	size_t in_len;		/* plain: peeked bytes not yet handed out */
};

struct line_reader {
	const char *path;
	struct source src;
	__u32 lineno;		/* lines consumed so far */
	size_t max_line;
	es_line_fn fn;
	void *ctx;
	char *err;
	size_t errlen;
};

#define IN_BUF_SIZE	(128 * 1024)

/* read() all of cap unless the file ends: 0, or -errno. */
static int source_fill(struct line_reader *r, unsigned char *buf, size_t cap,
		       size_t *got)
{
	ssize_t n;

	*got = 0;
	while (*got < cap && !r->src.eof) {
		n = read(r->src.fd, buf + *got, cap - *got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			es_set_err(r->err, r->errlen, "%s: read failed: %s",
				r->path, strerror(errno));
			return -errno;
		}
		if (!n)
			r->src.eof = true;
		*got += n;
		/* a pipe hands out what it has; enough to go on with */
		if (n && *got >= 2)
			break;
	}
	return 0;
}

static int gzip_error(struct line_reader *r, const char *what)
{
	es_set_err(r->err, r->errlen, "%s: %s gzip data", r->path, what);
	return -EIO;
}

/*
 * Up to cap bytes of inflated data: > 0, 0 at the clean end of the last
 * member, or -errno with the message set.
 */
static long source_read_gzip(struct line_reader *r, char *out, size_t cap)
{
	struct source *s = &r->src;
	z_stream *zs = &s->zs;
	size_t got, produced;
	int ret;

	for (;;) {
		if (!zs->avail_in && !s->eof) {
			ret = source_fill(r, s->in, IN_BUF_SIZE, &got);
			if (ret)
				return ret;
			zs->next_in = s->in;
			zs->avail_in = got;
		}
		if (s->member_end) {
			/* the end, or the magic of one more member */
			if (!zs->avail_in)
				return 0;
			if (zs->avail_in == 1 && !s->eof) {
				s->in[0] = zs->next_in[0];
				ret = source_fill(r, s->in + 1, IN_BUF_SIZE - 1,
						  &got);
				if (ret)
					return ret;
				zs->next_in = s->in;
				zs->avail_in = 1 + got;
				continue;
			}
			if (zs->avail_in < 2 || zs->next_in[0] != 0x1f ||
			    zs->next_in[1] != 0x8b) {
				es_set_err(r->err, r->errlen,
					"%s: unexpected data after the end of the gzip stream",
					r->path);
				return -EIO;
			}
			if (inflateReset(zs) != Z_OK)
				return gzip_error(r, "corrupt");
			s->member_end = false;
		}
		zs->next_out = (unsigned char *)out;
		zs->avail_out = cap;
		ret = inflate(zs, Z_NO_FLUSH);
		produced = cap - zs->avail_out;
		switch (ret) {
		case Z_STREAM_END:
			s->member_end = true;
			break;
		case Z_OK:
			break;
		case Z_BUF_ERROR:	/* no progress: input ran out */
			if (!s->eof)
				break;
			if (produced)
				return produced;
			return gzip_error(r, "truncated");
		case Z_MEM_ERROR:
			es_set_err(r->err, r->errlen, "%s: out of memory",
				r->path);
			return -ENOMEM;
		default:	/* Z_DATA_ERROR, Z_NEED_DICT */
			es_set_err(r->err, r->errlen, "%s: corrupt gzip data: %s",
				r->path, zs->msg ? zs->msg : "invalid stream");
			return -EIO;
		}
		if (produced)
			return produced;
		if (!zs->avail_in && s->eof && !s->member_end)
			return gzip_error(r, "truncated");
	}
}

static long source_read(struct line_reader *r, char *out, size_t cap)
{
	struct source *s = &r->src;
	size_t n;
	int ret;

	if (s->gzip)
		return source_read_gzip(r, out, cap);
	if (s->in_len) {
		/* what we peeked at to look for the magic */
		n = s->in_len < cap ? s->in_len : cap;
		memcpy(out, s->in, n);
		memmove(s->in, s->in + n, s->in_len - n);
		s->in_len -= n;
		return n;
	}
	ret = source_fill(r, (unsigned char *)out, cap, &n);
	return ret ? ret : (long)n;
}

/* Peek at the first bytes (without seeking: pipes work too). */
static int source_open(struct line_reader *r)
{
	struct source *s = &r->src;
	size_t got;
	int ret;

	s->in = malloc(IN_BUF_SIZE);
	if (!s->in) {
		es_set_err(r->err, r->errlen, "%s: out of memory", r->path);
		return -ENOMEM;
	}
	ret = source_fill(r, s->in, IN_BUF_SIZE, &got);
	if (ret)
		return ret;
	s->gzip = got >= 2 && s->in[0] == 0x1f && s->in[1] == 0x8b;
	if (!s->gzip) {
		s->in_len = got;
		return 0;
	}
	s->zs.next_in = s->in;
	s->zs.avail_in = got;
	/* 16 + MAX_WBITS: gzip wrapper only, with its CRC and length check */
	if (inflateInit2(&s->zs, 16 + MAX_WBITS) != Z_OK) {
		es_set_err(r->err, r->errlen, "%s: out of memory", r->path);
		return -ENOMEM;
	}
	s->zinit = true;
	return 0;
}

static void source_close(struct source *s)
{
	if (s->zinit)
		inflateEnd(&s->zs);
	free(s->in);
	if (s->fd >= 0)
		close(s->fd);
}

/*
 * A bad line in a gzip file may be garbage that a corrupt stream inflated
 * to (the CRC is only checked at the end): read on, and report the stream
 * instead if it is broken.
 */
static int drain_source(struct line_reader *r, char *buf, int line_ret)
{
	char *line_err = NULL;
	long n;

	if (!r->src.gzip)
		return line_ret;
	/* keep the line's message unless the stream proves broken */
	if (r->err && r->errlen)
		line_err = strdup(r->err);
	do
		n = source_read(r, buf, LINE_BUF_SIZE);
	while (n > 0);
	if (n < 0) {
		free(line_err);
		return n;
	}
	if (line_err)
		es_set_err(r->err, r->errlen, "%s", line_err);
	free(line_err);
	return line_ret;
}

/* One line: the reader's own checks, then the caller's. */
static int line_one(struct line_reader *r, char *line, size_t len)
{
	char msg[MSG_LEN];
	int ret;

	r->lineno++;
	/* editors on some systems start UTF-8 files with a byte order mark */
	if (r->lineno == 1 && len >= 3 && !memcmp(line, "\xef\xbb\xbf", 3)) {
		line += 3;
		len -= 3;
	}
	if (len > r->max_line + 1) {	/* + 1: a CR of CRLF */
		es_set_err(r->err, r->errlen, "%s:%u: line longer than %zu bytes", r->path,
			r->lineno, r->max_line);
		return -EINVAL;
	}
	if (memchr(line, '\0', len)) {
		es_set_err(r->err, r->errlen, "%s:%u: NUL byte in line%s", r->path, r->lineno,
			r->src.gzip ? "" : " (a binary file?)");
		return -EINVAL;
	}
	msg[0] = '\0';
	ret = r->fn(r->ctx, line, len, r->lineno, msg, sizeof(msg));
	if (ret == -ENOMEM)
		es_set_err(r->err, r->errlen, "%s: out of memory", r->path);
	else if (ret)
		es_set_err(r->err, r->errlen, "%s:%u: %s", r->path, r->lineno, msg);
	return ret;
}

static int read_lines(struct line_reader *r, char *buf)
{
	size_t have = 0, rest;
	char *start, *end, *nl;
	long n;
	int ret;

	for (;;) {
		n = source_read(r, buf + have, LINE_BUF_SIZE - have);
		if (n < 0)
			return n;
		if (!n)
			break;
		have += n;
		start = buf;
		end = buf + have;
		while ((nl = memchr(start, '\n', end - start))) {
			*nl = '\0';
			ret = line_one(r, start, nl - start);
			if (ret)
				return drain_source(r, buf, ret);
			start = nl + 1;
		}
		rest = end - start;
		if (rest > r->max_line + 1) {
			es_set_err(r->err, r->errlen, "%s:%u: line longer than %zu bytes", r->path,
				r->lineno + 1, r->max_line);
			return drain_source(r, buf, -EINVAL);
		}
		memmove(buf, start, rest);
		have = rest;
	}
	if (have) {
		/* last line without a newline */
		buf[have] = '\0';
		ret = line_one(r, buf, have);
		if (ret)
			return ret;
	}
	return 0;
}

int es_line_file_read(const char *path, size_t max_line, es_line_fn fn, void *ctx, char *err,
		      size_t errlen)
{
	struct line_reader r = {
		.path = path, .max_line = max_line, .fn = fn, .ctx = ctx,
		.err = err, .errlen = errlen,
	};
	char *buf = NULL;
	int ret;

	if (max_line > ES_LINE_FILE_MAX)
		return -EINVAL;
	r.src.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r.src.fd < 0) {
		ret = -errno;
		es_set_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return ret;
	}
	ret = source_open(&r);
	if (ret)
		goto out;
	buf = malloc(LINE_BUF_SIZE + 1);	/* + 1: NUL after a last line */
	if (!buf) {
		es_set_err(err, errlen, "%s: out of memory", path);
		ret = -ENOMEM;
		goto out;
	}
	ret = read_lines(&r, buf);
out:
	free(buf);
	source_close(&r.src);
	return ret;
}
