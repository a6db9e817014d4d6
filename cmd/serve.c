/* vitool serve DEVICE: a vhost-user device backend.  A VMM (or `vitool
 * drive`) connects to --socket; after it disconnects we listen again.  The
 * instance also answers on a control socket (inject, stats, ...).
 *
 * Everything about the device (its options, how to build its hardware and
 * model, the control commands it adds) comes from its registry row
 * (devices/registry.h): this file names no device. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "ctl/backend_cmds.h"
#include "ctl/ctl.h"
#include "ctl/daemon.h"
#include "ctl/instance.h"
#include "ctl/fault_cmds.h"
#include "ctl/trace_cmds.h"
#include "devices/device.h"
#include "devices/registry.h"
#include "fault/fault.h"
#include "trace/record.h"
#include "trace/print.h"
#include "trace/recorder.h"
#include "util/bytes.h"
#include "util/json.h"
#include "util/log.h"
#include "util/loop.h"
#include "util/parse.h"
#include "vhost/backend.h"

static const char common_usage[] =
	"common:\n"
	"  -S, --socket PATH    vhost-user socket to listen on (created)\n"
	"  -i, --name NAME      instance name (default: the socket's file name\n"
	"                       without extension; a name in use is refused)\n"
	"  -C, --control PATH   control socket (default: $XDG_RUNTIME_DIR/vitool/NAME.ctl,\n"
	"                       else /tmp/vitool-$UID/NAME.ctl)\n"
	"  -p, --print          print each request as it completes, decoded\n"
	"  -w, --write FILE     write every queue event to a pcap capture FILE\n"
	"                       ('-': standard output; see vitool-pcap(5))\n"
	"  -s, --snaplen N      bytes kept of each record in FILE (64-262144,\n"
	"                       default 262144)\n"
	"      --timeout-ms MS  a request in flight longer than MS is timed out\n"
	"                       (default 1000)\n"
	"      --once           exit when the first front-end disconnects\n"
	"  -q, --quiet          no start-up lines (name, sockets) on stderr\n"
	"      --fault RULE     delay, fail, hold or reorder completions (repeatable),\n"
	"                       e.g. 'delay 1500ms addr 0x50 read', 'fail every 2'\n"
	"  -v, --verbose        more log output (repeatable); with --print, every event\n"
	"  -h, --help           this help\n";

/* One option's help lines: "  -b, --bus DEV        text", continuation
 * lines indented to the text's column. */
