/* The live view of vitool top (screen.h).
 *
 * Layout, top to bottom (80x24 and up; a smaller window shows what fits):
 *   title bar: instance, PAUSED, delay, events filter
 *   header (instance, front-end, uptime, timeout; features)
 *   queue table, latency histograms
 *   in-flight list (selectable)
 *   recent events
 *   key line, or a prompt / message
 * Help and request details replace the panes until a key closes them. */
#include "top/screen.h"

#include <curses.h>
#include <errno.h>
#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "top/details.h"
#include "top/events.h"
#include "top/format.h"
#include "top/snapshot.h"
#include "util/loop.h"

#define PAIR_TIMEOUT 1
#define PAIR_WARN 2
#define PROMPT_MAX 200
#define KEY_ESC 27
#define CTRL(c) ((c) & 0x1f)

enum mode { M_MAIN, M_HELP, M_DETAILS, M_PROMPT_FILTER, M_PROMPT_DELAY };

struct top {
	const struct vt_top_conf *c;
	int fd;                          /* control connection; -1: the instance is gone */
	char gone_why[512];
	struct vt_top_events *ev;
	struct vt_top_snapshot cur, prev;
	bool have_cur;
	bool paused;
	enum vt_top_sort sort;
	int sel;                         /* index into cur.req; -1 none */
	uint64_t sel_id;
	int first;                       /* first request row shown */
	int req_rows;                    /* rows the list had last drawn */
	enum mode mode;
	char prompt[PROMPT_MAX + 1];
	size_t plen;
	char message[256];
	char filter[PROMPT_MAX + 1];     /* "" : the default */
	uint64_t delay_ns;
	char **details;                  /* M_DETAILS: its lines */
	int ndetails, dfirst;
	bool colors;
};

static volatile sig_atomic_t quit_sig;

static void on_quit(int sig)
{
	quit_sig = sig;
}

static void set_message(struct top *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_message(struct top *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->message, sizeof(t->message), fmt, ap);
	va_end(ap);
}

/* ---- talking to the instance ---- */

static void went_away(struct top *t, const char *why)
{
	if (t->fd >= 0) {
		close(t->fd);
		vt_top_events_log(t->ev, "instance %s is gone (%s): waiting for it to come back", t->c->name, why);
	}
	t->fd = -1;
	snprintf(t->gone_why, sizeof(t->gone_why), "%s", why);
	vt_top_events_detach(t->ev);
}

static bool connect_instance(struct top *t)
{
	char err[512];

	t->fd = vt_ctl_connect(t->c->control, err, sizeof(err));
	if (t->fd < 0) {
		snprintf(t->gone_why, sizeof(t->gone_why), "%s", err);
		return false;
	}
	if (vt_top_events_attach(t->ev, t->c->control, err, sizeof(err)) < 0) {
		close(t->fd);
		t->fd = -1;
		snprintf(t->gone_why, sizeof(t->gone_why), "%s", err);
		return false;
	}
	return true;
}

/* Keeps the selection on the same request across a refresh or a sort. */
static void reselect(struct top *t)
{
	if (!t->cur.nreq) {
		t->sel = -1;
		return;
	}
	for (unsigned i = 0; t->sel >= 0 && i < t->cur.nreq; i++)
		if (t->cur.req[i].id == t->sel_id) {
			t->sel = (int)i;
			return;
		}
	/* gone, or none yet: the nearest row (the first at start) */
	if (t->sel < 0)
		t->sel = 0;
	if (t->sel >= (int)t->cur.nreq)
		t->sel = (int)t->cur.nreq - 1;
	t->sel_id = t->cur.req[t->sel].id;
}

static void refresh_data(struct top *t)
{
	char err[512];
	struct vt_top_snapshot s;
	bool was_gone = t->fd < 0, first = !t->have_cur;

	if (t->fd < 0 && !connect_instance(t))
		return;
	if (t->fd >= 0 && vt_top_events_ended(t->ev)) {
		went_away(t, "it ended the trace stream");
		return;
	}
	if (vt_top_snapshot_take(t->fd, &s, t->have_cur ? &t->cur : NULL, err, sizeof(err)) < 0) {
		went_away(t, err);
		return;
	}
	if (was_gone && !first)
		vt_top_events_log(t->ev, "instance %s is back (pid %ld)", s.name, s.pid);
	vt_top_snapshot_free(&t->prev);
	t->prev = t->cur;
	t->cur = s;
	t->have_cur = true;
	vt_top_sort_requests(&t->cur, t->sort);
	reselect(t);
}

