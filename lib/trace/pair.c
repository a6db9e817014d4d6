/* Pairing messages across queues (see pair.h). */
#include "trace/pair.h"

#include <string.h>

#include "trace/print.h"

void vt_trace_pairs_init(struct vt_trace_pairs *p)
{
	memset(p, 0, sizeof(*p));
}

static struct vt_trace_pair *find(struct vt_trace_pairs *p, const struct vt_rec *r, uint64_t key)
{
	for (unsigned i = 0; i < VT_TRACE_PAIRS; i++) {
		struct vt_trace_pair *e = &p->e[i];
		if (e->used && e->key == key && e->virtio_id == r->virtio_id && e->instance == r->instance)
			return e;
	}
	return NULL;
}

/* A request offering key: made available now, or completing (a failed
 * one awaits nothing: no delayed response follows an error). */
static void offer(struct vt_trace_pairs *p, const struct vt_rec *r, uint64_t key, bool completing, bool awaits,
		  bool failed)
{
	struct vt_trace_pair *e = find(p, r, key);

	if (e && completing) {
		if (e->req_id == r->req_id) {
			e->done = true;
			e->awaits = e->awaits && !failed;
		}
		return;
	}
	if (!e) {   /* a new key, or a request made before the capture */
		e = &p->e[p->next];
		p->next = (p->next + 1) % VT_TRACE_PAIRS;
	}
	/* The newest request with a key is the one answers mean: tokens
	 * come round again. */
	*e = (struct vt_trace_pair){ .key = key, .req_id = r->req_id, .virtio_id = r->virtio_id,
				     .instance = r->instance, .done = completing, .awaits = awaits && !failed,
				     .used = true };
}

/* Does a request older than e's, of its device, await its answer still? */
static bool older_awaits(const struct vt_trace_pairs *p, const struct vt_trace_pair *e)
{
	for (unsigned i = 0; i < VT_TRACE_PAIRS; i++) {
		const struct vt_trace_pair *o = &p->e[i];
		if (o->used && o->awaits && o->req_id < e->req_id && o->virtio_id == e->virtio_id &&
		    o->instance == e->instance)
			return true;
	}
	return false;
}

static void forget_awaited(struct vt_trace_pairs *p, const struct vt_rec *r)
{
	for (unsigned i = 0; i < VT_TRACE_PAIRS; i++)
		if (p->e[i].virtio_id == r->virtio_id && p->e[i].instance == r->instance)
			p->e[i].awaits = false;
}

void vt_trace_pairs_note(struct vt_trace_pairs *p, struct vt_trace_view *v)
{
	const struct vt_rec *r = v->rec;
	bool completing = r->kind == VT_REC_USED || r->kind == VT_REC_LATE;

	if (r->kind == VT_REC_CONNECT || r->kind == VT_REC_DISCONNECT)
		forget_awaited(p, r);
	if (r->kind != VT_REC_AVAIL && !completing)
		return;
	for (unsigned i = 0; i < v->f.noffer && i < 2; i++)
		offer(p, r, v->f.offer[i], completing, i == 0 && v->f.offer_awaits,
		      completing && v->f.status == VT_DECODE_ST_ERR);
	if (!completing || !v->f.answers)
		return;
	struct vt_trace_pair *e = find(p, r, v->f.answers);
	if (!e)
		return;
	v->answers_id = e->req_id;
	v->overtook = v->f.answers_after && !e->done;
	if (e->awaits && older_awaits(p, e))
		v->ooo = true;
	e->awaits = false;
}
