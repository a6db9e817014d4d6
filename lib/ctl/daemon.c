/* Signals, log lines and the control socket of an instance (see daemon.h). */
#include "ctl/daemon.h"

#include <libgen.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/instance.h"
#include "util/log.h"

static void on_signal(struct vt_loop *loop, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		vt_info("%s: signal %u, exiting", (const char *)arg, si.ssi_signo);
	vt_loop_stop(loop);
}

int vt_daemon_watch_signals(struct vt_loop *loop, const char *cmd)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0 || vt_loop_add_fd(loop, fd, EPOLLIN, on_signal, (void *)cmd) < 0)
		return -1;
	return fd;
}

void vt_daemon_log_to(struct vt_recorder *rec)
{
	if (rec)
		vt_log_set_tee(VT_LOG_INFO, vt_recorder_log, rec);
	else
		vt_log_set_tee(VT_LOG_ERR, NULL, NULL);
}

/* The socket's file name without extension: /tmp/gpio.sock -> "gpio". */
static void default_name(const char *socket, char *buf, size_t len)
{
	char copy[256];
	char *dot;

	snprintf(copy, sizeof(copy), "%s", socket);
	snprintf(buf, len, "%s", basename(copy));
	dot = strrchr(buf, '.');
	if (dot && dot != buf)
		*dot = '\0';
}

static bool same_socket(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* A stale socket of a dead instance is taken over (vt_ctl_server_new). */
struct vt_ctl_server *vt_daemon_open_control(struct vt_loop *loop, const char *cmd, const char *name_opt,
					     const char *control_opt, const char *socket, char *path,
					     size_t pathlen, char *name, size_t namelen)
{
	struct vt_instance in;
	struct vt_ctl_server *s;
	char err[512];

	if (name_opt)
		snprintf(name, namelen, "%s", name_opt);
	else
		default_name(socket, name, namelen);
	if (control_opt)
		snprintf(path, pathlen, "%s", control_opt);
	else if (vt_ctl_default_path(name, path, pathlen) < 0)
		vt_die("%s: cannot build the control socket path for '%s'", cmd, name);
	if (vt_instance_query(path, &in, err, sizeof(err)) == 0 && same_socket(in.socket, socket))
		vt_die("%s: cannot listen on %s: another process is listening there (instance %s, "
		       "pid %ld)", cmd, socket, in.name, in.pid);
	if (in.answered)
		vt_die("%s: instance %s is already running (%s, pid %ld, socket %s, control %s): "
		       "give this one another %s",
		       cmd, in.name, in.device, in.pid, in.socket, path,
		       control_opt ? "--control PATH" : "name with --name NAME (-i NAME)");
	s = vt_ctl_server_new(loop, path, name, err, sizeof(err));
	if (!s)
		vt_die("%s: control socket: %s", cmd, err);
	return s;
}
