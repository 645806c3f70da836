// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * edgesteerd: keeps edgesteer's decisions current from health data.
 *
 *   edgesteerd -c FILE [-f] [--pin-path DIR] [--check]
 *
 * Start-up: the configuration is checked whole and applied (in the
 * foreground, so that an error reaches the terminal and the exit status),
 * then the daemon detaches unless -f, opens the state under the pin path
 * (adopting whatever is pinned: nothing is flushed or recreated, so a
 * restart never disturbs traffic) and runs its event loop: probes, the
 * self-check, SIGHUP and changes to the file (reload), SIGTERM (exit,
 * leaving the data path running on its pinned program and maps).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "config.h"
#include "health.h"
#include "latency_feed.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "nexthops.h"
#include "popstate.h"
#include "state.h"
#include "upgrade_start.h"

#define RELOAD_SETTLE_MS	200	/* editors write a file in several steps */

static struct {
	char config[PATH_MAX];
	char config_dir[PATH_MAX];
	char config_base[NAME_MAX + 1];
	const char *pin_path;
	bool foreground;
	struct es_state *st;
	struct esd_config cfg;
	struct esd_health *health;
	struct esd_src sig, inotify, settle;
} d = {
	.sig.fd = -1, .inotify.fd = -1, .settle.fd = -1,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: edgesteerd -c FILE [-f] [--pin-path DIR] [--check]\n"
		"       edgesteerd -h | -V\n"
		"\n"
		"  -c, --config FILE  configuration: edgesteer batch lines and daemon directives\n"
		"  -f, --foreground   stay in the foreground and log to stderr (else syslog)\n"
		"      --pin-path DIR the state's pin path (else $%s, else %s)\n"
		"      --check        check the configuration against the state and exit\n"
		"  -h, --help         this help\n"
		"  -V, --version      the version\n",
		ES_PIN_PATH_ENV, ES_DEFAULT_PIN_PATH);
}

static int apply_health(const struct esd_config *cfg)
{
	char err[ESD_ERR_MAX];
	struct esd_health *h;

	h = esd_health_start(d.st, cfg, d.health, err, sizeof(err));
	if (!h) {
		esd_err("%s", err);
		return -1;
	}
	esd_health_free(d.health);
	d.health = h;
	return 0;
}

static void reload(const char *why)
{
	char err[ESD_ERR_MAX];
	struct esd_config cfg;

	esd_info("reloading %s (%s)", d.config, why);
	if (esd_config_load(d.config, d.pin_path, false, &cfg, err, sizeof(err))) {
		esd_err("%s", err);
		esd_err("reload failed: the running configuration stays in force");
		esd_metrics_reloaded(&d.cfg, false);
		return;
	}
	if (apply_health(&cfg)) {
		esd_config_free(&cfg);
		esd_err("reload failed: the running checks stay in force");
		esd_metrics_reloaded(&d.cfg, false);
		return;
	}
	esd_config_free(&d.cfg);
	d.cfg = cfg;
	esd_nexthops_refresh();		/* POPs may have been added */
	esd_latency_reload(&d.cfg);	/* policy, sources, prefixes */
	esd_metrics_reloaded(&d.cfg, true);
	esd_info("reloaded %s: %zu probe%s%s", d.config, d.cfg.nprobes,
		 d.cfg.nprobes == 1 ? "" : "s", d.cfg.self.kind ? ", self-check" : "");
}

static void on_signal(struct esd_src *src, uint32_t events)
{
	struct signalfd_siginfo si;

	while (read(src->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reload("SIGHUP");
			break;
		case SIGCHLD:
			esd_health_reap(d.health);
			break;
		default:
			esd_info("signal %u: exiting; the data path keeps running on its pinned state",
				 si.ssi_signo);
			esd_loop_stop();
		}
	}
}

static void on_settle(struct esd_src *src, uint32_t events)
{
	esd_timer_ack(src->fd);
	reload("the file changed");
}

/* Changes to the file: watched through its directory, so that an editor
 * replacing it by a rename is seen too. */
