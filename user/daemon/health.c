// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Probes and this box's own check, each a small state machine on two
 * descriptors: a timerfd (next start, or the deadline of the attempt in
 * flight) and the probe's socket. See health.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "health.h"
#include "log.h"
#include "loop.h"
#include "parse.h"
#include "pops.h"
#include "popstate.h"

enum verdict { V_UNKNOWN, V_HEALTHY, V_UNHEALTHY };

enum http_phase { HTTP_CONNECT, HTTP_SEND, HTTP_RECV };

#define NO_STATE	0xff
#define ICMP_PAYLOAD	"edgesteerd probe"

struct check {
	struct esd_health *h;
	struct esd_src timer, sock;
	bool self;
	enum esd_probe_kind kind;
	enum esd_self_kind self_kind;
	char pop[ES_POP_NAME_LEN];	/* "" for self: looked up each time */
	__u32 pop_id;
	struct esd_timing t;
	struct sockaddr_storage dst, src;
	socklen_t dst_len, src_len;	/* src_len 0: no bind */
	char target[ESD_URL_MAX + 128];	/* what is probed, for the log */
	char arg[ESD_CMD_MAX];		/* command, drain file */
	char req[ESD_URL_MAX + 160];	/* HTTP request */

	/* the attempt in flight */
	bool in_flight;
	uint64_t started;
	pid_t child;
	bool icmp_raw;
	__u16 echo_id, seq;
	enum http_phase phase;
	size_t sent, rlen;
	char resp[128];

	/* results */
	unsigned int ok_run, fail_run;
	uint64_t started_us, rtt_us;	/* rtt_us: the last success's, 0 before one */
	uint64_t successes, failures;	/* for the metrics */
	enum verdict verdict;
	char why[256];			/* the last failure */
	__u8 held;			/* operator state already logged */
	bool gone_logged;
};

struct esd_health {
	struct es_state *st;
	struct check *c;
	size_t n;
};

/* Round trips in microseconds: on a LAN they are well under esd_now_ms()'s
 * resolution. At least 1, so that 0 can mean "none yet". */
static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000 + 1;
}

static const char *check_name(const struct check *c, char *buf, size_t len)
{
	if (c->self)
		snprintf(buf, len, "self-check %s", c->target);
	else
		snprintf(buf, len, "probe %s", c->target);
	return buf;
}

/* ---- the POP's state follows the verdict --------------------------------- */

/* The self POP's name, or "" when there is none. */
static void self_name(struct es_state *st, char *name)
{
	struct es_config cfg;
	struct es_pop p;

	name[0] = 0;
	if (es_config_get(st, &cfg) || !cfg.self_pop || cfg.self_pop >= ES_MAX_POPS ||
	    es_pop_get(st, cfg.self_pop, &p) || p.kind == ES_POP_UNUSED)
		return;
	snprintf(name, ES_POP_NAME_LEN, "%s", p.name);
}

static void follow(struct check *c)
{
	char name[ES_POP_NAME_LEN], what[ESD_URL_MAX + 192];
	__u8 want, cur = 0;
	int r;

	if (c->verdict == V_UNKNOWN)
		return;
	if (c->self)
		self_name(c->h->st, name);
	else
		snprintf(name, sizeof(name), "%s", c->pop);
	if (!name[0]) {
		if (!c->gone_logged)
			esd_warn("self-check: no 'pop self' is set: nothing to drain");
		c->gone_logged = true;
		return;
	}
	want = c->verdict == V_HEALTHY ? ES_STATE_UP : c->self ? ES_STATE_DRAIN : ES_STATE_DOWN;
	r = esd_pop_follow(c->h->st, name, &c->pop_id, want, &cur);
	check_name(c, what, sizeof(what));
	if (r == -ENOENT) {
		if (!c->gone_logged)
			esd_warn("pop %s: no longer exists: %s has nothing to change", name, what);
		c->gone_logged = true;
		return;
	}
	c->gone_logged = false;
	if (r < 0) {
		esd_err("pop %s: cannot set state %s: %s", name, esd_state_name(want),
			strerror(-r));
		return;
	}
	if (r == ESD_FOLLOW_HELD) {
		if (c->held != cur)
			esd_info("pop %s: state %s was set by an operator: %s (%s) leaves it alone until the pop is set back to up",
				 name, esd_state_name(cur), what,
				 c->verdict == V_HEALTHY ? "healthy" : "unhealthy");
		c->held = cur;
		return;
	}
	c->held = NO_STATE;
	if (r == ESD_FOLLOW_SET) {
		if (c->verdict == V_HEALTHY)
			esd_info("pop %s: state %s -> %s by %s: %u successes in a row (rise %u)",
				 name, esd_state_name(cur), esd_state_name(want), what,
				 c->ok_run, c->t.rise);
		else
			esd_info("pop %s: state %s -> %s by %s: %u failures in a row (fall %u), last: %s",
				 name, esd_state_name(cur), esd_state_name(want), what,
				 c->fail_run, c->t.fall, c->why);
	}
}

