/* The classic hex dump: 16 bytes a line, each line its offset, the bytes
 * in hex and the printable ASCII after them (trace -x's -vv payloads,
 * drive blk's read). */
#ifndef VT_UTIL_HEXDUMP_H
#define VT_UTIL_HEXDUMP_H

#include <stdint.h>
#include <stdio.h>

/* Each line: prefix, "0x" and the offset (base + index) in at least
 * digits hex digits, ": ", " xx" per byte, two spaces, the bytes as ASCII
 * ('.' for the unprintable). */
void vt_hexdump(FILE *f, const char *prefix, unsigned digits, uint64_t base, const uint8_t *p, size_t n);

#endif