static void print_option(FILE *f, const struct vt_device_option *o)
{
	char head[64];
	const char *t = o->help;

	if (o->short_name)
		snprintf(head, sizeof(head), "  -%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
	else
		snprintf(head, sizeof(head), "      --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	fprintf(f, "%-22s ", head);
	for (;;) {
		size_t n = strcspn(t, "\n");
		fprintf(f, "%.*s\n", (int)n, t);
		if (!t[n])
			break;
		t += n + 1;
		fprintf(f, "%23s", "");
	}
}

/* The usage of one device type (only), or of every one (NULL). */
static void print_usage(FILE *f, const struct vt_device_type *only)
{
	bool first = true;

	for (size_t i = 0; i < vt_device_count(); i++) {
		const struct vt_device_type *t = vt_device_at(i);
		if (!t->serve || (only && t != only))
			continue;
		fprintf(f, "%s vitool serve %-4s --socket PATH %s\n%27s[common options]\n",
			first ? "usage:" : "      ", t->name, t->serve->synopsis, "");
		first = false;
	}
	for (size_t i = 0; i < vt_device_count(); i++) {
		const struct vt_device_type *t = vt_device_at(i);
		if (!t->serve || (only && t != only) || !t->serve->options[0].name)
			continue;
		fprintf(f, "%s%s:\n", i && !only ? "" : "\n", t->name);
		for (const struct vt_device_option *o = t->serve->options; o->name; o++)
			print_option(f, o);
	}
	fputs(common_usage, f);
}

struct serve_opts {
	const struct vt_device_type *type;
	const char *socket;
	const char *name;
	const char *control;
	bool print;
	bool once;
	bool quiet;
	const char *write;
	unsigned snaplen;
	unsigned timeout_ms;
	unsigned nfaults;
	struct vt_fault_rule faults[16];   /* --fault, parsed */
	struct vt_device_args args;   /* the device's own options */
};

/* ---- options ---- */

/* Device options are OPT_DEVICE + their index; long-only common ones
 * come after them. */
#define MAX_DEVICE_OPTIONS 16
enum { OPT_DEVICE = 256, OPT_ONCE = OPT_DEVICE + MAX_DEVICE_OPTIONS, OPT_TIMEOUT, OPT_FAULT };

static const struct option common_longopts[] = {
	{ "socket", required_argument, NULL, 'S' },
	{ "name", required_argument, NULL, 'i' },
	{ "control", required_argument, NULL, 'C' },
	{ "print", no_argument, NULL, 'p' },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "write", required_argument, NULL, 'w' },
	{ "snaplen", required_argument, NULL, 's' },
	{ "timeout-ms", required_argument, NULL, OPT_TIMEOUT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "fault", required_argument, NULL, OPT_FAULT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
};
/* The common short options; those that take a value have a ':'. */
#define COMMON_SHORTS "S:i:C:pw:s:qvh"

/* The short options serve had before issue 10's table (vitool(1)): said
 * plainly, not as unknown options. */
static const struct cmd_dropped dropped[] = {
	{ 'n', "-i, --name" }, { 'c', "--chip" }, { 'l', "--lines" }, { 't', "--target" }, { 0, NULL },
};

/* -s was the socket before it was the snap length: said plainly. */
static void socket_hint(const char *val)
{
	unsigned u;

	if (!vt_parse_uint(val, UINT32_MAX, &u))
		vt_die_usage("serve: -s %s: -s is the snap length now; the socket is -S, --socket", val);
}

/* An unknown option: another device's ("--lines is a gpio option"), or
 * simply unknown. */
static _Noreturn void bad_option(const struct vt_device_type *t, int c, char **argv,
				 const struct option *longopts)
{
	const char *word = optind > 0 ? argv[optind - 1] : "";

	if (c == '?' && !strncmp(word, "--", 2)) {
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(word + 2, "="), word + 2);
		const struct vt_device_type *owner = vt_device_option_owner(t, name);
		if (owner)
			vt_die_usage("serve %s: --%s is a %s option", t->name, name, owner->name);
	}
	cmd_option_error("serve", c, argv, longopts, dropped);
}

/* Does the option word (an option of any device, or a common one) take
 * the next word as its value? */
static bool takes_value(const char *word)
{
	if (word[1] == '-') {
		const char *name = word + 2;
		size_t n = strcspn(name, "=");
		if (name[n] == '=')
			return false;
		for (size_t i = 0; i < VT_ARRAY_SIZE(common_longopts); i++)
			if (strlen(common_longopts[i].name) == n && !strncmp(common_longopts[i].name, name, n))
				return common_longopts[i].has_arg == required_argument;
		for (size_t t = 0; t < vt_device_count(); t++)
			for (const struct vt_device_option *o = vt_device_at(t)->serve ?
				     vt_device_at(t)->serve->options : NULL; o && o->name; o++)
				if (strlen(o->name) == n && !strncmp(o->name, name, n))
					return o->arg != NULL;
		return false;
	}
	/* A cluster "-qS PATH": the first letter that takes a value ends it. */
	for (const char *p = word + 1; *p; p++) {
		const char *at = strchr(COMMON_SHORTS, *p);
		bool val = at && at[1] == ':';
		for (size_t t = 0; !at && t < vt_device_count(); t++)
			for (const struct vt_device_option *o = vt_device_at(t)->serve ?
				     vt_device_at(t)->serve->options : NULL; o && o->name; o++)
				if (o->short_name == *p)
					val = o->arg != NULL;
		if (val)
			return !p[1];
	}
	return false;
}

/* The DEVICE word, wherever it stands among the options ("serve -S X
 * i2c"): its index, or 0. */
static int device_word(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return i + 1 < argc ? i + 1 : 0;
		if (argv[i][0] != '-' || !argv[i][1])
			return i;
		if (takes_value(argv[i]))
			i++;
	}
	return 0;
}

