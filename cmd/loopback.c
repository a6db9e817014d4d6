/* vitool loopback [i2c|gpio]: the no-VM demo.  A child process runs `serve`
 * (the same code as the command) on a fresh socket; this process is the
 * front-end and runs a built-in exercise or a script, one operation line at
 * a time.  The child prints each request as it is served; we print results.
 *
 * Each device is a row of `devices`: the serve arguments, the driver, the
 * built-in exercise, and how one line runs. */
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
#include "virtio/virtio_gpio.h"
#include "drivers/gpio.h"
#include "drivers/gpio_session.h"
#include "drivers/i2c.h"
#include "drivers/i2c_session.h"
#include "util/log.h"
#include "util/parse.h"
#include "vhost/frontend.h"

#define MAX_WORDS 300
#define MAX_ARGS 24

static const char loopback_usage[] =
	"usage: vitool loopback [i2c|gpio] [--script FILE] [--socket PATH] [--indirect] [-v]\n"
	"\n"
	"Starts `vitool serve` in a child process, connects vitool's own front-end\n"
	"over a real vhost-user socket and runs a short exercise, printing every\n"
	"request as the device serves it.  i2c (the default): a 24c02 EEPROM at\n"
	"0x50, a 24c32 at 0x51, a register file at 0x20.  gpio: 4 lines named\n"
	"led, button, irq-a, irq-b; injected edges reach the front-end.\n"
	"\n"
	"  -f, --script FILE   run FILE instead: one operation line each (i2c: a\n"
	"                      transfer in i2ctransfer syntax, or detect; gpio: drive\n"
	"                      gpio ops, or inject LINE=LEVEL..., arm LINE, event);\n"
	"                      # starts a comment line; a leading ! marks a line that\n"
	"                      must fail\n"
	"  -s, --socket PATH   socket to use (default: in a new temporary directory)\n"
	"  -i, --indirect      i2c: send chains through indirect descriptor tables\n"
	"  -v, --verbose       also print kicks, calls and vhost-user messages\n"
	"  -h, --help          this help\n";

/* ---- the exercises: a comment line says what the next lines show ---- */

