/* virtio-gpio in the device registry. */
#include "devices/registry.h"

#include "decode/decode.h"
#include "virtio/virtio.h"
#include "virtio/virtio_gpio.h"

static const char *const queues[] = { "requestq", "eventq", NULL };

const struct vt_device_type vt_type_gpio = {
	.name = "gpio",
	.virtio_id = VIRTIO_ID_GPIO,
	.num_queues = 2,
	.queue_names = queues,
	/* An eventq buffer waits for the line's interrupt, however long. */
	.event_queues = 1u << VIRTIO_GPIO_EVENTQ,
	.decoder = &vt_decoder_gpio,
};
