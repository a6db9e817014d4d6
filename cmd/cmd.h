/* The subcommands: one file each, registered in vitool.c's table. */
#ifndef VT_CMD_CMD_H
#define VT_CMD_CMD_H

int cmd_serve(int argc, char **argv);
int cmd_drive(int argc, char **argv);
int cmd_proxy(int argc, char **argv);
int cmd_loopback(int argc, char **argv);
int cmd_inject(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_console(int argc, char **argv);

struct option;

/* A short option a command had before (vitool(1)'s table) and what it is
 * now: said plainly rather than as unknown.  Lists end with { 0 }. */
struct cmd_dropped {
	char c;
	const char *now;   /* "-S, --socket" */
};

/* For a getopt_long() loop run with opterr = 0 and an optstring starting
 * "+:": reports the bad option c ('?' unknown, ':' missing argument) of the
 * loop over opts as "vitool: CMD: ..." and exits 2, naming the option as
 * the user typed it: "--json=1" is "option '--json' takes no argument",
 * never the internal letter ('-j') glibc leaves in optopt.  dropped may be
 * NULL. */
_Noreturn void cmd_option_error(const char *cmd, int c, char **argv, const struct option *opts,
				const struct cmd_dropped *dropped);
/* --name NAME of an instance that is started (serve, proxy): a control
 * socket's file name, so not empty and no '/'; else exits 2. */
const char *cmd_instance_name(const char *cmd, const char *name);
/* A socket path option (--socket, --control, --listen, --backend): not
 * empty (binding "" makes an abstract socket nobody can name: `serve -S ''`
 * ran for ever with a control socket "..ctl"); else exits 2. */
const char *cmd_socket_path(const char *cmd, const char *opt, const char *path);
/* --snaplen N and --timeout-ms MS of an instance (serve, proxy), checked
 * alike in both; a bad value exits 2. */
unsigned cmd_instance_snaplen(const char *cmd, const char *arg);
unsigned cmd_instance_timeout_ms(const char *cmd, const char *arg);

/* Exit statuses shared by every command. */
#define VT_EXIT_OK 0
#define VT_EXIT_FAIL 1
#define VT_EXIT_USAGE 2

#endif
