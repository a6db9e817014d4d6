/* vitool list: the running instances (tcpdump -D for vitool; `trace -D`
 * prints the same): name, device, pid, whether a front-end is connected,
 * the vhost-user socket and the control socket.  Stale control sockets of
 * dead instances are not listed.
 *
 * exit status: 0 (also when none runs: an empty list is an answer),
 * 1 the directory cannot be read, 2 usage. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "ctl/ctl.h"
#include "ctl/instance.h"
#include "util/log.h"

static const char list_usage[] =
	"usage: vitool list [--json]\n"
	"\n"
	"Lists the running vitool instances (serve): name, device, pid, front-end\n"
	"connected or not, vhost-user socket, control socket.  Other commands take\n"
	"the name with -i NAME.  Instances live in $XDG_RUNTIME_DIR/vitool, else\n"
	"/tmp/vitool-UID.\n"
	"\n"
	"  -j, --json           a JSON array, one object per instance\n"
	"  -h, --help           this help\n"
	"\n"
	"With none running, standard output stays empty and a note goes to stderr.\n"
	"\n"
	"exit status: 0 listed (none running included), 1 error, 2 usage\n";

int cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* trace -D calls this as "trace": its messages say so. */
	const char *me = argc > 0 && !strcmp(argv[0], "trace") ? "trace" : "list";
	struct vt_instance *v;
	bool json = false;
	char err[512], dir[256];
	int c, n;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(list_usage, stdout);
			return VT_EXIT_OK;
		default:
			cmd_option_error("list", c, argv, longopts, NULL);
		}
	}
	if (optind < argc)
		vt_die_usage("list: unexpected argument '%s'", argv[optind]);
	n = vt_instance_list(&v, err, sizeof(err));
	if (n < 0)
		vt_die("%s: %s", me, err);
	if (json)
		vt_instance_print_json(stdout, v, n);
	else if (n)
		vt_instance_print(stdout, v, n);
	else if (vt_ctl_dir(dir, sizeof(dir)) == 0)
		/* An empty table would look like a broken command. */
		fprintf(stderr, "vitool: %s: no running instance (looked in %s)\n", me, dir);
	free(v);
	return VT_EXIT_OK;
}
