// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's latency sources and ranking timer (latency_feed.h). The
 * store, its parsing, ranking and writing are libedgesteer's (latency.c);
 * this file decides when they run and logs what they did.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "latency.h"
#include "latency_feed.h"
#include "log.h"
#include "loop.h"
#include "parse.h"
#include "pops.h"
#include "popstate.h"

#define RANK_EVERY_MS	1000	/* hold-downs, expiry and health need a clock */
#define RANK_AFTER_MS	50	/* after a feed: a burst of datagrams ranks once */
#define SETTLE_MS	200	/* writers may take a moment after the event */
#define DGRAM_MAX	65536
#define LOG_CHANGES	10	/* moved prefixes logged one by one; then a summary */

struct lat_file {
	char path[PATH_MAX];
	char base[NAME_MAX + 1];
	int wd;			/* its directory's watch, -1 */
	bool dirty;
};

static struct {
	struct es_state *st;		/* reads: RIB, POPs */
	const char *pin_path;		/* writes open the state afresh */
	struct es_latency *store;
	struct es_latency_rib rib;
	struct lat_file files[ESD_MAX_LATENCY_FILES];
	size_t nfiles;
	char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t sock_dev;
	ino_t sock_ino;
	struct esd_src sock, inotify, settle, rank;
	__u64 rank_at;			/* ms the rank timer is armed for, 0: not */
} lf = {
	.sock.fd = -1, .inotify.fd = -1, .settle.fd = -1, .rank.fd = -1,
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* Arm the rank timer for `in_ms` from now unless it fires sooner already. */
static void rank_soon(__u64 in_ms)
{
	__u64 at = esd_now_ms() + in_ms;

	if (lf.rank.fd < 0 || (lf.rank_at && lf.rank_at <= at))
		return;
	lf.rank_at = at;
	esd_timer_at(lf.rank.fd, at);
}

/* ---- ranking and writing --------------------------------------------------- */

static const char *const reason_name[ES_LATENCY_NREASONS] = {
	[ES_LATENCY_FASTER] = "faster",
	[ES_LATENCY_FAILOVER] = "failover",
	[ES_LATENCY_REVERT] = "revert",
};

static void pop_name(__u32 id, char name[ES_POP_NAME_LEN])
{
	struct es_pop p;

	if (es_pop_get(lf.st, id, &p) || !p.name[0])
		snprintf(name, ES_POP_NAME_LEN, "#%u", id);
	else
		snprintf(name, ES_POP_NAME_LEN, "%s", p.name);
}

static void steer_text(const struct es_steering *s, char *buf, size_t len)
{
	char name[ES_POP_NAME_LEN];
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < s->npops && i < ES_MAX_CANDIDATES; i++) {
		pop_name(s->pops[i], name);
		off += snprintf(buf + off, off < len ? len - off : 0, "%s%s", i ? "," : "", name);
	}
}

/* "C 10.0 ms, B 60.0 ms": what the ranking saw of the two POPs */
static void rtt_text(const struct es_latency_change *c, __u64 now, char *buf, size_t len)
{
	__u32 ids[2] = { c->to.pops[0], c->from.pops[0] };
	char name[ES_POP_NAME_LEN];
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < 2; i++) {
		double ms;

		pop_name(ids[i], name);
		if (es_latency_srtt(lf.store, &c->key, ids[i], now, &ms))
			off += snprintf(buf + off, off < len ? len - off : 0, "%s%s unmeasured",
					i ? ", " : "", name);
		else
			off += snprintf(buf + off, off < len ? len - off : 0, "%s%s %.1f ms",
					i ? ", " : "", name, ms);
	}
}

