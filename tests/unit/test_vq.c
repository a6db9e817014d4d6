/* vt_vq: the device side of a split ring against a hostile driver.
 *
 * Two queues share one guest memory region; every bad-chain test breaks
 * queue 0 and then checks that queue 1 still works. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/bytes.h"
#include "util/log.h"
#include "virtio/virtio.h"
#include "virtio/vq.h"

#define GPA     UINT64_C(0x100000)
#define MEMSZ   0x10000u
#define NUM     16u
/* Per queue q: desc at q*0x4000, avail at +0x1000, used at +0x2000. */
#define QOFF(q) ((q) * 0x4000u)
#define DATA    (GPA + 0x8000)          /* payload buffers */
#define TABLE   (GPA + 0xc000)          /* indirect tables */

static struct {
	uint8_t *mem;
	struct vt_mem m;
	struct vt_vq vq[2];
	uint16_t avail_idx[2];          /* the driver's next avail idx */
} F;

static uint8_t *host(uint64_t gpa) { return F.mem + (gpa - GPA); }

static void setup_num(unsigned num, bool indirect_ok)
{
	F.mem = aligned_alloc(4096, MEMSZ);
	memset(F.mem, 0, MEMSZ);
	vt_mem_init(&F.m);
	EXPECT_EQ(vt_mem_add_ptr(&F.m, F.mem, GPA, MEMSZ, 0x7f0000000000u), 0);
	for (unsigned q = 0; q < 2; q++) {
		struct vt_vq *vq = &F.vq[q];
		memset(vq, 0, sizeof(*vq));
		vq->index = q;
		vq->num = (uint16_t)num;
		vq->desc = (void *)(F.mem + QOFF(q));
		vq->avail = (void *)(F.mem + QOFF(q) + 0x1000);
		vq->used = (void *)(F.mem + QOFF(q) + 0x2000);
		vq->mem = &F.m;
		vq->indirect_ok = indirect_ok;
		F.avail_idx[q] = 0;
	}
}

static void start_all(void)
{
	EXPECT_EQ(vt_vq_start(&F.vq[0]), 0);
	EXPECT_EQ(vt_vq_start(&F.vq[1]), 0);
}

static void setup(void)
{
	setup_num(NUM, true);
	start_all();
}

static void teardown(void)
{
	vt_vq_stop(&F.vq[0]);
	vt_vq_stop(&F.vq[1]);
	vt_mem_clear(&F.m);
	free(F.mem);
}

static void put_desc(uint8_t *table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	struct vt_vring_desc *d = (struct vt_vring_desc *)(void *)table + i;
	vt_st_le64(&d->addr, addr);
	vt_st_le32(&d->len, len);
	vt_st_le16(&d->flags, flags);
	vt_st_le16(&d->next, next);
}

static void desc(unsigned q, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	put_desc(F.mem + QOFF(q), i, addr, len, flags, next);
}

static void ind(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	put_desc(host(table), i, addr, len, flags, next);
}

/* The driver makes head available on queue q (ring entry, then idx). */
static void avail(unsigned q, uint16_t head)
{
	struct vt_vq *vq = &F.vq[q];
	vt_st_le16(&vq->avail->ring[F.avail_idx[q] & (vq->num - 1)], head);
	F.avail_idx[q]++;
	vt_st_le16(&vq->avail->idx, F.avail_idx[q]);
}

static uint16_t used_idx(unsigned q) { return vt_ld_le16(&F.vq[q].used->idx); }
static uint32_t used_id(unsigned q, unsigned slot) { return vt_ld_le32(&F.vq[q].used->ring[slot].id); }
static uint32_t used_len(unsigned q, unsigned slot) { return vt_ld_le32(&F.vq[q].used->ring[slot].len); }

/* Queue 1 is unaffected by whatever broke queue 0. */
static void expect_queue1_works(void)
{
	struct vt_chain c;
	desc(1, 2, DATA + 0x100, 8, 0, 0);
	avail(1, 2);
	EXPECT(!F.vq[1].broken);
	EXPECT_EQ(vt_vq_pop(&F.vq[1], &c), 1);
	EXPECT_EQ(c.head, 2);
	EXPECT_EQ(c.nread, 1);
	vt_vq_push(&F.vq[1], c.head, 0);
	EXPECT_EQ(used_idx(1), 1);
}

