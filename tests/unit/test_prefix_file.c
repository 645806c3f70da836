// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Prefix table files: good and bad files (plain and gzip), the exact
 * "file:line: message" of each kind of error, broken gzip streams,
 * canonical and atomic writing, and a million-line file.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "parse.h"
#include "prefix_file.h"
#include "test.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define TMP_TEMPLATE "/tmp/es-prefix-test-XXXXXX"

static bool write_plain(char path[], const void *data, size_t len)
{
	int fd = mkstemp(path);
	bool ok;

	if (!ASSERT_TRUE(fd >= 0, "mkstemp"))
		return false;
	ok = write(fd, data, len) == (ssize_t)len;
	close(fd);
	return ASSERT_TRUE(ok, "write");
}

/* Compressed with zlib's own gzip writer, as the brief's tools would. */
static bool write_gz(char path[], const void *data, size_t len)
{
	gzFile gz;
	int fd = mkstemp(path);

	if (!ASSERT_TRUE(fd >= 0, "mkstemp"))
		return false;
	close(fd);
	gz = gzopen(path, "wb");
	if (!ASSERT_TRUE(gz != NULL, "gzopen"))
		return false;
	if (len && !ASSERT_EQ(gzwrite(gz, data, len), len, "gzwrite")) {
		gzclose(gz);
		return false;
	}
	return ASSERT_EQ(gzclose(gz), Z_OK, "gzclose");
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 &&
	    !fseek(f, 0, SEEK_SET) && (buf = malloc(n + 1))) {
		if (fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			*len = n;
		}
	}
	fclose(f);
	return buf;
}

static bool list_is_empty(const struct es_prefix_list *l, const char *what)
{
	return ASSERT_EQ(l->n, 0, what) && ASSERT_TRUE(!l->v, what) &&
	       ASSERT_EQ(l->nnames, 0, what) && ASSERT_TRUE(!l->names, what);
}

/* Same entries (line numbers included) and the same name table. */
static bool lists_equal(const struct es_prefix_list *a,
			const struct es_prefix_list *b, const char *what)
{
	if (!ASSERT_EQ(a->n, b->n, what) ||
	    !ASSERT_EQ(a->nnames, b->nnames, what))
		return false;
	return ASSERT_MEM_EQ(a->v, b->v, a->n * sizeof(*a->v), what) &&
	       ASSERT_MEM_EQ(a->names, b->names,
			     a->nnames * sizeof(*a->names), what);
}

static const char *entry_cidr(const struct es_prefix_entry *e, char *buf)
{
	es_format_cidr(e->family, &e->addr, e->len, buf, ES_CIDR_STRLEN);
	return buf;
}

/* The entry, as "CIDR TARGET", for compact expectations. */
static const char *entry_text(const struct es_prefix_list *l,
			      const struct es_prefix_entry *e, char *buf,
			      size_t len)
{
	char cidr[ES_CIDR_STRLEN];
	int i, n;

	n = snprintf(buf, len, "%s ", entry_cidr(e, cidr));
	if (e->action == ES_ACTION_LOCAL)
		snprintf(buf + n, len - n, "local");
	else if (e->action == ES_ACTION_DROP)
		snprintf(buf + n, len - n, "drop");
	else
		for (i = 0; i < e->npops; i++)
			n += snprintf(buf + n, len - n, "%s%s", i ? "," : "",
				      l->names[e->pop_name_idx[i]]);
	return buf;
}

static const char good_file[] =
	"\xef\xbb\xbf# edgesteer prefixes\r\n"
	"\r\n"
	"10.0.0.0/8 fra,ams\r\n"
	"   192.0.2.0/24\tlocal   # trailing comment\r\n"
	"\t# indented comment\n"
	"2001:db8::/32 ams,fra,lhr,cdg\n"
	"198.51.100.7 drop\n"
	"10.0.0.0/16 fra#comment right after\n"
	"2001:db8::1\t\t lhr \t\n"
	"\n"
	"203.0.113.0/24 fra";	/* no newline at the end */

static const struct {
	const char *text;
	__u32 line;
} good_entries[] = {
	{ "10.0.0.0/8 fra,ams", 3 },
	{ "192.0.2.0/24 local", 4 },
	{ "2001:db8::/32 ams,fra,lhr,cdg", 6 },
	{ "198.51.100.7/32 drop", 7 },
	{ "10.0.0.0/16 fra", 8 },
	{ "2001:db8::1/128 lhr", 9 },
	{ "203.0.113.0/24 fra", 11 },
};

