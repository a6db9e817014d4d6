/* virtio-gpio device model (virtio spec "GPIO Device", id 41): requestq
 * messages and the eventq interrupt protocol, on top of a vt_gpio_chip. */
#ifndef VT_DEVICES_GPIO_H
#define VT_DEVICES_GPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/device.h"
#include "hw/gpio_chip.h"
#include "virtio/virtio_gpio.h"

extern const struct vt_device_model vt_model_gpio;

/* A device over chip (not owned); the chip's change_cb is taken over. */
void *vt_gpio_dev_new(struct vt_gpio_chip *chip);
void vt_gpio_dev_free(void *dev);

/* What `lines` on the control socket and `top` show. */
struct vt_gpio_line_info {
	unsigned line;
	const char *name;      /* "" when unnamed */
	int direction;         /* VT_GPIO_DIR_* */
	int value;             /* current level, or -1 if it cannot be read */
	unsigned irq_type;     /* VIRTIO_GPIO_IRQ_TYPE_* */
	bool armed;            /* an eventq buffer is queued: the IRQ is unmasked */
	bool latched;          /* an edge waits for the next unmask */
	uint64_t irqs;         /* interrupts delivered (VALID completions) */
};
unsigned vt_gpio_dev_ngpio(void *dev);
int vt_gpio_dev_line_info(void *dev, unsigned line, struct vt_gpio_line_info *out);

/* Line by offset ("3") or name ("button"); -1 when there is none. */
int vt_gpio_dev_find_line(void *dev, const char *word);

/* Sets a simulated input level (inject): -EPERM output line, -ENOTSUP
 * passthrough chip, -EINVAL bad line/level.  Fires the interrupt per the
 * line's IRQ type. */
int vt_gpio_dev_set_input(void *dev, unsigned line, int level);

/* A front-end is connected to the backend serving dev (inject --wait
 * tells "nobody there" from "the guest did not take it"). */
bool vt_gpio_dev_connected(void *dev);

/* Called after the device completed line's eventq buffer with VALID: the
 * guest got the interrupt (inject --wait). */
typedef void (*vt_gpio_irq_cb)(void *arg, unsigned line);
void vt_gpio_dev_set_irq_cb(void *dev, vt_gpio_irq_cb cb, void *arg);

#endif
