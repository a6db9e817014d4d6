/* vitool console: a shell on a running instance's control socket, with
 * GNU readline's editing, history and Tab completion on a terminal, and
 * the same commands and output from -c, a script (-f) or a pipe.  The
 * shell itself is lib/console (console.h).
 *
 * exit status: 0 every command succeeded, 1 a command failed (the first
 * failure ends a script) or no instance, 2 usage. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "console/console.h"
#include "util/log.h"

static const char console_usage[] =
	"usage: vitool console [NAME] [-i NAME | -C PATH] [-c COMMANDS | -f FILE] [-j]\n"
	"\n"
	"A shell on a running vitool instance: its control commands (info, stats,\n"
	"lines, inject, fault, inflight, release, ...) with line editing, history\n"
	"and Tab completion from the instance's state, and trace [FILTER] printing\n"
	"records while you type.  'help' inside lists the commands.\n"
	"\n"
	"  -i, --name NAME      the instance, by name (default: the only one running)\n"
	"  -C, --control PATH   the instance, by its control socket\n"
	"  -c, --command CMDS   run CMDS ('inject button=1; inflight') and exit\n"
	"  -f, --script FILE    run the commands in FILE ('-': standard input), exit\n"
	"  -j, --json           print the instance's replies as JSON (as 'json on')\n"
	"  -h, --help           this help\n"
	"\n"
	"Without -c or -f, commands come from the terminal (readline), or from\n"
	"standard input when it is not a terminal.  History: $XDG_STATE_HOME/vitool/\n"
	"history (~/.local/state/vitool/history).\n"
	"\n"
	"exit status: 0 every command succeeded, 1 a command failed (the first\n"
	"failure ends -c, -f and piped input) or no instance, 2 usage\n";

struct console_opts {
	const char *name;
	const char *control;
	const char *command;
	const char *script;
	bool json;
};

static void parse_args(struct console_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'i' },
		{ "control", required_argument, NULL, 'C' },
		{ "command", required_argument, NULL, 'c' },
		{ "script", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:i:C:c:f:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->name = optarg;
			break;
		case 'C':
			o->control = cmd_socket_path("console", "--control", optarg);
			break;
		case 'c':
			o->command = optarg;
			break;
		case 'f':
			o->script = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			fputs(console_usage, stdout);
			exit(VT_EXIT_OK);
		default:
			cmd_option_error("console", c, argv, longopts, NULL);
		}
	}
	if (optind < argc && !o->name && !o->control)
		o->name = argv[optind++];   /* vitool console gpio0 */
	if (optind < argc)
		vt_die_usage("console: unexpected '%s' (commands go in -c, see 'vitool console --help')",
			     argv[optind]);
	if (o->name && o->control)
		vt_die_usage("console: -i and --control both name the instance: give one");
	if (o->command && o->script)
		vt_die_usage("console: -c and -f both give the commands: give one");
}

int cmd_console(int argc, char **argv)
{
	struct console_opts o = { 0 };
	struct vt_console c;
	char err[1024];
	FILE *f = NULL;
	int status;

	parse_args(&o, argc, argv);
	if (o.script && strcmp(o.script, "-")) {
		f = fopen(o.script, "r");
		if (!f)
			vt_die("console: %s: %m", o.script);
	}
	vt_console_init(&c);
	c.json = o.json;
	if (vt_console_connect(&c, o.name, o.control, err, sizeof(err)) < 0) {
		vt_console_fini(&c);
		vt_die("console: %s", err);
	}
	if (o.command)
		status = vt_console_batch_text(&c, o.command);
	else if (o.script)
		status = vt_console_batch(&c, f ? f : stdin);
	else if (isatty(STDIN_FILENO))
		status = vt_console_interactive(&c);
	else
		status = vt_console_batch(&c, stdin);
	vt_console_fini(&c);
	if (f)
		fclose(f);
	if (fflush(stdout) != 0 && !status) {
		vt_err("console: standard output: %m");
		status = VT_EXIT_FAIL;
	}
	return status ? VT_EXIT_FAIL : VT_EXIT_OK;
}