static void check_good_list(const struct es_prefix_list *l)
{
	static const char *const names[] = { "fra", "ams", "lhr", "cdg" };
	char text[128];
	size_t i;

	if (!ASSERT_EQ(l->n, ARRAY_SIZE(good_entries), "entries"))
		return;
	for (i = 0; i < l->n; i++) {
		entry_text(l, &l->v[i], text, sizeof(text));
		ASSERT_TRUE(!strcmp(text, good_entries[i].text), text);
		ASSERT_EQ(l->v[i].line, good_entries[i].line, text);
	}
	/* interned once each, in order of first use */
	if (!ASSERT_EQ(l->nnames, ARRAY_SIZE(names), "names"))
		return;
	for (i = 0; i < l->nnames; i++) {
		ASSERT_TRUE(!strcmp(l->names[i], names[i]), names[i]);
		ASSERT_EQ(es_prefix_list_name_idx(l, names[i]), i, names[i]);
	}
	ASSERT_EQ(es_prefix_list_name_idx(l, "nyc"), -ENOENT, "unknown name");
	ASSERT_EQ(l->v[0].family, ES_AF_INET, "family v4");
	ASSERT_EQ(l->v[2].family, ES_AF_INET6, "family v6");
	ASSERT_EQ(l->v[1].action, ES_ACTION_LOCAL, "local");
	ASSERT_EQ(l->v[1].npops, 0, "local npops");
	ASSERT_EQ(l->v[3].action, ES_ACTION_DROP, "drop");
	ASSERT_EQ(l->v[0].action, ES_ACTION_POPS, "pops");
	ASSERT_EQ(l->v[0].npops, 2, "npops");
}

static void test_read_good_file(void)
{
	char path[] = TMP_TEMPLATE, gzpath[] = TMP_TEMPLATE, err[512];
	struct es_prefix_list l, lgz;
	int ret;

	if (!write_plain(path, good_file, sizeof(good_file) - 1))
		return;
	ret = es_prefix_file_read(path, &l, err, sizeof(err));
	if (ASSERT_OK(ret, "read plain"))
		check_good_list(&l);
	else
		fprintf(stdout, "  %s\n", err);

	/* the gzip file reads identically, line numbers included */
	if (write_gz(gzpath, good_file, sizeof(good_file) - 1)) {
		ret = es_prefix_file_read(gzpath, &lgz, err, sizeof(err));
		if (ASSERT_OK(ret, "read gzip"))
			lists_equal(&l, &lgz, "gzip == plain");
		else
			fprintf(stdout, "  %s\n", err);
		es_prefix_list_free(&lgz);
		unlink(gzpath);
	}
	es_prefix_list_free(&l);
	unlink(path);
}

static const struct {
	const char *content;
	size_t len;		/* 0: strlen(content) */
	__u32 line;
	const char *msg;
} bad_files[] = {
	{ "# header\n10.0.0.0/8 fra\n\n10.0.0.1/8 fra\n", 0, 4,
	  "invalid CIDR '10.0.0.1/8': host bits set (network is 10.0.0.0/8)" },
	{ "10.0.0.0/8 fra\n1.2.3/24 fra\n", 0, 2,
	  "invalid CIDR '1.2.3/24': '1.2.3' is not an IPv4 or IPv6 address" },
	{ "10.0.0.0/8 fra\n10.0.0.0/33 fra\n", 0, 2,
	  "prefix length 33 out of range 0..32 in '10.0.0.0/33'" },
	{ "10.0.0.0/8 fra\n11.0.0.0/8 forward!\n", 0, 2,
	  "invalid POP name 'forward!': character '!' not allowed" },
	{ "10.0.0.0/8 1fra\n", 0, 1,
	  "must start with a letter (expected NAME[,NAME...], local or drop)" },
	{ "10.0.0.0/8 abcdefghijklmnopq\n", 0, 1, "longer than 15 characters" },
	{ "10.0.0.0/8 fra\r\n11.0.0.0/8 a,b,c,d,e\r\n", 0, 2,
	  "invalid POP list 'a,b,c,d,e': more than 4 POPs" },
	{ "\n\n\n10.0.0.0/8 fra,ams,fra\n", 0, 4,
	  "invalid POP list 'fra,ams,fra': 'fra' listed twice" },
	{ "10.0.0.0/8 fra,,ams\n", 0, 1, "invalid POP list 'fra,,ams': empty name" },
	{ "10.0.0.0/8 fra,\n", 0, 1, "empty name" },
	{ "10.0.0.0/8 LOCAL\n", 0, 1,
	  "invalid target 'LOCAL': actions are lowercase 'local' and 'drop'" },
	{ "10.0.0.0/8 fra,drop\n", 0, 1,
	  "invalid POP list 'fra,drop': 'drop' is an action, not a POP name" },
	{ "10.0.0.0/8 fra,a!b\n", 0, 1,
	  "character '!' not allowed (only A-Z a-z 0-9 _ . -) in POP list 'fra,a!b'" },
	{ "10.0.0.0/8\n", 0, 1, "missing target after '10.0.0.0/8'" },
	{ "10.0.0.0/8 # local\n", 0, 1, "missing target after '10.0.0.0/8'" },
	{ "10.0.0.0/8 fra, ams\n", 0, 1,
	  "unexpected 'ams' after 'fra,' (no spaces around commas" },
	{ "10.0.0.0/8 fra ams\n", 0, 1, "unexpected 'ams' after 'fra'" },
	{ "10.0.0.0/8 fra\r\r\n", 0, 1, "character '\\x0d' not allowed" },
	{ "10.0.0.0/8 fra\n10.0.0.0/8x fra", 0, 2,
	  "trailing characters 'x' after prefix length" },
	{ "10.0.0.0/8 fra\n10.0\0.0.0/8 ams\n", 30, 2, "NUL byte in line" },
	/* duplicates: adjacent in a sorted file, far apart in an unsorted one */
	{ "10.0.0.0/8 fra\n10.0.0.0/8 ams\n", 0, 2,
	  "duplicate prefix 10.0.0.0/8 (first on line 1)" },
	{ "10.0.0.0/8 fra\n# c\n12.0.0.0/8 x\n11.0.0.0/8 y\n10.0.0.0/8 local\n",
	  0, 5, "duplicate prefix 10.0.0.0/8 (first on line 1)" },
	{ "2001:db8::/32 fra\n10.0.0.0/8 x\n2001:0db8:0::/32 drop\n", 0, 3,
	  "duplicate prefix 2001:db8::/32 (first on line 1)" },
	{ "1.2.3.4 fra\n1.2.3.4/32 ams\n", 0, 2,
	  "duplicate prefix 1.2.3.4/32 (first on line 1)" },
};

