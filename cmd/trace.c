/* vitool trace: tcpdump for virtqueues.  Attaches to a running serve/proxy
 * instance through its control socket (`trace [snaplen N]`: one JSON reply
 * line, then a pcap stream of trace records), or reads a capture (-r), and
 * prints one decoded line per record (lib/trace/print), or writes the
 * records to a pcap file (-w).  The FILTER words (lib/trace/filter) select
 * records.  Live and -r print the same thing: everything shown comes from
 * the records.
 *
 * tcpdump's habits: "listening on ..." / "reading from file ..." on stderr
 * first, "N records captured, M dropped" on stderr at the end of a live
 * capture, -t..-tttt, -q, -x/-X, -l, -n, -s 0.
 *
 * exit status: 0 done (end of capture, -c reached, interrupted, instance
 * closed the stream: said on stderr), 1 error (no instance, bad capture,
 * write error), 2 usage (bad option or filter). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "ctl/ctl.h"
#include "ctl/instance.h"
#include "decode/decode.h"
#include "devices/registry.h"
#include "trace/filter.h"
#include "trace/pcap.h"
#include "trace/print.h"
#include "trace/record.h"
#include "util/log.h"
#include "util/parse.h"

#define REPLY_TIMEOUT_MS 5000
/* Link types a vitool capture may carry: USER0..USER15. */
#define LINKTYPE_USER_FIRST 147
#define LINKTYPE_USER_LAST 162

static const char trace_usage[] =
	"usage: vitool trace [-i NAME | -C PATH] [-r FILE] [-w FILE] [-c N] [-s SNAPLEN]\n"
	"                    [--linktype N] [-U] [-l] [-n] [-q] [-t...] [-x | -X] [-v]\n"
	"                    [--json] [FILTER...]\n"
	"       vitool trace -D\n"
	"\n"
	"Prints the virtqueue traffic of a running vitool instance (or of a capture\n"
	"file with -r), one decoded line per record; writes pcap with -w.\n"
	"\n"
	"  -i, --interface NAME the instance to attach to (default: the only one\n"
	"                       running; 'vitool list')\n"
	"  -C, --control PATH   the instance, by its control socket\n"
	"  -D, --list-interfaces\n"
	"                       list the running instances ('vitool list') and exit\n"
	"  -r, --read FILE      read records from a pcap file ('-': standard input)\n"
	"  -w, --write FILE     write the selected records to a pcap file ('-': stdout)\n"
	"                       instead of printing them\n"
	"  -c, --count N        stop after N selected records\n"
	"  -s, --snaplen N      live: ask for records of at most N bytes (0: whole)\n"
	"      --linktype N     -w: pcap link type (default USER0, 147); -r: also accept N\n"
	"  -U, --unbuffered     flush after every record\n"
	"  -l, --line-buffered  standard output line-buffered\n"
	"  -n                   accepted (tcpdump's; there are no names to resolve)\n"
	"  -q, --quiet          quieter lines: no summary, a completion's status\n"
	"  -t                   no time; -tt seconds since the epoch, -ttt the time\n"
	"                       since the previous line, -tttt date and time\n"
	"  -x, --hex            also the captured payload in hex\n"
	"  -X, --hex-ascii      also the captured payload in hex and ASCII\n"
	"  -v, --verbose        also the chain layout and the payload in hex\n"
	"  -j, --json           one JSON object per record\n"
	"  -h, --help           this help\n"
	"\n"
	"\n";

/* The usage text; the FILTER words of device types come from the registry. */
static void print_usage(FILE *f)
{
	fputs(trace_usage, f);
	fputs("FILTER: devices:", f);
	for (size_t i = 0; i < vt_device_count(); i++)
		fprintf(f, " %s", vt_device_at(i)->name);
	fputs("; types:", f);
	for (size_t i = 0; i < vt_device_count(); i++)
		for (const char *const *w = vt_device_at(i)->decoder->type_words; w && *w; w++)
			fprintf(f, " %s", *w);
	fputs("\n| q N | avail used kick call timeout late ooo error | addr N | line N\n"
	      "| vhost to-backend to-frontend channel reply | log, level warning (and worse)\n"
	      "| type NAME | status ok|err | latency > 5ms, combined with and, or, not\n"
	      "and parentheses (vitool-trace(1)).\n"
	      "\n"
	      "exit status: 0 done, 1 error (no instance, bad capture), 2 usage\n", f);
}

