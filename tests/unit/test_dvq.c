/* vt_dvq + vt_gmem against vt_vq: the driver side builds chains in a memfd
 * guest memory, the device side pops them from the same memory, exactly as
 * vitool's front-end and backend see each other. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "util/bytes.h"
#include "util/log.h"
#include "virtio/dvq.h"
#include "virtio/gmem.h"
#include "virtio/virtio.h"
#include "virtio/vq.h"

#define NUM 16

static struct {
	struct vt_gmem g;
	struct vt_dvq d;     /* driver */
	struct vt_mem m;     /* device's view of g */
	struct vt_vq vq;     /* device */
} F;

static void setup(bool event_idx)
{
	EXPECT_EQ(vt_gmem_create(&F.g, 1 << 20), 0);
	EXPECT_EQ(vt_dvq_init(&F.d, &F.g, NUM, event_idx), 0);
	vt_mem_init(&F.m);
	EXPECT_EQ(vt_mem_add_ptr(&F.m, F.g.base, F.g.gpa_base, F.g.size,
				 (uint64_t)(uintptr_t)F.g.base), 0);
	/* What a backend does with SET_VRING_NUM / SET_VRING_ADDR. */
	memset(&F.vq, 0, sizeof(F.vq));
	F.vq.num = NUM;
	F.vq.desc = vt_mem_uva(&F.m, vt_dvq_desc_uva(&F.d), vt_vring_desc_size(NUM));
	F.vq.avail = vt_mem_uva(&F.m, vt_dvq_avail_uva(&F.d), vt_vring_avail_size(NUM));
	F.vq.used = vt_mem_uva(&F.m, vt_dvq_used_uva(&F.d), vt_vring_used_size(NUM));
	F.vq.mem = &F.m;
	F.vq.indirect_ok = true;
	F.vq.event_idx = event_idx;
	EXPECT_EQ(vt_vq_start(&F.vq), 0);
}

static void teardown(void)
{
	vt_vq_stop(&F.vq);
	vt_mem_clear(&F.m);
	vt_dvq_free(&F.d);
	vt_gmem_destroy(&F.g);
}

/* Guest buffer holding s (or zeroed len bytes when s is NULL). */
static struct vt_dseg buf(const char *s, uint32_t len, bool writable)
{
	uint64_t gpa;
	uint8_t *p = vt_gmem_alloc(&F.g, len, 8, &gpa);
	EXPECT(p != NULL);
	if (p && s)
		memcpy(p, s, len);
	return (struct vt_dseg){ .gpa = gpa, .len = len, .writable = writable };
}

static uint8_t *gp(uint64_t gpa) { return F.g.base + (gpa - F.g.gpa_base); }

