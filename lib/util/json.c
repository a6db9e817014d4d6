/* JSON writer and a reader for the top-level members of one object.
 *
 * The writer keeps the output valid whatever it is given: strings are
 * escaped, bytes that are not valid UTF-8 become U+FFFD (a guest-supplied
 * line name must not break a reply), and an allocation failure or a nesting
 * overflow turns the whole text into "" (vt_json_text) instead of a
 * truncated object.
 *
 * The reader is a validating recursive-descent skipper: it walks the
 * top-level object, skipping every value it is not asked about (nested
 * objects/arrays and strings with escaped quotes included), so a key inside
 * a nested object never matches. */
#include "util/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH ((int)(sizeof(((struct vt_json *)0)->first) / sizeof(bool)) - 1)
/* The reader's nesting bound: the text comes from another process. */
#define READ_MAX_DEPTH 64

/* ---- writer ---- */

void vt_json_init(struct vt_json *j)
{
	memset(j, 0, sizeof(*j));
	j->first[0] = true;
}

void vt_json_free(struct vt_json *j)
{
	free(j->buf);
	vt_json_init(j);
}

static void put(struct vt_json *j, const char *s, size_t n)
{
	if (j->oom)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 256;
		while (cap < j->len + n + 1)
			cap *= 2;
		char *nb = realloc(j->buf, cap);
		if (!nb) {
			j->oom = true;
			return;
		}
		j->buf = nb;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void puts_(struct vt_json *j, const char *s)
{
	put(j, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0.
 * Rejects overlong forms, surrogates and code points past U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void put_string(struct vt_json *j, const char *v)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t n = strlen(v);
	char esc[8];

	put(j, "\"", 1);
	for (size_t i = 0; i < n;) {
		size_t run = 0;

		/* Copy plain runs in one go; escape the rest one byte at a time. */
		while (i + run < n && s[i + run] >= 0x20 && s[i + run] != '"' && s[i + run] != '\\') {
			size_t l = utf8_len(s + i + run, n - i - run);
			if (!l)
				break;
			run += l;
		}
		put(j, v + i, run);
		i += run;
		if (i == n)
			break;
		if (s[i] == '"' || s[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)s[i];
			put(j, esc, 2);
		} else if (s[i] < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
			puts_(j, esc);
		} else {
			puts_(j, "\\ufffd");   /* invalid UTF-8 byte */
		}
		i++;
	}
	put(j, "\"", 1);
}

/* The separator and "key": before any value. */
static void member(struct vt_json *j, const char *key)
{
	if (!j->first[j->depth])
		put(j, ",", 1);
	j->first[j->depth] = false;
	if (key) {
		put_string(j, key);
		put(j, ":", 1);
	}
}

static void open_(struct vt_json *j, const char *key, const char *brace)
{
	member(j, key);
	if (j->depth >= JSON_MAX_DEPTH) {
		j->oom = true;   /* deeper than we can track: give up on the text */
		return;
	}
	puts_(j, brace);
	j->first[++j->depth] = true;
}

static void close_(struct vt_json *j, const char *brace)
{
	if (j->depth > 0)
		j->depth--;
	puts_(j, brace);
}

void vt_json_obj_begin(struct vt_json *j, const char *key) { open_(j, key, "{"); }
void vt_json_obj_end(struct vt_json *j) { close_(j, "}"); }
void vt_json_arr_begin(struct vt_json *j, const char *key) { open_(j, key, "["); }
void vt_json_arr_end(struct vt_json *j) { close_(j, "]"); }

void vt_json_str(struct vt_json *j, const char *key, const char *v)
{
	member(j, key);
	if (v)
		put_string(j, v);
	else
		puts_(j, "null");
}

void vt_json_int(struct vt_json *j, const char *key, int64_t v)
{
	char num[24];

	member(j, key);
	snprintf(num, sizeof(num), "%" PRId64, v);
	puts_(j, num);
}

void vt_json_uint(struct vt_json *j, const char *key, uint64_t v)
{
	char num[24];

	member(j, key);
	snprintf(num, sizeof(num), "%" PRIu64, v);
	puts_(j, num);
}

void vt_json_bool(struct vt_json *j, const char *key, bool v)
{
	member(j, key);
	puts_(j, v ? "true" : "false");
}

void vt_json_null(struct vt_json *j, const char *key)
{
	member(j, key);
	puts_(j, "null");
}

const char *vt_json_text(const struct vt_json *j)
{
	return j->oom || !j->buf ? "" : j->buf;
}

/* ---- reader ---- */

static const char *ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool hex4(const char *p, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return false;
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return true;
}

/* Bounded output for unescaping; out may be NULL (just validate). */
struct sink {
	char *out;
	size_t len, cap;
};

static void sink_put(struct sink *k, const char *s, size_t n)
{
	for (size_t i = 0; i < n && k->out; i++)
		if (k->len + 1 < k->cap)
			k->out[k->len++] = s[i];
}

static void sink_cp(struct sink *k, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	sink_put(k, u, n);
}

/* \uXXXX at p (after the backslash-u); a surrogate pair takes two.
 * Lone surrogates become U+FFFD.  Returns the end, or NULL. */
static const char *unicode_escape(const char *p, struct sink *k)
{
	unsigned cp, lo;

	if (!hex4(p, &cp))
		return NULL;
	p += 4;
	if (cp >= 0xd800 && cp <= 0xdbff && p[0] == '\\' && p[1] == 'u' && hex4(p + 2, &lo) &&
	    lo >= 0xdc00 && lo <= 0xdfff) {
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		p += 6;
	} else if (cp >= 0xd800 && cp <= 0xdfff) {
		cp = 0xfffd;
	}
	sink_cp(k, cp);
	return p;
}

/* The string starting at the opening quote p; returns the end (past the
 * closing quote) or NULL.  Unescaped into k. */
static const char *read_string(const char *p, struct sink *k)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";

	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;   /* also the end of the text */
		if (*p != '\\') {
			sink_put(k, p++, 1);
			continue;
		}
		p++;
		if (*p == 'u') {
			p = unicode_escape(p + 1, k);
			if (!p)
				return NULL;
			continue;
		}
		const char *e = *p ? strchr(from, *p) : NULL;
		if (!e)
			return NULL;
		sink_put(k, &to[e - from], 1);
		p++;
	}
	return p + 1;
}

