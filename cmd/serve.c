/* vitool serve DEVICE: a vhost-user device backend.  A VMM (or `vitool
 * drive`) connects to --socket; after it disconnects we listen again.  The
 * instance also answers on a control socket (inject, stats, ...).
 *
 * Each device type is one row of `devices`: how to build its hardware and
 * model from the options, and which control commands it adds. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "ctl/backend_cmds.h"
#include "ctl/ctl.h"
#include "ctl/gpio_cmds.h"
#include "ctl/trace_cmds.h"
#include "decode/line.h"
#include "devices/gpio.h"
#include "devices/i2c.h"
#include "hw/gpio_chip.h"
#include "hw/i2c_bus.h"
#include "trace/record.h"
#include "trace/recorder.h"
#include "util/log.h"
#include "util/loop.h"
#include "util/parse.h"
#include "vhost/backend.h"

#define MAX_TARGETS 64

static const char serve_usage[] =
	"usage: vitool serve i2c  --socket PATH [--target ADDR=MODEL[:file=PATH]]...\n"
	"                         [--bus /dev/i2c-N] [common options]\n"
	"       vitool serve gpio --socket PATH [--lines N] [--names A,B,...]\n"
	"                         [--chip CHIP] [common options]\n"
	"\n"
	"i2c:\n"
	"  -t, --target SPEC    simulated target ADDR=MODEL[:file=PATH]; MODEL is\n"
	"                       24c02, 24c32 or regs (repeatable)\n"
	"  -b, --bus DEV        pass requests through to a host adapter /dev/i2c-N\n"
	"gpio:\n"
	"  -l, --lines N        simulated chip with N lines (default: as many as --names,\n"
	"                       else 8)\n"
	"  -N, --names LIST     line names, comma-separated\n"
	"  -c, --chip CHIP      pass lines through to a host gpiochip (libgpiod)\n"
	"common:\n"
	"  -s, --socket PATH    vhost-user socket to listen on (created)\n"
	"  -n, --name NAME      instance name (default: the socket's file name\n"
	"                       without extension)\n"
	"  -C, --control PATH   control socket (default: $XDG_RUNTIME_DIR/vitool/NAME.ctl,\n"
	"                       else /tmp/vitool-$UID/NAME.ctl)\n"
	"  -p, --print          print each request as it completes, decoded\n"
	"  -w, --write FILE     write every queue event to a pcap capture FILE\n"
	"                       ('-': standard output; see vitool-pcap(5))\n"
	"      --snaplen N      bytes kept of each record in FILE (64-262144,\n"
	"                       default 262144)\n"
	"      --timeout-ms MS  a request in flight longer than MS is timed out\n"
	"                       (default 1000)\n"
	"      --once           exit when the first front-end disconnects\n"
	"  -v, --verbose        more log output (repeatable); with --print, every event\n"
	"  -h, --help           this help\n";

struct serve_opts {
	const char *device;
	const char *socket;
	const char *name;
	const char *control;
	bool print;
	bool once;
	const char *write;
	unsigned snaplen;
	unsigned timeout_ms;
	/* i2c */
	const char *targets[MAX_TARGETS];
	unsigned ntargets;
	const char *bus;
	/* gpio */
	unsigned lines;
	const char *names;
	const char *chip;
};

/* What a device row builds: the hardware, the model instance. */
struct serve_ctx {
	struct vt_loop *loop;
	struct vt_i2c_bus *bus;
	struct vt_gpio_chip *chip;
	void *dev;
	struct vt_recorder *rec;
};

struct serve_device {
	const char *name;
	const struct vt_device_model *model;
	void (*create)(const struct serve_opts *o, struct serve_ctx *ctx);
	void (*add_control)(struct vt_ctl_server *s, struct serve_ctx *ctx);
	void (*destroy)(struct serve_ctx *ctx);
	/* Queues whose buffers the device holds until something happens: never
	 * timed out nor out of order (bit per queue). */
	uint32_t event_queues;
};

/* ---- i2c ---- */

