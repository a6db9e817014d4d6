/* libFuzzer target for the device side of a split ring (lib/virtio/vq.c).
 *
 * The fuzz input becomes the guest: the first bytes pick the queue size,
 * features and start index, the rest is laid over guest memory holding the
 * descriptor table, the avail ring and room for indirect tables and
 * payloads.  The device then pops, reads, writes and pushes everything it
 * can.  Besides the sanitizers, every segment is checked to lie inside
 * guest memory.
 *
 * Built and run with the other targets by `make fuzz` (FUZZ_SECONDS=N);
 * seeds in tests/fuzz/corpus/fuzz_vq.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"
#include "util/log.h"
#include "virtio/virtio.h"
#include "virtio/vq.h"

#define MEMSZ  0x8000u    /* region 0 at gpa 0: small addresses hit it */
#define MEM2SZ 0x1000u    /* region 1 at gpa 0x10000 */
#define DESC   0x0000u
#define AVAIL  0x0800u
#define USED   0x1000u
#define FILL   0x1800u    /* fuzz bytes from here on: tables, payloads */

static uint8_t *mem, *mem2;

static bool span_in(uintptr_t p, uint32_t len, const uint8_t *base, size_t size)
{
	uintptr_t b = (uintptr_t)base;
	return p >= b && p - b < size && len <= size - (p - b);
}

static void check_inside(const struct vt_seg *s)
{
	uintptr_t p = (uintptr_t)s->ptr;
	if (!span_in(p, s->len, mem, MEMSZ) && !span_in(p, s->len, mem2, MEM2SZ))
		__builtin_trap();
}

static void serve(struct vt_vq *vq)
{
	struct vt_chain c;
	uint8_t buf[64];
	for (unsigned n = 0; n < 2u * vq->num + 2; n++) {
		int rc = vt_vq_pop(vq, &c);
		if (rc <= 0)
			break;
		for (unsigned i = 0; i < c.nread + c.nwrite; i++)
			check_inside(&c.seg[i]);
		vt_chain_read(&c, 1, buf, sizeof(buf));
		size_t w = vt_chain_write(&c, 0, buf, sizeof(buf));
		vt_chain_read_writable(&c, 0, buf, sizeof(buf));
		struct vt_chain again;
		vt_vq_walk(vq, c.head, &again, vq->segs, NULL, 0);
		vt_vq_push(vq, c.head, (uint32_t)w);
		vt_vq_should_notify(vq);
	}
	vt_vq_update_avail_event(vq);
	vt_vq_pop(vq, &c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	if (!mem) {
		vt_log_set_quiet(1);
		mem = aligned_alloc(4096, MEMSZ);
		mem2 = aligned_alloc(4096, MEM2SZ);
	}
	memset(mem, 0, MEMSZ);
	memset(mem2, 0, MEM2SZ);

	struct vt_mem m;
	vt_mem_init(&m);
	vt_mem_add_ptr(&m, mem, 0, MEMSZ, 0x7f0000000000u);
	vt_mem_add_ptr(&m, mem2, 0x10000, MEM2SZ, 0x7f0000100000u);

	struct vt_vq vq = {
		.num = (uint16_t)(1u << (data[0] % 8)),   /* up to 128: fits the layout */
		.desc = (void *)(mem + DESC),
		.avail = (void *)(mem + AVAIL),
		.used = (void *)(mem + USED),
		.mem = &m,
		.indirect_ok = data[1] & 1,
		.event_idx = data[1] & 2,
		.notify_on_empty = data[1] & 4,
		.last_avail = vt_ld_le16(data + 2),
	};
	vq.used_idx = vq.last_avail;
	data += 4;
	size -= 4;

	/* Descriptors and avail ring come first, then the free-form area. */
	size_t ndesc = vt_vring_desc_size(vq.num);
	size_t navail = vt_vring_avail_size(vq.num);
	size_t take = size < ndesc ? size : ndesc;
	memcpy(mem + DESC, data, take);
	data += take, size -= take;
	take = size < navail ? size : navail;
	memcpy(mem + AVAIL, data, take);
	data += take, size -= take;
	take = size < MEMSZ - FILL ? size : MEMSZ - FILL;
	memcpy(mem + FILL, data, take);

	if (vt_vq_start(&vq) == 0) {
		serve(&vq);
		vt_vq_stop(&vq);
	}
	vt_mem_clear(&m);
	return 0;
}
