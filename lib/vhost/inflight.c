/* In-flight requests of a queue (see inflight.h). */
#include "vhost/inflight.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int vt_inflight_init(struct vt_inflight_list *l, uint32_t cap)
{
	memset(l, 0, sizeof(*l));
	l->oldest = l->newest = VT_INFLIGHT_END;
	l->grows = cap == 0;
	if (cap && !(l->v = calloc(cap, sizeof(*l->v))))
		return -ENOMEM;
	l->cap = cap;
	return 0;
}

void vt_inflight_free(struct vt_inflight_list *l)
{
	free(l->v);
	vt_inflight_init(l, 0);
}

void vt_inflight_clear(struct vt_inflight_list *l)
{
	if (l->v)
		memset(l->v, 0, l->cap * sizeof(*l->v));
	l->oldest = l->newest = VT_INFLIGHT_END;
	l->n = 0;
}

static int grow(struct vt_inflight_list *l, uint16_t head)
{
	uint32_t cap = l->cap ? l->cap : 64;

	while (cap <= head)
		cap *= 2;
	struct vt_inflight *v = realloc(l->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memset(v + l->cap, 0, (cap - l->cap) * sizeof(*v));
	l->v = v;
	l->cap = cap;
	return 0;
}

struct vt_inflight *vt_inflight_at(const struct vt_inflight_list *l, uint16_t head)
{
	return head < l->cap && l->v[head].req_id ? &l->v[head] : NULL;
}

void vt_inflight_remove(struct vt_inflight_list *l, uint16_t head)
{
	struct vt_inflight *f = vt_inflight_at(l, head);

	if (!f)
		return;
	if (f->prev != VT_INFLIGHT_END)
		l->v[f->prev].next = f->next;
	else
		l->oldest = f->next;
	if (f->next != VT_INFLIGHT_END)
		l->v[f->next].prev = f->prev;
	else
		l->newest = f->prev;
	f->req_id = 0;
	l->n--;
}

int vt_inflight_add(struct vt_inflight_list *l, uint16_t head, uint64_t req_id, uint64_t t_ns)
{
	if (head >= l->cap) {
		if (!l->grows)
			return -ERANGE;
		int r = grow(l, head);
		if (r < 0)
			return r;
	}
	vt_inflight_remove(l, head);
	l->v[head] = (struct vt_inflight){ .req_id = req_id, .t_avail = t_ns, .head = head,
					   .prev = l->newest, .next = VT_INFLIGHT_END };
	if (l->newest != VT_INFLIGHT_END)
		l->v[l->newest].next = head;
	else
		l->oldest = head;
	l->newest = head;
	l->n++;
	return 0;
}

struct vt_inflight *vt_inflight_oldest(const struct vt_inflight_list *l)
{
	return l->oldest != VT_INFLIGHT_END ? &l->v[l->oldest] : NULL;
}

struct vt_inflight *vt_inflight_next(const struct vt_inflight_list *l, const struct vt_inflight *f)
{
	return f->next != VT_INFLIGHT_END ? &l->v[f->next] : NULL;
}
