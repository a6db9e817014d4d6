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
#include "drivers/bench.h"
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
	"       vitool drive DEVICE {--socket PATH | -i NAME} --bench [bench options] [REQUEST...]\n"
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
	"      --bench                repeat the REQUEST words (default: %s)\n"
	"                             for --duration, as fast as the backend answers;\n"
	"                             print requests/s and latency p50/p99/p99.9\n"
	"      --duration DURATION    how long (default 1s; 1500ms, 20s)\n"
	"      --depth N              requests in flight (1-1024; default --batch)\n"
	"      --batch N              requests per kick (1-1024, at most --depth;\n"
	"                             default 1)\n"
	"      --no-event-idx         do not negotiate VIRTIO_RING_F_EVENT_IDX: the\n"
	"                             rings' flags alone suppress kicks and calls\n"
	"      --coalesce-calls       ask for a call when 3/4 of the requests in flight\n"
	"                             are back, and none while reaping (Linux's\n"
	"                             virtqueue_enable_cb_delayed), not at each one\n"
	"      --json                 the figures as one JSON object, with the\n"
	"                             latency histogram\n"
	"%s"
	"\n"
	"exit status: 0 ok, 1 the device answered ERR (gpio: INVALID, or no event\n"
	"before wait's timeout), the backend failed or serves another device\n"
	"type, 2 usage\n";

/* Usage: DEVICE is one of the registry's types with a front-end, each with
 * its OPs. */
static void print_usage(FILE *f)
{
	char indirect[128] = "", defaults[256] = "", bench_help[1024] = "";
	size_t at = 0, dat = 0, hat = 0;

	fputs(drive_usage_head, f);
	for (size_t i = 0; i < vt_device_count(); i++) {
		const struct vt_device_type *t = vt_device_at(i);
		if (!t->front)
			continue;
		fputs(t->front->ops_help, f);
		if (t->front->indirect && at < sizeof(indirect))
			at += (size_t)snprintf(indirect + at, sizeof(indirect) - at, "%s%s", at ? ", " : "", t->name);
		if (t->front->bench && dat < sizeof(defaults))
			dat += (size_t)snprintf(defaults + dat, sizeof(defaults) - dat, "%s%s %s", dat ? ", " : "",
						t->name, t->front->bench_words);
		if (t->front->bench && hat < sizeof(bench_help))
			hat += (size_t)snprintf(bench_help + hat, sizeof(bench_help) - hat, "%s", t->front->bench_help);
	}
	fprintf(f, drive_usage_tail, indirect, defaults, bench_help);
}

/* Long-only options (issue 10's table: -t, -c, -q and -i mean other things
 * in other commands). */
enum {
	OPT_TIMEOUT = 256, OPT_CONNECT_TIMEOUT, OPT_QUEUE_SIZE, OPT_INDIRECT, OPT_INFLIGHT, OPT_BENCH,
	OPT_DURATION, OPT_DEPTH, OPT_BATCH, OPT_NO_EVENT_IDX, OPT_COALESCE, OPT_JSON,
};

#define BENCH_MAX_DEPTH 1024

struct drive_opts {
	const struct vt_device_type *type;
	const char *socket;
	const char *name;          /* -i: the instance whose socket to use */
	unsigned timeout_ms;
	unsigned connect_ms;
	unsigned queue_size;
	bool indirect;
	bool inflight;
	/* --bench and what only it takes (the first such option, for the
	 * message when --bench is missing) */
	bool bench;
	const char *bench_only;
	uint64_t duration_ns;
	unsigned depth, batch;
	bool no_event_idx, coalesce, json;
};

/* The short options drive had before issue 10's table. */
static const struct cmd_dropped dropped[] = {
	{ 's', "-S, --socket" }, { 't', "--timeout" }, { 'c', "--connect-timeout" },
	{ 'q', "--queue-size" }, { 0, NULL },
};

/* --bench's numbers, with their defaults: depth follows batch, and the
 * queue holds depth requests of up to 3 descriptors (1 with --indirect). */
