/* vitool loopback [i2c]: the no-VM demo.  A child process runs `serve`
 * (the same code as the command) on a fresh socket; this process is the
 * front-end and runs a built-in exercise or a script, one transfer per line.
 * The child prints each request as it is served; we print the results. */
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
#include "drivers/i2c.h"
#include "drivers/i2c_session.h"
#include "util/log.h"
#include "vhost/frontend.h"

#define MAX_WORDS 300

static const char loopback_usage[] =
	"usage: vitool loopback [i2c] [--script FILE] [--socket PATH] [--indirect] [-v]\n"
	"\n"
	"Starts `vitool serve i2c` with a 24c02 EEPROM at 0x50, a 24c32 at 0x51 and\n"
	"a register file at 0x20, connects vitool's own front-end over a real\n"
	"vhost-user socket and runs a short exercise, printing every request as the\n"
	"device serves it.\n"
	"\n"
	"  -f, --script FILE   run FILE instead: one `drive i2c` operation line each\n"
	"                      (a transfer in i2ctransfer syntax, or detect); # starts\n"
	"                      a comment line; a leading ! marks a line that must fail\n"
	"  -s, --socket PATH   socket to use (default: in a new temporary directory)\n"
	"  -i, --indirect      send chains through indirect descriptor tables\n"
	"  -v, --verbose       also print kicks, calls and vhost-user messages\n"
	"  -h, --help          this help\n";

/* The built-in exercise: a comment line says what the next line shows.  A
 * line starting with "!" is expected to fail. */
static const char *const exercise[] = {
	"# write 8 bytes to the EEPROM at 0x50, starting at word address 0x00",
	"w9@0x50 0x00 0x76 0x69 0x74 0x6f 0x6f 0x6c 0x21 0x0a",
	"# read them back: set the word address, repeated start, read 8 (one FAIL_NEXT group)",
	"w1@0x50 0x00 r8",
	"# a page write wraps inside its 8-byte page: 4 bytes at 0x06 land at 0x06 0x07 0x00 0x01",
	"w5@0x50 0x06 0xa1 0xa2 0xa3 0xa4",
	"w1@0x50 0x00 r8",
	"# the 24c32 at 0x51 takes a 2-byte word address",
	"w4@0x51 0x0f 0xfe 0x12 0x34",
	"w2@0x51 0x0f 0xfe r2",
	"# the second message goes to 0x30, where nothing answers: it fails like a NACK and",
	"# the rest of the group is failed too",
	"!w1@0x50 0x00 r1@0x30 r1@0x50",
	"# scan the bus with zero-length requests, like i2cdetect",
	"detect",
	NULL,
};

struct loopback_opts {
	const char *script;
	const char *socket;
	bool indirect;
	int verbose;
};

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
	int c;

	/* The device word may come first ("loopback i2c --indirect"), like
	 * serve and drive, or last; options are ours either way. */
	if (argc >= 2 && argv[1][0] != '-') {
		if (strcmp(argv[1], "i2c"))
			vt_die_usage("loopback: unknown device '%s' (i2c)", argv[1]);
		argc--;
		argv++;
	}
	optind = 0;
	while ((c = getopt_long(argc, argv, "+f:s:ivh", longopts, NULL)) != -1) {
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
			fputs(loopback_usage, stdout);
			exit(VT_EXIT_OK);
		default:
			fputs(loopback_usage, stderr);
			exit(VT_EXIT_USAGE);
		}
	}
	if (optind < argc && strcmp(argv[optind], "i2c"))
		vt_die_usage("loopback: unknown device '%s' (i2c)", argv[optind]);
	if (optind + 1 < argc)
		vt_die_usage("loopback: unexpected argument '%s'", argv[optind + 1]);
	if (o->script && access(o->script, R_OK) < 0)
		vt_die("loopback: cannot open script %s: %s", o->script, strerror(errno));
}

static pid_t start_backend(const char *socket, int verbose)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		vt_die("loopback: fork: %s", strerror(errno));
	if (pid == 0) {
		char *args[] = { "serve", "i2c", "--socket", (char *)socket,
				 "--target", "0x50=24c02", "--target", "0x51=24c32",
				 "--target", "0x20=regs", "--print", "--once",
				 verbose ? "-v" : NULL, NULL };
		setvbuf(stdout, NULL, _IOLBF, 0);
		exit(cmd_serve(verbose ? 13 : 12, args));
	}
	return pid;
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
static bool run_line(struct vt_frontend *fe, const char *text, const struct vt_run_opts *ro)
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
	res = vt_i2c_run_words(fe, words, n, ro, stdout, err, sizeof(err));
	if (res == VT_RUN_OK && expect_fail)
		printf("error: the line was expected to fail but succeeded\n");
	if (res == VT_RUN_OK)
		return !expect_fail;
	printf("%s: %s\n", expect_fail && res == VT_RUN_DEVICE_ERR ? "failed as expected" : "error", err);
	fflush(stdout);
	return expect_fail && res == VT_RUN_DEVICE_ERR;
}

static bool run_script(struct vt_frontend *fe, const char *path, const struct vt_run_opts *ro)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	bool ok = true;

	if (!f)
		vt_die("loopback: cannot open script %s: %s", path, strerror(errno));
	while (getline(&buf, &cap, f) > 0)
		ok = run_line(fe, buf, ro) && ok;
	free(buf);
	fclose(f);
	return ok;
}

int cmd_loopback(int argc, char **argv)
{
	struct loopback_opts o = { 0 };
	char dir[] = "/tmp/vitool-loopback-XXXXXX";
	char sockpath[256];
	struct vt_frontend fe;
	struct vt_run_opts ro;
	bool ok = true;
	int status;
	pid_t pid;

	parse(argc, argv, &o);
	signal(SIGPIPE, SIG_IGN);
	if (o.socket) {
		snprintf(sockpath, sizeof(sockpath), "%s", o.socket);
	} else {
		if (!mkdtemp(dir))
			vt_die("loopback: cannot create a temporary directory: %s", strerror(errno));
		snprintf(sockpath, sizeof(sockpath), "%s/i2c.sock", dir);
	}
	printf("# vitool loopback: virtio-i2c over vhost-user socket %s\n", sockpath);
	printf("# targets: 0x50 24c02 EEPROM, 0x51 24c32 EEPROM, 0x20 register file\n");
	pid = start_backend(sockpath, o.verbose);
	if (vt_fe_connect(&fe, sockpath, 5000) < 0 || vt_i2c_driver_start(&fe, 64, o.indirect) < 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		vt_die("loopback: %s", fe.err);
	}
	ro = (struct vt_run_opts){ .indirect = o.indirect, .timeout_ms = 1000 };
	if (o.script) {
		ok = run_script(&fe, o.script, &ro);
	} else {
		for (unsigned i = 0; exercise[i]; i++)
			ok = run_line(&fe, exercise[i], &ro) && ok;
	}
	vt_fe_stop(&fe);
	/* serve --once exits when we disconnect. */
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		vt_err("loopback: the backend did not exit cleanly");
		ok = false;
	}
	if (!o.socket)
		rmdir(dir);
	return ok ? VT_EXIT_OK : VT_EXIT_FAIL;
}
