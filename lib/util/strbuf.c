/* Fixed-size line buffer with a visible truncation marker. */
#include "util/strbuf.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#define TRUNC_MARK " [|]"
/* Room kept free so the marker always fits. */
#define RESERVE (sizeof(TRUNC_MARK))

void vt_sb_init(struct vt_sb *sb)
{
	sb->buf[0] = '\0';
	sb->len = 0;
	sb->trunc = false;
}

void vt_sb_printf(struct vt_sb *sb, const char *fmt, ...)
{
	size_t room = VT_SB_SIZE - RESERVE - sb->len;
	va_list ap;
	int n;

	if (sb->trunc)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= room) {
		sb->len = VT_SB_SIZE - RESERVE - 1;
		sb->trunc = true;
	} else {
		sb->len += (size_t)n;
	}
}

void vt_sb_hex(struct vt_sb *sb, const uint8_t *p, size_t n, size_t max)
{
	for (size_t i = 0; i < n && i < max; i++)
		vt_sb_printf(sb, i ? " %02x" : "%02x", p[i]);
	if (n > max)
		vt_sb_printf(sb, " ...");
}

void vt_sb_latency(struct vt_sb *sb, uint64_t ns)
{
	if (ns < 10000)
		vt_sb_printf(sb, " %" PRIu64 ".%01" PRIu64 "us", ns / 1000, (ns % 1000) / 100);
	else if (ns < 10000000)
		vt_sb_printf(sb, " %" PRIu64 "us", ns / 1000);
	else
		vt_sb_printf(sb, " %" PRIu64 "ms", ns / 1000000);
}

const char *vt_sb_str(struct vt_sb *sb)
{
	if (sb->trunc) {
		snprintf(sb->buf + sb->len, VT_SB_SIZE - sb->len, "%s", TRUNC_MARK);
		sb->len += RESERVE - 1;
		sb->trunc = false;  /* marker written once */
	}
	return sb->buf;
}
