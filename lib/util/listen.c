/* Listening unix sockets (see listen.h). */
#include "util/listen.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/log.h"

struct vt_listener {
	struct vt_loop *loop;
	int fd;
	char *path;
	struct vt_listen_conf conf;
	vt_accept_fn fn;
	void *arg;
	bool paused;            /* by the owner */
	bool watching;          /* fd is on the loop */
	struct vt_timer *backoff;
	bool in_burst;          /* failures logged, success not yet */
	struct vt_listen_stats st;
};

/* Something at path: refuse a live listener or a non-socket, remove a
 * stale socket (an instance that crashed). */
static int clear_stale(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	const char *path = sa->sun_path;
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket; not replacing it", path);
		return -EEXIST;
	}
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	int r = connect(s, (const struct sockaddr *)sa, sizeof(*sa)), e = errno;
	close(s);
	/* EAGAIN: a full backlog, i.e. very much alive; EACCES: someone's. */
	if (r == 0 || e == EAGAIN || e == EACCES) {
		snprintf(err, errlen, "%s: another process is listening there", path);
		return -EADDRINUSE;
	}
	if (e != ECONNREFUSED && e != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove stale socket %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

static int bind_listen(const struct sockaddr_un *sa, const struct vt_listen_conf *c, char *err,
		       size_t errlen)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), r;

	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	/* umask around bind: the socket never exists with a wider mode. */
	mode_t old = c->mode ? umask(~c->mode & 0777) : 0;
	r = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int e = errno;
	if (c->mode)
		umask(old);
	if (r < 0) {
		snprintf(err, errlen, "cannot bind %s: %s", sa->sun_path, strerror(e));
		close(fd);
		return -e;
	}
	if ((c->mode && chmod(sa->sun_path, c->mode) < 0) || listen(fd, c->backlog) < 0) {
		e = errno;
		snprintf(err, errlen, "cannot listen on %s: %s", sa->sun_path, strerror(e));
		unlink(sa->sun_path);
		close(fd);
		return -e;
	}
	return fd;
}

static void on_accept(struct vt_loop *loop, int fd, uint32_t events, void *arg);
static void on_backoff(struct vt_loop *loop, void *arg);

/* Watch the fd exactly when the owner wants connections and we are not
 * backing off. */
static int update(struct vt_listener *l)
{
	bool want = !l->paused && !l->backoff;

	if (want == l->watching)
		return 0;
	if (!want) {
		vt_loop_del_fd(l->loop, l->fd);
		l->watching = false;
		return 0;
	}
	int r = vt_loop_add_fd(l->loop, l->fd, EPOLLIN, on_accept, l);
	if (r < 0)
		return r;
	l->watching = true;
	return 0;
}

static bool out_of_resources(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

static void back_off(struct vt_listener *l, int e)
{
	l->st.failed++;
	if (!l->in_burst)
		vt_err("%s: accept on %s: %s; pausing accepts (retrying every %d ms)", l->conf.what,
		       l->path, strerror(e), VT_LISTEN_BACKOFF_MS);
	l->in_burst = true;
	l->backoff = vt_loop_timer(l->loop, (uint64_t)VT_LISTEN_BACKOFF_MS * 1000000u, on_backoff, l);
	if (!l->backoff)
		return;   /* no timer either: keep watching rather than never accept again */
	l->st.backoffs++;
	update(l);
}

static void on_backoff(struct vt_loop *loop, void *arg)
{
	struct vt_listener *l = arg;

	(void)loop;
	l->backoff = NULL;   /* fired: the loop frees it */
	if (update(l) < 0)
		vt_err("%s: cannot watch %s again", l->conf.what, l->path);
}

static void on_accept(struct vt_loop *loop, int fd, uint32_t events, void *arg)
{
	struct vt_listener *l = arg;

	(void)loop;
	(void)events;
	/* Until the backlog is empty, or the owner paused us (it took the
	 * one connection it serves at a time). */
	while (l->watching) {
		int c = accept4(fd, NULL, NULL, l->conf.accept_flags);
		if (c < 0) {
			int e = errno;
			if (e == EINTR || e == ECONNABORTED)
				continue;
			if (out_of_resources(e))
				back_off(l, e);
			else if (e != EAGAIN && e != EWOULDBLOCK)
				vt_warn("%s: accept on %s: %s", l->conf.what, l->path, strerror(e));
			return;
		}
		if (l->in_burst) {
			vt_info("%s: accepting on %s again after %llu failed attempts", l->conf.what,
				l->path, (unsigned long long)l->st.failed);
			l->in_burst = false;
		}
		l->st.accepted++;
		l->fn(l->arg, c);
	}
}

struct vt_listener *vt_listen_unix(struct vt_loop *loop, const char *path,
				   const struct vt_listen_conf *conf, vt_accept_fn fn, void *arg,
				   int *rc, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vt_listener *l;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		*rc = -ENAMETOOLONG;
		return NULL;
	}
	if (!*path) {   /* bind() would make an abstract socket of it */
		snprintf(err, errlen, "empty socket path");
		*rc = -EINVAL;
		return NULL;
	}
	strcpy(sa.sun_path, path);
	if ((*rc = clear_stale(&sa, err, errlen)) < 0)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l || !(l->path = strdup(path))) {
		free(l);
		snprintf(err, errlen, "out of memory");
		*rc = -ENOMEM;
		return NULL;
	}
	l->loop = loop;
	l->conf = *conf;
	l->fn = fn;
	l->arg = arg;
	l->fd = bind_listen(&sa, conf, err, errlen);
	if (l->fd < 0) {
		*rc = l->fd;
		free(l->path);
		free(l);
		return NULL;
	}
	if ((*rc = update(l)) < 0) {
		snprintf(err, errlen, "cannot watch %s: %s", path, strerror(-*rc));
		l->paused = true;   /* nothing to take off the loop */
		vt_listener_free(l);
		return NULL;
	}
	return l;
}

void vt_listener_free(struct vt_listener *l)
{
	if (!l)
		return;
	if (l->backoff)
		vt_loop_timer_cancel(l->loop, l->backoff);
	if (l->watching)
		vt_loop_del_fd(l->loop, l->fd);
	close(l->fd);
	unlink(l->path);
	free(l->path);
	free(l);
}

void vt_listener_pause(struct vt_listener *l)
{
	l->paused = true;
	update(l);
}

int vt_listener_resume(struct vt_listener *l)
{
	l->paused = false;
	return update(l);
}

const char *vt_listener_path(const struct vt_listener *l)
{
	return l->path;
}

void vt_listener_stats(const struct vt_listener *l, struct vt_listen_stats *st)
{
	*st = l->st;
}
