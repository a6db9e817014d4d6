/* A listening unix stream socket on the event loop, shared by the
 * vhost-user backend and the control server: creating it (taking over a
 * stale socket file that nobody listens on, refusing anything else),
 * accepting, and backing off when accepting fails for lack of resources.
 *
 * Why the backoff: a listening socket whose pending connection cannot be
 * accepted (EMFILE, ENFILE, ENOBUFS, ENOMEM) stays readable, so a loop that
 * only logs and returns is called again at once: 100% CPU and an unbounded
 * log.  Instead the listener stops watching its fd for
 * VT_LISTEN_BACKOFF_MS, tries again then, and logs one line per burst of
 * failures (and one when it accepts again). */
#ifndef VT_UTIL_LISTEN_H
#define VT_UTIL_LISTEN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/loop.h"

#define VT_LISTEN_BACKOFF_MS 100

struct vt_listener;

/* A new connection; fd is the callee's.  It may pause or free nothing but
 * pause/resume the listener from here (freeing it waits for the owner). */
typedef void (*vt_accept_fn)(void *arg, int fd);

struct vt_listen_conf {
	const char *what;      /* log prefix: "vhost-user", "control" */
	mode_t mode;           /* 0: as the umask says; else the socket never has a wider mode */
	int backlog;
	int accept_flags;      /* accept4() flags, e.g. SOCK_NONBLOCK | SOCK_CLOEXEC */
};

/* Creates the socket at path and starts accepting on loop.  NULL with
 * *rc = -errno and err set:
 *   -ENAMETOOLONG  "PATH: socket path too long"
 *   -EEXIST        "PATH exists and is not a socket; not replacing it"
 *   -EADDRINUSE    "PATH: another process is listening there"
 * (a caller may word the last one its own way), or the failing call. */
struct vt_listener *vt_listen_unix(struct vt_loop *loop, const char *path,
				   const struct vt_listen_conf *conf, vt_accept_fn fn, void *arg,
				   int *rc, char *err, size_t errlen);
/* Stops accepting, closes the socket and removes its file. */
void vt_listener_free(struct vt_listener *l);

/* Not accepting while paused (one front-end at a time): connections wait
 * in the backlog.  resume: -errno if the fd cannot be watched again. */
void vt_listener_pause(struct vt_listener *l);
int vt_listener_resume(struct vt_listener *l);

const char *vt_listener_path(const struct vt_listener *l);

struct vt_listen_stats {
	uint64_t accepted;
	uint64_t failed;       /* accept() failures for lack of resources */
	uint64_t backoffs;     /* pauses they caused */
};
void vt_listener_stats(const struct vt_listener *l, struct vt_listen_stats *st);

#endif
