/* Strict number parsing for command lines and specs: the whole string must
 * be a number in range (decimal, 0x hex, 0 octal). */
#ifndef VT_UTIL_PARSE_H
#define VT_UTIL_PARSE_H

#include <stdbool.h>
#include <stdint.h>

bool vt_parse_u64(const char *s, uint64_t max, uint64_t *out);
bool vt_parse_uint(const char *s, unsigned max, unsigned *out);
/* N with an optional k, M or G suffix (x1000 each: 24M is 24000000), at
 * most max: rates and levels. */
bool vt_parse_si(const char *s, uint64_t max, uint64_t *out);
/* A signed whole number (0x allowed). */
bool vt_parse_i64(const char *s, int64_t *out);
/* A byte count, with an optional binary suffix K, M, G or T (any case):
 * "512", "64M", "1g"; at most max. */
bool vt_parse_size(const char *s, uint64_t max, uint64_t *out);
/* A duration with its unit: "1500ms", "1.5s", "20us", "100ns"; at most
 * max_ns.  False for a missing unit, a sign, or anything after the unit. */
bool vt_parse_duration_ns(const char *s, uint64_t max_ns, uint64_t *out);

/* A line level in the words of libgpiod's tools: 0 or 1, low or high, off
 * or on, inactive or active (any case; virtio-gpio has no active-low, so
 * active is high).  0 or 1; -1 for anything else. */
int vt_parse_level(const char *s);
/* The i-th word vt_parse_level takes, NULL past the last (completion). */
const char *vt_level_word(unsigned i);
/* "0, 1, low, high, off, on, inactive or active": for messages. */
#define VT_LEVEL_WORDS "0, 1, low, high, off, on, inactive or active"
/* inject's levels: the same words, and toggle (the opposite of now). */
#define VT_INJECT_LEVEL_WORDS "0, 1, low, high, off, on, inactive, active or toggle"

#endif
