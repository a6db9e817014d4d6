/* The VMM's requests a proxy waits for the back-end to answer, oldest
 * first, each kept as it was forwarded (payload, and dups of its fds): a
 * back-end that dies before it answers is asked again once it is back, so
 * the VMM, which waits for the answer, still gets one. */
#ifndef VT_PROXY_PENDING_H
#define VT_PROXY_PENDING_H

#include <stdbool.h>
#include <stdint.h>

#include "vhost/proto.h"

#define VT_PXPEND_MAX 32

struct vt_pxpend_entry {
	bool answer_here;         /* after a restart: the proxy answers it, not the back-end */
	struct vt_vhost_msg m;    /* as forwarded; m.fds are the entry's own dups */
};

struct vt_pxpend {
	struct vt_pxpend_entry *e;   /* VT_PXPEND_MAX */
	unsigned head, n;
};

/* 0, or -ENOMEM. */
int vt_pxpend_init(struct vt_pxpend *q);
void vt_pxpend_free(struct vt_pxpend *q);
bool vt_pxpend_full(const struct vt_pxpend *q);
/* Keeps m (and dups of fds; keep_fds false: none).  The caller checked
 * that it is not full. */
void vt_pxpend_push(struct vt_pxpend *q, const struct vt_vhost_msg *m, const int *fds, unsigned nfds, bool keep_fds);
/* The i-th oldest (i < n). */
struct vt_pxpend_entry *vt_pxpend_at(struct vt_pxpend *q, unsigned i);
/* Forgets the oldest (its fds closed). */
void vt_pxpend_pop(struct vt_pxpend *q);
void vt_pxpend_clear(struct vt_pxpend *q);

#endif
