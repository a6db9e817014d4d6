/* vitool loopback [DEV]: the no-VM demo.  A child process runs `serve`
 * (the same code as the command) on a fresh socket; this process is the
 * front-end and runs a built-in exercise or a script, one step (operation
 * line) at a time, and tells the story on one screen: each step, what it
 * did, the child's line for each request it served, and a summary.
 *
 * Everything about a device (the serve arguments, the exercise, the words
 * a script may use, the steps whose request lines fold) is its registry
 * descriptor's loopback part (lib/devices/DEV_type.c): this file names no
 * device. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "ctl/ctl.h"
#include "ctl/queue_stats.h"
#include "devices/registry.h"
#include "fault/fault.h"
#include "util/lines.h"
#include "util/log.h"
#include "util/tmpdir.h"
#include "util/parse.h"
#include "vhost/frontend.h"

#define MAX_WORDS 300
#define MAX_ARGS 24
#define QUEUE_SIZE 64
#define LINE_MAX_BYTES 4096
#define OPT_INDIRECT 256
#define OPT_TIMEOUT 257

/* Prints one help text with each line indented. */
static void put_indented(const char *text, const char *indent)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		printf("%s%.*s\n", indent, (int)n, p);
		p += n + (p[n] == '\n');
	}
}

/* The devices come from the registry: the first is the default. */
static void usage(void)
{
	char names[256], indirect[256] = "";
	size_t at = 0;
	bool first = true;

	vt_device_names(names, sizeof(names), VT_DEVICE_LOOPBACK, "|");
	for (size_t i = 0; i < vt_device_count(); i++) {
		const struct vt_device_type *t = vt_device_at(i);
		if (vt_device_has(t, VT_DEVICE_LOOPBACK) && t->front->indirect && at < sizeof(indirect))
			at += (size_t)snprintf(indirect + at, sizeof(indirect) - at, "%s%s", at ? ", " : "", t->name);
	}
	printf("usage: vitool loopback [%s] [-f FILE] [-S PATH] [--timeout-ms MS] [--indirect] [-v]\n"
	       "\n"
	       "Starts `vitool serve` in a child process, connects vitool's own front-end\n"
	       "over a real vhost-user socket and runs a short exercise, printing every\n"
	       "request as the device serves it and a summary line at the end.  Options\n"
	       "may come before or after the device.\n"
	       "\n"
	       "  -f, --script FILE   run FILE instead: one step (operation line) each,\n"
	       "                      the device's, below; # starts a comment line; a\n"
	       "                      leading ! marks a step that must fail; every line\n"
	       "                      is checked before the first one runs; fault ... and\n"
	       "                      release ... steps go to the device's control socket\n"
	       "  -S, --socket PATH   socket to use (default: in a new temporary directory)\n"
	       "      --timeout-ms MS the device's trace timeout (serve --timeout-ms)\n"
	       "      --indirect      send chains through indirect descriptor tables\n"
	       "                      (%s)\n"
	       "  -v, --verbose       also print kicks, calls and vhost-user messages, and\n"
	       "                      every request of a folded step (detect)\n"
	       "  -h, --help          this help\n"
	       "\n"
	       "Devices:\n",
	       names, indirect);
	for (size_t i = 0; i < vt_device_count(); i++) {
		const struct vt_device_type *t = vt_device_at(i);
		if (!vt_device_has(t, VT_DEVICE_LOOPBACK))
			continue;
		printf("  %s%s:\n", t->name, first ? " (the default)" : "");
		put_indented(t->loopback->help, "    ");
		first = false;
	}
}

static const struct vt_device_type *default_device(void)
{
	for (size_t i = 0; i < vt_device_count(); i++)
		if (vt_device_has(vt_device_at(i), VT_DEVICE_LOOPBACK))
			return vt_device_at(i);
	return NULL;
}

/* ---- options ---- */

struct loopback_opts {
	const struct vt_device_type *device;
	const char *script;
	const char *socket;
	bool indirect;
	int verbose;
	const char *timeout_ms;   /* for the child serve */
};

/* The short options loopback had before issue 10's table. */
static const struct cmd_dropped dropped[] = {
	{ 's', "-S, --socket" }, { 'i', "--indirect" }, { 0, NULL },
};

