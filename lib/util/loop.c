/* epoll event loop with one-shot timers kept in a list (few timers, so a
 * linear scan for the earliest is cheaper than a heap's bookkeeping).
 * Entries removed from inside a callback are only marked dead and freed
 * after the current dispatch round, so callbacks may delete anything. */
#include "util/loop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

struct fd_entry {
	int fd;
	vt_fd_cb cb;
	void *arg;
	bool dead;
	struct fd_entry *next;
};

struct vt_timer {
	uint64_t deadline;
	vt_timer_cb cb;
	void *arg;
	bool dead;
	struct vt_timer *next;
};

struct vt_loop {
	int epfd;
	bool stop;
	struct fd_entry *fds;
	struct vt_timer *timers;
	int dispatching;   /* depth: defer frees while > 0 */
};

uint64_t vt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int vt_ms_until(uint64_t deadline_ns)
{
	uint64_t now = vt_now_ns();
	uint64_t ms;

	if (now >= deadline_ns)
		return 0;
	ms = (deadline_ns - now + 999999) / 1000000;
	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

struct vt_loop *vt_loop_new(void)
{
	struct vt_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	return l;
}

static void reap(struct vt_loop *l)
{
	struct fd_entry **pe = &l->fds;
	struct vt_timer **pt = &l->timers;

	while (*pe) {
		struct fd_entry *e = *pe;
		if (e->dead) {
			*pe = e->next;
			free(e);
		} else {
			pe = &e->next;
		}
	}
	while (*pt) {
		struct vt_timer *t = *pt;
		if (t->dead) {
			*pt = t->next;
			free(t);
		} else {
			pt = &t->next;
		}
	}
}

void vt_loop_free(struct vt_loop *l)
{
	if (!l)
		return;
	for (struct fd_entry *e = l->fds; e; e = e->next)
		e->dead = true;
	for (struct vt_timer *t = l->timers; t; t = t->next)
		t->dead = true;
	reap(l);
	close(l->epfd);
	free(l);
}

static struct fd_entry *find_fd(struct vt_loop *l, int fd)
{
	for (struct fd_entry *e = l->fds; e; e = e->next)
		if (!e->dead && e->fd == fd)
			return e;
	return NULL;
}

int vt_loop_add_fd(struct vt_loop *l, int fd, uint32_t events, vt_fd_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events };
	struct fd_entry *e;

	if (fd < 0 || find_fd(l, fd))
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->fd = fd;
	e->cb = cb;
	e->arg = arg;
	ev.data.ptr = e;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = errno;
		free(e);
		return -err;
	}
	e->next = l->fds;
	l->fds = e;
	return 0;
}

int vt_loop_mod_fd(struct vt_loop *l, int fd, uint32_t events)
{
	struct fd_entry *e = find_fd(l, fd);
	struct epoll_event ev = { .events = events };

	if (!e)
		return -ENOENT;
	ev.data.ptr = e;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void vt_loop_del_fd(struct vt_loop *l, int fd)
{
	struct fd_entry *e = find_fd(l, fd);

	if (!e)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	e->dead = true;
	if (!l->dispatching)
		reap(l);
}

struct vt_timer *vt_loop_timer(struct vt_loop *l, uint64_t delay_ns, vt_timer_cb cb, void *arg)
{
	struct vt_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->deadline = vt_now_ns() + delay_ns;
	t->cb = cb;
	t->arg = arg;
	t->next = l->timers;
	l->timers = t;
	return t;
}

void vt_loop_timer_cancel(struct vt_loop *l, struct vt_timer *t)
{
	if (!t)
		return;
	t->dead = true;
	if (!l->dispatching)
		reap(l);
}

/* Milliseconds until the earliest live timer (rounded up), or -1. */
static int next_timeout(struct vt_loop *l)
{
	uint64_t min = UINT64_MAX;

	for (struct vt_timer *t = l->timers; t; t = t->next)
		if (!t->dead && t->deadline < min)
			min = t->deadline;
	if (min == UINT64_MAX)
		return -1;
	int ms = vt_ms_until(min);
	return ms > 60000 ? 60000 : ms;
}

static int run_timers(struct vt_loop *l)
{
	uint64_t now = vt_now_ns();
	int ran = 0;

	for (struct vt_timer *t = l->timers; t; t = t->next) {
		if (t->dead || t->deadline > now)
			continue;
		t->dead = true;   /* one-shot: dead before the callback may re-arm */
		t->cb(l, t->arg);
		ran++;
	}
	return ran;
}

int vt_loop_run_once(struct vt_loop *l, int timeout_ms)
{
	struct epoll_event evs[32];
	int t = next_timeout(l);
	int n, ran = 0;

	if (t < 0 || (timeout_ms >= 0 && timeout_ms < t))
		t = timeout_ms;
	n = epoll_wait(l->epfd, evs, 32, t);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	l->dispatching++;
	for (int i = 0; i < n; i++) {
		struct fd_entry *e = evs[i].data.ptr;
		if (e->dead)
			continue;
		e->cb(l, e->fd, evs[i].events, e->arg);
		ran++;
	}
	ran += run_timers(l);
	l->dispatching--;
	if (!l->dispatching)
		reap(l);
	return ran;
}

int vt_loop_run(struct vt_loop *l)
{
	l->stop = false;
	while (!l->stop) {
		int r = vt_loop_run_once(l, -1);
		if (r < 0)
			return r;
	}
	return 0;
}

void vt_loop_stop(struct vt_loop *l)
{
	l->stop = true;
}