static void log_change(const struct es_latency_change *c, __u64 now)
{
	char cidr[ES_CIDR_STRLEN], from[128], to[128], why[160], from_pop[ES_POP_NAME_LEN];

	es_format_cidr(c->key.family, &c->key.addr, c->key.len, cidr, sizeof(cidr));
	steer_text(&c->from, from, sizeof(from));
	steer_text(&c->to, to, sizeof(to));
	switch (c->reason) {
	case ES_LATENCY_FASTER:
		rtt_text(c, now, why, sizeof(why));
		break;
	case ES_LATENCY_FAILOVER:
		pop_name(c->from.pops[0], from_pop);
		snprintf(why, sizeof(why), "pop %s is not up", from_pop);
		break;
	default:
		snprintf(why, sizeof(why), "no current measurement: the configured steering");
	}
	esd_info("latency: prefix %s: pops %s -> %s (%s: %s)", cidr, from, to,
		 c->reason < ES_LATENCY_NREASONS && reason_name[c->reason] ?
		 reason_name[c->reason] : "?", why);
}

static void log_changes(const struct es_latency_changes *c, size_t applied, __u64 now)
{
	size_t by[ES_LATENCY_NREASONS] = { 0 };

	for (size_t i = 0; i < c->n && i < LOG_CHANGES; i++)
		log_change(&c->v[i], now);
	if (c->n <= LOG_CHANGES)
		return;
	for (size_t i = LOG_CHANGES; i < c->n; i++)
		if (c->v[i].reason < ES_LATENCY_NREASONS)
			by[c->v[i].reason]++;
	esd_info("latency: %zu more prefixes moved (%zu faster, %zu failover, %zu revert); %zu written in all",
		 c->n - LOG_CHANGES, by[ES_LATENCY_FASTER], by[ES_LATENCY_FAILOVER],
		 by[ES_LATENCY_REVERT], applied);
}

/*
 * Changes ranked without the lock stay valid only if nobody wrote their
 * prefix since: under the lock, keep those whose RIB entry is still the
 * one they were ranked from. The others are ranked again next time, from
 * what the operator wrote.
 */
static size_t still_current(struct es_state *ws, struct es_latency_changes *c)
{
	size_t kept = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct es_latency_change *ch = &c->v[i];
		struct es_steering cur;
		__u32 decision = 0;

		if (es_prefix_get(ws, ch->key.family, &ch->key.addr, ch->key.len, &cur, &decision) ||
		    decision != ch->from_decision || memcmp(&cur, &ch->from, sizeof(cur)))
			continue;
		c->v[kept++] = *ch;
	}
	return kept;
}

/*
 * The state is opened afresh for every write: another process may have
 * replaced the classifier tables (`prefix load ... replace`) since the
 * daemon's handle mapped them, and a write must reach the tables the data
 * path reads.
 */
static void write_changes(struct es_latency_changes *c, __u64 now)
{
	struct es_state *ws = NULL;
	size_t ranked = c->n, applied = 0;
	int lock, rc;

	lock = esd_lock(lf.st);
	if (lock < 0) {
		esd_err("latency: cannot lock the state: %s", strerror(-lock));
		return;
	}
	rc = es_state_open(&ws, lf.pin_path, 0, NULL);
	if (rc) {
		esd_unlock(lock);
		esd_err("latency: cannot open the state under '%s': %s", lf.pin_path,
			strerror(-rc));
		return;
	}
	c->n = still_current(ws, c);
	rc = es_latency_apply(lf.store, ws, c, &applied);
	es_state_close(ws);
	esd_unlock(lock);

	if (c->n < ranked)
		esd_info("latency: %zu prefixes written by someone else meanwhile: ranked again next time",
			 ranked - c->n);
	if (rc) {
		esd_err("latency: %zu of %zu changes written: %s", applied, c->n, strerror(-rc));
		return;
	}
	log_changes(c, applied, now);
}

static void rank(void)
{
	struct es_latency_changes c = { 0 };
	struct es_latency_stats s;
	struct es_pop_mask up;
	__u64 now = now_ns();
	int rc;

	es_latency_stats(lf.store, &s);
	if (!s.prefixes)
		return;
	es_pop_mask_up(lf.st, &up);
	rc = es_latency_rank(lf.store, &lf.rib, &up, now, &c);
	if (rc)
		esd_err("latency: ranking: %s", strerror(-rc));
	if (c.n)
		write_changes(&c, now);
	es_latency_changes_free(&c);
}