/* ---- drawing ---- */

struct painter {
	struct top *t;
	int row, last;       /* next row; rows up to last (inclusive) may be drawn */
	bool selected;
};

static attr_t style_attr(const struct top *t, enum vt_top_style st)
{
	switch (st) {
	case VT_TOP_ST_TITLE:
		return A_REVERSE;
	case VT_TOP_ST_WARN:
		return A_BOLD | (t->colors ? COLOR_PAIR(PAIR_WARN) : 0);
	case VT_TOP_ST_TIMEOUT:
		/* colour plus bold; on a monochrome terminal bold reversed
		 * (and the row's '!' marker either way) */
		return A_BOLD | (t->colors ? COLOR_PAIR(PAIR_TIMEOUT) : A_REVERSE);
	default:
		return A_NORMAL;
	}
}

static void paint_attr(struct painter *p, attr_t a, const char *text)
{
	if (p->row > p->last)
		return;
	move(p->row, 0);
	clrtoeol();
	attrset(a);
	addnstr(text, COLS);
	if (a & A_REVERSE) {
		/* a bar across the whole width */
		int y, x;
		getyx(stdscr, y, x);
		(void)y;
		if (x > 0 || !text[0])
			for (int i = x; i < COLS; i++)
				addch(' ');
	}
	attrset(A_NORMAL);
	p->row++;
}

static void paint(void *arg, enum vt_top_style st, const char *text)
{
	struct painter *p = arg;
	paint_attr(p, style_attr(p->t, st), text);
}

static void paint_selected(void *arg, enum vt_top_style st, const char *text)
{
	struct painter *p = arg;
	paint_attr(p, style_attr(p->t, st) ^ A_REVERSE, text);
}

static void paint_blank(struct painter *p)
{
	paint_attr(p, A_NORMAL, "");
}

static void draw_title(struct top *t)
{
	char line[512], delay[16];
	struct painter p = { .t = t, .row = 0, .last = 0 };

	vt_top_fmt_us(delay, sizeof(delay), t->delay_ns / 1000);
	snprintf(line, sizeof(line), "vitool top - %s%s  delay %s  events: %s", t->c->name,
		 t->paused ? "  [PAUSED]" : "", delay, t->filter[0] ? t->filter : "(notable)");
	paint_attr(&p, A_REVERSE | A_BOLD, line);
}

static void draw_status(struct top *t)
{
	struct painter p = { .t = t, .row = LINES - 1, .last = LINES - 1 };
	char line[512];

	if (t->mode == M_PROMPT_FILTER || t->mode == M_PROMPT_DELAY) {
		snprintf(line, sizeof(line), "%s%s", t->mode == M_PROMPT_FILTER ? "filter (trace words, empty: notable): "
									 : "delay in seconds: ",
			 t->prompt);
		paint_attr(&p, A_NORMAL, line);
		curs_set(1);
		return;
	}
	curs_set(0);
	if (t->message[0]) {
		paint_attr(&p, A_BOLD, t->message);
		return;
	}
	paint_attr(&p, A_REVERSE,
		   t->mode == M_DETAILS ? "Esc/q/Enter back  arrows scroll"
		   : t->mode == M_HELP  ? "any key: back"
					: "q quit  p pause  j/k select  Enter details  s sort  f filter  d delay  r reset  h help");
}

static const char *const help_text[] = {
	"vitool top: the requests in flight and the queues of a running instance",
	"",
	"  q            quit (Ctrl-C and SIGTERM too)",
	"  p, space     pause / resume the refresh",
	"  j, k, arrows select a request in flight; PgUp/PgDn, Home/End",
	"  Enter        details of the selected request: chain layout, bytes in hex",
	"  s            sort the in-flight list: oldest first, newest first, by queue",
	"  f            filter the events pane with trace's FILTER words",
	"               (vitool-trace(1): addr 0x50, q 0, late or ooo, ...);",
	"               empty: errors, timeouts, late, ooo, ring errors, drops,",
	"               the instance's errors and warnings (log: all its log lines)",
	"  d            set the refresh delay (seconds)",
	"  r            reset the instance's counters (stats reset, trace-stats reset)",
	"  h, ?         this help",
	"",
	"A request marked '!' and shown in bold is past the instance's timeout.",
	"Columns and panes: man vitool-top.",
};

