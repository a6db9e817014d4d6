/* Device side of a split virtqueue.
 *
 * The driver shares the rings with us and may rewrite them at any moment, so
 * every ring field is loaded exactly once into a local (guest_ld16 /
 * load_desc) and only the local is checked and used: nothing is validated in
 * guest memory and then read again.  Everything the driver wrote is
 * little-endian.
 *
 * Ordering, following the split-ring protocol:
 *  - acquire fence after loading avail->idx, before the ring entries and
 *    descriptors it covers;
 *  - release fence after writing used ring entries, before used->idx;
 *  - full fence before reading used_event / avail->flags to decide on a
 *    notification (our used->idx store must be visible before we read the
 *    driver's wish, or both sides can miss each other), and after writing
 *    avail_event (before re-checking avail->idx). */
#include "virtio/vq.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"
#include "util/log.h"
#include "virtio/virtio.h"

/* Stops the compiler from re-reading guest memory in place of a local copy
 * taken before it (a second read could see a different value). */
#define COMPILER_BARRIER() __asm__ __volatile__("" ::: "memory")

/* Ring fields are naturally aligned (checked in vt_vq_start), so a relaxed
 * atomic load is a single, untorn read. */
static uint16_t guest_ld16(const uint16_t *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static void guest_st16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, htole16(v), __ATOMIC_RELAXED);
}

static uint16_t *used_event_ptr(const struct vt_vq *vq)
{
	return &vq->avail->ring[vq->num];
}

static uint16_t *avail_event_ptr(const struct vt_vq *vq)
{
	return (uint16_t *)(void *)&vq->used->ring[vq->num];
}

/* ---- start / stop / fail ---------------------------------------------- */

static bool aligned(const void *p, uintptr_t a)
{
	return ((uintptr_t)p & (a - 1)) == 0;
}

int vt_vq_start(struct vt_vq *vq)
{
	unsigned num = vq->num;
	if (num == 0 || num > VT_VQ_MAX_SIZE || (num & (num - 1)))
		return -EINVAL;
	if (!vq->desc || !vq->avail || !vq->used || !vq->mem)
		return -EINVAL;
	/* The spec requires this alignment; relying on it lets ring fields be
	 * read with single untorn loads. */
	if (!aligned(vq->desc, VT_VRING_DESC_ALIGN) || !aligned(vq->avail, VT_VRING_AVAIL_ALIGN) ||
	    !aligned(vq->used, VT_VRING_USED_ALIGN))
		return -EINVAL;

	struct vt_seg *segs = calloc(num, sizeof(*segs));
	if (!segs)
		return -ENOMEM;
	free(vq->segs);
	vq->segs = segs;
	/* A (re)started queue gets a fresh chance: a reset front-end is a new
	 * driver. */
	vq->broken = false;
	vq->why[0] = '\0';
	vq->inflight = 0;
	vq->signalled_used_valid = false;
	return 0;
}

void vt_vq_stop(struct vt_vq *vq)
{
	free(vq->segs);
	vq->segs = NULL;
}

void vt_vq_fail(struct vt_vq *vq, const char *fmt, ...)
{
	/* Keep the first reason: later failures are usually consequences. */
	if (vq->broken)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(vq->why, sizeof(vq->why), fmt, ap);
	va_end(ap);
	vq->broken = true;
	vt_err("queue %u stopped: %s", vq->index, vq->why);
}

/* ---- walking a chain --------------------------------------------------- */

/* One descriptor, copied out of guest memory and converted once. */
struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static void load_desc(const uint8_t *table, unsigned i, struct desc *d)
{
	struct vt_vring_desc raw;
	memcpy(&raw, table + (size_t)i * sizeof(raw), sizeof(raw));
	COMPILER_BARRIER();
	d->addr = le64toh(raw.addr);
	d->len = le32toh(raw.len);
	d->flags = le16toh(raw.flags);
	d->next = le16toh(raw.next);
}

/* State of one walk: where descriptors come from and what was collected. */
struct walk {
	const struct vt_vq *vq;
	struct vt_chain *c;
	char *why;
	size_t whylen;
	const uint8_t *table;   /* descriptor table being followed */
	unsigned tsize;         /* its entries */
	bool in_indirect;
	bool seen_write;
};

