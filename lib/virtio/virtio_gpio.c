/* virtio-gpio code names (see virtio_gpio.h). */
#include "virtio/virtio_gpio.h"

const struct vt_tok vt_gpio_msg_names[] = {
	{ VIRTIO_GPIO_MSG_GET_LINE_NAMES, "GET_LINE_NAMES" },
	{ VIRTIO_GPIO_MSG_GET_DIRECTION, "GET_DIRECTION" },
	{ VIRTIO_GPIO_MSG_SET_DIRECTION, "SET_DIRECTION" },
	{ VIRTIO_GPIO_MSG_GET_VALUE, "GET_VALUE" },
	{ VIRTIO_GPIO_MSG_SET_VALUE, "SET_VALUE" },
	{ VIRTIO_GPIO_MSG_SET_IRQ_TYPE, "SET_IRQ_TYPE" },
	{ 0, NULL },
};

const struct vt_tok vt_gpio_status_names[] = {
	{ VIRTIO_GPIO_STATUS_OK, "OK" },
	{ VIRTIO_GPIO_STATUS_ERR, "ERR" },
	{ 0, NULL },
};

const struct vt_tok vt_gpio_direction_names[] = {
	{ VIRTIO_GPIO_DIRECTION_NONE, "none" },
	{ VIRTIO_GPIO_DIRECTION_OUT, "out" },
	{ VIRTIO_GPIO_DIRECTION_IN, "in" },
	{ 0, NULL },
};

const struct vt_tok vt_gpio_irq_type_names[] = {
	{ VIRTIO_GPIO_IRQ_TYPE_NONE, "none" },
	{ VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING, "edge-rising" },
	{ VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING, "edge-falling" },
	{ VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH, "edge-both" },
	{ VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH, "level-high" },
	{ VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW, "level-low" },
	{ 0, NULL },
};

const struct vt_tok vt_gpio_irq_status_names[] = {
	{ VIRTIO_GPIO_IRQ_STATUS_INVALID, "INVALID" },
	{ VIRTIO_GPIO_IRQ_STATUS_VALID, "VALID" },
	{ 0, NULL },
};

const char *vt_gpio_msg_name(unsigned type)
{
	return vt_tok_name(vt_gpio_msg_names, type);
}

const char *vt_gpio_irq_type_name(unsigned type)
{
	return vt_tok_name(vt_gpio_irq_type_names, type);
}
