/* vitool inject gpio LINE=LEVEL...: sets simulated input levels of a
 * running `serve gpio` through its control socket.  Made for scripts: silent
 * on success, one "vitool: inject: ..." line and a distinct exit status per
 * kind of failure.  The instance checks the lines; we check the words. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "ctl/ctl.h"
#include "ctl/instance.h"
#include "devices/registry.h"
#include "util/log.h"
#include "util/parse.h"

#define EXIT_TIMEOUT 3
#define DEFAULT_TIMEOUT_MS 1000u
#define MS_MAX 3600000u
/* On top of --pulse and --timeout: the instance answers at once otherwise. */
#define CALL_SLACK_MS 5000

static const char inject_usage[] =
	"usage: vitool inject gpio [NAME] [-i NAME | -C PATH] LINE=LEVEL... [--pulse MS]\n"
	"                          [--wait [--timeout MS]]\n"
	"       vitool inject NAME LINE=LEVEL... [options]\n"
	"\n"
	"Sets simulated input levels of a running 'vitool serve gpio'; the guest's\n"
	"interrupt fires as the line's IRQ type says.  All pairs apply, or none.\n"
	"\n"
	"  NAME                 the instance ('vitool list'); default: the only gpio\n"
	"                       instance running\n"
	"  LINE                 line offset (3) or name (button)\n"
	"  LEVEL                " VT_INJECT_LEVEL_WORDS "\n"
	"  -i, --name NAME      the instance, by name\n"
	"  -C, --control PATH   the instance, by its control socket\n"
	"      --pulse MS       restore the previous levels after MS milliseconds\n"
	"      --wait           return once the guest took the interrupt on every line\n"
	"      --timeout MS     with --wait: give up after MS (default 1000)\n"
	"  -h, --help           this help\n"
	"\n"
	"exit status: 0 done, 1 error (unknown line, output line, passthrough instance,\n"
	"no or several instances, permission denied), 2 usage, 3 --wait timed out\n";

struct inject_opts {
	const char *control;
	const char *name;
	const char *device;
	unsigned pulse_ms;
	unsigned timeout_ms;
	bool wait;
	bool timeout_set;
	const char *bare;   /* a word without '=' before the pairs: the instance */
	char **pairs;
	unsigned npairs;
};

/* ---- options: a table, scanned by hand so options may follow the pairs ---- */

struct option_def {
	const char *lng;
	char shrt;
	bool has_arg;
	void (*set)(struct inject_opts *o, const char *name, const char *val);
};

static unsigned parse_ms(const char *name, const char *val)
{
	unsigned ms;

	if (!vt_parse_uint(val, MS_MAX, &ms) || !ms)
		vt_die_usage("inject: %s %s: want milliseconds, 1-%u", name, val, MS_MAX);
	return ms;
}

static void set_control(struct inject_opts *o, const char *name, const char *val)
{
	(void)name;
	o->control = cmd_socket_path("inject", "--control", val);
}

static void set_name(struct inject_opts *o, const char *name, const char *val)
{
	(void)name;
	o->name = val;
}

static void set_pulse(struct inject_opts *o, const char *name, const char *val)
{
	o->pulse_ms = parse_ms(name, val);
}

static void set_wait(struct inject_opts *o, const char *name, const char *val)
{
	(void)name;
	(void)val;
	o->wait = true;
}

static void set_timeout(struct inject_opts *o, const char *name, const char *val)
{
	o->timeout_ms = parse_ms(name, val);
	o->timeout_set = true;
}

static void show_help(struct inject_opts *o, const char *name, const char *val)
{
	(void)o;
	(void)name;
	(void)val;
	fputs(inject_usage, stdout);
	exit(VT_EXIT_OK);
}

static const struct option_def options[] = {
	{ "control", 'C', true, set_control },
	{ "name", 'i', true, set_name },
	{ "pulse", 0, true, set_pulse },
	{ "wait", 0, false, set_wait },
	{ "timeout", 0, true, set_timeout },
	{ "help", 'h', false, show_help },
};

