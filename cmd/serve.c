/* vitool serve DEVICE: a vhost-user device backend.  A VMM (or `vitool
 * drive`) connects to --socket; after it disconnects we listen again. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "decode/line.h"
#include "devices/i2c.h"
#include "hw/i2c_bus.h"
#include "util/log.h"
#include "util/loop.h"
#include "vhost/backend.h"

#define MAX_TARGETS 64

static const char serve_usage[] =
	"usage: vitool serve i2c --socket PATH [--target ADDR=MODEL[:file=PATH]]...\n"
	"                        [--bus /dev/i2c-N] [--print] [--once] [-v]\n"
	"\n"
	"  -s, --socket PATH    vhost-user socket to listen on (created)\n"
	"  -t, --target SPEC    simulated target ADDR=MODEL[:file=PATH]; MODEL is\n"
	"                       24c02, 24c32 or regs (repeatable)\n"
	"  -b, --bus DEV        pass requests through to a host adapter /dev/i2c-N\n"
	"  -p, --print          print each request as it completes, decoded\n"
	"      --once           exit when the first front-end disconnects\n"
	"  -v, --verbose        more log output (repeatable); with --print, every event\n"
	"  -h, --help           this help\n";

struct serve_opts {
	const char *device;
	const char *socket;
	const char *targets[MAX_TARGETS];
	unsigned ntargets;
	const char *bus;
	bool print;
	bool once;
	int verbose;
};

static void parse(int argc, char **argv, struct serve_opts *o)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "target", required_argument, NULL, 't' },
		{ "bus", required_argument, NULL, 'b' },
		{ "print", no_argument, NULL, 'p' },
		{ "once", no_argument, NULL, 'O' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(serve_usage, stdout);
		exit(VT_EXIT_OK);
	}
	if (argc < 2 || argv[1][0] == '-')
		vt_die_usage("serve: which device? (i2c)\n%s", serve_usage);
	o->device = argv[1];
	argc--;
	argv++;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+s:t:b:pvh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case 't':
			if (o->ntargets == MAX_TARGETS)
				vt_die_usage("serve: at most %d targets", MAX_TARGETS);
			o->targets[o->ntargets++] = optarg;
			break;
		case 'b':
			o->bus = optarg;
			break;
		case 'p':
			o->print = true;
			break;
		case 'O':
			o->once = true;
			break;
		case 'v':
			o->verbose++;
			vt_log_verbosity++;
			break;
		case 'h':
			fputs(serve_usage, stdout);
			exit(VT_EXIT_OK);
		default:
			fputs(serve_usage, stderr);
			exit(VT_EXIT_USAGE);
		}
	}
	if (optind < argc)
		vt_die_usage("serve: unexpected argument '%s'", argv[optind]);
	if (strcmp(o->device, "i2c"))
		vt_die_usage("serve: unknown device '%s' (i2c)", o->device);
	if (!o->socket)
		vt_die_usage("serve: --socket PATH is required");
	if (o->bus && o->ntargets)
		vt_die_usage("serve: --bus and --target exclude each other");
}

static struct vt_i2c_bus *make_i2c_bus(const struct serve_opts *o)
{
	char err[256];
	struct vt_i2c_bus *bus;

	if (o->bus) {
		bus = vt_i2c_host_open(o->bus, err, sizeof(err));
		if (!bus)
			vt_die("serve: %s", err);
		return bus;
	}
	bus = vt_i2c_sim_new();
	if (!bus)
		vt_die("serve: out of memory");
	for (unsigned i = 0; i < o->ntargets; i++) {
		int r = vt_i2c_sim_add_target(bus, o->targets[i], err, sizeof(err));
		if (r == -2)
			vt_die("serve: --target %s", err);
		if (r < 0)
			vt_die_usage("serve: --target %s", err);
	}
	return bus;
}

static void on_signal(struct vt_loop *loop, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)arg;
	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		vt_info("serve: signal %u, exiting", si.ssi_signo);
	vt_loop_stop(loop);
}

/* SIGINT/SIGTERM end the loop cleanly (the socket file is removed). */
static int watch_signals(struct vt_loop *loop)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0 || vt_loop_add_fd(loop, fd, EPOLLIN, on_signal, NULL) < 0)
		return -1;
	return fd;
}

int cmd_serve(int argc, char **argv)
{
	struct serve_opts o = { 0 };
	struct vt_line_printer printer;
	struct vt_i2c_bus *bus;
	struct vt_backend *b;
	struct vt_loop *loop;
	void *dev;
	int sigfd, r;

	parse(argc, argv, &o);
	signal(SIGPIPE, SIG_IGN);
	bus = make_i2c_bus(&o);
	dev = vt_i2c_dev_new(bus);
	loop = vt_loop_new();
	if (!dev || !loop)
		vt_die("serve: out of memory");
	sigfd = watch_signals(loop);
	if (sigfd < 0)
		vt_die("serve: cannot watch signals");
	b = vt_backend_new(loop, &vt_model_i2c, dev);
	if (!b)
		vt_die("serve: out of memory");
	if (o.print) {
		printer = (struct vt_line_printer){
			.out = stdout, .device = o.device,
			.virtio_id = vt_model_i2c.virtio_id,
			.verbose = vt_log_verbosity > VT_LOG_WARN,
		};
		vt_backend_set_observer(b, vt_line_print_event, &printer);
	}
	vt_backend_set_once(b, o.once);
	r = vt_backend_listen(b, o.socket);
	if (r < 0)
		vt_die("serve: cannot listen on %s: %s", o.socket, strerror(-r));
	vt_info("serve: %s device listening on %s", o.device, o.socket);
	r = vt_loop_run(loop);
	vt_backend_free(b);
	unlink(o.socket);
	vt_i2c_dev_free(dev);
	vt_i2c_bus_destroy(bus);
	close(sigfd);
	vt_loop_free(loop);
	if (r < 0)
		vt_die("serve: event loop: %s", strerror(-r));
	return VT_EXIT_OK;
}
