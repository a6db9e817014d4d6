/* The control socket server: one listening unix socket on the instance's
 * event loop, any number of clients, one command per line, one JSON object
 * per reply line.
 *
 * Nothing here may block the instance: sockets are non-blocking, replies a
 * client does not read wait in a per-connection buffer, and a deferred
 * command (inject ... wait) parks its connection instead of the loop.
 * Every budget of ctl.h is enforced here and counted (`stats` "control"):
 * past VT_CTL_BACKLOG_MAX unread bytes the connection's commands wait for
 * the client to read (backpressure: a client that pipelines faster than it
 * reads is slowed, not dropped, and one that never reads costs a bounded
 * buffer), over-long lines and replies, too many words or clients get an
 * error reply.
 *
 * Lifetime rules, because replies and closes can happen from inside other
 * callbacks (a gpio interrupt completing a request of connection A while a
 * handler of connection B runs):
 *  - a connection is only marked dead (fd closed, request marked gone) at
 *    once; the memory is reaped when no server entry point is on the stack;
 *  - vt_ctl_done never runs further commands itself: buffered lines of the
 *    connection resume from a zero-delay timer, so handlers never nest. */
#include "ctl/ctl.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/listen.h"
#include "util/log.h"

#ifndef VITOOL_VERSION
#define VITOOL_VERSION "0.1"
#endif

#define LINE_MAX_BYTES VT_CTL_LINE_MAX    /* without the newline */
#define MAX_WORDS VT_CTL_WORDS_MAX
#define MAX_FLAGS 4

struct table {
	const struct vt_ctl_command *cmds;
	unsigned n;
	void *arg;
};

struct hook {
	void (*fn)(void *arg);
	void *arg;
};

struct words {
	const char *cmd;
	vt_ctl_words_fn fn;
	void *arg;
};

struct stats_hook {
	vt_ctl_stats_fn fn;
	void *arg;
};

/* What the budgets refused or cost, since the instance started. */
struct budget_counts {
	uint64_t clients_refused;     /* over VT_CTL_CLIENTS_MAX */
	uint64_t backlog_waits;       /* a client's commands waited for it to read */
	uint64_t lines_too_long;
	uint64_t too_many_words;
	uint64_t replies_too_long;
};

struct conn {
	struct vt_ctl_server *s;
	int fd;
	uint32_t events;             /* what the loop watches now */
	char in[LINE_MAX_BYTES + 1];  /* room for a maximal line and its newline */
	size_t inlen;
	char *out;
	size_t outoff, outlen, outcap;
	struct vt_ctl_req *deferred;  /* the request holding this connection */
	struct vt_timer *resume;      /* runs buffered lines after vt_ctl_done */
	bool rd_eof;                  /* no more input: EOF, or closing after an error */
	bool waiting;                 /* over the backlog: commands wait for the client to read */
	bool dead;
	struct conn *next;
};

struct vt_ctl_req {
	struct conn *c;               /* NULL: the client is gone */
	struct vt_json j;             /* {"ok":true ... the handler's members */
	char *error;                  /* vt_ctl_fail */
	char *flags[MAX_FLAGS];       /* vt_ctl_fail_flag */
	unsigned nflags;
	bool in_handler;
	bool deferred;
	vt_ctl_takeover_fn take_fn;   /* vt_ctl_takeover */
	void *take_arg;
};

struct vt_ctl_server {
	struct vt_loop *loop;
	struct vt_listener *listener;
	char *path;
	char *name;
	struct table *tables;
	unsigned ntables;
	struct hook *hooks;
	unsigned nhooks;
	struct words *words;          /* vt_ctl_set_words */
	unsigned nwords;
	vt_ctl_info_fn info_fn;
	void *info_arg;
	struct stats_hook *stats;     /* vt_ctl_add_stats */
	unsigned nstats;
	struct budget_counts counts;
	unsigned nconns;              /* live ones */
	struct conn *conns;
	int busy;                     /* entry points on the stack: no reaping */
};