static const char *const i2c_exercise[] = {
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

static const char *const gpio_exercise[] = {
	"# the config space and the line names",
	"info names",
	"# drive an output: the value is stored first, then the line becomes an output",
	"set led=1 dir led out get led",
	"# an edge while the interrupt is masked (no eventq buffer queued) is latched...",
	"dir button in irq button rising",
	"inject button=1",
	"# ...and delivered as soon as the driver unmasks the line",
	"arm button",
	"event",
	"# an edge while unmasked fires at once",
	"inject button=0",
	"arm button",
	"inject button=1",
	"event",
	"# a level interrupt is not latched but fires again on every unmask while the level holds",
	"irq button high",
	"arm button",
	"event",
	"# two lines: armed a then b, fired b then a: they complete out of order",
	"dir irq-a in irq irq-a falling dir irq-b in irq irq-b falling",
	"inject irq-a=1 irq-b=1",
	"arm irq-a",
	"arm irq-b",
	"inject irq-b=0",
	"event",
	"inject irq-a=0",
	"event",
	"# setting the IRQ type to none returns the pending buffer as INVALID",
	"arm irq-a",
	"irq irq-a none",
	"event",
	NULL,
};

/* ---- options ---- */

struct loopback_opts {
	const char *device;
	const char *script;
	const char *socket;
	bool indirect;
	int verbose;
};

/* One run: the front-end, the device's driver, the child's control socket. */
struct loopback {
	struct vt_frontend fe;
	struct vt_gpio_driver gpio;
	int ctl;               /* control socket of the child, -1 */
	struct vt_run_opts ro;
};

struct loopback_device {
	const char *name;
	const char *targets[8];     /* serve arguments that set up the hardware */
	const char *intro;
	const char *const *exercise;
	int (*start)(struct loopback *lb);
	enum vt_run_result (*run)(struct loopback *lb, char **words, unsigned n, char *err, size_t errlen);
	void (*done)(struct loopback *lb);
};

/* ---- i2c ---- */

static int i2c_start(struct loopback *lb)
{
	return vt_i2c_driver_start(&lb->fe, 64, lb->ro.indirect);
}

static enum vt_run_result i2c_run(struct loopback *lb, char **words, unsigned n, char *err, size_t errlen)
{
	return vt_i2c_run_words(&lb->fe, words, n, &lb->ro, stdout, err, errlen);
}

/* ---- gpio: drive ops, plus inject (through the control socket), arm and
 * event (the eventq, step by step) ---- */

static int gpio_start(struct loopback *lb)
{
	int r = vt_gpio_driver_start(&lb->gpio, &lb->fe, 64);

	if (r < 0)
		return r;
	r = vt_gpio_get_names(&lb->gpio, &lb->gpio.names, 1000);
	if (r != 0) {
		snprintf(lb->fe.err, sizeof(lb->fe.err), "GET_LINE_NAMES failed");
		return -EPROTO;
	}
	return 0;
}

static int gpio_line(struct loopback *lb, const char *word)
{
	unsigned v;

	if (vt_parse_uint(word, lb->gpio.ngpio - 1u, &v))
		return (int)v;
	for (unsigned i = 0; i < lb->gpio.ngpio; i++)
		if (!strcmp(lb->gpio.names[i], word))
			return (int)i;
	return -1;
}

static enum vt_run_result gpio_inject(struct loopback *lb, char **words, unsigned n, char *err, size_t errlen)
{
	char line[1024] = "inject", msg[256], cerr[256];
	char *reply = NULL;
	bool ok = false;
	size_t len = strlen(line);

	for (unsigned i = 1; i < n && len < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", words[i]);
	if (vt_ctl_call(lb->ctl, line, &reply, 5000, cerr, sizeof(cerr)) < 0) {
		snprintf(err, errlen, "inject: %s", cerr);
		return VT_RUN_TRANSPORT;
	}
	vt_json_get_bool(reply, "ok", &ok);
	if (!ok) {
		if (!vt_json_get_str(reply, "error", msg, sizeof(msg)))
			snprintf(msg, sizeof(msg), "%s", reply);
		snprintf(err, errlen, "inject: %s", msg);
	}
	free(reply);
	return ok ? VT_RUN_OK : VT_RUN_DEVICE_ERR;
}

static enum vt_run_result gpio_arm(struct loopback *lb, char **words, unsigned n, char *err, size_t errlen)
{
	int line = n == 2 ? gpio_line(lb, words[1]) : -1;
	int r;

	if (line < 0) {
		snprintf(err, errlen, "arm: want one line (offset or name)");
		return VT_RUN_USAGE;
	}
	r = vt_gpio_arm(&lb->gpio, (uint16_t)line);
	if (r < 0) {
		snprintf(err, errlen, "arm %s: %s", words[1], strerror(-r));
		return VT_RUN_TRANSPORT;
	}
	return VT_RUN_OK;
}

static enum vt_run_result gpio_event(struct loopback *lb, char **words, unsigned n, char *err, size_t errlen)
{
	unsigned line, ms = 1000;
	uint8_t status;
	int r;

	if (n > 2 || (n == 2 && !vt_parse_uint(words[1], 3600000, &ms))) {
		snprintf(err, errlen, "event: want at most a timeout in ms");
		return VT_RUN_USAGE;
	}
	r = vt_gpio_wait_event(&lb->gpio, (int)ms, &line, &status);
	if (r == -ETIMEDOUT) {
		snprintf(err, errlen, "event: no interrupt within %u ms", ms);
		return VT_RUN_DEVICE_ERR;
	}
	if (r < 0) {
		snprintf(err, errlen, "event: %s", lb->fe.err);
		return VT_RUN_TRANSPORT;
	}
	printf("event: line %u (%s) %s\n", line, lb->gpio.names[line],
	       status == VIRTIO_GPIO_IRQ_STATUS_VALID ? "VALID" : "INVALID");
	return VT_RUN_OK;
}

static enum vt_run_result gpio_run(struct loopback *lb, char **words, unsigned n, char *err, size_t errlen)
{
	if (!strcmp(words[0], "inject"))
		return gpio_inject(lb, words, n, err, errlen);
	if (!strcmp(words[0], "arm"))
		return gpio_arm(lb, words, n, err, errlen);
	if (!strcmp(words[0], "event"))
		return gpio_event(lb, words, n, err, errlen);
	return vt_gpio_run_words(&lb->gpio, words, n, &lb->ro, stdout, err, errlen);
}

static void gpio_done(struct loopback *lb)
{
	vt_gpio_driver_free(&lb->gpio);
}

static const struct loopback_device devices[] = {
	{ "i2c", { "--target", "0x50=24c02", "--target", "0x51=24c32", "--target", "0x20=regs", NULL },
	  "# targets: 0x50 24c02 EEPROM, 0x51 24c32 EEPROM, 0x20 register file",
	  i2c_exercise, i2c_start, i2c_run, NULL },
	{ "gpio", { "--names", "led,button,irq-a,irq-b", NULL },
	  "# lines: 0 led, 1 button, 2 irq-a, 3 irq-b; inputs are set through the control socket",
	  gpio_exercise, gpio_start, gpio_run, gpio_done },
};

static const struct loopback_device *find_device(const char *name)
{
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (!strcmp(devices[i].name, name))
			return &devices[i];
	return NULL;
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
	int c;

	o->device = "i2c";
	/* The device word may come first ("loopback gpio --script F"), like
	 * serve and drive, or last. */
	if (argc >= 2 && argv[1][0] != '-') {
		o->device = argv[1];
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
			fputs(loopback_usage, stdout);
			exit(VT_EXIT_OK);
		default:
			cmd_option_error("loopback", c, argv);
		}
	}
	if (optind < argc)
		o->device = argv[optind++];
	if (optind < argc)
		vt_die_usage("loopback: unexpected argument '%s'", argv[optind]);
	if (!find_device(o->device))
		vt_die_usage("loopback: unknown device '%s' (i2c, gpio)", o->device);
	if (o->script && access(o->script, R_OK) < 0)
		vt_die("loopback: cannot open script %s: %s", o->script, strerror(errno));
}

static pid_t start_backend(const struct loopback_device *d, const char *socket, const char *control,
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
	args[n++] = (char *)d->name;
	args[n++] = "--socket";
	args[n++] = (char *)socket;
	args[n++] = "--control";
	args[n++] = (char *)control;
	for (unsigned i = 0; d->targets[i]; i++)
		args[n++] = (char *)d->targets[i];
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
static bool run_line(struct loopback *lb, const struct loopback_device *d, const char *text)
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
	res = d->run(lb, words, n, err, sizeof(err));
	fflush(stdout);
	if (res == VT_RUN_OK && expect_fail)
		printf("error: the line was expected to fail but succeeded\n");
	if (res == VT_RUN_OK)
		return !expect_fail;
	printf("%s: %s\n", expect_fail && res == VT_RUN_DEVICE_ERR ? "failed as expected" : "error", err);
	fflush(stdout);
	return expect_fail && res == VT_RUN_DEVICE_ERR;
}

static bool run_script(struct loopback *lb, const struct loopback_device *d, const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	bool ok = true;

	if (!f)
		vt_die("loopback: cannot open script %s: %s", path, strerror(errno));
	while (getline(&buf, &cap, f) > 0)
		ok = run_line(lb, d, buf) && ok;
	free(buf);
	fclose(f);
	return ok;
}

int cmd_loopback(int argc, char **argv)
{
	struct loopback_opts o = { 0 };
	struct loopback lb = { .ctl = -1 };
	const struct loopback_device *d;
	char dir[] = "/tmp/vitool-loopback-XXXXXX";
	char sockpath[256], ctlpath[300], err[256];
	bool ok = true;
	int status;
	pid_t pid;

	parse(argc, argv, &o);
	d = find_device(o.device);
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir))
		vt_die("loopback: cannot create a temporary directory: %s", strerror(errno));
	if (o.socket)
		snprintf(sockpath, sizeof(sockpath), "%s", o.socket);
	else
		snprintf(sockpath, sizeof(sockpath), "%s/%s.sock", dir, d->name);
	snprintf(ctlpath, sizeof(ctlpath), "%s/%s.ctl", dir, d->name);
	printf("# vitool loopback: virtio-%s over vhost-user socket %s\n", d->name, sockpath);
	printf("%s\n", d->intro);
	lb.ro = (struct vt_run_opts){ .indirect = o.indirect, .timeout_ms = 1000 };
	pid = start_backend(d, sockpath, ctlpath, o.verbose);
	if (vt_fe_connect(&lb.fe, sockpath, 5000) < 0 || d->start(&lb) < 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		vt_die("loopback: %s", lb.fe.err);
	}
	/* The child made its control socket before it served our handshake. */
	lb.ctl = vt_ctl_connect(ctlpath, err, sizeof(err));
	if (lb.ctl < 0)
		vt_warn("loopback: control socket: %s", err);
	if (o.script) {
		ok = run_script(&lb, d, o.script);
	} else {
		for (unsigned i = 0; d->exercise[i]; i++)
			ok = run_line(&lb, d, d->exercise[i]) && ok;
	}
	if (lb.ctl >= 0)
		close(lb.ctl);
	vt_fe_stop(&lb.fe);
	if (d->done)
		d->done(&lb);
	/* serve --once exits when we disconnect. */
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		vt_err("loopback: the backend did not exit cleanly");
		ok = false;
	}
	rmdir(dir);
	return ok ? VT_EXIT_OK : VT_EXIT_FAIL;
}
