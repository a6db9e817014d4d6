/* virtio-gpio device model (virtio spec "GPIO Device", id 41): requestq
 * messages and the eventq interrupt protocol, on top of a vt_gpio_chip. */
#ifndef VT_DEVICES_GPIO_H
#define VT_DEVICES_GPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/device.h"
#include "hw/gpio_chip.h"

/* virtio-gpio wire constants */
#define VIRTIO_GPIO_F_IRQ 0
#define VIRTIO_GPIO_MSG_GET_LINE_NAMES 1
#define VIRTIO_GPIO_MSG_GET_DIRECTION  2
#define VIRTIO_GPIO_MSG_SET_DIRECTION  3
#define VIRTIO_GPIO_MSG_GET_VALUE      4
#define VIRTIO_GPIO_MSG_SET_VALUE      5
#define VIRTIO_GPIO_MSG_SET_IRQ_TYPE   6
#define VIRTIO_GPIO_STATUS_OK  0
#define VIRTIO_GPIO_STATUS_ERR 1
#define VIRTIO_GPIO_IRQ_TYPE_NONE         0
#define VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING  1
#define VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING 2
#define VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH    3
#define VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH   4
#define VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW    8
#define VIRTIO_GPIO_IRQ_STATUS_INVALID 0
#define VIRTIO_GPIO_IRQ_STATUS_VALID   1
#define VIRTIO_GPIO_REQUESTQ 0
#define VIRTIO_GPIO_EVENTQ   1

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

/* Called after the device completed line's eventq buffer with VALID: the
 * guest got the interrupt (inject --wait). */
typedef void (*vt_gpio_irq_cb)(void *arg, unsigned line);
void vt_gpio_dev_set_irq_cb(void *dev, vt_gpio_irq_cb cb, void *arg);

/* Wire-format helpers shared with the decoder and the driver. */
const char *vt_gpio_msg_name(unsigned type);      /* "GET_VALUE", or NULL */
const char *vt_gpio_irq_type_name(unsigned type); /* "edge-rising", ..., or NULL */

#endif