static void cmd_help(struct vt_ctl_req *r, int argc, char **argv, void *arg);
static void cmd_info(struct vt_ctl_req *r, int argc, char **argv, void *arg);

static const struct vt_ctl_command builtins[] = {
	{ "help", "", "list the commands of this instance", cmd_help },
	{ "info", "", "name, pid, version and what this instance serves", cmd_info },
};

static void conn_update(struct conn *c);
static void conn_process(struct conn *c);

/* ---- connection lifetime ---- */

static void conn_kill(struct conn *c)
{
	if (c->dead)
		return;
	c->dead = true;
	c->s->nconns--;
	vt_loop_del_fd(c->s->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	if (c->resume) {
		vt_loop_timer_cancel(c->s->loop, c->resume);
		c->resume = NULL;
	}
	if (c->deferred) {
		c->deferred->c = NULL;   /* its owner's vt_ctl_done will only free it */
		c->deferred = NULL;
	}
}

static void reap(struct vt_ctl_server *s)
{
	struct conn **pc = &s->conns;

	if (s->busy)
		return;
	while (*pc) {
		struct conn *c = *pc;
		if (c->dead) {
			*pc = c->next;
			free(c->out);
			free(c);
		} else {
			pc = &c->next;
		}
	}
}

static void enter(struct vt_ctl_server *s)
{
	s->busy++;
}

static void leave(struct vt_ctl_server *s)
{
	s->busy--;
	reap(s);
}

/* ---- output ---- */

static void conn_flush(struct conn *c)
{
	while (!c->dead && c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			conn_kill(c);   /* EPIPE, ECONNRESET: the client left */
			return;
		}
		c->outoff += (size_t)n;
		c->outlen -= (size_t)n;
	}
	if (!c->outlen)
		c->outoff = 0;
}

/* No size check here: conn_process stops at VT_CTL_BACKLOG_MAX and
 * conn_write_line bounds each reply, so the buffer stays below their sum. */
static void conn_write(struct conn *c, const char *data, size_t len)
{
	if (c->dead)
		return;
	if (c->outoff + c->outlen + len > c->outcap) {
		/* Compact first; grow only when the live bytes need it. */
		if (c->outoff)
			memmove(c->out, c->out + c->outoff, c->outlen);
		c->outoff = 0;
		if (c->outlen + len > c->outcap) {
			size_t cap = c->outcap ? c->outcap : 4096;
			while (cap < c->outlen + len)
				cap *= 2;
			char *nb = realloc(c->out, cap);
			if (!nb) {
				conn_kill(c);
				return;
			}
			c->out = nb;
			c->outcap = cap;
		}
	}
	memcpy(c->out + c->outoff + c->outlen, data, len);
	c->outlen += len;
	conn_flush(c);
}

/* {"ok":false,"error":msg} into a fresh j. */
static void error_json(struct vt_json *j, const char *msg)
{
	vt_json_init(j);
	vt_json_obj_begin(j, NULL);
	vt_json_bool(j, "ok", false);
	vt_json_str(j, "error", msg);
	vt_json_obj_end(j);
}

static void conn_write_line(struct conn *c, const char *json);

/* A reply built outside any request (line too long, out of memory). */
static void conn_write_error(struct conn *c, const char *msg)
{
	struct vt_json j;

	error_json(&j, msg);
	conn_write_line(c, vt_json_text(&j));
	vt_json_free(&j);
}

/* One reply line; one longer than a client takes says so instead. */
static void conn_write_line(struct conn *c, const char *json)
{
	size_t len = strlen(json);

	if (len + 1 > VT_CTL_REPLY_MAX) {
		char msg[96];
		c->s->counts.replies_too_long++;
		snprintf(msg, sizeof(msg), "reply too long (%zu bytes, at most %d)", len + 1, VT_CTL_REPLY_MAX);
		conn_write_error(c, msg);
		return;
	}
	conn_write(c, json, len);
	conn_write(c, "\n", 1);
}

/* ---- requests ---- */