static void i2c_create(const struct serve_opts *o, struct serve_ctx *ctx)
{
	char err[256];

	if (o->lines || o->names || o->chip)
		vt_die_usage("serve i2c: --lines, --names and --chip are gpio options");
	if (o->bus && o->ntargets)
		vt_die_usage("serve: --bus and --target exclude each other");
	if (o->bus) {
		ctx->bus = vt_i2c_host_open(o->bus, err, sizeof(err));
		if (!ctx->bus)
			vt_die("serve: %s", err);
	} else {
		ctx->bus = vt_i2c_sim_new();
		if (!ctx->bus)
			vt_die("serve: out of memory");
		for (unsigned i = 0; i < o->ntargets; i++) {
			int r = vt_i2c_sim_add_target(ctx->bus, o->targets[i], err, sizeof(err));
			if (r == -2)
				vt_die("serve: --target %s", err);
			if (r < 0)
				vt_die_usage("serve: --target %s", err);
		}
	}
	ctx->dev = vt_i2c_dev_new(ctx->bus);
	if (!ctx->dev)
		vt_die("serve: out of memory");
}

static void i2c_destroy(struct serve_ctx *ctx)
{
	vt_i2c_dev_free(ctx->dev);
	vt_i2c_bus_destroy(ctx->bus);
}

/* ---- gpio ---- */

static void gpio_create(const struct serve_opts *o, struct serve_ctx *ctx)
{
	char err[256];

	if (o->ntargets || o->bus)
		vt_die_usage("serve gpio: --target and --bus are i2c options");
	if (o->chip && (o->lines || o->names))
		vt_die_usage("serve gpio: --chip takes the lines and names from the host chip");
	if (o->chip) {
		ctx->chip = vt_gpio_host_open(ctx->loop, o->chip, err, sizeof(err));
		if (!ctx->chip)
			vt_die("serve: %s", err);
	} else {
		unsigned n = o->lines ? o->lines : (o->names ? 0 : 8);
		ctx->chip = vt_gpio_sim_new(n, o->names, err, sizeof(err));
		if (!ctx->chip)
			vt_die_usage("serve: %s", err);
	}
	ctx->dev = vt_gpio_dev_new(ctx->chip);
	if (!ctx->dev)
		vt_die("serve: out of memory");
}

/* Every interrupt the guest gets becomes an IRQ_INJECTED trace record. */
static void gpio_irq_tap(void *arg, unsigned line)
{
	struct serve_ctx *ctx = arg;
	struct vt_gpio_line_info li;
	char text[128];

	if (!vt_recorder_listening(ctx->rec))
		return;
	if (vt_gpio_dev_line_info(ctx->dev, line, &li) == 0 && li.name && *li.name)
		snprintf(text, sizeof(text), "line %u (%s)", line, li.name);
	else
		snprintf(text, sizeof(text), "line %u", line);
	vt_recorder_irq(ctx->rec, VIRTIO_GPIO_EVENTQ, text);
}

static void gpio_add_control(struct vt_ctl_server *s, struct serve_ctx *ctx)
{
	vt_ctl_add_gpio_tap(s, ctx->dev, ctx->loop, gpio_irq_tap, ctx);
}

static void gpio_destroy(struct serve_ctx *ctx)
{
	vt_gpio_dev_free(ctx->dev);
	vt_gpio_chip_destroy(ctx->chip);
}

static const struct serve_device devices[] = {
	{ "i2c", &vt_model_i2c, i2c_create, NULL, i2c_destroy, 0 },
	{ "gpio", &vt_model_gpio, gpio_create, gpio_add_control, gpio_destroy,
	  1u << VIRTIO_GPIO_EVENTQ },
};

static const struct serve_device *find_device(const char *name)
{
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (!strcmp(devices[i].name, name))
			return &devices[i];
	return NULL;
}

/* ---- options ---- */