static void check_bench(struct drive_opts *o)
{
	if (!o->type->front->bench)
		vt_die_usage("drive: %s has no --bench", o->type->name);
	if (!o->duration_ns)
		o->duration_ns = 1000000000;
	if (!o->batch)
		o->batch = 1;
	if (!o->depth)
		o->depth = o->batch;
	if (o->batch > o->depth)
		vt_die_usage("drive: --batch %u is more than --depth %u (a batch is that many requests in flight)",
			     o->batch, o->depth);
	if (o->queue_size)
		return;
	unsigned need = o->depth * (o->indirect ? 1 : 3);
	for (o->queue_size = 64; o->queue_size < need && o->queue_size < 1024;)
		o->queue_size *= 2;
}

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
		{ "bench", no_argument, NULL, OPT_BENCH },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "depth", required_argument, NULL, OPT_DEPTH },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "no-event-idx", no_argument, NULL, OPT_NO_EVENT_IDX },
		{ "coalesce-calls", no_argument, NULL, OPT_COALESCE },
		{ "json", no_argument, NULL, OPT_JSON },
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
		case OPT_BENCH:
			o->bench = true;
			break;
		case OPT_DURATION:
			if (!vt_parse_duration_ns(optarg, UINT64_C(3600) * 1000000000, &o->duration_ns) ||
			    !o->duration_ns)
				vt_die_usage("drive: --duration %s: want a duration with its unit (500ms, 2s), "
					     "at most 1 hour", optarg);
			o->bench_only = o->bench_only ? o->bench_only : "--duration";
			break;
		case OPT_DEPTH:
		case OPT_BATCH: {
			const char *name = c == OPT_DEPTH ? "--depth" : "--batch";
			unsigned v;
			if (!vt_parse_uint(optarg, BENCH_MAX_DEPTH, &v) || !v)
				vt_die_usage("drive: %s %s: want 1-%d", name, optarg, BENCH_MAX_DEPTH);
			*(c == OPT_DEPTH ? &o->depth : &o->batch) = v;
			o->bench_only = o->bench_only ? o->bench_only : name;
			break;
		}
		case OPT_NO_EVENT_IDX:
			o->no_event_idx = true;
			o->bench_only = o->bench_only ? o->bench_only : "--no-event-idx";
			break;
		case OPT_COALESCE:
			o->coalesce = true;
			o->bench_only = o->bench_only ? o->bench_only : "--coalesce-calls";
			break;
		case OPT_JSON:
			o->json = true;
			o->bench_only = o->bench_only ? o->bench_only : "--json";
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
	if (o->bench_only && !o->bench)
		vt_die_usage("drive: %s is an option of --bench", o->bench_only);
	if (o->bench)
		check_bench(o);
	else if (optind >= argc)
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

/* The device's default bench words, split at blanks into words (a
 * static copy: the words point into it). */
static unsigned default_words(const char *text, char **words, unsigned max)
{
	static char buf[128];
	unsigned n = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	for (char *save = NULL, *w = strtok_r(buf, " ", &save); w && n < max; w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	return n;
}

/* drive --bench: connect, start the driver with the memory and features
 * the bench wants, build the requests, run, report. */
static int bench(struct drive_opts *o, char **words, unsigned nwords)
{
	const struct vt_front_ops *d = o->type->front;
	struct vt_bench_conf c = {
		.depth = o->depth, .batch = o->batch, .duration_ns = o->duration_ns, .indirect = o->indirect,
		.coalesce = o->coalesce,
		.timeout_ms = (int)o->timeout_ms,
	};
	struct vt_run_opts ro = { .indirect = o->indirect, .timeout_ms = (int)o->timeout_ms };
	struct vt_bench_plan p = { 0 };
	struct vt_bench_result r;
	struct vt_frontend fe;
	char *defaults[16], err[512];
	size_t at = 0;

	if (!nwords) {
		words = defaults;
		nwords = default_words(d->bench_words, defaults, 16);
	}
	if (!d->bench_check(words, nwords, err, sizeof(err)))
		vt_die_usage("drive: --bench: %s", err);
	for (unsigned i = 0; i < nwords && at < sizeof(p.what); i++)
		at += (size_t)snprintf(p.what + at, sizeof(p.what) - at, "%s%s", i ? " " : "", words[i]);
	signal(SIGPIPE, SIG_IGN);
	if (vt_fe_connect(&fe, o->socket, (int)o->connect_ms) < 0)
		vt_die("drive: %s", fe.err);
	fe.msg_tap = show_msg;
	fe.msg_tap_arg = (void *)o->type;
	/* Every slot's buffers (depth of each request; there are at most as
	 * many requests as words), and the driver's own memory, in guest
	 * memory made once: sparse, only what is used is ever touched. */
	uint64_t mem = (uint64_t)o->depth * nwords * VT_BENCH_SLOT_BYTES;
	fe.mem_size_min = (8u << 20) + (mem < (1u << 30) ? mem : (1u << 30));
	fe.no_event_idx = o->no_event_idx;
	void *drv = d->start(&fe, (uint16_t)o->queue_size, &ro);
	show_features(o->type, &fe);
	check_type(o, &fe, drv, false);
	if (!drv)
		vt_die("drive: %s", fe.err);
	bool event_idx = fe.features & VT_BIT(VIRTIO_RING_F_EVENT_IDX);
	int rc = d->bench(drv, words, nwords, &c, &p, err, sizeof(err)) ? 0 : -1;
	if (rc == 0)
		rc = vt_bench_run(&fe, &p, &c, &r, err, sizeof(err));
	vt_fe_stop(&fe);
	d->stop(drv);
	vt_bench_free(&p);
	if (rc < 0)
		vt_die("drive: --bench: %s", err);
	if (o->json)
		vt_bench_json(stdout, o->type->name, &p, &c, &r, event_idx);
	else
		vt_bench_print(stdout, o->type->name, &p, &c, &r, event_idx);
	fflush(stdout);
	if (r.errors)
		vt_die("drive: --bench: %llu of %llu requests failed (the first: %s)", (unsigned long long)r.errors,
		       (unsigned long long)r.requests, r.first_error);
	return VT_EXIT_OK;
}

int cmd_drive(int argc, char **argv)
{
	struct drive_opts o = { .timeout_ms = 1000, .connect_ms = 2000 };
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
	if (o.bench)
		return bench(&o, argv + first, nwords);
	if (!o.queue_size)
		o.queue_size = 64;
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