/* "PATH:LINE: " then msg, for the plain and the gzip form of content. */
static void check_bad(const char *content, size_t len, __u32 line,
		      const char *msg, bool gz)
{
	char path[] = TMP_TEMPLATE, want[128], err[1024];
	struct es_prefix_list l;
	int ret;

	if (!(gz ? write_gz : write_plain)(path, content, len))
		return;
	memset(&l, 0x5a, sizeof(l));	/* must be overwritten, never read */
	err[0] = '\0';
	ret = es_prefix_file_read(path, &l, err, sizeof(err));
	ASSERT_EQ(ret, -EINVAL, msg);
	snprintf(want, sizeof(want), "%s:%u: ", path, line);
	if (!ASSERT_TRUE(!strncmp(err, want, strlen(want)), want) ||
	    !ASSERT_TRUE(strstr(err, msg) != NULL, msg))
		fprintf(stdout, "  %s: got '%s'\n", gz ? "gzip" : "plain", err);
	list_is_empty(&l, "empty after error");
	unlink(path);
}

static void test_read_bad_lines(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_files); i++) {
		size_t len = bad_files[i].len ? bad_files[i].len :
						strlen(bad_files[i].content);

		check_bad(bad_files[i].content, len, bad_files[i].line,
			  bad_files[i].msg, false);
		check_bad(bad_files[i].content, len, bad_files[i].line,
			  bad_files[i].msg, true);
	}
}

static void test_read_long_lines(void)
{
	size_t n = 300 * 1024;	/* longer than the reader's buffer too */
	char *buf = malloc(n + 64);
	int len;

	if (!ASSERT_TRUE(buf != NULL, "malloc"))
		return;
	/* a comment of 5000 bytes on line 2 */
	len = sprintf(buf, "10.0.0.0/8 fra\n11.0.0.0/8 ams # ");
	memset(buf + len, 'x', 5000);
	strcpy(buf + len + 5000, "\n12.0.0.0/8 lhr\n");
	check_bad(buf, strlen(buf), 2, "line longer than 4096 bytes", false);
	check_bad(buf, strlen(buf), 2, "line longer than 4096 bytes", true);

	/* a line that never ends */
	len = sprintf(buf, "10.0.0.0/8 fra\n\n# ");
	memset(buf + len, 'y', n);
	check_bad(buf, len + n, 3, "line longer than 4096 bytes", false);

	/* exactly the limit is fine, CRLF or not */
	len = sprintf(buf, "10.0.0.0/8 fra #");
	memset(buf + len, 'z', ES_PREFIX_LINE_MAX - len);
	strcpy(buf + ES_PREFIX_LINE_MAX, "\r\n11.0.0.0/8 ams\n");
	{
		char path[] = TMP_TEMPLATE, err[256];
		struct es_prefix_list l;

		if (write_plain(path, buf, strlen(buf))) {
			ASSERT_OK(es_prefix_file_read(path, &l, err, sizeof(err)),
				  "limit");
			ASSERT_EQ(l.n, 2, "limit entries");
			es_prefix_list_free(&l);
			unlink(path);
		}
	}
	free(buf);
}

/* Varied text that compresses to many blocks, so a cut lands mid-stream. */
static char *make_table(int lines, size_t *len)
{
	char *buf = malloc(lines * 48 + 1), *p = buf;
	__u32 x = 12345;
	int i;

	if (!buf)
		return NULL;
	for (i = 0; i < lines; i++) {
		x = x * 1103515245 + 12345;
		p += sprintf(p, "%u.%u.%u.0/24 p%u,q%u\n", 1 + (i >> 16),
			     (i >> 8) & 255, i & 255, (x >> 8) % 97,
			     (x >> 16) % 89);
	}
	*len = p - buf;
	return buf;
}

