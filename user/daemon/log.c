// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Logging to stderr or syslog. Timestamps on stderr are wall clock with
 * milliseconds: the netns test and operators compare them with probe
 * intervals of 100 ms.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

static bool log_stderr = true;

void esd_log_open(bool to_stderr)
{
	log_stderr = to_stderr;
	if (!to_stderr)
		openlog("edgesteerd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static const char *prio_name(int prio)
{
	switch (prio) {
	case LOG_ERR:
		return "error: ";
	case LOG_WARNING:
		return "warning: ";
	default:
		return "";
	}
}

void esd_log(int prio, const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	va_list ap;

	va_start(ap, fmt);
	if (!log_stderr) {
		vsyslog(prio, fmt, ap);
		va_end(ap);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld edgesteerd: %s", tm.tm_hour, tm.tm_min, tm.tm_sec,
		ts.tv_nsec / 1000000, prio_name(prio));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
