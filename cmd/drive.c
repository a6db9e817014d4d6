/* vitool drive DEVICE: plays VMM and guest driver against any vhost-user
 * backend, no VM needed. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "drivers/gpio.h"
#include "drivers/gpio_session.h"
#include "drivers/i2c.h"
#include "drivers/i2c_session.h"
#include "util/log.h"
#include "util/parse.h"
#include "vhost/frontend.h"

static const char drive_usage[] =
	"usage: vitool drive i2c  --socket PATH [options] OP...\n"
	"       vitool drive i2c  --socket PATH [options] detect [FIRST LAST]\n"
	"       vitool drive gpio --socket PATH [options] OP...\n"
	"\n"
	"i2c: OP is i2ctransfer syntax: {r|w}LEN[@ADDR] followed, for a write, by\n"
	"LEN bytes; the messages go as one transfer (a FAIL_NEXT group), e.g.\n"
	"  vitool drive i2c -s /tmp/i2c.sock w1@0x50 0x00 r8\n"
	"gpio: OPs run in order: info, names, get N, set N=V, dir N in|out|none,\n"
	"irq N rising|falling|both|high|low|none, wait N [--timeout MS]; N is a\n"
	"line offset or name, e.g.\n"
	"  vitool drive gpio -s /tmp/gpio.sock dir 3 in irq 3 rising wait 3\n"
	"\n"
	"  -s, --socket PATH          vhost-user socket of the backend\n"
	"  -t, --timeout MS           wait at most MS per request (default 1000)\n"
	"  -c, --connect-timeout MS   wait for the socket to appear (default 2000;\n"
	"                             0: try once)\n"
	"  -q, --queue-size N         virtqueue size, power of two (default 64)\n"
	"  -i, --indirect             i2c: send chains through indirect descriptor tables\n"
	"  -v, --verbose              more log output\n"
	"  -h, --help                 this help\n"
	"\n"
	"exit status: 0 ok, 1 the device answered ERR (gpio: INVALID, or no event\n"
	"before wait's timeout) or the backend failed, 2 usage\n";

struct drive_opts {
	const char *device;
	const char *socket;
	unsigned timeout_ms;
	unsigned connect_ms;
	unsigned queue_size;
	bool indirect;
};

struct drive_device;
static const struct drive_device *find_device(const char *name);

static int parse(int argc, char **argv, struct drive_opts *o)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "connect-timeout", required_argument, NULL, 'c' },
		{ "queue-size", required_argument, NULL, 'q' },
		{ "indirect", no_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(drive_usage, stdout);
		exit(VT_EXIT_OK);
	}
	if (argc < 2 || argv[1][0] == '-')
		vt_die_usage("drive: which device? (i2c, gpio)\n%s", drive_usage);
	o->device = argv[1];
	argc--;
	argv++;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:s:t:c:q:ivh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case 't':
			if (!vt_parse_uint(optarg, 3600000, &o->timeout_ms) || !o->timeout_ms)
				vt_die_usage("drive: --timeout %s: want milliseconds, 1-3600000", optarg);
			break;
		case 'c':
			if (!vt_parse_uint(optarg, 3600000, &o->connect_ms))
				vt_die_usage("drive: --connect-timeout %s: want milliseconds, 0-3600000", optarg);
			break;
		case 'q':
			if (!vt_parse_uint(optarg, 32768, &o->queue_size) || !o->queue_size ||
			    (o->queue_size & (o->queue_size - 1)))
				vt_die_usage("drive: --queue-size %s: want a power of two, 1-32768", optarg);
			break;
		case 'i':
			o->indirect = true;
			break;
		case 'v':
			vt_log_verbosity++;
			break;
		case 'h':
			fputs(drive_usage, stdout);
			exit(VT_EXIT_OK);
		default:
			cmd_option_error("drive", c, argv);
		}
	}
	if (!find_device(o->device))
		vt_die_usage("drive: unknown device '%s' (i2c, gpio)", o->device);
	if (!o->socket)
		vt_die_usage("drive: --socket PATH is required");
	if (optind >= argc)
		vt_die_usage("drive: no operation given (e.g. 'r1@0x50' or 'detect')");
	return optind + 1;   /* index of the first operation in the caller's argv */
}