/* ---- one attempt ---------------------------------------------------------- */

static void sock_close(struct check *c)
{
	if (c->sock.fd < 0)
		return;
	esd_loop_del(&c->sock);
	close(c->sock.fd);
	c->sock.fd = -1;
}

static void finish(struct check *c, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void finish(struct check *c, bool ok, const char *fmt, ...)
{
	char what[ESD_URL_MAX + 192];
	enum verdict before = c->verdict;
	uint64_t next, now = esd_now_ms();
	va_list ap;

	if (!c->in_flight)
		return;
	c->in_flight = false;
	sock_close(c);
	if (c->child > 0)
		kill(-c->child, SIGKILL);	/* reaped by esd_health_reap() */
	c->child = 0;

	if (ok) {
		c->rtt_us = now_us() - c->started_us;
		c->successes++;
		c->fail_run = 0;
		if (c->ok_run < ESD_MAX_COUNT)
			c->ok_run++;
		if (c->verdict != V_HEALTHY && c->ok_run >= c->t.rise)
			c->verdict = V_HEALTHY;
	} else {
		va_start(ap, fmt);
		vsnprintf(c->why, sizeof(c->why), fmt, ap);
		va_end(ap);
		c->failures++;
		c->ok_run = 0;
		if (c->fail_run < ESD_MAX_COUNT)
			c->fail_run++;
		if (c->verdict != V_UNHEALTHY && c->fail_run >= c->t.fall)
			c->verdict = V_UNHEALTHY;
	}
	if (c->verdict != before)
		esd_info("%s: %s", check_name(c, what, sizeof(what)),
			 c->verdict == V_HEALTHY ? "healthy" : "unhealthy");
	/* every result, not only changes: an operator may have handed the
	 * POP back (set it up) while the verdict stayed the same */
	follow(c);

	next = c->started + c->t.interval_ms;
	esd_timer_at(c->timer.fd, next > now ? next : now);
}

static __u16 inet_csum(const void *data, size_t len)
{
	const __u8 *p = data;
	__u32 sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (__u32)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (__u32)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((__u16)~sum);
}

/* A socket of the probe's family, bound to the POP's tunnel source. */
static int probe_socket(struct check *c, int type, int proto)
{
	int fd = socket(c->dst.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);

	if (fd < 0)
		return -errno;
	if (c->src_len && bind(fd, (struct sockaddr *)&c->src, c->src_len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int icmp_send(struct check *c)
{
	bool v6 = c->dst.ss_family == AF_INET6;
	__u8 pkt[sizeof(struct icmphdr) + sizeof(ICMP_PAYLOAD)];
	struct icmphdr *ih = (struct icmphdr *)pkt;
	int fd;

	/* unprivileged ping sockets where the ping group range allows them,
	 * raw sockets otherwise */
	fd = probe_socket(c, SOCK_DGRAM, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	c->icmp_raw = fd < 0;
	if (fd < 0)
		fd = probe_socket(c, SOCK_RAW, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0)
		return fd;
	c->sock.fd = fd;
	memset(pkt, 0, sizeof(pkt));
	ih->type = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	ih->un.echo.id = htons(c->echo_id);
	ih->un.echo.sequence = htons(++c->seq);
	memcpy(pkt + sizeof(*ih), ICMP_PAYLOAD, sizeof(ICMP_PAYLOAD));
	if (!v6)
		ih->checksum = inet_csum(pkt, sizeof(pkt));	/* ICMPv6: the kernel's */
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&c->dst, c->dst_len) < 0)
		return -errno;
	return esd_loop_add(&c->sock, EPOLLIN);
}

/* Our echo reply among whatever ICMP a raw socket sees. */
static void icmp_recv(struct check *c)
{
	bool v6 = c->dst.ss_family == AF_INET6;
	__u8 buf[1500];
	ssize_t n;

	while ((n = recv(c->sock.fd, buf, sizeof(buf), 0)) > 0) {
		const __u8 *p = buf;
		size_t len = (size_t)n;
		const struct icmphdr *ih;

		if (c->icmp_raw && !v6) {
			size_t hl = (size_t)(buf[0] & 0xf) * 4;

			if (len < hl)
				continue;
			p += hl;
			len -= hl;
		}
		if (len < sizeof(*ih))
			continue;
		ih = (const struct icmphdr *)p;
		if (ih->type != (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) ||
		    ntohs(ih->un.echo.sequence) != c->seq ||
		    (c->icmp_raw && ntohs(ih->un.echo.id) != c->echo_id))
			continue;
		finish(c, true, "echo reply");
		return;
	}
}

static int tcp_connect(struct check *c)
{
	int fd = probe_socket(c, SOCK_STREAM, 0);

	if (fd < 0)
		return fd;
	c->sock.fd = fd;
	if (connect(fd, (struct sockaddr *)&c->dst, c->dst_len) && errno != EINPROGRESS)
		return -errno;
	c->phase = HTTP_CONNECT;
	c->sent = c->rlen = 0;
	return esd_loop_add(&c->sock, EPOLLOUT);
}

static int so_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return errno;
	return err;
}

static void http_step(struct check *c, uint32_t events)
{
	size_t req_len = strlen(c->req);
	ssize_t n;
	char *eol;
	int err, status;

	if (c->phase == HTTP_CONNECT) {
		err = so_error(c->sock.fd);
		if (err) {
			finish(c, false, "connect: %s", strerror(err));
			return;
		}
		c->phase = HTTP_SEND;
	}
	if (c->phase == HTTP_SEND) {
		n = send(c->sock.fd, c->req + c->sent, req_len - c->sent, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN) {
			finish(c, false, "send: %s", strerror(errno));
			return;
		}
		if (n > 0)
			c->sent += (size_t)n;
		if (c->sent == req_len) {
			c->phase = HTTP_RECV;
			esd_loop_mod(&c->sock, EPOLLIN);
		}
		return;
	}
	n = recv(c->sock.fd, c->resp + c->rlen, sizeof(c->resp) - 1 - c->rlen, 0);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n < 0) {
		finish(c, false, "recv: %s", strerror(errno));
		return;
	}
	c->rlen += (size_t)n;
	c->resp[c->rlen] = 0;
	eol = strstr(c->resp, "\r\n");
	if (!eol && n > 0 && c->rlen < sizeof(c->resp) - 1)
		return;		/* the status line is not complete yet */
	if (eol)
		*eol = 0;
	if (sscanf(c->resp, "HTTP/1.%*d %d", &status) != 1) {
		finish(c, false, "not an HTTP status line: '%.40s'", c->resp);
		return;
	}
	if (status >= 200 && status < 300)
		finish(c, true, "status %d", status);
	else
		finish(c, false, "HTTP status %d", status);
}

static void on_sock(struct esd_src *src, uint32_t events)
{
	struct check *c = esd_container_of(src, struct check, sock);
	int err;

	if (c->kind == ESD_PROBE_ICMP) {
		icmp_recv(c);
	} else if (c->kind == ESD_PROBE_TCP) {
		err = so_error(c->sock.fd);
		if (err)
			finish(c, false, "connect: %s", strerror(err));
		else
			finish(c, true, "connected");
	} else {
		http_step(c, events);
	}
}

static int run_command(struct check *c)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		int fd = open("/dev/null", O_RDWR);

		/* its own process group: a timeout kills whatever it started */
		setpgid(0, 0);
		if (fd >= 0)
			dup2(fd, STDIN_FILENO);
		execl("/bin/sh", "sh", "-c", c->arg, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	c->child = pid;
	return 0;
}

static void start(struct check *c)
{
	int err = 0;

	c->started = esd_now_ms();
	c->started_us = now_us();
	c->in_flight = true;
	esd_timer_at(c->timer.fd, c->started + c->t.timeout_ms);
	if (c->self) {
		if (c->self_kind == ESD_SELF_DRAIN_FILE) {
			bool exists = access(c->arg, F_OK) == 0;

			finish(c, !exists, "drain file %s exists", c->arg);
			return;
		}
		err = run_command(c);
	} else if (c->kind == ESD_PROBE_ICMP) {
		err = icmp_send(c);
	} else {
		err = tcp_connect(c);
	}
	if (err)
		finish(c, false, "%s", strerror(-err));
}

static void on_timer(struct esd_src *src, uint32_t events)
{
	struct check *c = esd_container_of(src, struct check, timer);

	esd_timer_ack(c->timer.fd);
	if (c->in_flight)
		finish(c, false, "no answer within %u ms", c->t.timeout_ms);
	else
		start(c);
}

void esd_health_reap(struct esd_health *h)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; h && i < h->n; i++) {
			struct check *c = &h->c[i];

			if (c->child != pid || !c->in_flight)
				continue;
			c->child = 0;
			if (WIFEXITED(status))
				finish(c, WEXITSTATUS(status) == 0, "exit status %d",
				       WEXITSTATUS(status));
			else
				finish(c, false, "killed by signal %d", WTERMSIG(status));
		}
	}
}

