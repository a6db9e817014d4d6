/* `trace [FILTER]` in the console: the instance's `trace` on a connection
 * of its own, read by a thread with the same reader, filter and printer as
 * `vitool trace` (trace/pcap.h, filter.h, print.h); the thread writes the
 * printed lines to a pipe that the shell's poll loop drains between
 * keystrokes, so records show up while a command is being typed.
 *
 * Why a thread: libpcap reads its stream with blocking stdio.  The shell
 * stops it with shutdown(2) on the socket, which ends the thread's read;
 * the records already printed into the pipe are still shown. */
#include "console/console.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "trace/filter.h"
#include "trace/pcap.h"
#include "trace/print.h"
#include "trace/record.h"

#define REPLY_TIMEOUT_MS 5000
#define LINE_MAX_BYTES 65536

struct vt_console_trace {
	int sock;                 /* the thread's (the reader closes it) */
	int sock_ctl;             /* a dup for shutdown(): never closed under the thread */
	int rd;                   /* the pipe's read end, the shell's */
	FILE *out;                /* the pipe's write end, the thread's */
	pthread_t th;
	struct vt_filter *filter;
	bool json;
	struct vt_trace_fmt fmt;
	atomic_bool stopping;
	/* Set by the thread before it closes out; read after the join. */
	uint64_t matched, dropped;
	bool failed;
	char err[256];
	char name[128];
	/* A line not yet complete in the pipe. */
	char *part;
	size_t partlen;
	struct vt_trace_pairs pairs;   /* the thread's */
};

static void *reader(void *arg)
{
	struct vt_console_trace *t = arg;
	struct vt_pcap_reader *r;
	FILE *f = fdopen(t->sock, "rb");

	if (!f) {
		snprintf(t->err, sizeof(t->err), "%s", strerror(errno));
		close(t->sock);
		t->failed = true;
		goto out;
	}
	r = vt_pcap_open_read_file(f, t->err, sizeof(t->err));
	if (!r) {
		t->failed = !atomic_load(&t->stopping);
		goto out;
	}
	for (;;) {
		const uint8_t *buf;
		size_t len;
		uint64_t ts;
		struct vt_rec rec;
		struct vt_trace_view v;
		int rc = vt_pcap_next(r, &buf, &len, &ts, t->err, sizeof(t->err));

		if (rc <= 0) {
			/* A stop cuts the stream anywhere: not the instance's fault. */
			t->failed = rc < 0 && !atomic_load(&t->stopping);
			break;
		}
		if (vt_rec_parse(buf, len, &rec, t->err, sizeof(t->err)) < 0) {
			t->failed = true;
			break;
		}
		t->dropped += vt_rec_drops(&rec);
		vt_trace_view_build(&v, &rec);
		vt_trace_pairs_note(&t->pairs, &v);
		if (!vt_filter_match(t->filter, &v))
			continue;
		t->matched++;
		if (t->json)
			vt_trace_print_json(t->out, &v, false);
		else
			vt_trace_print_text(t->out, &v, &t->fmt);
		if (fflush(t->out) != 0)
			break;
	}
	vt_pcap_close_read(r);
out:
	fclose(t->out);   /* EOF on the shell's end: the trace is over */
	return NULL;
}

static void trace_free(struct vt_console_trace *t)
{
	vt_filter_free(t->filter);
	free(t->part);
	free(t);
}