static void draw_help(struct top *t)
{
	struct painter p = { .t = t, .row = 1, .last = LINES - 2 };

	for (size_t i = 0; i < sizeof(help_text) / sizeof(help_text[0]); i++)
		paint_attr(&p, i == 0 ? A_BOLD : A_NORMAL, help_text[i]);
	while (p.row <= p.last)
		paint_blank(&p);
}

static void draw_details(struct top *t)
{
	struct painter p = { .t = t, .row = 1, .last = LINES - 2 };

	for (int i = t->dfirst; i < t->ndetails && p.row <= p.last; i++)
		paint_attr(&p, i == 0 ? A_BOLD : A_NORMAL, t->details[i]);
	while (p.row <= p.last)
		paint_blank(&p);
}

static void draw_gone(struct top *t, struct painter *p)
{
	char line[1024];

	snprintf(line, sizeof(line), "instance %s is gone: %s", t->c->name, t->gone_why);
	paint(p, VT_TOP_ST_WARN, line);
	paint(p, VT_TOP_ST_WARN, "waiting for it to come back (q quits)");
	paint_blank(p);
}

static void draw_events(struct top *t, struct painter *p)
{
	int rows = p->last - p->row;   /* after the title */
	char (*lines)[VT_TOP_EVENT_LEN];

	if (rows < 0)
		return;
	paint(p, VT_TOP_ST_TITLE, t->filter[0] ? "EVENTS (filter)" : "EVENTS");
	if (rows == 0)
		return;
	lines = malloc((size_t)rows * sizeof(*lines));
	unsigned n = lines ? vt_top_events_copy(t->ev, lines, (unsigned)rows) : 0;
	for (unsigned i = 0; i < n; i++)
		paint(p, VT_TOP_ST_PLAIN, lines[i]);
	free(lines);
	while (p->row <= p->last)
		paint_blank(p);
}

static void draw_main(struct top *t)
{
	struct painter p = { .t = t, .row = 1, .last = LINES - 2 };
	int w = COLS;

	if (t->fd < 0) {
		draw_gone(t, &p);
	} else if (t->have_cur) {
		vt_top_format_header(&t->cur, w, paint, &p);
		vt_top_format_queues(&t->cur, w, paint, &p);
		vt_top_format_hists(&t->cur, w, paint, &p);
		/* What is left: the list and the events, about half each (the
		 * list never more than it has rows). */
		int left = p.last - p.row + 1;
		int want = (int)t->cur.nreq + (t->cur.nreq < t->cur.nreq_total);
		int list = left / 2 - 1;
		if (list > want)
			list = want;
		if (list < 1)
			list = 1;
		t->req_rows = list;
		if (t->sel >= 0 && t->sel < t->first)
			t->first = t->sel;
		if (t->sel >= t->first + list)
			t->first = t->sel - list + 1;
		if (t->first > (int)t->cur.nreq - list)
			t->first = (int)t->cur.nreq - list;
		if (t->first < 0)
			t->first = 0;
		struct painter lp = p;
		lp.last = p.row + list;   /* heading + rows */
		vt_top_format_requests(&t->cur, w, t->sort, t->first, list, t->sel, paint, paint_selected, &lp);
		while (lp.row <= lp.last)
			paint_blank(&lp);
		p.row = lp.row;
	}
	draw_events(t, &p);
}

static void draw(struct top *t)
{
	erase();
	draw_title(t);
	if (t->mode == M_HELP)
		draw_help(t);
	else if (t->mode == M_DETAILS)
		draw_details(t);
	else
		draw_main(t);
	draw_status(t);
	if (t->mode == M_PROMPT_FILTER || t->mode == M_PROMPT_DELAY)
		move(LINES - 1, (int)strlen(t->mode == M_PROMPT_FILTER ? "filter (trace words, empty: notable): "
							       : "delay in seconds: ") + (int)t->plen);
	refresh();
}

/* ---- keys ---- */

static void free_details(struct top *t)
{
	for (int i = 0; i < t->ndetails; i++)
		free(t->details[i]);
	free(t->details);
	t->details = NULL;
	t->ndetails = t->dfirst = 0;
}