/* ---- setting up ------------------------------------------------------------ */

static socklen_t sockaddr_of(__u8 family, const struct es_addr *a, unsigned short port,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == ES_AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a, 4);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	memcpy(&s6->sin6_addr, a, 16);
	return sizeof(*s6);
}

static bool addr_zero(const struct es_addr *a)
{
	static const struct es_addr zero;

	return !memcmp(a, &zero, sizeof(zero));
}

static int probe_setup(struct es_state *st, const struct esd_config *cfg,
		       const struct esd_probe_spec *ps, struct check *c, char *err, size_t errlen)
{
	static const char *const kinds[] = { "icmp", "tcp", "http" };
	char addr[ES_ADDR_STRLEN];
	struct es_pop p;
	__u32 id;

	if (es_pop_find(st, ps->pop, &id, &p)) {
		snprintf(err, errlen, "%s:%d: unknown pop '%s'", cfg->path, ps->lineno, ps->pop);
		return -1;
	}
	snprintf(c->pop, sizeof(c->pop), "%s", ps->pop);
	c->pop_id = id;
	c->kind = ps->kind;
	c->t = ps->t;
	if (ps->kind == ESD_PROBE_HTTP) {
		c->dst_len = sockaddr_of(ps->host_family, &ps->host, ps->port, &c->dst);
		snprintf(c->req, sizeof(c->req),
			 "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: edgesteerd/%s\r\nConnection: close\r\n\r\n",
			 ps->path, ps->host_text, ES_VERSION);
		snprintf(c->target, sizeof(c->target), "http http://%s%s", ps->host_text,
			 ps->path);
		if (p.kind == ES_POP_TUNNEL && ps->host_family == p.family &&
		    !addr_zero(&p.source))
			c->src_len = sockaddr_of(p.family, &p.source, 0, &c->src);
		return 0;
	}
	if (p.kind != ES_POP_TUNNEL) {
		snprintf(err, errlen, "%s:%d: pop '%s' is not a tunnel pop: only an http probe (with its own address) can check it",
			 cfg->path, ps->lineno, ps->pop);
		return -1;
	}
	c->dst_len = sockaddr_of(p.family, &p.endpoint, ps->port, &c->dst);
	if (!addr_zero(&p.source))
		c->src_len = sockaddr_of(p.family, &p.source, 0, &c->src);
	es_format_addr(p.family, &p.endpoint, addr, sizeof(addr));
	if (ps->kind == ESD_PROBE_TCP)
		snprintf(c->target, sizeof(c->target), "tcp %s%s%s:%u",
			 p.family == ES_AF_INET6 ? "[" : "", addr,
			 p.family == ES_AF_INET6 ? "]" : "", ps->port);
	else
		snprintf(c->target, sizeof(c->target), "%s %s", kinds[ps->kind], addr);
	return 0;
}

