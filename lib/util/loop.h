/* A small epoll event loop: fd callbacks and one-shot timers.  Every
 * long-running part of vitool (backend, control socket, later trace and
 * proxy) runs on it; there are no threads.  Callbacks may add or delete fds
 * and timers, including their own, from inside a callback. */
#ifndef VT_UTIL_LOOP_H
#define VT_UTIL_LOOP_H

#include <stdint.h>

struct vt_loop;
struct vt_timer;

typedef void (*vt_fd_cb)(struct vt_loop *loop, int fd, uint32_t events, void *arg);
typedef void (*vt_timer_cb)(struct vt_loop *loop, void *arg);

struct vt_loop *vt_loop_new(void);
void vt_loop_free(struct vt_loop *loop);

/* events: EPOLLIN / EPOLLOUT ... ; -errno on failure. */
int vt_loop_add_fd(struct vt_loop *loop, int fd, uint32_t events, vt_fd_cb cb, void *arg);
int vt_loop_mod_fd(struct vt_loop *loop, int fd, uint32_t events);
/* Forgets fd (does not close it).  Safe for an fd that is not registered. */
void vt_loop_del_fd(struct vt_loop *loop, int fd);

/* One-shot timer after delay_ns.  NULL on failure. */
struct vt_timer *vt_loop_timer(struct vt_loop *loop, uint64_t delay_ns, vt_timer_cb cb, void *arg);
void vt_loop_timer_cancel(struct vt_loop *loop, struct vt_timer *t);

/* Dispatches events until vt_loop_stop(); returns 0, or -errno. */
int vt_loop_run(struct vt_loop *loop);
/* Dispatches what is ready within timeout_ms (-1: block); returns the number
 * of callbacks run, or -errno. */
int vt_loop_run_once(struct vt_loop *loop, int timeout_ms);
void vt_loop_stop(struct vt_loop *loop);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t vt_now_ns(void);

/* Milliseconds from now until deadline_ns (a vt_now_ns() value), rounded
 * up so a poll() never wakes early; 0 once it has passed; at most
 * INT32_MAX.  For poll() timeouts that count down to a deadline. */
int vt_ms_until(uint64_t deadline_ns);

#endif
