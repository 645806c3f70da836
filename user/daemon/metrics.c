// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The metrics listener and what it reports. See metrics.h for the
 * listener's limits and docs/daemon.md for every metric.
 */
#define _GNU_SOURCE	/* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "health.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "pops.h"
#include "prom.h"
#include "stats.h"

struct conn {
	struct esd_src sock, timer;
	bool used;
	char req[ESD_METRICS_REQ_MAX];
	size_t rlen;
	char *out;		/* the whole answer, headers and body */
	size_t olen, sent;
	bool done;		/* answered: waiting for the client to close */
	uint64_t since;		/* accepted, monotonic ms */
};

static struct {
	struct es_state *st;
	struct esd_health *const *health;
	struct esd_src listen;
	__u8 family;		/* what listen is bound to */
	struct es_addr addr;
	unsigned short port;
	struct conn conn[ESD_METRICS_MAX_CONN];
	uint64_t reloads_ok, reloads_failed;
	double last_reload;	/* wall clock seconds of the last applied file */
} m = { .listen.fd = -1 };

/* ---- what is reported ------------------------------------------------------- */

static const char *const state_names[] = {
	[ES_STATE_UP] = "up", [ES_STATE_DRAIN] = "drain", [ES_STATE_DOWN] = "down",
};

/* "pass" for verdict_pass, as `edgesteer stats show` names it. */
static const char *verdict_name(int c)
{
	static const char prefix[] = "verdict_";
	const char *name = es_counter_name(c);

	return strncmp(name, prefix, strlen(prefix)) ? name : name + strlen(prefix);
}

static void render_counters(struct esd_prom *p, const struct es_counter_value *cnt)
{
	esd_prom_family(p, "edgesteer_verdict_packets_total", "counter",
			"Packets by the XDP program's verdict (every packet counts in one)");
	for (int c = 0; c < ES_CNT_VERDICTS; c++)
		esd_prom_u64(p, cnt[c].packets, "verdict", verdict_name(c), NULL);
	esd_prom_family(p, "edgesteer_verdict_bytes_total", "counter",
			"Bytes by the XDP program's verdict");
	for (int c = 0; c < ES_CNT_VERDICTS; c++)
		esd_prom_u64(p, cnt[c].bytes, "verdict", verdict_name(c), NULL);
	esd_prom_family(p, "edgesteer_reason_packets_total", "counter",
			"Packets by the reason for their verdict (every packet counts in one)");
	for (int c = ES_CNT_VERDICTS; c < ES_CNT_REASONS_END; c++)
		esd_prom_u64(p, cnt[c].packets, "reason", es_counter_name(c), NULL);
	esd_prom_family(p, "edgesteer_reason_bytes_total", "counter",
			"Bytes by the reason for their verdict");
	for (int c = ES_CNT_VERDICTS; c < ES_CNT_REASONS_END; c++)
		esd_prom_u64(p, cnt[c].bytes, "reason", es_counter_name(c), NULL);
	esd_prom_family(p, "edgesteer_event_packets_total", "counter",
			"Packets by event, counted on top of their verdict and reason");
	for (int c = ES_CNT_REASONS_END; c < ES_CNT_MAX; c++)
		esd_prom_u64(p, cnt[c].packets, "event", es_counter_name(c), NULL);
}

struct pops {
	__u32 *ids;
	struct es_pop *pop;
	size_t n;
	struct es_pop by_id[ES_MAX_POPS];	/* kind ES_POP_UNUSED: none */
	char id_text[ES_MAX_POPS][8];
};

static void render_pop_traffic(struct esd_prom *p, struct pops *ps,
			       const struct es_counter_value *cnt)
{
	static const char *const what[] = { "packets", "bytes" };

	for (int w = 0; w < 2; w++) {
		char name[64], help[96];

		snprintf(name, sizeof(name), "edgesteer_pop_%s_total", what[w]);
		snprintf(help, sizeof(help), "%c%s steered to the POP",
			 what[w][0] - 'a' + 'A', what[w] + 1);
		esd_prom_family(p, name, "counter", help);
		/* as `stats show` lists them: configured POPs, and ids that
		 * counted traffic before their POP was deleted (pop="") */
		for (__u32 id = 0; id < ES_MAX_POPS; id++) {
			const struct es_counter_value *v = &cnt[id];

			if (ps->by_id[id].kind == ES_POP_UNUSED && !v->packets && !v->bytes)
				continue;
			esd_prom_u64(p, w ? v->bytes : v->packets, "pop", ps->by_id[id].name,
				     "id", ps->id_text[id], NULL);
		}
	}
}