static void parse(int argc, char **argv, struct serve_opts *o)
{
	struct option longopts[VT_ARRAY_SIZE(common_longopts) + MAX_DEVICE_OPTIONS + 1];
	char optstring[64 + 3 * MAX_DEVICE_OPTIONS] = "+:" COMMON_SHORTS;
	const struct vt_device_option *dopts;
	size_t nlong = 0, ndev = 0;
	char list[128];
	int c, dev;

	vt_device_list(list, sizeof(list), false);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		print_usage(stdout, NULL);
		exit(VT_EXIT_OK);
	}
	dev = device_word(argc, argv);
	if (!dev) {
		fprintf(stderr, "vitool: serve: which device? (%s)\n", list);
		print_usage(stderr, NULL);
		exit(VT_EXIT_USAGE);
	}
	o->type = vt_device_find(argv[dev]);
	if (!o->type || !o->type->serve)
		vt_die_usage("serve: unknown device '%s' (%s)", argv[dev], list);
	/* getopt sees the device word first (skipped as argv[0]), then every
	 * other word in its order. */
	char *word = argv[dev];
	memmove(&argv[2], &argv[1], (size_t)(dev - 1) * sizeof(*argv));
	argv[1] = word;
	argc--;
	argv++;

	for (size_t i = 0; i < VT_ARRAY_SIZE(common_longopts); i++)
		longopts[nlong++] = common_longopts[i];
	dopts = o->type->serve->options;
	for (; dopts[ndev].name && ndev < MAX_DEVICE_OPTIONS; ndev++) {
		const struct vt_device_option *d = &dopts[ndev];
		longopts[nlong++] = (struct option){ d->name, d->arg ? required_argument : no_argument, NULL,
						     OPT_DEVICE + (int)ndev };
		if (d->short_name) {
			size_t len = strlen(optstring);
			optstring[len++] = d->short_name;
			if (d->arg)
				optstring[len++] = ':';
			optstring[len] = '\0';
		}
	}
	longopts[nlong] = (struct option){ NULL, 0, NULL, 0 };

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		const struct vt_device_option *d = NULL;
		if (c >= OPT_DEVICE && c < OPT_DEVICE + (int)ndev)
			d = &dopts[c - OPT_DEVICE];
		for (size_t i = 0; !d && i < ndev; i++)
			if (dopts[i].short_name && c == dopts[i].short_name)
				d = &dopts[i];
		if (d) {
			if (o->args.n == VT_DEVICE_MAX_ARGS)
				vt_die_usage("serve: at most %d device options", VT_DEVICE_MAX_ARGS);
			o->args.a[o->args.n].opt = d;
			o->args.a[o->args.n++].val = d->arg ? optarg : NULL;
			continue;
		}
		switch (c) {
		case 'S':
			o->socket = cmd_socket_path("serve", "--socket", optarg);
			break;
		case 'i':
			o->name = cmd_instance_name("serve", optarg);
			break;
		case 'C':
			o->control = cmd_socket_path("serve", "--control", optarg);
			break;
		case 'p':
			o->print = true;
			break;
		case OPT_ONCE:
			o->once = true;
			break;
		case 'w':
			o->write = optarg;
			break;
		case 's':
			socket_hint(optarg);
			o->snaplen = cmd_instance_snaplen("serve", optarg);
			break;
		case OPT_TIMEOUT:
			o->timeout_ms = cmd_instance_timeout_ms("serve", optarg);
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_FAULT: {
			char ferr[512];
			if (o->nfaults == VT_ARRAY_SIZE(o->faults))
				vt_die_usage("serve: at most %zu --fault rules", VT_ARRAY_SIZE(o->faults));
			if (vt_fault_rule_parse_text(&o->faults[o->nfaults++], o->type, optarg, ferr, sizeof(ferr)) < 0)
				vt_die_usage("serve: --fault '%s': %s", optarg, ferr);
			break;
		}
		case 'v':
			vt_log_verbosity++;
			break;
		case 'h':
			print_usage(stdout, o->type);
			exit(VT_EXIT_OK);
		default:
			bad_option(o->type, c, argv, longopts);
		}
	}
	if (optind < argc)
		vt_die_usage("serve: unexpected argument '%s'", argv[optind]);
	if (!o->socket)
		vt_die_usage("serve: --socket PATH is required");
	if (o->write && !strcmp(o->write, "-") && o->print)
		vt_die_usage("serve: --print and --write - both want standard output");
	if (o->snaplen && !o->write)
		vt_die_usage("serve: --snaplen applies to --write");
}

/* ---- control socket ---- */

struct info_ctx {
	const struct serve_opts *o;
	struct vt_serve_ctx *ctx;
	struct vt_backend *b;
};

static void add_info(struct vt_json *j, void *arg)
{
	const struct info_ctx *ic = arg;

	vt_json_str(j, "device", ic->o->type->name);
	vt_json_str(j, "socket", ic->o->socket);
	vt_json_bool(j, "connected", vt_backend_connected(ic->b));
	if (ic->o->type->serve->add_info)
		ic->o->type->serve->add_info(j, ic->ctx);
}

