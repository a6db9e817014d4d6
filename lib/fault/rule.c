/* Fault rules: parsing, selecting, firing (see fault.h). */
#include "fault/fault.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode/decode.h"
#include "devices/registry.h"
#include "util/parse.h"
#include "virtio/names.h"

#define MAX_WORDS 32
#define MAX_DELAY_NS (UINT64_C(86400) * 1000000000u)   /* a day */

uint32_t vt_fault_fail_status_last(const struct vt_chain *c, uint8_t status, uint32_t used_len)
{
	if (c->write_len)
		vt_chain_write(c, c->write_len - 1, &status, 1);
	return used_len;
}

const char *vt_fault_kind_name(enum vt_fault_kind k)
{
	switch (k) {
	case VT_FAULT_DELAY: return "delay";
	case VT_FAULT_FAIL: return "fail";
	case VT_FAULT_HOLD: return "hold";
	case VT_FAULT_REORDER: return "reorder";
	}
	return "?";
}

static int bad(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Names compare without case, '-' and '_' alike: "get-value" is the
 * decoder's "GET_VALUE". */
static bool name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return !*a && !*b;
}

static const struct vt_device_faults *faults_of(const struct vt_device_type *t)
{
	return t ? t->faults : NULL;
}

/* The type names a rule takes for t: the decoder's words, then the
 * descriptor's table; i-th, NULL past the end. */
static const char *type_name(const struct vt_device_type *t, unsigned i)
{
	const char *const *tw = t && t->decoder ? t->decoder->type_words : NULL;
	const struct vt_device_faults *df = faults_of(t);

	for (; tw && *tw; tw++, i--)
		if (!i)
			return *tw;
	for (const struct vt_tok *k = df ? df->types : NULL; k && k->s; k++, i--)
		if (!i)
			return k->s;
	return NULL;
}

static const char *type_word(const struct vt_device_type *t, const char *w)
{
	const char *const *tw = t && t->decoder ? t->decoder->type_words : NULL;

	for (; tw && *tw; tw++)
		if (name_eq(*tw, w))
			return *tw;
	return NULL;
}

static const struct vt_fault_selector *selector(const struct vt_device_type *t, const char *w)
{
	const struct vt_device_faults *df = faults_of(t);

	for (const struct vt_fault_selector *s = df ? df->selectors : NULL; s && s->word; s++)
		if (!strcasecmp(s->word, w))
			return s;
	return NULL;
}

/* A name as rules are written: lower case, '-' for '_' ("get-value"). */
static const char *rule_case(const char *p, char *low, size_t len)
{
	size_t n = 0;

	for (; p[n] && n < len - 1; n++)
		low[n] = p[n] == '_' ? '-' : (char)(p[n] >= 'A' && p[n] <= 'Z' ? p[n] - 'A' + 'a' : p[n]);
	low[n] = '\0';
	return low;
}

void vt_fault_rule_words(const struct vt_device_type *t,
			 void (*fn)(const char *list, const char *word, void *arg), void *arg)
{
	/* The words parse_words() takes, in its order. */
	static const char *const options[] = { "jitter", "window", "every", "probability", "seed",
					       "queue", "type", NULL };
	const struct vt_device_faults *df = faults_of(t);
	const char *p;
	char low[64];

	for (int k = VT_FAULT_DELAY; k <= VT_FAULT_REORDER; k++)
		fn("kind", vt_fault_kind_name((enum vt_fault_kind)k), arg);
	for (const char *const *o = options; *o; o++)
		fn("option", *o, arg);
	for (unsigned i = 0; (p = type_name(t, i)); i++)
		fn("type", rule_case(p, low, sizeof(low)), arg);
	for (const char *const *tw = t && t->decoder ? t->decoder->type_words : NULL; tw && *tw; tw++)
		fn("type-word", *tw, arg);
	for (const struct vt_fault_alias *a = df ? df->aliases : NULL; a && a->word; a++)
		fn("type-word", a->word, arg);
	for (const struct vt_fault_selector *sel = df ? df->selectors : NULL; sel && sel->word; sel++)
		fn("selector", sel->word, arg);
	/* after the selectors: each list comes in one run */
	for (const struct vt_fault_selector *sel = df ? df->selectors : NULL; sel && sel->word; sel++)
		for (const struct vt_tok *k = sel->names; k && k->s; k++)
			fn(sel->word, rule_case(k->s, low, sizeof(low)), arg);
}