/* The short options inject had before issue 10's table (vitool(1)). */
static const struct { char c; const char *now; } dropped[] = {
	{ 'c', "-C, --control" }, { 'p', "--pulse" }, { 'w', "--wait" }, { 't', "--timeout" },
};

static const struct option_def *find_option(const char *arg, const char **inline_val)
{
	size_t n;

	*inline_val = NULL;
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		const struct option_def *d = &options[i];
		if (arg[1] != '-') {
			if (d->shrt && arg[1] == d->shrt && (!arg[2] || d->has_arg)) {
				*inline_val = arg[2] ? arg + 2 : NULL;   /* -t500 */
				return d;
			}
			continue;
		}
		n = strlen(d->lng);
		if (strncmp(arg + 2, d->lng, n))
			continue;
		if (!arg[2 + n])
			return d;
		if (arg[2 + n] == '=' && !d->has_arg)
			vt_die_usage("inject: option '--%s' takes no argument (see 'vitool inject --help')", d->lng);
		if (arg[2 + n] == '=') {
			*inline_val = arg + 3 + n;   /* --timeout=500 */
			return d;
		}
	}
	return NULL;
}

/* Returns the index of the last argv word the option used. */
static int take_option(struct inject_opts *o, int argc, char **argv, int i)
{
	const char *val;
	const struct option_def *d = find_option(argv[i], &val);

	for (size_t k = 0; !d && argv[i][1] != '-' && k < sizeof(dropped) / sizeof(dropped[0]); k++)
		if (argv[i][1] == dropped[k].c)
			vt_die_usage("inject: -%c is now %s (see 'vitool inject --help')", dropped[k].c,
				     dropped[k].now);
	if (!d)
		vt_die_usage("inject: unknown option '%s' (see 'vitool inject --help')", argv[i]);
	if (d->has_arg && !val) {
		if (i + 1 >= argc)
			vt_die_usage("inject: %s needs a value", argv[i]);
		val = argv[++i];
	}
	char name[32];
	snprintf(name, sizeof(name), "--%s", d->lng);
	d->set(o, name, val);
	return i;
}

/* ---- words ---- */

static bool level_word(const char *w)
{
	return !strcasecmp(w, "toggle") || vt_parse_level(w) >= 0;
}

/* LINE=LEVEL: the line itself is the instance's to check (names). */
static void check_pair(const char *p)
{
	const char *eq = strrchr(p, '=');

	if (!eq || eq == p)
		vt_die_usage("inject: '%s': want LINE=LEVEL", p);
	if (strpbrk(p, " \t\r\n\v\f"))
		vt_die_usage("inject: '%s': a line name cannot contain white space", p);
	if (!level_word(eq + 1))
		vt_die_usage("inject: '%s': bad level '%s' (" VT_INJECT_LEVEL_WORDS ")", p, eq + 1);
}

static void parse(int argc, char **argv, struct inject_opts *o)
{
	bool only_words = false;

	o->timeout_ms = DEFAULT_TIMEOUT_MS;
	o->pairs = calloc((size_t)argc, sizeof(*o->pairs));
	if (!o->pairs)
		vt_die("inject: out of memory");
	for (int i = 1; i < argc; i++) {
		if (!only_words && !strcmp(argv[i], "--"))
			only_words = true;
		else if (!only_words && argv[i][0] == '-' && argv[i][1])
			i = take_option(o, argc, argv, i);
		else if (!o->device && !o->npairs && vt_device_find(argv[i]))
			o->device = argv[i];
		else if (!o->bare && !o->npairs && !strchr(argv[i], '='))
			o->bare = argv[i];   /* an instance name: pairs always have '=' */
		else
			o->pairs[o->npairs++] = argv[i];
	}
	if (o->device && strcmp(o->device, "gpio"))
		vt_die_usage("inject: an %s device takes no inject: inject needs a gpio instance", o->device);
	if (o->bare && !o->npairs)
		vt_die_usage("inject: '%s': want LINE=LEVEL", o->bare);
	if (o->bare && (o->name || o->control))
		vt_die_usage("inject: '%s' and %s both name the instance: give one", o->bare,
			     o->name ? "--name" : "--control");
	if (o->bare)
		o->name = o->bare;
	if (o->name && o->control)
		vt_die_usage("inject: --name and --control both name the instance: give one");
	if (!o->npairs)
		vt_die_usage("inject: give LINE=LEVEL... (LEVEL " VT_INJECT_LEVEL_WORDS ")");
	if (o->timeout_set && !o->wait)
		vt_die_usage("inject: --timeout only goes with --wait");
	for (unsigned i = 0; i < o->npairs; i++)
		check_pair(o->pairs[i]);
}

