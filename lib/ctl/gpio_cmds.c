/* `lines` and `inject` on the control socket of a gpio instance.
 *
 * An inject is an operation with a life of its own: it may outlive its
 * reply (a pulse still has to restore the levels after a --wait timed out)
 * and its client (a script killed mid-pulse must not leave a line high).
 * Each one sits on a list so the device's single irq callback can be routed
 * to every operation that waits for an interrupt.
 *
 * Timeline of `inject L=V pulse P wait W`:
 *   apply levels -> [P ms] -> restore levels -> all lines interrupted? reply
 *   ok : else [W ms] -> first missing interrupt? reply ok : reply timeout.
 * Interrupts from either edge count.  Without pulse, W starts at once. */
#include "ctl/gpio_cmds.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "devices/gpio.h"
#include "virtio/virtio_gpio.h"
#include "util/log.h"
#include "util/parse.h"

#define MS_MAX 3600000u
#define LEVEL_TOGGLE 2

struct gpio_ctl {
	void *dev;
	struct vt_loop *loop;
	struct inject *ops;
	void (*tap)(void *arg, unsigned line);   /* trace: vt_ctl_add_gpio_tap */
	void *tap_arg;
};

struct pin {
	unsigned line;
	int level;
	int prev;         /* level before the inject: what a pulse restores */
	bool got;         /* the guest took an interrupt on it */
};

struct inject {
	struct gpio_ctl *g;
	struct vt_ctl_req *r;   /* NULL once replied */
	struct pin *pins;
	unsigned n;
	unsigned pulse_ms, wait_ms;   /* 0: not asked for */
	bool restored;                /* the pulse is over (or there is none) */
	bool busy;                    /* changing levels: irqs only mark pins */
	uint64_t irqs;
	struct vt_timer *pulse_t, *wait_t;
	struct inject *next;
};

/* ---- naming ---- */

static const char *dir_name(int dir)
{
	return dir >= 0 ? vt_tok2str(vt_gpio_direction_names, "unknown", (uint32_t)dir) : "unknown";
}

/* "3 (button)" or "3". */
static void line_label(void *dev, unsigned line, char *buf, size_t len)
{
	struct vt_gpio_line_info li;

	if (vt_gpio_dev_line_info(dev, line, &li) == 0 && li.name && li.name[0])
		snprintf(buf, len, "%u (%s)", line, li.name);
	else
		snprintf(buf, len, "%u", line);
}

/* ---- lines ---- */

static void line_json(struct vt_json *j, const struct vt_gpio_line_info *li)
{
	const char *irq = vt_gpio_irq_type_name(li->irq_type);

	vt_json_obj_begin(j, NULL);
	vt_json_uint(j, "line", li->line);
	vt_json_str(j, "name", li->name ? li->name : "");
	vt_json_str(j, "direction", dir_name(li->direction));
	if (li->value < 0)
		vt_json_null(j, "value");
	else
		vt_json_int(j, "value", li->value);
	vt_json_str(j, "irq", irq ? irq : "unknown");
	vt_json_bool(j, "armed", li->armed);
	vt_json_bool(j, "latched", li->latched);
	vt_json_uint(j, "irqs", li->irqs);
	vt_json_obj_end(j);
}

static void cmd_lines(struct vt_ctl_req *r, int argc, char **argv, void *arg)
{
	struct gpio_ctl *g = arg;
	struct vt_json *j = vt_ctl_json(r);
	unsigned n = vt_gpio_dev_ngpio(g->dev);

	(void)argc;   /* none: its synopsis is empty, the server refuses them */
	(void)argv;
	vt_json_arr_begin(j, "lines");
	for (unsigned i = 0; i < n; i++) {
		struct vt_gpio_line_info li;
		if (vt_gpio_dev_line_info(g->dev, i, &li) == 0)
			line_json(j, &li);
	}
	vt_json_arr_end(j);
}

/* ---- inject: parsing ---- */

