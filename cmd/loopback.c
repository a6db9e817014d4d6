/* vitool loopback [DEV]: the no-VM demo.  A child process runs `serve`
 * (the same code as the command) on a fresh socket; this process is the
 * front-end and runs a built-in exercise or a script, one operation line at
 * a time.  The child prints each request as it is served; we print results.
 *
 * Everything about a device (the serve arguments, the exercise, the words
 * a script may use) is its registry descriptor's loopback part
 * (lib/devices/DEV_type.c): this file names no device. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "ctl/ctl.h"
#include "devices/registry.h"
#include "util/log.h"
#include "vhost/frontend.h"

#define MAX_WORDS 300
#define MAX_ARGS 24
#define QUEUE_SIZE 64

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
	printf("usage: vitool loopback [%s] [--script FILE] [--socket PATH] [--indirect] [-v]\n"
	       "\n"
	       "Starts `vitool serve` in a child process, connects vitool's own front-end\n"
	       "over a real vhost-user socket and runs a short exercise, printing every\n"
	       "request as the device serves it.\n"
	       "\n"
	       "  -f, --script FILE   run FILE instead: one operation line each (the\n"
	       "                      device's, below); # starts a comment line; a\n"
	       "                      leading ! marks a line that must fail\n"
	       "  -s, --socket PATH   socket to use (default: in a new temporary directory)\n"
	       "  -i, --indirect      send chains through indirect descriptor tables\n"
	       "                      (%s)\n"
	       "  -v, --verbose       also print kicks, calls and vhost-user messages\n"
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
};

/* One run: the front-end, the device's driver, the child's control socket. */
struct loopback {
	const struct vt_device_type *t;
	struct vt_frontend fe;
	void *drv;             /* the descriptor's driver state */
	int ctl;               /* control socket of the child, -1 */
	struct vt_run_opts ro;
};

static enum vt_run_result run_words(struct loopback *lb, char **words, unsigned n, char *err, size_t errlen)
{
	const struct vt_loopback_ops *l = lb->t->loopback;

	if (l->run)
		return l->run(lb->drv, lb->ctl, words, n, &lb->ro, err, errlen);
	return lb->t->front->run(lb->drv, words, n, &lb->ro, err, errlen);
}

static void parse(int argc, char **argv, struct loopback_opts *o)
{
	static const struct option longopts[] = {
		{ "script", required_argument, NULL, 'f' },
		{ "socket", required_argument, NULL, 's' },
		{ "indirect", no_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL;
	char list[256];
	int c;

	/* The device word may come first ("loopback gpio --script F"), like
	 * serve and drive, or last. */
	if (argc >= 2 && argv[1][0] != '-') {
		name = argv[1];
		argc--;
		argv++;
	}
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:f:s:ivh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->script = optarg;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'i':
			o->indirect = true;
			break;
		case 'v':
			o->verbose++;
			vt_log_verbosity++;
			break;
		case 'h':
			usage();
			exit(VT_EXIT_OK);
		default:
			cmd_option_error("loopback", c, argv);
		}
	}
	if (optind < argc)
		name = argv[optind++];
	if (optind < argc)
		vt_die_usage("loopback: unexpected argument '%s'", argv[optind]);
	o->device = name ? vt_device_find(name) : default_device();
	if (!o->device || !vt_device_has(o->device, VT_DEVICE_LOOPBACK)) {
		vt_device_names(list, sizeof(list), VT_DEVICE_LOOPBACK, ", ");
		vt_die_usage("loopback: unknown device '%s' (%s)", name, list);
	}
	if (o->indirect && !o->device->front->indirect)
		vt_die_usage("loopback: %s takes no --indirect", o->device->name);
	if (o->script && access(o->script, R_OK) < 0)
		vt_die("loopback: cannot open script %s: %s", o->script, strerror(errno));
}

static pid_t start_backend(const struct vt_device_type *t, const char *socket, const char *control,
			   int verbose)
{
	char *args[MAX_ARGS];
	unsigned n = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		vt_die("loopback: fork: %s", strerror(errno));
	if (pid)
		return pid;
	args[n++] = "serve";
	args[n++] = (char *)t->name;
	args[n++] = "--socket";
	args[n++] = (char *)socket;
	args[n++] = "--control";
	args[n++] = (char *)control;
	args[n++] = "--quiet";   /* the story is loopback's to tell */
	for (unsigned i = 0; t->loopback->serve_args[i] && n < MAX_ARGS - 4; i++)
		args[n++] = (char *)t->loopback->serve_args[i];
	args[n++] = "--print";
	args[n++] = "--once";
	if (verbose)
		args[n++] = "-v";
	args[n] = NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	exit(cmd_serve((int)n, args));
}