static void expect_gzip_error(const char *path, const char *msg,
			      const char *what)
{
	struct es_prefix_list l;
	char err[512] = "";
	int ret;

	ret = es_prefix_file_read(path, &l, err, sizeof(err));
	ASSERT_EQ(ret, -EIO, what);
	if (!ASSERT_TRUE(strstr(err, msg) != NULL, what))
		fprintf(stdout, "  got '%s', want '%s'\n", err, msg);
	ASSERT_TRUE(!strncmp(err, path, strlen(path)), "names the file");
	list_is_empty(&l, what);
}

static void test_gzip_broken(void)
{
	char path[] = TMP_TEMPLATE, err[512];
	struct es_prefix_list l;
	size_t len, gzlen;
	char *table, *gz;
	int fd;

	table = make_table(20000, &len);
	if (!ASSERT_TRUE(table != NULL, "table"))
		return;
	if (!write_gz(path, table, len))
		goto out;
	gz = slurp(path, &gzlen);
	if (!ASSERT_TRUE(gz != NULL, "slurp"))
		goto out_unlink;
	ASSERT_OK(es_prefix_file_read(path, &l, err, sizeof(err)), "whole");
	ASSERT_EQ(l.n, 20000, "whole entries");
	es_prefix_list_free(&l);

	/* a wrong CRC: the data inflates fine, the check at the end fails */
	gz[gzlen - 8] ^= 0x01;
	fd = open(path, O_WRONLY | O_TRUNC);
	ASSERT_EQ(write(fd, gz, gzlen), gzlen, "rewrite");
	close(fd);
	expect_gzip_error(path,
			  ": corrupt gzip data: incorrect data check",
			  "bad crc");
	gz[gzlen - 8] ^= 0x01;

	/* a corrupt block in the middle may inflate to garbage first */
	gz[gzlen / 2] ^= 0xff;
	gz[gzlen / 2 + 1] ^= 0xff;
	fd = open(path, O_WRONLY | O_TRUNC);
	ASSERT_EQ(write(fd, gz, gzlen), gzlen, "rewrite");
	close(fd);
	expect_gzip_error(path, " gzip data", "corrupt middle");

	/* truncated: at half, just before the trailer, inside the header */
	ASSERT_OK(truncate(path, gzlen / 2), "truncate");
	expect_gzip_error(path, ": truncated gzip data", "half");
	fd = open(path, O_WRONLY | O_TRUNC);
	gz[gzlen / 2] ^= 0xff;
	gz[gzlen / 2 + 1] ^= 0xff;
	ASSERT_EQ(write(fd, gz, gzlen - 4), gzlen - 4, "rewrite");
	close(fd);
	expect_gzip_error(path, ": truncated gzip data", "no length");
	ASSERT_OK(truncate(path, 6), "truncate");
	expect_gzip_error(path, ": truncated gzip data", "header cut");
	ASSERT_OK(truncate(path, 2), "truncate");
	expect_gzip_error(path, ": truncated gzip data", "magic only");
	free(gz);
out_unlink:
	unlink(path);
out:
	free(table);
}

static void test_gzip_garbage(void)
{
	static const char garbage[] = "\x1f\x8b" "this is no deflate stream\n";
	static const char bad_method[] = "\x1f\x8b\x07\x00\x00\x00\x00\x00"
					 "\x00\x03garbage garbage garbage";
	char path[] = TMP_TEMPLATE, path2[] = TMP_TEMPLATE;

	char path3[] = TMP_TEMPLATE, cmd[256];

	if (write_plain(path, garbage, sizeof(garbage) - 1)) {
		expect_gzip_error(path, ": corrupt gzip data: ",
				  "garbage");
		unlink(path);
	}
	if (write_plain(path2, bad_method, sizeof(bad_method) - 1)) {
		expect_gzip_error(path2, "unknown compression method",
				  "bad method");
		unlink(path2);
	}
	/* `echo LINE >> x.gz` must not be a silently shorter table */
	if (write_gz(path3, "10.0.0.0/8 fra\n", 15)) {
		snprintf(cmd, sizeof(cmd), "echo '11.0.0.0/8 drop' >> %s", path3);
		ASSERT_OK(system(cmd), cmd);
		expect_gzip_error(path3,
				  ": unexpected data after the end of the gzip stream",
				  "appended text");
		unlink(path3);
	}
}

/* `cat a.gz b.gz` is a valid gzip file holding both. */
static void test_gzip_members(void)
{
	char a[] = TMP_TEMPLATE, b[] = TMP_TEMPLATE, c[] = TMP_TEMPLATE;
	char cmd[256], err[256];
	struct es_prefix_list l;

	if (!write_gz(a, "10.0.0.0/8 fra\n", 15) ||
	    !write_gz(b, "# b\n11.0.0.0/8 ams\n", 19) ||
	    !write_plain(c, "", 0))
		goto out;
	snprintf(cmd, sizeof(cmd), "cat %s %s > %s", a, b, c);
	if (!ASSERT_OK(system(cmd), cmd))
		goto out;
	if (ASSERT_OK(es_prefix_file_read(c, &l, err, sizeof(err)), err)) {
		ASSERT_EQ(l.n, 2, "entries");
		ASSERT_EQ(l.n == 2 ? l.v[1].line : 0, 3, "line counts on");
	}
	es_prefix_list_free(&l);
out:
	unlink(a);
	unlink(b);
	unlink(c);
}

