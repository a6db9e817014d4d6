/* The words a `vitool loopback gpio` script has beyond drive's, moved here
 * from cmd/loopback.c so the command names no device: inject (the child
 * serve's control socket sets simulated inputs), and arm / event, which
 * take the eventq one step at a time so a script can show an edge latched
 * while masked, a level re-fired on unmask, or completions out of order.
 *
 * inject and arm say what the device made of them, read back from the
 * serve's `lines` (armed, latched, interrupts delivered):
 *   inject: line 1 (button) 0 -> 1, rising edge: latched (masked: no eventq buffer)
 *   arm: line 1 (button) unmasked: the latched edge is delivered at once */
#include "drivers/gpio_loopback.h"
#include "drivers/gpio_session.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/ctl.h"
#include "ctl/queue_stats.h"
#include "util/parse.h"
#include "virtio/virtio_gpio.h"

/* A line by offset or by the name read at start; -1. */
static int line_of(const struct vt_gpio_driver *d, const char *word)
{
	unsigned v;

	if (vt_parse_uint(word, d->ngpio - 1u, &v))
		return (int)v;
	for (unsigned i = 0; d->names && i < d->ngpio; i++)
		if (!strcmp(d->names[i], word))
			return (int)i;
	return -1;
}

/* ---- what the serve says about a line ---- */

struct line_state {
	int value;             /* -1: unknown */
	bool armed, latched;
	uint64_t irqs;         /* VALID completions so far */
	char irq[16];          /* "edge-rising" */
};

/* Line `line`'s state from the serve's `lines`; false when it cannot tell. */
static bool line_state(int ctl, unsigned line, struct line_state *st)
{
	char cerr[256];
	json_t *reply = NULL, *elem, *value;
	json_int_t index = -1, irqs = -1;
	const char *irq = NULL;
	int armed = 0, latched = 0;
	bool ok;

	*st = (struct line_state){ .value = -1 };
	if (ctl >= 0)
		reply = vt_ctl_call_json(ctl, "lines", 2000, cerr, sizeof(cerr));
	elem = json_array_get(json_object_get(reply, "lines"), line);
	ok = reply && vt_ctl_reply_ok(reply, cerr, sizeof(cerr)) &&
	     json_unpack(elem, "{s:I, s:b, s:b, s:I, s:s}", "line", &index, "armed", &armed, "latched", &latched,
			 "irqs", &irqs, "irq", &irq) == 0 &&
	     index == line && irqs >= 0;
	if (ok) {
		st->armed = armed;
		st->latched = latched;
		st->irqs = (uint64_t)irqs;
		snprintf(st->irq, sizeof(st->irq), "%s", irq);
		value = json_object_get(elem, "value");
		if (json_is_integer(value) && (json_integer_value(value) == 0 || json_integer_value(value) == 1))
			st->value = (int)json_integer_value(value);
	}
	json_decref(reply);
	return ok;
}

/* "line 1 (button)" */
static void label(const struct vt_gpio_driver *d, unsigned line, char *buf, size_t len)
{
	if (d->names && line < d->ngpio && d->names[line][0])
		snprintf(buf, len, "line %u (%s)", line, d->names[line]);
	else
		snprintf(buf, len, "line %u", line);
}

/* What an armed line waits for. */
static const char *waits_for(const char *irq)
{
	static const struct { const char *irq, *what; } waits[] = {
		{ "edge-rising", "a rising edge" }, { "edge-falling", "a falling edge" },
		{ "edge-both", "either edge" }, { "level-high", "the level to be high" },
		{ "level-low", "the level to be low" },
	};

	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++)
		if (!strcmp(irq, waits[i].irq))
			return waits[i].what;
	return "its interrupt";
}

/* ---- inject ---- */

#define MAX_PINS 64

/* The lines an inject's words name (LINE=LEVEL; pulse/wait take a number). */
static unsigned inject_lines(const struct vt_gpio_driver *d, char *const *words, unsigned n, unsigned *lines,
			     bool *pulse)
{
	unsigned count = 0;
	char name[128];

	*pulse = false;
	for (unsigned i = 1; i < n && count < MAX_PINS; i++) {
		if (!strcmp(words[i], "pulse") || !strcmp(words[i], "wait")) {
			*pulse = *pulse || !strcmp(words[i], "pulse");
			i++;
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(words[i], "="), words[i]);
		int line = line_of(d, name);
		if (line >= 0)
			lines[count++] = (unsigned)line;
	}
	return count;
}