static void render_pop_state(struct esd_prom *p, struct pops *ps)
{
	esd_prom_family(p, "edgesteer_pop_state", "gauge",
			"1 for the POP's current state (up, drain, down), 0 for the others");
	for (size_t i = 0; i < ps->n; i++)
		for (int s = 0; s <= ES_STATE_DOWN; s++)
			esd_prom_u64(p, ps->pop[i].state == s, "pop", ps->pop[i].name,
				     "id", ps->id_text[ps->ids[i]], "state", state_names[s], NULL);
	esd_prom_family(p, "edgesteer_pop_nexthop_resolved", "gauge",
			"1 when the POP's next hop (egress link, MACs) is resolved, 0 when the data path falls back to its FIB lookup");
	for (size_t i = 0; i < ps->n; i++)
		esd_prom_u64(p, ps->pop[i].ifindex != 0, "pop", ps->pop[i].name,
			     "id", ps->id_text[ps->ids[i]], NULL);
}

/*
 * Decisions in use and the prefixes using them, by action and by each
 * POP as first choice: bounded by the POP count, never one series per
 * prefix. A decision's refs count its prefixes and the transitions that
 * lead away from it (one each), so those are taken back off.
 */
static void render_decisions(struct esd_prom *p, struct pops *ps)
{
	static const char *const actions[] = {
		[ES_ACTION_POPS] = "pops", [ES_ACTION_LOCAL] = "local", [ES_ACTION_DROP] = "drop",
	};
	uint64_t by_action[ES_ACTION_DROP + 1] = { 0 }, first[ES_MAX_POPS] = { 0 };
	uint64_t in_use = 0, transitions = 0;
	const struct es_decision *dec = m.st->decisions;
	int64_t *prefixes = calloc(ES_MAX_DECISIONS, sizeof(*prefixes));

	if (!prefixes) {
		p->oom = true;
		return;
	}
	for (__u32 id = 1; id < ES_MAX_DECISIONS; id++) {
		if (!dec[id].refs)
			continue;
		in_use++;
		prefixes[id] += dec[id].refs;
		if (dec[id].flags & ES_DECISION_TRANSITION && dec[id].prev < ES_MAX_DECISIONS) {
			prefixes[dec[id].prev]--;
			transitions++;
		}
	}
	for (__u32 id = 1; id < ES_MAX_DECISIONS; id++) {
		__u8 a = dec[id].action;

		if (!dec[id].refs || prefixes[id] <= 0 || a < ES_ACTION_POPS || a > ES_ACTION_DROP)
			continue;
		by_action[a] += (uint64_t)prefixes[id];
		if (a == ES_ACTION_POPS && dec[id].npops && dec[id].pops[0] < ES_MAX_POPS)
			first[dec[id].pops[0]] += (uint64_t)prefixes[id];
	}
	free(prefixes);

	esd_prom_family(p, "edgesteer_decisions_in_use", "gauge",
			"Decisions referenced by prefixes or transitions");
	esd_prom_u64(p, in_use, NULL);
	esd_prom_family(p, "edgesteer_decisions_transition", "gauge",
			"Decisions in use that move prefixes while their open connections stay");
	esd_prom_u64(p, transitions, NULL);
	esd_prom_family(p, "edgesteer_prefixes", "gauge", "Prefixes by their decision's action");
	for (int a = ES_ACTION_POPS; a <= ES_ACTION_DROP; a++)
		esd_prom_u64(p, by_action[a], "action", actions[a], NULL);
	esd_prom_family(p, "edgesteer_pop_prefixes_preferred", "gauge",
			"Prefixes whose decision names the POP as first candidate");
	for (size_t i = 0; i < ps->n; i++)
		esd_prom_u64(p, first[ps->ids[i]], "pop", ps->pop[i].name,
			     "id", ps->id_text[ps->ids[i]], NULL);
}