/*
 * Pipes cannot be peeked at with pread() or rewound: the gzip magic is
 * found in what was read. The writer dribbles the first bytes to make the
 * reader wait for the second magic byte.
 */
static void pipe_feed(const char *fifo, const char *data, size_t len)
{
	int fd = open(fifo, O_WRONLY);
	size_t i;

	if (fd < 0)
		_exit(1);
	for (i = 0; i < 3 && i < len; i++) {
		if (write(fd, data + i, 1) != 1)
			_exit(1);
		usleep(20000);
	}
	if (len > i && write(fd, data + i, len - i) != (ssize_t)(len - i))
		_exit(1);
	_exit(0);
}

static void test_read_pipe(void)
{
	char dir[] = "/tmp/es-prefix-dir-XXXXXX", fifo[128], err[512];
	char plain[] = TMP_TEMPLATE, gzpath[] = TMP_TEMPLATE;
	struct es_prefix_list want = {}, got = {};
	char *gzdata = NULL;
	size_t gzlen = 0;
	int pass, status;
	pid_t pid;

	if (!ASSERT_TRUE(mkdtemp(dir) != NULL, "mkdtemp") ||
	    !write_plain(plain, good_file, sizeof(good_file) - 1) ||
	    !write_gz(gzpath, good_file, sizeof(good_file) - 1))
		goto out;
	gzdata = slurp(gzpath, &gzlen);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	if (!ASSERT_TRUE(gzdata != NULL, "slurp") ||
	    !ASSERT_OK(mkfifo(fifo, 0600), "mkfifo") ||
	    !ASSERT_OK(es_prefix_file_read(plain, &want, err, sizeof(err)), err))
		goto out;
	for (pass = 0; pass < 2; pass++) {
		fflush(stdout);
		pid = fork();
		if (pid == 0)
			pipe_feed(fifo, pass ? gzdata : good_file,
				  pass ? gzlen : sizeof(good_file) - 1);
		if (!ASSERT_TRUE(pid > 0, "fork"))
			break;
		if (ASSERT_OK(es_prefix_file_read(fifo, &got, err, sizeof(err)),
			      err))
			lists_equal(&want, &got, pass ? "gzip pipe" : "plain pipe");
		es_prefix_list_free(&got);
		ASSERT_EQ(waitpid(pid, &status, 0), pid, "waitpid");
		ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status), "writer");
	}
out:
	es_prefix_list_free(&want);
	free(gzdata);
	unlink(fifo);
	unlink(plain);
	unlink(gzpath);
	rmdir(dir);
}

static void test_read_empty_and_missing(void)
{
	static const char *const contents[] = { "", "\n\n", "# nothing\r\n",
						" \t \n#\n" };
	char err[512];
	struct es_prefix_list l;
	size_t i;
	int gz;

	for (i = 0; i < ARRAY_SIZE(contents); i++) {
		for (gz = 0; gz < 2; gz++) {
			char path[] = TMP_TEMPLATE;

			if (!(gz ? write_gz : write_plain)(path, contents[i],
							   strlen(contents[i])))
				continue;
			ASSERT_OK(es_prefix_file_read(path, &l, err,
						      sizeof(err)), contents[i]);
			list_is_empty(&l, contents[i]);
			es_prefix_list_free(&l);
			unlink(path);
		}
	}

	ASSERT_EQ(es_prefix_file_read("/nonexistent/prefixes", &l, err,
				      sizeof(err)), -ENOENT, "missing");
	ASSERT_TRUE(strstr(err, "/nonexistent/prefixes: cannot open: ") == err,
		    err);
	list_is_empty(&l, "missing");
	ASSERT_EQ(es_prefix_file_read("/tmp", &l, err, sizeof(err)), -EISDIR,
		  "directory");
	ASSERT_TRUE(strstr(err, "/tmp: read failed: ") == err, err);
	list_is_empty(&l, "directory");
	/* a free list can be freed again */
	es_prefix_list_free(&l);
	es_prefix_list_free(NULL);
}