/* "what this device's rules can say", for an unknown word. */
static void words_help(const struct vt_device_type *t, char *buf, size_t len)
{
	const struct vt_device_faults *df = faults_of(t);
	size_t n = 0;

	n += (size_t)snprintf(buf, len, "queue N, type NAME");
	for (const char *const *tw = t && t->decoder ? t->decoder->type_words : NULL; tw && *tw && n < len; tw++)
		n += (size_t)snprintf(buf + n, len - n, ", %s", *tw);
	for (const struct vt_fault_alias *a = df ? df->aliases : NULL; a && a->word && n < len; a++)
		n += (size_t)snprintf(buf + n, len - n, ", %s", a->word);
	for (const struct vt_fault_selector *s = df ? df->selectors : NULL; s && s->word && n < len; s++)
		n += (size_t)snprintf(buf + n, len - n, ", %s %s", s->word, s->names ? "N|NAME" : "N");
	if (n < len)
		snprintf(buf + n, len - n, ", every N, probability P [seed S]");
}

/* N or A-B. */
static bool parse_range(const char *s, uint64_t max, uint64_t *lo, uint64_t *hi)
{
	char a[32];
	const char *dash = strchr(s, '-');

	if (!dash)
		return vt_parse_u64(s, max, lo) && (*hi = *lo, true);
	if ((size_t)(dash - s) >= sizeof(a))
		return false;
	memcpy(a, s, (size_t)(dash - s));
	a[dash - s] = '\0';
	return vt_parse_u64(a, max, lo) && vt_parse_u64(dash + 1, max, hi) && *lo <= *hi;
}

/* A selector's VALUE by name (scmi protocol sensor). */
static bool named_value(const struct vt_fault_selector *fs, const char *v, uint64_t *lo, uint64_t *hi)
{
	for (const struct vt_tok *k = fs->names; k && k->s; k++)
		if (name_eq(k->s, v)) {
			*lo = *hi = k->v;
			return true;
		}
	return false;
}

static int add_sel(struct vt_fault_rule *r, const struct vt_fault_sel *s, const char *word, char *err,
		   size_t errlen)
{
	for (unsigned i = 0; i < r->nsel; i++)
		if (r->sel[i].what == s->what && (s->what != VT_SEL_FIELD || !strcmp(r->sel[i].key, s->key)))
			return bad(err, errlen, "'%s' given twice", word);
	if (r->nsel == VT_FAULT_MAX_SEL)
		return bad(err, errlen, "at most %d selectors", VT_FAULT_MAX_SEL);
	r->sel[r->nsel++] = *s;
	if (s->what != VT_SEL_QUEUE)
		r->needs_fields = true;
	return 0;
}

static int parse_queue(struct vt_fault_sel *s, const struct vt_device_type *t, const char *v, char *err,
		       size_t errlen)
{
	unsigned nq = t && t->num_queues ? t->num_queues : 1;

	s->what = VT_SEL_QUEUE;
	for (unsigned i = 0; t && t->queue_names && t->queue_names[i]; i++)
		if (!strcasecmp(t->queue_names[i], v)) {
			s->lo = s->hi = i;
			return 0;
		}
	if (!parse_range(v, UINT16_MAX, &s->lo, &s->hi))
		return bad(err, errlen, "queue wants a queue number or name, got '%s'", v);
	if (s->hi >= nq)
		return bad(err, errlen, "queue %s: %s has %u queue%s (0-%u)", v, t ? t->name : "the device", nq,
			   nq == 1 ? "" : "s", nq - 1);
	return 0;
}