/* Options and the device word in any order: "-S P gpio -f F" as well as
 * "gpio -f F -S P". */
static void parse(int argc, char **argv, struct loopback_opts *o)
{
	static const struct option longopts[] = {
		{ "script", required_argument, NULL, 'f' },
		{ "socket", required_argument, NULL, 'S' },
		{ "indirect", no_argument, NULL, OPT_INDIRECT },
		{ "timeout-ms", required_argument, NULL, OPT_TIMEOUT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL;
	bool words_only = false;
	char list[256];
	int c;

	optind = 0;
	opterr = 0;
	while (optind < argc) {
		int at = optind ? optind : 1;   /* optind 0: getopt starts at 1 */
		c = words_only ? -1 : getopt_long(argc, argv, "+:f:S:vh", longopts, NULL);
		if (c == -1) {
			/* getopt took a "--": everything after it is a word. */
			if (!words_only && optind == at + 1 && !strcmp(argv[at], "--"))
				words_only = true;
			if (optind >= argc)
				break;
			if (name)
				vt_die_usage("loopback: unexpected argument '%s'", argv[optind]);
			name = argv[optind++];
			continue;
		}
		switch (c) {
		case 'f':
			o->script = optarg;
			break;
		case 'S':
			o->socket = cmd_socket_path("loopback", "--socket", optarg);
			break;
		case OPT_INDIRECT:
			o->indirect = true;
			break;
		case OPT_TIMEOUT: {
			unsigned ms;
			if (!vt_parse_uint(optarg, 86400000, &ms) || !ms)
				vt_die_usage("loopback: --timeout-ms %s: want 1-86400000", optarg);
			o->timeout_ms = optarg;
			break;
		}
		case 'v':
			o->verbose++;
			vt_log_verbosity++;
			break;
		case 'h':
			usage();
			exit(VT_EXIT_OK);
		default:
			cmd_option_error("loopback", c, argv, longopts, dropped);
		}
	}
	o->device = name ? vt_device_find(name) : default_device();
	if (!o->device || !vt_device_has(o->device, VT_DEVICE_LOOPBACK)) {
		vt_device_names(list, sizeof(list), VT_DEVICE_LOOPBACK, ", ");
		vt_die_usage("loopback: unknown device '%s' (%s)", name, list);
	}
	if (o->indirect && !o->device->front->indirect)
		vt_die_usage("loopback: %s takes no --indirect", o->device->name);
}

/* ---- the child's lines ----
 *
 * The child serve prints a line for each request it serves into a pipe,
 * and this process passes them on: each time it writes anything itself
 * (our stdout is a stream whose writes first drain the pipe) and after each
 * step.  The child prints a request's line before it signals the
 * completion, so the lines come out in the order things happened, and a
 * folded step (detect) can count its lines instead of printing them. */

struct relay {
	int fd;                /* read end of the child's stdout; -1 closed */
	int out;               /* our real standard output */
	bool fold;             /* count complete lines, print none */
	unsigned folded;
	size_t len;
	char buf[LINE_MAX_BYTES];
};

static struct relay relay = { .fd = -1, .out = -1 };

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;   /* stdout gone (a closed pipe): nothing to tell */
		p += w;
		n -= (size_t)w;
	}
}

/* Passes on the complete lines in buf; all: the rest too (the child
 * exited).  A line longer than buf goes in pieces. */
static void relay_lines(struct relay *r, bool all)
{
	size_t start = 0;

	while (start < r->len) {
		char *nl = memchr(r->buf + start, '\n', r->len - start);
		size_t end;

		if (nl)
			end = (size_t)(nl - r->buf) + 1;
		else if (all || (start == 0 && r->len == sizeof(r->buf)))
			end = r->len;
		else
			break;
		if (r->fold)
			r->folded++;
		else
			write_all(r->out, r->buf + start, end - start);
		start = end;
	}
	memmove(r->buf, r->buf + start, r->len - start);
	r->len -= start;
}

/* Reads what the child has written; to_eof: until it closes the pipe. */
static void relay_pump(struct relay *r, bool to_eof)
{
	if (r->fd < 0)
		return;
	if (to_eof)
		fcntl(r->fd, F_SETFL, fcntl(r->fd, F_GETFL) & ~O_NONBLOCK);
	for (;;) {
		ssize_t n = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0 || to_eof) {
				relay_lines(r, true);
				close(r->fd);
				r->fd = -1;
			}
			return;
		}
		r->len += (size_t)n;
		relay_lines(r, false);
	}
}

