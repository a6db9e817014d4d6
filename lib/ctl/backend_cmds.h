/* Control commands every backend instance has: `stats` (per-queue counters,
 * what `top` shows) and `inflight` (the requests held now). */
#ifndef VT_CTL_BACKEND_CMDS_H
#define VT_CTL_BACKEND_CMDS_H

#include "ctl/ctl.h"
#include "vhost/backend.h"

/* b must outlive the server. */
void vt_ctl_add_backend(struct vt_ctl_server *s, struct vt_backend *b);

/* What the backend's completion stage (the fault layer) adds: members of
 * the `stats` reply, and of each `inflight` request it keeps. */
struct vt_ctl_backend_ext {
	void (*stats)(struct vt_json *j, void *arg);
	void (*request)(struct vt_json *j, unsigned q, uint64_t req_id, void *arg);
	void *arg;
};
/* vt_ctl_add_backend with ext (which must outlive the server). */
void vt_ctl_add_backend_ext(struct vt_ctl_server *s, struct vt_backend *b, const struct vt_ctl_backend_ext *ext);

#endif
