/* Trace filters: the FILTER words of `vitool trace`, in the spirit of
 * pcap-filter(7).  Grammar (man/vitool-trace.1 has the full text):
 *
 *   expr    := and { ("or" | "||") and }
 *   and     := unary { ["and" | "&&"] unary }      side by side means "and"
 *   unary   := ("not" | "!") unary | "(" expr ")" | primitive
 *   primitive :=
 *       DEVICE | device NAME|ID        DEVICE: a registry name (i2c, gpio, ...)
 *     | instance N | (q | queue) N | id N
 *     | avail | used | kick | call | irq | timeout | late | ooo
 *     | error | ring-error | vhost | config | connect | disconnect | drops
 *     | log | level (error | warning | info | debug)   that level or worse
 *     | addr N | line N | type NAME | TYPE   TYPE: a decoder's type words (i2c:
 *                                              read, write, probe)
 *     | status (ok | err | NAME)
 *     | latency CMP DURATION        CMP: > >= < <= = ==; DURATION: N[ns|us|ms|s]
 *
 * Nesting and size are bounded (VT_FILTER_DEPTH_MAX, VT_FILTER_TERMS_MAX).
 * Keywords and names are case-insensitive; numbers are decimal or 0x hex.
 * A primitive about a field (addr, line, type, status) is false for a
 * record that does not have that field. */
#ifndef VT_TRACE_FILTER_H
#define VT_TRACE_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "trace/print.h"

struct vt_filter;

/* Bounds on a filter's text, which is hostile like any input: levels of
 * "not"/"!" and "(" around a primitive (the parser recurses on them), and
 * primitives in all (the tree, which matching walks recursively, is at
 * most that deep plus the nesting). */
#define VT_FILTER_DEPTH_MAX 64
#define VT_FILTER_TERMS_MAX 1024

/* Compiles text.  NULL with "at N: reason" in err (N counts characters of
 * text from 1) on a syntax error.  An empty text matches everything. */
struct vt_filter *vt_filter_compile(const char *text, char *err, size_t errlen);
/* Does the record shown by v match? */
bool vt_filter_match(const struct vt_filter *f, const struct vt_trace_view *v);
void vt_filter_free(struct vt_filter *f);
/* The filter's words, for completion and help: fn(word, takes_value) for
 * every keyword (takes_value: a number or name follows, as in "addr N"),
 * every device name and every type word of the registry, and the
 * operators "and", "or", "not". */
void vt_filter_words(void (*fn)(const char *word, bool takes_value, void *arg), void *arg);

#endif