static void test_line_api(void)
{
	struct es_prefix_line spec;
	char err[256];

	ASSERT_OK(es_prefix_line_parse("", &spec, err, sizeof(err)), "empty");
	ASSERT_EQ(spec.action, ES_ACTION_NONE, "empty");
	ASSERT_OK(es_prefix_line_parse("  # x y z", &spec, err, sizeof(err)),
		  "comment");
	ASSERT_EQ(spec.action, ES_ACTION_NONE, "comment");
	ASSERT_OK(es_prefix_line_parse("\r", &spec, err, sizeof(err)), "CR");
	ASSERT_EQ(spec.action, ES_ACTION_NONE, "CR");

	ASSERT_OK(es_prefix_line_parse("2001:db8::/32 fra,ams\r", &spec, err,
				       sizeof(err)), "pops");
	ASSERT_EQ(spec.action, ES_ACTION_POPS, "pops");
	ASSERT_EQ(spec.npops, 2, "npops");
	ASSERT_EQ(spec.family, ES_AF_INET6, "family");
	ASSERT_EQ(spec.len, 32, "len");
	ASSERT_TRUE(!strcmp(spec.pops[1], "ams"), "pops[1]");

	ASSERT_OK(es_prefix_target_parse("drop", &spec, err, sizeof(err)),
		  "drop");
	ASSERT_EQ(spec.action, ES_ACTION_DROP, "drop");
	ASSERT_EQ(spec.npops, 0, "drop npops");
	ASSERT_OK(es_prefix_target_parse("a,b,c,d", &spec, err, sizeof(err)),
		  "four");
	ASSERT_EQ(spec.npops, 4, "four");
	ASSERT_EQ(es_prefix_target_parse("", &spec, err, sizeof(err)), -EINVAL,
		  "empty target");
	ASSERT_TRUE(strstr(err, "missing target") != NULL, err);
	ASSERT_EQ(es_prefix_target_parse(NULL, &spec, err, sizeof(err)),
		  -EINVAL, "NULL target");
}

static void test_list_add(void)
{
	struct es_prefix_line spec = {
		.family = ES_AF_INET, .len = 8, .addr.v4 = htonl(0x0a000000),
		.action = ES_ACTION_POPS, .npops = 2,
		.pops = { "fra", "ams" },
	};
	struct es_prefix_list l = {};
	char err[256];
	__u32 i;
	int ret = 0;

	ASSERT_OK(es_prefix_list_add(&l, &spec, 0, err, sizeof(err)), "add");
	ASSERT_OK(es_prefix_list_add(&l, &spec, 0, err, sizeof(err)), "again");
	ASSERT_EQ(l.n, 2, "no duplicate check here");
	ASSERT_EQ(l.nnames, 2, "interned");
	ASSERT_EQ(l.v[1].pop_name_idx[1], 1, "ams idx");

	strcpy(spec.pops[1], "1bad");
	ASSERT_EQ(es_prefix_list_add(&l, &spec, 0, err, sizeof(err)), -EINVAL,
		  "bad name");
	ASSERT_TRUE(strstr(err, "must start with a letter") != NULL, err);
	spec.npops = 0;
	ASSERT_EQ(es_prefix_list_add(&l, &spec, 0, err, sizeof(err)), -EINVAL,
		  "no pops");
	spec.action = ES_ACTION_LOCAL;
	ASSERT_OK(es_prefix_list_add(&l, &spec, 0, err, sizeof(err)), "local");
	spec.len = 33;
	ASSERT_EQ(es_prefix_list_add(&l, &spec, 0, err, sizeof(err)), -EINVAL,
		  "len 33");
	spec.len = 8;
	spec.family = 5;
	ASSERT_EQ(es_prefix_list_add(&l, &spec, 0, err, sizeof(err)), -EINVAL,
		  "family");

	/* the name table is bounded by the __u16 index */
	spec.family = ES_AF_INET;
	spec.action = ES_ACTION_POPS;
	spec.npops = 1;
	for (i = 0; i <= ES_PREFIX_NAMES_MAX && !ret; i++) {
		snprintf(spec.pops[0], ES_POP_NAME_LEN, "p%u", i);
		ret = es_prefix_list_add(&l, &spec, 0, err, sizeof(err));
	}
	ASSERT_EQ(ret, -E2BIG, "too many names");
	ASSERT_EQ(l.nnames, ES_PREFIX_NAMES_MAX, "names");
	ASSERT_EQ(es_prefix_list_name_idx(&l, "p1000"), 1002, "lookup");
	es_prefix_list_free(&l);
	list_is_empty(&l, "freed");
}

static const char unsorted_file[] =
	"2001:db8::/32 ams\n"
	"10.0.0.0/16 fra\n"
	"9.0.0.0/8 local\n"
	"10.0.0.0/8 fra,ams  # comment\n"
	"::/0 drop\n"
	"0.0.0.0/0 lhr\n"
	"2001:db8::/48 fra\n"
	"192.168.0.0/16\tdrop\n"
	"100.64.0.0/10 ams,lhr\n";

/* numeric, not textual order: 9 < 10 < 100, and IPv4 first */
static const char sorted_file[] =
	"0.0.0.0/0 lhr\n"
	"9.0.0.0/8 local\n"
	"10.0.0.0/8 fra,ams\n"
	"10.0.0.0/16 fra\n"
	"100.64.0.0/10 ams,lhr\n"
	"192.168.0.0/16 drop\n"
	"::/0 drop\n"
	"2001:db8::/32 ams\n"
	"2001:db8::/48 fra\n";

static int count_dir(const char *dir)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.' || (strcmp(de->d_name, ".") &&
					      strcmp(de->d_name, ".."));
	closedir(d);
	return n;
}

