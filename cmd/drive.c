/* vitool drive DEVICE: plays VMM and guest driver against any vhost-user
 * backend, no VM needed.  The device's driver and its operation words come
 * from its registry row (devices/registry.h): this file names no device. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "devices/registry.h"
#include "util/log.h"
#include "util/parse.h"
#include "vhost/frontend.h"

static const char drive_usage_head[] =
	"usage: vitool drive DEVICE --socket PATH [options] OP...\n"
	"\n";

static const char drive_usage_tail[] =
	"\n"
	"  -s, --socket PATH          vhost-user socket of the backend\n"
	"  -t, --timeout MS           wait at most MS per request (default 1000)\n"
	"  -c, --connect-timeout MS   wait for the socket to appear (default 2000;\n"
	"                             0: try once)\n"
	"  -q, --queue-size N         virtqueue size, power of two (default 64)\n"
	"  -i, --indirect             send chains through indirect descriptor tables\n"
	"                             (DEVICE: %s)\n"
	"  -v, --verbose              more log output\n"
	"  -h, --help                 this help\n"
	"\n"
	"exit status: 0 ok, 1 the device answered ERR (gpio: INVALID, or no event\n"
	"before wait's timeout) or the backend failed, 2 usage\n";

/* Usage: DEVICE is one of the registry's types with a front-end, each with
 * its OPs. */
static void print_usage(FILE *f)
{
	char indirect[128] = "";
	size_t at = 0;

	fputs(drive_usage_head, f);
	for (size_t i = 0; i < vt_device_count(); i++) {
		const struct vt_device_type *t = vt_device_at(i);
		if (!t->front)
			continue;
		fputs(t->front->ops_help, f);
		if (t->front->indirect && at < sizeof(indirect))
			at += (size_t)snprintf(indirect + at, sizeof(indirect) - at, "%s%s", at ? ", " : "", t->name);
	}
	fprintf(f, drive_usage_tail, indirect);
}

struct drive_opts {
	const struct vt_device_type *type;
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
	const char *word;
	char list[128];
	int c;

	vt_device_list(list, sizeof(list), true);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		print_usage(stdout);
		exit(VT_EXIT_OK);
	}
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "vitool: drive: which device? (%s)\n", list);
		print_usage(stderr);
		exit(VT_EXIT_USAGE);
	}
	word = argv[1];
	o->type = vt_device_find(word);
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
			print_usage(stdout);
			exit(VT_EXIT_OK);
		default:
			cmd_option_error("drive", c, argv);
		}
	}
	if (!o->type || !o->type->front)
		vt_die_usage("drive: unknown device '%s' (%s)", word, list);
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
	const struct vt_front_ops *d;
	void *drv;
	struct vt_run_opts ro;
	char err[512];
	unsigned nwords;
	int first;
	enum vt_run_result res;

	first = parse(argc, argv, &o);
	d = o.type->front;
	if (o.indirect && !d->indirect)
		vt_die_usage("drive: %s takes no --indirect", o.type->name);
	nwords = (unsigned)(argc - first);
	if (!d->check(argv + first, nwords, err, sizeof(err)))
		vt_die_usage("drive: %s", err);
	signal(SIGPIPE, SIG_IGN);
	ro = (struct vt_run_opts){ .indirect = o.indirect, .timeout_ms = (int)o.timeout_ms };
	if (vt_fe_connect(&fe, o.socket, (int)o.connect_ms) < 0)
		vt_die("drive: %s", fe.err);
	drv = d->start(&fe, (uint16_t)o.queue_size, &ro);
	if (!drv)
		vt_die("drive: %s", fe.err);
	res = d->run(drv, argv + first, nwords, &ro, err, sizeof(err));
	vt_fe_stop(&fe);
	d->stop(drv);
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