static void parse(int argc, char **argv, struct serve_opts *o)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "control", required_argument, NULL, 'C' },
		{ "target", required_argument, NULL, 't' },
		{ "bus", required_argument, NULL, 'b' },
		{ "lines", required_argument, NULL, 'l' },
		{ "names", required_argument, NULL, 'N' },
		{ "chip", required_argument, NULL, 'c' },
		{ "print", no_argument, NULL, 'p' },
		{ "once", no_argument, NULL, 'O' },
		{ "write", required_argument, NULL, 'w' },
		{ "snaplen", required_argument, NULL, 'S' },
		{ "timeout-ms", required_argument, NULL, 'T' },
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
		vt_die_usage("serve: which device? (i2c, gpio)\n%s", serve_usage);
	o->device = argv[1];
	argc--;
	argv++;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:s:n:C:t:b:l:N:c:pw:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case 'n':
			if (!*optarg || strchr(optarg, '/'))
				vt_die_usage("serve: --name %s: want a name without '/'", optarg);
			o->name = optarg;
			break;
		case 'C':
			o->control = optarg;
			break;
		case 't':
			if (o->ntargets == MAX_TARGETS)
				vt_die_usage("serve: at most %d targets", MAX_TARGETS);
			o->targets[o->ntargets++] = optarg;
			break;
		case 'b':
			o->bus = optarg;
			break;
		case 'l':
			if (!vt_parse_uint(optarg, 1024, &o->lines) || !o->lines)
				vt_die_usage("serve: --lines %s: want 1-1024", optarg);
			break;
		case 'N':
			o->names = optarg;
			break;
		case 'c':
			o->chip = optarg;
			break;
		case 'p':
			o->print = true;
			break;
		case 'O':
			o->once = true;
			break;
		case 'w':
			o->write = optarg;
			break;
		case 'S':
			if (!vt_parse_uint(optarg, VT_REC_SNAPLEN_MAX, &o->snaplen) || o->snaplen < VT_REC_HDR_LEN)
				vt_die_usage("serve: --snaplen %s: want %d-%u", optarg, VT_REC_HDR_LEN,
					     VT_REC_SNAPLEN_MAX);
			break;
		case 'T':
			if (!vt_parse_uint(optarg, 86400000, &o->timeout_ms) || !o->timeout_ms)
				vt_die_usage("serve: --timeout-ms %s: want 1-86400000", optarg);
			break;
		case 'v':
			vt_log_verbosity++;
			break;
		case 'h':
			fputs(serve_usage, stdout);
			exit(VT_EXIT_OK);
		default:
			cmd_option_error("serve", c, argv);
		}
	}
	if (optind < argc)
		vt_die_usage("serve: unexpected argument '%s'", argv[optind]);
	if (!find_device(o->device))
		vt_die_usage("serve: unknown device '%s' (i2c, gpio)", o->device);
	if (!o->socket)
		vt_die_usage("serve: --socket PATH is required");
	if (o->write && !strcmp(o->write, "-") && o->print)
		vt_die_usage("serve: --print and --write - both want standard output");
	if (o->snaplen && !o->write)
		vt_die_usage("serve: --snaplen applies to --write");
}

/* ---- signals ---- */

static void on_signal(struct vt_loop *loop, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)arg;
	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		vt_info("serve: signal %u, exiting", si.ssi_signo);
	vt_loop_stop(loop);
}

/* SIGINT/SIGTERM end the loop cleanly (the socket files are removed). */
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

/* ---- control socket ---- */

struct info_ctx {
	const struct serve_opts *o;
	struct serve_ctx *ctx;
	struct vt_backend *b;
};

static void add_info(struct vt_json *j, void *arg)
{
	const struct info_ctx *ic = arg;

	vt_json_str(j, "device", ic->o->device);
	vt_json_str(j, "socket", ic->o->socket);
	vt_json_bool(j, "connected", vt_backend_connected(ic->b));
	if (ic->ctx->chip) {
		vt_json_uint(j, "ngpio", ic->ctx->chip->ngpio);
		vt_json_str(j, "chip", ic->ctx->chip->label);
		vt_json_bool(j, "simulated", ic->ctx->chip->simulated);
	}
	if (ic->ctx->bus)
		vt_json_str(j, "bus", ic->o->bus ? ic->o->bus : "sim");
}

/* The socket's file name without extension: /tmp/gpio.sock -> "gpio". */
static void default_name(const char *socket, char *buf, size_t len)
{
	char copy[256];
	char *dot;

	snprintf(copy, sizeof(copy), "%s", socket);
	snprintf(buf, len, "%s", basename(copy));
	dot = strrchr(buf, '.');
	if (dot && dot != buf)
		*dot = '\0';
}

/* An explicit --name or --control must be free; a default name that is
 * taken gets "-PID" appended, so two serves need no options to coexist. */
static struct vt_ctl_server *open_control(const struct serve_opts *o, struct vt_loop *loop)
{
	char name[128], path[512], err[512];
	struct vt_ctl_server *s;

