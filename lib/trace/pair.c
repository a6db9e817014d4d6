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

/* A request offering key: made available now, or completing. */
static void offer(struct vt_trace_pairs *p, const struct vt_rec *r, uint64_t key, bool completing)
{
	struct vt_trace_pair *e = find(p, r, key);

	if (e && completing) {
		if (e->req_id == r->req_id)
			e->done = true;
		return;
	}
	if (!e) {   /* a new key, or a request made before the capture */
		e = &p->e[p->next];
		p->next = (p->next + 1) % VT_TRACE_PAIRS;
	}
	/* The newest request with a key is the one answers mean: tokens
	 * come round again. */
	*e = (struct vt_trace_pair){ .key = key, .req_id = r->req_id, .virtio_id = r->virtio_id,
				     .instance = r->instance, .done = completing, .used = true };
}

void vt_trace_pairs_note(struct vt_trace_pairs *p, struct vt_trace_view *v)
{
	const struct vt_rec *r = v->rec;
	bool completing = r->kind == VT_REC_USED || r->kind == VT_REC_LATE;

	if (r->kind != VT_REC_AVAIL && !completing)
		return;
	for (unsigned i = 0; i < v->f.noffer && i < 2; i++)
		offer(p, r, v->f.offer[i], completing);
	if (!completing || !v->f.answers)
		return;
	const struct vt_trace_pair *e = find(p, r, v->f.answers);
	if (!e)
		return;
	v->answers_id = e->req_id;
	v->overtook = v->f.answers_after && !e->done;
}
