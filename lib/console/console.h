/* vitool console: a shell on a running instance's control socket.  The
 * same session runs the lines of -c, a script or a pipe, and the lines a
 * person types under GNU readline (interactive.c); what a command prints
 * does not depend on which.
 *
 *   session.c     the connection: finding the instance (ctl/instance.h),
 *                 calls with replies read by jansson, the instance's own
 *                 `help` kept for help and completion, noticing its exit
 *   commands.c    one line: local commands (help, quit, connect,
 *                 instances, json, trace) or the instance's
 *   format.c      a reply as a person reads it, one formatter per shape
 *   trace.c       `trace [FILTER]`: records printed while the shell goes on
 *   complete.c    Tab: command names and each argument's live values
 *   history.c     where the history file lives
 *   interactive.c readline's callback interface in a poll loop
 *
 * Output: results on stdout, errors on stderr as "vitool: console: ...";
 * while readline shows a half-typed line, output that arrives on its own
 * (trace records, the instance's exit) goes through vt_console_async(). */
#ifndef VT_CONSOLE_CONSOLE_H
#define VT_CONSOLE_CONSOLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "ctl/instance.h"

struct vt_console_trace;

struct vt_console {
	/* How the instance was asked for (-i NAME, -C PATH, or neither), so
	 * `connect` finds the same one again. */
	char want_name[128];
	char want_control[512];
	struct vt_instance inst;    /* the one connected to (or last was) */
	bool have_inst;
	int fd;                     /* command connection, -1 when none */
	json_t *help;               /* the instance's `help` commands array */
	bool json;                  /* `json on`: raw replies */
	bool interactive;           /* readline is on the terminal */
	bool quit;
	int sigfd;                  /* SIGINT/SIGTERM (signalfd), -1 none */
	bool interrupted;           /* SIGINT seen while a command waited */
	struct vt_console_trace *trace;   /* NULL: no trace running */
	/* Set by interactive.c: wraps output that arrives on its own. */
	void (*async_begin)(void);
	void (*async_end)(void);
};

/* ---- session.c ---- */

void vt_console_init(struct vt_console *c);
void vt_console_fini(struct vt_console *c);
/* Connects to the instance named (or the only one, name and control
 * NULL), fetching its `help`.  0, or -1 with err set. */
int vt_console_connect(struct vt_console *c, const char *name, const char *control, char *err,
		       size_t errlen);
void vt_console_disconnect(struct vt_console *c);
/* Sends line, waits for its reply (printing trace records meanwhile; a
 * SIGINT abandons the wait), parses it.  The reply object (caller
 * json_decref's it; raw, the line as received, malloc'd, when wanted), or
 * NULL with err set: no connection, the instance's exit (the session is
 * then disconnected and says so), a reply that is not JSON. */
json_t *vt_console_call(struct vt_console *c, const char *line, char **raw, char *err, size_t errlen);
/* The instance closed the command connection while nothing was asked: say
 * so and disconnect.  Called when poll finds the idle fd readable. */
void vt_console_check_gone(struct vt_console *c);
/* The `help` entry of command name, or NULL. */
json_t *vt_console_help_entry(const struct vt_console *c, const char *name);
/* Handles pending signals: SIGINT stops a trace (true when it did);
 * SIGTERM quits. */
bool vt_console_take_signals(struct vt_console *c, bool *sigint);

/* Messages: "vitool: console: ..." on stderr, through the async hooks. */
void vt_console_err(struct vt_console *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vt_console_async_begin(struct vt_console *c);
void vt_console_async_end(struct vt_console *c);

/* ---- commands.c ---- */

/* Runs one input line: commands separated by ';'.  0 when every one
 * succeeded, else 1 (the first failure stops the line). */
int vt_console_run_line(struct vt_console *c, const char *line);
/* The local commands (help lists them; completion offers them). */
struct vt_console_local {
	const char *name;
	const char *args;
	const char *help;
};
extern const struct vt_console_local vt_console_locals[];

/* ---- format.c ---- */

/* Prints reply (ok true) of command cmd with argument words argv for a
 * person. */
void vt_console_format(FILE *f, const char *cmd, int argc, char **argv, json_t *reply);
/* help, help CMD: from the instance's help entries plus the local ones. */
void vt_console_format_help(FILE *f, const struct vt_console *c, const char *cmd);

/* ---- trace.c ---- */

/* Starts `trace FILTER` on a connection of its own.  0, or -1 with err. */
int vt_console_trace_start(struct vt_console *c, const char *filter, char *err, size_t errlen);
/* The fd to poll for records (-1 when no trace runs). */
int vt_console_trace_fd(const struct vt_console *c);
/* Prints what arrived; ends the trace when the instance ended it. */
void vt_console_trace_pump(struct vt_console *c);
/* Stops it, printing what was still queued and the count. */
void vt_console_trace_stop(struct vt_console *c, const char *why);

/* ---- complete.c ---- */

/* The candidates for the word at index `word` of words[0..word) (the
 * words before it) starting with prefix: malloc'd, NULL-terminated, each
 * malloc'd. */
char **vt_console_complete(struct vt_console *c, char **words, int word, const char *prefix);

/* ---- history.c ---- */

#define VT_CONSOLE_HISTORY_MAX 1000
/* $XDG_STATE_HOME/vitool/history, else ~/.local/state/vitool/history; the
 * directory is created (0700).  -1 when there is no home to put it in. */
int vt_console_history_path(char *buf, size_t len);

/* ---- interactive.c ---- */

/* The readline shell until quit or Ctrl-D.  Its status: 0 */
int vt_console_interactive(struct vt_console *c);
/* Lines from f (-c text split beforehand, a script, a pipe) with the same
 * output; stops at the first failing command: 0 or 1. */
int vt_console_batch(struct vt_console *c, FILE *f);
/* Runs text ("inject button=1; inflight") and then waits for a trace it
 * started, as vt_console_batch. */
int vt_console_batch_text(struct vt_console *c, const char *text);

#endif
