/* Explicit little-endian loads/stores and overflow-safe range checks.
 * Everything that reads guest memory or wire data goes through these. */
#ifndef VT_UTIL_BYTES_H
#define VT_UTIL_BYTES_H

#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t vt_ld_le16(const void *p) { uint16_t v; memcpy(&v, p, 2); return le16toh(v); }
static inline uint32_t vt_ld_le32(const void *p) { uint32_t v; memcpy(&v, p, 4); return le32toh(v); }
static inline uint64_t vt_ld_le64(const void *p) { uint64_t v; memcpy(&v, p, 8); return le64toh(v); }
static inline void vt_st_le16(void *p, uint16_t v) { v = htole16(v); memcpy(p, &v, 2); }
static inline void vt_st_le32(void *p, uint32_t v) { v = htole32(v); memcpy(p, &v, 4); }
static inline void vt_st_le64(void *p, uint64_t v) { v = htole64(v); memcpy(p, &v, 8); }

/* True when [off, off+len) lies inside [0, size), without overflow. */
static inline bool vt_range_ok(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* True when [start, start+len) lies inside [base, base+size), without overflow. */
static inline bool vt_span_inside(uint64_t start, uint64_t len, uint64_t base, uint64_t size)
{
	return start >= base && vt_range_ok(start - base, len, size);
}

#define VT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