struct trace_opts {
	const char *control;
	const char *name;    /* -i */
	const char *rfile;
	const char *wfile;
	uint64_t count;      /* 0: no limit */
	unsigned snaplen;
	int linktype;        /* 0: the input's, else USER0 */
	bool unbuffered;
	bool verbose;
	bool json;
	bool line_buffered;
	struct vt_trace_fmt fmt;
	char *filter_text;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* SIGINT/SIGTERM end the capture cleanly: no SA_RESTART, so a blocked read
 * returns and the loop sees `stop`. */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static char *join_words(int argc, char **argv)
{
	size_t len = 1;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = calloc(1, len);
	if (!s)
		vt_die("trace: out of memory");
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static void parse_args(struct trace_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "control", required_argument, NULL, 'C' },
		{ "interface", required_argument, NULL, 'i' },
		{ "list-interfaces", no_argument, NULL, 'D' },
		{ "read", required_argument, NULL, 'r' },
		{ "write", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'c' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "linktype", required_argument, NULL, 'L' },
		{ "unbuffered", no_argument, NULL, 'U' },
		{ "line-buffered", no_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "hex", no_argument, NULL, 'x' },
		{ "hex-ascii", no_argument, NULL, 'X' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned u, nt = 0;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":C:i:Dr:w:c:s:UvjhL:lnqtxX", longopts, NULL)) != -1) {
		switch (c) {
		case 'C':
			o->control = cmd_socket_path("trace", "--control", optarg);
			break;
		case 'i':
			o->name = optarg;
			break;
		case 'D':
			exit(cmd_list(1, (char *[]){ "trace", NULL }));
		case 'r':
			o->rfile = optarg;
			break;
		case 'w':
			o->wfile = optarg;
			break;
		case 'c':
			if (!vt_parse_u64(optarg, UINT64_MAX, &o->count) || !o->count)
				vt_die_usage("trace: -c %s: want a record count, 1 or more", optarg);
			break;
		case 's':
			/* 0: whole records, as tcpdump's -s 0 */
			if (!vt_parse_uint(optarg, VT_REC_SNAPLEN_MAX, &u) || (u && u < VT_REC_HDR_LEN))
				vt_die_usage("trace: -s %s: want a snap length, %d-%u bytes (0: whole records)",
					     optarg, VT_REC_HDR_LEN, VT_REC_SNAPLEN_MAX);
			o->snaplen = u;
			break;
		case 'l':
			o->line_buffered = true;
			break;
		case 'n':
			break;   /* tcpdump's "no name resolution": nothing to resolve */
		case 'q':
			o->fmt.quiet = true;
			break;
		case 't':
			nt++;
			break;
		case 'x':
			o->fmt.hex = o->fmt.hex > 1 ? o->fmt.hex : 1;
			break;
		case 'X':
			o->fmt.hex = 2;
			break;
		case 'L':
			if (!vt_parse_uint(optarg, 65535, &u) || !u)
				vt_die_usage("trace: --linktype %s: want a link type number, 1-65535", optarg);
			o->linktype = (int)u;
			break;
		case 'U':
			o->unbuffered = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			print_usage(stdout);
			exit(VT_EXIT_OK);
		default:
			cmd_option_error("trace", c, argv, longopts, NULL);
		}
	}
	if (o->rfile && (o->control || o->name))
		vt_die_usage("trace: -r reads a file; %s attaches to an instance: not both",
			     o->name ? "-i" : "--control");
	if (o->name && o->control)
		vt_die_usage("trace: -i and --control both name the instance: give one");
	if (o->rfile && o->snaplen)
		vt_die_usage("trace: -s is for live capture; a file's records are already cut");
	if (o->wfile && (o->json || o->verbose))
		vt_die_usage("trace: -w writes records, it prints nothing: drop %s", o->json ? "--json" : "-v");
	if (nt > 4)
		vt_die_usage("trace: -t%.*s: -t, -tt, -ttt or -tttt", (int)nt - 1, "tttttttttttttttt");
	static const enum vt_trace_tstamp ts[] = { VT_TS_TIME, VT_TS_NONE, VT_TS_EPOCH, VT_TS_DELTA, VT_TS_DATE };
	o->fmt.ts = ts[nt];
	o->fmt.verbose = o->verbose;
	o->filter_text = join_words(argc - optind, argv + optind);
}