static void open_details(struct top *t)
{
	char err[512], *text = NULL;
	size_t len = 0;

	if (t->sel < 0 || t->fd < 0) {
		set_message(t, "no request selected");
		return;
	}
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return;
	int rc = vt_top_details(t->fd, t->sel_id, f, err, sizeof(err));
	fclose(f);
	if (rc < 0) {
		set_message(t, "%s", err);
		free(text);
		return;
	}
	free_details(t);
	for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		char **nd = realloc(t->details, (size_t)(t->ndetails + 1) * sizeof(*nd));
		if (!nd)
			break;
		t->details = nd;
		/* the dump's tabs: four spaces, so the columns stay in 80 */
		char *out = malloc(strlen(line) * 4 + 1), *o = out;
		if (!out)
			break;
		for (const char *s = line; *s; s++)
			if (*s == '\t')
				o += sprintf(o, "    ");
			else
				*o++ = *s;
		*o = '\0';
		t->details[t->ndetails++] = out;
	}
	free(text);
	t->mode = M_DETAILS;
}

static void move_sel(struct top *t, int delta)
{
	if (!t->cur.nreq)
		return;
	int s = t->sel < 0 ? 0 : t->sel + delta;
	if (s < 0)
		s = 0;
	if (s >= (int)t->cur.nreq)
		s = (int)t->cur.nreq - 1;
	t->sel = s;
	t->sel_id = t->cur.req[s].id;
}

static void reset_counters(struct top *t)
{
	char err[512];
	struct json_t *a, *b;

	if (t->fd < 0) {
		set_message(t, "the instance is gone: nothing to reset");
		return;
	}
	a = vt_top_call(t->fd, "stats reset", err, sizeof(err));
	b = a ? vt_top_call(t->fd, "trace-stats reset", err, sizeof(err)) : NULL;
	if (!a || !b)
		set_message(t, "reset failed: %s", err);
	else
		vt_top_events_log(t->ev, "counters reset");
	json_decref(a);
	json_decref(b);
	/* the rates start again */
	vt_top_snapshot_free(&t->prev);
	t->have_cur = false;
	vt_top_snapshot_free(&t->cur);
	refresh_data(t);
}

static void apply_prompt(struct top *t)
{
	char err[256];

	t->prompt[t->plen] = '\0';
	if (t->mode == M_PROMPT_FILTER) {
		if (vt_top_events_set_filter(t->ev, t->prompt, err, sizeof(err)) < 0) {
			set_message(t, "bad filter \"%s\": %s", t->prompt, err);
		} else {
			snprintf(t->filter, sizeof(t->filter), "%s", t->prompt);
			vt_top_events_log(t->ev, "events filter: %s", t->filter[0] ? t->filter : "(notable)");
		}
	} else {
		char *end;
		errno = 0;
		double d = strtod(t->prompt, &end);
		if (errno || end == t->prompt || *end || !isfinite(d) || d < 0.1 || d > 3600)
			set_message(t, "delay '%s': want seconds, 0.1 to 3600", t->prompt);
		else
			t->delay_ns = (uint64_t)(d * 1e9);
	}
	t->mode = M_MAIN;
}

