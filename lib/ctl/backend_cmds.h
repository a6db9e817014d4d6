/* Control commands every backend instance has: `stats` (per-queue counters,
 * what `top` shows) and `inflight` (the requests held now). */
#ifndef VT_CTL_BACKEND_CMDS_H
#define VT_CTL_BACKEND_CMDS_H

#include "ctl/ctl.h"
#include "vhost/backend.h"

/* b must outlive the server. */
void vt_ctl_add_backend(struct vt_ctl_server *s, struct vt_backend *b);

#endif