static void test_round_trip(void)
{
	setup(false);
	int ta, tb, tc;
	struct vt_dseg a[] = { buf("request!", 8, false), buf(NULL, 4, true) };
	struct vt_dseg b[] = { buf("abc", 3, false), buf(NULL, 2, true), buf(NULL, 1, true) };
	struct vt_dseg c1[] = { buf(NULL, 1, true) };
	EXPECT_EQ(vt_dvq_add(&F.d, a, 2, false, &ta), 0);
	EXPECT_EQ(vt_dvq_add(&F.d, b, 3, true, &tb), 0);
	EXPECT_EQ(vt_dvq_add(&F.d, c1, 1, false, &tc), 0);
	EXPECT_EQ(F.d.num_free, NUM - 4);

	struct vt_chain c;
	EXPECT_EQ(vt_vq_pop(&F.vq, &c), 0);      /* not published yet */
	EXPECT(vt_dvq_publish(&F.d));

	uint16_t ha, hb, hc;
	char tmp[16] = {0};
	EXPECT_EQ(vt_vq_pop(&F.vq, &c), 1);
	ha = c.head;
	EXPECT(!c.indirect);
	EXPECT_EQ(c.nread, 1);
	EXPECT_EQ(c.nwrite, 1);
	EXPECT_EQ(vt_chain_read(&c, 0, tmp, sizeof(tmp)), 8);
	EXPECT(memcmp(tmp, "request!", 8) == 0);
	EXPECT_EQ(vt_chain_write(&c, 0, "RESP", 4), 4);

	EXPECT_EQ(vt_vq_pop(&F.vq, &c), 1);
	hb = c.head;
	EXPECT(c.indirect);
	EXPECT_EQ(c.nread, 1);
	EXPECT_EQ(c.nwrite, 2);
	EXPECT_EQ(c.write_len, 3);
	EXPECT_EQ(vt_chain_read(&c, 0, tmp, sizeof(tmp)), 3);
	EXPECT(memcmp(tmp, "abc", 3) == 0);
	EXPECT_EQ(vt_chain_write(&c, 0, "xyz", 3), 3);

	EXPECT_EQ(vt_vq_pop(&F.vq, &c), 1);
	hc = c.head;
	EXPECT_EQ(c.nwrite, 1);
	EXPECT_EQ(vt_vq_pop(&F.vq, &c), 0);

	/* Complete out of order: C, A, B. */
	vt_vq_push(&F.vq, hc, 1);
	vt_vq_push(&F.vq, ha, 4);
	vt_vq_push(&F.vq, hb, 3);

	uint32_t len;
	uint16_t head;
	EXPECT(vt_dvq_get(&F.d, &len, &head) == &tc);
	EXPECT_EQ(len, 1);
	EXPECT_EQ(head, hc);
	EXPECT(vt_dvq_get(&F.d, &len, &head) == &ta);
	EXPECT_EQ(len, 4);
	EXPECT_EQ(head, ha);
	EXPECT(vt_dvq_get(&F.d, &len, NULL) == &tb);
	EXPECT_EQ(len, 3);
	EXPECT(vt_dvq_get(&F.d, &len, &head) == NULL);
	EXPECT_EQ(F.d.num_free, NUM);
	EXPECT(memcmp(gp(a[1].gpa), "RESP", 4) == 0);
	EXPECT(memcmp(gp(b[1].gpa), "xy", 2) == 0);
	EXPECT_EQ(*gp(b[2].gpa), 'z');
	teardown();
}

static void test_ring_full(void)
{
	setup(false);
	int t;
	struct vt_dseg two[] = { buf("q", 1, false), buf(NULL, 1, true) };
	for (int i = 0; i < NUM / 2; i++)
		EXPECT_EQ(vt_dvq_add(&F.d, two, 2, false, &t), 0);
	EXPECT_EQ(F.d.num_free, 0);
	EXPECT_EQ(vt_dvq_add(&F.d, two, 2, false, &t), -ENOSPC);
	EXPECT_EQ(vt_dvq_add(&F.d, two, 1, true, &t), -ENOSPC);
	vt_dvq_publish(&F.d);

	/* One completion makes room for exactly one more such chain. */
	struct vt_chain c;
	EXPECT_EQ(vt_vq_pop(&F.vq, &c), 1);
	vt_vq_push(&F.vq, c.head, 1);
	EXPECT(vt_dvq_get(&F.d, NULL, NULL) == &t);
	EXPECT_EQ(vt_dvq_add(&F.d, two, 2, false, &t), 0);
	EXPECT_EQ(vt_dvq_add(&F.d, two, 1, false, &t), -ENOSPC);
	teardown();
}

static void test_full_of_indirect_chains(void)
{
	setup(false);
	int t;
	struct vt_dseg three[] = { buf("q", 1, false), buf(NULL, 1, true), buf(NULL, 1, true) };
	/* One descriptor each: the avail ring itself is the limit. */
	for (int i = 0; i < NUM; i++)
		EXPECT_EQ(vt_dvq_add(&F.d, three, 3, true, &t), 0);
	EXPECT_EQ(vt_dvq_add(&F.d, three, 3, true, &t), -ENOSPC);
	vt_dvq_publish(&F.d);
	struct vt_chain c;
	for (int i = 0; i < NUM; i++) {
		EXPECT_EQ(vt_vq_pop(&F.vq, &c), 1);
		EXPECT_EQ(c.nread + c.nwrite, 3);
	}
	EXPECT_EQ(vt_vq_pop(&F.vq, &c), 0);
	teardown();
}