static struct vt_ctl_req *req_new(struct conn *c)
{
	struct vt_ctl_req *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->c = c;
	vt_json_init(&r->j);
	vt_json_obj_begin(&r->j, NULL);
	vt_json_bool(&r->j, "ok", true);
	return r;
}

static void req_free(struct vt_ctl_req *r)
{
	vt_json_free(&r->j);
	free(r->error);
	for (unsigned i = 0; i < r->nflags; i++)
		free(r->flags[i]);
	free(r);
}

static void req_send(struct vt_ctl_req *r)
{
	struct vt_json f;

	if (!r->c)
		return;
	if (!r->error) {
		vt_json_obj_end(&r->j);
		if (r->j.oom) {
			conn_write_error(r->c, "out of memory");
			return;
		}
		conn_write_line(r->c, vt_json_text(&r->j));
		return;
	}
	vt_json_init(&f);
	vt_json_obj_begin(&f, NULL);
	vt_json_bool(&f, "ok", false);
	vt_json_str(&f, "error", r->error);
	for (unsigned i = 0; i < r->nflags; i++)
		vt_json_bool(&f, r->flags[i], true);
	vt_json_obj_end(&f);
	conn_write_line(r->c, vt_json_text(&f));
	vt_json_free(&f);
}

struct vt_json *vt_ctl_json(struct vt_ctl_req *r)
{
	return &r->j;
}

void vt_ctl_fail(struct vt_ctl_req *r, const char *fmt, ...)
{
	va_list ap;

	if (r->error)
		return;   /* the first failure is the one worth reporting */
	va_start(ap, fmt);
	if (vasprintf(&r->error, fmt, ap) < 0)
		r->error = NULL;
	va_end(ap);
	if (!r->error)
		r->error = strdup("out of memory");
}

void vt_ctl_fail_flag(struct vt_ctl_req *r, const char *key)
{
	if (r->nflags < MAX_FLAGS && (r->flags[r->nflags] = strdup(key)))
		r->nflags++;
}

void vt_ctl_defer(struct vt_ctl_req *r)
{
	r->deferred = true;
}

bool vt_ctl_req_gone(const struct vt_ctl_req *r)
{
	return !r->c;
}

static void on_resume(struct vt_loop *loop, void *arg)
{
	struct conn *c = arg;
	struct vt_ctl_server *s = c->s;

	(void)loop;
	c->resume = NULL;   /* fired: the loop frees it */
	enter(s);
	conn_process(c);
	leave(s);
}

void vt_ctl_done(struct vt_ctl_req *r)
{
	struct conn *c = r->c;

	if (r->in_handler) {
		r->deferred = false;   /* done before the handler even returned */
		return;
	}
	if (!c) {
		req_free(r);
		return;
	}
	enter(c->s);
	req_send(r);
	req_free(r);
	c->deferred = NULL;
	if (!c->dead) {
		/* Lines that arrived meanwhile run from the loop, not from inside
		 * whatever callback called us. */
		if (!c->resume)
			c->resume = vt_loop_timer(c->s->loop, 0, on_resume, c);
		if (!c->resume)
			conn_kill(c);
	}
	leave(c->s);
}

void vt_ctl_takeover(struct vt_ctl_req *r, vt_ctl_takeover_fn fn, void *arg)
{
	r->take_fn = fn;
	r->take_arg = arg;
}

/* The connection leaves the server with its fd open: like conn_kill, but
 * the fd and the unsent replies go to fn.  Unread input is dropped. */
static void conn_takeover(struct conn *c, vt_ctl_takeover_fn fn, void *arg)
{
	int fd = c->fd;

	vt_loop_del_fd(c->s->loop, fd);
	c->fd = -1;
	c->dead = true;
	c->s->nconns--;
	c->inlen = 0;
	if (c->resume) {
		vt_loop_timer_cancel(c->s->loop, c->resume);
		c->resume = NULL;
	}
	fn(arg, fd, c->out ? c->out + c->outoff : "", c->outlen);
	c->outlen = 0;
	c->outoff = 0;
}

/* ---- dispatch ---- */