/* path, or standard input/output for "-", is the same file as another:
 * stat() of each. */
static bool stat_arg(const char *path, int std_fd, struct stat *st)
{
	return strcmp(path, "-") ? stat(path, st) == 0 : fstat(std_fd, st) == 0;
}

/* -w FILE that is the capture -r reads would be truncated before it is
 * read (or, appended to through stdout, read for ever): refused, whatever
 * names the two go by (a link, ./, standard input and output). */
static void check_not_same(const struct trace_opts *o)
{
	struct stat in, out;

	if (!o->rfile || !o->wfile || !stat_arg(o->rfile, STDIN_FILENO, &in) ||
	    !stat_arg(o->wfile, STDOUT_FILENO, &out))
		return;
	if (in.st_dev == out.st_dev && in.st_ino == out.st_ino && S_ISREG(in.st_mode))
		vt_die_usage("trace: -w %s is the capture -r %s reads: write the records to another file",
			     o->wfile, o->rfile);
}

/* Attaches to the instance: the `trace` command, its reply, then the pcap
 * stream on the same connection.  Dies on failure. */
static struct vt_pcap_reader *attach(const struct trace_opts *o, struct vt_instance *inst, char *src,
				     size_t srclen)
{
	const struct vt_instance_want want = { .cmd = "trace", .name = o->name, .control = o->control };
	struct vt_instance in;
	char err[1024], line[64], *path = in.control;
	json_t *reply;

	if (vt_instance_resolve(&want, &in, err, sizeof(err)) < 0)
		vt_die("trace: %s", err);
	snprintf(src, srclen, "%s", path);
	int fd = vt_ctl_connect(path, err, sizeof(err));
	if (fd < 0)
		vt_die("trace: %s", err);
	if (o->snaplen)
		snprintf(line, sizeof(line), "trace snaplen %u", o->snaplen);
	else
		snprintf(line, sizeof(line), "trace");
	reply = vt_ctl_call_json(fd, line, REPLY_TIMEOUT_MS, err, sizeof(err));
	if (!reply || !vt_ctl_reply_ok(reply, err, sizeof(err)))
		vt_die("trace: %s: %s", path, err);
	json_decref(reply);
	FILE *f = fdopen(fd, "rb");
	if (!f)
		vt_die("trace: %s: %s", path, strerror(errno));
	struct vt_pcap_reader *r = vt_pcap_open_read_file(f, err, sizeof(err));
	if (!r)
		vt_die("trace: %s: the instance's stream: %s", path, err);
	*inst = in;
	return r;
}

/* tcpdump's name of a link type: USER0..USER15, else the number. */
static void linktype_name(int lt, char *buf, size_t len)
{
	if (lt >= LINKTYPE_USER_FIRST && lt <= LINKTYPE_USER_LAST)
		snprintf(buf, len, "USER%d (vitool trace records)", lt - LINKTYPE_USER_FIRST);
	else
		snprintf(buf, len, "%d", lt);
}