static void test_add_invalid(void)
{
	setup(false);
	int t;
	struct vt_dseg bad_order[] = { buf(NULL, 1, true), buf("r", 1, false) };
	struct vt_dseg many[NUM + 1];
	for (unsigned i = 0; i < VT_ARRAY_SIZE(many); i++)
		many[i] = buf("r", 1, false);
	EXPECT_EQ(vt_dvq_add(&F.d, many, 0, false, &t), -EINVAL);
	EXPECT_EQ(vt_dvq_add(&F.d, many, 1, false, NULL), -EINVAL);
	EXPECT_EQ(vt_dvq_add(&F.d, bad_order, 2, false, &t), -EINVAL);
	EXPECT_EQ(vt_dvq_add(&F.d, many, NUM + 1, false, &t), -EINVAL);
	EXPECT_EQ(vt_dvq_indirect_max(&F.d), NUM);
	EXPECT_EQ(vt_dvq_add(&F.d, many, NUM + 1, true, &t), -EINVAL);
	EXPECT_EQ(vt_dvq_add(&F.d, many, NUM, true, &t), 0);
	EXPECT_EQ(vt_dvq_add(&F.d, many, NUM - 1, false, &t), 0);
	EXPECT_EQ(F.d.num_free, 0);
	vt_dvq_publish(&F.d);
	EXPECT(!vt_dvq_publish(&F.d));          /* nothing new */
	struct vt_dvq q;
	EXPECT_EQ(vt_dvq_init(&q, &F.g, 12, false), -EINVAL);
	teardown();
}

static void test_indirect_cap(void)
{
	struct vt_gmem g;
	struct vt_dvq q;
	EXPECT_EQ(vt_gmem_create(&g, 2 << 20), 0);
	EXPECT_EQ(vt_dvq_init(&q, &g, 256, false), 0);
	EXPECT_EQ(vt_dvq_indirect_max(&q), VT_DVQ_INDIRECT_MAX);
	/* Different heads get disjoint tables. */
	EXPECT(q.ind[1] - q.ind[0] == VT_DVQ_INDIRECT_MAX);
	vt_dvq_free(&q);
	/* Too small a guest memory for the rings and tables. */
	struct vt_gmem small;
	EXPECT_EQ(vt_gmem_create(&small, 4096), 0);
	EXPECT_EQ(vt_dvq_init(&q, &small, 256, false), -ENOMEM);
	vt_gmem_destroy(&small);
	vt_gmem_destroy(&g);
}

/* One single-segment chain through both sides; returns whether the driver
 * would kick. */
static bool add_one(int *token)
{
	struct vt_dseg s = buf(NULL, 1, true);
	EXPECT_EQ(vt_dvq_add(&F.d, &s, 1, false, token), 0);
	return vt_dvq_publish(&F.d);
}

static void device_drain(void)
{
	struct vt_chain c;
	while (vt_vq_pop(&F.vq, &c) == 1)
		vt_vq_push(&F.vq, c.head, 1);
	vt_vq_update_avail_event(&F.vq);
}

static void test_event_idx_kick_suppression(void)
{
	setup(true);
	int t;
	EXPECT(add_one(&t));            /* avail_event 0: device wants entry 0 */
	device_drain();                 /* avail_event = 1 */
	EXPECT(add_one(&t));            /* entry 1 crosses it */
	EXPECT(!add_one(&t));           /* device has not caught up: no kick */
	EXPECT(!add_one(&t));
	device_drain();                 /* consumed 2..3, avail_event = 4 */
	EXPECT_EQ(F.vq.last_avail, 4);
	EXPECT(add_one(&t));
	/* Two chains in one publish that cross avail_event: one kick. */
	device_drain();
	struct vt_dseg s = buf(NULL, 1, true);
	EXPECT_EQ(vt_dvq_add(&F.d, &s, 1, false, &t), 0);
	EXPECT_EQ(vt_dvq_add(&F.d, &s, 1, false, &t), 0);
	EXPECT(vt_dvq_publish(&F.d));
	teardown();
}

static void test_no_notify_flag(void)
{
	setup(false);
	int t;
	EXPECT(add_one(&t));
	vt_st_le16(&F.vq.used->flags, VT_VRING_USED_F_NO_NOTIFY);
	EXPECT(!add_one(&t));
	vt_st_le16(&F.vq.used->flags, 0);
	EXPECT(add_one(&t));
	teardown();
}

