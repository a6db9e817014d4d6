/* Trace filter: a tokenizer, a recursive-descent parser into a small tree,
 * and its evaluation over a vt_trace_view (see filter.h). */
#include "trace/filter.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "devices/registry.h"
#include "vhost/msg.h"
#include "util/parse.h"

enum node_type {
	N_TRUE, N_AND, N_OR, N_NOT,
	N_DEVICE,     /* u: virtio id; s: name when not a number */
	N_INSTANCE, N_QUEUE, N_ID,
	N_KIND,       /* u: record kind */
	N_COMPLETION, N_TIMEOUT, N_LATE, N_OOO,
	N_MSG_DIR,    /* u: a mask of msg_dir values (1 << VT_MSG_*) */
	N_REPLY,      /* a vhost-user reply */
	N_ADDR, N_LINE, N_TYPE,
	N_STATUS,     /* u: VT_DECODE_ST_OK/ERR, or 0 with s: a status name */
	N_LATENCY,    /* cmp, u: ns */
	N_LEVEL,      /* u: a log level; this one or more severe */
};

enum cmp { C_GT, C_GE, C_LT, C_LE, C_EQ };

struct vt_filter {
	enum node_type type;
	enum cmp cmp;
	uint64_t u;
	char s[48];
	struct vt_filter *l, *r;
};

/* ---- tokens ---- */

enum tok_type { T_END, T_WORD, T_LPAREN, T_RPAREN, T_NOT, T_AND, T_OR, T_CMP };

struct tok {
	enum tok_type type;
	size_t pos;         /* 1-based */
	size_t len;
	const char *p;
	enum cmp cmp;
};

struct parser {
	const char *text;
	size_t at;          /* next unread character */
	struct tok t;       /* current token */
	char *err;
	size_t errlen;
	bool failed;
	unsigned depth;     /* "not" and "(" open around the current token */
	unsigned terms;     /* primitives so far */
};

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

static void next(struct parser *p)
{
	const char *s = p->text;

	while (s[p->at] && isspace((unsigned char)s[p->at]))
		p->at++;
	struct tok t = { .pos = p->at + 1, .p = s + p->at, .len = 1 };
	char c = s[p->at];
	if (!c) {
		t.type = T_END;
		t.len = 0;
	} else if (c == '(') {
		t.type = T_LPAREN;
	} else if (c == ')') {
		t.type = T_RPAREN;
	} else if (c == '!' && s[p->at + 1] != '=') {
		t.type = T_NOT;
	} else if (c == '&' && s[p->at + 1] == '&') {
		t.type = T_AND;
		t.len = 2;
	} else if (c == '|' && s[p->at + 1] == '|') {
		t.type = T_OR;
		t.len = 2;
	} else if (c == '>' || c == '<' || c == '=') {
		bool eq = s[p->at + 1] == '=';
		t.type = T_CMP;
		t.len = eq ? 2 : 1;
		t.cmp = c == '>' ? (eq ? C_GE : C_GT) : c == '<' ? (eq ? C_LE : C_LT) : C_EQ;
	} else if (word_char(c)) {
		t.type = T_WORD;
		t.len = 0;
		while (word_char(s[p->at + t.len]))
			t.len++;
	} else {
		t.type = T_WORD;   /* reported as an unexpected character by the parser */
		t.len = 1;
	}
	p->at += t.len;
	p->t = t;
}

