// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * epoll and timerfd plumbing for the daemon.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

static int epfd = -1;
static bool stopping;

int esd_loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? -errno : 0;
}

void esd_loop_fini(void)
{
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
}

static int ctl(int op, struct esd_src *src, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	return epoll_ctl(epfd, op, src->fd, &ev) ? -errno : 0;
}

int esd_loop_add(struct esd_src *src, uint32_t events)
{
	return ctl(EPOLL_CTL_ADD, src, events);
}

int esd_loop_mod(struct esd_src *src, uint32_t events)
{
	return ctl(EPOLL_CTL_MOD, src, events);
}

void esd_loop_del(struct esd_src *src)
{
	if (src->fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, src->fd, NULL);
}

int esd_loop_run(void)
{
	struct epoll_event ev;
	int n;

	stopping = false;
	while (!stopping) {
		n = epoll_wait(epfd, &ev, 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 1) {
			struct esd_src *src = ev.data.ptr;

			src->fn(src, ev.events);
		}
	}
	return 0;
}

void esd_loop_stop(void)
{
	stopping = true;
}

uint64_t esd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int esd_timer_new(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int esd_timer_at(int fd, uint64_t at_ms)
{
	struct itimerspec it = { 0 };

	if (at_ms) {
		/* an absolute time of 0 would disarm: the past is "now" */
		if (at_ms < 1)
			at_ms = 1;
		it.it_value.tv_sec = (time_t)(at_ms / 1000);
		it.it_value.tv_nsec = (long)(at_ms % 1000) * 1000000;
	}
	return timerfd_settime(fd, TFD_TIMER_ABSTIME, &it, NULL) ? -errno : 0;
}

void esd_timer_ack(int fd)
{
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0)
		return;	/* EAGAIN: nothing pending, which is fine */
}