static void test_event_idx_call_suppression(void)
{
	setup(true);
	int t;
	struct vt_chain c;
	for (int i = 0; i < 3; i++)
		add_one(&t);
	vt_dvq_enable_cb(&F.d);
	EXPECT_EQ(vt_ld_le16(&F.d.avail->ring[NUM]), 0);   /* used_event */
	EXPECT_EQ(vt_vq_pop(&F.vq, &c), 1);
	vt_vq_push(&F.vq, c.head, 1);
	EXPECT(vt_vq_should_notify(&F.vq));
	EXPECT(vt_dvq_get(&F.d, NULL, NULL) == &t);        /* used_event -> 1 */
	EXPECT_EQ(vt_ld_le16(&F.d.avail->ring[NUM]), 1);
	EXPECT_EQ(vt_vq_pop(&F.vq, &c), 1);
	vt_vq_push(&F.vq, c.head, 1);
	EXPECT(vt_vq_should_notify(&F.vq));                /* entry 1 was asked for */
	/* The driver has not reaped entry 1: no call for entry 2. */
	EXPECT_EQ(vt_vq_pop(&F.vq, &c), 1);
	vt_vq_push(&F.vq, c.head, 1);
	EXPECT(!vt_vq_should_notify(&F.vq));
	EXPECT(vt_dvq_get(&F.d, NULL, NULL) == &t);
	EXPECT(vt_dvq_get(&F.d, NULL, NULL) == &t);
	EXPECT(vt_dvq_get(&F.d, NULL, NULL) == NULL);
	vt_dvq_enable_cb(&F.d);
	EXPECT_EQ(vt_ld_le16(&F.d.avail->ring[NUM]), 3);
	teardown();
}

/* disable_cb while reaping, and a call asked for cb_delay entries later:
 * the device is called for neither the entries reaped with callbacks off
 * nor those before the delayed one. */
static void test_call_coalescing(void)
{
	setup(true);
	int t;
	struct vt_chain c;
	for (int i = 0; i < 6; i++)
		add_one(&t);
	EXPECT_EQ(vt_vq_pop(&F.vq, &c), 1);   /* the device's first call, always */
	vt_vq_push(&F.vq, c.head, 1);
	EXPECT(vt_vq_should_notify(&F.vq));
	EXPECT(vt_dvq_get(&F.d, NULL, NULL) == &t);
	F.d.cb_delay = 2;
	vt_dvq_enable_cb(&F.d);
	EXPECT_EQ(vt_ld_le16(&F.d.avail->ring[NUM]), 3);   /* a call at the 3rd from here */
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(vt_vq_pop(&F.vq, &c), 1);
		vt_vq_push(&F.vq, c.head, 1);
		EXPECT(vt_vq_should_notify(&F.vq) == (i == 2));
	}
	vt_dvq_disable_cb(&F.d);
	for (int i = 0; i < 3; i++)
		EXPECT(vt_dvq_get(&F.d, NULL, NULL) == &t);
	EXPECT_EQ(vt_ld_le16(&F.d.avail->ring[NUM]), 3);   /* left behind */
	EXPECT_EQ(vt_vq_pop(&F.vq, &c), 1);
	vt_vq_push(&F.vq, c.head, 1);
	EXPECT(!vt_vq_should_notify(&F.vq));
	F.d.cb_delay = 0;
	vt_dvq_enable_cb(&F.d);
	EXPECT_EQ(vt_ld_le16(&F.d.avail->ring[NUM]), 4);
	teardown();
}

static void test_device_reports_bad_id(void)
{
	setup(false);
	int t;
	add_one(&t);
	/* A used entry for a head that is not in flight. */
	vt_vq_push(&F.vq, 7, 1);
	EXPECT(vt_dvq_get(&F.d, NULL, NULL) == NULL);
	EXPECT(F.d.broken);
	EXPECT_STR_HAS(vt_log_last(), "used id not in flight: 7");
	EXPECT(vt_dvq_get(&F.d, NULL, NULL) == NULL);
	teardown();
}

static void test_device_used_idx_jump(void)
{
	setup(false);
	int t;
	add_one(&t);
	vt_st_le16(&F.vq.used->idx, NUM + 1);
	EXPECT(vt_dvq_get(&F.d, NULL, NULL) == NULL);
	EXPECT(F.d.broken);
	EXPECT_STR_HAS(vt_log_last(), "used idx ahead by 17");
	teardown();
}

