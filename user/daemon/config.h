/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * edgesteerd's configuration file: the CLI's batch grammar for the state
 * (pop, vip, peer, prefix, link and config lines, run by the CLI's own
 * command code) and the daemon's own directives, parsed here:
 *
 *   probe POP icmp | tcp PORT | http URL [interval MS] [timeout MS] [rise N] [fall N]
 *   self-check command "CMD" | drain-file PATH [interval MS] [timeout MS] [rise N] [fall N]
 *   latency file PATH
 *   latency socket PATH
 *   policy [min-gain-ms N] [min-gain-pct P] [hold-down S]
 *   metrics listen ADDR:PORT
 *
 * Loading is transactional: the whole file is read and checked (every
 * state line in the CLI's dry run, every directive against the POPs that
 * exist or that earlier lines add) before anything is applied, and the
 * first error is returned as "FILE:LINE: message".
 */
#ifndef ESD_CONFIG_H
#define ESD_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include "edgesteer.h"

/* ExaBGP's healthcheck defaults: 5 s interval, rise 3, fall 3. */
#define ESD_DEF_INTERVAL_MS	5000
#define ESD_DEF_RISE		3
#define ESD_DEF_FALL		3
#define ESD_MIN_INTERVAL_MS	100
#define ESD_MAX_INTERVAL_MS	3600000
#define ESD_MAX_COUNT		100
#define ESD_CMD_MAX		1024
#define ESD_URL_MAX		1024
#define ESD_ERR_MAX		1200	/* "FILE:LINE: " and a CLI message */

enum esd_probe_kind {
	ESD_PROBE_ICMP,
	ESD_PROBE_TCP,
	ESD_PROBE_HTTP,
};

/* How often and how strictly a check runs, shared by probes and self-check. */
struct esd_timing {
	unsigned int interval_ms;
	unsigned int timeout_ms;	/* at most interval_ms */
	unsigned int rise, fall;
};

struct esd_probe_spec {
	char pop[ES_POP_NAME_LEN];
	enum esd_probe_kind kind;
	unsigned short port;		/* tcp, http */
	/* http: the host of the URL (an IP literal) and what to ask for */
	bool has_host;
	__u8 host_family;
	struct es_addr host;
	char host_text[64];		/* as written, for the Host header */
	char path[ESD_URL_MAX];
	struct esd_timing t;
	int lineno;
};

enum esd_self_kind {
	ESD_SELF_NONE,
	ESD_SELF_COMMAND,	/* healthy while CMD exits 0 */
	ESD_SELF_DRAIN_FILE,	/* drained while PATH exists */
};

struct esd_self_spec {
	enum esd_self_kind kind;
	char arg[ESD_CMD_MAX];
	struct esd_timing t;
	int lineno;
};

#define ESD_MAX_LATENCY_FILES	16

struct esd_config {
	char path[PATH_MAX];
	struct esd_probe_spec *probes;
	size_t nprobes;
	struct esd_self_spec self;
	/* latency sources and selection policy, for the latency store */
	char latency_files[ESD_MAX_LATENCY_FILES][PATH_MAX];
	size_t nlatency_files;
	char latency_socket[PATH_MAX];
	unsigned int min_gain_ms, min_gain_pct, hold_down_s;
	/* metrics listener (default loopback only) */
	bool metrics;
	__u8 metrics_family;
	struct es_addr metrics_addr;
	unsigned short metrics_port;
};

/*
 * Read, check and (unless check_only) apply the file at path against the
 * state under pin_path. On success *cfg holds the daemon's directives
 * (free with esd_config_free()). On failure nothing was applied (except
 * when the kernel refused a write in the second pass: the lines before it
 * stay, as with `edgesteer batch`) and err holds "FILE:LINE: message".
 */
int esd_config_load(const char *path, const char *pin_path, bool check_only,
		    struct esd_config *cfg, char *err, size_t errlen);
void esd_config_free(struct esd_config *cfg);

/* ---- for config.c and apply.c -------------------------------------------- */

struct cli_ctx;

/* The daemon's own directive words, matched in full. */
bool esd_is_directive(const char *word);

/* Parse one directive line into cfg; -1 after cli_err(). POP names are
 * checked against what exists and what earlier lines add. */
int esd_directive(struct cli_ctx *ctx, struct esd_config *cfg, int argc, char **argv);

/*
 * A state line: check that it is one a configuration may hold, and say
 * whether it is already in force (an identical pop, vip rule or peer is
 * pinned), in which case it is skipped so that applying a file twice
 * changes nothing. 0 and *skip, or -1 after cli_err().
 */
int esd_state_line(struct cli_ctx *ctx, int argc, char **argv, bool *skip);

#endif /* ESD_CONFIG_H */
