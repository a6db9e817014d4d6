/* A fixed-size text buffer for building one output line (decoders, logs).
 * Never overflows: output past the end is dropped and `trunc` is set, and
 * the line then ends with the visible marker " [|]" (tcpdump style). */
#ifndef VT_UTIL_STRBUF_H
#define VT_UTIL_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VT_SB_SIZE 1024

struct vt_sb {
	char buf[VT_SB_SIZE];
	size_t len;
	bool trunc;
};

void vt_sb_init(struct vt_sb *sb);
void vt_sb_printf(struct vt_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends "xx xx xx" (at most max bytes, then "..."). */
void vt_sb_hex(struct vt_sb *sb, const uint8_t *p, size_t n, size_t max);
/* Appends " 4.2us" / " 41us" / " 12ms": a latency at a useful precision. */
void vt_sb_latency(struct vt_sb *sb, uint64_t ns);
/* NUL-terminated text; ends with " [|]" when truncated. */
const char *vt_sb_str(struct vt_sb *sb);

#endif
