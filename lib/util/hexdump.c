/* Hex dump with an ASCII column (see hexdump.h). */
#include "util/hexdump.h"

void vt_hexdump(FILE *f, const char *prefix, unsigned digits, uint64_t base, const uint8_t *p, size_t n)
{
	for (size_t off = 0; off < n; off += 16) {
		char ascii[17];
		size_t k = n - off < 16 ? n - off : 16;
		fprintf(f, "%s0x%0*llx: ", prefix, (int)digits, (unsigned long long)(base + off));
		for (size_t i = 0; i < 16; i++) {
			if (i < k)
				fprintf(f, " %02x", p[off + i]);
			else
				fputs("   ", f);
			ascii[i] = i < k ? (p[off + i] >= 0x20 && p[off + i] < 0x7f ? (char)p[off + i] : '.') : '\0';
		}
		ascii[k] = '\0';
		fprintf(f, "  %s\n", ascii);
	}
}