static struct vt_filter *error_at(struct parser *p, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static struct vt_filter *error_at(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return NULL;
	p->failed = true;
	int n = snprintf(p->err, p->errlen, "at %zu: ", pos);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return NULL;
}

/* The current token as text, for messages. */
static const char *tok_text(const struct tok *t, char *buf, size_t len)
{
	if (t->type == T_END)
		return "the end";
	snprintf(buf, len, "'%.*s'", (int)(t->len < 32 ? t->len : 32), t->p);
	return buf;
}

static bool is_word(const struct tok *t, const char *w)
{
	return t->type == T_WORD && strlen(w) == t->len && strncasecmp(t->p, w, t->len) == 0;
}

static struct vt_filter *node(enum node_type type)
{
	struct vt_filter *n = calloc(1, sizeof(*n));
	if (n)
		n->type = type;
	return n;
}

void vt_filter_free(struct vt_filter *f)
{
	if (!f)
		return;
	vt_filter_free(f->l);
	vt_filter_free(f->r);
	free(f);
}

static struct vt_filter *parse_or(struct parser *p);

/* A number argument of keyword kw: the current token. */
static bool take_number(struct parser *p, const char *kw, uint64_t max, uint64_t *out)
{
	char buf[48], tmp[40];

	if (p->t.type != T_WORD || p->t.len >= sizeof(tmp)) {
		error_at(p, p->t.pos, "expected a number after '%s', got %s", kw, tok_text(&p->t, buf, sizeof(buf)));
		return false;
	}
	memcpy(tmp, p->t.p, p->t.len);
	tmp[p->t.len] = '\0';
	if (!vt_parse_u64(tmp, max, out)) {
		error_at(p, p->t.pos, "expected a number (0-%" PRIu64 ") after '%s', got '%s'", max, kw, tmp);
		return false;
	}
	next(p);
	return true;
}

/* A name argument of keyword kw (copied into n->s). */
static bool take_name(struct parser *p, const char *kw, struct vt_filter *n)
{
	char buf[48];

	if (p->t.type != T_WORD || !word_char(p->t.p[0]) || is_word(&p->t, "and") || is_word(&p->t, "or") ||
	    is_word(&p->t, "not")) {
		error_at(p, p->t.pos, "expected a name after '%s', got %s", kw, tok_text(&p->t, buf, sizeof(buf)));
		return false;
	}
	if (p->t.len >= sizeof(n->s)) {
		error_at(p, p->t.pos, "name after '%s' is too long", kw);
		return false;
	}
	memcpy(n->s, p->t.p, p->t.len);
	n->s[p->t.len] = '\0';
	next(p);
	return true;
}

static const char *const units[] = { "ns", "us", "ms", "s" };

/* latency CMP DURATION: the duration in vt_parse_duration_ns's words, its
 * unit also as a word of its own ("5 ms"). */
static bool take_latency(struct parser *p, struct vt_filter *n)
{
	char buf[48], tmp[40];

	if (p->t.type != T_CMP) {
		error_at(p, p->t.pos, "expected > >= < <= or = after 'latency', got %s", tok_text(&p->t, buf, sizeof(buf)));
		return false;
	}
	n->cmp = p->t.cmp;
	next(p);
	size_t pos = p->t.pos;
	if (p->t.type != T_WORD || p->t.len >= sizeof(tmp) - 3 || !isdigit((unsigned char)p->t.p[0])) {
		error_at(p, pos, "expected a duration (5ms, 200us, 1s) after 'latency %s', got %s",
			 n->cmp == C_GT ? ">" : n->cmp == C_GE ? ">=" : n->cmp == C_LT ? "<" : n->cmp == C_LE ? "<=" : "=",
			 tok_text(&p->t, buf, sizeof(buf)));
		return false;
	}
	memcpy(tmp, p->t.p, p->t.len);
	tmp[p->t.len] = '\0';
	next(p);
	bool has_unit = tmp[strspn(tmp, "0123456789.eE+-")] != '\0';
	if (!has_unit && p->t.type == T_WORD) {
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (is_word(&p->t, units[i])) {
				strcat(tmp, units[i]);   /* at most 2 more bytes: room kept above */
				has_unit = true;
				next(p);
				break;
			}
	}
	if (vt_parse_duration_ns(tmp, UINT64_MAX, &n->u))
		return true;
	if (has_unit)
		error_at(p, pos, "bad duration '%s' (a number and ns, us, ms or s)", tmp);
	else
		error_at(p, pos, "duration '%s' needs a unit: ns, us, ms or s", tmp);
	return false;
}

/* Keywords that stand alone. */
static const struct {
	const char *word;
	enum node_type type;
	uint64_t u;
	const char *s;
} simple[] = {
	{ "avail", N_KIND, VT_REC_AVAIL, NULL },
	{ "used", N_COMPLETION, 0, NULL },
	{ "kick", N_KIND, VT_REC_KICK, NULL },
	{ "call", N_KIND, VT_REC_CALL, NULL },
	{ "irq", N_KIND, VT_REC_IRQ_INJECTED, NULL },
	{ "timeout", N_TIMEOUT, 0, NULL },
	{ "late", N_LATE, 0, NULL },
	{ "ooo", N_OOO, 0, NULL },
	{ "error", N_KIND, VT_REC_RING_ERROR, NULL },
	{ "ring-error", N_KIND, VT_REC_RING_ERROR, NULL },
	{ "vhost", N_KIND, VT_REC_VHOST_MSG, NULL },
	{ "vhost-msg", N_KIND, VT_REC_VHOST_MSG, NULL },
	{ "config", N_KIND, VT_REC_CONFIG, NULL },
	{ "connect", N_KIND, VT_REC_CONNECT, NULL },
	{ "disconnect", N_KIND, VT_REC_DISCONNECT, NULL },
	{ "drops", N_KIND, VT_TRACE_KIND_DROPS, NULL },
	{ "log", N_KIND, VT_REC_LOG, NULL },
	/* vhost-user messages by direction (record version 2 on) */
	{ "to-backend", N_MSG_DIR, (1u << VT_MSG_TO_BACKEND) | (1u << VT_MSG_CHANNEL_REPLY), NULL },
	{ "to-frontend", N_MSG_DIR, (1u << VT_MSG_TO_FRONTEND) | (1u << VT_MSG_CHANNEL_REQUEST), NULL },
	{ "channel", N_MSG_DIR, (1u << VT_MSG_CHANNEL_REQUEST) | (1u << VT_MSG_CHANNEL_REPLY), NULL },
	{ "reply", N_REPLY, 0, NULL },
};

/* Keywords followed by a number. */
static const struct {
	const char *word;
	enum node_type type;
	uint64_t max;
} numeric[] = {
	{ "q", N_QUEUE, UINT16_MAX },
	{ "queue", N_QUEUE, UINT16_MAX },
	{ "instance", N_INSTANCE, UINT16_MAX },
	{ "id", N_ID, UINT64_MAX },
	{ "addr", N_ADDR, 0x3ff },
	{ "line", N_LINE, UINT16_MAX },
};

/* Keywords followed by a name (or a comparison and a duration). */
static const char *const named[] = { "type", "status", "device", "latency", "level" };

/* level NAME: syslog's words and their short forms (journalctl -p). */
static const struct {
	const char *word;
	int level;
} level_words[] = {
	{ "error", 0 }, { "err", 0 }, { "warning", 1 }, { "warn", 1 }, { "info", 2 }, { "debug", 3 },
};

static bool take_level(struct parser *p, struct vt_filter *n)
{
	char buf[48];

	for (size_t i = 0; i < sizeof(level_words) / sizeof(level_words[0]); i++) {
		if (is_word(&p->t, level_words[i].word)) {
			n->u = (uint64_t)level_words[i].level;
			next(p);
			return true;
		}
	}
	error_at(p, p->t.pos, "expected error, warning, info or debug after 'level', got %s",
		 tok_text(&p->t, buf, sizeof(buf)));
	return false;
}

/* A device type's words, from the registry: its name ("i2c" means "device
 * i2c") and the request types its decoder lets stand alone ("read" means
 * "type read").  False when w is neither. */
static bool device_word(const struct tok *w, enum node_type *type, uint64_t *id, const char **name)
{
	for (size_t i = 0; i < vt_device_count(); i++) {
		const struct vt_device_type *t = vt_device_at(i);
		if (is_word(w, t->name)) {
			*type = N_DEVICE;
			*id = t->virtio_id;
			return true;
		}
		for (const char *const *tw = t->decoder->type_words; tw && *tw; tw++) {
			if (is_word(w, *tw)) {
				*type = N_TYPE;
				*name = *tw;
				return true;
			}
		}
	}
	return false;
}

static struct vt_filter *parse_primitive(struct parser *p)
{
	char buf[48];
	struct tok kw = p->t;

	if (kw.type != T_WORD || !word_char(kw.p[0]))
		return error_at(p, kw.pos, "expected a filter primitive, got %s", tok_text(&kw, buf, sizeof(buf)));
	if (++p->terms > VT_FILTER_TERMS_MAX)
		return error_at(p, kw.pos, "too many terms (at most %d)", VT_FILTER_TERMS_MAX);
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		if (!is_word(&kw, simple[i].word))
			continue;
		struct vt_filter *n = node(simple[i].type);
		if (!n)
			return error_at(p, kw.pos, "out of memory");
		n->u = simple[i].u;
		if (simple[i].s)
			snprintf(n->s, sizeof(n->s), "%s", simple[i].s);
		next(p);
		return n;
	}
	enum node_type dt;
	uint64_t did = 0;
	const char *dname = NULL;
	if (device_word(&kw, &dt, &did, &dname)) {
		struct vt_filter *n = node(dt);
		if (!n)
			return error_at(p, kw.pos, "out of memory");
		n->u = did;
		if (dname)
			snprintf(n->s, sizeof(n->s), "%s", dname);
		next(p);
		return n;
	}

	for (size_t i = 0; i < sizeof(numeric) / sizeof(numeric[0]); i++) {
		if (!is_word(&kw, numeric[i].word))
			continue;
		struct vt_filter *n = node(numeric[i].type);
		if (!n)
			return error_at(p, kw.pos, "out of memory");
		next(p);
		if (!take_number(p, numeric[i].word, numeric[i].max, &n->u)) {
			free(n);
			return NULL;
		}
		return n;
	}

	/* "q0", as the lines print it. */
	if (kw.len > 1 && (kw.p[0] == 'q' || kw.p[0] == 'Q') && isdigit((unsigned char)kw.p[1])) {
		char tmp[16];
		uint64_t q;
		if (kw.len < sizeof(tmp)) {
			memcpy(tmp, kw.p + 1, kw.len - 1);
			tmp[kw.len - 1] = '\0';
			if (vt_parse_u64(tmp, UINT16_MAX, &q)) {
				struct vt_filter *n = node(N_QUEUE);
				if (!n)
					return error_at(p, kw.pos, "out of memory");
				n->u = q;
				next(p);
				return n;
			}
		}
	}

	enum node_type t;
	const char *w;
	if (is_word(&kw, "type"))
		t = N_TYPE, w = "type";
	else if (is_word(&kw, "status"))
		t = N_STATUS, w = "status";
	else if (is_word(&kw, "device"))
		t = N_DEVICE, w = "device";
	else if (is_word(&kw, "latency"))
		t = N_LATENCY, w = "latency";
	else if (is_word(&kw, "level"))
		t = N_LEVEL, w = "level";
	else
		return error_at(p, kw.pos, "unknown filter word %s", tok_text(&kw, buf, sizeof(buf)));
	struct vt_filter *n = node(t);
	if (!n)
		return error_at(p, kw.pos, "out of memory");
	next(p);
	bool ok;
	if (t == N_LATENCY) {
		ok = take_latency(p, n);
	} else if (t == N_LEVEL) {
		ok = take_level(p, n);
	} else {
		ok = take_name(p, w, n);
		if (ok && t == N_STATUS)
			n->u = !strcasecmp(n->s, "ok") ? VT_DECODE_ST_OK : !strcasecmp(n->s, "err") ? VT_DECODE_ST_ERR : 0;
		if (ok && t == N_DEVICE) {
			uint64_t id;
			if (vt_parse_u64(n->s, UINT32_MAX, &id)) {
				n->u = id;
				n->s[0] = '\0';
			} else {
				/* A known name becomes its id: "device i2c" == "i2c". */
				for (size_t d = 0; d < vt_device_count(); d++) {
					if (!strcasecmp(vt_device_at(d)->name, n->s)) {
						n->u = vt_device_at(d)->virtio_id;
						n->s[0] = '\0';
						break;
					}
				}
			}
		}
	}
	if (!ok) {
		free(n);
		return NULL;
	}
	return n;
}