static void on_inotify(struct esd_src *src, uint32_t events)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool ours = false;
	ssize_t n;

	while ((n = read(src->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if (ev->len && !strcmp(ev->name, d.config_base))
				ours = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	if (ours)
		esd_timer_at(d.settle.fd, esd_now_ms() + RELOAD_SETTLE_MS);
}

static int setup_loop(void)
{
	sigset_t set;
	int err;

	err = esd_loop_init();
	if (err)
		return err;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d.sig.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	d.sig.fn = on_signal;
	if (d.sig.fd < 0 || esd_loop_add(&d.sig, EPOLLIN))
		return -errno;

	d.settle.fd = esd_timer_new();
	d.settle.fn = on_settle;
	if (d.settle.fd < 0 || esd_loop_add(&d.settle, EPOLLIN))
		return d.settle.fd < 0 ? d.settle.fd : -errno;

	d.inotify.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	d.inotify.fn = on_inotify;
	if (d.inotify.fd < 0 ||
	    inotify_add_watch(d.inotify.fd, d.config_dir,
			      IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0 ||
	    esd_loop_add(&d.inotify, EPOLLIN))
		return -errno;
	return 0;
}

/* The configuration's absolute path: the daemon leaves its working
 * directory, and inotify watches the directory. */
static int config_path(const char *arg)
{
	char dir[PATH_MAX], base[PATH_MAX], real[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", arg);
	snprintf(base, sizeof(base), "%s", arg);
	if (!realpath(dirname(dir), real))
		return -errno;
	snprintf(d.config_dir, sizeof(d.config_dir), "%s", real);
	snprintf(d.config_base, sizeof(d.config_base), "%s", basename(base));
	if ((size_t)snprintf(d.config, sizeof(d.config), "%s/%s", d.config_dir, d.config_base) >=
	    sizeof(d.config))
		return -ENAMETOOLONG;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "foreground",	no_argument,		NULL, 'f' },
		{ "pin-path",	required_argument,	NULL, 'P' },
		{ "check",	no_argument,		NULL, 'C' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ 0 }
	};
	char err[ESD_ERR_MAX];
	const char *config = NULL, *env;
	bool check = false;
	int o, rc;

	while ((o = getopt_long(argc, argv, "c:fhV", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			config = optarg;
			break;
		case 'f':
			d.foreground = true;
			break;
		case 'P':
			d.pin_path = optarg;
			break;
		case 'C':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("edgesteerd %s\n", ES_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_FAILURE;
		}
	}
	if (!config || optind != argc) {
		usage(stderr);
		return EXIT_FAILURE;
	}
	env = getenv(ES_PIN_PATH_ENV);
	if (!d.pin_path)
		d.pin_path = env && *env ? env : ES_DEFAULT_PIN_PATH;
	if (!*d.pin_path) {
		fprintf(stderr, "edgesteerd: empty --pin-path\n");
		return EXIT_FAILURE;
	}
	esd_log_open(true);
	rc = config_path(config);
	if (rc) {
		esd_err("%s: %s", config, strerror(-rc));
		return EXIT_FAILURE;
	}

	/* Checked whole and applied before detaching: errors reach the
	 * terminal and the exit status. */
	if (esd_config_load(d.config, d.pin_path, check, &d.cfg, err, sizeof(err))) {
		esd_err("%s", err);
		return EXIT_FAILURE;
	}
	if (check) {
		esd_info("%s: configuration OK", d.config);
		esd_config_free(&d.cfg);
		return EXIT_SUCCESS;
	}
	/* adopt what is pinned; create it only if the file declared nothing */
	rc = es_state_open(&d.st, d.pin_path, ES_OPEN_CREATE, NULL);
	if (rc) {
		esd_err("cannot open state under '%s': %s", d.pin_path, strerror(-rc));
		return EXIT_FAILURE;
	}
	/* a new build restarting takes the data path with it, in place */
	if (esd_upgrade_at_start(d.st))
		return EXIT_FAILURE;
	rc = esd_owner_open(d.st);
	if (rc) {
		esd_err("cannot open the state ownership record under '%s': %s", d.pin_path,
			strerror(-rc));
		return EXIT_FAILURE;
	}
	if (!d.foreground) {
		if (daemon(0, 0)) {
			esd_err("cannot detach: %s", strerror(errno));
			return EXIT_FAILURE;
		}
		esd_log_open(false);
	}

	rc = setup_loop();
	if (rc) {
		esd_err("cannot set up the event loop: %s", strerror(-rc));
		return EXIT_FAILURE;
	}
	rc = esd_nexthops_start(d.st);
	if (rc) {
		esd_err("cannot open netlink for next hops: %s", strerror(-rc));
		return EXIT_FAILURE;
	}
	if (apply_health(&d.cfg) || esd_metrics_start(d.st, &d.health, &d.cfg))
		return EXIT_FAILURE;
	if (esd_latency_start(d.st, d.pin_path, &d.cfg))
		return EXIT_FAILURE;
	esd_info("started: %s, state under %s, %zu probe%s%s", d.config, d.pin_path,
		 d.cfg.nprobes, d.cfg.nprobes == 1 ? "" : "s",
		 d.cfg.self.kind ? ", self-check" : "");

	rc = esd_loop_run();
	if (rc)
		esd_err("event loop: %s", strerror(-rc));

	esd_health_free(d.health);
	esd_metrics_stop();
	esd_latency_stop();	/* removes the socket file */
	esd_nexthops_stop();
	esd_config_free(&d.cfg);
	esd_owner_close();
	es_state_close(d.st);	/* closes descriptors only: the pins stay */
	esd_loop_fini();
	return rc ? EXIT_FAILURE : EXIT_SUCCESS;
}