static void test_write_roundtrip(void)
{
	char dir[] = "/tmp/es-prefix-dir-XXXXXX", src[] = TMP_TEMPLATE;
	char a[128], b[128], c[128], c2[128], err[512], text[128];
	struct es_prefix_list l = {}, la = {}, lc = {};
	char *da = NULL, *db = NULL, *dc = NULL, *dc2 = NULL;
	size_t na = 0, nb = 0, nc = 0, nc2 = 0, i;
	struct stat st;

	if (!ASSERT_TRUE(mkdtemp(dir) != NULL, "mkdtemp") ||
	    !write_plain(src, unsorted_file, sizeof(unsorted_file) - 1))
		return;
	snprintf(a, sizeof(a), "%s/a.txt", dir);
	snprintf(b, sizeof(b), "%s/b.txt", dir);
	snprintf(c, sizeof(c), "%s/c.txt.gz", dir);
	snprintf(c2, sizeof(c2), "%s/c2.txt.gz", dir);

	if (!ASSERT_OK(es_prefix_file_read(src, &l, err, sizeof(err)), err))
		goto out;
	if (!ASSERT_OK(es_prefix_file_write(a, &l, err, sizeof(err)), err))
		goto out;
	/* the caller's list is not reordered */
	ASSERT_EQ(l.v[0].family, ES_AF_INET6, "list untouched");
	ASSERT_EQ(l.v[0].line, 1, "list untouched");
	da = slurp(a, &na);
	if (!ASSERT_TRUE(da != NULL, "slurp a"))
		goto out;
	if (!ASSERT_TRUE(na == sizeof(sorted_file) - 1 &&
			 !memcmp(da, sorted_file, na), "canonical text"))
		fprintf(stdout, "  got:\n%s", da);
	ASSERT_OK(stat(a, &st), "stat");
	ASSERT_EQ(st.st_mode & 07777, 0644, "new file mode");

	/* dump -> load -> dump is byte-identical */
	if (!ASSERT_OK(es_prefix_file_read(a, &la, err, sizeof(err)), err))
		goto out;
	ASSERT_OK(es_prefix_file_write(b, &la, err, sizeof(err)), err);
	db = slurp(b, &nb);
	ASSERT_TRUE(db && nb == na && !memcmp(da, db, na), "a == b");

	/* es_prefix_list_sort gives the file's order */
	es_prefix_list_sort(&l);
	ASSERT_EQ(l.n, la.n, "sorted n");
	for (i = 0; i < l.n && i < la.n; i++) {
		char t2[128];

		entry_text(&l, &l.v[i], text, sizeof(text));
		entry_text(&la, &la.v[i], t2, sizeof(t2));
		ASSERT_TRUE(!strcmp(text, t2), text);
	}

	/* gzip by name, read back by magic, deterministic bytes */
	ASSERT_OK(es_prefix_file_write(c, &la, err, sizeof(err)), err);
	ASSERT_OK(es_prefix_file_write(c2, &la, err, sizeof(err)), err);
	dc = slurp(c, &nc);
	dc2 = slurp(c2, &nc2);
	ASSERT_TRUE(dc && nc > 2 && (unsigned char)dc[0] == 0x1f &&
		    (unsigned char)dc[1] == 0x8b, "gzip magic");
	ASSERT_TRUE(dc && dc2 && nc == nc2 && !memcmp(dc, dc2, nc),
		    "gzip deterministic");
	if (ASSERT_OK(es_prefix_file_read(c, &lc, err, sizeof(err)), err))
		lists_equal(&la, &lc, "gzip round trip");

	/* rewriting keeps the mode of the file it replaces */
	ASSERT_OK(chmod(a, 0600), "chmod");
	ASSERT_OK(es_prefix_file_write(a, &la, err, sizeof(err)), err);
	ASSERT_OK(stat(a, &st), "stat");
	ASSERT_EQ(st.st_mode & 07777, 0600, "kept mode");

	/* no temporary file left behind */
	ASSERT_EQ(count_dir(dir), 4, "files in dir");
out:
	free(da);
	free(db);
	free(dc);
	free(dc2);
	es_prefix_list_free(&l);
	es_prefix_list_free(&la);
	es_prefix_list_free(&lc);
	unlink(a);
	unlink(b);
	unlink(c);
	unlink(c2);
	rmdir(dir);
	unlink(src);
}

