/* Driver side of a split virtqueue, used by vitool's own front-end.
 *
 * The chain links are kept in host memory (q->next) as well as in the
 * descriptors: the device sees the descriptor table and a buggy one could
 * rewrite it, which must not corrupt our free list.  For the same reason
 * every used entry the device writes is checked before it is trusted. */
#include "virtio/dvq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"
#include "util/log.h"
#include "virtio/virtio.h"

/* Ring index fields are naturally aligned: single untorn accesses. */
static uint16_t ring_ld16(const uint16_t *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static void ring_st16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, htole16(v), __ATOMIC_RELAXED);
}

static uint16_t *used_event_ptr(const struct vt_dvq *q)
{
	return &q->avail->ring[q->num];
}

static uint16_t *avail_event_ptr(const struct vt_dvq *q)
{
	return (uint16_t *)(void *)&q->used->ring[q->num];
}

static void set_desc(struct vt_vring_desc *d, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	vt_st_le64(&d->addr, addr);
	vt_st_le32(&d->len, len);
	vt_st_le16(&d->flags, flags);
	vt_st_le16(&d->next, next);
}

/* ---- init / free -------------------------------------------------------- */

static int alloc_rings(struct vt_dvq *q, struct vt_gmem *g)
{
	unsigned num = q->num;
	q->desc = vt_gmem_alloc(g, vt_vring_desc_size(num), VT_VRING_DESC_ALIGN, NULL);
	/* avail and used include the trailing event index fields. */
	q->avail = vt_gmem_alloc(g, vt_vring_avail_size(num), VT_VRING_AVAIL_ALIGN, NULL);
	q->used = vt_gmem_alloc(g, vt_vring_used_size(num), VT_VRING_USED_ALIGN, NULL);
	if (!q->desc || !q->avail || !q->used)
		return -ENOMEM;

	/* One block for every head's indirect table (see dvq.h for the cap). */
	size_t per_head = vt_dvq_indirect_max(q);
	struct vt_vring_desc *tables =
		vt_gmem_alloc(g, (uint64_t)num * per_head * sizeof(*tables), VT_VRING_DESC_ALIGN, NULL);
	if (!tables)
		return -ENOMEM;
	for (unsigned h = 0; h < num; h++)
		q->ind[h] = tables + (size_t)h * per_head;
	return 0;
}

static int alloc_host_arrays(struct vt_dvq *q)
{
	q->token = calloc(q->num, sizeof(*q->token));
	q->ndesc = calloc(q->num, sizeof(*q->ndesc));
	q->ind = calloc(q->num, sizeof(*q->ind));
	q->next = calloc(q->num, sizeof(*q->next));
	return q->token && q->ndesc && q->ind && q->next ? 0 : -ENOMEM;
}

int vt_dvq_init(struct vt_dvq *q, struct vt_gmem *g, uint16_t num, bool event_idx)
{
	memset(q, 0, sizeof(*q));
	if (num == 0 || num > VT_VQ_MAX_SIZE || (num & (num - 1)))
		return -EINVAL;
	q->num = num;
	q->mem = g;
	q->event_idx = event_idx;

	int rc = alloc_host_arrays(q);
	if (rc == 0)
		rc = alloc_rings(q, g);
	if (rc < 0) {
		vt_dvq_free(q);
		return rc;
	}
	/* Every descriptor starts on the free list, in index order. */
	for (unsigned i = 0; i < num; i++)
		q->next[i] = (uint16_t)(i + 1);
	q->free_head = 0;
	q->num_free = num;
	return 0;
}

void vt_dvq_free(struct vt_dvq *q)
{
	/* Ring memory belongs to the gmem and goes with it. */
	free(q->token);
	free(q->ndesc);
	free(q->ind);
	free(q->next);
	q->token = NULL;
	q->ndesc = NULL;
	q->ind = NULL;
	q->next = NULL;
}

/* ---- adding chains ------------------------------------------------------ */

static bool order_ok(const struct vt_dseg *segs, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		if (segs[i - 1].writable && !segs[i].writable)
			return false;
	return true;
}

static uint16_t seg_flags(const struct vt_dseg *s, bool more)
{
	return (uint16_t)((s->writable ? VT_VRING_DESC_F_WRITE : 0) | (more ? VT_VRING_DESC_F_NEXT : 0));
}

/* Takes n descriptors off the free list; returns the first. */
static uint16_t take_descs(struct vt_dvq *q, unsigned n)
{
	uint16_t head = q->free_head;
	uint16_t i = head;
	for (unsigned k = 1; k < n; k++)
		i = q->next[i];
	q->free_head = q->next[i];
	q->num_free = (uint16_t)(q->num_free - n);
	return head;
}

static void fill_direct(struct vt_dvq *q, uint16_t head, const struct vt_dseg *segs, unsigned n)
{
	uint16_t i = head;
	for (unsigned k = 0; k < n; k++) {
		bool more = k + 1 < n;
		set_desc(&q->desc[i], segs[k].gpa, segs[k].len, seg_flags(&segs[k], more),
			 more ? q->next[i] : 0);
		i = q->next[i];
	}
}