static ssize_t relay_write(void *cookie, const char *buf, size_t size)
{
	struct relay *r = cookie;

	relay_pump(r, false);
	write_all(r->out, buf, size);
	return (ssize_t)size;
}

/* Makes stdout the relaying stream; fd is the pipe's read end. */
static void relay_start(int fd)
{
	FILE *f;

	relay.fd = fd;
	relay.out = dup(STDOUT_FILENO);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	f = relay.out >= 0 ? fopencookie(&relay, "w", (cookie_io_functions_t){ .write = relay_write }) : NULL;
	if (!f)
		vt_die("loopback: cannot relay the backend's output: %s", strerror(errno));
	setvbuf(f, NULL, _IOLBF, 0);
	fflush(stdout);
	stdout = f;   /* glibc: stdout is a variable for this */
}

/* ---- the run ---- */

/* One step: a line of the exercise or of a script. */
struct step {
	char *text;            /* as written, without the newline */
	const char *file;      /* the script, NULL for the exercise */
	unsigned lineno;
};

/* One run: the front-end, the device's driver, the child's control socket. */
struct loopback {
	const struct vt_device_type *t;
	struct vt_frontend fe;
	void *drv;             /* the descriptor's driver state */
	int ctl;               /* control socket of the child, -1 */
	struct vt_run_opts ro;
	bool verbose;
	unsigned steps, errors, expected;
};

/* Steps "fault ..." and "release ...": control commands of the child
 * (vitool-control(7) FAULTS), for every device. */
static bool is_ctl_step(const char *word)
{
	return !strcmp(word, "fault") || !strcmp(word, "release");
}

/* Their shape, and a rule's words, before anything runs. */
static bool check_ctl_words(const struct vt_device_type *t, char *const *words, unsigned n, char *err,
			    size_t errlen)
{
	struct vt_fault_rule r;
	const char *w = n > 1 ? words[1] : "";

	if (!strcmp(words[0], "release")) {
		if (n == 2)
			return true;
		snprintf(err, errlen, "release wants a request id or all");
		return false;
	}
	if (!strcmp(w, "add")) {
		size_t k = (size_t)snprintf(err, errlen, "fault add: ");
		return vt_fault_rule_parse(&r, t, words + 2, n - 2, err + k, k < errlen ? errlen - k : 0) == 0;
	}
	if (((!strcmp(w, "list") || !strcmp(w, "clear")) && n == 2) || (!strcmp(w, "del") && n == 3))
		return true;
	snprintf(err, errlen, "want fault add RULE, fault list, fault del ID or fault clear");
	return false;
}

/* Sends one to the child and prints its reply; a refusal is an error. */
static enum vt_run_result run_ctl(struct loopback *lb, char **words, unsigned n, char *err, size_t errlen)
{
	char line[LINE_MAX_BYTES], *reply = NULL;
	size_t len = 0;
	json_t *r;
	bool ok;

	for (unsigned i = 0; i < n && len < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%s", i ? " " : "", words[i]);
	if (lb->ctl < 0) {
		snprintf(err, errlen, "%s: no control socket", words[0]);
		return VT_RUN_TRANSPORT;
	}
	if (vt_ctl_call(lb->ctl, line, &reply, 5000, err, errlen) < 0)
		return VT_RUN_TRANSPORT;
	/* The reply is printed as it came: the text, not a re-encoding. */
	r = vt_ctl_parse_reply(reply, err, errlen);
	ok = r && vt_ctl_reply_ok(r, err, errlen);
	if (ok)
		printf("%s\n", reply);
	json_decref(r);
	free(reply);
	return ok ? VT_RUN_OK : VT_RUN_USAGE;
}

static enum vt_run_result run_words(struct loopback *lb, char **words, unsigned n, char *err, size_t errlen)
{
	const struct vt_loopback_ops *l = lb->t->loopback;

