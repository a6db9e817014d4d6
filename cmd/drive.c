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
#include "ctl/instance.h"
#include "devices/registry.h"
#include "drivers/ident.h"
#include "trace/msgview.h"
#include "trace/record.h"
#include "util/strbuf.h"
#include "vhost/event.h"
#include "vhost/proto.h"
#include "virtio/features.h"
#include "virtio/virtio.h"
#include "util/log.h"
#include "util/parse.h"
#include "vhost/frontend.h"

static const char drive_usage_head[] =
	"usage: vitool drive DEVICE {--socket PATH | -i NAME} [options] OP...\n"
	"\n";

static const char drive_usage_tail[] =
	"\n"
	"  -S, --socket PATH          vhost-user socket of the backend\n"
	"  -i, --name NAME            the vhost-user socket of the running vitool\n"
	"                             instance NAME ('vitool list')\n"
	"      --timeout MS           wait at most MS per request (default 1000)\n"
	"      --connect-timeout MS   wait for the socket to appear (default 2000;\n"
	"                             0: try once)\n"
	"      --queue-size N         virtqueue size, power of two (default 64)\n"
	"      --indirect             send chains through indirect descriptor tables\n"
	"                             (DEVICE: %s)\n"
	"      --inflight             ask the backend for an inflight region and give it\n"
	"                             back before the rings start, as QEMU's\n"
	"                             vhost-user-blk does (-v: its size)\n"
	"  -v, --verbose              the negotiated features; -vv: also every\n"
	"                             vhost-user message and each request\n"
	"  -h, --help                 this help\n"
	"\n"
	"exit status: 0 ok, 1 the device answered ERR (gpio: INVALID, or no event\n"
	"before wait's timeout), the backend failed or serves another device\n"
	"type, 2 usage\n";

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

/* Long-only options (issue 10's table: -t, -c, -q and -i mean other things
 * in other commands). */
enum { OPT_TIMEOUT = 256, OPT_CONNECT_TIMEOUT, OPT_QUEUE_SIZE, OPT_INDIRECT, OPT_INFLIGHT };

struct drive_opts {
	const struct vt_device_type *type;
	const char *socket;
	const char *name;          /* -i: the instance whose socket to use */
	unsigned timeout_ms;
	unsigned connect_ms;
	unsigned queue_size;
	bool indirect;
	bool inflight;
};

/* The short options drive had before issue 10's table. */
static const struct cmd_dropped dropped[] = {
	{ 's', "-S, --socket" }, { 't', "--timeout" }, { 'c', "--connect-timeout" },
	{ 'q', "--queue-size" }, { 0, NULL },
};

static int parse(int argc, char **argv, struct drive_opts *o)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "name", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
		{ "queue-size", required_argument, NULL, OPT_QUEUE_SIZE },
		{ "indirect", no_argument, NULL, OPT_INDIRECT },
		{ "inflight", no_argument, NULL, OPT_INFLIGHT },
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
	while ((c = getopt_long(argc, argv, "+:S:i:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'S':
			o->socket = cmd_socket_path("drive", "--socket", optarg);
			break;
		case 'i':
			o->name = optarg;
			break;
		case OPT_TIMEOUT:
			if (!vt_parse_uint(optarg, 3600000, &o->timeout_ms) || !o->timeout_ms)
				vt_die_usage("drive: --timeout %s: want milliseconds, 1-3600000", optarg);
			break;
		case OPT_CONNECT_TIMEOUT:
			if (!vt_parse_uint(optarg, 3600000, &o->connect_ms))
				vt_die_usage("drive: --connect-timeout %s: want milliseconds, 0-3600000", optarg);
			break;
		case OPT_QUEUE_SIZE:
			if (!vt_parse_uint(optarg, 32768, &o->queue_size) || !o->queue_size ||
			    (o->queue_size & (o->queue_size - 1)))
				vt_die_usage("drive: --queue-size %s: want a power of two, 1-32768", optarg);
			break;
		case OPT_INDIRECT:
			o->indirect = true;
			break;
		case OPT_INFLIGHT:
			o->inflight = true;
			break;
		case 'v':
			vt_log_verbosity++;
			break;
		case 'h':
			print_usage(stdout);
			exit(VT_EXIT_OK);
		default:
			cmd_option_error("drive", c, argv, longopts, dropped);
		}
	}
	if (!o->type || !o->type->front)
		vt_die_usage("drive: unknown device '%s' (%s)", word, list);
	if (o->socket && o->name)
		vt_die_usage("drive: --socket and --name both say where the backend is: give one");
	if (!o->socket && !o->name)
		vt_die_usage("drive: --socket PATH is required");
	if (optind >= argc)
		vt_die_usage("drive: no operation given (e.g. 'r1@0x50' or 'detect')");
	return optind + 1;   /* index of the first operation in the caller's argv */
}

/* -i NAME: the vhost-user socket the instance says it listens on, checked
 * to be of the device type asked for (lib/ctl/instance.c). */