int vt_console_trace_start(struct vt_console *c, const char *filter, char *err, size_t errlen)
{
	struct vt_console_trace *t;
	char ferr[256];
	json_t *j;
	int p[2];

	if (c->fd < 0 || !c->have_inst) {
		snprintf(err, errlen, "not connected");
		return -1;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->filter = vt_filter_compile(filter, ferr, sizeof(ferr));
	if (!t->filter) {
		snprintf(err, errlen, "bad filter \"%s\": %s", filter, ferr);
		trace_free(t);
		return -1;
	}
	t->json = c->json;
	snprintf(t->name, sizeof(t->name), "%s", c->inst.name);
	t->sock = vt_ctl_connect(c->inst.control, err, errlen);
	if (t->sock < 0) {
		trace_free(t);
		return -1;
	}
	j = vt_ctl_call_json(t->sock, "trace", REPLY_TIMEOUT_MS, err, errlen);
	if (!j || !vt_ctl_reply_ok(j, err, errlen)) {
		json_decref(j);
		close(t->sock);
		trace_free(t);
		return -1;
	}
	json_decref(j);
	t->sock_ctl = fcntl(t->sock, F_DUPFD_CLOEXEC, 0);
	if (t->sock_ctl < 0 || pipe2(p, O_CLOEXEC) < 0 || !(t->out = fdopen(p[1], "w"))) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(t->sock);
		if (t->sock_ctl >= 0)
			close(t->sock_ctl);
		trace_free(t);
		return -1;
	}
	t->rd = p[0];
	fcntl(t->rd, F_SETFL, O_NONBLOCK);
	if (pthread_create(&t->th, NULL, reader, t) != 0) {
		snprintf(err, errlen, "cannot start the trace reader");
		fclose(t->out);
		close(t->rd);
		close(t->sock);
		close(t->sock_ctl);
		trace_free(t);
		return -1;
	}
	c->trace = t;
	vt_console_async_begin(c);
	fprintf(stderr, "listening on %s (%s)%s%s; 'trace off' or Ctrl-C stops\n", c->inst.name,
		c->inst.device, *filter ? ", filter: " : "", filter);
	vt_console_async_end(c);
	return 0;
}

int vt_console_trace_fd(const struct vt_console *c)
{
	return c->trace ? c->trace->rd : -1;
}

/* Complete lines out, the rest kept; everything when last. */
static void print_lines(struct vt_console *c, struct vt_console_trace *t, bool last)
{
	size_t n = t->partlen;

	if (!last)
		while (n && t->part[n - 1] != '\n')
			n--;
	if (!n)
		return;
	vt_console_async_begin(c);
	fwrite(t->part, 1, n, stdout);
	if (last && t->part[n - 1] != '\n')
		fputc('\n', stdout);
	vt_console_async_end(c);
	memmove(t->part, t->part + n, t->partlen - n);
	t->partlen -= n;
}

/* Reads what the pipe has.  true at its end (the thread is done). */
static bool drain(struct vt_console *c, struct vt_console_trace *t, bool block)
{
	for (;;) {
		char buf[8192];
		ssize_t n = read(t->rd, buf, sizeof(buf));

		if (n > 0) {
			char *np = t->partlen + (size_t)n > LINE_MAX_BYTES ? NULL
									 : realloc(t->part, t->partlen + (size_t)n);
			if (!np) {
				print_lines(c, t, true);   /* an endless line: out with it */
				np = realloc(t->part, (size_t)n);
				if (!np)
					continue;
			}
			t->part = np;
			memcpy(t->part + t->partlen, buf, (size_t)n);
			t->partlen += (size_t)n;
			print_lines(c, t, false);
			continue;
		}
		if (n == 0)
			return true;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && block) {
			/* Stopping: the thread is on its way out. */
			fcntl(t->rd, F_SETFL, 0);
			continue;
		}
		return false;
	}
}

static void finish(struct vt_console *c, const char *why)
{
	struct vt_console_trace *t = c->trace;

	pthread_join(t->th, NULL);
	print_lines(c, t, true);
	close(t->rd);
	close(t->sock_ctl);
	c->trace = NULL;
	vt_console_async_begin(c);
	if (t->failed)
		vt_console_err(c, "trace: %s: %s", t->name, t->err);
	else if (!why)
		fprintf(stderr, "the instance %s ended the capture (it exited, or stopped tracing)\n", t->name);
	fprintf(stderr, "%llu record%s captured, %llu dropped\n", (unsigned long long)t->matched,
		t->matched == 1 ? "" : "s", (unsigned long long)t->dropped);
	vt_console_async_end(c);
	trace_free(t);
}

void vt_console_trace_pump(struct vt_console *c)
{
	if (c->trace && drain(c, c->trace, false))
		finish(c, NULL);
}

void vt_console_trace_stop(struct vt_console *c, const char *why)
{
	struct vt_console_trace *t = c->trace;

	if (!t)
		return;
	atomic_store(&t->stopping, true);
	shutdown(t->sock_ctl, SHUT_RDWR);
	drain(c, t, true);
	finish(c, why ? why : "stopped");
}