/* Splits a line into words in place; returns the count. */
static unsigned split(char *line, char **words)
{
	unsigned n = 0;

	for (char *w = strtok(line, " \t\r\n"); w && n < MAX_WORDS; w = strtok(NULL, " \t\r\n"))
		words[n++] = w;
	return n;
}

/* Runs one line; returns false when it failed unexpectedly. */
static bool run_line(struct loopback *lb, const char *text)
{
	char line[4096], err[512];
	char *words[MAX_WORDS];
	bool expect_fail = false;
	enum vt_run_result res;
	unsigned n;

	text += strspn(text, " \t");
	if (text[0] == '#') {
		printf("%s", text);
		if (text[strlen(text) - 1] != '\n')
			printf("\n");
		return true;
	}
	if (text[0] == '!') {
		expect_fail = true;
		text++;
	}
	if (snprintf(line, sizeof(line), "%s", text) >= (int)sizeof(line)) {
		printf("error: line longer than %zu bytes\n", sizeof(line) - 1);
		return false;
	}
	n = split(line, words);
	if (!n)
		return true;
	if (n == MAX_WORDS) {
		printf("error: more than %d words on one line\n", MAX_WORDS - 1);
		return false;
	}
	printf("> %s", text);
	if (text[strlen(text) - 1] != '\n')
		printf("\n");
	fflush(stdout);
	res = run_words(lb, words, n, err, sizeof(err));
	fflush(stdout);
	if (res == VT_RUN_OK && expect_fail)
		printf("error: the line was expected to fail but succeeded\n");
	if (res == VT_RUN_OK)
		return !expect_fail;
	printf("%s: %s\n", expect_fail && res == VT_RUN_DEVICE_ERR ? "failed as expected" : "error", err);
	fflush(stdout);
	return expect_fail && res == VT_RUN_DEVICE_ERR;
}

static bool run_script(struct loopback *lb, const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	bool ok = true;

	if (!f)
		vt_die("loopback: cannot open script %s: %s", path, strerror(errno));
	while (getline(&buf, &cap, f) > 0)
		ok = run_line(lb, buf) && ok;
	free(buf);
	fclose(f);
	return ok;
}

int cmd_loopback(int argc, char **argv)
{
	struct loopback_opts o = { 0 };
	struct loopback lb = { .ctl = -1 };
	const struct vt_loopback_ops *l;
	char dir[] = "/tmp/vitool-loopback-XXXXXX";
	char sockpath[256], ctlpath[300], err[256];
	bool ok = true;
	int status;
	pid_t pid;

	parse(argc, argv, &o);
	lb.t = o.device;
	l = lb.t->loopback;
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir))
		vt_die("loopback: cannot create a temporary directory: %s", strerror(errno));
	if (o.socket)
		snprintf(sockpath, sizeof(sockpath), "%s", o.socket);
	else
		snprintf(sockpath, sizeof(sockpath), "%s/%s.sock", dir, lb.t->name);
	snprintf(ctlpath, sizeof(ctlpath), "%s/%s.ctl", dir, lb.t->name);
	printf("# vitool loopback: virtio-%s over vhost-user socket %s\n", lb.t->name, sockpath);
	printf("%s\n", l->intro);
	lb.ro = (struct vt_run_opts){ .indirect = o.indirect, .timeout_ms = 1000 };
	pid = start_backend(lb.t, sockpath, ctlpath, o.verbose);
	if (vt_fe_connect(&lb.fe, sockpath, 5000) == 0)
		lb.drv = (l->start ? l->start : lb.t->front->start)(&lb.fe, QUEUE_SIZE, &lb.ro);
	if (!lb.drv) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		vt_die("loopback: %s", lb.fe.err);
	}
	/* The child made its control socket before it served our handshake. */
	lb.ctl = vt_ctl_connect(ctlpath, err, sizeof(err));
	if (lb.ctl < 0)
		vt_warn("loopback: control socket: %s", err);
	if (o.script) {
		ok = run_script(&lb, o.script);
	} else {
		for (unsigned i = 0; l->exercise[i]; i++)
			ok = run_line(&lb, l->exercise[i]) && ok;
	}
	if (lb.ctl >= 0)
		close(lb.ctl);
	vt_fe_stop(&lb.fe);
	lb.t->front->stop(lb.drv);
	/* serve --once exits when we disconnect. */
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		vt_err("loopback: the backend did not exit cleanly");
		ok = false;
	}
	rmdir(dir);
	return ok ? VT_EXIT_OK : VT_EXIT_FAIL;
}