static const char *skip_value(const char *p, int depth);

static const char *skip_number(const char *p)
{
	const char *s = p;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return NULL;
	p += strspn(p, "0123456789");
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return NULL;
		p += strspn(p, "0123456789");
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return NULL;
		p += strspn(p, "0123456789");
	}
	return p > s ? p : NULL;
}

/* Elements of an array or members of an object, from after the bracket. */
static const char *skip_container(const char *p, char close, bool members, int depth)
{
	struct sink none = { 0 };

	p = ws(p);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (members) {
			p = read_string(p, &none);
			if (!p)
				return NULL;
			p = ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = skip_value(ws(p), depth + 1);
		if (!p)
			return NULL;
		p = ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
		p = ws(p);
	}
}

/* The value at p (no leading whitespace); returns its end or NULL. */
static const char *skip_value(const char *p, int depth)
{
	struct sink none = { 0 };
	static const char *const words[] = { "true", "false", "null" };

	if (depth > READ_MAX_DEPTH)
		return NULL;
	switch (*p) {
	case '{':
		return skip_container(p + 1, '}', true, depth);
	case '[':
		return skip_container(p + 1, ']', false, depth);
	case '"':
		return read_string(p, &none);
	default:
		break;
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strncmp(p, words[i], strlen(words[i])))
			return p + strlen(words[i]);
	return skip_number(p);
}

/* Finds top-level member key: its value's [start, end).  Keys are compared
 * unescaped; the first occurrence wins. */
static bool find_member(const char *text, const char *key, const char **start, const char **end)
{
	char name[256];
	const char *p;

	if (!text)
		return false;
	p = ws(text);
	if (*p++ != '{')
		return false;
	p = ws(p);
	if (*p == '}')
		return false;
	for (;;) {
		struct sink k = { name, 0, sizeof(name) };
		const char *v;

		p = read_string(p, &k);
		if (!p)
			return false;
		name[k.len] = '\0';
		p = ws(p);
		if (*p++ != ':')
			return false;
		v = ws(p);
		p = skip_value(v, 1);
		if (!p)
			return false;
		/* A key longer than name[] is truncated: never equal. */
		if (k.len + 1 < sizeof(name) && !strcmp(name, key)) {
			*start = v;
			*end = p;
			return true;
		}
		p = ws(p);
		if (*p++ != ',')
			return false;
		p = ws(p);
	}
}

bool vt_json_get_bool(const char *text, const char *key, bool *out)
{
	const char *s, *e;

	if (!find_member(text, key, &s, &e))
		return false;
	if (e - s == 4 && !strncmp(s, "true", 4))
		*out = true;
	else if (e - s == 5 && !strncmp(s, "false", 5))
		*out = false;
	else
		return false;
	return true;
}

bool vt_json_get_int(const char *text, const char *key, int64_t *out)
{
	const char *s, *e;
	char num[32], *end;
	long long v;

	if (!find_member(text, key, &s, &e))
		return false;
	if (*s != '-' && (*s < '0' || *s > '9'))
		return false;
	if ((size_t)(e - s) >= sizeof(num))
		return false;   /* no int64 has that many digits */
	for (const char *c = s; c < e; c++)
		if (*c == '.' || *c == 'e' || *c == 'E')
			return false;   /* a fraction is not an integer */
	memcpy(num, s, (size_t)(e - s));
	num[e - s] = '\0';
	errno = 0;
	v = strtoll(num, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool vt_json_get_str(const char *text, const char *key, char *out, size_t len)
{
	const char *s, *e;
	struct sink k = { out, 0, len };

	if (!find_member(text, key, &s, &e) || *s != '"' || !len)
		return false;
	read_string(s, &k);
	out[k.len] = '\0';
	return true;
}

/* [s, e) into out, truncated to len-1 (len > 0). */
static bool copy_raw(const char *s, const char *e, char *out, size_t len)
{
	size_t n = (size_t)(e - s);

	if (n > len - 1)
		n = len - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

bool vt_json_get_raw(const char *text, const char *key, char *out, size_t len)
{
	const char *s, *e;

	if (!find_member(text, key, &s, &e) || !len)
		return false;
	return copy_raw(s, e, out, len);
}

bool vt_json_get_elem(const char *array, size_t i, char *out, size_t len)
{
	const char *p = array ? ws(array) : NULL;

	if (!p || *p++ != '[' || !len)
		return false;
	p = ws(p);
	if (*p == ']')
		return false;
	for (size_t at = 0;; at++) {
		const char *v = p;

		p = skip_value(v, 1);
		if (!p)
			return false;
		if (at == i)
			return copy_raw(v, p, out, len);
		p = ws(p);
		if (*p++ != ',')
			return false;
		p = ws(p);
	}
}