static void tell_inject(const struct vt_gpio_driver *d, unsigned line, const struct line_state *b,
			const struct line_state *a, bool pulse, FILE *out)
{
	char who[96];
	uint64_t fired = a->irqs - b->irqs;

	label(d, line, who, sizeof(who));
	if (pulse) {
		fprintf(out, "inject: %s pulsed: %llu interrupt%s delivered%s\n", who, (unsigned long long)fired,
			fired == 1 ? "" : "s", a->latched && !b->latched ? ", an edge latched" : "");
		return;
	}
	if (a->value < 0 || a->value == b->value) {
		fprintf(out, "inject: %s stays %d\n", who, a->value);
		return;
	}
	fprintf(out, "inject: %s %d -> %d, %s edge: ", who, b->value, a->value, a->value ? "rising" : "falling");
	if (fired)
		fprintf(out, "interrupt delivered (the armed buffer came back)\n");
	else if (a->latched && !b->latched)
		fprintf(out, "latched (masked: no eventq buffer)\n");
	else
		fprintf(out, "no interrupt (irq %s%s)\n", a->irq,
			a->latched ? ", masked, an edge already latched"
				   : !a->armed && strcmp(a->irq, "none") ? ", masked" : "");
}

static enum vt_run_result inject(struct vt_gpio_driver *d, int ctl, char *const *words, unsigned n, FILE *out,
				 char *err, size_t errlen)
{
	char line[1024] = "inject", msg[256], cerr[256];
	struct line_state before[MAX_PINS], after;
	unsigned lines[MAX_PINS], nlines;
	bool have[MAX_PINS], ok, pulse;
	char *text = NULL;
	json_t *reply;
	size_t len = strlen(line);

	if (ctl < 0) {
		snprintf(err, errlen, "inject: no control socket");
		return VT_RUN_TRANSPORT;
	}
	nlines = inject_lines(d, words, n, lines, &pulse);
	for (unsigned i = 0; i < nlines; i++)
		have[i] = line_state(ctl, lines[i], &before[i]);
	for (unsigned i = 1; i < n && len < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", words[i]);
	if (vt_ctl_call(ctl, line, &text, 5000, cerr, sizeof(cerr)) < 0) {
		snprintf(err, errlen, "inject: %s", cerr);
		return VT_RUN_TRANSPORT;
	}
	/* A reply that does not parse is the device's fault, not transport's. */
	reply = vt_ctl_parse_reply(text, msg, sizeof(msg));
	free(text);
	ok = reply && vt_ctl_reply_ok(reply, msg, sizeof(msg));
	if (!ok)
		snprintf(err, errlen, "inject: %s", msg);
	json_decref(reply);
	for (unsigned i = 0; ok && i < nlines; i++)
		if (have[i] && line_state(ctl, lines[i], &after))
			tell_inject(d, lines[i], &before[i], &after, pulse, out);
	return ok ? VT_RUN_OK : VT_RUN_DEVICE_ERR;
}

/* ---- arm ---- */

/* The eventq buffers the serve has returned so far; -1. */
static int64_t eventq_used(int ctl)
{
	uint64_t used[VT_CTL_MAX_QUEUES];

	return vt_ctl_used_counts(ctl, used) > VIRTIO_GPIO_EVENTQ ? (int64_t)used[VIRTIO_GPIO_EVENTQ] : -1;
}

/* After the kick: the serve has taken the buffer once the line is armed or
 * the buffer came back (a latched edge, a holding level, an interrupt that
 * is off).  Up to 1 s. */
static bool arm_settled(int ctl, unsigned line, const struct line_state *b, int64_t used,
			struct line_state *a)
{
	for (int i = 0; i < 1000; i++) {
		/* The count first: a is then at least as new as it. */
		int64_t now = used >= 0 ? eventq_used(ctl) : -1;
		if (!line_state(ctl, line, a))
			return false;
		if (a->armed || a->irqs != b->irqs || now != used)
			return true;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	return false;
}

static void tell_arm(const struct vt_gpio_driver *d, int ctl, unsigned line, const struct line_state *b,
		     int64_t used, FILE *out)
{
	struct line_state a;
	char who[96];

	label(d, line, who, sizeof(who));
	if (!arm_settled(ctl, line, b, used, &a))
		fprintf(out, "arm: %s unmasked\n", who);
	else if (!strcmp(b->irq, "none"))
		fprintf(out, "arm: %s has no interrupt (irq none): the buffer came back INVALID\n", who);
	else if (a.irqs != b->irqs && b->latched)
		fprintf(out, "arm: %s unmasked: the latched edge is delivered at once\n", who);
	else if (a.irqs != b->irqs)
		fprintf(out, "arm: %s unmasked: fires at once (irq %s, level %d)\n", who, a.irq, a.value);
	else if (a.armed)
		fprintf(out, "arm: %s unmasked: waits for %s\n", who, waits_for(a.irq));
	else
		fprintf(out, "arm: %s unmasked: the buffer came back INVALID\n", who);
}

static enum vt_run_result arm(struct vt_gpio_driver *d, int ctl, char *const *words, unsigned n, FILE *out,
			      char *err, size_t errlen)
{
	int line = n == 2 ? line_of(d, words[1]) : -1;
	struct line_state before;
	int64_t used;
	bool have;
	int r;

	if (line < 0) {
		snprintf(err, errlen, "arm: want one line (offset or name)");
		return VT_RUN_USAGE;
	}
	have = line_state(ctl, (unsigned)line, &before);
	used = have ? eventq_used(ctl) : -1;
	r = vt_gpio_arm(d, (uint16_t)line);
	if (r < 0) {
		snprintf(err, errlen, "arm %s: %s", words[1], strerror(-r));
		return VT_RUN_TRANSPORT;
	}
	if (have)
		tell_arm(d, ctl, (unsigned)line, &before, used, out);
	return VT_RUN_OK;
}

static enum vt_run_result event(struct vt_gpio_driver *d, char *const *words, unsigned n, FILE *out,
				char *err, size_t errlen)
{
	unsigned line, ms = 1000;
	uint8_t status;
	int r;

	if (n > 2 || (n == 2 && !vt_parse_uint(words[1], 3600000, &ms))) {
		snprintf(err, errlen, "event: want at most a timeout in ms");
		return VT_RUN_USAGE;
	}
	r = vt_gpio_wait_event(d, (int)ms, &line, &status);
	if (r == -ETIMEDOUT) {
		snprintf(err, errlen, "event: no interrupt within %u ms", ms);
		return VT_RUN_DEVICE_ERR;
	}
	if (r < 0) {
		snprintf(err, errlen, "event: %s", d->fe->err);
		return VT_RUN_TRANSPORT;
	}
	fprintf(out, "event: line %u (%s) %s\n", line, d->names ? d->names[line] : "",
		status == VIRTIO_GPIO_IRQ_STATUS_VALID ? "VALID" : "INVALID");
	return VT_RUN_OK;
}

enum vt_run_result vt_gpio_loopback_run(struct vt_gpio_driver *d, int ctl, char *const *words, unsigned n,
					const struct vt_run_opts *o, FILE *out, char *err, size_t errlen)
{
	if (!strcmp(words[0], "inject"))
		return inject(d, ctl, words, n, out, err, errlen);
	if (!strcmp(words[0], "arm"))
		return arm(d, ctl, words, n, out, err, errlen);
	if (!strcmp(words[0], "event"))
		return event(d, words, n, out, err, errlen);
	return vt_gpio_run_words(d, words, n, o, out, err, errlen);
}

bool vt_gpio_loopback_check(char *const *words, unsigned n, char *err, size_t errlen)
{
	unsigned ms;

	if (!strcmp(words[0], "inject")) {
		if (n < 2) {
			snprintf(err, errlen, "inject: want LINE=LEVEL...");
			return false;
		}
		for (unsigned i = 1; i < n; i++) {
			if (!strcmp(words[i], "pulse") || !strcmp(words[i], "wait")) {
				if (i + 1 >= n || !vt_parse_uint(words[i + 1], 3600000, &ms)) {
					snprintf(err, errlen, "inject: %s wants milliseconds", words[i]);
					return false;
				}
				i++;
			} else if (words[i][0] == '=' || !strchr(words[i], '=')) {
				snprintf(err, errlen, "inject: expected LINE=LEVEL, got '%s'", words[i]);
				return false;
			}
		}
		return true;
	}
	if (!strcmp(words[0], "arm")) {
		if (n != 2)
			snprintf(err, errlen, "arm: want one line (offset or name)");
		return n == 2;
	}
	if (!strcmp(words[0], "event")) {
		if (n > 2 || (n == 2 && !vt_parse_uint(words[1], 3600000, &ms))) {
			snprintf(err, errlen, "event: want at most a timeout in ms");
			return false;
		}
		return true;
	}
	return vt_gpio_check_words(words, n, err, errlen);
}