static const struct vt_ctl_command *find_command(struct vt_ctl_server *s, const char *name, void **arg)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!strcmp(builtins[i].name, name)) {
			*arg = s;
			return &builtins[i];
		}
	for (unsigned t = 0; t < s->ntables; t++)
		for (unsigned i = 0; i < s->tables[t].n; i++)
			if (!strcmp(s->tables[t].cmds[i].name, name)) {
				*arg = s->tables[t].arg;
				return &s->tables[t].cmds[i];
			}
	return NULL;
}

static int split_words(char *line, char **words, int max)
{
	char *save = NULL;
	int n = 0;

	for (char *w = strtok_r(line, " \t\r\v\f", &save); w; w = strtok_r(NULL, " \t\r\v\f", &save)) {
		if (n == max)
			return -1;
		words[n++] = w;
	}
	return n;
}

/* One command line (NUL-terminated, no newline). */
static void run_line(struct conn *c, char *line)
{
	char *words[MAX_WORDS];
	const struct vt_ctl_command *cmd;
	struct vt_ctl_req *r;
	void *arg;
	int n = split_words(line, words, MAX_WORDS);

	if (n == 0)
		return;   /* empty lines are for people typing into socat */
	r = req_new(c);
	if (!r) {
		conn_write_error(c, "out of memory");
		return;
	}
	cmd = n < 0 ? NULL : find_command(c->s, words[0], &arg);
	if (n < 0) {
		c->s->counts.too_many_words++;
		vt_ctl_fail(r, "too many words (at most %d)", MAX_WORDS);
	} else if (!cmd) {
		vt_ctl_fail(r, "unknown command '%s' (try help)", words[0]);
	} else if (n > 1 && !(cmd->args && *cmd->args)) {
		/* An empty synopsis means no arguments: one rule for every command. */
		vt_ctl_fail(r, "%s takes no arguments", cmd->name);
	} else {
		r->in_handler = true;
		cmd->fn(r, n - 1, words + 1, arg);
		r->in_handler = false;
	}
	if (!r->deferred) {
		req_send(r);
		if (r->take_fn && !r->error && !c->dead)
			conn_takeover(c, r->take_fn, r->take_arg);
		req_free(r);
	} else if (c->dead) {
		r->c = NULL;   /* the client left during its own handler: gone at once */
	} else {
		c->deferred = r;   /* no more lines from c until vt_ctl_done */
	}
}

/* Over the backlog: the client must read before more of its commands
 * run.  Counted once per wait. */
static bool backlogged(struct conn *c)
{
	bool over = c->outlen >= VT_CTL_BACKLOG_MAX;

	if (over && !c->waiting)
		c->s->counts.backlog_waits++;
	c->waiting = over;
	return over;
}

/* Runs complete lines from the input buffer until one defers, or the
 * replies waiting for the client reach the backlog. */
static void conn_process(struct conn *c)
{
	while (!c->dead && !c->deferred && !backlogged(c)) {
		char *nl = memchr(c->in, '\n', c->inlen);
		size_t len;

		if (!nl && c->inlen > LINE_MAX_BYTES) {
			c->s->counts.lines_too_long++;
			char msg[64];
			snprintf(msg, sizeof(msg), "line too long (at most %d bytes)", VT_CTL_LINE_MAX);
			conn_write_error(c, msg);
			c->inlen = 0;
			c->rd_eof = true;   /* no resync inside a garbage line: close */
			break;
		}
		if (!nl && !(c->rd_eof && c->inlen))
			break;
		/* At EOF a last line without its newline still counts. */
		len = nl ? (size_t)(nl - c->in) : c->inlen;
		c->in[len] = '\0';
		char line[LINE_MAX_BYTES + 1];
		memcpy(line, c->in, len + 1);
		c->inlen -= nl ? len + 1 : len;
		memmove(c->in, c->in + len + (nl ? 1 : 0), c->inlen);
		run_line(c, line);
	}
	if (!c->dead && c->rd_eof && !c->deferred && !c->outlen && !c->inlen)
		conn_kill(c);   /* finished: the client half-closed and has its replies */
	if (!c->dead)
		conn_update(c);
}

