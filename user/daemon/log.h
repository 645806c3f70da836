/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * edgesteerd's log: stderr with a timestamp in the foreground (-f), syslog
 * (which journald collects) otherwise. One line per event, saying what
 * changed and why, so an operator can attribute every state change.
 */
#ifndef ESD_LOG_H
#define ESD_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* to_stderr: foreground; otherwise openlog() is called here. */
void esd_log_open(bool to_stderr);

void esd_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define esd_err(...)	esd_log(LOG_ERR, __VA_ARGS__)
#define esd_warn(...)	esd_log(LOG_WARNING, __VA_ARGS__)
#define esd_info(...)	esd_log(LOG_INFO, __VA_ARGS__)

#endif /* ESD_LOG_H */