/* The words of drive's set (libgpiod's), and toggle. */
static int parse_level(const char *w)
{
	return strcasecmp(w, "toggle") ? vt_parse_level(w) : LEVEL_TOGGLE;
}

/* Options after the pairs: "pulse MS", "wait MS". */
struct inject_opts {
	unsigned pulse_ms, wait_ms;
};

static const struct {
	const char *word;
	size_t off;
} inject_keywords[] = {
	{ "pulse", offsetof(struct inject_opts, pulse_ms) },
	{ "wait", offsetof(struct inject_opts, wait_ms) },
};

/* argv[*i] is a keyword: consumes it and its number.  1 yes, 0 not a
 * keyword, -1 failed (r has the error). */
static int parse_keyword(struct vt_ctl_req *r, int argc, char **argv, int *i, struct inject_opts *o)
{
	for (size_t k = 0; k < sizeof(inject_keywords) / sizeof(inject_keywords[0]); k++) {
		unsigned *ms = (unsigned *)((char *)o + inject_keywords[k].off);
		if (strcmp(argv[*i], inject_keywords[k].word))
			continue;
		if (*i + 1 >= argc || !vt_parse_uint(argv[*i + 1], MS_MAX, ms) || !*ms) {
			vt_ctl_fail(r, "%s wants milliseconds, 1-%u", inject_keywords[k].word, MS_MAX);
			return -1;
		}
		*i += 1;
		return 1;
	}
	return 0;
}

/* "LINE=LEVEL" into p (level may be LEVEL_TOGGLE).  0 or -1 with r failed. */
static int parse_pair(struct vt_ctl_req *r, void *dev, char *word, struct pin *p)
{
	char *eq = strrchr(word, '=');
	int line;

	if (!eq || eq == word) {
		vt_ctl_fail(r, "expected LINE=LEVEL, got '%s'", word);
		return -1;
	}
	*eq = '\0';
	p->level = parse_level(eq + 1);
	if (p->level < 0) {
		vt_ctl_fail(r, "bad level '%s' for line '%s' (" VT_INJECT_LEVEL_WORDS ")", eq + 1, word);
		return -1;
	}
	line = vt_gpio_dev_find_line(dev, word);
	if (line < 0) {
		vt_ctl_fail(r, "unknown line '%s'", word);
		return -1;
	}
	p->line = (unsigned)line;
	return 0;
}

/* Every word checked before any level changes. */
static int parse_inject(struct vt_ctl_req *r, void *dev, int argc, char **argv,
			struct pin *pins, unsigned *n, struct inject_opts *o)
{
	*n = 0;
	for (int i = 0; i < argc; i++) {
		int k = parse_keyword(r, argc, argv, &i, o);
		if (k < 0)
			return -1;
		if (k > 0)
			continue;
		if (parse_pair(r, dev, argv[i], &pins[*n]) < 0)
			return -1;
		for (unsigned j = 0; j < *n; j++)
			if (pins[j].line == pins[*n].line) {
				vt_ctl_fail(r, "line %u given twice", pins[j].line);
				return -1;
			}
		(*n)++;
	}
	if (!*n) {
		vt_ctl_fail(r, "nothing to inject: give LINE=LEVEL (LEVEL " VT_INJECT_LEVEL_WORDS ")");
		return -1;
	}
	return 0;
}

/* Current levels, and refusal of lines the guest drives, before anything
 * changes: an inject applies all of its pairs or none. */
static int check_lines(struct vt_ctl_req *r, void *dev, struct pin *pins, unsigned n)
{
	char label[80];

	for (unsigned i = 0; i < n; i++) {
		struct vt_gpio_line_info li;
		if (vt_gpio_dev_line_info(dev, pins[i].line, &li) < 0) {
			vt_ctl_fail(r, "line %u: cannot read its state", pins[i].line);
			return -1;
		}
		if (li.direction == VT_GPIO_DIR_OUT) {
			line_label(dev, pins[i].line, label, sizeof(label));
			vt_ctl_fail(r, "line %s is an output: the guest drives it", label);
			return -1;
		}
		pins[i].prev = li.value > 0;
		if (pins[i].level == LEVEL_TOGGLE)
			pins[i].level = !pins[i].prev;
	}
	return 0;
}

