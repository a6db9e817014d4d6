/* The requests a proxy waits on (see pending.h). */
#include "proxy/pending.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "vhost/msg.h"

int vt_pxpend_init(struct vt_pxpend *q)
{
	*q = (struct vt_pxpend){ .e = calloc(VT_PXPEND_MAX, sizeof(*q->e)) };
	return q->e ? 0 : -ENOMEM;
}

void vt_pxpend_free(struct vt_pxpend *q)
{
	if (q->e)
		vt_pxpend_clear(q);
	free(q->e);
	q->e = NULL;
}

bool vt_pxpend_full(const struct vt_pxpend *q)
{
	return q->n == VT_PXPEND_MAX;
}

void vt_pxpend_push(struct vt_pxpend *q, const struct vt_vhost_msg *m, const int *fds, unsigned nfds, bool keep_fds)
{
	struct vt_pxpend_entry *e = &q->e[(q->head + q->n++) % VT_PXPEND_MAX];

	e->answer_here = false;
	e->m.request = m->request;
	e->m.flags = m->flags;
	e->m.size = m->size <= sizeof(e->m.p) ? m->size : (uint32_t)sizeof(e->m.p);
	memcpy(e->m.p.raw, m->p.raw, e->m.size);
	e->m.nfds = 0;
	for (unsigned i = 0; keep_fds && i < nfds && i < VT_VHOST_MAX_FDS; i++) {
		int d = fcntl(fds[i], F_DUPFD_CLOEXEC, 0);
		if (d < 0) {
			vt_warn("proxy: keeping an fd of %s for a restart: %s", vt_vhost_request_name(m->request),
				strerror(errno));
			continue;
		}
		e->m.fds[e->m.nfds++] = d;
	}
}

struct vt_pxpend_entry *vt_pxpend_at(struct vt_pxpend *q, unsigned i)
{
	return &q->e[(q->head + i) % VT_PXPEND_MAX];
}

void vt_pxpend_pop(struct vt_pxpend *q)
{
	if (!q->n)
		return;
	vt_vhost_close_fds(&q->e[q->head].m);
	q->head = (q->head + 1) % VT_PXPEND_MAX;
	q->n--;
}

void vt_pxpend_clear(struct vt_pxpend *q)
{
	while (q->n)
		vt_pxpend_pop(q);
	q->head = 0;
}