int cmd_trace(int argc, char **argv)
{
	struct trace_opts o = { 0 };
	char err[512], src[512];

	parse_args(&o, argc, argv);
	struct vt_filter *filter = vt_filter_compile(o.filter_text, err, sizeof(err));
	if (!filter)
		vt_die_usage("trace: bad filter \"%s\": %s", o.filter_text, err);

	struct vt_pcap_reader *in;
	struct vt_instance inst = { 0 };
	check_not_same(&o);
	if (o.rfile) {
		snprintf(src, sizeof(src), "%s", strcmp(o.rfile, "-") ? o.rfile : "standard input");
		in = vt_pcap_open_read(o.rfile, err, sizeof(err));
		if (!in && !strncmp(err, o.rfile, strlen(o.rfile)))
			vt_die("trace: %s", err);   /* libpcap named the file already */
		if (!in)
			vt_die("trace: %s: %s", src, err);
	} else {
		in = attach(&o, &inst, src, sizeof(src));
	}
	int lt = vt_pcap_linktype(in);
	if (lt != o.linktype && (lt < LINKTYPE_USER_FIRST || lt > LINKTYPE_USER_LAST)) {
		vt_pcap_close_read(in);
		vt_die("trace: %s: link type %d is not a vitool capture (USER0-USER15, 147-162)", src, lt);
	}
	/* tcpdump's first line, on stderr: what is read, and how. */
	char ltname[64];
	linktype_name(lt, ltname, sizeof(ltname));
	if (o.rfile)
		fprintf(stderr, "reading from file %s, link-type %s, snapshot length %u\n", src, ltname,
			vt_pcap_snaplen(in));
	else
		fprintf(stderr, "listening on %s (%s), link-type %s, snapshot length %u bytes\n", inst.name,
			inst.device, ltname, vt_pcap_snaplen(in));
	if (o.line_buffered)
		setvbuf(stdout, NULL, _IOLBF, 0);

	struct vt_pcap_writer *out = NULL;
	if (o.wfile) {
		out = vt_pcap_open_write(o.wfile, o.linktype ? o.linktype : lt, vt_pcap_snaplen(in), err, sizeof(err));
		if (!out)
			vt_die("trace: %s", err);
	}
	catch_signals();

	uint64_t n = 0, matched = 0, dropped = 0;
	bool ended = false;   /* the instance closed the stream */
	static struct vt_trace_pairs pairs;   /* delayed responses and notifications to their commands */
	int status = VT_EXIT_OK;
	for (;;) {
		const uint8_t *buf;
		size_t len;
		uint64_t ts;
		struct vt_rec rec;
		struct vt_trace_view v;

		if (stop)
			break;
		int rc = vt_pcap_next(in, &buf, &len, &ts, err, sizeof(err));
		if (rc == 0) {
			ended = !o.rfile && !stop;
			break;
		}
		if (rc < 0) {
			if (stop)
				break;
			vt_err("trace: %s: %s", src, err);
			status = VT_EXIT_FAIL;
			break;
		}
		n++;
		if (vt_pcap_wire_len(in) > len) {
			vt_err("trace: %s: record %llu: cut to %zu of %zu bytes by a snap length (re-captured?)",
			       src, (unsigned long long)n, len, vt_pcap_wire_len(in));
			status = VT_EXIT_FAIL;
			break;
		}
		if (vt_rec_parse(buf, len, &rec, err, sizeof(err)) < 0) {
			vt_err("trace: %s: record %llu: %s", src, (unsigned long long)n, err);
			status = VT_EXIT_FAIL;
			break;
		}
		dropped += vt_rec_drops(&rec);
		vt_trace_view_build(&v, &rec);
		vt_trace_pairs_note(&pairs, &v);
		if (!vt_filter_match(filter, &v))
			continue;
		matched++;
		if (out) {
			int w = vt_pcap_write(out, buf, len, ts);
			if (w == 0 && o.unbuffered)
				w = vt_pcap_flush(out);
			if (w < 0) {
				vt_err("trace: %s: %s", o.wfile, strerror(-w));
				status = VT_EXIT_FAIL;
				break;
			}
		} else {
			if (o.json)
				vt_trace_print_json(stdout, &v, o.verbose);
			else
				vt_trace_print_text(stdout, &v, &o.fmt);
			if (o.unbuffered)
				fflush(stdout);
		}
		if (o.count && matched >= o.count)
			break;
	}
	vt_pcap_close_read(in);
	if (ended)
		vt_err("trace: %s: the instance ended the capture (it exited, or stopped tracing)", inst.name);
	if (out) {
		int c = vt_pcap_close(out);
		if (c < 0 && status == VT_EXIT_OK) {
			vt_err("trace: %s: %s", o.wfile, strerror(-c));
			status = VT_EXIT_FAIL;
		}
	}
	if (fflush(stdout) != 0 && status == VT_EXIT_OK) {
		vt_err("trace: standard output: %s", strerror(errno));
		status = VT_EXIT_FAIL;
	}
	/* tcpdump's last lines, adapted: captured are the records selected
	 * (printed or written), dropped the ones the instance could not queue
	 * for this reader (its DROPS records). */
	if (!o.rfile)
		fprintf(stderr, "%llu record%s captured, %llu dropped\n", (unsigned long long)matched,
			matched == 1 ? "" : "s", (unsigned long long)dropped);
	vt_filter_free(filter);
	free(o.filter_text);
	return status;
}
