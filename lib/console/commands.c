/* One line of the console: local commands, or the instance's (see
 * console.h). */
#include "console/console.h"

#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "ctl/instance.h"

#define MAX_WORDS VT_CTL_WORDS_MAX

const struct vt_console_local vt_console_locals[] = {
	{ "help", "[COMMAND]", "the commands (the instance's, from its help, and these), or one" },
	{ "trace", "[FILTER] | off",
	  "print the instance's trace records as they happen, selected by FILTER (vitool-trace(1)), "
	  "while the shell goes on; off (or Ctrl-C) stops" },
	{ "connect", "[NAME | PATH]", "talk to another instance, or again to this one once it is back" },
	{ "instances", "", "the running instances (vitool list)" },
	{ "json", "[on | off]", "on: print the instance's replies as they are (one JSON object a line)" },
	{ "quit", "", "leave (also exit, or Ctrl-D)" },
	{ "exit", "", "leave" },
	{ NULL, NULL, NULL },
};

static int split(char *s, char **w, int max)
{
	char *save = NULL;
	int n = 0;

	for (char *t = strtok_r(s, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == max)
			return -1;
		w[n++] = t;
	}
	return n;
}

static char *join(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	for (int i = 0; s && i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static int cmd_help(struct vt_console *c, int argc, char **argv)
{
	if (argc > 2) {
		vt_console_err(c, "help: one command at a time");
		return 1;
	}
	if (argc == 2 && !vt_console_help_entry(c, argv[1])) {
		bool local = false;
		for (const struct vt_console_local *l = vt_console_locals; l->name; l++)
			local |= !strcmp(l->name, argv[1]);
		if (!local) {
			vt_console_err(c, "help: no command '%s'%s", argv[1],
				       c->fd < 0 ? " (not connected: only the console's own are known)" : "");
			return 1;
		}
	}
	vt_console_format_help(stdout, c, argc == 2 ? argv[1] : NULL);
	return 0;
}

static int cmd_connect(struct vt_console *c, int argc, char **argv)
{
	const char *name = NULL, *control = NULL;
	char err[1024];

	if (argc > 2) {
		vt_console_err(c, "connect: one instance: NAME or the PATH of its control socket");
		return 1;
	}
	if (argc == 2 && strchr(argv[1], '/'))
		control = argv[1];
	else if (argc == 2)
		name = argv[1];
	else if (c->want_control[0])
		control = c->want_control;
	else if (c->want_name[0])
		name = c->want_name;
	/* Copies: connecting overwrites want_*. */
	char nbuf[128], cbuf[512];
	if (name)
		name = strcpy(nbuf, name);
	if (control)
		control = strcpy(cbuf, control);
	if (c->trace)
		vt_console_trace_stop(c, "connecting");
	if (vt_console_connect(c, name, control, err, sizeof(err)) < 0) {
		vt_console_err(c, "connect: %s", err);
		return 1;
	}
	printf("connected to %s (%s, pid %ld)\n", c->inst.name, c->inst.device, c->inst.pid);
	return 0;
}

static int cmd_instances(struct vt_console *c, int argc, char **argv)
{
	struct vt_instance *v;
	char err[512];
	int n;

	(void)argv;
	if (argc > 1) {
		vt_console_err(c, "instances takes no arguments");
		return 1;
	}
	n = vt_instance_list(&v, err, sizeof(err));
	if (n < 0) {
		vt_console_err(c, "instances: %s", err);
		return 1;
	}
	if (c->json)
		vt_instance_print_json(stdout, v, n);
	else if (n == 0)
		printf("no running instances\n");
	else
		vt_instance_print(stdout, v, n);
	free(v);
	return 0;
}

static int cmd_json(struct vt_console *c, int argc, char **argv)
{
	if (argc == 1) {
		printf("json %s\n", c->json ? "on" : "off");
		return 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "on") || !strcmp(argv[1], "off"))) {
		c->json = !strcmp(argv[1], "on");
		return 0;
	}
	vt_console_err(c, "json: on or off");
	return 1;
}

static int cmd_trace(struct vt_console *c, int argc, char **argv)
{
	char err[512], *filter;
	int r;

	if (argc == 2 && !strcmp(argv[1], "off")) {
		if (!c->trace) {
			vt_console_err(c, "trace off: no trace is running");
			return 1;
		}
		vt_console_trace_stop(c, NULL);
		return 0;
	}
	if (c->trace) {
		vt_console_err(c, "trace: one is running already ('trace off' first)");
		return 1;
	}
	filter = join(argc - 1, argv + 1);
	if (!filter) {
		vt_console_err(c, "trace: out of memory");
		return 1;
	}
	r = vt_console_trace_start(c, filter, err, sizeof(err));
	free(filter);
	if (r < 0) {
		vt_console_err(c, "trace: %s", err);
		return 1;
	}
	return 0;
}

/* A command of the instance: the words go as they are. */
static int cmd_remote(struct vt_console *c, int argc, char **argv)
{
	char err[1024], *raw = NULL, *line = join(argc, argv);
	json_t *reply;
	int status = 0;

	if (!line) {
		vt_console_err(c, "out of memory");
		return 1;
	}
	reply = vt_console_call(c, line, c->json ? &raw : NULL, err, sizeof(err));
	free(line);
	if (!reply) {
		vt_console_err(c, "%s: %s", argv[0], err);
		return 1;
	}
	if (c->json) {
		printf("%s\n", raw);
		if (!vt_ctl_reply_ok(reply, err, sizeof(err)))
			status = 1;
	} else if (!vt_ctl_reply_ok(reply, err, sizeof(err))) {
		vt_console_err(c, "%s: %s", argv[0], err);
		status = 1;
	} else {
		vt_console_format(stdout, argv[0], argc - 1, argv + 1, reply);
	}
	fflush(stdout);
	free(raw);
	json_decref(reply);
	return status;
}

static int run_one(struct vt_console *c, char *cmd)
{
	char *w[MAX_WORDS];
	int n = split(cmd, w, MAX_WORDS);

	if (n < 0) {
		vt_console_err(c, "too many words (at most %d)", MAX_WORDS);
		return 1;
	}
	if (n == 0)
		return 0;
	if (!strcmp(w[0], "quit") || !strcmp(w[0], "exit")) {
		c->quit = true;
		return 0;
	}
	if (!strcmp(w[0], "help") && !c->json)
		return cmd_help(c, n, w);
	if (!strcmp(w[0], "connect"))
		return cmd_connect(c, n, w);
	if (!strcmp(w[0], "instances"))
		return cmd_instances(c, n, w);
	if (!strcmp(w[0], "json"))
		return cmd_json(c, n, w);
	if (!strcmp(w[0], "trace"))
		return cmd_trace(c, n, w);
	return cmd_remote(c, n, w);
}

int vt_console_run_line(struct vt_console *c, const char *line)
{
	char *copy = strdup(line), *save = NULL;
	int status = 0;

	if (!copy) {
		vt_console_err(c, "out of memory");
		return 1;
	}
	for (char *cmd = strtok_r(copy, ";\n", &save); cmd && !c->quit; cmd = strtok_r(NULL, ";\n", &save)) {
		status = run_one(c, cmd);
		if (status)
			break;
	}
	free(copy);
	return status;
}