/* "inject 3=1 button=high pulse 100 wait 1000" */
static char *command_line(const struct inject_opts *o)
{
	const size_t base = sizeof("inject pulse 4294967295 wait 4294967295");
	size_t len = base;
	char *line, *p;

	/* The control socket's budgets (vitool-control(7) LIMITS), said in
	 * terms of what is too big: one pair, or all of them. */
	for (unsigned i = 0; i < o->npairs; i++) {
		size_t n = strlen(o->pairs[i]);
		if (n + 1 + base > VT_CTL_LINE_MAX)
			vt_die_usage("inject: '%.24s...': %zu bytes, too long for a control line (at most %d bytes)",
				     o->pairs[i], n, VT_CTL_LINE_MAX);
		len += n + 1;
	}
	if (o->npairs + 5 > VT_CTL_WORDS_MAX)   /* inject, pulse N, wait N */
		vt_die_usage("inject: %u pairs, more than one command takes (at most %d)", o->npairs,
			     VT_CTL_WORDS_MAX - 5);
	if (len > VT_CTL_LINE_MAX)
		vt_die_usage("inject: the pairs take %zu bytes, more than one control line holds (%d): "
			     "split them over several injects", len, VT_CTL_LINE_MAX);
	line = p = malloc(len);
	if (!line)
		vt_die("inject: out of memory");
	p += sprintf(p, "inject");
	for (unsigned i = 0; i < o->npairs; i++)
		p += sprintf(p, " %s", o->pairs[i]);
	if (o->pulse_ms)
		p += sprintf(p, " pulse %u", o->pulse_ms);
	if (o->wait)
		sprintf(p, " wait %u", o->timeout_ms);
	return line;
}

/* ---- talking to the instance ---- */

static json_t *call_instance(const struct inject_opts *o, const char *line)
{
	const struct vt_instance_want want = {
		.cmd = "inject", .name = o->name, .control = o->control, .device = "gpio",
	};
	struct vt_instance in;
	char err[1024];
	json_t *reply;
	int fd, timeout = CALL_SLACK_MS + (int)o->pulse_ms + (o->wait ? (int)o->timeout_ms : 0);

	if (vt_instance_resolve(&want, &in, err, sizeof(err)) < 0)
		vt_die("inject: %s", err);
	fd = vt_ctl_connect(in.control, err, sizeof(err));
	if (fd < 0)
		vt_die("inject: %s", err);
	reply = vt_ctl_call_json(fd, line, timeout, err, sizeof(err));
	if (!reply)
		vt_die("inject: %s", err);
	close(fd);
	return reply;
}

int cmd_inject(int argc, char **argv)
{
	struct inject_opts o = { 0 };
	char *line, msg[1024];
	json_t *reply;
	bool timed_out;

	parse(argc, argv, &o);
	line = command_line(&o);
	reply = call_instance(&o, line);
	free(line);
	free(o.pairs);
	if (vt_ctl_reply_ok(reply, msg, sizeof(msg))) {
		json_decref(reply);
		return VT_EXIT_OK;
	}
	timed_out = json_is_true(json_object_get(reply, "timeout"));
	json_decref(reply);
	fprintf(stderr, "vitool: inject: %s\n", msg);
	return timed_out ? EXIT_TIMEOUT : VT_EXIT_FAIL;
}
