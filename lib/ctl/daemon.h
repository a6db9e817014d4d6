/* What every long-running instance (serve, proxy) sets up the same way:
 * SIGINT/SIGTERM ending its loop, its log lines in its trace, and its name
 * and control socket, which must be free (a second instance on the same
 * name refuses, naming the one running, rather than quietly becoming
 * another name nobody asked for). */
#ifndef VT_CTL_DAEMON_H
#define VT_CTL_DAEMON_H

#include <stddef.h>

#include "ctl/ctl.h"
#include "trace/recorder.h"
#include "util/loop.h"

/* SIGINT/SIGTERM stop the loop ("vitool: CMD: signal N, exiting" at -v).
 * The signalfd, or -1. */
int vt_daemon_watch_signals(struct vt_loop *loop, const char *cmd);

/* The instance's log lines also become LOG records of rec (NULL: no
 * more; before rec is freed), so `vitool trace`, its -w captures and top
 * see what the instance says, while stderr gets them as before.  Errors,
 * warnings and info lines are recorded whatever -v says (stderr shows info
 * only at -v: a trace is where one looks for more); debug lines only when
 * they are printed (-vv), since they can come with every request. */
void vt_daemon_log_to(struct vt_recorder *rec);

/* The name (name_opt, else socket's file name without extension) and the
 * control socket (control_opt, else the default path for the name) into
 * name and path, and the server listening there.  Ends the program
 * (vt_die, "CMD: ...") when the name is taken, another process listens on
 * socket, or the control socket cannot be made. */
struct vt_ctl_server *vt_daemon_open_control(struct vt_loop *loop, const char *cmd, const char *name_opt,
					     const char *control_opt, const char *socket, char *path,
					     size_t pathlen, char *name, size_t namelen);

#endif