static const char *instance_socket(const struct drive_opts *o)
{
	const struct vt_instance_want want = { .cmd = "drive", .name = o->name, .device = o->type->name };
	static struct vt_instance in;
	char err[1024];

	if (vt_instance_resolve(&want, &in, err, sizeof(err)) < 0)
		vt_die("drive: %s", err);
	if (!in.socket[0])
		vt_die("drive: instance %s did not say its vhost-user socket", in.name);
	return in.socket;
}

/* -vv: each vhost-user message as trace shows it ("> SET_VRING_NUM q0 num
 * 64", "< GET_FEATURES reply 0x..."): the record the backend would write,
 * through trace's own view. */
static void show_msg(void *arg, const struct vt_vhost_msg *m, unsigned dir)
{
	const struct vt_device_type *t = arg;
	struct vt_event ev = {
		.kind = VT_EV_VHOST_MSG, .request = m->request, .msg_dir = (uint8_t)dir,
		.msg_nfds = (uint8_t)m->nfds, .msg_flags = m->flags,
		.msg_size = m->size <= sizeof(m->p) ? m->size : (uint32_t)sizeof(m->p),
		.msg_payload = m->p.raw,
	};
	static uint8_t buf[VT_VHOST_MAX_PAYLOAD + 512];
	struct vt_decode_fields f = { 0 };
	struct vt_rec r;
	struct vt_sb sb;
	char err[128];

	if (vt_log_verbosity < VT_LOG_DEBUG)
		return;
	size_t n = vt_rec_encode(&ev, t->virtio_id, 0, 0, 0, buf, sizeof(buf));
	if (!n || vt_rec_parse(buf, n, &r, err, sizeof(err)) < 0)
		return;
	vt_sb_init(&sb);
	vt_trace_msg_view(&sb, &f, &r);
	vt_debug("%s", vt_sb_str(&sb));
}

/* -v: what the backend offered and what was agreed, by name. */
static void show_features(const struct vt_device_type *t, const struct vt_frontend *fe)
{
	char list[512];

	if (vt_log_verbosity < VT_LOG_INFO || !fe->got_features)
		return;
	vt_feature_list(list, sizeof(list), fe->offered, t->feature_names, vt_virtio_feature_names);
	vt_info("drive: features offered: %s", list);
	if (fe->got_protocol) {
		vt_feature_list(list, sizeof(list), fe->offered_protocol, NULL, vt_vhost_protocol_feature_names);
		vt_info("drive: protocol features offered: %s", list);
	}
	if (fe->queue_num)
		vt_info("drive: queues: %llu", (unsigned long long)fe->queue_num);
	if (!fe->nqueues)
		return;   /* the start failed before agreeing on anything */
	vt_feature_list(list, sizeof(list), fe->features, t->feature_names, vt_virtio_feature_names);
	vt_info("drive: features negotiated: %s", list);
	if (fe->features & VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES)) {
		vt_feature_list(list, sizeof(list), fe->protocol_features, NULL, vt_vhost_protocol_feature_names);
		vt_info("drive: protocol features negotiated: %s", list);
	}
}

/* A backend of another device type answers nonsense rather than failing
 * (an i2c read from a gpio backend "reads" 0x01): what it says of itself
 * is checked against the type asked for before any request. */
static void check_type(const struct drive_opts *o, struct vt_frontend *fe, void *drv, bool bad_answer)
{
	struct vt_backend_facts f;
	const struct vt_device_type *is;

	vt_ident_facts(fe, o->type, drv != NULL, &f);
	f.bad_answer = bad_answer;
	if (!vt_ident_mismatch(o->type, &f, &is))
		return;
	if (drv) {
		vt_fe_stop(fe);
		o->type->front->stop(drv);
	}
	vt_die("drive: %s serves %s, not %s", o->socket, is ? is->name : "an unknown device", o->type->name);
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
	if (o.name)
		o.socket = instance_socket(&o);
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
	fe.msg_tap = show_msg;
	fe.msg_tap_arg = (void *)o.type;
	fe.want_inflight = o.inflight;
	drv = d->start(&fe, (uint16_t)o.queue_size, &ro);
	if (drv && fe.inflight_fd >= 0)
		vt_info("drive: inflight region: %llu bytes", (unsigned long long)fe.inflight_size);
	show_features(o.type, &fe);
	check_type(&o, &fe, drv, false);
	if (!drv)
		vt_die("drive: %s", fe.err);
	res = d->run(drv, argv + first, nwords, &ro, err, sizeof(err));
	if (res == VT_RUN_NOT_DEVICE) {
		vt_warn("drive: %s", err);
		check_type(&o, &fe, drv, true);
	}
	vt_fe_stop(&fe);
	d->stop(drv);
	switch (res) {
	case VT_RUN_OK:
		return VT_EXIT_OK;
	case VT_RUN_USAGE:
		vt_die_usage("drive: %s", err);
	case VT_RUN_DEVICE_ERR:
	case VT_RUN_TRANSPORT:
	case VT_RUN_NOT_DEVICE:
		break;
	}
	vt_die("drive: %s", err);
}