	if (is_ctl_step(words[0]))
		return run_ctl(lb, words, n, err, errlen);
	if (l->run)
		return l->run(lb->drv, lb->ctl, words, n, &lb->ro, err, errlen);
	return lb->t->front->run(lb->drv, words, n, &lb->ro, err, errlen);
}

static bool check_words(const struct vt_device_type *t, char *const *words, unsigned n, char *err, size_t errlen)
{
	if (is_ctl_step(words[0]))
		return check_ctl_words(t, words, n, err, errlen);
	return (t->loopback->check ? t->loopback->check : t->front->check)(words, n, err, errlen);
}

/* Splits a line into words in place; returns the count. */
static unsigned split(char *line, char **words)
{
	unsigned n = 0;

	for (char *w = strtok(line, " \t\r\n"); w && n < MAX_WORDS; w = strtok(NULL, " \t\r\n"))
		words[n++] = w;
	return n;
}

/* A step's words (the text after blanks and the ! mark) into line;
 * false with err set when it has too many. */
static bool step_words(const char *text, char *line, size_t len, char **words, unsigned *n, char *err,
		       size_t errlen)
{
	text += strspn(text, " \t");
	text += text[0] == '!';
	if (snprintf(line, len, "%s", text) >= (int)len) {
		snprintf(err, errlen, "line longer than %zu bytes", len - 1);
		return false;
	}
	*n = split(line, words);
	if (*n == MAX_WORDS) {
		snprintf(err, errlen, "more than %d words on one line", MAX_WORDS - 1);
		return false;
	}
	return true;
}

static bool is_comment(const char *text)
{
	text += strspn(text, " \t");
	return text[0] == '#';
}

static bool folds(const struct vt_device_type *t, const char *word)
{
	for (unsigned i = 0; t->loopback->fold_words && t->loopback->fold_words[i]; i++)
		if (!strcmp(t->loopback->fold_words[i], word))
			return true;
	return false;
}

/* "f:3: " for a script's step, "" for the exercise's. */
static void where(const struct step *s, char *buf, size_t len)
{
	if (s->file)
		snprintf(buf, len, "%s:%u: ", s->file, s->lineno);
	else
		buf[0] = '\0';
}

/* Runs one step; counts it, its failure or its expected failure. */
static void run_step(struct loopback *lb, const struct step *s)
{
	char line[LINE_MAX_BYTES], err[512], at[300];
	char *words[MAX_WORDS];
	const char *text = s->text + strspn(s->text, " \t");
	bool expect_fail = text[0] == '!', fold;
	enum vt_run_result res;
	unsigned n;

	if (is_comment(text)) {
		printf("%s\n", text);
		return;
	}
	where(s, at, sizeof(at));
	if (!step_words(text, line, sizeof(line), words, &n, err, sizeof(err))) {
		printf("error: %s%s\n", at, err);   /* the exercise's: a script's were checked */
		lb->errors++;
		return;
	}
	if (!n)
		return;
	lb->steps++;
	printf("> %s\n", text + expect_fail);
	fold = !lb->verbose && folds(lb->t, words[0]);
	relay_pump(&relay, false);
	relay.fold = fold;
	relay.folded = 0;
	res = run_words(lb, words, n, err, sizeof(err));
	relay_pump(&relay, false);
	relay.fold = false;
	if (fold && relay.folded)
		printf("# %u request%s served, folded into the lines above (-v prints each)\n", relay.folded,
		       relay.folded == 1 ? "" : "s");
	if (res == VT_RUN_OK && !expect_fail)
		return;
	if (res == VT_RUN_OK) {
		printf("error: %sthe step was expected to fail but succeeded\n", at);
		lb->errors++;
	} else if (expect_fail && res == VT_RUN_DEVICE_ERR) {
		printf("failed as expected: %s\n", err);
		lb->expected++;
	} else {
		printf("error: %s%s\n", at, err);
		lb->errors++;
	}
}

/* Reads a script into steps, checking every line before anything runs: a
 * bad one ends the command (exit 2) with its file and line number. */
static struct step *read_script(const struct vt_device_type *t, const char *path, unsigned *count)
{
	FILE *f = fopen(path, "r");
	struct step *steps = NULL;
	char buf[LINE_MAX_BYTES], line[LINE_MAX_BYTES], err[512];
	char *words[MAX_WORDS];
	size_t len;
	unsigned n, lineno = 0;
	int r;

