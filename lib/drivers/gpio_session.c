/* gpioinfo / gpioget / gpiomon behaviour on top of the virtio-gpio driver. */
#include "drivers/gpio_session.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/virtio_gpio.h"
#include "hw/gpio_chip.h"
#include "util/loop.h"
#include "util/parse.h"

enum op_kind { OP_INFO, OP_NAMES, OP_GET, OP_SET, OP_DIR, OP_IRQ, OP_WAIT };

struct op {
	enum op_kind kind;
	char label[96];        /* "set button=1": names the op in errors */
	char *const *lines;    /* line words (set: LINE=V), nlines of them */
	unsigned nlines;
	unsigned value;        /* dir: VT_GPIO_DIR_*; irq: VIRTIO_GPIO_IRQ_TYPE_* */
	int timeout_ms;        /* wait: < 0 forever */
	unsigned count;        /* wait -n: events to take; 0 until the timeout */
	const char *format;    /* wait --format, or NULL */
};

/* irq's words are gpiomon's (--edges rising); dir's are the wire names. */
static const struct vt_tok irq_words[] = {
	{ VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING, "rising" },
	{ VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING, "falling" },
	{ VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH, "both" },
	{ VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH, "high" },
	{ VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW, "low" },
	{ VIRTIO_GPIO_IRQ_TYPE_NONE, "none" },
	{ 0, NULL },
};

#define OPS_HELP "info, names, get N..., set N=V..., dir N in|out|none, " \
	"irq N rising|falling|both|high|low|none, wait N... [--timeout MS] [-n COUNT] [--format FMT]"

/* ---- parsing ------------------------------------------------------------------ */

/* The words that start an operation: a line named like one is given by
 * its offset. */
static bool op_word(const char *w)
{
	static const char *const words[] = { "info", "names", "get", "set", "dir", "irq", "wait" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(w, words[i]))
			return true;
	return false;
}

/* Needs one more word after words[*i] (the op word). */
static bool want_arg(char *const *words, unsigned n, unsigned i, const char *what, char *err, size_t errlen)
{
	if (i + 1 < n && !op_word(words[i + 1]))
		return true;
	snprintf(err, errlen, "%s: missing %s", words[i], what);
	return false;
}

/* "get 1 2": the op word and its arguments [i, j), cut to fit. */
static void make_label(struct op *op, char *const *words, unsigned i, unsigned j)
{
	size_t at = 0;

	op->label[0] = '\0';
	for (unsigned k = i; k < j && at < sizeof(op->label); k++) {
		int r = snprintf(op->label + at, sizeof(op->label) - at, "%s%s", k > i ? " " : "", words[k]);
		if (r < 0)
			break;
		at += (size_t)r;
	}
}

/* The line words after an op word: up to the next op word (or, for wait,
 * an option). */
static unsigned take_lines(char *const *words, unsigned n, unsigned i, bool options)
{
	unsigned j = i;

	while (j < n && !op_word(words[j]) && !(options && words[j][0] == '-'))
		j++;
	return j - i;
}

/* wait's options, gpiomon's: --timeout MS, -n/--num-events COUNT,
 * -F/--format FMT, as "--opt V" or "--opt=V". */
static bool parse_wait_opts(char *const *words, unsigned n, unsigned *i, struct op *op, char *err,
			    size_t errlen)
{
	while (*i < n && words[*i][0] == '-') {
		const char *w = words[*i], *eq = strchr(w, '='), *v;
		size_t nl = eq ? (size_t)(eq - w) : strlen(w);
		unsigned u;
#define IS(name) (nl == strlen(name) && !strncmp(w, name, nl))
		if (!IS("--timeout") && !IS("-n") && !IS("--num-events") && !IS("-F") && !IS("--format")) {
			snprintf(err, errlen, "%s: unknown option '%s' (--timeout MS, -n COUNT, --format FMT)",
				 op->label, w);
			return false;
		}
		if (eq) {
			v = eq + 1;
			*i += 1;
		} else if (*i + 1 < n) {
			v = words[*i + 1];
			*i += 2;
		} else {
			snprintf(err, errlen, "%s: %s wants a value", op->label, w);
			return false;
		}
		if (IS("--timeout")) {
			if (!vt_parse_uint(v, INT_MAX, &u)) {
				snprintf(err, errlen, "%s: --timeout wants milliseconds", op->label);
				return false;
			}
			op->timeout_ms = (int)u;
		} else if (IS("-F") || IS("--format")) {
			op->format = v;
		} else {
			if (!vt_parse_uint(v, INT_MAX, &u)) {
				snprintf(err, errlen, "%s: %.*s wants a number of events (0: until the timeout)",
					 op->label, (int)nl, w);
				return false;
			}
			op->count = u;
		}
#undef IS
	}
	return true;
}