static void test_write_rejects(void)
{
	struct es_prefix_line spec = {
		.family = ES_AF_INET, .len = 24, .addr.v4 = htonl(0xc0000200),
		.action = ES_ACTION_LOCAL,
	};
	char dir[] = "/tmp/es-prefix-dir-XXXXXX", path[128], err[512];
	struct es_prefix_list l = {};

	if (!ASSERT_TRUE(mkdtemp(dir) != NULL, "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/p.txt", dir);
	ASSERT_OK(es_prefix_list_add(&l, &spec, 0, err, sizeof(err)), "add");
	spec.action = ES_ACTION_DROP;
	ASSERT_OK(es_prefix_list_add(&l, &spec, 0, err, sizeof(err)), "add");

	/* what the reader would refuse is never written */
	ASSERT_EQ(es_prefix_file_write(path, &l, err, sizeof(err)), -EINVAL,
		  "duplicate");
	ASSERT_TRUE(strstr(err, "cannot write entry 192.0.2.0/24: listed twice"),
		    err);
	l.v[1].addr.v4 = htonl(0xc0000301);
	ASSERT_EQ(es_prefix_file_write(path, &l, err, sizeof(err)), -EINVAL,
		  "host bits");
	ASSERT_TRUE(strstr(err, "192.0.3.1/24: not a valid prefix"), err);
	l.v[1].addr.v4 = htonl(0xc0000300);
	l.v[1].action = ES_ACTION_POPS;
	ASSERT_EQ(es_prefix_file_write(path, &l, err, sizeof(err)), -EINVAL,
		  "no pops");
	l.v[1].action = 9;
	ASSERT_EQ(es_prefix_file_write(path, &l, err, sizeof(err)), -EINVAL,
		  "bad action");
	ASSERT_EQ(count_dir(dir), 0, "nothing written");

	l.v[1].action = ES_ACTION_DROP;
	ASSERT_OK(es_prefix_file_write(path, &l, err, sizeof(err)), err);
	ASSERT_EQ(count_dir(dir), 1, "written");

	snprintf(path, sizeof(path), "%s/missing/p.txt", dir);
	ASSERT_EQ(es_prefix_file_write(path, &l, err, sizeof(err)), -ENOENT,
		  "no directory");
	ASSERT_TRUE(strstr(err, "cannot create temporary file"), err);

	snprintf(path, sizeof(path), "%s/p.txt", dir);
	unlink(path);
	rmdir(dir);
	es_prefix_list_free(&l);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A million lines with one bad line near the end: the error names it.
 * Sorted (the duplicate check compares neighbours) and unsorted (the hash
 * set) both run at full size.
 */
static void test_million_lines(void)
{
	static const char *const pops[] = { "fra", "ams,fra", "lhr,cdg,fra",
					    "local", "drop" };
	const int lines = 1000000, bad = 999990;
	char path[] = TMP_TEMPLATE, path2[] = TMP_TEMPLATE, err[512];
	struct es_prefix_list l;
	double t;
	FILE *f;
	int fd, i, ret;

	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!ASSERT_TRUE(f != NULL, "create"))
		return;
	for (i = 1; i <= lines; i++) {
		if (i == bad)
			fprintf(f, "10.0.0.1/24 fra\n");
		else
			fprintf(f, "%u.%u.%u.0/24 %s\n", 1 + (i >> 16),
				(i >> 8) & 255, i & 255, pops[i % 5]);
	}
	ASSERT_OK(fclose(f), "fclose");
	t = now();
	ret = es_prefix_file_read(path, &l, err, sizeof(err));
	fprintf(stdout, "  sorted 1M lines, bad at %d: %.3f s\n", bad,
		now() - t);
	ASSERT_EQ(ret, -EINVAL, "bad line");
	ASSERT_TRUE(strstr(err, ":999990: invalid CIDR '10.0.0.1/24'") != NULL,
		    err);
	list_is_empty(&l, "after error");
	unlink(path);

	/* IPv6 and IPv4 interleaved; line 999995 repeats line 3 */
	fd = mkstemp(path2);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!ASSERT_TRUE(f != NULL, "create"))
		return;
	for (i = 1; i <= lines; i++) {
		int k = i == 999995 ? 3 : i;

		if (k & 1)
			fprintf(f, "2001:db8:%x:%x::/64 %s\n", k >> 16,
				k & 0xffff, pops[k % 5]);
		else
			fprintf(f, "%u.%u.%u.%u/32 %s\n", 1 + (k >> 24),
				(k >> 16) & 255, (k >> 8) & 255, k & 255,
				pops[k % 5]);
	}
	ASSERT_OK(fclose(f), "fclose");
	t = now();
	ret = es_prefix_file_read(path2, &l, err, sizeof(err));
	fprintf(stdout, "  unsorted 1M lines, duplicate at 999995: %.3f s\n",
		now() - t);
	ASSERT_EQ(ret, -EINVAL, "duplicate");
	ASSERT_TRUE(strstr(err,
		":999995: duplicate prefix 2001:db8:0:3::/64 (first on line 3)"),
		err);
	list_is_empty(&l, "after error");
	unlink(path2);
}

int main(void)
{
	RUN_TEST(test_read_good_file);
	RUN_TEST(test_read_bad_lines);
	RUN_TEST(test_read_long_lines);
	RUN_TEST(test_gzip_broken);
	RUN_TEST(test_gzip_garbage);
	RUN_TEST(test_gzip_members);
	RUN_TEST(test_read_pipe);
	RUN_TEST(test_read_empty_and_missing);
	RUN_TEST(test_line_api);
	RUN_TEST(test_list_add);
	RUN_TEST(test_write_roundtrip);
	RUN_TEST(test_write_rejects);
	RUN_TEST(test_million_lines);
	return es_test_exit();
}
