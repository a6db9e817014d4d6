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
	const char *line;      /* line word, or NULL */
	size_t line_len;       /* of the line word (set N=V: up to '=') */
	unsigned value;        /* set: level; dir: VT_GPIO_DIR_*; irq: VIRTIO_GPIO_IRQ_TYPE_* */
	int timeout_ms;        /* wait: < 0 forever */
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

/* ---- parsing ------------------------------------------------------------------ */

/* Needs one more word after words[*i] (the op word). */
static bool want_arg(char *const *words, unsigned n, unsigned i, const char *what, char *err, size_t errlen)
{
	if (i + 1 < n)
		return true;
	snprintf(err, errlen, "%s: missing %s", words[i], what);
	return false;
}

/* Parses one op starting at words[*i]; advances *i past it. */
static bool parse_op(char *const *words, unsigned n, unsigned *i, struct op *op, char *err, size_t errlen)
{
	const char *w = words[*i];

	memset(op, 0, sizeof(*op));
	op->timeout_ms = -1;
	if (!strcmp(w, "info") || !strcmp(w, "names")) {
		op->kind = w[0] == 'i' ? OP_INFO : OP_NAMES;
		snprintf(op->label, sizeof(op->label), "%s", w);
		*i += 1;
		return true;
	}
	if (!strcmp(w, "get")) {
		if (!want_arg(words, n, *i, "line (get N)", err, errlen))
			return false;
		op->kind = OP_GET;
		op->line = words[*i + 1];
		op->line_len = strlen(op->line);
		snprintf(op->label, sizeof(op->label), "get %s", op->line);
		*i += 2;
		return true;
	}
	if (!strcmp(w, "set")) {
		if (!want_arg(words, n, *i, "N=V", err, errlen))
			return false;
		const char *a = words[*i + 1];
		const char *eq = strrchr(a, '=');
		snprintf(op->label, sizeof(op->label), "set %s", a);
		if (!eq || eq == a) {
			snprintf(err, errlen, "set %s: expected N=V (line=0 or line=1)", a);
			return false;
		}
		if (!vt_parse_uint(eq + 1, 1, &op->value)) {
			snprintf(err, errlen, "set %s: the value must be 0 or 1", a);
			return false;
		}
		op->kind = OP_SET;
		op->line = a;
		op->line_len = (size_t)(eq - a);
		*i += 2;
		return true;
	}
	if (!strcmp(w, "dir") || !strcmp(w, "irq")) {
		bool dir = w[0] == 'd';
		const char *choices = dir ? "in|out|none" : "rising|falling|both|high|low|none";
		if (*i + 2 >= n) {
			snprintf(err, errlen, "%s: expected %s N %s", w, w, choices);
			return false;
		}
		const char *l = words[*i + 1], *v = words[*i + 2];
		bool found = false;
		snprintf(op->label, sizeof(op->label), "%s %s %s", w, l, v);
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
		op->line = l;
		op->line_len = strlen(l);
		*i += 3;
		return true;
	}
	if (!strcmp(w, "wait")) {
		if (!want_arg(words, n, *i, "line (wait N [--timeout MS])", err, errlen))
			return false;
		op->kind = OP_WAIT;
		op->line = words[*i + 1];
		op->line_len = strlen(op->line);
		snprintf(op->label, sizeof(op->label), "wait %s", op->line);
		*i += 2;
		if (*i < n && !strncmp(words[*i], "--timeout", 9)) {
			const char *t = NULL;
			if (words[*i][9] == '=') {
				t = words[*i] + 10;
				*i += 1;
			} else if (words[*i][9] == '\0' && *i + 1 < n) {
				t = words[*i + 1];
				*i += 2;
			}
			unsigned ms;
			if (!t || !vt_parse_uint(t, INT_MAX, &ms)) {
				snprintf(err, errlen, "%s: --timeout wants milliseconds", op->label);
				return false;
			}
			op->timeout_ms = (int)ms;
		}
		return true;
	}
	snprintf(err, errlen, "%s: unknown operation (info, names, get N, set N=V, dir N in|out|none, "
		 "irq N rising|falling|both|high|low|none, wait N [--timeout MS])", w);
	return false;
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
		if (v[*nops].line && v[*nops].line_len == 0) {
			snprintf(err, errlen, "%s: empty line name", v[*nops].label);
			free(v);
			*nops = 0;
			return false;
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

/* The op's line word -> offset. */
static enum vt_run_result resolve(struct session *s, const struct op *op, uint16_t *line)
{
	char word[64];
	size_t len = op->line_len < sizeof(word) - 1 ? op->line_len : sizeof(word) - 1;
	memcpy(word, op->line, len);
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

/* One requestq message; answers ERR become DEVICE_ERR. */
static enum vt_run_result request(struct session *s, const struct op *op, uint16_t type,
				       uint16_t line, uint32_t value, uint8_t *value_out)
{
	uint8_t status;
	int rc = vt_gpio_request(s->d, type, line, value, &status, value_out, s->o->timeout_ms);
	if (rc < 0)
		return transport(s, op);
	if (rc > 0) {
		snprintf(s->err, s->errlen, "%s: %s line %u: the device answered ERR", op->label,
			 vt_gpio_msg_name(type), line);
		return VT_RUN_DEVICE_ERR;
	}
	return VT_RUN_OK;
}

static enum vt_run_result run_wait(struct session *s, const struct op *op, uint16_t line)
{
	struct vt_gpio_driver *d = s->d;
	int rc = vt_gpio_arm(d, line);
	if (rc < 0 && rc != -EALREADY)   /* already queued by an earlier wait: keep it */
		return transport(s, op);

	uint64_t deadline = op->timeout_ms < 0 ? 0 : vt_now_ns() + (uint64_t)op->timeout_ms * 1000000;
	for (;;) {
		unsigned got = UINT_MAX;
		uint8_t st = 0;
		int ms = -1;
		if (op->timeout_ms >= 0)
			ms = vt_ms_until(deadline);
		rc = vt_gpio_wait_event(d, ms, &got, &st);
		if (rc == -ETIMEDOUT) {
			snprintf(s->err, s->errlen, "%s: no interrupt within %d ms", op->label, op->timeout_ms);
			return VT_RUN_DEVICE_ERR;
		}
		if (rc == -EPROTO && got != line)
			continue;    /* a broken completion of another line */
		if (rc < 0)
			return transport(s, op);
		if (got != line)
			continue;    /* another line armed by an earlier wait */
		if (st != VIRTIO_GPIO_IRQ_STATUS_VALID) {
			snprintf(s->err, s->errlen,
				 "%s: the device returned the buffer %s (is the interrupt enabled? irq %u TYPE)",
				 op->label, st == VIRTIO_GPIO_IRQ_STATUS_INVALID ? "INVALID" : "with a bad status",
				 line);
			return VT_RUN_DEVICE_ERR;
		}
		break;
	}

	/* Which edge: from the type this session set, else from the level now. */
	const char *edge = NULL;
	uint8_t t = s->irq_type[line];
	if (t == VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING)
		edge = "RISING";
	else if (t == VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING)
		edge = "FALLING";
	if (!edge) {
		uint8_t v = 0;
		enum vt_run_result r = request(s, op, VIRTIO_GPIO_MSG_GET_VALUE, line, 0, &v);
		if (r != VT_RUN_OK)
			return r;
		edge = v ? "RISING" : "FALLING";
	}
	const char *name = "";
	if (d->names_size && load_names(s, op, false) == VT_RUN_OK)
		name = s->names[line];
	fprintf(s->out, "event: %s EDGE offset: %u", edge, line);
	if (name[0])
		fprintf(s->out, " name: \"%s\"", name);
	fprintf(s->out, "\n");
	return VT_RUN_OK;
}

static enum vt_run_result run_op(struct session *s, const struct op *op)
{
	struct vt_gpio_driver *d = s->d;
	enum vt_run_result r;
	uint16_t line = 0;
	uint8_t v = 0;

	if (op->line && (r = resolve(s, op, &line)) != VT_RUN_OK)
		return r;
	switch (op->kind) {
	case OP_INFO:
		fprintf(s->out, "ngpio: %u\ngpio_names_size: %u\nirq: %s\n", d->ngpio, d->names_size,
			d->irq ? "yes" : "no");
		return VT_RUN_OK;
	case OP_NAMES:
		if ((r = load_names(s, op, true)) != VT_RUN_OK)
			return r;
		for (unsigned i = 0; i < d->ngpio; i++)
			fprintf(s->out, "%u\t%s\n", i, s->names[i]);
		return VT_RUN_OK;
	case OP_GET:
		r = request(s, op, VIRTIO_GPIO_MSG_GET_VALUE, line, 0, &v);
		if (r == VT_RUN_OK)
			fprintf(s->out, "%u\n", v);
		return r;
	case OP_SET:
		return request(s, op, VIRTIO_GPIO_MSG_SET_VALUE, line, op->value, NULL);
	case OP_DIR:
		r = request(s, op, VIRTIO_GPIO_MSG_SET_DIRECTION, line, op->value, NULL);
		if (r == VT_RUN_OK && op->value == VT_GPIO_DIR_NONE)
			s->irq_type[line] = VIRTIO_GPIO_IRQ_TYPE_NONE;   /* state discarded */
		return r;
	case OP_IRQ:
		if (!d->irq) {
			snprintf(s->err, s->errlen, "%s: the device does not offer VIRTIO_GPIO_F_IRQ",
				 op->label);
			return VT_RUN_DEVICE_ERR;
		}
		r = request(s, op, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, line, op->value, NULL);
		if (r == VT_RUN_OK)
			s->irq_type[line] = (uint8_t)op->value;
		return r;
	case OP_WAIT:
		return run_wait(s, op, line);
	}
	return VT_RUN_USAGE;
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