/* Queue 0 must refuse its chain, stop with reason, and stay stopped. */
static void expect_broken(const char *reason)
{
	struct vt_chain c;
	struct vt_vq *vq = &F.vq[0];
	uint16_t last = vq->last_avail;
	EXPECT_EQ(vt_vq_pop(vq, &c), -1);
	EXPECT(vq->broken);
	EXPECT_STR_HAS(vq->why, reason);
	EXPECT_STR_HAS(vt_log_last(), "queue 0 stopped: ");
	EXPECT_STR_HAS(vt_log_last(), reason);
	EXPECT_EQ(vq->last_avail, last);
	EXPECT_EQ(vq->inflight, 0);
	/* Once broken, nothing else happens: no pop, no used entries. */
	EXPECT_EQ(vt_vq_pop(vq, &c), -1);
	vt_vq_push(vq, 0, 1);
	EXPECT_EQ(used_idx(0), 0);
	EXPECT(!vt_vq_should_notify(vq));
	expect_queue1_works();
}

/* ---- hostile chains ----------------------------------------------------- */

static void test_addr_outside_memory(void)
{
	setup();
	desc(0, 0, DATA, 4, VT_VRING_DESC_F_NEXT, 3);
	desc(0, 3, 0x1000, 16, 0, 0);
	avail(0, 0);
	expect_broken("descriptor 3 address 0x1000+16 outside guest memory");
	teardown();
}

static void test_addr_straddles_region_end(void)
{
	setup();
	desc(0, 0, GPA + MEMSZ - 8, 16, VT_VRING_DESC_F_WRITE, 0);
	avail(0, 0);
	expect_broken("descriptor 0 address 0x10fff8+16 outside guest memory");
	teardown();
}

static void test_addr_len_overflow(void)
{
	setup();
	desc(0, 0, 0xfffffffffffffff0u, 0x20, 0, 0);
	avail(0, 0);
	expect_broken("descriptor 0 address 0xfffffffffffffff0+32: address+length overflow");
	teardown();
}

static void test_next_out_of_range(void)
{
	setup();
	desc(0, 0, DATA, 4, VT_VRING_DESC_F_NEXT, 999);
	avail(0, 0);
	expect_broken("descriptor 0: next 999 >= queue size 16");
	teardown();
}

static void test_descriptor_loop(void)
{
	setup();
	desc(0, 0, DATA, 4, VT_VRING_DESC_F_NEXT, 1);
	desc(0, 1, DATA, 4, VT_VRING_DESC_F_NEXT, 2);
	desc(0, 2, DATA, 4, VT_VRING_DESC_F_NEXT, 0);
	avail(0, 0);
	expect_broken("descriptor loop or chain longer than queue size (16)");
	teardown();
}

static void test_self_loop(void)
{
	setup();
	desc(0, 5, DATA, 0, VT_VRING_DESC_F_NEXT, 5);
	avail(0, 5);
	expect_broken("descriptor loop or chain longer than queue size (16)");
	teardown();
}

static void test_indirect_in_indirect(void)
{
	setup();
	desc(0, 0, TABLE, 32, VT_VRING_DESC_F_INDIRECT, 0);
	ind(TABLE, 0, DATA, 4, VT_VRING_DESC_F_NEXT, 1);
	ind(TABLE, 1, TABLE + 0x100, 16, VT_VRING_DESC_F_INDIRECT, 0);
	avail(0, 0);
	expect_broken("indirect table inside indirect table (indirect descriptor 1)");
	teardown();
}

static void test_indirect_with_next(void)
{
	setup();
	desc(0, 0, DATA, 4, VT_VRING_DESC_F_NEXT, 2);
	desc(0, 2, TABLE, 16, VT_VRING_DESC_F_INDIRECT | VT_VRING_DESC_F_NEXT, 3);
	ind(TABLE, 0, DATA, 4, 0, 0);
	avail(0, 0);
	expect_broken("INDIRECT and NEXT both set in descriptor 2");
	teardown();
}

static void test_indirect_len_not_multiple(void)
{
	setup();
	desc(0, 0, TABLE, 20, VT_VRING_DESC_F_INDIRECT, 0);
	avail(0, 0);
	expect_broken("indirect table length 20 not a multiple of 16");
	teardown();
}