/* Many rounds with mixed chain shapes and reversed completion: the free
 * list must stay consistent and the indices must wrap past 65535. */
static void test_many_rounds_wrap(void)
{
	setup(true);
	int tok[3];
	uint64_t mark = vt_gmem_mark(&F.g);
	for (unsigned round = 0; round < 22000; round++) {
		vt_gmem_release(&F.g, mark);
		for (unsigned k = 0; k < 3; k++) {
			struct vt_dseg s[3] = { buf("r", 1, false), buf(NULL, 2, true), buf(NULL, 3, true) };
			EXPECT_EQ(vt_dvq_add(&F.d, s, k + 1, (round + k) % 2, &tok[k]), 0);
		}
		vt_dvq_publish(&F.d);
		struct vt_chain c[3];
		uint16_t heads[3];
		for (unsigned k = 0; k < 3; k++) {
			EXPECT_EQ(vt_vq_pop(&F.vq, &c[k]), 1);
			heads[k] = c[k].head;
			EXPECT_EQ(c[k].nread + c[k].nwrite, k + 1);
		}
		for (int k = 2; k >= 0; k--)
			vt_vq_push(&F.vq, heads[k], (uint32_t)k);
		vt_vq_update_avail_event(&F.vq);
		for (int k = 2; k >= 0; k--) {
			uint32_t len = 99;
			EXPECT(vt_dvq_get(&F.d, &len, NULL) == &tok[k]);
			EXPECT_EQ(len, k);
		}
		if (tap_cur_failed)
			break;
	}
	EXPECT_EQ(F.d.num_free, NUM);
	EXPECT_EQ(F.d.last_used, (uint16_t)(22000 * 3));
	EXPECT(!F.vq.broken);
	teardown();
}

/* Random chain shapes, random completion order, up to a full ring in
 * flight: every popped chain must carry its own request's serial number,
 * which fails as soon as the free list hands out a descriptor twice. */
struct req {
	uint32_t serial;
	unsigned nseg;
	bool busy;
	struct vt_dseg seg[3];
};

static uint32_t rng_state = 12345;
static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 16) % n;
}

static struct req *find_req(struct req *reqs, unsigned n, uint32_t serial)
{
	for (unsigned i = 0; i < n; i++)
		if (reqs[i].busy && reqs[i].serial == serial)
			return &reqs[i];
	return NULL;
}

static void driver_add_some(struct req *reqs, unsigned nreq, uint32_t *serial)
{
	for (unsigned i = 0; i < nreq; i++) {
		struct req *r = &reqs[i];
		if (r->busy || rnd(2))
			continue;
		r->nseg = 1 + rnd(3);
		r->serial = ++*serial;
		memcpy(gp(r->seg[0].gpa), &r->serial, 4);
		if (vt_dvq_add(&F.d, r->seg, r->nseg, rnd(2), r) == 0)
			r->busy = true;
	}
	vt_dvq_publish(&F.d);
}

static void test_random_completion(void)
{
	setup(false);
	struct req reqs[24];
	for (unsigned i = 0; i < VT_ARRAY_SIZE(reqs); i++) {
		reqs[i] = (struct req){ .seg = { buf(NULL, 4, false), buf(NULL, 4, true),
						 buf(NULL, 4, true) } };
	}
	struct { uint16_t head; uint32_t serial; } pend[NUM];
	unsigned npend = 0;
	uint32_t serial = 0;
	for (unsigned step = 0; step < 3000 && !tap_cur_failed; step++) {
		driver_add_some(reqs, VT_ARRAY_SIZE(reqs), &serial);
		/* The device lags behind: popped chains are only checked later,
		 * so descriptors reused while available would show. */
		struct vt_chain c;
		for (unsigned k = rnd(4); k > 0 && vt_vq_pop(&F.vq, &c) == 1; k--) {
			uint32_t sn = 0;
			EXPECT_EQ(vt_chain_read(&c, 0, &sn, 4), 4);
			struct req *r = find_req(reqs, VT_ARRAY_SIZE(reqs), sn);
			EXPECT(r != NULL);
			if (r)
				EXPECT_EQ(c.nread + c.nwrite, r->nseg);
			EXPECT(npend < NUM);
			if (npend < NUM) {
				pend[npend].head = c.head;
				pend[npend].serial = sn;
				npend++;
			}
		}
		EXPECT(!F.vq.broken);
		for (unsigned k = rnd(npend + 1); k > 0; k--) {
			unsigned i = rnd(npend);
			vt_vq_push(&F.vq, pend[i].head, pend[i].serial);
			pend[i] = pend[--npend];
		}
		uint32_t len;
		struct req *r;
		while ((r = vt_dvq_get(&F.d, &len, NULL)) != NULL) {
			EXPECT_EQ(len, r->serial);
			r->busy = false;
		}
	}
	EXPECT(serial > 1000);
	/* Drain, then the free list must hold every descriptor exactly once. */
	struct vt_chain c;
	while (vt_vq_pop(&F.vq, &c) == 1)
		vt_vq_push(&F.vq, c.head, 0);
	for (unsigned i = 0; i < npend; i++)
		vt_vq_push(&F.vq, pend[i].head, 0);
	while (vt_dvq_get(&F.d, NULL, NULL))
		;
	EXPECT_EQ(F.d.num_free, NUM);
	bool seen[NUM] = {0};
	uint16_t i = F.d.free_head;
	for (unsigned k = 0; k < NUM && i < NUM; k++, i = F.d.next[i]) {
		EXPECT(!seen[i]);
		seen[i] = true;
	}
	for (unsigned k = 0; k < NUM; k++)
		EXPECT(seen[k]);
	teardown();
}