static void fill_indirect(struct vt_dvq *q, uint16_t head, const struct vt_dseg *segs, unsigned n)
{
	struct vt_vring_desc *t = q->ind[head];
	for (unsigned k = 0; k < n; k++) {
		bool more = k + 1 < n;
		set_desc(&t[k], segs[k].gpa, segs[k].len, seg_flags(&segs[k], more),
			 more ? (uint16_t)(k + 1) : 0);
	}
	set_desc(&q->desc[head], vt_gmem_gpa(q->mem, t), (uint32_t)(n * sizeof(*t)),
		 VT_VRING_DESC_F_INDIRECT, 0);
}

int vt_dvq_add(struct vt_dvq *q, const struct vt_dseg *segs, unsigned n, bool indirect, void *token)
{
	if (n == 0 || !token || !order_ok(segs, n))
		return -EINVAL;
	if (indirect ? n > vt_dvq_indirect_max(q) : n > q->num)
		return -EINVAL;
	unsigned need = indirect ? 1 : n;
	if (need > q->num_free)
		return -ENOSPC;

	uint16_t head = take_descs(q, need);
	if (indirect)
		fill_indirect(q, head, segs, n);
	else
		fill_direct(q, head, segs, n);
	q->token[head] = token;
	q->ndesc[head] = (uint16_t)need;

	/* Visible to the device only at the next vt_dvq_publish. */
	vt_st_le16(&q->avail->ring[q->avail_idx & (q->num - 1)], head);
	q->avail_idx++;
	return 0;
}

bool vt_dvq_publish(struct vt_dvq *q)
{
	uint16_t old = q->published_idx;
	uint16_t new = q->avail_idx;
	if (old == new)
		return false;
	/* Descriptors and ring entries before the index that publishes them. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	ring_st16(&q->avail->idx, new);
	q->published_idx = new;
	/* The index store must be visible before we read whether the device
	 * wants a kick, or it may go to sleep on the old index unkicked. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (q->event_idx)
		return vt_vring_need_event(ring_ld16(avail_event_ptr(q)), new, old);
	return !(ring_ld16(&q->used->flags) & VT_VRING_USED_F_NO_NOTIFY);
}

/* ---- reaping used entries ----------------------------------------------- */

static void *device_broke(struct vt_dvq *q, const char *what, unsigned a, unsigned b)
{
	q->broken = true;
	vt_err("device broke the used ring: %s %u (%u)", what, a, b);
	return NULL;
}

/* Returns the head's descriptors to the free list (following our own links). */
static void release_chain(struct vt_dvq *q, uint16_t head)
{
	uint16_t tail = head;
	for (unsigned k = 1; k < q->ndesc[head]; k++)
		tail = q->next[tail];
	q->next[tail] = q->free_head;
	q->free_head = head;
	q->num_free = (uint16_t)(q->num_free + q->ndesc[head]);
	q->ndesc[head] = 0;
	q->token[head] = NULL;
}

void *vt_dvq_get(struct vt_dvq *q, uint32_t *len, uint16_t *head)
{
	if (q->broken)
		return NULL;
	uint16_t used_idx = ring_ld16(&q->used->idx);
	uint16_t ready = (uint16_t)(used_idx - q->last_used);
	if (ready == 0)
		return NULL;
	if (ready > q->num)
		return device_broke(q, "used idx ahead by", ready, q->num);
	/* The entry was written before used->idx. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);

	const struct vt_vring_used_elem *e = &q->used->ring[q->last_used & (q->num - 1)];
	uint32_t id = vt_ld_le32(&e->id);
	uint32_t ulen = vt_ld_le32(&e->len);
	if (id >= q->num || !q->token[id])
		return device_broke(q, "used id not in flight:", id, q->last_used);

	void *token = q->token[id];
	release_chain(q, (uint16_t)id);
	q->last_used++;
	/* Callbacks stay enabled: ask for a call at the next used entry, or a
	 * stale used_event would silence the device for 65536 entries. */
	if (q->event_idx && !q->cb_off)
		ring_st16(used_event_ptr(q), q->last_used);
	if (len)
		*len = ulen;
	if (head)
		*head = (uint16_t)id;
	return token;
}

void vt_dvq_disable_cb(struct vt_dvq *q)
{
	q->cb_off = true;
	if (!q->event_idx)
		ring_st16(&q->avail->flags,
			  (uint16_t)(ring_ld16(&q->avail->flags) | VT_VRING_AVAIL_F_NO_INTERRUPT));
}

void vt_dvq_enable_cb(struct vt_dvq *q)
{
	q->cb_off = false;
	if (q->event_idx)
		ring_st16(used_event_ptr(q), (uint16_t)(q->last_used + q->cb_delay));
	else
		ring_st16(&q->avail->flags,
			  (uint16_t)(ring_ld16(&q->avail->flags) & ~VT_VRING_AVAIL_F_NO_INTERRUPT));
	/* The caller checks for used entries next: that read must not pass
	 * this store, or an entry used meanwhile is missed with no call. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