static int bad(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct walk *w, const char *fmt, ...)
{
	if (w->why && w->whylen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(w->why, w->whylen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static const char *kind(const struct walk *w)
{
	return w->in_indirect ? "indirect descriptor" : "descriptor";
}

/* Switches the walk to the indirect table descriptor i points at. */
static int enter_indirect(struct walk *w, unsigned i, const struct desc *d)
{
	if (w->in_indirect)
		return bad(w, "indirect table inside indirect table (indirect descriptor %u)", i);
	if (!w->vq->indirect_ok)
		return bad(w, "INDIRECT in descriptor %u but INDIRECT_DESC not negotiated", i);
	if (d->flags & VT_VRING_DESC_F_NEXT)
		return bad(w, "INDIRECT and NEXT both set in descriptor %u", i);
	if (d->len == 0)
		return bad(w, "indirect table length 0 in descriptor %u", i);
	if (d->len % sizeof(struct vt_vring_desc))
		return bad(w, "indirect table length %" PRIu32 " not a multiple of 16 (descriptor %u)",
			   d->len, i);
	if (d->len > UINT64_MAX - d->addr)
		return bad(w, "descriptor %u indirect table 0x%" PRIx64 "+%" PRIu32
			   ": address+length overflow", i, d->addr, d->len);
	const uint8_t *t = vt_mem_gpa(w->vq->mem, d->addr, d->len);
	if (!t)
		return bad(w, "descriptor %u indirect table 0x%" PRIx64 "+%" PRIu32
			   " outside guest memory", i, d->addr, d->len);
	w->table = t;
	w->tsize = d->len / sizeof(struct vt_vring_desc);
	w->in_indirect = true;
	w->c->indirect = true;
	return 0;
}

/* Checks and translates a buffer descriptor and appends it to the chain. */
static int add_seg(struct walk *w, unsigned i, const struct desc *d)
{
	struct vt_chain *c = w->c;
	bool writable = d->flags & VT_VRING_DESC_F_WRITE;

	if (writable)
		w->seen_write = true;
	else if (w->seen_write)
		return bad(w, "readable %s %u after writable one", kind(w), i);
	if (c->nread + c->nwrite >= w->vq->num)
		return bad(w, "descriptor loop or chain longer than queue size (%u)", w->vq->num);
	if (d->len > UINT64_MAX - d->addr)
		return bad(w, "%s %u address 0x%" PRIx64 "+%" PRIu32 ": address+length overflow",
			   kind(w), i, d->addr, d->len);
	uint8_t *p = vt_mem_gpa(w->vq->mem, d->addr, d->len);
	if (!p)
		return bad(w, "%s %u address 0x%" PRIx64 "+%" PRIu32 " outside guest memory",
			   kind(w), i, d->addr, d->len);

	/* Cannot trigger with <= 32768 segments of < 4 GiB, but the total is
	 * what callers size buffers by, so it must never wrap. */
	uint64_t *total = writable ? &c->write_len : &c->read_len;
	if (d->len > UINT64_MAX - *total)
		return bad(w, "chain byte length overflows 64 bits at %s %u", kind(w), i);
	*total += d->len;

	c->seg[c->nread + c->nwrite] = (struct vt_seg){
		.ptr = p, .len = d->len, .gpa = d->addr, .writable = writable,
	};
	if (writable)
		c->nwrite++;
	else
		c->nread++;
	return 0;
}

int vt_vq_walk(const struct vt_vq *vq, uint16_t head, struct vt_chain *c, struct vt_seg *segs,
	       char *why, size_t whylen)
{
	struct walk w = {
		.vq = vq, .c = c, .why = why, .whylen = whylen,
		.table = (const uint8_t *)vq->desc, .tsize = vq->num,
	};
	*c = (struct vt_chain){ .head = head, .seg = segs };

	if (head >= vq->num)
		return bad(&w, "head %u >= queue size %u", head, vq->num);

	unsigned i = head;
	unsigned visited = 0;  /* in the current table: more than its size is a loop */
	for (;;) {
		if (++visited > w.tsize)
			return w.in_indirect
				? bad(&w, "descriptor loop in indirect table (%u entries)", w.tsize)
				: bad(&w, "descriptor loop or chain longer than queue size (%u)", vq->num);
		struct desc d;
		load_desc(w.table, i, &d);
		if (d.flags & VT_VRING_DESC_F_INDIRECT) {
			if (enter_indirect(&w, i, &d) < 0)
				return -1;
			i = 0;
			visited = 0;
			continue;
		}
		if (add_seg(&w, i, &d) < 0)
			return -1;
		if (!(d.flags & VT_VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= w.tsize)
			return w.in_indirect
				? bad(&w, "indirect descriptor %u: next %u >= indirect table size %u",
				      i, d.next, w.tsize)
				: bad(&w, "descriptor %u: next %u >= queue size %u", i, d.next, w.tsize);
		i = d.next;
	}
}

/* ---- pop / push --------------------------------------------------------- */

int vt_vq_pop(struct vt_vq *vq, struct vt_chain *c)
{
	if (vq->broken || !vq->segs)
		return -1;

	uint16_t avail_idx = guest_ld16(&vq->avail->idx);
	uint16_t pending = (uint16_t)(avail_idx - vq->last_avail);
	if (pending > vq->num) {
		vt_vq_fail(vq, "avail idx %u is %u ahead of last seen %u (queue size %u)",
			   avail_idx, pending, vq->last_avail, vq->num);
		return -1;
	}
	if (pending == 0)
		return 0;
	/* Ring entries and descriptors were written before avail->idx. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);

	uint16_t head = guest_ld16(&vq->avail->ring[vq->last_avail & (vq->num - 1)]);
	char why[sizeof(vq->why)];
	if (vt_vq_walk(vq, head, c, vq->segs, why, sizeof(why)) < 0) {
		vt_vq_fail(vq, "%s", why);
		return -1;
	}
	vq->last_avail++;
	vq->inflight++;
	return 1;
}

void vt_vq_push(struct vt_vq *vq, uint16_t head, uint32_t len)
{
	/* A stopped queue is left alone until the front-end resets it. */
	if (vq->broken)
		return;
	struct vt_vring_used_elem *e = &vq->used->ring[vq->used_idx & (vq->num - 1)];
	vt_st_le32(&e->id, head);
	vt_st_le32(&e->len, len);
	/* The entry must be visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vq->used_idx++;
	guest_st16(&vq->used->idx, vq->used_idx);
	if (vq->inflight)
		vq->inflight--;
}

/* ---- notifications ----------------------------------------------------- */

static bool nothing_available(const struct vt_vq *vq)
{
	return guest_ld16(&vq->avail->idx) == vq->last_avail;
}

bool vt_vq_should_notify(struct vt_vq *vq)
{
	if (vq->broken)
		return false;
	/* Our used->idx store must be globally visible before we read what the
	 * driver asked for, or it may sleep on an old used_event we ignore. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	uint16_t old = vq->signalled_used;
	bool old_valid = vq->signalled_used_valid;
	vq->signalled_used = vq->used_idx;
	vq->signalled_used_valid = true;

	/* NOTIFY_ON_EMPTY: running out of buffers is always announced. */
	if (vq->notify_on_empty && nothing_available(vq))
		return true;
	if (!vq->event_idx)
		return !(guest_ld16(&vq->avail->flags) & VT_VRING_AVAIL_F_NO_INTERRUPT);
	if (!old_valid)
		return true;
	return vt_vring_need_event(guest_ld16(used_event_ptr(vq)), vq->used_idx, old);
}

bool vt_vq_used_event(const struct vt_vq *vq, uint16_t *ev)
{
	if (!vq->event_idx || vq->broken)
		return false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*ev = guest_ld16(used_event_ptr(vq));
	return true;
}

void vt_vq_update_avail_event(struct vt_vq *vq)
{
	if (!vq->event_idx || vq->broken)
		return;
	guest_st16(avail_event_ptr(vq), vq->last_avail);
	/* The caller re-checks avail->idx next (another pop): that load must not
	 * pass this store, or a buffer added meanwhile goes unnoticed with no
	 * kick coming. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* ---- payload access ---------------------------------------------------- */

/* Copies between buf and the byte stream formed by segs[0..n), starting at
 * stream offset off. */
static size_t copy_stream(const struct vt_seg *segs, unsigned n, uint64_t off,
			  uint8_t *buf, size_t len, bool to_guest)
{
	size_t done = 0;
	for (unsigned i = 0; i < n && done < len; i++) {
		const struct vt_seg *s = &segs[i];
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		size_t take = s->len - (size_t)off;
		if (take > len - done)
			take = len - done;
		if (to_guest)
			memcpy(s->ptr + off, buf + done, take);
		else
			memcpy(buf + done, s->ptr + off, take);
		done += take;
		off = 0;
	}
	return done;
}

size_t vt_chain_read(const struct vt_chain *c, uint64_t off, void *dst, size_t len)
{
	return copy_stream(c->seg, c->nread, off, dst, len, false);
}

size_t vt_chain_write(const struct vt_chain *c, uint64_t off, const void *src, size_t len)
{
	/* copy_stream only reads buf when copying to the guest. */
	return copy_stream(c->seg + c->nread, c->nwrite, off, (uint8_t *)(uintptr_t)src, len, true);
}

size_t vt_chain_read_writable(const struct vt_chain *c, uint64_t off, void *dst, size_t len)
{
	return copy_stream(c->seg + c->nread, c->nwrite, off, dst, len, false);
}