static void on_rank(struct esd_src *src, uint32_t events)
{
	esd_timer_ack(src->fd);
	lf.rank_at = 0;
	rank();
	rank_soon(RANK_EVERY_MS);
}

/* ---- files ------------------------------------------------------------------ */

static void load_file(struct lat_file *f)
{
	struct es_latency_feed_stats fs = { 0 };
	char err[ESD_ERR_MAX];
	int rc;

	f->dirty = false;
	rc = es_latency_load_file(lf.store, f->path, &lf.rib, now_ns(), &fs, err, sizeof(err));
	if (rc == -ENOENT) {
		esd_warn("latency file %s: not there (yet): read when it appears", f->path);
		return;
	}
	if (rc) {
		esd_err("%s", err);
		esd_err("latency file %s rejected: nothing of it was applied, the measurements held stay",
			f->path);
		return;
	}
	esd_info("latency file %s: %llu lines, %llu samples stored, ignored: %llu unconfigured, %llu local/drop, %llu not a candidate",
		 f->path, (unsigned long long)fs.lines, (unsigned long long)fs.applied,
		 (unsigned long long)fs.unconfigured, (unsigned long long)fs.not_steered,
		 (unsigned long long)fs.not_candidate);
	rank_soon(RANK_AFTER_MS);
}

static void on_settle(struct esd_src *src, uint32_t events)
{
	esd_timer_ack(src->fd);
	for (size_t i = 0; i < lf.nfiles; i++)
		if (lf.files[i].dirty)
			load_file(&lf.files[i]);
}

static void on_inotify(struct esd_src *src, uint32_t events)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;
	ssize_t n;

	while ((n = read(src->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			for (size_t i = 0; ev->len && i < lf.nfiles; i++) {
				if (lf.files[i].wd == ev->wd && !strcmp(ev->name, lf.files[i].base)) {
					lf.files[i].dirty = true;
					any = true;
				}
			}
			p += sizeof(*ev) + ev->len;
		}
	}
	if (any)
		esd_timer_at(lf.settle.fd, esd_now_ms() + SETTLE_MS);
}

static void files_close(void)
{
	if (lf.inotify.fd >= 0) {
		esd_loop_del(&lf.inotify);
		close(lf.inotify.fd);
	}
	lf.inotify.fd = -1;
	lf.nfiles = 0;
}

/* Watch each file's directory (a rename onto the file is a change of the
 * directory) and read every file once. */
static void files_open(const struct esd_config *cfg)
{
	files_close();
	for (size_t i = 0; i < cfg->nlatency_files; i++) {
		struct lat_file *f = &lf.files[lf.nfiles++];
		char dir[PATH_MAX], base[PATH_MAX];

		snprintf(f->path, sizeof(f->path), "%s", cfg->latency_files[i]);
		snprintf(dir, sizeof(dir), "%s", f->path);
		snprintf(base, sizeof(base), "%s", f->path);
		snprintf(f->base, sizeof(f->base), "%s", basename(base));
		f->wd = -1;
		f->dirty = false;
		if (lf.inotify.fd < 0) {
			lf.inotify.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
			lf.inotify.fn = on_inotify;
			if (lf.inotify.fd < 0 || esd_loop_add(&lf.inotify, EPOLLIN)) {
				esd_err("latency files: inotify: %s: changes are read at reloads only",
					strerror(errno));
				if (lf.inotify.fd >= 0)
					close(lf.inotify.fd);
				lf.inotify.fd = -1;
			}
		}
		if (lf.inotify.fd >= 0) {
			f->wd = inotify_add_watch(lf.inotify.fd, dirname(dir),
						  IN_CLOSE_WRITE | IN_MOVED_TO);
			if (f->wd < 0)
				esd_err("latency file %s: cannot watch its directory: %s: read at reloads only",
					f->path, strerror(errno));
		}
		load_file(f);
	}
}

