/* JSON writer: control-socket replies, trace --json, list --json.
 *
 * The writer keeps the output valid whatever it is given: strings are
 * escaped, bytes that are not valid UTF-8 become U+FFFD (a guest-supplied
 * line name must not break a reply), and an allocation failure or a nesting
 * overflow turns the whole text into "" (vt_json_text) instead of a
 * truncated object.  Replies are read with jansson (ctl/ctl.h:
 * vt_ctl_call_json). */
#include "util/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH ((int)(sizeof(((struct vt_json *)0)->first) / sizeof(bool)) - 1)

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
