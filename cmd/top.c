/* vitool top: htop for virtqueues.  A live view of a running instance over
 * its control socket (lib/top/screen), or with --once one snapshot as text
 * or JSON (lib/top/output): the same snapshot (lib/top/snapshot) and the
 * same lines either way.
 *
 * exit status: 0 done, 1 error (no instance, not a terminal), 2 usage. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "ctl/ctl.h"
#include "ctl/instance.h"
#include "top/events.h"
#include "top/output.h"
#include "top/screen.h"
#include "top/snapshot.h"
#include "util/log.h"

#define DELAY_DEFAULT_S 1.0
#define DELAY_MIN_S 0.1
#define DELAY_MAX_S 3600.0
#define ONCE_WIDTH 80

static const char top_usage[] =
	"usage: vitool top [NAME | -i NAME | -C PATH] [-d SECONDS] [--filter FILTER]\n"
	"       vitool top [NAME | -i NAME | -C PATH] --once [-j] [-d SECONDS]\n"
	"\n"
	"A live view of a running vitool instance: its queues (requests/s, latency\n"
	"percentiles and histogram, errors, timeouts, late and out-of-order\n"
	"completions), the requests in flight (age, decoded request, the fault rule\n"
	"holding it; past the timeout marked '!') and recent events.  Keys: h.\n"
	"\n"
	"  NAME, -i, --interface NAME\n"
	"                       the instance (default: the only one running;\n"
	"                       'vitool list')\n"
	"  -C, --control PATH   the instance, by its control socket\n"
	"  -d, --delay SECONDS  refresh every SECONDS (0.1-3600, default 1); with\n"
	"                       --once the time the request rates are measured over\n"
	"      --filter FILTER  the events pane shows the records FILTER selects\n"
	"                       (vitool trace's FILTER words, as one argument)\n"
	"      --once           print one snapshot as text and exit (no curses)\n"
	"  -j, --json           with --once: the snapshot as one JSON object\n"
	"  -h, --help           this help\n"
	"\n"
	"exit status: 0 done, 1 error (no instance, not a terminal), 2 usage\n";

struct top_opts {
	const char *control;
	const char *name;
	const char *filter;
	double delay_s;
	bool once;
	bool json;
};

static double parse_delay(const char *s)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(d) || d < DELAY_MIN_S || d > DELAY_MAX_S)
		vt_die_usage("top: -d %s: want seconds, %.1f to %.0f", s, DELAY_MIN_S, DELAY_MAX_S);
	return d;
}

static void parse_args(struct top_opts *o, int argc, char **argv)
{
	enum { OPT_ONCE = 256, OPT_FILTER };
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "control", required_argument, NULL, 'C' },
		{ "delay", required_argument, NULL, 'd' },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	const char *bare = NULL;

	o->delay_s = DELAY_DEFAULT_S;
	opterr = 0;
	/* Options and the instance's bare name in any order ("top i2c
	 * --once" as well as "top --once i2c"), like loopback. */
	while (optind < argc || optind == 0) {
		c = getopt_long(argc, argv, "+:i:C:d:jh", longopts, NULL);
		if (c == -1) {
			if (optind >= argc)
				break;
			if (bare)
				vt_die_usage("top: unexpected '%s' (one instance at a time; see 'vitool top --help')",
					     argv[optind]);
			bare = argv[optind++];
			continue;
		}
		switch (c) {
		case 'i':
			o->name = optarg;
			break;
		case 'C':
			o->control = cmd_socket_path("top", "--control", optarg);
			break;
		case 'd':
			o->delay_s = parse_delay(optarg);
			break;
		case OPT_FILTER:
			o->filter = optarg;
			break;
		case OPT_ONCE:
			o->once = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			fputs(top_usage, stdout);
			exit(VT_EXIT_OK);
		default:
			cmd_option_error("top", c, argv, longopts, NULL);
		}
	}
	if (bare) {
		if (o->name || o->control)
			vt_die_usage("top: '%s': the instance is already given by %s", bare, o->name ? "-i" : "--control");
		o->name = bare;
	}
	if (o->name && o->control)
		vt_die_usage("top: -i and --control both name the instance: give one");
	if (o->json && !o->once)
		vt_die_usage("top: --json prints a snapshot: give --once too");
	if (o->filter && o->once)
		vt_die_usage("top: --filter selects the events pane's records; --once has no events");
}

/* --once: two snapshots the delay apart (the rates need two), the second
 * printed. */
static int once(const struct top_opts *o, const struct vt_instance *in)
{
	struct vt_top_snapshot a, b;
	char err[512];
	int fd = vt_ctl_connect(in->control, err, sizeof(err));

	if (fd < 0)
		vt_die("top: %s", err);
	/* While something listens the instance follows its requests for
	 * timeouts and counts errors (vitool-control(7) trace-stats): a
	 * subscription of our own for the time between the two snapshots
	 * (its records go unread), as the live view always has. */
	struct vt_top_events *ev = vt_top_events_new();
	if (ev && vt_top_events_attach(ev, in->control, err, sizeof(err)) < 0)
		vt_warn("top: %s: %s (no timeout marks)", in->name, err);
	if (vt_top_snapshot_take(fd, &a, NULL, err, sizeof(err)) < 0)
		vt_die("top: %s: %s", in->name, err);
	uint64_t ns = (uint64_t)(o->delay_s * 1e9);
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	if (vt_top_snapshot_take(fd, &b, &a, err, sizeof(err)) < 0)
		vt_die("top: %s: %s", in->name, err);
	close(fd);
	vt_top_events_free(ev);
	vt_top_sort_requests(&b, VT_TOP_SORT_AGE);
	if (o->json)
		vt_top_print_json(stdout, &b);
	else
		vt_top_print_text(stdout, &b, VT_TOP_SORT_AGE, ONCE_WIDTH);
	vt_top_snapshot_free(&a);
	vt_top_snapshot_free(&b);
	if (fflush(stdout) != 0)
		vt_die("top: standard output: %s", strerror(errno));
	return VT_EXIT_OK;
}

int cmd_top(int argc, char **argv)
{
	struct top_opts o = { 0 };
	struct vt_instance in;
	char err[1024];

	parse_args(&o, argc, argv);
	const struct vt_instance_want want = { .cmd = "top", .name = o.name, .control = o.control };
	if (vt_instance_resolve(&want, &in, err, sizeof(err)) < 0)
		vt_die("top: %s", err);
	if (o.once)
		return once(&o, &in);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		vt_die("top: the live view needs a terminal (--once prints a snapshot)");
	const struct vt_top_conf conf = {
		.control = in.control, .name = in.name, .delay_s = o.delay_s, .filter = o.filter,
	};
	return vt_top_run(&conf);
}