static void fail_errno(struct vt_ctl_req *r, void *dev, unsigned line, int err)
{
	char label[80];

	line_label(dev, line, label, sizeof(label));
	switch (err) {
	case -EPERM:
		vt_ctl_fail(r, "line %s is an output: the guest drives it", label);
		break;
	case -ENOTSUP:
		vt_ctl_fail(r, "instance passes lines through to a host chip: nothing to inject");
		break;
	case -EINVAL:
		vt_ctl_fail(r, "line %s: invalid line or level", label);
		break;
	default:
		vt_ctl_fail(r, "line %s: %s", label, strerror(-err));
		break;
	}
}

/* ---- inject: the operation ---- */

static bool all_got(const struct inject *op)
{
	for (unsigned i = 0; i < op->n; i++)
		if (!op->pins[i].got)
			return false;
	return true;
}

static void op_free(struct inject *op)
{
	struct inject **pp = &op->g->ops;

	while (*pp && *pp != op)
		pp = &(*pp)->next;
	if (*pp)
		*pp = op->next;
	vt_loop_timer_cancel(op->g->loop, op->pulse_t);
	vt_loop_timer_cancel(op->g->loop, op->wait_t);
	free(op->pins);
	free(op);
}

static void op_reply_ok(struct inject *op)
{
	vt_json_uint(vt_ctl_json(op->r), "irqs", op->irqs);
	vt_ctl_done(op->r);
	op->r = NULL;
}

/* Why the guest did not take pin's interrupt, as far as the device can
 * tell: the line was never armed (IRQ type none), the level did not
 * change (no edge), the edge or level is not the one the IRQ type fires
 * on, or the interrupt is masked (no eventq buffer queued). */
static void why_not(const struct inject *op, const struct pin *p, char *buf, size_t len)
{
	struct vt_gpio_line_info li;
	const char *type;
	bool edge_up = p->level > p->prev;

	if (vt_gpio_dev_line_info(op->g->dev, p->line, &li) < 0) {
		snprintf(buf, len, "its state cannot be read");
		return;
	}
	type = vt_gpio_irq_type_name(li.irq_type);
	if (li.irq_type == VIRTIO_GPIO_IRQ_TYPE_NONE) {
		snprintf(buf, len, "not armed: the guest set no IRQ type (none)");
	} else if (p->level == p->prev && li.irq_type <= VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH) {
		snprintf(buf, len, "it already was %s: no edge", p->level ? "high" : "low");
	} else if (!op->pulse_ms && ((li.irq_type == VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING && !edge_up) ||
				     (li.irq_type == VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING && edge_up))) {
		snprintf(buf, len, "its IRQ type is %s: a %s edge does not fire", type,
			 edge_up ? "rising" : "falling");
	} else if ((li.irq_type == VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH && li.value == 0) ||
		   (li.irq_type == VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW && li.value == 1)) {
		snprintf(buf, len, "its IRQ type is %s and the line is %s", type, li.value ? "high" : "low");
	} else if (!li.armed) {
		snprintf(buf, len, "masked: the guest has no eventq buffer queued for it%s",
			 li.latched ? " (the edge is latched for the next unmask)" : "");
	} else {
		snprintf(buf, len, "armed (%s), the guest did not take it", type ? type : "?");
	}
}