static void conn_update(struct conn *c)
{
	uint32_t ev = 0;

	/* A full buffer while deferred or backlogged: wait for vt_ctl_done or
	 * for the client to read before reading on (else level-triggered
	 * EPOLLIN would spin). */
	if (!c->rd_eof && c->inlen < sizeof(c->in) && !c->waiting)
		ev |= EPOLLIN;
	if (c->outlen)
		ev |= EPOLLOUT;
	if (ev != c->events && vt_loop_mod_fd(c->s->loop, c->fd, ev) == 0)
		c->events = ev;
}

static void conn_read(struct conn *c)
{
	while (!c->dead && !c->rd_eof && c->inlen < sizeof(c->in)) {
		ssize_t n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			conn_kill(c);
			return;
		}
		if (n == 0) {
			/* Half-close (`echo cmd | socat`): answer what we have, then close. */
			c->rd_eof = true;
			return;
		}
		c->inlen += (size_t)n;
		/* Not deferred: run lines now so a long stream never fills the buffer. */
		if (!c->deferred)
			conn_process(c);
		if (c->waiting)
			return;   /* the client reads first */
	}
}

static void on_conn(struct vt_loop *loop, int fd, uint32_t events, void *arg)
{
	struct conn *c = arg;
	struct vt_ctl_server *s = c->s;

	(void)loop;
	(void)fd;
	enter(s);
	if (events & EPOLLERR)
		conn_kill(c);
	if (events & EPOLLOUT)
		conn_flush(c);
	if (events & (EPOLLIN | EPOLLHUP))
		conn_read(c);
	if (!c->dead)
		conn_process(c);
	/* HUP: both directions are shut.  Lines read above still ran (a
	 * fire-and-forget inject counts); a deferred request is now gone. */
	if (events & EPOLLHUP)
		conn_kill(c);
	leave(s);
}

/* ---- accepting ---- */

/* Only our own user (or root) may drive the instance: the socket's mode
 * already says so, but a mode can be changed and a directory shared. */
static bool peer_allowed(int fd, uid_t *uid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || len != sizeof(cr)) {
		*uid = (uid_t)-1;
		return false;
	}
	*uid = cr.uid;
	return cr.uid == geteuid() || cr.uid == 0;
}

static void send_refusal(int fd, const char *msg);

static void refuse(int fd, uid_t uid)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "permission denied: uid %ld is not the owner of this instance",
		 uid == (uid_t)-1 ? -1L : (long)uid);
	vt_warn("control: refused a client with uid %ld", (long)uid);
	send_refusal(fd, msg);
}

/* One reply to a client we do not serve, then the close.  Short, and the
 * socket is fresh: one non-blocking send fits. */