static int parse_type(struct vt_fault_sel *s, const struct vt_device_type *t, const char *v, char *err,
		      size_t errlen)
{
	char list[256];
	size_t n = 0;
	const char *p;

	s->what = VT_SEL_TYPE;
	for (unsigned i = 0; (p = type_name(t, i)); i++)
		if (name_eq(p, v)) {
			snprintf(s->name, sizeof(s->name), "%s", p);
			return 0;
		}
	list[0] = '\0';
	for (unsigned i = 0; (p = type_name(t, i)) && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "", p);
	if (!n)
		return bad(err, errlen, "type: %s requests have no types", t ? t->name : "this device's");
	return bad(err, errlen, "type '%s': %s types are %s", v, t ? t->name : "the device's", list);
}

static int parse_words(struct vt_fault_rule *r, const struct vt_device_type *t, char *const *w, unsigned n,
		       char *err, size_t errlen)
{
	bool has_every = false, has_prob = false, has_seed = false;
	unsigned i = 0;
	char help[512];

	if (n == 0)
		return bad(err, errlen, "empty rule: want delay DURATION, fail, hold or reorder");
	if (!strcasecmp(w[0], "delay")) {
		r->kind = VT_FAULT_DELAY;
		if (n < 2 || !vt_parse_duration_ns(w[1], MAX_DELAY_NS, &r->delay_ns))
			return bad(err, errlen, "delay wants a duration with its unit (1500ms, 20us, 1s), got %s%s%s",
				   n < 2 ? "nothing" : "'", n < 2 ? "" : w[1], n < 2 ? "" : "'");
		i = 2;
	} else if (!strcasecmp(w[0], "fail")) {
		r->kind = VT_FAULT_FAIL;
		i = 1;
	} else if (!strcasecmp(w[0], "hold")) {
		r->kind = VT_FAULT_HOLD;
		i = 1;
	} else if (!strcasecmp(w[0], "reorder")) {
		r->kind = VT_FAULT_REORDER;
		r->window_ns = 1000000000u;
		i = 1;
	} else {
		return bad(err, errlen, "unknown fault '%s': want delay DURATION, fail, hold or reorder", w[0]);
	}
	r->every = 1;
	r->seed = 1;
	for (; i < n; i++) {
		const char *word = w[i], *v = i + 1 < n ? w[i + 1] : NULL;
		const struct vt_fault_selector *fs;
		struct vt_fault_sel s = { 0 };

		if (!strcasecmp(word, "jitter")) {
			if (r->kind != VT_FAULT_DELAY)
				return bad(err, errlen, "jitter goes with delay, not %s", vt_fault_kind_name(r->kind));
			if (r->jitter_ns)
				return bad(err, errlen, "'jitter' given twice");
			if (!v || !vt_parse_duration_ns(v, MAX_DELAY_NS, &r->jitter_ns) || !r->jitter_ns)
				return bad(err, errlen, "jitter wants a duration with its unit (10ms), got %s%s%s",
					   v ? "'" : "nothing", v ? v : "", v ? "'" : "");
			i++;
		} else if (!strcasecmp(word, "window")) {
			if (r->kind != VT_FAULT_REORDER)
				return bad(err, errlen, "window goes with reorder, not %s", vt_fault_kind_name(r->kind));
			if (!v || !vt_parse_duration_ns(v, MAX_DELAY_NS, &r->window_ns) || !r->window_ns)
				return bad(err, errlen, "window wants a duration with its unit (1s, 200ms), got %s%s%s",
					   v ? "'" : "nothing", v ? v : "", v ? "'" : "");
			i++;
		} else if (!strcasecmp(word, "every")) {
			if (has_every)
				return bad(err, errlen, "'every' given twice");
			if (!v || !vt_parse_u64(v, UINT32_MAX, &r->every) || !r->every)
				return bad(err, errlen, "every wants a count of at least 1, got %s%s%s",
					   v ? "'" : "nothing", v ? v : "", v ? "'" : "");
			has_every = true;
			i++;
		} else if (!strcasecmp(word, "probability")) {
			char *end;
			if (has_prob)
				return bad(err, errlen, "'probability' given twice");
			errno = 0;
			r->probability = v ? strtod(v, &end) : -1;
			if (!v || errno || end == v || *end || !(r->probability >= 0 && r->probability <= 1))
				return bad(err, errlen, "probability wants a number from 0 to 1 (0.1), got %s%s%s",
					   v ? "'" : "nothing", v ? v : "", v ? "'" : "");
			has_prob = true;
			i++;
		} else if (!strcasecmp(word, "seed")) {
			if (has_seed)
				return bad(err, errlen, "'seed' given twice");
			if (!v || !vt_parse_u64(v, UINT64_MAX, &r->seed))
				return bad(err, errlen, "seed wants a number, got %s%s%s", v ? "'" : "nothing",
					   v ? v : "", v ? "'" : "");
			has_seed = true;
			i++;
		} else if (!strcasecmp(word, "queue") || !strcasecmp(word, "q")) {
			if (!v)
				return bad(err, errlen, "queue wants a queue number or name");
			if (parse_queue(&s, t, v, err, errlen) < 0 || add_sel(r, &s, "queue", err, errlen) < 0)
				return -1;
			i++;
		} else if (!strcasecmp(word, "type")) {
			if (!v)
				return bad(err, errlen, "type wants a request type");
			if (parse_type(&s, t, v, err, errlen) < 0 || add_sel(r, &s, "type", err, errlen) < 0)
				return -1;
			i++;
		} else if (type_word(t, word)) {
			s.what = VT_SEL_TYPE;
			snprintf(s.name, sizeof(s.name), "%s", type_word(t, word));
			if (add_sel(r, &s, "type", err, errlen) < 0)
				return -1;
		} else if ((fs = selector(t, word))) {
			s.what = VT_SEL_FIELD;
			s.key = fs->key;
			if (!v || (!parse_range(v, UINT64_MAX, &s.lo, &s.hi) && !named_value(fs, v, &s.lo, &s.hi)))
				return bad(err, errlen, "%s wants a number (0x50)%s or a range (0x50-0x57), got %s%s%s",
					   fs->word, fs->names ? ", a name" : "", v ? "'" : "nothing", v ? v : "",
					   v ? "'" : "");
			if (add_sel(r, &s, fs->word, err, errlen) < 0)
				return -1;
			i++;
		} else {
			words_help(t, help, sizeof(help));
			return bad(err, errlen, "unknown word '%s' in a %s rule (%s)", word, t ? t->name : "fault",
				   help);
		}
	}
	if (has_every && has_prob)
		return bad(err, errlen, "every and probability exclude each other");
	if (has_seed && !has_prob && !r->jitter_ns)
		return bad(err, errlen, "seed goes with probability or jitter");
	if (has_prob)
		r->every = 0;
	r->prng = r->seed;
	return 0;
}

