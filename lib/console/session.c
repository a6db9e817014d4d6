/* The console's connection to its instance (see console.h). */
#include "console/console.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/ctl.h"

/* A reply that takes longer than this after being readable is not one. */
#define RECV_TIMEOUT_MS 5000
#define SEND_TIMEOUT_MS 5000

void vt_console_init(struct vt_console *c)
{
	sigset_t set;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	/* Signals as poll events: Ctrl-C stops a trace or clears a line, it
	 * never kills the shell half-way through a redisplay. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	c->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

void vt_console_fini(struct vt_console *c)
{
	if (c->trace)
		vt_console_trace_stop(c, NULL);
	vt_console_disconnect(c);
	if (c->sigfd >= 0)
		close(c->sigfd);
	c->sigfd = -1;
}

void vt_console_async_begin(struct vt_console *c)
{
	if (c->async_begin)
		c->async_begin();
}

void vt_console_async_end(struct vt_console *c)
{
	fflush(stdout);
	if (c->async_end)
		c->async_end();
}

void vt_console_err(struct vt_console *c, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("vitool: console: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	(void)c;
}

void vt_console_disconnect(struct vt_console *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	json_decref(c->help);
	c->help = NULL;
}

int vt_console_connect(struct vt_console *c, const char *name, const char *control, char *err,
		       size_t errlen)
{
	const struct vt_instance_want want = { .cmd = "console", .name = name, .control = control };
	struct vt_instance in;
	json_t *h, *cmds;
	int fd;

	if (vt_instance_resolve(&want, &in, err, errlen) < 0)
		return -1;
	fd = vt_ctl_connect(in.control, err, errlen);
	if (fd < 0)
		return -1;
	h = vt_ctl_call_json(fd, "help", RECV_TIMEOUT_MS, err, errlen);
	cmds = h ? json_object_get(h, "commands") : NULL;
	if (!json_is_array(cmds)) {
		if (h)
			snprintf(err, errlen, "%s: its help reply has no commands", in.control);
		json_decref(h);
		close(fd);
		return -1;
	}
	vt_console_disconnect(c);
	c->fd = fd;
	c->help = json_incref(cmds);
	json_decref(h);
	c->inst = in;
	c->have_inst = true;
	/* `connect` without a name comes back here: by name when the instance
	 * was found by name (it may come back with another pid), else by the
	 * socket. */
	snprintf(c->want_name, sizeof(c->want_name), "%s", name || !control ? in.name : "");
	snprintf(c->want_control, sizeof(c->want_control), "%s", name || !control ? "" : in.control);
	return 0;
}

static void say_gone(struct vt_console *c, const char *why)
{
	/* First: the prompt redrawn after the message says "gone". */
	vt_console_disconnect(c);
	vt_console_async_begin(c);
	vt_console_err(c, "instance %s exited (%s); 'connect' when it is back", c->inst.name, why);
	vt_console_async_end(c);
}

void vt_console_check_gone(struct vt_console *c)
{
	char b;
	ssize_t n;

	if (c->fd < 0)
		return;
	n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		say_gone(c, "its control socket closed");
	} else if (n > 0) {
		/* Nothing was asked: bytes now are not a reply to anything. */
		char junk[4096];
		(void)!recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT);
	}
}

json_t *vt_console_help_entry(const struct vt_console *c, const char *name)
{
	size_t i;
	json_t *e;

	json_array_foreach(c->help, i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));
		if (n && !strcmp(n, name))
			return e;
	}
	return NULL;
}

bool vt_console_take_signals(struct vt_console *c, bool *sigint)
{
	struct signalfd_siginfo si;
	bool stopped = false;

	*sigint = false;
	while (c->sigfd >= 0 && read(c->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM) {
			c->quit = true;
		} else if (c->trace) {
			vt_console_trace_stop(c, "interrupted");
			stopped = true;
		} else {
			*sigint = true;
		}
	}
	return stopped;
}

/* Waits until the reply is readable, printing trace records meanwhile.
 * false when a signal abandoned it. */
static bool wait_reply(struct vt_console *c)
{
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = c->fd, .events = POLLIN },
			{ .fd = c->sigfd, .events = POLLIN },
			{ .fd = vt_console_trace_fd(c), .events = POLLIN },
		};
		bool sigint;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return true;
		}
		if (p[1].revents) {
			vt_console_take_signals(c, &sigint);
			if (sigint || c->quit)
				return false;
		}
		if (p[2].revents)
			vt_console_trace_pump(c);
		if (p[0].revents)
			return true;
	}
}

json_t *vt_console_call(struct vt_console *c, const char *line, char **raw, char *err, size_t errlen)
{
	char *reply = NULL, why[256];
	json_t *j;

	if (raw)
		*raw = NULL;
	if (c->fd < 0) {
		if (c->have_inst)
			snprintf(err, errlen, "not connected: instance %s exited; 'connect' when it is back",
				 c->inst.name);
		else
			snprintf(err, errlen, "not connected: 'connect NAME' ('instances' lists them)");
		return NULL;
	}
	if (vt_ctl_send(c->fd, line, SEND_TIMEOUT_MS, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "instance %s is gone (%s)", c->inst.name, why);
		say_gone(c, why);
		return NULL;
	}
	if (!wait_reply(c)) {
		/* The reply would come later and be taken for the next one's:
		 * a fresh connection instead. */
		snprintf(err, errlen, "%s: interrupted; its reply is dropped", line);
		vt_console_disconnect(c);
		if (!c->quit && vt_console_connect(c, c->want_name[0] ? c->want_name : NULL,
						   c->want_control[0] ? c->want_control : NULL, why,
						   sizeof(why)) < 0)
			vt_console_err(c, "cannot reconnect: %s", why);
		return NULL;
	}
	if (vt_ctl_recv(c->fd, &reply, RECV_TIMEOUT_MS, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "instance %s is gone (%s)", c->inst.name, why);
		say_gone(c, why);
		return NULL;
	}
	j = vt_ctl_parse_reply(reply, err, errlen);
	if (!j) {
		free(reply);
		return NULL;
	}
	if (raw)
		*raw = reply;
	else
		free(reply);
	return j;
}