static void test_indirect_len_zero(void)
{
	setup();
	desc(0, 0, TABLE, 0, VT_VRING_DESC_F_INDIRECT, 0);
	avail(0, 0);
	expect_broken("indirect table length 0");
	teardown();
}

static void test_indirect_table_outside(void)
{
	setup();
	desc(0, 0, GPA + MEMSZ - 16, 32, VT_VRING_DESC_F_INDIRECT, 0);
	avail(0, 0);
	expect_broken("descriptor 0 indirect table 0x10fff0+32 outside guest memory");
	teardown();
}

static void test_indirect_next_out_of_range(void)
{
	setup();
	desc(0, 0, TABLE, 32, VT_VRING_DESC_F_INDIRECT, 0);
	ind(TABLE, 0, DATA, 4, VT_VRING_DESC_F_NEXT, 2);
	avail(0, 0);
	expect_broken("indirect descriptor 0: next 2 >= indirect table size 2");
	teardown();
}

static void test_indirect_loop(void)
{
	setup();
	desc(0, 0, TABLE, 48, VT_VRING_DESC_F_INDIRECT, 0);
	ind(TABLE, 0, DATA, 4, VT_VRING_DESC_F_NEXT, 1);
	ind(TABLE, 1, DATA, 4, VT_VRING_DESC_F_NEXT, 0);
	avail(0, 0);
	expect_broken("descriptor loop in indirect table (3 entries)");
	teardown();
}

static void test_indirect_desc_outside(void)
{
	setup();
	desc(0, 0, TABLE, 32, VT_VRING_DESC_F_INDIRECT, 0);
	ind(TABLE, 0, DATA, 4, VT_VRING_DESC_F_NEXT, 1);
	ind(TABLE, 1, 0x2000, 8, VT_VRING_DESC_F_WRITE, 0);
	avail(0, 0);
	expect_broken("indirect descriptor 1 address 0x2000+8 outside guest memory");
	teardown();
}

static void test_readable_after_writable(void)
{
	setup();
	desc(0, 0, DATA, 4, VT_VRING_DESC_F_NEXT, 4);
	desc(0, 4, DATA, 4, VT_VRING_DESC_F_WRITE | VT_VRING_DESC_F_NEXT, 7);
	desc(0, 7, DATA, 4, 0, 0);
	avail(0, 0);
	expect_broken("readable descriptor 7 after writable one");
	teardown();
}

static void test_readable_after_writable_indirect(void)
{
	setup();
	desc(0, 0, TABLE, 48, VT_VRING_DESC_F_INDIRECT, 0);
	ind(TABLE, 0, DATA, 4, VT_VRING_DESC_F_NEXT, 1);
	ind(TABLE, 1, DATA, 4, VT_VRING_DESC_F_WRITE | VT_VRING_DESC_F_NEXT, 2);
	ind(TABLE, 2, DATA, 4, 0, 0);
	avail(0, 0);
	expect_broken("readable indirect descriptor 2 after writable one");
	teardown();
}

/* A writable direct descriptor followed by an indirect table that starts
 * with a readable one is the same violation across the table boundary. */
static void test_readable_after_writable_into_indirect(void)
{
	setup();
	desc(0, 0, DATA, 4, VT_VRING_DESC_F_WRITE | VT_VRING_DESC_F_NEXT, 1);
	desc(0, 1, TABLE, 16, VT_VRING_DESC_F_INDIRECT, 0);
	ind(TABLE, 0, DATA, 4, 0, 0);
	avail(0, 0);
	expect_broken("readable indirect descriptor 0 after writable one");
	teardown();
}