/* Parses one op starting at words[*i]; advances *i past it. */
static bool parse_op(char *const *words, unsigned n, unsigned *i, struct op *op, char *err, size_t errlen)
{
	const char *w = words[*i];
	unsigned first = *i;

	memset(op, 0, sizeof(*op));
	op->timeout_ms = -1;
	op->count = 1;
	if (!strcmp(w, "info") || !strcmp(w, "names")) {
		op->kind = w[0] == 'i' ? OP_INFO : OP_NAMES;
		snprintf(op->label, sizeof(op->label), "%s", w);
		*i += 1;
		return true;
	}
	if (!strcmp(w, "get") || !strcmp(w, "set") || !strcmp(w, "wait")) {
		bool set = w[0] == 's', wait = w[0] == 'w';
		if (!want_arg(words, n, *i, set ? "N=V (set N=V...)" : wait ? "line (wait N... [--timeout MS])" :
				  "line (get N...)", err, errlen))
			return false;
		op->kind = set ? OP_SET : wait ? OP_WAIT : OP_GET;
		op->lines = words + *i + 1;
		op->nlines = take_lines(words, n, *i + 1, wait);
		*i += 1 + op->nlines;
		/* wait's label names the lines, not the options */
		make_label(op, words, first, *i);
		if (wait && !parse_wait_opts(words, n, i, op, err, errlen))
			return false;
		if (op->nlines == 0) {
			snprintf(err, errlen, "%s: missing line (wait N...)", op->label);
			return false;
		}
		for (unsigned k = 0; set && k < op->nlines; k++) {
			const char *a = op->lines[k], *eq = strrchr(a, '=');
			if (!eq || eq == a) {
				snprintf(err, errlen, "set %s: expected N=V (e.g. led=1, led=high)", a);
				return false;
			}
			if (vt_parse_level(eq + 1) < 0) {
				snprintf(err, errlen, "set %s: the value must be %s", a, VT_LEVEL_WORDS);
				return false;
			}
		}
		return true;
	}
	if (!strcmp(w, "dir") || !strcmp(w, "irq")) {
		bool dir = w[0] == 'd';
		const char *choices = dir ? "in|out|none" : "rising|falling|both|high|low|none";
		if (*i + 2 >= n) {
			snprintf(err, errlen, "%s: expected %s N %s", w, w, choices);
			return false;
		}
		const char *v = words[*i + 2];
		bool found = false;
		make_label(op, words, *i, *i + 3);
		for (const struct vt_tok *t = dir ? vt_gpio_direction_names : irq_words; t->s; t++)
			if (!strcmp(v, t->s)) {
				op->value = t->v;
				found = true;
			}
		if (!found) {
			snprintf(err, errlen, "%s: '%s' is not one of %s", op->label, v, choices);
			return false;
		}
		op->kind = dir ? OP_DIR : OP_IRQ;
		op->lines = words + *i + 1;
		op->nlines = 1;
		*i += 3;
		return true;
	}
	snprintf(err, errlen, "%s: unknown operation (" OPS_HELP ")", w);
	return false;
}

/* The length of a line word (set's LINE=V: up to the '='). */
static size_t line_len(const struct op *op, unsigned k)
{
	const char *a = op->lines[k];
	const char *eq = op->kind == OP_SET ? strrchr(a, '=') : NULL;

	return eq ? (size_t)(eq - a) : strlen(a);
}