static void send_refusal(int fd, const char *msg)
{
	char line[256];
	struct vt_json j;
	int n;

	error_json(&j, msg);
	n = snprintf(line, sizeof(line), "%s\n", vt_json_text(&j));
	vt_json_free(&j);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void add_conn(struct vt_ctl_server *s, int fd)
{
	struct conn *c;

	if (s->nconns >= VT_CTL_CLIENTS_MAX) {
		if (!s->counts.clients_refused++)
			vt_warn("control: refusing clients over %d at once (counted in stats)", VT_CTL_CLIENTS_MAX);
		char msg[64];
		snprintf(msg, sizeof(msg), "too many clients (at most %d at once)", VT_CTL_CLIENTS_MAX);
		send_refusal(fd, msg);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->s = s;
	c->fd = fd;
	c->events = EPOLLIN;
	if (vt_loop_add_fd(s->loop, fd, EPOLLIN, on_conn, c) < 0) {
		close(fd);
		free(c);
		return;
	}
	c->next = s->conns;
	s->conns = c;
	s->nconns++;
}

static void on_accept(void *arg, int cfd)
{
	struct vt_ctl_server *s = arg;
	uid_t uid;

	if (!peer_allowed(cfd, &uid))
		refuse(cfd, uid);
	else
		add_conn(s, cfd);
}

/* ---- built-in commands ---- */

static void cmd_help(struct vt_ctl_req *r, int argc, char **argv, void *arg)
{
	struct vt_ctl_server *s = arg;
	struct vt_json *j = vt_ctl_json(r);

	(void)argc;
	(void)argv;
	vt_json_arr_begin(j, "commands");
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		vt_json_obj_begin(j, NULL);
		vt_json_str(j, "name", builtins[i].name);
		vt_json_str(j, "args", builtins[i].args);
		vt_json_str(j, "help", builtins[i].help);
		vt_json_obj_end(j);
	}
	for (unsigned t = 0; t < s->ntables; t++)
		for (unsigned i = 0; i < s->tables[t].n; i++) {
			const struct vt_ctl_command *c = &s->tables[t].cmds[i];
			vt_json_obj_begin(j, NULL);
			vt_json_str(j, "name", c->name);
			vt_json_str(j, "args", c->args ? c->args : "");
			vt_json_str(j, "help", c->help ? c->help : "");
			for (unsigned w = 0; w < s->nwords; w++)
				if (!strcmp(s->words[w].cmd, c->name)) {
					vt_json_obj_begin(j, "words");
					s->words[w].fn(j, s->words[w].arg);
					vt_json_obj_end(j);
					break;
				}
			vt_json_obj_end(j);
		}
	vt_json_arr_end(j);
}

static void cmd_info(struct vt_ctl_req *r, int argc, char **argv, void *arg)
{
	struct vt_ctl_server *s = arg;
	struct vt_json *j = vt_ctl_json(r);

	(void)argc;
	(void)argv;
	vt_json_str(j, "name", s->name);
	vt_json_int(j, "pid", getpid());
	vt_json_str(j, "version", VITOOL_VERSION);
	vt_json_str(j, "control", s->path);
	if (s->info_fn)
		s->info_fn(j, s->info_arg);
}

/* ---- creating the socket ---- */

static int mkdir_parent(const char *path, char *err, size_t errlen)
{
	char *copy = strdup(path);
	const char *dir;
	int r = 0;

	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	dir = dirname(copy);
	/* Private from the start: other users need not even see our names. */
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create directory %s: %s", dir, strerror(errno));
		r = -1;
	}
	free(copy);
	return r;
}

/* The instance name a path stands for: its basename without ".ctl". */
static void path_name(const char *path, char *buf, size_t len)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 4 && !strcmp(b + n - 4, ".ctl"))
		n -= 4;
	snprintf(buf, len, "%.*s", (int)n, b);
}

static struct vt_listener *listen_at(struct vt_ctl_server *s, const char *path, char *err,
				     size_t errlen)
{
	static const struct vt_listen_conf conf = {
		.what = "control", .mode = 0600, .backlog = 16,
		.accept_flags = SOCK_NONBLOCK | SOCK_CLOEXEC,
	};
	struct vt_listener *l;
	char name[108];
	int r;

	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(err, errlen, "control socket path too long: %s", path);
		return NULL;
	}
	if (mkdir_parent(path, err, errlen) < 0)
		return NULL;
	l = vt_listen_unix(s->loop, path, &conf, on_accept, s, &r, err, errlen);
	if (!l && r == -EADDRINUSE) {
		path_name(path, name, sizeof(name));
		snprintf(err, errlen, "instance %s already running at %s", name, path);
	}
	return l;
}

