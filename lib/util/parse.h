/* Strict number parsing for command lines and specs: the whole string must
 * be a number in range (decimal, 0x hex, 0 octal). */
#ifndef VT_UTIL_PARSE_H
#define VT_UTIL_PARSE_H

#include <stdbool.h>
#include <stdint.h>

bool vt_parse_u64(const char *s, uint64_t max, uint64_t *out);
bool vt_parse_uint(const char *s, unsigned max, unsigned *out);

#endif