	if (!f)
		vt_die("loopback: cannot open script %s: %s", path, strerror(errno));
	*count = 0;
	/* Bounded before anything grows: /dev/zero is one endless line. */
	while ((r = vt_read_line(f, buf, sizeof(buf), &len)) > 0) {
		lineno++;
		while (len && buf[len - 1] == '\r')
			buf[--len] = '\0';
		if (!is_comment(buf)) {
			if (!step_words(buf, line, sizeof(line), words, &n, err, sizeof(err)) ||
			    (n && !check_words(t, words, n, err, sizeof(err))))
				vt_die_usage("loopback: %s:%u: %s", path, lineno, err);
			if (!n)
				continue;
		}
		struct step *grown = realloc(steps, (*count + 1) * sizeof(*steps));
		if (!grown || !(grown[*count].text = strdup(buf)))
			vt_die("loopback: out of memory");
		steps = grown;
		steps[*count].file = path;
		steps[(*count)++].lineno = lineno;
	}
	if (r == -E2BIG)
		vt_die_usage("loopback: %s:%u: line longer than %zu bytes", path, lineno + 1, sizeof(buf) - 1);
	if (r < 0)
		vt_die("loopback: cannot read script %s: %s", path, strerror(-r));
	fclose(f);
	return steps;
}

/* The child's stdout is the pipe's write end pipefd[1]. */
static pid_t start_backend(const struct vt_device_type *t, const char *socket, const char *control,
			   const struct loopback_opts *o, const int pipefd[2])
{
	char *args[MAX_ARGS];
	unsigned n = 0;
	sigset_t all, old;
	pid_t pid;

	fflush(stdout);
	/* No signal between the fork and the parent knowing its child: the
	 * cleanup must end the child before it removes the directory. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid < 0)
		vt_die("loopback: fork: %s", strerror(errno));
	if (pid) {
		vt_tmpdir_child(pid);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return pid;
	}
	vt_tmpdir_forget();   /* the parent's to remove, not the serve's */
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(pipefd[0]);
	if (dup2(pipefd[1], STDOUT_FILENO) < 0)
		_exit(VT_EXIT_FAIL);
	args[n++] = "serve";
	args[n++] = (char *)t->name;
	args[n++] = "--socket";
	args[n++] = (char *)socket;
	args[n++] = "--control";
	args[n++] = (char *)control;
	args[n++] = "--quiet";   /* the story is loopback's to tell */
	for (unsigned i = 0; t->loopback->serve_args[i] && n < MAX_ARGS - 6; i++)
		args[n++] = (char *)t->loopback->serve_args[i];
	args[n++] = "--print";
	args[n++] = "--once";
	if (o->timeout_ms) {
		args[n++] = "--timeout-ms";
		args[n++] = (char *)o->timeout_ms;
	}
	if (o->verbose)
		args[n++] = "-v";
	args[n] = NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	exit(cmd_serve((int)n, args));
}

/* Requests and events the device served, from the child's stats: the
 * event queues' completions are events.  false when it cannot tell. */
static bool served(const struct loopback *lb, uint64_t *requests, uint64_t *events)
{
	uint64_t used[VT_CTL_MAX_QUEUES];
	int n = vt_ctl_used_counts(lb->ctl, used);

	*requests = *events = 0;
	for (int q = 0; q < n; q++) {
		if (lb->t->event_queues >> q & 1)
			*events += used[q];
		else
			*requests += used[q];
	}
	return n >= 0;
}

/* "# done: 8 steps, 124 requests, 0 errors (1 failed as expected) in 41 ms" */
static void summary(const struct loopback *lb, bool have_counts, uint64_t requests, uint64_t events,
		    uint64_t t0)
{
	char counts[96] = "";
	char expected[48] = "";

	if (have_counts && lb->t->event_queues)
		snprintf(counts, sizeof(counts), ", %llu request%s, %llu event%s", (unsigned long long)requests,
			 requests == 1 ? "" : "s", (unsigned long long)events, events == 1 ? "" : "s");
	else if (have_counts)
		snprintf(counts, sizeof(counts), ", %llu request%s", (unsigned long long)requests,
			 requests == 1 ? "" : "s");
	if (lb->expected)
		snprintf(expected, sizeof(expected), " (%u failed as expected)", lb->expected);
	printf("# done: %u step%s%s, %u error%s%s in %llu ms\n", lb->steps, lb->steps == 1 ? "" : "s", counts,
	       lb->errors, lb->errors == 1 ? "" : "s", expected,
	       (unsigned long long)((vt_now_ns() - t0 + 500000) / 1000000));
}

int cmd_loopback(int argc, char **argv)
{
	struct loopback_opts o = { 0 };
	struct loopback lb = { .ctl = -1 };
	const struct vt_loopback_ops *l;
	struct step *steps = NULL;
	char dir[96];
	char sockpath[256], ctlpath[300], err[256];
	uint64_t t0 = vt_now_ns(), requests = 0, events = 0;
	unsigned nsteps = 0;
	bool clean = true, counts;
	int status, pipefd[2];
	pid_t pid;

	parse(argc, argv, &o);
	lb.t = o.device;
	lb.verbose = o.verbose > 0;
	l = lb.t->loopback;
	if (o.script)
		steps = read_script(lb.t, o.script, &nsteps);
	signal(SIGPIPE, SIG_IGN);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		vt_die("loopback: pipe: %s", strerror(errno));
	/* Room for a step's lines (at most ~300 requests, more with -v)
	 * while this process waits for its completions. */
	fcntl(pipefd[0], F_SETPIPE_SZ, 1 << 20);
	/* In $TMPDIR (/tmp without it, or when the sockets' paths would not
	 * fit there); removed however this process ends: killed, or a step
	 * that dies. */
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp || strlen(tmp) > 60)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/vitool-loopback-XXXXXX", tmp);
	int e = vt_tmpdir_make(dir);
	if (e < 0)
		vt_die("loopback: cannot create a temporary directory: %s", strerror(-e));
	if (o.socket)
		snprintf(sockpath, sizeof(sockpath), "%s", o.socket);
	else
		snprintf(sockpath, sizeof(sockpath), "%s/%s.sock", dir, lb.t->name);
	snprintf(ctlpath, sizeof(ctlpath), "%s/%s.ctl", dir, lb.t->name);
	/* The child's sockets, left behind only if it is killed (a -S PATH is
	 * the user's: the child removes it, never we). */
	if (!o.socket)
		vt_tmpdir_file(sockpath);
	vt_tmpdir_file(ctlpath);
	printf("# vitool loopback: virtio-%s over vhost-user socket %s\n", lb.t->name, sockpath);
	printf("%s\n", l->intro);
	lb.ro = (struct vt_run_opts){ .indirect = o.indirect, .timeout_ms = 1000 };
	pid = start_backend(lb.t, sockpath, ctlpath, &o, pipefd);
	close(pipefd[1]);
	relay_start(pipefd[0]);
	if (vt_fe_connect(&lb.fe, sockpath, 5000) == 0)
		lb.drv = (l->start ? l->start : lb.t->front->start)(&lb.fe, QUEUE_SIZE, &lb.ro);
	if (!lb.drv)
		vt_die("loopback: %s", lb.fe.err);   /* the exit ends the child, removes dir */
	/* The child made its control socket before it served our handshake. */
	lb.ctl = vt_ctl_connect(ctlpath, err, sizeof(err));
	if (lb.ctl < 0)
		vt_warn("loopback: control socket: %s", err);
	if (o.script) {
		for (unsigned i = 0; i < nsteps; i++)
			run_step(&lb, &steps[i]);
	} else {
		for (unsigned i = 0; l->exercise[i]; i++)
			run_step(&lb, &(struct step){ .text = (char *)l->exercise[i] });
	}
	counts = served(&lb, &requests, &events);
	if (lb.ctl >= 0)
		close(lb.ctl);
	vt_fe_stop(&lb.fe);
	lb.t->front->stop(lb.drv);
	/* serve --once exits when we disconnect. */
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		vt_err("loopback: the backend did not exit cleanly");
		clean = false;
	}
	vt_tmpdir_child(0);
	relay_pump(&relay, true);
	summary(&lb, counts, requests, events, t0);
	fflush(stdout);
	vt_tmpdir_remove();
	for (unsigned i = 0; i < nsteps; i++)
		free(steps[i].text);
	free(steps);
	return clean && !lb.errors ? VT_EXIT_OK : VT_EXIT_FAIL;
}
