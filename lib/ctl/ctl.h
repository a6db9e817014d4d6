/* The control socket of a running instance (serve, later proxy): a unix
 * stream socket speaking a line protocol a person can type with
 *   socat - UNIX-CONNECT:$XDG_RUNTIME_DIR/vitool/NAME.ctl
 * One command per line ("inject 3=1 wait 1000"), one JSON object per reply
 * line: {"ok":true,...} or {"ok":false,"error":"..."}.  The socket is mode
 * 0600 and every connection's peer uid (SO_PEERCRED) must be ours (or
 * root's); others get {"ok":false,"error":"permission denied"} and are
 * closed.  Documented in vitool-control(7). */
#ifndef VT_CTL_CTL_H
#define VT_CTL_CTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/json.h"
#include "util/loop.h"

struct vt_ctl_server;
struct vt_ctl_req;

/* What one client may cost the instance (vitool-control(7) LIMITS; the
 * counts are in `stats`, member "control"):
 *  - a command line has at most VT_CTL_LINE_MAX bytes without its newline
 *    (a longer one: an error reply, then the connection is closed) and at
 *    most VT_CTL_WORDS_MAX words, the command's name included;
 *  - replies the client has not read: past VT_CTL_BACKLOG_MAX bytes the
 *    instance reads no more of its commands until it reads (it waits; it
 *    is not dropped); one reply line is at most VT_CTL_REPLY_MAX bytes, the
 *    most a vitool client takes (a longer one becomes an error reply);
 *  - at most VT_CTL_CLIENTS_MAX connections at once (trace streams apart:
 *    the recorder's own budget); one more gets an error reply and is
 *    closed. */
#define VT_CTL_LINE_MAX 4096
#define VT_CTL_WORDS_MAX 128
#define VT_CTL_BACKLOG_MAX (64 * 1024)
#define VT_CTL_REPLY_MAX (4 * 1024 * 1024)
#define VT_CTL_CLIENTS_MAX 64

/* A command: args are the words after the name.  The handler adds members
 * to the reply (vt_ctl_json) or calls vt_ctl_fail; the reply is sent when
 * the handler returns, unless it called vt_ctl_defer. */
typedef void (*vt_ctl_handler)(struct vt_ctl_req *r, int argc, char **argv, void *arg);

struct vt_ctl_command {
	const char *name;
	const char *args;      /* synopsis for help: "LINE=LEVEL... [pulse MS] [wait MS]" */
	const char *help;      /* one line */
	vt_ctl_handler fn;
};

/* Creates the socket at path (its directory is created 0700 if missing).
 * A live instance already answering at path is an error; a stale socket file
 * is replaced.  Built-in commands: help, info (name, pid, device, socket,
 * ...; extended through vt_ctl_set_info). NULL with err set. */
struct vt_ctl_server *vt_ctl_server_new(struct vt_loop *loop, const char *path, const char *name,
					char *err, size_t errlen);
/* Removes the socket file and closes every connection. */
void vt_ctl_server_free(struct vt_ctl_server *s);
/* Registers n commands (the table must outlive the server). */
void vt_ctl_server_add(struct vt_ctl_server *s, const struct vt_ctl_command *cmds, unsigned n, void *arg);
/* Runs fn(arg) when the server is freed, after every connection has been
 * closed: requests still deferred are gone by then, so fn can pass them to
 * vt_ctl_done (which only frees) and release its own state (timers,
 * callbacks).  Hooks run in reverse order of registration.  [added] */
void vt_ctl_server_on_free(struct vt_ctl_server *s, void (*fn)(void *arg), void *arg);
/* The words the arguments of command cmd take beyond its synopsis's own,
 * as named lists: fn adds arrays to the "words" object of cmd's `help`
 * entry (fault: "kind": ["delay", ...]), so that a client (the console's
 * completion) learns them from the instance itself.  [added] */
typedef void (*vt_ctl_words_fn)(struct vt_json *j, void *arg);
void vt_ctl_set_words(struct vt_ctl_server *s, const char *cmd, vt_ctl_words_fn fn, void *arg);
/* Adds members to `info` replies. */
typedef void (*vt_ctl_info_fn)(struct vt_json *j, void *arg);
void vt_ctl_set_info(struct vt_ctl_server *s, vt_ctl_info_fn fn, void *arg);
/* Adds members to `stats` replies: a part's budgets and what they refused
 * or cost (the server's own "control" comes first).  A `stats` handler
 * calls vt_ctl_stats_members(r) to run them.  [added] */
typedef void (*vt_ctl_stats_fn)(struct vt_json *j, void *arg);
void vt_ctl_add_stats(struct vt_ctl_server *s, vt_ctl_stats_fn fn, void *arg);
void vt_ctl_stats_members(struct vt_ctl_req *r);