int cmd_serve(int argc, char **argv)
{
	struct serve_opts o = { 0 };
	struct vt_serve_ctx ctx = { 0 };
	const struct vt_device_type *d;
	const struct vt_serve_ops *ops;
	struct vt_trace_printer printer;
	struct vt_ctl_server *ctl;
	struct info_ctx ic;
	struct vt_backend *b;
	char err[512], ctlpath[512], name[128], sockpath[PATH_MAX];
	int sigfd, r;

	parse(argc, argv, &o);
	d = o.type;
	ops = d->serve;
	signal(SIGPIPE, SIG_IGN);
	ctx.loop = vt_loop_new();
	if (!ctx.loop)
		vt_die("serve: out of memory");
	ops->create(&ctx, &o.args);
	sigfd = vt_daemon_watch_signals(ctx.loop, "serve");
	if (sigfd < 0)
		vt_die("serve: cannot watch signals");
	b = vt_backend_new(ctx.loop, ops->model, ctx.dev);
	if (!b)
		vt_die("serve: out of memory");
	/* The recorder is the backend's only observer, set while some sink
	 * (--print, --write, a `trace` client) exists. */
	struct vt_trace_source src;
	vt_backend_trace_source(b, &src);
	src.device = d->name;
	src.event_queues = d->event_queues;
	ctx.rec = vt_recorder_new(ctx.loop, &src, &(struct vt_recorder_conf){ .timeout_ms = o.timeout_ms });
	if (!ctx.rec)
		vt_die("serve: out of memory");
	vt_daemon_log_to(ctx.rec);
	if (o.print) {
		printer = (struct vt_trace_printer){
			.out = stdout, .verbose = vt_log_verbosity > VT_LOG_WARN,
		};
		vt_recorder_set_printer(ctx.rec, &printer);
	}
	if (o.write && vt_recorder_open_file(ctx.rec, o.write, o.snaplen, err, sizeof(err)) < 0)
		vt_die("serve: --write %s", err);
	vt_backend_set_once(b, o.once);
	struct vt_fault_set *faults = vt_fault_set_new(ctx.loop, b, d);
	if (!faults)
		vt_die("serve: out of memory");
	for (unsigned i = 0; i < o.nfaults; i++)
		vt_fault_set_add(faults, &o.faults[i]);
	/* The control socket first: a name that is taken must not leave a
	 * vhost-user socket behind.  But a socket path that cannot work is the
	 * first thing to report. */
	if (strlen(o.socket) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		vt_die("serve: cannot listen on %s: socket path too long (at most %zu bytes)",
		       o.socket, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	ctl = vt_daemon_open_control(ctx.loop, "serve", o.name, o.control, o.socket, ctlpath, sizeof(ctlpath), name,
				     sizeof(name));
	r = vt_backend_listen(b, o.socket);
	if (r < 0) {
		vt_ctl_server_free(ctl);
		vt_die("serve: cannot listen on %s: %s", o.socket, strerror(-r));
	}
	/* Others (list, a control client in another directory) compare it
	 * with their paths: absolute. */
	if (realpath(o.socket, sockpath))
		o.socket = sockpath;
	ic = (struct info_ctx){ .o = &o, .ctx = &ctx, .b = b };
	vt_ctl_set_info(ctl, add_info, &ic);
	vt_ctl_add_faults(ctl, b, faults, d);
	vt_ctl_add_trace(ctl, ctx.rec);
	if (ops->add_control)
		ops->add_control(ctl, &ctx);
	/* A daemon's "listening on": which instance this is and where to
	 * reach it, so that a user never guesses. */
	if (!o.quiet)
		fprintf(stderr, "vitool: serve: %s instance %s listening on %s\n"
			"vitool: serve: control socket %s\n", d->name, name, o.socket, ctlpath);
	r = vt_loop_run(ctx.loop);
	/* The control server first: it unhooks its callbacks from the device. */
	vt_ctl_server_free(ctl);
	/* Before the backend: it unsets the observer; the capture is flushed. */
	vt_daemon_log_to(NULL);
	int we = vt_recorder_free(ctx.rec);
	vt_fault_set_free(faults);
	vt_backend_free(b);
	unlink(o.socket);
	ops->destroy(&ctx);
	close(sigfd);
	vt_loop_free(ctx.loop);
	if (r < 0)
		vt_die("serve: event loop: %s", strerror(-r));
	if (we < 0)
		vt_die("serve: --write %s: records were lost: %s", o.write, strerror(-we));
	return VT_EXIT_OK;
}