/* Parses every op; *ops malloc'd (n entries at most). */
static bool parse_ops(char *const *words, unsigned n, struct op **ops, unsigned *nops, char *err,
		      size_t errlen)
{
	*ops = NULL;
	*nops = 0;
	if (n == 0) {
		snprintf(err, errlen, "no operation given");
		return false;
	}
	struct op *v = calloc(n, sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	for (unsigned i = 0; i < n;) {
		if (!parse_op(words, n, &i, &v[*nops], err, errlen)) {
			free(v);
			*nops = 0;
			return false;
		}
		for (unsigned k = 0; k < v[*nops].nlines; k++) {
			if (line_len(&v[*nops], k) == 0) {
				snprintf(err, errlen, "%s: empty line name", v[*nops].label);
				free(v);
				*nops = 0;
				return false;
			}
		}
		(*nops)++;
	}
	*ops = v;
	return true;
}

bool vt_gpio_check_words(char *const *words, unsigned n, char *err, size_t errlen)
{
	struct op *ops;
	unsigned nops;
	bool ok = parse_ops(words, n, &ops, &nops, err, errlen);
	free(ops);
	return ok;
}

/* ---- running -------------------------------------------------------------------- */

struct session {
	struct vt_gpio_driver *d;
	const struct vt_run_opts *o;
	FILE *out;
	char *err;
	size_t errlen;
	char **names;          /* the driver's cache, loaded on first need */
	uint8_t *irq_type;     /* per line: set by this session, 0xff unknown */
};

static enum vt_run_result transport(struct session *s, const struct op *op)
{
	snprintf(s->err, s->errlen, "%s: %s", op->label, s->d->fe->err);
	return VT_RUN_TRANSPORT;
}

/* Reads the names into the driver's cache: always when fresh (the `names`
 * op shows what the device says now), else only the first time. */
static enum vt_run_result load_names(struct session *s, const struct op *op, bool fresh)
{
	char **names;

	if (s->d->names && !fresh) {
		s->names = s->d->names;
		return VT_RUN_OK;
	}
	int rc = vt_gpio_get_names(s->d, &names, s->o->timeout_ms);
	if (rc < 0)
		return transport(s, op);
	if (rc > 0) {
		snprintf(s->err, s->errlen, "%s: GET_LINE_NAMES: the device answered ERR", op->label);
		return VT_RUN_DEVICE_ERR;
	}
	vt_gpio_names_free(s->d->names, s->d->ngpio);
	s->d->names = s->names = names;
	return VT_RUN_OK;
}

/* The op's k-th line word -> offset. */
static enum vt_run_result resolve(struct session *s, const struct op *op, unsigned k, uint16_t *line)
{
	char word[64];
	size_t n = line_len(op, k), len = n < sizeof(word) - 1 ? n : sizeof(word) - 1;
	memcpy(word, op->lines[k], len);
	word[len] = '\0';

	size_t digits = strspn(word, "0123456789");
	if (digits == len && len <= 5) {
		unsigned long v = strtoul(word, NULL, 10);
		if (v < s->d->ngpio) {
			*line = (uint16_t)v;
			return VT_RUN_OK;
		}
	}
	if (s->d->names_size) {
		enum vt_run_result r = load_names(s, op, false);
		if (r != VT_RUN_OK)
			return r;
		for (unsigned i = 0; i < s->d->ngpio; i++)
			if (s->names[i][0] && !strcmp(s->names[i], word)) {
				*line = (uint16_t)i;
				return VT_RUN_OK;
			}
	}
	if (digits == len)
		snprintf(s->err, s->errlen, "%s: no line %s (the device has %u lines, 0-%u)", op->label,
			 word, s->d->ngpio, s->d->ngpio - 1u);
	else
		snprintf(s->err, s->errlen, "%s: no line named '%s'", op->label, word);
	return VT_RUN_USAGE;
}

/* Every line word of op -> offsets, before any request (like gpioget:
 * one bad name and nothing is done). */
static enum vt_run_result resolve_all(struct session *s, const struct op *op, uint16_t *lines)
{
	for (unsigned k = 0; k < op->nlines; k++) {
		enum vt_run_result r = resolve(s, op, k, &lines[k]);
		if (r != VT_RUN_OK)
			return r;
	}
	return VT_RUN_OK;
}

/* Why the device may have answered ERR, from what drive can ask it or
 * knows: virtio-gpio's ERR carries no reason.  "" when nothing can be said. */
static void explain_err(struct session *s, uint16_t type, uint16_t line, char *why, size_t len)
{
	uint8_t st = 0, dir = 0;

	why[0] = '\0';
	if (type != VIRTIO_GPIO_MSG_SET_IRQ_TYPE)
		return;
	/* vitool serve refuses an interrupt on an output (as Linux's
	 * gpiolib does); the direction says whether that is it. */
	if (vt_gpio_request(s->d, VIRTIO_GPIO_MSG_GET_DIRECTION, line, 0, &st, &dir, s->o->timeout_ms) != 0)
		return;
	if (dir == VT_GPIO_DIR_OUT)
		snprintf(why, len, ": line %u is an output, and an interrupt needs an input (dir %u in first)",
			 line, line);
}

/* One requestq message; answers ERR become DEVICE_ERR. */
static enum vt_run_result request(struct session *s, const struct op *op, uint16_t type,
				       uint16_t line, uint32_t value, uint8_t *value_out)
{
	uint8_t status;
	char why[128];
	int rc = vt_gpio_request(s->d, type, line, value, &status, value_out, s->o->timeout_ms);
	if (rc < 0)
		return transport(s, op);
	if (rc > 0) {
		explain_err(s, type, line, why, sizeof(why));
		snprintf(s->err, s->errlen, "%s: %s line %u: the device answered ERR%s", op->label,
			 vt_gpio_msg_name(type), line, why);
		return VT_RUN_DEVICE_ERR;
	}
	return VT_RUN_OK;
}

/* ---- wait: gpiomon ---- */

/* What an event was.  The eventq completion carries only VALID: the edge
 * is the one the line was armed for; for both edges it is read from the
 * level right after the event, as Linux's gpiolib-cdev does for a line
 * whose interrupt cannot say (a second change before that read is missed). */
struct event {
	uint16_t line;
	uint64_t ts_ns;         /* CLOCK_MONOTONIC when drive reaped the completion */
	int code;               /* gpiomon 2.x %e: 1 rising (or level high), 2 falling (or low) */
	const char *upper;      /* "RISING EDGE", "HIGH LEVEL" */
	const char *lower;      /* "rising", "high" */
};

static enum vt_run_result classify(struct session *s, const struct op *op, struct event *e)
{
	uint8_t t = s->irq_type[e->line], v = 0;
	enum vt_run_result r;

	switch (t) {
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING:
		v = 1;
		break;
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING:
		v = 0;
		break;
	case VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH:
	case VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW:
		e->code = t == VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH ? 1 : 2;
		e->upper = e->code == 1 ? "HIGH LEVEL" : "LOW LEVEL";
		e->lower = e->code == 1 ? "high" : "low";
		return VT_RUN_OK;
	default:
		/* both, or a type this run did not set: the level now */
		r = request(s, op, VIRTIO_GPIO_MSG_GET_VALUE, e->line, 0, &v);
		if (r != VT_RUN_OK)
			return r;
	}
	e->code = v ? 1 : 2;
	e->upper = v ? "RISING EDGE" : "FALLING EDGE";
	e->lower = v ? "rising" : "falling";
	return VT_RUN_OK;
}

/* gpiomon's --format: 2.x's %o %l %e %E %S and 1.6's %s %n, %% a percent;
 * anything else is printed as it is (as gpiomon does). */
static void print_formatted(struct session *s, const char *fmt, const struct event *e, const char *name)
{
	unsigned long long sec = e->ts_ns / 1000000000u, nsec = e->ts_ns % 1000000000u;

	for (const char *p = fmt; *p; p++) {
		if (*p != '%' || !p[1]) {
			fputc(*p, s->out);
			continue;
		}
		switch (*++p) {
		case 'o': fprintf(s->out, "%u", e->line); break;
		case 'l': fputs(name[0] ? name : "unnamed", s->out); break;
		case 'e': fprintf(s->out, "%d", e->code); break;
		case 'E': fputs(e->lower, s->out); break;
		case 'S': fprintf(s->out, "%llu.%09llu", sec, nsec); break;
		case 's': fprintf(s->out, "%llu", sec); break;
		case 'n': fprintf(s->out, "%llu", nsec); break;
		case '%': fputc('%', s->out); break;
		default: fputc('%', s->out); fputc(*p, s->out); break;
		}
	}
	fputc('\n', s->out);
}

static void print_event(struct session *s, const struct op *op, const struct event *e)
{
	const char *name = "";

	if (s->d->names_size && load_names(s, op, false) == VT_RUN_OK)
		name = s->names[e->line];
	if (op->format) {
		print_formatted(s, op->format, e, name);
	} else {
		fprintf(s->out, "event: %s offset: %u", e->upper, e->line);
		if (name[0])
			fprintf(s->out, " name: \"%s\"", name);
		/* gpiomon 1.6's timestamp */
		fprintf(s->out, " timestamp: [%8llu.%09llu]\n", (unsigned long long)(e->ts_ns / 1000000000u),
			(unsigned long long)(e->ts_ns % 1000000000u));
	}
	fflush(s->out);
}

static enum vt_run_result invalid(struct session *s, const struct op *op, uint16_t line, uint8_t st)
{
	uint8_t t = s->irq_type[line];

	if (st != VIRTIO_GPIO_IRQ_STATUS_INVALID)
		snprintf(s->err, s->errlen, "%s: the device returned line %u's buffer with status 0x%02x",
			 op->label, line, st);
	else if (t == 0xff)
		snprintf(s->err, s->errlen, "%s: the device returned the buffer INVALID: line %u's interrupt "
			 "is off (a front-end starts with every interrupt off: irq %u TYPE first, in the same run)",
			 op->label, line, line);
	else if (t == VIRTIO_GPIO_IRQ_TYPE_NONE)
		snprintf(s->err, s->errlen, "%s: the device returned the buffer INVALID: line %u's interrupt "
			 "type is none", op->label, line);
	else
		snprintf(s->err, s->errlen, "%s: the device returned the buffer INVALID (is line %u's "
			 "interrupt still enabled? irq %u TYPE)", op->label, line, line);
	return VT_RUN_DEVICE_ERR;
}

static enum vt_run_result run_wait(struct session *s, const struct op *op, const uint16_t *lines)
{
	struct vt_gpio_driver *d = s->d;
	unsigned done = 0;
	int rc;

	for (unsigned k = 0; k < op->nlines; k++) {
		rc = vt_gpio_arm(d, lines[k]);
		if (rc < 0 && rc != -EALREADY)   /* already queued by an earlier wait: keep it */
			return transport(s, op);
	}
	uint64_t deadline = op->timeout_ms < 0 ? 0 : vt_now_ns() + (uint64_t)op->timeout_ms * 1000000;
	for (;;) {
		unsigned got = UINT_MAX, k;
		uint8_t st = 0;
		int ms = op->timeout_ms < 0 ? -1 : vt_ms_until(deadline);
		rc = vt_gpio_wait_event(d, ms, &got, &st);
		struct event e = { .ts_ns = vt_now_ns() };
		if (rc == -ETIMEDOUT) {
			if (op->count == 0 && op->timeout_ms >= 0)
				return VT_RUN_OK;   /* -n 0: every event until the timeout */
			if (done)
				snprintf(s->err, s->errlen, "%s: %u of %u events within %d ms", op->label, done,
					 op->count, op->timeout_ms);
			else
				snprintf(s->err, s->errlen, "%s: no interrupt within %d ms", op->label,
					 op->timeout_ms);
			return VT_RUN_DEVICE_ERR;
		}
		for (k = 0; k < op->nlines && lines[k] != got; k++)
			;
		if (rc == -EPROTO && k == op->nlines)
			continue;    /* a broken completion of another line */
		if (rc < 0)
			return transport(s, op);
		if (k == op->nlines)
			continue;    /* another line armed by an earlier wait */
		if (st != VIRTIO_GPIO_IRQ_STATUS_VALID)
			return invalid(s, op, (uint16_t)got, st);
		e.line = (uint16_t)got;
		enum vt_run_result r = classify(s, op, &e);
		if (r != VT_RUN_OK)
			return r;
		done++;
		/* Unmask again before printing: an edge meanwhile is latched,
		 * not lost (one, as the spec's latch holds one). */
		if (op->count == 0 || done < op->count) {
			rc = vt_gpio_arm(d, e.line);
			if (rc < 0 && rc != -EALREADY)
				return transport(s, op);
		}
		print_event(s, op, &e);
		if (op->count && done >= op->count)
			return VT_RUN_OK;
	}
}

static enum vt_run_result run_op(struct session *s, const struct op *op)
{
	struct vt_gpio_driver *d = s->d;
	enum vt_run_result r;
	uint16_t *lines = NULL;
	uint8_t v = 0;

	if (op->nlines) {
		lines = calloc(op->nlines, sizeof(*lines));
		if (!lines) {
			snprintf(s->err, s->errlen, "%s: out of memory", op->label);
			return VT_RUN_TRANSPORT;
		}
		if ((r = resolve_all(s, op, lines)) != VT_RUN_OK)
			goto out;
	}
	switch (op->kind) {
	case OP_INFO:
		fprintf(s->out, "ngpio: %u\ngpio_names_size: %u\nirq: %s\n", d->ngpio, d->names_size,
			d->irq ? "yes" : "no");
		r = VT_RUN_OK;
		break;
	case OP_NAMES:
		if ((r = load_names(s, op, true)) != VT_RUN_OK)
			break;
		for (unsigned i = 0; i < d->ngpio; i++)
			fprintf(s->out, "%u\t%s\n", i, s->names[i]);
		break;
	case OP_GET:
		/* gpioget: the values on one line, in the order asked */
		for (unsigned k = 0; k < op->nlines; k++) {
			r = request(s, op, VIRTIO_GPIO_MSG_GET_VALUE, lines[k], 0, &v);
			if (r != VT_RUN_OK)
				break;
			fprintf(s->out, "%s%u", k ? " " : "", v);
		}
		if (r == VT_RUN_OK)
			fprintf(s->out, "\n");
		break;
	case OP_SET:
		for (unsigned k = 0; k < op->nlines; k++) {
			int level = vt_parse_level(strrchr(op->lines[k], '=') + 1);
			r = request(s, op, VIRTIO_GPIO_MSG_SET_VALUE, lines[k], (uint32_t)level, NULL);
			if (r != VT_RUN_OK)
				break;
		}
		break;
	case OP_DIR:
		r = request(s, op, VIRTIO_GPIO_MSG_SET_DIRECTION, lines[0], op->value, NULL);
		if (r == VT_RUN_OK && op->value == VT_GPIO_DIR_NONE)
			s->irq_type[lines[0]] = VIRTIO_GPIO_IRQ_TYPE_NONE;   /* state discarded */
		break;
	case OP_IRQ:
		if (!d->irq) {
			snprintf(s->err, s->errlen, "%s: the device does not offer VIRTIO_GPIO_F_IRQ",
				 op->label);
			r = VT_RUN_DEVICE_ERR;
			break;
		}
		r = request(s, op, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, lines[0], op->value, NULL);
		if (r == VT_RUN_OK)
			s->irq_type[lines[0]] = (uint8_t)op->value;
		break;
	case OP_WAIT:
		r = run_wait(s, op, lines);
		break;
	default:
		r = VT_RUN_USAGE;
	}
out:
	free(lines);
	return r;
}

enum vt_run_result vt_gpio_run_words(struct vt_gpio_driver *d, char *const *words, unsigned n,
					  const struct vt_run_opts *o, FILE *out,
					  char *err, size_t errlen)
{
	struct op *ops;
	unsigned nops;
	enum vt_run_result res = VT_RUN_OK;

	if (!parse_ops(words, n, &ops, &nops, err, errlen))
		return VT_RUN_USAGE;
	struct session s = { .d = d, .o = o, .out = out, .err = err, .errlen = errlen };
	s.irq_type = malloc(d->ngpio ? d->ngpio : 1);
	if (!s.irq_type) {
		snprintf(err, errlen, "out of memory");
		free(ops);
		return VT_RUN_TRANSPORT;
	}
	memset(s.irq_type, 0xff, d->ngpio ? d->ngpio : 1);
	for (unsigned i = 0; i < nops && res == VT_RUN_OK; i++) {
		res = run_op(&s, &ops[i]);
		fflush(out);
	}
	free(s.irq_type);
	free(ops);
	return res;
}