	if (o->name)
		snprintf(name, sizeof(name), "%s", o->name);
	else
		default_name(o->socket, name, sizeof(name));
	if (o->control)
		snprintf(path, sizeof(path), "%s", o->control);
	else if (vt_ctl_default_path(name, path, sizeof(path)) < 0)
		vt_die("serve: cannot build the control socket path for '%s'", name);
	s = vt_ctl_server_new(loop, path, name, err, sizeof(err));
	if (s || o->name || o->control)
		goto out;
	snprintf(name + strlen(name), sizeof(name) - strlen(name), "-%ld", (long)getpid());
	if (vt_ctl_default_path(name, path, sizeof(path)) == 0)
		s = vt_ctl_server_new(loop, path, name, err, sizeof(err));
out:
	if (!s)
		vt_die("serve: control socket: %s", err);
	vt_info("serve: control socket %s", path);
	return s;
}

int cmd_serve(int argc, char **argv)
{
	struct serve_opts o = { 0 };
	struct serve_ctx ctx = { 0 };
	const struct serve_device *d;
	struct vt_line_printer printer;
	struct vt_ctl_server *ctl;
	struct info_ctx ic;
	struct vt_backend *b;
	char err[512];
	int sigfd, r;

	parse(argc, argv, &o);
	d = find_device(o.device);
	signal(SIGPIPE, SIG_IGN);
	ctx.loop = vt_loop_new();
	if (!ctx.loop)
		vt_die("serve: out of memory");
	d->create(&o, &ctx);
	sigfd = watch_signals(ctx.loop);
	if (sigfd < 0)
		vt_die("serve: cannot watch signals");
	b = vt_backend_new(ctx.loop, d->model, ctx.dev);
	if (!b)
		vt_die("serve: out of memory");
	/* The recorder is the backend's only observer, set while some sink
	 * (--print, --write, a `trace` client) exists. */
	ctx.rec = vt_recorder_new(ctx.loop, b, &(struct vt_recorder_conf){
		.device = d->name, .virtio_id = d->model->virtio_id,
		.timeout_ms = o.timeout_ms, .event_queues = d->event_queues,
	});
	if (!ctx.rec)
		vt_die("serve: out of memory");
	if (o.print) {
		printer = (struct vt_line_printer){
			.out = stdout, .device = d->name, .virtio_id = d->model->virtio_id,
			.verbose = vt_log_verbosity > VT_LOG_WARN,
		};
		vt_recorder_set_printer(ctx.rec, &printer);
	}
	if (o.write && vt_recorder_open_file(ctx.rec, o.write, o.snaplen, err, sizeof(err)) < 0)
		vt_die("serve: --write %s", err);
	vt_backend_set_once(b, o.once);
	/* The control socket first: a name that is taken must not leave a
	 * vhost-user socket behind.  But a socket path that cannot work is the
	 * first thing to report. */
	if (strlen(o.socket) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		vt_die("serve: cannot listen on %s: socket path too long (at most %zu bytes)",
		       o.socket, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	ctl = open_control(&o, ctx.loop);
	r = vt_backend_listen(b, o.socket);
	if (r < 0) {
		vt_ctl_server_free(ctl);
		vt_die("serve: cannot listen on %s: %s", o.socket, strerror(-r));
	}
	ic = (struct info_ctx){ .o = &o, .ctx = &ctx, .b = b };
	vt_ctl_set_info(ctl, add_info, &ic);
	vt_ctl_add_backend(ctl, b);
	vt_ctl_add_trace(ctl, ctx.rec);
	if (d->add_control)
		d->add_control(ctl, &ctx);
	vt_info("serve: %s device listening on %s", o.device, o.socket);
	r = vt_loop_run(ctx.loop);
	/* The control server first: it unhooks its callbacks from the device. */
	vt_ctl_server_free(ctl);
	/* Before the backend: it unsets the observer; the capture is flushed. */
	int we = vt_recorder_free(ctx.rec);
	vt_backend_free(b);
	unlink(o.socket);
	d->destroy(&ctx);
	close(sigfd);
	vt_loop_free(ctx.loop);
	if (r < 0)
		vt_die("serve: event loop: %s", strerror(-r));
	if (we < 0)
		vt_die("serve: --write %s: records were lost: %s", o.write, strerror(-we));
	return VT_EXIT_OK;
}
