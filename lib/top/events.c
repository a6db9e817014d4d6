/* The recent-events pane of vitool top (events.h). */
#include "top/events.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "trace/filter.h"
#include "trace/pcap.h"
#include "trace/print.h"
#include "trace/record.h"

#define ATTACH_TIMEOUT_MS 3000

struct vt_top_events {
	pthread_mutex_t lock;
	char lines[VT_TOP_EVENTS_MAX][VT_TOP_EVENT_LEN];
	unsigned head, n;            /* ring: the oldest at head */
	unsigned long serial;
	struct vt_filter *filter;    /* under lock */

	int fd;                      /* the subscription, -1 when detached */
	pthread_t thread;
	bool running;                /* the thread exists (join it) */
	bool ended;                  /* under lock */
	struct vt_trace_pairs pairs; /* the thread's */
};

static void push_locked(struct vt_top_events *ev, const char *text)
{
	unsigned slot = (ev->head + ev->n) % VT_TOP_EVENTS_MAX;
	size_t len = strcspn(text, "\n");

	if (len >= VT_TOP_EVENT_LEN)
		len = VT_TOP_EVENT_LEN - 1;
	memcpy(ev->lines[slot], text, len);
	ev->lines[slot][len] = '\0';
	if (ev->n < VT_TOP_EVENTS_MAX)
		ev->n++;
	else
		ev->head = (ev->head + 1) % VT_TOP_EVENTS_MAX;
	ev->serial++;
}

struct vt_top_events *vt_top_events_new(void)
{
	struct vt_top_events *ev = calloc(1, sizeof(*ev));
	char err[256];

	if (!ev)
		return NULL;
	pthread_mutex_init(&ev->lock, NULL);
	ev->fd = -1;
	if (vt_top_events_set_filter(ev, NULL, err, sizeof(err)) < 0) {
		free(ev);
		return NULL;
	}
	return ev;
}

void vt_top_events_free(struct vt_top_events *ev)
{
	if (!ev)
		return;
	vt_top_events_detach(ev);
	vt_filter_free(ev->filter);
	pthread_mutex_destroy(&ev->lock);
	free(ev);
}

/* One record: the line trace prints, if the filter takes it. */
static void take_record(struct vt_top_events *ev, const uint8_t *buf, size_t len)
{
	struct vt_rec rec;
	struct vt_trace_view v;
	char err[128], line[VT_TOP_EVENT_LEN + 64];

	if (vt_rec_parse(buf, len, &rec, err, sizeof(err)) < 0)
		return;
	vt_trace_view_build(&v, &rec);
	vt_trace_pairs_note(&ev->pairs, &v);
	pthread_mutex_lock(&ev->lock);
	bool take = vt_filter_match(ev->filter, &v);
	pthread_mutex_unlock(&ev->lock);
	if (!take)
		return;
	FILE *f = fmemopen(line, sizeof(line), "w");
	if (!f)
		return;
	vt_trace_print_text(f, &v, NULL);
	fputc('\0', f);
	fclose(f);
	line[sizeof(line) - 1] = '\0';
	pthread_mutex_lock(&ev->lock);
	push_locked(ev, line);
	pthread_mutex_unlock(&ev->lock);
}

static void *reader(void *arg)
{
	struct vt_top_events *ev = arg;
	char err[256];
	int fd = dup(ev->fd);
	FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
	struct vt_pcap_reader *r = f ? vt_pcap_open_read_file(f, err, sizeof(err)) : NULL;

	if (!r && f)
		fclose(f);
	else if (!f && fd >= 0)
		close(fd);
	while (r) {
		const uint8_t *buf;
		size_t len;
		uint64_t ts;
		if (vt_pcap_next(r, &buf, &len, &ts, err, sizeof(err)) <= 0)
			break;
		take_record(ev, buf, len);
	}
	if (r)
		vt_pcap_close_read(r);
	pthread_mutex_lock(&ev->lock);
	ev->ended = true;
	pthread_mutex_unlock(&ev->lock);
	return NULL;
}

int vt_top_events_attach(struct vt_top_events *ev, const char *control, char *err, size_t errlen)
{
	vt_top_events_detach(ev);
	int fd = vt_ctl_connect(control, err, errlen);
	if (fd < 0)
		return -1;
	json_t *reply = vt_ctl_call_json(fd, "trace", ATTACH_TIMEOUT_MS, err, errlen);
	bool ok = reply && vt_ctl_reply_ok(reply, err, errlen);
	json_decref(reply);
	if (!ok) {
		close(fd);
		return -1;
	}
	ev->fd = fd;
	ev->ended = false;
	/* The reader gets no signals: the main thread handles SIGINT,
	 * SIGTERM and SIGWINCH. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int e = pthread_create(&ev->thread, NULL, reader, ev);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		snprintf(err, errlen, "cannot start the trace reader: %s", strerror(e));
		close(fd);
		ev->fd = -1;
		return -1;
	}
	ev->running = true;
	return 0;
}

void vt_top_events_detach(struct vt_top_events *ev)
{
	if (ev->fd < 0)
		return;
	/* Wakes the reader blocked in read (it reads a dup of fd). */
	shutdown(ev->fd, SHUT_RDWR);
	if (ev->running)
		pthread_join(ev->thread, NULL);
	ev->running = false;
	close(ev->fd);
	ev->fd = -1;
}

bool vt_top_events_ended(struct vt_top_events *ev)
{
	pthread_mutex_lock(&ev->lock);
	bool e = ev->fd >= 0 && ev->ended;
	pthread_mutex_unlock(&ev->lock);
	return e;
}

int vt_top_events_set_filter(struct vt_top_events *ev, const char *text, char *err, size_t errlen)
{
	struct vt_filter *f = vt_filter_compile(text && *text ? text : VT_TOP_EVENTS_DEFAULT_FILTER, err, errlen);

	if (!f)
		return -1;
	pthread_mutex_lock(&ev->lock);
	struct vt_filter *old = ev->filter;
	ev->filter = f;
	pthread_mutex_unlock(&ev->lock);
	vt_filter_free(old);
	return 0;
}

void vt_top_events_log(struct vt_top_events *ev, const char *fmt, ...)
{
	char msg[VT_TOP_EVENT_LEN], line[VT_TOP_EVENT_LEN + 32], ts[16];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	strftime(ts, sizeof(ts), "%H:%M:%S", localtime_r(&now, &tm));
	snprintf(line, sizeof(line), "%s        top: %s", ts, msg);
	pthread_mutex_lock(&ev->lock);
	push_locked(ev, line);
	pthread_mutex_unlock(&ev->lock);
}

unsigned vt_top_events_copy(struct vt_top_events *ev, char (*lines)[VT_TOP_EVENT_LEN], unsigned n)
{
	pthread_mutex_lock(&ev->lock);
	unsigned k = ev->n < n ? ev->n : n;
	for (unsigned i = 0; i < k; i++)
		memcpy(lines[i], ev->lines[(ev->head + ev->n - k + i) % VT_TOP_EVENTS_MAX], VT_TOP_EVENT_LEN);
	pthread_mutex_unlock(&ev->lock);
	return k;
}

unsigned long vt_top_events_serial(struct vt_top_events *ev)
{
	pthread_mutex_lock(&ev->lock);
	unsigned long s = ev->serial;
	pthread_mutex_unlock(&ev->lock);
	return s;
}