static void carry_over(struct check *c, const struct esd_health *prev)
{
	for (size_t i = 0; prev && i < prev->n; i++) {
		const struct check *o = &prev->c[i];

		if (o->self != c->self || strcmp(o->pop, c->pop) || strcmp(o->target, c->target))
			continue;
		c->ok_run = o->ok_run;
		c->fail_run = o->fail_run;
		c->rtt_us = o->rtt_us;
		c->successes = o->successes;
		c->failures = o->failures;
		c->verdict = o->verdict;
		c->held = o->held;
		c->seq = o->seq;
		snprintf(c->why, sizeof(c->why), "%s", o->why);
	}
}

struct esd_health *esd_health_start(struct es_state *st, const struct esd_config *cfg,
				    const struct esd_health *prev, char *err, size_t errlen)
{
	static __u16 next_echo_id;
	struct esd_health *h = calloc(1, sizeof(*h));
	size_t n = cfg->nprobes + (cfg->self.kind != ESD_SELF_NONE);

	if (!h || !(h->c = calloc(n ? n : 1, sizeof(*h->c)))) {
		free(h);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->st = st;
	if (!next_echo_id)
		next_echo_id = (__u16)getpid();
	for (size_t i = 0; i < n; i++) {
		struct check *c = &h->c[i];

		c->h = h;
		c->timer.fd = c->sock.fd = -1;
		c->held = NO_STATE;
		c->echo_id = next_echo_id++;
		c->timer.fn = on_timer;
		c->sock.fn = on_sock;
		h->n++;
		if (i < cfg->nprobes) {
			if (probe_setup(st, cfg, &cfg->probes[i], c, err, errlen))
				goto fail;
		} else {
			c->self = true;
			c->self_kind = cfg->self.kind;
			c->t = cfg->self.t;
			snprintf(c->arg, sizeof(c->arg), "%s", cfg->self.arg);
			snprintf(c->target, sizeof(c->target), "%s '%s'",
				 c->self_kind == ESD_SELF_COMMAND ? "command" : "drain-file",
				 c->arg);
		}
		carry_over(c, prev);
	}
	/* everything is set up: start (first attempts at once) */
	for (size_t i = 0; i < h->n; i++) {
		struct check *c = &h->c[i];
		int fd = esd_timer_new();

		if (fd < 0) {
			snprintf(err, errlen, "timerfd: %s", strerror(-fd));
			goto fail;
		}
		c->timer.fd = fd;
		if (esd_loop_add(&c->timer, EPOLLIN) || esd_timer_at(fd, esd_now_ms())) {
			snprintf(err, errlen, "cannot arm a timer: %s", strerror(errno));
			goto fail;
		}
	}
	return h;
fail:
	esd_health_free(h);
	return NULL;
}

void esd_health_free(struct esd_health *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++) {
		struct check *c = &h->c[i];

		sock_close(c);
		if (c->timer.fd >= 0) {
			esd_loop_del(&c->timer);
			close(c->timer.fd);
		}
		if (c->child > 0)
			kill(-c->child, SIGKILL);
	}
	free(h->c);
	free(h);
}

size_t esd_health_count(const struct esd_health *h)
{
	return h ? h->n : 0;
}

void esd_health_info(const struct esd_health *h, size_t i, struct esd_check_info *out)
{
	static const char *const kinds[] = {
		[ESD_PROBE_ICMP] = "icmp", [ESD_PROBE_TCP] = "tcp", [ESD_PROBE_HTTP] = "http",
	};
	const struct check *c = &h->c[i];

	out->self = c->self;
	out->pop = c->pop;
	out->kind = !c->self ? kinds[c->kind] :
		    c->self_kind == ESD_SELF_COMMAND ? "command" : "drain-file";
	out->verdict = c->verdict == V_HEALTHY ? 1 : c->verdict == V_UNHEALTHY ? 0 : -1;
	out->ok_run = c->ok_run;
	out->fail_run = c->fail_run;
	out->rtt_us = c->rtt_us;
	out->successes = c->successes;
	out->failures = c->failures;
}