/* One driving session: the front-end and what a device's driver keeps. */
struct drive_session {
	struct vt_frontend fe;
	struct vt_gpio_driver gpio;
	uint16_t queue_size;
};

static int i2c_start(struct drive_session *s, const struct vt_run_opts *ro)
{
	return vt_i2c_driver_start(&s->fe, s->queue_size, ro->indirect);
}

static enum vt_run_result i2c_run(struct drive_session *s, char *const *w, unsigned n,
				  const struct vt_run_opts *ro, char *err, size_t errlen)
{
	return vt_i2c_run_words(&s->fe, w, n, ro, stdout, err, errlen);
}

static int gpio_start(struct drive_session *s, const struct vt_run_opts *ro)
{
	(void)ro;
	return vt_gpio_driver_start(&s->gpio, &s->fe, s->queue_size);
}

static enum vt_run_result gpio_run(struct drive_session *s, char *const *w, unsigned n,
				   const struct vt_run_opts *ro, char *err, size_t errlen)
{
	return vt_gpio_run_words(&s->gpio, w, n, ro, stdout, err, errlen);
}

static void gpio_done(struct drive_session *s)
{
	vt_gpio_driver_free(&s->gpio);
}

static const struct drive_device {
	const char *name;
	bool (*check)(char *const *words, unsigned n, char *err, size_t errlen);
	int (*start)(struct drive_session *s, const struct vt_run_opts *ro);
	enum vt_run_result (*run)(struct drive_session *s, char *const *words, unsigned n,
				  const struct vt_run_opts *ro, char *err, size_t errlen);
	void (*done)(struct drive_session *s);   /* optional */
} devices[] = {
	{ "i2c", vt_i2c_check_words, i2c_start, i2c_run, NULL },
	{ "gpio", vt_gpio_check_words, gpio_start, gpio_run, gpio_done },
};

static const struct drive_device *find_device(const char *name)
{
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (!strcmp(devices[i].name, name))
			return &devices[i];
	return NULL;
}

int cmd_drive(int argc, char **argv)
{
	struct drive_opts o = { .timeout_ms = 1000, .connect_ms = 2000, .queue_size = 64 };
	struct drive_session s = { 0 };
	const struct drive_device *d;
	struct vt_run_opts ro;
	char err[512];
	unsigned nwords;
	int first;
	enum vt_run_result res;

	first = parse(argc, argv, &o);
	d = find_device(o.device);
	if (o.indirect && strcmp(d->name, "i2c"))
		vt_die_usage("drive: --indirect is an i2c option");
	nwords = (unsigned)(argc - first);
	if (!d->check(argv + first, nwords, err, sizeof(err)))
		vt_die_usage("drive: %s", err);
	signal(SIGPIPE, SIG_IGN);
	ro = (struct vt_run_opts){ .indirect = o.indirect, .timeout_ms = (int)o.timeout_ms };
	s.queue_size = (uint16_t)o.queue_size;
	if (vt_fe_connect(&s.fe, o.socket, (int)o.connect_ms) < 0)
		vt_die("drive: %s", s.fe.err);
	if (d->start(&s, &ro) < 0)
		vt_die("drive: %s", s.fe.err);
	res = d->run(&s, argv + first, nwords, &ro, err, sizeof(err));
	vt_fe_stop(&s.fe);
	if (d->done)
		d->done(&s);
	switch (res) {
	case VT_RUN_OK:
		return VT_EXIT_OK;
	case VT_RUN_USAGE:
		vt_die_usage("drive: %s", err);
	case VT_RUN_DEVICE_ERR:
	case VT_RUN_TRANSPORT:
		break;
	}
	vt_die("drive: %s", err);
}
