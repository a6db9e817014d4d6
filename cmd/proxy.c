/* vitool proxy: between a VMM and any vhost-user back-end, forwarding
 * their conversation while trace, faults, stats and inflight see it as on
 * serve (lib/proxy/proxy.h).  An instance like serve's: its name, control
 * socket, `vitool list` row. */
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
#include "ctl/ctl.h"
#include "ctl/daemon.h"
#include "ctl/fault_cmds.h"
#include "ctl/trace_cmds.h"
#include "devices/registry.h"
#include "fault/fault.h"
#include "proxy/proxy.h"
#include "trace/print.h"
#include "trace/record.h"
#include "trace/recorder.h"
#include "trace/source.h"
#include "util/bytes.h"
#include "util/json.h"
#include "util/log.h"
#include "util/loop.h"
#include "util/parse.h"

static const char usage[] =
	"usage: vitool proxy --listen PATH --backend PATH [--exec 'CMD ...'] [options]\n"
	"\n"
	"      --listen PATH      vhost-user socket the VMM connects to (created)\n"
	"      --backend PATH     the back-end's vhost-user socket\n"
	"      --exec 'CMD ...'   start the back-end (through sh -c); it must listen on\n"
	"                         --backend PATH; it is ended when the proxy ends\n"
	"      --device TYPE      the device type (%s; default: told from\n"
	"                         what the back-end offers, else hex)\n"
	"      --connect-timeout MS  wait for the back-end's socket (default 5000)\n"
	"  -i, --name NAME        instance name (default: --listen's file name without\n"
	"                         extension; a name in use is refused)\n"
	"  -C, --control PATH     control socket (default: $XDG_RUNTIME_DIR/vitool/NAME.ctl,\n"
	"                         else /tmp/vitool-$UID/NAME.ctl)\n"
	"  -p, --print            print each request as it completes, decoded\n"
	"  -w, --write FILE       write every queue event to a pcap capture FILE\n"
	"                         ('-': standard output; see vitool-pcap(5))\n"
	"  -s, --snaplen N        bytes kept of each record in FILE (64-262144)\n"
	"      --timeout-ms MS    a request in flight longer than MS is timed out\n"
	"                         (default 1000)\n"
	"      --fault RULE       delay, fail, hold or reorder completions on their way\n"
	"                         back to the driver (repeatable), as serve's\n"
	"  -q, --quiet            no start-up lines on stderr\n"
	"  -v, --verbose          more log output (repeatable)\n"
	"  -h, --help             this help\n";

/* Every type the registry decodes, not only those vitool serves. */
static void type_list(char *list, size_t len)
{
	size_t at = 0;

	list[0] = '\0';
	for (size_t i = 0; i < vt_device_count() && at < len; i++)
		at += (size_t)snprintf(list + at, len - at, "%s%s", i ? ", " : "", vt_device_at(i)->name);
}

static void print_usage(FILE *f)
{
	char list[128];

	type_list(list, sizeof(list));
	fprintf(f, usage, list);
}

enum { OPT_LISTEN = 256, OPT_BACKEND, OPT_EXEC, OPT_DEVICE, OPT_CONNECT_TIMEOUT, OPT_TIMEOUT, OPT_FAULT };

struct proxy_opts {
	const char *listen, *backend, *exec, *name, *control, *write;
	const struct vt_device_type *type;
	unsigned connect_ms, snaplen, timeout_ms;
	bool print, quiet;
	unsigned nfaults;
	const char *fault_text[16];
};