/* Inside a handler. */
struct vt_json *vt_ctl_json(struct vt_ctl_req *r);
void vt_ctl_fail(struct vt_ctl_req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds a member next to "error" in a failure reply (e.g. "timeout": true). */
void vt_ctl_fail_flag(struct vt_ctl_req *r, const char *key);
/* Keeps the request open after the handler returns; the connection reads
 * no further commands until vt_ctl_done(r) sends the reply. */
void vt_ctl_defer(struct vt_ctl_req *r);
void vt_ctl_done(struct vt_ctl_req *r);
/* The client went away while deferred: vt_ctl_done only frees. */
bool vt_ctl_req_gone(const struct vt_ctl_req *r);

/* Inside a handler: after its reply line, the connection stops being a
 * control connection (live streams: `trace`).  The server forgets the
 * connection without closing it and calls fn(arg, fd, pending, len): fd
 * (non-blocking) is fn's from then on, pending/len are the reply bytes the
 * client has not taken yet (send them first; valid during the call only).
 * Lines the client sent after this command are discarded.  Nothing happens
 * when the handler fails (vt_ctl_fail) or defers, or the client is gone. */
typedef void (*vt_ctl_takeover_fn)(void *arg, int fd, const char *pending, size_t len);
void vt_ctl_takeover(struct vt_ctl_req *r, vt_ctl_takeover_fn fn, void *arg);

/* ---- finding instances (paths.c) ---- */

/* $XDG_RUNTIME_DIR/vitool, else /tmp/vitool-$UID. */
int vt_ctl_dir(char *buf, size_t len);
/* DIR/NAME.ctl */
int vt_ctl_default_path(const char *name, char *buf, size_t len);
/* The names (without .ctl, malloc'd, sorted) of the sockets in dir that
 * accept a connection: a stale socket of a dead instance refuses.  At most
 * max; count, or -1 (errno) when dir cannot be read.  Choosing one of them
 * by name or device type: ctl/instance.h. */
int vt_ctl_scan(const char *dir, char **found, int max);

/* ---- client (client.c) ---- */

/* Connects; -1 with err set (e.g. "permission denied" from the server). */
int vt_ctl_connect(const char *path, char *err, size_t errlen);
/* Sends one command line and reads one reply line into *reply (malloc'd,
 * at most VT_CTL_REPLY_MAX).  0, or -1 with err set (timeout, closed, reply too long,
 * ...).  timeout_ms < 0: none.  The raw text, for printing a reply as it
 * came; to read it, vt_ctl_call_json. */
int vt_ctl_call(int fd, const char *line, char **reply, int timeout_ms, char *err, size_t errlen);
/* The two halves of vt_ctl_call, for a client that waits for the reply in
 * its own poll loop (the console, printing trace records meanwhile):
 * sends line and its newline; reads the next reply line (0, or -1 with
 * err set: "the instance closed the connection", a timeout, ...). */
int vt_ctl_send(int fd, const char *line, int timeout_ms, char *err, size_t errlen);
int vt_ctl_recv(int fd, char **reply, int timeout_ms, char *err, size_t errlen);

/* Reading replies: jansson's json_t, parsed once per reply; members with
 * json_object_get / json_unpack.  Replies are hostile input: anything that
 * is not one JSON object is an error here, never a crash.
 *
 *   json_t *r = vt_ctl_call_json(fd, "stats", 2000, err, sizeof(err));
 *   if (!r || !vt_ctl_reply_ok(r, err, sizeof(err)))
 *           ... err says why (r, if any, still holds "timeout" etc.)
 *   json_decref(r);
 */

/* vt_ctl_call, then vt_ctl_parse_reply: the reply object (json_decref it),
 * or NULL with err set (I/O failure, or a reply that is not a JSON
 * object).  Says nothing about "ok": vt_ctl_reply_ok. */
json_t *vt_ctl_call_json(int fd, const char *line, int timeout_ms, char *err, size_t errlen);
/* The reply line text as a JSON object, or NULL with err set: "the instance
 * sent a reply that is not JSON (...)" / "... not a JSON object".  For a
 * caller that also wants the raw text (vt_ctl_call). */
json_t *vt_ctl_parse_reply(const char *text, char *err, size_t errlen);
/* true for {"ok":true,...}.  false with err set otherwise: the instance's
 * "error" for {"ok":false,...} ("the instance refused without saying why"
 * when it has none; its other members, such as "timeout": true, stay in
 * reply to read), "unexpected reply: ..." when "ok" is missing or not a
 * boolean (reply NULL included). */
bool vt_ctl_reply_ok(const json_t *reply, char *err, size_t errlen);

#endif