struct vt_ctl_server *vt_ctl_server_new(struct vt_loop *loop, const char *path, const char *name,
					char *err, size_t errlen)
{
	struct vt_ctl_server *s = calloc(1, sizeof(*s));

	if (!s || !(s->path = strdup(path)) || !(s->name = strdup(name ? name : ""))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	s->loop = loop;
	s->listener = listen_at(s, path, err, errlen);
	if (!s->listener)
		goto fail;
	return s;
fail:
	if (s) {
		free(s->path);
		free(s->name);
	}
	free(s);
	return NULL;
}

void vt_ctl_server_free(struct vt_ctl_server *s)
{
	if (!s)
		return;
	vt_listener_free(s->listener);
	/* Close every client first: deferred requests become gone, so the
	 * hooks below can hand them to vt_ctl_done, which then only frees. */
	for (struct conn *c = s->conns; c; c = c->next)
		conn_kill(c);
	for (unsigned i = s->nhooks; i-- > 0;)
		s->hooks[i].fn(s->hooks[i].arg);
	s->busy = 0;
	reap(s);
	free(s->hooks);
	free(s->stats);
	free(s->words);
	free(s->tables);
	free(s->path);
	free(s->name);
	free(s);
}

/* The array arr of *n grown by item (size bytes): the registrations
 * below.  arr as it was, logging "out of memory registering WHAT", when it
 * cannot grow. */
static void *append(void *arr, unsigned *n, size_t size, const void *item, const char *what)
{
	char *grown = realloc(arr, (*n + 1) * size);

	if (!grown) {
		vt_err("control: out of memory registering %s", what);
		return arr;
	}
	memcpy(grown + *n * size, item, size);
	(*n)++;
	return grown;
}

void vt_ctl_server_add(struct vt_ctl_server *s, const struct vt_ctl_command *cmds, unsigned n, void *arg)
{
	s->tables = append(s->tables, &s->ntables, sizeof(struct table), &(struct table){ cmds, n, arg }, "commands");
}

void vt_ctl_server_on_free(struct vt_ctl_server *s, void (*fn)(void *arg), void *arg)
{
	s->hooks = append(s->hooks, &s->nhooks, sizeof(struct hook), &(struct hook){ fn, arg }, "a cleanup");
}

void vt_ctl_set_words(struct vt_ctl_server *s, const char *cmd, vt_ctl_words_fn fn, void *arg)
{
	s->words = append(s->words, &s->nwords, sizeof(struct words), &(struct words){ cmd, fn, arg }, "words");
}

void vt_ctl_set_info(struct vt_ctl_server *s, vt_ctl_info_fn fn, void *arg)
{
	s->info_fn = fn;
	s->info_arg = arg;
}

void vt_ctl_add_stats(struct vt_ctl_server *s, vt_ctl_stats_fn fn, void *arg)
{
	s->stats = append(s->stats, &s->nstats, sizeof(struct stats_hook), &(struct stats_hook){ fn, arg }, "stats");
}

/* The server's budgets (ctl.h), what they refused, and the accept
 * backoff's count. */
static void budget_json(struct vt_json *j, const struct vt_ctl_server *s)
{
	struct vt_listen_stats ls;

	vt_listener_stats(s->listener, &ls);
	vt_json_obj_begin(j, "control");
	vt_json_uint(j, "clients", s->nconns);
	vt_json_uint(j, "clients_max", VT_CTL_CLIENTS_MAX);
	vt_json_uint(j, "clients_refused", s->counts.clients_refused);
	vt_json_uint(j, "line_max", VT_CTL_LINE_MAX);
	vt_json_uint(j, "lines_too_long", s->counts.lines_too_long);
	vt_json_uint(j, "words_max", VT_CTL_WORDS_MAX);
	vt_json_uint(j, "too_many_words", s->counts.too_many_words);
	vt_json_uint(j, "backlog_max", VT_CTL_BACKLOG_MAX);
	vt_json_uint(j, "backlog_waits", s->counts.backlog_waits);
	vt_json_uint(j, "reply_max", VT_CTL_REPLY_MAX);
	vt_json_uint(j, "replies_too_long", s->counts.replies_too_long);
	vt_json_uint(j, "accept_failures", ls.failed);
	vt_json_obj_end(j);
}

void vt_ctl_stats_members(struct vt_ctl_req *r)
{
	const struct vt_ctl_server *s = r->c ? r->c->s : NULL;

	if (!s)
		return;
	budget_json(&r->j, s);
	for (unsigned i = 0; i < s->nstats; i++)
		s->stats[i].fn(&r->j, s->stats[i].arg);
}