/* The rule's words with each alias replaced by what it means, into w
 * (their text in buf); how many, or -1 when they do not fit. */
static int expand(const struct vt_device_type *t, char *const *words, unsigned n, char **w, unsigned max,
		  char *buf, size_t buflen)
{
	const struct vt_device_faults *df = faults_of(t);
	unsigned k = 0;
	size_t used = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct vt_fault_alias *a = df ? df->aliases : NULL;
		while (a && a->word && strcasecmp(a->word, words[i]))
			a++;
		if (!a || !a->word) {
			if (k == max)
				return -1;
			w[k++] = words[i];
			continue;
		}
		size_t ml = strlen(a->means) + 1;
		if (ml > buflen - used)
			return -1;
		char *save = NULL, *m = memcpy(buf + used, a->means, ml);
		used += ml;
		for (char *x = strtok_r(m, " ", &save); x; x = strtok_r(NULL, " ", &save)) {
			if (k == max)
				return -1;
			w[k++] = x;
		}
	}
	return (int)k;
}

int vt_fault_rule_parse(struct vt_fault_rule *r, const struct vt_device_type *t, char *const *words,
			unsigned n, char *err, size_t errlen)
{
	size_t len = 0;
	char *w[MAX_WORDS * 2], buf[VT_FAULT_TEXT * 2];
	int nw;

	memset(r, 0, sizeof(*r));
	for (unsigned i = 0; i < n; i++) {
		size_t wl = strlen(words[i]);
		if (len + wl + 2 > sizeof(r->text))
			return bad(err, errlen, "rule too long (at most %zu characters)", sizeof(r->text) - 1);
		if (len)
			r->text[len++] = ' ';
		memcpy(r->text + len, words[i], wl + 1);
		len += wl;
	}
	nw = expand(t, words, n, w, sizeof(w) / sizeof(w[0]), buf, sizeof(buf));
	if (nw < 0)
		return bad(err, errlen, "rule too long (at most %d words)", MAX_WORDS);
	if (parse_words(r, t, w, (unsigned)nw, err, errlen) < 0) {
		memset(r, 0, sizeof(*r));
		return -1;
	}
	return 0;
}