/* ---- the socket --------------------------------------------------------------- */

/* The answer to one datagram: a line per measurement line, in order. One
 * that would not fit stops it there, so that no line is ever cut. */
struct reply {
	char buf[DGRAM_MAX];
	size_t len;
	bool full;
};

static void answer(struct reply *r, const char *fmt, const char *msg)
{
	int n;

	if (r->full)
		return;
	n = snprintf(r->buf + r->len, sizeof(r->buf) - r->len, fmt, msg);
	if (n < 0 || (size_t)n >= sizeof(r->buf) - r->len)
		r->full = true;
	else
		r->len += (size_t)n;
}

static void feed_datagram(char *text, struct reply *r)
{
	char err[ESD_ERR_MAX];
	__u64 now = now_ns();
	bool stored = false;

	for (char *line = text, *next; line; line = next) {
		int rc;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!next && !*line)
			break;		/* the newline that ended the last line */
		rc = es_latency_feed_line(lf.store, NULL, line, &lf.rib, now, NULL, err,
					  sizeof(err));
		if (rc == 0) {
			answer(r, "%s\n", "ok");
			stored = true;
		} else if (rc == ES_LATENCY_IGNORED) {
			if (err[0])
				answer(r, "ignored: %s\n", err);
		} else {
			esd_err("%s", err);
			answer(r, "error: %s\n", err);
		}
	}
	if (stored)
		rank_soon(RANK_AFTER_MS);
}

static void on_socket(struct esd_src *src, uint32_t events)
{
	static char in[DGRAM_MAX + 1];
	static struct reply r;

	for (;;) {
		struct sockaddr_un from;
		socklen_t fromlen = sizeof(from);
		ssize_t n;

		r.len = 0;
		r.full = false;
		n = recvfrom(src->fd, in, DGRAM_MAX, MSG_TRUNC, (struct sockaddr *)&from,
			     &fromlen);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				esd_err("latency socket %s: %s", lf.sock_path, strerror(errno));
			return;
		}
		if (n > DGRAM_MAX) {
			esd_err("socket: datagram of %zd bytes, more than %d: ignored", n, DGRAM_MAX);
			answer(&r, "error: %s\n", "socket: datagram too long: ignored");
		} else if (memchr(in, '\0', (size_t)n)) {
			esd_err("socket: a NUL byte in a datagram: ignored");
			answer(&r, "error: %s\n", "socket: NUL byte: datagram ignored");
		} else {
			in[n] = '\0';
			feed_datagram(in, &r);
		}
		/* an unnamed sender cannot be answered; one that does not read
		 * loses its answer rather than stall the daemon */
		if (r.len && fromlen > sizeof(sa_family_t))
			sendto(src->fd, r.buf, r.len, MSG_DONTWAIT, (struct sockaddr *)&from, fromlen);
	}
}

static void socket_close(void)
{
	struct stat sb;

	if (lf.sock.fd < 0)
		return;
	esd_loop_del(&lf.sock);
	close(lf.sock.fd);
	lf.sock.fd = -1;
	/* ours only: another daemon may have taken the path over since */
	if (!lstat(lf.sock_path, &sb) && sb.st_dev == lf.sock_dev && sb.st_ino == lf.sock_ino)
		unlink(lf.sock_path);
	lf.sock_path[0] = '\0';
}

/*
 * A stale socket file (a daemon that was killed) is replaced; a live one
 * or anything that is not a socket is left alone and the source refused.
 */
