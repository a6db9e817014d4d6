/* Control commands of an scmi instance (`serve scmi`): `domains` shows
 * the simulated platform's sensors, clocks and performance domains with
 * their values and what the driver asked of them; `set` changes a value
 * the way the platform's hardware would (a sensor reads something else, a
 * clock or performance level moves), sending the notifications the
 * driver enabled. */
#ifndef VT_CTL_SCMI_CMDS_H
#define VT_CTL_SCMI_CMDS_H

#include "ctl/ctl.h"
#include "hw/scmi_platform.h"

/* Registers the commands for platform p served by scmi_dev (a
 * vt_scmi_dev_new() device over p); both must outlive the server. */
void vt_ctl_add_scmi(struct vt_ctl_server *s, struct vt_scmi_platform *p, void *scmi_dev);

#endif