static void render_checks(struct esd_prom *p)
{
	static const char *const verdicts[] = { "unknown", "unhealthy", "healthy" };
	const struct esd_health *h = m.health ? *m.health : NULL;
	size_t n = esd_health_count(h);
	struct esd_check_info ci;

#define EACH_CHECK(stmt) do {						\
		for (size_t i = 0; i < n; i++) {			\
			const char *check;				\
									\
			esd_health_info(h, i, &ci);			\
			check = ci.self ? "self" : "probe";		\
			stmt;						\
		}							\
	} while (0)

	esd_prom_family(p, "edgesteerd_check_verdict", "gauge",
			"1 for the check's current verdict (unknown until rise or fall results in a row), 0 for the others");
	EACH_CHECK(for (int v = -1; v <= 1; v++)
			   esd_prom_u64(p, ci.verdict == v, "check", check, "pop", ci.pop,
					"kind", ci.kind, "verdict", verdicts[v + 1], NULL));
	esd_prom_family(p, "edgesteerd_check_rtt_seconds", "gauge",
			"Duration of the check's last successful attempt (for probes the round trip)");
	EACH_CHECK(if (ci.rtt_us)
			   esd_prom_double(p, (double)ci.rtt_us / 1e6, "check", check,
					   "pop", ci.pop, "kind", ci.kind, NULL));
	esd_prom_family(p, "edgesteerd_check_consecutive_successes", "gauge",
			"Successful attempts in a row (the rise count)");
	EACH_CHECK(esd_prom_u64(p, ci.ok_run, "check", check, "pop", ci.pop, "kind", ci.kind,
				NULL));
	esd_prom_family(p, "edgesteerd_check_consecutive_failures", "gauge",
			"Failed attempts in a row (the fall count)");
	EACH_CHECK(esd_prom_u64(p, ci.fail_run, "check", check, "pop", ci.pop, "kind", ci.kind,
				NULL));
	esd_prom_family(p, "edgesteerd_check_attempts_total", "counter",
			"Attempts by result since the daemon started");
	EACH_CHECK(esd_prom_u64(p, ci.successes, "check", check, "pop", ci.pop, "kind", ci.kind,
				"result", "success", NULL);
		   esd_prom_u64(p, ci.failures, "check", check, "pop", ci.pop, "kind", ci.kind,
				"result", "failure", NULL));
#undef EACH_CHECK
}

static void render_daemon(struct esd_prom *p)
{
	esd_prom_family(p, "edgesteerd_build_info", "gauge", "The daemon's version");
	esd_prom_u64(p, 1, "version", ES_VERSION, NULL);
	esd_prom_family(p, "edgesteerd_config_reloads_total", "counter",
			"Configuration reloads by outcome (a failed one changes nothing)");
	esd_prom_u64(p, m.reloads_ok, "result", "ok", NULL);
	esd_prom_u64(p, m.reloads_failed, "result", "failed", NULL);
	esd_prom_family(p, "edgesteerd_config_last_reload_success_timestamp_seconds", "gauge",
			"When the configuration in force was applied (start or reload), Unix time");
	esd_prom_double(p, m.last_reload, NULL);
}

void esd_metrics_render(struct esd_prom *p)
{
	struct es_counter_value cnt[ES_CNT_MAX], pop_cnt[ES_MAX_POPS];
	struct pops *ps = calloc(1, sizeof(*ps));
	int err;

	if (!ps) {
		p->oom = true;
		return;
	}
	err = es_pop_list(m.st, &ps->ids, &ps->pop, &ps->n);
	if (!err)
		err = es_stats_read(m.st, cnt);
	if (!err)
		err = es_pop_stats_read(m.st, pop_cnt);
	if (err) {
		esd_err("metrics: cannot read the state: %s", strerror(-err));
		p->oom = true;
		goto out;
	}
	for (__u32 id = 0; id < ES_MAX_POPS; id++)
		snprintf(ps->id_text[id], sizeof(ps->id_text[id]), "%u", id);
	for (size_t i = 0; i < ps->n; i++)
		if (ps->ids[i] < ES_MAX_POPS)
			ps->by_id[ps->ids[i]] = ps->pop[i];
	render_counters(p, cnt);
	render_pop_traffic(p, ps, pop_cnt);
	render_pop_state(p, ps);
	render_decisions(p, ps);
	render_checks(p);
	render_daemon(p);
out:
	free(ps->ids);
	free(ps->pop);
	free(ps);
}

/* ---- the listener ------------------------------------------------------------ */

