/* What every long-running instance (serve, proxy) sets up the same way:
 * SIGINT/SIGTERM ending its loop, and its name and control socket, which
 * must be free (a second instance on the same name refuses, naming the one
 * running, rather than quietly becoming another name nobody asked for). */
#ifndef VT_CTL_DAEMON_H
#define VT_CTL_DAEMON_H

#include <stddef.h>

#include "ctl/ctl.h"
#include "util/loop.h"

/* SIGINT/SIGTERM stop the loop ("vitool: CMD: signal N, exiting" at -v).
 * The signalfd, or -1. */
int vt_daemon_watch_signals(struct vt_loop *loop, const char *cmd);

/* The name (name_opt, else socket's file name without extension) and the
 * control socket (control_opt, else the default path for the name) into
 * name and path, and the server listening there.  Ends the program
 * (vt_die, "CMD: ...") when the name is taken, another process listens on
 * socket, or the control socket cannot be made. */
struct vt_ctl_server *vt_daemon_open_control(struct vt_loop *loop, const char *cmd, const char *name_opt,
					     const char *control_opt, const char *socket, char *path,
					     size_t pathlen, char *name, size_t namelen);

#endif
