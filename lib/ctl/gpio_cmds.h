/* Control commands of a gpio instance (`serve gpio`): `lines` shows every
 * line; `inject` sets simulated input levels, optionally as a pulse, and can
 * hold its reply until the guest has taken the interrupt (vitool inject
 * gpio --wait). */
#ifndef VT_CTL_GPIO_CMDS_H
#define VT_CTL_GPIO_CMDS_H

#include "ctl/ctl.h"
#include "util/loop.h"

/* Registers the commands for gpio_dev (a vt_gpio_dev_new() device) and takes
 * over the device's irq callback (vt_gpio_dev_set_irq_cb).  Everything is
 * released when the server is freed; free the server before the device. */
void vt_ctl_add_gpio(struct vt_ctl_server *s, void *gpio_dev, struct vt_loop *loop);
/* The same, and every interrupt the device delivers (an eventq buffer
 * completed VALID) is also passed to tap(tap_arg, line): the trace
 * recorder's IRQ_INJECTED records.  tap_arg must outlive the server. */
void vt_ctl_add_gpio_tap(struct vt_ctl_server *s, void *gpio_dev, struct vt_loop *loop,
			 void (*tap)(void *arg, unsigned line), void *tap_arg);

#endif