static void conn_close(struct conn *c)
{
	if (!c->used)
		return;
	esd_loop_del(&c->sock);
	close(c->sock.fd);
	esd_loop_del(&c->timer);
	close(c->timer.fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->sock.fd = c->timer.fd = -1;
}

static void conn_write(struct conn *c)
{
	while (c->sent < c->olen) {
		ssize_t n = send(c->sock.fd, c->out + c->sent, c->olen - c->sent, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;		/* EPOLLOUT brings us back */
		if (n <= 0)
			break;
		c->sent += (size_t)n;
	}
	if (c->sent < c->olen) {
		conn_close(c);
		return;
	}
	/* Closing with unread input would reset the connection and could
	 * destroy the answer in flight: end our side, and close when the
	 * client does (or at the deadline). */
	shutdown(c->sock.fd, SHUT_WR);
	c->done = true;
	esd_loop_mod(&c->sock, EPOLLIN);
}

static void respond(struct conn *c, const char *status, const char *ctype, const char *body,
		    size_t blen, bool head)
{
	char hdr[256];
	int hl;

	hl = snprintf(hdr, sizeof(hdr),
		      "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		      "Connection: close\r\n%s\r\n",
		      status, ctype, blen, !strncmp(status, "405", 3) ? "Allow: GET, HEAD\r\n" : "");
	c->olen = (size_t)hl + (head ? 0 : blen);
	c->out = malloc(c->olen);
	if (!c->out) {
		conn_close(c);
		return;
	}
	memcpy(c->out, hdr, (size_t)hl);
	if (!head)
		memcpy(c->out + hl, body, blen);
	esd_loop_mod(&c->sock, EPOLLOUT);
	conn_write(c);
}

static void respond_text(struct conn *c, const char *status, const char *msg, bool head)
{
	respond(c, status, "text/plain; charset=utf-8", msg, strlen(msg), head);
}

/* One request line; headers are read (to their end) and ignored. */
static void handle(struct conn *c)
{
	char *sp1, *sp2, *eol, *q;
	bool get, head;

	eol = strpbrk(c->req, "\r\n");
	sp1 = memchr(c->req, ' ', (size_t)(eol - c->req));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || strncmp(sp2 + 1, "HTTP/1.", 7) || sp2 + 9 != eol) {
		respond_text(c, "400 Bad Request", "bad request\n", false);
		return;
	}
	*sp1 = *sp2 = 0;
	q = strchr(sp1 + 1, '?');	/* a query string is allowed and ignored */
	if (q)
		*q = 0;
	get = !strcmp(c->req, "GET");
	head = !strcmp(c->req, "HEAD");
	if (strcmp(sp1 + 1, "/metrics")) {
		respond_text(c, "404 Not Found", "not found: the metrics are at /metrics\n", head);
	} else if (!get && !head) {
		respond_text(c, "405 Method Not Allowed", "method not allowed\n", false);
	} else {
		struct esd_prom p;

		esd_prom_init(&p);
		esd_metrics_render(&p);
		if (p.oom)
			respond_text(c, "500 Internal Server Error", "cannot read the state\n", head);
		else
			respond(c, "200 OK", ESD_PROM_CONTENT_TYPE, p.buf, p.len, head);
		esd_prom_free(&p);
	}
}

static void on_conn(struct esd_src *src, uint32_t events)
{
	struct conn *c = esd_container_of(src, struct conn, sock);
	ssize_t n;

	if (c->done) {
		char sink[512];

		do
			n = recv(c->sock.fd, sink, sizeof(sink), 0);
		while (n > 0 || (n < 0 && errno == EINTR));
		if (!(n < 0 && errno == EAGAIN))
			conn_close(c);
		return;
	}
	if (c->out) {
		conn_write(c);
		return;
	}
	for (;;) {
		n = recv(c->sock.fd, c->req + c->rlen, sizeof(c->req) - 1 - c->rlen, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {		/* closed before the request ended */
			conn_close(c);
			return;
		}
		c->rlen += (size_t)n;
		c->req[c->rlen] = 0;
		if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n")) {
			handle(c);
			return;
		}
		if (c->rlen == sizeof(c->req) - 1) {
			respond_text(c, "431 Request Header Fields Too Large",
				     "request too large\n", false);
			return;
		}
	}
}

static void on_conn_timer(struct esd_src *src, uint32_t events)
{
	conn_close(esd_container_of(src, struct conn, timer));
}

/*
 * A free slot, or the one of the client that has been silent the longest:
 * a flood of idle connections then delays a scrape by nothing, where
 * refusing newcomers would lock scrapes out until the idle ones time out.
 */
static struct conn *free_slot(void)
{
	struct conn *oldest = NULL;

	for (int i = 0; i < ESD_METRICS_MAX_CONN; i++) {
		struct conn *c = &m.conn[i];

		if (!c->used)
			return c;
		if (!c->out && (!oldest || c->since < oldest->since))
			oldest = c;
	}
	if (oldest)
		conn_close(oldest);
	return oldest;
}

static void on_accept(struct esd_src *src, uint32_t events)
{
	for (;;) {
		int fd = accept4(src->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c = NULL;

		if (fd < 0)
			return;		/* EAGAIN, or the client gave up */
		c = free_slot();
		if (!c) {		/* every slot being answered: shed it */
			close(fd);
			continue;
		}
		c->used = true;
		c->since = esd_now_ms();
		c->sock.fd = fd;
		c->sock.fn = on_conn;
		c->timer.fn = on_conn_timer;
		c->timer.fd = esd_timer_new();
		if (c->timer.fd < 0 || esd_loop_add(&c->sock, EPOLLIN) ||
		    esd_loop_add(&c->timer, EPOLLIN) ||
		    esd_timer_at(c->timer.fd, esd_now_ms() + ESD_METRICS_TIMEOUT_MS)) {
			esd_loop_del(&c->sock);
			esd_loop_del(&c->timer);
			close(fd);
			if (c->timer.fd >= 0)
				close(c->timer.fd);
			memset(c, 0, sizeof(*c));
		}
	}
}

/* Where cfg asks, else the default: family, address, port. */
static void wanted(const struct esd_config *cfg, __u8 *family, struct es_addr *addr,
		   unsigned short *port)
{
	memset(addr, 0, sizeof(*addr));
	if (cfg->metrics) {
		*family = cfg->metrics_family;
		*addr = cfg->metrics_addr;
		*port = cfg->metrics_port;
		return;
	}
	*family = ES_AF_INET;
	inet_pton(AF_INET, ESD_METRICS_DEFAULT_ADDR, addr);
	*port = ESD_METRICS_DEFAULT_PORT;
}

static const char *addr_text(__u8 family, const struct es_addr *a, unsigned short port,
			     char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(family == ES_AF_INET6 ? AF_INET6 : AF_INET, a, ip, sizeof(ip));
	snprintf(buf, len, family == ES_AF_INET6 ? "[%s]:%u" : "%s:%u", ip, port);
	return buf;
}

static int listen_on(__u8 family, const struct es_addr *a, unsigned short port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd, one = 1;

	if (family == ES_AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a, sizeof(s6->sin6_addr));
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a, sizeof(s4->sin_addr));
		sl = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a restarted daemon rebinds at once, past its old TIME_WAITs */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == ES_AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, ESD_METRICS_MAX_CONN)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Move the listener to where cfg asks; the old one stays on failure. */
static int relisten(const struct esd_config *cfg)
{
	unsigned short port;
	struct es_addr addr;
	char text[64];
	__u8 family;
	int fd;

	wanted(cfg, &family, &addr, &port);
	if (m.listen.fd >= 0 && family == m.family && port == m.port &&
	    !memcmp(&addr, &m.addr, sizeof(addr)))
		return 0;
	addr_text(family, &addr, port, text, sizeof(text));
	fd = listen_on(family, &addr, port);
	if (fd < 0) {
		if (cfg->metrics)
			esd_err("metrics: cannot listen on %s: %s", text, strerror(-fd));
		else
			esd_warn("metrics: cannot listen on the default %s: %s (set `metrics listen ADDR:PORT`)",
				 text, strerror(-fd));
		return fd;
	}
	if (m.listen.fd >= 0) {
		esd_loop_del(&m.listen);
		close(m.listen.fd);
	}
	m.listen.fd = fd;
	m.listen.fn = on_accept;
	if (esd_loop_add(&m.listen, EPOLLIN)) {
		fd = -errno;
		close(m.listen.fd);
		m.listen.fd = -1;
		esd_err("metrics: cannot watch the listener: %s", strerror(-fd));
		return fd;
	}
	m.family = family;
	m.addr = addr;
	m.port = port;
	esd_info("metrics: serving http://%s/metrics", text);
	return 0;
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1e3;
}

int esd_metrics_start(struct es_state *st, struct esd_health *const *health,
		      const struct esd_config *cfg)
{
	int err;

	m.st = st;
	m.health = health;
	m.last_reload = wall_now();
	for (int i = 0; i < ESD_METRICS_MAX_CONN; i++)
		m.conn[i].sock.fd = m.conn[i].timer.fd = -1;
	err = relisten(cfg);
	return cfg->metrics ? err : 0;
}

void esd_metrics_reloaded(const struct esd_config *cfg, bool ok)
{
	if (!ok) {
		m.reloads_failed++;
		return;
	}
	m.reloads_ok++;
	m.last_reload = wall_now();
	if (m.st)
		relisten(cfg);
}

void esd_metrics_stop(void)
{
	for (int i = 0; i < ESD_METRICS_MAX_CONN; i++)
		conn_close(&m.conn[i]);
	if (m.listen.fd >= 0) {
		esd_loop_del(&m.listen);
		close(m.listen.fd);
		m.listen.fd = -1;
	}
}