static bool starts_unary(const struct tok *t)
{
	if (t->type == T_LPAREN || t->type == T_NOT)
		return true;
	return t->type == T_WORD && !is_word(t, "and") && !is_word(t, "or");
}

/* Recursion is bounded by VT_FILTER_DEPTH_MAX: the text comes from the
 * user (a command line, a console line), and 100,000 '!' or '(' used to
 * overflow the stack. */
static struct vt_filter *parse_nested(struct parser *p);

static struct vt_filter *parse_unary(struct parser *p)
{
	if (p->t.type != T_NOT && !is_word(&p->t, "not") && p->t.type != T_LPAREN)
		return parse_primitive(p);
	if (p->depth == VT_FILTER_DEPTH_MAX)
		return error_at(p, p->t.pos, "nested too deeply (at most %d levels of 'not' and '(')",
				VT_FILTER_DEPTH_MAX);
	p->depth++;
	struct vt_filter *n = parse_nested(p);
	p->depth--;
	return n;
}

static struct vt_filter *parse_nested(struct parser *p)
{
	if (p->t.type == T_NOT || is_word(&p->t, "not")) {
		next(p);
		struct vt_filter *c = parse_unary(p);
		if (!c)
			return NULL;
		struct vt_filter *n = node(N_NOT);
		if (!n) {
			vt_filter_free(c);
			return error_at(p, p->t.pos, "out of memory");
		}
		n->l = c;
		return n;
	}
	size_t open = p->t.pos;
	next(p);
	struct vt_filter *n = parse_or(p);
	if (!n)
		return NULL;
	if (p->t.type != T_RPAREN) {
		char buf[48];
		vt_filter_free(n);
		return error_at(p, p->t.pos, "expected ')' to close the '(' at %zu, got %s", open,
				tok_text(&p->t, buf, sizeof(buf)));
	}
	next(p);
	return n;
}

