/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's single-threaded event loop: every input is a file
 * descriptor in one epoll set (probe sockets, their timerfds, a signalfd,
 * inotify), so nothing runs concurrently and no state needs a mutex.
 */
#ifndef ESD_LOOP_H
#define ESD_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct esd_src;
typedef void (*esd_src_fn)(struct esd_src *src, uint32_t events);

/* Embedded in whatever owns the descriptor; container_of() gets it back. */
struct esd_src {
	int fd;
	esd_src_fn fn;
};

#define esd_container_of(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

int esd_loop_init(void);
void esd_loop_fini(void);

/* Watch src->fd for events (EPOLLIN, EPOLLOUT); 0 or -errno. */
int esd_loop_add(struct esd_src *src, uint32_t events);
int esd_loop_mod(struct esd_src *src, uint32_t events);
/* Stop watching (before closing the descriptor). */
void esd_loop_del(struct esd_src *src);

/*
 * Dispatch events until esd_loop_stop(). One event per wakeup: a handler
 * may free other sources (a reload drops every probe), and a batch of
 * events would then hold pointers to freed memory.
 */
int esd_loop_run(void);
void esd_loop_stop(void);

/* CLOCK_MONOTONIC in milliseconds: every deadline of the daemon. */
uint64_t esd_now_ms(void);

/* A non-blocking CLOCK_MONOTONIC timerfd, or -errno. */
int esd_timer_new(void);
/* Fire once at monotonic time at_ms (in the past: at once); 0 disarms. */
int esd_timer_at(int fd, uint64_t at_ms);
/* Read the expiry count so that a level-triggered timer goes quiet. */
void esd_timer_ack(int fd);

#endif /* ESD_LOOP_H */