static void op_reply_timeout(struct inject *op)
{
	char missing[256] = "", why[768] = "";
	size_t off = 0, woff = 0;
	unsigned nmissing = 0;
	bool connected = vt_gpio_dev_connected(op->g->dev);

	for (unsigned i = 0; i < op->n && off < sizeof(missing); i++) {
		char label[80], reason[160];
		if (op->pins[i].got)
			continue;
		line_label(op->g->dev, op->pins[i].line, label, sizeof(label));
		off += (size_t)snprintf(missing + off, sizeof(missing) - off, "%s%s", nmissing ? ", " : "", label);
		if (connected && woff < sizeof(why)) {
			why_not(op, &op->pins[i], reason, sizeof(reason));
			woff += (size_t)snprintf(why + woff, sizeof(why) - woff, "; line %s: %s", label, reason);
		}
		nmissing++;
	}
	vt_ctl_fail(op->r, "timed out after %u ms waiting for the guest to take the interrupt on line%s %s%s",
		    op->wait_ms, nmissing > 1 ? "s" : "", missing,
		    connected ? why : ": no front-end connected (no guest to take it)");
	vt_ctl_fail_flag(op->r, "timeout");
	vt_ctl_done(op->r);
	op->r = NULL;
}

static void on_wait_timeout(struct vt_loop *loop, void *arg);

/* Moves op on after anything happened; may free it. */
static void op_check(struct inject *op)
{
	if (op->busy)
		return;
	if (op->r && vt_ctl_req_gone(op->r)) {
		vt_ctl_done(op->r);   /* the client left: nobody to answer */
		op->r = NULL;
	}
	if (op->r && op->restored) {
		if (!op->wait_ms || all_got(op)) {
			op_reply_ok(op);
		} else if (!op->wait_t) {
			op->wait_t = vt_loop_timer(op->g->loop, (uint64_t)op->wait_ms * 1000000u,
						   on_wait_timeout, op);
			if (!op->wait_t)
				op_reply_timeout(op);
		}
	}
	if (!op->r && op->restored)
		op_free(op);
}

static void on_wait_timeout(struct vt_loop *loop, void *arg)
{
	struct inject *op = arg;

	(void)loop;
	op->wait_t = NULL;   /* fired: the loop frees it */
	if (op->r && !all_got(op))
		op_reply_timeout(op);
	op_check(op);
}

static void on_pulse_end(struct vt_loop *loop, void *arg)
{
	struct inject *op = arg;

	(void)loop;
	op->pulse_t = NULL;
	op->busy = true;
	for (unsigned i = 0; i < op->n; i++) {
		int e = vt_gpio_dev_set_input(op->g->dev, op->pins[i].line, op->pins[i].prev);
		if (e < 0)   /* e.g. the guest made it an output meanwhile */
			vt_info("inject: cannot restore line %u after the pulse: %s", op->pins[i].line,
				strerror(-e));
	}
	op->busy = false;
	op->restored = true;
	op_check(op);
}

/* The device completed line's eventq buffer VALID: tell every waiter. */
static void on_irq(void *arg, unsigned line)
{
	struct gpio_ctl *g = arg;
	struct inject *next;

	if (g->tap)
		g->tap(g->tap_arg, line);
	for (struct inject *op = g->ops; op; op = next) {
		next = op->next;
		for (unsigned i = 0; i < op->n; i++)
			if (op->pins[i].line == line) {
				op->pins[i].got = true;
				op->irqs++;
			}
		op_check(op);
	}
}

static int apply(struct inject *op)
{
	int e = 0;

	op->busy = true;
	for (unsigned i = 0; i < op->n && !e; i++) {
		e = vt_gpio_dev_set_input(op->g->dev, op->pins[i].line, op->pins[i].level);
		if (e < 0)
			fail_errno(op->r, op->g->dev, op->pins[i].line, e);
	}
	op->busy = false;
	return e;
}

static struct inject *op_new(struct gpio_ctl *g, struct vt_ctl_req *r, const struct pin *pins,
			     unsigned n, const struct inject_opts *o)
{
	struct inject *op = calloc(1, sizeof(*op));

	if (!op || !(op->pins = calloc(n, sizeof(*pins)))) {
		free(op);
		return NULL;
	}
	memcpy(op->pins, pins, n * sizeof(*pins));
	op->g = g;
	op->r = r;
	op->n = n;
	op->pulse_ms = o->pulse_ms;
	op->wait_ms = o->wait_ms;
	op->restored = !o->pulse_ms;
	/* On the list before the levels change: the interrupt may be
	 * delivered from inside vt_gpio_dev_set_input. */
	op->next = g->ops;
	g->ops = op;
	return op;
}