static void test_chain_longer_than_queue_via_indirect(void)
{
	setup();
	/* NUM + 1 segments in one well-formed table. */
	desc(0, 0, TABLE, (NUM + 1) * 16, VT_VRING_DESC_F_INDIRECT, 0);
	for (unsigned i = 0; i <= NUM; i++)
		ind(TABLE, i, DATA, 1, i < NUM ? VT_VRING_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	avail(0, 0);
	expect_broken("chain longer than queue size (16)");
	teardown();
}

static void test_chain_longer_direct_plus_indirect(void)
{
	setup();
	/* 3 direct segments plus a 14-entry table: 17 segments in all. */
	desc(0, 0, DATA, 1, VT_VRING_DESC_F_NEXT, 1);
	desc(0, 1, DATA, 1, VT_VRING_DESC_F_NEXT, 2);
	desc(0, 2, DATA, 1, VT_VRING_DESC_F_NEXT, 3);
	desc(0, 3, TABLE, 14 * 16, VT_VRING_DESC_F_INDIRECT, 0);
	for (unsigned i = 0; i < 14; i++)
		ind(TABLE, i, DATA, 1, i < 13 ? VT_VRING_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	avail(0, 0);
	expect_broken("chain longer than queue size (16)");
	teardown();
}

static void test_head_out_of_range(void)
{
	setup();
	avail(0, 300);
	expect_broken("head 300 >= queue size 16");
	teardown();
}

static void test_avail_idx_too_far_ahead(void)
{
	setup_num(NUM, true);
	/* As after SET_VRING_BASE 65528: the check must survive the wrap. */
	F.vq[0].last_avail = F.vq[0].used_idx = 65528;
	start_all();
	vt_st_le16(&F.vq[0].avail->idx, (uint16_t)(65528 + NUM + 1));
	expect_broken("avail idx 9 is 17 ahead of last seen 65528 (queue size 16)");
	teardown();
}

static void test_indirect_not_negotiated(void)
{
	setup_num(NUM, false);
	start_all();
	desc(0, 0, TABLE, 16, VT_VRING_DESC_F_INDIRECT, 0);
	ind(TABLE, 0, DATA, 4, 0, 0);
	avail(0, 0);
	expect_broken("INDIRECT in descriptor 0 but INDIRECT_DESC not negotiated");
	teardown();
}

/* The driver rewrites a descriptor after we read it: we must act on the
 * single copy we validated.  (Simulated: walk validates, then the memory
 * changes; the segment still holds the checked values.) */
static void test_walk_does_not_stop_queue(void)
{
	setup();
	desc(0, 0, 0x10, 4, 0, 0);
	struct vt_chain c;
	char why[100];
	EXPECT_EQ(vt_vq_walk(&F.vq[0], 0, &c, F.vq[0].segs, why, sizeof(why)), -1);
	EXPECT_STR_HAS(why, "descriptor 0 address 0x10+4 outside guest memory");
	EXPECT_EQ(vt_vq_walk(&F.vq[0], 99, &c, F.vq[0].segs, NULL, 0), -1);
	EXPECT(!F.vq[0].broken);
	desc(0, 0, DATA, 4, 0, 0);
	EXPECT_EQ(vt_vq_walk(&F.vq[0], 0, &c, F.vq[0].segs, why, sizeof(why)), 0);
	EXPECT_EQ(c.read_len, 4);
	teardown();
}

static void test_start_rejects_bad_config(void)
{
	setup_num(NUM, true);
	struct vt_vq *vq = &F.vq[0];
	vq->num = 12;
	EXPECT_EQ(vt_vq_start(vq), -EINVAL);
	vq->num = 0;
	EXPECT_EQ(vt_vq_start(vq), -EINVAL);
	vq->num = NUM;
	vq->used = (void *)((uint8_t *)vq->used + 2);   /* used ring needs 4 */
	EXPECT_EQ(vt_vq_start(vq), -EINVAL);
	vq->used = NULL;
	EXPECT_EQ(vt_vq_start(vq), -EINVAL);
	vq->used = (void *)(F.mem + 0x2000);
	EXPECT_EQ(vt_vq_start(vq), 0);
	teardown();
}

static void test_restart_clears_broken(void)
{
	setup();
	avail(0, 99);
	struct vt_chain c;
	EXPECT_EQ(vt_vq_pop(&F.vq[0], &c), -1);
	EXPECT(F.vq[0].broken);
	/* The front-end resets the ring (GET_VRING_BASE, SET_VRING_BASE). */
	vt_vq_stop(&F.vq[0]);
	F.vq[0].last_avail = F.avail_idx[0];
	EXPECT_EQ(vt_vq_start(&F.vq[0]), 0);
	EXPECT(!F.vq[0].broken);
	EXPECT_EQ(vt_vq_pop(&F.vq[0], &c), 0);
	teardown();
}

/* ---- well-formed chains ------------------------------------------------- */

static void test_direct_chain(void)
{
	setup();
	desc(0, 1, DATA, 8, VT_VRING_DESC_F_NEXT, 6);
	desc(0, 6, DATA + 0x10, 4, VT_VRING_DESC_F_NEXT, 3);
	desc(0, 3, DATA + 0x20, 16, VT_VRING_DESC_F_WRITE | VT_VRING_DESC_F_NEXT, 9);
	desc(0, 9, DATA + 0x40, 1, VT_VRING_DESC_F_WRITE, 0);
	avail(0, 1);
	struct vt_chain c;
	EXPECT_EQ(vt_vq_pop(&F.vq[0], &c), 1);
	EXPECT_EQ(c.head, 1);
	EXPECT(!c.indirect);
	EXPECT_EQ(c.nread, 2);
	EXPECT_EQ(c.nwrite, 2);
	EXPECT_EQ(c.read_len, 12);
	EXPECT_EQ(c.write_len, 17);
	EXPECT(c.seg[0].ptr == host(DATA) && c.seg[0].len == 8 && !c.seg[0].writable);
	EXPECT(c.seg[1].ptr == host(DATA + 0x10) && c.seg[1].len == 4 && !c.seg[1].writable);
	EXPECT(c.seg[2].ptr == host(DATA + 0x20) && c.seg[2].len == 16 && c.seg[2].writable);
	EXPECT(c.seg[3].ptr == host(DATA + 0x40) && c.seg[3].len == 1 && c.seg[3].writable);
	EXPECT_EQ(c.seg[2].gpa, DATA + 0x20);
	EXPECT_EQ(F.vq[0].inflight, 1);
	EXPECT_EQ(F.vq[0].last_avail, 1);
	EXPECT_EQ(vt_vq_pop(&F.vq[0], &c), 0);
	teardown();
}

static void test_zero_length_descriptor(void)
{
	setup();
	desc(0, 0, DATA, 0, VT_VRING_DESC_F_NEXT, 1);
	desc(0, 1, DATA + 4, 1, VT_VRING_DESC_F_WRITE, 0);
	avail(0, 0);
	struct vt_chain c;
	EXPECT_EQ(vt_vq_pop(&F.vq[0], &c), 1);
	EXPECT_EQ(c.nread, 1);
	EXPECT_EQ(c.read_len, 0);
	EXPECT_EQ(c.nwrite, 1);
	teardown();
}

static void test_indirect_chain(void)
{
	setup();
	desc(0, 7, TABLE + 0x40, 48, VT_VRING_DESC_F_INDIRECT, 0);
	ind(TABLE + 0x40, 0, DATA, 8, VT_VRING_DESC_F_NEXT, 2);
	ind(TABLE + 0x40, 2, DATA + 0x10, 2, VT_VRING_DESC_F_WRITE | VT_VRING_DESC_F_NEXT, 1);
	ind(TABLE + 0x40, 1, DATA + 0x20, 1, VT_VRING_DESC_F_WRITE, 0);
	avail(0, 7);
	struct vt_chain c;
	EXPECT_EQ(vt_vq_pop(&F.vq[0], &c), 1);
	EXPECT_EQ(c.head, 7);    /* the ring head, not an index in the table */
	EXPECT(c.indirect);
	EXPECT_EQ(c.nread, 1);
	EXPECT_EQ(c.nwrite, 2);
	EXPECT_EQ(c.read_len, 8);
	EXPECT_EQ(c.write_len, 3);
	EXPECT(c.seg[1].ptr == host(DATA + 0x10));
	EXPECT(c.seg[2].ptr == host(DATA + 0x20));
	vt_vq_push(&F.vq[0], c.head, 3);
	EXPECT_EQ(used_id(0, 0), 7);
	teardown();
}

static void test_direct_then_indirect(void)
{
	setup();
	desc(0, 0, DATA, 8, VT_VRING_DESC_F_NEXT, 1);
	desc(0, 1, TABLE, 16, VT_VRING_DESC_F_INDIRECT, 0);
	ind(TABLE, 0, DATA + 0x10, 1, VT_VRING_DESC_F_WRITE, 0);
	avail(0, 0);
	struct vt_chain c;
	EXPECT_EQ(vt_vq_pop(&F.vq[0], &c), 1);
	EXPECT(c.indirect);
	EXPECT_EQ(c.nread, 1);
	EXPECT_EQ(c.nwrite, 1);
	teardown();
}

static void test_indirect_table_of_queue_size(void)
{
	setup();
	desc(0, 0, TABLE, NUM * 16, VT_VRING_DESC_F_INDIRECT, 0);
	for (unsigned i = 0; i < NUM; i++)
		ind(TABLE, i, DATA, 1, i + 1 < NUM ? VT_VRING_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	avail(0, 0);
	struct vt_chain c;
	EXPECT_EQ(vt_vq_pop(&F.vq[0], &c), 1);
	EXPECT_EQ(c.nread, NUM);
	teardown();
}

static void test_batching(void)
{
	setup();
	for (uint16_t h = 0; h < 3; h++) {
		desc(0, h, DATA + h * 0x10u, 4, 0, 0);
		avail(0, (uint16_t)(2 - h));
	}
	struct vt_chain c;
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(vt_vq_pop(&F.vq[0], &c), 1);
		EXPECT_EQ(c.head, 2 - i);
	}
	EXPECT_EQ(vt_vq_pop(&F.vq[0], &c), 0);
	EXPECT_EQ(F.vq[0].inflight, 3);
	teardown();
}

static void test_push_out_of_order(void)
{
	setup();
	desc(0, 0, DATA, 4, 0, 0);          /* A */
	desc(0, 3, DATA + 0x10, 4, 0, 0);   /* B */
	avail(0, 0);
	avail(0, 3);
	struct vt_chain a, b;
	EXPECT_EQ(vt_vq_pop(&F.vq[0], &a), 1);
	EXPECT_EQ(vt_vq_pop(&F.vq[0], &b), 1);
	vt_vq_push(&F.vq[0], b.head, 7);
	EXPECT_EQ(used_idx(0), 1);
	vt_vq_push(&F.vq[0], a.head, 9);
	EXPECT_EQ(used_idx(0), 2);
	EXPECT_EQ(used_id(0, 0), 3);
	EXPECT_EQ(used_len(0, 0), 7);
	EXPECT_EQ(used_id(0, 1), 0);
	EXPECT_EQ(used_len(0, 1), 9);
	EXPECT_EQ(F.vq[0].inflight, 0);
	teardown();
}

static void test_used_idx_wraps(void)
{
	setup_num(NUM, true);
	F.vq[0].last_avail = F.vq[0].used_idx = 65534;
	F.avail_idx[0] = 65534;
	start_all();
	for (uint16_t h = 0; h < 3; h++) {
		desc(0, h, DATA, 4, 0, 0);
		avail(0, h);
	}
	EXPECT_EQ(vt_ld_le16(&F.vq[0].avail->idx), 1);
	struct vt_chain c;
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(vt_vq_pop(&F.vq[0], &c), 1);
		EXPECT_EQ(c.head, i);
		vt_vq_push(&F.vq[0], c.head, (uint32_t)(100 + i));
	}
	EXPECT_EQ(vt_vq_pop(&F.vq[0], &c), 0);
	EXPECT_EQ(used_idx(0), 1);
	EXPECT_EQ(F.vq[0].last_avail, 1);
	EXPECT_EQ(used_id(0, 14), 0);      /* 65534 % 16 */
	EXPECT_EQ(used_id(0, 15), 1);
	EXPECT_EQ(used_id(0, 0), 2);
	EXPECT_EQ(used_len(0, 0), 102);
	teardown();
}

/* Makes n single-descriptor chains available and completes them. */
static void pop_push(unsigned q, unsigned n)
{
	struct vt_chain c;
	for (unsigned i = 0; i < n; i++) {
		uint16_t h = (uint16_t)(F.avail_idx[q] % NUM);
		desc(q, h, DATA, 4, 0, 0);
		avail(q, h);
		EXPECT_EQ(vt_vq_pop(&F.vq[q], &c), 1);
		vt_vq_push(&F.vq[q], c.head, 0);
	}
}

static void set_used_event(unsigned q, uint16_t v)
{
	vt_st_le16(&F.vq[q].avail->ring[F.vq[q].num], v);
}

static void test_event_idx_notify(void)
{
	setup_num(NUM, true);
	F.vq[0].event_idx = true;
	start_all();
	set_used_event(0, 100);
	pop_push(0, 1);
	EXPECT(vt_vq_should_notify(&F.vq[0]));     /* first time: always */
	EXPECT_EQ(F.vq[0].signalled_used, 1);
	set_used_event(0, 3);                      /* call me once entry 3 is used */
	pop_push(0, 1);                            /* used idx 2 */
	EXPECT(!vt_vq_should_notify(&F.vq[0]));
	pop_push(0, 1);                            /* 3 */
	EXPECT(!vt_vq_should_notify(&F.vq[0]));
	pop_push(0, 1);                            /* 4: entry 3 now used */
	EXPECT(vt_vq_should_notify(&F.vq[0]));
	/* Crossing within a batch counts too. */
	set_used_event(0, 4);
	pop_push(0, 2);                            /* 4 -> 6 */
	EXPECT(vt_vq_should_notify(&F.vq[0]));
	/* No new entries: nothing to say. */
	EXPECT(!vt_vq_should_notify(&F.vq[0]));
	/* NO_INTERRUPT is ignored with EVENT_IDX. */
	vt_st_le16(&F.vq[0].avail->flags, VT_VRING_AVAIL_F_NO_INTERRUPT);
	set_used_event(0, 6);
	pop_push(0, 1);
	EXPECT(vt_vq_should_notify(&F.vq[0]));
	teardown();
}

static void test_no_interrupt(void)
{
	setup();
	pop_push(0, 1);
	EXPECT(vt_vq_should_notify(&F.vq[0]));
	vt_st_le16(&F.vq[0].avail->flags, VT_VRING_AVAIL_F_NO_INTERRUPT);
	pop_push(0, 1);
	EXPECT(!vt_vq_should_notify(&F.vq[0]));
	vt_st_le16(&F.vq[0].avail->flags, 0);
	pop_push(0, 1);
	EXPECT(vt_vq_should_notify(&F.vq[0]));
	teardown();
}

static void test_notify_on_empty(void)
{
	setup_num(NUM, true);
	F.vq[0].notify_on_empty = true;
	start_all();
	vt_st_le16(&F.vq[0].avail->flags, VT_VRING_AVAIL_F_NO_INTERRUPT);
	desc(0, 0, DATA, 4, 0, 0);
	desc(0, 1, DATA, 4, 0, 0);
	avail(0, 0);
	avail(0, 1);
	struct vt_chain c;
	EXPECT_EQ(vt_vq_pop(&F.vq[0], &c), 1);
	vt_vq_push(&F.vq[0], c.head, 0);
	EXPECT(!vt_vq_should_notify(&F.vq[0]));    /* one still available */
	EXPECT_EQ(vt_vq_pop(&F.vq[0], &c), 1);
	vt_vq_push(&F.vq[0], c.head, 0);
	EXPECT(vt_vq_should_notify(&F.vq[0]));     /* ring ran empty */
	teardown();
}

static void test_update_avail_event(void)
{
	setup_num(NUM, true);
	F.vq[0].event_idx = true;
	start_all();
	uint16_t *avail_event = (uint16_t *)(void *)&F.vq[0].used->ring[NUM];
	uint16_t *avail_event1 = (uint16_t *)(void *)&F.vq[1].used->ring[NUM];
	pop_push(0, 3);
	vt_vq_update_avail_event(&F.vq[0]);
	EXPECT_EQ(vt_ld_le16(avail_event), 3);
	EXPECT_EQ(vt_ld_le16(F.mem + QOFF(0) + 0x2000 + 4 + 8 * NUM), 3);
	/* Without EVENT_IDX the field is not touched. */
	vt_st_le16(avail_event1, 0xbeef);
	pop_push(1, 2);
	vt_vq_update_avail_event(&F.vq[1]);
	EXPECT_EQ(vt_ld_le16(avail_event1), 0xbeef);
	teardown();
}

/* ---- payload access ----------------------------------------------------- */

static void test_chain_read_write(void)
{
	setup();
	memcpy(host(DATA), "abcd", 4);
	memcpy(host(DATA + 0x10), "efg", 3);
	desc(0, 0, DATA, 4, VT_VRING_DESC_F_NEXT, 1);
	desc(0, 1, DATA + 0x8, 0, VT_VRING_DESC_F_NEXT, 2);
	desc(0, 2, DATA + 0x10, 3, VT_VRING_DESC_F_NEXT, 3);
	desc(0, 3, DATA + 0x20, 2, VT_VRING_DESC_F_WRITE | VT_VRING_DESC_F_NEXT, 4);
	desc(0, 4, DATA + 0x30, 3, VT_VRING_DESC_F_WRITE, 0);
	avail(0, 0);
	struct vt_chain c;
	EXPECT_EQ(vt_vq_pop(&F.vq[0], &c), 1);

	char buf[16] = {0};
	EXPECT_EQ(vt_chain_read(&c, 2, buf, 4), 4);        /* across the empty segment */
	EXPECT(memcmp(buf, "cdef", 4) == 0);
	EXPECT_EQ(vt_chain_read(&c, 5, buf, sizeof(buf)), 2);   /* short at the end */
	EXPECT(memcmp(buf, "fg", 2) == 0);
	EXPECT_EQ(vt_chain_read(&c, 7, buf, 1), 0);
	EXPECT_EQ(vt_chain_read(&c, 1000, buf, 1), 0);
	EXPECT_EQ(vt_chain_read(&c, 0, buf, 0), 0);

	EXPECT_EQ(vt_chain_write(&c, 1, "XYZ", 3), 3);     /* 1 byte in seg 3, 2 in seg 4 */
	EXPECT_EQ(*host(DATA + 0x21), 'X');
	EXPECT(memcmp(host(DATA + 0x30), "YZ", 2) == 0);
	EXPECT_EQ(vt_chain_write(&c, 0, "0123456789", 10), 5);
	EXPECT(memcmp(host(DATA + 0x30), "234", 3) == 0);
	EXPECT_EQ(*host(DATA + 0x33), 0);                  /* nothing past the segment */
	EXPECT_EQ(vt_chain_write(&c, 5, "x", 1), 0);

	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(vt_chain_read_writable(&c, 1, buf, sizeof(buf)), 4);
	EXPECT(memcmp(buf, "1234", 4) == 0);
	/* The readable stream was not touched by the writes. */
	EXPECT(memcmp(host(DATA), "abcd", 4) == 0);
	teardown();
}

int main(void)
{
	vt_log_set_quiet(1);
	RUN(test_addr_outside_memory);
	RUN(test_addr_straddles_region_end);
	RUN(test_addr_len_overflow);
	RUN(test_next_out_of_range);
	RUN(test_descriptor_loop);
	RUN(test_self_loop);
	RUN(test_indirect_in_indirect);
	RUN(test_indirect_with_next);
	RUN(test_indirect_len_not_multiple);
	RUN(test_indirect_len_zero);
	RUN(test_indirect_table_outside);
	RUN(test_indirect_next_out_of_range);
	RUN(test_indirect_loop);
	RUN(test_indirect_desc_outside);
	RUN(test_readable_after_writable);
	RUN(test_readable_after_writable_indirect);
	RUN(test_readable_after_writable_into_indirect);
	RUN(test_chain_longer_than_queue_via_indirect);
	RUN(test_chain_longer_direct_plus_indirect);
	RUN(test_head_out_of_range);
	RUN(test_avail_idx_too_far_ahead);
	RUN(test_indirect_not_negotiated);
	RUN(test_walk_does_not_stop_queue);
	RUN(test_start_rejects_bad_config);
	RUN(test_restart_clears_broken);
	RUN(test_direct_chain);
	RUN(test_zero_length_descriptor);
	RUN(test_indirect_chain);
	RUN(test_direct_then_indirect);
	RUN(test_indirect_table_of_queue_size);
	RUN(test_batching);
	RUN(test_push_out_of_order);
	RUN(test_used_idx_wraps);
	RUN(test_event_idx_notify);
	RUN(test_no_interrupt);
	RUN(test_notify_on_empty);
	RUN(test_update_avail_event);
	RUN(test_chain_read_write);
	return tap_done();
}
