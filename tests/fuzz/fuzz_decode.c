/* libFuzzer target: every decoder (lib/decode/: each device type's of
 * the registry, and the generic hex one).  The first bytes of the input lay
 * out a descriptor chain (queue, completed or not, used length, up to 8
 * segments, which of them are readable); the rest are the segments' bytes,
 * each in its own allocation so that ASan sees a read past a segment.  Each
 * decoder then writes its summary and reads its fields, for the request and
 * for the completion. */
#include "fuzz.h"

#include "decode/decode.h"
#include "devices/registry.h"
#include "util/bytes.h"
#include "util/strbuf.h"

#define MAX_SEGS 8

static void decode_all(const struct vt_decoder *d, unsigned q, const struct vt_chain *c, uint32_t used)
{
	for (int completed = 0; completed < 2; completed++) {
		struct vt_sb sb;
		vt_sb_init(&sb);
		d->summary(&sb, q, c, completed, used);
		vt_sb_str(&sb);
		if (d->fields) {
			static struct vt_decode_fields f;
			memset(&f, 0, sizeof(f));
			d->fields(&f, q, c, completed, used);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vt_seg seg[MAX_SEGS];
	struct vt_chain c = { .seg = seg };

	fuzz_init();
	if (size < 8)
		return 0;
	unsigned q = data[0] & 3;
	unsigned nseg = data[1] % (MAX_SEGS + 1);
	unsigned nread = nseg ? data[2] % (nseg + 1) : 0;
	uint32_t used = vt_ld_le32(data + 3);
	c.indirect = data[7] & 1;
	data += 8;
	size -= 8;
	/* Segment lengths: one byte each (x4 when the top bit is set). */
	uint32_t len[MAX_SEGS];
	for (unsigned i = 0; i < nseg; i++) {
		uint8_t b = i < size ? data[i] : 0;
		len[i] = b & 0x80 ? (uint32_t)(b & 0x7f) * 4 : b;
	}
	size_t skip = nseg < size ? nseg : size;
	data += skip;
	size -= skip;
	for (unsigned i = 0; i < nseg; i++) {
		uint32_t n = len[i] < size ? len[i] : (uint32_t)size;
		seg[i].ptr = malloc(n ? n : 1);
		if (!seg[i].ptr)
			abort();
		memcpy(seg[i].ptr, data, n);
		seg[i].len = n;
		seg[i].gpa = 0x1000u * (i + 1);
		seg[i].writable = i >= nread;
		data += n;
		size -= n;
		if (seg[i].writable)
			c.write_len += n;
		else
			c.read_len += n;
	}
	c.nread = nread;
	c.nwrite = nseg - nread;
	for (size_t i = 0; i < vt_device_count(); i++)
		if (vt_device_at(i)->decoder)
			decode_all(vt_device_at(i)->decoder, q, &c, used);
	decode_all(&vt_decoder_hex, q, &c, used);
	for (unsigned i = 0; i < nseg; i++)
		free(seg[i].ptr);
	return 0;
}