static void test_gmem(void)
{
	struct vt_gmem g;
	EXPECT_EQ(vt_gmem_create(&g, 5000), 0);
	long pg = sysconf(_SC_PAGESIZE);
	EXPECT_EQ(g.size % (uint64_t)pg, 0);        /* rounded up to pages */
	EXPECT(g.size >= 5000);
	EXPECT(g.fd >= 0);
	EXPECT_EQ(g.gpa_base, VT_GMEM_GPA_BASE);

	uint64_t gpa;
	uint8_t *a = vt_gmem_alloc(&g, 3, 1, &gpa);
	EXPECT(a == g.base);
	EXPECT_EQ(gpa, VT_GMEM_GPA_BASE);
	uint8_t *b = vt_gmem_alloc(&g, 16, 16, &gpa);
	EXPECT(b == g.base + 16);
	EXPECT_EQ(gpa, VT_GMEM_GPA_BASE + 16);
	EXPECT_EQ(vt_gmem_gpa(&g, b + 1), VT_GMEM_GPA_BASE + 17);
	EXPECT(vt_gmem_alloc(&g, 1, 3, NULL) == NULL);      /* not a power of two */

	uint64_t mark = vt_gmem_mark(&g);
	memset(vt_gmem_alloc(&g, 8, 8, NULL), 0xff, 8);
	vt_gmem_release(&g, mark);
	uint8_t *c = vt_gmem_alloc(&g, 8, 8, NULL);
	EXPECT(c == g.base + 32);
	EXPECT_EQ(c[0] | c[7], 0);                          /* handed out zeroed */

	EXPECT(vt_gmem_alloc(&g, g.size, 1, NULL) == NULL); /* exhausted */
	EXPECT(vt_gmem_alloc(&g, UINT64_MAX, 1, NULL) == NULL);
	EXPECT(vt_gmem_alloc(&g, g.size - 40, 8, NULL) != NULL);   /* exactly the rest */
	EXPECT(vt_gmem_alloc(&g, 1, 1, NULL) == NULL);
	EXPECT(vt_gmem_alloc(&g, 0, 1, NULL) != NULL);
	vt_gmem_destroy(&g);
	EXPECT_EQ(g.fd, -1);
	EXPECT_EQ(vt_gmem_create(&g, 0), -EINVAL);
}

int main(void)
{
	vt_log_set_quiet(1);
	RUN(test_round_trip);
	RUN(test_ring_full);
	RUN(test_full_of_indirect_chains);
	RUN(test_add_invalid);
	RUN(test_indirect_cap);
	RUN(test_event_idx_kick_suppression);
	RUN(test_no_notify_flag);
	RUN(test_event_idx_call_suppression);
	RUN(test_call_coalescing);
	RUN(test_device_reports_bad_id);
	RUN(test_device_used_idx_jump);
	RUN(test_many_rounds_wrap);
	RUN(test_random_completion);
	RUN(test_gmem);
	return tap_done();
}
