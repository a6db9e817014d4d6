/* vitool: the dispatcher.  Global options, then a command from the table;
 * each command parses the rest of argv itself (getopt strings start with
 * '+' so options after the command stay the command's). */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "trace/record.h"
#include "util/log.h"
#include "util/parse.h"

#ifndef VITOOL_VERSION
#define VITOOL_VERSION "0.1"
#endif

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "serve",    cmd_serve,    "serve a virtio device as a vhost-user backend" },
	{ "drive",    cmd_drive,    "drive a vhost-user backend without a VM" },
	{ "proxy",    cmd_proxy,    "between a VMM and any vhost-user backend: trace and faults on it" },
	{ "loopback", cmd_loopback, "backend and front-end in one command, no VM needed" },
	{ "inject",   cmd_inject,   "set simulated GPIO input levels of a running serve gpio" },
	{ "trace",    cmd_trace,    "print or capture the virtqueue traffic of an instance (tcpdump style)" },
	{ "top",      cmd_top,      "live view of an instance: queues, requests in flight, timeouts" },
	{ "console",  cmd_console,  "a shell on a running instance: its commands with completion, history, live trace" },
	{ "list",     cmd_list,     "list the running instances: name, device, sockets, front-end, pid" },
	{ "help",     cmd_help,     "show help for a command (its man page)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vitool [-v|--verbose] [-V|--version] [-h|--help] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'vitool COMMAND --help' for a command's options; man vitool-COMMAND for more.\n");
}

/* The long option word ("--name" or "--name=value", a unique prefix of
 * the name too, as getopt_long takes it) stands for, when it is the one
 * getopt just failed on: its val is optopt.  NULL for anything else (an
 * unknown long option, or a short one in a cluster after a long one). */
static const struct option *failed_long(const char *word, const struct option *opts)
{
	const struct option *found = NULL;
	size_t len;

	if (strncmp(word, "--", 2) || !opts)
		return NULL;
	word += 2;
	len = strcspn(word, "=");
	for (const struct option *o = opts; o->name; o++) {
		if (strncmp(o->name, word, len))
			continue;
		if (strlen(o->name) == len) {
			found = o;   /* exact beats prefixes */
			break;
		}
		if (!found || found->val == o->val)
			found = o;
		else
			return NULL;   /* ambiguous: nothing of ours */
	}
	return found && found->val == optopt ? found : NULL;
}

void cmd_option_error(const char *cmd, int c, char **argv, const struct option *opts,
		      const struct cmd_dropped *dropped)
{
	const char *word = optind > 0 ? argv[optind - 1] : "?";
	const struct option *lo = failed_long(word, opts);

	if (lo && c == ':')
		vt_die_usage("%s: option '--%s' needs an argument (see 'vitool %s --help')", cmd, lo->name, cmd);
	if (lo && strchr(word, '=') && lo->has_arg == no_argument)
		vt_die_usage("%s: option '--%s' takes no argument (see 'vitool %s --help')", cmd, lo->name, cmd);
	if (c == ':')
		vt_die_usage("%s: option '%s' needs an argument (see 'vitool %s --help')", cmd, word, cmd);
	for (; c == '?' && dropped && dropped->c; dropped++)
		if (optopt == dropped->c)
			vt_die_usage("%s: -%c is now %s (see 'vitool %s --help')", cmd, optopt, dropped->now, cmd);
	if (optopt > 0 && optopt < 128 && isgraph(optopt))
		vt_die_usage("%s: unknown option '-%c' (see 'vitool %s --help')", cmd, optopt, cmd);
	vt_die_usage("%s: unknown option '%s' (see 'vitool %s --help')", cmd, word, cmd);
}

const char *cmd_instance_name(const char *cmd, const char *name)
{
	if (!*name || strchr(name, '/'))
		vt_die_usage("%s: --name %s: want a name without '/'", cmd, name);
	return name;
}

const char *cmd_socket_path(const char *cmd, const char *opt, const char *path)
{
	if (!*path)
		vt_die_usage("%s: %s: want a socket path, not an empty one", cmd, opt);
	return path;
}

unsigned cmd_instance_snaplen(const char *cmd, const char *arg)
{
	unsigned v;

	if (!vt_parse_uint(arg, VT_REC_SNAPLEN_MAX, &v) || v < VT_REC_HDR_LEN)
		vt_die_usage("%s: --snaplen %s: want %d-%u", cmd, arg, VT_REC_HDR_LEN, VT_REC_SNAPLEN_MAX);
	return v;
}

unsigned cmd_instance_timeout_ms(const char *cmd, const char *arg)
{
	unsigned v;

	if (!vt_parse_uint(arg, 86400000, &v) || !v)
		vt_die_usage("%s: --timeout-ms %s: want 1-86400000", cmd, arg);
	return v;
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	char page[64];

	if (argc < 2) {
		usage(stdout);
		return VT_EXIT_OK;
	}
	if (!find(argv[1]))
		vt_die_usage("help: unknown command '%s'", argv[1]);
	if (!strcmp(argv[1], "help")) {
		usage(stdout);
		return VT_EXIT_OK;
	}
	snprintf(page, sizeof(page), "man -w vitool-%s >/dev/null 2>&1", argv[1]);
	if (system(page) == 0) {
		snprintf(page, sizeof(page), "vitool-%s", argv[1]);
		execlp("man", "man", page, (char *)NULL);
	}
	/* No man(1) or no installed page: the command's own usage is the next
	 * best thing. */
	char *args[] = { argv[1], "--help", NULL };
	return find(argv[1])->fn(2, args);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *c;
	int o;

	opterr = 0;
	while ((o = getopt_long(argc, argv, "+:vVh", opts, NULL)) != -1) {
		switch (o) {
		case 'v':
			vt_log_verbosity++;
			break;
		case 'V':
			printf("vitool %s\n", VITOOL_VERSION);
			return VT_EXIT_OK;
		case 'h':
			usage(stdout);
			return VT_EXIT_OK;
		default: {
			const char *word = argv[optind - 1];
			const struct option *lo = failed_long(word, opts);
			if (lo && strchr(word, '='))
				vt_die_usage("option '--%s' takes no argument (see 'vitool --help')", lo->name);
			if (optopt > 0 && optopt < 128 && isgraph(optopt))
				vt_die_usage("unknown option '-%c' (see 'vitool --help')", optopt);
			vt_die_usage("unknown option '%s' (see 'vitool --help')", word);
		}
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return VT_EXIT_USAGE;
	}
	c = find(argv[optind]);
	if (!c)
		vt_die_usage("unknown command '%s' (see 'vitool --help')", argv[optind]);
	argc -= optind;
	argv += optind;
	optind = 0;   /* reset getopt for the command (glibc: 0 reinitialises) */
	return c->fn(argc, argv);
}