static void parse(int argc, char **argv, struct proxy_opts *o)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "exec", required_argument, NULL, OPT_EXEC },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
		{ "name", required_argument, NULL, 'i' },
		{ "control", required_argument, NULL, 'C' },
		{ "print", no_argument, NULL, 'p' },
		{ "write", required_argument, NULL, 'w' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "timeout-ms", required_argument, NULL, OPT_TIMEOUT },
		{ "fault", required_argument, NULL, OPT_FAULT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:i:C:pw:s:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_LISTEN:
			o->listen = cmd_socket_path("proxy", "--listen", optarg);
			break;
		case OPT_BACKEND:
			o->backend = cmd_socket_path("proxy", "--backend", optarg);
			break;
		case OPT_EXEC:
			if (!*optarg)
				vt_die_usage("proxy: --exec: want a command");
			o->exec = optarg;
			break;
		case OPT_DEVICE:
			o->type = vt_device_find(optarg);
			if (!o->type) {
				char list[128];
				type_list(list, sizeof(list));
				vt_die_usage("proxy: --device %s: unknown device type (%s)", optarg, list);
			}
			break;
		case OPT_CONNECT_TIMEOUT:
			if (!vt_parse_uint(optarg, 3600000, &o->connect_ms))
				vt_die_usage("proxy: --connect-timeout %s: want milliseconds, 0-3600000", optarg);
			break;
		case 'i':
			o->name = cmd_instance_name("proxy", optarg);
			break;
		case 'C':
			o->control = cmd_socket_path("proxy", "--control", optarg);
			break;
		case 'p':
			o->print = true;
			break;
		case 'w':
			o->write = optarg;
			break;
		case 's':
			o->snaplen = cmd_instance_snaplen("proxy", optarg);
			break;
		case OPT_TIMEOUT:
			o->timeout_ms = cmd_instance_timeout_ms("proxy", optarg);
			break;
		case OPT_FAULT:
			if (o->nfaults == VT_ARRAY_SIZE(o->fault_text))
				vt_die_usage("proxy: at most %zu --fault rules", VT_ARRAY_SIZE(o->fault_text));
			o->fault_text[o->nfaults++] = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			vt_log_verbosity++;
			break;
		case 'h':
			print_usage(stdout);
			exit(VT_EXIT_OK);
		default:
			cmd_option_error("proxy", c, argv, longopts, NULL);
		}
	}
	if (optind < argc)
		vt_die_usage("proxy: unexpected argument '%s'", argv[optind]);
	if (!o->listen)
		vt_die_usage("proxy: --listen PATH is required (the socket the VMM connects to)");
	if (!o->backend)
		vt_die_usage("proxy: --backend PATH is required (the back-end's socket%s)",
			     o->exec ? ", where the --exec command listens" : "");
	if (!strcmp(o->listen, o->backend))
		vt_die_usage("proxy: --listen and --backend are the same socket");
	if (strlen(o->listen) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		vt_die_usage("proxy: --listen %s: socket path too long (at most %zu bytes)", o->listen,
			     sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	if (o->write && !strcmp(o->write, "-") && o->print)
		vt_die_usage("proxy: --print and --write - both want standard output");
	if (o->snaplen && !o->write)
		vt_die_usage("proxy: --snaplen applies to --write");
}

struct info_ctx {
	const struct proxy_opts *o;
	struct vt_proxy *p;
};

static void add_info(struct vt_json *j, void *arg)
{
	const struct info_ctx *ic = arg;

	vt_json_str(j, "device", vt_proxy_type(ic->p)->name);
	vt_json_str(j, "socket", ic->o->listen);
	vt_json_bool(j, "connected", vt_backend_connected(vt_proxy_frontend(ic->p)));
	vt_json_bool(j, "proxy", true);
	vt_proxy_info(j, ic->p);
}

int cmd_proxy(int argc, char **argv)
{
	struct proxy_opts o = { .connect_ms = 5000 };
	struct vt_fault_rule rules[16];
	struct vt_trace_printer printer;
	struct vt_trace_source src;
	struct info_ctx ic;
	char err[4096], ctlpath[512], name[128], sockpath[PATH_MAX];
	int r;

	parse(argc, argv, &o);
	signal(SIGPIPE, SIG_IGN);
	struct vt_loop *loop = vt_loop_new();
	if (!loop)
		vt_die("proxy: out of memory");
	int sigfd = vt_daemon_watch_signals(loop, "proxy");
	if (sigfd < 0)
		vt_die("proxy: cannot watch signals");
	/* The control socket before the back-end starts: a name that is taken
	 * must not start a back-end for nothing. */
	struct vt_ctl_server *ctl = vt_daemon_open_control(loop, "proxy", o.name, o.control, o.listen, ctlpath,
							   sizeof(ctlpath), name, sizeof(name));
	struct vt_proxy *p = vt_proxy_new(loop, &(struct vt_proxy_conf){
		.backend = o.backend, .exec = o.exec, .connect_ms = (int)o.connect_ms, .type = o.type,
	}, err, sizeof(err));
	if (!p) {
		vt_ctl_server_free(ctl);
		vt_die("proxy: %s", err);
	}
	const struct vt_device_type *t = vt_proxy_type(p);
	struct vt_backend *fe = vt_proxy_frontend(p);
	vt_backend_trace_source(fe, &src);
	src.device = t->name;
	src.event_queues = t->event_queues;
	struct vt_recorder *rec = vt_recorder_new(loop, &src, &(struct vt_recorder_conf){ .timeout_ms = o.timeout_ms });
	if (!rec)
		vt_die("proxy: out of memory");
	vt_daemon_log_to(rec);
	if (o.print) {
		printer = (struct vt_trace_printer){ .out = stdout, .verbose = vt_log_verbosity > VT_LOG_WARN };
		vt_recorder_set_printer(rec, &printer);
	}
	if (o.write && vt_recorder_open_file(rec, o.write, o.snaplen, err, sizeof(err)) < 0)
		vt_die("proxy: --write %s", err);
	/* Fault rules name the device's fields: read once the type is known
	 * (a bad one ends the spawned back-end too: vt_spawn's atexit). */
	for (unsigned i = 0; i < o.nfaults; i++) {
		char ferr[512];
		if (vt_fault_rule_parse_text(&rules[i], t, o.fault_text[i], ferr, sizeof(ferr)) < 0)
			vt_die_usage("proxy: --fault '%s': %s (device %s)", o.fault_text[i], ferr, t->name);
	}
	struct vt_fault_set *faults = vt_fault_set_new(loop, fe, t);
	if (!faults)
		vt_die("proxy: out of memory");
	for (unsigned i = 0; i < o.nfaults; i++)
		vt_fault_set_add(faults, &rules[i]);
	r = vt_backend_listen(fe, o.listen);
	if (r < 0) {
		vt_ctl_server_free(ctl);
		vt_die("proxy: cannot listen on %s: %s", o.listen, strerror(-r));
	}
	if (realpath(o.listen, sockpath))
		o.listen = sockpath;
	ic = (struct info_ctx){ .o = &o, .p = p };
	vt_ctl_set_info(ctl, add_info, &ic);
	vt_ctl_add_faults(ctl, fe, faults, t);
	vt_ctl_add_trace(ctl, rec);
	if (!o.quiet)
		fprintf(stderr, "vitool: proxy: %s instance %s listening on %s, back-end %s (device %s)\n"
			"vitool: proxy: control socket %s\n", t->name, name, o.listen, o.backend,
			vt_proxy_type_source(p)[0] == 'g' ? "given" : "told from its offers", ctlpath);
	r = vt_loop_run(loop);
	vt_ctl_server_free(ctl);
	vt_daemon_log_to(NULL);
	int we = vt_recorder_free(rec);
	vt_fault_set_free(faults);
	const char *why = vt_proxy_failure(p);
	char *failure = why ? strdup(why) : NULL;   /* outlives p */
	unlink(o.listen);
	vt_proxy_free(p);
	close(sigfd);
	vt_loop_free(loop);
	if (r < 0)
		vt_die("proxy: event loop: %s", strerror(-r));
	if (we < 0)
		vt_die("proxy: --write %s: records were lost: %s", o.write, strerror(-we));
	if (failure)
		vt_die("proxy: %s", failure);
	return VT_EXIT_OK;
}