static int path_free(const struct sockaddr_un *sun)
{
	struct stat sb;
	int fd, rc;

	if (lstat(sun->sun_path, &sb))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(sb.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (!rc)
		return -EADDRINUSE;
	return unlink(sun->sun_path) && errno != ENOENT ? -errno : 0;
}

static void socket_open(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat sb;
	mode_t old;
	int fd, rc;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	rc = path_free(&sun);
	if (rc) {
		esd_err("latency socket %s: %s: not opened", path,
			rc == -EEXIST ? "exists and is not a socket" :
			rc == -EADDRINUSE ? "another process listens on it" : strerror(-rc));
		return;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		esd_err("latency socket %s: %s", path, strerror(errno));
		return;
	}
	/* 0600 from the start: nobody else may feed it, not even briefly */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc || lstat(path, &sb)) {
		esd_err("latency socket %s: bind: %s", path, strerror(errno));
		close(fd);
		return;
	}
	lf.sock.fd = fd;
	lf.sock.fn = on_socket;
	if (esd_loop_add(&lf.sock, EPOLLIN)) {
		esd_err("latency socket %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		lf.sock.fd = -1;
		return;
	}
	snprintf(lf.sock_path, sizeof(lf.sock_path), "%s", path);
	lf.sock_dev = sb.st_dev;
	lf.sock_ino = sb.st_ino;
	esd_info("latency socket %s: listening (datagrams of lines PREFIX POP RTT_MS)", path);
}

/* ---- configuration ------------------------------------------------------------- */

static void policy(const struct esd_config *cfg, struct es_latency_config *lc)
{
	es_latency_config_default(lc);
	lc->min_gain_ms = cfg->min_gain_ms;
	lc->min_gain_pct = cfg->min_gain_pct;
	lc->hold_down_ns = (__u64)cfg->hold_down_s * 1000000000ull;
}

void esd_latency_reload(const struct esd_config *cfg)
{
	struct es_latency_config lc;
	char err[ESD_ERR_MAX];

	if (!lf.store)
		return;
	policy(cfg, &lc);
	if (es_latency_set_config(lf.store, &lc, err, sizeof(err)))
		esd_err("latency policy: %s: the previous one stays", err);
	if (strcmp(lf.sock_path, cfg->latency_socket)) {
		socket_close();
		if (cfg->latency_socket[0])
			socket_open(cfg->latency_socket);
	}
	/* read again: prefixes or candidates the configuration added may make
	 * lines that were ignored count */
	files_open(cfg);
	rank_soon(RANK_AFTER_MS);
}

int esd_latency_start(struct es_state *st, const char *pin_path, const struct esd_config *cfg)
{
	struct es_latency_config lc;
	char err[ESD_ERR_MAX];
	int rc;

	lf.st = st;
	lf.pin_path = pin_path;
	es_latency_rib_state(&lf.rib, st);
	policy(cfg, &lc);
	rc = es_latency_new(&lf.store, &lc, err, sizeof(err));
	if (rc) {
		esd_err("latency: %s", rc == -EINVAL ? err : strerror(-rc));
		return rc;
	}
	lf.settle.fd = esd_timer_new();
	lf.settle.fn = on_settle;
	lf.rank.fd = esd_timer_new();
	lf.rank.fn = on_rank;
	if (lf.settle.fd < 0 || lf.rank.fd < 0)
		return lf.settle.fd < 0 ? lf.settle.fd : lf.rank.fd;
	if (esd_loop_add(&lf.settle, EPOLLIN) || esd_loop_add(&lf.rank, EPOLLIN))
		return -errno;
	if (cfg->latency_socket[0])
		socket_open(cfg->latency_socket);
	files_open(cfg);
	rank_soon(RANK_EVERY_MS);
	return 0;
}

void esd_latency_stop(void)
{
	socket_close();
	files_close();
	if (lf.settle.fd >= 0) {
		esd_loop_del(&lf.settle);
		close(lf.settle.fd);
	}
	if (lf.rank.fd >= 0) {
		esd_loop_del(&lf.rank);
		close(lf.rank.fd);
	}
	lf.settle.fd = lf.rank.fd = -1;
	es_latency_free(lf.store);
	lf.store = NULL;
}