int vt_fault_rule_parse_text(struct vt_fault_rule *r, const struct vt_device_type *t, const char *text,
			     char *err, size_t errlen)
{
	char copy[VT_FAULT_TEXT * 2], *words[MAX_WORDS], *save = NULL;
	unsigned n = 0;

	if (strlen(text) >= sizeof(copy))
		return bad(err, errlen, "rule too long (at most %d characters)", VT_FAULT_TEXT - 1);
	snprintf(copy, sizeof(copy), "%s", text);
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == MAX_WORDS)
			return bad(err, errlen, "rule too long (at most %d words)", MAX_WORDS);
		words[n++] = w;
	}
	return vt_fault_rule_parse(r, t, words, n, err, errlen);
}

static bool field_value(const struct vt_decode_fields *f, const char *key, uint64_t *v)
{
	for (unsigned i = 0; i < f->nkv; i++)
		if (!f->kv[i].is_str && !strcmp(f->kv[i].key, key)) {
			*v = f->kv[i].u;
			return true;
		}
	return false;
}

bool vt_fault_rule_selects(const struct vt_fault_rule *r, unsigned q, const struct vt_decode_fields *f)
{
	for (unsigned i = 0; i < r->nsel; i++) {
		const struct vt_fault_sel *s = &r->sel[i];
		uint64_t v;

		switch (s->what) {
		case VT_SEL_QUEUE:
			if (q < s->lo || q > s->hi)
				return false;
			break;
		case VT_SEL_TYPE:
			if (!f || !f->type || !name_eq(f->type, s->name))
				return false;
			break;
		case VT_SEL_FIELD:
			if (!f || !field_value(f, s->key, &v) || v < s->lo || v > s->hi)
				return false;
			break;
		}
	}
	return true;
}

/* splitmix64: small, and the same sequence for a seed on every machine. */
static uint64_t next_rand(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

bool vt_fault_rule_fire(struct vt_fault_rule *r)
{
	r->matches++;
	if (r->every)
		return r->matches % r->every == 0;
	/* 53 random bits: a uniform double in [0, 1). */
	return (double)(next_rand(&r->prng) >> 11) * 0x1.0p-53 < r->probability;
}

uint64_t vt_fault_rule_delay(struct vt_fault_rule *r)
{
	if (!r->jitter_ns)
		return r->delay_ns;
	uint64_t span = r->jitter_ns * 2 + 1, off = next_rand(&r->prng) % span;
	/* delay - jitter + off, clamped at 0 */
	if (off < r->jitter_ns && r->jitter_ns - off > r->delay_ns)
		return 0;
	return r->delay_ns + off - r->jitter_ns;
}