static void cmd_inject(struct vt_ctl_req *r, int argc, char **argv, void *arg)
{
	struct gpio_ctl *g = arg;
	struct inject_opts o = { 0 };
	struct pin *pins = calloc((size_t)argc + 1, sizeof(*pins));
	struct inject *op;
	unsigned n;

	if (!pins) {
		vt_ctl_fail(r, "out of memory");
		return;
	}
	if (parse_inject(r, g->dev, argc, argv, pins, &n, &o) < 0 || check_lines(r, g->dev, pins, n) < 0) {
		free(pins);
		return;
	}
	op = op_new(g, r, pins, n, &o);
	free(pins);
	if (!op) {
		vt_ctl_fail(r, "out of memory");
		return;
	}
	vt_ctl_defer(r);   /* op_check may answer at once (vt_ctl_done undoes this) */
	if (apply(op) < 0) {
		vt_ctl_done(r);   /* the failure set in apply */
		op->r = NULL;
		op->restored = true;   /* no pulse of a failed inject */
		op_free(op);
		return;
	}
	if (o.pulse_ms) {
		op->pulse_t = vt_loop_timer(g->loop, (uint64_t)o.pulse_ms * 1000000u, on_pulse_end, op);
		if (!op->pulse_t)
			on_pulse_end(g->loop, op);   /* cannot wait: end the pulse now */
		else
			op_check(op);
		return;
	}
	op_check(op);
}

static const struct vt_ctl_command gpio_cmds[] = {
	{ "lines", "", "every line: name, direction, level, irq type, armed, latched, irqs", cmd_lines },
	{ "inject", "LINE=LEVEL... [pulse MS] [wait MS]",
	  "set simulated input levels (LEVEL 0, 1, low, high, toggle); pulse: restore after MS; "
	  "wait: reply once the guest took the interrupt", cmd_inject },
};

/* inject's LEVEL words, for `help` (the console completes them). */
static void inject_words(struct vt_json *j, void *arg)
{
	const char *w;

	(void)arg;
	vt_json_arr_begin(j, "level");
	for (unsigned i = 0; (w = vt_level_word(i)); i++)
		vt_json_str(j, NULL, w);
	vt_json_str(j, NULL, "toggle");
	vt_json_arr_end(j);
}

/* Server teardown: every client is gone, so vt_ctl_done only frees. */
static void gpio_ctl_free(void *arg)
{
	struct gpio_ctl *g = arg;

	while (g->ops) {
		struct inject *op = g->ops;
		if (op->r)
			vt_ctl_done(op->r);
		op->r = NULL;
		op_free(op);
	}
	vt_gpio_dev_set_irq_cb(g->dev, NULL, NULL);
	free(g);
}

void vt_ctl_add_gpio(struct vt_ctl_server *s, void *gpio_dev, struct vt_loop *loop)
{
	vt_ctl_add_gpio_tap(s, gpio_dev, loop, NULL, NULL);
}

void vt_ctl_add_gpio_tap(struct vt_ctl_server *s, void *gpio_dev, struct vt_loop *loop,
			 void (*tap)(void *arg, unsigned line), void *tap_arg)
{
	struct gpio_ctl *g = calloc(1, sizeof(*g));

	if (!g) {
		vt_err("control: out of memory for the gpio commands");
		return;
	}
	g->dev = gpio_dev;
	g->loop = loop;
	g->tap = tap;
	g->tap_arg = tap_arg;
	vt_gpio_dev_set_irq_cb(gpio_dev, on_irq, g);
	vt_ctl_server_add(s, gpio_cmds, sizeof(gpio_cmds) / sizeof(gpio_cmds[0]), g);
	vt_ctl_set_words(s, "inject", inject_words, NULL);
	vt_ctl_server_on_free(s, gpio_ctl_free, g);
}