static struct vt_filter *binary(struct parser *p, enum node_type type, struct vt_filter *l, struct vt_filter *r)
{
	struct vt_filter *n = node(type);

	if (!n) {
		vt_filter_free(l);
		vt_filter_free(r);
		return error_at(p, p->t.pos, "out of memory");
	}
	n->l = l;
	n->r = r;
	return n;
}

static struct vt_filter *parse_and(struct parser *p)
{
	struct vt_filter *l = parse_unary(p);

	while (l) {
		if (p->t.type == T_AND || is_word(&p->t, "and"))
			next(p);
		else if (!starts_unary(&p->t))
			break;
		struct vt_filter *r = parse_unary(p);
		if (!r) {
			vt_filter_free(l);
			return NULL;
		}
		l = binary(p, N_AND, l, r);
	}
	return l;
}

static struct vt_filter *parse_or(struct parser *p)
{
	struct vt_filter *l = parse_and(p);

	while (l && (p->t.type == T_OR || is_word(&p->t, "or"))) {
		next(p);
		struct vt_filter *r = parse_and(p);
		if (!r) {
			vt_filter_free(l);
			return NULL;
		}
		l = binary(p, N_OR, l, r);
	}
	return l;
}

struct vt_filter *vt_filter_compile(const char *text, char *err, size_t errlen)
{
	struct parser p = { .text = text ? text : "", .err = err, .errlen = errlen };
	char buf[48];

