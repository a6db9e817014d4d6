/* Fault injection on the control socket: `fault add RULE`, `fault list`,
 * `fault del ID`, `fault clear`, `release ID|all`; and what the fault set
 * adds to `stats` (rule hits) and `inflight` (the rule holding a request).
 * Documented in vitool-control(7), FAULTS. */
#ifndef VT_CTL_FAULT_CMDS_H
#define VT_CTL_FAULT_CMDS_H

#include "ctl/ctl.h"
#include "fault/fault.h"
#include "vhost/backend.h"

/* The backend commands (ctl/backend_cmds.h) with the fault set's members,
 * and the fault commands.  b and fs must outlive the server. */
void vt_ctl_add_faults(struct vt_ctl_server *s, struct vt_backend *b, struct vt_fault_set *fs,
		       const struct vt_device_type *t);

#endif
