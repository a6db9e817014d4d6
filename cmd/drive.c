/* vitool drive DEVICE: plays VMM and guest driver against any vhost-user
 * backend, no VM needed. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "drivers/i2c.h"
#include "drivers/i2c_session.h"
#include "util/log.h"
#include "util/parse.h"
#include "vhost/frontend.h"

static const char drive_usage[] =
	"usage: vitool drive i2c --socket PATH [options] OP...\n"
	"       vitool drive i2c --socket PATH [options] detect [FIRST LAST]\n"
	"\n"
	"OP is i2ctransfer syntax: {r|w}LEN[@ADDR] followed, for a write, by LEN\n"
	"bytes; the messages go as one transfer (a FAIL_NEXT group), e.g.\n"
	"  vitool drive i2c -s /tmp/i2c.sock w1@0x50 0x00 r8\n"
	"\n"
	"  -s, --socket PATH          vhost-user socket of the backend\n"
	"  -t, --timeout MS           wait at most MS per transfer (default 1000)\n"
	"  -c, --connect-timeout MS   wait for the socket to appear (default 2000;\n"
	"                             0: try once)\n"
	"  -q, --queue-size N         virtqueue size, power of two (default 64)\n"
	"  -i, --indirect             send chains through indirect descriptor tables\n"
	"  -v, --verbose              more log output\n"
	"  -h, --help                 this help\n"
	"\n"
	"exit status: 0 ok, 1 the device answered ERR or the backend failed, 2 usage\n";

struct drive_opts {
	const char *device;
	const char *socket;
	unsigned timeout_ms;
	unsigned connect_ms;
	unsigned queue_size;
	bool indirect;
};

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
		vt_die_usage("drive: which device? (i2c)\n%s", drive_usage);
	o->device = argv[1];
	argc--;
	argv++;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+s:t:c:q:ivh", longopts, NULL)) != -1) {
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
			fputs(drive_usage, stderr);
			exit(VT_EXIT_USAGE);
		}
	}
	if (strcmp(o->device, "i2c"))
		vt_die_usage("drive: unknown device '%s' (i2c)", o->device);
	if (!o->socket)
		vt_die_usage("drive: --socket PATH is required");
	if (optind >= argc)
		vt_die_usage("drive: no operation given (e.g. 'r1@0x50' or 'detect')");
	return optind + 1;   /* index of the first operation in the caller's argv */
}

int cmd_drive(int argc, char **argv)
{
	struct drive_opts o = { .timeout_ms = 1000, .connect_ms = 2000, .queue_size = 64 };
	struct vt_frontend fe;
	struct vt_i2c_run_opts ro;
	char err[512];
	int first, r;
	enum vt_i2c_run_result res;

	first = parse(argc, argv, &o);
	if (!vt_i2c_check_words(argv + first, (unsigned)(argc - first), err, sizeof(err)))
		vt_die_usage("drive: %s", err);
	signal(SIGPIPE, SIG_IGN);
	r = vt_fe_connect(&fe, o.socket, (int)o.connect_ms);
	if (r < 0)
		vt_die("drive: %s", fe.err);
	if (vt_i2c_driver_start(&fe, (uint16_t)o.queue_size, o.indirect) < 0)
		vt_die("drive: %s", fe.err);
	ro = (struct vt_i2c_run_opts){ .indirect = o.indirect, .timeout_ms = (int)o.timeout_ms };
	res = vt_i2c_run_words(&fe, argv + first, (unsigned)(argc - first), &ro, stdout, err, sizeof(err));
	vt_fe_stop(&fe);
	switch (res) {
	case VT_I2C_RUN_OK:
		return VT_EXIT_OK;
	case VT_I2C_RUN_USAGE:
		vt_die_usage("drive: %s", err);
	case VT_I2C_RUN_DEVICE_ERR:
	case VT_I2C_RUN_TRANSPORT:
		break;
	}
	vt_die("drive: %s", err);
}
