/* The console's two ways of reading commands (see console.h): GNU
 * readline on a terminal, through its callback interface so that one poll
 * loop serves the keyboard, trace records, signals and the instance's
 * exit; and plain lines from a script or pipe, with the same output. */
#include "console/console.h"
#include "ctl/ctl.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#define MAX_WORDS VT_CTL_WORDS_MAX

/* readline's callbacks take no argument: the one console. */
static struct vt_console *con;
static bool in_handler;          /* a typed line's commands are running */
static bool rl_on;               /* the prompt and the typed line are on screen */
static char prompt[192];
static char histpath[4096];
static bool have_hist;

static const char *prompt_text(void)
{
	if (con->fd >= 0)
		snprintf(prompt, sizeof(prompt), "%s> ", con->inst.name);
	else if (con->have_inst)
		snprintf(prompt, sizeof(prompt), "%s (gone)> ", con->inst.name);
	else
		snprintf(prompt, sizeof(prompt), "vitool> ");
	return prompt;
}

/* Output that arrives on its own while a line is being typed: the typed
 * line goes away, the output is printed, the prompt and the line (and the
 * cursor in it) come back below it. */
static void async_begin(void)
{
	if (rl_on && !in_handler) {
		rl_clear_visible_line();
		fflush(rl_outstream);   /* before messages on unbuffered stderr */
	}
}

static void async_end(void)
{
	if (rl_on && !in_handler) {
		rl_set_prompt(prompt_text());
		rl_on_new_line();
		rl_redisplay();
	}
}

static void save_history(const char *line)
{
	HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;

	if (last && !strcmp(last->line, line))
		return;   /* the same line again is not worth a second entry */
	add_history(line);
	if (!have_hist)
		return;
	/* Now, not at exit: a console that is killed keeps what was typed. */
	if (access(histpath, F_OK) == 0 ? append_history(1, histpath) : write_history(histpath))
		return;
	history_truncate_file(histpath, VT_CONSOLE_HISTORY_MAX);
}

static void on_line(char *line)
{
	if (!line) {
		/* Ctrl-D on an empty line. */
		fputc('\n', rl_outstream);
		con->quit = true;
		return;
	}
	in_handler = true;
	/* readline gave the terminal back its cooked mode for the command;
	 * keys typed meanwhile would be echoed into its output and a Ctrl-D
	 * taken by the tty as end of file.  Raw again: they wait for the next
	 * prompt, where readline shows them (readline's next prep is then a
	 * no-op). */
	rl_prep_terminal(1);
	if (line[strspn(line, " \t")])
		save_history(line);
	vt_console_run_line(con, line);
	in_handler = false;
	free(line);
	rl_set_prompt(prompt_text());
}

/* ---- Tab ---- */

static char **cands;
static size_t cand_i;

static char *next_cand(const char *text, int state)
{
	(void)text;
	if (!state)
		cand_i = 0;
	return cands && cands[cand_i] ? strdup(cands[cand_i++]) : NULL;
}

static char **attempt(const char *text, int start, int end)
{
	char *before, *seg, *w[MAX_WORDS], *save = NULL, **m;
	int n = 0;
	bool all_eq = true;

	(void)end;
	rl_attempted_completion_over = 1;   /* never file names */
	before = strndup(rl_line_buffer, (size_t)start);
	if (!before)
		return NULL;
	seg = strrchr(before, ';') ? strrchr(before, ';') + 1 : before;
	for (char *t = strtok_r(seg, " \t", &save); t && n < MAX_WORDS; t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	cands = vt_console_complete(con, w, n, text);
	free(before);
	for (size_t i = 0; cands && cands[i]; i++)
		all_eq &= cands[i][strlen(cands[i]) - 1] == '=';
	/* "button=" wants its level next, not a space. */
	if (cands && cands[0] && all_eq)
		rl_completion_suppress_append = 1;
	m = rl_completion_matches(text, next_cand);
	for (size_t i = 0; cands && cands[i]; i++)
		free(cands[i]);
	free(cands);
	cands = NULL;
	return m;
}

/* Ctrl-C with no trace running: the typed line is dropped, as in a shell. */
static void clear_line(void)
{
	rl_free_line_state();
	fputs("^C", rl_outstream);
	rl_crlf();
	rl_replace_line("", 0);
	rl_point = 0;
	rl_on_new_line();
	rl_redisplay();
}

int vt_console_interactive(struct vt_console *c)
{
	con = c;
	c->interactive = true;
	c->async_begin = async_begin;
	c->async_end = async_end;
	rl_readline_name = "vitool";
	/* Signals come through the console's signalfd, not readline's
	 * handlers. */
	rl_catch_signals = 0;
	rl_attempted_completion_function = attempt;
	rl_completer_word_break_characters = " \t;";
	using_history();
	stifle_history(VT_CONSOLE_HISTORY_MAX);
	have_hist = vt_console_history_path(histpath, sizeof(histpath)) == 0;
	if (have_hist)
		read_history(histpath);
	rl_callback_handler_install(prompt_text(), on_line);
	rl_on = true;
	while (!c->quit) {
		struct pollfd p[4] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = c->sigfd, .events = POLLIN },
			{ .fd = vt_console_trace_fd(c), .events = POLLIN },
			{ .fd = c->fd, .events = POLLIN },
		};
		bool sigint;

		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents) {
			vt_console_take_signals(c, &sigint);
			if (sigint)
				clear_line();
		}
		if (p[2].revents)
			vt_console_trace_pump(c);
		if (p[3].revents && p[3].fd == c->fd)
			vt_console_check_gone(c);
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			rl_callback_read_char();
		if (p[0].revents & POLLNVAL)
			break;
	}
	rl_on = false;
	rl_callback_handler_remove();
	if (c->trace)
		vt_console_trace_stop(c, "quit");
	c->async_begin = c->async_end = NULL;
	return 0;
}