/* True when the key ends top. */
static bool handle_key(struct top *t, int ch, uint64_t *next_tick)
{
	if (ch == KEY_RESIZE)
		return false;   /* redrawn below at the new size */
	if (t->mode == M_PROMPT_FILTER || t->mode == M_PROMPT_DELAY) {
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			apply_prompt(t);
			*next_tick = 0;
		} else if (ch == KEY_ESC || ch == CTRL('g')) {
			t->mode = M_MAIN;
		} else if (ch == KEY_BACKSPACE || ch == 127 || ch == CTRL('h')) {
			if (t->plen)
				t->plen--;
		} else if (ch == CTRL('u')) {
			t->plen = 0;
		} else if (ch >= 0x20 && ch < 0x7f && t->plen < PROMPT_MAX) {
			t->prompt[t->plen++] = (char)ch;
		}
		t->prompt[t->plen] = '\0';
		return false;
	}
	t->message[0] = '\0';
	if (t->mode == M_HELP) {
		t->mode = M_MAIN;
		return false;
	}
	if (t->mode == M_DETAILS) {
		if (ch == KEY_DOWN || ch == 'j')
			t->dfirst += t->dfirst < t->ndetails - 1;
		else if (ch == KEY_UP || ch == 'k')
			t->dfirst -= t->dfirst > 0;
		else if (ch == KEY_ESC || ch == 'q' || ch == '\n' || ch == '\r' || ch == KEY_ENTER ||
			 ch == KEY_BACKSPACE || ch == KEY_LEFT || ch == 'h') {
			free_details(t);
			t->mode = M_MAIN;
		}
		return false;
	}
	switch (ch) {
	case 'q':
	case 'Q':
		return true;
	case 'p':
	case ' ':
		t->paused = !t->paused;
		if (!t->paused)
			*next_tick = 0;
		break;
	case KEY_DOWN:
	case 'j':
		move_sel(t, 1);
		break;
	case KEY_UP:
	case 'k':
		move_sel(t, -1);
		break;
	case KEY_NPAGE:
		move_sel(t, t->req_rows > 1 ? t->req_rows : 1);
		break;
	case KEY_PPAGE:
		move_sel(t, -(t->req_rows > 1 ? t->req_rows : 1));
		break;
	case KEY_HOME:
		move_sel(t, -(int)t->cur.nreq);
		break;
	case KEY_END:
		move_sel(t, (int)t->cur.nreq);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		open_details(t);
		break;
	case 's':
		t->sort = (t->sort + 1) % VT_TOP_SORT_N;
		vt_top_sort_requests(&t->cur, t->sort);
		reselect(t);
		break;
	case 'f':
	case '/':
		t->mode = M_PROMPT_FILTER;
		t->plen = strlen(t->filter);
		memcpy(t->prompt, t->filter, t->plen + 1);
		break;
	case 'd':
		t->mode = M_PROMPT_DELAY;
		t->plen = 0;
		t->prompt[0] = '\0';
		break;
	case 'r':
		reset_counters(t);
		break;
	case 'h':
	case '?':
	case KEY_F(1):
		t->mode = M_HELP;
		break;
	default:
		break;
	}
	return false;
}

/* ---- the loop ---- */

static void restore_terminal(void)
{
	if (!isendwin())
		endwin();
}

int vt_top_run(const struct vt_top_conf *c)
{
	struct top t = { .c = c, .fd = -1, .sel = -1, .delay_ns = (uint64_t)(c->delay_s * 1e9) };
	char err[256];
	sigset_t block, orig;
	struct sigaction sa = { .sa_handler = on_quit };

	t.ev = vt_top_events_new();
	if (!t.ev) {
		fprintf(stderr, "vitool: top: out of memory\n");
		return 1;
	}
	if (c->filter && vt_top_events_set_filter(t.ev, c->filter, err, sizeof(err)) < 0) {
		fprintf(stderr, "vitool: top: bad filter \"%s\": %s\n", c->filter, err);
		vt_top_events_free(t.ev);
		return 2;
	}
	if (c->filter)
		snprintf(t.filter, sizeof(t.filter), "%s", c->filter);

	/* SIGINT and SIGTERM only arrive inside ppoll, so the loop always
	 * sees them before it sleeps again; ncurses keeps SIGWINCH. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &orig);

	setlocale(LC_ALL, "");
	if (!initscr()) {
		fprintf(stderr, "vitool: top: cannot initialise the terminal\n");
		return 1;
	}
	atexit(restore_terminal);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(PAIR_TIMEOUT, COLOR_RED, -1);
		init_pair(PAIR_WARN, COLOR_YELLOW, -1);
		t.colors = true;
	}

	uint64_t next_tick = 0;
	while (!quit_sig) {
		uint64_t now = vt_now_ns();
		if (!t.paused && now >= next_tick) {
			refresh_data(&t);
			next_tick = vt_now_ns() + t.delay_ns;
		}
		draw(&t);

		/* Paused: nothing to do until a key (or a signal). */
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		struct timespec ts, *tsp = NULL;
		if (!t.paused) {
			uint64_t left = next_tick > vt_now_ns() ? next_tick - vt_now_ns() : 0;
			ts = (struct timespec){ .tv_sec = (time_t)(left / 1000000000u), .tv_nsec = (long)(left % 1000000000u) };
			tsp = &ts;
		}
		int r = ppoll(&p, 1, tsp, &orig);
		if (r < 0 && errno != EINTR)
			break;
		if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
			break;   /* the terminal went away */
		bool done = false;
		for (int ch; !done && (ch = getch()) != ERR;)
			done = handle_key(&t, ch, &next_tick);
		if (done)
			break;
	}
	restore_terminal();
	free_details(&t);
	if (t.fd >= 0)
		close(t.fd);
	vt_top_events_free(t.ev);
	vt_top_snapshot_free(&t.cur);
	vt_top_snapshot_free(&t.prev);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	return 0;
}
