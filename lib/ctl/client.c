/* The client side of the control socket: `inject`, `top`, `console` and
 * `trace` connect, send a line, and read one reply line, parsed with
 * jansson. */
#include "ctl/ctl.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/loop.h"

#define REPLY_MAX VT_CTL_REPLY_MAX

int vt_ctl_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path too long: %s", path);
		return -1;
	}
	if (!*path) {   /* would name an abstract socket */
		snprintf(err, errlen, "empty control socket path");
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	if (errno == ENOENT)
		snprintf(err, errlen, "no vitool instance at %s (no such socket)", path);
	else if (errno == ECONNREFUSED)
		snprintf(err, errlen, "no vitool instance at %s (stale socket: nothing listening)", path);
	else if (errno == EACCES || errno == EPERM)
		snprintf(err, errlen, "permission denied: cannot connect to %s", path);
	else
		snprintf(err, errlen, "cannot connect to %s: %s", path, strerror(errno));
	close(fd);
	return -1;
}

/* Milliseconds left until deadline (ns), or -1 for none. */
static int left_ms(uint64_t deadline)
{
	return deadline ? vt_ms_until(deadline) : -1;
}

static int send_line(int fd, const char *line, uint64_t deadline, char *err, size_t errlen)
{
	size_t len = strlen(line), off = 0;
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	while (off < len) {
		ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (poll(&p, 1, left_ms(deadline)) == 0) {
				snprintf(err, errlen, "timed out sending to the instance");
				return -1;
			}
			continue;
		}
		/* What recv says for the same event, whichever call saw it first. */
		if (errno == EPIPE || errno == ECONNRESET)
			snprintf(err, errlen, "the instance closed the connection");
		else
			snprintf(err, errlen, "cannot send to the instance: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Reads up to and including the next newline only (peek, then consume), so
 * a second call on the same connection finds its own reply intact. */
static int recv_line(int fd, char **reply, uint64_t deadline, char *err, size_t errlen)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char *buf = NULL;
	size_t len = 0;

	for (;;) {
		char chunk[4096];
		ssize_t n = recv(fd, chunk, sizeof(chunk), MSG_PEEK | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int r = poll(&p, 1, left_ms(deadline));
			if (r == 0) {
				snprintf(err, errlen, "timed out waiting for the instance's reply");
				break;
			}
			continue;
		}
		if (n <= 0) {
			snprintf(err, errlen, n == 0 ? "the instance closed the connection"
					      : "cannot read from the instance: %s", strerror(errno));
			break;
		}
		char *nl = memchr(chunk, '\n', (size_t)n);
		size_t take = nl ? (size_t)(nl - chunk) + 1 : (size_t)n;
		char *nb = len + take + 1 > REPLY_MAX ? NULL : realloc(buf, len + take + 1);
		if (!nb) {
			snprintf(err, errlen, "reply too long");
			break;
		}
		buf = nb;
		if (recv(fd, buf + len, take, 0) != (ssize_t)take) {
			snprintf(err, errlen, "cannot read from the instance: %s", strerror(errno));
			break;
		}
		len += take;
		if (nl) {
			buf[len - 1] = '\0';
			*reply = buf;
			return 0;
		}
	}
	free(buf);
	return -1;
}

int vt_ctl_call(int fd, const char *line, char **reply, int timeout_ms, char *err, size_t errlen)
{
	uint64_t deadline = timeout_ms < 0 ? 0 : vt_now_ns() + (uint64_t)timeout_ms * 1000000u + 1;
	char serr[256];
	int sent;

	*reply = NULL;
	sent = send_line(fd, line, deadline, serr, sizeof(serr));
	if (sent == 0)
		sent = send_line(fd, "\n", deadline, serr, sizeof(serr));
	/* A refused client (wrong uid) finds the server's reason waiting even
	 * though its send failed: that reason is the better error. */
	if (recv_line(fd, reply, deadline, err, errlen) == 0)
		return 0;
	if (sent < 0)
		snprintf(err, errlen, "%s", serr);
	return -1;
}

/* jansson's message about the text with the text's own bytes (it quotes the
 * token it choked on) made printable: a hostile reply must not write
 * escape sequences on the user's terminal. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

json_t *vt_ctl_parse_reply(const char *text, char *err, size_t errlen)
{
	json_error_t je;
	/* jansson bounds the nesting (JSON_PARSER_MAX_DEPTH) and refuses
	 * trailing data, invalid UTF-8 and "\u0000". */
	json_t *v = json_loads(text, 0, &je);

	if (!v) {
		printable(je.text);
		snprintf(err, errlen, "the instance sent a reply that is not JSON (byte %d: %s)",
			 je.position, je.text);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		snprintf(err, errlen, "the instance sent a reply that is not a JSON object");
		return NULL;
	}
	return v;
}

json_t *vt_ctl_call_json(int fd, const char *line, int timeout_ms, char *err, size_t errlen)
{
	char *text;
	json_t *v;

	if (vt_ctl_call(fd, line, &text, timeout_ms, err, errlen) < 0)
		return NULL;
	v = vt_ctl_parse_reply(text, err, errlen);
	free(text);
	return v;
}

bool vt_ctl_reply_ok(const json_t *reply, char *err, size_t errlen)
{
	const json_t *ok = json_object_get(reply, "ok");
	const char *why;

	if (json_is_true(ok))
		return true;
	if (!json_is_false(ok)) {
		/* ASCII only: the dump of a hostile reply goes to a terminal. */
		char *text = reply ? json_dumps(reply, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
		snprintf(err, errlen, "unexpected reply: %.200s", text ? text : "(none)");
		free(text);
		return false;
	}
	why = json_string_value(json_object_get(reply, "error"));
	snprintf(err, errlen, "%s", why && why[0] ? why : "the instance refused without saying why");
	return false;
}

static uint64_t deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? 0 : vt_now_ns() + (uint64_t)timeout_ms * 1000000u + 1;
}

int vt_ctl_send(int fd, const char *line, int timeout_ms, char *err, size_t errlen)
{
	uint64_t deadline = deadline_of(timeout_ms);

	if (send_line(fd, line, deadline, err, errlen) < 0)
		return -1;
	return send_line(fd, "\n", deadline, err, errlen);
}

int vt_ctl_recv(int fd, char **reply, int timeout_ms, char *err, size_t errlen)
{
	*reply = NULL;
	return recv_line(fd, reply, deadline_of(timeout_ms), err, errlen);
}