/* ---- scripts, pipes, -c ---- */

/* After the last command: a trace that runs goes on until the instance
 * ends it, SIGINT or SIGTERM, as `vitool trace` would. */
static void wait_trace(struct vt_console *c)
{
	while (c->trace && !c->quit) {
		struct pollfd p[2] = {
			{ .fd = c->sigfd, .events = POLLIN },
			{ .fd = vt_console_trace_fd(c), .events = POLLIN },
		};
		bool sigint;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			vt_console_take_signals(c, &sigint);
		if (p[1].revents)
			vt_console_trace_pump(c);
	}
	if (c->trace)
		vt_console_trace_stop(c, "quit");
}

static int batch_line(struct vt_console *c, const char *line)
{
	bool sigint;
	int r = vt_console_run_line(c, line);

	vt_console_trace_pump(c);
	vt_console_take_signals(c, &sigint);
	if (sigint) {
		vt_console_err(c, "interrupted");
		return 1;
	}
	return r;
}

/* The next line of fd into *buf (without its newline): 1, 0 at the end,
 * -1 on a read error, -2 on SIGINT, -3 for a line longer than the control
 * socket takes (VT_CTL_LINE_MAX: the buffer never grows past that, so a
 * script of /dev/zero costs nothing).  Trace records print while it waits
 * for input (a pipe that is slow to say the next command). */
static int next_line(struct vt_console *c, int fd, char **buf, size_t *len, size_t *cap, size_t *taken)
{
	/* What the previous call returned goes first (nothing before the
	 * first read: *buf is still NULL then, and memmove wants a pointer). */
	if (*taken)
		memmove(*buf, *buf + *taken, *len - *taken);
	*len -= *taken;
	*taken = 0;
	for (;;) {
		char *nl = *len ? memchr(*buf, '\n', *len) : NULL;
		if (nl) {
			*nl = '\0';
			*taken = (size_t)(nl - *buf) + 1;
			return 1;
		}
		if (*len > VT_CTL_LINE_MAX)
			return -3;
		if (*len + 4096 + 1 > *cap) {
			size_t ncap = *cap ? *cap * 2 : 8192;
			char *nb = realloc(*buf, ncap);
			if (!nb)
				return -1;
			*buf = nb;
			*cap = ncap;
		}
		struct pollfd p[3] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = c->sigfd, .events = POLLIN },
			{ .fd = vt_console_trace_fd(c), .events = POLLIN },
		};
		bool sigint;
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (p[1].revents) {
			vt_console_take_signals(c, &sigint);
			if (sigint)
				return -2;
			if (c->quit)
				return 0;
		}
		if (p[2].revents)
			vt_console_trace_pump(c);
		if (!p[0].revents)
			continue;
		ssize_t n = read(fd, *buf + *len, *cap - *len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			/* A last line without its newline counts. */
			if (!*len)
				return 0;
			(*buf)[*len] = '\0';
			*taken = *len;
			return 1;
		}
		*len += (size_t)n;
	}
}

int vt_console_batch(struct vt_console *c, FILE *f)
{
	char *buf = NULL;
	size_t len = 0, cap = 0, taken = 0;
	int status = 0, r = 0;
	unsigned lineno = 0;

	while (!c->quit && (r = next_line(c, fileno(f), &buf, &len, &cap, &taken)) > 0) {
		lineno++;
		status = batch_line(c, buf);
		if (status)
			break;
	}
	free(buf);
	if (!status && r == -2) {
		vt_console_err(c, "interrupted");
		status = 1;
	} else if (!status && r == -3) {
		vt_console_err(c, "line %u: longer than %d bytes", lineno + 1, VT_CTL_LINE_MAX);
		status = 1;
	} else if (!status && r < 0) {
		vt_console_err(c, "reading commands: %s", strerror(errno));
		status = 1;
	}
	if (!status)
		wait_trace(c);
	return status;
}

int vt_console_batch_text(struct vt_console *c, const char *text)
{
	int status = batch_line(c, text);

	if (!status)
		wait_trace(c);
	return status;
}