	if (errlen)
		err[0] = '\0';
	next(&p);
	if (p.t.type == T_END)
		return node(N_TRUE);
	struct vt_filter *f = parse_or(&p);
	if (f && p.t.type != T_END) {
		vt_filter_free(f);
		return error_at(&p, p.t.pos, "unexpected %s", tok_text(&p.t, buf, sizeof(buf)));
	}
	if (!f && !p.failed)
		error_at(&p, p.t.pos, "out of memory");
	return f;
}

/* Names compare without case, '-' and '_' alike: GET_VALUE, get-value. */
static bool name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = (char)tolower((unsigned char)(*a == '-' ? '_' : *a));
		char y = (char)tolower((unsigned char)(*b == '-' ? '_' : *b));
		if (x != y)
			return false;
	}
	return !*a && !*b;
}

bool vt_filter_match(const struct vt_filter *f, const struct vt_trace_view *v)
{
	const struct vt_rec *r = v->rec;

	switch (f->type) {
	case N_TRUE: return true;
	case N_AND: return vt_filter_match(f->l, v) && vt_filter_match(f->r, v);
	case N_OR: return vt_filter_match(f->l, v) || vt_filter_match(f->r, v);
	case N_NOT: return !vt_filter_match(f->l, v);
	case N_DEVICE: return f->s[0] ? name_eq(f->s, v->device) : r->virtio_id == f->u;
	case N_INSTANCE: return r->instance == f->u;
	case N_QUEUE: return v->has_queue && r->queue == f->u;
	case N_ID: return v->has_id && r->req_id == f->u;
	case N_KIND: return r->kind == f->u;
	case N_COMPLETION: return v->completion;
	case N_TIMEOUT: return v->timed_out;
	case N_LATE: return v->late;
	case N_OOO: return v->ooo;
	case N_MSG_DIR:
		return r->kind == VT_REC_VHOST_MSG && r->has_msg && r->msg_dir < 32 && ((1u << r->msg_dir) & f->u);
	case N_REPLY: return r->kind == VT_REC_VHOST_MSG && r->has_msg && (r->msg_flags & VT_VHOST_FLAG_REPLY);
	case N_ADDR: return v->f.has_addr && v->f.addr == f->u;
	case N_LINE: return v->f.has_line && v->f.line == f->u;
	case N_TYPE: return v->f.type && name_eq(f->s, v->f.type);
	case N_STATUS:
		if (f->u)
			return v->f.status == f->u;
		return v->f.status_name && name_eq(f->s, v->f.status_name);
	case N_LEVEL: {
		int l = vt_rec_log_level(r);
		return l >= 0 && (uint64_t)l <= f->u;
	}
	case N_LATENCY: {
		if (!v->has_latency)
			return false;
		uint64_t l = r->latency_ns;
		switch (f->cmp) {
		case C_GT: return l > f->u;
		case C_GE: return l >= f->u;
		case C_LT: return l < f->u;
		case C_LE: return l <= f->u;
		case C_EQ: return l == f->u;
		}
		return false;
	}
	}
	return false;
}

void vt_filter_words(void (*fn)(const char *word, bool takes_value, void *arg), void *arg)
{
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		fn(simple[i].word, false, arg);
	for (size_t i = 0; i < sizeof(numeric) / sizeof(numeric[0]); i++)
		fn(numeric[i].word, true, arg);
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		fn(named[i], true, arg);
	for (size_t i = 0; i < vt_device_count(); i++) {
		const struct vt_device_type *t = vt_device_at(i);
		fn(t->name, false, arg);
		for (const char *const *tw = t->decoder->type_words; tw && *tw; tw++)
			fn(*tw, false, arg);
	}
	fn("and", false, arg);
	fn("or", false, arg);
	fn("not", false, arg);
}
